mod metrics;
mod report;
mod importers;
mod negatives;

mod importers;
mod metrics;
mod negatives;
mod report;

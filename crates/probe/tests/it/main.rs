mod metrics;
mod report;
mod placeholder {}
mod importers;
mod negatives;

mod importers;
mod negatives;
mod report;

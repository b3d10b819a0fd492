mod negatives;
mod report;

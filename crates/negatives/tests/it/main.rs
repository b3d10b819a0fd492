mod negatives;

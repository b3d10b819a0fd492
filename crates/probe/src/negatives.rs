//! TODO: filled in by the negatives work.

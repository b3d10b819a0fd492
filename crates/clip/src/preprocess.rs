//! TODO: filled in by the preprocess work.

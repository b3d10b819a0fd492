//! TODO: filled in by the metrics work.

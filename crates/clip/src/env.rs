//! TODO: filled in by the env work.

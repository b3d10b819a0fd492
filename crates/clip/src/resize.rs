//! TODO: filled in by the resize work.

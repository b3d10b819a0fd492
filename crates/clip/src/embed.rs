//! TODO: filled in by the embed work.

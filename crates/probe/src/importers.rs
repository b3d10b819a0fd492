//! TODO: filled in by the importers work.

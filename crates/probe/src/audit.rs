//! TODO: filled in by the audit work.

//! Integration tests of the bench crate.

mod importers;

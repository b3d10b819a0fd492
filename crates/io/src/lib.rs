//! # clipprobe-io
//!
//! clipprobe's file handling, in one place, with no other clipprobe crate below it:
//!
//! - [`formats`]: file formats and safe writing (an [`formats::OutputSet`] replaced whole or
//!   not at all, `.npy`, caption files, JSON / JSON Lines, CSV lines, SHA-256);
//! - [`cache`]: the on-disk embedding cache (append-only, checksummed, shared under a lock).
//!
//! Errors are [`Error`]: each variant names the file, and the line, row or value at fault.

pub mod cache;
pub mod error;
pub mod formats;

pub use error::{Error, Result};

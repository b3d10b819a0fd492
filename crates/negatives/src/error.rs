//! The negatives generator's error type. Variants name the file and line at fault.

use std::path::PathBuf;

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Errors of the negatives generator (lexicon files, caption files, corpus tables, options).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A line of a lexicon, table or caption file is bad (1-based line number).
    #[error("{path}:{line}: {message}")]
    Line {
        path: PathBuf,
        line: usize,
        message: String,
    },
    /// A whole file is bad (wrong shape, missing column, empty, ...).
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
    /// Reading or writing a file failed (`clipprobe-io`'s typed error).
    #[error(transparent)]
    Format(#[from] clipprobe_io::Error),
    /// A benchmark record could not be built or written (`clipprobe-bench`'s typed error).
    #[error(transparent)]
    Bench(#[from] clipprobe_bench::Error),
    /// Bad arguments or inconsistent inputs of the generator (empty sets, ...).
    #[error("{0}")]
    Input(String),
}

//! The crate's one error type. Every variant names the file, tensor or field it is about.

use std::path::PathBuf;

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while resolving, loading or running a CLIP checkpoint.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A JSON configuration file is malformed or has a field of the wrong type.
    #[error("invalid {path}: {message}")]
    Config { path: PathBuf, message: String },
    /// A required file is not in the model folder / snapshot.
    #[error("{path}: missing file ({what})")]
    MissingFile { path: PathBuf, what: String },
    /// A tensor the architecture needs is absent from the weights.
    #[error("missing tensor `{name}` in {path}")]
    MissingTensor { name: String, path: PathBuf },
    /// A tensor has a shape other than the config implies.
    #[error("tensor `{name}` in {path} has shape {found:?}, expected {expected:?}")]
    TensorShape {
        name: String,
        path: PathBuf,
        expected: Vec<usize>,
        found: Vec<usize>,
    },
    /// The safetensors file (or shard) is corrupt, truncated or of an unsupported dtype.
    #[error("cannot load weights from {path}: {message}")]
    Weights { path: PathBuf, message: String },
    /// A pickled checkpoint names a GLOBAL that could run code (anything but the torch
    /// functions that rebuild tensors); nothing of it is loaded.
    #[error(
        "refusing {path}: its pickle calls `{global}`, which is not a tensor-rebuilding torch \
         function (loading it with torch.load could execute code); convert the tensors you \
         trust to safetensors"
    )]
    UnsafePickle { path: PathBuf, global: String },
    /// The architecture (or activation) of a checkpoint cannot be determined safely.
    #[error("{path}: {message}")]
    Arch { path: PathBuf, message: String },
    /// Tokenizer load or encode failure.
    #[error("tokenizer {path}: {message}")]
    Tokenizer { path: PathBuf, message: String },
    /// An image could not be opened or decoded.
    #[error("cannot decode image {path}: {message}")]
    Image { path: PathBuf, message: String },
    /// Model source resolution (Hub download, offline cache lookup) failed.
    #[error("{0}")]
    Source(String),
    /// One row of the caller's input is bad (`what` is `text` or `image`, `row` the caller's
    /// 0-based index: a token sequence too long or outside the vocabulary, nothing to pool, a
    /// non-finite embedding).
    #[error("{what} #{row}: {message}")]
    InputRow {
        what: &'static str,
        row: usize,
        message: String,
    },
    /// Bad input given by the caller (empty batch, wrong dims, ...).
    #[error("{0}")]
    Input(String),
    /// An error inside candle.
    #[error(transparent)]
    Candle(#[from] candle_core::Error),
}

//! The io crate's error type: every variant names the file, and the line, row or value at
//! fault. Messages never name command-line flags (the CLI adds those).

use std::path::PathBuf;

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why reading or writing a file failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A line of a text file is not valid UTF-8 (1-based line and byte of the line).
    #[error("{path}:{line}: not valid UTF-8 (byte {byte} of the line)")]
    NotUtf8 {
        path: PathBuf,
        line: usize,
        byte: usize,
    },
    /// A line of a JSON Lines file does not parse as the expected value (1-based line).
    #[error("{path}:{line}: {source}")]
    JsonLine {
        path: PathBuf,
        line: usize,
        #[source]
        source: serde_json::Error,
    },
    /// A JSON file does not parse as the expected value.
    #[error("{path}: {source}")]
    Json {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    /// A value could not be serialised for `path`.
    #[error("{path}: cannot serialise: {source}")]
    Serialize {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    /// A caption file holds no caption.
    #[error("{path}: no captions (the file is empty or has only blank lines)")]
    NoCaptions { path: PathBuf },
    /// An output location is unusable (checked before any work is done).
    #[error("{path}: {problem}")]
    Output {
        path: PathBuf,
        problem: OutputProblem,
    },
    /// A file read as a 2-D float32 `.npy` is not one.
    #[error("{path}: not a 2-D float32 .npy file: {reason}")]
    Npy { path: PathBuf, reason: &'static str },
    /// A matrix to write as `.npy` whose length is not `rows * cols`.
    #[error("npy {path}: {values} values for shape [{rows}, {cols}]")]
    NpyShape {
        path: PathBuf,
        rows: usize,
        cols: usize,
        values: usize,
    },
    /// A shape too large for a `.npy` version 1.0 header.
    #[error("npy {path}: header too long for shape [{rows}, {cols}]")]
    NpyHeader {
        path: PathBuf,
        rows: usize,
        cols: usize,
    },
    /// A file to hash (an image) is not a regular file, or is larger than accepted.
    #[error("{path}: {problem}")]
    ImageFile {
        path: PathBuf,
        problem: ImageFileProblem,
    },
    /// An embedding cache file of another format, version or dimension.
    #[error("{path}: embedding cache: {problem} (delete the file to rebuild it)")]
    CacheFile {
        path: PathBuf,
        problem: CacheFileProblem,
    },
    /// An embedding cache asked for dimension 0.
    #[error("embedding cache {path}: dimension must be positive")]
    CacheDimension { path: PathBuf },
    /// A batch for the embedding cache whose length is not `keys * dim`.
    #[error("embedding cache {path}: {values} values for {keys} keys of dimension {dim}")]
    CacheBatch {
        path: PathBuf,
        values: usize,
        keys: usize,
        dim: usize,
    },
    /// A batch for the embedding cache with a non-finite value (`row` of the batch).
    #[error("embedding cache {path}: non-finite value in row {row} of the batch")]
    CacheNotFinite { path: PathBuf, row: usize },
}

/// What is wrong with an output location.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutputProblem {
    /// Its folder does not exist.
    #[error("output folder {} does not exist", .0.display())]
    NoFolder(PathBuf),
    /// Its folder is a file.
    #[error("{} is not a folder", .0.display())]
    ParentNotFolder(PathBuf),
    /// The output itself is a folder.
    #[error("is a folder; give a file name")]
    IsFolder,
    /// The path has no file name (`..`, `/`).
    #[error("has no file name")]
    NoFileName,
}

/// What is wrong with a file to hash.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageFileProblem {
    /// A folder.
    #[error("is a folder, not an image file")]
    Folder,
    /// A device, pipe or socket.
    #[error("is not a regular file (a device, pipe or socket)")]
    NotRegular,
    /// Larger than `max_bytes`.
    #[error("is {bytes} bytes, more than the {max_bytes} accepted for an image")]
    TooLarge { bytes: u64, max_bytes: u64 },
    /// Grew past `max_bytes` while it was read.
    #[error("grew past the {max_bytes} bytes accepted for an image while it was read")]
    Grew { max_bytes: u64 },
}

/// What is wrong with an embedding cache file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CacheFileProblem {
    /// Another file, or another format version.
    #[error("not a clipprobe cache file or another format version")]
    Foreign,
    /// Written for another embedding dimension.
    #[error("written for dimension {found}, not {expected}")]
    Dimension { found: usize, expected: usize },
}

impl Error {
    /// Wraps an I/O error with the path it is about.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

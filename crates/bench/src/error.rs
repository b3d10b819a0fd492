//! The bench crate's error type: every variant names the file, and the line, item or field at
//! fault. Messages never name command-line flags (the CLI adds those).

use std::path::PathBuf;

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why reading a benchmark, importing one or loading a manifest failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading or writing a file failed (`clipprobe-io`'s typed error; `Io` when a file or
    /// folder cannot be read).
    #[error(transparent)]
    Format(#[from] clipprobe_io::Error),
    /// A line of a benchmark file is bad (1-based line number).
    #[error("{path}:{line}: {message}")]
    Line {
        path: PathBuf,
        line: usize,
        message: String,
    },
    /// A whole file is bad: wrong JSON shape, a file name the importer does not know, a
    /// manifest field, no rows.
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
    /// A file written by an unsupported schema version.
    #[error("{path}: unsupported schema_version {found} (this clipprobe reads {supported})")]
    UnsupportedVersion {
        path: PathBuf,
        found: u64,
        supported: u64,
    },
    /// An item of an imported file is malformed or repeats an id (`at`: its line in a JSON
    /// Lines file, else its key or index).
    #[error("{path}{at}: {reason}")]
    BadItem {
        path: PathBuf,
        at: ItemAt,
        reason: String,
    },
    /// A benchmark name no importer knows.
    #[error("unknown benchmark {name:?} (known: {known})")]
    UnknownBenchmark { name: String, known: String },
    /// Filtering on annotator validation, for a benchmark that records none.
    #[error("{benchmark} records no annotator validation: `validated_only` applies to valse only")]
    NoValidation { benchmark: String },
    /// Checking that images exist, without the folder they are relative to.
    #[error("checking images needs the images root")]
    NeedsImagesRoot,
    /// No benchmark file to import.
    #[error("no benchmark files given")]
    NoInputs,
    /// A folder given to import without a file of the benchmark's extensions.
    #[error("{path}: no .{extensions} files in this folder")]
    EmptyFolder { path: PathBuf, extensions: String },
    /// An import that kept no row (`skipped`: how many items were skipped, `per_kind` by why).
    #[error("no {benchmark} rows imported from {files} file(s) ({skipped} skipped: {per_kind})")]
    NothingImported {
        benchmark: String,
        files: usize,
        skipped: usize,
        per_kind: String,
    },
    /// An image path (the images root joined with a row's image) that is not valid UTF-8.
    #[error("image path {} is not valid UTF-8", .path.display())]
    ImagePathNotUtf8 { path: PathBuf },
}

/// Where an item sits in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemAt {
    /// A 1-based line of a JSON Lines file.
    Line(usize),
    /// The item's key or index in a JSON file.
    Label(String),
}

impl std::fmt::Display for ItemAt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ItemAt::Line(n) => write!(f, ":{n}"),
            ItemAt::Label(l) => write!(f, ": {l}"),
        }
    }
}

//! The crate's one error type. Variants name the file, line or field at fault.

use std::path::PathBuf;

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Errors of the probe crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A whole file is bad (wrong JSON shape, missing field, empty, ...).
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
    /// A file was written by an unsupported schema version.
    #[error("{path}: unsupported schema_version {found} (this clipprobe reads {supported})")]
    UnsupportedVersion {
        path: PathBuf,
        found: u64,
        supported: u64,
    },
    /// A benchmark row is bad or names a missing file (`row` is the row's `id`).
    #[error("{path}: row {row:?}: {field}: {message}")]
    Row {
        path: PathBuf,
        row: String,
        field: String,
        message: String,
    },
    /// Reading or writing a file failed (`clipprobe-io`'s typed error).
    #[error(transparent)]
    Format(#[from] clipprobe_io::Error),
    /// A benchmark file, import or manifest is bad (`clipprobe-bench`'s typed error).
    #[error(transparent)]
    Bench(#[from] clipprobe_bench::Error),
    /// The negatives generator failed (`clipprobe-negatives`' error).
    #[error(transparent)]
    Negatives(#[from] clipprobe_negatives::Error),
    /// A report could not be built, read, merged or written (`clipprobe-report`'s typed error).
    #[error(transparent)]
    Report(#[from] clipprobe_report::Error),
    /// A formula refused its input (`clipprobe-metrics`' typed error).
    #[error(transparent)]
    Metrics(#[from] clipprobe_metrics::Error),
    /// A formula refused one op's rows (`op` is the op or subset, `metric` what was computed).
    #[error("op {op}: {metric}: {source}")]
    Metric {
        op: String,
        metric: &'static str,
        #[source]
        source: clipprobe_metrics::Error,
    },
    /// An image a benchmark row names is missing or unreadable (boxed: the details are large
    /// and `Result<_, Error>` is returned everywhere).
    #[error(transparent)]
    MissingImage(Box<MissingImage>),
    /// The op and limit selection and the skipped images left no row of the benchmark.
    #[error("{path}: no rows left to evaluate after selecting ops and limits and skipping images")]
    NothingSelected { path: PathBuf },
    /// Embeddings whose number differs from the items they embed (`what`: the computation,
    /// `items`: what should have been embedded).
    #[error("{what}: {expected} {items} but {got} embeddings")]
    EmbeddingCount {
        what: &'static str,
        items: &'static str,
        expected: usize,
        got: usize,
    },
    /// An evaluation over a benchmark without rows.
    #[error("evaluation: the benchmark has no rows")]
    NoRows,
    /// A cosine of one benchmark row (`row`: its id) is undefined.
    #[error("row {row:?}: {what} is undefined (a zero or non-finite embedding)")]
    Undefined { row: String, what: &'static str },
}

/// The details of [`Error::MissingImage`]: the image a benchmark row names (`field`: `image` or
/// `negative_image`) is missing or unreadable; `root` is the folder relative paths resolve
/// against.
#[derive(Debug, thiserror::Error)]
#[error("{path}: row {row:?}: {field}: {image} {reason} (relative paths resolve against {root})")]
pub struct MissingImage {
    pub path: PathBuf,
    pub row: String,
    pub field: &'static str,
    pub image: PathBuf,
    pub reason: &'static str,
    pub root: PathBuf,
}

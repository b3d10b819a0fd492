//! The report crate's error type: every variant names the file, field, row or model at
//! fault. Messages never name command-line flags (the CLI adds those).

use std::path::PathBuf;

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a report could not be built, read, merged or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading or writing a file failed (`clipprobe-io`'s typed error; `Io` when a file or
    /// folder cannot be created).
    #[error(transparent)]
    Format(#[from] clipprobe_io::Error),
    /// A `report.json` that is not a valid report of this version's shape.
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
    /// A `report.json` written by an unsupported schema version.
    #[error("{path}: unsupported schema_version {found} (this clipprobe reads {supported})")]
    UnsupportedVersion {
        path: PathBuf,
        found: u64,
        supported: u64,
    },
    /// A report without results.
    #[error("a report needs at least one result")]
    NoResults,
    /// A report whose `models` and `results` differ in length.
    #[error("report has {models} models but {results} results")]
    ModelCount { models: usize, results: usize },
    /// `models[index]` and `results[index]` name different models (`id@revision`).
    #[error("models[{index}] is {model} but results[{index}] is {result}")]
    ModelMismatch {
        index: usize,
        model: String,
        result: String,
    },
    /// A number that is NaN or infinite (`field`: its path, e.g.
    /// `results[0].ops.swap_att.itm_accuracy`).
    #[error("report field {field} is not finite ({value}); refusing to write it")]
    NotFinite { field: String, value: f64 },
    /// A value whose own `Serialize` implementation failed during the finiteness check.
    #[error("report value cannot be serialised: {message}")]
    Unserializable { message: String },
    /// A report file could not be serialised.
    #[error("{file}: cannot serialise: {source}")]
    Serialize {
        file: &'static str,
        #[source]
        source: serde_json::Error,
    },
    /// A per-pair row (`row`: its benchmark id) could not be serialised.
    #[error("pairs.jsonl: row {row:?}: cannot serialise: {source}")]
    SerializePair {
        row: String,
        #[source]
        source: serde_json::Error,
    },
    /// Merging no reports.
    #[error("nothing to merge: no reports")]
    NothingToMerge,
    /// Merging reports over different benchmark files (`report` is 1-based).
    #[error(
        "report {report} is over benchmark {path} (sha256 {sha256}) but report 1 is over \
         {first_path} (sha256 {first_sha256}): their numbers come from different pairs and are \
         not comparable"
    )]
    DifferentBenchmarks {
        report: usize,
        path: String,
        sha256: String,
        first_path: String,
        first_sha256: String,
    },
    /// The same model (`id@revision`), dtype and device twice over the same benchmark.
    #[error("{model} ({dtype}, {device}) appears twice over the same benchmark (report {report})")]
    DuplicateModel {
        model: String,
        dtype: String,
        device: String,
        report: usize,
    },
    /// A bad line of the published-numbers table (1-based).
    #[error("published table line {line}: {problem}")]
    PublishedLine { line: usize, problem: String },
}

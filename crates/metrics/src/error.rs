//! The metrics crate's error type: each variant names the input (`what`), and the row, item or
//! value index at fault, so a caller can say which embedding or pair broke a formula.

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a formula refused its input.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Row-major data whose length is not `rows * cols`.
    #[error("matrix of shape ({rows}, {cols}) needs {needed} values, got {got}")]
    DataLength {
        rows: usize,
        cols: usize,
        needed: usize,
        got: usize,
    },
    /// A row of another width than row 0.
    #[error("row {row} has {got} values, row 0 has {expected}")]
    RaggedRow {
        row: usize,
        got: usize,
        expected: usize,
    },
    /// A row index past the end of a matrix.
    #[error("row index {index} out of range for a matrix of {rows} rows")]
    RowIndex { index: usize, rows: usize },
    /// Inputs that must have the same shape (or length) do not.
    #[error("{what}: shapes differ: {left:?} vs {right:?}")]
    ShapeMismatch {
        what: String,
        left: (usize, usize),
        right: (usize, usize),
    },
    /// Fewer rows, values or groups than the formula needs.
    #[error("{what}: needs at least {needed}, got {got}")]
    TooFew {
        what: String,
        needed: usize,
        got: usize,
    },
    /// A row that must be L2-normalised is not.
    #[error("{what}: row {row} has norm {norm}, expected L2-normalised rows (norm 1)")]
    NotNormalized { what: String, row: usize, norm: f64 },
    /// A row that must be L2-normalised has norm 0 or a non-finite norm (for gap removal: it
    /// equals its modality's mean).
    #[error("{what}: row {row} has norm {norm}, it cannot be L2-normalised")]
    ZeroRow { what: String, row: usize, norm: f64 },
    /// A value (or a cosine from a zero or non-finite embedding) is not finite; `index` is the
    /// position of the value, pair or item in the input.
    #[error("{what} {index} is not finite (a zero or non-finite embedding or value)")]
    NotFinite { what: String, index: usize },
    /// The quantity is undefined on this input (coincident means, a zero centroid, a singular
    /// system, points that span too few directions).
    #[error("{what}: {reason}")]
    Undefined { what: String, reason: &'static str },
    /// A parameter out of its range (`bins`, `resamples`, a percentile, ...).
    #[error("{what}: {reason}")]
    Parameter { what: String, reason: String },
}

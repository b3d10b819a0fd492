//! Every formula of clipprobe, in one place: cosine, L2 normalisation, summaries and
//! histograms, text-side insensitivity, image-text accuracy, Winoground scores, the modality
//! gap (L2M, L2I, RMG, linear probe), gap removal, gap/edit alignment and a 2-D PCA.
//!
//! Inputs are plain row-major `f32` matrices ([`Matrix`], shape `(n, d)`: one embedding per
//! row); every sum is accumulated in `f64` in a fixed order, so results are deterministic.
//! Functions that need L2-normalised rows say so and check it ([`check_normalized`]).
//! Definitions, with formulas and references, are in `docs/metrics.md`.

// `!(x > 0.0)` is deliberate throughout: it is also true for NaN, which must be rejected.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

mod bootstrap;
mod gap;
mod itm;
mod pca;
mod stats;
mod text;

pub use bootstrap::{bootstrap_mean_ci, derive_seed, Interval, BOOTSTRAP_RESAMPLES};
pub use gap::{
    edit_gap_alignment, gap_direction, linear_probe_accuracy, linear_probe_scores, modality_gap,
    remove_gap, EditGapAlignment, ModalityGap, LINEAR_PROBE_FOLDS, LINEAR_PROBE_RIDGE,
};
pub use itm::{
    accuracy, itm_margins, itm_margins_gap_removed, macro_accuracy, sugarcrepe_pp, winoground,
    MacroAccuracy, SugarCrepePpScores, WinogroundOutcome, WinogroundScores,
};
pub use pca::{pca_projection, Projection};
pub use stats::{percentile, Histogram, Summary};
pub use text::{anisotropy_baseline, normalized_insensitivity, pair_cosines};

mod error;

pub use error::{Error, Result};

/// Largest allowed `| ‖x‖ − 1 |` for a row to count as L2-normalised (f32 rounding of a
/// normalised 1024-d vector stays far below this).
pub const NORM_TOLERANCE: f64 = 1e-3;

/// A row-major `f32` matrix of shape `(rows, cols)`: one embedding per row.
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    pub rows: usize,
    pub cols: usize,
    pub data: Vec<f32>,
}

impl Matrix {
    /// A matrix from row-major data; errors unless `data.len() == rows * cols`.
    pub fn new(rows: usize, cols: usize, data: Vec<f32>) -> Result<Matrix> {
        if rows.checked_mul(cols) != Some(data.len()) {
            return Err(Error::DataLength {
                rows,
                cols,
                needed: rows.saturating_mul(cols),
                got: data.len(),
            });
        }
        Ok(Matrix { rows, cols, data })
    }

    /// A matrix from equally long rows (errors on ragged rows or no rows).
    pub fn from_rows(rows: &[Vec<f32>]) -> Result<Matrix> {
        let cols = rows.first().map(Vec::len).unwrap_or(0);
        let mut data = Vec::with_capacity(rows.len() * cols);
        for (i, r) in rows.iter().enumerate() {
            if r.len() != cols {
                return Err(Error::RaggedRow {
                    row: i,
                    got: r.len(),
                    expected: cols,
                });
            }
            data.extend_from_slice(r);
        }
        Matrix::new(rows.len(), cols, data)
    }

    /// Row `i` (panics if `i >= rows`, like slice indexing; callers iterate `0..rows`).
    pub fn row(&self, i: usize) -> &[f32] {
        &self.data[i * self.cols..(i + 1) * self.cols]
    }

    /// The rows at `idx`, in that order (repeats allowed); an index out of range is an error.
    pub fn select(&self, idx: &[usize]) -> Result<Matrix> {
        let mut data = Vec::with_capacity(idx.len() * self.cols);
        for &i in idx {
            if i >= self.rows {
                return Err(Error::RowIndex {
                    index: i,
                    rows: self.rows,
                });
            }
            data.extend_from_slice(self.row(i));
        }
        Matrix::new(idx.len(), self.cols, data)
    }

    /// Iterates over the rows.
    pub fn iter_rows(&self) -> impl Iterator<Item = &[f32]> {
        (0..self.rows).map(move |i| self.row(i))
    }
}

/// Dot product accumulated in `f64`. Slices of different lengths give NaN (which every
/// writer rejects), never a silently truncated sum.
pub fn dot(a: &[f32], b: &[f32]) -> f64 {
    if a.len() != b.len() {
        return f64::NAN;
    }
    a.iter().zip(b).map(|(&x, &y)| x as f64 * y as f64).sum()
}

/// Euclidean norm, in `f64`.
pub fn norm(a: &[f32]) -> f64 {
    dot(a, a).sqrt()
}

/// Cosine similarity `a·b / (‖a‖ ‖b‖)`; inputs need not be normalised. A zero vector or a
/// length mismatch gives NaN (undefined), which every writer rejects.
pub fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let d = dot(a, b) / (norm(a) * norm(b));
    if d.is_finite() {
        d
    } else {
        f64::NAN
    }
}

/// Divides each row by its L2 norm. A zero (or non-finite) row is an error naming the row.
pub fn l2_normalize_rows(m: &Matrix) -> Result<Matrix> {
    let mut data = Vec::with_capacity(m.data.len());
    for (i, r) in m.iter_rows().enumerate() {
        let n = norm(r);
        if !(n.is_finite() && n > 0.0) {
            return Err(Error::ZeroRow {
                what: "L2 normalisation".into(),
                row: i,
                norm: n,
            });
        }
        data.extend(r.iter().map(|&x| (x as f64 / n) as f32));
    }
    Matrix::new(m.rows, m.cols, data)
}

/// Errors unless every row of `m` has norm 1 within [`NORM_TOLERANCE`]; `what` names the
/// matrix in the message.
pub fn check_normalized(m: &Matrix, what: &str) -> Result<()> {
    for (i, r) in m.iter_rows().enumerate() {
        let n = norm(r);
        if !((n - 1.0).abs() <= NORM_TOLERANCE) {
            return Err(Error::NotNormalized {
                what: what.into(),
                row: i,
                norm: n,
            });
        }
    }
    Ok(())
}

/// The mean row (centroid) of `m`, in `f64`; errors on an empty matrix.
pub fn mean_row(m: &Matrix) -> Result<Vec<f64>> {
    if m.rows == 0 {
        return Err(Error::TooFew {
            what: "mean row: rows".into(),
            needed: 1,
            got: 0,
        });
    }
    let mut s = vec![0.0f64; m.cols];
    for r in m.iter_rows() {
        for (acc, &x) in s.iter_mut().zip(r) {
            *acc += x as f64;
        }
    }
    let n = m.rows as f64;
    s.iter_mut().for_each(|v| *v /= n);
    Ok(s)
}

/// Errors unless `a` and `b` have the same shape and at least one row.
pub(crate) fn same_shape(a: &Matrix, b: &Matrix, what: &str) -> Result<()> {
    if a.rows != b.rows || a.cols != b.cols {
        return Err(Error::ShapeMismatch {
            what: what.into(),
            left: (a.rows, a.cols),
            right: (b.rows, b.cols),
        });
    }
    if a.rows == 0 {
        return Err(Error::TooFew {
            what: format!("{what}: rows"),
            needed: 1,
            got: 0,
        });
    }
    Ok(())
}

/// f64 helpers shared by the submodules.
pub(crate) fn dot64(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

pub(crate) fn norm64(a: &[f64]) -> f64 {
    dot64(a, a).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matrix_shape_is_checked() {
        assert!(Matrix::new(2, 3, vec![0.0; 5]).is_err());
        assert!(Matrix::from_rows(&[vec![1.0, 2.0], vec![1.0]]).is_err());
        let m = Matrix::new(3, 2, vec![1., 2., 3., 4., 5., 6.]).expect("shape");
        assert_eq!(m.row(1), &[3., 4.]);
        let s = m.select(&[2, 0, 2]).expect("select");
        assert_eq!(s.data, vec![5., 6., 1., 2., 5., 6.]);
        assert!(m.select(&[3]).is_err());
    }

    #[test]
    fn cosine_by_hand() {
        // (1,0)·(1,1) / (1·√2) = 1/√2
        assert!((cosine(&[1.0, 0.0], &[1.0, 1.0]) - 0.5f64.sqrt()).abs() < 1e-12);
        assert!((cosine(&[3.0, 4.0], &[-3.0, -4.0]) + 1.0).abs() < 1e-12);
        assert!(cosine(&[0.0, 0.0], &[1.0, 0.0]).is_nan());
        assert!(dot(&[1.0], &[1.0, 2.0]).is_nan());
    }

    #[test]
    fn normalisation_rejects_zero_rows_and_is_checked() {
        let m = Matrix::new(2, 2, vec![3., 4., 0., 0.]).expect("shape");
        let e = l2_normalize_rows(&m).expect_err("zero row").to_string();
        assert!(e.contains("row 1"), "{e}");
        let m = Matrix::new(1, 2, vec![3., 4.]).expect("shape");
        let n = l2_normalize_rows(&m).expect("normalise");
        assert_eq!(n.data, vec![0.6, 0.8]);
        check_normalized(&n, "x").expect("normalised");
        assert!(check_normalized(&m, "x").is_err());
    }

    #[test]
    fn mean_row_by_hand() {
        let m = Matrix::new(2, 2, vec![1., 2., 3., 6.]).expect("shape");
        assert_eq!(mean_row(&m).expect("mean"), vec![2.0, 4.0]);
        assert!(mean_row(&Matrix::new(0, 2, vec![]).expect("shape")).is_err());
    }
}

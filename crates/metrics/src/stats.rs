//! Summaries and histograms of per-pair values.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Distribution summary of a set of values.
///
/// `std` is the population standard deviation (divisor `n`, NumPy's default `ddof=0`);
/// percentiles follow [`percentile`] (NumPy's default, linear interpolation).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub n: usize,
    pub mean: f64,
    pub std: f64,
    pub min: f64,
    pub p10: f64,
    pub median: f64,
    pub p90: f64,
    pub max: f64,
}

/// Errors unless `values` is non-empty and every value is finite; `what` names the caller.
fn nonempty_finite(values: &[f64], what: &str) -> Result<()> {
    if values.is_empty() {
        return Err(Error::TooFew {
            what: format!("{what}: values"),
            needed: 1,
            got: 0,
        });
    }
    match values.iter().position(|v| !v.is_finite()) {
        Some(index) => Err(Error::NotFinite {
            what: format!("{what}: value"),
            index,
        }),
        None => Ok(()),
    }
}

impl Summary {
    /// Summarises `values`; errors if it is empty or holds a non-finite value.
    pub fn of(values: &[f64]) -> Result<Summary> {
        nonempty_finite(values, "summary")?;
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        Ok(Summary {
            n: values.len(),
            mean,
            std: var.sqrt(),
            min: sorted[0],
            p10: percentile_sorted(&sorted, 10.0),
            median: percentile_sorted(&sorted, 50.0),
            p90: percentile_sorted(&sorted, 90.0),
            max: sorted[sorted.len() - 1],
        })
    }

    /// The summary's numbers with their field names (for finiteness checks and tables).
    pub fn fields(&self) -> [(&'static str, f64); 7] {
        [
            ("mean", self.mean),
            ("std", self.std),
            ("min", self.min),
            ("p10", self.p10),
            ("median", self.median),
            ("p90", self.p90),
            ("max", self.max),
        ]
    }
}

/// The `q`-th percentile (`0 ≤ q ≤ 100`) of `values` with NumPy's default rule (`method =
/// "linear"`): sort ascending, take position `h = (n − 1)·q/100` and interpolate linearly
/// between the values at `⌊h⌋` and `⌈h⌉`. Errors on an empty set, a non-finite value or `q`
/// outside `[0, 100]`.
pub fn percentile(values: &[f64], q: f64) -> Result<f64> {
    nonempty_finite(values, "percentile")?;
    if !(0.0..=100.0).contains(&q) {
        return Err(Error::Parameter {
            what: "percentile".into(),
            reason: format!("{q} is outside [0, 100]"),
        });
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    Ok(percentile_sorted(&sorted, q))
}

fn percentile_sorted(sorted: &[f64], q: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * q / 100.0;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    let frac = h - lo as f64;
    sorted[lo] + (sorted[hi] - sorted[lo]) * frac
}

/// A fixed-bin histogram over `[lo, hi]`: `counts.len()` equal-width bins, bin `k` holding
/// `lo + k·w ≤ v < lo + (k+1)·w` (`w = (hi − lo)/bins`), the last bin also holding `v = hi`
/// (NumPy's `histogram` rule). Values outside `[lo, hi]` are clamped into the first or last
/// bin and counted in `clamped` (cosines of f32 vectors can exceed 1 by rounding).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Histogram {
    pub lo: f64,
    pub hi: f64,
    pub counts: Vec<u64>,
    pub clamped: u64,
}

impl Histogram {
    /// Bins `values` into `bins` bins over `[lo, hi]`. Errors on `bins == 0`, `lo >= hi`,
    /// non-finite bounds or a non-finite value.
    pub fn new(values: &[f64], lo: f64, hi: f64, bins: usize) -> Result<Histogram> {
        if bins == 0 || !(lo.is_finite() && hi.is_finite() && lo < hi) {
            return Err(Error::Parameter {
                what: "histogram".into(),
                reason: format!(
                    "needs bins > 0 and finite lo < hi (got {bins} bins over [{lo}, {hi}])"
                ),
            });
        }
        let mut counts = vec![0u64; bins];
        let mut clamped = 0;
        for (i, &v) in values.iter().enumerate() {
            if !v.is_finite() {
                return Err(Error::NotFinite {
                    what: "histogram: value".into(),
                    index: i,
                });
            }
            if v < lo || v > hi {
                clamped += 1;
            }
            let k = ((v - lo) / (hi - lo) * bins as f64).floor();
            let k = if k < 0.0 {
                0
            } else {
                (k as usize).min(bins - 1)
            };
            counts[k] += 1;
        }
        Ok(Histogram {
            lo,
            hi,
            counts,
            clamped,
        })
    }

    /// Cosine histogram: 200 bins of width 0.01 over `[-1, 1]` (CLIP text cosines of hard
    /// negatives crowd into `[0.8, 1]`, so coarser bins hide the differences).
    pub fn cosine(values: &[f64]) -> Result<Histogram> {
        Histogram::new(values, -1.0, 1.0, 200)
    }

    /// Bin `k`'s `[left, right]` edges.
    pub fn edges(&self, k: usize) -> (f64, f64) {
        let w = (self.hi - self.lo) / self.counts.len() as f64;
        (self.lo + k as f64 * w, self.lo + (k + 1) as f64 * w)
    }

    /// Total count.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_by_hand() {
        // values 1..=5: mean 3, population var 2, p10 at h=0.4 → 1.4, p90 at h=3.6 → 4.6
        let s = Summary::of(&[5.0, 1.0, 3.0, 2.0, 4.0]).expect("summary");
        assert_eq!(
            (s.n, s.mean, s.min, s.median, s.max),
            (5, 3.0, 1.0, 3.0, 5.0)
        );
        assert!((s.std - 2f64.sqrt()).abs() < 1e-15);
        assert!((s.p10 - 1.4).abs() < 1e-12 && (s.p90 - 4.6).abs() < 1e-12);
        let one = Summary::of(&[0.25]).expect("one");
        assert_eq!((one.p10, one.p90, one.std), (0.25, 0.25, 0.0));
    }

    #[test]
    fn std_is_shift_invariant_far_from_zero() {
        // 1e5 + small values, and the same values with 1e5 subtracted again (exact: Sterbenz).
        // Two-pass Σ(v − mean)² gives the same std for both; Σ(v + mean)(v − mean), equal in
        // exact arithmetic, is off by ~6e-6 relative here from cancellation.
        let far: Vec<f64> = [0.1, 0.35, 0.7, 0.2, 0.95]
            .iter()
            .map(|d| 1e5 + d)
            .collect();
        let near: Vec<f64> = far.iter().map(|v| v - 1e5).collect();
        let (a, b) = (
            Summary::of(&far).expect("far").std,
            Summary::of(&near).expect("near").std,
        );
        assert!((a - b).abs() <= 1e-12 * b, "{a} vs {b}");
    }

    #[test]
    fn summary_rejects_empty_and_nan() {
        assert!(Summary::of(&[]).is_err());
        let e = Summary::of(&[1.0, f64::NAN]).expect_err("nan").to_string();
        assert!(e.contains("value 1"), "{e}");
        assert!(percentile(&[1.0], 101.0).is_err());
    }

    #[test]
    fn histogram_by_hand() {
        // 4 bins over [-1, 1]: [-1,-.5) [-.5,0) [0,.5) [.5,1]
        let h = Histogram::new(&[-1.0, -0.5, 0.1, 0.5, 1.0, 1.2, -3.0], -1.0, 1.0, 4)
            .expect("histogram");
        assert_eq!(h.counts, vec![2, 1, 1, 3]);
        assert_eq!(h.clamped, 2);
        assert_eq!(h.edges(1), (-0.5, 0.0));
        assert_eq!(h.edges(2), (0.0, 0.5));
        assert_eq!(h.edges(3), (0.5, 1.0));
        assert_eq!(h.total(), 7);
        assert!(Histogram::new(&[0.0], 1.0, 1.0, 4).is_err());
        assert!(Histogram::new(&[f64::INFINITY], -1.0, 1.0, 4).is_err());
    }

    #[test]
    fn cosine_histogram_has_200_bins_of_width_a_hundredth_over_minus_one_to_one() {
        let h = Histogram::cosine(&[-1.0, -0.005, 0.0, 0.995, 1.0]).expect("cosine histogram");
        assert_eq!(h.counts.len(), 200);
        assert_eq!((h.lo, h.hi, h.clamped, h.total()), (-1.0, 1.0, 0, 5));
        assert_eq!(
            (h.counts[0], h.counts[99], h.counts[100], h.counts[199]),
            (1, 1, 1, 2)
        );
        let (left, right) = h.edges(150);
        assert!((left - 0.5).abs() < 1e-12 && (right - 0.51).abs() < 1e-12);
    }
}

//! Text-side insensitivity: how close a caption's embedding stays to its hard negative's,
//! relative to how close unrelated captions are (the anisotropy baseline).

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::{cosine, same_shape, Matrix};
use crate::error::{Error, Result};

/// Row-wise cosines `cos(a_i, b_i)`, shape `(n, d)` each, rows need not be normalised (on
/// normalised rows this is `t(caption_i) · t(negative_i)`). Errors on differing shapes, no
/// rows, or a zero row (cosine undefined), naming the row.
pub fn pair_cosines(a: &Matrix, b: &Matrix) -> Result<Vec<f64>> {
    same_shape(a, b, "pair cosines")?;
    (0..a.rows)
        .map(|i| {
            let c = cosine(a.row(i), b.row(i));
            if c.is_finite() {
                Ok(c)
            } else {
                Err(Error::NotFinite {
                    what: "cosine of pair".into(),
                    index: i,
                })
            }
        })
        .collect()
}

/// Anisotropy baseline `b`: the mean cosine between *unrelated* captions, i.e. between
/// distinct rows `i < j` of `texts` (shape `(n, d)`, L2-normalised, one row per distinct
/// caption; `eval` passes the benchmark's unique true captions in first-appearance order).
///
/// If `n(n−1)/2 ≤ max_pairs` every pair is used; otherwise `max_pairs` distinct pairs are
/// drawn without replacement (uniformly over the pair list `(0,1), (0,2), …, (n−2,n−1)`) with
/// `ChaCha8Rng::seed_from_u64(seed)` and summed in list order. Errors if `n < 2`,
/// `max_pairs == 0` or a row is not normalised.
pub fn anisotropy_baseline(texts: &Matrix, max_pairs: usize, seed: u64) -> Result<f64> {
    if texts.rows < 2 {
        return Err(Error::TooFew {
            what: "anisotropy baseline: distinct captions".into(),
            needed: 2,
            got: texts.rows,
        });
    }
    if max_pairs == 0 {
        return Err(Error::Parameter {
            what: "anisotropy baseline".into(),
            reason: "max_pairs must be > 0".into(),
        });
    }
    super::check_normalized(texts, "anisotropy baseline")?;
    let pairs = baseline_pairs(texts.rows, max_pairs, seed);
    let sum: f64 = pairs
        .iter()
        .map(|&(i, j)| cosine(texts.row(i), texts.row(j)))
        .sum();
    Ok(sum / pairs.len() as f64)
}

/// The pairs `(i, j)`, `i < j < n`, used by [`anisotropy_baseline`], in list order.
fn baseline_pairs(n: usize, max_pairs: usize, seed: u64) -> Vec<(usize, usize)> {
    let total = n * (n - 1) / 2;
    if total <= max_pairs {
        return (0..n)
            .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
            .collect();
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut picks = rand::seq::index::sample(&mut rng, total, max_pairs).into_vec();
    picks.sort_unstable();
    // Walk the sorted linear pair indices: row i owns indices [start, start + n-1-i).
    let mut out = Vec::with_capacity(picks.len());
    let (mut i, mut start) = (0usize, 0usize);
    for k in picks {
        while k >= start + (n - 1 - i) {
            start += n - 1 - i;
            i += 1;
        }
        out.push((i, i + 1 + (k - start)));
    }
    out
}

/// Normalised insensitivity `(cos − b) / (1 − b)`: 0 when a caption and its negative are as
/// close as unrelated captions, 1 when their embeddings coincide. Errors if `b ≥ 1`.
pub fn normalized_insensitivity(cos: f64, baseline: f64) -> Result<f64> {
    if !(baseline < 1.0) || !baseline.is_finite() || !cos.is_finite() {
        return Err(Error::Parameter {
            what: "normalised insensitivity".into(),
            reason: format!(
                "needs a finite cosine and a baseline < 1 (got cos {cos}, baseline {baseline})"
            ),
        });
    }
    Ok((cos - baseline) / (1.0 - baseline))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit_circle(angles_deg: &[f64]) -> Matrix {
        let data = angles_deg
            .iter()
            .flat_map(|a| {
                let r = a.to_radians();
                [r.cos() as f32, r.sin() as f32]
            })
            .collect();
        Matrix::new(angles_deg.len(), 2, data).expect("shape")
    }

    #[test]
    fn baseline_all_pairs_by_hand() {
        // angles 0, 90, 180: cosines 0, -1, 0 → mean -1/3
        let t = unit_circle(&[0.0, 90.0, 180.0]);
        let b = anisotropy_baseline(&t, 3, 0).expect("baseline");
        assert!((b + 1.0 / 3.0).abs() < 1e-7, "{b}");
        assert!(anisotropy_baseline(&unit_circle(&[0.0]), 10, 0).is_err());
        // two captions are enough: their one pair (angles 0 and 60, cosine 1/2)
        let two = anisotropy_baseline(&unit_circle(&[0.0, 60.0]), 10, 0).expect("two rows");
        assert!((two - 0.5).abs() < 1e-7, "{two}");
    }

    #[test]
    fn sampled_pairs_are_distinct_valid_and_seeded() {
        // 40 captions, 780 pairs, sample 100: deterministic per seed, differs across seeds,
        // and equals the brute-force mean over the same pairs.
        let angles: Vec<f64> = (0..40).map(|i| (i * i) as f64 * 7.0).collect();
        let t = unit_circle(&angles);
        let a = anisotropy_baseline(&t, 100, 7).expect("a");
        assert_eq!(a, anisotropy_baseline(&t, 100, 7).expect("again"));
        assert_ne!(a, anisotropy_baseline(&t, 100, 8).expect("other seed"));
        let all = anisotropy_baseline(&t, 780, 7).expect("all");
        let mut brute = 0.0;
        for i in 0..40 {
            for j in i + 1..40 {
                brute += cosine(t.row(i), t.row(j));
            }
        }
        assert!((all - brute / 780.0).abs() < 1e-12);
        let pairs = baseline_pairs(40, 100, 7);
        let mut sorted = pairs.clone();
        sorted.dedup();
        assert_eq!(sorted.len(), 100);
        assert!(
            pairs.windows(2).all(|w| w[0] < w[1]) && pairs.iter().all(|&(i, j)| i < j && j < 40)
        );
        let picked: f64 = pairs.iter().map(|&(i, j)| cosine(t.row(i), t.row(j))).sum();
        assert!((a - picked / 100.0).abs() < 1e-12);
        // 14 of the 15 pairs of 6 rows: all valid, distinct, and exactly one pair missing
        let p = baseline_pairs(6, 14, 3);
        assert!(p.windows(2).all(|w| w[0] < w[1]) && p.iter().all(|&(i, j)| i < j && j < 6));
        assert_eq!(p.len(), 14);
        // 779 of 780 pairs: close to, but not equal to, the full mean
        let most = anisotropy_baseline(&t, 779, 1).expect("most");
        assert!((most - all).abs() < 0.01 && most != all);
    }

    #[test]
    fn normalized_insensitivity_by_hand() {
        assert!((normalized_insensitivity(0.9, 0.6).expect("n") - 0.75).abs() < 1e-12);
        assert!(normalized_insensitivity(0.9, 1.0).is_err());
        // every non-finite input is refused, each on its own (a baseline of -inf passes `< 1`)
        assert!(normalized_insensitivity(0.9, f64::NEG_INFINITY).is_err());
        assert!(normalized_insensitivity(0.9, f64::NAN).is_err());
        assert!(normalized_insensitivity(f64::NAN, 0.5).is_err());
        assert!(normalized_insensitivity(f64::INFINITY, 0.5).is_err());
    }

    #[test]
    fn pair_cosines_names_bad_pair() {
        let a = Matrix::new(2, 2, vec![1., 0., 0., 0.]).expect("a");
        let b = Matrix::new(2, 2, vec![1., 1., 1., 0.]).expect("b");
        let e = pair_cosines(&a, &b).expect_err("zero row").to_string();
        assert!(e.contains("pair 1"), "{e}");
    }
}

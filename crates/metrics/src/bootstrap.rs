//! Seeded percentile-bootstrap confidence intervals for accuracies and averages of
//! accuracies (SugarCrepe's REPLACE / SWAP / ADD averages).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::stats::percentile;
use crate::error::{Error, Result};

/// Resamples drawn for every interval in a report.
pub const BOOTSTRAP_RESAMPLES: usize = 1000;

/// A two-sided interval `[lo, hi]`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    pub lo: f64,
    pub hi: f64,
}

/// 95% percentile-bootstrap interval of the *mean of group means* of `groups` (each a set of
/// per-item values, e.g. 1.0 for a correct pair and 0.0 for a wrong one).
///
/// Each of the `resamples` replicates draws, for every group independently, `n_g` items with
/// replacement from that group (stratified, so each subset keeps its size), averages each
/// group, and averages the group means with equal weight (as SugarCrepe averages its
/// subsets). The interval is the 2.5th and 97.5th percentile of the replicates
/// ([`percentile`], NumPy's linear rule). A single group gives the ordinary bootstrap of a
/// mean. Deterministic for a given `seed` (ChaCha8). Errors on no groups, an empty group, a
/// non-finite value or `resamples == 0`.
pub fn bootstrap_mean_ci(groups: &[&[f64]], resamples: usize, seed: u64) -> Result<Interval> {
    if groups.is_empty() || groups.iter().any(|g| g.is_empty()) {
        return Err(Error::TooFew {
            what: "bootstrap interval: non-empty groups".into(),
            needed: 1,
            got: 0,
        });
    }
    if resamples == 0 {
        return Err(Error::Parameter {
            what: "bootstrap interval".into(),
            reason: "resamples must be > 0".into(),
        });
    }
    if let Some(index) = groups
        .iter()
        .flat_map(|g| g.iter())
        .position(|v| !v.is_finite())
    {
        return Err(Error::NotFinite {
            what: "bootstrap interval: value".into(),
            index,
        });
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut reps = Vec::with_capacity(resamples);
    for _ in 0..resamples {
        let mut total = 0.0;
        for g in groups {
            let mut s = 0.0;
            for _ in 0..g.len() {
                s += g[rng.random_range(0..g.len())];
            }
            total += s / g.len() as f64;
        }
        reps.push(total / groups.len() as f64);
    }
    Ok(Interval {
        lo: percentile(&reps, 2.5)?,
        hi: percentile(&reps, 97.5)?,
    })
}

/// A seed for one named interval: `seed` mixed with the name (FNV-1a), so that every interval
/// of a report has its own stream and adding an op does not shift the others.
pub fn derive_seed(seed: u64, name: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
    for b in name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_values_give_a_point_interval() {
        let ones = [1.0; 10];
        let i = bootstrap_mean_ci(&[&ones], 200, 1).expect("ci");
        assert_eq!((i.lo, i.hi), (1.0, 1.0));
    }

    #[test]
    fn groups_are_averaged_with_equal_weight() {
        // group means 0 and 1 whatever the resample: every replicate is (0 + 1) / 2
        let (zeros, ones) = ([0.0; 5], [1.0; 3]);
        let i = bootstrap_mean_ci(&[&zeros, &ones], 50, 3).expect("ci");
        assert_eq!((i.lo, i.hi), (0.5, 0.5));
    }

    #[test]
    fn derived_seeds_are_fnv1a_of_the_name_from_the_seed_mixed_basis() {
        // FNV-1a 64 test vector: "a" -> 0xaf63dc4c8601ec8c (seed 0 leaves the basis as is)
        assert_eq!(derive_seed(0, "a"), 0xaf63_dc4c_8601_ec8c);
        // the seed is XORed into the basis: seeds that differ in any bit give other streams
        let seeds = [0u64, 1, 2, 4, 1 << 40, u64::MAX];
        let mut got: Vec<u64> = seeds.iter().map(|&s| derive_seed(s, "swap_att")).collect();
        got.sort();
        got.dedup();
        assert_eq!(got.len(), seeds.len());
        assert_ne!(derive_seed(7, "swap_att"), derive_seed(7, "swap_obj"));
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(bootstrap_mean_ci(&[], 10, 0).is_err());
        for groups in [&[&[] as &[f64]] as &[&[f64]], &[&[1.0], &[]]] {
            assert!(
                matches!(
                    bootstrap_mean_ci(groups, 10, 0),
                    Err(Error::TooFew { needed: 1, .. })
                ),
                "an empty group is refused as such"
            );
        }
        assert!(bootstrap_mean_ci(&[&[1.0]], 0, 0).is_err());
        assert!(bootstrap_mean_ci(&[&[f64::NAN]], 10, 0).is_err());
    }

    #[test]
    fn seeds_differ_by_name_and_seed() {
        assert_ne!(derive_seed(0, "swap_att"), derive_seed(0, "swap_obj"));
        assert_ne!(derive_seed(0, "swap_att"), derive_seed(1, "swap_att"));
        assert_eq!(derive_seed(3, "x"), derive_seed(3, "x"));
    }
}

//! A read-only lookup table keyed by a pair of `u32` ids, for the lookups made per candidate
//! (plausibility counts, language-model probabilities): open addressing with linear probing
//! over a power-of-two table at most half full, keyed by the pair packed into a `u64` and
//! placed by Fibonacci hashing (one multiply; the high bits depend on both ids). Each slot
//! holds its key and value together, so a lookup usually reads one cache line, where a
//! `HashMap` reads its control bytes and then the slot.

/// A read-only map from `(u32, u32)` to `V` (see the module doc).
#[derive(Debug, Clone)]
pub(crate) struct PairMap<V> {
    /// `(key, value)`; [`PairMap::EMPTY`] marks a free slot.
    slots: Vec<(u64, V)>,
    /// `64 − log2(slots.len())`.
    shift: u32,
}

impl<V> Default for PairMap<V> {
    fn default() -> Self {
        PairMap {
            slots: Vec::new(),
            shift: 64,
        }
    }
}

impl<V: Copy + Default> PairMap<V> {
    /// The key of a free slot: the pair `(u32::MAX, u32::MAX)`, which no table holds (ids are
    /// indices of lexicon, verb or vocabulary lists).
    const EMPTY: u64 = u64::MAX;

    #[inline]
    fn key(a: u32, b: u32) -> u64 {
        ((a as u64) << 32) | b as u64
    }

    #[inline]
    fn home(&self, key: u64) -> usize {
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    /// A table of `items` (a pair given twice keeps its last value).
    pub(crate) fn build(items: impl ExactSizeIterator<Item = ((u32, u32), V)>) -> Self {
        let cap = (items.len() * 2).max(2).next_power_of_two();
        let mut t = PairMap {
            slots: vec![(Self::EMPTY, V::default()); cap],
            shift: 64 - cap.trailing_zeros(),
        };
        let mask = cap - 1;
        for ((a, b), v) in items {
            let k = Self::key(a, b);
            assert_ne!(
                k,
                Self::EMPTY,
                "the pair (u32::MAX, u32::MAX) cannot be stored"
            );
            let mut i = t.home(k);
            while t.slots[i].0 != Self::EMPTY && t.slots[i].0 != k {
                i = (i + 1) & mask;
            }
            t.slots[i] = (k, v);
        }
        t
    }

    /// The value of `(a, b)`, if stored.
    #[inline]
    pub(crate) fn get(&self, a: u32, b: u32) -> Option<V> {
        if self.slots.is_empty() {
            return None;
        }
        let k = Self::key(a, b);
        let mask = self.slots.len() - 1;
        let mut i = self.home(k);
        loop {
            let (sk, v) = self.slots[i];
            if sk == k {
                return Some(v);
            }
            if sk == Self::EMPTY {
                return None;
            }
            i = (i + 1) & mask;
        }
    }

    /// How many pairs are stored.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.slots.iter().filter(|s| s.0 != Self::EMPTY).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn a_pair_map_answers_as_a_hash_map() {
        // a full-ish table with colliding homes: pairs sharing a first or a second id
        let mut m: HashMap<(u32, u32), u64> = HashMap::new();
        for a in 0..40u32 {
            for b in (0..300u32).step_by(7) {
                if (a * 31 + b) % 3 != 0 {
                    m.insert((a, b), (a as u64) * 1000 + b as u64 + 1);
                }
            }
        }
        m.insert((u32::MAX, 0), 7);
        m.insert((0, u32::MAX), 8);
        let t = PairMap::build(m.iter().map(|(&k, &v)| (k, v)));
        assert_eq!(t.len(), m.len());
        for a in (0..45u32).chain([u32::MAX]) {
            for b in (0..310u32).chain([u32::MAX]) {
                if (a, b) != (u32::MAX, u32::MAX) {
                    assert_eq!(t.get(a, b), m.get(&(a, b)).copied(), "({a}, {b})");
                }
            }
        }
        let empty: PairMap<u64> = PairMap::default();
        assert_eq!(empty.get(0, 0), None);
        let none = PairMap::<u64>::build(std::iter::empty());
        assert_eq!(none.get(1, 2), None);
    }
}

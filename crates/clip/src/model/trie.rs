//! A batch of causal-tower texts as a token trie: one node per distinct prefix, no padding.
//!
//! Under the causal mask a token's hidden state, key and value depend only on the tokens up to
//! it, so texts that begin with the same tokens have identical states over those tokens. Cut
//! after its pooled token (nothing later reaches the feature), each text is a path from the
//! root of the batch's trie; every Linear, LayerNorm and MLP runs once per node, on the
//! `(nodes, hidden)` matrix, and each node attends to its ancestors and itself
//! ([`super::fused::trie_attention`]), which is exactly every text's causal mask over it. A
//! prefix shared at any depth, by any number of texts (duplicates included), is computed once.

/// The parent of a node at depth 0.
pub(crate) const ROOT: u32 = u32::MAX;

/// The distinct prefixes of a batch of token sequences, parents before children (depth-first
/// over the lexicographically sorted sequences), with each sequence's last node.
#[derive(Debug)]
pub(crate) struct Trie {
    /// Each node's token.
    pub(crate) tokens: Vec<u32>,
    /// Each node's parent ([`ROOT`] at depth 0), always an earlier node.
    pub(crate) parents: Vec<u32>,
    /// Each node's depth: its position in every sequence through it.
    pub(crate) depths: Vec<u32>,
    /// The node of each sequence's last token, in input order.
    pub(crate) ends: Vec<u32>,
}

/// Length of the common prefix of `a` and `b`.
fn shared(a: &[u32], b: &[u32]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// Indices of `seqs` in lexicographic order (ties by index: deterministic).
fn sorted(seqs: &[&[u32]]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..seqs.len()).collect();
    order.sort_by(|&a, &b| seqs[a].cmp(seqs[b]));
    order
}

impl Trie {
    /// The trie of `seqs`, each non-empty (cut after its pooled token).
    pub(crate) fn new(seqs: &[&[u32]]) -> Self {
        let mut trie = Self {
            tokens: Vec::new(),
            parents: Vec::new(),
            depths: Vec::new(),
            ends: vec![ROOT; seqs.len()],
        };
        // the nodes of the previous sequence in sorted order, root first: a sequence shares
        // with all earlier ones at most what it shares with its sorted predecessor
        let mut path: Vec<u32> = Vec::new();
        let mut prev: &[u32] = &[];
        for i in sorted(seqs) {
            let seq = seqs[i];
            path.truncate(shared(prev, seq));
            for (depth, &token) in seq.iter().enumerate().skip(path.len()) {
                trie.parents.push(path.last().copied().unwrap_or(ROOT));
                trie.tokens.push(token);
                trie.depths.push(depth as u32);
                path.push(trie.tokens.len() as u32 - 1);
            }
            trie.ends[i] = path.last().copied().unwrap_or(ROOT);
            prev = seq;
        }
        trie
    }

    /// Number of nodes: the token positions a forward pass computes.
    pub(crate) fn len(&self) -> usize {
        self.tokens.len()
    }
}

/// Splits `seqs` into passes of at most `budget` trie nodes each (a sequence longer than
/// `budget` alone in its pass), taken in lexicographic order so that texts sharing prefixes
/// meet in one pass. Each pass lists indices into `seqs`.
pub(crate) fn passes(seqs: &[&[u32]], budget: usize) -> Vec<Vec<usize>> {
    let mut passes = Vec::new();
    let mut pass: Vec<usize> = Vec::new();
    let mut nodes = 0;
    let mut prev: &[u32] = &[];
    for i in sorted(seqs) {
        let seq = seqs[i];
        let new = seq.len() - shared(prev, seq);
        if !pass.is_empty() && nodes + new > budget {
            passes.push(std::mem::take(&mut pass));
            nodes = seq.len();
        } else {
            nodes += new;
        }
        pass.push(i);
        prev = seq;
    }
    if !pass.is_empty() {
        passes.push(pass);
    }
    passes
}

/// Token positions that [`passes`] of `seqs` compute: the nodes of every pass's trie.
pub(crate) fn positions(seqs: &[&[u32]], budget: usize) -> usize {
    passes(seqs, budget)
        .iter()
        .map(|pass| {
            let seqs: Vec<&[u32]> = pass.iter().map(|&i| seqs[i]).collect();
            Trie::new(&seqs).len()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The token sequence a node stands for, root first.
    fn path(t: &Trie, mut node: u32) -> Vec<u32> {
        let mut tokens = Vec::new();
        while node != ROOT {
            tokens.push(t.tokens[node as usize]);
            node = t.parents[node as usize];
        }
        tokens.reverse();
        tokens
    }

    #[test]
    fn one_node_per_distinct_prefix_parents_first() {
        let seqs: [&[u32]; 7] = [
            &[1, 5, 6, 7, 2],
            &[1, 5, 6, 8, 2],
            &[1, 5, 6, 7, 2], // duplicate
            &[1, 5],          // a prefix of the others
            &[3, 4],          // unrelated
            &[1, 5, 6, 7, 2, 9],
            &[1],
        ];
        let t = Trie::new(&seqs);
        // distinct prefixes: 1 · 15 · 156 · 1567 · 15672 · 156729 · 1568 · 15682 · 3 · 34
        assert_eq!(t.len(), 10);
        for (node, (&parent, &depth)) in t.parents.iter().zip(&t.depths).enumerate() {
            let p = path(&t, node as u32);
            assert_eq!(p.len(), depth as usize + 1, "node {node}: depth");
            if parent == ROOT {
                assert_eq!(depth, 0);
            } else {
                assert!((parent as usize) < node, "node {node}: parent after it");
                assert_eq!(t.depths[parent as usize] + 1, depth);
            }
        }
        let distinct: std::collections::BTreeSet<Vec<u32>> =
            (0..t.len() as u32).map(|n| path(&t, n)).collect();
        assert_eq!(distinct.len(), t.len(), "a prefix computed twice");
        for (i, seq) in seqs.iter().enumerate() {
            assert_eq!(path(&t, t.ends[i]), *seq, "sequence {i}");
        }
        assert_eq!(t.ends[0], t.ends[2]);
        assert!(Trie::new(&[]).len() == 0);
    }

    #[test]
    fn passes_keep_to_the_node_budget_in_sorted_order() {
        let seqs: [&[u32]; 5] = [
            &[1, 5, 6, 7],
            &[3, 4, 5],
            &[1, 5, 6, 8],
            &[1, 5, 9],
            &[3, 4],
        ];
        // sorted: 1567 (4 nodes), 1568 (+1), 159 (+1), 34 (+2), 345 (+1): 9 in one pass
        assert_eq!(passes(&seqs, 9), vec![vec![0, 2, 3, 4, 1]]);
        assert_eq!(positions(&seqs, 9), 9);
        // budget 6: 1567, 1568, 159 (6 nodes); then 34, 345 (3)
        assert_eq!(passes(&seqs, 6), vec![vec![0, 2, 3], vec![4, 1]]);
        assert_eq!(positions(&seqs, 6), 9);
        // budget 5: the third pass starts afresh, sharing nothing with the previous one
        assert_eq!(passes(&seqs, 5), vec![vec![0, 2], vec![3, 4], vec![1]]);
        assert_eq!(positions(&seqs, 5), 5 + 5 + 3);
        // a sequence longer than the budget gets a pass of its own
        assert_eq!(
            passes(&seqs, 2),
            vec![vec![0], vec![2], vec![3], vec![4], vec![1]]
        );
        assert!(passes(&[], 4).is_empty());
    }
}

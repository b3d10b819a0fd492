//! Whole-caption plausibility: an interpolated Kneser-Ney word trigram model learned from
//! captions. The generator scores each candidate negative as a whole (mean log-probability per
//! token, `</s>` included) and rejects the ones much less plausible than their caption, which a
//! per-slot count cannot see ("a train and a bike parked together") and which a text-only
//! language model would spot.
//!
//! Words are lowercased runs of letters and digits with inner `'` / `-` ("polka-dotted",
//! "dog's"; the tokenisation of `benchmarks/negatives/detect.py`); punctuation is dropped. A
//! word seen once in the training captions is learned as `<unk>`, and every word the model does
//! not know is scored as `<unk>`, so unknown words get the probability mass of rare words
//! instead of none (or of a vocabulary-sized guess).
//!
//! Smoothing (discount D = 0.75 at both levels, `c` counts, `N` continuation counts):
//! `P3(w|u v) = max(c(u v w) − D, 0) / c(u v ·) + γ(u v) P2(w|v)`,
//! `P2(w|v) = max(N(· v w) − D, 0) / N(· v ·) + γ(v) P1(w)`,
//! `P1(w) = (N(· w) + 1) / (Σ N(· ·) + |V|)` (V: the words, `<unk>` and `</s>`), where γ is the mass the stored counts leave
//! (1 − their discounted sum over the context's count), so pruned n-grams fall back to the
//! lower order and every distribution still sums to one.
//!
//! Table format (the built-in one is `crates/negatives/lexicon/lm.tsv`, learned from the
//! development part of the COCO dev captions by `scripts/negatives/make_tables.sh`), one row a
//! line, tab-separated, `#` comments: `1 w N(· w) N(· w ·)` (every word, `<unk>` and `<s>`
//! included), `2 v w c(v w ·) N(· v w)`, `3 u v w c(u v w)`. Rows of order 2 and 3 with all
//! counts below 2 are pruned from the built-in table ([`LmCounts::to_tsv`]).

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::lexicon::FxHashMap;
use crate::pairs::PairMap;
use crate::words::{for_each_ascii_word, for_each_word};

/// The Kneser-Ney discount.
const D: f64 = 0.75;
/// Sentence start and end, and the word every unknown word becomes.
pub const BOS: &str = "<s>";
pub const EOS: &str = "</s>";
pub const UNK: &str = "<unk>";
/// The ids of `<unk>`, `<s>` and `</s>` in every built model ([`LmCounts::build`] gives them
/// first).
const UNK_ID: u32 = 0;
const BOS_ID: u32 = 1;
const EOS_ID: u32 = 2;

/// Lowercased words of `text` (see the module doc), appended to `out`.
pub fn words(text: &str, out: &mut Vec<String>) {
    for_each_word(text, &[], &mut String::new(), |w| out.push(w.to_string()));
}

/// Raw counts, keyed by words: what a table holds, what captions are learned into, and what
/// two sources merge as (counts add; continuation counts add too, which overcounts a context
/// seen in both — an approximation kept for simplicity).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LmCounts {
    /// word → (N(· w), N(· w ·)).
    uni: BTreeMap<String, (u64, u64)>,
    /// (v, w) → (c(v w ·), N(· v w)).
    bi: BTreeMap<(String, String), (u64, u64)>,
    /// (u, v, w) → c(u v w).
    tri: BTreeMap<(String, String, String), u64>,
}

impl LmCounts {
    /// Counts learned from captions; words seen once become `<unk>`.
    pub fn learn<'a>(captions: impl IntoIterator<Item = &'a str>) -> Self {
        let mut sents: Vec<Vec<String>> = Vec::new();
        let mut freq: BTreeMap<String, u64> = BTreeMap::new();
        for c in captions {
            let mut w = Vec::new();
            words(c, &mut w);
            for x in &w {
                *freq.entry(x.clone()).or_default() += 1;
            }
            sents.push(w);
        }
        let mut tri: BTreeMap<(String, String, String), u64> = BTreeMap::new();
        for s in sents {
            let mut seq = vec![BOS.to_string(), BOS.to_string()];
            seq.extend(s.into_iter().map(|w| {
                if freq.get(&w).copied().unwrap_or(0) >= 2 {
                    w
                } else {
                    UNK.to_string()
                }
            }));
            seq.push(EOS.to_string());
            for t in seq.windows(3) {
                *tri.entry((t[0].clone(), t[1].clone(), t[2].clone()))
                    .or_default() += 1;
            }
        }
        let mut bi: BTreeMap<(String, String), (u64, u64)> = BTreeMap::new();
        let mut uni: BTreeMap<String, (u64, u64)> = BTreeMap::new();
        for ((u, v, w), c) in &tri {
            bi.entry((u.clone(), v.clone())).or_default().0 += c;
            let e = bi.entry((v.clone(), w.clone())).or_default();
            e.1 += 1;
            if e.1 == 1 {
                // first distinct u before (v w): (v w) is a new continuation of v and of w
                uni.entry(w.clone()).or_default().0 += 1;
            }
            uni.entry(v.clone()).or_default().1 += 1;
        }
        // N(· w) counts distinct v before w: the loop above added one per new (v, w)
        uni.entry(UNK.to_string()).or_default();
        LmCounts { uni, bi, tri }
    }

    /// Adds `other`'s counts.
    pub fn merge(&mut self, other: &LmCounts) {
        for (k, v) in &other.uni {
            let e = self.uni.entry(k.clone()).or_default();
            e.0 += v.0;
            e.1 += v.1;
        }
        for (k, v) in &other.bi {
            let e = self.bi.entry(k.clone()).or_default();
            e.0 += v.0;
            e.1 += v.1;
        }
        for (k, v) in &other.tri {
            *self.tri.entry(k.clone()).or_default() += v;
        }
    }

    /// The table (see the module doc); rows of order 2 and 3 whose counts are all below
    /// `min_count` are left out (1 keeps everything).
    pub fn to_tsv(&self, min_count: u64) -> String {
        let mut s = String::from(
            "# clipprobe word trigram counts (interpolated Kneser-Ney; see negatives/lm.rs)\n",
        );
        for (w, (n, m)) in &self.uni {
            s.push_str(&format!("1\t{w}\t{n}\t{m}\n"));
        }
        for ((v, w), (c, n)) in &self.bi {
            if *c >= min_count || *n >= min_count {
                s.push_str(&format!("2\t{v}\t{w}\t{c}\t{n}\n"));
            }
        }
        for ((u, v, w), c) in &self.tri {
            if *c >= min_count {
                s.push_str(&format!("3\t{u}\t{v}\t{w}\t{c}\n"));
            }
        }
        s
    }

    /// Reads a table; errors name `file` and the line.
    pub fn from_tsv(text: &str, file: &str) -> Result<Self> {
        let mut out = LmCounts::default();
        for (i, line) in text.lines().enumerate() {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let bad = |m: String| Error::Line {
                path: file.into(),
                line: i + 1,
                message: m,
            };
            let f: Vec<&str> = line.split('\t').collect();
            let num = |s: &str| {
                s.parse::<u64>()
                    .map_err(|_| bad(format!("count {s:?} is not a whole number")))
            };
            let want = match f[0] {
                "1" => 4,
                "2" => 5,
                "3" => 5,
                k => return Err(bad(format!("unknown row kind {k:?} (want 1, 2 or 3)"))),
            };
            if f.len() != want {
                return Err(bad(format!(
                    "{} columns, want {want} for kind {}",
                    f.len(),
                    f[0]
                )));
            }
            match f[0] {
                "1" => {
                    out.uni.insert(f[1].into(), (num(f[2])?, num(f[3])?));
                }
                "2" => {
                    out.bi
                        .insert((f[1].into(), f[2].into()), (num(f[3])?, num(f[4])?));
                }
                _ => {
                    out.tri
                        .insert((f[1].into(), f[2].into(), f[3].into()), num(f[4])?);
                }
            }
        }
        Ok(out)
    }

    /// The model of these counts.
    pub fn build(&self) -> Lm {
        let mut vocab: FxHashMap<Box<str>, u32> = FxHashMap::default();
        let id = |w: &str, vocab: &mut FxHashMap<Box<str>, u32>| -> u32 {
            let n = vocab.len() as u32;
            *vocab.entry(w.into()).or_insert(n)
        };
        for (w, i) in [(UNK, UNK_ID), (BOS, BOS_ID), (EOS, EOS_ID)] {
            let got = id(w, &mut vocab);
            debug_assert_eq!(got, i);
        }
        for w in self.uni.keys() {
            id(w, &mut vocab);
        }
        for (v, w) in self.bi.keys() {
            id(v, &mut vocab);
            id(w, &mut vocab);
        }
        for (u, v, w) in self.tri.keys() {
            id(u, &mut vocab);
            id(v, &mut vocab);
            id(w, &mut vocab);
        }
        let n = vocab.len();
        let mut p1 = vec![0.0f64; n];
        let mut ctx1 = vec![0u64; n];
        let mut left1 = vec![0.0f64; n];
        let total: u64 = self.uni.values().map(|x| x.0).sum();
        for (w, (c, m)) in &self.uni {
            let i = vocab[w.as_str()] as usize;
            p1[i] = *c as f64;
            ctx1[i] = *m;
        }
        // add-one over every word but <s>, which is never predicted (<unk> included)
        let denom = (total + n as u64 - 1) as f64;
        for x in p1.iter_mut() {
            *x = (*x + 1.0) / denom;
        }
        let mut bi: FxHashMap<(u32, u32), (f64, f64)> = FxHashMap::default();
        for ((v, w), (c, cont)) in &self.bi {
            let (a, b) = (vocab[v.as_str()], vocab[w.as_str()]);
            let m = ctx1[a as usize];
            let disc = if m > 0 {
                (*cont as f64 - D).max(0.0) / m as f64
            } else {
                0.0
            };
            left1[a as usize] += disc;
            bi.insert((a, b), (disc, *c as f64));
        }
        let mut tri: Vec<((u32, u32, u32), f64)> = Vec::new();
        let mut left2: FxHashMap<(u32, u32), f64> = FxHashMap::default();
        for ((u, v, w), c) in &self.tri {
            let (a, b, d) = (vocab[u.as_str()], vocab[v.as_str()], vocab[w.as_str()]);
            let ctx = bi.get(&(a, b)).map_or(0.0, |x| x.1);
            if ctx > 0.0 {
                let disc = (*c as f64 - D).max(0.0) / ctx;
                *left2.entry((a, b)).or_default() += disc;
                tri.push(((a, b, d), disc));
            }
        }
        // γ = 1 − the discounted mass the stored rows take (contexts with no count: γ = 1)
        let gamma1: Vec<f64> = left1
            .iter()
            .zip(&ctx1)
            .map(|(l, m)| if *m > 0 { (1.0 - l).max(0.0) } else { 1.0 })
            .collect();
        let mut lm =
            Lm {
                vocab,
                bi: PairMap::build(bi.iter().map(|(&(a, b), &(disc, _))| {
                    ((a, b), disc + gamma1[a as usize] * p1[b as usize])
                })),
                p1,
                gamma1,
                ctx: PairMap::build(
                    left2
                        .iter()
                        .enumerate()
                        .map(|(i, (&k, &l))| (k, ((1.0 - l).max(0.0), i as u32))),
                ),
                tri: PairMap::default(),
                empty: self.uni.is_empty(),
            };
        let tri: Vec<((u32, u32), (f64, f64))> = tri
            .into_iter()
            .filter_map(|((a, b, d), disc)| {
                let (g, c) = lm.ctx.get(a, b)?;
                Some(((c, d), (disc, ln_floor(disc + g * lm.p2(b, d)))))
            })
            .collect();
        lm.tri = PairMap::build(tri.into_iter());
        lm
    }
}

/// ln of a probability, floored at the smallest positive `f64` (a pruned table may leave 0).
fn ln_floor(p: f64) -> f64 {
    p.max(f64::MIN_POSITIVE).ln()
}

/// A trigram model ready to score ([`LmCounts::build`]).
#[derive(Debug, Clone, Default)]
pub struct Lm {
    vocab: FxHashMap<Box<str>, u32>,
    p1: Vec<f64>,
    gamma1: Vec<f64>,
    /// (v, w) → `P2(w | v)` of the stored bigrams (any other: `γ(v) P1(w)`).
    bi: PairMap<f64>,
    /// (u, v) → (`γ(u v)`, context number) of the contexts with stored trigrams.
    ctx: PairMap<(f64, u32)>,
    /// (context number, w) → (discounted trigram share, `ln P3(w | u v)`).
    tri: PairMap<(f64, f64)>,
    empty: bool,
}

impl Lm {
    /// A model with no counts: [`Lm::per_token`] is `None`, so nothing is rejected.
    pub fn permissive() -> Self {
        Lm {
            empty: true,
            ..Lm::default()
        }
    }

    /// Whether the model has no counts.
    pub fn is_empty(&self) -> bool {
        self.empty || self.p1.is_empty()
    }

    fn id(&self, w: &str) -> u32 {
        self.vocab.get(w).copied().unwrap_or(UNK_ID)
    }

    fn p2(&self, v: u32, w: u32) -> f64 {
        // a stored bigram's P2 was summed from its share and γ(v) P1(w) when built
        self.bi
            .get(v, w)
            .unwrap_or_else(|| self.gamma1[v as usize] * self.p1[w as usize])
    }

    /// `P3(w | u v)`: the definition (see the module doc); [`Lm::ln_p3`], which scoring uses, is
    /// its logarithm (the tests check the two agree).
    #[cfg(test)]
    fn p3(&self, u: u32, v: u32, w: u32) -> f64 {
        let lower = self.p2(v, w);
        match self.ctx.get(u, v) {
            Some((g, c)) => self.tri.get(c, w).map_or(0.0, |t| t.0) + g * lower,
            None => lower,
        }
    }

    /// `ln P3(w | u v)` floored as [`ln_floor`] does, bit-identical to `ln_floor(p3(u, v, w))`:
    /// a stored trigram's logarithm was computed when the model was built, and without one
    /// the share it would add is 0.
    fn ln_p3(&self, u: u32, v: u32, w: u32) -> f64 {
        match self.ctx.get(u, v) {
            Some((g, c)) => match self.tri.get(c, w) {
                Some((_, lp)) => lp,
                None => ln_floor(g * self.p2(v, w)),
            },
            None => ln_floor(self.p2(v, w)),
        }
    }

    /// Word ids of `text` followed by `</s>`, appended to `out`.
    fn ids(&self, text: &str, out: &mut Vec<u32>) {
        let mut buf = String::with_capacity(32);
        for_each_word(text, &[], &mut buf, |w| out.push(self.id(w)));
        out.push(EOS_ID);
    }

    /// ln P of position `i` of `ids` (`<s> <s>` before the first word).
    fn ln_p(&self, ids: &[u32], i: usize) -> f64 {
        let u = if i >= 2 { ids[i - 2] } else { BOS_ID };
        let v = if i >= 1 { ids[i - 1] } else { BOS_ID };
        self.ln_p3(u, v, ids[i])
    }

    /// `text` scored position by position, to score its edits with [`Lm::per_token_edit`];
    /// `None` for an empty model.
    pub fn score(&self, text: &str) -> Option<Scored> {
        if self.is_empty() {
            return None;
        }
        let mut ids = Vec::new();
        let mut spans = Vec::new();
        let ascii = text.is_ascii();
        if ascii {
            for_each_ascii_word(text, &mut String::new(), |at, w| {
                ids.push(self.id(w));
                spans.push([at, at + w.len()]);
            });
            ids.push(EOS_ID);
        } else {
            self.ids(text, &mut ids);
        }
        let lp: Vec<f64> = (0..ids.len()).map(|i| self.ln_p(&ids, i)).collect();
        let sum = lp.iter().sum();
        Some(Scored {
            text: text.to_string(),
            spans: ascii.then_some(spans),
            ids,
            lp,
            sum,
        })
    }

    /// [`Lm::ids`] of `text`, an edit of the scored `base`: the words of the bytes the two
    /// texts share at either end are copied from `base`, and only the bytes between them are
    /// split and looked up. A word is shared when the bytes that decide where it ends (its own
    /// and the next two) lie in the common prefix, or when it starts after a separator that is
    /// not `'` or `-` in the common suffix (the splitter is then outside any word, whatever
    /// came before). Texts that are not ASCII are split whole.
    fn edit_ids(&self, base: &Scored, text: &str, out: &mut Vec<u32>) {
        let (Some(spans), true) = (&base.spans, text.is_ascii()) else {
            return self.ids(text, out);
        };
        let (k, j, start, stop) = shared_words(&base.text, spans, text);
        out.extend_from_slice(&base.ids[..k]);
        for_each_ascii_word(&text[start..stop], &mut String::new(), |_, w| {
            out.push(self.id(w))
        });
        out.extend_from_slice(&base.ids[j..spans.len()]);
        out.push(EOS_ID);
    }

    /// Mean natural-log probability per token of `text` (`</s>` counted), or `None` for an
    /// empty model.
    pub fn per_token(&self, text: &str) -> Option<f64> {
        self.score(text).map(|s| s.per_token())
    }

    /// [`Lm::per_token`] of `text`, an edit of the scored `base`: only the trigrams that touch
    /// the words between their common first and last words are scored again.
    pub fn per_token_edit(&self, base: &Scored, text: &str) -> f64 {
        let mut ids = Vec::with_capacity(base.ids.len() + 4);
        self.edit_ids(base, text, &mut ids);
        let (nb, nn) = (base.ids.len(), ids.len());
        let pre = base
            .ids
            .iter()
            .zip(&ids)
            .take_while(|(a, b)| a == b)
            .count();
        let suf = base.ids[pre.min(nb)..]
            .iter()
            .rev()
            .zip(ids[pre.min(nn)..].iter().rev())
            .take_while(|(a, b)| a == b)
            .count();
        let (end_b, end_n) = ((nb - suf + 2).min(nb), (nn - suf + 2).min(nn));
        let old: f64 = base.lp[pre..end_b.max(pre)].iter().sum();
        let new: f64 = (pre..end_n.max(pre)).map(|i| self.ln_p(&ids, i)).sum();
        (base.sum - old + new) / nn as f64
    }
}

/// The words `text`, an ASCII edit of the ASCII `base` whose words lie at the byte `spans`
/// (as [`for_each_ascii_word`] finds them), shares with `base` (see [`Lm::edit_ids`]):
/// `(k, j, start, stop)` where the words of `text` are `base`'s first `k` words, then the words
/// of `text[start..stop]`, then `base`'s words from `j` on.
pub(crate) fn shared_words(
    base: &str,
    spans: &[[usize; 2]],
    text: &str,
) -> (usize, usize, usize, usize) {
    let (a, b) = (base.as_bytes(), text.as_bytes());
    let pre = common_prefix(a, b);
    let n = a.len().min(b.len()) - pre;
    let suf = common_suffix(&a[a.len() - n..], &b[b.len() - n..]);
    let k = spans.iter().take_while(|s| s[1] + 2 <= pre).count();
    let j = k + spans[k..]
        .iter()
        .take_while(|s| {
            let sep = s[0].checked_sub(1);
            !sep.is_some_and(|i| {
                i >= a.len() - suf && !a[i].is_ascii_alphanumeric() && a[i] != b'\'' && a[i] != b'-'
            })
        })
        .count();
    let start = if k == 0 { 0 } else { spans[k - 1][1] };
    let stop = if j == spans.len() {
        b.len()
    } else {
        spans[j][0] - 1 + b.len() - a.len()
    };
    (k, j, start, stop)
}

/// The length of the longest common prefix of `a` and `b`, compared eight bytes at a time.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let mut i = 0;
    while i + 8 <= n {
        let x = u64::from_le_bytes(word(&a[i..i + 8]));
        let y = u64::from_le_bytes(word(&b[i..i + 8]));
        if x != y {
            // the first differing byte is the lowest set byte of x ^ y (little endian)
            return i + ((x ^ y).trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    i + a[i..n]
        .iter()
        .zip(&b[i..n])
        .take_while(|(x, y)| x == y)
        .count()
}

/// The length of the longest common suffix of `a` and `b`, compared eight bytes at a time.
fn common_suffix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let (a, b) = (&a[a.len() - n..], &b[b.len() - n..]);
    let mut i = 0;
    while i + 8 <= n {
        let x = u64::from_be_bytes(word(&a[n - i - 8..n - i]));
        let y = u64::from_be_bytes(word(&b[n - i - 8..n - i]));
        if x != y {
            // the last differing byte is the lowest set byte of x ^ y (big endian)
            return i + ((x ^ y).trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    let rest = n - i;
    i + a[..rest]
        .iter()
        .rev()
        .zip(b[..rest].iter().rev())
        .take_while(|(x, y)| x == y)
        .count()
}

/// Eight bytes of a slice of eight.
fn word(s: &[u8]) -> [u8; 8] {
    let mut w = [0u8; 8];
    w.copy_from_slice(s);
    w
}

/// A text scored position by position ([`Lm::score`]).
#[derive(Debug, Clone)]
pub struct Scored {
    text: String,
    /// Byte spans of the words of an ASCII `text` (`None` otherwise).
    spans: Option<Vec<[usize; 2]>>,
    ids: Vec<u32>,
    lp: Vec<f64>,
    sum: f64,
}

impl Scored {
    /// Mean natural-log probability per token.
    pub fn per_token(&self) -> f64 {
        self.sum / self.ids.len() as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::words::for_each_unicode_word;

    const CORPUS: &[&str] = &[
        "A dog on a couch.",
        "A dog on a bed.",
        "A cat on a couch.",
        "A cat sleeping on a bed.",
        "Two dogs playing in a park.",
        "A man riding a horse in a park.",
        "A man riding a bike.",
        "A woman riding a horse.",
        "a dog's toy on the floor",
        "A polka-dotted dog on a couch",
    ];

    /// Σ_w P(w | u v) over the vocabulary (every word but `<s>`).
    fn mass(lm: &Lm, u: &str, v: &str) -> f64 {
        let (u, v) = (lm.id(u), lm.id(v));
        let bos = lm.id(BOS);
        (0..lm.p1.len() as u32)
            .filter(|&w| w != bos)
            .map(|w| lm.p3(u, v, w))
            .sum()
    }

    #[test]
    fn the_logarithm_fast_path_equals_the_log_of_the_definition() {
        // every trigram of a learned model (stored or not), and the built-in model's trigrams
        // after a few contexts: `ln_p3` (precomputed logs of stored trigrams) against `p3`
        let check = |lm: &Lm, us: &[u32]| {
            let n = lm.p1.len() as u32;
            let mut stored = 0;
            for &u in us {
                for v in 0..n {
                    for w in 0..n {
                        let want = ln_floor(lm.p3(u, v, w));
                        let got = lm.ln_p3(u, v, w);
                        assert_eq!(got.to_bits(), want.to_bits(), "({u}, {v}, {w})");
                        stored += lm
                            .ctx
                            .get(u, v)
                            .is_some_and(|(_, c)| lm.tri.get(c, w).is_some())
                            as usize;
                    }
                }
            }
            assert!(stored > 0);
        };
        let small = LmCounts::learn(CORPUS.iter().copied()).build();
        let all: Vec<u32> = (0..small.p1.len() as u32).collect();
        check(&small, &all);
        let builtin = LmCounts::from_tsv(super::super::BUILTIN_LM, "lm.tsv")
            .expect("counts and a valid table")
            .build();
        check(&builtin, &[BOS_ID, builtin.id("a"), builtin.id("on")]);
    }

    #[test]
    fn the_ascii_splitter_gives_the_words_of_the_char_splitter() {
        let split = |t: &str, ascii: bool| {
            let mut out = Vec::new();
            let push = |w: &str| out.push(w.to_string());
            if ascii {
                for_each_word(t, &[], &mut String::new(), push);
            } else {
                for_each_unicode_word(t, &[], &mut String::new(), push);
            }
            out
        };
        for t in [
            "A polka-dotted dog's toy -- on it, 2 cats!",
            "'quoted' -dash- a--b a-'b x'-y end-",
            "Don't STOP.Now 3-D 1980s' tv",
            "-'a' ''b -",
            "",
            "   ",
        ] {
            assert!(t.is_ascii());
            assert_eq!(split(t, true), split(t, false), "{t:?}");
            assert_eq!(
                split(t, true),
                split(&format!("{t} é"), true)[..split(t, true).len()]
            );
        }
        assert_eq!(split("Ça va", true), ["ça", "va"]);
    }

    #[test]
    fn words_match_the_detectors_tokenisation() {
        let mut w = Vec::new();
        words("A polka-dotted dog's toy -- on it, 2 cats!", &mut w);
        assert_eq!(
            w,
            ["a", "polka-dotted", "dog's", "toy", "on", "it", "2", "cats"]
        );
    }

    #[test]
    fn every_context_is_a_distribution_pruned_or_not() {
        let counts = LmCounts::learn(CORPUS.iter().copied());
        let pruned = LmCounts::from_tsv(&counts.to_tsv(2), "t").expect("counts and a valid table");
        assert!(pruned.tri.len() < counts.tri.len());
        for c in [&counts, &pruned] {
            let lm = c.build();
            for (u, v) in [
                (BOS, BOS),
                (BOS, "a"),
                ("a", "dog"),
                ("riding", "a"),
                ("on", "a"),
                ("horse", "zebra"),
                (UNK, UNK),
            ] {
                let m = mass(&lm, u, v);
                assert!((m - 1.0).abs() < 1e-9, "P(· | {u} {v}) sums to {m}");
            }
        }
    }

    #[test]
    fn seen_text_beats_unseen_and_unknown_words_share_unk() {
        let lm = LmCounts::learn(CORPUS.iter().copied()).build();
        let s = |t: &str| lm.per_token(t).expect("counts and a valid table");
        assert!(s("A dog on a couch.") > s("A couch on a dog."));
        assert!(s("A man riding a horse.") > s("A horse riding a man."));
        // words seen once are learned as <unk>; any unknown word scores as <unk>
        assert_eq!(s("A zebra on a couch."), s("A giraffe on a couch."));
        assert!(s("A zebra on a couch.").is_finite());
        assert_eq!(lm.id("sleeping"), lm.id("qwerty"));
        assert_ne!(lm.id("riding"), lm.id(UNK));
    }

    proptest::proptest! {
        #[test]
        fn common_prefix_and_suffix_are_the_bytewise_ones(
            a in proptest::collection::vec(0u8..3, 0..40),
            b in proptest::collection::vec(0u8..3, 0..40),
            shared in proptest::collection::vec(0u8..3, 0..30),
        ) {
            for (x, y) in [
                ([&shared[..], &a].concat(), [&shared[..], &b].concat()),
                ([&a[..], &shared].concat(), [&b[..], &shared].concat()),
            ] {
                let pre = x.iter().zip(&y).take_while(|(p, q)| p == q).count();
                let suf = x.iter().rev().zip(y.iter().rev()).take_while(|(p, q)| p == q).count();
                proptest::prop_assert_eq!(common_prefix(&x, &y), pre);
                proptest::prop_assert_eq!(common_suffix(&x, &y), suf);
            }
        }

        #[test]
        fn ids_of_an_edit_equal_ids_of_the_whole_text(
            base in "[abAB '.-]{0,14}",
            at in 0usize..16,
            cut in 0usize..5,
            put in "[abB '.,-]{0,4}",
            accent in proptest::bool::ANY,
        ) {
            let lm = LmCounts::learn(["a b ab", "b a", "a-b a'b", "ab b", "a b"]).build();
            let base = if accent { format!("{base}é") } else { base };
            let at = at.min(base.len());
            let end = (at + cut).min(base.len());
            if base.is_char_boundary(at) && base.is_char_boundary(end) {
                let text = format!("{}{put}{}", &base[..at], &base[end..]);
                let scored = lm.score(&base).expect("counts");
                let (mut edit, mut whole) = (Vec::new(), Vec::new());
                lm.edit_ids(&scored, &text, &mut edit);
                lm.ids(&text, &mut whole);
                proptest::prop_assert_eq!(edit, whole, "{:?} -> {:?}", base, text);
            }
        }
    }

    #[test]
    fn scoring_an_edit_equals_scoring_the_whole_text() {
        let lm = LmCounts::learn(CORPUS.iter().copied()).build();
        let base = "A man riding a horse in a park.";
        let b = lm.score(base).expect("counts and a valid table");
        for t in [
            "A woman riding a horse in a park.",
            "A man riding a horse in a big park.",
            "A man and a dog riding a horse in a park.",
            "A man riding a horse.",
            "Two dogs riding a horse in a park today.",
            "A man riding a riding a horse in a park.",
            "A man riding a horse-in a park.",
            "A man riding a horse's park.",
            "A man riding'a horse in a park.",
            "A man-riding a horse in a park.",
            "a man riding",
            "",
            "A man riding a horse in a park.",
        ] {
            let whole = lm.per_token(t).expect("counts and a valid table");
            let edit = lm.per_token_edit(&b, t);
            assert!((whole - edit).abs() < 1e-12, "{t}: {whole} vs {edit}");
        }
    }

    #[test]
    fn tables_round_trip_and_bad_rows_name_the_line() {
        let counts = LmCounts::learn(CORPUS.iter().copied());
        assert_eq!(
            LmCounts::from_tsv(&counts.to_tsv(1), "t").expect("counts and a valid table"),
            counts
        );
        let mut both = counts.clone();
        both.merge(&counts);
        assert_eq!(
            both.tri[&(BOS.into(), BOS.into(), "a".into())],
            2 * counts.tri[&(BOS.into(), BOS.into(), "a".into())]
        );
        let e = LmCounts::from_tsv("# x\n1\ta\t3\t4\n2\ta\tb\tx\t1\n", "lm.tsv")
            .expect_err("a bad row");
        assert_eq!(e.to_string(), "lm.tsv:3: count \"x\" is not a whole number");
        let e = LmCounts::from_tsv("3\ta\tb\t1\n", "lm.tsv").expect_err("a bad row");
        assert!(e.to_string().starts_with("lm.tsv:1: 4 columns"), "{e}");
        assert!(LmCounts::default().build().per_token("a dog").is_none());
        assert!(Lm::permissive().per_token("a dog").is_none());
    }

    #[test]
    fn the_builtin_table_is_valid_and_knows_caption_language() {
        let lm = LmCounts::from_tsv(super::super::BUILTIN_LM, "lm.tsv")
            .expect("counts and a valid table")
            .build();
        for (u, v) in [(BOS, BOS), ("on", "a"), ("a", "man")] {
            let m = mass(&lm, u, v);
            assert!((m - 1.0).abs() < 1e-6, "P(· | {u} {v}) sums to {m}");
        }
        let s = |t: &str| lm.per_token(t).expect("counts and a valid table");
        assert!(s("A man riding a horse on a beach.") > s("A horse riding a man on a beach."));
    }
}

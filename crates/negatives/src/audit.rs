//! Bias audit: a blind, text-only baseline that guesses which of caption and negative is true,
//! and an adversarial filter that moves its accuracy toward chance.
//!
//! SugarCrepe (Hsieh et al., 2023) showed that rule-based negatives are often spotted without
//! the image, because they are ungrammatical or implausible. We measure this per operator:
//!
//! **Model.** An interpolated Kneser-Ney bigram language model over lowercased words (the
//! tokens of [`crate::concepts::tokenize`] without punctuation), with sentence markers
//! `<s>`, `</s>`, estimated on the *input captions* (the positives only). With `c` bigram
//! counts, `c(v) = Σ_w c(v, w)`, `N1+(v•)` distinct successors of `v`, `N1+(•w)` distinct
//! predecessors of `w`, `N1+(••)` distinct bigrams, `V` the number of predictable tokens (the
//! corpus words, `</s>` and one unknown word), and discount `D = 0.75`:
//!
//! ```text
//! P_cont(w)  = (N1+(•w) + 1) / (N1+(••) + V)
//! P(w | v)   = max(c(v, w) − D, 0) / c(v) + D · N1+(v•) / c(v) · P_cont(w)   if c(v) > 0
//!            = P_cont(w)                                                      otherwise
//! ```
//!
//! **Leave-one-out.** A pair is judged by the model estimated *without* the pair's caption:
//! its own bigram counts are subtracted (and the `N1+` counts adjusted where a count drops
//! to zero), so the model cannot prefer the caption because it memorised it. The negative is
//! scored by the same held-out model.
//!
//! **Guess.** The score of a text is its mean log-probability per predicted token (words and
//! `</s>`). The baseline picks the text with the higher score as the true caption; it is right
//! when the caption scores higher, and a tie counts 0.5. Accuracy is reported per operator
//! (`op`); 50% means the negatives cannot be told apart without the image.
//!
//! **Adversarial filter** (SugarCrepe's "adversarial refinement", done here with the blind
//! baseline): per operator, rows are sorted by margin = score(caption) − score(negative),
//! largest first (ties by row order), and the smallest number `k` of leading rows is dropped
//! such that the accuracy of the rest is ≤ 50%, but never more than `1 − min_keep` of the
//! operator's rows. The summary reports accuracy before and after.
//!
//! **Second detector** (with the filter only): a Kneser-Ney word *trigram* model
//! ([`crate::negatives::lm`], the generator's model class) cross-fitted over [`FOLDS`] folds
//! grouped by caption text (a caption's fold is a fixed hash of its text): each pair is judged by
//! the model learned from the captions of the *other* folds, by the same mean log-probability
//! per token. This is the issue's detector (b), built independently of `detect.py`. The filter
//! then drops rows by the larger of the two margins until **both** detectors are at or below
//! chance (or the `min_keep` floor is reached), and the summary reports both before and after.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;

use crate::bench::BenchRecord;
use crate::lexicon::FxHashMap;
use crate::negatives::lm::{shared_words, LmCounts};

const DISCOUNT: f64 = 0.75;

/// What the audit and its detectors read of a row: its subset name, caption and negative.
/// [`BenchRecord`] is one; [`crate::negatives::run_staged`] keeps only these three per row.
pub trait Pair {
    /// The row's subset (`op`) name.
    fn subset(&self) -> &str;
    fn caption(&self) -> &str;
    fn negative(&self) -> &str;
}

impl Pair for BenchRecord {
    fn subset(&self) -> &str {
        self.op.as_str()
    }
    fn caption(&self) -> &str {
        &self.caption
    }
    fn negative(&self) -> &str {
        &self.negative
    }
}

/// Calls `f` with each lowercased word of `text`, split exactly as
/// [`crate::concepts::tokenize`] splits words (the joiners `-`, `'` and `’`).
fn for_each_word(text: &str, f: impl FnMut(&str)) {
    crate::words::for_each_word(text, &['\u{2019}'], &mut String::new(), f);
}

const BOS: u32 = 0;
const EOS: u32 = 1;
const UNK: u32 = u32::MAX;

fn key(v: u32, w: u32) -> u64 {
    ((v as u64) << 32) | w as u64
}

/// Interpolated Kneser-Ney bigram model (see the module docs).
#[derive(Debug, Clone)]
pub struct BigramLm {
    vocab: FxHashMap<String, u32>,
    bigrams: FxHashMap<u64, u32>,
    ctx: Vec<u64>,
    n1_after: Vec<u32>,
    n1_before: Vec<u32>,
    n1_all: u64,
}

impl BigramLm {
    /// Estimates the model on a corpus of captions.
    pub fn fit(corpus: &[&str]) -> BigramLm {
        let mut lm = BigramLm {
            vocab: FxHashMap::default(),
            bigrams: FxHashMap::default(),
            ctx: vec![0, 0],
            n1_after: vec![0, 0],
            n1_before: vec![0, 0],
            n1_all: 0,
        };
        lm.vocab.insert("<s>".into(), BOS);
        lm.vocab.insert("</s>".into(), EOS);
        for text in corpus {
            let mut prev = BOS;
            let mut ids: Vec<u32> = Vec::new();
            let vocab = &mut lm.vocab;
            for_each_word(text, |w| {
                let n = vocab.len() as u32;
                let id = match vocab.get(w) {
                    Some(&id) => id,
                    None => {
                        vocab.insert(w.to_string(), n);
                        n
                    }
                };
                ids.push(id);
            });
            ids.push(EOS);
            for w in ids {
                let c = lm.bigrams.entry(key(prev, w)).or_insert(0);
                *c += 1;
                if *c == 1 {
                    lm.n1_all += 1;
                    lm.grow(prev.max(w));
                    lm.n1_after[prev as usize] += 1;
                    lm.n1_before[w as usize] += 1;
                }
                lm.grow(prev);
                lm.ctx[prev as usize] += 1;
                prev = w;
            }
        }
        let n = lm.vocab.len();
        lm.ctx.resize(n, 0);
        lm.n1_after.resize(n, 0);
        lm.n1_before.resize(n, 0);
        lm
    }

    fn grow(&mut self, id: u32) {
        let need = id as usize + 1;
        if self.ctx.len() < need {
            self.ctx.resize(need, 0);
            self.n1_after.resize(need, 0);
            self.n1_before.resize(need, 0);
        }
    }

    /// The ids of `text` between `<s>` and `</s>`, into `out` (cleared first).
    fn ids_into(&self, text: &str, out: &mut Vec<u32>) {
        out.clear();
        out.push(BOS);
        for_each_word(text, |w| out.push(self.word_id(w)));
        out.push(EOS);
    }

    /// [`BigramLm::ids_into`] of an ASCII `text`, and the byte spans of its words into `spans`
    /// (cleared first).
    fn ascii_ids_into(&self, text: &str, out: &mut Vec<u32>, spans: &mut Vec<[usize; 2]>) {
        out.clear();
        spans.clear();
        out.push(BOS);
        crate::words::for_each_ascii_word(text, &mut String::new(), |at, w| {
            out.push(self.word_id(w));
            spans.push([at, at + w.len()]);
        });
        out.push(EOS);
    }

    /// [`BigramLm::ids_into`] of `text`, an ASCII edit of the ASCII `base` whose ids and word
    /// spans [`BigramLm::ascii_ids_into`] gave: the words the two share at either end
    /// ([`shared_words`]) are copied from `base_ids`, only the others are looked up.
    fn edit_ids_into(
        &self,
        (base, base_ids, spans): (&str, &[u32], &[[usize; 2]]),
        text: &str,
        out: &mut Vec<u32>,
    ) {
        let (k, j, start, stop) = shared_words(base, spans, text);
        out.clear();
        // base_ids: <s>, one id per span, </s>
        out.extend_from_slice(&base_ids[..=k]);
        crate::words::for_each_ascii_word(&text[start..stop], &mut String::new(), |_, w| {
            out.push(self.word_id(w))
        });
        out.extend_from_slice(&base_ids[j + 1..]);
    }

    fn word_id(&self, w: &str) -> u32 {
        self.vocab.get(w).copied().unwrap_or(UNK)
    }

    fn ids(&self, text: &str) -> Vec<u32> {
        let mut out = Vec::with_capacity(16);
        self.ids_into(text, &mut out);
        out
    }

    /// Mean log-probability per predicted token of `text` under the model estimated without
    /// the counts of `held_out` (which must be one of the corpus texts, or `None`).
    pub fn score(&self, text: &str, held_out: Option<&str>) -> f64 {
        let held = held_out
            .map(|h| self.held(&self.ids(h)))
            .unwrap_or_default();
        self.score_ids(&self.ids(text), &held)
    }

    /// What leaving out the corpus text with ids `ids` removes from the counts (a text that is
    /// not in the corpus removes only the bigrams the corpus has).
    fn held(&self, ids: &[u32]) -> Held {
        let mut v: Vec<u64> = ids.windows(2).map(|w| key(w[0], w[1])).collect();
        v.sort_unstable();
        let mut own: Vec<(u64, u32)> = Vec::with_capacity(v.len());
        for k in v {
            match own.last_mut() {
                Some((lk, c)) if *lk == k => *c += 1,
                _ => own.push((k, 1)),
            }
        }
        let mut held = Held::default();
        for (k, c) in own {
            // only bigrams the corpus has (a held-out text that is not in the corpus removes nothing)
            let Some(n) = self.bigrams.get(&k).copied().filter(|&n| n >= c) else {
                continue;
            };
            let gone = n == c;
            held.bigrams.push((k, c));
            let (v, w) = ((k >> 32) as u32, k as u32);
            let e = held.word(v);
            e.1 += c as u64;
            if gone {
                e.2 += 1;
                held.word(w).3 += 1;
                held.n1_all += 1;
            }
        }
        held
    }

    fn score_ids(&self, ids: &[u32], held: &Held) -> f64 {
        self.score_known(ids, held, &[])
    }

    /// [`BigramLm::score_ids`], taking the log-probability of a bigram from `known` (key,
    /// log-probability under the same held-out model) when it is there: a negative shares most
    /// of its bigrams with its caption. The terms and their order are those of a full scoring,
    /// so the result is bit-identical.
    fn score_known(&self, ids: &[u32], held: &Held, known: &[(u64, f64)]) -> f64 {
        let mut total = 0.0;
        for w in ids.windows(2) {
            let k = key(w[0], w[1]);
            total += match known.iter().find(|e| e.0 == k) {
                Some(e) => e.1,
                None => self.log_p(w[0], w[1], held),
            };
        }
        total / (ids.len() - 1) as f64
    }

    /// `ln P(w | v)` under the model estimated without `held` (see the module docs).
    fn log_p(&self, v: u32, w: u32, held: &Held) -> f64 {
        // predicted tokens: the words, </s> and one unknown word (never <s>)
        let v_size = self.vocab.len() as f64;
        let n1_all = self.n1_all - held.n1_all;
        let drop = |u: u32| held.words.iter().find(|e| e.0 == u);
        let n1_before = if w == UNK {
            0
        } else {
            self.n1_before[w as usize] - drop(w).map_or(0, |e| e.3)
        };
        let p_cont = (n1_before as f64 + 1.0) / (n1_all as f64 + v_size);
        let p = if v == UNK {
            p_cont
        } else {
            let (dc, da) = drop(v).map_or((0, 0), |e| (e.1, e.2));
            let cv = self.ctx[v as usize] - dc;
            let n1v = self.n1_after[v as usize] - da;
            if cv == 0 {
                p_cont
            } else {
                let c = if w == UNK {
                    0
                } else {
                    let k = key(v, w);
                    let own = held.bigrams.iter().find(|h| h.0 == k).map_or(0, |h| h.1);
                    self.bigrams.get(&k).copied().unwrap_or(0) - own
                };
                let cv = cv as f64;
                (c as f64 - DISCOUNT).max(0.0) / cv + DISCOUNT * n1v as f64 / cv * p_cont
            }
        };
        p.ln()
    }
}

/// The counts one held-out corpus text contributes (leave-one-out, see the module docs).
#[derive(Debug, Default)]
struct Held {
    /// The text's bigrams that the corpus has: (key, the text's count), by key.
    bigrams: Vec<(u64, u32)>,
    /// Per word id of those bigrams: (id, its drop in `c(v)`, in `N1+(v•)`, in `N1+(•w)`).
    words: Vec<(u32, u64, u32, u32)>,
    /// Drop in `N1+(••)`: the bigrams whose corpus count falls to zero.
    n1_all: u64,
}

impl Held {
    fn word(&mut self, id: u32) -> &mut (u32, u64, u32, u32) {
        let i = match self.words.iter().position(|e| e.0 == id) {
            Some(i) => i,
            None => {
                self.words.push((id, 0, 0, 0));
                self.words.len() - 1
            }
        };
        &mut self.words[i]
    }
}

/// Blind accuracy of one group of rows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupAudit {
    pub pairs: usize,
    /// Fraction of pairs where the blind baseline prefers the caption (ties 0.5).
    pub blind_accuracy: f64,
}

/// The audit in the summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditReport {
    pub method: String,
    /// Per operator (`op`), before filtering.
    pub before: BTreeMap<String, GroupAudit>,
    pub overall_before: GroupAudit,
    /// Per operator after the adversarial filter (absent when it is off).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<BTreeMap<String, GroupAudit>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overall_after: Option<GroupAudit>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_keep: Option<f64>,
    /// The second detector (cross-fitted trigram model; with the filter only): its method, and
    /// per operator before and after the filter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trigram: Option<DetectorAudit>,
    /// The third detector (cross-fitted n-gram pair classifier; with the filter only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pair_classifier: Option<DetectorAudit>,
}

/// The report of the second or third detector ([`trigram_margins`],
/// [`crate::pairclf::pair_margins`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DetectorAudit {
    pub method: String,
    pub before: BTreeMap<String, GroupAudit>,
    pub overall_before: GroupAudit,
    pub after: BTreeMap<String, GroupAudit>,
    pub overall_after: GroupAudit,
}

/// Folds of the second detector.
pub const FOLDS: u64 = 5;

/// The second detector's method string.
pub const TRIGRAM_METHOD: &str = "interpolated Kneser-Ney word trigram LM (D=0.75), 5 folds \
grouped by caption text, each pair scored by the model of the other folds' captions; higher \
mean log-probability per token is guessed true; ties 0.5";

/// The fold of a caption: FNV-1a of its bytes, modulo [`FOLDS`] (the same on every platform).
pub(crate) fn fold_of(caption: &str) -> u64 {
    fnv1a(caption.as_bytes()) % FOLDS
}

/// FNV-1a (64 bits) of `bytes`: a hash that is the same on every platform and in every run.
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Margin per-token score(caption) − score(negative) of each row under the trigram model
/// learned from the `corpus` captions outside the row's caption's fold (0 where a model has no
/// counts).
pub fn trigram_margins<P: Pair + Sync>(records: &[P], corpus: &[&str]) -> Vec<f64> {
    let models: Vec<_> = (0..FOLDS)
        .into_par_iter()
        .map(|f| LmCounts::learn(corpus.iter().copied().filter(|c| fold_of(c) != f)).build())
        .collect();
    // rows of one caption are adjacent (as in [`margins`]): fold and caption score once per run
    records
        .par_chunk_by(|a, b| a.caption() == b.caption())
        .flat_map_iter(|rows| {
            let lm = &models[fold_of(rows[0].caption()) as usize];
            let caption = lm.per_token(rows[0].caption());
            rows.iter()
                .map(move |r| match (caption, lm.per_token(r.negative())) {
                    (Some(c), Some(n)) => c - n,
                    _ => 0.0,
                })
        })
        .collect()
}

/// The method string of the report.
pub const METHOD: &str = "interpolated Kneser-Ney bigram LM (D=0.75) on the input captions, \
leave-one-out per caption; higher mean log-probability per token is guessed true; ties 0.5";

/// Margin score(caption) − score(negative) of each row (leave-one-out on the caption).
pub fn margins<P: Pair + Sync>(records: &[P], lm: &BigramLm) -> Vec<f64> {
    // rows of one caption are adjacent: score the caption once per run of rows
    records
        .par_chunk_by(|a, b| a.caption() == b.caption())
        .flat_map_iter(|rows| {
            let caption = rows[0].caption();
            let (mut ids, mut spans) = (Vec::with_capacity(16), Vec::with_capacity(16));
            let ascii = caption.is_ascii();
            if ascii {
                lm.ascii_ids_into(caption, &mut ids, &mut spans);
            } else {
                lm.ids_into(caption, &mut ids);
            }
            let held = lm.held(&ids);
            // the caption's bigrams, scored once, reused for its negatives
            let known: Vec<(u64, f64)> = ids
                .windows(2)
                .map(|w| (key(w[0], w[1]), lm.log_p(w[0], w[1], &held)))
                .collect();
            let cs = lm.score_known(&ids, &held, &known);
            let mut out = Vec::with_capacity(ids.len() + 4);
            rows.iter()
                .map(|r| {
                    let negative = r.negative();
                    if ascii && negative.is_ascii() {
                        lm.edit_ids_into((caption, &ids, &spans), negative, &mut out);
                    } else {
                        lm.ids_into(negative, &mut out);
                    }
                    cs - lm.score_known(&out, &held, &known)
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

fn credit(m: f64) -> f64 {
    if m.abs() < 1e-12 {
        0.5
    } else if m > 0.0 {
        1.0
    } else {
        0.0
    }
}

fn group<P: Pair>(
    records: &[P],
    margins: &[f64],
    keep: &[bool],
) -> (BTreeMap<String, GroupAudit>, GroupAudit) {
    let mut acc: BTreeMap<&str, (usize, f64)> = BTreeMap::new();
    let (mut n, mut s) = (0usize, 0.0);
    for ((r, &m), _) in records.iter().zip(margins).zip(keep).filter(|(_, &k)| k) {
        let e = acc.entry(r.subset()).or_default();
        e.0 += 1;
        e.1 += credit(m);
        n += 1;
        s += credit(m);
    }
    let ga = |n: usize, s: f64| GroupAudit {
        pairs: n,
        blind_accuracy: if n == 0 { 0.5 } else { s / n as f64 },
    };
    (
        acc.into_iter()
            .map(|(k, (n, s))| (k.to_string(), ga(n, s)))
            .collect(),
        ga(n, s),
    )
}

/// The indices of each operator's rows (in row order), by operator name.
pub(crate) fn rows_by_op<P: Pair>(records: &[P]) -> BTreeMap<&str, Vec<usize>> {
    let mut by_op: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, r) in records.iter().enumerate() {
        by_op.entry(r.subset()).or_default().push(i);
    }
    by_op
}

/// Which rows the adversarial filter keeps (see the module docs): per operator, while some
/// detector's accuracy on the kept rows is above 50% and fewer than `1 − min_keep` of the
/// operator's rows are dropped, the kept row with the largest margin under the detector of
/// highest accuracy (the first of equals) is dropped (ties by row order). With one detector:
/// its rows in falling order of margin until it is at chance.
pub fn adversarial_keep<P: Pair>(records: &[P], detectors: &[&[f64]], min_keep: f64) -> Vec<bool> {
    let by_op = rows_by_op(records);
    let mut keep = vec![true; records.len()];
    for idx in by_op.values() {
        let n = idx.len();
        let max_drop = n - ((min_keep * n as f64).ceil() as usize).min(n);
        // per detector: the rows by falling margin, a cursor into them, and the credit kept
        let orders: Vec<Vec<usize>> = detectors
            .iter()
            .map(|m| {
                let mut o = idx.clone();
                o.sort_by(|&a, &b| m[b].total_cmp(&m[a]).then(a.cmp(&b)));
                o
            })
            .collect();
        let mut cursor = vec![0usize; detectors.len()];
        let mut left: Vec<f64> = detectors
            .iter()
            .map(|m| idx.iter().map(|&i| credit(m[i])).sum())
            .collect();
        for k in 0..max_drop {
            let (d, acc) = left.iter().map(|c| c / (n - k) as f64).enumerate().fold(
                (0, f64::NEG_INFINITY),
                |best, (d, a)| {
                    if a > best.1 {
                        (d, a)
                    } else {
                        best
                    }
                },
            );
            if acc <= 0.5 {
                break;
            }
            while !keep[orders[d][cursor[d]]] {
                cursor[d] += 1;
            }
            let row = orders[d][cursor[d]];
            keep[row] = false;
            for (c, m) in left.iter_mut().zip(detectors) {
                *c -= credit(m[row]);
            }
        }
    }
    keep
}

/// Audits `records` against the caption corpus and, with `min_keep`, drops rows by the
/// adversarial filter. Returns the kept rows (in their order) and the report.
pub fn audit_and_filter(
    records: Vec<BenchRecord>,
    corpus: &[&str],
    min_keep: Option<f64>,
) -> (Vec<BenchRecord>, AuditReport) {
    audit_and_filter_with(records, &BigramLm::fit(corpus), corpus, min_keep)
}

/// [`audit_and_filter`] with the bigram model already fitted on the caption corpus (it depends
/// only on the captions, so a caller may fit it while the negatives are generated); `corpus`
/// feeds the second detector when the filter is on.
pub fn audit_and_filter_with(
    records: Vec<BenchRecord>,
    lm: &BigramLm,
    corpus: &[&str],
    min_keep: Option<f64>,
) -> (Vec<BenchRecord>, AuditReport) {
    let (keep, report) = audit_rows(&records, lm, corpus, min_keep);
    let Some(keep) = keep else {
        return (records, report);
    };
    let kept = records
        .into_iter()
        .zip(keep)
        .filter_map(|(r, k)| k.then_some(r))
        .collect();
    (kept, report)
}

/// The audit of [`audit_and_filter_with`] on any rows: the report and, with `min_keep`, which
/// rows the adversarial filter keeps.
pub fn audit_rows<P: Pair + Sync>(
    records: &[P],
    lm: &BigramLm,
    corpus: &[&str],
    min_keep: Option<f64>,
) -> (Option<Vec<bool>>, AuditReport) {
    let m = margins(records, lm);
    let all = vec![true; records.len()];
    let (before, overall_before) = group(records, &m, &all);
    let mut report = AuditReport {
        method: METHOD.into(),
        before,
        overall_before,
        after: None,
        overall_after: None,
        min_keep,
        trigram: None,
        pair_classifier: None,
    };
    let Some(min_keep) = min_keep else {
        return (None, report);
    };
    let t = trigram_margins(records, corpus);
    let p = crate::pairclf::pair_margins(records);
    let keep = adversarial_keep(records, &[&m, &t, &p], min_keep);
    let (after, overall_after) = group(records, &m, &keep);
    report.after = Some(after);
    report.overall_after = Some(overall_after);
    let detector = |method: &str, margins: &[f64]| {
        let (before, overall_before) = group(records, margins, &all);
        let (after, overall_after) = group(records, margins, &keep);
        DetectorAudit {
            method: method.into(),
            before,
            overall_before,
            after,
            overall_after,
        }
    };
    report.trigram = Some(detector(TRIGRAM_METHOD, &t));
    report.pair_classifier = Some(detector(crate::pairclf::METHOD, &p));
    (Some(keep), report)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ids of a negative built from its caption's (as `margins` does) are those of the
    /// whole negative: every cut of up to 4 bytes at every place of a few captions, with words,
    /// joiners and separators put in.
    #[test]
    fn ids_of_an_edit_equal_ids_of_the_whole_text() {
        let lm = BigramLm::fit(&["a b ab", "b a", "a-b a'b", "ab b", "a b"]);
        let bases = [
            "",
            "a",
            "a b",
            "A man's b-a.",
            "ab. B'a -b",
            "a  b- 'a",
            "-b'' a-",
        ];
        let puts = ["", "a", "B ", "-", "'", ". b", ",", "ab a"];
        let (mut ids, mut spans, mut edit) = (Vec::new(), Vec::new(), Vec::new());
        let mut cases = 0;
        for base in bases {
            lm.ascii_ids_into(base, &mut ids, &mut spans);
            assert_eq!(ids, lm.ids(base));
            for at in 0..=base.len() {
                for end in at..=(at + 4).min(base.len()) {
                    for put in puts {
                        let text = format!("{}{put}{}", &base[..at], &base[end..]);
                        lm.edit_ids_into((base, &ids, &spans), &text, &mut edit);
                        assert_eq!(edit, lm.ids(&text), "{base:?} -> {text:?}");
                        cases += 1;
                    }
                }
            }
        }
        assert!(cases > 1000, "{cases}");
    }

    #[test]
    fn words_split_like_the_tokenizer() {
        for text in [
            "A dog's polka-dotted bed, ok?",
            "ÇA Straße — 🐶 x-",
            "don\u{2019}t 'quote' -a-",
            "A Dog's polka-dotted BED, ok? x- -a- don't' 3-D 'quote' a--b a-'b",
            "TWO  zebras\tgrazing;;e-mail'S x'y-z-",
            "",
            "--''",
        ] {
            let mut got = Vec::new();
            for_each_word(text, |w| got.push(w.to_string()));
            let want: Vec<String> = crate::concepts::tokenize(text)
                .into_iter()
                .filter(|t| t.word)
                .map(|t| t.lower)
                .collect();
            assert_eq!(got, want, "{text}");
        }
    }

    #[test]
    fn leave_one_out_forgets_the_held_out_caption() {
        let corpus = ["a dog on a couch", "a cat on a bed", "a zebra eating grass"];
        let lm = BigramLm::fit(&corpus);
        let with = lm.score("a zebra eating grass", None);
        let without = lm.score("a zebra eating grass", Some("a zebra eating grass"));
        assert!(with > without, "{with} vs {without}");
        // with the only occurrence held out, "zebra eating grass" is as unknown as new words
        let unseen = lm.score("a quokka chewing moss", Some("a zebra eating grass"));
        assert!((without - unseen).abs() < 1e-9, "{without} vs {unseen}");
    }

    #[test]
    fn probabilities_sum_to_one_over_the_vocabulary() {
        let corpus = ["a dog on a couch", "a cat on a bed", "two dogs on a bed"];
        let lm = BigramLm::fit(&corpus);
        let held = lm.held(&lm.ids("a cat on a bed"));
        for ctx in ["a", "on", "zebra"] {
            let v = lm.vocab.get(ctx).copied().unwrap_or(UNK);
            let mut sum = 0.0;
            for w in 1..lm.vocab.len() as u32 {
                sum += lm.score_ids(&[v, w], &held).exp();
            }
            sum += lm.score_ids(&[v, UNK], &held).exp();
            assert!((sum - 1.0).abs() < 1e-9, "{ctx}: {sum}");
        }
    }

    /// Leaving a text out of the counts is refitting without it, when each of its words is
    /// also in another text (the vocabulary, and so `V`, is then the same): the scores are
    /// bit-identical.
    #[test]
    fn leave_one_out_equals_refitting_without_the_text() {
        let corpus = [
            "a dog on a couch",
            "a cat on a bed",
            "a dog on a bed",
            "a cat on a couch",
            "the dog and the cat",
            "the cat and the dog on a couch",
            "a dog on a couch",
        ];
        let lm = BigramLm::fit(&corpus);
        let texts = [
            "a dog on a bed",
            "the couch on a cat",
            "a zebra on a couch",
            "dog dog dog",
            "",
        ];
        for (i, held) in corpus.iter().enumerate() {
            let rest: Vec<&str> = corpus
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != i)
                .map(|(_, t)| *t)
                .collect();
            let refit = BigramLm::fit(&rest);
            assert_eq!(refit.vocab.len(), lm.vocab.len(), "{held}");
            for t in texts.iter().chain([held]) {
                let (a, b) = (lm.score(t, Some(held)), refit.score(t, None));
                assert_eq!(
                    a.to_bits(),
                    b.to_bits(),
                    "{t:?} without {held:?}: {a} vs {b}"
                );
            }
        }
    }

    /// The margins of rows (grouped by caption, scored in parallel) are the differences of
    /// the held-out scores of caption and negative, row by row.
    #[test]
    fn margins_are_held_out_score_differences() {
        let corpus = ["a dog on a couch", "a cat on a bed", "two dogs on a bed"];
        let lm = BigramLm::fit(&corpus);
        let mut records = Vec::new();
        for (i, (c, n)) in [
            ("a dog on a couch", "a cat on a couch"),
            ("a dog on a couch", "a dog under a couch"),
            ("a cat on a bed", "a bed on a cat"),
            ("two dogs on a bed", "two cats on a bed"),
            ("two dogs on a bed", "two dogs on a couch"),
            ("a dog on a couch", "a dog on a bed"),
        ]
        .into_iter()
        .enumerate()
        {
            records.push(BenchRecord::new(i.to_string(), c, n, "x"));
        }
        let m = margins(&records, &lm);
        assert_eq!(m.len(), records.len());
        for (r, m) in records.iter().zip(&m) {
            let want =
                lm.score(&r.caption, Some(&r.caption)) - lm.score(&r.negative, Some(&r.caption));
            assert_eq!(
                m.to_bits(),
                want.to_bits(),
                "{} / {}",
                r.caption,
                r.negative
            );
        }
    }

    fn rec(op: &str, i: usize) -> BenchRecord {
        BenchRecord::new(i.to_string(), "c", "n", op)
    }

    #[test]
    fn filter_drops_largest_margins_until_chance_or_floor() {
        let records: Vec<_> = (0..10).map(|i| rec("x", i)).collect();
        // 8 of 10 right: drop the 6 largest positive margins -> 2 right of 4 = 50%
        let m = [5.0, 4.0, 3.0, 2.0, 1.0, 0.5, 0.4, 0.3, -1.0, -2.0];
        let keep = adversarial_keep(&records, &[&m], 0.0);
        assert_eq!(
            keep,
            [false, false, false, false, false, false, true, true, true, true]
        );
        // a floor of 80% stops after two drops
        let keep = adversarial_keep(&records, &[&m], 0.8);
        assert_eq!(keep.iter().filter(|k| !**k).count(), 2);
        assert!(!keep[0] && !keep[1]);
    }

    #[test]
    fn filter_goes_on_until_every_detector_is_at_chance() {
        let records: Vec<_> = (0..6).map(|i| rec("x", i)).collect();
        // the first detector is at chance (3 of 6), the second right on 5 of 6
        let m1 = [-1.0, -1.0, -1.0, 1.0, 1.0, 1.0];
        let m2 = [3.0, 2.0, 1.0, 0.5, 0.4, -1.0];
        assert_eq!(adversarial_keep(&records, &[&m1], 0.0), [true; 6]);
        // m2 (5/6) drops rows 0 then 1; m1 (3/4, equal to m2, first) drops row 3; m1 (2/3,
        // equal, first) drops row 4; left rows 2 and 5: each detector 1 of 2
        let keep = adversarial_keep(&records, &[&m1, &m2], 0.0);
        assert_eq!(keep, [false, false, true, false, false, true]);
        // the floor: at most half dropped, in the same order
        let keep = adversarial_keep(&records, &[&m1, &m2], 0.5);
        assert_eq!(keep, [false, false, true, false, true, true]);
    }

    #[test]
    fn trigram_margins_never_see_the_captions_of_the_pairs_fold() {
        let base: Vec<String> = (0..60)
            .map(|i| {
                format!(
                    "a {} dog on a {} couch",
                    ["red", "big", "small"][i % 3],
                    i % 7
                )
            })
            .collect();
        let caption = "a brown dog on a soft couch";
        let records = vec![BenchRecord::new(
            "0",
            caption,
            "a brown couch on a soft dog",
            "x",
        )];
        let mut corpus: Vec<&str> = base.iter().map(String::as_str).collect();
        corpus.push(caption);
        let before = trigram_margins(&records, &corpus);
        // more captions of the pair's own fold (the caption itself among them) change nothing
        let extra: Vec<String> = (0..400)
            .map(|i| format!("a brown dog on a soft couch number {i}"))
            .filter(|c| fold_of(c) == fold_of(caption))
            .collect();
        assert!(extra.len() > 20);
        let mut more = corpus.clone();
        more.extend(extra.iter().map(String::as_str));
        more.extend([caption; 10]);
        let after = trigram_margins(&records, &more);
        assert_eq!(before[0].to_bits(), after[0].to_bits());
        // captions of another fold do change it
        let other: Vec<String> = (0..400)
            .map(|i| format!("a brown couch on a soft dog number {i}"))
            .filter(|c| fold_of(c) != fold_of(caption))
            .collect();
        let mut more = corpus.clone();
        more.extend(other.iter().map(String::as_str));
        assert_ne!(trigram_margins(&records, &more)[0], before[0]);
        // all five folds are used
        let folds: std::collections::BTreeSet<u64> = base.iter().map(|c| fold_of(c)).collect();
        assert_eq!(folds.len() as u64, FOLDS);
    }
}

//! Hard-negative generation: SWAP / REPLACE / ADD over atomic concepts, iterated to depth K,
//! with provenance for every edit and a blind-baseline audit of the result.
//!
//! Entry points: [`read_input`] (captions from text, JSON Lines, COCO or SugarCrepe files),
//! [`generate`] (captions → [`BenchRecord`]s and per-operator statistics) and [`run`]
//! (generate, then audit with the blind text-only baseline of [`crate::audit`] and optionally
//! filter); [`run_staged`] does what [`run`] does and writes the rows as it goes, keeping no
//! record past its chunk (what `clipprobe negatives` uses). Output is a function of the input and [`Options`] only: every caption draws from
//! its own ChaCha8 stream seeded by (seed, caption index, operator), so results are
//! byte-identical across runs and thread counts.
//!
//! Row ids are `<input id>/<op>/<k>`. At depth K > 1 a row belongs to the subset of its first
//! operator (`op`); `extra.ops` lists every step and `edits` holds one entry per step.

mod input;
pub mod lm;
mod ops;
pub mod plausibility;

use std::collections::BTreeMap;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::Serialize;

use crate::audit;
use crate::bench::{BenchRecord, Edit, Op, BENCH_SCHEMA_VERSION};
use crate::concepts::parse;
use crate::lexicon::{Lexicon, UserFiles};

pub use input::{read_input, InputCaption, InputFormat, InputSet};
pub use lm::{Lm, LmCounts, Scored};
pub use ops::{verb_sense, Prepared, Skip};
pub use plausibility::Plausibility;

/// The built-in plausibility table (learned from the development part of the COCO dev
/// captions; see `crates/negatives/lexicon/README.md`).
pub const BUILTIN_TABLE: &str = include_str!("../../lexicon/plausibility.tsv");

/// The built-in word trigram counts (learned from the same captions; see [`lm`]).
pub const BUILTIN_LM: &str = include_str!("../../lexicon/lm.tsv");

/// What generation knows: the lexicon, the plausibility table and the caption language model.
#[derive(Debug, Clone)]
pub struct Model {
    pub lex: Lexicon,
    pub plaus: Plausibility,
    /// Whole-negative plausibility ([`Lm::permissive`] rejects nothing).
    pub lm: Lm,
    /// Per-word answers of `lex` and `plaus` the operators ask per candidate
    /// ([`Model::from_parts`] builds them; rebuild the model when `lex` or `plaus` change).
    pub prepared: ops::Prepared,
}

impl Model {
    /// The built-in lexicon and table, built once.
    pub fn builtin() -> &'static Model {
        static M: std::sync::OnceLock<Model> = std::sync::OnceLock::new();
        M.get_or_init(|| {
            // The embedded tables are checked by the unit tests; a failure here is a build bug.
            // The language model and the rest are built side by side.
            #[allow(clippy::expect_used)]
            let ((lex, plaus, prepared), lm) = rayon::join(
                || {
                    let lex = Lexicon::builtin().clone();
                    let plaus =
                        Plausibility::from_tsv(BUILTIN_TABLE, "lexicon/plausibility.tsv", &lex)
                            .expect("embedded plausibility table is valid")
                            .classes(&lex);
                    let prepared = ops::Prepared::new(&lex, &plaus);
                    (lex, plaus, prepared)
                },
                || {
                    LmCounts::from_tsv(BUILTIN_LM, "lexicon/lm.tsv")
                        .expect("embedded language model table is valid")
                        .build()
                },
            );
            Model {
                lex,
                plaus,
                lm,
                prepared,
            }
        })
    }

    /// A model of these parts.
    pub fn from_parts(lex: Lexicon, plaus: Plausibility, lm: Lm) -> Model {
        let prepared = ops::Prepared::new(&lex, &plaus);
        Model {
            lex,
            plaus,
            lm,
            prepared,
        }
    }

    /// The built-in lexicon extended by `user` files (`--lexicon DIR`), with the built-in table
    /// and language model (unless `builtin_table` is false) plus counts learned from `corpus`
    /// (`--corpus FILE`).
    pub fn new(
        user: Option<&UserFiles>,
        builtin_table: bool,
        corpus: &[&str],
    ) -> crate::Result<Model> {
        let lex = match user {
            Some(u) => Lexicon::from_sources(u.sources())?,
            None => Lexicon::builtin().clone(),
        };
        let mut plaus = if builtin_table {
            Plausibility::from_tsv(BUILTIN_TABLE, "lexicon/plausibility.tsv", &lex)?
        } else {
            Plausibility::default()
        };
        plaus.merge(&Plausibility::learn(corpus.iter().copied(), &lex));
        let plaus = plaus.classes(&lex);
        let mut counts = if builtin_table {
            LmCounts::from_tsv(BUILTIN_LM, "lexicon/lm.tsv")?
        } else {
            LmCounts::default()
        };
        counts.merge(&LmCounts::learn(corpus.iter().copied()));
        Ok(Model::from_parts(lex, plaus, counts.build()))
    }
}

/// Version of the summary JSON written beside the output.
pub const SUMMARY_SCHEMA_VERSION: u64 = 1;
/// The `source` of generated rows.
pub const SOURCE: &str = "clipprobe-negatives";

/// Generator settings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Options {
    /// Operators to run (output follows [`Op::ALL`] order whatever the order here).
    pub ops: Vec<Op>,
    /// Negatives per caption and operator (at most; fewer when fewer candidates exist).
    pub per_caption: usize,
    pub seed: u64,
    /// Operators applied in sequence per negative.
    pub depth: u32,
    /// Adversarial filtering toward 50% blind accuracy: `Some(min_keep)` keeps at least this
    /// fraction of each operator's rows.
    pub adversarial_filter: Option<f64>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            ops: Op::ALL.to_vec(),
            per_caption: 1,
            seed: 0,
            depth: 1,
            adversarial_filter: None,
        }
    }
}

impl Options {
    /// An error unless every count is at least 1 and the filter's keep ratio is in [0, 1].
    pub fn check(&self) -> crate::Result<()> {
        if self.per_caption == 0 || self.depth == 0 || self.ops.is_empty() {
            return Err(crate::Error::Input(
                "--per-caption, --depth and --ops must be at least 1".into(),
            ));
        }
        if let Some(k) = self.adversarial_filter {
            if !(0.0..=1.0).contains(&k) {
                return Err(crate::Error::Input(format!(
                    "minimum keep ratio {k} is not in [0, 1]"
                )));
            }
        }
        Ok(())
    }
}

/// Per-operator statistics.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct OpStats {
    /// Captions that got at least one negative from this operator.
    pub captions_applied: usize,
    /// Rows produced.
    pub rows: usize,
    /// Captions skipped, by reason.
    pub skipped: BTreeMap<String, usize>,
}

/// Input statistics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InputStats {
    pub format: InputFormat,
    pub captions: usize,
    pub blank_lines: usize,
    /// Captions in which the parser found no object (no operator can apply).
    pub unparsed: usize,
    /// The most frequent words the lexicon does not know (word, count), most frequent first:
    /// candidates for a `--lexicon` file.
    pub unknown_words: Vec<(String, usize)>,
    /// The first unparsed captions (at most [`UNPARSED_EXAMPLES`]).
    pub unparsed_examples: Vec<String>,
}

/// How many unknown words the summary lists.
pub const UNKNOWN_WORDS: usize = 30;

/// How many unparsed captions the summary lists.
pub const UNPARSED_EXAMPLES: usize = 10;

/// English closed-class words (prepositions, particles, pronouns, conjunctions, auxiliaries,
/// a few adverbs) that the parser reads from context and a `--lexicon` file cannot usefully
/// define: the unknown-word summary leaves them out, so that it lists what a user can add
/// (round 21: the 3,377 held-out captions' list began "of, sitting, standing, to, it, up,
/// down"). Sorted, for the binary search; curated.
const CLOSED_CLASS: &[&str] = &[
    "about",
    "above",
    "across",
    "after",
    "against",
    "along",
    "alongside",
    "also",
    "am",
    "among",
    "around",
    "as",
    "at",
    "atop",
    "be",
    "been",
    "before",
    "behind",
    "being",
    "below",
    "beneath",
    "beside",
    "besides",
    "between",
    "beyond",
    "but",
    "by",
    "can",
    "could",
    "did",
    "do",
    "does",
    "down",
    "during",
    "for",
    "from",
    "had",
    "he",
    "her",
    "here",
    "hers",
    "him",
    "himself",
    "his",
    "how",
    "i",
    "if",
    "in",
    "inside",
    "into",
    "it",
    "it's",
    "its",
    "itself",
    "just",
    "me",
    "my",
    "near",
    "nearby",
    "next",
    "not",
    "of",
    "off",
    "on",
    "onto",
    "or",
    "other",
    "others",
    "our",
    "out",
    "outside",
    "over",
    "past",
    "she",
    "so",
    "some",
    "someone",
    "something",
    "than",
    "them",
    "themselves",
    "then",
    "there",
    "these",
    "they",
    "those",
    "through",
    "to",
    "too",
    "toward",
    "towards",
    "under",
    "underneath",
    "until",
    "up",
    "upon",
    "us",
    "very",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "whose",
    "will",
    "within",
    "without",
    "would",
    "you",
    "your",
];

/// The summary written to `<out>.summary.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub schema_version: u64,
    pub tool: String,
    pub tool_version: String,
    pub settings: Options,
    pub input: InputStats,
    /// Keyed by operator name.
    pub ops: BTreeMap<String, OpStats>,
    /// Rows written (after filtering).
    pub rows: usize,
    pub blind_baseline: audit::AuditReport,
}

/// Records and summary of [`run`].
#[derive(Debug, Clone)]
pub struct Generated {
    pub records: Vec<BenchRecord>,
    pub summary: Summary,
}

/// Generates negatives, audits them with the blind baseline, and filters them when
/// [`Options::adversarial_filter`] is set.
pub fn run(input: &InputSet, opts: &Options) -> crate::Result<Generated> {
    run_with(input, opts, Model::builtin())
}

/// [`run`] with a given lexicon and plausibility table.
pub fn run_with(input: &InputSet, opts: &Options, model: &Model) -> crate::Result<Generated> {
    opts.check()?;
    let corpus: Vec<&str> = input.captions.iter().map(|c| c.caption.as_str()).collect();
    // the blind model depends only on the captions: fitted while the negatives are generated
    // (on a thread of its own: this one collects the generated records, see [`in_order`])
    let (g, blind_lm) = with_blind_lm(&corpus, || generate_with(&input.captions, opts, model));
    let stats = GenerationStats {
        ops: g.ops,
        unparsed: g.unparsed,
        unknown_words: g.unknown_words,
    };
    let (records, blind) =
        audit::audit_and_filter_with(g.records, &blind_lm, &corpus, opts.adversarial_filter);
    let summary = summarise(input, opts, stats, records.len(), blind);
    Ok(Generated { records, summary })
}

/// [`run_with`], written: the rows go into `set` as `path` (JSON Lines, the bytes
/// [`stage_records`] writes of [`run_with`]'s records) and the summary is returned. Each chunk
/// of captions is serialised on the thread that generates it and its records are dropped there,
/// so only the bytes and each row's subset, caption and negative ([`audit::Pair`]) outlive the
/// chunk; without the adversarial filter the bytes go to the file as soon as the chunks before
/// them have (docs/performance.md, speed pass 5).
pub fn run_staged(
    input: &InputSet,
    opts: &Options,
    model: &Model,
    set: &mut crate::formats::OutputSet,
    path: &std::path::Path,
) -> crate::Result<Summary> {
    opts.check()?;
    let corpus: Vec<&str> = input.captions.iter().map(|c| c.caption.as_str()).collect();
    let captions = &input.captions;
    let serialise = |recs: Vec<BenchRecord>, made: Vec<(usize, Op)>| Written::of(&recs, made);
    let mut chunks: Vec<Written> = Vec::new();
    let mut failed: Option<serde_json::Error> = None;
    let mut stats = None;
    let mut blind_lm = None;
    let staged = if opts.adversarial_filter.is_none() {
        // every row is kept: each chunk's bytes are written as soon as they are in order
        let staged = set.stage(path, |w| {
            let (g, lm) = with_blind_lm(&corpus, || {
                generate_in_order(captions, opts, model, serialise, |c: Written| {
                    w.write_all(&c.bytes).map_err(Failed::Write)?;
                    chunks.push(c.without_bytes());
                    Ok(())
                })
            });
            blind_lm = Some(lm);
            stats = Some(g.map_err(|e| e.into_io(&mut failed))?);
            Ok(())
        });
        staged.map_err(crate::Error::from)
    } else {
        let (g, lm) = with_blind_lm(&corpus, || {
            generate_in_order(captions, opts, model, serialise, |c: Written| {
                chunks.push(c);
                Ok(())
            })
        });
        blind_lm = Some(lm);
        match g {
            Ok(g) => {
                stats = Some(g);
                Ok(())
            }
            Err(e) => Err(crate::Error::File {
                path: path.to_path_buf(),
                message: e.into_io(&mut failed).to_string(),
            }),
        }
    };
    if let Some(e) = failed {
        return Err(crate::Error::File {
            path: path.to_path_buf(),
            message: format!("cannot serialise: {e}"),
        });
    }
    staged?;
    let (Some(stats), Some(blind_lm)) = (stats, blind_lm) else {
        // `stage` returns only after its writer ran to the end
        return Err(crate::Error::Input(
            "internal: generation ended without its statistics".into(),
        ));
    };
    let rows: Vec<Row<'_>> = chunks.iter().flat_map(|c| c.rows(captions)).collect();
    let (keep, blind) = audit::audit_rows(&rows, &blind_lm, &corpus, opts.adversarial_filter);
    drop(rows);
    let kept = match keep {
        None => chunks.iter().map(|c| c.made.len()).sum(),
        Some(keep) => {
            let kept = keep.iter().filter(|&&k| k).count();
            set.stage(path, |w| {
                let mut keep = keep.iter();
                for c in &chunks {
                    let mut start = 0;
                    for &end in &c.line_ends {
                        let end = end as usize;
                        if keep.next() == Some(&true) {
                            w.write_all(&c.bytes[start..end])?;
                        }
                        start = end;
                    }
                }
                Ok(())
            })?;
            kept
        }
    };
    Ok(summarise(input, opts, stats, kept, blind))
}

/// Why [`run_staged`] stopped writing.
enum Failed {
    Serialise(serde_json::Error),
    Write(std::io::Error),
}

impl Failed {
    /// The error for [`crate::formats::OutputSet::stage`]; a serialisation error is kept in
    /// `failed` to be reported as one.
    fn into_io(self, failed: &mut Option<serde_json::Error>) -> std::io::Error {
        match self {
            Failed::Write(e) => e,
            Failed::Serialise(e) => {
                *failed = Some(e);
                std::io::Error::other("cannot serialise")
            }
        }
    }
}

/// One chunk's rows as JSON Lines and what the audit reads of them.
struct Written {
    /// The rows' JSON, one line each (emptied once written when every row is kept).
    bytes: Vec<u8>,
    /// Where each row's line ends in `bytes`.
    line_ends: Vec<u32>,
    /// Per row: the index of its caption in the input, and its operator.
    made: Vec<(usize, Op)>,
    /// The rows' negatives, one after another, and where each ends.
    negatives: String,
    negative_ends: Vec<u32>,
}

impl Written {
    fn of(records: &[BenchRecord], made: Vec<(usize, Op)>) -> Result<Written, Failed> {
        let mut bytes = Vec::with_capacity(records.len() * 512);
        let mut line_ends = Vec::with_capacity(records.len());
        let mut negatives = String::with_capacity(records.len() * 64);
        let mut negative_ends = Vec::with_capacity(records.len());
        for r in records {
            r.write_json(&mut bytes).map_err(Failed::Serialise)?;
            bytes.push(b'\n');
            line_ends.push(offset(bytes.len())?);
            negatives.push_str(&r.negative);
            negative_ends.push(offset(negatives.len())?);
        }
        Ok(Written {
            bytes,
            line_ends,
            made,
            negatives,
            negative_ends,
        })
    }

    /// The same without its bytes (once they are written).
    fn without_bytes(mut self) -> Written {
        self.bytes = Vec::new();
        self
    }

    fn rows<'a>(&'a self, captions: &'a [InputCaption]) -> impl Iterator<Item = Row<'a>> + 'a {
        let starts = std::iter::once(0).chain(self.negative_ends.iter().map(|&e| e as usize));
        self.made.iter().zip(starts.zip(&self.negative_ends)).map(
            move |(&(owner, op), (start, &end))| Row {
                op,
                caption: &captions[owner].caption,
                negative: &self.negatives[start..end as usize],
            },
        )
    }
}

/// A byte offset inside one chunk's buffers (a chunk of [`CHUNK`] captions is far below 4 GB).
fn offset(n: usize) -> Result<u32, Failed> {
    u32::try_from(n).map_err(|_| Failed::Write(std::io::Error::other("chunk over 4 GB")))
}

/// What the audit reads of a row ([`Written::rows`]).
struct Row<'a> {
    op: Op,
    caption: &'a str,
    negative: &'a str,
}

impl audit::Pair for Row<'_> {
    fn subset(&self) -> &str {
        self.op.name()
    }
    fn caption(&self) -> &str {
        self.caption
    }
    fn negative(&self) -> &str {
        self.negative
    }
}

/// Runs `generate` while the blind model is fitted on `corpus` on a thread of its own.
fn with_blind_lm<G: Send>(corpus: &[&str], generate: impl FnOnce() -> G) -> (G, audit::BigramLm) {
    std::thread::scope(|s| {
        let fit = s.spawn(|| audit::BigramLm::fit(corpus));
        let g = generate();
        match fit.join() {
            Ok(lm) => (g, lm),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

fn summarise(
    input: &InputSet,
    opts: &Options,
    stats: GenerationStats,
    rows: usize,
    blind: audit::AuditReport,
) -> Summary {
    Summary {
        schema_version: SUMMARY_SCHEMA_VERSION,
        tool: SOURCE.into(),
        tool_version: env!("CARGO_PKG_VERSION").into(),
        settings: opts.clone(),
        input: InputStats {
            format: input.format,
            captions: input.captions.len(),
            blank_lines: input.blank_lines,
            unparsed: stats.unparsed.len(),
            unknown_words: stats.unknown_words,
            unparsed_examples: stats
                .unparsed
                .into_iter()
                .take(UNPARSED_EXAMPLES)
                .map(|i| input.captions[i].caption.clone())
                .collect(),
        },
        ops: stats.ops,
        rows,
        blind_baseline: blind,
    }
}

fn mix(seed: u64, a: u64, b: u64) -> u64 {
    // splitmix64 over the three words: a stable, well-spread per-stream seed
    let mut z =
        seed ^ a.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ b.wrapping_mul(0xD1B5_4A32_D192_ED03);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

type Stats = BTreeMap<Op, (usize, usize, BTreeMap<Skip, usize>)>;

/// What [`generate_with`] returns.
#[derive(Debug, Clone)]
pub struct Generation {
    /// Records in input order, then operator order.
    pub records: Vec<BenchRecord>,
    /// Per-operator statistics keyed by name.
    pub ops: BTreeMap<String, OpStats>,
    /// Indices of the captions with no object, in input order.
    pub unparsed: Vec<usize>,
    /// The [`UNKNOWN_WORDS`] most frequent unknown words, most frequent first (ties by word).
    pub unknown_words: Vec<(String, usize)>,
}

/// Generates negatives with the built-in model (no audit): records, per-op statistics and the
/// number of captions with no object.
pub fn generate(
    inputs: &[InputCaption],
    opts: &Options,
) -> (Vec<BenchRecord>, BTreeMap<String, OpStats>, usize) {
    let g = generate_with(inputs, opts, Model::builtin());
    (g.records, g.ops, g.unparsed.len())
}

/// What [`generate_in_order`] counts besides the rows.
struct GenerationStats {
    ops: BTreeMap<String, OpStats>,
    unparsed: Vec<usize>,
    unknown_words: Vec<(String, usize)>,
}

/// Generates negatives with `model` (no audit).
pub fn generate_with(inputs: &[InputCaption], opts: &Options, model: &Model) -> Generation {
    // reserved at once, for the bound the chunks use: growing it would copy the records made
    // so far at each doubling, into fresh pages (the kernel zeroes each page first); the pages
    // past the rows made are never touched
    let ops = Op::ALL.iter().filter(|o| opts.ops.contains(o)).count();
    let mut records = Vec::with_capacity(rows_bound(inputs.len(), ops, opts.per_caption));
    let made = generate_in_order(
        inputs,
        opts,
        model,
        |recs, _| Ok::<_, std::convert::Infallible>(recs),
        |recs| {
            records.extend(recs);
            Ok(())
        },
    );
    let stats = match made {
        Ok(s) => s,
        Err(never) => match never {},
    };
    Generation {
        records,
        ops: stats.ops,
        unparsed: stats.unparsed,
        unknown_words: stats.unknown_words,
    }
}

/// Generates the negatives of `inputs` chunk by chunk on the rayon pool: `finish` turns each
/// chunk's records (with each record's caption, as an index into `inputs`, and operator) into
/// what `take` receives,
/// on the generating thread; `take` gets them on this thread in input order ([`in_order`]).
/// Returns the statistics; stops at the first error of either.
fn generate_in_order<C: Send, E: Send>(
    inputs: &[InputCaption],
    opts: &Options,
    model: &Model,
    finish: impl Fn(Vec<BenchRecord>, Vec<(usize, Op)>) -> Result<C, E> + Sync,
    mut take: impl FnMut(C) -> Result<(), E>,
) -> Result<GenerationStats, E> {
    let ops: Vec<Op> = Op::ALL
        .into_iter()
        .filter(|o| opts.ops.contains(o))
        .collect();
    let lex = &model.lex;
    type Chunk<C> = (C, Stats, Vec<usize>, BTreeMap<String, usize>);
    let make = |ci: usize, chunk: &[InputCaption]| -> Result<Chunk<C>, E> {
        // at most `per_caption` rows per caption and operator: reserved at once, as growing
        // a vector of records copies it into fresh pages at each doubling
        let bound = rows_bound(chunk.len(), ops.len(), opts.per_caption);
        let mut recs = Vec::with_capacity(bound);
        let mut made = Vec::with_capacity(bound);
        let mut stats = Stats::new();
        let mut unparsed = Vec::new();
        let mut unknown: BTreeMap<String, usize> = BTreeMap::new();
        for (j, inp) in chunk.iter().enumerate() {
            let index = ci * CHUNK + j;
            let parsed = parse(&inp.caption, lex);
            let base = model.lm.score(&inp.caption);
            if parsed.objects.is_empty() {
                unparsed.push(index);
            }
            for it in &parsed.items {
                if it.kind == crate::concepts::ItemKind::Other {
                    let w = &parsed.tokens[it.tok_start].lower;
                    if CLOSED_CLASS.binary_search(&w.as_str()).is_ok() {
                        continue;
                    }
                    match unknown.get_mut(w.as_str()) {
                        Some(n) => *n += 1,
                        None => {
                            unknown.insert(w.clone(), 1);
                        }
                    }
                }
            }
            for &op in &ops {
                let mut rng = ChaCha8Rng::seed_from_u64(mix(opts.seed, index as u64, op as u64));
                let st = stats.entry(op).or_default();
                match negatives_for(inp, &parsed, op, &ops, opts, model, &mut rng, base.as_ref()) {
                    Ok(rows) => {
                        st.0 += 1;
                        st.1 += rows.len();
                        made.resize(made.len() + rows.len(), (index, op));
                        recs.extend(rows);
                    }
                    Err(skip) => *st.2.entry(skip).or_default() += 1,
                }
            }
        }
        Ok((finish(recs, made)?, stats, unparsed, unknown))
    };
    let mut out: BTreeMap<String, OpStats> = ops
        .iter()
        .map(|o| (o.name().to_string(), OpStats::default()))
        .collect();
    let mut unparsed = Vec::new();
    let mut unknown: BTreeMap<String, usize> = BTreeMap::new();
    // each chunk is taken here while the pool generates the next chunks
    in_order(inputs, CHUNK, make, |(rows, stats, u, unk)| {
        take(rows)?;
        unparsed.extend(u);
        for (w, n) in unk {
            *unknown.entry(w).or_default() += n;
        }
        for (op, (applied, rows, skips)) in stats {
            let s = out.entry(op.name().to_string()).or_default();
            s.captions_applied += applied;
            s.rows += rows;
            for (k, n) in skips {
                *s.skipped.entry(k.reason().to_string()).or_default() += n;
            }
        }
        Ok(())
    })?;
    let mut unknown: Vec<(String, usize)> = unknown.into_iter().collect();
    unknown.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    unknown.truncate(UNKNOWN_WORDS);
    Ok(GenerationStats {
        ops: out,
        unparsed,
        unknown_words: unknown,
    })
}

/// The records reserved for `captions` captions: at most `per_caption` rows per caption and
/// operator, `per_caption` counted up to 4 (past that the vector grows when it must).
fn rows_bound(captions: usize, ops: usize, per_caption: usize) -> usize {
    captions * ops * per_caption.min(4)
}

/// Draws up to `n` distinct candidates, each with probability in proportion to
/// [`ops::weight`] (the caption frequency of the word it puts in).
fn draw(rng: &mut ChaCha8Rng, cands: &[ops::Cand], pl: &Plausibility, n: usize) -> Vec<usize> {
    let n = n.min(cands.len());
    match rand::seq::index::sample_weighted(rng, cands.len(), |i| ops::weight(cands[i], pl), n) {
        Ok(v) => v.into_vec(),
        Err(_) => rand::seq::index::sample(rng, cands.len(), n).into_vec(),
    }
}

/// Char spans `[start, end)` an earlier step introduced or changed, in the current text.
type Protected = Vec<[usize; 2]>;

/// Whether an edit touches a protected span (a change overlapping it, or an insertion inside).
fn touches(edit: &Edit, protected: &Protected) -> bool {
    edit.changes.iter().any(|c| {
        protected.iter().any(|p| {
            if c.span[0] == c.span[1] {
                p[0] < c.span[0] && c.span[0] < p[1]
            } else {
                c.span[0] < p[1] && p[0] < c.span[1]
            }
        })
    })
}

/// Moves protected spans through an edit and adds the spans it changed.
fn protect(edit: &Edit, protected: &mut Protected) {
    for p in protected.iter_mut() {
        let shift: isize = edit
            .changes
            .iter()
            .filter(|c| c.span[1] <= p[0])
            .map(|c| (c.new_span[1] - c.new_span[0]) as isize - (c.span[1] - c.span[0]) as isize)
            .sum();
        p[0] = (p[0] as isize + shift) as usize;
        p[1] = (p[1] as isize + shift) as usize;
    }
    protected.extend(edit.changes.iter().map(|c| c.new_span));
}

/// How much lower (natural log per token) a negative's language-model score may be than its
/// caption's before it is rejected as implausible (see [`lm`]). Round 6 measured 0.5 and 0.75
/// too: on the round-3..5 hand-read rows the drop separates valid from invalid negatives
/// hardly at all (0.5 rejects 29% of the valid and 26% of the invalid ones), while every 0.25
/// costs replace_rel a few points of coverage, so the bound only removes the outliers.
pub const MAX_DROP: f64 = 1.0;
/// At most this many candidates are drawn per caption, operator and step (more when
/// `--per-caption` asks for more); their texts are built and scored until enough of them are at
/// least as plausible as the caption. Round 6: 6 and 12 gave the same detector figures on the
/// held-out captions (12 costs about 20% more generation CPU time).
pub const SCORED: usize = 6;

/// The drawn candidates `order` (indices into `cands`) whose text passes `ok`, in the order
/// they are tried: first those at least as plausible as the caption whose score is `base`, in
/// draw order (the draw keeps word frequencies balanced), then the others by falling score,
/// down to [`MAX_DROP`] below the caption. Scoring stops once `need` candidates of the first
/// kind are found. So the chosen negative's score is matched to its caption's instead of (as
/// with a plain draw) almost always below it, which a text-only language model would pick up.
/// Without a language model: draw order, every candidate. Also returns how many candidates
/// were rejected as too implausible. Only texts are built here; the caller writes out the
/// edits of the ones it tries.
fn ranked(
    order: Vec<usize>,
    need: usize,
    (cands, p): (&[ops::Cand], &crate::concepts::Parse<'_>),
    m: &Model,
    base: Option<&Scored>,
    ok: impl Fn(&str) -> bool,
) -> (Vec<usize>, usize) {
    let mut good = Vec::new();
    let mut rest: Vec<(f64, usize)> = Vec::new();
    let mut rejected = 0;
    for i in order {
        let t = ops::materialise_text(cands[i], p, &m.lex);
        if !ok(&t) {
            continue;
        }
        match base.map(|b| (b.per_token(), m.lm.per_token_edit(b, &t))) {
            Some((b, s)) if s < b => {
                if s >= b - ops::max_drop(cands[i]) {
                    rest.push((s, i));
                } else {
                    rejected += 1;
                }
            }
            _ => {
                good.push(i);
                if good.len() == need {
                    break;
                }
            }
        }
    }
    // stable: equal scores keep draw order
    rest.sort_by(|a, b| b.0.total_cmp(&a.0));
    good.extend(rest.into_iter().map(|(_, i)| i));
    (good, rejected)
}

/// One step: a random candidate of `op` on `text` whose result is not in `seen`, leaves every
/// protected span alone and is plausible against the caption's score `base` ([`ranked`]).
fn step(
    text: &str,
    op: Op,
    m: &Model,
    rng: &mut ChaCha8Rng,
    seen: &[String],
    protected: &Protected,
    base: Option<&Scored>,
) -> Result<(String, Edit), Skip> {
    let p = parse(text, &m.lex);
    let mut cands = Vec::new();
    ops::candidates(op, &p, m, &mut cands)?;
    let order = draw(rng, &cands, &m.plaus, SCORED);
    let ok = |t: &str| !seen.iter().any(|s| s == t);
    ranked(order, 1, (&cands, &p), m, base, ok)
        .0
        .into_iter()
        .map(|i| ops::materialise(op, cands[i], &p, &m.lex))
        .find(|(_, e)| !touches(e, protected))
        .ok_or(Skip::Unchanged)
}

#[allow(clippy::too_many_arguments)]
fn negatives_for(
    inp: &InputCaption,
    p: &crate::concepts::Parse<'_>,
    op: Op,
    all_ops: &[Op],
    opts: &Options,
    m: &Model,
    rng: &mut ChaCha8Rng,
    base: Option<&Scored>,
) -> Result<Vec<BenchRecord>, Skip> {
    let mut cands = Vec::new();
    ops::candidates(op, p, m, &mut cands)?;
    let mut rows: Vec<BenchRecord> = Vec::new();
    let order = draw(rng, &cands, &m.plaus, (opts.per_caption + 4).max(SCORED));
    // at depth > 1 a first step may find no continuation: keep a few more in reserve
    let need = opts.per_caption + if opts.depth > 1 { 4 } else { 0 };
    let (tried, rejected) = ranked(order, need, (&cands, p), m, base, |t| t != inp.caption);
    let mut last_skip = if tried.is_empty() && rejected > 0 {
        Skip::LessPlausible
    } else {
        Skip::Unchanged
    };
    for i in tried {
        if rows.len() == opts.per_caption {
            break;
        }
        let (text, edit) = ops::materialise(op, cands[i], p, &m.lex);
        let mut protected = Protected::new();
        protect(&edit, &mut protected);
        let mut seen = vec![inp.caption.clone(), text];
        let mut edits = vec![edit];
        let mut chain = vec![op];
        while chain.len() < opts.depth as usize {
            let mut order = all_ops.to_vec();
            rand::seq::SliceRandom::shuffle(order.as_mut_slice(), rng);
            let cur = seen.last().cloned().unwrap_or_default();
            let next = order.into_iter().find_map(|o| {
                step(&cur, o, m, rng, &seen, &protected, base)
                    .ok()
                    .map(|r| (o, r))
            });
            match next {
                Some((o, (t, e))) => {
                    protect(&e, &mut protected);
                    seen.push(t);
                    edits.push(e);
                    chain.push(o);
                }
                None => break,
            }
        }
        if chain.len() < opts.depth as usize {
            last_skip = Skip::DepthNotReached;
            continue;
        }
        let negative = seen.pop().unwrap_or_default();
        if negative == inp.caption || rows.iter().any(|r| r.negative == negative) {
            continue;
        }
        rows.push(record(inp, op, rows.len(), negative, edits, &chain));
    }
    if rows.is_empty() {
        return Err(last_skip);
    }
    Ok(rows)
}

fn record(
    inp: &InputCaption,
    op: Op,
    k: usize,
    negative: String,
    edits: Vec<Edit>,
    chain: &[Op],
) -> BenchRecord {
    let mut extra = inp.extra.clone();
    if chain.len() > 1 {
        extra.insert(
            "ops".into(),
            serde_json::Value::from(chain.iter().map(|o| o.name()).collect::<Vec<_>>()),
        );
    }
    BenchRecord {
        schema_version: BENCH_SCHEMA_VERSION,
        id: format!("{}/{}/{k}", inp.id, op.name()),
        caption: inp.caption.clone(),
        negative,
        op: op.into(),
        depth: chain.len() as u32,
        edits,
        image: inp.image.clone(),
        negative_image: None,
        scoring: Default::default(),
        alt_captions: Vec::new(),
        source: Some(SOURCE.to_string()),
        extra,
    }
}

/// Writes records as JSON Lines, atomically; the same bytes as
/// [`crate::bench::write_bench`], serialised in parallel.
pub fn write_records(path: &std::path::Path, records: &[BenchRecord]) -> crate::Result<()> {
    let mut set = crate::formats::OutputSet::new();
    stage_records(&mut set, path, records)?;
    Ok(set.commit()?)
}

/// Records per serialised part in [`stage_records`].
const PART: usize = 4096;

/// Captions per unit of work in [`generate_with`].
const CHUNK: usize = 256;

/// Runs `make` on the consecutive chunks of `size` items of `items` (with each chunk's number)
/// on the rayon pool, and hands the results to `take` on this thread in chunk order, each as
/// soon as it and the chunks before it are made, so that taking (appending the generated
/// records, writing the serialised parts) overlaps making. Stops at the first error of
/// either. Called on a pool thread, which must not wait for work queued behind it, it makes
/// every chunk first and then takes them.
fn in_order<T: Sync, R: Send, E: Send>(
    items: &[T],
    size: usize,
    make: impl Fn(usize, &[T]) -> Result<R, E> + Sync,
    mut take: impl FnMut(R) -> Result<(), E>,
) -> Result<(), E> {
    if rayon::current_thread_index().is_some() {
        let made: Vec<R> = items
            .par_chunks(size)
            .enumerate()
            .map(|(i, c)| make(i, c))
            .collect::<Result<_, E>>()?;
        return made.into_iter().try_for_each(take);
    }
    let (tx, rx) = std::sync::mpsc::channel::<(usize, Result<R, E>)>();
    let make = &make;
    std::thread::scope(|s| {
        let producer = s.spawn(move || {
            items
                .par_chunks(size)
                .enumerate()
                .try_for_each_with(tx, |tx, (i, c)| {
                    let r = make(i, c);
                    let failed = r.is_err();
                    // a closed channel: `take` failed
                    match tx.send((i, r)) {
                        Ok(()) if !failed => Ok(()),
                        _ => Err(()),
                    }
                })
        });
        // chunks arrive in any order; each is taken once those before it are
        let mut pending: BTreeMap<usize, Result<R, E>> = BTreeMap::new();
        let mut next = 0;
        let mut out = Ok(());
        'recv: for (i, r) in rx.iter() {
            pending.insert(i, r);
            while let Some(r) = pending.remove(&next) {
                next += 1;
                out = r.and_then(&mut take);
                if out.is_err() {
                    break 'recv;
                }
            }
        }
        drop(rx);
        if let Err(panic) = producer.join() {
            std::panic::resume_unwind(panic);
        }
        // a failed `make` stops the chunks after it: its error may wait behind a gap
        match pending.into_values().find_map(Result::err) {
            Some(e) if out.is_ok() => Err(e),
            _ => out,
        }
    })
}

/// Stages records (see [`write_records`]) into `set`. The parts are serialised in parallel on
/// the rayon pool while this thread writes each one as soon as it and every part before it are
/// ready ([`in_order`]), so writing overlaps serialising; the file is still complete or absent
/// ([`crate::formats::OutputSet`]).
pub fn stage_records(
    set: &mut crate::formats::OutputSet,
    path: &std::path::Path,
    records: &[BenchRecord],
) -> crate::Result<()> {
    enum Failed {
        Serialise(serde_json::Error),
        Write(std::io::Error),
    }
    let mut failed: Option<serde_json::Error> = None;
    // written parts' buffers are reused (fresh ones of a few MB each would be page-faulted in)
    let spare: std::sync::Mutex<Vec<Vec<u8>>> = std::sync::Mutex::default();
    let staged = set.stage(path, |w| {
        let serialise = |_, part: &[BenchRecord]| {
            let reused = spare.lock().ok().and_then(|mut s| s.pop());
            let mut buf = reused.unwrap_or_else(|| Vec::with_capacity(PART * 512));
            for r in part {
                r.write_json(&mut buf).map_err(Failed::Serialise)?;
                buf.push(b'\n');
            }
            Ok(buf)
        };
        let write = |mut buf: Vec<u8>| {
            w.write_all(&buf).map_err(Failed::Write)?;
            buf.clear();
            if let Ok(mut s) = spare.lock() {
                s.push(buf);
            }
            Ok(())
        };
        match in_order(records, PART, serialise, write) {
            Ok(()) => Ok(()),
            Err(Failed::Write(e)) => Err(e),
            Err(Failed::Serialise(e)) => {
                failed = Some(e);
                Err(std::io::Error::other("cannot serialise"))
            }
        }
    });
    if let Some(e) = failed {
        return Err(crate::Error::File {
            path: path.to_path_buf(),
            message: format!("cannot serialise: {e}"),
        });
    }
    Ok(staged?)
}

/// The built-in caption set (114 captions written for clipprobe, distinct from the test
/// set), used by `eval` to build a default benchmark without user data.
pub fn builtin_captions() -> Vec<String> {
    include_str!("../../lexicon/builtin_captions.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect()
}

/// Convenience: [`InputCaption`]s numbered from 1 for a list of captions.
pub fn captions_to_inputs(captions: &[String]) -> Vec<InputCaption> {
    captions
        .iter()
        .enumerate()
        .map(|(i, c)| InputCaption::new((i + 1).to_string(), c.clone()))
        .collect()
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod in_order_tests {
    use super::in_order;

    #[test]
    fn chunks_are_taken_in_order_and_errors_stop_the_run() {
        let items: Vec<u64> = (0..2000).collect();
        let want: Vec<(usize, u64)> = items
            .chunks(7)
            .enumerate()
            .map(|(i, c)| (i, c.iter().sum()))
            .collect();
        let run = || {
            let mut got = Vec::new();
            let made = in_order(
                &items,
                7,
                |i, c: &[u64]| {
                    // early chunks finish late
                    if i < 4 {
                        std::thread::sleep(std::time::Duration::from_millis(20));
                    }
                    Ok::<_, String>((i, c.iter().sum::<u64>()))
                },
                |r| {
                    got.push(r);
                    Ok(())
                },
            );
            assert_eq!(made, Ok(()));
            got
        };
        assert_eq!(run(), want);
        // on a pool thread (one thread: waiting for the pool there would never end)
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .expect("a thread pool");
        assert_eq!(pool.install(run), want);
        let made = in_order(
            &items,
            7,
            |i, _| {
                if i == 100 {
                    Err(format!("make {i}"))
                } else {
                    Ok(i)
                }
            },
            |_| Ok(()),
        );
        assert_eq!(made, Err("make 100".to_string()));
        let mut taken = Vec::new();
        let made = in_order(
            &items,
            7,
            |i, _| Ok(i),
            |i| {
                taken.push(i);
                if i == 30 {
                    Err(format!("take {i}"))
                } else {
                    Ok(())
                }
            },
        );
        assert_eq!(made, Err("take 30".to_string()));
        assert_eq!(taken, (0..=30).collect::<Vec<_>>());
    }
}

#[cfg(test)]
mod staged_tests {
    use super::*;

    /// Captions over several chunks: the built-in ones with variations, a few with characters
    /// JSON escapes, images and extra fields.
    fn input() -> InputSet {
        let base = builtin_captions();
        let tails = [
            "",
            " at night",
            " in the rain",
            " near a \"red\" house",
            " \\ today",
        ];
        let mut captions = Vec::new();
        for (k, tail) in tails.iter().enumerate() {
            for (i, c) in base.iter().enumerate() {
                let text = format!("{}{tail}", c.trim_end_matches('.'));
                let mut inp = InputCaption::new(format!("{k}-{i}"), text);
                if i % 3 == 0 {
                    inp.image = Some(format!("img/{i}.jpg"));
                    inp.extra
                        .insert("note".into(), serde_json::json!({"k": k, "é": "x\ty"}));
                }
                captions.push(inp);
            }
        }
        InputSet {
            format: InputFormat::Text,
            captions,
            blank_lines: 2,
        }
    }

    /// `run_staged`'s file and summary are `run_with`'s records written by `stage_records` and
    /// its summary, with and without the filter, at depth 1 and 3.
    #[test]
    fn staged_run_writes_the_bytes_and_summary_of_run_with() {
        let input = input();
        assert!(input.captions.len() > 2 * CHUNK);
        let dir = tempfile::tempdir().expect("tempdir");
        let settings = [
            Options::default(),
            Options {
                adversarial_filter: Some(0.5),
                ..Options::default()
            },
            Options {
                depth: 3,
                seed: 7,
                per_caption: 2,
                ..Options::default()
            },
        ];
        for opts in settings {
            let model = Model::builtin();
            let want = run_with(&input, &opts, model).expect("run_with");
            let want_path = dir.path().join("want.jsonl");
            write_records(&want_path, &want.records).expect("write");
            let got_path = dir.path().join("got.jsonl");
            let mut set = crate::formats::OutputSet::new();
            let summary = run_staged(&input, &opts, model, &mut set, &got_path).expect("staged");
            set.commit().expect("commit");
            let (want_bytes, got_bytes) = (
                std::fs::read(&want_path).expect("read"),
                std::fs::read(&got_path).expect("read"),
            );
            assert!(want.records.len() > 500, "{}", want.records.len());
            assert_eq!(got_bytes, want_bytes, "{opts:?}");
            assert_eq!(summary, want.summary, "{opts:?}");
            if opts.adversarial_filter.is_some() {
                // the filter dropped rows here: the kept lines were picked
                let made: usize = summary.ops.values().map(|o| o.rows).sum();
                assert!(summary.rows < made, "{} of {made}", summary.rows);
            }
        }
    }
}

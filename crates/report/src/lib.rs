//! The evaluation report: one data model ([`Report`]) and three writers — `report.json`
//! (machine-readable, versioned), `report.md` (tables to paste into a paper) and
//! `report.html` (one self-contained page with hand-made SVG plots).
//!
//! # `report.json` wire format (schema version 1)
//!
//! ```text
//! {
//!   "schema_version": 1,                        // REPORT_SCHEMA_VERSION; readers reject others
//!   "tool": {"name": "clipprobe", "version": "0.1.0"},
//!   "benchmark": {"path", "sha256", "rows", "ops": {<op>: rows}},
//!   "models": [{"id", "revision", "dtype", "device"}],     // one per result, same order
//!   "results": [{
//!     "model", "revision", "benchmark_sha256",
//!     "settings": {<name>: <json>},             // seeds, caps, bins used for this result
//!     "ops": {<op>: {
//!        "pairs", "text_cosine": Summary, "text_cosine_hist": Histogram,
//!        "text_cosine_normalized_mean",
//!        "itm_accuracy": number|null,            // null: the benchmark has no images
//!        "itm_margin": Summary|null, "itm_accuracy_gap_removed": number|null,
//!        "edit_gap_alignment": {"pairs", "zero_edits", "abs_cosine", "energy_share"}|null,
//!        "by_depth": {"<k>": {"pairs", "text_cosine_mean", "itm_accuracy": number|null}},
//!        "winoground": {"text", "image", "group"}|null,
//!        "sugarcrepe_pp": {"iti": number|null, "tot"}|null }},   // rows with alt_captions
//!     "anisotropy_baseline",
//!     "modality_gap": {"pairs", "l2m", "l2i", "rmg", "centroid_cosine",
//!                      "linear_probe_accuracy", "matched_cosine_mean",
//!                      "mismatched_cosine_mean", "image_self_cosine_mean",
//!                      "text_self_cosine_mean"}|null,
//!     "token_sensitivity": {"object", "attribute", "relation": Summary|null}|null,
//!     "projection": {"image": [[x, y]], "text": [[x, y]], "explained_variance": [a, b]}|null
//!   }],
//!   // schema 2 adds: models[].label, models[].meta ({"family", "activation",
//!   //   "activation_source", "logit_scale", "logit_bias": number|null,
//!   //   "text_padding": number|null, "batch_size"}), results[].label, results[].groups
//!   //   ({"REPLACE"|"SWAP"|"ADD": {"subsets", "pairs", "text_cosine_mean", "itm_accuracy",
//!   //   "itm_accuracy_ci": {"lo","hi"}}}), results[].published, and per op "itm_pairs",
//!   //   "itm_accuracy_ci", "itm_accuracy_gap_removed_ci", "winoground_ci", "worst",
//!   //   "macro_accuracy" ({"accuracy", "classes", "pairs", "excluded_classes"}|null:
//!   //   ARO's VG-Relation / VG-Attribution macro accuracy, see `evaluate::aro`),
//!   //   results[].world ({"pairs", "by_op"|"by_kind"|"by_depth"|"by_objects": {<key>:
//!   //   {"pairs", "text_cosine_mean", "itm_accuracy", "itm_accuracy_ci", "winoground",
//!   //   "winoground_ci"}}}|null: the synthetic world's rows, see docs/world.md)
//!   "comparison": null | {                      // present with two or more results
//!     "baseline": {"model", "revision"},        // results[0]
//!     "deltas": [{"model", "revision", "anisotropy_baseline",
//!                 "ops": {<op>: {"text_cosine_mean", "text_cosine_normalized_mean",
//!                                "itm_accuracy", "itm_accuracy_gap_removed",
//!                                "winoground_group"}},          // model − baseline
//!                 "modality_gap": {<field>: model − baseline}|null}]}
//! }
//! ```
//!
//! `Summary` is [`metrics::Summary`] (`n, mean, std, min, p10, median, p90, max`),
//! `Histogram` is [`metrics::Histogram`] (`lo, hi, counts, clamped`). Missing values are
//! written as `null`, never left out. Maps are sorted (BTreeMap), there are no timestamps,
//! so the same inputs give the same bytes. Every number is checked to be finite before
//! writing (serde_json would write NaN as `null`). Full description: `docs/reports.md`.

mod check;
pub mod error;
mod html;
mod md;
pub use md::WORLD_PREFIX;
mod pairs;
pub use pairs::{PairResult, PAIRS_CSV_HEADER};
pub mod published;
mod svg;
mod world;
pub use world::{SplitResult, WorldSplits, WORLD_SOURCE};

pub use error::{Error, Result};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use clipprobe_bench::bench::Op;
use clipprobe_io::formats;
use clipprobe_metrics::{
    EditGapAlignment, Histogram, Interval, MacroAccuracy, ModalityGap, Projection,
    SugarCrepePpScores, Summary, WinogroundScores,
};

/// Version of `report.json`; bump on any breaking change.
pub const REPORT_SCHEMA_VERSION: u64 = 2;
/// Most points per modality kept in a result's [`Projection`] (see `metrics::pca_projection`).
pub const PROJECTION_MAX_POINTS: usize = 500;

/// A whole report (see the module docs for the wire format).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema_version: u64,
    pub tool: Tool,
    pub benchmark: BenchmarkInfo,
    pub models: Vec<ModelInfo>,
    pub results: Vec<ModelResult>,
    pub comparison: Option<Comparison>,
}

/// The program that wrote the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

impl Tool {
    /// This build of clipprobe.
    pub fn current() -> Tool {
        Tool {
            name: "clipprobe".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        }
    }
}

/// The benchmark file evaluated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BenchmarkInfo {
    pub path: String,
    /// SHA-256 of the benchmark file's bytes (lowercase hex).
    pub sha256: String,
    pub rows: usize,
    /// Rows per op (subset) evaluated.
    pub ops: BTreeMap<String, usize>,
    /// `--ops` / `--limit` applied to the file's rows.
    #[serde(default)]
    pub selection: SelectionInfo,
    /// Rows left out by `--skip-missing-images`.
    #[serde(default)]
    pub skipped: Vec<SkippedRow>,
}

/// A row left out because an image it names is missing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedRow {
    pub id: String,
    /// `image` or `negative_image`.
    pub field: String,
    pub path: PathBuf,
    /// Why: `does not exist`, `is a folder`, ...
    pub reason: String,
}

/// Which rows of the benchmark file were evaluated.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelectionInfo {
    /// Only these ops; `null`: all.
    pub ops: Option<Vec<String>>,
    /// First N rows of each op; `null`: all.
    pub limit: Option<usize>,
}

/// A model's provenance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    /// Display label: `--model LABEL=ID`'s label, else a short name derived from the id.
    pub label: String,
    /// Repository id or local path, as given.
    pub id: String,
    /// Resolved commit (or `local`).
    pub revision: String,
    pub dtype: String,
    pub device: String,
    /// What the model is, beyond its files (absent in reports written before it was recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<ModelMeta>,
}

/// The family, activation and scoring of a model, as loaded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelMeta {
    /// `hf-clip`, `open_clip` or `siglip`.
    pub family: String,
    /// The text tower's MLP activation (`quick_gelu`, `gelu`, `gelu_pytorch_tanh`, ...).
    pub activation: String,
    /// Where it came from: `config`, `arch_name` (a `-quickgelu` name) or `explicit` (`--act`).
    pub activation_source: String,
    /// `logit_scale` as stored: logits are `exp(logit_scale) · cosine [+ logit_bias]`.
    pub logit_scale: f64,
    /// SigLIP's `logit_bias` (`null` for CLIP families): a pair's sigmoid probability is
    /// `sigmoid(exp(logit_scale) · cosine + logit_bias)`.
    pub logit_bias: Option<f64>,
    /// Texts are padded to this many tokens (SigLIP); `null`: per batch (CLIP families).
    pub text_padding: Option<usize>,
    /// Texts (and images) per forward pass.
    pub batch_size: usize,
}

/// One model's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelResult {
    /// Display label (as in [`ModelInfo::label`]).
    pub label: String,
    pub model: String,
    pub revision: String,
    /// SHA-256 of the benchmark these results are over (differs between results only in a
    /// merge made with `allow_different_benchmarks`).
    pub benchmark_sha256: String,
    /// Settings used (seeds, caps, bins), for provenance.
    pub settings: BTreeMap<String, serde_json::Value>,
    pub ops: BTreeMap<String, OpResult>,
    /// Mean cosine between unrelated true captions (`metrics::anisotropy_baseline`).
    pub anisotropy_baseline: f64,
    pub modality_gap: Option<ModalityGap>,
    pub token_sensitivity: Option<TokenSensitivity>,
    pub projection: Option<Projection>,
    /// SugarCrepe's REPLACE / SWAP / ADD averages over the subsets present (keys `REPLACE`,
    /// `SWAP`, `ADD`); empty when the benchmark has none of the generator's subsets.
    pub groups: BTreeMap<String, GroupResult>,
    /// Published ITM accuracies for this model id on this benchmark, when known
    /// ([`crate::published`]); `null` otherwise.
    pub published: Option<PublishedResult>,
    /// The synthetic world's rows split by op, concept kind, depth and scene size; `null`
    /// when the benchmark has no world rows with images.
    #[serde(default)]
    pub world: Option<WorldSplits>,
}

/// An average over subsets (SugarCrepe's REPLACE / SWAP / ADD columns): each subset weighs
/// the same whatever its size, as in SugarCrepe's paper.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupResult {
    /// The subsets averaged (those present in the benchmark).
    pub subsets: Vec<String>,
    /// Pairs over all averaged subsets.
    pub pairs: usize,
    /// Mean of the subsets' mean text cosines.
    pub text_cosine_mean: f64,
    /// Mean of the subsets' ITM accuracies; `null` unless every averaged subset has one.
    pub itm_accuracy: Option<f64>,
    /// Stratified bootstrap 95% interval of that mean ([`clipprobe_metrics::bootstrap_mean_ci`]).
    pub itm_accuracy_ci: Option<Interval>,
}

/// Published numbers for the evaluated model beside the measured ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublishedResult {
    /// Benchmark the numbers are for (`sugarcrepe`).
    pub benchmark: String,
    /// Where the numbers come from (paper and table).
    pub source: String,
    /// Subset → published ITM accuracy (a fraction, like `itm_accuracy`).
    pub itm_accuracy: BTreeMap<String, f64>,
}

/// One of an op's worst failures: a pair whose image prefers the negative.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorstPair {
    pub id: String,
    pub caption: String,
    pub negative: String,
    pub image: Option<String>,
    /// `cos(image, caption) − cos(image, negative)` (≤ 0 for a failure).
    pub margin: f64,
}

/// Results on one op (subset).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpResult {
    pub pairs: usize,
    /// Per-pair `cos(t(caption), t(negative))`.
    pub text_cosine: Summary,
    pub text_cosine_hist: Histogram,
    /// `(mean text cosine − b) / (1 − b)`, `b` the anisotropy baseline.
    pub text_cosine_normalized_mean: f64,
    /// `null` when the benchmark has no images.
    pub itm_accuracy: Option<f64>,
    /// Pairs scored for `itm_accuracy` (rows with an image and `itm` scoring).
    pub itm_pairs: usize,
    /// Bootstrap 95% interval of `itm_accuracy` (seeded, [`clipprobe_metrics::BOOTSTRAP_RESAMPLES`]).
    pub itm_accuracy_ci: Option<Interval>,
    pub itm_margin: Option<Summary>,
    pub itm_accuracy_gap_removed: Option<f64>,
    pub itm_accuracy_gap_removed_ci: Option<Interval>,
    /// ARO's macro accuracy over relations / attribute pairs (VG-Relation, VG-Attribution
    /// rows imported from ARO; see `evaluate::aro`); `null` for other subsets.
    #[serde(default)]
    pub macro_accuracy: Option<MacroAccuracy>,
    pub edit_gap_alignment: Option<EditGapAlignment>,
    /// Keyed by depth (number of operators applied).
    pub by_depth: BTreeMap<u32, DepthResult>,
    pub winoground: Option<WinogroundScores>,
    /// Bootstrap 95% intervals of the three Winoground scores.
    pub winoground_ci: Option<WinogroundCi>,
    /// The op's worst failures (lowest margins, at most [`WORST_PAIRS`]); all pairs are in
    /// `pairs.jsonl`.
    pub worst: Vec<WorstPair>,
    /// SugarCrepe++ ITI/TOT over the op's rows that carry a second true caption
    /// (`alt_captions[0]`); `null` when none do.
    #[serde(default)]
    pub sugarcrepe_pp: Option<SugarCrepePpScores>,
}

/// Bootstrap 95% intervals of Winoground's text, image and group scores.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WinogroundCi {
    pub text: Interval,
    pub image: Interval,
    pub group: Interval,
}

/// Failures listed per op in the report ([`OpResult::worst`]).
pub const WORST_PAIRS: usize = 5;

/// Results on the pairs of one depth.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DepthResult {
    pub pairs: usize,
    pub text_cosine_mean: f64,
    pub itm_accuracy: Option<f64>,
}

/// How much removing one token of each kind moves the caption's embedding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenSensitivity {
    pub object: Option<Summary>,
    pub attribute: Option<Summary>,
    pub relation: Option<Summary>,
}

/// Differences of every later result against `results[0]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub baseline: ModelRef,
    pub deltas: Vec<ModelDelta>,
}

/// A result's model and revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelRef {
    pub model: String,
    pub revision: String,
}

/// One result minus the baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelDelta {
    pub model: String,
    pub revision: String,
    pub anisotropy_baseline: f64,
    /// Ops present in both results.
    pub ops: BTreeMap<String, OpDelta>,
    /// Field → difference, when both have a modality gap.
    pub modality_gap: Option<BTreeMap<String, f64>>,
}

/// One op's differences (model − baseline); `null` where either side lacks the value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpDelta {
    pub text_cosine_mean: f64,
    pub text_cosine_normalized_mean: f64,
    pub itm_accuracy: Option<f64>,
    pub itm_accuracy_gap_removed: Option<f64>,
    pub winoground_group: Option<f64>,
}

impl Report {
    /// Builds a report: checks that `models` and `results` match one to one (same id and
    /// revision, in order), computes the comparison when there are two or more results,
    /// and checks every number is finite.
    pub fn new(
        benchmark: BenchmarkInfo,
        models: Vec<ModelInfo>,
        results: Vec<ModelResult>,
    ) -> Result<Report> {
        let comparison = compare(&results);
        let r = Report {
            schema_version: REPORT_SCHEMA_VERSION,
            tool: Tool::current(),
            benchmark,
            models,
            results,
            comparison,
        };
        r.validate()?;
        Ok(r)
    }

    /// Checks the report's invariants: at least one result, models and results one to one,
    /// every number finite (errors name the field).
    pub fn validate(&self) -> Result<()> {
        if self.results.is_empty() {
            return Err(Error::NoResults);
        }
        if self.models.len() != self.results.len() {
            return Err(Error::ModelCount {
                models: self.models.len(),
                results: self.results.len(),
            });
        }
        for (i, (m, r)) in self.models.iter().zip(&self.results).enumerate() {
            if m.id != r.model || m.revision != r.revision {
                return Err(Error::ModelMismatch {
                    index: i,
                    model: format!("{}@{}", m.id, m.revision),
                    result: format!("{}@{}", r.model, r.revision),
                });
            }
        }
        check::finite(self)
    }

    /// Whether the results come from more than one benchmark file.
    pub fn mixes_benchmarks(&self) -> bool {
        self.results
            .iter()
            .any(|r| r.benchmark_sha256 != self.results[0].benchmark_sha256)
    }
}

/// The differences of `results[1..]` against `results[0]`; `None` with fewer than two.
fn compare(results: &[ModelResult]) -> Option<Comparison> {
    let (base, rest) = results.split_first()?;
    if rest.is_empty() {
        return None;
    }
    let opt = |a: Option<f64>, b: Option<f64>| a.zip(b).map(|(a, b)| a - b);
    let deltas =
        rest.iter()
            .map(|r| ModelDelta {
                model: r.model.clone(),
                revision: r.revision.clone(),
                anisotropy_baseline: r.anisotropy_baseline - base.anisotropy_baseline,
                ops: r
                    .ops
                    .iter()
                    .filter_map(|(name, o)| {
                        let b = base.ops.get(name)?;
                        Some((
                            name.clone(),
                            OpDelta {
                                text_cosine_mean: o.text_cosine.mean - b.text_cosine.mean,
                                text_cosine_normalized_mean: o.text_cosine_normalized_mean
                                    - b.text_cosine_normalized_mean,
                                itm_accuracy: opt(o.itm_accuracy, b.itm_accuracy),
                                itm_accuracy_gap_removed: opt(
                                    o.itm_accuracy_gap_removed,
                                    b.itm_accuracy_gap_removed,
                                ),
                                winoground_group: opt(
                                    o.winoground.map(|w| w.group),
                                    b.winoground.map(|w| w.group),
                                ),
                            },
                        ))
                    })
                    .collect(),
                modality_gap: r.modality_gap.as_ref().zip(base.modality_gap.as_ref()).map(
                    |(g, b)| {
                        g.fields()
                            .iter()
                            .zip(b.fields())
                            .map(|((name, x), (_, y))| (name.to_string(), x - y))
                            .collect()
                    },
                ),
            })
            .collect();
    Some(Comparison {
        baseline: ModelRef {
            model: base.model.clone(),
            revision: base.revision.clone(),
        },
        deltas,
    })
}

/// Ops in report order: the generator's canonical order ([`Op::ALL`]) first, then any other
/// subset names alphabetically.
pub(crate) fn ordered_ops<'a>(names: impl Iterator<Item = &'a String>) -> Vec<&'a String> {
    let mut v: Vec<&String> = names.collect();
    v.sort_by_key(|n| {
        let rank = Op::from_name(n).and_then(|op| Op::ALL.iter().position(|&o| o == op));
        (rank.unwrap_or(Op::ALL.len()), n.to_string())
    });
    v.dedup();
    v
}

/// Display label per result: its `label` (or the model id when empty); when two results
/// share a label, the revision's first 8 characters and then the dtype are appended until
/// the labels differ.
pub(crate) fn labels(report: &Report) -> Vec<String> {
    let base: Vec<String> = report
        .results
        .iter()
        .map(|r| {
            if r.label.is_empty() {
                r.model.clone()
            } else {
                r.label.clone()
            }
        })
        .collect();
    let dup = |v: &[String], i: usize| v.iter().filter(|x| **x == v[i]).count() > 1;
    let with_rev: Vec<String> = (0..base.len())
        .map(|i| {
            if dup(&base, i) {
                let rev: String = report.results[i].revision.chars().take(8).collect();
                format!("{}@{rev}", base[i])
            } else {
                base[i].clone()
            }
        })
        .collect();
    (0..with_rev.len())
        .map(|i| match report.models.get(i) {
            Some(m) if dup(&with_rev, i) => format!("{} ({})", with_rev[i], m.dtype),
            _ => with_rev[i].clone(),
        })
        .collect()
}

/// A short display label for a model id or path: the last path component (`org/name` →
/// `name`, `/runs/ckpt/` → `ckpt`), without a `@revision`.
pub fn short_label(id: &str) -> String {
    let id = id.split('@').next().unwrap_or(id);
    id.trim_end_matches(['/', '\\'])
        .rsplit(['/', '\\'])
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or(id)
        .to_string()
}

/// Every file of a report folder as (relative name, bytes): `report.json`, `report.md`,
/// `report.html`, each table of `report.md` as `tables/NN-<slug>.csv`, and, when `pairs` is
/// given, `pairs.jsonl` and `pairs.csv` (one line per model and benchmark row). The report
/// is validated first.
pub fn render_files(
    report: &Report,
    pairs: Option<&[PairResult]>,
) -> Result<Vec<(String, Vec<u8>)>> {
    report.validate()?;
    let json = serde_json::to_string_pretty(report).map_err(|source| Error::Serialize {
        file: "report.json",
        source,
    })?;
    let mut files = vec![
        ("report.json".to_string(), (json + "\n").into_bytes()),
        ("report.md".to_string(), md::render(report).into_bytes()),
        ("report.html".to_string(), html::render(report).into_bytes()),
    ];
    let mut slug = String::new();
    let mut part = 1;
    for (k, t) in md::tables(report).iter().enumerate() {
        match &t.title {
            Some(title) => {
                slug = slugify(title);
                part = 1;
            }
            None => part += 1,
        }
        let name = if part == 1 {
            format!("tables/{:02}-{slug}.csv", k + 1)
        } else {
            format!("tables/{:02}-{slug}-{part}.csv", k + 1)
        };
        let mut csv = formats::csv_line(&t.header);
        for row in &t.rows {
            csv.push_str(&formats::csv_line(row));
        }
        files.push((name, csv.into_bytes()));
    }
    if let Some(pairs) = pairs {
        check::finite(pairs)?;
        let mut jsonl = String::new();
        let header: Vec<String> = PAIRS_CSV_HEADER.iter().map(|h| h.to_string()).collect();
        let mut csv = formats::csv_line(&header);
        for p in pairs {
            jsonl.push_str(
                &serde_json::to_string(p).map_err(|source| Error::SerializePair {
                    row: p.id.clone(),
                    source,
                })?,
            );
            jsonl.push('\n');
            csv.push_str(&formats::csv_line(&p.csv_fields()));
        }
        files.push(("pairs.jsonl".to_string(), jsonl.into_bytes()));
        files.push(("pairs.csv".to_string(), csv.into_bytes()));
    }
    Ok(files)
}

/// A short plain-text results table for the end of a run (stderr): per model, each op's
/// pairs, mean text cosine and ITM accuracy with its interval, then the group averages.
pub fn summary_text(report: &Report) -> String {
    use std::fmt::Write;
    let names = labels(report);
    let ops = ordered_ops(report.results.iter().flat_map(|x| x.ops.keys()));
    let mut out = String::new();
    for (res, name) in report.results.iter().zip(&names) {
        let _ = writeln!(out, "{name}");
        let _ = writeln!(
            out,
            "  {:<16} {:>6} {:>9} {:>22}",
            "op", "pairs", "text cos", "ITM acc. % [95% CI]"
        );
        let acc = |a: Option<f64>, c: Option<Interval>| match (a, c) {
            (Some(a), Some(c)) => format!(
                "{:.1} [{:.1}, {:.1}]",
                100.0 * a,
                100.0 * c.lo,
                100.0 * c.hi
            ),
            (Some(a), None) => format!("{:.1}", 100.0 * a),
            _ => "–".into(),
        };
        for op in &ops {
            if let Some(o) = res.ops.get(*op) {
                let _ = writeln!(
                    out,
                    "  {:<16} {:>6} {:>9.4} {:>22}",
                    op,
                    o.pairs,
                    o.text_cosine.mean,
                    acc(o.itm_accuracy, o.itm_accuracy_ci)
                );
            }
        }
        for (g, r) in &res.groups {
            let _ = writeln!(
                out,
                "  {:<16} {:>6} {:>9.4} {:>22}",
                g,
                r.pairs,
                r.text_cosine_mean,
                acc(r.itm_accuracy, r.itm_accuracy_ci)
            );
        }
    }
    out
}

fn slugify(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// Writes [`render_files`] into `dir` (which must exist) as one [`formats::OutputSet`]: every
/// file is replaced, or none. Nothing is written if the report is invalid.
pub fn write_report(dir: &Path, report: &Report, pairs: Option<&[PairResult]>) -> Result<()> {
    let files = render_files(report, pairs)?;
    let tables = dir.join("tables");
    std::fs::create_dir_all(&tables).map_err(|e| clipprobe_io::Error::io(&tables, e))?;
    let mut set = formats::OutputSet::new();
    for (name, bytes) in files {
        set.stage_bytes(&dir.join(name), &bytes)?;
    }
    Ok(set.commit()?)
}

/// Reads a `report.json`; an unknown `schema_version` is [`Error::UnsupportedVersion`].
pub fn read_report(path: &Path) -> Result<Report> {
    let value: serde_json::Value = formats::read_json(path)?;
    let bad = |message: String| Error::File {
        path: path.to_path_buf(),
        message,
    };
    let found = value
        .get("schema_version")
        .and_then(serde_json::Value::as_u64)
        .ok_or_else(|| bad("no integer `schema_version`: not a clipprobe report".into()))?;
    if found != REPORT_SCHEMA_VERSION {
        return Err(Error::UnsupportedVersion {
            path: path.to_path_buf(),
            found,
            supported: REPORT_SCHEMA_VERSION,
        });
    }
    let report: Report = serde_json::from_value(value).map_err(|e| bad(e.to_string()))?;
    report.validate().map_err(|e| bad(e.to_string()))?;
    Ok(report)
}

/// Merges reports into one: results (and models) in the given order, the comparison
/// recomputed against the first result, the benchmark taken from the first report.
///
/// Refuses reports over different benchmark files (different SHA-256) unless
/// `allow_different_benchmarks`, since their numbers are then over different pairs; each
/// result keeps its own `benchmark_sha256` and the md/html writers flag a mixed report.
/// The same model and revision over the same benchmark twice is an error.
pub fn merge_reports(reports: &[Report], allow_different_benchmarks: bool) -> Result<Report> {
    let first = reports.first().ok_or(Error::NothingToMerge)?;
    let mut models = Vec::new();
    let mut results: Vec<ModelResult> = Vec::new();
    for (i, r) in reports.iter().enumerate() {
        if r.benchmark.sha256 != first.benchmark.sha256 && !allow_different_benchmarks {
            return Err(Error::DifferentBenchmarks {
                report: i + 1,
                path: r.benchmark.path.clone(),
                sha256: r.benchmark.sha256.clone(),
                first_path: first.benchmark.path.clone(),
                first_sha256: first.benchmark.sha256.clone(),
            });
        }
        for (m, res) in r.models.iter().zip(&r.results) {
            let same = |(xm, x): (&ModelInfo, &ModelResult)| {
                x.model == res.model
                    && x.revision == res.revision
                    && x.benchmark_sha256 == res.benchmark_sha256
                    && xm.dtype == m.dtype
                    && xm.device == m.device
            };
            if let Some((_, dup)) = models.iter().zip(&results).find(|&p| same(p)) {
                return Err(Error::DuplicateModel {
                    model: format!("{}@{}", dup.model, dup.revision),
                    dtype: m.dtype.clone(),
                    device: m.device.clone(),
                    report: i + 1,
                });
            }
            models.push(m.clone());
            results.push(res.clone());
        }
    }
    Report::new(first.benchmark.clone(), models, results)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ops_are_ordered_canonically_then_by_name() {
        let names: Vec<String> = ["zeta", "swap_att", "replace_obj", "alpha", "add_att"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let o: Vec<&str> = ordered_ops(names.iter())
            .into_iter()
            .map(|s| s.as_str())
            .collect();
        assert_eq!(o, ["replace_obj", "swap_att", "add_att", "alpha", "zeta"]);
    }
}

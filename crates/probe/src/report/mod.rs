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
mod html;
mod md;
mod svg;

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::bench::Op;
use crate::error::{Error, Result};
use crate::formats;
use crate::metrics::{
    EditGapAlignment, Histogram, ModalityGap, Projection, SugarCrepePpScores, Summary,
    WinogroundScores,
};

/// Version of `report.json`; bump on any breaking change.
pub const REPORT_SCHEMA_VERSION: u64 = 1;
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
    /// Rows per op (subset).
    pub ops: BTreeMap<String, usize>,
}

/// A model's provenance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelInfo {
    /// Repository id or local path, as given.
    pub id: String,
    /// Resolved commit (or `local`).
    pub revision: String,
    pub dtype: String,
    pub device: String,
}

/// One model's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelResult {
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
    pub itm_margin: Option<Summary>,
    pub itm_accuracy_gap_removed: Option<f64>,
    pub edit_gap_alignment: Option<EditGapAlignment>,
    /// Keyed by depth (number of operators applied).
    pub by_depth: BTreeMap<u32, DepthResult>,
    pub winoground: Option<WinogroundScores>,
    /// SugarCrepe++ ITI/TOT over the op's rows that carry a second true caption
    /// (`alt_captions[0]`); `null` when none do.
    #[serde(default)]
    pub sugarcrepe_pp: Option<SugarCrepePpScores>,
}

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
            return Err(Error::Input("a report needs at least one result".into()));
        }
        if self.models.len() != self.results.len() {
            return Err(Error::Input(format!(
                "report has {} models but {} results",
                self.models.len(),
                self.results.len()
            )));
        }
        for (i, (m, r)) in self.models.iter().zip(&self.results).enumerate() {
            if m.id != r.model || m.revision != r.revision {
                return Err(Error::Input(format!(
                    "models[{i}] is {}@{} but results[{i}] is {}@{}",
                    m.id, m.revision, r.model, r.revision
                )));
            }
        }
        check::report(self)
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

/// Display label per result: the model id, with `@` and the first 8 characters of the
/// revision when the id occurs more than once.
pub(crate) fn labels(report: &Report) -> Vec<String> {
    report
        .results
        .iter()
        .map(|r| {
            if report.results.iter().filter(|x| x.model == r.model).count() > 1 {
                format!(
                    "{}@{}",
                    r.model,
                    r.revision.chars().take(8).collect::<String>()
                )
            } else {
                r.model.clone()
            }
        })
        .collect()
}

/// Writes `report.json`, `report.md` and `report.html` into `dir` (which must exist) as one
/// [`formats::OutputSet`]: all three are replaced, or none. The report is validated first;
/// nothing is written if it is invalid.
pub fn write_report(dir: &Path, report: &Report) -> Result<()> {
    report.validate()?;
    let json = serde_json::to_string_pretty(report).map_err(|e| Error::File {
        path: dir.join("report.json"),
        message: format!("cannot serialise: {e}"),
    })?;
    let md = md::render(report);
    let html = html::render(report);
    let mut set = formats::OutputSet::new();
    for (name, text) in [
        ("report.json", json + "\n"),
        ("report.md", md),
        ("report.html", html),
    ] {
        set.stage_bytes(&dir.join(name), text.as_bytes())?;
    }
    set.commit()
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
    let first = reports
        .first()
        .ok_or_else(|| Error::Input("nothing to merge: no reports".into()))?;
    let mut models = Vec::new();
    let mut results: Vec<ModelResult> = Vec::new();
    for (i, r) in reports.iter().enumerate() {
        if r.benchmark.sha256 != first.benchmark.sha256 && !allow_different_benchmarks {
            return Err(Error::Input(format!(
                "report {} is over benchmark {} (sha256 {}) but report 1 is over {} (sha256 {}): \
                 their numbers come from different pairs and are not comparable; \
                 pass --allow-different-benchmarks to merge them anyway",
                i + 1,
                r.benchmark.path,
                r.benchmark.sha256,
                first.benchmark.path,
                first.benchmark.sha256
            )));
        }
        for (m, res) in r.models.iter().zip(&r.results) {
            if let Some(dup) = results.iter().find(|x| {
                x.model == res.model
                    && x.revision == res.revision
                    && x.benchmark_sha256 == res.benchmark_sha256
            }) {
                return Err(Error::Input(format!(
                    "{}@{} appears twice over the same benchmark (report {})",
                    dup.model,
                    dup.revision,
                    i + 1
                )));
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

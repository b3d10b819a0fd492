//! The synthetic world's part of the report: [`WorldSplits`] (computed by
//! `evaluate::world_splits`) and its table in `report.md` / `report.html` / `tables/*.csv`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::md::{pct_ci, Tables, WORLD_PREFIX};
use super::{Report, WinogroundCi};
use clipprobe_bench::bench::Op;
use clipprobe_metrics::{Interval, WinogroundScores};

/// Value of `BenchRecord::source` on rows of the synthetic world (`clipprobe world`).
pub const WORLD_SOURCE: &str = "world";

/// The world's rows (`source: "world"` with both images) split four ways.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorldSplits {
    /// World rows scored.
    pub pairs: usize,
    /// By op (as named in the benchmark, e.g. `world/replace_rel` in the main job).
    pub by_op: BTreeMap<String, SplitResult>,
    /// By concept kind of the edits: `object`, `attribute`, `relation`, or `mixed` (a deeper
    /// row whose steps edit different kinds).
    pub by_kind: BTreeMap<String, SplitResult>,
    /// By depth (number of edits).
    pub by_depth: BTreeMap<u32, SplitResult>,
    /// By scene size (objects in the original scene, `extra.objects`).
    pub by_objects: BTreeMap<u64, SplitResult>,
}

/// One split's numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SplitResult {
    pub pairs: usize,
    /// Mean `cos(t(caption), t(negative))`.
    pub text_cosine_mean: f64,
    /// Fraction of pairs with `cos(image, caption) > cos(image, negative)` (original image).
    pub itm_accuracy: f64,
    pub itm_accuracy_ci: Interval,
    pub winoground: WinogroundScores,
    pub winoground_ci: WinogroundCi,
}

/// A table row per (value, model) of one split dimension, values in `order`.
fn dimension_rows<K: Ord + ToString>(
    worlds: &[(&WorldSplits, &String)],
    dimension: &str,
    get: fn(&WorldSplits) -> &BTreeMap<K, SplitResult>,
    order: Vec<&K>,
) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for key in order {
        for (w, name) in worlds {
            if let Some(s) = get(w).get(key) {
                rows.push(vec![
                    dimension.to_string(),
                    key.to_string(),
                    name.to_string(),
                    s.pairs.to_string(),
                    format!("{:.4}", s.text_cosine_mean),
                    pct_ci(Some(s.itm_accuracy), Some(s.itm_accuracy_ci)),
                    pct_ci(Some(s.winoground.text), Some(s.winoground_ci.text)),
                    pct_ci(Some(s.winoground.image), Some(s.winoground_ci.image)),
                    pct_ci(Some(s.winoground.group), Some(s.winoground_ci.group)),
                ]);
            }
        }
    }
    rows
}

/// The keys of one dimension over all results, sorted by `rank` then value, once each.
fn keys<'a, K: Ord, R: Ord>(
    worlds: &[(&'a WorldSplits, &String)],
    get: fn(&WorldSplits) -> &BTreeMap<K, SplitResult>,
    rank: impl Fn(&K) -> R,
) -> Vec<&'a K> {
    let mut v: Vec<&K> = worlds.iter().flat_map(|(w, _)| get(w).keys()).collect();
    v.sort_by(|a, b| rank(a).cmp(&rank(b)).then(a.cmp(b)));
    v.dedup();
    v
}

/// Appends the world table (one row per split value and model) when some result has one.
pub(super) fn world_tables(r: &Report, names: &[String], out: &mut Tables) {
    let worlds: Vec<(&WorldSplits, &String)> = r
        .results
        .iter()
        .zip(names)
        .filter_map(|(res, name)| res.world.as_ref().map(|w| (w, name)))
        .collect();
    let mut rows = Vec::new();
    let op_rank = |k: &String| {
        let op = Op::from_name(k.strip_prefix(WORLD_PREFIX).unwrap_or(k));
        op.and_then(|op| Op::ALL.iter().position(|&o| o == op))
            .unwrap_or(Op::ALL.len())
    };
    let order = keys(&worlds, |w| &w.by_op, op_rank);
    rows.extend(dimension_rows(&worlds, "op", |w| &w.by_op, order));
    let kinds = ["object", "attribute", "relation", "mixed"];
    let kind_rank = |k: &String| kinds.iter().position(|x| x == k).unwrap_or(kinds.len());
    let order = keys(&worlds, |w| &w.by_kind, kind_rank);
    rows.extend(dimension_rows(
        &worlds,
        "concept kind",
        |w| &w.by_kind,
        order,
    ));
    let order = keys(&worlds, |w| &w.by_depth, |_| ());
    rows.extend(dimension_rows(&worlds, "depth", |w| &w.by_depth, order));
    let order = keys(&worlds, |w| &w.by_objects, |_| ());
    rows.extend(dimension_rows(&worlds, "objects", |w| &w.by_objects, order));
    if rows.is_empty() {
        return;
    }
    out.push(
        Some("Synthetic world by op, concept kind, depth and scene size"),
        Some(
            "Rows of the synthetic world (docs/world.md), each negative with its own image. ITM: \
             % of pairs whose original image is closer to the caption than to the negative. \
             Winoground text / image / group scores in %. Seeded bootstrap 95% intervals. \
             Concept kind: the kind of the row's edits (mixed: a deeper row editing several \
             kinds); objects: objects in the original scene.",
        ),
        &[
            "split",
            "value",
            "model",
            "pairs",
            "text cosine (mean)",
            "ITM acc. (%) [95% CI]",
            "text (%) [95% CI]",
            "image (%) [95% CI]",
            "group (%) [95% CI]",
        ],
        rows,
    );
}

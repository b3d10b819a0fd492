//! `report.md`: Markdown tables a person can paste into a paper. Cosines with four
//! decimals, accuracies in percent with one decimal, differences signed; `–` marks a value
//! the benchmark cannot give (e.g. accuracy without images).

use std::fmt::Write;

use super::{labels, ordered_ops, Report};
use clipprobe_bench::bench::GROUPS;
use clipprobe_metrics::{Interval, Summary};

/// Escapes text for a Markdown table cell.
pub(super) fn cell(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

fn f4(v: f64) -> String {
    format!("{v:.4}")
}

fn pct(v: Option<f64>) -> String {
    v.map_or("–".into(), |v| format!("{:.1}", 100.0 * v))
}

/// Percent with its bootstrap interval: `80.1 [76.3, 83.9]`.
pub(super) fn pct_ci(v: Option<f64>, ci: Option<Interval>) -> String {
    match (v, ci) {
        (Some(v), Some(c)) => format!(
            "{:.1} [{:.1}, {:.1}]",
            100.0 * v,
            100.0 * c.lo,
            100.0 * c.hi
        ),
        (v, _) => pct(v),
    }
}

fn d4(v: f64) -> String {
    format!("{v:+.4}")
}

fn dpct(v: Option<f64>) -> String {
    v.map_or("–".into(), |v| format!("{:+.1}", 100.0 * v))
}

fn mean_std(s: &Summary) -> String {
    format!("{:.4} ± {:.4}", s.mean, s.std)
}

/// One table of the report, with raw (unescaped) text; the Markdown and HTML writers
/// escape it for their format.
pub(super) struct Table {
    /// Section heading (`None`: continues the previous section).
    pub title: Option<String>,
    pub note: Option<String>,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// A warning line when the report mixes benchmarks.
pub(super) fn mixed_warning(r: &Report) -> Option<&'static str> {
    r.mixes_benchmarks().then_some(
        "These results come from different benchmark files (see each model's benchmark \
         sha256); their numbers are over different pairs.",
    )
}

/// Op-name prefix of the synthetic world's rows in the main job's built-in benchmark.
pub const WORLD_PREFIX: &str = "world/";

/// What the reader must know about the benchmark: whether image-text numbers could be
/// measured, and what the synthetic part is.
pub(super) fn benchmark_notes(r: &Report) -> Vec<&'static str> {
    let mut notes = Vec::new();
    let has_images = r.results.iter().any(|x| {
        x.modality_gap.is_some()
            || x.ops
                .values()
                .any(|o| o.itm_accuracy.is_some() || o.winoground.is_some())
    });
    if !has_images {
        notes.push(
            "This benchmark has no images: only the text side is measured (how little each \
             edit moves the text embedding, word sensitivity). Image–text accuracy, Winoground \
             scores and the modality gap need a benchmark with images — `clipprobe world`, or \
             SugarCrepe imported with COCO val2017 images (see README).",
        );
    }
    if r.benchmark.ops.keys().any(|o| o.starts_with(WORLD_PREFIX)) {
        notes.push(
            "Ops named `world/…` are synthetic scenes from `clipprobe world`: flat drawings of \
             shapes with known colours, patterns, sizes and positions, where each negative \
             caption has its own rendered image (Winoground-style text, image and group \
             scores). They probe binding with exact ground truth, but they are \
             out-of-distribution drawings, not photographs: compare models on them, do not \
             read them as accuracy on natural images (docs/world.md).",
        );
    }
    notes
}

/// Renders the whole Markdown report.
pub(super) fn render(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# clipprobe report\n");
    let _ = writeln!(
        out,
        "Benchmark `{}`: {} rows, sha256 `{}`. Written by {} {} (report schema {}).\n",
        cell(&r.benchmark.path),
        r.benchmark.rows,
        cell(&r.benchmark.sha256),
        cell(&r.tool.name),
        cell(&r.tool.version),
        r.schema_version
    );
    if let Some(w) = mixed_warning(r) {
        let _ = writeln!(out, "> **Warning:** {w}\n");
    }
    for n in benchmark_notes(r) {
        let _ = writeln!(out, "> {n}\n");
    }
    for t in tables(r) {
        if let Some(title) = &t.title {
            let _ = writeln!(out, "## {title}\n");
        }
        if let Some(note) = &t.note {
            let _ = writeln!(out, "{note}\n");
        }
        let esc = |v: &[String]| v.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | ");
        let _ = writeln!(out, "| {} |", esc(&t.header));
        let _ = writeln!(out, "|{}", "---|".repeat(t.header.len()));
        for row in &t.rows {
            let _ = writeln!(out, "| {} |", esc(row));
        }
        out.push('\n');
    }
    out
}

pub(super) struct Tables(Vec<Table>);

impl Tables {
    pub(super) fn push(
        &mut self,
        title: Option<&str>,
        note: Option<&str>,
        header: &[&str],
        rows: Vec<Vec<String>>,
    ) {
        self.0.push(Table {
            title: title.map(str::to_string),
            note: note.map(str::to_string),
            header: header.iter().map(|h| h.to_string()).collect(),
            rows,
        });
    }
}

/// `open_clip, quick_gelu (explicit), scale 4.6052` / `siglip, gelu_pytorch_tanh, scale
/// 4.7, bias -16.5`: what was loaded, for the Models table.
fn family_cell(m: &super::ModelMeta) -> String {
    let mut s = format!("{}, {}", m.family, m.activation);
    if m.activation_source != "config" {
        s.push_str(&format!(" ({})", m.activation_source));
    }
    s.push_str(&format!(", scale {}", f4(m.logit_scale)));
    if let Some(b) = m.logit_bias {
        s.push_str(&format!(", bias {}", f4(b)));
    }
    s
}

/// The report's tables, in order.
pub(super) fn tables(r: &Report) -> Vec<Table> {
    let mut out = Tables(Vec::new());
    let names = labels(r);
    let ops = ordered_ops(r.results.iter().flat_map(|x| x.ops.keys()));

    let rows = r
        .models
        .iter()
        .zip(&r.results)
        .zip(&names)
        .map(|((m, res), name)| {
            vec![
                name.clone(),
                m.revision.clone(),
                m.dtype.clone(),
                m.device.clone(),
                m.meta.as_ref().map_or_else(|| "—".to_string(), family_cell),
                f4(res.anisotropy_baseline),
                res.benchmark_sha256.chars().take(12).collect(),
            ]
        })
        .collect();
    out.push(
        Some("Models"),
        Some("b: mean cosine between unrelated true captions (anisotropy baseline)."),
        &[
            "model",
            "revision",
            "dtype",
            "device",
            "family",
            "b",
            "benchmark sha256",
        ],
        rows,
    );

    paper_tables(r, &names, &ops, &mut out);

    let mut rows = Vec::new();
    for op in &ops {
        for (res, name) in r.results.iter().zip(&names) {
            if let Some(o) = res.ops.get(*op) {
                rows.push(vec![
                    op.to_string(),
                    name.clone(),
                    o.pairs.to_string(),
                    mean_std(&o.text_cosine),
                    f4(o.text_cosine_normalized_mean),
                    o.itm_pairs.to_string(),
                    pct_ci(o.itm_accuracy, o.itm_accuracy_ci),
                    pct_ci(o.itm_accuracy_gap_removed, o.itm_accuracy_gap_removed_ci),
                ]);
            }
        }
    }
    out.push(
        Some("Hard negatives by op"),
        Some(
            "Text cosine: cos(t(caption), t(negative)), mean ± std. Normalised: (cos − b)/(1 − b). \
             ITM accuracy: % of pairs with cos(image, caption) > cos(image, negative).",
        ),
        &[
            "op",
            "model",
            "pairs",
            "text cosine",
            "normalised",
            "ITM pairs",
            "ITM acc. (%) [95% CI]",
            "ITM acc., gap removed (%) [95% CI]",
        ],
        rows,
    );

    let mut rows = Vec::new();
    for op in &ops {
        for (res, name) in r.results.iter().zip(&names) {
            let Some(o) = res.ops.get(*op) else { continue };
            if let (Some(w), Some(c)) = (o.winoground, o.winoground_ci) {
                rows.push(vec![
                    op.to_string(),
                    name.clone(),
                    pct_ci(Some(w.text), Some(c.text)),
                    pct_ci(Some(w.image), Some(c.image)),
                    pct_ci(Some(w.group), Some(c.group)),
                ]);
            }
        }
    }
    if !rows.is_empty() {
        out.push(
            Some("Winoground scores (%)"),
            Some("With bootstrap 95% intervals."),
            &["op", "model", "text", "image", "group"],
            rows,
        );
    }
    super::world::world_tables(r, &names, &mut out);

    let mut rows = Vec::new();
    for op in &ops {
        for (res, name) in r.results.iter().zip(&names) {
            let Some(o) = res.ops.get(*op) else { continue };
            if let Some(m) = &o.macro_accuracy {
                rows.push(vec![
                    op.to_string(),
                    name.clone(),
                    pct(Some(m.accuracy)),
                    m.classes.to_string(),
                    m.pairs.to_string(),
                    m.excluded_classes.to_string(),
                    pct_ci(o.itm_accuracy, o.itm_accuracy_ci),
                ]);
            }
        }
    }
    if !rows.is_empty() {
        out.push(
            Some("ARO macro accuracy (%)"),
            Some(
                "As ARO reports VG-Relation and VG-Attribution: accuracy per relation (per \
                 attribute pair), averaged over classes, each image cropped to its bounding box. \
                 VG-Relation leaves out ARO's symmetric relations; VG-Attribution keeps pairs \
                 with at least 25 cases. Micro: over all pairs.",
            ),
            &[
                "op",
                "model",
                "macro acc.",
                "classes",
                "pairs",
                "classes left out",
                "micro acc. [95% CI]",
            ],
            rows,
        );
    }

    let mut rows = Vec::new();
    for op in &ops {
        for (res, name) in r.results.iter().zip(&names) {
            if let Some(pp) = res.ops.get(*op).and_then(|o| o.sugarcrepe_pp) {
                rows.push(vec![
                    op.to_string(),
                    name.clone(),
                    pct(pp.iti),
                    pct(Some(pp.tot)),
                ]);
            }
        }
    }
    if !rows.is_empty() {
        out.push(
            Some("SugarCrepe++ scores (%)"),
            Some(
                "ITI: the image prefers both true captions to the negative. \
                 TOT: the two true captions are closer to each other than either is to the negative.",
            ),
            &["op", "model", "ITI", "TOT"],
            rows,
        );
    }

    let mut rows = Vec::new();
    for op in &ops {
        for (res, name) in r.results.iter().zip(&names) {
            for (k, d) in res.ops.get(*op).map(|o| &o.by_depth).into_iter().flatten() {
                rows.push(vec![
                    op.to_string(),
                    name.clone(),
                    k.to_string(),
                    d.pairs.to_string(),
                    f4(d.text_cosine_mean),
                    pct(d.itm_accuracy),
                ]);
            }
        }
    }
    if !rows.is_empty() {
        out.push(
            Some("By depth (number of operators applied)"),
            None,
            &[
                "op",
                "model",
                "depth",
                "pairs",
                "text cosine (mean)",
                "ITM acc. (%)",
            ],
            rows,
        );
    }

    let rows: Vec<Vec<String>> = r
        .results
        .iter()
        .zip(&names)
        .filter_map(|(res, name)| {
            let g = res.modality_gap.as_ref()?;
            Some(vec![
                name.clone(),
                g.pairs.to_string(),
                f4(g.l2m),
                f4(g.l2i),
                f4(g.rmg),
                f4(g.centroid_cosine),
                pct(Some(g.linear_probe_accuracy)),
                f4(g.matched_cosine_mean),
                f4(g.mismatched_cosine_mean),
            ])
        })
        .collect();
    if !rows.is_empty() {
        out.push(
            Some("Modality gap"),
            Some("On matched image–caption pairs; see docs/metrics.md for each definition."),
            &[
                "model",
                "pairs",
                "L2M",
                "L2I",
                "RMG",
                "centroid cosine",
                "linear probe acc. (%)",
                "matched cosine",
                "mismatched cosine",
            ],
            rows,
        );
    }

    let mut rows = Vec::new();
    for op in &ops {
        for (res, name) in r.results.iter().zip(&names) {
            if let Some(a) = res.ops.get(*op).and_then(|o| o.edit_gap_alignment.as_ref()) {
                rows.push(vec![
                    op.to_string(),
                    name.clone(),
                    a.pairs.to_string(),
                    mean_std(&a.abs_cosine),
                    mean_std(&a.energy_share),
                ]);
            }
        }
    }
    if !rows.is_empty() {
        out.push(
            Some("Text edits along the gap direction"),
            Some("e = t(negative) − t(caption), g = unit(mean image − mean text)."),
            &[
                "op",
                "model",
                "pairs",
                "|cos(e, g)|",
                "energy share (e·g)²/‖e‖²",
            ],
            rows,
        );
    }

    let rows: Vec<Vec<String>> = r
        .results
        .iter()
        .zip(&names)
        .filter_map(|(res, name)| {
            let t = res.token_sensitivity.as_ref()?;
            let f = |s: &Option<Summary>| {
                s.as_ref()
                    .map_or("–".into(), |s| format!("{} (n={})", mean_std(s), s.n))
            };
            Some(vec![
                name.clone(),
                f(&t.object),
                f(&t.attribute),
                f(&t.relation),
            ])
        })
        .collect();
    if !rows.is_empty() {
        out.push(
            Some("Token sensitivity"),
            None,
            &["model", "object", "attribute", "relation"],
            rows,
        );
    }

    if let Some(c) = &r.comparison {
        let mut rows = Vec::new();
        for op in &ops {
            for (d, name) in c.deltas.iter().zip(&names[1..]) {
                if let Some(o) = d.ops.get(*op) {
                    rows.push(vec![
                        op.to_string(),
                        name.clone(),
                        d4(o.text_cosine_mean),
                        d4(o.text_cosine_normalized_mean),
                        dpct(o.itm_accuracy),
                        dpct(o.itm_accuracy_gap_removed),
                        dpct(o.winoground_group),
                    ]);
                }
            }
        }
        let title = format!("Comparison with {}", names[0]);
        let note = format!(
            "Differences model − {}; accuracies in percentage points.",
            names[0]
        );
        out.push(
            Some(&title),
            Some(&note),
            &[
                "op",
                "model",
                "Δ text cosine",
                "Δ normalised",
                "Δ ITM acc.",
                "Δ ITM acc., gap removed",
                "Δ Winoground group",
            ],
            rows,
        );
        let rows: Vec<Vec<String>> = c
            .deltas
            .iter()
            .zip(&names[1..])
            .filter_map(|(d, name)| {
                let g = d.modality_gap.as_ref()?;
                let v = |k: &str| g.get(k).map_or("–".into(), |v| d4(*v));
                Some(vec![
                    name.clone(),
                    d4(d.anisotropy_baseline),
                    v("l2m"),
                    v("l2i"),
                    v("rmg"),
                    v("centroid_cosine"),
                    dpct(g.get("linear_probe_accuracy").copied()),
                ])
            })
            .collect();
        if !rows.is_empty() {
            out.push(
                None,
                None,
                &[
                    "model",
                    "Δ b",
                    "Δ L2M",
                    "Δ L2I",
                    "Δ RMG",
                    "Δ centroid cosine",
                    "Δ linear probe acc.",
                ],
                rows,
            );
        }
    }
    out.0
}

/// A column of the paper tables: a subset, or one of SugarCrepe's averages after its members.
enum Column<'a> {
    Op(&'a str),
    Group(&'static str),
}

/// Columns in SugarCrepe's paper order: each group's subsets then its average (only
/// subsets present in some result), then any other subset alphabetically.
fn columns<'a>(r: &Report, ops: &[&'a String]) -> Vec<Column<'a>> {
    let mut cols = Vec::new();
    let mut used = Vec::new();
    for (group, members) in GROUPS {
        let present: Vec<&'a String> = ops
            .iter()
            .copied()
            .filter(|o| members.iter().any(|m| m.name() == o.as_str()))
            .collect();
        if present.is_empty() {
            continue;
        }
        for o in &present {
            cols.push(Column::Op(o.as_str()));
            used.push(o.as_str());
        }
        if r.results.iter().any(|x| x.groups.contains_key(group)) {
            cols.push(Column::Group(group));
        }
    }
    for o in ops {
        if !used.contains(&o.as_str()) {
            cols.push(Column::Op(o.as_str()));
        }
    }
    cols
}

/// The tables a paper uses: model × op with REPLACE / SWAP / ADD averages (ITM accuracy with
/// intervals when the benchmark has images; mean text cosine always), published numbers
/// beside measured ones, and each op's worst failures.
fn paper_tables(r: &Report, names: &[String], ops: &[&String], out: &mut Tables) {
    let cols = columns(r, ops);
    let mut header: Vec<String> = vec!["model".into()];
    header.extend(cols.iter().map(|c| match c {
        Column::Op(o) => o.to_string(),
        Column::Group(g) => g.to_string(),
    }));
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let n_row = |label: &str| -> Vec<String> {
        let first = &r.results[0];
        let mut row = vec![label.to_string()];
        row.extend(cols.iter().map(|c| {
            match c {
                Column::Op(o) => first.ops.get(*o).map_or("–".into(), |x| {
                    if label.starts_with("n (ITM") {
                        x.itm_pairs.to_string()
                    } else {
                        x.pairs.to_string()
                    }
                }),
                Column::Group(g) => first
                    .groups
                    .get(*g)
                    .map_or("–".into(), |x| x.pairs.to_string()),
            }
        }));
        row
    };
    let has_itm = r
        .results
        .iter()
        .any(|x| x.ops.values().any(|o| o.itm_accuracy.is_some()));
    if has_itm {
        let mut rows: Vec<Vec<String>> =
            r.results
                .iter()
                .zip(names)
                .map(|(res, name)| {
                    let mut row = vec![name.clone()];
                    row.extend(cols.iter().map(|c| {
                        match c {
                            Column::Op(o) => res.ops.get(*o).map_or("–".into(), |x| {
                                pct_ci(x.itm_accuracy, x.itm_accuracy_ci)
                            }),
                            Column::Group(g) => res.groups.get(*g).map_or("–".into(), |x| {
                                pct_ci(x.itm_accuracy, x.itm_accuracy_ci)
                            }),
                        }
                    }));
                    row
                })
                .collect();
        rows.push(n_row("n (ITM pairs)"));
        out.push(
            Some("ITM accuracy by op (%)"),
            Some(
                "SugarCrepe's metric: % of pairs whose image is closer to the caption than to the \
                 negative, with seeded bootstrap 95% intervals. REPLACE / SWAP / ADD: unweighted \
                 mean of their subsets, as in SugarCrepe's paper (stratified bootstrap).",
            ),
            &header,
            rows,
        );
    } else if !r
        .results
        .iter()
        .any(|x| x.ops.values().any(|o| o.winoground.is_some()))
    {
        out.push(
            Some("ITM accuracy by op (%)"),
            Some(
                "Not measured: this benchmark has no images, so image–text accuracy, Winoground \
                 scores and the modality gap cannot be computed; only the text side is. Evaluate \
                 a benchmark with images (e.g. `clipprobe world`, or SugarCrepe imported with \
                 COCO val2017 images, see README) to get them.",
            ),
            &["model", "ITM accuracy"],
            names
                .iter()
                .map(|n| vec![n.clone(), "no images in the benchmark".into()])
                .collect(),
        );
    }
    let mut rows: Vec<Vec<String>> = r
        .results
        .iter()
        .zip(names)
        .map(|(res, name)| {
            let mut row = vec![name.clone()];
            row.extend(cols.iter().map(|c| {
                match c {
                    Column::Op(o) => res
                        .ops
                        .get(*o)
                        .map_or("–".into(), |x| f4(x.text_cosine.mean)),
                    Column::Group(g) => res
                        .groups
                        .get(*g)
                        .map_or("–".into(), |x| f4(x.text_cosine_mean)),
                }
            }));
            row
        })
        .collect();
    rows.push(n_row("n (pairs)"));
    out.push(
        Some("Text cosine by op (mean)"),
        Some(
            "cos(t(caption), t(negative)): how little the text embedding moves under the edit \
             (1 = not at all). Group columns: mean of the subsets' means.",
        ),
        &header,
        rows,
    );

    let mut rows = Vec::new();
    for (res, name) in r.results.iter().zip(names) {
        let Some(p) = &res.published else { continue };
        for (op, published) in &p.itm_accuracy {
            let measured = res.ops.get(op).and_then(|o| o.itm_accuracy);
            rows.push(vec![
                name.clone(),
                op.clone(),
                res.ops
                    .get(op)
                    .map_or("–".into(), |o| o.itm_pairs.to_string()),
                pct(measured),
                pct(Some(*published)),
                dpct(measured.map(|m| m - published)),
                p.source.clone(),
            ]);
        }
    }
    if !rows.is_empty() {
        out.push(
            Some("Published numbers"),
            Some(
                "Published ITM accuracy for the same model id on the same benchmark, beside the \
                 measured one (Δ = measured − published, percentage points). Published numbers \
                 are over the full subsets.",
            ),
            &[
                "model",
                "op",
                "n",
                "measured (%)",
                "published (%)",
                "Δ",
                "source",
            ],
            rows,
        );
    }

    let mut rows = Vec::new();
    for (res, name) in r.results.iter().zip(names) {
        for op in ops {
            for w in res.ops.get(*op).map(|o| &o.worst).into_iter().flatten() {
                rows.push(vec![
                    name.clone(),
                    op.to_string(),
                    w.id.clone(),
                    format!("{:+.4}", w.margin),
                    w.caption.clone(),
                    w.negative.clone(),
                ]);
            }
        }
    }
    if !rows.is_empty() {
        out.push(
            Some("Worst failures"),
            Some(
                "Per op, the pairs whose image most prefers the negative (lowest margin \
                 cos(image, caption) − cos(image, negative)); every pair is in pairs.jsonl / pairs.csv.",
            ),
            &["model", "op", "id", "margin", "caption", "negative"],
            rows,
        );
    }
}

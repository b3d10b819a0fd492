//! `report.html`: one self-contained page (inline CSS, inline SVG, no scripts, no external
//! URLs) with the accuracy bars, text-cosine histograms, depth curves, the 2-D projection
//! of the modality gap, and the same tables as `report.md`. All text is HTML-escaped.

use std::fmt::Write;

use super::md::{benchmark_notes, mixed_warning, tables};
use super::svg::{self, color, esc, HistSeries, LineSeries};
use super::{labels, ordered_ops, Report};

const CSS: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px auto;max-width:1320px;color:#222;padding:0 16px}\
h1{font-size:1.6em;margin-bottom:4px}h2{font-size:1.2em;margin-top:32px;border-bottom:1px solid #ddd;padding-bottom:4px}\
.meta{color:#555}.warn{background:#fff3cd;border:1px solid #e0c36a;padding:8px 12px}\
.charts{display:flex;flex-wrap:wrap;gap:12px}.charts svg{background:#fff;border:1px solid #e5e5e5}\
.ct{font-size:13px;font-weight:600;text-anchor:middle}.tx{font-size:10px;text-anchor:middle;fill:#444}\
.ty{font-size:10px;text-anchor:end;fill:#444}.xl,.yl{font-size:11px;text-anchor:middle;fill:#333}\
.lt{font-size:11px;fill:#333}.ax{stroke:#333;fill:none}.grid{stroke:#eee}\
.ref{stroke:#888;stroke-dasharray:4 3}\
table{border-collapse:collapse;margin:8px 0 16px;font-size:13px}th,td{border:1px solid #ddd;padding:3px 8px;text-align:right}\
th{background:#f5f5f5}th:first-child,th:nth-child(2),td:first-child,td:nth-child(2){text-align:left}.note{color:#555;font-size:13px}";

/// Renders the page.
pub(super) fn render(r: &Report) -> String {
    let names = labels(r);
    let ops = ordered_ops(r.results.iter().flat_map(|x| x.ops.keys()));
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
    let _ = writeln!(
        out,
        "<title>clipprobe report</title><style>{CSS}</style></head><body>"
    );
    out.push_str("<h1>clipprobe report</h1>\n");
    let _ = writeln!(
        out,
        "<p class=\"meta\">Benchmark <code>{}</code>: {} rows, sha256 <code>{}</code>. Models: {}. Written by {} {}.</p>",
        esc(&r.benchmark.path),
        r.benchmark.rows,
        esc(&r.benchmark.sha256),
        names.iter().map(|n| esc(n)).collect::<Vec<_>>().join(", "),
        esc(&r.tool.name),
        esc(&r.tool.version)
    );
    if let Some(w) = mixed_warning(r) {
        let _ = writeln!(out, "<p class=\"warn\">{}</p>", esc(w));
    }
    for n in benchmark_notes(r) {
        let _ = writeln!(out, "<p class=\"note\">{}</p>", esc(n));
    }

    // Image-text accuracy per op and model.
    let acc_ops: Vec<&String> = ops
        .iter()
        .copied()
        .filter(|op| {
            r.results
                .iter()
                .any(|x| x.ops.get(*op).and_then(|o| o.itm_accuracy).is_some())
        })
        .collect();
    if !acc_ops.is_empty() {
        let series: Vec<(&str, &'static str, Vec<Option<f64>>)> = r
            .results
            .iter()
            .zip(&names)
            .enumerate()
            .map(|(i, (res, name))| {
                let v = acc_ops
                    .iter()
                    .map(|op| res.ops.get(*op).and_then(|o| o.itm_accuracy))
                    .collect();
                (name.as_str(), color(i), v)
            })
            .collect();
        let groups: Vec<&str> = acc_ops.iter().map(|s| s.as_str()).collect();
        out.push_str("<h2>Image–text accuracy by op</h2>\n<p class=\"note\">Share of pairs with cos(image, caption) &gt; cos(image, negative); dashed line: chance (50%).</p>\n<div class=\"charts\">");
        out.push_str(&svg::grouped_bars(
            "ITM accuracy by op",
            "accuracy",
            &groups,
            &series,
            0.5,
        ));
        out.push_str("</div>\n");
    }

    // Text-cosine histograms, one chart per op, models overlaid.
    out.push_str("<h2>Text cosine between caption and hard negative</h2>\n<p class=\"note\">cos(t(caption), t(negative)) per pair; values near 1 mean the text encoder barely notices the edit.</p>\n<div class=\"charts\">");
    for op in &ops {
        let series: Vec<HistSeries> = r
            .results
            .iter()
            .zip(&names)
            .enumerate()
            .filter_map(|(i, (res, name))| {
                let h = &res.ops.get(*op)?.text_cosine_hist;
                let total = h.total().max(1) as f64;
                Some(HistSeries {
                    label: name,
                    color: color(i),
                    lo: h.lo,
                    hi: h.hi,
                    shares: h.counts.iter().map(|&c| c as f64 / total).collect(),
                })
            })
            .collect();
        let range = occupied_range(&series);
        out.push_str(&svg::histogram(
            &format!("{op}: text cosine"),
            "cosine",
            &series,
            range,
        ));
    }
    out.push_str("</div>\n");

    // Depth curves for ops evaluated at two or more depths.
    let deep_ops: Vec<&String> = ops
        .iter()
        .copied()
        .filter(|op| {
            r.results
                .iter()
                .any(|x| x.ops.get(*op).is_some_and(|o| o.by_depth.len() >= 2))
        })
        .collect();
    if !deep_ops.is_empty() {
        out.push_str("<h2>Depth: effect of applying more operators</h2>\n<div class=\"charts\">");
        for op in deep_ops {
            let by = |f: &dyn Fn(&super::DepthResult) -> Option<f64>| -> Vec<LineSeries> {
                r.results
                    .iter()
                    .zip(&names)
                    .enumerate()
                    .filter_map(|(i, (res, name))| {
                        let pts: Vec<(f64, f64)> = res
                            .ops
                            .get(op)?
                            .by_depth
                            .iter()
                            .filter_map(|(k, d)| Some((*k as f64, f(d)?)))
                            .collect();
                        (!pts.is_empty()).then_some((name.as_str(), color(i), pts))
                    })
                    .collect()
            };
            let cos = by(&|d| Some(d.text_cosine_mean));
            out.push_str(&svg::lines(
                &format!("{op}: text cosine vs depth"),
                "depth",
                "mean text cosine",
                &cos,
                false,
            ));
            let acc = by(&|d| d.itm_accuracy);
            if !acc.is_empty() {
                out.push_str(&svg::lines(
                    &format!("{op}: ITM accuracy vs depth"),
                    "depth",
                    "accuracy",
                    &acc,
                    true,
                ));
            }
        }
        out.push_str("</div>\n");
    }

    // The modality gap, seen in the first two principal components.
    if r.results.iter().any(|x| x.projection.is_some()) {
        out.push_str("<h2>Modality gap: 2-D projection</h2>\n<p class=\"note\">Image and caption embeddings of matched pairs on the top two principal components of both together; the two clouds sit apart.</p>\n<div class=\"charts\">");
        for (res, name) in r.results.iter().zip(&names) {
            let Some(p) = res
                .projection
                .as_ref()
                .filter(|p| !p.image.is_empty() || !p.text.is_empty())
            else {
                continue;
            };
            let [a, b] = p.explained_variance;
            let pc1 = format!("PC1 ({:.1}% of variance)", a * 100.0);
            let pc2 = format!("PC2 ({:.1}%)", b * 100.0);
            out.push_str(&svg::scatter(
                &format!("{name}: image vs text embeddings"),
                &p.image,
                &p.text,
                (&pc1, &pc2),
            ));
        }
        out.push_str("</div>\n");
    }

    out.push_str("<h2>Tables</h2>\n");
    for t in tables(r) {
        if let Some(title) = &t.title {
            let _ = writeln!(out, "<h3>{}</h3>", esc(title));
        }
        if let Some(note) = &t.note {
            let _ = writeln!(out, "<p class=\"note\">{}</p>", esc(note));
        }
        out.push_str("<table><thead><tr>");
        for h in &t.header {
            let _ = write!(out, "<th>{}</th>", esc(h));
        }
        out.push_str("</tr></thead><tbody>");
        for row in &t.rows {
            out.push_str("<tr>");
            for c in row {
                let _ = write!(out, "<td>{}</td>", esc(c));
            }
            out.push_str("</tr>");
        }
        out.push_str("</tbody></table>\n");
    }
    out.push_str("</body></html>\n");
    out
}

/// The x range covering every non-empty bin of every series, widened by one bin each side
/// and kept inside the histograms' range.
fn occupied_range(series: &[HistSeries]) -> (f64, f64) {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    let mut full = (f64::INFINITY, f64::NEG_INFINITY);
    for s in series {
        let w = (s.hi - s.lo) / s.shares.len().max(1) as f64;
        full = (full.0.min(s.lo), full.1.max(s.hi));
        for (k, &v) in s.shares.iter().enumerate() {
            if v > 0.0 {
                lo = lo.min(s.lo + (k as f64 - 1.0) * w);
                hi = hi.max(s.lo + (k as f64 + 2.0) * w);
            }
        }
    }
    if lo < hi {
        (lo.max(full.0), hi.min(full.1))
    } else if full.0 < full.1 {
        full
    } else {
        (-1.0, 1.0)
    }
}

//! Hand-made SVG charts for `report.html`: histogram, grouped bars, line chart, scatter.
//! No scripts, no external resources; coordinates are printed with two decimals so the
//! same report gives the same bytes.

use std::fmt::Write;

/// Model colours (colour-blind-safe Okabe–Ito order), cycled by result index.
const MODEL_COLORS: [&str; 7] = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
];
/// Image and text colours of the projection scatter.
pub(super) const IMAGE_COLOR: &str = "#0072B2";
pub(super) const TEXT_COLOR: &str = "#D55E00";

/// Colour of result `i`.
pub(super) fn color(i: usize) -> &'static str {
    MODEL_COLORS[i % MODEL_COLORS.len()]
}

/// Escapes text for HTML/SVG content and attribute values.
pub(super) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A plot area mapping data `[x0, x1] × [y0, y1]` onto an SVG of `w × h` pixels.
struct Frame {
    w: f64,
    h: f64,
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
}

impl Frame {
    fn new(w: f64, h: f64, (x0, x1): (f64, f64), (y0, y1): (f64, f64)) -> Frame {
        let (x1, y1) = (
            if x1 > x0 { x1 } else { x0 + 1.0 },
            if y1 > y0 { y1 } else { y0 + 1.0 },
        );
        Frame {
            w,
            h,
            left: 56.0,
            right: 12.0,
            top: 44.0,
            bottom: 40.0,
            x0,
            x1,
            y0,
            y1,
        }
    }
    fn x(&self, v: f64) -> f64 {
        self.left + (v - self.x0) / (self.x1 - self.x0) * (self.w - self.left - self.right)
    }
    fn y(&self, v: f64) -> f64 {
        self.h
            - self.bottom
            - (v - self.y0) / (self.y1 - self.y0) * (self.h - self.top - self.bottom)
    }

    /// Opens the `<svg>` with its title and draws axes, ticks and labels.
    fn open(
        &self,
        out: &mut String,
        title: &str,
        x_label: &str,
        y_label: &str,
        x_ticks: &[(f64, String)],
        y_ticks: &[(f64, String)],
    ) {
        let _ = write!(
            out,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img"><title>{t}</title>"#,
            w = self.w,
            h = self.h,
            t = esc(title)
        );
        // a title wider than the chart is shortened in the middle (full title as tooltip)
        let fit = ((self.w - 12.0) / 7.5).floor().max(8.0) as usize;
        let _ = write!(
            out,
            r#"<text x="{:.2}" y="16" class="ct">{}</text>"#,
            self.w / 2.0,
            esc(&shorten(title, fit))
        );
        let (xl, xr, yb, yt) = (
            self.left,
            self.w - self.right,
            self.h - self.bottom,
            self.top,
        );
        let _ = write!(
            out,
            r##"<path d="M{xl:.2},{yt:.2}V{yb:.2}H{xr:.2}" class="ax"/>"##
        );
        for (v, label) in x_ticks {
            let x = self.x(*v);
            let _ = write!(
                out,
                r#"<path d="M{x:.2},{yb:.2}v4" class="ax"/><text x="{x:.2}" y="{:.2}" class="tx">{}</text>"#,
                yb + 16.0,
                esc(label)
            );
        }
        for (v, label) in y_ticks {
            let y = self.y(*v);
            let _ = write!(
                out,
                r#"<path d="M{xl:.2},{y:.2}H{xr:.2}" class="grid"/><text x="{:.2}" y="{:.2}" class="ty">{}</text>"#,
                xl - 6.0,
                y + 4.0,
                esc(label)
            );
        }
        let _ = write!(
            out,
            r#"<text x="{:.2}" y="{:.2}" class="xl">{}</text><text transform="translate(14 {:.2}) rotate(-90)" class="yl">{}</text>"#,
            (xl + xr) / 2.0,
            self.h - 6.0,
            esc(x_label),
            (yt + yb) / 2.0,
            esc(y_label)
        );
    }
}

/// `n` evenly spaced ticks over `[lo, hi]` with `digits` decimals.
fn ticks(lo: f64, hi: f64, n: usize, digits: usize, percent: bool) -> Vec<(f64, String)> {
    (0..=n)
        .map(|k| {
            let v = lo + (hi - lo) * k as f64 / n as f64;
            let label = if percent {
                format!("{:.0}%", v * 100.0)
            } else {
                format!("{v:.digits$}")
            };
            (v, label)
        })
        .collect()
}

/// One line-chart series: label, colour, `(x, y)` points.
pub(super) type LineSeries<'a> = (&'a str, &'static str, Vec<(f64, f64)>);

/// One histogram series: label, colour, bin edges `[lo, hi]` and each bin's share.
pub(super) struct HistSeries<'a> {
    pub label: &'a str,
    pub color: &'static str,
    pub lo: f64,
    pub hi: f64,
    pub shares: Vec<f64>,
}

/// Overlaid histograms (one translucent bar set per series) over `[x_lo, x_hi]`.
pub(super) fn histogram(
    title: &str,
    x_label: &str,
    series: &[HistSeries],
    (x_lo, x_hi): (f64, f64),
) -> String {
    let y_max = series
        .iter()
        .flat_map(|s| s.shares.iter().copied())
        .fold(0.0f64, f64::max)
        .max(1e-9);
    let f = Frame::new(420.0, 240.0, (x_lo, x_hi), (0.0, y_max));
    let mut out = String::new();
    f.open(
        &mut out,
        title,
        x_label,
        "share of pairs",
        &ticks(x_lo, x_hi, 4, 2, false),
        &ticks(0.0, y_max, 4, 0, true),
    );
    for s in series {
        let w = (s.hi - s.lo) / s.shares.len() as f64;
        for (k, &share) in s.shares.iter().enumerate() {
            if share <= 0.0 {
                continue;
            }
            let (a, b) = (s.lo + k as f64 * w, s.lo + (k + 1) as f64 * w);
            let (xa, xb, yt) = (f.x(a), f.x(b), f.y(share));
            let _ = write!(
                out,
                r#"<rect x="{xa:.2}" y="{yt:.2}" width="{:.2}" height="{:.2}" fill="{}" fill-opacity="0.45"><title>{}: [{a:.3}, {b:.3}) {:.1}%</title></rect>"#,
                xb - xa,
                f.y(0.0) - yt,
                s.color,
                esc(s.label),
                share * 100.0
            );
        }
    }
    legend(&mut out, &f, series.iter().map(|s| (s.label, s.color)));
    out.push_str("</svg>");
    out
}

/// Grouped bars in `[0, 1]`: `groups` on the x axis, one bar per series and group
/// (`None`: no bar), a dashed reference line at `reference`.
pub(super) fn grouped_bars(
    title: &str,
    y_label: &str,
    groups: &[&str],
    series: &[(&str, &'static str, Vec<Option<f64>>)],
    reference: f64,
) -> String {
    let width = (120.0 + 90.0 * groups.len() as f64).max(420.0);
    let f = Frame::new(width, 280.0, (0.0, groups.len() as f64), (0.0, 1.0));
    let mut out = String::new();
    let xt: Vec<(f64, String)> = groups
        .iter()
        .enumerate()
        .map(|(i, g)| (i as f64 + 0.5, g.to_string()))
        .collect();
    f.open(
        &mut out,
        title,
        "",
        y_label,
        &xt,
        &ticks(0.0, 1.0, 4, 0, true),
    );
    let slot = 0.8 / series.len().max(1) as f64;
    for (j, (label, color, values)) in series.iter().enumerate() {
        for (i, v) in values.iter().enumerate() {
            let Some(v) = v else { continue };
            let a = i as f64 + 0.1 + j as f64 * slot;
            let (xa, xb, yt) = (f.x(a), f.x(a + slot), f.y(*v));
            let _ = write!(
                out,
                r#"<rect x="{xa:.2}" y="{yt:.2}" width="{:.2}" height="{:.2}" fill="{color}"><title>{} · {}: {:.1}%</title></rect>"#,
                xb - xa,
                f.y(0.0) - yt,
                esc(label),
                esc(groups[i]),
                v * 100.0
            );
        }
    }
    let y = f.y(reference);
    let _ = write!(
        out,
        r#"<path d="M{:.2},{y:.2}H{:.2}" class="ref"/>"#,
        f.left,
        f.w - f.right
    );
    legend(&mut out, &f, series.iter().map(|s| (s.0, s.1)));
    out.push_str("</svg>");
    out
}

/// Lines with point markers: per series `(label, colour, [(x, y)])`.
pub(super) fn lines(
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[LineSeries],
    percent: bool,
) -> String {
    let pts = || series.iter().flat_map(|s| s.2.iter().copied());
    let (xmin, xmax) = pts().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
        (a.min(p.0), b.max(p.0))
    });
    let (ymin, ymax) = pts().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
        (a.min(p.1), b.max(p.1))
    });
    let pad = ((ymax - ymin) * 0.1).max(0.01);
    let (y0, y1) = if percent {
        (0.0, 1.0)
    } else {
        (ymin - pad, ymax + pad)
    };
    let (x0, x1) = (xmin - 0.25, xmax + 0.25);
    let f = Frame::new(420.0, 240.0, (x0, x1), (y0, y1));
    let xt: Vec<(f64, String)> = (xmin as i64..=xmax as i64)
        .map(|k| (k as f64, k.to_string()))
        .collect();
    let mut out = String::new();
    f.open(
        &mut out,
        title,
        x_label,
        y_label,
        &xt,
        &ticks(y0, y1, 4, 3, percent),
    );
    for (label, color, points) in series {
        let path: Vec<String> = points
            .iter()
            .map(|&(x, y)| format!("{:.2},{:.2}", f.x(x), f.y(y)))
            .collect();
        let _ = write!(
            out,
            r#"<polyline points="{}" fill="none" stroke="{color}" stroke-width="2"/>"#,
            path.join(" ")
        );
        for &(x, y) in points {
            let shown = if percent {
                format!("{:.1}%", y * 100.0)
            } else {
                format!("{y:.4}")
            };
            let _ = write!(
                out,
                r#"<circle cx="{:.2}" cy="{:.2}" r="3.5" fill="{color}"><title>{} · depth {x}: {shown}</title></circle>"#,
                f.x(x),
                f.y(y),
                esc(label)
            );
        }
    }
    legend(&mut out, &f, series.iter().map(|s| (s.0, s.1)));
    out.push_str("</svg>");
    out
}

/// Scatter of image and text points (2-D projection).
pub(super) fn scatter(
    title: &str,
    image: &[[f64; 2]],
    text: &[[f64; 2]],
    axis_labels: (&str, &str),
) -> String {
    let all = || image.iter().chain(text);
    let (xmin, xmax) = all().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
        (a.min(p[0]), b.max(p[0]))
    });
    let (ymin, ymax) = all().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
        (a.min(p[1]), b.max(p[1]))
    });
    let (px, py) = (
        ((xmax - xmin) * 0.05).max(1e-3),
        ((ymax - ymin) * 0.05).max(1e-3),
    );
    let (x0, x1, y0, y1) = (xmin - px, xmax + px, ymin - py, ymax + py);
    let f = Frame::new(420.0, 360.0, (x0, x1), (y0, y1));
    let mut out = String::new();
    f.open(
        &mut out,
        title,
        axis_labels.0,
        axis_labels.1,
        &ticks(x0, x1, 4, 2, false),
        &ticks(y0, y1, 4, 2, false),
    );
    for (pts, color, _) in [(image, IMAGE_COLOR, "image"), (text, TEXT_COLOR, "text")] {
        for p in pts {
            let _ = write!(
                out,
                r#"<circle cx="{:.2}" cy="{:.2}" r="2.5" fill="{color}" fill-opacity="0.6"/>"#,
                f.x(p[0]),
                f.y(p[1])
            );
        }
    }
    legend(
        &mut out,
        &f,
        [("image", IMAGE_COLOR), ("text", TEXT_COLOR)].into_iter(),
    );
    out.push_str("</svg>");
    out
}

/// A horizontal legend in the top margin, under the title. Labels too long for their share
/// of the width keep their start and end (`clip-vi…-b-32`); the full label is the tooltip.
fn legend<'a>(out: &mut String, f: &Frame, items: impl Iterator<Item = (&'a str, &'static str)>) {
    let items: Vec<(&str, &str)> = items.collect();
    let per_item = (f.w - f.left - f.right) / items.len().max(1) as f64;
    let max_chars = (((per_item - 24.0) / 6.5).floor() as usize).max(4);
    let mut x = f.left;
    for (label, color) in items {
        let shown = shorten(label, max_chars);
        let _ = write!(
            out,
            r#"<rect x="{x:.2}" y="24" width="10" height="10" fill="{color}" class="lg"/><text x="{:.2}" y="33" class="lt"><title>{}</title>{}</text>"#,
            x + 14.0,
            esc(label),
            esc(&shown)
        );
        x += 24.0 + 6.5 * shown.chars().count() as f64;
    }
}

/// `s` if it has at most `max` chars, else its start and its end around a `…` (`max` chars in
/// all), so that neither a label's beginning nor its end is lost.
fn shorten(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        s.to_string()
    } else {
        let keep = max.saturating_sub(1);
        let head = keep / 2;
        let tail = keep - head;
        let start: String = s.chars().take(head).collect();
        let end: String = s.chars().skip(n - tail).collect();
        format!("{start}…{end}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn long_labels_keep_their_start_and_end() {
        assert_eq!(shorten("abc", 3), "abc");
        assert_eq!(shorten("/tmp/models/vit-b-32", 10), "/tmp…-b-32");
        assert_eq!(shorten("/tmp/models/vit-b-32", 10).chars().count(), 9 + 1);
    }

    #[test]
    fn frame_maps_corners() {
        let f = Frame::new(100.0, 100.0, (0.0, 1.0), (0.0, 1.0));
        assert_eq!(f.x(0.0), f.left);
        assert_eq!(f.x(1.0), 100.0 - f.right);
        assert_eq!(f.y(0.0), 100.0 - f.bottom);
        assert_eq!(f.y(1.0), f.top);
    }
}

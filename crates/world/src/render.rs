//! Deterministic anti-aliased rendering of a [`Scene`] with `tiny-skia`, and PNG encoding.
//!
//! The canvas is [`CANVAS`] px square (CLIP preprocessors resize and crop it as any photo),
//! split into a 3 × 3 grid of [`CELL`] px cells. An object is drawn centred in its cell (plus
//! its jitter) with a radius of at most [`LARGE_RADIUS`] + [`crate::scene::MAX_JITTER`] < half
//! a cell, so objects in different cells never overlap and never leave the frame. The subject
//! of a contact relation is drawn against its object instead ([`centres`]): beside it or on
//! its top with a gap of [`CONTACT_GAP`] px between the outlines' boxes, or centred inside it,
//! after the other objects and ringed by a background-coloured halo so it stays visible on
//! a container of its own colour.

use tiny_skia::{FillRule, Mask, Paint, Path, PathBuilder, Pixmap, Rect, Transform};

use crate::scene::{Color, Object, Pattern, Relation, Scene, Shape, Size, GRID};

/// Width and height of a rendered scene, pixels.
pub const CANVAS: u32 = 336;
/// Width and height of a grid cell, pixels.
pub const CELL: f32 = CANVAS as f32 / GRID as f32;
/// Radius (centre to farthest point) of a small object, pixels.
pub const SMALL_RADIUS: f32 = 22.0;
/// Radius of a large object, pixels.
pub const LARGE_RADIUS: f32 = 40.0;
/// Background colour (plain light grey).
pub const BACKGROUND: [u8; 3] = [236, 236, 232];
/// Gap between the outline boxes of objects in contact (`next to`, `on top of`), pixels.
pub const CONTACT_GAP: f32 = 2.0;
/// Width of the halo stroked around an object drawn inside another, pixels.
pub const HALO: f32 = 4.0;

/// The fill colour of each [`Color`].
pub fn rgb(c: Color) -> [u8; 3] {
    match c {
        Color::Red => [220, 30, 35],
        Color::Orange => [250, 140, 20],
        Color::Yellow => [245, 215, 20],
        Color::Green => [35, 160, 60],
        Color::Blue => [30, 80, 225],
        Color::Purple => [135, 50, 190],
        Color::Pink => [250, 120, 190],
        Color::Brown => [120, 70, 30],
    }
}

/// Radius of a size, pixels.
pub fn radius(s: Size) -> f32 {
    match s {
        Size::Small => SMALL_RADIUS,
        Size::Large => LARGE_RADIUS,
    }
}

/// Centre of an object at its own cell (cell centre plus jitter), pixels.
pub fn cell_centre(o: &Object) -> (f32, f32) {
    (
        (o.cell[0] as f32 + 0.5) * CELL + o.jitter[0] as f32,
        (o.cell[1] as f32 + 0.5) * CELL + o.jitter[1] as f32,
    )
}

/// The box of an object's outline relative to its centre: `[left, top, right, bottom]`.
pub fn extent(o: &Object) -> [f32; 4] {
    outline(o, (0.0, 0.0)).map_or([0.0; 4], |p| {
        let b = p.bounds();
        [b.left(), b.top(), b.right(), b.bottom()]
    })
}

/// Where each object of a scene is drawn (centres, pixels): at its cell, except the subject of
/// a contact relation, placed against its object (whose own place is its cell): `next to`
/// on the side of the subject's cell with the boxes [`CONTACT_GAP`] apart and the centres
/// level, `on top of` above it, centred, [`CONTACT_GAP`] apart, `inside` at its centre.
pub fn centres(scene: &Scene) -> Vec<(f32, f32)> {
    let mut c: Vec<(f32, f32)> = scene.objects.iter().map(cell_centre).collect();
    for l in &scene.relations {
        let (s, o) = (&scene.objects[l.subject], &scene.objects[l.object]);
        let (ox, oy) = c[l.object];
        let (es, eo) = (extent(s), extent(o));
        c[l.subject] = match l.relation {
            Relation::NextTo if s.cell[0] < o.cell[0] => (ox + eo[0] - CONTACT_GAP - es[2], oy),
            Relation::NextTo => (ox + eo[2] + CONTACT_GAP - es[0], oy),
            Relation::OnTopOf => (ox, oy + eo[1] - CONTACT_GAP - es[3]),
            Relation::Inside => (ox, oy),
            _ => continue,
        };
    }
    c
}

/// Objects drawn inside another: drawn last, with a halo.
fn inner(scene: &Scene) -> Vec<bool> {
    let mut v = vec![false; scene.objects.len()];
    for l in &scene.relations {
        if l.relation == Relation::Inside {
            v[l.subject] = true;
        }
    }
    v
}

fn polygon(cx: f32, cy: f32, points: impl IntoIterator<Item = (f32, f32)>) -> Option<Path> {
    let mut pb = PathBuilder::new();
    for (k, (x, y)) in points.into_iter().enumerate() {
        if k == 0 {
            pb.move_to(cx + x, cy + y);
        } else {
            pb.line_to(cx + x, cy + y);
        }
    }
    pb.close();
    pb.finish()
}

/// Points on a circle of radius `r`, the first straight up, `n` of them.
fn ring(n: usize, r: f32, phase: f32) -> impl Iterator<Item = (f32, f32)> {
    (0..n).map(move |k| {
        let a = phase + k as f32 * std::f32::consts::TAU / n as f32 - std::f32::consts::FRAC_PI_2;
        (r * a.cos(), r * a.sin())
    })
}

/// The outline of an object centred at `(cx, cy)`.
fn outline(o: &Object, (cx, cy): (f32, f32)) -> Option<Path> {
    let r = radius(o.size);
    match o.shape {
        Shape::Circle => PathBuilder::from_circle(cx, cy, r * 0.9),
        Shape::Square => {
            let h = r * 0.78;
            Rect::from_ltrb(cx - h, cy - h, cx + h, cy + h).map(PathBuilder::from_rect)
        }
        Shape::Triangle => polygon(cx, cy + r * 0.15, ring(3, r, 0.0)),
        Shape::Diamond => polygon(
            cx,
            cy,
            [(0.0, -r), (r * 0.7, 0.0), (0.0, r), (-r * 0.7, 0.0)],
        ),
        Shape::Hexagon => polygon(cx, cy, ring(6, r * 0.95, std::f32::consts::FRAC_PI_6)),
        Shape::Star => {
            let outer: Vec<_> = ring(5, r, 0.0).collect();
            let inner: Vec<_> = ring(5, r * 0.45, std::f32::consts::PI / 5.0).collect();
            polygon(
                cx,
                cy,
                outer.into_iter().zip(inner).flat_map(|(a, b)| [a, b]),
            )
        }
    }
}

/// The pattern's ink: white on dark fills, near-black on light ones.
fn ink(c: Color) -> [u8; 3] {
    let [r, g, b] = rgb(c);
    let luma = 0.299 * r as f32 + 0.587 * g as f32 + 0.114 * b as f32;
    if luma > 150.0 {
        [40, 40, 40]
    } else {
        [255, 255, 255]
    }
}

fn paint(c: [u8; 3]) -> Paint<'static> {
    let mut p = Paint::default();
    p.set_color_rgba8(c[0], c[1], c[2], 255);
    p.anti_alias = true;
    p
}

/// The pattern's marks around `(cx, cy)` within radius `r`: diagonal stripes or a dot lattice.
fn pattern_marks(p: Pattern, cx: f32, cy: f32, r: f32) -> Option<(Path, Transform)> {
    let mut pb = PathBuilder::new();
    match p {
        Pattern::Solid => None,
        Pattern::Striped => {
            let (period, width) = (10.0, 4.5);
            let mut x = -1.5 * r;
            while x < 1.5 * r {
                pb.push_rect(Rect::from_xywh(cx + x, cy - 1.5 * r, width, 3.0 * r)?);
                x += period;
            }
            Some((pb.finish()?, Transform::from_rotate_at(45.0, cx, cy)))
        }
        Pattern::Dotted => {
            let (period, dot) = (11.0, 2.8);
            let steps = (r / period).ceil() as i32;
            for i in -steps..=steps {
                for j in -steps..=steps {
                    let off = if j % 2 == 0 { 0.0 } else { period / 2.0 };
                    pb.push_circle(cx + i as f32 * period + off, cy + j as f32 * period, dot);
                }
            }
            Some((pb.finish()?, Transform::identity()))
        }
    }
}

/// Draws one object centred at `at` onto `pixmap` (source-over, anti-aliased); `halo`
/// strokes a background-coloured ring around it first.
fn draw_object(pixmap: &mut Pixmap, o: &Object, at: (f32, f32), halo: bool) {
    let Some(path) = outline(o, at) else { return };
    if halo {
        let stroke = tiny_skia::Stroke {
            width: HALO,
            line_join: tiny_skia::LineJoin::Round,
            ..Default::default()
        };
        pixmap.stroke_path(
            &path,
            &paint(BACKGROUND),
            &stroke,
            Transform::identity(),
            None,
        );
    }
    pixmap.fill_path(
        &path,
        &paint(rgb(o.color)),
        FillRule::Winding,
        Transform::identity(),
        None,
    );
    if let Some((marks, t)) = pattern_marks(o.pattern, at.0, at.1, radius(o.size)) {
        if let Some(mut clip) = Mask::new(pixmap.width(), pixmap.height()) {
            clip.fill_path(&path, FillRule::Winding, true, Transform::identity());
            pixmap.fill_path(
                &marks,
                &paint(ink(o.color)),
                FillRule::Winding,
                t,
                Some(&clip),
            );
        }
    }
}

fn canvas() -> Pixmap {
    #[allow(clippy::expect_used)] // a constant, non-zero size
    Pixmap::new(CANVAS, CANVAS).expect("non-zero canvas")
}

/// The order objects are drawn in: objects inside others last, each group in index order.
pub fn draw_order(scene: &Scene) -> Vec<usize> {
    let inner = inner(scene);
    let mut order: Vec<usize> = (0..scene.objects.len()).filter(|&i| !inner[i]).collect();
    order.extend((0..scene.objects.len()).filter(|&i| inner[i]));
    order
}

/// Renders a scene: RGB8, row-major, `CANVAS × CANVAS`.
pub fn render(scene: &Scene) -> Vec<u8> {
    let mut pm = canvas();
    pm.fill(tiny_skia::Color::from_rgba8(
        BACKGROUND[0],
        BACKGROUND[1],
        BACKGROUND[2],
        255,
    ));
    let (at, inner) = (centres(scene), inner(scene));
    for i in draw_order(scene) {
        draw_object(&mut pm, &scene.objects[i], at[i], inner[i]);
    }
    // opaque everywhere, so the premultiplied RGBA is plain RGBA
    pm.data()
        .chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect()
}

/// Object `i` of a scene drawn alone, where the scene draws it, on a transparent canvas:
/// premultiplied RGBA8, row-major. Its alpha channel is the object's pixel mask (coverage;
/// 0 = not touched; an inner object's halo included).
pub fn object_layer(scene: &Scene, i: usize) -> Vec<u8> {
    let mut pm = canvas();
    draw_object(
        &mut pm,
        &scene.objects[i],
        centres(scene)[i],
        inner(scene)[i],
    );
    pm.take()
}

/// Encodes an RGB8 `CANVAS × CANVAS` image as PNG (deterministic bytes).
pub fn encode_png(rgb: &[u8]) -> Result<Vec<u8>, image::ImageError> {
    use image::ImageEncoder;
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out).write_image(
        rgb,
        CANVAS,
        CANVAS,
        image::ExtendedColorType::Rgb8,
    )?;
    Ok(out)
}

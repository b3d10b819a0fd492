//! The world's acceptance checks: determinism, visibility and framing, relations on the
//! rendered geometry, and negatives that differ from their originals in exactly the edited
//! concepts, on the scene graphs and on per-object pixel masks.

use std::collections::BTreeSet;
use std::path::Path;

use clipprobe_bench::bench::{read_bench, Op, Scoring};
use clipprobe_world::render::{centres, draw_order, object_layer, render, CANVAS};
use clipprobe_world::scene::{Object, Relation, Scene, Size, Slot};
use clipprobe_world::{chain_of, ops, scene_of, write_benchmark, WorldConfig};

const W: usize = CANVAS as usize;

fn config(n: usize, depth: u32, seed: u64) -> WorldConfig {
    WorldConfig {
        n,
        seed,
        ops: Op::ALL.to_vec(),
        depth,
        objects: vec![1, 2, 3, 4],
    }
}

/// Pixel bounding box `[x0, y0, x1, y1]` (inclusive) of a layer's alpha, and its pixel count.
fn bbox(layer: &[u8]) -> Option<([usize; 4], usize)> {
    let mut b = [usize::MAX, usize::MAX, 0, 0];
    let mut count = 0;
    for (k, px) in layer.chunks_exact(4).enumerate() {
        if px[3] > 0 {
            let (x, y) = (k % W, k / W);
            b = [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)];
            count += 1;
        }
    }
    (count > 0).then_some((b, count))
}

/// Most pixels between two objects in contact (`next to`, `on top of`); objects related by a
/// direction (`left of`, ...) are further apart than this.
const CONTACT_PX: i64 = 4;

/// A rendered scene's objects: each one's layer (drawn alone where the scene draws it) and
/// pixel box.
struct Drawn {
    layers: Vec<Vec<u8>>,
    boxes: Vec<[usize; 4]>,
}

impl Drawn {
    fn of(s: &Scene, what: &str) -> Drawn {
        let layers: Vec<Vec<u8>> = (0..s.objects.len()).map(|i| object_layer(s, i)).collect();
        let boxes = layers
            .iter()
            .enumerate()
            .map(|(i, l)| {
                bbox(l)
                    .unwrap_or_else(|| panic!("{what}: object {i} drew nothing"))
                    .0
            })
            .collect();
        Drawn { layers, boxes }
    }

    /// The relation read off the pixels: the four directions on the boxes (strictly beside
    /// or above, overlapping on the other axis); `next to` and `on top of` the same with at
    /// most [`CONTACT_PX`] pixels between the boxes; `inside` when every pixel of the subject
    /// lies where the object is fully opaque.
    fn holds(&self, r: Relation, s: usize, o: usize) -> bool {
        let (a, b) = (self.boxes[s], self.boxes[o]);
        let overlap_y = a[1] <= b[3] && b[1] <= a[3];
        let overlap_x = a[0] <= b[2] && b[0] <= a[2];
        let gap = |lo: usize, hi: usize| hi as i64 - lo as i64 - 1;
        match r {
            Relation::LeftOf => a[2] < b[0] && overlap_y,
            Relation::RightOf => b[2] < a[0] && overlap_y,
            Relation::Above => a[3] < b[1] && overlap_x,
            Relation::Below => b[3] < a[1] && overlap_x,
            Relation::NextTo => {
                overlap_y
                    && ((a[2] < b[0] && gap(a[2], b[0]) <= CONTACT_PX)
                        || (b[2] < a[0] && gap(b[2], a[0]) <= CONTACT_PX))
            }
            Relation::OnTopOf => a[3] < b[1] && overlap_x && gap(a[3], b[1]) <= CONTACT_PX,
            Relation::Inside => {
                let (ls, lo) = (&self.layers[s], &self.layers[o]);
                (0..W * W).all(|k| ls[4 * k + 3] == 0 || lo[4 * k + 3] == 255)
            }
        }
    }
}

/// Every object is visible (enough of it is not covered by objects drawn after it), inside
/// the frame with a margin, overlaps no other object except the one it is inside, and every
/// relation holds on the pixels while no incompatible relation does. Returns the drawing.
fn check_geometry(s: &Scene, what: &str) -> Drawn {
    let d = Drawn::of(s, what);
    let inside: Vec<(usize, usize)> = s
        .relations
        .iter()
        .filter(|l| l.relation == Relation::Inside)
        .flat_map(|l| [(l.subject, l.object), (l.object, l.subject)])
        .collect();
    let order = draw_order(s);
    for (rank, &i) in order.iter().enumerate() {
        let later = &order[rank + 1..];
        let visible = (0..W * W)
            .filter(|&k| {
                d.layers[i][4 * k + 3] == 255 && later.iter().all(|&j| d.layers[j][4 * k + 3] == 0)
            })
            .count();
        let min = if s.objects[i].size == Size::Small {
            400
        } else {
            1400
        };
        assert!(visible >= min, "{what}: object {i} shows {visible} px");
        let b = d.boxes[i];
        assert!(
            b[0] > 0 && b[1] > 0 && b[2] < W - 1 && b[3] < W - 1,
            "{what}: object {i} touches the frame: {b:?}"
        );
    }
    for k in 0..W * W {
        let covering: Vec<usize> = (0..s.objects.len())
            .filter(|&i| d.layers[i][4 * k + 3] > 0)
            .collect();
        if let [x, y] = covering[..] {
            assert!(
                inside.contains(&(x, y)),
                "{what}: pixel {k} covered by {x} and {y}"
            );
        } else {
            assert!(
                covering.len() <= 1,
                "{what}: pixel {k} covered by {covering:?}"
            );
        }
    }
    for l in &s.relations {
        assert!(
            d.holds(l.relation, l.subject, l.object),
            "{what}: {l:?} false on {:?} {:?}",
            d.boxes[l.subject],
            d.boxes[l.object]
        );
        for other in Relation::ALL.iter().filter(|r| !r.compatible(l.relation)) {
            assert!(
                !d.holds(*other, l.subject, l.object),
                "{what}: {other:?} also true of {l:?}"
            );
        }
    }
    d
}

fn edited_objects(c: &ops::Chain, slots: &BTreeSet<Slot>) -> BTreeSet<usize> {
    let (a, b) = (&c.scenes[0], &c.scenes[c.scenes.len() - 1]);
    let mut e: BTreeSet<usize> = slots.iter().filter_map(|s| s.object()).collect();
    for s in slots {
        if let Slot::Relation(k) = s {
            e.insert(a.relations[*k].object); // replace_rel moves its object
        }
    }
    // nothing else changed in the graph
    for (i, (x, y)) in a.objects.iter().zip(&b.objects).enumerate() {
        if !e.contains(&i) {
            assert_eq!(x, y, "object {i} changed but was not edited");
        }
    }
    // and only objects in contact with an edited one may have moved on the canvas
    let (ca, cb) = (centres(a), centres(b));
    for (i, (p, q)) in ca.iter().zip(&cb).enumerate() {
        if p != q && !e.contains(&i) {
            // the subject of a contact relation whose object was edited, or of a replaced one
            let moves_with = |s: &Scene| {
                s.relations.iter().enumerate().any(|(k, l)| {
                    l.subject == i
                        && ((l.relation.is_contact() && e.contains(&l.object))
                            || slots.contains(&Slot::Relation(k)))
                })
            };
            let anchored = moves_with(a) || moves_with(b);
            assert!(anchored, "object {i} moved but nothing it rests on changed");
            e.insert(i);
        }
    }
    e
}

#[test]
fn same_seed_gives_the_same_bytes_and_another_seed_does_not() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let files = |root: &Path| -> Vec<(String, Vec<u8>)> {
        let mut v: Vec<_> = std::fs::read_dir(root.join("world"))
            .expect("world dir")
            .map(|e| {
                let p = e.expect("entry").path();
                (
                    p.file_name().expect("name").to_string_lossy().to_string(),
                    std::fs::read(&p).expect("read"),
                )
            })
            .collect();
        v.push((
            "bench.jsonl".into(),
            std::fs::read(root.join("bench.jsonl")).expect("bench"),
        ));
        v.sort();
        v
    };
    let cfg = config(5, 2, 9);
    let (a, b, c) = (
        tmp.path().join("a"),
        tmp.path().join("b"),
        tmp.path().join("c"),
    );
    write_benchmark(&cfg, &a).expect("a");
    write_benchmark(&cfg, &b).expect("b");
    write_benchmark(&config(5, 2, 10), &c).expect("c");
    let (fa, fb, fc) = (files(&a), files(&b), files(&c));
    assert!(fa.len() > 10, "{} files", fa.len());
    assert_eq!(fa, fb);
    assert_ne!(fa, fc);
    // a second run into the same root replaces world/ and leaves no staging folder behind
    write_benchmark(&cfg, &a).expect("again");
    assert_eq!(files(&a), fb);
    let leftovers: Vec<_> = std::fs::read_dir(&a)
        .expect("dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name())
        .filter(|n| n.to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn objects_are_visible_in_frame_and_relations_hold_on_pixels() {
    let cfg = config(40, 2, 1);
    let mut checked = 0;
    for i in 0..cfg.n {
        let (s, _) = scene_of(&cfg, i);
        check_geometry(&s, &format!("scene {i}"));
        for &op in &cfg.ops {
            if let Some(c) = chain_of(&cfg, i, op) {
                let last = c.scenes.last().expect("scene");
                check_geometry(last, &format!("scene {i} {op}"));
                checked += 1;
            }
        }
    }
    assert!(checked > 150, "{checked}");
    // every relation appears, and a replaced relation is false of the other image both ways
    let cfg = config(300, 1, 2);
    let (mut seen, mut replaced) = (BTreeSet::new(), BTreeSet::new());
    for i in 0..cfg.n {
        let (s, _) = scene_of(&cfg, i);
        seen.extend(s.relations.iter().map(|l| l.relation));
        let Some(c) = chain_of(&cfg, i, Op::ReplaceRel) else {
            continue;
        };
        let (a, b) = (&c.scenes[0], &c.scenes[1]);
        let what = format!("scene {i} replace_rel");
        let (da, db) = (check_geometry(a, &what), check_geometry(b, &what));
        for (la, lb) in a.relations.iter().zip(&b.relations) {
            if la.relation != lb.relation {
                replaced.insert((la.relation, lb.relation));
                assert!(!la.relation.compatible(lb.relation), "{what}");
                assert!(
                    !db.holds(la.relation, la.subject, la.object),
                    "{what}: {la:?} still true"
                );
                assert!(
                    !da.holds(lb.relation, lb.subject, lb.object),
                    "{what}: {lb:?} already true"
                );
            }
        }
    }
    assert_eq!(seen.len(), Relation::ALL.len(), "{seen:?}");
    for r in Relation::ALL {
        assert!(
            replaced.iter().any(|p| p.0 == *r),
            "{r:?} never replaced: {replaced:?}"
        );
        assert!(
            replaced.iter().any(|p| p.1 == *r),
            "{r:?} never a negative: {replaced:?}"
        );
    }
}

#[test]
fn negatives_differ_in_exactly_the_edited_concepts_on_graphs_and_pixels() {
    let mut per_op = std::collections::BTreeMap::new();
    for depth in [1, 3] {
        let cfg = config(30, depth, 4);
        for i in 0..cfg.n {
            for &op in &cfg.ops {
                let Some(c) = chain_of(&cfg, i, op) else {
                    continue;
                };
                *per_op.entry((op, depth)).or_insert(0) += 1;
                let what = format!("scene {i} {op} depth {depth}");
                // scene graphs: the depth proof
                let slots = ops::verify_chain(&c).unwrap_or_else(|e| panic!("{what}: {e}"));
                assert_eq!(c.steps.len(), depth as usize, "{what}");
                let (a, b) = (&c.scenes[0], c.scenes.last().expect("last"));
                // pixels: outside the edited objects' masks (before and after) nothing changes
                let edited = edited_objects(&c, &slots);
                let (ra, rb) = (render(a), render(b));
                let layer = |s: &Scene, i: usize| (i < s.objects.len()).then(|| object_layer(s, i));
                let mut inside = vec![false; W * W];
                for &e in &edited {
                    for l in [layer(a, e), layer(b, e)].into_iter().flatten() {
                        for (k, m) in inside.iter_mut().enumerate() {
                            *m |= l[4 * k + 3] > 0;
                        }
                    }
                    assert!(
                        layer(a, e) != layer(b, e),
                        "{what}: object {e} looks the same"
                    );
                }
                for k in (0..W * W).filter(|&k| !inside[k]) {
                    assert!(
                        ra[3 * k..3 * k + 3] == rb[3 * k..3 * k + 3],
                        "{what}: pixel {k} outside the edited objects changed"
                    );
                }
                // and each edited concept is visible in its own way
                for s in &slots {
                    let (la, lb) = match s.object() {
                        Some(o) => (layer(a, o), layer(b, o)),
                        None => (None, None),
                    };
                    let alpha = |l: &Option<Vec<u8>>| -> Vec<u8> {
                        l.iter()
                            .flat_map(|l| l.iter().skip(3).step_by(4).map(|&v| u8::from(v > 0)))
                            .collect()
                    };
                    match s {
                        Slot::Shape(_) | Slot::Size(_) => {
                            assert!(alpha(&la) != alpha(&lb), "{what}: {s:?} mask unchanged")
                        }
                        Slot::Color(o) | Slot::Pattern(o) => {
                            let reshaped = slots.contains(&Slot::Shape(*o))
                                || slots.contains(&Slot::Size(*o))
                                || centres(a)[*o] != centres(b)[*o];
                            if !reshaped {
                                assert!(alpha(&la) == alpha(&lb), "{what}: {s:?} changed the mask");
                            }
                        }
                        Slot::Object(_) => assert!(la.is_none() && lb.is_some(), "{what}"),
                        Slot::Relation(k) => {
                            let o = a.relations[*k].object;
                            assert_ne!(a.objects[o].cell, b.objects[o].cell, "{what}");
                        }
                    }
                }
            }
        }
    }
    for op in Op::ALL {
        for depth in [1, 3] {
            assert!(
                per_op.get(&(op, depth)).copied().unwrap_or(0) >= 5,
                "{op} at depth {depth}: {per_op:?}"
            );
        }
    }
}

#[test]
fn rows_are_winoground_rows_with_provenance() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let cfg = config(12, 2, 3);
    let (path, rows) = write_benchmark(&cfg, tmp.path()).expect("world");
    let back = read_bench(&path).expect("read back");
    assert_eq!(back, rows);
    for r in &rows {
        assert_eq!(r.scoring, Scoring::Winoground);
        assert_eq!(r.depth, 2);
        assert_eq!(r.edits.len(), 2);
        assert_ne!(r.caption, r.negative, "{}", r.id);
        assert_eq!(r.edits[0].op.name(), r.op);
        assert_eq!(r.edits[0].text_before, r.caption);
        assert_eq!(r.edits[1].text_after, r.negative);
        assert_eq!(r.edits[0].text_after, r.edits[1].text_before);
        for e in &r.edits {
            for ch in &e.changes {
                assert_eq!(e.text_before[ch.span[0]..ch.span[1]], ch.before, "{}", r.id);
                assert_eq!(
                    e.text_after[ch.new_span[0]..ch.new_span[1]],
                    ch.after,
                    "{}",
                    r.id
                );
                assert_ne!(ch.before, ch.after, "{}", r.id);
            }
        }
        for img in [&r.image, &r.negative_image] {
            let p = tmp.path().join(img.as_deref().expect("image"));
            let decoded = image::open(&p).expect("png");
            assert_eq!((decoded.width(), decoded.height()), (CANVAS, CANVAS));
        }
        let scene: Scene = serde_json::from_value(r.extra["scene"].clone()).expect("scene");
        let neg: Scene = serde_json::from_value(r.extra["negative_scene"].clone()).expect("neg");
        let slots = clipprobe_world::scene::diff(&scene, &neg).expect("diff");
        assert!(slots.len() >= 2, "{}: {slots:?}", r.id);
        assert_eq!(r.extra["objects"], serde_json::json!(scene.objects.len()));
        let _: Vec<Object> = scene.objects;
    }
}

#[test]
fn bad_configs_are_refused_before_any_output() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for (cfg, needle) in [
        (
            WorldConfig {
                n: 0,
                ..config(1, 1, 0)
            },
            "--n",
        ),
        (
            WorldConfig {
                depth: 9,
                ..config(1, 1, 0)
            },
            "--depth",
        ),
        (
            WorldConfig {
                objects: vec![5],
                ..config(1, 1, 0)
            },
            "--objects",
        ),
        (
            WorldConfig {
                ops: vec![],
                ..config(1, 1, 0)
            },
            "--ops",
        ),
        (
            WorldConfig {
                ops: vec![Op::SwapObj],
                objects: vec![1],
                ..config(3, 1, 0)
            },
            "applies",
        ),
    ] {
        let e = write_benchmark(&cfg, tmp.path())
            .expect_err(needle)
            .to_string();
        assert!(e.contains(needle), "{e}");
    }
    let left: Vec<_> = std::fs::read_dir(tmp.path()).expect("dir").collect();
    assert!(left.is_empty(), "partial output: {left:?}");
}

/// REPLACE_REL's (original, negative) relation pairs are as frequent one way as the other, so
/// neither the relation word of the caption nor of the negative tells a blind reader which is
/// true: over the generator's own scenes, each count `m[a][b]` of rows replacing `a` by `b`
/// matches `m[b][a]` within a binomial tolerance (under symmetry `m[a][b]` is
/// Binomial(`m[a][b] + m[b][a]`, 1/2)), and each relation is as often an original as a
/// negative.
#[test]
fn replace_rel_is_as_likely_backwards_as_forwards() {
    let cfg = WorldConfig {
        ops: vec![Op::ReplaceRel],
        ..config(40_000, 1, 0)
    };
    let ix = |r: Relation| {
        Relation::ALL
            .iter()
            .position(|&x| x == r)
            .expect("relation")
    };
    let k = Relation::ALL.len();
    let mut m = vec![vec![0f64; k]; k];
    for i in 0..cfg.n {
        let Some(c) = chain_of(&cfg, i, Op::ReplaceRel) else {
            continue;
        };
        for (la, lb) in c.scenes[0].relations.iter().zip(&c.scenes[1].relations) {
            if la.relation != lb.relation {
                m[ix(la.relation)][ix(lb.relation)] += 1.0;
            }
        }
    }
    let rows: f64 = m.iter().flatten().sum();
    assert!(rows > 5000.0, "{rows} rows");
    // |z| < 4: a false alarm has probability about 6e-5 per test under symmetry
    let z = |x: f64, y: f64| {
        if x + y == 0.0 {
            0.0
        } else {
            (x - y) / (x + y).sqrt()
        }
    };
    let name = |a: usize| Relation::ALL[a].word();
    for a in 0..k {
        for b in a + 1..k {
            let (x, y) = (m[a][b], m[b][a]);
            assert!(
                z(x, y).abs() < 4.0,
                "{} -> {}: {x}, back: {y}; matrix {m:?}",
                name(a),
                name(b)
            );
        }
        let (orig, neg) = (m[a].iter().sum(), m.iter().map(|row| row[a]).sum());
        assert!(
            z(orig, neg).abs() < 4.0,
            "{}: {orig} times an original, {neg} times a negative",
            name(a)
        );
    }
}

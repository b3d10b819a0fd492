//! Unit tests of the evaluation on small hand-made matrices. Expected values are derived
//! here from the definitions (docs/metrics.md), not from the code under test.

use std::path::PathBuf;

use super::*;
use crate::bench::{BenchRecord, ConceptKind, Scoring};

fn rec(id: &str, caption: &str, negative: &str, op: &str) -> BenchRecord {
    BenchRecord::new(id, caption, negative, op)
}

fn with_image(mut r: BenchRecord, image: &str) -> BenchRecord {
    r.image = Some(image.into());
    r
}

/// ITM row `k` of `op`: caption `ck`, negative `nk`, `image`.
fn itm_row(k: usize, op: &str, image: &str) -> BenchRecord {
    with_image(
        rec(&format!("r{k}"), &format!("c{k}"), &format!("n{k}"), op),
        image,
    )
}

fn unit(v: &[f32]) -> Vec<f32> {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.iter().map(|x| x / n).collect()
}

/// Embeddings for `prep.texts` / `prep.images` looked up by text / file name.
fn embed(
    prep: &Prepared,
    text: impl Fn(&str) -> Vec<f32>,
    image: impl Fn(&str) -> Vec<f32>,
) -> (Matrix, Option<Matrix>) {
    let t: Vec<Vec<f32>> = prep.texts.iter().map(|s| unit(&text(s))).collect();
    let t = Matrix::from_rows(&t).expect("texts");
    let i = if prep.images.is_empty() {
        None
    } else {
        let v: Vec<Vec<f32>> = prep
            .images
            .iter()
            .map(|p| unit(&image(&p.path.display().to_string())))
            .collect();
        Some(Matrix::from_rows(&v).expect("images"))
    };
    (t, i)
}

/// A caption-like (`c…`) or negative-like vector with a small per-text offset, so that no two
/// texts are equal (the anisotropy baseline and gap removal need distinct rows).
fn two_way(s: &str) -> Vec<f32> {
    let h = s
        .bytes()
        .fold(7u32, |a, b| a.wrapping_mul(31).wrapping_add(u32::from(b))) as f32;
    let (x, y) = if s.starts_with('c') {
        (1.0, 0.0)
    } else {
        (0.0, 1.0)
    };
    vec![x, y, 0.05 * h.sin(), 0.05 * h.cos()]
}

/// The image "good" lies near the captions' direction of [`two_way`], any other near the
/// negatives'.
fn good_or_bad(image: &str) -> Vec<f32> {
    if image == "good" {
        vec![1.0, 0.1, 0.0, 0.0]
    } else {
        vec![0.1, 1.0, 0.0, 0.0]
    }
}

fn prepared(rows: Vec<BenchRecord>) -> Prepared {
    Prepared::new(rows, Path::new("bench.jsonl"), "sha".into(), |s: &str| {
        PathBuf::from(s)
    })
    .expect("prepared")
}

fn cos(a: &[f64], b: &[f64]) -> f64 {
    let d: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na: f64 = a.iter().map(|x| x * x).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|x| x * x).sum::<f64>().sqrt();
    d / (na * nb)
}

#[test]
fn by_depth_means_use_every_row_of_the_depth() {
    // depth 2 has two rows with cosines 0.2 and 0.6: mean 0.4 (not either row alone)
    let mut a = rec("a", "c1", "n1", "swap_att");
    a.depth = 2;
    let mut b = rec("b", "c2", "n2", "swap_att");
    b.depth = 2;
    let c = rec("c", "c3", "n3", "swap_att");
    let prep = prepared(vec![a, b, c]);
    // captions e1, e3, e4; each negative at the given cosine, tilted towards e2
    let tilt = |axis: usize, c: f32| {
        let mut v = vec![0.0; 4];
        v[axis] = c;
        v[1] = (1.0 - c * c).sqrt();
        v
    };
    let (t, _) = embed(
        &prep,
        |s| match s {
            "c1" => tilt(0, 1.0),
            "c2" => tilt(2, 1.0),
            "c3" => tilt(3, 1.0),
            "n1" => tilt(0, 0.2),
            "n2" => tilt(2, 0.6),
            _ => tilt(3, 0.9),
        },
        |_| vec![],
    );
    let r = evaluate(&prep, &t, None, 0).expect("eval");
    let op = &r.ops["swap_att"];
    assert!((op.by_depth[&2].text_cosine_mean - 0.4).abs() < 1e-6);
    assert_eq!(op.by_depth[&2].pairs, 2);
    assert!((op.by_depth[&1].text_cosine_mean - 0.9).abs() < 1e-6);
    assert!((op.text_cosine.mean - (0.2 + 0.6 + 0.9) / 3.0).abs() < 1e-6);
    assert!(op.itm_accuracy.is_none() && op.itm_accuracy_ci.is_none());
    assert_eq!(op.itm_pairs, 0);
}

#[test]
fn winoground_scores_follow_the_two_images() {
    // i0 matches c0 and i1 matches c1: text, image and group all hold
    let mut r = rec("w", "c0", "c1", "wino");
    r.scoring = Scoring::Winoground;
    r.image = Some("i0".into());
    r.negative_image = Some("i1".into());
    // a text-only row so that the benchmark has two distinct true captions
    let other = rec("o", "x", "y", "other");
    let text = |s: &str| match s {
        "c0" => vec![1.0, 0.1, 0.0],
        "c1" => vec![0.1, 1.0, 0.0],
        "x" => vec![0.0, 0.2, 1.0],
        _ => vec![0.3, 0.0, 1.0],
    };
    let image = |p: &str| {
        if p == "i0" {
            vec![1.0, 0.2, 0.0]
        } else {
            vec![0.2, 1.0, 0.0]
        }
    };
    let prep = prepared(vec![r, other.clone()]);
    let (t, i) = embed(&prep, text, image);
    let res = evaluate(&prep, &t, i.as_ref(), 0).expect("eval");
    let w = res.ops["wino"].winoground.expect("scores");
    assert_eq!((w.text, w.image, w.group), (1.0, 1.0, 1.0));
    let p = pairs(&prep, "m", &t, i.as_ref()).expect("pairs");
    assert_eq!(p[0].correct, Some(true));
    // with the images the other way round every score is 0
    let mut r = prep.rows[0].clone();
    r.image = Some("i1".into());
    r.negative_image = Some("i0".into());
    let prep2 = prepared(vec![r, other]);
    let (t2, i2) = embed(&prep2, text, image);
    assert_eq!(wino_scores(&prep2, &t2, i2.as_ref()), (0.0, 0.0, 0.0));
}

/// Winoground row `k` of op `wino`: captions `ck` / `dk`, images `ik` / `jk`.
fn wino_row(k: usize) -> BenchRecord {
    let mut r = rec(&format!("w{k}"), &format!("c{k}"), &format!("d{k}"), "wino");
    r.scoring = Scoring::Winoground;
    r.image = Some(format!("i{k}"));
    r.negative_image = Some(format!("j{k}"));
    r
}

/// Winoground's (text, image, group) scores of op `wino`.
fn wino_scores(prep: &Prepared, t: &Matrix, i: Option<&Matrix>) -> (f64, f64, f64) {
    let w = evaluate(prep, t, i, 0).expect("eval").ops["wino"]
        .winoground
        .expect("scores");
    (w.text, w.image, w.group)
}

#[test]
fn token_sensitivity_is_one_minus_cosine() {
    let prep = prepared(vec![rec("a", "a red cube", "a blue cube", "replace_att")]);
    let abl = vec![
        Ablation {
            text_ix: 0,
            kind: ConceptKind::Attribute,
            text: "a cube".into(),
        },
        Ablation {
            text_ix: 0,
            kind: ConceptKind::Object,
            text: "a red".into(),
        },
    ];
    let texts = Matrix::from_rows(&[vec![1.0, 0.0], vec![0.0, 1.0]]).expect("m");
    // cos 0.8 for the attribute ablation, cos 0.3 for the object one
    let ablated =
        Matrix::from_rows(&[vec![0.8, 0.6], vec![0.3, (1.0f32 - 0.09).sqrt()]]).expect("m");
    let s = token_sensitivity(&abl, &texts, &ablated).expect("ts");
    assert!((s.attribute.expect("att").mean - 0.2).abs() < 1e-6);
    assert!((s.object.expect("obj").mean - 0.7).abs() < 1e-6);
    assert!(s.relation.is_none());
    let _ = prep;
    // row count mismatch is an error
    assert!(token_sensitivity(&abl[..1], &texts, &ablated).is_err());
}

/// A small benchmark with images where the modality gap matters: captions and negatives are
/// near each other, images offset along a shared direction.
fn gap_case() -> (Prepared, Matrix, Option<Matrix>) {
    let rows = vec![
        with_image(rec("a", "c0", "n0", "swap_obj"), "i0"),
        with_image(rec("b", "c1", "n1", "swap_obj"), "i1"),
        with_image(rec("c", "c2", "n2", "swap_obj"), "i2"),
        with_image(rec("d", "c3", "n3", "swap_obj"), "i3"),
    ];
    let prep = prepared(rows);
    let text = |s: &str| -> Vec<f32> {
        match s {
            "c0" => vec![1.0, 0.2, 0.1, 0.0],
            "n0" => vec![0.9, 0.5, 0.1, 0.0],
            "c1" => vec![0.1, 1.0, 0.3, 0.0],
            "n1" => vec![0.4, 0.9, 0.2, 0.0],
            "c2" => vec![0.2, 0.1, 1.0, 0.0],
            "n2" => vec![0.1, 0.4, 0.9, 0.0],
            "c3" => vec![0.6, 0.6, 0.2, 0.0],
            _ => vec![0.7, 0.4, 0.5, 0.0],
        }
    };
    let image = |p: &str| -> Vec<f32> {
        match p {
            "i0" => vec![0.8, 0.5, 0.1, 1.5],
            "i1" => vec![0.3, 0.9, 0.2, 1.5],
            "i2" => vec![0.1, 0.3, 0.8, 1.5],
            _ => vec![0.5, 0.5, 0.4, 1.5],
        }
    };
    let (t, i) = embed(&prep, text, image);
    (prep, t, i)
}

/// Gap-removed margins from the definition: images centred on the image mean, caption and
/// negative on the caption mean, renormalised.
fn gap_removed_by_hand(prep: &Prepared, t: &Matrix, i: &Matrix) -> Vec<f64> {
    let rows = |m: &Matrix, ix: Vec<usize>| -> Vec<Vec<f64>> {
        ix.into_iter()
            .map(|k| m.row(k).iter().map(|&x| f64::from(x)).collect())
            .collect()
    };
    let imgs = rows(i, prep.image_ix.iter().map(|x| x.expect("img")).collect());
    let caps = rows(t, prep.caption_ix.clone());
    let negs = rows(t, prep.negative_ix.clone());
    let mean = |v: &[Vec<f64>]| -> Vec<f64> {
        (0..v[0].len())
            .map(|d| v.iter().map(|r| r[d]).sum::<f64>() / v.len() as f64)
            .collect()
    };
    let (mi, mt) = (mean(&imgs), mean(&caps));
    let sub = |a: &[f64], b: &[f64]| -> Vec<f64> { a.iter().zip(b).map(|(x, y)| x - y).collect() };
    (0..imgs.len())
        .map(|k| {
            let ii = sub(&imgs[k], &mi);
            cos(&ii, &sub(&caps[k], &mt)) - cos(&ii, &sub(&negs[k], &mt))
        })
        .collect()
}

#[test]
fn gap_removed_accuracy_matches_its_definition() {
    let (prep, t, i) = gap_case();
    let img = i.as_ref().expect("images");
    let m = gap_removed_by_hand(&prep, &t, img);
    let expected = m.iter().filter(|&&x| x > 0.0).count() as f64 / m.len() as f64;
    let r = evaluate(&prep, &t, i.as_ref(), 0).expect("eval");
    let got = r.ops["swap_obj"].itm_accuracy_gap_removed.expect("acc");
    assert!(
        (got - expected).abs() < 1e-12,
        "{got} vs {expected} ({m:?})"
    );
    // the case must tell caption from negative: not all margins share a sign
    assert!(expected > 0.0 && expected < 1.0, "{m:?}");
    // raw accuracy from the definition too
    let raw: Vec<f64> = (0..4)
        .map(|k| {
            let f = |m: &Matrix, r: usize| -> Vec<f64> {
                m.row(r).iter().map(|&x| f64::from(x)).collect()
            };
            let ii = f(img, prep.image_ix[k].expect("img"));
            cos(&ii, &f(&t, prep.caption_ix[k])) - cos(&ii, &f(&t, prep.negative_ix[k]))
        })
        .collect();
    let acc = raw.iter().filter(|&&x| x > 0.0).count() as f64 / 4.0;
    assert!((r.ops["swap_obj"].itm_accuracy.expect("acc") - acc).abs() < 1e-12);
}

#[test]
fn pairs_hold_each_rows_cosines_and_outcome() {
    let (prep, t, i) = gap_case();
    let img = i.as_ref().expect("images");
    let p = pairs(&prep, "label", &t, i.as_ref()).expect("pairs");
    assert_eq!(p.len(), 4);
    for (k, row) in p.iter().enumerate() {
        let f =
            |m: &Matrix, r: usize| -> Vec<f64> { m.row(r).iter().map(|&x| f64::from(x)).collect() };
        let ii = f(img, prep.image_ix[k].expect("img"));
        let c = f(&t, prep.caption_ix[k]);
        let n = f(&t, prep.negative_ix[k]);
        assert_eq!(row.model, "label");
        assert_eq!(row.id, prep.rows[k].id);
        assert!((row.cos_caption_negative - cos(&c, &n)).abs() < 1e-6);
        assert!((row.cos_image_caption.expect("ic") - cos(&ii, &c)).abs() < 1e-6);
        assert!((row.cos_image_negative.expect("in") - cos(&ii, &n)).abs() < 1e-6);
        let margin = cos(&ii, &c) - cos(&ii, &n);
        assert!((row.margin.expect("m") - margin).abs() < 1e-6);
        assert_eq!(row.correct, Some(margin > 0.0));
        assert_eq!(row.csv_fields().len(), PAIRS_CSV_HEADER.len());
    }
    let r = evaluate(&prep, &t, i.as_ref(), 0).expect("eval");
    // worst failures: exactly the incorrect pairs, lowest margin first
    let mut wrong: Vec<(f64, &str)> = p
        .iter()
        .filter(|x| x.correct == Some(false))
        .map(|x| (x.margin.expect("m"), x.id.as_str()))
        .collect();
    wrong.sort_by(|a, b| a.0.total_cmp(&b.0));
    let worst: Vec<&str> = r.ops["swap_obj"]
        .worst
        .iter()
        .map(|w| w.id.as_str())
        .collect();
    assert_eq!(worst, wrong.iter().map(|w| w.1).collect::<Vec<_>>());
    assert!(!worst.is_empty());
}

#[test]
fn groups_average_their_subsets_with_equal_weight() {
    // replace_obj: 1 of 1 correct; replace_att: 1 of 3 correct → REPLACE = (1 + 1/3) / 2
    let mut rows = vec![with_image(rec("o", "co", "no", "replace_obj"), "good")];
    for (k, img) in ["good", "bad", "bad"].iter().enumerate() {
        rows.push(with_image(
            rec(
                &format!("a{k}"),
                &format!("ca{k}"),
                &format!("na{k}"),
                "replace_att",
            ),
            img,
        ));
    }
    let prep = prepared(rows);
    let (t, i) = embed(&prep, two_way, good_or_bad);
    let r = evaluate(&prep, &t, i.as_ref(), 5).expect("eval");
    let g = &r.groups["REPLACE"];
    assert_eq!(g.subsets, ["replace_obj", "replace_att"]);
    assert_eq!(g.pairs, 4);
    assert!((g.itm_accuracy.expect("acc") - (1.0 + 1.0 / 3.0) / 2.0).abs() < 1e-12);
    let ci = g.itm_accuracy_ci.expect("ci");
    assert!(ci.lo <= g.itm_accuracy.expect("acc") && g.itm_accuracy.expect("acc") <= ci.hi);
    assert!(!r.groups.contains_key("SWAP"));
    // the group's text cosine is the mean of its subsets' means (not of its pairs)
    let (o, a) = (&r.ops["replace_obj"], &r.ops["replace_att"]);
    let want = (o.text_cosine.mean + a.text_cosine.mean) / 2.0;
    assert!(
        (g.text_cosine_mean - want).abs() < 1e-12,
        "{} {want}",
        g.text_cosine_mean
    );
    // deterministic for a seed
    assert_eq!(evaluate(&prep, &t, i.as_ref(), 5).expect("eval"), r);
}

#[test]
fn accuracy_interval_agrees_with_the_normal_approximation() {
    // 2000 pairs, 1400 correct: the bootstrap percentile interval of a proportion is close to
    // p ± 1.96·sqrt(p(1−p)/n) (independent of the bootstrap code)
    let n = 2000;
    let rows: Vec<BenchRecord> = (0..n)
        .map(|k| itm_row(k, "swap_att", if k < 1400 { "good" } else { "bad" }))
        .collect();
    let prep = prepared(rows);
    let (t, i) = embed(&prep, two_way, good_or_bad);
    let r = evaluate(&prep, &t, i.as_ref(), 0).expect("eval");
    let op = &r.ops["swap_att"];
    assert_eq!(op.itm_pairs, n);
    let p = op.itm_accuracy.expect("acc");
    assert!((p - 0.7).abs() < 1e-12);
    let half = 1.96 * (p * (1.0 - p) / n as f64).sqrt();
    let ci = op.itm_accuracy_ci.expect("ci");
    assert!((ci.lo - (p - half)).abs() < 0.006, "{ci:?} vs ±{half}");
    assert!((ci.hi - (p + half)).abs() < 0.006, "{ci:?} vs ±{half}");
}

#[test]
fn shape_mismatches_are_errors() {
    let (prep, t, i) = gap_case();
    let short = t.select(&[0, 1]).expect("m");
    assert!(evaluate(&prep, &short, i.as_ref(), 0).is_err());
    assert!(
        evaluate(&prep, &t, None, 0).is_err(),
        "images are required when the rows have them"
    );
    assert!(pairs(&prep, "m", &short, i.as_ref()).is_err());
    // one image embedding too many or too few: named, not silently ignored
    let img = i.as_ref().expect("images");
    let extra = img.select(&[0, 1, 2, 3, 0]).expect("m");
    for m in [extra, img.select(&[0, 1, 2]).expect("m")] {
        for e in [
            evaluate(&prep, &t, Some(&m), 0).map(|_| ()),
            pairs(&prep, "m", &t, Some(&m)).map(|_| ()),
        ] {
            let e = e.expect_err("wrong image count").to_string();
            assert!(e.contains("unique images"), "{e}");
        }
    }
}

mod selection {
    use super::*;

    fn dir() -> tempfile::TempDir {
        let d = tempfile::tempdir().expect("tmp");
        std::fs::write(d.path().join("a.png"), b"x").expect("w");
        std::fs::create_dir(d.path().join("folder.png")).expect("d");
        d
    }

    fn rows() -> Vec<BenchRecord> {
        vec![
            with_image(rec("1", "c", "n", "swap_att"), "a.png"),
            with_image(rec("2", "c", "n", "swap_att"), "a.png"),
            with_image(rec("3", "c", "n", "add_obj"), "missing.png"),
            with_image(rec("4", "c", "n", "add_obj"), "folder.png"),
            rec("5", "c", "n", "add_obj"),
        ]
    }

    #[test]
    fn ops_and_limit_select_rows_per_op() {
        let d = dir();
        let sel = Selection {
            ops: Some(vec!["swap_att".into()]),
            limit: Some(1),
            skip_missing_images: false,
        };
        let s = select(rows(), &sel, Path::new("b.jsonl"), d.path()).expect("sel");
        assert_eq!(
            s.rows.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
            ["1"]
        );
        let sel = Selection {
            ops: Some(vec!["nope".into()]),
            ..Selection::default()
        };
        let e = select(rows(), &sel, Path::new("b.jsonl"), d.path()).expect_err("unknown op");
        assert!(e.to_string().contains("nope"), "{e}");
    }

    #[test]
    fn missing_images_fail_naming_the_row_or_are_skipped_and_recorded() {
        let d = dir();
        let e = select(
            rows(),
            &Selection::default(),
            Path::new("b.jsonl"),
            d.path(),
        )
        .expect_err("missing")
        .to_string();
        assert!(
            e.contains("b.jsonl") && e.contains("\"3\"") && e.contains("does not exist"),
            "{e}"
        );
        let sel = Selection {
            skip_missing_images: true,
            ..Selection::default()
        };
        let s = select(rows(), &sel, Path::new("b.jsonl"), d.path()).expect("sel");
        assert_eq!(
            s.rows.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
            ["1", "2", "5"]
        );
        assert_eq!(s.skipped.len(), 2);
        assert_eq!(s.skipped[1].reason, "is a folder, not an image file");
    }

    #[test]
    fn unreadable_and_special_files_are_told_apart_from_missing_ones() {
        let d = dir();
        let rows = vec![
            // a path through a regular file: not "missing" but unreadable (ENOTDIR)
            with_image(rec("under-file", "c", "n", "swap_att"), "a.png/x.png"),
            // a character device: exists, not a regular file
            with_image(rec("device", "c", "n", "swap_att"), "/dev/null"),
            with_image(rec("ok", "c", "n", "swap_att"), "a.png"),
        ];
        let sel = Selection {
            skip_missing_images: true,
            ..Selection::default()
        };
        let s = select(rows, &sel, Path::new("b.jsonl"), d.path()).expect("sel");
        let why: Vec<(&str, &str)> = s
            .skipped
            .iter()
            .map(|k| (k.id.as_str(), k.reason.as_str()))
            .collect();
        assert_eq!(
            why,
            [
                ("under-file", "cannot be read"),
                ("device", "is not a regular file")
            ]
        );
        assert_eq!(s.rows.len(), 1);
    }

    #[test]
    fn default_root_of_a_bare_file_name_is_the_current_folder() {
        assert_eq!(
            default_images_root(Path::new("b.jsonl")),
            PathBuf::from(".")
        );
        assert_eq!(
            default_images_root(Path::new("x/b.jsonl")),
            PathBuf::from("x")
        );
    }

    use std::path::Path;
}

#[test]
fn an_op_whose_negatives_embed_like_their_captions_is_not_an_error() {
    // the model cannot tell caption from negative (e.g. unknown words): alignment is
    // undefined and left out; accuracy counts the ties as wrong
    let (prep, _, i) = gap_case();
    let same = |s: &str| two_way(&s.replace('n', "c"));
    let t = embed(&prep, same, |_| vec![0.0; 4]).0;
    let r = evaluate(&prep, &t, i.as_ref(), 0).expect("eval");
    let op = &r.ops["swap_obj"];
    assert!(op.edit_gap_alignment.is_none());
    assert_eq!(op.itm_accuracy, Some(0.0));
    assert!((op.text_cosine.mean - 1.0).abs() < 1e-6);
}

#[test]
fn ties_count_as_failures_everywhere() {
    // the image is exactly as close to the negative as to the caption: margin 0 is wrong
    // (SugarCrepe), in the accuracy, its interval, the per-pair outcome and the worst list
    let rows = vec![
        with_image(rec("t", "c-tie", "n-tie", "swap_att"), "mid"),
        with_image(rec("w", "c-win", "n-win", "swap_att"), "win"),
    ];
    let prep = prepared(rows);
    let (t, i) = embed(
        &prep,
        |s| match s {
            "c-tie" => vec![1.0, 0.0, 0.0],
            "n-tie" => vec![0.0, 1.0, 0.0],
            "c-win" => vec![0.0, 0.0, 1.0],
            _ => vec![0.0, 1.0, 1.0],
        },
        |p| {
            if p == "mid" {
                vec![1.0, 1.0, 0.0]
            } else {
                vec![0.0, 0.0, 1.0]
            }
        },
    );
    let r = evaluate(&prep, &t, i.as_ref(), 0).expect("eval");
    let op = &r.ops["swap_att"];
    assert_eq!(op.itm_accuracy, Some(0.5));
    assert_eq!(op.worst.len(), 1);
    assert_eq!(op.worst[0].id, "t");
    assert_eq!(op.worst[0].margin, 0.0);
    let p = pairs(&prep, "m", &t, i.as_ref()).expect("pairs");
    assert_eq!(p[0].correct, Some(false));
    assert_eq!(p[1].correct, Some(true));
}

#[test]
fn intervals_collapse_on_unanimous_outcomes() {
    // images equal to their captions: every pair is right, before and after gap removal,
    // so both intervals are [1, 1]
    let caps = ["c1", "c2", "c3", "c4"];
    let rows: Vec<BenchRecord> = caps
        .iter()
        .map(|c| with_image(rec(c, c, &format!("n{c}"), "replace_att"), &format!("i{c}")))
        .collect();
    let prep = prepared(rows);
    let vec_of = |s: &str| -> Vec<f32> {
        let k = s.chars().last().and_then(|c| c.to_digit(10)).unwrap_or(0) as usize;
        let mut v = vec![0.1; 7];
        v[6] = 0.0;
        v[k] = 1.0;
        if s.starts_with('n') {
            v[5] = 1.0;
            v[k] = 0.2;
        }
        v
    };
    // images: their caption plus a shared offset (the modality gap)
    let (t, i) = embed(&prep, vec_of, |p| {
        let mut v = vec_of(&p[1..]);
        v[6] = 0.4;
        v
    });
    let r = evaluate(&prep, &t, i.as_ref(), 3).expect("eval");
    let op = &r.ops["replace_att"];
    assert_eq!(op.itm_accuracy, Some(1.0));
    assert_eq!(op.itm_accuracy_gap_removed, Some(1.0));
    let ci = op.itm_accuracy_ci.expect("ci");
    assert_eq!((ci.lo, ci.hi), (1.0, 1.0));
    let ci = op.itm_accuracy_gap_removed_ci.expect("ci");
    assert_eq!((ci.lo, ci.hi), (1.0, 1.0));
    assert!(op.worst.is_empty());
    assert!(
        r.modality_gap.is_some(),
        "4 matched pairs give a modality gap"
    );
    assert!(r.projection.is_some());
    assert!(op.edit_gap_alignment.is_some());
}

#[test]
fn winoground_needs_both_images_and_the_scoring() {
    // a Winoground-scored row without its second image is not a Winoground item; an itm row
    // with two images is not one either
    let mut w = with_image(rec("w", "c0", "c1", "wino"), "i0");
    w.scoring = Scoring::Winoground;
    let mut itm = with_image(rec("i", "c2", "c3", "wino"), "i0");
    itm.negative_image = Some("i1".into());
    let prep = prepared(vec![w, itm]);
    assert!(!prep.is_winoground(0) && !prep.is_winoground(1));
    let (t, i) = embed(&prep, two_way, |p| {
        if p == "i0" {
            vec![1.0, 0.2, 0.0, 0.0]
        } else {
            vec![0.2, 1.0, 0.0, 0.0]
        }
    });
    let r = evaluate(&prep, &t, i.as_ref(), 0).expect("eval");
    assert!(r.ops["wino"].winoground.is_none());
    assert_eq!(r.ops["wino"].itm_pairs, 1);
    // wrong number of image rows is an error
    let img = i.expect("images");
    let short = img.select(&[0]).expect("m");
    assert!(evaluate(&prep, &t, Some(&short), 0).is_err());
}

#[test]
fn word_ablations_remove_one_concept_per_text_for_the_first_captions() {
    let rows = vec![
        rec("a", "a white towel in a blue bathroom", "x", "replace_att"),
        rec("b", "a white towel in a blue bathroom", "y", "replace_att"),
        rec("c", "a dog on a red couch", "z", "replace_att"),
        // one concept and nothing else: removing it leaves no text, so no ablation
        rec("d", "dog", "cat", "replace_att"),
    ];
    let prep = prepared(rows);
    let all = word_ablations(&prep, 10);
    let dog = prep.texts.iter().position(|t| t == "dog").expect("dog");
    assert!(!all.iter().any(|a| a.text_ix == dog), "{all:?}");
    let first: Vec<&Ablation> = all.iter().filter(|a| a.text_ix == 0).collect();
    assert!(
        first
            .iter()
            .any(|a| a.kind == ConceptKind::Attribute && a.text == "a towel in a blue bathroom"),
        "{first:?}"
    );
    assert!(first.iter().any(|a| a.kind == ConceptKind::Object));
    for a in &all {
        assert_ne!(
            a.text, prep.texts[a.text_ix],
            "an ablation changes the caption"
        );
        assert!(!a.text.is_empty() && !a.text.starts_with(' ') && !a.text.contains("  "));
    }
    // the repeated caption is ablated once; a limit of 1 keeps only the first caption
    let once = all.iter().filter(|a| a.text_ix == 0).count();
    assert_eq!(
        word_ablations(&prep, 1).len(),
        once,
        "limit counts unique captions"
    );
    assert!(all
        .iter()
        .any(|a| prep.texts[a.text_ix] == "a dog on a red couch"));
    assert!(word_ablations(&prep, 0).is_empty());
}

#[test]
fn winoground_pair_outcomes_agree_with_the_metric() {
    // per-pair group outcomes from `pairs` against `metrics::winoground` on pseudo-random rows
    let n = 40;
    let mut rows = Vec::new();
    for k in 0..n {
        rows.push(wino_row(k));
    }
    let prep = prepared(rows);
    let noise = |s: &str| -> Vec<f32> {
        let mut h = s.bytes().fold(0x9e37_79b9u32, |a, b| {
            a.rotate_left(5) ^ u32::from(b).wrapping_mul(0x85eb_ca6b)
        });
        (0..5)
            .map(|_| {
                h = h.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (h >> 8) as f32 / (1u32 << 24) as f32 - 0.5
            })
            .collect()
    };
    let (t, i) = embed(&prep, noise, noise);
    let img = i.as_ref().expect("images");
    let p = pairs(&prep, "m", &t, i.as_ref()).expect("pairs");
    let sel = |m: &Matrix, ix: Vec<usize>| m.select(&ix).expect("select");
    let o = metrics::winoground(
        &sel(&t, prep.caption_ix.clone()),
        &sel(img, prep.image_ix.iter().map(|x| x.expect("i")).collect()),
        &sel(&t, prep.negative_ix.clone()),
        &sel(
            img,
            prep.negative_image_ix
                .iter()
                .map(|x| x.expect("j"))
                .collect(),
        ),
    )
    .expect("winoground");
    let mut groups = 0;
    for (row, out) in p.iter().zip(&o) {
        assert_eq!(row.correct, Some(out.group), "{}", row.id);
        groups += usize::from(out.group);
    }
    assert!(
        groups > 0 && groups < n,
        "the rows must mix outcomes: {groups}"
    );
    // and some rows hold the text side only / the image side only
    assert!(o.iter().any(|x| x.text && !x.image) && o.iter().any(|x| x.image && !x.text));
}

fn aro_row(i: usize, op: &str, class: &str, image: &str, bbox: [f64; 4]) -> BenchRecord {
    let mut r = with_image(
        rec(
            &format!("aro/{op}/{i}"),
            &format!("c{i}"),
            &format!("n{i}"),
            op,
        ),
        image,
    );
    r.source = Some("aro".into());
    r.extra
        .insert(aro::CLASS_FIELD.into(), serde_json::json!(class));
    r.extra.insert("bbox".into(), serde_json::json!(bbox));
    r
}

/// Image embeddings: `ok…` files prefer the caption (`c…`), others the negative.
fn ok_or_bad(s: &str) -> Vec<f32> {
    if s.starts_with("ok") {
        vec![1.0, 0.0, 0.0, 0.0]
    } else {
        vec![0.0, 1.0, 0.0, 0.0]
    }
}

#[test]
fn aro_rows_are_cropped_and_scored_by_macro_accuracy() {
    let b = [0.0, 0.0, 10.0, 10.0];
    let rows = vec![
        aro_row(0, "vg_relation", "on", "ok.jpg", b),
        aro_row(1, "vg_relation", "on", "ok.jpg", [1.0, 0.0, 10.0, 10.0]),
        aro_row(2, "vg_relation", "on", "bad.jpg", b),
        aro_row(3, "vg_relation", "holding", "ok.jpg", [0.0, 0.0, 5.0, 5.0]),
        // `near` is one of ARO's symmetric relations: left out of the macro accuracy
        aro_row(4, "vg_relation", "near", "bad.jpg", b),
        // x = 0.5 rounds half to even (Pillow): the same crop as row 2, one embedding
        aro_row(5, "vg_relation", "near", "bad.jpg", [0.5, 0.0, 10.0, 10.0]),
    ];
    let prep = prepared(rows);
    let crops: Vec<(String, Option<CropBox>)> = prep
        .images
        .iter()
        .map(|i| (i.path.display().to_string(), i.crop))
        .collect();
    assert_eq!(
        crops,
        [
            ("ok.jpg".to_string(), Some([0, 0, 10, 10])),
            ("ok.jpg".to_string(), Some([1, 0, 11, 10])),
            ("bad.jpg".to_string(), Some([0, 0, 10, 10])),
            ("ok.jpg".to_string(), Some([0, 0, 5, 5])),
        ]
    );
    assert_eq!(prep.image_ix[5], prep.image_ix[2]);
    let (t, i) = embed(&prep, two_way, ok_or_bad);
    let r = evaluate(&prep, &t, i.as_ref(), 1).expect("evaluate");
    let o = &r.ops["vg_relation"];
    // on: 2 of 3, holding: 1 of 1 → (2/3 + 1) / 2; micro: 3 of 6
    let m = o.macro_accuracy.as_ref().expect("macro accuracy");
    assert_eq!((m.classes, m.pairs, m.excluded_classes), (2, 4, 1));
    assert!((m.accuracy - 5.0 / 6.0).abs() < 1e-12, "{m:?}");
    assert_eq!(o.itm_accuracy, Some(0.5));
}

#[test]
fn aro_attribution_keeps_pairs_with_25_cases_and_other_sources_get_none() {
    // 25 cases of one attribute pair (all right), 24 of another (all wrong, left out)
    let mut rows: Vec<BenchRecord> = (0..25)
        .map(|i| {
            aro_row(
                i,
                "vg_attribution",
                "red_blue",
                "ok.jpg",
                [0.0, 0.0, 4.0, 4.0],
            )
        })
        .collect();
    let b = [0.0, 0.0, 3.0, 3.0];
    rows.extend((25..49).map(|i| aro_row(i, "vg_attribution", "big_small", "bad.jpg", b)));
    let prep = prepared(rows.clone());
    let (t, i) = embed(&prep, two_way, ok_or_bad);
    let o = &evaluate(&prep, &t, i.as_ref(), 1).expect("evaluate").ops["vg_attribution"];
    let m = o.macro_accuracy.as_ref().expect("macro accuracy");
    assert_eq!(
        (m.classes, m.pairs, m.excluded_classes, m.accuracy),
        (1, 25, 1, 1.0)
    );
    assert!((o.itm_accuracy.expect("micro") - 25.0 / 49.0).abs() < 1e-12);

    // the same rows not imported from ARO: no ARO protocol
    for r in &mut rows {
        r.source = Some("elsewhere".into());
    }
    let prep = prepared(rows);
    let (t, i) = embed(&prep, two_way, ok_or_bad);
    let o = &evaluate(&prep, &t, i.as_ref(), 1).expect("evaluate").ops["vg_attribution"];
    assert_eq!(o.macro_accuracy, None);
}

#[test]
fn a_bad_bbox_is_an_error_naming_the_row_and_field() {
    let r = aro_row(7, "vg_relation", "on", "ok.jpg", [3.0, 0.0, 0.4, 5.0]);
    let prep = Prepared::new(vec![r], Path::new("b.jsonl"), "sha".into(), |s: &str| {
        PathBuf::from(s)
    });
    match prep {
        Err(Error::Row {
            row,
            field,
            message,
            ..
        }) => {
            assert_eq!(
                (row.as_str(), field.as_str()),
                ("aro/vg_relation/7", "bbox")
            );
            assert!(message.contains("leaves no pixel"), "{message}");
        }
        other => panic!("expected a row error, got {other:?}"),
    }
}

#[test]
fn an_op_of_exact_ties_has_zero_accuracy_and_zero_intervals() {
    // each negative embeds exactly like its caption: every margin is 0, before and after gap
    // removal (both texts get the same shift), and a tie is a failure in the intervals too
    let rows: Vec<BenchRecord> = (0..4)
        .map(|k| itm_row(k, "swap_obj", &format!("i{k}")))
        .collect();
    let prep = prepared(rows);
    let by_index = |s: &str| {
        let k = f32::from(s.as_bytes()[1] - b'0');
        vec![1.0, k, 0.5 * k * k, 0.3]
    };
    let (t, i) = embed(&prep, by_index, |s| {
        let mut v = by_index(s);
        v[3] = 2.0;
        v
    });
    let o = &evaluate(&prep, &t, i.as_ref(), 3).expect("eval").ops["swap_obj"];
    let zero = Interval { lo: 0.0, hi: 0.0 };
    assert_eq!(o.itm_accuracy, Some(0.0));
    assert_eq!(o.itm_accuracy_ci, Some(zero));
    assert_eq!(o.itm_accuracy_gap_removed, Some(0.0));
    assert_eq!(o.itm_accuracy_gap_removed_ci, Some(zero));
    // no row carries a second true caption: no SugarCrepe++ scores
    assert_eq!(o.sugarcrepe_pp, None);
}

#[test]
fn winoground_pair_ties_are_failures_on_each_side() {
    // four rows, each with exactly one tie among the four comparisons and the other three
    // strict: (caption, negative, image, negative image); 0.6 / 0.8 components make the two
    // tied cosines equal bit for bit
    let cases: [[[f32; 3]; 4]; 4] = [
        // cos(i, c) = cos(i, n): text side tied
        [
            [0.6, 0.8, 0.0],
            [0.6, 0.0, 0.8],
            [1.0, 0.0, 0.0],
            [0.0, 0.0, 1.0],
        ],
        // cos(j, n) = cos(j, c): text side tied
        [
            [0.8, 0.0, 0.6],
            [0.0, 0.8, 0.6],
            [1.0, 0.0, 0.0],
            [0.0, 0.0, 1.0],
        ],
        // cos(i, c) = cos(j, c): image side tied
        [
            [1.0, 0.0, 0.0],
            [0.0, 0.0, 1.0],
            [0.6, 0.8, 0.0],
            [0.6, 0.0, 0.8],
        ],
        // cos(j, n) = cos(i, n): image side tied
        [
            [0.0, 1.0, 0.0],
            [1.0, 0.0, 0.0],
            [0.6, 0.8, 0.0],
            [0.6, 0.0, 0.8],
        ],
    ];
    let rows: Vec<BenchRecord> = (0..4).map(wino_row).collect();
    let prep = prepared(rows);
    let slot = |s: &str| match s.as_bytes()[0] {
        b'c' => 0,
        b'd' => 1,
        b'i' => 2,
        _ => 3,
    };
    let v = |s: &str| cases[usize::from(s.as_bytes()[1] - b'0')][slot(s)].to_vec();
    let (t, i) = embed(&prep, v, v);
    let p = pairs(&prep, "m", &t, i.as_ref()).expect("pairs");
    for (k, row) in p.iter().enumerate() {
        assert_eq!(row.correct, Some(false), "case {k}: {row:?}");
    }
    let tied = |a: Option<f64>, b: Option<f64>| a.is_some() && a == b;
    assert!(tied(p[0].cos_image_caption, p[0].cos_image_negative));
    assert!(tied(
        p[1].cos_negative_image_negative,
        p[1].cos_negative_image_caption
    ));
    assert!(tied(
        p[2].cos_image_caption,
        p[2].cos_negative_image_caption
    ));
    assert!(tied(
        p[3].cos_negative_image_negative,
        p[3].cos_image_negative
    ));
    assert_eq!(wino_scores(&prep, &t, i.as_ref()), (0.5, 0.5, 0.0));
}

#[test]
fn aro_excluded_relations_are_aros_list() {
    let l = aro::excluded_relations();
    assert_eq!(l.len(), 157);
    assert!(l.contains(&"near") && l.contains(&"on the side of") && l.contains(&"adjusting"));
    assert!(!l.contains(&"on") && !l.contains(&"holding"));
}

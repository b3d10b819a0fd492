//! Metrics against independent NumPy values: `data/metrics_reference.json`, written by
//! `data/metrics_reference.py` (full cosine matrices, `np.percentile`, `np.histogram`,
//! `np.linalg.solve`, `np.linalg.eigh`).

use clipprobe_metrics::{
    accuracy, anisotropy_baseline, edit_gap_alignment, gap_direction, itm_margins,
    itm_margins_gap_removed, linear_probe_accuracy, linear_probe_scores, modality_gap,
    pair_cosines, pca_projection, remove_gap, winoground, Histogram, Matrix, Summary,
    WinogroundOutcome,
};
use serde_json::Value;

fn reference() -> Value {
    let p = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/metrics_reference.json"
    );
    serde_json::from_slice(&std::fs::read(p).expect("reference file")).expect("reference json")
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
}

fn matrix(v: &Value) -> Matrix {
    let rows: Vec<Vec<f32>> = v
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| floats(r).into_iter().map(|x| x as f32).collect())
        .collect();
    Matrix::from_rows(&rows).expect("matrix")
}

/// A JSON matrix (array of rows) as one row-major vector.
fn rows_flat(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("rows")
        .iter()
        .flat_map(floats)
        .collect()
}

fn close(a: f64, b: f64, tol: f64, what: &str) {
    assert!((a - b).abs() <= tol, "{what}: {a} vs numpy {b}");
}

fn close_all(a: &[f64], b: &[f64], tol: f64, what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        close(*x, *y, tol, &format!("{what}[{i}]"));
    }
}

#[test]
fn summary_and_histogram_match_numpy() {
    let r = reference();
    let values = floats(&r["values"]);
    let s = Summary::of(&values).expect("summary");
    let e = &r["summary"];
    assert_eq!(s.n as u64, e["n"].as_u64().expect("n"));
    for (name, v) in s.fields() {
        close(v, e[name].as_f64().expect(name), 1e-12, name);
    }
    let h = Histogram::new(&values, -1.0, 1.0, 8).expect("histogram");
    let expected: Vec<u64> = r["histogram_8"]
        .as_array()
        .expect("counts")
        .iter()
        .map(|c| c.as_u64().expect("count"))
        .collect();
    assert_eq!(h.counts, expected);
    assert_eq!(h.clamped, 0);
}

#[test]
fn text_side_matches_numpy() {
    let r = reference();
    let (caps, negs) = (matrix(&r["captions"]), matrix(&r["negatives"]));
    let c = pair_cosines(&caps, &negs).expect("cosines");
    close_all(&c, &floats(&r["pair_cosines"]), 1e-12, "pair cosines");
    let b = anisotropy_baseline(&caps, 1000, 0).expect("baseline");
    close(
        b,
        r["anisotropy_all_pairs"].as_f64().expect("b"),
        1e-12,
        "anisotropy",
    );
}

#[test]
fn image_text_accuracy_matches_numpy() {
    let r = reference();
    let (img, caps, negs) = (
        matrix(&r["images"]),
        matrix(&r["captions"]),
        matrix(&r["negatives"]),
    );
    let m = itm_margins(&img, &caps, &negs).expect("margins");
    close_all(&m, &floats(&r["itm_margins"]), 1e-12, "margins");
    assert_eq!(
        accuracy(&m).expect("acc"),
        r["itm_accuracy"].as_f64().expect("acc")
    );
    // gap removal goes through f32 rows, hence the looser tolerance
    let g = itm_margins_gap_removed(&img, &caps, &negs).expect("gap removed");
    close_all(
        &g,
        &floats(&r["itm_margins_gap_removed"]),
        1e-6,
        "gap-removed margins",
    );
    assert_eq!(
        accuracy(&g).expect("acc"),
        r["itm_accuracy_gap_removed"].as_f64().expect("acc")
    );
}

#[test]
fn modality_gap_matches_numpy() {
    let r = reference();
    let (img, caps) = (matrix(&r["images"]), matrix(&r["captions"]));
    let g = serde_json::to_value(modality_gap(&img, &caps).expect("gap")).expect("json");
    let e = r["modality_gap"].as_object().expect("gap");
    assert_eq!(g.as_object().expect("obj").len(), e.len(), "same fields");
    for (k, v) in e {
        close(g[k].as_f64().expect(k), v.as_f64().expect(k), 1e-12, k);
    }
}

#[test]
fn linear_probe_matches_numpy_per_held_out_score() {
    let r = reference();
    let (img, caps) = (matrix(&r["images"]), matrix(&r["captions"]));
    let scores = linear_probe_scores(&img, &caps).expect("scores");
    let want = r["linear_probe_scores"].as_array().expect("scores");
    assert_eq!(scores.len(), want.len());
    for (i, (got, w)) in scores.iter().zip(want).enumerate() {
        let w = floats(w);
        close(got[0], w[0], 1e-9, &format!("image {i}"));
        close(got[1], w[1], 1e-9, &format!("text {i}"));
    }
    assert_eq!(
        linear_probe_accuracy(&img, &caps).expect("probe"),
        r["modality_gap"]["linear_probe_accuracy"]
            .as_f64()
            .expect("acc")
    );
}

#[test]
fn gap_removal_and_edit_alignment_match_numpy() {
    let r = reference();
    let (img, caps, negs) = (
        matrix(&r["images"]),
        matrix(&r["captions"]),
        matrix(&r["negatives"]),
    );
    let (ri, rt) = remove_gap(&img, &caps).expect("remove");
    let as64 = |m: &Matrix| m.data.iter().map(|&x| x as f64).collect::<Vec<_>>();
    close_all(
        &as64(&ri),
        &rows_flat(&r["remove_gap_image"]),
        1e-7,
        "centred images",
    );
    close_all(
        &as64(&rt),
        &rows_flat(&r["remove_gap_text"]),
        1e-7,
        "centred texts",
    );
    let g = gap_direction(&img, &caps).expect("direction");
    close_all(&g, &floats(&r["gap_direction"]), 1e-12, "gap direction");
    let a = edit_gap_alignment(&caps, &negs, &g).expect("alignment");
    assert_eq!((a.pairs, a.zero_edits), (12, 0));
    let cos = Summary::of(&floats(&r["edit_abs_cosine"])).expect("s");
    let share = Summary::of(&floats(&r["edit_energy_share"])).expect("s");
    for ((name, x), (_, y)) in a.abs_cosine.fields().into_iter().zip(cos.fields()) {
        close(x, y, 1e-12, &format!("abs cosine {name}"));
    }
    for ((name, x), (_, y)) in a.energy_share.fields().into_iter().zip(share.fields()) {
        close(x, y, 1e-12, &format!("energy share {name}"));
    }
}

#[test]
fn projection_matches_numpy_eigh() {
    let r = reference();
    let (img, caps) = (matrix(&r["images"]), matrix(&r["captions"]));
    let p = pca_projection(&img, &caps, 500).expect("pca");
    let flat = |v: &[[f64; 2]]| v.iter().flatten().copied().collect::<Vec<_>>();
    close_all(
        &flat(&p.image),
        &rows_flat(&r["pca_image"]),
        1e-8,
        "image coords",
    );
    close_all(
        &flat(&p.text),
        &rows_flat(&r["pca_text"]),
        1e-8,
        "text coords",
    );
    close_all(
        &p.explained_variance,
        &floats(&r["pca_explained"]),
        1e-10,
        "explained",
    );
}

#[test]
fn winoground_matches_numpy() {
    let r = reference();
    let w = &r["winoground_inputs"];
    let o = winoground(
        &matrix(&w["c0"]),
        &matrix(&w["i0"]),
        &matrix(&w["c1"]),
        &matrix(&w["i1"]),
    )
    .expect("winoground");
    let expected: Vec<WinogroundOutcome> = r["winoground_outcomes"]
        .as_array()
        .expect("outcomes")
        .iter()
        .map(|t| WinogroundOutcome {
            text: t[0].as_bool().expect("b"),
            image: t[1].as_bool().expect("b"),
            group: t[2].as_bool().expect("b"),
        })
        .collect();
    assert_eq!(o, expected);
}

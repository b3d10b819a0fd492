//! End to end: `clipprobe world` → `clipprobe eval` on the tiny fixture checkpoint. The
//! report's Winoground text / image / group scores, per op and in the world splits (by
//! concept kind, scene size and depth, with ITM), are recomputed here from `clipprobe embed`
//! outputs with straightforward code.

use std::collections::BTreeMap;

use super::common::{bin, dot, embed, model, ok};
use clipprobe_probe::bench::{read_bench, Scoring};

#[test]
fn world_then_eval_reports_group_scores_that_match_embeddings() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let world = dir.join("world-bench");
    // The fixture checkpoint knows ~30 words and 14 tokens of context: two-object scenes and
    // edits that stay inside that window give negatives it can tell apart (`eval` refuses a
    // benchmark whose negatives all embed exactly like their captions).
    ok(
        bin()
            .args([
                "--quiet",
                "world",
                "--n",
                "6",
                "--seed",
                "5",
                "--objects",
                "2",
            ])
            .args(["--ops", "replace_att,swap_att,replace_rel"])
            .arg("--out")
            .arg(&world)
            .output()
            .expect("run world"),
        "world",
    );
    let bench = world.join("bench.jsonl");
    let rows = read_bench(&bench).expect("bench");
    assert!(rows.iter().all(|r| r.scoring == Scoring::Winoground));

    let out = dir.join("report");
    ok(
        bin()
            .args(["--quiet", "eval", "--model"])
            .arg(model())
            .arg("--bench")
            .arg(&bench)
            .arg("--out")
            .arg(&out)
            .arg("--cache-dir")
            .arg(dir.join("cache"))
            .output()
            .expect("run eval"),
        "eval",
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).expect("read"))
            .expect("json");

    // independent embeddings
    let mut texts: Vec<String> = Vec::new();
    let mut images: Vec<String> = Vec::new();
    for r in &rows {
        for t in [&r.caption, &r.negative] {
            if !texts.contains(t) {
                texts.push(t.clone());
            }
        }
        for i in [&r.image, &r.negative_image] {
            let p = world
                .join(i.as_deref().expect("image"))
                .display()
                .to_string();
            if !images.contains(&p) {
                images.push(p);
            }
        }
    }
    let temb = embed(dir, "texts", "--texts", &texts);
    let iemb = embed(dir, "images", "--images", &images);
    let t = |s: &str| &temb[texts.iter().position(|x| x == s).expect("text")];
    let img = |p: &Option<String>| {
        let full = world
            .join(p.as_deref().expect("image"))
            .display()
            .to_string();
        &iemb[images.iter().position(|x| *x == full).expect("image")]
    };

    let mut by_op: BTreeMap<&str, Vec<[bool; 3]>> = BTreeMap::new();
    // the report's world splits: (dimension, key) -> [ITM, text, image, group] outcomes
    let mut splits: BTreeMap<(&str, String), Vec<[bool; 4]>> = BTreeMap::new();
    for r in &rows {
        let (c0, c1, i0, i1) = (
            t(&r.caption),
            t(&r.negative),
            img(&r.image),
            img(&r.negative_image),
        );
        let text = dot(c0, i0) > dot(c1, i0) && dot(c1, i1) > dot(c0, i1);
        let image = dot(c0, i0) > dot(c0, i1) && dot(c1, i1) > dot(c1, i0);
        by_op
            .entry(r.op.as_str())
            .or_default()
            .push([text, image, text && image]);
        let itm = dot(c0, i0) > dot(c1, i0);
        let kind = serde_json::to_value(r.edits[0].kind).expect("kind");
        assert!(r.edits.iter().all(|e| e.kind == r.edits[0].kind));
        for key in [
            ("by_kind", kind.as_str().expect("kind").to_string()),
            ("by_objects", r.extra["objects"].to_string()),
            ("by_depth", r.depth.to_string()),
        ] {
            splits
                .entry(key)
                .or_default()
                .push([itm, text, image, text && image]);
        }
    }
    let world_splits = &report["results"][0]["world"];
    assert_eq!(world_splits["pairs"], rows.len());
    for ((dim, key), outcomes) in &splits {
        let got = &world_splits[*dim][key.as_str()];
        let reported = [
            &got["itm_accuracy"],
            &got["winoground"]["text"],
            &got["winoground"]["image"],
            &got["winoground"]["group"],
        ];
        for (k, v) in reported.iter().enumerate() {
            let want = outcomes.iter().filter(|o| o[k]).count() as f64 / outcomes.len() as f64;
            let v = v.as_f64().unwrap_or_else(|| panic!("{dim} {key}: {got}"));
            assert!((want - v).abs() < 1e-12, "{dim} {key} [{k}]: {want} vs {v}");
        }
        assert_eq!(got["pairs"], outcomes.len(), "{dim} {key}");
    }
    assert!(splits.keys().any(|(d, _)| *d == "by_kind"));
    let ops = report["results"][0]["ops"].as_object().expect("ops");
    assert_eq!(ops.len(), by_op.len(), "{:?}", ops.keys());
    for (op, outcomes) in &by_op {
        // the world's by-op split resamples with the op table's streams: same intervals
        assert_eq!(
            ops[*op]["winoground_ci"], world_splits["by_op"][*op]["winoground_ci"],
            "{op}"
        );
        let got = &ops[*op]["winoground"];
        for (k, name) in ["text", "image", "group"].iter().enumerate() {
            let want = outcomes.iter().filter(|o| o[k]).count() as f64 / outcomes.len() as f64;
            let reported = got[name].as_f64().unwrap_or_else(|| panic!("{op}: {got}"));
            assert!(
                (want - reported).abs() < 1e-12,
                "{op} {name}: recomputed {want}, report {reported}"
            );
        }
    }
    // matched pairs: every (image, its caption) of the world
    assert!(report["results"][0]["modality_gap"]["l2m"]
        .as_f64()
        .is_some());
    let md = std::fs::read_to_string(out.join("report.md")).expect("md");
    assert!(
        md.to_lowercase().contains("group"),
        "report.md shows group scores"
    );
}

#[test]
fn bad_world_flags_exit_2_without_output() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("w");
    let run = bin()
        .args(["world", "--n", "3", "--ops", "swap_obj", "--objects", "1"])
        .arg("--out")
        .arg(&out)
        .output()
        .expect("run");
    assert_eq!(run.status.code(), Some(2));
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(err.contains("applies"), "{err}");
    assert!(!out.join("bench.jsonl").exists() && !out.join("world").exists());
}

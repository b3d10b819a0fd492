//! `clipprobe compare`: merges report folders; refuses different benchmarks unless asked,
//! and unknown report versions, with exit code 2 and a message saying why.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

use clipprobe_probe::metrics::{Histogram, Summary};
use clipprobe_probe::report::{
    write_report, BenchmarkInfo, DepthResult, ModelInfo, ModelResult, OpResult, Report,
};

/// A one-model report over a benchmark with hash `sha`, whose text cosines are `cos`.
fn write_one(dir: &Path, model: &str, sha: &str, cos: &[f64]) {
    let s = Summary::of(cos).expect("summary");
    let op = OpResult {
        pairs: cos.len(),
        text_cosine: s,
        text_cosine_hist: Histogram::cosine(cos).expect("hist"),
        text_cosine_normalized_mean: (s.mean - 0.5) / 0.5,
        itm_accuracy: Some(0.75),
        itm_pairs: cos.len(),
        itm_accuracy_ci: None,
        itm_accuracy_gap_removed_ci: None,
        macro_accuracy: None,
        winoground_ci: None,
        worst: Vec::new(),
        itm_margin: None,
        itm_accuracy_gap_removed: None,
        edit_gap_alignment: None,
        by_depth: BTreeMap::from([(
            1,
            DepthResult {
                pairs: cos.len(),
                text_cosine_mean: s.mean,
                itm_accuracy: Some(0.75),
            },
        )]),
        winoground: None,
        sugarcrepe_pp: None,
    };
    let result = ModelResult {
        label: String::new(),
        groups: BTreeMap::new(),
        published: None,
        world: None,
        model: model.into(),
        revision: "0123456789abcdef".into(),
        benchmark_sha256: sha.into(),
        settings: BTreeMap::new(),
        ops: BTreeMap::from([("swap_att".to_string(), op)]),
        anisotropy_baseline: 0.5,
        modality_gap: None,
        token_sensitivity: None,
        projection: None,
    };
    let info = ModelInfo {
        label: String::new(),
        id: model.into(),
        revision: result.revision.clone(),
        dtype: "f32".into(),
        device: "cpu".into(),
        meta: None,
    };
    let bench = BenchmarkInfo {
        path: "bench.jsonl".into(),
        sha256: sha.into(),
        rows: cos.len(),
        ops: BTreeMap::from([("swap_att".to_string(), cos.len())]),
        selection: Default::default(),
        skipped: Vec::new(),
    };
    std::fs::create_dir_all(dir).expect("mkdir");
    write_report(
        dir,
        &Report::new(bench, vec![info], vec![result]).expect("report"),
        None,
    )
    .expect("write");
}

fn compare(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clipprobe"))
        .arg("compare")
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run clipprobe")
}

fn failure(out: &Output, needles: &[&str]) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    for n in needles {
        assert!(stderr.contains(n), "{n:?} not in: {stderr}");
    }
}

#[test]
fn merges_two_folders_with_differences_against_the_first() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let sha = "aa".repeat(32);
    write_one(&tmp.path().join("a"), "org/base", &sha, &[0.8, 0.9]);
    write_one(&tmp.path().join("b"), "org/large", &sha, &[0.6, 0.7]);
    let out = compare(tmp.path(), &["a", "b/report.json", "--out", "merged"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("into merged"), "{err}");
    assert!(
        !err.contains("2/report"),
        "the count is not a folder: {err}"
    );
    let v: serde_json::Value = serde_json::from_slice(
        &std::fs::read(tmp.path().join("merged/report.json")).expect("merged json"),
    )
    .expect("json");
    assert_eq!(v["results"].as_array().expect("results").len(), 2);
    assert_eq!(v["comparison"]["baseline"]["model"], "org/base");
    let d = v["comparison"]["deltas"][0]["ops"]["swap_att"]["text_cosine_mean"]
        .as_f64()
        .expect("delta");
    assert!((d - (0.65 - 0.85)).abs() < 1e-12, "{d}");
    for f in ["report.md", "report.html"] {
        assert!(tmp.path().join("merged").join(f).is_file(), "{f}");
    }
}

#[test]
fn different_benchmarks_need_the_flag() {
    let tmp = tempfile::tempdir().expect("tempdir");
    write_one(
        &tmp.path().join("a"),
        "org/base",
        &"aa".repeat(32),
        &[0.8, 0.9],
    );
    write_one(
        &tmp.path().join("b"),
        "org/large",
        &"bb".repeat(32),
        &[0.6, 0.7],
    );
    let out = compare(tmp.path(), &["a", "b", "--out", "m"]);
    failure(&out, &["different", "--allow-different-benchmarks"]);
    assert!(!tmp.path().join("m").exists(), "nothing written on refusal");
    let out = compare(
        tmp.path(),
        &["a", "b", "--out", "m", "--allow-different-benchmarks"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("different benchmark files"));
    let md = std::fs::read_to_string(tmp.path().join("m/report.md")).expect("md");
    assert!(md.contains("**Warning:**"), "{md}");
}

#[test]
fn unknown_report_version_and_missing_folder_fail_clearly() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let sha = "aa".repeat(32);
    write_one(&tmp.path().join("a"), "org/base", &sha, &[0.8, 0.9]);
    write_one(&tmp.path().join("b"), "org/large", &sha, &[0.6, 0.7]);
    let p = tmp.path().join("b/report.json");
    let text = std::fs::read_to_string(&p).expect("read");
    std::fs::write(
        &p,
        text.replacen("\"schema_version\": 2", "\"schema_version\": 9", 1),
    )
    .expect("w");
    failure(
        &compare(tmp.path(), &["a", "b", "--out", "m"]),
        &["b/report.json", "unsupported schema_version 9"],
    );
    failure(
        &compare(tmp.path(), &["a", "nope", "--out", "m"]),
        &["nope"],
    );
}

/// One model at two dtypes is two results, labelled apart; the same model, revision and
/// dtype twice is refused.
#[test]
fn one_model_at_two_dtypes_merges() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let sha = "aa".repeat(32);
    write_one(&tmp.path().join("a"), "org/base", &sha, &[0.8, 0.9]);
    write_one(&tmp.path().join("b"), "org/base", &sha, &[0.6, 0.7]);
    let out = compare(tmp.path(), &["a", "b", "--out", "same"]);
    failure(&out, &["appears twice"]);
    let p = tmp.path().join("b/report.json");
    let text = std::fs::read_to_string(&p).expect("read");
    std::fs::write(
        &p,
        text.replace("\"dtype\": \"f32\"", "\"dtype\": \"bf16\""),
    )
    .expect("w");
    let out = compare(tmp.path(), &["a", "b", "--out", "m"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = std::fs::read_to_string(tmp.path().join("m/report.md")).expect("md");
    assert!(md.contains("(bf16)") && md.contains("(f32)"), "{md}");
}

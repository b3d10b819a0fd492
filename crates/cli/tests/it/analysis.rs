//! `clipprobe tokens` and `clipprobe gap` on the tiny fixture checkpoint, checked against
//! embeddings written by `clipprobe embed` and formulas recomputed here by hand.

use std::path::Path;

use clipprobe_probe::formats::read_npy_f32;

use super::common::{bin, dot, embed, fixtures, model, ok};

fn embed_texts(dir: &Path, texts: &[&str]) -> Vec<Vec<f64>> {
    let items: Vec<String> = texts.iter().map(|t| t.to_string()).collect();
    embed(dir, "t", "--texts", &items)
}

#[test]
fn token_removal_matches_embedding_the_shortened_caption() {
    // the fixture tokenizer is word-level, so removing token k = removing word k
    let caption = "a red cube on top of a blue sphere";
    let out = ok(
        bin()
            .args(["--quiet", "tokens", "--json", "--no-cache", "--model"])
            .arg(model())
            .args(["--caption", caption])
            .output()
            .expect("tokens"),
        "tokens",
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let toks = v["tokens"].as_array().expect("tokens");
    let words: Vec<&str> = caption.split(' ').collect();
    assert_eq!(toks.len(), words.len());
    let mut texts = vec![caption.to_string()];
    for k in 0..words.len() {
        let mut w = words.clone();
        w.remove(k);
        texts.push(w.join(" "));
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let e = embed_texts(tmp.path(), &refs);
    for (k, t) in toks.iter().enumerate() {
        assert_eq!(t["token"].as_str(), Some(words[k]), "{t}");
        let expected = 1.0 - dot(&e[0], &e[k + 1]);
        let got = t["remove"].as_f64().expect("remove");
        assert!(
            (got - expected).abs() < 1e-5,
            "token {k}: {got} vs {expected}"
        );
        let mask = t["mask"].as_f64().expect("mask");
        assert!((0.0..=2.0).contains(&mask));
    }
    // the table form prints one line per token after the header
    let table = ok(
        bin()
            .args(["--quiet", "tokens", "--no-cache", "--model"])
            .arg(model())
            .args(["--caption", caption])
            .output()
            .expect("tokens"),
        "tokens",
    );
    assert_eq!(
        String::from_utf8_lossy(&table.stdout).lines().count(),
        words.len() + 1
    );
}

#[test]
fn gap_command_matches_hand_computed_l2m_and_names_bad_lines() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let pairs = [
        ("a red cube on top of a blue sphere", "rgb_160x120.png"),
        ("the dog is chasing the cat", "rgb_97x41.png"),
        ("a horse is eating grass near the barn", "gray_40x33.png"),
    ];
    let mut lines = String::new();
    for (c, i) in pairs {
        std::fs::copy(fixtures().join("preprocess/images").join(i), dir.join(i)).expect("copy");
        lines.push_str(&format!("{{\"image\": \"{i}\", \"caption\": \"{c}\"}}\n"));
    }
    std::fs::write(dir.join("pairs.jsonl"), &lines).expect("write");
    let out = dir.join("gap.json");
    ok(
        bin()
            .args(["--quiet", "gap", "--no-cache", "--model"])
            .arg(model())
            .arg("--pairs")
            .arg(dir.join("pairs.jsonl"))
            .arg("--out")
            .arg(&out)
            .output()
            .expect("gap"),
        "gap",
    );
    let g: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&out).expect("read")).expect("json");

    let t = embed_texts(dir, &pairs.map(|p| p.0));
    let list = dir.join("i.txt");
    std::fs::write(&list, pairs.map(|p| p.1).join("\n")).expect("write");
    ok(
        bin()
            .args(["--quiet", "embed", "--normalize", "--model"])
            .arg(model())
            .arg("--images")
            .arg(&list)
            .arg("--out")
            .arg(dir.join("i.npy"))
            .output()
            .expect("embed"),
        "embed",
    );
    let (_, cols, data) = read_npy_f32(&dir.join("i.npy")).expect("npy");
    let im: Vec<Vec<f64>> = data
        .chunks(cols)
        .map(|r| r.iter().map(|&v| v as f64).collect())
        .collect();
    let diff: Vec<f64> = (0..cols)
        .map(|j| (0..3).map(|k| im[k][j] - t[k][j]).sum::<f64>() / 3.0)
        .collect();
    let l2m = dot(&diff, &diff).sqrt();
    let got = g["modality_gap"]["l2m"].as_f64().expect("l2m");
    assert!((l2m - got).abs() < 1e-5, "{l2m} vs {got}");
    let l2i: f64 = (0..3)
        .map(|k| {
            let d: Vec<f64> = (0..cols).map(|j| im[k][j] - t[k][j]).collect();
            dot(&d, &d).sqrt()
        })
        .sum::<f64>()
        / 3.0;
    assert!((l2i - g["modality_gap"]["l2i"].as_f64().expect("l2i")).abs() < 1e-5);

    // a missing image is named with its line, and nothing is written
    std::fs::write(
        dir.join("bad.jsonl"),
        lines.replace("gray_40x33.png", "nope.png"),
    )
    .expect("write");
    let bad = dir.join("bad.json");
    let o = bin()
        .args(["--quiet", "gap", "--no-cache", "--model"])
        .arg(model())
        .arg("--pairs")
        .arg(dir.join("bad.jsonl"))
        .arg("--out")
        .arg(&bad)
        .output()
        .expect("gap");
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("bad.jsonl:3") && err.contains("nope.png"),
        "{err}"
    );
    assert!(!bad.exists());
}

//! `clipprobe tokens` and `clipprobe gap` on the tiny fixture checkpoint, checked against
//! embeddings written by `clipprobe embed` and formulas recomputed here by hand.

use std::path::Path;

use clipprobe_probe::formats::read_npy_f32;

use super::common::{bin, dot, embed, fixtures, model, ok};

fn embed_texts(dir: &Path, texts: &[&str]) -> Vec<Vec<f64>> {
    let items: Vec<String> = texts.iter().map(|t| t.to_string()).collect();
    embed(dir, "t", "--texts", &items)
}

/// `clipprobe tokens --json` of `caption` with `model`.
fn tokens_json(model: &Path, caption: &str) -> serde_json::Value {
    let out = ok(
        bin()
            .args(["--quiet", "tokens", "--json", "--no-cache", "--model"])
            .arg(model)
            .args(["--caption", caption])
            .output()
            .expect("tokens"),
        "tokens",
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

#[test]
fn token_removal_matches_embedding_the_shortened_caption() {
    // the fixture tokenizer is word-level, so removing token k = removing word k
    let caption = "a red cube on top of a blue sphere";
    let v = tokens_json(&model(), caption);
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

/// Issue 9, finding 12: `gap` checks where its output goes before it loads the model (here a
/// folder that does not exist, which would fail with another message).
#[test]
fn gap_checks_the_output_before_the_model() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    std::fs::copy(
        fixtures().join("preprocess/images/rgb_97x41.png"),
        dir.join("a.png"),
    )
    .expect("copy");
    std::fs::write(
        dir.join("pairs.jsonl"),
        "{\"image\": \"a.png\", \"caption\": \"a cat\"}\n\
         {\"image\": \"a.png\", \"caption\": \"a dog\"}\n",
    )
    .expect("write");
    let out = bin()
        .args([
            "--quiet",
            "gap",
            "--no-cache",
            "--model",
            "dir:no-such-model",
        ])
        .arg("--pairs")
        .arg(dir.join("pairs.jsonl"))
        .arg("--out")
        .arg(dir.join("nowhere/gap.json"))
        .output()
        .expect("gap");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("nowhere") && err.contains("does not exist"),
        "{err}"
    );
    assert!(!err.contains("no-such-model"), "{err}");
}

/// `tokens` on SigLIP 2's Gemma tokenizer (no BOS): every token but the final EOS is
/// analysed, the first one included, and every removal and masking moves the embedding.
#[test]
fn tokens_on_a_sentencepiece_tokenizer_without_bos() {
    let siglip2 = fixtures().join("families/siglip2");
    let caption = "a cat on the mat";
    let v = tokens_json(&siglip2, caption);
    let toks = v["tokens"].as_array().expect("tokens");
    // the ids end with <eos> (1) and start with a text token: the token strings spell the
    // caption
    assert_eq!(toks[0]["position"], 0, "{v}");
    let text: String = toks
        .iter()
        .map(|t| t["token"].as_str().expect("token").replace('\u{2581}', " "))
        .collect();
    assert_eq!(text, caption, "{v}");
    assert!(toks.iter().all(|t| t["id"] != 1), "EOS analysed: {v}");
    for t in toks {
        let (r, m) = (t["remove"].as_f64(), t["mask"].as_f64());
        assert!(
            matches!((r, m), (Some(r), Some(m)) if r > 0.0 && m > 0.0),
            "{t}"
        );
    }
}

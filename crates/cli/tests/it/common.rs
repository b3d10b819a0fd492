//! Helpers shared by the CLI integration tests that run the binary on the fixture checkpoint.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use clipprobe_probe::formats::read_npy_f32;

/// The built `clipprobe` binary.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_clipprobe"))
}

/// The clip crate's test fixtures.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../clip/tests/fixtures")
}

/// The tiny fixture checkpoint (word-level tokenizer, argmax pooling).
pub fn model() -> PathBuf {
    let m = fixtures().join("tiny-argmax");
    assert!(
        m.join("config.json").is_file(),
        "fixture checkpoint missing: {}",
        m.display()
    );
    m
}

/// Asserts the command succeeded, showing its output otherwise.
pub fn ok(out: Output, what: &str) -> Output {
    assert!(
        out.status.success(),
        "{what} failed ({:?}):\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// L2-normalised embeddings of `items` (captions with `--texts`, image paths with `--images`)
/// written by `clipprobe embed --normalize` into `dir/NAME.npy`.
pub fn embed(dir: &Path, name: &str, flag: &str, items: &[String]) -> Vec<Vec<f64>> {
    let list = dir.join(format!("{name}.txt"));
    std::fs::write(&list, items.join("\n") + "\n").expect("write list");
    let npy = dir.join(format!("{name}.npy"));
    ok(
        bin()
            .args(["--quiet", "embed", "--normalize", "--model"])
            .arg(model())
            .arg(flag)
            .arg(&list)
            .arg("--out")
            .arg(&npy)
            .output()
            .expect("run embed"),
        "embed",
    );
    let (rows, cols, data) = read_npy_f32(&npy).expect("read npy");
    assert_eq!(rows, items.len());
    data.chunks(cols)
        .map(|r| r.iter().map(|&v| v as f64).collect())
        .collect()
}

/// Dot product (= cosine of normalised rows).
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

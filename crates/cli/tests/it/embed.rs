//! `clipprobe embed`: bad inputs fail with a clear message, exit code 2, no panic and no
//! output; good inputs give an `.npy` of the right shape and a sidecar.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A complete tiny checkpoint in `dir/model`: the random-weight CLIP the model tests commit
/// (`tiny-argmax`: config + weights), the preprocessing config of the `clip32` fixture, and a
/// word-level `tokenizer.json` written here (BOS 998, EOS 999, as in that fixture).
fn fixture_model(dir: &Path) -> PathBuf {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../clip/tests/fixtures");
    let m = dir.join("model");
    std::fs::create_dir(&m).expect("mkdir");
    for (from, name) in [
        ("tiny-argmax/config.json", "config.json"),
        ("tiny-argmax/model.safetensors", "model.safetensors"),
        (
            "preprocess/configs/clip32/preprocessor_config.json",
            "preprocessor_config.json",
        ),
    ] {
        std::fs::copy(fixtures.join(from), m.join(name)).expect(from);
    }
    let words = ["a", "red", "blue", "cube", "sphere", "left", "of"];
    let mut vocab = serde_json::Map::new();
    vocab.insert("<unk>".into(), 0.into());
    vocab.insert("<pad>".into(), 1.into());
    for (i, w) in words.iter().enumerate() {
        vocab.insert((*w).into(), (i + 3).into());
    }
    vocab.insert(BOS.into(), 998.into());
    vocab.insert(EOS.into(), 999.into());
    let special = |id: u32, content: &str| {
        serde_json::json!({"id": id, "content": content, "single_word": false, "lstrip": false,
            "rstrip": false, "normalized": false, "special": true})
    };
    let tok = |t: &str| serde_json::json!({"SpecialToken": {"id": t, "type_id": 0}});
    let seq = |s: &str| serde_json::json!({"Sequence": {"id": s, "type_id": 0}});
    let tokenizer = serde_json::json!({
        "version": "1.0",
        "truncation": null,
        "padding": null,
        "added_tokens": [special(998, BOS), special(999, EOS)],
        "normalizer": {"type": "Lowercase"},
        "pre_tokenizer": {"type": "Whitespace"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [tok(BOS), seq("A"), tok(EOS)],
            "pair": [tok(BOS), seq("A"), tok(EOS), seq("B"), tok(EOS)],
            "special_tokens": {
                BOS: {"id": BOS, "ids": [998], "tokens": [BOS]},
                EOS: {"id": EOS, "ids": [999], "tokens": [EOS]}
            }
        },
        "decoder": null,
        "model": {"type": "WordLevel", "vocab": vocab, "unk_token": "<unk>"}
    });
    std::fs::write(m.join("tokenizer.json"), tokenizer.to_string()).expect("tokenizer");
    m
}

const BOS: &str = "<|startoftext|>";
const EOS: &str = "<|endoftext|>";

/// Runs `clipprobe embed ARGS` in `cwd`, isolated from the network and the user's cache.
fn embed(cwd: &Path, args: &[&str]) -> Output {
    embed_with_offline_env(cwd, args, "1")
}

/// [`embed`] with `HF_HUB_OFFLINE` set to `offline`.
fn embed_with_offline_env(cwd: &Path, args: &[&str], offline: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clipprobe"))
        .arg("embed")
        .args(args)
        .current_dir(cwd)
        .env("HF_HUB_OFFLINE", offline)
        .env("HF_HUB_CACHE", cwd.join("hf-cache"))
        .env_remove("HF_HOME")
        .env_remove("HF_ENDPOINT")
        .output()
        .expect("run clipprobe")
}

/// Asserts a failure the way users should see it: exit code 2, every `needle` in stderr, no
/// panic, nothing on stdout, and no output file (nor a leftover temporary file).
fn assert_clean_failure(out: &Output, cwd: &Path, needles: &[&str]) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.lines().any(|l| l.starts_with("error: ")), "{stderr}");
    for n in needles {
        assert!(stderr.contains(n), "{n:?} not in: {stderr}");
    }
    assert!(out.stdout.is_empty());
    let leftovers: Vec<String> = std::fs::read_dir(cwd)
        .expect("ls")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".npy") || n.ends_with(".json") || n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "left behind: {leftovers:?}");
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write");
    p
}

#[test]
fn missing_model_folder() {
    let tmp = tempfile::tempdir().expect("tempdir");
    write(tmp.path(), "caps.txt", b"a red cube\n");
    let out = embed(
        tmp.path(),
        &[
            "--model",
            "dir:no-such-model",
            "--texts",
            "caps.txt",
            "--out",
            "o.npy",
        ],
    );
    assert_clean_failure(&out, tmp.path(), &["no-such-model", "does not exist"]);

    let out = embed(
        tmp.path(),
        &[
            "--model",
            "./no-such-model",
            "--texts",
            "caps.txt",
            "--out",
            "o.npy",
        ],
    );
    assert_clean_failure(&out, tmp.path(), &["no such folder ./no-such-model"]);
}

#[test]
fn model_folder_without_weights_names_the_file() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let m = tmp.path().join("m");
    std::fs::create_dir(&m).expect("mkdir");
    write(&m, "config.json", b"{}");
    write(tmp.path(), "caps.txt", b"a red cube\n");
    let out = embed(
        tmp.path(),
        &["-m", "m", "--texts", "caps.txt", "-o", "o.npy"],
    );
    assert_clean_failure(&out, tmp.path(), &["missing model.safetensors"]);
}

#[test]
fn uncached_hub_model_offline_names_the_missing_files() {
    let tmp = tempfile::tempdir().expect("tempdir");
    write(tmp.path(), "caps.txt", b"a red cube\n");
    let out = embed(
        tmp.path(),
        &["-m", "hf:org/model", "--texts", "caps.txt", "-o", "o.npy"],
    );
    assert_clean_failure(
        &out,
        tmp.path(),
        &["org/model@main", "config.json", "HF_HUB_CACHE"],
    );
}

#[test]
fn missing_caption_file() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = embed(
        tmp.path(),
        &["-m", "dir:m", "--texts", "absent.txt", "-o", "o.npy"],
    );
    assert_clean_failure(&out, tmp.path(), &["--texts absent.txt", "absent.txt:"]);
}

#[test]
fn empty_caption_file() {
    let tmp = tempfile::tempdir().expect("tempdir");
    write(tmp.path(), "caps.txt", b"\n   \n");
    let out = embed(
        tmp.path(),
        &["-m", "dir:m", "--texts", "caps.txt", "-o", "o.npy"],
    );
    assert_clean_failure(&out, tmp.path(), &["caps.txt", "no captions"]);
}

#[test]
fn non_utf8_caption_line_is_named() {
    let tmp = tempfile::tempdir().expect("tempdir");
    write(tmp.path(), "caps.txt", b"a red cube\nbad \xff byte\n");
    let out = embed(
        tmp.path(),
        &["-m", "dir:m", "--texts", "caps.txt", "-o", "o.npy"],
    );
    assert_clean_failure(&out, tmp.path(), &["caps.txt:2", "UTF-8"]);
}

#[test]
fn missing_image_in_a_list_is_named_with_its_line() {
    let tmp = tempfile::tempdir().expect("tempdir");
    write(tmp.path(), "list.txt", b"\nimgs/absent.png\n");
    let out = embed(
        tmp.path(),
        &["-m", "dir:m", "--images", "list.txt", "-o", "o.npy"],
    );
    assert_clean_failure(&out, tmp.path(), &["list.txt:2", "absent.png"]);
}

/// Issue 9, finding 12: the sidecar's place is checked with the `.npy`'s, before the model
/// (here a folder that does not exist) is looked at.
#[test]
fn a_folder_in_the_sidecars_place_is_refused_before_the_model() {
    let tmp = tempfile::tempdir().expect("tempdir");
    write(tmp.path(), "caps.txt", b"a red cube\n");
    std::fs::create_dir(tmp.path().join("o.npy.json")).expect("mkdir");
    let out = embed(
        tmp.path(),
        &[
            "-m",
            "dir:no-such-model",
            "--texts",
            "caps.txt",
            "-o",
            "o.npy",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("o.npy.json") && stderr.contains("is a folder"),
        "{stderr}"
    );
    assert!(!stderr.contains("no-such-model"), "{stderr}");
    assert!(!tmp.path().join("o.npy").exists());
}

#[test]
fn missing_output_folder_and_conflicting_revision() {
    let tmp = tempfile::tempdir().expect("tempdir");
    write(tmp.path(), "caps.txt", b"a red cube\n");
    let out = embed(
        tmp.path(),
        &["-m", "dir:m", "--texts", "caps.txt", "-o", "nowhere/o.npy"],
    );
    assert_clean_failure(&out, tmp.path(), &["nowhere", "does not exist"]);
    let out = embed(
        tmp.path(),
        &[
            "-m",
            "org/model@v1",
            "--revision",
            "v2",
            "--texts",
            "caps.txt",
            "-o",
            "o.npy",
        ],
    );
    assert_clean_failure(&out, tmp.path(), &["--revision v2", "@v1"]);
}

#[test]
fn cuda_request_is_checked_before_loading() {
    let tmp = tempfile::tempdir().expect("tempdir");
    write(tmp.path(), "caps.txt", b"a red cube\n");
    let out = embed(
        tmp.path(),
        &[
            "-m", "dir:m", "--texts", "caps.txt", "-o", "o.npy", "--device", "cuda",
        ],
    );
    // This test binary is built without candle's CUDA support (the workspace has no cuda
    // feature), so the request must be refused with a clear message.
    assert_clean_failure(&out, tmp.path(), &["--device cuda", "without CUDA support"]);
}

#[test]
fn truncated_image_is_named() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let model = fixture_model(tmp.path());
    std::fs::create_dir(tmp.path().join("imgs")).expect("mkdir");
    // A PNG signature and the start of an IHDR chunk, then nothing.
    write(
        &tmp.path().join("imgs"),
        "cut.png",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00",
    );
    let out = embed(
        tmp.path(),
        &[
            "-m",
            model.to_str().expect("utf-8"),
            "--images",
            "imgs",
            "-o",
            "o.npy",
        ],
    );
    assert_clean_failure(&out, tmp.path(), &["cut.png"]);
}

/// Writes `caps` to `cwd/caps.txt`, embeds it with `model` into `cwd/o.npy` (plus `extra`
/// flags), asserts success and returns stderr.
fn embed_captions(cwd: &Path, model: &Path, caps: &str, extra: &[&str]) -> String {
    write(cwd, "caps.txt", caps.as_bytes());
    let mut args = vec![
        "-m",
        model.to_str().expect("utf-8"),
        "--texts",
        "caps.txt",
        "-o",
        "o.npy",
    ];
    args.extend_from_slice(extra);
    let out = embed(cwd, &args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    stderr
}

#[test]
fn texts_happy_path_writes_npy_and_sidecar() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let model = fixture_model(tmp.path());
    let long = vec!["cube"; 200].join(" ");
    let caps = format!("a red cube\n\na blue sphere left of a cube\n{long}\n");
    let stderr = embed_captions(
        tmp.path(),
        &model,
        &caps,
        &["--normalize", "--batch-size", "2"],
    );
    assert!(
        stderr.contains("truncated") && stderr.contains("line(s) 4"),
        "{stderr}"
    );

    let bytes = std::fs::read(tmp.path().join("o.npy")).expect("npy written");
    assert_eq!(&bytes[..6], b"\x93NUMPY");
    let hlen = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    let header = std::str::from_utf8(&bytes[10..10 + hlen]).expect("header");
    let config: serde_json::Value =
        serde_json::from_slice(&std::fs::read(model.join("config.json")).expect("config"))
            .expect("json");
    let dim = config["projection_dim"].as_u64().expect("projection_dim") as usize;
    assert!(header.contains(&format!("'shape': (3, {dim})")), "{header}");
    let data: Vec<f32> = bytes[10 + hlen..]
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    assert_eq!(data.len(), 3 * dim);
    for row in data.chunks_exact(dim) {
        let n: f32 = row.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((n - 1.0).abs() < 1e-4, "row norm {n}");
    }

    let side: serde_json::Value = serde_json::from_slice(
        &std::fs::read(tmp.path().join("o.npy.json")).expect("sidecar written"),
    )
    .expect("sidecar json");
    assert_eq!(side["schema_version"], 1);
    assert_eq!(side["kind"], "text");
    assert_eq!(side["count"], 3);
    assert_eq!(side["dim"], dim);
    assert_eq!(side["normalized"], true);
    assert_eq!(side["lines"], serde_json::json!([1, 3, 4]));
    assert_eq!(side["skipped_blank_lines"], serde_json::json!([2]));
    assert_eq!(side["truncated"]["lines"], serde_json::json!([4]));
    assert_eq!(side["model"]["revision"], serde_json::Value::Null);
    assert_eq!(side["input"]["kind"], "caption_file");
    assert_eq!(side["input"]["sha256"].as_str().map(str::len), Some(64));
}

/// An uncompressed 24-bit BMP of `w`×`h` pixels coloured by `px(x, y)`.
fn bmp(w: u32, h: u32, px: impl Fn(u32, u32) -> [u8; 3]) -> Vec<u8> {
    let row = (w * 3 + 3) & !3;
    let mut b = Vec::new();
    b.extend_from_slice(b"BM");
    b.extend_from_slice(&(54 + row * h).to_le_bytes());
    b.extend_from_slice(&[0; 4]);
    b.extend_from_slice(&54u32.to_le_bytes());
    b.extend_from_slice(&40u32.to_le_bytes());
    b.extend_from_slice(&w.to_le_bytes());
    b.extend_from_slice(&h.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&24u16.to_le_bytes());
    b.extend_from_slice(&0u32.to_le_bytes());
    b.extend_from_slice(&(row * h).to_le_bytes());
    b.extend_from_slice(&[0; 16]);
    for y in (0..h).rev() {
        let start = b.len();
        for x in 0..w {
            let [r, g, bl] = px(x, y);
            b.extend_from_slice(&[bl, g, r]);
        }
        b.resize(start + row as usize, 0);
    }
    b
}

#[test]
fn images_happy_path_folder_in_name_order() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let model = fixture_model(tmp.path());
    let imgs = tmp.path().join("imgs");
    std::fs::create_dir(&imgs).expect("mkdir");
    write(
        &imgs,
        "b.bmp",
        &bmp(40, 30, |x, y| [(x * 6) as u8, (y * 8) as u8, 90]),
    );
    write(
        &imgs,
        "a.bmp",
        &bmp(17, 23, |x, _| [200, (x * 10) as u8, 10]),
    );
    write(&imgs, "notes.txt", b"not an image");
    let out = embed(
        tmp.path(),
        &[
            "-m",
            model.to_str().expect("utf-8"),
            "--images",
            "imgs",
            "-o",
            "img.npy",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let side: serde_json::Value = serde_json::from_slice(
        &std::fs::read(tmp.path().join("img.npy.json")).expect("sidecar written"),
    )
    .expect("sidecar json");
    assert_eq!(side["kind"], "image");
    assert_eq!(side["count"], 2);
    assert_eq!(side["images"], serde_json::json!(["a.bmp", "b.bmp"]));
    assert_eq!(side["input"]["kind"], "image_folder");
    assert_eq!(side["normalized"], false);
    let dim = side["dim"].as_u64().expect("dim") as usize;
    let bytes = std::fs::read(tmp.path().join("img.npy")).expect("npy written");
    let hlen = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    assert_eq!(bytes.len() - 10 - hlen, 2 * dim * 4);
    let header = std::str::from_utf8(&bytes[10..10 + hlen]).expect("header");
    assert!(header.contains(&format!("'shape': (2, {dim})")), "{header}");
}

#[test]
fn hub_model_from_the_cache_offline_records_the_commit() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let model = fixture_model(tmp.path());
    // The cache layout `huggingface_hub` leaves: refs/main → snapshots/<sha>/files.
    let sha = "89abcdef0123456789abcdef0123456789abcdef";
    let repo = tmp.path().join("hf-cache").join("models--clipprobe--tiny");
    let snap = repo.join("snapshots").join(sha);
    std::fs::create_dir_all(&snap).expect("mkdir");
    std::fs::create_dir_all(repo.join("refs")).expect("mkdir");
    std::fs::write(repo.join("refs").join("main"), sha).expect("ref");
    for e in std::fs::read_dir(&model).expect("ls") {
        let e = e.expect("entry");
        std::fs::copy(e.path(), snap.join(e.file_name())).expect("copy");
    }
    write(tmp.path(), "caps.txt", b"a red cube\na blue sphere\n");
    // HF_HUB_OFFLINE=0: only --offline keeps this run off the network.
    let out = embed_with_offline_env(
        tmp.path(),
        &[
            "-m",
            "clipprobe/tiny",
            "--offline",
            "--texts",
            "caps.txt",
            "-o",
            "t.npy",
        ],
        "0",
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let side: serde_json::Value = serde_json::from_slice(
        &std::fs::read(tmp.path().join("t.npy.json")).expect("sidecar written"),
    )
    .expect("sidecar json");
    assert_eq!(side["model"]["id"], "clipprobe/tiny");
    assert_eq!(side["model"]["source"], "hf:clipprobe/tiny");
    assert_eq!(side["model"]["revision"], sha);
    assert_eq!(side["count"], 2);
}

/// An open_clip model: captions ftfy's mojibake detector flags are named by line (clipprobe
/// does not repair them as open_clip's clean-up may); clean captions are not.
#[test]
fn open_clip_mojibake_captions_are_named() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let model =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../clip/tests/fixtures/families/openclip-hub");
    let caps = "a caf\u{e9} table\nit\u{e2}\u{20ac}\u{2122}s raining &amp; cold\na \u{fb01}sh\n";
    let stderr = embed_captions(tmp.path(), &model, caps, &[]);
    assert!(
        stderr.contains("1 caption(s) look like mojibake") && stderr.contains("line(s) 2\n"),
        "{stderr}"
    );
}

//! End to end: `negatives` → `eval` → report, on the tiny fixture checkpoint with images.
//! The report's numbers are checked against embeddings written by `clipprobe embed` and
//! metrics recomputed here with straightforward code (independent of the metrics module).

use std::path::{Path, PathBuf};
use std::process::Output;

use super::common::{bin, dot, embed, fixtures, model, ok};
use clipprobe_probe::bench::{read_bench, BenchRecord};

const CAPTIONS: [(&str, &str); 6] = [
    ("a white towel in a blue bathroom", "rgb_160x120.png"),
    ("a dog on a red couch", "rgb_97x41.png"),
    ("two cats next to a wooden table", "gray_40x33.png"),
    ("a man riding a brown horse", "palette_31x26.png"),
    ("a small boat under a bridge", "rgba_45x31.png"),
    (
        "a green apple and a yellow banana on a plate",
        "rgb_37x29.png",
    ),
];

/// Writes images + captions.jsonl into `dir` and runs the generator; returns the bench path.
fn make_bench(dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir.join("images")).expect("mkdir");
    let mut lines = String::new();
    for (i, (caption, image)) in CAPTIONS.iter().enumerate() {
        let src = fixtures().join("preprocess/images").join(image);
        std::fs::copy(&src, dir.join("images").join(image))
            .unwrap_or_else(|e| panic!("copy {}: {e}", src.display()));
        lines.push_str(&format!(
            "{{\"id\": \"c{i}\", \"caption\": \"{caption}\", \"image\": \"images/{image}\"}}\n"
        ));
    }
    std::fs::write(dir.join("captions.jsonl"), lines).expect("write captions");
    let bench = dir.join("bench.jsonl");
    ok(
        bin()
            .args(["--quiet", "negatives", "--captions"])
            .arg(dir.join("captions.jsonl"))
            .arg("--out")
            .arg(&bench)
            .output()
            .expect("run negatives"),
        "negatives",
    );
    bench
}

fn eval(bench: &Path, out: &Path, cache: &Path, extra: &[&str]) -> Output {
    bin()
        .args(["--quiet", "eval", "--model"])
        .arg(model())
        .arg("--bench")
        .arg(bench)
        .arg("--out")
        .arg(out)
        .arg("--cache-dir")
        .arg(cache)
        .args(extra)
        .output()
        .expect("run eval")
}

/// Embeddings made by `clipprobe embed`, independently of `eval`: every caption and negative
/// of `rows`, and the images of [`CAPTIONS`].
struct Independent {
    texts: Vec<String>,
    temb: Vec<Vec<f64>>,
    iemb: Vec<Vec<f64>>,
}

impl Independent {
    fn new(dir: &Path, rows: &[BenchRecord]) -> Independent {
        let mut texts: Vec<String> = Vec::new();
        for r in rows {
            for t in [&r.caption, &r.negative] {
                if !texts.contains(t) {
                    texts.push(t.clone());
                }
            }
        }
        let temb = embed(dir, "texts", "--texts", &texts);
        let images: Vec<String> = CAPTIONS
            .iter()
            .map(|(_, i)| dir.join("images").join(i).display().to_string())
            .collect();
        let iemb = embed(dir, "images", "--images", &images);
        Independent { texts, temb, iemb }
    }

    fn text(&self, s: &str) -> &Vec<f64> {
        &self.temb[self.texts.iter().position(|x| x == s).expect("text")]
    }

    /// The embedding of the image whose file name `p` ends in.
    fn image(&self, p: &str) -> &Vec<f64> {
        let name = Path::new(p)
            .file_name()
            .expect("name")
            .to_string_lossy()
            .to_string();
        &self.iemb[CAPTIONS
            .iter()
            .position(|(_, i)| *i == name)
            .expect("image")]
    }
}

#[test]
fn generator_eval_report_end_to_end() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let bench = make_bench(dir);
    let rows = read_bench(&bench).expect("bench");
    assert!(
        rows.iter().all(|r| r.image.is_some()),
        "images carried into negatives"
    );

    let out = dir.join("report");
    let cache = dir.join("cache");
    ok(eval(&bench, &out, &cache, &[]), "eval");
    for f in ["report.json", "report.md", "report.html"] {
        assert!(out.join(f).is_file(), "{f} written");
    }
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).expect("read"))
            .expect("json");

    // independent embeddings and metrics
    let emb = Independent::new(dir, &rows);
    let (t, img) = (|s: &str| emb.text(s), |p: &str| emb.image(p));

    let result = &report["results"][0];
    let ops = result["ops"].as_object().expect("ops");
    assert!(
        ops.contains_key("replace_obj") && ops.contains_key("swap_att"),
        "{ops:?}"
    );
    for (op, got) in ops {
        let pairs: Vec<_> = rows.iter().filter(|r| &r.op == op).collect();
        assert_eq!(
            got["pairs"].as_u64(),
            Some(pairs.len() as u64),
            "{op} pairs"
        );
        let cos: Vec<f64> = pairs
            .iter()
            .map(|r| dot(t(&r.caption), t(&r.negative)))
            .collect();
        let mean = cos.iter().sum::<f64>() / cos.len() as f64;
        let reported = got["text_cosine"]["mean"].as_f64().expect("mean");
        assert!(
            (mean - reported).abs() < 1e-5,
            "{op}: text cosine {mean} vs report {reported}"
        );
        let correct = pairs
            .iter()
            .filter(|r| {
                let i = img(r.image.as_deref().expect("image"));
                dot(i, t(&r.caption)) > dot(i, t(&r.negative))
            })
            .count();
        let acc = correct as f64 / pairs.len() as f64;
        assert_eq!(got["itm_accuracy"].as_f64(), Some(acc), "{op} ITM accuracy");
    }
    // the modality gap over the 6 matched pairs: L2M by hand
    let d = emb.iemb[0].len();
    let mut diff = vec![0.0; d];
    for (k, (caption, _)) in CAPTIONS.iter().enumerate() {
        for (j, v) in diff.iter_mut().enumerate() {
            *v += (emb.iemb[k][j] - t(caption)[j]) / CAPTIONS.len() as f64;
        }
    }
    let l2m = dot(&diff, &diff).sqrt();
    let got = result["modality_gap"]["l2m"].as_f64().expect("l2m");
    assert!((l2m - got).abs() < 1e-5, "l2m {l2m} vs {got}");
    assert_eq!(result["modality_gap"]["pairs"].as_u64(), Some(6));

    // a second run reads everything from the cache and writes the same bytes
    let again = dir.join("report2");
    ok(eval(&bench, &again, &cache, &[]), "eval again");
    for f in ["report.json", "report.md", "report.html"] {
        assert_eq!(
            std::fs::read(out.join(f)).expect("a"),
            std::fs::read(again.join(f)).expect("b"),
            "{f} differs between runs"
        );
    }
    // and so does a run without the cache
    let fresh = dir.join("report3");
    ok(
        eval(&bench, &fresh, &cache, &["--no-cache"]),
        "eval --no-cache",
    );
    assert_eq!(
        std::fs::read(out.join("report.json")).expect("a"),
        std::fs::read(fresh.join("report.json")).expect("c")
    );
}

#[test]
fn missing_image_fails_before_any_output() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let bench = make_bench(dir);
    std::fs::remove_file(dir.join("images/rgb_97x41.png")).expect("rm");
    let out = dir.join("report");
    let o = eval(&bench, &out, &dir.join("cache"), &[]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("rgb_97x41.png") && err.contains("does not exist"),
        "{err}"
    );
    // issue 9, finding 12: the folder this run created is not left behind, empty
    assert!(!out.exists(), "{} left behind", out.display());
}

#[test]
fn two_models_give_a_comparison() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let bench = make_bench(dir);
    let out = dir.join("report");
    let second = fixtures().join("tiny-eos");
    ok(
        eval(
            &bench,
            &out,
            &dir.join("cache"),
            &["--model", second.to_str().expect("utf8")],
        ),
        "eval two models",
    );
    let r: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).expect("read"))
            .expect("json");
    assert_eq!(r["results"].as_array().map(Vec::len), Some(2));
    let delta = &r["comparison"]["deltas"][0]["ops"]["replace_obj"]["text_cosine_mean"];
    let a = r["results"][0]["ops"]["replace_obj"]["text_cosine"]["mean"]
        .as_f64()
        .expect("a");
    let b = r["results"][1]["ops"]["replace_obj"]["text_cosine"]["mean"]
        .as_f64()
        .expect("b");
    assert!((delta.as_f64().expect("delta") - (b - a)).abs() < 1e-12);
    let md = std::fs::read_to_string(out.join("report.md")).expect("md");
    assert!(
        md.contains("tiny-argmax") && md.contains("tiny-eos"),
        "{md}"
    );
}

#[test]
fn sugarcrepe_pp_rows_are_scored_iti_and_tot() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    make_bench(dir); // copies the images
    let items = [
        (
            "a dog on a red couch",
            "a dog sitting on a red sofa",
            "a red dog on a couch",
            "rgb_97x41.png",
        ),
        (
            "a white towel in a blue bathroom",
            "a blue bathroom with a white towel",
            "a blue towel in a white bathroom",
            "rgb_160x120.png",
        ),
        (
            "a man riding a brown horse",
            "a brown horse ridden by a man",
            "a horse riding a brown man",
            "palette_31x26.png",
        ),
    ];
    let mut lines = String::new();
    for (k, (p1, p2, n, img)) in items.iter().enumerate() {
        lines.push_str(&format!(
            "{{\"schema_version\":1,\"id\":\"pp{k}\",\"caption\":\"{p1}\",\"alt_captions\":[\"{p2}\"],\"negative\":\"{n}\",\"op\":\"swap_att\",\"image\":\"images/{img}\"}}\n"
        ));
    }
    let bench = dir.join("pp.jsonl");
    std::fs::write(&bench, lines).expect("write");
    let out = dir.join("report");
    ok(eval(&bench, &out, &dir.join("cache"), &[]), "eval");
    let r: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).expect("read"))
            .expect("json");
    let got = &r["results"][0]["ops"]["swap_att"]["sugarcrepe_pp"];

    let texts: Vec<String> = items
        .iter()
        .flat_map(|(a, b, c, _)| [a.to_string(), b.to_string(), c.to_string()])
        .collect();
    let t = embed(dir, "texts", "--texts", &texts);
    let images: Vec<String> = items
        .iter()
        .map(|(.., i)| dir.join("images").join(i).display().to_string())
        .collect();
    let im = embed(dir, "images", "--images", &images);
    let (mut iti, mut tot) = (0usize, 0usize);
    for k in 0..items.len() {
        let (p1, p2, n) = (&t[3 * k], &t[3 * k + 1], &t[3 * k + 2]);
        tot += usize::from(dot(p1, p2) > dot(p1, n) && dot(p1, p2) > dot(p2, n));
        iti += usize::from(dot(&im[k], p1) > dot(&im[k], n) && dot(&im[k], p2) > dot(&im[k], n));
    }
    assert_eq!(got["tot"].as_f64(), Some(tot as f64 / 3.0), "{got}");
    assert_eq!(got["iti"].as_f64(), Some(iti as f64 / 3.0), "{got}");
    let md = std::fs::read_to_string(out.join("report.md")).expect("md");
    assert!(md.contains("SugarCrepe++ scores"), "{md}");
}

/// `pairs.jsonl` row by row against cosines recomputed from `clipprobe embed` outputs; the
/// label given with `--model LABEL=PATH` names the model everywhere; `pairs.csv` and the
/// tables' CSVs are written; the paper table has the group averages.
#[test]
fn pairs_match_embed_outputs_row_by_row() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let bench = make_bench(dir);
    let rows = read_bench(&bench).expect("bench");
    let out = dir.join("report");
    ok(
        bin()
            .args(["--quiet", "eval", "--model"])
            .arg(format!("tiny={}", model().display()))
            .arg("--bench")
            .arg(&bench)
            .arg("--out")
            .arg(&out)
            .arg("--no-cache")
            .output()
            .expect("run eval"),
        "eval",
    );
    let emb = Independent::new(dir, &rows);
    let (t, img) = (|s: &str| emb.text(s), |p: &str| emb.image(p));
    let lines = std::fs::read_to_string(out.join("pairs.jsonl")).expect("pairs.jsonl");
    let pairs: Vec<serde_json::Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(pairs.len(), rows.len(), "one line per row");
    for (p, r) in pairs.iter().zip(&rows) {
        assert_eq!(p["model"], "tiny");
        assert_eq!(p["id"], r.id.as_str());
        assert_eq!(p["op"], r.op.as_str());
        let i = img(r.image.as_deref().expect("image"));
        let (ic, inn) = (dot(i, t(&r.caption)), dot(i, t(&r.negative)));
        let close = |field: &str, want: f64| {
            let got = p[field]
                .as_f64()
                .unwrap_or_else(|| panic!("{field} in {p}"));
            assert!(
                (got - want).abs() < 1e-5,
                "{}: {field} {got} vs {want}",
                r.id
            );
        };
        close("cos_caption_negative", dot(t(&r.caption), t(&r.negative)));
        close("cos_image_caption", ic);
        close("cos_image_negative", inn);
        close("margin", ic - inn);
        assert_eq!(p["correct"].as_bool(), Some(ic > inn), "{}", r.id);
    }
    let csv = std::fs::read_to_string(out.join("pairs.csv")).expect("pairs.csv");
    assert!(csv.starts_with("model,id,op,depth,scoring,caption,negative,image"));
    assert_eq!(csv.lines().count(), rows.len() + 1);
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).expect("read"))
            .expect("json");
    assert_eq!(report["models"][0]["label"], "tiny");
    assert!(report["results"][0]["groups"]["REPLACE"]["itm_accuracy"].is_number());
    let md = std::fs::read_to_string(out.join("report.md")).expect("md");
    assert!(md.contains("| model | replace_obj |"), "wide table header");
    assert!(md.contains("REPLACE"));
    assert!(
        !md.contains(&model().display().to_string()),
        "full path used as a name"
    );
    let tables: Vec<String> = std::fs::read_dir(out.join("tables"))
        .expect("tables")
        .map(|e| e.expect("e").file_name().to_string_lossy().to_string())
        .collect();
    assert!(
        tables.iter().any(|t| t.contains("itm-accuracy-by-op")),
        "{tables:?}"
    );
}

/// `--ops`, `--limit` and `--skip-missing-images` pick rows and record what was skipped.
#[test]
fn ops_limit_and_skip_missing_images() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let bench = make_bench(dir);
    let rows = read_bench(&bench).expect("bench");
    let gone = rows
        .iter()
        .find(|r| r.op == "replace_obj")
        .and_then(|r| r.image.clone())
        .expect("an image");
    std::fs::remove_file(dir.join(&gone)).expect("remove");
    let out = dir.join("report");
    let o = eval(&bench, &out, &dir.join("cache"), &["--ops", "replace_obj"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("does not exist") && err.contains("--skip-missing-images"),
        "{err}"
    );
    assert!(!out.join("report.json").exists());
    ok(
        eval(
            &bench,
            &out,
            &dir.join("cache"),
            &[
                "--ops",
                "replace_obj",
                "--limit",
                "2",
                "--skip-missing-images",
            ],
        ),
        "eval",
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).expect("read"))
            .expect("json");
    let ops = report["results"][0]["ops"].as_object().expect("ops");
    assert_eq!(ops.keys().collect::<Vec<_>>(), ["replace_obj"]);
    assert!(ops["replace_obj"]["pairs"].as_u64().expect("n") <= 2);
    let skipped = report["benchmark"]["skipped"].as_array().expect("skipped");
    assert!(!skipped.is_empty());
    assert_eq!(report["benchmark"]["selection"]["limit"], 2);
}

/// The main job (no --bench) adds the synthetic world, so its report has image-text numbers:
/// Winoground-style scores on `world/…` ops and the modality gap, and says what the world is.
#[test]
fn main_job_includes_the_synthetic_world() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("main");
    ok(
        bin()
            .args(["--quiet", "eval", "--model"])
            .arg(model())
            .arg("--out")
            .arg(&out)
            .args(["--no-cache", "--world-scenes", "6", "--default-depth", "1"])
            .output()
            .expect("run eval"),
        "eval",
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).expect("read"))
            .expect("json");
    let ops = report["results"][0]["ops"].as_object().expect("ops");
    let world: Vec<&String> = ops.keys().filter(|k| k.starts_with("world/")).collect();
    assert!(!world.is_empty(), "{:?}", ops.keys());
    for op in world {
        assert!(ops[op]["winoground"]["group"].is_number(), "{op}");
        assert!(ops[op]["winoground_ci"]["group"]["lo"].is_number(), "{op}");
    }
    assert!(ops.keys().any(|k| k == "swap_att"), "built-in captions too");
    // image-text accuracy (ITM) and group scores of the world, by op and concept kind
    let world = &report["results"][0]["world"];
    assert!(world["pairs"].as_u64().expect("world pairs") > 0, "{world}");
    for dim in ["by_op", "by_kind"] {
        let split = world[dim].as_object().expect(dim);
        assert!(!split.is_empty(), "{dim}");
        for (key, s) in split {
            assert!(s["itm_accuracy"].is_number(), "{dim} {key}: {s}");
            assert!(s["winoground"]["group"].is_number(), "{dim} {key}: {s}");
        }
    }
    assert!(report["results"][0]["modality_gap"]["l2m"].is_number());
    assert!(out.join("world").is_dir());
    let md = std::fs::read_to_string(out.join("report.md")).expect("md");
    assert!(
        md.contains("not photographs"),
        "the report explains the world"
    );
    assert!(
        md.contains("Synthetic world by op, concept kind, depth and scene size"),
        "the report shows the world's ITM and group scores"
    );
    assert!(
        !md.contains("no images in the benchmark"),
        "the world's images are not reported missing"
    );
}

#[test]
fn hf_clip_open_clip_and_siglip_side_by_side_in_one_report() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let bench = make_bench(dir);
    let out = dir.join("report");
    let fam = fixtures().join("families");
    let s = |p: PathBuf| p.to_str().expect("utf8").to_string();
    let (hub, siglip) = (s(fam.join("openclip-hub")), s(fam.join("siglip")));
    let siglip2 = s(fam.join("siglip2"));
    let (raw, arch) = (
        s(fam.join("openclip-raw/negclip-tiny.pt")),
        s(fam.join("openclip-raw/arch.json")),
    );
    let extra = [
        "--model",
        &hub,
        "--model",
        &siglip,
        "--model",
        &siglip2,
        "--model",
        &raw,
        "--arch",
        &arch,
        "--act",
        "gelu",
        "--batch-size",
        "3",
    ];
    ok(
        eval(&bench, &out, &dir.join("cache"), &extra),
        "eval five models",
    );
    let r: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).expect("read"))
            .expect("json");
    assert_eq!(r["results"].as_array().map(Vec::len), Some(5));
    let md = std::fs::read_to_string(out.join("report.md")).expect("md");
    for name in ["tiny-argmax", "openclip-hub", "siglip2", "negclip-tiny.pt"] {
        assert!(md.contains(name), "{name} missing from the report:\n{md}");
    }
    // each model's family, activation and its source, scoring scalars, padding, batch size
    let reference = |name: &str, key: &str| {
        let e: serde_json::Value = serde_json::from_slice(
            &std::fs::read(fam.join(name).join("expected.json")).expect("expected.json"),
        )
        .expect("json");
        e[key].clone()
    };
    let want = [
        (
            "hf-clip",
            "quick_gelu",
            "config",
            None,
            serde_json::Value::Null,
        ),
        (
            "open_clip",
            "quick_gelu",
            "config",
            Some("openclip-hub"),
            serde_json::Value::Null,
        ),
        (
            "siglip",
            "gelu_pytorch_tanh",
            "config",
            Some("siglip"),
            16.into(),
        ),
        (
            "siglip",
            "gelu_pytorch_tanh",
            "config",
            Some("siglip2"),
            16.into(),
        ),
        (
            "open_clip",
            "gelu",
            "explicit",
            None,
            serde_json::Value::Null,
        ),
    ];
    for (i, (family, act, source, fixture, padding)) in want.into_iter().enumerate() {
        let m = &r["models"][i]["meta"];
        assert_eq!(m["family"], family, "model {i}: {m}");
        assert_eq!(m["activation"], act, "model {i}: {m}");
        assert_eq!(m["activation_source"], source, "model {i}: {m}");
        assert_eq!(m["text_padding"], padding, "model {i}: {m}");
        assert_eq!(m["batch_size"], 3, "model {i}: {m}");
        assert_eq!(
            m["logit_bias"].is_null(),
            family != "siglip",
            "model {i}: {m}"
        );
        if let Some(f) = fixture {
            let close = |key: &str| {
                let (got, want) = (m[key].as_f64(), reference(f, key).as_f64());
                matches!((got, want), (Some(g), Some(w)) if (g - w).abs() < 1e-6)
            };
            assert!(close("logit_scale"), "model {i}: {m}");
            assert!(family != "siglip" || close("logit_bias"), "model {i}: {m}");
        }
    }
    assert!(md.contains("open_clip, gelu (explicit)"), "{md}");
    // the families give different embeddings: their text cosines differ
    let mean = |i: usize| r["results"][i]["ops"]["replace_obj"]["text_cosine"]["mean"].as_f64();
    assert_ne!(mean(1), mean(2));
}

#[test]
fn unsafe_or_underspecified_checkpoints_exit_2_without_output() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let bench = make_bench(dir);
    let raw = fixtures().join("families/openclip-raw");
    let arch = raw.join("arch.json");
    let arch = arch.to_str().expect("utf8");
    let cases: [(&str, Vec<&str>, &str); 3] = [
        (
            "evil.pt",
            vec!["--arch", arch, "--act", "gelu"],
            "posix.system",
        ),
        ("negclip-tiny.pt", vec![], "--arch"),
        ("negclip-tiny.pt", vec!["--arch", arch], "QuickGELU"),
    ];
    for (file, flags, needle) in cases {
        let out = dir.join(format!("report-{needle}"));
        let model = raw.join(file);
        let mut extra = vec!["--model", model.to_str().expect("utf8")];
        extra.extend(flags);
        let res = eval(&bench, &out, &dir.join("cache"), &extra);
        let err = String::from_utf8_lossy(&res.stderr);
        assert_eq!(res.status.code(), Some(2), "{file}: {err}");
        assert!(err.contains(file) && err.contains(needle), "{file}: {err}");
        assert!(!out.join("report.json").exists(), "{file}: report written");
    }
}

/// A 24-bit uncompressed BMP of `w × h` RGB pixels (row-major, top row first).
fn write_bmp(path: &Path, w: usize, h: usize, rgb: &[u8]) {
    let row = (3 * w).div_ceil(4) * 4;
    let size = 54 + row * h;
    let mut b = Vec::with_capacity(size);
    b.extend_from_slice(b"BM");
    for v in [size as u32, 0, 54, 40, w as u32, h as u32] {
        b.extend_from_slice(&v.to_le_bytes());
    }
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&24u16.to_le_bytes());
    for v in [0u32, (row * h) as u32, 2835, 2835, 0, 0] {
        b.extend_from_slice(&v.to_le_bytes());
    }
    for y in (0..h).rev() {
        for x in 0..w {
            let p = &rgb[3 * (y * w + x)..3 * (y * w + x) + 3];
            b.extend_from_slice(&[p[2], p[1], p[0]]);
        }
        b.resize(b.len() + row - 3 * w, 0);
    }
    std::fs::write(path, b).expect("write bmp");
}

/// ARO rows are scored on the image cropped to their `bbox`: each row's cosines in
/// `pairs.jsonl` equal those of `clipprobe embed` on a file holding just that region (cut
/// here by slicing pixels), two boxes on one file get two embeddings (the crop is part of the
/// cache key), and the report has ARO's macro accuracy.
#[test]
fn aro_rows_are_scored_on_their_bounding_box() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let (w, h) = (40, 30);
    let rgb: Vec<u8> = (0..w * h)
        .flat_map(|i| {
            let (x, y) = (i % w, i / w);
            [(x * 6) as u8, (y * 8) as u8, ((x * y) % 251) as u8]
        })
        .collect();
    write_bmp(&dir.join("full.bmp"), w, h, &rgb);
    // (x, y, w, h) boxes, both inside the image
    let boxes = [(5, 4, 20, 15), (12, 10, 25, 12)];
    // per row: caption, negative (two distinct captions: the anisotropy baseline needs them)
    let texts: Vec<String> = [
        "the dog is on the mat",
        "the mat is on the dog",
        "the cat is on the rug",
        "the rug is on the cat",
    ]
    .map(String::from)
    .to_vec();
    let mut crops = Vec::new();
    let mut lines = String::new();
    for (k, &(bx, by, bw, bh)) in boxes.iter().enumerate() {
        let part: Vec<u8> = (by..by + bh)
            .flat_map(|y| rgb[3 * (y * w + bx)..3 * (y * w + bx + bw)].to_vec())
            .collect();
        let p = dir.join(format!("crop{k}.bmp"));
        write_bmp(&p, bw, bh, &part);
        crops.push(p.display().to_string());
        lines.push_str(&format!(
            "{{\"schema_version\": 1, \"id\": \"aro/vg_relation/{k}\", \"caption\": \"{}\", \
             \"negative\": \"{}\", \"op\": \"vg_relation\", \"image\": \"full.bmp\", \
             \"source\": \"aro\", \"aro_subset\": \"on\", \"bbox\": [{bx}, {by}, {bw}, {bh}]}}\n",
            texts[2 * k],
            texts[2 * k + 1]
        ));
    }
    let bench = dir.join("aro.jsonl");
    std::fs::write(&bench, lines).expect("write bench");
    let out = dir.join("report");
    ok(
        eval(&bench, &out, &dir.join("cache"), &[]),
        "eval of ARO rows",
    );
    let temb = embed(dir, "texts", "--texts", &texts);
    let iemb = embed(dir, "crops", "--images", &crops);
    let pairs: Vec<serde_json::Value> = std::fs::read_to_string(out.join("pairs.jsonl"))
        .expect("pairs.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(pairs.len(), 2);
    for (k, p) in pairs.iter().enumerate() {
        for (field, t) in [
            ("cos_image_caption", 2 * k),
            ("cos_image_negative", 2 * k + 1),
        ] {
            let got = p[field].as_f64().expect("cosine");
            let want = dot(&iemb[k], &temb[t]);
            assert!(
                (got - want).abs() < 1e-5,
                "row {k}: {field} {got} vs {want}"
            );
        }
    }
    // the two crops embed apart, so row 1 scored with row 0's crop would fail above
    let apart = (dot(&iemb[0], &temb[2]) - dot(&iemb[1], &temb[2])).abs();
    assert!(apart > 1e-3, "the crops embed alike ({apart})");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).expect("read"))
            .expect("json");
    let m = &report["results"][0]["ops"]["vg_relation"]["macro_accuracy"];
    assert_eq!(
        (m["classes"].as_u64(), m["pairs"].as_u64()),
        (Some(1), Some(2)),
        "{m}"
    );
    let micro = report["results"][0]["ops"]["vg_relation"]["itm_accuracy"].as_f64();
    assert_eq!(m["accuracy"].as_f64(), micro, "one class: macro = micro");
    let md = std::fs::read_to_string(out.join("report.md")).expect("md");
    assert!(
        md.contains("ARO macro accuracy (%)"),
        "macro table in the report"
    );
}

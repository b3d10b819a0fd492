//! Reports: built from synthetic embeddings through the metrics module, written, read back,
//! merged, and rendered by a real browser (Debian's `chromium`, headless).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use clipprobe_metrics::{
    accuracy, anisotropy_baseline, edit_gap_alignment, gap_direction, itm_margins,
    itm_margins_gap_removed, l2_normalize_rows, modality_gap, normalized_insensitivity,
    pair_cosines, pca_projection, Histogram, Interval, Matrix, Summary,
};
use clipprobe_report::Error;
use clipprobe_report::{
    merge_reports, read_report, write_report, BenchmarkInfo, DepthResult, ModelInfo, ModelResult,
    OpResult, Report, TokenSensitivity, PROJECTION_MAX_POINTS,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const D: usize = 16;
const PAIRS: usize = 60;
const OPS: [&str; 3] = ["replace_att", "swap_obj", "add_obj"];

fn gaussian(rng: &mut ChaCha8Rng) -> f32 {
    let (u, v): (f64, f64) = (rng.random::<f64>().max(1e-12), rng.random());
    ((-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()) as f32
}

/// `n` normalised rows: `base + shift·e0 + noise·N(0, 1)`.
fn cloud(rng: &mut ChaCha8Rng, base: Option<&Matrix>, shift: f32, noise: f32, n: usize) -> Matrix {
    let mut data = Vec::with_capacity(n * D);
    for i in 0..n {
        for j in 0..D {
            let b = base.map_or(0.0, |m| m.row(i)[j]);
            data.push(b + if j == 0 { shift } else { 0.0 } + noise * gaussian(rng));
        }
    }
    l2_normalize_rows(&Matrix::new(n, D, data).expect("shape")).expect("normalise")
}

/// One model's result, computed with the metrics module from seeded synthetic embeddings.
/// `with_images: false` gives a text-only benchmark (`itm_accuracy: null`).
fn model_result(name: &str, seed: u64, with_images: bool) -> ModelResult {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut ops = BTreeMap::new();
    let captions_all = cloud(&mut rng, None, -1.5, 1.0, PAIRS);
    let b = anisotropy_baseline(&captions_all, 10_000, 0).expect("baseline");
    let images_all = cloud(&mut rng, Some(&captions_all), 3.0, 0.8, PAIRS);
    let g = gap_direction(&images_all, &captions_all).expect("direction");
    for (k, op) in OPS.iter().enumerate() {
        let negatives = cloud(
            &mut rng,
            Some(&captions_all),
            0.0,
            0.15 + 0.1 * k as f32,
            PAIRS,
        );
        let cos = pair_cosines(&captions_all, &negatives).expect("cosines");
        let summary = Summary::of(&cos).expect("summary");
        let depth = |i: usize| (i % 3 + 1) as u32;
        let margins = with_images
            .then(|| itm_margins(&images_all, &captions_all, &negatives).expect("margins"));
        let mut by_depth = BTreeMap::new();
        for k in 1..=3u32 {
            let idx: Vec<usize> = (0..PAIRS).filter(|&i| depth(i) == k).collect();
            let c: Vec<f64> = idx.iter().map(|&i| cos[i]).collect();
            let acc = margins
                .as_ref()
                .map(|m| accuracy(&idx.iter().map(|&i| m[i]).collect::<Vec<_>>()).expect("acc"));
            by_depth.insert(
                k,
                DepthResult {
                    pairs: idx.len(),
                    text_cosine_mean: Summary::of(&c).expect("s").mean,
                    itm_accuracy: acc,
                },
            );
        }
        ops.insert(
            op.to_string(),
            OpResult {
                pairs: PAIRS,
                text_cosine: summary,
                text_cosine_hist: Histogram::cosine(&cos).expect("hist"),
                text_cosine_normalized_mean: normalized_insensitivity(summary.mean, b).expect("n"),
                itm_accuracy: margins.as_ref().map(|m| accuracy(m).expect("acc")),
                itm_pairs: if with_images { PAIRS } else { 0 },
                itm_accuracy_ci: with_images.then_some(Interval { lo: 0.1, hi: 0.9 }),
                itm_accuracy_gap_removed_ci: None,
                macro_accuracy: None,
                winoground_ci: None,
                worst: Vec::new(),
                itm_margin: margins.as_ref().map(|m| Summary::of(m).expect("s")),
                itm_accuracy_gap_removed: with_images.then(|| {
                    accuracy(
                        &itm_margins_gap_removed(&images_all, &captions_all, &negatives)
                            .expect("m"),
                    )
                    .expect("acc")
                }),
                edit_gap_alignment: with_images
                    .then(|| edit_gap_alignment(&captions_all, &negatives, &g).expect("align")),
                by_depth,
                winoground: None,
                sugarcrepe_pp: None,
            },
        );
    }
    let mut settings = BTreeMap::new();
    settings.insert("seed".to_string(), serde_json::json!(seed));
    ModelResult {
        label: String::new(),
        groups: BTreeMap::new(),
        published: None,
        world: None,
        model: name.into(),
        revision: format!("{seed:040x}"),
        benchmark_sha256: "ab".repeat(32),
        settings,
        ops,
        anisotropy_baseline: b,
        modality_gap: with_images.then(|| modality_gap(&images_all, &captions_all).expect("gap")),
        token_sensitivity: Some(TokenSensitivity {
            object: Some(Summary::of(&[0.1, 0.2, 0.3]).expect("s")),
            attribute: Some(Summary::of(&[0.05, 0.07]).expect("s")),
            relation: None,
        }),
        projection: with_images.then(|| {
            pca_projection(&images_all, &captions_all, PROJECTION_MAX_POINTS).expect("pca")
        }),
    }
}

fn model_info(r: &ModelResult) -> ModelInfo {
    ModelInfo {
        label: String::new(),
        id: r.model.clone(),
        revision: r.revision.clone(),
        dtype: "f32".into(),
        device: "cpu".into(),
        meta: None,
    }
}

fn benchmark(sha: &str) -> BenchmarkInfo {
    BenchmarkInfo {
        path: "bench/<synthetic> & co.jsonl".into(),
        sha256: sha.into(),
        rows: PAIRS * OPS.len(),
        ops: OPS.iter().map(|o| (o.to_string(), PAIRS)).collect(),
        selection: Default::default(),
        skipped: Vec::new(),
    }
}

fn report(models: &[(&str, u64)], with_images: bool) -> Report {
    let results: Vec<ModelResult> = models
        .iter()
        .map(|(n, s)| model_result(n, *s, with_images))
        .collect();
    Report::new(
        benchmark(&"ab".repeat(32)),
        results.iter().map(model_info).collect(),
        results,
    )
    .expect("report")
}

/// Asserts the three report files in `a` and `b` are byte-identical, naming the first
/// differing line.
fn assert_same_files(a: &Path, b: &Path) {
    for f in ["report.json", "report.md", "report.html"] {
        let x = std::fs::read_to_string(a.join(f)).expect("report file");
        let y = std::fs::read_to_string(b.join(f)).expect("report file");
        if let Some((i, (l, r))) = x
            .lines()
            .zip(y.lines())
            .enumerate()
            .find(|(_, (l, r))| l != r)
        {
            panic!("{f} differs at line {}: {l:.200} vs {r:.200}", i + 1);
        }
        assert_eq!(x.len(), y.len(), "{f} lengths differ");
    }
}

#[test]
fn same_inputs_give_the_same_bytes() {
    let (a, b) = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    let models = [("openai/clip-vit-base-patch32", 1), ("laion/<b>&\"x\"", 2)];
    write_report(a.path(), &report(&models, true), None).expect("write a");
    write_report(b.path(), &report(&models, true), None).expect("write b");
    assert_same_files(a.path(), b.path());
    // and a read-back report writes the same bytes again
    let back = read_report(&a.path().join("report.json")).expect("read");
    let c = tempfile::tempdir().expect("dir");
    write_report(c.path(), &back, None).expect("write c");
    assert_same_files(a.path(), c.path());
}

#[test]
fn json_layout_and_nulls() {
    let dir = tempfile::tempdir().expect("dir");
    write_report(dir.path(), &report(&[("m", 3)], false), None).expect("write");
    let text = std::fs::read_to_string(dir.path().join("report.json")).expect("read");
    assert!(
        text.starts_with("{\n  \"schema_version\": 2,\n  \"tool\""),
        "{}",
        &text[..60]
    );
    let v: serde_json::Value = serde_json::from_str(&text).expect("json");
    let op = &v["results"][0]["ops"]["swap_obj"];
    // without images the accuracy fields are explicit nulls, not missing
    for k in [
        "itm_accuracy",
        "itm_margin",
        "itm_accuracy_gap_removed",
        "edit_gap_alignment",
        "winoground",
    ] {
        assert!(
            op.as_object().expect("op").contains_key(k) && op[k].is_null(),
            "{k}"
        );
    }
    assert!(v["results"][0]["modality_gap"].is_null() && v["comparison"].is_null());
    assert_eq!(op["by_depth"]["2"]["pairs"], 20);
    assert!(op["by_depth"]["2"]["itm_accuracy"].is_null());
    // the md table shows a dash where there is no accuracy
    let md = std::fs::read_to_string(dir.path().join("report.md")).expect("md");
    assert!(
        md.contains("| swap_obj | m | 60 |") && md.contains("| – | – |"),
        "{md}"
    );
}

#[test]
fn non_finite_values_are_refused_by_name() {
    let dir = tempfile::tempdir().expect("dir");
    let mut r = report(&[("m", 4)], true);
    if let Some(o) = r.results[0].ops.get_mut("add_obj") {
        o.by_depth.get_mut(&2).expect("depth 2").text_cosine_mean = f64::NAN;
    }
    let e = write_report(dir.path(), &r, None)
        .expect_err("NaN")
        .to_string();
    assert!(
        e.contains("results[0].ops.add_obj.by_depth.2.text_cosine_mean"),
        "{e}"
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("ls").count(),
        0,
        "nothing written"
    );
    let mut r = report(&[("m", 4)], true);
    if let Some(g) = r.results[0].modality_gap.as_mut() {
        g.rmg = f64::INFINITY;
    }
    let e = write_report(dir.path(), &r, None)
        .expect_err("inf")
        .to_string();
    assert!(e.contains("modality_gap.rmg"), "{e}");
}

#[test]
fn unknown_schema_version_is_rejected() {
    let dir = tempfile::tempdir().expect("dir");
    write_report(dir.path(), &report(&[("m", 5)], true), None).expect("write");
    let p = dir.path().join("report.json");
    let text = std::fs::read_to_string(&p).expect("read");
    std::fs::write(
        &p,
        text.replacen("\"schema_version\": 2", "\"schema_version\": 7", 1),
    )
    .expect("w");
    match read_report(&p) {
        Err(Error::UnsupportedVersion {
            found: 7,
            supported: 2,
            ..
        }) => {}
        other => panic!("expected UnsupportedVersion, got {other:?}"),
    }
    std::fs::write(&p, "{\"results\": []}").expect("w");
    let e = read_report(&p).expect_err("no version").to_string();
    assert!(e.contains("schema_version"), "{e}");
}

#[test]
fn merge_compares_against_the_first_model() {
    let a = report(&[("a", 10)], true);
    let b = report(&[("b", 11), ("c", 12)], true);
    let m = merge_reports(&[a.clone(), b.clone()], false).expect("merge");
    assert_eq!(m.results.len(), 3);
    assert_eq!(
        m.models.iter().map(|x| x.id.as_str()).collect::<Vec<_>>(),
        ["a", "b", "c"]
    );
    let c = m.comparison.as_ref().expect("comparison");
    assert_eq!(c.baseline.model, "a");
    let d = &c.deltas[1].ops["swap_obj"];
    let (x, y) = (&b.results[1].ops["swap_obj"], &a.results[0].ops["swap_obj"]);
    assert_eq!(d.text_cosine_mean, x.text_cosine.mean - y.text_cosine.mean);
    assert_eq!(
        d.itm_accuracy,
        Some(x.itm_accuracy.expect("acc") - y.itm_accuracy.expect("acc"))
    );
    let gap = c.deltas[0].modality_gap.as_ref().expect("gap deltas");
    let (gb, ga) = (
        b.results[0].modality_gap.as_ref().expect("g"),
        a.results[0].modality_gap.as_ref().expect("g"),
    );
    assert_eq!(gap["rmg"], gb.rmg - ga.rmg);

    // the same model twice over the same benchmark
    let e = merge_reports(&[a.clone(), a.clone()], false)
        .expect_err("dup")
        .to_string();
    assert!(e.contains("appears twice"), "{e}");

    // different benchmarks: refused with the reason, allowed on request and flagged
    let mut other = report(&[("z", 13)], true);
    other.benchmark.sha256 = "cd".repeat(32);
    other.results[0].benchmark_sha256 = "cd".repeat(32);
    let err = merge_reports(&[a.clone(), other.clone()], false).expect_err("different");
    let e = err.to_string();
    assert!(e.contains("different pairs"), "{e}");
    // the variant the CLI adds its `--allow-different-benchmarks` hint to
    assert!(matches!(err, Error::DifferentBenchmarks { .. }), "{e}");
    let mixed = merge_reports(&[a, other], true).expect("allowed");
    assert!(mixed.mixes_benchmarks());
    let dir = tempfile::tempdir().expect("dir");
    write_report(dir.path(), &mixed, None).expect("write");
    let md = std::fs::read_to_string(dir.path().join("report.md")).expect("md");
    assert!(md.contains("**Warning:**"), "{md}");
}

#[test]
fn html_is_self_contained_and_escaped() {
    let dir = tempfile::tempdir().expect("dir");
    write_report(
        dir.path(),
        &report(&[("evil<script>alert(1)</script>", 6)], true),
        None,
    )
    .expect("write");
    let html = std::fs::read_to_string(dir.path().join("report.html")).expect("html");
    assert!(!html.contains("<script"), "raw script tag in the page");
    assert!(html.contains("evil&lt;script&gt;"));
    assert!(!html.contains("src=") && !html.contains("href=") && !html.contains("url("));
    assert!(html.contains("bench/&lt;synthetic&gt; &amp; co.jsonl"));
}

// ---- rendering in a real browser -------------------------------------------------------

fn chromium() -> PathBuf {
    for name in ["chromium", "chromium-browser"] {
        if let Ok(out) = Command::new("which").arg(name).output() {
            let p = String::from_utf8_lossy(&out.stdout).trim().to_string();
            if out.status.success() && !p.is_empty() {
                return PathBuf::from(p);
            }
        }
    }
    panic!(
        "chromium is not installed: the HTML render test needs a headless browser; \
         install it with `apt-get install -y chromium` (Debian/Ubuntu)"
    );
}

/// Runs headless chromium on `page` with extra `args`; returns stdout. Fails after 180 s.
fn run_chromium(page: &Path, profile: &Path, args: &[String]) -> String {
    let mut cmd = Command::new(chromium());
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .args(args)
    .arg(format!("file://{}", page.display()))
    .stdout(Stdio::piped())
    .stderr(Stdio::null());
    let mut child = cmd.spawn().expect("start chromium");
    let start = Instant::now();
    let mut stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut s).map(|_| s)
    });
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            assert!(status.success(), "chromium failed: {status}");
            break;
        }
        if start.elapsed() > Duration::from_secs(180) {
            let _ = child.kill();
            panic!("chromium did not finish within 180 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    reader.join().expect("reader").expect("utf-8 DOM")
}

fn count(hay: &str, needle: &str) -> usize {
    hay.matches(needle).count()
}

#[test]
fn html_renders_in_chromium() {
    let dir = tempfile::tempdir().expect("dir");
    let profile = tempfile::tempdir().expect("profile");
    let r = report(
        &[
            ("openai/clip-vit-base-patch32", 21),
            ("laion/CLIP-ViT-B-32", 22),
        ],
        true,
    );
    write_report(dir.path(), &r, None).expect("write");
    let page = dir.path().join("report.html");
    let html = std::fs::read_to_string(&page).expect("html");

    let dom = run_chromium(&page, profile.path(), &["--dump-dom".to_string()]);
    // 1 accuracy chart + 3 histograms + 3 ops × 2 depth charts + 2 projections
    let svgs = 1 + OPS.len() + 2 * OPS.len() + 2;
    assert_eq!(
        count(&dom, "<svg"),
        svgs,
        "svg elements in the rendered DOM"
    );
    assert_eq!(count(&dom, "<svg"), count(&html, "<svg"));
    // circles: per model, 2 depth charts × 3 ops × 3 depths markers, plus the projections
    let scatter: usize = r
        .results
        .iter()
        .map(|x| {
            x.projection
                .as_ref()
                .map_or(0, |p| p.image.len() + p.text.len())
        })
        .sum();
    assert_eq!(scatter, 2 * 2 * PAIRS);
    assert_eq!(count(&dom, "<circle"), 2 * (2 * 3 * 3) + scatter);
    // bars: 3 ops × 2 models accuracy bars, every rect the page has survives parsing
    assert!(count(&dom, "<rect") >= 6);
    assert_eq!(count(&dom, "<rect"), count(&html, "<rect"));
    for title in [
        "<title>ITM accuracy by op</title>",
        "<title>replace_att: text cosine</title>",
        "<title>swap_obj: ITM accuracy vs depth</title>",
        "<title>laion/CLIP-ViT-B-32: image vs text embeddings</title>",
    ] {
        assert!(dom.contains(title), "missing {title}");
    }
    assert_eq!(count(&dom, "<table>"), count(&html, "<table>"));

    // screenshot: a non-blank page with both scatter colours on it
    let png = dir.path().join("shot.png");
    run_chromium(
        &page,
        profile.path(),
        &[
            format!("--screenshot={}", png.display()),
            "--window-size=1400,3200".into(),
        ],
    );
    let img = image::open(&png).expect("screenshot png").to_rgb8();
    let total = (img.width() * img.height()) as f64;
    let non_white = img
        .pixels()
        .filter(|p| p.0.iter().any(|&c| c < 240))
        .count() as f64;
    assert!(
        non_white / total > 0.02,
        "page looks blank: {:.4} non-white",
        non_white / total
    );
    let near = |rgb: [u8; 3]| {
        img.pixels()
            .filter(|p| p.0.iter().zip(rgb).all(|(&a, b)| a.abs_diff(b) < 40))
            .count()
    };
    assert!(
        near([0x00, 0x72, 0xB2]) > 100,
        "no image/first-model blue drawn"
    );
    assert!(
        near([0xD5, 0x5E, 0x00]) > 100,
        "no text/second-model orange drawn"
    );
    // to look at the page: CLIPPROBE_KEEP_SCREENSHOT=/tmp/shot.png cargo test ...
    if let Some(keep) = std::env::var_os("CLIPPROBE_KEEP_SCREENSHOT").map(PathBuf::from) {
        std::fs::copy(&png, &keep).expect("keep screenshot");
        std::fs::copy(&page, keep.with_extension("html")).expect("keep html");
    }
}

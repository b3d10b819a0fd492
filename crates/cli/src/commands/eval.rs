//! `clipprobe eval`: one or more checkpoints on a benchmark → `report.{json,md,html}`,
//! `pairs.{jsonl,csv}` and `tables/*.csv`.
//!
//! Parses flags, reads and selects the benchmark, loads and embeds, then calls
//! [`clipprobe_probe::evaluate`] and writes with [`clipprobe_probe::report`]; no metric is
//! computed here.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clipprobe_probe::bench::{self, BenchRecord};
use clipprobe_probe::evaluate::{self, Prepared, Selection};
use clipprobe_probe::formats;
use clipprobe_probe::metrics::l2_normalize_rows;
use clipprobe_probe::negatives;
use clipprobe_probe::published;
use clipprobe_probe::report::{self, BenchmarkInfo, ModelInfo, Report, WORLD_PREFIX};
use clipprobe_world::WorldConfig;

use crate::embedder::{self, CacheArgs, ModelArgs, ModelSpec, MOJIBAKE_WARNING};
use crate::printer::Printer;

/// Arguments of `clipprobe eval`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Model(s) to evaluate, `[LABEL=]MODEL`: a Hub id (`org/name`, `org/name@revision`) or a
    /// local folder; LABEL names it in the report. Repeat for a side-by-side comparison
    /// [default: openai/clip-vit-base-patch32].
    #[arg(long = "model", value_name = "[LABEL=]MODEL")]
    pub models: Vec<ModelSpec>,
    /// Benchmark JSON Lines (from `clipprobe negatives`, `world` or `data import`).
    /// Without it, the built-in caption set and its generated negatives (depth 1 to
    /// --default-depth) are used, written to OUT/bench.jsonl.
    #[arg(long)]
    pub bench: Option<PathBuf>,
    /// Output folder for the report files (created if missing).
    #[arg(long)]
    pub out: PathBuf,
    /// Folder that relative image paths resolve against [default: the benchmark's folder].
    #[arg(long)]
    pub images_root: Option<PathBuf>,
    /// Evaluate only these ops (subsets), comma-separated or repeated.
    #[arg(long, value_delimiter = ',')]
    pub ops: Vec<String>,
    /// Evaluate only the first N rows of each op (quick runs).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub limit: Option<u64>,
    /// Leave out rows whose image is missing (listed in report.json and on stderr) instead
    /// of failing.
    #[arg(long)]
    pub skip_missing_images: bool,
    /// Synthetic-world scenes added to the built-in benchmark (ops `world/…`, each negative
    /// with its own rendered image; 0 leaves the world out). Only without --bench.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(0..=100_000))]
    pub world_scenes: u64,
    /// Deepest iterated composition for the built-in benchmark.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=5))]
    pub default_depth: u32,
    /// Captions used for the word-level sensitivity view (0 turns it off).
    #[arg(long, default_value_t = 200)]
    pub token_sample: usize,
    /// Seed for every sampled quantity (anisotropy baseline pairs, bootstrap intervals,
    /// built-in negatives).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    #[command(flatten)]
    pub model_args: ModelArgs,
    #[command(flatten)]
    pub cache: CacheArgs,
}

/// The benchmark read, selected and indexed, with what describes it in the report.
pub fn prepare(args: &Args, bench_path: &Path) -> Result<(Prepared, BenchmarkInfo)> {
    let bytes =
        std::fs::read(bench_path).with_context(|| format!("reading {}", bench_path.display()))?;
    let rows = bench::read_bench(bench_path)?;
    let root = match &args.images_root {
        Some(r) => r.clone(),
        None => evaluate::default_images_root(bench_path),
    };
    let selection = Selection {
        ops: (!args.ops.is_empty()).then(|| args.ops.clone()),
        limit: args.limit.map(|l| l as usize),
        skip_missing_images: args.skip_missing_images,
    };
    let selected = evaluate::select(rows, &selection, bench_path, &root).map_err(|e| {
        let hint = match e {
            clipprobe_probe::Error::MissingImage(_) => {
                "selecting the rows to evaluate (see --images-root, or --skip-missing-images to \
                 leave such rows out)"
            }
            clipprobe_probe::Error::NothingSelected { .. } => {
                "selecting the rows to evaluate (check --ops / --limit / --skip-missing-images)"
            }
            _ => "selecting the rows to evaluate",
        };
        anyhow::Error::new(e).context(hint)
    })?;
    let prep = Prepared::new(
        selected.rows,
        bench_path,
        formats::sha256_hex(&bytes),
        |rel| evaluate::resolve_image(rel, &root),
    )?;
    let info = BenchmarkInfo {
        path: bench_path.display().to_string(),
        sha256: prep.sha256.clone(),
        rows: prep.rows.len(),
        ops: prep
            .by_op
            .iter()
            .map(|(k, v)| (k.clone(), v.len()))
            .collect(),
        selection: report::SelectionInfo {
            ops: selection.ops,
            limit: selection.limit,
        },
        skipped: selected.skipped,
    };
    Ok((prep, info))
}

pub fn run(args: Args, printer: &Printer) -> Result<()> {
    // every --model must parse before any work
    for spec in &args.models {
        spec.parse_source()?;
    }
    // a folder this run creates is removed again when the run fails, so that an early
    // failure (a missing benchmark, a model that does not load) leaves nothing behind
    let created = !args.out.exists();
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating output folder {}", args.out.display()))?;
    let result = run_in_folder(&args, printer);
    if result.is_err() && created {
        let _ = std::fs::remove_dir_all(&args.out);
    }
    result
}

fn run_in_folder(args: &Args, printer: &Printer) -> Result<()> {
    let bench_path = match &args.bench {
        Some(p) => p.clone(),
        None => build_default_bench(args, printer)?,
    };
    let (prep, info) = prepare(args, &bench_path)?;
    for s in &info.skipped {
        printer.warn(format_args!(
            "skipped row {:?}: {} {} {}",
            s.id,
            s.field,
            s.path.display(),
            s.reason
        ));
    }
    printer.info(format_args!(
        "benchmark {}: {} rows in {} ops, {} unique texts, {} unique images{}",
        bench_path.display(),
        prep.rows.len(),
        prep.by_op.len(),
        prep.texts.len(),
        prep.images.len(),
        if prep.images.is_empty() {
            " (no images: image-text accuracy and the modality gap need a benchmark with images)"
        } else {
            ""
        }
    ));
    let ablations = evaluate::word_ablations(&prep, args.token_sample);
    let specs: Vec<ModelSpec> = if args.models.is_empty() {
        vec![ModelSpec::default_model()]
    } else {
        args.models.clone()
    };
    let table = published::builtin()?;
    let mut infos = Vec::new();
    let mut results = Vec::new();
    let mut pairs = Vec::new();
    for spec in &specs {
        let model = embedder::load(spec, &args.model_args, Some(&args.cache), printer)?;
        let (texts, flags) = model.texts(&prep.texts, printer)?;
        if flags.truncated > 0 {
            printer.warn(format_args!(
                "{} texts were longer than the model's context and were truncated (end token kept)",
                flags.truncated
            ));
        }
        if flags.mojibake > 0 {
            printer.warn(format_args!("{} {MOJIBAKE_WARNING}", flags.mojibake));
        }
        let texts = l2_normalize_rows(&texts)?;
        let images = if prep.images.is_empty() {
            None
        } else {
            Some(l2_normalize_rows(
                &model.image_regions(&prep.images, printer)?,
            )?)
        };
        let sensitivity = if ablations.is_empty() {
            None
        } else {
            let ablated: Vec<String> = ablations.iter().map(|a| a.text.clone()).collect();
            let (e, _) = model.texts(&ablated, printer)?;
            Some(evaluate::token_sensitivity(
                &ablations,
                &texts,
                &l2_normalize_rows(&e)?,
            )?)
        };
        let revision = model
            .resolved
            .revision
            .clone()
            .unwrap_or_else(|| "local".to_string());
        let mut result = evaluate::evaluate(&prep, &texts, images.as_ref(), args.seed)
            .with_context(|| format!("computing metrics for {}", model.label))?;
        result.label = model.label.clone();
        result.model = model.resolved.id.clone();
        result.revision = revision.clone();
        result.token_sensitivity = sensitivity;
        result.published = published::for_model(&table, &model.resolved.id, &prep.rows);
        result
            .settings
            .insert("token_sample".into(), serde_json::json!(args.token_sample));
        result.settings.insert(
            "batch_size".into(),
            serde_json::json!(args.model_args.batch_size),
        );
        pairs.extend(evaluate::pairs(
            &prep,
            &model.label,
            &texts,
            images.as_ref(),
        )?);
        infos.push(ModelInfo {
            label: model.label.clone(),
            id: model.resolved.id.clone(),
            revision,
            dtype: model.dtype.name().into(),
            device: model.device.name().into(),
            meta: Some(model.meta()),
        });
        results.push(result);
    }
    let report = Report::new(info, infos, results)?;
    report::write_report(&args.out, &report, Some(&pairs))?;
    if !printer.is_quiet() {
        eprint!("{}", report::summary_text(&report));
    }
    printer.info(format_args!(
        "wrote report.json, report.md, report.html, pairs.jsonl, pairs.csv and tables/ in {}",
        args.out.display()
    ));
    Ok(())
}

/// Writes the built-in benchmark to OUT/bench.jsonl: the built-in caption set with every op
/// at depths 1..=K (text only), plus `--world-scenes` synthetic scenes (`clipprobe world`,
/// ops prefixed `world/`, images in OUT/world/), so that the main job measures image-text
/// accuracy, Winoground-style group scores and the modality gap with nothing to download.
fn build_default_bench(args: &Args, printer: &Printer) -> Result<PathBuf> {
    let input = negatives::InputSet {
        format: negatives::InputFormat::Text,
        captions: negatives::captions_to_inputs(&negatives::builtin_captions()),
        blank_lines: 0,
    };
    let mut rows: Vec<BenchRecord> = Vec::new();
    for depth in 1..=args.default_depth {
        let opts = negatives::Options {
            depth,
            seed: args.seed,
            ..negatives::Options::default()
        };
        for mut r in negatives::run(&input, &opts)?.records {
            r.id = format!("d{depth}/{}", r.id);
            rows.push(r);
        }
    }
    let text_rows = rows.len();
    if args.world_scenes > 0 {
        let cfg = WorldConfig {
            n: args.world_scenes as usize,
            seed: args.seed,
            ..WorldConfig::default_for_main_job()
        };
        let world = clipprobe_world::generate(&cfg, &args.out).with_context(|| {
            format!("rendering the synthetic world into {}", args.out.display())
        })?;
        for mut r in world {
            r.op = format!("{WORLD_PREFIX}{}", r.op).into();
            r.id = format!("{WORLD_PREFIX}{}", r.id);
            rows.push(r);
        }
    }
    let path = args.out.join("bench.jsonl");
    bench::write_bench(&path, &rows)?;
    printer.info(format_args!(
        "no --bench given: built-in caption set ({} captions) → {text_rows} text-only negatives at \
         depths 1..={}, plus {} synthetic-world rows from {} scenes with their own images \
         (ops world/…: drawings, not photographs), in {}",
        input.captions.len(),
        args.default_depth,
        rows.len() - text_rows,
        args.world_scenes,
        path.display()
    ));
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(argv: &[&str]) -> Result<Args, clap::Error> {
        crate::commands::parse_args("eval", argv)
    }

    #[test]
    fn flags_parse() {
        let a = parse(&["--out", "r"]).expect("defaults");
        assert!(a.models.is_empty() && a.bench.is_none() && a.ops.is_empty());
        assert_eq!((a.default_depth, a.token_sample, a.seed), (3, 200, 0));
        assert_eq!(a.world_scenes, 200);
        assert!(!a.model_args.offline && !a.cache.no_cache && !a.skip_missing_images);
        assert_eq!(a.model_args.batch_size, 32);
        assert_eq!(a.limit, None);
        let a = parse(&[
            "--model",
            "b32=org/a",
            "--model",
            "./b",
            "--bench",
            "x.jsonl",
            "--out",
            "r",
            "--images-root",
            "imgs",
            "--default-depth",
            "2",
            "--token-sample",
            "0",
            "--seed",
            "7",
            "--offline",
            "--no-cache",
            "--cache-dir",
            "c",
            "--dtype",
            "bf16",
            "--batch-size",
            "8",
            "--ops",
            "swap_att,add_obj",
            "--ops",
            "replace_rel",
            "--limit",
            "5",
            "--skip-missing-images",
            "--world-scenes",
            "0",
        ])
        .expect("all flags");
        assert_eq!(a.models[0].label.as_deref(), Some("b32"));
        assert_eq!(a.models[0].source, "org/a");
        assert_eq!(a.models[1].label, None);
        assert_eq!(a.bench, Some(PathBuf::from("x.jsonl")));
        assert_eq!(a.images_root, Some(PathBuf::from("imgs")));
        assert_eq!((a.default_depth, a.token_sample, a.seed), (2, 0, 7));
        assert!(a.model_args.offline && a.cache.no_cache && a.skip_missing_images);
        assert_eq!(a.cache.cache_dir, Some(PathBuf::from("c")));
        assert_eq!(a.model_args.dtype, embedder::Dtype::Bf16);
        assert_eq!(a.model_args.batch_size, 8);
        assert_eq!(a.ops, ["swap_att", "add_obj", "replace_rel"]);
        assert_eq!(a.limit, Some(5));
        assert_eq!(a.world_scenes, 0);
        assert!(parse(&[]).is_err(), "--out is required");
        assert!(parse(&["--out", "r", "--default-depth", "9"]).is_err());
        assert!(parse(&["--out", "r", "--batch-size", "0"]).is_err());
        assert!(parse(&["--out", "r", "--dtype", "f64"]).is_err());
        assert!(parse(&["--out", "r", "--limit", "0"]).is_err());
        assert!(parse(&["--out", "r", "--model", "=x"]).is_err());
    }
}

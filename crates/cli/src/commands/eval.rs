//! `clipprobe eval`: one or more checkpoints on a benchmark → `report.{json,md,html}`.
//!
//! Steps: read the benchmark (or build the default one from the built-in caption set), collect
//! the unique captions and images, embed each once per model through the cache, then compute
//! every metric with `clipprobe_probe::metrics` and write the report with
//! `clipprobe_probe::report`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clipprobe_probe::bench::{self, BenchRecord, ConceptKind, Scoring};
use clipprobe_probe::concepts;
use clipprobe_probe::formats;
use clipprobe_probe::lexicon::Lexicon;
use clipprobe_probe::metrics::{self, l2_normalize_rows, Histogram, Matrix, Summary};
use clipprobe_probe::negatives;
use clipprobe_probe::report::{
    self, BenchmarkInfo, DepthResult, ModelInfo, ModelResult, OpResult, Report, TokenSensitivity,
};

use crate::embedder::{self, ModelArgs};
use crate::printer::Printer;

/// The checkpoint `eval` uses when no `--model` is given.
pub const DEFAULT_MODEL: &str = "openai/clip-vit-base-patch32";

/// Arguments of `clipprobe eval`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Model(s) to evaluate: Hub id (`org/name`, `org/name@revision`) or local folder.
    /// Repeat for a side-by-side comparison [default: openai/clip-vit-base-patch32].
    #[arg(long = "model")]
    pub models: Vec<String>,
    /// Benchmark JSON Lines (from `clipprobe negatives` or `clipprobe data import`).
    /// Without it, the built-in caption set and its generated negatives (depth 1 to
    /// --default-depth) are used, written to OUT/bench.jsonl.
    #[arg(long)]
    pub bench: Option<PathBuf>,
    /// Output folder for report.json, report.md and report.html (created if missing).
    #[arg(long)]
    pub out: PathBuf,
    /// Folder that relative image paths resolve against [default: the benchmark's folder].
    #[arg(long)]
    pub images_root: Option<PathBuf>,
    /// Deepest iterated composition for the built-in benchmark.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=5))]
    pub default_depth: u32,
    /// Captions used for the word-level sensitivity view (0 turns it off).
    #[arg(long, default_value_t = 200)]
    pub token_sample: usize,
    /// Seed for every sampled quantity (anisotropy baseline pairs, built-in negatives).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    #[command(flatten)]
    pub model_args: ModelArgs,
}

/// The benchmark as `eval` needs it: rows, and the unique texts and images they point at.
pub struct Prepared {
    pub sha256: String,
    pub rows: Vec<BenchRecord>,
    /// Unique texts (captions, negatives, alternative captions) in first-seen order.
    pub texts: Vec<String>,
    /// Unique resolved image paths in first-seen order.
    pub images: Vec<PathBuf>,
    /// Per row: index of caption, negative, image, negative image.
    pub caption_ix: Vec<usize>,
    pub negative_ix: Vec<usize>,
    /// Per row: index of the first alternative true caption (SugarCrepe++), else of the caption.
    pub alt_ix: Vec<usize>,
    pub image_ix: Vec<Option<usize>>,
    pub negative_image_ix: Vec<Option<usize>>,
    /// Row indices per `op`, in sorted op order.
    pub by_op: BTreeMap<String, Vec<usize>>,
}

fn intern<T: Clone + Ord>(map: &mut BTreeMap<T, usize>, list: &mut Vec<T>, v: &T) -> usize {
    if let Some(&i) = map.get(v) {
        return i;
    }
    list.push(v.clone());
    map.insert(v.clone(), list.len() - 1);
    list.len() - 1
}

/// Reads and indexes a benchmark; every image must exist (the error names the row).
pub fn prepare(path: &Path, images_root: Option<&Path>) -> Result<Prepared> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let rows = bench::read_bench(path)?;
    let root = match images_root {
        Some(r) => r.to_path_buf(),
        None => path.parent().map(Path::to_path_buf).unwrap_or_default(),
    };
    let (mut tmap, mut imap) = (BTreeMap::new(), BTreeMap::new());
    let (mut texts, mut images) = (Vec::new(), Vec::new());
    let mut p = Prepared {
        sha256: formats::sha256_hex(&bytes),
        rows: Vec::new(),
        texts: Vec::new(),
        images: Vec::new(),
        caption_ix: Vec::new(),
        negative_ix: Vec::new(),
        alt_ix: Vec::new(),
        image_ix: Vec::new(),
        negative_image_ix: Vec::new(),
        by_op: BTreeMap::new(),
    };
    let mut image = |rel: &Option<String>, id: &str, field: &str| -> Result<Option<usize>> {
        let Some(rel) = rel else { return Ok(None) };
        let full = embedder::resolve_image(rel, &root);
        if !full.is_file() {
            anyhow::bail!(
                "{}: row {id:?}: {field} {} does not exist (relative paths resolve against {}; see --images-root)",
                path.display(),
                full.display(),
                root.display()
            );
        }
        Ok(Some(intern(&mut imap, &mut images, &full)))
    };
    for (i, r) in rows.iter().enumerate() {
        p.caption_ix.push(intern(&mut tmap, &mut texts, &r.caption));
        p.negative_ix
            .push(intern(&mut tmap, &mut texts, &r.negative));
        let alts: Vec<usize> = r
            .alt_captions
            .iter()
            .map(|a| intern(&mut tmap, &mut texts, a))
            .collect();
        p.alt_ix
            .push(alts.first().copied().unwrap_or(p.caption_ix[i]));
        p.image_ix.push(image(&r.image, &r.id, "image")?);
        p.negative_image_ix
            .push(image(&r.negative_image, &r.id, "negative_image")?);
        p.by_op.entry(r.op.clone()).or_default().push(i);
    }
    p.rows = rows;
    p.texts = texts;
    p.images = images;
    Ok(p)
}

/// True when the row is scored SugarCrepe-style and has an image.
pub fn has_itm_image(p: &Prepared, row: usize) -> bool {
    p.rows[row].scoring == Scoring::Itm && p.image_ix[row].is_some()
}

/// Most caption pairs sampled for the anisotropy baseline.
pub const ANISOTROPY_MAX_PAIRS: usize = 20_000;

pub fn run(args: Args, printer: &Printer) -> Result<()> {
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating output folder {}", args.out.display()))?;
    let bench_path = match &args.bench {
        Some(p) => p.clone(),
        None => build_default_bench(&args, printer)?,
    };
    let prep = prepare(&bench_path, args.images_root.as_deref())?;
    printer.info(format_args!(
        "benchmark {}: {} rows in {} ops, {} unique texts, {} unique images",
        bench_path.display(),
        prep.rows.len(),
        prep.by_op.len(),
        prep.texts.len(),
        prep.images.len()
    ));
    let ablations = word_ablations(&prep, args.token_sample);
    let specs: Vec<String> = if args.models.is_empty() {
        vec![DEFAULT_MODEL.to_string()]
    } else {
        args.models.clone()
    };
    let mut infos = Vec::new();
    let mut results = Vec::new();
    for spec in &specs {
        let model = embedder::load(spec, &args.model_args, printer)?;
        let (texts, truncated) = model.texts(&prep.texts, printer)?;
        if truncated > 0 {
            printer.warn(format_args!(
                "{truncated} texts were longer than the model's context and were truncated (end token kept)"
            ));
        }
        let texts = l2_normalize_rows(&texts)?;
        let images = if prep.images.is_empty() {
            None
        } else {
            Some(l2_normalize_rows(&model.images(&prep.images, printer)?)?)
        };
        let sensitivity = if ablations.is_empty() {
            None
        } else {
            let ablated: Vec<String> = ablations.iter().map(|a| a.text.clone()).collect();
            let (e, _) = model.texts(&ablated, printer)?;
            Some(token_sensitivity(
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
        let mut result = evaluate(&prep, &texts, images.as_ref(), args.seed)
            .with_context(|| format!("computing metrics for {spec}"))?;
        result.model = model.resolved.id.clone();
        result.revision = revision.clone();
        result.token_sensitivity = sensitivity;
        result
            .settings
            .insert("token_sample".into(), serde_json::json!(args.token_sample));
        infos.push(ModelInfo {
            id: model.resolved.id.clone(),
            revision,
            dtype: model.dtype.name().into(),
            device: model.device.name().into(),
        });
        results.push(result);
    }
    let info = BenchmarkInfo {
        path: bench_path.display().to_string(),
        sha256: prep.sha256.clone(),
        rows: prep.rows.len(),
        ops: prep
            .by_op
            .iter()
            .map(|(k, v)| (k.clone(), v.len()))
            .collect(),
    };
    let report = Report::new(info, infos, results)?;
    report::write_report(&args.out, &report)?;
    printer.info(format_args!(
        "wrote {0}/report.json, {0}/report.md and {0}/report.html",
        args.out.display()
    ));
    Ok(())
}

/// Writes the built-in benchmark (built-in captions, every op, depths 1..=K) to OUT/bench.jsonl.
fn build_default_bench(args: &Args, printer: &Printer) -> Result<PathBuf> {
    let input = negatives::InputSet {
        format: negatives::InputFormat::Text,
        captions: negatives::captions_to_inputs(&negatives::builtin_captions()),
        blank_lines: 0,
    };
    let mut rows = Vec::new();
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
    let path = args.out.join("bench.jsonl");
    bench::write_bench(&path, &rows)?;
    printer.info(format_args!(
        "no --bench given: built-in caption set ({} captions) → {} negatives at depths 1..={} in {}",
        input.captions.len(),
        rows.len(),
        args.default_depth,
        path.display()
    ));
    Ok(path)
}

/// One word-level ablation: a caption with one concept's words removed.
pub struct Ablation {
    /// Index of the original caption in `Prepared::texts`.
    pub text_ix: usize,
    pub kind: ConceptKind,
    pub text: String,
}

/// For the first `limit` unique true captions: each object, attribute and relation concept
/// the parser finds, removed from the caption (model-independent, so built once).
pub fn word_ablations(prep: &Prepared, limit: usize) -> Vec<Ablation> {
    let lex = Lexicon::builtin();
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for &ix in &prep.caption_ix {
        if seen.len() >= limit {
            break;
        }
        if !seen.insert(ix) {
            continue;
        }
        let caption = &prep.texts[ix];
        let parse = concepts::parse(caption, lex);
        let chars: Vec<char> = caption.chars().collect();
        for c in parse.concepts(lex) {
            let [a, b] = c.span;
            let left: String = chars[..a.min(chars.len())].iter().collect();
            let right: String = chars[b.min(chars.len())..].iter().collect();
            let text = format!("{} {}", left.trim_end(), right.trim_start())
                .trim()
                .to_string();
            if !text.is_empty() && text != *caption {
                out.push(Ablation {
                    text_ix: ix,
                    kind: c.kind,
                    text,
                });
            }
        }
    }
    out
}

/// Summaries of `1 − cos(t(caption), t(caption without the concept))` per concept kind.
fn token_sensitivity(
    abl: &[Ablation],
    texts: &Matrix,
    ablated: &Matrix,
) -> Result<TokenSensitivity> {
    let of = |kind: ConceptKind| -> Result<Option<Summary>> {
        let v: Vec<f64> = abl
            .iter()
            .enumerate()
            .filter(|(_, a)| a.kind == kind)
            .map(|(i, a)| 1.0 - metrics::cosine(texts.row(a.text_ix), ablated.row(i)))
            .collect();
        Ok(if v.is_empty() {
            None
        } else {
            Some(Summary::of(&v)?)
        })
    };
    Ok(TokenSensitivity {
        object: of(ConceptKind::Object)?,
        attribute: of(ConceptKind::Attribute)?,
        relation: of(ConceptKind::Relation)?,
    })
}

fn select(m: &Matrix, ix: impl IntoIterator<Item = usize>) -> Result<Matrix> {
    let ix: Vec<usize> = ix.into_iter().collect();
    Ok(m.select(&ix)?)
}

/// Every metric of one model on a prepared benchmark, from L2-normalised embeddings
/// (`texts` rows follow `prep.texts`, `images` rows follow `prep.images`).
pub fn evaluate(
    prep: &Prepared,
    texts: &Matrix,
    images: Option<&Matrix>,
    seed: u64,
) -> Result<ModelResult> {
    // anisotropy baseline over the unique true captions
    let mut uniq: Vec<usize> = prep.caption_ix.clone();
    uniq.sort_unstable();
    uniq.dedup();
    let baseline = metrics::anisotropy_baseline(&select(texts, uniq)?, ANISOTROPY_MAX_PAIRS, seed)?;

    // matched (image, caption) pairs: the modality gap, its direction and the projection
    let mut matched = std::collections::BTreeSet::new();
    for r in 0..prep.rows.len() {
        if let Some(i) = prep.image_ix[r] {
            matched.insert((i, prep.caption_ix[r]));
        }
        if let Some(i) = prep.negative_image_ix[r] {
            matched.insert((i, prep.negative_ix[r]));
        }
    }
    let (mut gap, mut direction, mut projection) = (None, None, None);
    if let (Some(img), true) = (images, matched.len() >= 2) {
        let mi = select(img, matched.iter().map(|p| p.0))?;
        let mt = select(texts, matched.iter().map(|p| p.1))?;
        gap = Some(metrics::modality_gap(&mi, &mt)?);
        direction = Some(metrics::gap_direction(&mi, &mt)?);
        projection = Some(metrics::pca_projection(
            &mi,
            &mt,
            report::PROJECTION_MAX_POINTS,
        )?);
    }

    let mut ops = BTreeMap::new();
    for (op, rows) in &prep.by_op {
        let cap = select(texts, rows.iter().map(|&r| prep.caption_ix[r]))?;
        let neg = select(texts, rows.iter().map(|&r| prep.negative_ix[r]))?;
        let cos = metrics::pair_cosines(&cap, &neg)?;
        let summary = Summary::of(&cos)?;
        // SugarCrepe-style rows with an image
        let itm_rows: Vec<usize> = rows
            .iter()
            .copied()
            .filter(|&r| has_itm_image(prep, r))
            .collect();
        let (mut acc, mut margin, mut acc_gap_removed) = (None, None, None);
        let mut margins_by_row = BTreeMap::new();
        if let (Some(img), false) = (images, itm_rows.is_empty()) {
            let i = select(img, itm_rows.iter().filter_map(|&r| prep.image_ix[r]))?;
            let c = select(texts, itm_rows.iter().map(|&r| prep.caption_ix[r]))?;
            let n = select(texts, itm_rows.iter().map(|&r| prep.negative_ix[r]))?;
            let m = metrics::itm_margins(&i, &c, &n)?;
            acc = Some(metrics::accuracy(&m)?);
            margin = Some(Summary::of(&m)?);
            if itm_rows.len() >= 2 {
                acc_gap_removed = Some(metrics::accuracy(&metrics::itm_margins_gap_removed(
                    &i, &c, &n,
                )?)?);
            }
            margins_by_row = itm_rows.iter().copied().zip(m).collect();
        }
        let alignment = match &direction {
            Some(g) => Some(metrics::edit_gap_alignment(&cap, &neg, g)?),
            None => None,
        };
        // by depth
        let mut depth_rows: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
        for (k, &r) in rows.iter().enumerate() {
            depth_rows.entry(prep.rows[r].depth).or_default().push(k);
        }
        let mut by_depth = BTreeMap::new();
        for (d, ks) in depth_rows {
            let c: Vec<f64> = ks.iter().map(|&k| cos[k]).collect();
            let m: Vec<f64> = ks
                .iter()
                .filter_map(|&k| margins_by_row.get(&rows[k]).copied())
                .collect();
            by_depth.insert(
                d,
                DepthResult {
                    pairs: ks.len(),
                    text_cosine_mean: Summary::of(&c)?.mean,
                    itm_accuracy: if m.is_empty() {
                        None
                    } else {
                        Some(metrics::accuracy(&m)?)
                    },
                },
            );
        }
        // Winoground rows
        let wino: Vec<usize> = rows
            .iter()
            .copied()
            .filter(|&r| prep.rows[r].scoring == Scoring::Winoground)
            .collect();
        let winoground = match (images, wino.is_empty()) {
            (Some(img), false) => {
                let c0 = select(texts, wino.iter().map(|&r| prep.caption_ix[r]))?;
                let c1 = select(texts, wino.iter().map(|&r| prep.negative_ix[r]))?;
                let i0 = select(img, wino.iter().filter_map(|&r| prep.image_ix[r]))?;
                let i1 = select(img, wino.iter().filter_map(|&r| prep.negative_image_ix[r]))?;
                Some(metrics::WinogroundScores::of(&metrics::winoground(
                    &c0, &i0, &c1, &i1,
                )?)?)
            }
            _ => None,
        };
        // SugarCrepe++ rows: a second true caption
        let pp: Vec<usize> = rows
            .iter()
            .copied()
            .filter(|&r| !prep.rows[r].alt_captions.is_empty())
            .collect();
        let sugarcrepe_pp = if pp.is_empty() {
            None
        } else {
            let p1 = select(texts, pp.iter().map(|&r| prep.caption_ix[r]))?;
            let p2 = select(texts, pp.iter().map(|&r| prep.alt_ix[r]))?;
            let n = select(texts, pp.iter().map(|&r| prep.negative_ix[r]))?;
            let with_images = images.filter(|_| pp.iter().all(|&r| has_itm_image(prep, r)));
            let i = match with_images {
                Some(img) => Some(select(img, pp.iter().filter_map(|&r| prep.image_ix[r]))?),
                None => None,
            };
            Some(metrics::sugarcrepe_pp(i.as_ref(), &p1, &p2, &n)?)
        };
        ops.insert(
            op.clone(),
            OpResult {
                pairs: rows.len(),
                text_cosine_hist: Histogram::cosine(&cos)?,
                text_cosine_normalized_mean: metrics::normalized_insensitivity(
                    summary.mean,
                    baseline,
                )?,
                text_cosine: summary,
                itm_accuracy: acc,
                itm_margin: margin,
                itm_accuracy_gap_removed: acc_gap_removed,
                edit_gap_alignment: alignment,
                by_depth,
                winoground,
                sugarcrepe_pp,
            },
        );
    }
    let mut settings = BTreeMap::new();
    settings.insert("seed".into(), serde_json::json!(seed));
    settings.insert(
        "anisotropy_max_pairs".into(),
        serde_json::json!(ANISOTROPY_MAX_PAIRS),
    );
    settings.insert(
        "projection_max_points".into(),
        serde_json::json!(report::PROJECTION_MAX_POINTS),
    );
    Ok(ModelResult {
        model: String::new(),
        revision: String::new(),
        benchmark_sha256: prep.sha256.clone(),
        settings,
        ops,
        anisotropy_baseline: baseline,
        modality_gap: gap,
        token_sensitivity: None,
        projection,
    })
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
        assert!(a.models.is_empty() && a.bench.is_none());
        assert_eq!((a.default_depth, a.token_sample, a.seed), (3, 200, 0));
        assert!(!a.model_args.offline && !a.model_args.no_cache);
        assert_eq!(a.model_args.batch_size, 64);
        let a = parse(&[
            "--model",
            "org/a",
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
        ])
        .expect("all flags");
        assert_eq!(a.models, ["org/a", "./b"]);
        assert_eq!(a.bench, Some(PathBuf::from("x.jsonl")));
        assert_eq!(a.images_root, Some(PathBuf::from("imgs")));
        assert_eq!((a.default_depth, a.token_sample, a.seed), (2, 0, 7));
        assert!(a.model_args.offline && a.model_args.no_cache);
        assert_eq!(a.model_args.cache_dir, Some(PathBuf::from("c")));
        assert_eq!(a.model_args.dtype, embedder::Dtype::Bf16);
        assert_eq!(a.model_args.batch_size, 8);
        assert!(parse(&[]).is_err(), "--out is required");
        assert!(parse(&["--out", "r", "--default-depth", "9"]).is_err());
        assert!(parse(&["--out", "r", "--batch-size", "0"]).is_err());
        assert!(parse(&["--out", "r", "--dtype", "f64"]).is_err());
    }
}

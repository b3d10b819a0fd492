//! `clipprobe gap`: the modality gap of a checkpoint on matched image-caption pairs.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clipprobe_probe::formats;
use clipprobe_probe::metrics::{self, l2_normalize_rows, ModalityGap};

use crate::embedder::{self, CacheArgs, ModelArgs, ModelSpec};
use crate::printer::Printer;

/// Arguments of `clipprobe gap`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Model, `[LABEL=]MODEL`: Hub id (`org/name`, `org/name@revision`) or local folder.
    #[arg(long, value_name = "[LABEL=]MODEL", default_value = embedder::DEFAULT_MODEL)]
    pub model: ModelSpec,
    /// JSON Lines file of matched pairs: `{"image": PATH, "caption": TEXT}` per line.
    #[arg(long)]
    pub pairs: PathBuf,
    /// Folder that relative image paths resolve against [default: the pairs file's folder].
    #[arg(long)]
    pub images_root: Option<PathBuf>,
    /// Output JSON file.
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub model_args: ModelArgs,
    #[command(flatten)]
    pub cache: CacheArgs,
}

#[derive(serde::Deserialize)]
struct Pair {
    image: String,
    caption: String,
}

/// Schema version of `clipprobe gap` output.
pub const GAP_SCHEMA_VERSION: u64 = 1;

#[derive(serde::Serialize)]
struct GapOutput<'a> {
    schema_version: u64,
    tool: serde_json::Value,
    model: &'a str,
    revision: Option<&'a str>,
    dtype: &'a str,
    pairs_file: String,
    pairs_sha256: String,
    modality_gap: ModalityGap,
}

/// Reads `{image, caption}` pairs; errors name the line.
fn read_pairs(path: &Path, root: &Path) -> Result<(Vec<PathBuf>, Vec<String>)> {
    let rows = formats::read_jsonl::<Pair>(path)?;
    if rows.len() < 2 {
        anyhow::bail!(
            "{}: the modality gap needs at least 2 pairs, found {}",
            path.display(),
            rows.len()
        );
    }
    let mut images = Vec::new();
    let mut captions = Vec::new();
    for (line, p) in rows {
        let img = embedder::resolve_image(&p.image, root);
        if !img.is_file() {
            anyhow::bail!(
                "{}:{line}: image {} does not exist",
                path.display(),
                img.display()
            );
        }
        if p.caption.trim().is_empty() {
            anyhow::bail!("{}:{line}: empty caption", path.display());
        }
        images.push(img);
        captions.push(p.caption);
    }
    Ok((images, captions))
}

pub fn run(args: Args, printer: &Printer) -> Result<()> {
    let root = match &args.images_root {
        Some(r) => r.clone(),
        None => clipprobe_probe::evaluate::default_images_root(&args.pairs),
    };
    let (images, captions) = read_pairs(&args.pairs, &root)?;
    formats::check_output(&args.out)?;
    let bytes =
        std::fs::read(&args.pairs).with_context(|| format!("reading {}", args.pairs.display()))?;
    let model = embedder::load(&args.model, &args.model_args, Some(&args.cache), printer)?;
    let (txt, _) = model.texts(&captions, printer)?;
    let img = model.images(&images, printer)?;
    let (txt, img) = (l2_normalize_rows(&txt)?, l2_normalize_rows(&img)?);
    let gap = metrics::modality_gap(&img, &txt)?;
    let out = GapOutput {
        schema_version: GAP_SCHEMA_VERSION,
        tool: serde_json::json!({"name": "clipprobe", "version": env!("CARGO_PKG_VERSION")}),
        model: &model.resolved.id,
        revision: model.resolved.revision.as_deref(),
        dtype: model.dtype.name(),
        pairs_file: args.pairs.display().to_string(),
        pairs_sha256: formats::sha256_hex(&bytes),
        modality_gap: gap,
    };
    formats::write_json(&args.out, &out)?;
    printer.info(format_args!(
        "modality gap over {} pairs: l2m {:.4}, l2i {:.4}, rmg {:.4}, linear probe {:.3}; wrote {}",
        out.modality_gap.pairs,
        out.modality_gap.l2m,
        out.modality_gap.l2i,
        out.modality_gap.rmg,
        out.modality_gap.linear_probe_accuracy,
        args.out.display()
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_parse() {
        let a: Args =
            crate::commands::parse_args("gap", &["--pairs", "p.jsonl", "--out", "g.json"])
                .expect("parse");
        assert_eq!(a.pairs, PathBuf::from("p.jsonl"));
        assert_eq!(a.out, PathBuf::from("g.json"));
        assert!(a.images_root.is_none());
        let a: Args = crate::commands::parse_args(
            "gap",
            &[
                "--pairs",
                "p",
                "--out",
                "o",
                "--images-root",
                "i",
                "--model",
                "m",
            ],
        )
        .expect("parse");
        assert_eq!(
            (a.images_root, a.model.source.as_str()),
            (Some(PathBuf::from("i")), "m")
        );
        assert!(crate::commands::parse_args::<Args>("gap", &["--pairs", "p"]).is_err());
    }
}

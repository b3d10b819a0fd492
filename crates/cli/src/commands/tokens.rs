//! `clipprobe tokens`: how much the text embedding of one caption moves when each token is
//! removed or masked — which words the model actually reads.
//!
//! For token position i (special tokens excluded: CLIP's BOS and EOS, SigLIP's EOS; SigLIP's
//! SentencePiece tokenizers add no BOS, so their first token is analysed too) two ablations
//! are embedded: *remove* (the token is deleted) and *mask* (its id is replaced, keeping the
//! sequence length: by CLIP's start token, which the causal text tower never pools, or by
//! SigLIP's padding token, what the rest of the fixed-length input holds). Movement is
//! `1 − cos(t, t')` of the L2-normalised embeddings: 0 means the model ignored the token.

use anyhow::{Context, Result};
use clipprobe_probe::metrics::{cosine, Matrix};

use crate::embedder::{self, CacheArgs, ModelArgs, ModelSpec};
use crate::printer::Printer;

/// Arguments of `clipprobe tokens`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Model, `[LABEL=]MODEL`: Hub id (`org/name`, `org/name@revision`) or local folder.
    #[arg(long, value_name = "[LABEL=]MODEL", default_value = embedder::DEFAULT_MODEL)]
    pub model: ModelSpec,
    /// The caption to analyse.
    #[arg(long)]
    pub caption: String,
    /// Print JSON (one object) instead of a table.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub model_args: ModelArgs,
    #[command(flatten)]
    pub cache: CacheArgs,
}

/// Movement of the embedding for each token of a caption.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TokenMovement {
    pub position: usize,
    pub token: String,
    pub id: u32,
    /// 1 − cos(original, token removed).
    pub remove: f64,
    /// 1 − cos(original, token replaced by the start token).
    pub mask: f64,
}

/// Per-token movements for `caption` (special tokens excluded), in position order.
pub fn token_movements(model: &embedder::Loaded, caption: &str) -> Result<Vec<TokenMovement>> {
    let clip = &model.clip;
    let ids = clip
        .tokenize(caption)
        .with_context(|| format!("tokenizing {caption:?}"))?;
    let (lead, trail) = clip.tokenizer().special_counts()?;
    if ids.len() <= lead + trail {
        anyhow::bail!("caption {caption:?} has no tokens besides the special tokens");
    }
    let filler = match clip.tokenizer().padding() {
        Some(p) => p.pad_id,
        None => ids[0],
    };
    let inner = lead..ids.len() - trail;
    let mut batch = vec![ids.clone()];
    for i in inner.clone() {
        let mut removed = ids.clone();
        removed.remove(i);
        let mut masked = ids.clone();
        masked[i] = filler;
        batch.push(removed);
        batch.push(masked);
    }
    let dim = clip.projection_dim();
    let rows = batch.len();
    let emb = Matrix::new(rows, dim, clip.embed_token_ids(&batch, 64)?)?;
    let names = clip.token_strings(&ids);
    let orig = emb.row(0);
    Ok(inner
        .enumerate()
        .map(|(k, i)| TokenMovement {
            position: i,
            token: names.get(i).cloned().unwrap_or_default(),
            id: ids[i],
            remove: 1.0 - cosine(orig, emb.row(1 + 2 * k)),
            mask: 1.0 - cosine(orig, emb.row(2 + 2 * k)),
        })
        .collect())
}

pub fn run(args: Args, printer: &Printer) -> Result<()> {
    let model = embedder::load(&args.model, &args.model_args, Some(&args.cache), printer)?;
    let moves = token_movements(&model, &args.caption)?;
    let mut out = String::new();
    if args.json {
        let v = serde_json::json!({
            "schema_version": 1,
            "model": model.resolved.id,
            "revision": model.resolved.revision,
            "caption": args.caption,
            "tokens": moves,
        });
        out.push_str(&serde_json::to_string_pretty(&v)?);
        out.push('\n');
    } else {
        out.push_str("pos  token                 remove    mask\n");
        for m in &moves {
            let bar = "#".repeat((m.remove.max(0.0) * 200.0).round().min(40.0) as usize);
            out.push_str(&format!(
                "{:>3}  {:<20} {:>7.4} {:>7.4}  {bar}\n",
                m.position, m.token, m.remove, m.mask
            ));
        }
    }
    use std::io::Write;
    std::io::stdout().write_all(out.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_parse() {
        let a: Args =
            crate::commands::parse_args("tokens", &["--caption", "a cat"]).expect("parse");
        assert_eq!(a.model.source, "openai/clip-vit-base-patch32");
        assert_eq!(a.caption, "a cat");
        assert!(!a.json);
        let a: Args = crate::commands::parse_args(
            "tokens",
            &[
                "--caption",
                "x",
                "--model",
                "dir:m",
                "--json",
                "--device",
                "cpu",
            ],
        )
        .expect("parse");
        assert_eq!((a.model.source.as_str(), a.json), ("dir:m", true));
        assert!(crate::commands::parse_args::<Args>("tokens", &[]).is_err());
    }
}

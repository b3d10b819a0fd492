//! [`Clip`]: a checkpoint folder → projected, **unnormalised** text and image embeddings,
//! batched and length-bucketed, as transformers' `CLIPModel.get_text_features` /
//! `get_image_features` give them after `CLIPTokenizerFast` / `CLIPImageProcessor`.
//!
//! Texts are sorted by token count before batching (stable, so ties keep input order), so each
//! batch pads only to its own longest caption; results come back in input order. Padding can
//! not change a caption's embedding (causal mask, pooling at or before the caption's EOS), so
//! bucketing is a pure speed-up. Images are decoded and preprocessed in parallel, one batch
//! at a time.
//!
//! ```no_run
//! use clipprobe_clip::embed::{Clip, LoadOptions};
//! # fn main() -> clipprobe_clip::Result<()> {
//! let clip = Clip::load(std::path::Path::new("models/vit-b-32"), &LoadOptions::default())?;
//! let texts = clip.embed_texts(&["a red cube on a blue ball"], 64, &mut |_| {})?;
//! assert_eq!(texts.data.len(), clip.projection_dim());
//! # Ok(()) }
//! ```

use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};

use crate::error::{Error, Result};
use crate::model::ClipModel;
use crate::preprocess::Preprocessor;
use crate::tokenizer::Tokenizer;

/// Where and in which precision the model runs.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Device holding the weights and running the forward passes.
    pub device: Device,
    /// Compute dtype (weights are converted on load); outputs are always f32.
    pub dtype: DType,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            device: Device::Cpu,
            dtype: DType::F32,
        }
    }
}

/// Text embeddings, row-major `rows × dim`, row `i` for text `i`.
#[derive(Debug, Clone, PartialEq)]
pub struct TextEmbeddings {
    pub rows: usize,
    pub dim: usize,
    pub data: Vec<f32>,
    /// Indices of the texts longer than the context window, cut as transformers cuts them
    /// (first tokens kept, EOS kept last).
    pub truncated: Vec<usize>,
}

/// A loaded checkpoint: model, tokenizer and image preprocessor.
pub struct Clip {
    model: ClipModel,
    tokenizer: Tokenizer,
    preprocessor: Preprocessor,
}

impl std::fmt::Debug for Clip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Clip")
            .field("model", &self.model)
            .finish_non_exhaustive()
    }
}

impl Clip {
    /// Loads a checkpoint folder: `config.json`, safetensors weights, `tokenizer.json` (or
    /// `vocab.json` + `merges.txt`) and `preprocessor_config.json`. The preprocessor's output
    /// size must be the vision tower's `image_size`.
    pub fn load(dir: &Path, opts: &LoadOptions) -> Result<Self> {
        let model = ClipModel::load(dir, &opts.device, opts.dtype)?;
        let tokenizer = Tokenizer::from_dir(dir, model.config().text.max_position_embeddings)?;
        let preprocessor = Preprocessor::from_dir(dir)?;
        let side = model.config().vision.image_size;
        if preprocessor.output_size() != (side, side) {
            let (h, w) = preprocessor.output_size();
            return Err(Error::Config {
                path: dir.join("preprocessor_config.json"),
                message: format!(
                    "gives {h}x{w} images, but config.json's vision_config.image_size is {side}"
                ),
            });
        }
        Ok(Self {
            model,
            tokenizer,
            preprocessor,
        })
    }

    /// The model (towers, config, logit scale).
    pub fn model(&self) -> &ClipModel {
        &self.model
    }

    /// The tokenizer.
    pub fn tokenizer(&self) -> &Tokenizer {
        &self.tokenizer
    }

    /// The image preprocessor.
    pub fn preprocessor(&self) -> &Preprocessor {
        &self.preprocessor
    }

    /// Width of every embedding (`projection_dim`).
    pub fn projection_dim(&self) -> usize {
        self.model.config().projection_dim
    }

    /// Token ids of `text` (BOS … EOS, cut to the context window).
    pub fn tokenize(&self, text: &str) -> Result<Vec<u32>> {
        Ok(self.tokenizer.encode(text)?.ids)
    }

    /// The vocabulary string of each id (empty for an unknown id).
    pub fn token_strings(&self, ids: &[u32]) -> Vec<String> {
        self.tokenizer.token_strings(ids)
    }

    /// Embeds `texts` (row `i` = `texts[i]`), `batch_size` texts per forward pass;
    /// `progress` is called with the number of texts finished after each batch.
    pub fn embed_texts<S: AsRef<str> + Sync>(
        &self,
        texts: &[S],
        batch_size: usize,
        progress: &mut dyn FnMut(usize),
    ) -> Result<TextEmbeddings> {
        let encoded = self.tokenizer.encode_batch(texts)?;
        let truncated = encoded
            .iter()
            .enumerate()
            .filter(|(_, e)| e.truncated)
            .map(|(i, _)| i)
            .collect();
        let ids: Vec<Vec<u32>> = encoded.into_iter().map(|e| e.ids).collect();
        let data = self.embed_ids(&ids, batch_size, progress)?;
        Ok(TextEmbeddings {
            rows: ids.len(),
            dim: self.projection_dim(),
            data,
            truncated,
        })
    }

    /// Embeds token-id sequences (BOS … EOS, unpadded), row-major `ids.len() × dim`.
    pub fn embed_token_ids(&self, ids: &[Vec<u32>], batch_size: usize) -> Result<Vec<f32>> {
        self.embed_ids(ids, batch_size, &mut |_| {})
    }

    fn embed_ids(
        &self,
        ids: &[Vec<u32>],
        batch_size: usize,
        progress: &mut dyn FnMut(usize),
    ) -> Result<Vec<f32>> {
        check_batch_size(batch_size)?;
        let dim = self.projection_dim();
        let mut out = vec![0f32; ids.len() * dim];
        // length buckets: sort by token count (stable), batch neighbours
        let mut order: Vec<usize> = (0..ids.len()).collect();
        order.sort_by_key(|&i| ids[i].len());
        for chunk in order.chunks(batch_size) {
            let batch: Vec<Vec<u32>> = chunk.iter().map(|&i| ids[i].clone()).collect();
            let features = self.model.text_features(&batch).map_err(|e| match e {
                // name the caller's row, not the row inside the sorted batch
                Error::Input(msg) => Error::Input(renumber(&msg, chunk)),
                e => e,
            })?;
            scatter(&features, chunk, dim, &mut out)?;
            progress(chunk.len());
        }
        Ok(out)
    }

    /// Embeds the image files at `paths` (row `i` = `paths[i]`), `batch_size` images per
    /// forward pass; an unreadable or undecodable file is an error naming it.
    pub fn embed_images(
        &self,
        paths: &[PathBuf],
        batch_size: usize,
        progress: &mut dyn FnMut(usize),
    ) -> Result<Vec<f32>> {
        check_batch_size(batch_size)?;
        let dim = self.projection_dim();
        let mut out = Vec::with_capacity(paths.len() * dim);
        for chunk in paths.chunks(batch_size) {
            let pixels = self.preprocessor.load_batch(chunk)?;
            out.extend(self.embed_pixels(pixels, chunk.len())?);
            progress(chunk.len());
        }
        Ok(out)
    }

    /// Embeds `n` preprocessed images given as concatenated CHW `f32` values (the output of
    /// [`Preprocessor::load_batch`]), in one forward pass.
    pub fn embed_pixels(&self, pixels: Vec<f32>, n: usize) -> Result<Vec<f32>> {
        let side = self.model.config().vision.image_size;
        let channels = self.model.config().vision.num_channels;
        if pixels.len() != n * channels * side * side {
            return Err(Error::Input(format!(
                "{} pixel values for {n} images of {channels}x{side}x{side}",
                pixels.len()
            )));
        }
        let px = Tensor::from_vec(pixels, (n, channels, side, side), &Device::Cpu)?;
        let features = self.model.image_features(&px)?;
        let values = features.flatten_all()?.to_vec1::<f32>()?;
        check_finite(&values, values.len() / n.max(1), "image", &|k| k)?;
        Ok(values)
    }
}

fn check_batch_size(batch_size: usize) -> Result<()> {
    if batch_size == 0 {
        return Err(Error::Input("batch size must be at least 1".into()));
    }
    Ok(())
}

/// Writes the rows of `features` (`chunk.len() × dim`) to rows `chunk[k]` of `out`.
fn scatter(features: &Tensor, chunk: &[usize], dim: usize, out: &mut [f32]) -> Result<()> {
    let values = features.flatten_all()?.to_vec1::<f32>()?;
    check_finite(&values, dim, "text", &|k| chunk[k])?;
    for (row, &i) in values.chunks_exact(dim).zip(chunk) {
        out[i * dim..(i + 1) * dim].copy_from_slice(row);
    }
    Ok(())
}

/// Refuses an output with NaN or infinity, naming the caller's row (`row(k)` for batch row k).
fn check_finite(
    values: &[f32],
    dim: usize,
    what: &str,
    row: &dyn Fn(usize) -> usize,
) -> Result<()> {
    match values.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(at) => Err(Error::Input(format!(
            "{what} #{}: the model's embedding has a non-finite value ({}); the weights hold \
             NaN or infinity, or the compute dtype overflows",
            row(at / dim.max(1)),
            values[at]
        ))),
    }
}

/// Rewrites "text #k" (a row of the sorted batch) to "text #i" (the caller's index).
fn renumber(msg: &str, chunk: &[usize]) -> String {
    let Some(rest) = msg.strip_prefix("text #") else {
        return msg.to_string();
    };
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    match rest[..digits]
        .parse::<usize>()
        .ok()
        .and_then(|k| chunk.get(k))
    {
        Some(i) => format!("text #{i}{}", &rest[digits..]),
        None => msg.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renumber_maps_batch_rows_to_caller_rows() {
        assert_eq!(renumber("text #1: too long", &[7, 3]), "text #3: too long");
        assert_eq!(renumber("text batch is empty", &[7]), "text batch is empty");
        assert_eq!(renumber("text #9: x", &[7]), "text #9: x");
    }

    #[test]
    fn scatter_places_rows_by_index() -> Result<()> {
        let f = Tensor::new(&[[1f32, 2.], [3., 4.]], &Device::Cpu)?;
        let mut out = vec![0f32; 6];
        scatter(&f, &[2, 0], 2, &mut out)?;
        assert_eq!(out, [3., 4., 0., 0., 1., 2.]);
        Ok(())
    }
}

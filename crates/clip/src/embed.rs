//! [`Clip`]: a checkpoint → projected, **unnormalised** text and image embeddings, batched,
//! for every supported dual-encoder family ([`Family`]):
//!
//! - **HF CLIP**: transformers' `CLIPModel.get_text_features` / `get_image_features` after
//!   `CLIPTokenizerFast` / `CLIPImageProcessor` (`config.json` + `model.safetensors`);
//! - **open_clip**: open_clip's `encode_text` / `encode_image` after its tokenizer and
//!   `image_transform` ([`crate::openclip`]: Hub layout or raw `.pt` / `.pth` with an `arch`);
//! - **SigLIP** (and fixed-resolution SigLIP 2): transformers' `SiglipModel` after its
//!   processor ([`crate::model::siglip`]).
//!
//! Each family declares its text padding ([`TextPadding`]). Causal towers that pool at or
//! before the EOS (CLIP, open_clip) are length-bucketed: texts are sorted by token count
//! (stable), each batch pads only to its own longest caption, and results come back in input
//! order; padding cannot change an embedding there, so bucketing is a pure speed-up. SigLIP
//! pools the last position of a bidirectional tower, so every text is padded to the fixed
//! length the processor uses. Images are decoded and preprocessed in parallel, one batch at a
//! time.
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

use crate::config::HiddenAct;
use crate::error::{Error, Result};
use crate::model::siglip::SiglipModel;
use crate::model::ClipModel;
use crate::openclip::{self, Activation};
use crate::preprocess::{Crop, Preprocessor};
use crate::tokenizer::Tokenizer;

/// Version of each family's implementation, part of [`Clip::cache_identity`]: bump it when a
/// change alters any embedding of that family, so that caches never serve stale vectors.
/// Changes in the last bits count: a cached vector must be the one this build computes.
const IMPL_VERSION: [(Family, u32); 3] = [
    // 2: fused attention / epilogue, vectorised exp and exact GELU (rounds 2-3), token-trie
    //    text passes (round 4): features within cosine 1 - 1e-12 of v1, not bit-identical
    (Family::HfClip, 2),
    // 2: open_clip's text clean-up (ftfy, html.unescape) before the BPE
    // 3: as HfClip's v2
    (Family::OpenClip, 3),
    // 2: the padding id and mask come from the tokenizer (SigLIP 2)
    // 3: fused attention / epilogue and vectorised exp (rounds 2-3), as HfClip's v2
    (Family::Siglip, 3),
];

/// Where, in which precision and (for raw checkpoints) as which architecture the model runs.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Device holding the weights and running the forward passes.
    pub device: Device,
    /// Compute dtype (weights are converted on load); outputs are always f32.
    pub dtype: DType,
    /// open_clip architecture of a raw checkpoint file: a built-in name (`ViT-B-32`,
    /// `ViT-B-32-quickgelu`, ...) or an open_clip model-config JSON file.
    pub arch: Option<String>,
    /// open_clip activation, overriding the config (`quick_gelu` or `gelu`).
    pub act: Option<HiddenAct>,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            device: Device::Cpu,
            dtype: DType::F32,
            arch: None,
            act: None,
        }
    }
}

/// The model families [`Clip`] loads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// transformers `CLIPModel` (`config.json` with `model_type` `clip`).
    HfClip,
    /// open_clip `CLIP` (`open_clip_config.json`, or a raw checkpoint file).
    OpenClip,
    /// transformers `SiglipModel` (SigLIP, fixed-resolution SigLIP 2).
    Siglip,
}

impl Family {
    /// Stable name, used in reports and cache keys.
    pub fn name(self) -> &'static str {
        match self {
            Family::HfClip => "hf-clip",
            Family::OpenClip => "open_clip",
            Family::Siglip => "siglip",
        }
    }

    /// Which family the checkpoint at `path` is: a file is a raw open_clip checkpoint; a
    /// folder with `config.json` is read by its `model_type` (`siglip`, else HF CLIP); a
    /// folder with only `open_clip_config.json` is open_clip.
    pub fn detect(path: &Path) -> Result<Family> {
        if path.is_file() {
            return Ok(Family::OpenClip);
        }
        let config = path.join("config.json");
        if config.is_file() {
            let text = std::fs::read_to_string(&config).map_err(|source| Error::Io {
                path: config.clone(),
                source,
            })?;
            let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| Error::Config {
                path: config.clone(),
                message: e.to_string(),
            })?;
            return Ok(match v.get("model_type").and_then(|t| t.as_str()) {
                Some("siglip") => Family::Siglip,
                _ => Family::HfClip,
            });
        }
        if path.join(openclip::CONFIG_FILE).is_file() {
            return Ok(Family::OpenClip);
        }
        Err(Error::MissingFile {
            path: config,
            what: format!(
                "model config (config.json for transformers CLIP / SigLIP, or {} for open_clip)",
                openclip::CONFIG_FILE
            ),
        })
    }
}

/// How a family pads a batch of texts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextPadding {
    /// Right-pad each batch to its longest text; exact because the tower is causal and pools
    /// at or before the EOS, so texts may be batched by length.
    Bucketed,
    /// Pad every text to exactly this many tokens (the length the model was trained with).
    Fixed(usize),
}

/// Text embeddings, row-major `rows × dim`, row `i` for text `i`.
#[derive(Debug, Clone, PartialEq)]
pub struct TextEmbeddings {
    pub rows: usize,
    pub dim: usize,
    pub data: Vec<f32>,
    /// Indices of the texts longer than the context window, cut as the reference cuts them
    /// (first tokens kept, EOS kept last).
    pub truncated: Vec<usize>,
    /// open_clip only: indices of the texts that ftfy's mojibake detector flags, which open_clip's
    /// clean-up may repair and clipprobe's does not ([`crate::textclean`]).
    pub mojibake: Vec<usize>,
}

/// The towers of one family.
enum Towers {
    Clip(ClipModel),
    Siglip(SiglipModel),
}

/// A loaded checkpoint of any [`Family`]: model, tokenizer and image preprocessor.
pub struct Clip {
    towers: Towers,
    family: Family,
    activation: Option<Activation>,
    tokenizer: Tokenizer,
    preprocessor: Preprocessor,
}

impl std::fmt::Debug for Clip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("Clip");
        d.field("family", &self.family);
        match &self.towers {
            Towers::Clip(m) => d.field("model", m),
            Towers::Siglip(m) => d.field("model", m),
        };
        d.finish_non_exhaustive()
    }
}

impl Clip {
    /// Loads a checkpoint of any family ([`Family::detect`]):
    ///
    /// - HF CLIP folder: `config.json`, safetensors weights, `tokenizer.json` (or
    ///   `vocab.json` + `merges.txt`), `preprocessor_config.json`;
    /// - open_clip folder: `open_clip_config.json`, `open_clip_model.safetensors` or
    ///   `open_clip_pytorch_model.bin`, and the CLIP BPE tokenizer files as above;
    /// - open_clip raw checkpoint file (`.pt`, `.pth`, `.bin`): needs `opts.arch`, and the
    ///   activation from the architecture or `opts.act`; the tokenizer files are read from the
    ///   file's folder;
    /// - SigLIP folder: `config.json` (`model_type` `siglip`), `model.safetensors`,
    ///   `tokenizer.json` (+ `tokenizer_config.json`), `preprocessor_config.json`.
    ///
    /// The preprocessor's output size must be the vision tower's image size.
    pub fn load(path: &Path, opts: &LoadOptions) -> Result<Self> {
        let family = Family::detect(path)?;
        let folder = if path.is_file() {
            path.parent().unwrap_or(Path::new(".")).to_path_buf()
        } else {
            path.to_path_buf()
        };
        if family != Family::OpenClip && (opts.arch.is_some() || opts.act.is_some()) {
            return Err(Error::Arch {
                path: path.to_path_buf(),
                message: format!(
                    "--arch / --act apply to open_clip checkpoints; this is a {} checkpoint \
                     whose config says both",
                    family.name()
                ),
            });
        }
        let (towers, activation, tokenizer, preprocessor, side, size_source) = match family {
            Family::HfClip => {
                let model = ClipModel::load(path, &opts.device, opts.dtype)?;
                let tokenizer =
                    Tokenizer::from_dir(path, model.config().text.max_position_embeddings)?;
                let side = model.config().vision.image_size;
                let pre = Preprocessor::from_dir(path)?;
                (
                    Towers::Clip(model),
                    None,
                    tokenizer,
                    pre,
                    side,
                    "config.json's vision_config.image_size",
                )
            }
            Family::OpenClip => {
                let loaded = openclip::load(
                    path,
                    opts.arch.as_deref(),
                    opts.act,
                    &opts.device,
                    opts.dtype,
                )?;
                let tokenizer = Tokenizer::openclip_from_dir(
                    &folder,
                    loaded.model.config().text.max_position_embeddings,
                )?;
                let side = loaded.model.config().vision.image_size;
                let pre = Preprocessor::new(loaded.preprocess);
                (
                    Towers::Clip(loaded.model),
                    Some(loaded.activation),
                    tokenizer,
                    pre,
                    side,
                    "the open_clip vision_cfg.image_size",
                )
            }
            Family::Siglip => {
                let mut model = SiglipModel::load(path, &opts.device, opts.dtype)?;
                let tokenizer =
                    Tokenizer::siglip_from_dir(path, model.config().text.max_position_embeddings)?;
                if let Some(p) = tokenizer.padding() {
                    model.set_text_padding(p.pad_id, p.mask)?;
                }
                let side = model.config().vision.image_size;
                let pre = Preprocessor::from_dir(path)?;
                (
                    Towers::Siglip(model),
                    None,
                    tokenizer,
                    pre,
                    side,
                    "config.json's vision_config.image_size",
                )
            }
        };
        if preprocessor.output_size() != (side, side) {
            let (h, w) = preprocessor.output_size();
            return Err(Error::Config {
                path: folder.join(crate::preprocess::CONFIG_FILE),
                message: format!("gives {h}x{w} images, but {size_source} is {side}"),
            });
        }
        Ok(Self {
            towers,
            family,
            activation,
            tokenizer,
            preprocessor,
        })
    }

    /// The model family.
    pub fn family(&self) -> Family {
        self.family
    }

    /// The CLIP model (HF CLIP and open_clip families), or `None` for SigLIP.
    pub fn clip_model(&self) -> Option<&ClipModel> {
        match &self.towers {
            Towers::Clip(m) => Some(m),
            Towers::Siglip(_) => None,
        }
    }

    /// The open_clip activation and where it came from (open_clip only).
    pub fn activation(&self) -> Option<Activation> {
        self.activation
    }

    /// The activation of the text tower's MLP blocks (the vision tower's is the same in every
    /// supported checkpoint but HF CLIP configs, which name both) and where it came from:
    /// open_clip's [`Activation`] source, else `config` (`config.json`'s `hidden_act`).
    pub fn hidden_act(&self) -> (HiddenAct, &'static str) {
        match (&self.towers, self.activation) {
            (_, Some(a)) => (a.act, a.source.name()),
            (Towers::Clip(m), None) => (m.config().text.hidden_act, "config"),
            (Towers::Siglip(m), None) => (m.config().text.hidden_act, "config"),
        }
    }

    /// `logit_scale` as stored (`logits = exp(logit_scale) · cos [+ logit_bias]`).
    pub fn logit_scale(&self) -> f64 {
        match &self.towers {
            Towers::Clip(m) => m.logit_scale(),
            Towers::Siglip(m) => m.logit_scale(),
        }
    }

    /// `logit_bias` (SigLIP's sigmoid scoring), `None` for CLIP families.
    pub fn logit_bias(&self) -> Option<f64> {
        match &self.towers {
            Towers::Clip(_) => None,
            Towers::Siglip(m) => Some(m.logit_bias()),
        }
    }

    /// How this family pads texts.
    pub fn text_padding(&self) -> TextPadding {
        match &self.towers {
            Towers::Clip(_) => TextPadding::Bucketed,
            Towers::Siglip(m) => TextPadding::Fixed(m.config().text.max_position_embeddings),
        }
    }

    /// What identifies this model's numbers beyond its files: family, implementation version,
    /// activation, dtype and the image preprocessing. Part of every cache key.
    pub fn cache_identity(&self) -> String {
        let version = IMPL_VERSION
            .iter()
            .find(|(f, _)| *f == self.family)
            .map_or(0, |(_, v)| *v);
        let dtype = match &self.towers {
            Towers::Clip(m) => m.dtype(),
            Towers::Siglip(m) => m.dtype(),
        };
        // the packed AVX2/FMA GEMM (f32 on CPUs that have it) rounds differently from the
        // `gemm` crate it replaces elsewhere, so its vectors are cached apart (on a GPU with
        // such a host CPU this only keys apart what could have been shared)
        let gemm = if dtype == candle_core::DType::F32 && crate::model::packed::available() {
            ";gemm=packed-avx2"
        } else {
            ""
        };
        format!(
            "family={};impl=v{version};act={};dtype={dtype:?}{gemm};pre={}",
            self.family.name(),
            self.activation
                .map(|a| format!("{:?}", a.act))
                .unwrap_or_else(|| "config".into()),
            self.preprocessor.fingerprint()
        )
    }

    /// A one-line description for logs and reports, e.g.
    /// `open_clip, activation quick_gelu (given explicitly)`.
    pub fn describe(&self) -> String {
        let mut s = self.family.name().to_string();
        if let Some(a) = self.activation {
            s.push_str(&format!(", activation {a}"));
        }
        if let Some(b) = self.logit_bias() {
            s.push_str(&format!(", logit_bias {b:.4}"));
        }
        s
    }

    /// The tokenizer.
    pub fn tokenizer(&self) -> &Tokenizer {
        &self.tokenizer
    }

    /// The image preprocessor.
    pub fn preprocessor(&self) -> &Preprocessor {
        &self.preprocessor
    }

    /// Width of every embedding.
    pub fn projection_dim(&self) -> usize {
        match &self.towers {
            Towers::Clip(m) => m.config().projection_dim,
            Towers::Siglip(m) => m.config().text_dim(),
        }
    }

    fn image_shape(&self) -> (usize, usize) {
        match &self.towers {
            Towers::Clip(m) => (m.config().vision.num_channels, m.config().vision.image_size),
            Towers::Siglip(m) => (m.config().vision.num_channels, m.config().vision.image_size),
        }
    }

    fn text_features(&self, ids: &[Vec<u32>]) -> Result<Tensor> {
        match &self.towers {
            Towers::Clip(m) => m.text_features(ids),
            Towers::Siglip(m) => m.text_features(ids),
        }
    }

    fn image_features(&self, px: &Tensor) -> Result<Tensor> {
        match &self.towers {
            Towers::Clip(m) => m.image_features(px),
            Towers::Siglip(m) => m.image_features(px),
        }
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
        let which = |flag: fn(&crate::tokenizer::Encoded) -> bool| {
            encoded
                .iter()
                .enumerate()
                .filter(|(_, e)| flag(e))
                .map(|(i, _)| i)
                .collect::<Vec<_>>()
        };
        let truncated = which(|e| e.truncated);
        let mojibake = which(|e| e.mojibake);
        let ids: Vec<Vec<u32>> = encoded.into_iter().map(|e| e.ids).collect();
        let data = self.embed_ids(&ids, batch_size, progress)?;
        Ok(TextEmbeddings {
            rows: ids.len(),
            dim: self.projection_dim(),
            data,
            truncated,
            mojibake,
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
        let passes = match &self.towers {
            // trie passes by node count (CPU f32), or padded batches by length
            Towers::Clip(m) => m.text_passes(ids, batch_size),
            // padded to a fixed length: any order
            Towers::Siglip(_) => (0..ids.len())
                .collect::<Vec<_>>()
                .chunks(batch_size)
                .map(<[usize]>::to_vec)
                .collect(),
        };
        for chunk in &passes {
            let batch: Vec<Vec<u32>> = chunk.iter().map(|&i| ids[i].clone()).collect();
            let features = self
                .text_features(&batch)
                .map_err(|e| caller_row(e, chunk))?;
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
        let whole: Vec<(PathBuf, Option<Crop>)> = paths.iter().map(|p| (p.clone(), None)).collect();
        self.embed_image_regions(&whole, batch_size, progress)
    }

    /// [`Clip::embed_images`] of image regions: `(file, crop)` pairs, each file cropped (see
    /// [`crate::preprocess::crop_rgb8`]) before preprocessing.
    pub fn embed_image_regions(
        &self,
        items: &[(PathBuf, Option<Crop>)],
        batch_size: usize,
        progress: &mut dyn FnMut(usize),
    ) -> Result<Vec<f32>> {
        check_batch_size(batch_size)?;
        let dim = self.projection_dim();
        let mut out = Vec::with_capacity(items.len() * dim);
        let chunks: Vec<&[(PathBuf, Option<Crop>)]> = items.chunks(batch_size).collect();
        // the next batch is decoded and preprocessed while the current one runs the model
        std::thread::scope(|scope| -> Result<()> {
            let load = |chunk| scope.spawn(move || self.preprocessor.load_regions(chunk));
            let mut next = chunks.first().map(|&c| load(c));
            for (i, chunk) in chunks.iter().enumerate() {
                let Some(pending) = next.take() else { break };
                let pixels = pending
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
                next = chunks.get(i + 1).map(|&c| load(c));
                out.extend(self.embed_pixels(pixels, chunk.len())?);
                progress(chunk.len());
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// Embeds `n` preprocessed images given as concatenated CHW `f32` values (the output of
    /// [`Preprocessor::load_batch`]), in one forward pass.
    pub fn embed_pixels(&self, pixels: Vec<f32>, n: usize) -> Result<Vec<f32>> {
        let (channels, side) = self.image_shape();
        if pixels.len() != n * channels * side * side {
            return Err(Error::Input(format!(
                "{} pixel values for {n} images of {channels}x{side}x{side}",
                pixels.len()
            )));
        }
        let px = Tensor::from_vec(pixels, (n, channels, side, side), &Device::Cpu)?;
        let features = self.image_features(&px)?;
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
    what: &'static str,
    row: &dyn Fn(usize) -> usize,
) -> Result<()> {
    match values.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(at) => Err(Error::InputRow {
            what,
            row: row(at / dim.max(1)),
            message: format!(
                "the model's embedding has a non-finite value ({}); the weights hold NaN or \
                 infinity, or the compute dtype overflows",
                values[at]
            ),
        }),
    }
}

/// Names the caller's row in a row error of a sorted batch (`chunk[k]` is the caller's index
/// of batch row `k`).
fn caller_row(e: Error, chunk: &[usize]) -> Error {
    match e {
        Error::InputRow { what, row, message } => Error::InputRow {
            what,
            row: chunk.get(row).copied().unwrap_or(row),
            message,
        },
        e => e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caller_row_maps_batch_rows_to_caller_rows() {
        let row = |row| Error::InputRow {
            what: "text",
            row,
            message: "too long".into(),
        };
        assert_eq!(caller_row(row(1), &[7, 3]).to_string(), "text #3: too long");
        let empty = caller_row(Error::Input("text batch is empty".into()), &[7]);
        assert_eq!(empty.to_string(), "text batch is empty");
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

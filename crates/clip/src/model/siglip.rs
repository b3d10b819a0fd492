//! transformers' `SiglipModel` (SigLIP, and the fixed-resolution SigLIP 2 checkpoints, which
//! use the same architecture): `get_text_features` / `get_image_features`, checked against
//! transformers 5.24 (`models/siglip/modeling_siglip.py`).
//!
//! Paper: Zhai et al., "Sigmoid Loss for Language Image Pre-Training" (2023).
//!
//! Differences from CLIP, all implemented here on top of CLIP's encoder layers (same tensor
//! names, same pre-norm blocks):
//! - text: **no causal mask**; every text is padded to `max_position_embeddings` (the processor's
//!   `padding="max_length"`), padded keys masked as transformers' tokenizer `attention_mask`
//!   masks them; the **last position** (often padding) is pooled, then `final_layer_norm` and a
//!   biased `head` Linear;
//! - vision: a patch convolution **with bias**, no class token, position embeddings per patch,
//!   `post_layernorm` over all tokens, then the attention-pooling head (a learned probe query,
//!   `nn.MultiheadAttention`, a residual MLP) — no projection;
//! - scoring: `sigmoid(exp(logit_scale) · cos + logit_bias)`; both scalars are recorded.

use std::path::Path;

use candle_core::{DType, Device, Module, Tensor};
use candle_nn::{LayerNorm, Linear};
use serde::Deserialize;

use super::weights::{Scope, WeightFiles};
use super::{
    attention, check_ids, check_pixels, keep_freed_memory, layer_norm, linear, patch_rows, Encoder,
    Geometry, Keys, Mlp, Pooled,
};
use crate::config::{HiddenAct, TextConfig, VisionConfig};
use crate::error::{Error, Result};

/// `text_config` of a `SiglipConfig` (transformers' `SiglipTextConfig` defaults).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default)]
pub struct SiglipTextConfig {
    pub vocab_size: usize,
    pub hidden_size: usize,
    pub intermediate_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    pub max_position_embeddings: usize,
    pub hidden_act: HiddenAct,
    pub layer_norm_eps: f64,
    pub pad_token_id: u32,
    /// Output width of the text `head` (`None`: `hidden_size`).
    pub projection_size: Option<usize>,
}

impl Default for SiglipTextConfig {
    fn default() -> Self {
        Self {
            vocab_size: 32000,
            hidden_size: 768,
            intermediate_size: 3072,
            num_hidden_layers: 12,
            num_attention_heads: 12,
            max_position_embeddings: 64,
            hidden_act: HiddenAct::GeluPytorchTanh,
            layer_norm_eps: 1e-6,
            pad_token_id: 1,
            projection_size: None,
        }
    }
}

/// `vision_config` of a `SiglipConfig` (transformers' `SiglipVisionConfig` defaults).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default)]
pub struct SiglipVisionConfig {
    pub hidden_size: usize,
    pub intermediate_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    pub num_channels: usize,
    pub image_size: usize,
    pub patch_size: usize,
    pub hidden_act: HiddenAct,
    pub layer_norm_eps: f64,
    pub vision_use_head: bool,
}

impl Default for SiglipVisionConfig {
    fn default() -> Self {
        Self {
            hidden_size: 768,
            intermediate_size: 3072,
            num_hidden_layers: 12,
            num_attention_heads: 12,
            num_channels: 3,
            image_size: 224,
            patch_size: 16,
            hidden_act: HiddenAct::GeluPytorchTanh,
            layer_norm_eps: 1e-6,
            vision_use_head: true,
        }
    }
}

/// A `SiglipModel` `config.json`, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct SiglipConfig {
    pub text: SiglipTextConfig,
    pub vision: SiglipVisionConfig,
}

#[derive(Deserialize)]
struct RawSiglipConfig {
    model_type: Option<String>,
    #[serde(default)]
    text_config: Option<SiglipTextConfig>,
    #[serde(default)]
    vision_config: Option<SiglipVisionConfig>,
}

impl SiglipConfig {
    /// Reads and validates a `SiglipModel` `config.json`.
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let bad = |message: String| Error::Config {
            path: path.to_path_buf(),
            message,
        };
        let raw: RawSiglipConfig = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
        if raw.model_type.as_deref() != Some("siglip") {
            return Err(bad(format!(
                "model_type is {:?}; expected \"siglip\" (SiglipModel; the NaFlex Siglip2Model \
                 is not supported)",
                raw.model_type
            )));
        }
        let c = Self {
            text: raw.text_config.unwrap_or_default(),
            vision: raw.vision_config.unwrap_or_default(),
        };
        let (t, v) = (&c.text, &c.vision);
        for (name, value) in [
            ("text_config.hidden_size", t.hidden_size),
            ("text_config.num_attention_heads", t.num_attention_heads),
            (
                "text_config.max_position_embeddings",
                t.max_position_embeddings,
            ),
            ("text_config.vocab_size", t.vocab_size),
            ("vision_config.hidden_size", v.hidden_size),
            ("vision_config.num_attention_heads", v.num_attention_heads),
            ("vision_config.patch_size", v.patch_size),
            ("vision_config.image_size", v.image_size),
        ] {
            if value == 0 {
                return Err(bad(format!("{name} must be positive")));
            }
        }
        if t.hidden_size % t.num_attention_heads != 0 || v.hidden_size % v.num_attention_heads != 0
        {
            return Err(bad(
                "hidden_size is not a multiple of num_attention_heads".into()
            ));
        }
        if v.image_size % v.patch_size != 0 {
            return Err(bad(format!(
                "vision_config.image_size ({}) is not a multiple of patch_size ({})",
                v.image_size, v.patch_size
            )));
        }
        if !v.vision_use_head {
            return Err(bad(
                "vision_config.vision_use_head = false has no image features".into(),
            ));
        }
        if c.text_dim() != v.hidden_size {
            return Err(bad(format!(
                "text features have {} dimensions but image features {}",
                c.text_dim(),
                v.hidden_size
            )));
        }
        if t.pad_token_id as usize >= t.vocab_size {
            return Err(bad(
                "text_config.pad_token_id is outside the vocabulary".into()
            ));
        }
        Ok(c)
    }

    /// Width of the text features (`projection_size`, default `hidden_size`).
    pub fn text_dim(&self) -> usize {
        self.text.projection_size.unwrap_or(self.text.hidden_size)
    }
}

impl From<&SiglipTextConfig> for Geometry {
    fn from(c: &SiglipTextConfig) -> Self {
        Geometry::from(&TextConfig {
            vocab_size: c.vocab_size,
            hidden_size: c.hidden_size,
            intermediate_size: c.intermediate_size,
            num_hidden_layers: c.num_hidden_layers,
            num_attention_heads: c.num_attention_heads,
            max_position_embeddings: c.max_position_embeddings,
            hidden_act: c.hidden_act,
            layer_norm_eps: c.layer_norm_eps,
            ..TextConfig::default()
        })
    }
}

impl From<&SiglipVisionConfig> for Geometry {
    fn from(c: &SiglipVisionConfig) -> Self {
        Geometry::from(&VisionConfig {
            hidden_size: c.hidden_size,
            intermediate_size: c.intermediate_size,
            num_hidden_layers: c.num_hidden_layers,
            num_attention_heads: c.num_attention_heads,
            hidden_act: c.hidden_act,
            layer_norm_eps: c.layer_norm_eps,
            ..VisionConfig::default()
        })
    }
}

/// A loaded `SiglipModel`.
pub struct SiglipModel {
    config: SiglipConfig,
    text: TextTower,
    vision: VisionTower,
    logit_scale: f64,
    logit_bias: f64,
    /// The processor's padding id and whether it sends an attention mask (set from the
    /// tokenizer by [`SiglipModel::set_text_padding`]; default `pad_token_id`, masked).
    pad: (u32, bool),
    device: Device,
    dtype: DType,
}

impl std::fmt::Debug for SiglipModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SiglipModel")
            .field("config", &self.config)
            .field("dtype", &self.dtype)
            .finish_non_exhaustive()
    }
}

fn scalar(root: &Scope, name: &str) -> Result<f64> {
    Ok(root
        .get(name, &[1])?
        .to_dtype(DType::F64)?
        .squeeze(0)?
        .to_scalar::<f64>()?)
}

impl SiglipModel {
    /// Loads `dir/config.json` and the safetensors weights of `dir`.
    pub fn load(dir: &Path, device: &Device, dtype: DType) -> Result<Self> {
        let config = SiglipConfig::from_file(&dir.join("config.json"))?;
        let files = WeightFiles::open(dir)?;
        let weights = files.weights(dtype, device)?;
        let root = weights.root();
        keep_freed_memory();
        Ok(Self {
            text: TextTower::load(&config, &root.pp("text_model"))?,
            vision: VisionTower::load(&config.vision, &root.pp("vision_model"))?,
            logit_scale: scalar(&root, "logit_scale")?,
            logit_bias: scalar(&root, "logit_bias")?,
            pad: (config.text.pad_token_id, true),
            config,
            device: device.clone(),
            dtype,
        })
    }

    /// The parsed `config.json`.
    pub fn config(&self) -> &SiglipConfig {
        &self.config
    }

    /// The dtype the model computes in.
    pub fn dtype(&self) -> DType {
        self.dtype
    }

    /// `logit_scale` as stored (`logits = exp(logit_scale) · cos + logit_bias`).
    pub fn logit_scale(&self) -> f64 {
        self.logit_scale
    }

    /// `logit_bias` as stored.
    pub fn logit_bias(&self) -> f64 {
        self.logit_bias
    }

    /// Pads texts as the tokenizer does: with `pad_id` (transformers pads with the tokenizer's
    /// padding token, never reading `text_config.pad_token_id`), and with the padded keys
    /// masked only when the tokenizer returns an attention mask (SigLIP 2's does not).
    pub fn set_text_padding(&mut self, pad_id: u32, mask: bool) -> Result<()> {
        if pad_id as usize >= self.config.text.vocab_size {
            return Err(Error::Input(format!(
                "the tokenizer pads with id {pad_id}, outside the model's vocabulary of {}",
                self.config.text.vocab_size
            )));
        }
        self.pad = (pad_id, mask);
        Ok(())
    }

    /// Text features `(n, dim)` in f32 of unpadded id sequences (…, EOS), each at most
    /// `max_position_embeddings` long; padded here to exactly that length
    /// ([`SiglipModel::set_text_padding`]).
    pub fn text_features(&self, ids: &[Vec<u32>]) -> Result<Tensor> {
        let t = &self.config.text;
        if ids.is_empty() {
            return Err(Error::Input("text batch is empty".into()));
        }
        let width = t.max_position_embeddings;
        let mut flat = Vec::with_capacity(ids.len() * width);
        let mut mask = Vec::with_capacity(ids.len() * width);
        for (row, seq) in ids.iter().enumerate() {
            if seq.is_empty() {
                return Err(Error::InputRow {
                    what: "text",
                    row,
                    message: "no tokens".into(),
                });
            }
            check_ids(row, seq, width, t.vocab_size)?;
            flat.extend_from_slice(seq);
            flat.resize((row + 1) * width, self.pad.0);
            mask.extend((0..width).map(|j| {
                if j < seq.len() || !self.pad.1 {
                    0f32
                } else {
                    f32::NEG_INFINITY
                }
            }));
        }
        let input = Tensor::from_vec(flat, (ids.len(), width), &self.device)?;
        let mask =
            Tensor::from_vec(mask, (ids.len(), 1, 1, width), &self.device)?.to_dtype(self.dtype)?;
        Ok(self.text.forward(&input, &mask)?.to_dtype(DType::F32)?)
    }

    /// Image features `(n, hidden)` in f32 of preprocessed pixels `(n, c, size, size)`.
    pub fn image_features(&self, pixel_values: &Tensor) -> Result<Tensor> {
        let v = &self.config.vision;
        let px = check_pixels(
            pixel_values,
            v.num_channels,
            v.image_size,
            &self.device,
            self.dtype,
        )?;
        Ok(self.vision.forward(&px)?.to_dtype(DType::F32)?)
    }
}

struct TextTower {
    token_embedding: Tensor,
    position_embedding: Tensor,
    encoder: Encoder,
    final_layer_norm: LayerNorm,
    head: Linear,
}

impl TextTower {
    fn load(c: &SiglipConfig, vb: &Scope) -> Result<Self> {
        let t = &c.text;
        let g = Geometry::from(t);
        let emb = vb.pp("embeddings");
        Ok(Self {
            token_embedding: emb.get("token_embedding.weight", &[t.vocab_size, g.hidden])?,
            position_embedding: emb.get(
                "position_embedding.weight",
                &[t.max_position_embeddings, g.hidden],
            )?,
            encoder: Encoder::load(&g, &vb.pp("encoder"))?,
            final_layer_norm: layer_norm(&vb.pp("final_layer_norm"), g.hidden, g.eps)?,
            head: linear(&vb.pp("head"), c.text_dim(), g.hidden)?,
        })
    }

    /// `ids`: `(b, s)`; `mask`: additive `(b, 1, 1, s)` over keys. Returns `(b, dim)`.
    fn forward(&self, ids: &Tensor, mask: &Tensor) -> Result<Tensor> {
        let (b, s) = ids.dims2()?;
        let h = self.token_embedding.dim(1)?;
        let x = self
            .token_embedding
            .index_select(&ids.flatten_all()?, 0)?
            .reshape((b, s, h))?
            .broadcast_add(&self.position_embedding.narrow(0, 0, s)?)?;
        // the last position is pooled; its query masks the same keys as every other query
        let last: Vec<u32> = (0..b).map(|i| (i * s + s - 1) as u32).collect();
        let last = Tensor::new(last, x.device())?;
        let pooled = Pooled {
            rows: &last,
            keys: Keys::Padded(Some(mask)),
        };
        let last = self
            .encoder
            .forward(&x, Keys::Padded(Some(mask)), Some(pooled))?;
        // layer norm is per token: normalising only the pooled (last) position is the same
        let last = self.final_layer_norm.forward(&last)?;
        Ok(self.head.forward(&last)?)
    }
}

struct VisionTower {
    /// The patch convolution as a matrix `(hidden, channels · patch · patch)`, and its bias.
    patch_weight: Tensor,
    patch_bias: Tensor,
    position_embedding: Tensor,
    encoder: Encoder,
    post_layernorm: LayerNorm,
    head: PoolingHead,
    patch: usize,
    grid: usize,
}

impl VisionTower {
    fn load(c: &SiglipVisionConfig, vb: &Scope) -> Result<Self> {
        let g = Geometry::from(c);
        let emb = vb.pp("embeddings");
        let p = c.patch_size;
        let grid = c.image_size / p;
        Ok(Self {
            patch_weight: emb
                .get("patch_embedding.weight", &[g.hidden, c.num_channels, p, p])?
                .reshape((g.hidden, c.num_channels * p * p))?,
            patch_bias: emb.get("patch_embedding.bias", &[g.hidden])?,
            position_embedding: emb.get("position_embedding.weight", &[grid * grid, g.hidden])?,
            encoder: Encoder::load(&g, &vb.pp("encoder"))?,
            post_layernorm: layer_norm(&vb.pp("post_layernorm"), g.hidden, g.eps)?,
            head: PoolingHead::load(&g, &vb.pp("head"))?,
            patch: p,
            grid,
        })
    }

    fn forward(&self, px: &Tensor) -> Result<Tensor> {
        let b = px.dim(0)?;
        let (g, h) = (self.grid, self.patch_weight.dim(0)?);
        let x = patch_rows(px, self.patch, g)?
            .matmul(&self.patch_weight.t()?)?
            .broadcast_add(&self.patch_bias)?
            .reshape((b, g * g, h))?
            .broadcast_add(&self.position_embedding)?;
        let x = self.encoder.forward(&x, Keys::Padded(None), None)?;
        let x = self.post_layernorm.forward(&x)?;
        self.head.forward(&x)
    }
}

/// `SiglipMultiheadAttentionPoolingHead`: one learned query attending over all tokens
/// (`nn.MultiheadAttention` with stacked `in_proj_weight`), then a residual MLP.
struct PoolingHead {
    probe: Tensor,
    q: Linear,
    kv: Linear,
    out_proj: Linear,
    layernorm: LayerNorm,
    mlp: Mlp,
    heads: usize,
}

impl PoolingHead {
    fn load(g: &Geometry, vb: &Scope) -> Result<Self> {
        let h = g.hidden;
        let attn = vb.pp("attention");
        let w = attn.get("in_proj_weight", &[3 * h, h])?;
        let bias = attn.get("in_proj_bias", &[3 * h])?;
        let scale = ((h / g.heads) as f64).powf(-0.5);
        Ok(Self {
            probe: vb.get("probe", &[1, 1, h])?,
            // the query pre-scaled by head_dim^-1/2, as in the encoder's attention
            q: Linear::new(
                (w.narrow(0, 0, h)? * scale)?,
                Some((bias.narrow(0, 0, h)? * scale)?),
            ),
            kv: Linear::new(w.narrow(0, h, 2 * h)?, Some(bias.narrow(0, h, 2 * h)?)),
            out_proj: linear(&attn.pp("out_proj"), h, h)?,
            layernorm: layer_norm(&vb.pp("layernorm"), h, g.eps)?,
            mlp: Mlp::load(g, &vb.pp("mlp"))?,
            heads: g.heads,
        })
    }

    /// `x`: `(b, s, h)` → `(b, h)`.
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let (b, _, h) = x.dims3()?;
        let q = self
            .q
            .forward(&self.probe)?
            .broadcast_as((b, 1, h))?
            .contiguous()?;
        let kv = self.kv.forward(x)?;
        let (k, v) = (kv.narrow(2, 0, h)?, kv.narrow(2, h, h)?);
        let pooled = attention(&q, &k, &v, None, self.heads)?.reshape((b, h))?;
        let pooled = self.out_proj.forward(&pooled)?;
        Ok(self
            .mlp
            .forward(&self.layernorm.forward(&pooled)?, &pooled)?)
    }
}

//! The text and vision towers of a Hugging Face `CLIPModel` and their projections, in candle.
//!
//! Paper: Radford et al., "Learning Transferable Visual Models From Natural Language
//! Supervision" (2021). Reference implementation: transformers'
//! `src/transformers/models/clip/modeling_clip.py` (checked against 5.23): `get_text_features`
//! and `get_image_features`, whose projected, unnormalised outputs [`ClipModel`] reproduces.
//! Module and tensor names follow the checkpoint verbatim (`pre_layrnorm` included).
//!
//! Two exact rewrites make the CPU path cheaper than a line-by-line port, without changing the
//! function computed: q/k/v are one fused projection whose query part is pre-multiplied by
//! `head_dim^-1/2`, and the patch convolution (stride = kernel) is a reshape and one matmul.

pub mod siglip;
mod weights;

use std::path::Path;

use candle_core::{DType, Device, Module, Tensor};
use candle_nn::{LayerNorm, Linear};

use crate::config::{ClipConfig, HiddenAct, TextConfig, VisionConfig};
use crate::error::{Error, Result};
pub(crate) use weights::{Renamed, Weights};
use weights::{Scope, WeightFiles};

/// A loaded `CLIPModel`: both towers and both projections.
pub struct ClipModel {
    config: ClipConfig,
    text: TextTransformer,
    vision: VisionTransformer,
    text_projection: Linear,
    visual_projection: Linear,
    logit_scale: f64,
    device: Device,
    dtype: DType,
}

impl std::fmt::Debug for ClipModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClipModel")
            .field("config", &self.config)
            .field("device", &self.device)
            .field("dtype", &self.dtype)
            .finish_non_exhaustive()
    }
}

impl ClipModel {
    /// Loads `dir/config.json` and the safetensors weights of `dir` (`model.safetensors` or
    /// sharded with `model.safetensors.index.json`), converted to `dtype` on `device`.
    pub fn load(dir: &Path, device: &Device, dtype: DType) -> Result<Self> {
        let config_path = dir.join("config.json");
        if !config_path.is_file() {
            return Err(Error::MissingFile {
                path: config_path,
                what: "CLIPModel config".into(),
            });
        }
        let config = ClipConfig::from_file(&config_path)?;
        Self::load_with_config(config, dir, device, dtype)
    }

    /// Loads the weights of `dir` for an already parsed `config`.
    pub fn load_with_config(
        config: ClipConfig,
        dir: &Path,
        device: &Device,
        dtype: DType,
    ) -> Result<Self> {
        let files = WeightFiles::open(dir)?;
        let weights = files.weights(dtype, device)?;
        Self::from_weights(config, &weights, device, dtype)
    }

    /// Builds the model from `weights` named as in a transformers `CLIPModel` checkpoint.
    pub(crate) fn from_weights(
        config: ClipConfig,
        weights: &Weights<'_>,
        device: &Device,
        dtype: DType,
    ) -> Result<Self> {
        let root = weights.root();
        let p = config.projection_dim;
        let text = TextTransformer::load(&config.text, &root.pp("text_model"))?;
        let vision = VisionTransformer::load(&config.vision, &root.pp("vision_model"))?;
        let text_projection = Linear::new(
            root.get("text_projection.weight", &[p, config.text.hidden_size])?,
            None,
        );
        let visual_projection = Linear::new(
            root.get("visual_projection.weight", &[p, config.vision.hidden_size])?,
            None,
        );
        // optional in the file: fall back explicitly to the config's initial value
        let logit_scale = if root.contains("logit_scale") {
            root.get("logit_scale", &[])?
                .to_dtype(DType::F64)?
                .to_scalar::<f64>()?
        } else {
            config.logit_scale_init_value
        };
        Ok(Self {
            config,
            text,
            vision,
            text_projection,
            visual_projection,
            logit_scale,
            device: device.clone(),
            dtype,
        })
    }

    /// The parsed `config.json`.
    pub fn config(&self) -> &ClipConfig {
        &self.config
    }

    /// The device the weights live on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// The dtype the model computes in.
    pub fn dtype(&self) -> DType {
        self.dtype
    }

    /// The learned temperature, as stored (`logits = exp(logit_scale) · cos`).
    pub fn logit_scale(&self) -> f64 {
        self.logit_scale
    }

    /// Projected, unnormalised text features `(n, projection_dim)` in f32 of `n` token-id
    /// sequences (as the tokenizer gives them: BOS … EOS, no padding). Sequences of different
    /// lengths are right-padded into one batch; with the causal mask, padding after the pooled
    /// token cannot change the result, exactly as with transformers' `attention_mask`.
    pub fn text_features(&self, ids: &[Vec<u32>]) -> Result<Tensor> {
        let t = &self.config.text;
        if ids.is_empty() {
            return Err(Error::Input("text batch is empty".into()));
        }
        let width = ids.iter().map(Vec::len).max().unwrap_or(0);
        let mut flat = Vec::with_capacity(ids.len() * width);
        let mut pooled = Vec::with_capacity(ids.len());
        for (row, seq) in ids.iter().enumerate() {
            check_ids(row, seq, t.max_position_embeddings, t.vocab_size)?;
            let pos = self.config.text_pooling.position(seq).ok_or_else(|| {
                Error::Input(format!(
                    "text #{row}: no token to pool ({:?} rule; is the EOS token missing?)",
                    self.config.text_pooling
                ))
            })?;
            pooled.push((row * width + pos) as u32);
            flat.extend_from_slice(seq);
            flat.resize((row + 1) * width, 0);
        }
        let input = Tensor::from_vec(flat, (ids.len(), width), &self.device)?;
        let pooled = Tensor::new(pooled, &self.device)?;
        let hidden = self.text.forward(&input, &pooled)?;
        Ok(self
            .text_projection
            .forward(&hidden)?
            .to_dtype(DType::F32)?)
    }

    /// Projected, unnormalised image features `(n, projection_dim)` in f32 of preprocessed
    /// pixels `(n, num_channels, image_size, image_size)`.
    pub fn image_features(&self, pixel_values: &Tensor) -> Result<Tensor> {
        let v = &self.config.vision;
        let px = check_pixels(
            pixel_values,
            v.num_channels,
            v.image_size,
            &self.device,
            self.dtype,
        )?;
        let hidden = self.vision.forward(&px)?;
        Ok(self
            .visual_projection
            .forward(&hidden)?
            .to_dtype(DType::F32)?)
    }
}

/// A token-id sequence fits the context window and the vocabulary; errors name row `row`.
fn check_ids(row: usize, seq: &[u32], max_len: usize, vocab: usize) -> Result<()> {
    if seq.len() > max_len {
        return Err(Error::Input(format!(
            "text #{row}: {} tokens, more than max_position_embeddings ({max_len})",
            seq.len()
        )));
    }
    if let Some(bad) = seq.iter().find(|&&id| id as usize >= vocab) {
        return Err(Error::Input(format!(
            "text #{row}: token id {bad} is outside the vocabulary ({vocab})"
        )));
    }
    Ok(())
}

/// Pixels of shape `(n > 0, channels, size, size)`, moved to `device` in `dtype`.
fn check_pixels(
    pixel_values: &Tensor,
    channels: usize,
    size: usize,
    device: &Device,
    dtype: DType,
) -> Result<Tensor> {
    let want = [channels, size, size];
    match pixel_values.dims() {
        [n, rest @ ..] if *n > 0 && rest == want => {}
        found => {
            return Err(Error::Input(format!(
                "pixel_values have shape {found:?}, expected (n > 0, {channels}, {size}, {size})"
            )))
        }
    }
    Ok(pixel_values.to_device(device)?.to_dtype(dtype)?)
}

/// `hidden_act` as a function.
fn activate(act: HiddenAct, x: &Tensor) -> candle_core::Result<Tensor> {
    match act {
        HiddenAct::QuickGelu => x * candle_nn::ops::sigmoid(&(x * 1.702)?)?,
        HiddenAct::Gelu => x.gelu_erf(),
        HiddenAct::GeluNew | HiddenAct::GeluPytorchTanh => x.gelu(),
    }
}

fn layer_norm(vb: &Scope, size: usize, eps: f64) -> Result<LayerNorm> {
    Ok(LayerNorm::new(
        vb.get("weight", &[size])?,
        vb.get("bias", &[size])?,
        eps,
    ))
}

fn linear(vb: &Scope, out_dim: usize, in_dim: usize) -> Result<Linear> {
    Ok(Linear::new(
        vb.get("weight", &[out_dim, in_dim])?,
        Some(vb.get("bias", &[out_dim])?),
    ))
}

/// Geometry shared by both towers' encoder layers.
pub(crate) struct Geometry {
    hidden: usize,
    intermediate: usize,
    heads: usize,
    layers: usize,
    act: HiddenAct,
    eps: f64,
}

impl From<&TextConfig> for Geometry {
    fn from(c: &TextConfig) -> Self {
        Self {
            hidden: c.hidden_size,
            intermediate: c.intermediate_size,
            heads: c.num_attention_heads,
            layers: c.num_hidden_layers,
            act: c.hidden_act,
            eps: c.layer_norm_eps,
        }
    }
}

impl From<&VisionConfig> for Geometry {
    fn from(c: &VisionConfig) -> Self {
        Self {
            hidden: c.hidden_size,
            intermediate: c.intermediate_size,
            heads: c.num_attention_heads,
            layers: c.num_hidden_layers,
            act: c.hidden_act,
            eps: c.layer_norm_eps,
        }
    }
}

/// `CLIPAttention` with q/k/v fused into one projection, the query pre-scaled.
struct Attention {
    qkv: Linear,
    out_proj: Linear,
    heads: usize,
    head_dim: usize,
}

impl Attention {
    fn load(g: &Geometry, vb: &Scope) -> Result<Self> {
        let h = g.hidden;
        let head_dim = h / g.heads;
        let scale = (head_dim as f64).powf(-0.5);
        let part = |name: &str| -> Result<(Tensor, Tensor)> {
            let vb = vb.pp(name);
            Ok((vb.get("weight", &[h, h])?, vb.get("bias", &[h])?))
        };
        let (qw, qb) = part("q_proj")?;
        let (kw, kb) = part("k_proj")?;
        let (vw, vbias) = part("v_proj")?;
        let weight = Tensor::cat(&[(qw * scale)?, kw, vw], 0)?;
        let bias = Tensor::cat(&[(qb * scale)?, kb, vbias], 0)?;
        Ok(Self {
            qkv: Linear::new(weight, Some(bias)),
            out_proj: linear(&vb.pp("out_proj"), h, h)?,
            heads: g.heads,
            head_dim,
        })
    }

    /// `x`: `(b, s, hidden)`; `mask`: additive `(s, s)`, or none.
    fn forward(&self, x: &Tensor, mask: Option<&Tensor>) -> candle_core::Result<Tensor> {
        let (b, s, h) = x.dims3()?;
        let qkv = self
            .qkv
            .forward(x)?
            .reshape((b, s, 3, self.heads, self.head_dim))?;
        let part = |i: usize| {
            qkv.narrow(2, i, 1)?
                .squeeze(2)?
                .transpose(1, 2)?
                .contiguous()
        };
        let (q, k, v) = (part(0)?, part(1)?, part(2)?);
        let mut scores = q.matmul(&k.t()?)?;
        if let Some(mask) = mask {
            scores = scores.broadcast_add(mask)?;
        }
        let probs = candle_nn::ops::softmax_last_dim(&scores)?;
        let out = probs.matmul(&v)?.transpose(1, 2)?.reshape((b, s, h))?;
        self.out_proj.forward(&out)
    }
}

/// `CLIPEncoderLayer`: pre-norm attention and MLP blocks with residuals.
struct EncoderLayer {
    self_attn: Attention,
    layer_norm1: LayerNorm,
    fc1: Linear,
    fc2: Linear,
    layer_norm2: LayerNorm,
    act: HiddenAct,
}

impl EncoderLayer {
    fn load(g: &Geometry, vb: &Scope) -> Result<Self> {
        Ok(Self {
            self_attn: Attention::load(g, &vb.pp("self_attn"))?,
            layer_norm1: layer_norm(&vb.pp("layer_norm1"), g.hidden, g.eps)?,
            fc1: linear(&vb.pp("mlp.fc1"), g.intermediate, g.hidden)?,
            fc2: linear(&vb.pp("mlp.fc2"), g.hidden, g.intermediate)?,
            layer_norm2: layer_norm(&vb.pp("layer_norm2"), g.hidden, g.eps)?,
            act: g.act,
        })
    }

    fn forward(&self, x: &Tensor, mask: Option<&Tensor>) -> candle_core::Result<Tensor> {
        let h = self
            .self_attn
            .forward(&self.layer_norm1.forward(x)?, mask)?;
        let x = (x + h)?;
        let h = self.fc1.forward(&self.layer_norm2.forward(&x)?)?;
        let h = self.fc2.forward(&activate(self.act, &h)?)?;
        x + h
    }
}

/// `CLIPEncoder`: the stack of layers.
struct Encoder {
    layers: Vec<EncoderLayer>,
}

impl Encoder {
    fn load(g: &Geometry, vb: &Scope) -> Result<Self> {
        let vb = vb.pp("layers");
        let layers = (0..g.layers)
            .map(|i| EncoderLayer::load(g, &vb.pp(i)))
            .collect::<Result<_>>()?;
        Ok(Self { layers })
    }

    fn forward(&self, x: &Tensor, mask: Option<&Tensor>) -> candle_core::Result<Tensor> {
        self.layers
            .iter()
            .try_fold(x.clone(), |x, layer| layer.forward(&x, mask))
    }
}

/// `CLIPTextTransformer` up to the pooled, final-normed hidden state.
struct TextTransformer {
    token_embedding: Tensor,
    position_embedding: Tensor,
    encoder: Encoder,
    final_layer_norm: LayerNorm,
}

impl TextTransformer {
    fn load(c: &TextConfig, vb: &Scope) -> Result<Self> {
        let g = Geometry::from(c);
        let emb = vb.pp("embeddings");
        Ok(Self {
            token_embedding: emb.get("token_embedding.weight", &[c.vocab_size, g.hidden])?,
            position_embedding: emb.get(
                "position_embedding.weight",
                &[c.max_position_embeddings, g.hidden],
            )?,
            encoder: Encoder::load(&g, &vb.pp("encoder"))?,
            final_layer_norm: layer_norm(&vb.pp("final_layer_norm"), g.hidden, g.eps)?,
        })
    }

    /// `ids`: `(b, s)` u32; `pooled`: the flat index `row * s + position` of each row's pooled
    /// token. Returns `(b, hidden)`.
    fn forward(&self, ids: &Tensor, pooled: &Tensor) -> Result<Tensor> {
        let (b, s) = ids.dims2()?;
        let h = self.token_embedding.dim(1)?;
        let tokens = self
            .token_embedding
            .index_select(&ids.flatten_all()?, 0)?
            .reshape((b, s, h))?;
        let x = tokens.broadcast_add(&self.position_embedding.narrow(0, 0, s)?)?;
        let mask = causal_mask(s, x.dtype(), x.device())?;
        let x = self.encoder.forward(&x, Some(&mask))?;
        // layer norm is per token: normalising only the pooled rows gives the same values
        let x = x.reshape((b * s, h))?.index_select(pooled, 0)?;
        Ok(self.final_layer_norm.forward(&x)?)
    }
}

/// Additive causal mask `(s, s)`: 0 on and below the diagonal, -inf above.
fn causal_mask(s: usize, dtype: DType, device: &Device) -> candle_core::Result<Tensor> {
    let values: Vec<f32> = (0..s)
        .flat_map(|i| (0..s).map(move |j| if j > i { f32::NEG_INFINITY } else { 0.0 }))
        .collect();
    Tensor::from_vec(values, (s, s), device)?.to_dtype(dtype)
}

/// `CLIPVisionTransformer` up to the post-normed class token.
struct VisionTransformer {
    /// The patch convolution as a matrix `(hidden, channels · patch · patch)`.
    patch_weight: Tensor,
    class_embedding: Tensor,
    position_embedding: Tensor,
    pre_layrnorm: LayerNorm,
    encoder: Encoder,
    post_layernorm: LayerNorm,
    patch: usize,
    grid: usize,
}

impl VisionTransformer {
    fn load(c: &VisionConfig, vb: &Scope) -> Result<Self> {
        let g = Geometry::from(c);
        let emb = vb.pp("embeddings");
        let p = c.patch_size;
        let patch_weight = emb
            .get("patch_embedding.weight", &[g.hidden, c.num_channels, p, p])?
            .reshape((g.hidden, c.num_channels * p * p))?;
        Ok(Self {
            patch_weight,
            class_embedding: emb.get("class_embedding", &[g.hidden])?,
            position_embedding: emb
                .get("position_embedding.weight", &[c.num_positions(), g.hidden])?,
            pre_layrnorm: layer_norm(&vb.pp("pre_layrnorm"), g.hidden, g.eps)?,
            encoder: Encoder::load(&g, &vb.pp("encoder"))?,
            post_layernorm: layer_norm(&vb.pp("post_layernorm"), g.hidden, g.eps)?,
            patch: p,
            grid: c.grid(),
        })
    }

    /// `px`: `(b, c, H, W)` → `(b, hidden)`.
    fn forward(&self, px: &Tensor) -> Result<Tensor> {
        let (b, c, _, _) = px.dims4()?;
        let (p, g) = (self.patch, self.grid);
        let h = self.patch_weight.dim(0)?;
        // (b, c, g, p, g, p) → (b, g, g, c, p, p): one row per patch, in conv weight order
        let patches = px
            .reshape((b, c, g, p, g, p))?
            .permute((0, 2, 4, 1, 3, 5))?
            .contiguous()?
            .reshape((b * g * g, c * p * p))?;
        let patches = patches
            .matmul(&self.patch_weight.t()?)?
            .reshape((b, g * g, h))?;
        let class = self
            .class_embedding
            .reshape((1, 1, h))?
            .broadcast_as((b, 1, h))?;
        let x = Tensor::cat(&[&class, &patches], 1)?.broadcast_add(&self.position_embedding)?;
        let x = self.pre_layrnorm.forward(&x)?;
        let x = self.encoder.forward(&x, None)?;
        let cls = x.narrow(1, 0, 1)?.squeeze(1)?;
        Ok(self.post_layernorm.forward(&cls)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn causal_mask_blocks_only_future_positions() -> candle_core::Result<()> {
        let m = causal_mask(3, DType::F32, &Device::Cpu)?.to_vec2::<f32>()?;
        for (i, row) in m.iter().enumerate() {
            for (j, &v) in row.iter().enumerate() {
                assert_eq!(v == f32::NEG_INFINITY, j > i, "({i}, {j}) = {v}");
                assert!(v == 0.0 || j > i);
            }
        }
        Ok(())
    }

    #[test]
    fn activations_match_their_formulas() -> candle_core::Result<()> {
        let xs = [-3.0f32, -0.5, 0.0, 0.7, 2.5];
        let x = Tensor::new(&xs, &Device::Cpu)?;
        let quick = activate(HiddenAct::QuickGelu, &x)?.to_vec1::<f32>()?;
        let exact = activate(HiddenAct::Gelu, &x)?.to_vec1::<f32>()?;
        let tanh = activate(HiddenAct::GeluPytorchTanh, &x)?.to_vec1::<f32>()?;
        for (i, &v) in xs.iter().enumerate() {
            let v = v as f64;
            let q = v / (1.0 + (-1.702 * v).exp());
            let t = 0.5
                * v
                * (1.0 + ((2.0 / std::f64::consts::PI).sqrt() * (v + 0.044715 * v.powi(3))).tanh());
            assert!((quick[i] as f64 - q).abs() < 1e-6, "quick_gelu({v})");
            assert!((tanh[i] as f64 - t).abs() < 1e-6, "gelu_tanh({v})");
        }
        // exact GELU at known points: Φ(0.7) = 0.758036..., Φ(-0.5) = 0.308537...
        assert!((exact[3] as f64 - 0.7 * 0.758_036_347_776_927).abs() < 1e-6);
        assert!((exact[1] as f64 + 0.5 * 0.308_537_538_725_987).abs() < 1e-6);
        assert_eq!(exact[2], 0.0);
        Ok(())
    }
}

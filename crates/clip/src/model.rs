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

mod fused;
pub mod siglip;
mod weights;

use std::path::Path;

use candle_core::{DType, Device, Module, Tensor};
use candle_nn::{LayerNorm, Linear};

use crate::config::{ClipConfig, HiddenAct, TextConfig, VisionConfig};
use crate::error::{Error, Result};
pub(crate) use fused::attention;
use fused::epilogue;
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
        keep_freed_memory();
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
    ///
    /// Neighbouring sequences that share a token prefix (as [`ClipModel::text_order`] arranges
    /// them) share its computation: with the causal mask the prefix's hidden states, keys and
    /// values do not depend on what follows, so they are computed once per group and each
    /// sequence computes only its own suffix, attending to the prefix's keys and values.
    pub fn text_features(&self, ids: &[Vec<u32>]) -> Result<Tensor> {
        let t = &self.config.text;
        if ids.is_empty() {
            return Err(Error::Input("text batch is empty".into()));
        }
        let mut pooled = Vec::with_capacity(ids.len());
        for (row, seq) in ids.iter().enumerate() {
            check_ids(row, seq, t.max_position_embeddings, t.vocab_size)?;
            pooled.push(
                self.config
                    .text_pooling
                    .position(seq)
                    .ok_or_else(|| Error::InputRow {
                        what: "text",
                        row,
                        message: format!(
                            "no token to pool ({:?} rule; is the EOS token missing?)",
                            self.config.text_pooling
                        ),
                    })?,
            );
        }
        let hidden = self.text.forward(ids, &pooled)?;
        Ok(self
            .text_projection
            .forward(&hidden)?
            .to_dtype(DType::F32)?)
    }

    /// An order in which to batch `ids`, `batch_size` at a time, for
    /// [`ClipModel::text_features`]: whichever computes fewer token positions of two, by length
    /// (least padding) or with shared prefixes next to each other (lexicographic, grouped by
    /// [`prefix_groups`], groups with similar unshared lengths together); see [`batch_plan`].
    pub fn text_order(&self, ids: &[Vec<u32>], batch_size: usize) -> Vec<usize> {
        let pooled_at = |s: &[u32]| self.config.text_pooling.position(s).unwrap_or(s.len());
        let mut by_length: Vec<usize> = (0..ids.len()).collect();
        by_length.sort_by_key(|&i| ids[i].len());
        let mut lexicographic: Vec<usize> = (0..ids.len()).collect();
        lexicographic.sort_by(|&a, &b| ids[a].cmp(&ids[b]));
        let sorted: Vec<&[u32]> = lexicographic.iter().map(|&i| ids[i].as_slice()).collect();
        let pooled: Vec<usize> = sorted.iter().map(|s| pooled_at(s)).collect();
        let mut groups = prefix_groups(&sorted, &pooled);
        groups.sort_by_key(|(rows, p)| rows.clone().map(|r| sorted[r].len() - p).max());
        let by_prefix: Vec<usize> = groups
            .into_iter()
            .flat_map(|(rows, _)| rows.map(|r| lexicographic[r]))
            .collect();
        let positions = |order: &[usize]| -> usize {
            order
                .chunks(batch_size.max(1))
                .map(|chunk| {
                    let seqs: Vec<&[u32]> = chunk.iter().map(|&i| ids[i].as_slice()).collect();
                    let pooled: Vec<usize> = seqs.iter().map(|s| pooled_at(s)).collect();
                    batch_plan(&seqs, &pooled).1
                })
                .sum()
        };
        if positions(&by_prefix) < positions(&by_length) {
            by_prefix
        } else {
            by_length
        }
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
        return Err(Error::InputRow {
            what: "text",
            row,
            message: format!(
                "{} tokens, more than max_position_embeddings ({max_len})",
                seq.len()
            ),
        });
    }
    if let Some(bad) = seq.iter().find(|&&id| id as usize >= vocab) {
        return Err(Error::InputRow {
            what: "text",
            row,
            message: format!("token id {bad} is outside the vocabulary ({vocab})"),
        });
    }
    Ok(())
}

/// Pixels of shape `(n > 0, channels, size, size)`, moved to `device` in `dtype`.
/// Pixels `(b, c, g·p, g·p)` as one row per `p`×`p` patch, `(b·g·g, c·p·p)`, in the order of a
/// patch convolution's weight `(hidden, c, p, p)`: the convolution becomes one matmul.
fn patch_rows(px: &Tensor, p: usize, g: usize) -> candle_core::Result<Tensor> {
    let (b, c, _, _) = px.dims4()?;
    // (b, c, g, p, g, p) → (b, g, g, c, p, p)
    px.reshape((b, c, g, p, g, p))?
        .permute((0, 2, 4, 1, 3, 5))?
        .contiguous()?
        .reshape((b * g * g, c * p * p))
}

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

/// Tunes glibc's allocator once per process so that the large, short-lived activation buffers of
/// a forward pass are reused from the heap instead of being `mmap`ed, returned to the OS on free
/// and page-faulted back on the next batch (exact: only where memory comes from changes).
#[allow(unsafe_code)]
fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            // SAFETY: mallopt only changes allocator parameters; 32 MiB is glibc's largest
            // accepted mmap threshold on 64-bit, and freed heap tops above 256 MiB are trimmed.
            unsafe {
                libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
                libc::mallopt(libc::M_TRIM_THRESHOLD, 256 << 20);
            }
        });
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

/// A Linear whose bias is added by [`epilogue`], together with an optional activation and
/// residual: `act(x wᵀ + bias) + residual`.
pub(crate) struct Dense {
    /// The weight, without the bias.
    matmul: Linear,
    bias: Tensor,
}

impl Dense {
    pub(crate) fn new(weight: Tensor, bias: Tensor) -> Self {
        Self {
            matmul: Linear::new(weight, None),
            bias,
        }
    }

    /// The `weight` / `bias` pair under `vb`, `(out_dim, in_dim)` and `(out_dim)`.
    fn load(vb: &Scope, out_dim: usize, in_dim: usize) -> Result<Self> {
        Ok(Self::new(
            vb.get("weight", &[out_dim, in_dim])?,
            vb.get("bias", &[out_dim])?,
        ))
    }

    /// Output rows `from .. from + len`, as a Dense of their own.
    fn rows(&self, from: usize, len: usize) -> candle_core::Result<Self> {
        Ok(Self::new(
            self.matmul.weight().narrow(0, from, len)?,
            self.bias.narrow(0, from, len)?,
        ))
    }

    pub(crate) fn forward(
        &self,
        x: &Tensor,
        act: Option<HiddenAct>,
        residual: Option<&Tensor>,
    ) -> candle_core::Result<Tensor> {
        epilogue(&self.matmul.forward(x)?, &self.bias, act, residual)
    }
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

/// The `i`-th of `n` stacked `(heads · d)` blocks of `x` `(b, s, n · heads · d)`, as
/// `(b, heads, s, d)`.
fn split_heads(x: &Tensor, i: usize, n: usize, heads: usize) -> candle_core::Result<Tensor> {
    let (b, s, w) = x.dims3()?;
    x.reshape((b, s, n, heads, w / (n * heads)))?
        .narrow(2, i, 1)?
        .squeeze(2)?
        .transpose(1, 2)?
        .contiguous()
}

/// One layer's attention keys and values, `(b, s, heads · d)` each.
pub(crate) type Kv = (Tensor, Tensor);

/// `CLIPAttention` with q/k/v fused into one projection, the query pre-scaled.
struct Attention {
    qkv: Dense,
    out_proj: Dense,
    heads: usize,
}

impl Attention {
    fn load(g: &Geometry, vb: &Scope) -> Result<Self> {
        let h = g.hidden;
        let scale = ((h / g.heads) as f64).powf(-0.5);
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
            qkv: Dense::new(weight, bias),
            out_proj: Dense::load(&vb.pp("out_proj"), h, h)?,
            heads: g.heads,
        })
    }

    /// Attention of the (normed) `x` `(b, s, hidden)`, before the output projection. Keys and
    /// values are `past`'s (keys of earlier tokens, `(b, sp, hidden)`) followed by `x`'s own.
    /// Queries are every position of `x`, or with `rows` (flat indices `row · s + position`,
    /// one per sequence) only those (`sq = 1`). `mask`: additive, broadcast to
    /// `(b, 1, sq, sp + s)`. Returns the heads concatenated `(b, sq, hidden)` and `x`'s own keys
    /// and values.
    fn forward(
        &self,
        x: &Tensor,
        mask: Option<&Tensor>,
        past: Option<&Kv>,
        rows: Option<&Tensor>,
    ) -> candle_core::Result<(Tensor, Kv)> {
        let (b, s, h) = x.dims3()?;
        let (q, k, v) = match rows {
            None => {
                let qkv = self.qkv.forward(x, None, None)?;
                (
                    qkv.narrow(2, 0, h)?,
                    qkv.narrow(2, h, h)?,
                    qkv.narrow(2, 2 * h, h)?,
                )
            }
            Some(rows) => {
                let q = self
                    .qkv
                    .rows(0, h)?
                    .forward(&x.reshape((b * s, h))?.index_select(rows, 0)?, None, None)?
                    .reshape((b, 1, h))?;
                let kv = self.qkv.rows(h, 2 * h)?.forward(x, None, None)?;
                (q, kv.narrow(2, 0, h)?, kv.narrow(2, h, h)?)
            }
        };
        let out = match past {
            None => attention(&q, &k, &v, mask, self.heads)?,
            Some((pk, pv)) => attention(
                &q,
                &Tensor::cat(&[pk, &k], 1)?,
                &Tensor::cat(&[pv, &v], 1)?,
                mask,
                self.heads,
            )?,
        };
        Ok((out, (k, v)))
    }
}

/// `CLIPMLP` (and SigLIP's pooling-head MLP): fc1, activation, fc2.
pub(crate) struct Mlp {
    fc1: Dense,
    fc2: Dense,
    act: HiddenAct,
}

impl Mlp {
    /// The `fc1` / `fc2` Linears under `vb` (usually `….mlp`).
    pub(crate) fn load(g: &Geometry, vb: &Scope) -> Result<Self> {
        Ok(Self {
            fc1: Dense::load(&vb.pp("fc1"), g.intermediate, g.hidden)?,
            fc2: Dense::load(&vb.pp("fc2"), g.hidden, g.intermediate)?,
            act: g.act,
        })
    }

    /// `fc2(act(fc1(x))) + residual`.
    pub(crate) fn forward(&self, x: &Tensor, residual: &Tensor) -> candle_core::Result<Tensor> {
        let h = self.fc1.forward(x, Some(self.act), None)?;
        self.fc2.forward(&h, None, Some(residual))
    }
}

/// `CLIPEncoderLayer`: pre-norm attention and MLP blocks with residuals.
struct EncoderLayer {
    self_attn: Attention,
    layer_norm1: LayerNorm,
    mlp: Mlp,
    layer_norm2: LayerNorm,
}

impl EncoderLayer {
    fn load(g: &Geometry, vb: &Scope) -> Result<Self> {
        Ok(Self {
            self_attn: Attention::load(g, &vb.pp("self_attn"))?,
            layer_norm1: layer_norm(&vb.pp("layer_norm1"), g.hidden, g.eps)?,
            mlp: Mlp::load(g, &vb.pp("mlp"))?,
            layer_norm2: layer_norm(&vb.pp("layer_norm2"), g.hidden, g.eps)?,
        })
    }

    /// See [`Attention::forward`]. With `rows`, the output is `(b, 1, hidden)`: every
    /// operation after attention is per token, so it equals the full output at those rows.
    fn forward(
        &self,
        x: &Tensor,
        mask: Option<&Tensor>,
        past: Option<&Kv>,
        rows: Option<&Tensor>,
    ) -> candle_core::Result<(Tensor, Kv)> {
        let (attn, kv) = self
            .self_attn
            .forward(&self.layer_norm1.forward(x)?, mask, past, rows)?;
        let x = match rows {
            None => x.clone(),
            Some(rows) => {
                let (b, s, h) = x.dims3()?;
                x.reshape((b * s, h))?
                    .index_select(rows, 0)?
                    .reshape((b, 1, h))?
            }
        };
        let x = self.self_attn.out_proj.forward(&attn, None, Some(&x))?;
        Ok((self.mlp.forward(&self.layer_norm2.forward(&x)?, &x)?, kv))
    }
}

/// The pooled token of each sequence: flat indices `row · s + position` and the additive mask
/// `(b, 1, 1, keys)` of its query.
pub(crate) struct Pooled<'a> {
    pub(crate) rows: &'a Tensor,
    pub(crate) mask: Option<&'a Tensor>,
}

/// `CLIPEncoder`: the stack of layers.
pub(crate) struct Encoder {
    layers: Vec<EncoderLayer>,
}

impl Encoder {
    pub(crate) fn load(g: &Geometry, vb: &Scope) -> Result<Self> {
        let vb = vb.pp("layers");
        let layers = (0..g.layers)
            .map(|i| EncoderLayer::load(g, &vb.pp(i)))
            .collect::<Result<_>>()?;
        Ok(Self { layers })
    }

    /// Runs the layers over `x` `(b, s, hidden)` with `mask`. `past`: each layer's keys and
    /// values of earlier tokens that `x` continues. With `pooled`, the output is `(b, hidden)`
    /// at the pooled rows only: the last layer computes keys and values for every position but
    /// queries, output projection and MLP for those rows; otherwise `(b, s, hidden)`. With
    /// `keep_kv`, also returns every layer's keys and values of `x`.
    pub(crate) fn forward(
        &self,
        x: &Tensor,
        mask: Option<&Tensor>,
        past: Option<&[Kv]>,
        keep_kv: bool,
        pooled: Option<Pooled<'_>>,
    ) -> candle_core::Result<(Tensor, Vec<Kv>)> {
        let (b, s, h) = x.dims3()?;
        let mut kept = Vec::new();
        let mut x = x.clone();
        let n = self.layers.len();
        for (i, layer) in self.layers.iter().enumerate() {
            let last = i + 1 == n;
            let (rows, layer_mask) = match &pooled {
                Some(p) if last => (Some(p.rows), p.mask),
                _ => (None, mask),
            };
            let (y, kv) = layer.forward(&x, layer_mask, past.map(|p| &p[i]), rows)?;
            if keep_kv {
                kept.push(kv);
            }
            x = y;
        }
        let x = match pooled {
            Some(_) if n > 0 => x.reshape((b, h))?,
            Some(p) => x.reshape((b * s, h))?.index_select(p.rows, 0)?,
            None => x,
        };
        Ok((x, kept))
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

    /// `(b, width, hidden)` embeddings of `seqs`, each right-padded to `width`, the `j`-th
    /// token of row `r` at position `offsets[r] + j` (padding at a clamped position: it is
    /// never attended to).
    fn embed(&self, seqs: &[&[u32]], offsets: &[usize], width: usize) -> Result<Tensor> {
        let last_position = self.position_embedding.dim(0)?.saturating_sub(1);
        let mut tokens = Vec::with_capacity(seqs.len() * width);
        let mut positions = Vec::with_capacity(seqs.len() * width);
        for (seq, &offset) in seqs.iter().zip(offsets) {
            for j in 0..width {
                tokens.push(seq.get(j).copied().unwrap_or(0));
                positions.push((offset + j).min(last_position) as u32);
            }
        }
        let device = self.token_embedding.device();
        let tokens = Tensor::from_vec(tokens, seqs.len() * width, device)?;
        let positions = Tensor::from_vec(positions, seqs.len() * width, device)?;
        let x = (self.token_embedding.index_select(&tokens, 0)?
            + self.position_embedding.index_select(&positions, 0)?)?;
        Ok(x.reshape((seqs.len(), width, self.token_embedding.dim(1)?))?)
    }

    /// `ids`: `b` sequences; `pooled`: each one's pooled position. Returns `(b, hidden)`.
    /// Prefixes shared by neighbours ([`batch_plan`]) run once, in a first pass that keeps
    /// every layer's keys and values; then every row runs its suffix over them.
    fn forward(&self, ids: &[Vec<u32>], pooled: &[usize]) -> Result<Tensor> {
        let device = self.token_embedding.device();
        let dtype = self.token_embedding.dtype();
        let seqs: Vec<&[u32]> = ids.iter().map(Vec::as_slice).collect();
        let b = seqs.len();
        // each row's shared prefix length and the index of its group's prefix
        let (mut shared, mut group_of, mut prefixes) = (Vec::new(), Vec::new(), Vec::new());
        for (rows, p) in batch_plan(&seqs, pooled).0 {
            if p > 0 {
                prefixes.push(&seqs[rows.start][..p]);
            }
            for _ in rows {
                shared.push(p);
                group_of.push(if p > 0 { prefixes.len() as u32 - 1 } else { 0 });
            }
        }
        let width = prefixes.iter().map(|s| s.len()).max().unwrap_or(0);
        let past = if prefixes.is_empty() {
            None
        } else {
            let x = self.embed(&prefixes, &vec![0; prefixes.len()], width)?;
            let mask = causal_mask(width, dtype, device)?;
            // only the keys and values are used: the last layer's queries are cut to one row
            let first: Vec<u32> = (0..prefixes.len()).map(|g| (g * width) as u32).collect();
            let first = Tensor::new(first, device)?;
            let only_kv = Pooled {
                rows: &first,
                mask: None,
            };
            let (_, kv) = self
                .encoder
                .forward(&x, Some(&mask), None, true, Some(only_kv))?;
            let index = Tensor::new(group_of.as_slice(), device)?;
            let per_row = |t: &Tensor| t.contiguous()?.index_select(&index, 0);
            Some(
                kv.iter()
                    .map(|(k, v)| Ok((per_row(k)?, per_row(v)?)))
                    .collect::<candle_core::Result<Vec<Kv>>>()?,
            )
        };
        let suffixes: Vec<&[u32]> = seqs.iter().zip(&shared).map(|(s, &p)| &s[p..]).collect();
        let len = suffixes.iter().map(|s| s.len()).max().unwrap_or(0);
        let x = self.embed(&suffixes, &shared, len)?;
        // keys: the prefix pass's `width` (a row sees its own `p`), then the suffix, causally
        let keys = width + len;
        let additive = |seen: bool| if seen { 0f32 } else { f32::NEG_INFINITY };
        let key_mask = |p: usize, i: usize| {
            (0..keys).map(move |k| additive(if k < width { k < p } else { k - width <= i }))
        };
        let mut mask = Vec::with_capacity(b * len * keys);
        let mut row_mask = Vec::with_capacity(b * keys);
        let mut rows = Vec::with_capacity(b);
        for (r, &p) in shared.iter().enumerate() {
            for i in 0..len {
                mask.extend(key_mask(p, i));
            }
            row_mask.extend(key_mask(p, pooled[r] - p));
            rows.push((r * len + pooled[r] - p) as u32);
        }
        let mask = Tensor::from_vec(mask, (b, 1, len, keys), device)?.to_dtype(dtype)?;
        let row_mask = Tensor::from_vec(row_mask, (b, 1, 1, keys), device)?.to_dtype(dtype)?;
        let rows = Tensor::new(rows, device)?;
        let pooled = Pooled {
            rows: &rows,
            mask: Some(&row_mask),
        };
        let (x, _) = self
            .encoder
            .forward(&x, Some(&mask), past.as_deref(), false, Some(pooled))?;
        // layer norm is per token: normalising only the pooled rows gives the same values
        Ok(self.final_layer_norm.forward(&x)?)
    }
}

/// How [`TextTransformer::forward`] computes one batch, and how many token positions that
/// costs: the [`prefix_groups`] (each shared prefix, padded to the longest, once; then every
/// row's suffix, padded to the longest) when that is fewer positions than sharing nothing
/// (every row padded to the longest), else nothing shared.
fn batch_plan(seqs: &[&[u32]], pooled: &[usize]) -> (Vec<(std::ops::Range<usize>, usize)>, usize) {
    let positions = |groups: &[(std::ops::Range<usize>, usize)]| {
        let prefixes = groups.iter().filter(|(_, p)| *p > 0).count();
        let width = groups.iter().map(|(_, p)| *p).max().unwrap_or(0);
        let len = groups
            .iter()
            .flat_map(|(rows, p)| rows.clone().map(move |r| seqs[r].len() - p))
            .max()
            .unwrap_or(0);
        prefixes * width + seqs.len() * len
    };
    let shared = prefix_groups(seqs, pooled);
    let plain = vec![(0..seqs.len(), 0)];
    let (a, b) = (positions(&shared), positions(&plain));
    if a < b {
        (shared, a)
    } else {
        (plain, b)
    }
}

/// Fewest shared tokens for which a group's prefix is computed once: below that, the extra
/// pass and the longer key rows cost more than the prefix saves.
const MIN_SHARED_PREFIX: usize = 4;

/// Splits `seqs` (in order) into runs of neighbours sharing a token prefix, each with the length
/// `p` of the prefix computed once (0: not shared). `p` stays at or before every member's pooled
/// position `pooled[r]`, so that each member's pooled token is in its own suffix. A row joins
/// the current run when the shortened prefix still saves at least what it costs the members.
fn prefix_groups(seqs: &[&[u32]], pooled: &[usize]) -> Vec<(std::ops::Range<usize>, usize)> {
    let group = |rows: std::ops::Range<usize>, p: usize| {
        let p = if rows.len() > 1 { p } else { 0 };
        (rows, p)
    };
    let mut groups = Vec::new();
    let (mut start, mut p) = (0, pooled.first().copied().unwrap_or(0));
    for r in 1..seqs.len() {
        let common = seqs[r - 1]
            .iter()
            .zip(seqs[r])
            .take_while(|(a, b)| a == b)
            .count();
        let joined = p.min(common).min(pooled[r]);
        if joined >= MIN_SHARED_PREFIX && joined >= (p - joined) * (r - start) {
            p = joined;
        } else {
            groups.push(group(start..r, p));
            (start, p) = (r, pooled[r]);
        }
    }
    if !seqs.is_empty() {
        groups.push(group(start..seqs.len(), p));
    }
    groups
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
        let b = px.dim(0)?;
        let (g, h) = (self.grid, self.patch_weight.dim(0)?);
        let patches = patch_rows(px, self.patch, g)?
            .matmul(&self.patch_weight.t()?)?
            .reshape((b, g * g, h))?;
        let class = self
            .class_embedding
            .reshape((1, 1, h))?
            .broadcast_as((b, 1, h))?;
        let x = Tensor::cat(&[&class, &patches], 1)?.broadcast_add(&self.position_embedding)?;
        let x = self.pre_layrnorm.forward(&x)?;
        let s = x.dim(1)?;
        let class_rows: Vec<u32> = (0..b).map(|i| (i * s) as u32).collect();
        let class_rows = Tensor::new(class_rows, x.device())?;
        let pooled = Pooled {
            rows: &class_rows,
            mask: None,
        };
        let (cls, _) = self.encoder.forward(&x, None, None, false, Some(pooled))?;
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
    fn prefix_groups_share_long_enough_prefixes_before_the_pooled_token() {
        let seqs: [&[u32]; 6] = [
            &[1, 5, 6, 7, 8, 9, 2],
            &[1, 5, 6, 7, 8, 9, 2],
            &[1, 5, 6, 7, 9, 9, 2],
            &[1, 5, 6, 8, 2],
            &[1, 7, 2],
            &[1, 7, 3, 2],
        ];
        let pooled: Vec<usize> = seqs.iter().map(|s| s.len() - 1).collect();
        let groups = prefix_groups(&seqs, &pooled);
        // the duplicates share all but the pooled token, then the third joins at 4 tokens
        // (saves 4, costs 2 × 2); the fourth shares only 3; the last two only 2
        assert_eq!(groups, vec![(0..3, 4), (3..4, 0), (4..5, 0), (5..6, 0)]);
        // the prefix stops at the earliest pooled position of the members
        assert_eq!(prefix_groups(&seqs[..2], &[6, 5]), vec![(0..2, 5)]);
        assert_eq!(
            prefix_groups(&seqs[..2], &[6, 3]),
            vec![(0..1, 0), (1..2, 0)]
        );
        assert!(prefix_groups(&[], &[]).is_empty());
        // shared: one prefix of 4, then six suffixes padded to 5 (34 positions, 42 unshared)
        assert_eq!(batch_plan(&seqs, &pooled), (groups, 34));
        // a long unrelated row pads every suffix: sharing (4 + 3 × 11) loses to 3 × 11
        let seqs: [&[u32]; 3] = [
            &[1, 5, 6, 7, 8, 2],
            &[1, 5, 6, 7, 9, 2],
            &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 2],
        ];
        assert_eq!(batch_plan(&seqs, &[5, 5, 10]), (vec![(0..3, 0)], 33));
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

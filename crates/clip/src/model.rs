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
pub mod packed;
pub mod siglip;
mod trie;
mod weights;

use std::path::Path;

use candle_core::{DType, Device, Module, Tensor};
use candle_nn::{LayerNorm, Linear};

use crate::config::{ClipConfig, HiddenAct, TextConfig, VisionConfig};
use crate::error::{Error, Result};
pub(crate) use fused::attention;
use fused::{dense, trie_attention, Weight};
use trie::Trie;
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
    /// sequences (as the tokenizer gives them: BOS … EOS, no padding), row `i` for `ids[i]`.
    ///
    /// Under the causal mask nothing after a sequence's pooled token reaches its feature, and
    /// a token's hidden state depends only on the tokens up to it: each sequence is cut after
    /// its pooled token, and on the CPU in f32 the batch's distinct prefixes are computed once
    /// each, as the nodes of a token trie (no padding; shared at any depth, duplicates once;
    /// see `model/trie.rs`). Elsewhere the cut sequences are right-padded into one batch, as
    /// transformers does with its `attention_mask`.
    pub fn text_features(&self, ids: &[Vec<u32>]) -> Result<Tensor> {
        let t = &self.config.text;
        if ids.is_empty() {
            return Err(Error::Input("text batch is empty".into()));
        }
        let mut cut = Vec::with_capacity(ids.len());
        for (row, seq) in ids.iter().enumerate() {
            check_ids(row, seq, t.max_position_embeddings, t.vocab_size)?;
            cut.push(self.pooled_prefix(seq).ok_or_else(|| Error::InputRow {
                what: "text",
                row,
                message: format!(
                    "no token to pool ({:?} rule; is the EOS token missing?)",
                    self.config.text_pooling
                ),
            })?);
        }
        let hidden = self.text.forward(&cut)?;
        Ok(self
            .text_projection
            .forward(&hidden)?
            .to_dtype(DType::F32)?)
    }

    /// `seq` up to and including its pooled token, the only tokens its feature depends on;
    /// `None` when it has none ([`ClipModel::text_features`] reports that as an error; planning
    /// passes, [`ClipModel::text_passes`] counts such a sequence whole).
    fn pooled_prefix<'a>(&self, seq: &'a [u32]) -> Option<&'a [u32]> {
        self.config
            .text_pooling
            .position(seq)
            .filter(|&p| p < seq.len())
            .map(|p| &seq[..=p])
    }

    /// Each of `ids` cut by [`ClipModel::pooled_prefix`] (whole when it has no pooled token),
    /// for planning passes.
    fn cuts<'a>(&self, ids: &'a [Vec<u32>]) -> Vec<&'a [u32]> {
        ids.iter()
            .map(|s| self.pooled_prefix(s).unwrap_or(s))
            .collect()
    }

    /// How to split `ids` into forward passes of [`ClipModel::text_features`] (each pass a list
    /// of indices into `ids`; every index once). On the CPU in f32, passes of at most
    /// `PASS_ROWS` (2048) trie nodes, the texts in lexicographic order so that those
    /// sharing prefixes meet in one trie (`batch_size` is not used: a pass costs its nodes,
    /// not its texts); elsewhere `batch_size` texts per pass, by length (least padding).
    pub fn text_passes(&self, ids: &[Vec<u32>], batch_size: usize) -> Vec<Vec<usize>> {
        if packed(&self.text.token_embedding) {
            let cut = self.cuts(ids);
            trie::passes(&cut, PASS_ROWS)
        } else {
            let mut by_length: Vec<usize> = (0..ids.len()).collect();
            by_length.sort_by_key(|&i| ids[i].len());
            by_length
                .chunks(batch_size.max(1))
                .map(<[usize]>::to_vec)
                .collect()
        }
    }

    /// Token positions the text tower computes for `ids` split as
    /// [`ClipModel::text_passes`] splits them: trie nodes, or padded batch sizes times widths.
    pub fn text_positions(&self, ids: &[Vec<u32>], batch_size: usize) -> usize {
        let cut = self.cuts(ids);
        if packed(&self.text.token_embedding) {
            return trie::positions(&cut, PASS_ROWS);
        }
        self.text_passes(ids, batch_size)
            .iter()
            .map(|pass| pass.len() * pass.iter().map(|&i| cut[i].len()).max().unwrap_or(0))
            .sum()
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

/// A Linear whose bias, optional activation and optional residual are applied by [`dense`]:
/// `act(x wᵀ + bias) + residual`.
/// The weight is packed at load where the packed GEMM runs ([`Weight`]).
pub(crate) struct Dense {
    weight: Weight,
    bias: Tensor,
}

impl Dense {
    pub(crate) fn new(weight: Tensor, bias: Tensor) -> candle_core::Result<Self> {
        Ok(Self {
            weight: Weight::new(weight)?,
            bias,
        })
    }

    /// The `weight` / `bias` pair under `vb`, `(out_dim, in_dim)` and `(out_dim)`.
    fn load(vb: &Scope, out_dim: usize, in_dim: usize) -> Result<Self> {
        Ok(Self::new(
            vb.get("weight", &[out_dim, in_dim])?,
            vb.get("bias", &[out_dim])?,
        )?)
    }

    /// Output rows `from .. from + len`, as a Dense of their own.
    fn rows(&self, from: usize, len: usize) -> candle_core::Result<Self> {
        Ok(Self {
            weight: self.weight.rows(from, len)?,
            bias: self.bias.narrow(0, from, len)?,
        })
    }

    pub(crate) fn forward(
        &self,
        x: &Tensor,
        act: Option<HiddenAct>,
        residual: Option<&Tensor>,
    ) -> candle_core::Result<Tensor> {
        dense(x, &self.weight, &self.bias, act, residual)
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

/// What each query of an encoder pass attends to.
#[derive(Clone, Copy)]
pub(crate) enum Keys<'a> {
    /// Sequences `(b, s, hidden)`: the positions of its own sequence, under an additive mask
    /// broadcast to `(b, 1, sq, s)`.
    Padded(Option<&'a Tensor>),
    /// The nodes of a token trie `(nodes, hidden)`: each node's ancestors and itself.
    Trie(&'a Trie),
}

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
            qkv: Dense::new(weight, bias)?,
            out_proj: Dense::load(&vb.pp("out_proj"), h, h)?,
            heads: g.heads,
        })
    }

    /// Attention of the (normed) `x` (sequences `(b, s, hidden)` or trie nodes
    /// `(nodes, hidden)`, as `keys` says), before the output projection. Queries are every
    /// position of `x`, or with `rows` (flat indices into `x`'s positions; for sequences one
    /// per sequence) only those; keys and values are computed for every position. Returns the
    /// heads concatenated: shaped as `x`, or `(rows, hidden)`.
    fn forward(
        &self,
        x: &Tensor,
        keys: Keys<'_>,
        rows: Option<&Tensor>,
    ) -> candle_core::Result<Tensor> {
        let last = x.rank() - 1;
        let h = x.dim(last)?;
        let (q, k, v) = match rows {
            None => {
                let qkv = self.qkv.forward(x, None, None)?;
                (
                    qkv.narrow(last, 0, h)?,
                    qkv.narrow(last, h, h)?,
                    qkv.narrow(last, 2 * h, h)?,
                )
            }
            Some(rows) => {
                let q = self.qkv.rows(0, h)?.forward(
                    &x.flatten_to(last - 1)?.index_select(rows, 0)?,
                    None,
                    None,
                )?;
                let kv = self.qkv.rows(h, 2 * h)?.forward(x, None, None)?;
                (q, kv.narrow(last, 0, h)?, kv.narrow(last, h, h)?)
            }
        };
        match keys {
            Keys::Padded(mask) => match rows {
                None => attention(&q, &k, &v, mask, self.heads),
                Some(_) => {
                    let b = x.dim(0)?;
                    attention(&q.reshape((b, 1, h))?, &k, &v, mask, self.heads)?.reshape((b, h))
                }
            },
            Keys::Trie(trie) => {
                let nodes = match rows {
                    Some(rows) => rows.to_vec1::<u32>()?,
                    None => (0..trie.len() as u32).collect(),
                };
                trie_attention(&q, &k, &v, &nodes, &trie.parents, self.heads)
            }
        }
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

    /// See [`Attention::forward`]. With `rows`, the output is `(rows, hidden)`: every
    /// operation after attention is per token, so it equals the full output at those rows.
    fn forward(
        &self,
        x: &Tensor,
        keys: Keys<'_>,
        rows: Option<&Tensor>,
    ) -> candle_core::Result<Tensor> {
        let attn = self
            .self_attn
            .forward(&self.layer_norm1.forward(x)?, keys, rows)?;
        let x = match rows {
            None => x.clone(),
            Some(rows) => x.flatten_to(x.rank() - 2)?.index_select(rows, 0)?,
        };
        let x = self.self_attn.out_proj.forward(&attn, None, Some(&x))?;
        self.mlp.forward(&self.layer_norm2.forward(&x)?, &x)
    }
}

/// The pooled token of each sequence (or trie node of each text): flat indices into the
/// positions of the encoder's input, and what their queries attend to (for sequences, an
/// additive mask `(b, 1, 1, s)`).
pub(crate) struct Pooled<'a> {
    pub(crate) rows: &'a Tensor,
    pub(crate) keys: Keys<'a>,
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

    /// Runs the layers over `x` (sequences `(b, s, hidden)` or trie nodes `(nodes, hidden)`)
    /// attending to `keys`. With `pooled`, the output is `(rows, hidden)` at the pooled rows
    /// only: the last layer computes keys and values for every position but queries, output
    /// projection and MLP for those rows; otherwise shaped as `x`.
    pub(crate) fn forward(
        &self,
        x: &Tensor,
        keys: Keys<'_>,
        pooled: Option<Pooled<'_>>,
    ) -> candle_core::Result<Tensor> {
        let mut x = x.clone();
        let n = self.layers.len();
        for (i, layer) in self.layers.iter().enumerate() {
            let (rows, keys) = match &pooled {
                Some(p) if i + 1 == n => (Some(p.rows), p.keys),
                _ => (None, keys),
            };
            x = layer.forward(&x, keys, rows)?;
        }
        match pooled {
            Some(p) if n == 0 => x.flatten_to(x.rank() - 2)?.index_select(p.rows, 0),
            _ => Ok(x),
        }
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

    /// `(n, hidden)` embeddings of `tokens` at `positions`.
    fn embed(&self, tokens: &[u32], positions: &[u32]) -> Result<Tensor> {
        let device = self.token_embedding.device();
        let n = tokens.len();
        let tokens = Tensor::from_slice(tokens, n, device)?;
        let positions = Tensor::from_slice(positions, n, device)?;
        Ok((self.token_embedding.index_select(&tokens, 0)?
            + self.position_embedding.index_select(&positions, 0)?)?)
    }

    /// `seqs`: `b` sequences, each cut after its pooled token. Returns their pooled, final-normed
    /// hidden states `(b, hidden)`: on the CPU in f32 over the batch's token trie
    /// ([`TextTransformer::forward_trie`]), elsewhere over the sequences padded
    /// ([`TextTransformer::forward_padded`]).
    fn forward(&self, seqs: &[&[u32]]) -> Result<Tensor> {
        let x = if packed(&self.token_embedding) {
            self.forward_trie(seqs)?
        } else {
            self.forward_padded(seqs)?
        };
        // layer norm is per token: normalising only the pooled rows gives the same values
        Ok(self.final_layer_norm.forward(&x)?)
    }

    /// One row per distinct prefix of `seqs` (a [`Trie`] node at its depth's position), each
    /// attending to its ancestors and itself; queries of the last layer only at the distinct
    /// pooled nodes.
    fn forward_trie(&self, seqs: &[&[u32]]) -> Result<Tensor> {
        let device = self.token_embedding.device();
        let trie = Trie::new(seqs);
        let x = self.embed(&trie.tokens, &trie.depths)?;
        // the distinct pooled nodes, ascending, and each sequence's row among them
        let mut ends = trie.ends.clone();
        ends.sort_unstable();
        ends.dedup();
        let of_seq: Vec<u32> = trie
            .ends
            .iter()
            .map(|e| ends.partition_point(|x| x < e) as u32)
            .collect();
        let rows = Tensor::new(ends, device)?;
        let keys = Keys::Trie(&trie);
        let pooled = Pooled { rows: &rows, keys };
        let x = self.encoder.forward(&x, keys, Some(pooled))?;
        Ok(x.index_select(&Tensor::new(of_seq, device)?, 0)?)
    }

    /// The sequences right-padded to the longest, under the causal mask (padding comes after
    /// every sequence's pooled token: nothing attends to it).
    fn forward_padded(&self, seqs: &[&[u32]]) -> Result<Tensor> {
        let device = self.token_embedding.device();
        let dtype = self.token_embedding.dtype();
        let (b, width) = (seqs.len(), seqs.iter().map(|s| s.len()).max().unwrap_or(0));
        let mut tokens = Vec::with_capacity(b * width);
        let mut row_mask = Vec::with_capacity(b * width);
        for seq in seqs {
            for j in 0..width {
                tokens.push(seq.get(j).copied().unwrap_or(0));
                row_mask.push(if j < seq.len() {
                    0f32
                } else {
                    f32::NEG_INFINITY
                });
            }
        }
        let positions: Vec<u32> = (0..b).flat_map(|_| 0..width as u32).collect();
        let x =
            self.embed(&tokens, &positions)?
                .reshape((b, width, self.token_embedding.dim(1)?))?;
        let mask = causal_mask(width, dtype, device)?;
        // the pooled query of each row: its last token, seeing its own tokens
        let row_mask = Tensor::from_vec(row_mask, (b, 1, 1, width), device)?.to_dtype(dtype)?;
        let rows: Vec<u32> = seqs
            .iter()
            .enumerate()
            .map(|(r, s)| (r * width + s.len() - 1) as u32)
            .collect();
        let rows = Tensor::new(rows, device)?;
        let pooled = Pooled {
            rows: &rows,
            keys: Keys::Padded(Some(&row_mask)),
        };
        Ok(self
            .encoder
            .forward(&x, Keys::Padded(Some(&mask)), Some(pooled))?)
    }
}

/// Whether the text tower runs over a token trie: on the CPU in f32, where the fused kernels
/// ([`fused::trie_attention`]) apply.
fn packed(t: &Tensor) -> bool {
    t.device().is_cpu() && t.dtype() == DType::F32
}

/// Most token positions (text trie nodes, image patches and class tokens) in one encoder pass;
/// see [`ClipModel::text_passes`] and [`VisionTransformer::forward`]. Every activation buffer
/// of a ViT-B layer then stays under 2,048 × 3,072 f32 = 24 MiB: below glibc's 32 MiB `mmap`
/// threshold ([`keep_freed_memory`]), so buffers are reused from the heap instead of being
/// mapped, page-faulted and unmapped on every operation.
const PASS_ROWS: usize = 2048;

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

    /// `px`: `(b, c, H, W)` → `(b, hidden)`, in passes of at most [`PASS_ROWS`] token
    /// positions (images are independent: the same values as one pass of all).
    fn forward(&self, px: &Tensor) -> Result<Tensor> {
        let b = px.dim(0)?;
        // as few passes as the budget allows, of equal size (the last possibly smaller)
        let passes = b.div_ceil((PASS_ROWS / (self.grid * self.grid + 1)).max(1));
        if passes <= 1 {
            return self.forward_pass(px);
        }
        let per_pass = b.div_ceil(passes);
        let parts = (0..b)
            .step_by(per_pass)
            .map(|i| self.forward_pass(&px.narrow(0, i, per_pass.min(b - i))?))
            .collect::<Result<Vec<_>>>()?;
        Ok(Tensor::cat(&parts, 0)?)
    }

    fn forward_pass(&self, px: &Tensor) -> Result<Tensor> {
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
            keys: Keys::Padded(None),
        };
        let cls = self.encoder.forward(&x, Keys::Padded(None), Some(pooled))?;
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

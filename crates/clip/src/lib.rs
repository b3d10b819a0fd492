//! # clipprobe-clip
//!
//! Dual-encoder checkpoints (Hugging Face `CLIPModel`, open_clip, SigLIP) in [candle], built to give the embeddings that
//! the reference implementation (transformers' `CLIPModel.get_text_features` /
//! `get_image_features`, `CLIPTokenizerFast`, the PIL-based `CLIPImageProcessor`) gives.
//!
//! - [`source`]: where a checkpoint comes from (Hub id with revision, or a local folder), Hub
//!   download with [`hub`] (a client that checks what the server says) into the standard cache, offline resolution.
//! - [`config`]: `config.json` → architecture (any geometry, `hidden_act`, pooling rule).
//! - [`model`]: the text and vision towers and their projections.
//! - [`tokenizer`]: `tokenizer.json` (or `vocab.json` + `merges.txt`), truncation keeping EOS;
//!   [`textclean`]: open_clip's text clean-up (ftfy, `html.unescape`) before it.
//! - [`preprocess`] and [`resize`]: `preprocessor_config.json`, RGB conversion, Pillow-exact
//!   bicubic resize, centre crop, rescale, normalise.
//! - [`embed`]: [`embed::Clip`], the batched embedding API for every family
//!   ([`embed::Family`]: transformers CLIP, open_clip, SigLIP).
//! - [`openclip`]: open_clip checkpoints (Hub layout, raw `.pt`/`.pth` with `--arch`), renamed
//!   onto [`model::ClipModel`]; [`pickle`]: PyTorch checkpoints read without executing code.
//! - [`model::siglip`]: transformers' `SiglipModel`.
//!
//! The crate returns projected, **unnormalised** features; normalisation and every metric live
//! in `clipprobe-probe`.

pub mod config;
pub mod decode;
pub mod embed;
pub mod env;
pub mod error;
pub mod hub;
pub mod model;
pub mod openclip;
pub mod pickle;
pub mod preprocess;
pub mod resize;
mod safetensors_header;
pub mod source;
pub mod textclean;
pub mod tokenizer;

pub use error::{Error, Result};

//! `config.json` of a Hugging Face `CLIPModel` → the architecture: any geometry, the activation
//! and the text pooling rule.
//!
//! Defaults mirror transformers' `CLIPTextConfig`, `CLIPVisionConfig` and `CLIPConfig`
//! (`src/transformers/models/clip/configuration_clip.py`, checked against transformers 5.23);
//! each struct has one `impl Default` applied with `#[serde(default)]`, so a field missing from
//! the file takes the value transformers would give it.
//!
//! Legacy files that carry `text_config_dict` / `vision_config_dict` (e.g. TinyCLIP) are read as
//! transformers reads them: the `*_dict` object, completed with defaults, replaces `*_config`.

use std::path::Path;

use serde::Deserialize;

use crate::error::{Error, Result};

/// Activation of the MLP blocks (`hidden_act`), as in transformers' `ACT2FN`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HiddenAct {
    /// `x * sigmoid(1.702 x)` (OpenAI CLIP).
    QuickGelu,
    /// Exact GELU, `x * Φ(x)` with the error function (open_clip / LAION, TinyCLIP).
    Gelu,
    /// GELU with the tanh approximation (`gelu_new`).
    GeluNew,
    /// GELU with the tanh approximation (`gelu_pytorch_tanh`), same formula as `gelu_new`.
    GeluPytorchTanh,
}

impl HiddenAct {
    /// The `hidden_act` name, as in `config.json` (`quick_gelu`, `gelu`, ...).
    pub fn name(self) -> &'static str {
        match self {
            HiddenAct::QuickGelu => "quick_gelu",
            HiddenAct::Gelu => "gelu",
            HiddenAct::GeluNew => "gelu_new",
            HiddenAct::GeluPytorchTanh => "gelu_pytorch_tanh",
        }
    }
}

/// Which token's final hidden state becomes the text embedding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextPooling {
    /// The position of the largest token id. transformers keeps this rule for configs whose
    /// `eos_token_id` is 2 (written before transformers PR #24773), which covers the OpenAI
    /// checkpoints: with their vocabulary the EOS token has the largest id.
    Argmax,
    /// The first position holding this token id (configs with a real `eos_token_id`).
    FirstEos(u32),
}

impl TextPooling {
    /// The pooled position of one (unpadded or right-padded) token sequence, or `None` when the
    /// rule finds no position (empty sequence, or no EOS token for [`TextPooling::FirstEos`]).
    pub fn position(self, ids: &[u32]) -> Option<usize> {
        match self {
            // first position of the maximum, as torch.argmax
            TextPooling::Argmax => ids
                .iter()
                .enumerate()
                .fold(None, |best: Option<(usize, u32)>, (i, &id)| match best {
                    Some((_, b)) if b >= id => best,
                    _ => Some((i, id)),
                })
                .map(|(i, _)| i),
            TextPooling::FirstEos(eos) => ids.iter().position(|&id| id == eos),
        }
    }
}

/// `text_config` of a `CLIPModel` (transformers' `CLIPTextConfig`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default)]
pub struct TextConfig {
    pub vocab_size: usize,
    pub hidden_size: usize,
    pub intermediate_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    pub max_position_embeddings: usize,
    pub hidden_act: HiddenAct,
    pub layer_norm_eps: f64,
    pub pad_token_id: Option<u32>,
    pub bos_token_id: Option<u32>,
    /// An integer in every CLIP checkpoint; a list is rejected by [`ClipConfig::from_json`].
    pub eos_token_id: serde_json::Value,
}

impl Default for TextConfig {
    fn default() -> Self {
        Self {
            vocab_size: 49408,
            hidden_size: 512,
            intermediate_size: 2048,
            num_hidden_layers: 12,
            num_attention_heads: 8,
            max_position_embeddings: 77,
            hidden_act: HiddenAct::QuickGelu,
            layer_norm_eps: 1e-5,
            pad_token_id: Some(1),
            bos_token_id: Some(49406),
            eos_token_id: serde_json::Value::from(49407),
        }
    }
}

/// `vision_config` of a `CLIPModel` (transformers' `CLIPVisionConfig`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default)]
pub struct VisionConfig {
    pub hidden_size: usize,
    pub intermediate_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    pub num_channels: usize,
    pub image_size: usize,
    pub patch_size: usize,
    pub hidden_act: HiddenAct,
    pub layer_norm_eps: f64,
}

impl Default for VisionConfig {
    fn default() -> Self {
        Self {
            hidden_size: 768,
            intermediate_size: 3072,
            num_hidden_layers: 12,
            num_attention_heads: 12,
            num_channels: 3,
            image_size: 224,
            patch_size: 32,
            hidden_act: HiddenAct::QuickGelu,
            layer_norm_eps: 1e-5,
        }
    }
}

impl VisionConfig {
    /// Patches per side (`image_size / patch_size`).
    pub fn grid(&self) -> usize {
        self.image_size / self.patch_size
    }

    /// Tokens per image: one class token plus one per patch.
    pub fn num_positions(&self) -> usize {
        self.grid() * self.grid() + 1
    }
}

/// A `CLIPModel` `config.json`, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct ClipConfig {
    pub text: TextConfig,
    pub vision: VisionConfig,
    /// Output width of both projections (the top-level `projection_dim`; transformers ignores
    /// the sub-configs' copies).
    pub projection_dim: usize,
    /// `logit_scale_init_value`, used only when the weights carry no `logit_scale`.
    pub logit_scale_init_value: f64,
    /// How the text tower pools, derived from `text_config.eos_token_id`.
    pub text_pooling: TextPooling,
}

/// The file as written, before defaults for the sub-configs and validation.
#[derive(Deserialize)]
#[serde(default)]
struct RawConfig {
    model_type: Option<String>,
    text_config: Option<TextConfig>,
    vision_config: Option<VisionConfig>,
    text_config_dict: Option<TextConfig>,
    vision_config_dict: Option<VisionConfig>,
    projection_dim: usize,
    logit_scale_init_value: f64,
}

impl Default for RawConfig {
    fn default() -> Self {
        Self {
            model_type: None,
            text_config: None,
            vision_config: None,
            text_config_dict: None,
            vision_config_dict: None,
            projection_dim: 512,
            logit_scale_init_value: 2.6592,
        }
    }
}

impl ClipConfig {
    /// Reads and validates `config.json`.
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_json(&text, path)
    }

    /// Parses and validates the text of a `config.json`; `path` only names it in errors.
    pub fn from_json(json: &str, path: &Path) -> Result<Self> {
        let bad = |message: String| Error::Config {
            path: path.to_path_buf(),
            message,
        };
        let raw: RawConfig = serde_json::from_str(json).map_err(|e| bad(e.to_string()))?;
        if let Some(t) = raw.model_type.as_deref() {
            if t != "clip" {
                return Err(bad(format!(
                    "model_type is \"{t}\"; only \"clip\" (CLIPModel) is supported"
                )));
            }
        }
        let text = raw.text_config_dict.or(raw.text_config).unwrap_or_default();
        let vision = raw
            .vision_config_dict
            .or(raw.vision_config)
            .unwrap_or_default();
        let eos = text
            .eos_token_id
            .as_u64()
            .and_then(|v| u32::try_from(v).ok())
            .ok_or_else(|| {
                bad(format!(
                    "text_config.eos_token_id must be one token id, found {}",
                    text.eos_token_id
                ))
            })?;
        let text_pooling = if eos == 2 {
            TextPooling::Argmax
        } else {
            TextPooling::FirstEos(eos)
        };
        let config = Self {
            text,
            vision,
            projection_dim: raw.projection_dim,
            logit_scale_init_value: raw.logit_scale_init_value,
            text_pooling,
        };
        config.validate().map_err(bad)?;
        Ok(config)
    }

    pub(crate) fn validate(&self) -> std::result::Result<(), String> {
        let t = &self.text;
        let v = &self.vision;
        let positive = [
            ("text_config.vocab_size", t.vocab_size),
            ("text_config.hidden_size", t.hidden_size),
            ("text_config.intermediate_size", t.intermediate_size),
            ("text_config.num_attention_heads", t.num_attention_heads),
            (
                "text_config.max_position_embeddings",
                t.max_position_embeddings,
            ),
            ("vision_config.hidden_size", v.hidden_size),
            ("vision_config.intermediate_size", v.intermediate_size),
            ("vision_config.num_attention_heads", v.num_attention_heads),
            ("vision_config.num_channels", v.num_channels),
            ("vision_config.image_size", v.image_size),
            ("vision_config.patch_size", v.patch_size),
            ("projection_dim", self.projection_dim),
        ];
        if let Some((name, _)) = positive.iter().find(|(_, value)| *value == 0) {
            return Err(format!("{name} must be positive"));
        }
        for (tower, hidden, heads) in [
            ("text_config", t.hidden_size, t.num_attention_heads),
            ("vision_config", v.hidden_size, v.num_attention_heads),
        ] {
            if hidden % heads != 0 {
                return Err(format!(
                    "{tower}.hidden_size ({hidden}) is not a multiple of num_attention_heads ({heads})"
                ));
            }
        }
        if !v.image_size.is_multiple_of(v.patch_size) {
            return Err(format!(
                "vision_config.image_size ({}) is not a multiple of patch_size ({})",
                v.image_size, v.patch_size
            ));
        }
        if let TextPooling::FirstEos(eos) = self.text_pooling {
            if eos as usize >= t.vocab_size {
                return Err(format!(
                    "text_config.eos_token_id ({eos}) is outside the vocabulary ({})",
                    t.vocab_size
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<ClipConfig> {
        ClipConfig::from_json(json, Path::new("config.json"))
    }

    #[test]
    fn empty_object_takes_transformers_defaults() -> Result<()> {
        let c = parse("{}")?;
        assert_eq!(c.text, TextConfig::default());
        assert_eq!(c.vision, VisionConfig::default());
        assert_eq!(c.projection_dim, 512);
        assert_eq!(c.text_pooling, TextPooling::FirstEos(49407));
        assert_eq!(c.vision.num_positions(), 50);
        Ok(())
    }

    #[test]
    fn reads_geometry_activation_and_legacy_pooling() -> Result<()> {
        let c = parse(
            r#"{"model_type": "clip", "projection_dim": 256,
                "text_config": {"hidden_size": 64, "num_attention_heads": 4, "eos_token_id": 2,
                                "hidden_act": "gelu", "layer_norm_eps": 1e-6, "unknown": [1]},
                "vision_config": {"hidden_size": 96, "num_attention_heads": 3, "patch_size": 16,
                                  "hidden_act": "gelu_pytorch_tanh"}}"#,
        )?;
        assert_eq!(c.projection_dim, 256);
        assert_eq!(c.text.hidden_size, 64);
        assert_eq!(c.text.hidden_act, HiddenAct::Gelu);
        assert_eq!(c.text.layer_norm_eps, 1e-6);
        assert_eq!(c.text.vocab_size, 49408);
        assert_eq!(c.text_pooling, TextPooling::Argmax);
        assert_eq!(c.vision.hidden_act, HiddenAct::GeluPytorchTanh);
        assert_eq!(c.vision.num_positions(), 14 * 14 + 1);
        Ok(())
    }

    #[test]
    fn config_dict_replaces_config_as_in_transformers() -> Result<()> {
        let c = parse(
            r#"{"text_config": {"hidden_size": 128, "num_hidden_layers": 5},
                "text_config_dict": {"hidden_size": 256},
                "vision_config": {"patch_size": 16},
                "vision_config_dict": {"num_hidden_layers": 10}}"#,
        )?;
        // the *_dict object, completed with defaults, wins over every *_config field
        assert_eq!(c.text.hidden_size, 256);
        assert_eq!(c.text.num_hidden_layers, 12);
        assert_eq!(c.vision.num_hidden_layers, 10);
        assert_eq!(c.vision.patch_size, 32);
        Ok(())
    }

    #[test]
    fn rejects_bad_configs_naming_the_field() {
        let cases = [
            (r#"{"model_type": "siglip"}"#, "model_type"),
            (r#"{"text_config": {"hidden_act": "relu"}}"#, "relu"),
            (
                r#"{"text_config": {"eos_token_id": [2, 3]}}"#,
                "eos_token_id",
            ),
            (
                r#"{"text_config": {"eos_token_id": 60000}}"#,
                "eos_token_id",
            ),
            (
                r#"{"text_config": {"hidden_size": 100}}"#,
                "text_config.hidden_size",
            ),
            (r#"{"vision_config": {"patch_size": 30}}"#, "patch_size"),
            (
                r#"{"vision_config": {"image_size": [224, 224]}}"#,
                "expected usize",
            ),
            (r#"{"projection_dim": 0}"#, "projection_dim"),
            ("{", "config.json"),
        ];
        for (json, needle) in cases {
            match parse(json) {
                Ok(c) => panic!("{json} was accepted: {c:?}"),
                Err(e) => {
                    let msg = e.to_string();
                    assert!(msg.contains(needle), "{json}: `{msg}` lacks `{needle}`");
                    assert!(
                        msg.contains("config.json"),
                        "{json}: `{msg}` lacks the path"
                    );
                }
            }
        }
    }

    #[test]
    fn pooling_positions_follow_torch_argmax() {
        assert_eq!(
            TextPooling::Argmax.position(&[49406, 320, 49407, 49407]),
            Some(2)
        );
        assert_eq!(TextPooling::Argmax.position(&[5, 9, 9, 1]), Some(1));
        assert_eq!(TextPooling::Argmax.position(&[]), None);
        let eos = TextPooling::FirstEos(7);
        assert_eq!(eos.position(&[0, 9, 7, 7]), Some(2));
        assert_eq!(eos.position(&[0, 9, 8]), None);
    }
}

//! open_clip checkpoints: the Hub layout (`open_clip_config.json` with `model_cfg` and
//! `preprocess_cfg`, weights in `open_clip_model.safetensors` or `open_clip_pytorch_model.bin`)
//! and raw training checkpoints (`.pt` / `.pth`, e.g. NegCLIP) with an architecture named by
//! `--arch` (a built-in name such as `ViT-B-32`, or an open_clip model-config JSON file).
//!
//! open_clip's `CLIP` with a ViT image tower and the standard text tower computes the same
//! function as transformers' `CLIPModel` (pre-norm blocks, causal text mask, argmax pooling of
//! the text, class token of the image); only the tensor names and two layouts differ. The state
//! dict is therefore renamed ([`rename`]) and loaded by [`crate::model::ClipModel`]:
//!
//! | open_clip | transformers |
//! |---|---|
//! | `token_embedding.weight`, `positional_embedding` | `text_model.embeddings.{token,position}_embedding.weight` |
//! | `[visual.]transformer.resblocks.N.attn.in_proj_{weight,bias}` (q, k, v stacked) | `…layers.N.self_attn.{q,k,v}_proj.*` |
//! | `…attn.out_proj`, `ln_1`, `ln_2`, `mlp.c_fc`, `mlp.c_proj` | `self_attn.out_proj`, `layer_norm1`, `layer_norm2`, `mlp.fc1`, `mlp.fc2` |
//! | `ln_final` | `text_model.final_layer_norm` |
//! | `text_projection` `(width, embed)`, `visual.proj` | `text_projection.weight`, `visual_projection.weight` (transposed) |
//! | `visual.conv1.weight`, `visual.class_embedding`, `visual.positional_embedding` | `vision_model.embeddings.*` |
//! | `visual.ln_pre`, `visual.ln_post` | `vision_model.pre_layrnorm`, `vision_model.post_layernorm` |
//!
//! The activation is never guessed: open_clip's configs say GELU by leaving `quick_gelu` out,
//! and the `ViT-B-32` config loads OpenAI-derived fine-tunes (NegCLIP, CE-CLIP, FSC-CLIP: all
//! trained with QuickGELU) with the wrong activation without any warning. So a raw checkpoint
//! needs the activation from `--act`, from a `-quickgelu` architecture name, or from an
//! explicit `quick_gelu` in the architecture file ([`Activation`] records which).
//!
//! Image preprocessing is open_clip's `image_transform(is_train=False)`: resize (shortest edge,
//! or `squash`), torchvision's centre crop ([`CropOffset::Torchvision`]), PIL `convert("RGB")`
//! (alpha dropped, not composited), `ToTensor`, `Normalize(mean, std)`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use serde_json::{json, Map, Value};

use crate::config::{ClipConfig, HiddenAct, TextConfig, TextPooling, VisionConfig};
use crate::error::{Error, Result};
use crate::model::{ClipModel, Renamed, Weights};
use crate::preprocess::{
    CropOffset, PreprocessConfig, ResizeTarget, OPENAI_CLIP_MEAN, OPENAI_CLIP_STD,
};
use crate::resize::Filter;

/// The config file of open_clip's Hub layout.
pub const CONFIG_FILE: &str = "open_clip_config.json";
/// Weight files of the Hub layout, in the order open_clip prefers them.
pub const WEIGHT_FILES: [&str; 2] = ["open_clip_model.safetensors", "open_clip_pytorch_model.bin"];

/// open_clip's `model_cfg` of the architectures `--arch` knows by name (from open_clip's
/// `model_configs/*.json`); `NAME-quickgelu` adds `"quick_gelu": true`.
const BUILTIN: &[(&str, &str)] = &[
    (
        "ViT-B-32",
        r#"{"embed_dim": 512, "vision_cfg": {"image_size": 224, "layers": 12, "width": 768, "patch_size": 32},
            "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 512, "heads": 8, "layers": 12}}"#,
    ),
    (
        "ViT-B-16",
        r#"{"embed_dim": 512, "vision_cfg": {"image_size": 224, "layers": 12, "width": 768, "patch_size": 16},
            "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 512, "heads": 8, "layers": 12}}"#,
    ),
    (
        "ViT-L-14",
        r#"{"embed_dim": 768, "vision_cfg": {"image_size": 224, "layers": 24, "width": 1024, "patch_size": 14},
            "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 768, "heads": 12, "layers": 12}}"#,
    ),
    (
        "ViT-L-14-336",
        r#"{"embed_dim": 768, "vision_cfg": {"image_size": 336, "layers": 24, "width": 1024, "patch_size": 14},
            "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 768, "heads": 12, "layers": 12}}"#,
    ),
];

/// The built-in architecture names `--arch` accepts.
pub fn builtin_arch_names() -> Vec<String> {
    BUILTIN
        .iter()
        .flat_map(|(n, _)| [n.to_string(), format!("{n}-quickgelu")])
        .collect()
}

/// Where the activation of a loaded open_clip model came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActSource {
    /// `quick_gelu` in the checkpoint's config (absent in a Hub `open_clip_config.json`: GELU,
    /// as open_clip itself reads it).
    Config,
    /// A `-quickgelu` architecture name.
    ArchName,
    /// `--act` / [`crate::embed::LoadOptions::act`].
    Explicit,
}

impl ActSource {
    /// Stable name, used in reports: `config`, `arch_name`, `explicit`.
    pub fn name(self) -> &'static str {
        match self {
            ActSource::Config => "config",
            ActSource::ArchName => "arch_name",
            ActSource::Explicit => "explicit",
        }
    }

    /// For messages: `from the config`, ...
    pub fn describe(self) -> &'static str {
        match self {
            ActSource::Config => "from the config",
            ActSource::ArchName => "from the architecture name",
            ActSource::Explicit => "given explicitly",
        }
    }
}

/// The activation used, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Activation {
    pub act: HiddenAct,
    pub source: ActSource,
}

impl std::fmt::Display for Activation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.act.name(), self.source.describe())
    }
}

/// A loaded open_clip checkpoint: the model (as a transformers-named [`ClipModel`]), its image
/// preprocessing and the activation used.
pub struct Loaded {
    pub model: ClipModel,
    pub preprocess: PreprocessConfig,
    pub activation: Activation,
    /// The weight file read.
    pub weights: PathBuf,
}

/// Loads an open_clip checkpoint: a folder in the Hub layout, or a raw checkpoint file with
/// `arch` (built-in name or model-config JSON path). `act` overrides the config's activation.
pub fn load(
    path: &Path,
    arch: Option<&str>,
    act: Option<HiddenAct>,
    device: &Device,
    dtype: DType,
) -> Result<Loaded> {
    let (model_cfg, cfg_path, preprocess_cfg, weights, hub) = if path.is_dir() {
        let cfg_path = path.join(CONFIG_FILE);
        let root = read_json(&cfg_path)?;
        let model_cfg = match root.get("model_cfg") {
            Some(Value::Object(m)) => m.clone(),
            _ => {
                return Err(Error::Config {
                    path: cfg_path,
                    message: "no `model_cfg` object".into(),
                })
            }
        };
        let pre = match root.get("preprocess_cfg") {
            Some(Value::Object(m)) => m.clone(),
            _ => Map::new(),
        };
        let weights = WEIGHT_FILES
            .iter()
            .map(|f| path.join(f))
            .find(|p| p.is_file())
            .ok_or_else(|| Error::MissingFile {
                path: path.join(WEIGHT_FILES[0]),
                what: format!("open_clip weights ({})", WEIGHT_FILES.join(" or ")),
            })?;
        (model_cfg, cfg_path, pre, weights, true)
    } else {
        let arch = arch.ok_or_else(|| Error::Arch {
            path: path.to_path_buf(),
            message: format!(
                "a raw checkpoint file carries no architecture: give --arch (one of {}, or an \
                 open_clip model-config JSON file)",
                builtin_arch_names().join(", ")
            ),
        })?;
        let (model_cfg, cfg_path) = arch_config(arch)?;
        (model_cfg, cfg_path, Map::new(), path.to_path_buf(), false)
    };
    let activation = activation(&model_cfg, &cfg_path, path, hub, act)?;
    let config = clip_config(&model_cfg, &cfg_path, activation.act)?;
    let preprocess = preprocess_config(&model_cfg, &preprocess_cfg, &cfg_path, &config)?;
    let state = read_weights(&weights)?;
    let renamed = rename(state, &config, &weights)?;
    let model = ClipModel::from_weights(
        config,
        &Weights::in_memory(&weights, renamed, dtype, device),
        device,
        dtype,
    )?;
    Ok(Loaded {
        model,
        preprocess,
        activation,
        weights,
    })
}

fn read_json(path: &Path) -> Result<Value> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|e| Error::Config {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// `model_cfg` of `arch`: a built-in name (`ViT-B-32`, `ViT-B-32-quickgelu`, ...) or a JSON
/// file (a bare model config, or an `open_clip_config.json` with `model_cfg`).
fn arch_config(arch: &str) -> Result<(Map<String, Value>, PathBuf)> {
    let base = arch.strip_suffix("-quickgelu").unwrap_or(arch);
    if let Some((_, json)) = BUILTIN.iter().find(|(n, _)| *n == base) {
        let mut cfg: Map<String, Value> =
            serde_json::from_str(json).expect("built-in architecture configs are valid JSON");
        if base != arch {
            cfg.insert("quick_gelu".into(), Value::Bool(true));
        }
        return Ok((cfg, PathBuf::from(format!("--arch {arch}"))));
    }
    let path = PathBuf::from(arch);
    if !path.is_file() {
        return Err(Error::Arch {
            path,
            message: format!(
                "--arch is neither a known architecture ({}) nor a model-config JSON file",
                builtin_arch_names().join(", ")
            ),
        });
    }
    match read_json(&path)? {
        Value::Object(mut m) => match m.remove("model_cfg") {
            Some(Value::Object(inner)) => Ok((inner, path)),
            _ => Ok((m, path)),
        },
        _ => Err(Error::Config {
            path,
            message: "not a JSON object".into(),
        }),
    }
}

/// The activation: `act` when given; else `quick_gelu` of the config when the config is a
/// complete open_clip config (Hub layout, or an explicit key); else an error explaining why
/// guessing is unsafe.
fn activation(
    cfg: &Map<String, Value>,
    cfg_path: &Path,
    checkpoint: &Path,
    hub: bool,
    act: Option<HiddenAct>,
) -> Result<Activation> {
    if let Some(act) = act {
        if !matches!(act, HiddenAct::QuickGelu | HiddenAct::Gelu) {
            return Err(Error::Arch {
                path: checkpoint.to_path_buf(),
                message: "open_clip models use quick_gelu or gelu".into(),
            });
        }
        return Ok(Activation {
            act,
            source: ActSource::Explicit,
        });
    }
    let from_name = cfg_path.to_string_lossy().ends_with("-quickgelu");
    match cfg.get("quick_gelu") {
        Some(Value::Bool(q)) => Ok(Activation {
            act: if *q {
                HiddenAct::QuickGelu
            } else {
                HiddenAct::Gelu
            },
            source: if from_name {
                ActSource::ArchName
            } else {
                ActSource::Config
            },
        }),
        None if hub => Ok(Activation {
            act: HiddenAct::Gelu,
            source: ActSource::Config,
        }),
        Some(other) => Err(Error::Config {
            path: cfg_path.to_path_buf(),
            message: format!("quick_gelu must be true or false, found {other}"),
        }),
        None => Err(Error::Arch {
            path: checkpoint.to_path_buf(),
            message: format!(
                "the activation is ambiguous: {} does not say quick_gelu. open_clip would \
                 silently use GELU, but OpenAI-derived fine-tunes (NegCLIP, CE-CLIP, FSC-CLIP, \
                 ...) were trained with QuickGELU, and the wrong one changes every number. Give \
                 --act quick_gelu (OpenAI-initialised models) or --act gelu (e.g. LAION-trained), \
                 or an architecture name ending in -quickgelu",
                cfg_path.display()
            ),
        }),
    }
}

/// Keys of `vision_cfg` / `text_cfg` that are allowed only at their default (an open_clip
/// feature clipprobe does not implement otherwise), and keys that do not affect inference.
const AT_DEFAULT: &[(&str, &str)] = &[
    ("ls_init_value", "null"),
    ("attentional_pool", "false"),
    ("no_ln_pre", "false"),
    ("pos_embed_type", "\"learnable\""),
    ("final_ln_after_pool", "false"),
    ("act_kwargs", "null"),
    ("norm_kwargs", "null"),
    ("block_type", "null"),
    ("qk_norm", "false"),
    ("scaled_cosine_attn", "false"),
    ("scale_heads", "false"),
    ("scale_attn_inner", "false"),
    ("scale_attn", "false"),
    ("scale_fc", "false"),
    ("timm_model_name", "null"),
    ("hf_model_name", "null"),
    ("embed_cls", "false"),
    ("no_causal_mask", "false"),
    ("proj_bias", "false"),
    ("proj_type", "\"linear\""),
    ("pad_id", "0"),
];
const IGNORED: &[&str] = &[
    "patch_dropout",
    "output_tokens",
    "attn_pooler_queries",
    "attn_pooler_heads",
    "timm_model_pretrained",
    "timm_pool",
    "timm_proj",
    "timm_proj_bias",
    "timm_drop",
    "timm_drop_path",
    "hf_tokenizer_name",
    "tokenizer_mode",
    "tokenizer_kwargs",
    "hf_model_pretrained",
    "hf_proj_type",
    "hf_pooler_type",
    "eos_id",
    "image_mean",
    "image_std",
    "interpolation",
    "resize_mode",
];

fn check_tower(
    tower: &str,
    m: &Map<String, Value>,
    used: &[&str],
    path: &Path,
) -> std::result::Result<(), Error> {
    let bad = |message: String| Error::Config {
        path: path.to_path_buf(),
        message,
    };
    for (k, v) in m {
        if used.contains(&k.as_str()) || IGNORED.contains(&k.as_str()) {
            continue;
        }
        match AT_DEFAULT.iter().find(|(n, _)| n == k) {
            Some((_, d)) => {
                let d: Value = serde_json::from_str(d).expect("defaults are JSON");
                if *v != d && !v.is_null() {
                    return Err(bad(format!(
                        "{tower}.{k} = {v} is not supported (only the standard CLIP towers: \
                         {k} = {d})"
                    )));
                }
            }
            None if k == "pool_type" => {
                let want = if tower == "text_cfg" { "argmax" } else { "tok" };
                if v.as_str() != Some(want) {
                    return Err(bad(format!(
                        "{tower}.pool_type = {v} is not supported (only \"{want}\")"
                    )));
                }
            }
            None => return Err(bad(format!("{tower}.{k} is not a known open_clip setting"))),
        }
    }
    Ok(())
}

fn usize_field(
    m: &Map<String, Value>,
    tower: &str,
    key: &str,
    default: usize,
    path: &Path,
) -> Result<usize> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(default),
        Some(v) => v
            .as_u64()
            .map(|v| v as usize)
            .or_else(|| match v {
                // image_size may be [h, w]: only square images
                Value::Array(a) if a.len() == 2 && a[0] == a[1] => {
                    a[0].as_u64().map(|v| v as usize)
                }
                _ => None,
            })
            .ok_or_else(|| Error::Config {
                path: path.to_path_buf(),
                message: format!("{tower}.{key} must be a positive integer, found {v}"),
            }),
    }
}

fn mlp_ratio(m: &Map<String, Value>, tower: &str, path: &Path) -> Result<f64> {
    match m.get("mlp_ratio") {
        None | Some(Value::Null) => Ok(4.0),
        Some(v) => v
            .as_f64()
            .filter(|r| *r > 0.0)
            .ok_or_else(|| Error::Config {
                path: path.to_path_buf(),
                message: format!("{tower}.mlp_ratio must be a positive number, found {v}"),
            }),
    }
}

/// `model_cfg` → the equivalent transformers `CLIPModel` config.
fn clip_config(cfg: &Map<String, Value>, path: &Path, act: HiddenAct) -> Result<ClipConfig> {
    let bad = |message: String| Error::Config {
        path: path.to_path_buf(),
        message,
    };
    for k in cfg.keys() {
        if ![
            "embed_dim",
            "quick_gelu",
            "vision_cfg",
            "text_cfg",
            "custom_text",
            "cast_dtype",
            "init_logit_scale",
            "init_logit_bias",
            "nonscalar_logit_scale",
        ]
        .contains(&k.as_str())
        {
            return Err(bad(format!(
                "model_cfg.{k} is not supported (only open_clip CLIP with a ViT image tower and \
                 the standard text tower)"
            )));
        }
    }
    let tower = |name: &str| match cfg.get(name) {
        Some(Value::Object(m)) => Ok(m.clone()),
        _ => Err(bad(format!("model_cfg.{name} must be an object"))),
    };
    let (v, t) = (tower("vision_cfg")?, tower("text_cfg")?);
    check_tower(
        "vision_cfg",
        &v,
        &[
            "image_size",
            "layers",
            "width",
            "patch_size",
            "head_width",
            "mlp_ratio",
        ],
        path,
    )?;
    check_tower(
        "text_cfg",
        &t,
        &[
            "context_length",
            "vocab_size",
            "width",
            "heads",
            "layers",
            "mlp_ratio",
        ],
        path,
    )?;
    let embed_dim = usize_field(cfg, "model_cfg", "embed_dim", 0, path)?;
    let vw = usize_field(&v, "vision_cfg", "width", 768, path)?;
    let head_width = usize_field(&v, "vision_cfg", "head_width", 64, path)?;
    if head_width == 0 || vw % head_width != 0 {
        return Err(bad(format!(
            "vision_cfg.width ({vw}) is not a multiple of head_width ({head_width})"
        )));
    }
    let tw = usize_field(&t, "text_cfg", "width", 512, path)?;
    let vision = VisionConfig {
        hidden_size: vw,
        intermediate_size: (vw as f64 * mlp_ratio(&v, "vision_cfg", path)?) as usize,
        num_hidden_layers: usize_field(&v, "vision_cfg", "layers", 12, path)?,
        num_attention_heads: vw / head_width,
        num_channels: 3,
        image_size: usize_field(&v, "vision_cfg", "image_size", 224, path)?,
        patch_size: usize_field(&v, "vision_cfg", "patch_size", 16, path)?,
        hidden_act: act,
        layer_norm_eps: 1e-5,
    };
    let text = TextConfig {
        vocab_size: usize_field(&t, "text_cfg", "vocab_size", 49408, path)?,
        hidden_size: tw,
        intermediate_size: (tw as f64 * mlp_ratio(&t, "text_cfg", path)?) as usize,
        num_hidden_layers: usize_field(&t, "text_cfg", "layers", 12, path)?,
        num_attention_heads: usize_field(&t, "text_cfg", "heads", 8, path)?,
        max_position_embeddings: usize_field(&t, "text_cfg", "context_length", 77, path)?,
        hidden_act: act,
        layer_norm_eps: 1e-5,
        pad_token_id: Some(0),
        bos_token_id: None,
        eos_token_id: Value::Null,
    };
    let config = ClipConfig {
        text,
        vision,
        projection_dim: embed_dim,
        logit_scale_init_value: (1.0f64 / 0.07).ln(),
        // open_clip's text pool_type "argmax": the position of the largest id (the EOT token)
        text_pooling: TextPooling::Argmax,
    };
    config.validate().map_err(bad)?;
    Ok(config)
}

/// open_clip's preprocessing: defaults (OpenAI mean/std, bicubic, shortest edge) ← the
/// model config's `vision_cfg.{image_mean,image_std,interpolation,resize_mode}` ← the Hub
/// file's `preprocess_cfg`; the size is the vision tower's `image_size`.
fn preprocess_config(
    model_cfg: &Map<String, Value>,
    pre: &Map<String, Value>,
    path: &Path,
    config: &ClipConfig,
) -> Result<PreprocessConfig> {
    let bad = |message: String| Error::Config {
        path: path.to_path_buf(),
        message,
    };
    let vision = model_cfg
        .get("vision_cfg")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let pick = |pre_key: &str, vision_key: &str| {
        pre.get(pre_key)
            .or_else(|| vision.get(vision_key))
            .filter(|v| !v.is_null())
            .cloned()
    };
    let channels = |v: Option<Value>, default: [f64; 3], name: &str| -> Result<[f64; 3]> {
        match v {
            None => Ok(default),
            Some(v) => {
                let xs: Vec<f64> = match &v {
                    Value::Number(n) => vec![n.as_f64().unwrap_or(f64::NAN); 3],
                    Value::Array(a) => a.iter().filter_map(Value::as_f64).collect(),
                    _ => vec![],
                };
                <[f64; 3]>::try_from(xs).map_err(|_| {
                    bad(format!(
                        "preprocess_cfg.{name} must be 3 numbers, found {v}"
                    ))
                })
            }
        }
    };
    let mean = channels(pick("mean", "image_mean"), OPENAI_CLIP_MEAN, "mean")?;
    let std = channels(pick("std", "image_std"), OPENAI_CLIP_STD, "std")?;
    let resample = match pick("interpolation", "interpolation") {
        None => Filter::Bicubic,
        Some(v) => match v.as_str() {
            // open_clip: "random" is a training option; inference uses bicubic
            Some("bicubic") | Some("random") => Filter::Bicubic,
            Some("bilinear") => Filter::Bilinear,
            _ => {
                return Err(bad(format!(
                    "preprocess_cfg.interpolation {v} is not supported"
                )))
            }
        },
    };
    let side = config.vision.image_size;
    if let Some(size) = pre.get("size") {
        let ok = size.as_u64() == Some(side as u64)
            || size
                .as_array()
                .is_some_and(|a| a.len() == 2 && a.iter().all(|x| x.as_u64() == Some(side as u64)));
        if !ok {
            return Err(bad(format!(
                "preprocess_cfg.size {size} is not the vision tower's image_size {side}"
            )));
        }
    }
    let mode = pick("resize_mode", "resize_mode");
    let cfg = match mode.as_ref().map(|m| m.as_str()) {
        None | Some(Some("shortest")) => PreprocessConfig {
            size: ResizeTarget::ShortestEdge(side),
            ..PreprocessConfig::default()
        },
        Some(Some("squash")) => PreprocessConfig {
            size: ResizeTarget::Exact {
                height: side,
                width: side,
            },
            do_center_crop: false,
            ..PreprocessConfig::default()
        },
        _ => {
            return Err(bad(format!(
                "preprocess_cfg.resize_mode {} is not supported (shortest, squash)",
                json!(mode)
            )))
        }
    };
    let cfg = PreprocessConfig {
        resample,
        crop_size: (side, side),
        crop_offset: CropOffset::Torchvision,
        image_mean: mean,
        image_std: std,
        // PIL `convert("RGB")` after resize and crop: alpha is dropped, not composited
        do_convert_rgb: false,
        alpha_after_resize: true,
        ..cfg
    };
    cfg.validate().map_err(bad)?;
    Ok(cfg)
}

/// The tensors of a weight file: safetensors, or a torch.save pickle read without executing
/// code ([`crate::pickle`]).
fn read_weights(path: &Path) -> Result<Vec<(String, Tensor)>> {
    let is_safetensors = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("safetensors"));
    if is_safetensors {
        let map =
            candle_core::safetensors::load(path, &Device::Cpu).map_err(|e| Error::Weights {
                path: path.to_path_buf(),
                message: match crate::safetensors_header::explain(path) {
                    Some(detail) => format!("{e}: {detail}"),
                    None => e.to_string(),
                },
            })?;
        let mut v: Vec<(String, Tensor)> = map
            .into_iter()
            .map(|(k, t)| {
                (
                    k.strip_prefix("module.").map(str::to_string).unwrap_or(k),
                    t,
                )
            })
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(v)
    } else {
        crate::pickle::read_state_dict(path)
    }
}

/// Tensors of the open_clip state dict that inference does not use.
const UNUSED: &[&str] = &[
    "attn_mask",
    "logit_bias",
    "input_resolution",
    "context_length",
    "vocab_size",
];

/// Renames an open_clip state dict to transformers' `CLIPModel` names (see the module docs),
/// splitting the stacked q/k/v and transposing the projections. Every tensor the model needs
/// must be present (named as open_clip names it when missing); a tensor of another kind of
/// model is an error.
pub(crate) fn rename(
    state: Vec<(String, Tensor)>,
    config: &ClipConfig,
    path: &Path,
) -> Result<BTreeMap<String, Renamed>> {
    let mut out = BTreeMap::new();
    let shape_err = |name: &str, expected: Vec<usize>, t: &Tensor| Error::TensorShape {
        name: name.to_string(),
        path: path.to_path_buf(),
        expected,
        found: t.dims().to_vec(),
    };
    let mut put = |hf: String, tensor: Tensor, source: String| {
        out.insert(hf, Renamed { tensor, source });
    };
    let mut seen = std::collections::BTreeSet::new();
    for (name, tensor) in state {
        // CustomTextCLIP keeps the text tower under `text.`
        let name = name
            .strip_prefix("text.")
            .map(str::to_string)
            .unwrap_or(name);
        seen.insert(name.clone());
        if UNUSED.contains(&name.as_str()) {
            continue;
        }
        let (tower, hidden, rest) =
            if let Some(r) = name.strip_prefix("visual.transformer.resblocks.") {
                ("vision_model", config.vision.hidden_size, Some(r))
            } else if let Some(r) = name.strip_prefix("transformer.resblocks.") {
                ("text_model", config.text.hidden_size, Some(r))
            } else {
                ("", 0, None)
            };
        if let Some(rest) = rest {
            let (layer, part) = rest.split_once('.').unwrap_or((rest, ""));
            let prefix = format!("{tower}.encoder.layers.{layer}");
            let simple = match part {
                "ln_1.weight" | "ln_1.bias" => Some(part.replace("ln_1", "layer_norm1")),
                "ln_2.weight" | "ln_2.bias" => Some(part.replace("ln_2", "layer_norm2")),
                "attn.out_proj.weight" | "attn.out_proj.bias" => {
                    Some(part.replace("attn.", "self_attn."))
                }
                "mlp.c_fc.weight" | "mlp.c_fc.bias" => Some(part.replace("c_fc", "fc1")),
                "mlp.c_proj.weight" | "mlp.c_proj.bias" => Some(part.replace("c_proj", "fc2")),
                _ => None,
            };
            if let Some(hf) = simple {
                put(format!("{prefix}.{hf}"), tensor, name);
                continue;
            }
            if let Some(kind) = part.strip_prefix("attn.in_proj_") {
                let want: Vec<usize> = if kind == "weight" {
                    vec![3 * hidden, hidden]
                } else {
                    vec![3 * hidden]
                };
                if tensor.dims() != want.as_slice() {
                    return Err(shape_err(&name, want, &tensor));
                }
                for (i, qkv) in ["q", "k", "v"].iter().enumerate() {
                    let piece = tensor.narrow(0, i * hidden, hidden)?.contiguous()?;
                    put(
                        format!("{prefix}.self_attn.{qkv}_proj.{kind}"),
                        piece,
                        format!("{name} (rows {}..{})", i * hidden, (i + 1) * hidden),
                    );
                }
                continue;
            }
        }
        let transposed = |t: Tensor| -> Result<Tensor> { Ok(t.t()?.contiguous()?) };
        let (hf, tensor, source) = match name.as_str() {
            "token_embedding.weight" => (
                "text_model.embeddings.token_embedding.weight",
                tensor,
                name.clone(),
            ),
            "positional_embedding" => (
                "text_model.embeddings.position_embedding.weight",
                tensor,
                name.clone(),
            ),
            "ln_final.weight" => ("text_model.final_layer_norm.weight", tensor, name.clone()),
            "ln_final.bias" => ("text_model.final_layer_norm.bias", tensor, name.clone()),
            "text_projection" | "visual.proj" => {
                if tensor.rank() != 2 {
                    let want = vec![0, config.projection_dim];
                    return Err(shape_err(&name, want, &tensor));
                }
                let hf = if name == "visual.proj" {
                    "visual_projection.weight"
                } else {
                    "text_projection.weight"
                };
                (hf, transposed(tensor)?, format!("{name} (transposed)"))
            }
            "visual.conv1.weight" => (
                "vision_model.embeddings.patch_embedding.weight",
                tensor,
                name.clone(),
            ),
            "visual.class_embedding" => (
                "vision_model.embeddings.class_embedding",
                tensor,
                name.clone(),
            ),
            "visual.positional_embedding" => (
                "vision_model.embeddings.position_embedding.weight",
                tensor,
                name.clone(),
            ),
            "visual.ln_pre.weight" => ("vision_model.pre_layrnorm.weight", tensor, name.clone()),
            "visual.ln_pre.bias" => ("vision_model.pre_layrnorm.bias", tensor, name.clone()),
            "visual.ln_post.weight" => ("vision_model.post_layernorm.weight", tensor, name.clone()),
            "visual.ln_post.bias" => ("vision_model.post_layernorm.bias", tensor, name.clone()),
            "logit_scale" => {
                // stored as a scalar or (nonscalar_logit_scale) as a 1-element vector
                let t = tensor.flatten_all()?;
                if t.dims() != [1] {
                    return Err(shape_err(&name, vec![], &tensor));
                }
                ("logit_scale", t.squeeze(0)?, name.clone())
            }
            _ => {
                return Err(Error::Weights {
                    path: path.to_path_buf(),
                    message: format!(
                        "unexpected tensor `{name}`: not part of an open_clip CLIP with a ViT \
                         image tower and the standard text tower"
                    ),
                })
            }
        };
        put(hf.to_string(), tensor, source);
    }
    for needed in required_names(config) {
        if !seen.contains(&needed) {
            return Err(Error::MissingTensor {
                name: needed,
                path: path.to_path_buf(),
            });
        }
    }
    Ok(out)
}

/// The open_clip tensor names a model of `config` needs.
fn required_names(config: &ClipConfig) -> Vec<String> {
    let mut names: Vec<String> = [
        "token_embedding.weight",
        "positional_embedding",
        "ln_final.weight",
        "ln_final.bias",
        "text_projection",
        "visual.conv1.weight",
        "visual.class_embedding",
        "visual.positional_embedding",
        "visual.ln_pre.weight",
        "visual.ln_pre.bias",
        "visual.ln_post.weight",
        "visual.ln_post.bias",
        "visual.proj",
    ]
    .map(String::from)
    .to_vec();
    for (prefix, layers) in [
        ("transformer.resblocks", config.text.num_hidden_layers),
        (
            "visual.transformer.resblocks",
            config.vision.num_hidden_layers,
        ),
    ] {
        for i in 0..layers {
            for part in [
                "ln_1.weight",
                "ln_1.bias",
                "attn.in_proj_weight",
                "attn.in_proj_bias",
                "attn.out_proj.weight",
                "attn.out_proj.bias",
                "ln_2.weight",
                "ln_2.bias",
                "mlp.c_fc.weight",
                "mlp.c_fc.bias",
                "mlp.c_proj.weight",
                "mlp.c_proj.bias",
            ] {
                names.push(format!("{prefix}.{i}.{part}"));
            }
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_quickgelu_names_set_the_activation_and_plain_names_are_ambiguous() -> Result<()> {
        let (cfg, p) = arch_config("ViT-B-32-quickgelu")?;
        let a = activation(&cfg, &p, Path::new("x.pt"), false, None)?;
        assert_eq!(a.act, HiddenAct::QuickGelu);
        assert_eq!(a.source, ActSource::ArchName);
        let (cfg, p) = arch_config("ViT-B-32")?;
        let err = activation(&cfg, &p, Path::new("x.pt"), false, None)
            .expect_err("ambiguous")
            .to_string();
        assert!(err.contains("x.pt") && err.contains("QuickGELU"), "{err}");
        let a = activation(&cfg, &p, Path::new("x.pt"), false, Some(HiddenAct::Gelu))?;
        assert_eq!(a.source, ActSource::Explicit);
        // a Hub open_clip_config.json without quick_gelu means GELU, as in open_clip
        let a = activation(&cfg, &p, Path::new("dir"), true, None)?;
        assert_eq!((a.act, a.source), (HiddenAct::Gelu, ActSource::Config));
        Ok(())
    }

    #[test]
    fn builtin_geometry_matches_open_clip() -> Result<()> {
        let (cfg, p) = arch_config("ViT-L-14")?;
        let c = clip_config(&cfg, &p, HiddenAct::Gelu)?;
        assert_eq!(c.vision.num_attention_heads, 16);
        assert_eq!(c.vision.intermediate_size, 4096);
        assert_eq!(c.text.num_attention_heads, 12);
        assert_eq!(c.projection_dim, 768);
        Ok(())
    }

    #[test]
    fn unsupported_tower_settings_are_named() {
        let cfg: Map<String, Value> = serde_json::from_str(
            r#"{"embed_dim": 8, "vision_cfg": {"width": 64, "ls_init_value": 0.1},
                "text_cfg": {"width": 32, "heads": 4}}"#,
        )
        .expect("json");
        let err = clip_config(&cfg, Path::new("c.json"), HiddenAct::Gelu)
            .expect_err("layer scale")
            .to_string();
        assert!(
            err.contains("vision_cfg.ls_init_value") && err.contains("c.json"),
            "{err}"
        );
    }
}

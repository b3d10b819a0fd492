//! Loading a checkpoint from a `--model` string and embedding captions and images through the
//! on-disk cache ([`clipprobe_probe::cache`]): each unique caption or image is embedded once
//! per model; finished batches are synced to disk, so a killed run resumes where it stopped.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clipprobe_clip::config::HiddenAct;
use clipprobe_clip::embed::{Clip, LoadOptions, TextPadding};
use clipprobe_clip::preprocess::Crop;
use clipprobe_clip::source::{self, HubOptions, ModelSource, ResolvedModel};
use clipprobe_io::cache::{self, EmbeddingCache, Key};
use clipprobe_io::error::ImageFileProblem;
use clipprobe_probe::evaluate::ImageRef;
use clipprobe_probe::formats::sha256_hex;
use clipprobe_probe::metrics::Matrix;

use crate::printer::Printer;

/// The checkpoint used when a command is given no `--model`.
pub const DEFAULT_MODEL: &str = "openai/clip-vit-base-patch32";

/// How every command loads a model (one struct, one default for each flag).
#[derive(Debug, Clone, clap::Args)]
pub struct ModelArgs {
    /// Resolve Hub models from the local cache only (also: HF_HUB_OFFLINE=1).
    #[arg(long)]
    pub offline: bool,
    /// Compute dtype (outputs are float32 either way).
    #[arg(long, value_enum, default_value_t = Dtype::F32)]
    pub dtype: Dtype,
    /// Texts or images per forward pass.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u64).range(1..=4096))]
    pub batch_size: u64,
    /// Device to run on.
    #[arg(long, value_enum, default_value_t = DeviceArg::Cpu)]
    pub device: DeviceArg,
    /// Largest image file accepted, in bytes (files are hashed while streaming).
    #[arg(long, default_value_t = 256 << 20)]
    pub max_image_bytes: u64,
    /// Largest image accepted, in pixels (width × height), checked before decoding.
    #[arg(long, default_value_t = clipprobe_clip::decode::DEFAULT_MAX_PIXELS)]
    pub max_image_pixels: u64,
    /// open_clip architecture of the raw checkpoint files (.pt/.pth) among the models:
    /// ViT-B-32, ViT-B-16, ViT-L-14, ViT-L-14-336 (each also NAME-quickgelu), or an open_clip
    /// model-config JSON file.
    #[arg(long, value_name = "ARCH")]
    pub arch: Option<String>,
    /// Activation of the raw open_clip checkpoint files; required unless --arch says it
    /// (OpenAI-initialised fine-tunes such as NegCLIP: quick_gelu).
    #[arg(long, value_enum)]
    pub act: Option<ActArg>,
}

/// open_clip activations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ActArg {
    QuickGelu,
    Gelu,
}

/// The embedding cache, for commands that use it (`eval`, `gap`, `tokens`).
#[derive(Debug, Clone, clap::Args)]
pub struct CacheArgs {
    /// Embedding cache folder [default: $XDG_CACHE_HOME/clipprobe or ~/.cache/clipprobe].
    #[arg(long, env = "CLIPPROBE_CACHE")]
    pub cache_dir: Option<PathBuf>,
    /// Do not read or write the embedding cache.
    #[arg(long)]
    pub no_cache: bool,
}

/// A `--model` value: `[LABEL=]MODEL`, MODEL a Hub id (`org/name[@rev]`, `hf:org/name`) or a
/// local folder (`dir:PATH`). The label names the model in reports; without one, a Hub id is
/// its own label and a folder is labelled by its last path component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelSpec {
    pub label: Option<String>,
    pub source: String,
}

impl std::str::FromStr for ModelSpec {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        if s.trim().is_empty() {
            return Err("empty model".into());
        }
        match s.split_once('=') {
            Some((label, rest))
                if !label.is_empty() && !label.contains(['/', '\\', ':']) && !rest.is_empty() =>
            {
                Ok(ModelSpec {
                    label: Some(label.to_string()),
                    source: rest.to_string(),
                })
            }
            Some(("", _)) => Err(format!("{s:?}: empty label before `=`")),
            _ => Ok(ModelSpec {
                label: None,
                source: s.to_string(),
            }),
        }
    }
}

impl ModelSpec {
    /// The default model, unlabelled.
    pub fn default_model() -> ModelSpec {
        ModelSpec {
            label: None,
            source: DEFAULT_MODEL.into(),
        }
    }

    /// The parsed source.
    pub fn parse_source(&self) -> Result<ModelSource> {
        // a checkpoint file: a raw open_clip checkpoint, loaded with --arch / --act
        if Path::new(&self.source).is_file() {
            return Ok(ModelSource::Local(PathBuf::from(&self.source)));
        }
        self.source
            .parse()
            .with_context(|| format!("--model {}", self.source))
    }
}

/// Compute dtypes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Dtype {
    F32,
    F16,
    Bf16,
}

impl Dtype {
    /// The candle dtype.
    pub fn candle(self) -> candle_core::DType {
        match self {
            Dtype::F32 => candle_core::DType::F32,
            Dtype::F16 => candle_core::DType::F16,
            Dtype::Bf16 => candle_core::DType::BF16,
        }
    }

    /// The name used in reports and sidecars.
    pub fn name(self) -> &'static str {
        match self {
            Dtype::F32 => "f32",
            Dtype::F16 => "f16",
            Dtype::Bf16 => "bf16",
        }
    }
}

/// Devices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DeviceArg {
    Cpu,
    Cuda,
    Metal,
}

impl DeviceArg {
    /// The name used in reports and sidecars.
    pub fn name(self) -> &'static str {
        match self {
            DeviceArg::Cpu => "cpu",
            DeviceArg::Cuda => "cuda",
            DeviceArg::Metal => "metal",
        }
    }

    /// Opens the device; a GPU is an error naming the fix when this build lacks its feature.
    pub fn candle(self) -> Result<candle_core::Device> {
        let missing = |flag: &str, feature: &str| {
            anyhow::anyhow!(
                "--device {flag}: this clipprobe was built without {feature} support; use \
                 --device cpu, or build with `cargo build --release -p clipprobe --features {flag}` \
                 (docs/performance.md)"
            )
        };
        match self {
            DeviceArg::Cpu => Ok(candle_core::Device::Cpu),
            DeviceArg::Cuda => {
                if !candle_core::utils::cuda_is_available() {
                    return Err(missing("cuda", "CUDA"));
                }
                candle_core::Device::new_cuda(0).context("--device cuda: cannot open GPU 0")
            }
            DeviceArg::Metal => {
                if !candle_core::utils::metal_is_available() {
                    return Err(missing("metal", "Metal"));
                }
                candle_core::Device::new_metal(0).context("--device metal: cannot open GPU 0")
            }
        }
    }
}

/// A loaded checkpoint and what identifies its numbers.
pub struct Loaded {
    pub resolved: ResolvedModel,
    pub clip: Clip,
    /// The display label (see [`ModelSpec`]).
    pub label: String,
    /// Covers model content/revision, dtype and preprocessing: the cache namespace.
    pub key: String,
    pub dtype: Dtype,
    pub device: DeviceArg,
    pub batch_size: usize,
    cache_root: Option<PathBuf>,
    max_image_bytes: u64,
}

/// Resolves and loads `spec` with `args`; `cache` enables the embedding cache.
pub fn load(
    spec: &ModelSpec,
    args: &ModelArgs,
    cache: Option<&CacheArgs>,
    printer: &Printer,
) -> Result<Loaded> {
    let src = spec.parse_source()?;
    load_source(&src, spec.label.clone(), args, cache, printer)
}

/// [`load`] from a parsed source.
pub fn load_source(
    src: &ModelSource,
    label: Option<String>,
    args: &ModelArgs,
    cache: Option<&CacheArgs>,
    printer: &Printer,
) -> Result<Loaded> {
    let device = args.device.candle()?;
    clipprobe_clip::decode::set_max_pixels(args.max_image_pixels);
    let mut hub = HubOptions::from_env();
    hub.offline |= args.offline;
    hub.progress = !printer.is_quiet();
    let raw = matches!(src, ModelSource::Local(p) if p.is_file());
    let resolved = match src {
        ModelSource::Local(p) if raw => ResolvedModel {
            source: src.clone(),
            id: p.display().to_string(),
            revision: None,
            dir: p.clone(),
            notes: Vec::new(),
        },
        _ => source::resolve(src, &hub).with_context(|| format!("resolving model {src}"))?,
    };
    printer.info(format_args!(
        "model {} ({})",
        resolved.id,
        resolved
            .revision
            .as_deref()
            .map_or_else(|| "local folder".to_string(), |r| format!("commit {r}"))
    ));
    for note in &resolved.notes {
        printer.warn(note);
    }
    let opts = LoadOptions {
        dtype: args.dtype.candle(),
        device,
        arch: args.arch.clone().filter(|_| raw),
        act: args.act.filter(|_| raw).map(|a| match a {
            ActArg::QuickGelu => HiddenAct::QuickGelu,
            ActArg::Gelu => HiddenAct::Gelu,
        }),
    };
    let clip = Clip::load(&resolved.dir, &opts).with_context(|| {
        format!(
            "loading model {} from {}",
            resolved.id,
            resolved.dir.display()
        )
    })?;
    printer.info(format_args!("model {}: {}", resolved.id, clip.describe()));
    let key = model_key(
        &resolved,
        args.dtype,
        args.batch_size,
        &clip.cache_identity(),
    )?;
    let cache_root = match cache {
        Some(c) if !c.no_cache => Some(c.cache_dir.clone().unwrap_or_else(default_cache_dir)),
        _ => None,
    };
    let label = label.unwrap_or_else(|| match src {
        ModelSource::Local(_) => clipprobe_probe::report::short_label(&resolved.id),
        _ => resolved.id.clone(),
    });
    Ok(Loaded {
        resolved,
        clip,
        label,
        key,
        dtype: args.dtype,
        device: args.device,
        batch_size: args.batch_size as usize,
        cache_root,
        max_image_bytes: args.max_image_bytes,
    })
}

impl Loaded {
    /// The family, activation, logit scale and bias, text padding and batch size, for
    /// reports.
    pub fn meta(&self) -> clipprobe_probe::report::ModelMeta {
        let (act, source) = self.clip.hidden_act();
        clipprobe_probe::report::ModelMeta {
            family: self.clip.family().name().into(),
            activation: act.name().into(),
            activation_source: source.into(),
            logit_scale: self.clip.logit_scale(),
            logit_bias: self.clip.logit_bias(),
            text_padding: match self.clip.text_padding() {
                TextPadding::Fixed(n) => Some(n),
                TextPadding::Bucketed => None,
            },
            batch_size: self.batch_size,
        }
    }
}

fn default_cache_dir() -> PathBuf {
    clipprobe_clip::env::HubEnv::read()
        .user_cache_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("clipprobe")
}

/// What makes two runs give the same numbers: the model (Hub commit, or the content of every
/// file of a local folder), the compute dtype, the batch size (embeddings differ in the last
/// bits between batch sizes) and the model's `cache_identity` (family, implementation
/// version, activation, preprocessing).
fn model_key(
    resolved: &ResolvedModel,
    dtype: Dtype,
    batch_size: u64,
    identity: &str,
) -> Result<String> {
    let mut parts = vec![
        "clipprobe-embeddings-v2".to_string(),
        format!("dtype={}", dtype.name()),
        format!("batch={batch_size}"),
    ];
    match &resolved.revision {
        Some(rev) => parts.push(format!("hub={}@{rev}", resolved.id)),
        None => {
            // a raw checkpoint file: the file and the tokenizer files beside it
            let (folder, only) = if resolved.dir.is_file() {
                let parent = resolved
                    .dir
                    .parent()
                    .unwrap_or(Path::new("."))
                    .to_path_buf();
                (parent, Some(resolved.dir.clone()))
            } else {
                (resolved.dir.clone(), None)
            };
            let mut files: Vec<PathBuf> = std::fs::read_dir(&folder)
                .with_context(|| format!("listing {}", folder.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .filter(|p| match &only {
                    None => true,
                    Some(file) => {
                        p == file
                            || p.file_name().is_some_and(|n| {
                                ["tokenizer.json", "vocab.json", "merges.txt"]
                                    .iter()
                                    .any(|t| n == *t)
                            })
                    }
                })
                .collect();
            files.sort();
            // streamed: reading a checkpoint whole here held a second copy of it next to
            // the loaded model (peak memory ≈ 2× the checkpoint; docs/performance.md)
            for f in files {
                parts.push(format!(
                    "{}={}",
                    f.file_name()
                        .map(|n| n.to_string_lossy())
                        .unwrap_or_default(),
                    clipprobe_io::formats::sha256_file(&f)?
                ));
            }
        }
    }
    // family, implementation version, activation and preprocessing
    parts.push(identity.to_string());
    Ok(sha256_hex(parts.join("\n").as_bytes())[..24].to_string())
}

/// The warning for texts in [`TextFlags::mojibake`], after their count or line numbers.
pub const MOJIBAKE_WARNING: &str = "caption(s) look like mojibake to ftfy's detector: open_clip's \
    tokenizer may repair them (ftfy.fix_encoding), clipprobe does not, so their ids may differ \
    from open_clip's (docs/models.md, open_clip text clean-up)";

/// Counts of flagged texts among those [`Loaded::texts`] embedded (not those from the cache).
#[derive(Debug, Default, Clone, Copy)]
pub struct TextFlags {
    /// Longer than the model's context, cut (end token kept).
    pub truncated: usize,
    /// open_clip: flagged by ftfy's mojibake detector, which open_clip's clean-up may repair
    /// and clipprobe's does not (`clipprobe_clip::textclean`).
    pub mojibake: usize,
}

/// Items of one modality to embed: their cache keys and how to embed a chunk of them.
struct Job<'a> {
    what: &'static str,
    file: &'static str,
    keys: Vec<Key>,
    chunk: usize,
    embed: EmbedChunk<'a>,
}

/// Embeds the items at the given indices, reporting progress (items done) as it goes.
type EmbedChunk<'a> = Box<dyn FnMut(&[usize], &mut dyn FnMut(usize)) -> Result<Vec<f32>> + 'a>;

impl Loaded {
    /// Projected, unnormalised embeddings of `texts` (row i = texts[i]); each distinct text is
    /// embedded once and cached. Returns the matrix and what was flagged among the texts
    /// embedded now.
    pub fn texts(&self, texts: &[String], printer: &Printer) -> Result<(Matrix, TextFlags)> {
        let mut flags = TextFlags::default();
        let job = Job {
            what: "texts",
            file: "texts.f32log",
            keys: texts.iter().map(|t| cache::text_key(t)).collect(),
            chunk: 512,
            embed: Box::new(|idx: &[usize], progress: &mut dyn FnMut(usize)| {
                let chunk: Vec<String> = idx.iter().map(|&i| texts[i].clone()).collect();
                let e = self.clip.embed_texts(&chunk, self.batch_size, progress)?;
                flags.truncated += e.truncated.len();
                flags.mojibake += e.mojibake.len();
                Ok(e.data)
            }),
        };
        let m = self.run(job, printer)?;
        Ok((m, flags))
    }

    /// Projected, unnormalised embeddings of the images at `paths` (row i = paths[i]), keyed
    /// by file content.
    pub fn images(&self, paths: &[PathBuf], printer: &Printer) -> Result<Matrix> {
        let whole: Vec<ImageRef> = paths
            .iter()
            .map(|p| ImageRef {
                path: p.clone(),
                crop: None,
            })
            .collect();
        self.image_regions(&whole, printer)
    }

    /// [`Loaded::images`] of image regions (row i = images[i]), each file cropped to its
    /// `crop` before preprocessing; keyed by file content and crop.
    pub fn image_regions(&self, images: &[ImageRef], printer: &Printer) -> Result<Matrix> {
        let keys = images
            .iter()
            .map(|im| {
                let file = cache::file_key(&im.path, self.max_image_bytes).map_err(|e| {
                    let hint = max_image_bytes_hint(&e);
                    anyhow::Error::new(e)
                        .context(format!("cannot read image {}{hint}", im.path.display()))
                })?;
                Ok(cache::region_key(file, im.crop))
            })
            .collect::<Result<Vec<_>>>()?;
        let batch = self.batch_size;
        let job = Job {
            what: "images",
            file: "images.f32log",
            keys,
            chunk: 64,
            embed: Box::new(|idx: &[usize], progress: &mut dyn FnMut(usize)| {
                let chunk: Vec<(PathBuf, Option<Crop>)> = idx
                    .iter()
                    .map(|&i| {
                        let crop = images[i].crop.map(|[left, top, right, bottom]| Crop {
                            left,
                            top,
                            right,
                            bottom,
                        });
                        (images[i].path.clone(), crop)
                    })
                    .collect();
                Ok(self.clip.embed_image_regions(&chunk, batch, progress)?)
            }),
        };
        self.run(job, printer)
    }

    fn run(&self, mut job: Job<'_>, printer: &Printer) -> Result<Matrix> {
        let dim = self.clip.projection_dim();
        let mut cache = match &self.cache_root {
            Some(root) => Some(EmbeddingCache::open(
                &root.join(&self.key).join(job.file),
                dim,
            )?),
            None => None,
        };
        if let Some(r) = cache
            .as_ref()
            .and_then(|c| c.repair().map(|r| (c.path(), r)))
        {
            printer.warn(format_args!(
                "embedding cache {} was damaged: dropped {} bytes that failed their checksum \
                 (kept {} records); the missing {} are embedded again",
                r.0.display(),
                r.1.dropped_bytes,
                r.1.kept_records,
                job.what
            ));
        }
        let mut memory: std::collections::HashMap<Key, Vec<f32>> = Default::default();
        // distinct keys not yet cached, in first-seen order
        let mut todo = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (i, k) in job.keys.iter().enumerate() {
            let cached = cache.as_ref().is_some_and(|c| c.get(k).is_some());
            if !cached && seen.insert(*k) {
                todo.push(i);
            }
        }
        if todo.len() < job.keys.len() && !todo.is_empty() {
            printer.info(format_args!(
                "{}: {} to embed, the rest from the cache",
                job.what,
                todo.len()
            ));
        }
        let mut pb = printer.progress(todo.len() as u64, job.what);
        for chunk in todo.chunks(job.chunk.max(1)) {
            let rows = (job.embed)(chunk, &mut |k| pb.inc(k as u64))?;
            let keys: Vec<Key> = chunk.iter().map(|&i| job.keys[i]).collect();
            match cache.as_mut() {
                Some(c) => c.insert_batch(&keys, &rows)?,
                None => {
                    for (k, r) in keys.iter().zip(rows.chunks_exact(dim)) {
                        memory.insert(*k, r.to_vec());
                    }
                }
            }
        }
        pb.finish();
        let mut data = Vec::with_capacity(job.keys.len() * dim);
        for k in &job.keys {
            let row = match cache.as_ref() {
                Some(c) => c.get(k),
                None => memory.get(k).map(Vec::as_slice),
            };
            data.extend_from_slice(row.context("embedding missing after embedding it")?);
        }
        Ok(Matrix::new(job.keys.len(), dim, data)?)
    }
}

pub use clipprobe_probe::evaluate::resolve_image;

/// The flag that raises the limit, for an image refused for its size (the library's message
/// names no flag).
fn max_image_bytes_hint(e: &clipprobe_io::Error) -> &'static str {
    match e {
        clipprobe_io::Error::ImageFile {
            problem: ImageFileProblem::TooLarge { .. } | ImageFileProblem::Grew { .. },
            ..
        } => " (raise the limit with --max-image-bytes)",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_specs_parse_labels() {
        let p = |s: &str| s.parse::<ModelSpec>();
        assert_eq!(
            p("b32=openai/clip-vit-base-patch32"),
            Ok(ModelSpec {
                label: Some("b32".into()),
                source: "openai/clip-vit-base-patch32".into()
            })
        );
        assert_eq!(p("org/name").map(|m| m.label), Ok(None));
        // `=` inside a path or after a prefix is not a label
        assert_eq!(p("./runs/lr=1e-5").map(|m| m.label), Ok(None));
        assert_eq!(p("dir:a=b").map(|m| m.label), Ok(None));
        assert!(p("=org/name").is_err());
        assert!(p("").is_err());
    }

    #[test]
    fn the_cache_key_covers_the_batch_size() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("preprocessor_config.json"), "{}").expect("write");
        let resolved = ResolvedModel {
            source: ModelSource::Local(dir.path().to_path_buf()),
            id: "org/model".into(),
            revision: Some("0".repeat(40)),
            dir: dir.path().to_path_buf(),
            notes: vec![],
        };
        let key = |batch| model_key(&resolved, Dtype::F32, batch, "family=hf-clip").expect("key");
        assert_eq!(key(32), key(32));
        assert_ne!(key(1), key(32));
    }
}

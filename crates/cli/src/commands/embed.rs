//! `clipprobe embed`: captions or images → a float32 `.npy` matrix `[N, projection_dim]`, rows
//! in input order, plus a JSON sidecar `OUT.npy.json` saying what made it.
//!
//! Everything about the input is checked (caption file read, image paths found, output folder
//! present, device available) before the model is resolved or loaded, so a bad input fails
//! fast and no output is written.
//!
//! # Sidecar (`OUT.npy.json`, `schema_version` 1)
//!
//! ```json
//! {
//!   "schema_version": 1,
//!   "tool": "clipprobe", "tool_version": "0.1.0",
//!   "kind": "text",                     // or "image"
//!   "model": { "id": "openai/clip-vit-base-patch32", "source": "hf:openai/clip-vit-base-patch32",
//!              "revision": "<commit sha, null for a local folder>" },
//!   "dtype": "f32", "device": "cpu", "batch_size": 32,
//!   "input": { "path": "captions.txt", "kind": "caption_file",  // or image_list / image_folder
//!              "sha256": "<of the file; for a folder, of its sorted file names, one per line>" },
//!   "count": 3, "dim": 512, "normalized": false,
//!   "lines": [1, 2, 4],                 // input line of each row (null for a folder)
//!   "images": null,                     // image inputs: each row's path, as listed
//!   "skipped_blank_lines": [3],
//!   "truncated": { "count": 0, "lines": [] }
//! }
//! ```

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clipprobe_clip::source::{ModelSource, ResolvedModel};
use clipprobe_io::formats;
use clipprobe_probe::metrics::{l2_normalize_rows, Matrix};
use serde::Serialize;

use crate::embedder::{self, Dtype, ModelArgs, ModelSpec, MOJIBAKE_WARNING};
use crate::printer::Printer;

/// Version of the sidecar JSON; bump on any breaking change.
pub const SIDECAR_SCHEMA_VERSION: u32 = 1;

/// File extensions taken from an image folder (case-insensitive).
const IMAGE_EXTENSIONS: [&str; 9] = [
    "png", "jpg", "jpeg", "gif", "bmp", "webp", "tif", "tiff", "jfif",
];

/// How many truncated caption lines are named on stderr (all are in the sidecar).
const SHOW_TRUNCATED: usize = 10;

/// Arguments of `clipprobe embed`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("input").required(true).args(["texts", "images"])))]
pub struct Args {
    /// Model, `[LABEL=]MODEL`: a Hub id `org/name[@revision]`, or a local folder in the
    /// Hugging Face layout. An existing folder wins over a Hub id of the same name;
    /// `hf:org/name` forces the Hub, `dir:PATH` a folder.
    #[arg(long, short, value_name = "[LABEL=]MODEL")]
    pub model: ModelSpec,
    /// Hub revision (branch, tag or commit sha); the same as `@revision` in --model.
    #[arg(long, value_name = "REV")]
    pub revision: Option<String>,
    /// Caption file: UTF-8, one caption per line; blank lines are skipped.
    #[arg(long, value_name = "FILE")]
    pub texts: Option<PathBuf>,
    /// Images: a text file of image paths, one per line (relative paths are taken from the
    /// list file's folder), or a folder (its image files, sorted by name, not recursive).
    #[arg(long, value_name = "LIST|DIR")]
    pub images: Option<PathBuf>,
    /// Output `.npy` file (float32, [N, projection_dim]); `OUT.npy.json` (provenance) is written beside it.
    #[arg(long, short, value_name = "OUT.npy")]
    pub out: PathBuf,
    /// L2-normalise each row (the model's projections are written unnormalised otherwise).
    #[arg(long)]
    pub normalize: bool,
    #[command(flatten)]
    pub model_args: ModelArgs,
}

/// What to embed, read and checked.
enum Input {
    Texts {
        path: PathBuf,
        captions: formats::Captions,
        sha256: String,
    },
    Images {
        path: PathBuf,
        kind: &'static str,
        /// (input line, or None for a folder; path as listed; path to open)
        images: Vec<(Option<usize>, String, PathBuf)>,
        skipped_blank_lines: Vec<usize>,
        sha256: String,
    },
}

impl Input {
    fn len(&self) -> usize {
        match self {
            Input::Texts { captions, .. } => captions.captions.len(),
            Input::Images { images, .. } => images.len(),
        }
    }
}

/// The validated plan: everything checked before any weights load.
struct RunPlan {
    source: ModelSource,
    label: Option<String>,
    model_args: ModelArgs,
    input: Input,
    out: PathBuf,
    sidecar: PathBuf,
    normalize: bool,
}

impl RunPlan {
    fn new(args: Args) -> Result<RunPlan> {
        let source = args.model.parse_source()?;
        let source = match (&source, args.revision) {
            (ModelSource::Local(dir), Some(rev)) => bail!(
                "--revision {rev}: the model is a local folder ({}), which has no revisions",
                dir.display()
            ),
            (
                ModelSource::Hub {
                    revision: Some(r), ..
                },
                Some(rev),
            ) if *r != rev => {
                bail!(
                    "--revision {rev} disagrees with @{r} in --model {}",
                    args.model.source
                )
            }
            (_, rev) => source.with_revision(rev),
        };
        let out = args.out;
        if out.is_dir() {
            bail!(
                "--out {} is a folder; give a file name such as embeddings.npy",
                out.display()
            );
        }
        let out_dir = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !out_dir.is_dir() {
            bail!(
                "--out {}: folder {} does not exist",
                out.display(),
                out_dir.display()
            );
        }
        let mut sidecar = out.clone().into_os_string();
        sidecar.push(".json");
        let sidecar = PathBuf::from(sidecar);
        clipprobe_io::formats::check_output(&sidecar)?;
        args.model_args.device.candle()?;
        let input = match (args.texts, args.images) {
            (Some(t), None) => read_texts(&t)?,
            (None, Some(i)) => read_images(&i)?,
            _ => bail!("give exactly one of --texts and --images"),
        };
        Ok(RunPlan {
            source,
            label: args.model.label,
            model_args: args.model_args,
            input,
            out,
            sidecar,
            normalize: args.normalize,
        })
    }
}

fn read_texts(path: &Path) -> Result<Input> {
    let captions =
        formats::read_captions(path).with_context(|| format!("--texts {}", path.display()))?;
    let json_ext = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "json" | "jsonl"));
    if let Some((line, _)) = captions
        .captions
        .iter()
        .find(|(_, c)| json_ext || c.trim_start().starts_with('{'))
    {
        bail!(
            "--texts {}:{line}: this looks like JSON, but --texts reads plain text, one caption \
             per line (each line would be embedded as raw JSON); extract the captions first, \
             e.g. `jq -r .caption {} > captions.txt`",
            path.display(),
            path.display()
        );
    }
    let bytes = std::fs::read(path).with_context(|| format!("--texts {}", path.display()))?;
    Ok(Input::Texts {
        path: path.to_path_buf(),
        captions,
        sha256: formats::sha256_hex(&bytes),
    })
}

fn read_images(path: &Path) -> Result<Input> {
    let ctx = || format!("--images {}", path.display());
    if path.is_dir() {
        let mut names = Vec::new();
        for entry in std::fs::read_dir(path).with_context(ctx)? {
            let p = entry.with_context(ctx)?.path();
            let is_image = p
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()));
            if is_image && p.is_file() {
                if let Some(name) = p.file_name().and_then(|n| n.to_str()) {
                    names.push(name.to_string());
                } else {
                    bail!(
                        "{}: file name {:?} is not valid UTF-8",
                        ctx(),
                        p.file_name()
                    );
                }
            }
        }
        if names.is_empty() {
            bail!(
                "{}: the folder has no image files ({})",
                ctx(),
                IMAGE_EXTENSIONS.join(", ")
            );
        }
        names.sort();
        let listing: String = names.iter().map(|n| format!("{n}\n")).collect();
        let images = names
            .into_iter()
            .map(|n| {
                let full = path.join(&n);
                (None, n, full)
            })
            .collect();
        return Ok(Input::Images {
            path: path.to_path_buf(),
            kind: "image_folder",
            images,
            skipped_blank_lines: Vec::new(),
            sha256: formats::sha256_hex(listing.as_bytes()),
        });
    }
    let lines = formats::read_lines(path).with_context(ctx)?;
    let base = path.parent().unwrap_or(Path::new(""));
    let mut images = Vec::new();
    let mut blank = Vec::new();
    for (n, line) in lines {
        let entry = line.trim();
        if entry.is_empty() {
            blank.push(n);
            continue;
        }
        let full = embedder::resolve_image(entry, base);
        if full.exists() && !full.is_file() {
            // issue 9, finding 12: not "no such file" for a folder or a device
            bail!(
                "{}:{n}: {} is not a regular file (a folder or a device), not an image",
                path.display(),
                full.display()
            );
        }
        if !full.is_file() {
            bail!(
                "{}:{n}: no such image file {}",
                path.display(),
                full.display()
            );
        }
        images.push((Some(n), entry.to_string(), full));
    }
    if images.is_empty() {
        bail!(
            "{}: no image paths (the list is empty or has only blank lines)",
            ctx()
        );
    }
    let bytes = std::fs::read(path).with_context(ctx)?;
    Ok(Input::Images {
        path: path.to_path_buf(),
        kind: "image_list",
        images,
        skipped_blank_lines: blank,
        sha256: formats::sha256_hex(&bytes),
    })
}

#[derive(Serialize)]
struct Sidecar<'a> {
    schema_version: u32,
    tool: &'static str,
    tool_version: &'static str,
    kind: &'static str,
    model: SidecarModel<'a>,
    dtype: &'static str,
    device: &'static str,
    batch_size: usize,
    input: SidecarInput<'a>,
    count: usize,
    dim: usize,
    normalized: bool,
    lines: Option<Vec<usize>>,
    images: Option<Vec<&'a str>>,
    skipped_blank_lines: &'a [usize],
    truncated: Truncated,
}

#[derive(Serialize)]
struct SidecarModel<'a> {
    id: &'a str,
    source: String,
    revision: Option<&'a str>,
}

#[derive(Serialize)]
struct SidecarInput<'a> {
    path: String,
    kind: &'static str,
    sha256: &'a str,
}

#[derive(Serialize)]
struct Truncated {
    count: usize,
    lines: Vec<usize>,
}

/// The first [`SHOW_TRUNCATED`] line numbers, and how many more there are.
fn some_lines(lines: &[usize]) -> String {
    let shown: Vec<String> = lines
        .iter()
        .take(SHOW_TRUNCATED)
        .map(ToString::to_string)
        .collect();
    match lines.len().saturating_sub(SHOW_TRUNCATED) {
        0 => shown.join(", "),
        more => format!("{} and {more} more", shown.join(", ")),
    }
}

pub fn run(args: Args, printer: &Printer) -> Result<()> {
    let plan = RunPlan::new(args)?;
    let loaded = embedder::load_source(
        &plan.source,
        plan.label.clone(),
        &plan.model_args,
        None,
        printer,
    )?;
    let (resolved, clip) = (&loaded.resolved, &loaded.clip);
    let batch_size = loaded.batch_size;
    let dim = clip.projection_dim();
    let n = plan.input.len();
    let mut pb = printer.progress(n as u64, plan.kind());
    let mut tick = |k: usize| pb.inc(k as u64);
    let (data, truncated_lines, mojibake_lines) = match &plan.input {
        Input::Texts { captions, .. } => {
            let texts: Vec<String> = captions.captions.iter().map(|(_, c)| c.clone()).collect();
            let e = clip
                .embed_texts(&texts, batch_size, &mut tick)
                .context("embedding captions")?;
            let lines = |rows: &[usize]| {
                rows.iter()
                    .filter_map(|&i| captions.captions.get(i).map(|(line, _)| *line))
                    .collect::<Vec<_>>()
            };
            (e.data, lines(&e.truncated), lines(&e.mojibake))
        }
        Input::Images { images, .. } => {
            let paths: Vec<PathBuf> = images.iter().map(|(_, _, p)| p.clone()).collect();
            let data = clip
                .embed_images(&paths, batch_size, &mut tick)
                .context("embedding images")?;
            (data, Vec::new(), Vec::new())
        }
    };
    pb.finish();
    let m = Matrix::new(n, dim, data).with_context(|| {
        format!("the model returned a wrong-sized matrix for {n} rows of {dim}")
    })?;
    let m = if plan.normalize {
        l2_normalize_rows(&m).context("--normalize")?
    } else {
        m
    };
    if let Some(bad) = m.data.iter().position(|v| !v.is_finite()) {
        bail!(
            "embedding of row {} is not finite (NaN or infinity); nothing written{}",
            bad / dim.max(1),
            if plan.model_args.dtype == Dtype::F32 {
                ""
            } else {
                "; try --dtype f32"
            }
        );
    }
    if !truncated_lines.is_empty() {
        printer.warn(format_args!(
            "{} caption(s) longer than the model's context were truncated: line(s) {} (all \
             listed in {})",
            truncated_lines.len(),
            some_lines(&truncated_lines),
            plan.sidecar.display()
        ));
    }
    if !mojibake_lines.is_empty() {
        printer.warn(format_args!(
            "{} {MOJIBAKE_WARNING}: line(s) {}",
            mojibake_lines.len(),
            some_lines(&mojibake_lines)
        ));
    }
    // the matrix and its provenance are replaced together, or neither
    let sidecar = plan.sidecar(resolved, dim, truncated_lines);
    let mut set = formats::OutputSet::new();
    formats::stage_npy_f32(&mut set, &plan.out, m.rows, m.cols, &m.data)
        .and_then(|()| formats::stage_json(&mut set, &plan.sidecar, &sidecar))
        .and_then(|()| set.commit())
        .with_context(|| {
            format!(
                "writing {} and {}",
                plan.out.display(),
                plan.sidecar.display()
            )
        })?;
    printer.info(format_args!(
        "wrote {} × {dim} {} embeddings to {} (+ {})",
        m.rows,
        plan.kind(),
        plan.out.display(),
        plan.sidecar.display()
    ));
    Ok(())
}

impl RunPlan {
    fn kind(&self) -> &'static str {
        match self.input {
            Input::Texts { .. } => "text",
            Input::Images { .. } => "image",
        }
    }

    fn sidecar<'a>(
        &'a self,
        resolved: &'a ResolvedModel,
        dim: usize,
        truncated_lines: Vec<usize>,
    ) -> Sidecar<'a> {
        let (input, lines, images, blank) = match &self.input {
            Input::Texts {
                path,
                captions,
                sha256,
            } => (
                SidecarInput {
                    path: path.display().to_string(),
                    kind: "caption_file",
                    sha256,
                },
                Some(captions.captions.iter().map(|(l, _)| *l).collect()),
                None,
                captions.blank_lines.as_slice(),
            ),
            Input::Images {
                path,
                kind,
                images,
                skipped_blank_lines,
                sha256,
            } => (
                SidecarInput {
                    path: path.display().to_string(),
                    kind,
                    sha256,
                },
                images
                    .iter()
                    .map(|(l, _, _)| *l)
                    .collect::<Option<Vec<_>>>(),
                Some(images.iter().map(|(_, s, _)| s.as_str()).collect()),
                skipped_blank_lines.as_slice(),
            ),
        };
        Sidecar {
            schema_version: SIDECAR_SCHEMA_VERSION,
            tool: "clipprobe",
            tool_version: env!("CARGO_PKG_VERSION"),
            kind: self.kind(),
            model: SidecarModel {
                id: &resolved.id,
                source: resolved.source.to_string(),
                revision: resolved.revision.as_deref(),
            },
            dtype: self.model_args.dtype.name(),
            device: self.model_args.device.name(),
            batch_size: self.model_args.batch_size as usize,
            input,
            count: self.input.len(),
            dim,
            normalized: self.normalize,
            lines,
            images,
            skipped_blank_lines: blank,
            truncated: Truncated {
                count: truncated_lines.len(),
                lines: truncated_lines,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embedder::DeviceArg;

    fn parse(argv: &[&str]) -> Result<Args, clap::Error> {
        crate::commands::parse_args("embed", argv)
    }

    #[test]
    fn flags_parse() {
        let a = parse(&[
            "--model",
            "org/name@v1",
            "--texts",
            "c.txt",
            "--out",
            "o.npy",
            "--normalize",
            "--batch-size",
            "8",
            "--offline",
            "--dtype",
            "bf16",
            "--device",
            "cpu",
            "--revision",
            "v1",
        ])
        .expect("parse");
        assert_eq!(a.model.source, "org/name@v1");
        assert_eq!(a.texts.as_deref(), Some(Path::new("c.txt")));
        assert!(a.images.is_none());
        assert_eq!(a.out, PathBuf::from("o.npy"));
        assert!(a.normalize && a.model_args.offline);
        assert_eq!(a.model_args.batch_size, 8);
        assert_eq!(a.model_args.dtype, Dtype::Bf16);
        assert_eq!(a.model_args.device, DeviceArg::Cpu);
        assert_eq!(a.revision.as_deref(), Some("v1"));

        let a = parse(&["-m", "m", "--images", "d", "-o", "o.npy"]).expect("parse");
        assert_eq!(a.images.as_deref(), Some(Path::new("d")));
        assert_eq!(
            (
                a.model_args.batch_size,
                a.model_args.dtype,
                a.model_args.device
            ),
            (32, Dtype::F32, DeviceArg::Cpu)
        );
        assert!(!a.normalize && !a.model_args.offline);
    }

    #[test]
    fn bad_flag_combinations_are_refused() {
        for argv in [
            &["-m", "m", "-o", "o.npy"][..],
            &["-m", "m", "--texts", "t", "--images", "i", "-o", "o.npy"],
            &["-m", "m", "--texts", "t"],
            &[
                "-m",
                "m",
                "--texts",
                "t",
                "-o",
                "o.npy",
                "--batch-size",
                "0",
            ],
            &["-m", "m", "--texts", "t", "-o", "o.npy", "--dtype", "f64"],
            &["-m", "m", "--texts", "t", "-o", "o.npy", "--device", "tpu"],
        ] {
            assert!(parse(argv).is_err(), "{argv:?}");
        }
    }

    #[test]
    fn cuda_without_the_feature_is_a_clear_error() {
        if candle_core::utils::cuda_is_available() {
            assert!(DeviceArg::Cpu.candle().is_ok());
        } else {
            let e = DeviceArg::Cuda.candle().expect_err("no cuda").to_string();
            assert!(e.contains("without CUDA support"), "{e}");
        }
    }

    #[test]
    fn image_folder_is_sorted_and_filtered() {
        let tmp = tempfile::tempdir().expect("tempdir");
        for f in ["b.PNG", "a.jpg", "notes.txt", "c.webp"] {
            std::fs::write(tmp.path().join(f), b"x").expect("w");
        }
        std::fs::create_dir(tmp.path().join("sub.png")).expect("mkdir");
        let Input::Images { images, kind, .. } = read_images(tmp.path()).expect("read") else {
            panic!("not images")
        };
        assert_eq!(kind, "image_folder");
        let names: Vec<&str> = images.iter().map(|(_, n, _)| n.as_str()).collect();
        assert_eq!(names, ["a.jpg", "b.PNG", "c.webp"]);
    }

    #[test]
    fn image_list_resolves_relative_to_the_list_and_names_missing_lines() {
        let tmp = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(tmp.path().join("img")).expect("mkdir");
        std::fs::write(tmp.path().join("img").join("x.png"), b"x").expect("w");
        let list = tmp.path().join("list.txt");
        std::fs::write(&list, "img/x.png\n\nimg/x.png\n").expect("w");
        let Input::Images {
            images,
            skipped_blank_lines,
            ..
        } = read_images(&list).expect("read")
        else {
            panic!("not images")
        };
        assert_eq!(images.len(), 2);
        assert_eq!(images[1].0, Some(3));
        assert_eq!(images[0].2, tmp.path().join("img").join("x.png"));
        assert_eq!(skipped_blank_lines, [2]);

        std::fs::write(&list, "img/x.png\nimg/missing.png\n").expect("w");
        let e = format!("{:#}", read_images(&list).err().expect("missing"));
        assert!(e.contains("list.txt:2") && e.contains("missing.png"), "{e}");
        // a folder is named as one, not as missing
        std::fs::write(&list, "img\n").expect("w");
        let e = format!("{:#}", read_images(&list).err().expect("folder"));
        assert!(
            e.contains("list.txt:1") && e.contains("not a regular file"),
            "{e}"
        );
        assert!(!e.contains("no such"), "{e}");
    }
}

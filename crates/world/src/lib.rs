//! # clipprobe-world
//!
//! A synthetic compositional world with exact ground truth: scene graphs of 1–4 objects
//! ([`scene`]), a deterministic anti-aliased renderer ([`render`], `tiny-skia`), captions with
//! concept spans ([`caption`]), and the seven hard-negative operators applied to the *scene*
//! ([`ops`]), so each negative caption has its own rendered image. [`generate`] turns this into
//! Winoground-style rows of the benchmark format `clipprobe eval` reads
//! ([`clipprobe_bench::bench::BenchRecord`]). See `docs/world.md`.

use std::path::{Path, PathBuf};

use clipprobe_bench::bench::{self, BenchRecord, Change, Edit, Op, Scoring};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

pub mod caption;
pub mod ops;
pub mod render;
pub mod scene;

use caption::{caption, Caption, Template};
use scene::{Scene, Slot, MAX_OBJECTS};

/// Deepest chain of edits [`generate`] accepts.
pub const MAX_DEPTH: u32 = 5;
/// Folder (under the output root) that holds the rendered scenes; image paths in the rows
/// start with it.
pub const IMAGES_DIR: &str = "world";
/// Value of [`BenchRecord::source`] for world rows.
pub const SOURCE: &str = clipprobe_report::WORLD_SOURCE;

/// Errors of the world generator.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WorldError {
    /// A bad setting (names the setting).
    #[error("{0}")]
    Config(String),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: encoding PNG: {source}")]
    Png {
        path: PathBuf,
        #[source]
        source: image::ImageError,
    },
    #[error(transparent)]
    Bench(#[from] clipprobe_bench::Error),
    /// A generated chain failed its depth proof (a bug, never expected).
    #[error("scene {scene}, {op}: depth proof failed: {message}")]
    Invariant {
        scene: usize,
        op: Op,
        message: String,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> WorldError + '_ {
    move |source| WorldError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorldConfig {
    /// Number of scenes (each gives up to one row per op).
    pub n: usize,
    /// Seed: the same config gives the same rows and the same PNG bytes.
    pub seed: u64,
    /// Operators; each row's first step is one of them, later steps are drawn from them.
    pub ops: Vec<Op>,
    /// Edits per negative (exactly; `1..=MAX_DEPTH`).
    pub depth: u32,
    /// Allowed numbers of objects per scene (each in `1..=4`), drawn uniformly.
    pub objects: Vec<usize>,
}

impl WorldConfig {
    /// The world `clipprobe eval` adds to its main job: 200 scenes of 1–4 objects, all seven
    /// ops, depth 1, seed 0 (1,071 rows and 1,271 images).
    pub fn default_for_main_job() -> Self {
        WorldConfig {
            n: 200,
            seed: 0,
            ops: Op::ALL.to_vec(),
            depth: 1,
            objects: (1..=MAX_OBJECTS).collect(),
        }
    }

    /// Checks every setting; errors name the setting.
    pub fn validate(&self) -> Result<(), WorldError> {
        let bad = |m: String| Err(WorldError::Config(m));
        if self.n == 0 {
            return bad("world: --n must be at least 1".into());
        }
        if self.ops.is_empty() {
            return bad("world: --ops is empty".into());
        }
        if !(1..=MAX_DEPTH).contains(&self.depth) {
            return bad(format!(
                "world: --depth {} is outside 1..={MAX_DEPTH}",
                self.depth
            ));
        }
        if self.objects.is_empty() {
            return bad("world: --objects is empty".into());
        }
        if let Some(k) = self.objects.iter().find(|k| !(1..=MAX_OBJECTS).contains(k)) {
            return bad(format!("world: --objects {k} is outside 1..={MAX_OBJECTS}"));
        }
        Ok(())
    }
}

fn png_name(scene: usize, op: Option<Op>) -> String {
    match op {
        None => format!("{IMAGES_DIR}/{scene:05}.png"),
        Some(op) => format!("{IMAGES_DIR}/{scene:05}-{op}.png"),
    }
}

fn write_png(dir: &Path, name: &str, scene: &Scene) -> Result<(), WorldError> {
    let path = dir.join(name);
    let bytes = render::encode_png(&render::render(scene)).map_err(|source| WorldError::Png {
        path: path.clone(),
        source,
    })?;
    std::fs::write(&path, bytes).map_err(io(&path))
}

/// The random stream of scene `i` (`op = None`) or of its row for `op`.
fn stream(seed: u64, scene: usize, op: Option<Op>) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let op_ix = op.map_or(0, |o| 1 + Op::ALL.iter().position(|&x| x == o).unwrap_or(0));
    rng.set_stream(scene as u64 * 8 + op_ix as u64);
    rng
}

/// The original scene `i` of a config and its template.
pub fn scene_of(cfg: &WorldConfig, i: usize) -> (Scene, Template) {
    let mut rng = stream(cfg.seed, i, None);
    let n = scene::pick(&mut rng, &cfg.objects);
    let s = Scene::random(&mut rng, n);
    (s, Template::nth(rng.random_range(0..Template::COUNT)))
}

/// The edit chain of scene `i`'s row for `op`, if `op` applies to it.
pub fn chain_of(cfg: &WorldConfig, i: usize, op: Op) -> Option<ops::Chain> {
    let (s, _) = scene_of(cfg, i);
    let mut rng = stream(cfg.seed, i, Some(op));
    ops::chain(&s, op, &cfg.ops, cfg.depth, &mut rng)
}

/// Span of `slot` in `c`; an object the caption does not have yet is inserted at the end.
fn span_or_end(c: &Caption, slot: Slot) -> [usize; 2] {
    c.span(slot).unwrap_or([c.text.len(), c.text.len()])
}

fn edit_of(step: &ops::Step, before: &Caption, after: &Caption) -> Edit {
    let changes = step
        .slots
        .iter()
        .map(|&slot| {
            let (a, b) = (span_or_end(before, slot), span_or_end(after, slot));
            Change {
                before: before.text[a[0]..a[1]].to_string(),
                after: after.text[b[0]..b[1]].to_string(),
                span: a,
                new_span: b,
            }
        })
        .collect();
    Edit {
        op: step.op,
        kind: step.op.kind(),
        category: step.category.to_string(),
        text_before: before.text.clone(),
        text_after: after.text.clone(),
        changes,
    }
}

fn json<T: serde::Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}

/// Scene `i`'s rows and images (written into `dir`).
fn scene_rows(cfg: &WorldConfig, i: usize, dir: &Path) -> Result<Vec<BenchRecord>, WorldError> {
    let (original, template) = scene_of(cfg, i);
    let image = png_name(i, None);
    write_png(dir, &image, &original)?;
    let cap = caption(&original, template);
    let mut rows = Vec::new();
    for &op in &cfg.ops {
        let Some(chain) = chain_of(cfg, i, op) else {
            continue;
        };
        ops::verify_chain(&chain).map_err(|message| WorldError::Invariant {
            scene: i,
            op,
            message,
        })?;
        let caps: Vec<Caption> = chain.scenes.iter().map(|s| caption(s, template)).collect();
        let edits = chain
            .steps
            .iter()
            .enumerate()
            .map(|(k, s)| edit_of(s, &caps[k], &caps[k + 1]))
            .collect();
        let (last, last_cap) = (chain.scenes.last(), caps.last());
        let (Some(last), Some(last_cap)) = (last, last_cap) else {
            continue;
        };
        let negative_image = png_name(i, Some(op));
        write_png(dir, &negative_image, last)?;
        let mut r = BenchRecord::new(
            format!("world-{i:05}-{op}"),
            cap.text.clone(),
            last_cap.text.clone(),
            op.name(),
        );
        r.depth = cfg.depth;
        r.edits = edits;
        r.image = Some(image.clone());
        r.negative_image = Some(negative_image);
        r.scoring = Scoring::Winoground;
        r.source = Some(SOURCE.into());
        let extra = [
            ("objects", json(&original.objects.len())),
            ("template", json(&template)),
            ("scene", json(&original)),
            ("negative_scene", json(last)),
            ("concepts", json(&cap.said())),
            ("negative_concepts", json(&last_cap.said())),
        ];
        r.extra = extra.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        rows.push(r);
    }
    Ok(rows)
}

/// Generates the world of `cfg`: renders every scene and negative scene as PNG into
/// `root/world/` and returns the benchmark rows, in scene order then `cfg.ops` order.
///
/// Contract:
/// - **Rows**: one per (scene, op) where `op` applies (e.g. no `swap_obj` on one object,
///   no `add_obj` on four), id `world-SSSSS-OP`, `scoring: winoground`, `source: "world"`,
///   `depth = cfg.depth`, one [`Edit`] per step, and in [`BenchRecord::extra`]: `objects`
///   (scene size), `template`, `scene` and `negative_scene` (the scene graphs before and after),
///   `concepts` and `negative_concepts` (concept spans of both captions).
/// - **Images**: `image` and `negative_image` are paths relative to `root`
///   (`world/SSSSS.png`, `world/SSSSS-OP.png`), so a benchmark file written in `root` resolves
///   them with `eval`'s default `--images-root`. `root/world/` is replaced as a whole: the PNGs
///   are written into a temporary folder in `root` that is renamed into place at the end, so
///   an error leaves no partial `world/` behind.
/// - **Determinism**: the same `cfg` gives the same rows and byte-identical PNGs (scene `i`
///   depends only on `seed` and `i`, so a larger `n` extends a smaller one).
/// - **Proof**: every row's final scene differs from its original in exactly the slots its
///   steps changed ([`ops::verify_chain`]); a failure is [`WorldError::Invariant`].
pub fn generate(cfg: &WorldConfig, root: &Path) -> Result<Vec<BenchRecord>, WorldError> {
    cfg.validate()?;
    std::fs::create_dir_all(root).map_err(io(root))?;
    let staging = tempfile::Builder::new()
        .prefix(".clipprobe-world-")
        .tempdir_in(root)
        .map_err(io(root))?;
    let images = staging.path().join(IMAGES_DIR);
    std::fs::create_dir(&images).map_err(io(&images))?;
    let per_scene: Vec<Result<Vec<BenchRecord>, WorldError>> = (0..cfg.n)
        .into_par_iter()
        .map(|i| scene_rows(cfg, i, staging.path()))
        .collect();
    let mut rows = Vec::new();
    for r in per_scene {
        rows.extend(r?);
    }
    if rows.is_empty() {
        return Err(WorldError::Config(format!(
            "world: no operator of {:?} applies to scenes of {:?} objects",
            cfg.ops.iter().map(|o| o.name()).collect::<Vec<_>>(),
            cfg.objects
        )));
    }
    let target = root.join(IMAGES_DIR);
    if target.exists() {
        std::fs::remove_dir_all(&target).map_err(io(&target))?;
    }
    std::fs::rename(&images, &target).map_err(io(&target))?;
    Ok(rows)
}

/// [`generate`], then the rows as JSON Lines at `root/bench.jsonl` (atomically). Returns the
/// benchmark path and the rows.
pub fn write_benchmark(
    cfg: &WorldConfig,
    root: &Path,
) -> Result<(PathBuf, Vec<BenchRecord>), WorldError> {
    let rows = generate(cfg, root)?;
    let path = root.join("bench.jsonl");
    bench::write_bench(&path, &rows)?;
    Ok((path, rows))
}

//! Importers: public compositionality benchmarks → [`BenchRecord`] rows.
//!
//! Each supported benchmark is a [`Benchmark`]; its importer (one module per benchmark, behind
//! the crate-private `Importer` trait) turns the benchmark's own annotation files into rows of the
//! clipprobe benchmark format (see [`crate::bench`]). The driver, [`import`], is shared:
//!
//! - **Files.** Paths may be files or folders; a folder is walked recursively for the
//!   benchmark's file extensions, and all files are processed in sorted path order. Items inside a
//!   file keep a deterministic order (list order, or natural order of the object keys).
//! - **Rows.** `op` holds the benchmark's own subset name, `source` the benchmark's name, `id` is
//!   `<benchmark>/<subset>/<original id>`, and `extra` keeps `original_id` plus the item's other
//!   upstream fields under `upstream` (and benchmark-specific fields such as ARO's `bbox`).
//! - **Images.** Image paths are written as the benchmark spells them (relative to its image
//!   folder). With [`ImportOptions::images_root`] they are joined onto that folder.
//! - **Bad items.** A malformed item (missing field, wrong type, empty caption) is an error that
//!   names the file and the item, unless [`ImportOptions::skip_bad`] is set: then it is recorded
//!   as a [`Skip`] with the reason. Nothing is ever dropped silently: items removed by a filter
//!   ([`ImportOptions::validated_only`]) or by a missing image ([`ImportOptions::check_images`])
//!   are recorded as skips too.

mod aro;
mod common;
mod sugarcrepe;
mod sugarcrepe_pp;
mod valse;
mod vl_checklist;
mod winoground;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::bench::BenchRecord;
use crate::error::{Error, ItemAt, Result};
use clipprobe_io::formats;
use common::{FileCtx, Importer, ItemIssue, RawItem};

/// Version of the import summary (`<out>.summary.json`).
pub const SUMMARY_SCHEMA_VERSION: u64 = 1;

/// A public benchmark with an importer (and a manifest, see [`crate::manifests`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Benchmark {
    /// SugarCrepe (Hsieh et al., 2023).
    #[serde(rename = "sugarcrepe")]
    SugarCrepe,
    /// SugarCrepe++ (Dumpala et al., 2024).
    #[serde(rename = "sugarcrepe_pp")]
    SugarCrepePp,
    /// ARO: VG-Relation and VG-Attribution (Yuksekgonul et al., 2023).
    #[serde(rename = "aro")]
    Aro,
    /// VALSE (Parcalabescu et al., 2022).
    #[serde(rename = "valse")]
    Valse,
    /// Winoground (Thrush et al., 2022).
    #[serde(rename = "winoground")]
    Winoground,
    /// VL-CheckList (Zhao et al., 2022).
    #[serde(rename = "vl_checklist")]
    VlChecklist,
}

impl Benchmark {
    /// Every benchmark, in the order of listings.
    pub const ALL: [Benchmark; 6] = [
        Benchmark::SugarCrepe,
        Benchmark::SugarCrepePp,
        Benchmark::Aro,
        Benchmark::Valse,
        Benchmark::Winoground,
        Benchmark::VlChecklist,
    ];

    /// The benchmark's name: its manifest name, `source` and id prefix.
    pub fn name(self) -> &'static str {
        match self {
            Benchmark::SugarCrepe => "sugarcrepe",
            Benchmark::SugarCrepePp => "sugarcrepe_pp",
            Benchmark::Aro => "aro",
            Benchmark::Valse => "valse",
            Benchmark::Winoground => "winoground",
            Benchmark::VlChecklist => "vl_checklist",
        }
    }

    /// Looks a benchmark up by name; the error lists the known names.
    pub fn from_name(name: &str) -> Result<Benchmark> {
        Benchmark::ALL
            .into_iter()
            .find(|b| b.name() == name)
            .ok_or_else(|| {
                let known: Vec<&str> = Benchmark::ALL.iter().map(|b| b.name()).collect();
                Error::UnknownBenchmark {
                    name: name.to_string(),
                    known: known.join(", "),
                }
            })
    }

    /// Whether the benchmark records annotator validation that
    /// [`ImportOptions::validated_only`] can filter on (VALSE only).
    pub fn supports_validation_filter(self) -> bool {
        self.importer().supports_validation_filter()
    }

    /// File extensions picked up when a folder is given.
    pub fn extensions(self) -> &'static [&'static str] {
        self.importer().extensions()
    }

    fn importer(self) -> &'static dyn Importer {
        match self {
            Benchmark::SugarCrepe => &sugarcrepe::SugarCrepe,
            Benchmark::SugarCrepePp => &sugarcrepe_pp::SugarCrepePp,
            Benchmark::Aro => &aro::Aro,
            Benchmark::Valse => &valse::Valse,
            Benchmark::Winoground => &winoground::Winoground,
            Benchmark::VlChecklist => &vl_checklist::VlChecklist,
        }
    }
}

impl std::fmt::Display for Benchmark {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Options of [`import`].
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Folder the benchmark's image paths are relative to; when set, rows carry
    /// `images_root/<path>` instead of the bare benchmark path.
    pub images_root: Option<PathBuf>,
    /// Check that every row's image (and `negative_image`) exists under `images_root`; rows
    /// whose image is missing are left out and recorded as [`SkipKind::MissingImage`].
    /// Needs `images_root`.
    pub check_images: bool,
    /// Record malformed items as skips instead of failing on the first one.
    pub skip_bad: bool,
    /// Keep only items validated by the benchmark's annotators (VALSE: at least 2 of 3
    /// annotators chose the caption, `mturk.caption >= 2`); the others are recorded as
    /// [`SkipKind::NotValidated`]. An error for benchmarks without validation data.
    pub validated_only: bool,
}

/// Why an item or row was left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipKind {
    /// Missing field, wrong type, empty caption, bad JSON line (only with `skip_bad`).
    Malformed,
    /// An id already produced by an earlier item (only with `skip_bad`).
    DuplicateId,
    /// Left out by `validated_only`.
    NotValidated,
    /// The image file does not exist (only with `check_images`).
    MissingImage,
}

impl SkipKind {
    /// The snake_case name used in summaries.
    pub fn name(self) -> &'static str {
        match self {
            SkipKind::Malformed => "malformed",
            SkipKind::DuplicateId => "duplicate_id",
            SkipKind::NotValidated => "not_validated",
            SkipKind::MissingImage => "missing_image",
        }
    }
}

/// One item (or row) left out, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skip {
    /// The annotation file it came from.
    pub file: PathBuf,
    /// The item inside the file (`key "12"`, `index 3`, `line 4`), plus the row id for
    /// row-level skips.
    pub item: String,
    pub kind: SkipKind,
    pub reason: String,
}

/// One annotation file that was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportedFile {
    pub path: PathBuf,
    /// SHA-256 of the file's bytes.
    pub sha256: String,
    /// The subset the file was read as (VL-CheckList: its path-derived subset); `None` where
    /// each item names its own (Winoground's `collapsed_tag`).
    pub subset: Option<String>,
    /// Items in the file, rows produced from it and items/rows skipped.
    pub items: usize,
    pub rows: usize,
    pub skipped: usize,
}

/// Result of [`import`].
#[derive(Debug, Clone, PartialEq)]
pub struct ImportOutcome {
    pub benchmark: Benchmark,
    /// Rows in file order, then item order.
    pub rows: Vec<BenchRecord>,
    pub skipped: Vec<Skip>,
    pub files: Vec<ImportedFile>,
}

/// The import summary written beside the benchmark file (`<out>.summary.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportSummary {
    pub schema_version: u64,
    /// `clipprobe-probe <version>`.
    pub tool: String,
    pub benchmark: Benchmark,
    pub images_root: Option<PathBuf>,
    pub check_images: bool,
    pub skip_bad: bool,
    pub validated_only: bool,
    pub files: Vec<ImportedFile>,
    pub rows: usize,
    /// Rows per subset (`op`).
    pub rows_per_subset: BTreeMap<String, usize>,
    pub skipped: usize,
    /// Skips per [`SkipKind`] name.
    pub skipped_per_kind: BTreeMap<String, usize>,
    /// Every skip, with its reason.
    pub skips: Vec<Skip>,
}

impl ImportOutcome {
    /// Rows per subset (`op`), sorted by subset name.
    pub fn rows_per_subset(&self) -> BTreeMap<String, usize> {
        let mut m = BTreeMap::new();
        for r in &self.rows {
            *m.entry(r.op.to_string()).or_insert(0) += 1;
        }
        m
    }

    /// Skips per kind.
    pub fn skipped_per_kind(&self) -> BTreeMap<String, usize> {
        let mut m = BTreeMap::new();
        for s in &self.skipped {
            *m.entry(s.kind.name().to_string()).or_insert(0) += 1;
        }
        m
    }

    /// The summary of this import under `opts`.
    pub fn summary(&self, opts: &ImportOptions) -> ImportSummary {
        ImportSummary {
            schema_version: SUMMARY_SCHEMA_VERSION,
            tool: format!("clipprobe-probe {}", env!("CARGO_PKG_VERSION")),
            benchmark: self.benchmark,
            images_root: opts.images_root.clone(),
            check_images: opts.check_images,
            skip_bad: opts.skip_bad,
            validated_only: opts.validated_only,
            files: self.files.clone(),
            rows: self.rows.len(),
            rows_per_subset: self.rows_per_subset(),
            skipped: self.skipped.len(),
            skipped_per_kind: self.skipped_per_kind(),
            skips: self.skipped.clone(),
        }
    }
}

/// Writes the rows (JSON Lines, via [`crate::bench::write_bench`]) to `out` and the summary to
/// `<out>.summary.json`, as one [`formats::OutputSet`] (both or neither). Returns the summary's
/// path.
pub fn write_outcome(out: &Path, outcome: &ImportOutcome, opts: &ImportOptions) -> Result<PathBuf> {
    let mut name = out.as_os_str().to_owned();
    name.push(".summary.json");
    let summary_path = PathBuf::from(name);
    let mut set = formats::OutputSet::new();
    formats::stage_jsonl(&mut set, out, &outcome.rows)?;
    formats::stage_json(&mut set, &summary_path, &outcome.summary(opts))?;
    set.commit()?;
    Ok(summary_path)
}

/// Imports a benchmark's annotation files (files or folders) into benchmark rows.
///
/// Errors: unreadable or unparseable files, a file the benchmark does not know (e.g. a
/// SugarCrepe file whose name is not a subset), a malformed item or duplicate id (unless
/// `skip_bad`), inconsistent options, and an import that yields no row at all.
pub fn import(
    benchmark: Benchmark,
    paths: &[PathBuf],
    opts: &ImportOptions,
) -> Result<ImportOutcome> {
    let importer = benchmark.importer();
    if opts.validated_only && !importer.supports_validation_filter() {
        return Err(Error::NoValidation {
            benchmark: benchmark.to_string(),
        });
    }
    if opts.check_images && opts.images_root.is_none() {
        return Err(Error::NeedsImagesRoot);
    }
    let files = expand_inputs(paths, importer.extensions())?;
    let mut outcome = ImportOutcome {
        benchmark,
        rows: Vec::new(),
        skipped: Vec::new(),
        files: Vec::new(),
    };
    let mut seen: HashMap<String, (PathBuf, String)> = HashMap::new();
    for path in &files {
        let bytes = std::fs::read(path).map_err(|e| clipprobe_io::Error::io(path, e))?;
        let parsed = importer.parse(path, &bytes)?;
        let rows_before = outcome.rows.len();
        let skips_before = outcome.skipped.len();
        let ctx = FileCtx {
            subset: &parsed.subset,
        };
        for item in &parsed.items {
            let converted = match &item.value {
                Ok(v) => importer.convert(&ctx, &item.key, v, opts),
                Err(e) => Err(ItemIssue::Malformed(e.clone())),
            };
            let rows = match converted {
                Ok(rows) => rows,
                Err(ItemIssue::Malformed(reason)) => {
                    let label = &item.label;
                    refuse(
                        opts,
                        &mut outcome.skipped,
                        path,
                        item,
                        label,
                        SkipKind::Malformed,
                        reason,
                    )?;
                    continue;
                }
                Err(ItemIssue::Filtered(reason)) => {
                    outcome
                        .skipped
                        .push(skip(path, &item.label, SkipKind::NotValidated, reason));
                    continue;
                }
            };
            for mut row in rows {
                let label = format!("{} (row {})", item.label, row.id);
                let bad = image_path_problem(&row)
                    .map(|reason| (SkipKind::Malformed, reason))
                    .or_else(|| {
                        seen.get(&row.id).map(|(first_file, first_item)| {
                            let reason = format!(
                                "duplicate id {:?} (first from {} {first_item})",
                                row.id,
                                first_file.display()
                            );
                            (SkipKind::DuplicateId, reason)
                        })
                    });
                if let Some((kind, reason)) = bad {
                    refuse(opts, &mut outcome.skipped, path, item, &label, kind, reason)?;
                    continue;
                }
                if let Some(root) = &opts.images_root {
                    if let Err(missing) = place_images(&mut row, root, opts.check_images)? {
                        let reason = format!("image not found: {}", missing.display());
                        outcome
                            .skipped
                            .push(skip(path, &label, SkipKind::MissingImage, reason));
                        continue;
                    }
                }
                seen.insert(row.id.clone(), (path.clone(), item.label.clone()));
                outcome.rows.push(row);
            }
        }
        outcome.files.push(ImportedFile {
            path: path.clone(),
            sha256: formats::sha256_hex(&bytes),
            subset: Some(parsed.subset.clone()).filter(|s| !s.is_empty()),
            items: parsed.items.len(),
            rows: outcome.rows.len() - rows_before,
            skipped: outcome.skipped.len() - skips_before,
        });
    }
    if outcome.rows.is_empty() {
        let per_kind: Vec<String> = outcome
            .skipped_per_kind()
            .into_iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect();
        return Err(Error::NothingImported {
            benchmark: benchmark.to_string(),
            files: files.len(),
            skipped: outcome.skipped.len(),
            per_kind: if per_kind.is_empty() {
                "none".to_string()
            } else {
                per_kind.join(", ")
            },
        });
    }
    Ok(outcome)
}

/// Expands files and folders into the sorted list of annotation files: a file is kept as it
/// is, a folder is walked recursively for files ending in one of `extensions`.
pub fn expand_inputs(paths: &[PathBuf], extensions: &[&str]) -> Result<Vec<PathBuf>> {
    if paths.is_empty() {
        return Err(Error::NoInputs);
    }
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|e| clipprobe_io::Error::io(p, e))?;
        if meta.is_dir() {
            let before = out.len();
            walk(p, extensions, &mut out)?;
            if out.len() == before {
                return Err(Error::EmptyFolder {
                    path: p.clone(),
                    extensions: extensions.join(" / ."),
                });
            }
        } else {
            out.push(p.clone());
        }
    }
    out.sort();
    Ok(out)
}

fn walk(dir: &Path, extensions: &[&str], out: &mut Vec<PathBuf>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| clipprobe_io::Error::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| clipprobe_io::Error::io(dir, e))?;
        let path = entry.path();
        let ty = entry
            .file_type()
            .map_err(|e| clipprobe_io::Error::io(&path, e))?;
        if ty.is_dir() {
            walk(&path, extensions, out)?;
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| extensions.contains(&e))
        {
            out.push(path);
        }
    }
    Ok(())
}

/// Joins the row's images onto `root`; with `check`, returns `Ok(Err(path))` for the first
/// image that does not exist.
/// Why a row's image path, taken from a benchmark's own file, may not be used: it must be a
/// plain relative path that stays inside the images folder (no absolute path, no `..`, no
/// drive or root component), since it is joined onto `--images-root` here or in `eval`.
fn image_path_problem(row: &BenchRecord) -> Option<String> {
    for (field, slot) in [
        ("image", &row.image),
        ("negative_image", &row.negative_image),
    ] {
        let Some(p) = slot.as_deref() else { continue };
        if !formats::is_plain_relative(p) {
            return Some(format!(
                "{field} path {p:?} is not a plain relative path inside the images folder \
                 (absolute, empty or with `..`): refused"
            ));
        }
    }
    None
}

fn place_images(
    row: &mut BenchRecord,
    root: &Path,
    check: bool,
) -> Result<std::result::Result<(), PathBuf>> {
    for slot in [&mut row.image, &mut row.negative_image] {
        let Some(rel) = slot.as_ref() else { continue };
        let full = root.join(rel);
        if check && !full.is_file() {
            return Ok(Err(full));
        }
        let s = full
            .to_str()
            .ok_or_else(|| Error::ImagePathNotUtf8 { path: full.clone() })?;
        *slot = Some(s.to_string());
    }
    Ok(Ok(()))
}

/// A bad item or row (`label` names it): an error naming the file and item, or with
/// `skip_bad` a skip of `kind` recorded in `skipped`.
fn refuse(
    opts: &ImportOptions,
    skipped: &mut Vec<Skip>,
    path: &Path,
    item: &RawItem,
    label: &str,
    kind: SkipKind,
    reason: String,
) -> Result<()> {
    if !opts.skip_bad {
        return Err(item_error(path, item, &reason));
    }
    skipped.push(skip(path, label, kind, reason));
    Ok(())
}

fn skip(path: &Path, item: &str, kind: SkipKind, reason: String) -> Skip {
    Skip {
        file: path.to_path_buf(),
        item: item.to_string(),
        kind,
        reason,
    }
}

fn item_error(path: &Path, item: &RawItem, reason: &str) -> Error {
    Error::BadItem {
        path: path.to_path_buf(),
        at: match item.line {
            Some(line) => ItemAt::Line(line),
            None => ItemAt::Label(item.label.clone()),
        },
        reason: reason.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The public per-benchmark facts the CLI relies on: only VALSE records annotator
    /// validation; only Winoground's annotations are JSON Lines.
    #[test]
    fn validation_and_extensions_per_benchmark() {
        for b in Benchmark::ALL {
            assert_eq!(b.supports_validation_filter(), b == Benchmark::Valse, "{b}");
            let jsonl = b == Benchmark::Winoground;
            let want: &[&str] = if jsonl { &["jsonl"] } else { &["json"] };
            assert_eq!(b.extensions(), want, "{b}");
        }
    }

    #[test]
    fn benchmark_names_round_trip() {
        for b in Benchmark::ALL {
            assert_eq!(Benchmark::from_name(b.name()).expect("known"), b);
            assert_eq!(
                serde_json::to_string(&b).expect("ser"),
                format!("\"{}\"", b.name())
            );
        }
        let e = Benchmark::from_name("crepe")
            .expect_err("unknown")
            .to_string();
        assert!(
            e.contains("sugarcrepe") && e.contains("vl_checklist"),
            "{e}"
        );
    }
}

//! Which benchmark rows an evaluation uses: `--ops`, `--limit` and the image check.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::bench::BenchRecord;
use crate::error::{Error, MissingImage, Result};

/// What to keep of a benchmark.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Keep only these ops (subsets); `None` keeps all. An op not in the benchmark is an error.
    pub ops: Option<Vec<String>>,
    /// Keep the first `limit` rows of each op (in file order).
    pub limit: Option<usize>,
    /// Drop rows whose image or negative image is missing, and record them, instead of failing.
    pub skip_missing_images: bool,
}

/// A row left out because an image it names is missing (a report type, re-exported).
pub use crate::report::SkippedRow;

/// The rows kept, and those skipped for missing images.
#[derive(Debug, Clone, PartialEq)]
pub struct Selected {
    pub rows: Vec<BenchRecord>,
    pub skipped: Vec<SkippedRow>,
}

/// Resolves a benchmark image path: absolute as it is, else against `root`.
pub fn resolve_image(path: &str, root: &Path) -> PathBuf {
    let p = Path::new(path);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        root.join(p)
    }
}

/// Why `path` cannot be an image file, or `None` when it is a readable regular file.
fn image_problem(path: &Path) -> Option<&'static str> {
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Some("does not exist"),
        Err(_) => Some("cannot be read"),
        Ok(m) if m.is_dir() => Some("is a folder, not an image file"),
        Ok(m) if !m.is_file() => Some("is not a regular file"),
        Ok(_) => None,
    }
}

/// Applies `sel` to the rows of the benchmark at `bench` (for messages) whose relative image
/// paths resolve against `root`. Every kept row's images exist; a missing one is an
/// [`Error::Row`] naming the row, field and path, or a [`SkippedRow`] with
/// `skip_missing_images`.
pub fn select(
    rows: Vec<BenchRecord>,
    sel: &Selection,
    bench: &Path,
    root: &Path,
) -> Result<Selected> {
    if let Some(ops) = &sel.ops {
        let present: BTreeSet<&str> = rows.iter().map(|r| r.op.as_str()).collect();
        for op in ops {
            if !present.contains(op.as_str()) {
                return Err(Error::File {
                    path: bench.to_path_buf(),
                    message: format!(
                        "op {op:?} is not in this benchmark (it has: {})",
                        present.iter().copied().collect::<Vec<_>>().join(", ")
                    ),
                });
            }
        }
    }
    let mut per_op: BTreeMap<String, usize> = BTreeMap::new();
    let mut kept = Vec::new();
    let mut skipped = Vec::new();
    'rows: for r in rows {
        if let Some(ops) = &sel.ops {
            if !ops.iter().any(|o| *o == r.op) {
                continue;
            }
        }
        let n = per_op.entry(r.op.to_string()).or_default();
        if sel.limit.is_some_and(|l| *n >= l) {
            continue;
        }
        for (field, rel) in [("image", &r.image), ("negative_image", &r.negative_image)] {
            let Some(rel) = rel else { continue };
            let full = resolve_image(rel, root);
            if let Some(reason) = image_problem(&full) {
                if sel.skip_missing_images {
                    skipped.push(SkippedRow {
                        id: r.id.clone(),
                        field: field.into(),
                        path: full,
                        reason: reason.into(),
                    });
                    continue 'rows;
                }
                return Err(Error::MissingImage(Box::new(MissingImage {
                    path: bench.to_path_buf(),
                    row: r.id.clone(),
                    field,
                    image: full,
                    reason,
                    root: root.to_path_buf(),
                })));
            }
        }
        *n += 1;
        kept.push(r);
    }
    if kept.is_empty() {
        return Err(Error::NothingSelected {
            path: bench.to_path_buf(),
        });
    }
    Ok(Selected {
        rows: kept,
        skipped,
    })
}

/// The folder relative image paths of the benchmark at `bench` resolve against when no
/// `--images-root` is given: the file's folder, or `.` when the path has no folder part.
pub fn default_images_root(bench: &Path) -> PathBuf {
    match bench.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

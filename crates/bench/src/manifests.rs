//! Data manifests: one JSON file per public benchmark in `data-manifests/`, embedded in the
//! binary with `include_str!` so that `clipprobe data list/show/download` work anywhere.
//!
//! A manifest says where a benchmark comes from (homepage, paper, licence as its authors state
//! it), which annotation files it has (relative path in the layout the importer expects,
//! download URL where public, SHA-256 where known: `null` otherwise, never invented), where its
//! images come from and how `--images-root` must be laid out, and the import command.
//!
//! Wire format (`schema_version` 1; unknown fields are rejected):
//!
//! ```json
//! { "schema_version": 1, "name": "sugarcrepe", "title": "SugarCrepe",
//!   "description": "...", "homepage": "https://...", "paper": "...", "licence": "...",
//!   "files": [ { "path": "add_att.json", "url": "https://...", "sha256": null, "note": "..." } ],
//!   "images": [ { "source": "COCO 2017 validation images", "url": "http://...", "layout": "..." } ],
//!   "import": { "command": "clipprobe data import ...", "scoring": "itm", "subsets": ["add_att"] },
//!   "notes": ["..."] }
//! ```

use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::bench::Scoring;
use crate::error::{Error, Result};
use crate::importers::Benchmark;

/// Version of the manifest format.
pub const MANIFEST_SCHEMA_VERSION: u64 = 1;

/// One benchmark's manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub schema_version: u64,
    /// The [`Benchmark`] name (`sugarcrepe`, ...).
    pub name: String,
    pub title: String,
    pub description: String,
    pub homepage: String,
    /// Citation with a link.
    pub paper: String,
    /// The licence as the authors state it (or "check upstream").
    pub licence: String,
    /// The annotation files.
    pub files: Vec<ManifestFile>,
    /// Where the images come from and how the images root is laid out.
    pub images: Vec<ImageSource>,
    pub import: ImportSpec,
    #[serde(default)]
    pub notes: Vec<String>,
}

/// One annotation file of a benchmark.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestFile {
    /// Relative path in the layout the importer expects (`add_att.json`,
    /// `Attribute/vg/color.json`); `clipprobe data download` writes it there.
    pub path: String,
    /// Public download URL, if there is one.
    pub url: Option<String>,
    /// Lowercase hex SHA-256, if known.
    pub sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// An image source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageSource {
    pub source: String,
    pub url: Option<String>,
    /// What `--images-root` must point at.
    pub layout: String,
}

/// How to import the benchmark.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportSpec {
    /// An example `clipprobe data import` command.
    pub command: String,
    /// How its rows are scored.
    pub scoring: Scoring,
    /// The subset names (`op`) its rows carry.
    pub subsets: Vec<String>,
}

impl Manifest {
    /// The benchmark this manifest describes.
    pub fn benchmark(&self) -> Result<Benchmark> {
        Benchmark::from_name(&self.name)
    }

    /// Checks the manifest: schema version, known name, non-empty texts, unique relative file
    /// paths without `..`, http(s) URLs, 64-hex-digit SHA-256s.
    pub fn validate(&self, origin: &Path) -> Result<()> {
        let bad = |message: String| Error::File {
            path: origin.to_path_buf(),
            message,
        };
        if self.schema_version != MANIFEST_SCHEMA_VERSION {
            return Err(Error::UnsupportedVersion {
                path: origin.to_path_buf(),
                found: self.schema_version,
                supported: MANIFEST_SCHEMA_VERSION,
            });
        }
        self.benchmark().map_err(|e| bad(e.to_string()))?;
        for (field, v) in [
            ("title", &self.title),
            ("description", &self.description),
            ("homepage", &self.homepage),
            ("paper", &self.paper),
            ("licence", &self.licence),
            ("import.command", &self.import.command),
        ] {
            if v.trim().is_empty() {
                return Err(bad(format!("`{field}` is empty")));
            }
        }
        check_url(&self.homepage).map_err(|m| bad(format!("homepage: {m}")))?;
        if self.files.is_empty() {
            return Err(bad("no `files`".into()));
        }
        let mut seen = std::collections::HashSet::new();
        for f in &self.files {
            let p = Path::new(&f.path);
            let relative =
                !f.path.is_empty() && p.components().all(|c| matches!(c, Component::Normal(_)));
            if !relative {
                return Err(bad(format!(
                    "file path {:?} must be relative, without `..`",
                    f.path
                )));
            }
            if !seen.insert(f.path.as_str()) {
                return Err(bad(format!("file {:?} is listed twice", f.path)));
            }
            if let Some(u) = &f.url {
                check_url(u).map_err(|m| bad(format!("{}: {m}", f.path)))?;
            }
            if let Some(h) = &f.sha256 {
                let ok = h.len() == 64 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
                if !ok {
                    return Err(bad(format!(
                        "{}: sha256 must be 64 lowercase hex digits, found {h:?}",
                        f.path
                    )));
                }
            }
        }
        if self.images.is_empty() {
            return Err(bad("no `images` source".into()));
        }
        for i in &self.images {
            if let Some(u) = &i.url {
                check_url(u).map_err(|m| bad(format!("images: {m}")))?;
            }
        }
        if self.import.subsets.is_empty() {
            return Err(bad("no `import.subsets`".into()));
        }
        Ok(())
    }
}

fn check_url(u: &str) -> std::result::Result<(), String> {
    if u.starts_with("https://") || u.starts_with("http://") {
        Ok(())
    } else {
        Err(format!("{u:?} is not an http(s) URL"))
    }
}

/// The embedded manifest text of a benchmark.
fn embedded(b: Benchmark) -> &'static str {
    match b {
        Benchmark::SugarCrepe => include_str!("../../../data-manifests/sugarcrepe.json"),
        Benchmark::SugarCrepePp => include_str!("../../../data-manifests/sugarcrepe_pp.json"),
        Benchmark::Aro => include_str!("../../../data-manifests/aro.json"),
        Benchmark::Valse => include_str!("../../../data-manifests/valse.json"),
        Benchmark::Winoground => include_str!("../../../data-manifests/winoground.json"),
        Benchmark::VlChecklist => include_str!("../../../data-manifests/vl_checklist.json"),
    }
}

/// Where an embedded manifest came from, for error messages.
pub fn origin(b: Benchmark) -> PathBuf {
    PathBuf::from(format!("data-manifests/{}.json", b.name()))
}

/// Parses and validates a manifest text; `origin` names it in errors.
pub fn parse(text: &str, origin: &Path) -> Result<Manifest> {
    let m: Manifest = serde_json::from_str(text).map_err(|e| Error::File {
        path: origin.to_path_buf(),
        message: format!("bad manifest: {e}"),
    })?;
    m.validate(origin)?;
    Ok(m)
}

/// The embedded manifest of `b`, validated; its name must be `b`'s.
pub fn load(b: Benchmark) -> Result<Manifest> {
    let origin = origin(b);
    let m = parse(embedded(b), &origin)?;
    if m.name != b.name() {
        return Err(Error::File {
            path: origin,
            message: format!("manifest name {:?} is not {:?}", m.name, b.name()),
        });
    }
    Ok(m)
}

/// The embedded manifest named `name` (an error listing the names if unknown).
pub fn by_name(name: &str) -> Result<Manifest> {
    load(Benchmark::from_name(name)?)
}

/// Every embedded manifest, in [`Benchmark::ALL`] order.
pub fn all() -> Result<Vec<Manifest>> {
    Benchmark::ALL.into_iter().map(load).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_manifest_loads() {
        let all = all().expect("manifests");
        assert_eq!(all.len(), Benchmark::ALL.len());
    }

    #[test]
    fn validation_rejects_bad_checksums_paths_and_versions() {
        let good = embedded(Benchmark::SugarCrepe);
        let o = Path::new("m.json");
        assert!(parse(good, o).is_ok());
        let mut v: serde_json::Value = serde_json::from_str(good).expect("json");
        v["files"][0]["sha256"] = "ABC".into();
        let e = parse(&v.to_string(), o).expect_err("sha").to_string();
        assert!(e.contains("sha256") && e.contains("m.json"), "{e}");
        v["files"][0]["sha256"] = serde_json::Value::Null;
        v["files"][0]["path"] = "../x.json".into();
        assert!(parse(&v.to_string(), o)
            .expect_err("path")
            .to_string()
            .contains("relative"));
        v["files"][0]["path"] = "add_att.json".into();
        v["schema_version"] = 2.into();
        assert!(matches!(
            parse(&v.to_string(), o),
            Err(Error::UnsupportedVersion { found: 2, .. })
        ));
        v["schema_version"] = 1.into();
        v["surprise"] = 1.into();
        assert!(parse(&v.to_string(), o)
            .expect_err("unknown")
            .to_string()
            .contains("surprise"));
    }
}

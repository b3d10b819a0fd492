//! VL-CheckList (Zhao et al., 2022, <https://github.com/om-ai-lab/VL-CheckList>).
//!
//! Files under the repository's `data/` folder, grouped by category: `Attribute/vg/color.json`,
//! `Object/Location/vg_location/vg_obj_margin.json`, `Relation/vg/spatial.json`, ... Each is a
//! JSON array of `[image_path, {"POS": [captions], "NEG": [captions]}]`. The subset is the
//! path from the category folder on, lower-cased and without the extension
//! (`attribute/vg/color`); one row per (POS, NEG) pair, id `<index>/<pos>-<neg>`. Image paths
//! (`VG_100K/2361911.jpg`) are kept as written; VL-CheckList resolves them against a per-corpus
//! image folder (its `corpus/*.yaml` `IMG_ROOT`, e.g. `vg/`), so import one image corpus at a
//! time with that folder as the images root.

use std::path::{Component, Path};

use serde_json::Value;

use super::common::{
    listed_items, parse_json, record, type_name, FileCtx, Importer, ItemIssue, Obj, ParsedFile,
};
use super::{Benchmark, ImportOptions};
use crate::bench::BenchRecord;
use crate::error::{Error, Result};

pub(super) struct VlChecklist;

const CATEGORIES: [&str; 3] = ["attribute", "object", "relation"];

/// `.../data/Attribute/vg/color.json` → `attribute/vg/color`.
fn subset_of(path: &Path) -> Result<String> {
    let parts: Vec<String> = path
        .with_extension("")
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().to_lowercase()),
            _ => None,
        })
        .collect();
    let start = parts
        .iter()
        .rposition(|p| CATEGORIES.contains(&p.as_str()))
        .filter(|&i| i + 1 < parts.len())
        .ok_or_else(|| Error::File {
            path: path.to_path_buf(),
            message: "cannot tell the VL-CheckList subset: the path must contain an Attribute, \
                      Object or Relation folder (as in the repository's data/ folder)"
                .into(),
        })?;
    Ok(parts[start..].join("/"))
}

impl Importer for VlChecklist {
    fn parse(&self, path: &Path, bytes: &[u8]) -> Result<ParsedFile> {
        // A relative path such as `color.json` may lack the category folder: try the full path.
        let subset = subset_of(path).or_else(|e| {
            std::fs::canonicalize(path)
                .ok()
                .and_then(|full| subset_of(&full).ok())
                .ok_or(e)
        })?;
        let items = listed_items(path, parse_json(path, bytes)?, "a VL-CheckList file")?;
        Ok(ParsedFile { subset, items })
    }

    fn convert(
        &self,
        file: &FileCtx<'_>,
        key: &str,
        item: &Value,
        _opts: &ImportOptions,
    ) -> std::result::Result<Vec<BenchRecord>, ItemIssue> {
        let pair = match item {
            Value::Array(a) if a.len() == 2 => a,
            other => {
                return Err(format!(
                    "expected [image_path, {{\"POS\": [...], \"NEG\": [...]}}], found {}",
                    match other {
                        Value::Array(a) => format!("an array of {}", a.len()),
                        v => type_name(v).to_string(),
                    }
                )
                .into())
            }
        };
        let image = match &pair[0] {
            Value::String(s) if !s.trim().is_empty() => s.as_str(),
            other => {
                return Err(format!(
                    "the image path must be a non-empty string, found {}",
                    type_name(other)
                )
                .into())
            }
        };
        let o = Obj::of(&pair[1]).map_err(|e| format!("second element: {e}"))?;
        let pos = o.texts("POS")?;
        let neg = o.texts("NEG")?;
        let upstream = o.rest(&["POS", "NEG"]);
        let mut rows = Vec::with_capacity(pos.len() * neg.len());
        for (p, caption) in pos.iter().enumerate() {
            for (n, negative) in neg.iter().enumerate() {
                let id = format!("{key}/{p}-{n}");
                let mut r = record(
                    Benchmark::VlChecklist,
                    file.subset,
                    &id,
                    caption,
                    negative,
                    upstream.clone(),
                );
                r.extra
                    .insert("original_id".into(), Value::String(key.to_string()));
                r.extra.insert("pos_index".into(), p.into());
                r.extra.insert("neg_index".into(), n.into());
                r.image = Some(image.to_string());
                rows.push(r);
            }
        }
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subset_comes_from_the_category_folder_on() {
        let s = |p: &str| subset_of(Path::new(p)).expect(p);
        assert_eq!(
            s("/x/VL-CheckList/data/Attribute/vg/color.json"),
            "attribute/vg/color"
        );
        assert_eq!(s("data/Relation/swig_action.json"), "relation/swig_action");
        assert_eq!(
            s("Object/Size/vg_size/vg_obj_small.json"),
            "object/size/vg_size/vg_obj_small"
        );
        assert!(subset_of(Path::new("data/vg/color.json")).is_err());
        assert!(subset_of(Path::new("data/Attribute.json")).is_err());
    }
}

//! ARO's Visual Genome tasks (Yuksekgonul et al., 2023,
//! <https://github.com/mertyg/vision-language-models-are-bows>).
//!
//! - `visual_genome_relation.json` (subset `vg_relation`): a JSON array of `{"image_id",
//!   "image_path", "bbox_x", "bbox_y", "bbox_w", "bbox_h", "relation_name", "true_caption",
//!   "false_caption"}`.
//! - `visual_genome_attribution.json` (subset `vg_attribution`): the same with `"attributes":
//!   [a, b]` instead of `relation_name`.
//!
//! The subset is chosen by the file name. ARO reports macro accuracy over relations (and over
//! attribute pairs); the fine-grained name is kept in `extra.aro_subset` (the relation name, or
//! the two attributes joined by `_`). ARO scores the image **cropped to the bounding box**: the
//! box is kept in the row's `bbox` field as `[x, y, w, h]`, and `clipprobe eval` crops each
//! image to it before preprocessing ([`BenchRecord::crop`]), as ARO's `VG_Relation` /
//! `VG_Attribution` datasets do; `evaluate` reports ARO's macro accuracy for these subsets.

use std::path::Path;

use serde_json::{json, Value};

use super::common::{
    file_stem, listed_items, parse_json, record, FileCtx, Importer, ItemIssue, Obj, ParsedFile,
};
use super::{Benchmark, ImportOptions};
use crate::bench::BenchRecord;
use crate::error::{Error, Result};

pub(super) struct Aro;

/// (file stem, subset).
const FILES: [(&str, &str); 2] = [
    ("visual_genome_relation", "vg_relation"),
    ("visual_genome_attribution", "vg_attribution"),
];

impl Importer for Aro {
    fn parse(&self, path: &Path, bytes: &[u8]) -> Result<ParsedFile> {
        let stem = file_stem(path)?;
        let (_, subset) = FILES
            .iter()
            .find(|(f, _)| *f == stem)
            .ok_or_else(|| Error::File {
                path: path.to_path_buf(),
                message: format!(
                    "not an ARO file this importer knows; expected {}",
                    FILES.map(|(f, _)| format!("{f}.json")).join(" or ")
                ),
            })?;
        let items = listed_items(path, parse_json(path, bytes)?, "an ARO file")?;
        Ok(ParsedFile {
            subset: subset.to_string(),
            items,
        })
    }

    fn convert(
        &self,
        file: &FileCtx<'_>,
        key: &str,
        item: &Value,
        _opts: &ImportOptions,
    ) -> std::result::Result<Vec<BenchRecord>, ItemIssue> {
        let o = Obj::of(item)?;
        let image = o.text("image_path")?;
        let caption = o.text("true_caption")?;
        let negative = o.text("false_caption")?;
        let bbox = ["bbox_x", "bbox_y", "bbox_w", "bbox_h"]
            .map(|k| o.number(k))
            .into_iter()
            .collect::<std::result::Result<Vec<f64>, String>>()?;
        let fine = if file.subset == "vg_relation" {
            o.text("relation_name")?.to_string()
        } else {
            let attrs = o.texts("attributes")?;
            if attrs.len() != 2 {
                return Err(format!(
                    "field `attributes` must hold 2 attributes, found {}",
                    attrs.len()
                )
                .into());
            }
            attrs.join("_")
        };
        let upstream = o.rest(&["image_path", "true_caption", "false_caption"]);
        let mut r = record(
            Benchmark::Aro,
            file.subset,
            key,
            caption,
            negative,
            upstream,
        );
        r.image = Some(image.to_string());
        r.extra.insert("aro_subset".into(), Value::String(fine));
        r.extra.insert("bbox".into(), json!(bbox));
        r.crop()?;
        Ok(vec![r])
    }
}

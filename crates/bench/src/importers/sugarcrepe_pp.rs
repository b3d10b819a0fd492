//! SugarCrepe++ (Dumpala et al., 2024, <https://github.com/Sri-Harsha/scpp>).
//!
//! Files `data/{replace_att,replace_obj,replace_rel,swap_att,swap_obj}.json`: a JSON array of
//! `{"id": 0, "filename": "000000331352.jpg", "caption": "...", "caption2": "...",
//! "negative_caption": "..."}` (an object keyed by id is accepted too). The subset is the file
//! stem; images are COCO val2017 file names. Two positives: `caption` is the row's caption and
//! `caption2` its one `alt_captions` entry, so that the paper's image-to-text rule (both
//! positives beat the negative) and the text-only task (cos(caption, caption2) >
//! cos(caption, negative)) can be computed from the row.

use std::path::Path;

use serde_json::Value;

use super::common::{
    file_stem, keyed_items, listed_items, parse_json, record, FileCtx, Importer, ItemIssue, Obj,
    ParsedFile,
};
use super::{Benchmark, ImportOptions};
use crate::bench::BenchRecord;
use crate::error::{Error, Result};

/// SugarCrepe++'s five subsets (it has no ADD subsets).
pub(super) const SUBSETS: [&str; 5] = [
    "replace_att",
    "replace_obj",
    "replace_rel",
    "swap_att",
    "swap_obj",
];

pub(super) struct SugarCrepePp;

impl Importer for SugarCrepePp {
    fn parse(&self, path: &Path, bytes: &[u8]) -> Result<ParsedFile> {
        let stem = file_stem(path)?;
        if !SUBSETS.contains(&stem) {
            return Err(Error::File {
                path: path.to_path_buf(),
                message: format!(
                    "{stem:?} is not a SugarCrepe++ subset; the file name must be one of {}",
                    SUBSETS.map(|s| format!("{s}.json")).join(", ")
                ),
            });
        }
        let value = parse_json(path, bytes)?;
        let items = if value.is_object() {
            keyed_items(path, value, "a SugarCrepe++ file")?
        } else {
            listed_items(path, value, "a SugarCrepe++ file")?
        };
        Ok(ParsedFile {
            subset: stem.to_string(),
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
        let id = if o.map.contains_key("id") {
            o.id("id")?
        } else {
            key.to_string()
        };
        let filename = o.text("filename")?;
        let caption = o.text("caption")?;
        let caption2 = o.text("caption2")?;
        let negative = o.text("negative_caption")?;
        let upstream = o.rest(&["id", "filename", "caption", "caption2", "negative_caption"]);
        let mut r = record(
            Benchmark::SugarCrepePp,
            file.subset,
            &id,
            caption,
            negative,
            upstream,
        );
        r.image = Some(filename.to_string());
        r.alt_captions = vec![caption2.to_string()];
        Ok(vec![r])
    }
}

//! SugarCrepe (Hsieh et al., 2023, <https://github.com/RAIVNLab/sugar-crepe>).
//!
//! Files `data/{add_att,add_obj,replace_att,replace_obj,replace_rel,swap_att,swap_obj}.json`,
//! each a JSON object keyed by id: `{"filename": "000000397133.jpg", "caption": "...",
//! "negative_caption": "..."}`. The subset is the file stem; images are COCO val2017 file names.
//! Scoring: ITM (cos(image, caption) > cos(image, negative)).

use std::path::Path;

use serde_json::Value;

use super::common::{
    file_stem, keyed_items, parse_json, record, FileCtx, Importer, ItemIssue, Obj, ParsedFile,
};
use super::{Benchmark, ImportOptions};
use crate::bench::{BenchRecord, Op};
use crate::error::{Error, Result};

pub(super) struct SugarCrepe;

impl Importer for SugarCrepe {
    fn parse(&self, path: &Path, bytes: &[u8]) -> Result<ParsedFile> {
        let stem = file_stem(path)?;
        let subset = Op::from_name(stem).ok_or_else(|| Error::File {
            path: path.to_path_buf(),
            message: format!(
                "{stem:?} is not a SugarCrepe subset; the file name must be one of {}{}",
                Op::ALL.map(|o| format!("{o}.json")).join(", "),
                if stem.ends_with("_ent") {
                    " (early SugarCrepe releases named the object subsets *_ent.json: rename to *_obj.json)"
                } else {
                    ""
                }
            ),
        })?;
        let items = keyed_items(path, parse_json(path, bytes)?, "a SugarCrepe file")?;
        Ok(ParsedFile {
            subset: subset.name().to_string(),
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
        let filename = o.text("filename")?;
        let caption = o.text("caption")?;
        let negative = o.text("negative_caption")?;
        let upstream = o.rest(&["filename", "caption", "negative_caption"]);
        let mut r = record(
            Benchmark::SugarCrepe,
            file.subset,
            key,
            caption,
            negative,
            upstream,
        );
        r.image = Some(filename.to_string());
        Ok(vec![r])
    }
}

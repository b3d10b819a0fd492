//! VALSE (Parcalabescu et al., 2022, <https://github.com/Heidelberg-NLP/VALSE>).
//!
//! Files `data/<piece>.json` (`existence`, `plurals`, `counting-hard`, `counting-small-quant`,
//! `counting-adversarial`, `relations`, `action-replacement`, `actant-swap`,
//! `coreference-standard`, `coreference-hard`, `foil-it`): a JSON object keyed by id, e.g.
//! `"actions_test_0": {"dataset": "SWiG", "image_file": "exercising_255.jpg", "caption": "...",
//! "foil": "...", "mturk": {"foil": 0, "caption": 3, "other": 0}, ...}`. The subset is the file
//! stem. One row per foil: the documented `foil` string gives one row (id `<key>`); a `foils`
//! array, if a file has one instead, gives one row per entry (ids `<key>/<k>`). Images are
//! `<dataset>/<image_file>` under the images root.
//!
//! VALSE's files hold validated and non-validated foils; the paper's valid set is
//! `mturk.caption >= 2`. By default every foil is imported (`extra.valse_valid` records the
//! verdict when `mturk` is present); `validated_only` keeps the valid ones and records the
//! others as skips.

use std::path::Path;

use serde_json::Value;

use super::common::{
    file_stem, keyed_items, parse_json, record, FileCtx, Importer, ItemIssue, Obj, ParsedFile,
};
use super::{Benchmark, ImportOptions};
use crate::bench::BenchRecord;
use crate::error::Result;

pub(super) struct Valse;

/// Annotators (of 3) who must pick the caption for the foil to be valid.
const MIN_CAPTION_VOTES: f64 = 2.0;

impl Importer for Valse {
    fn supports_validation_filter(&self) -> bool {
        true
    }

    fn parse(&self, path: &Path, bytes: &[u8]) -> Result<ParsedFile> {
        let subset = file_stem(path)?.to_string();
        let items = keyed_items(path, parse_json(path, bytes)?, "a VALSE file")?;
        Ok(ParsedFile { subset, items })
    }

    fn convert(
        &self,
        file: &FileCtx<'_>,
        key: &str,
        item: &Value,
        opts: &ImportOptions,
    ) -> std::result::Result<Vec<BenchRecord>, ItemIssue> {
        let o = Obj::of(item)?;
        let caption = o.text("caption")?;
        let dataset = o.text("dataset")?;
        let image_file = o.text("image_file")?;
        let foils: Vec<(String, &str)> = if o.map.contains_key("foils") {
            let list = o.texts("foils")?;
            list.into_iter()
                .enumerate()
                .map(|(k, f)| (format!("{key}/{k}"), f))
                .collect()
        } else {
            vec![(key.to_string(), o.text("foil")?)]
        };
        let valid = match o.map.get("mturk") {
            None => None,
            Some(m) => {
                let votes = Obj::of(m)
                    .and_then(|m| m.number("caption"))
                    .map_err(|e| format!("bad `mturk` votes: {e}"))?;
                Some((votes >= MIN_CAPTION_VOTES, votes))
            }
        };
        if opts.validated_only {
            match valid {
                None => {
                    return Err(ItemIssue::Malformed(
                        "no `mturk` votes, so the validation filter cannot be applied".into(),
                    ))
                }
                Some((false, votes)) => {
                    return Err(ItemIssue::Filtered(format!(
                        "not validated: mturk.caption = {votes} (valid needs >= {MIN_CAPTION_VOTES} of 3)"
                    )))
                }
                Some((true, _)) => {}
            }
        }
        let upstream = o.rest(&["caption", "foil", "foils", "image_file"]);
        Ok(foils
            .into_iter()
            .map(|(id, foil)| {
                let mut r = record(
                    Benchmark::Valse,
                    file.subset,
                    &id,
                    caption,
                    foil,
                    upstream.clone(),
                );
                r.image = Some(format!("{dataset}/{image_file}"));
                if let Some((v, _)) = valid {
                    r.extra.insert("valse_valid".into(), Value::Bool(v));
                }
                r
            })
            .collect())
    }
}

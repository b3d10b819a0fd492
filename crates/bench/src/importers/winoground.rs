//! Winoground (Thrush et al., 2022, <https://huggingface.co/datasets/facebook/winoground>).
//!
//! File `data/examples.jsonl`, one example per line: `{"id": 0, "caption_0": "...",
//! "caption_1": "...", "image_0": "ex_0_img_0", "image_1": "ex_0_img_1", "tag": "...",
//! "secondary_tag": "...", "num_main_preds": 1, "collapsed_tag": "Object"}`. One row per example
//! with `scoring: winoground`: caption = `caption_0`, image = `image_0` + `.png` (the layout of
//! Winoground's `data/images/` folder), negative = `caption_1`, negative_image = `image_1.png`.
//! The subset (`op`) is Winoground's `collapsed_tag` (`Object`, `Relation`, `Both`), kept as
//! spelled; `tag`, `secondary_tag` and `num_main_preds` stay in `extra.upstream`.

use std::path::Path;

use serde_json::Value;

use super::common::{jsonl_items, record, FileCtx, Importer, ItemIssue, Obj, ParsedFile};
use super::{Benchmark, ImportOptions};
use crate::bench::{BenchRecord, Scoring};
use crate::error::Result;

pub(super) struct Winoground;

fn png(name: &str) -> String {
    if name.ends_with(".png") {
        name.to_string()
    } else {
        format!("{name}.png")
    }
}

impl Importer for Winoground {
    fn extensions(&self) -> &'static [&'static str] {
        &["jsonl"]
    }

    fn parse(&self, path: &Path, bytes: &[u8]) -> Result<ParsedFile> {
        Ok(ParsedFile {
            // the subset is per item (`collapsed_tag`)
            subset: String::new(),
            items: jsonl_items(path, bytes)?,
        })
    }

    fn convert(
        &self,
        _file: &FileCtx<'_>,
        _key: &str,
        item: &Value,
        _opts: &ImportOptions,
    ) -> std::result::Result<Vec<BenchRecord>, ItemIssue> {
        let o = Obj::of(item)?;
        let id = o.id("id")?;
        let caption_0 = o.text("caption_0")?;
        let caption_1 = o.text("caption_1")?;
        let image_0 = o.text("image_0")?;
        let image_1 = o.text("image_1")?;
        let subset = o.text("collapsed_tag")?;
        let upstream = o.rest(&[
            "id",
            "caption_0",
            "caption_1",
            "image_0",
            "image_1",
            "collapsed_tag",
        ]);
        let mut r = record(
            Benchmark::Winoground,
            subset,
            &id,
            caption_0,
            caption_1,
            upstream,
        );
        r.scoring = Scoring::Winoground;
        r.image = Some(png(image_0));
        r.negative_image = Some(png(image_1));
        Ok(vec![r])
    }
}

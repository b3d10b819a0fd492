//! Per-pair results: one line of `pairs.jsonl` / `pairs.csv` per model and benchmark row.

use clipprobe_bench::bench::Scoring;
use serde::{Deserialize, Serialize};

/// One model's outcome on one benchmark row (a line of `pairs.jsonl` / `pairs.csv`).
///
/// Cosines are of L2-normalised embeddings. For `itm` rows with an image: `margin =
/// cos_image_caption − cos_image_negative` and `correct = margin > 0`. For Winoground rows:
/// also the negative image's cosines, and `correct` is the group outcome. Without an image
/// only `cos_caption_negative` is set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairResult {
    /// The model's display label.
    pub model: String,
    pub id: String,
    pub op: String,
    pub depth: u32,
    pub scoring: Scoring,
    pub caption: String,
    pub negative: String,
    pub image: Option<String>,
    pub negative_image: Option<String>,
    pub cos_caption_negative: f64,
    pub cos_image_caption: Option<f64>,
    pub cos_image_negative: Option<f64>,
    pub cos_negative_image_caption: Option<f64>,
    pub cos_negative_image_negative: Option<f64>,
    pub margin: Option<f64>,
    pub correct: Option<bool>,
}

/// CSV columns of `pairs.csv`, in order.
pub const PAIRS_CSV_HEADER: [&str; 16] = [
    "model",
    "id",
    "op",
    "depth",
    "scoring",
    "caption",
    "negative",
    "image",
    "negative_image",
    "cos_caption_negative",
    "cos_image_caption",
    "cos_image_negative",
    "cos_negative_image_caption",
    "cos_negative_image_negative",
    "margin",
    "correct",
];

impl PairResult {
    /// The row's CSV fields in [`PAIRS_CSV_HEADER`] order (unquoted; empty for `null`).
    pub fn csv_fields(&self) -> Vec<String> {
        let f = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
        let s = |v: &Option<String>| v.clone().unwrap_or_default();
        vec![
            self.model.clone(),
            self.id.clone(),
            self.op.clone(),
            self.depth.to_string(),
            match self.scoring {
                Scoring::Itm => "itm".into(),
                Scoring::Winoground => "winoground".into(),
            },
            self.caption.clone(),
            self.negative.clone(),
            s(&self.image),
            s(&self.negative_image),
            self.cos_caption_negative.to_string(),
            f(self.cos_image_caption),
            f(self.cos_image_negative),
            f(self.cos_negative_image_caption),
            f(self.cos_negative_image_negative),
            f(self.margin),
            self.correct.map(|b| b.to_string()).unwrap_or_default(),
        ]
    }
}

//! Counts the token positions the text tower computes for a set of texts, for the
//! prefix-sharing table of docs/performance.md (deterministic: no timing). Used by
//! `benchmarks/embed/prefix.sh`.
//!
//! usage:
//!   text_positions MODEL_DIR TEXTS.txt [IDS_OUT.json]
//! TEXTS.txt: one text per line (blank lines skipped). Prints one JSON line on stderr: texts,
//! tokens (every text whole, as tokenized), positions (computed in the passes
//! `ClipModel::text_passes` forms on the CPU in f32) and passes. IDS_OUT.json: the token ids, a
//! JSON list of lists.

use std::path::Path;

use candle_core::{DType, Device};
use clipprobe_clip::embed::{Clip, LoadOptions};
use clipprobe_clip::model::ClipModel;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, texts, rest @ ..] = args.as_slice() else {
        return Err("usage: text_positions MODEL_DIR TEXTS.txt [IDS_OUT.json]".into());
    };
    let dir = Path::new(dir);
    let clip = Clip::load(dir, &LoadOptions::default())?;
    let ids = clipprobe_io::formats::read_lines(Path::new(texts))?
        .into_iter()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(_, l)| clip.tokenize(&l))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(out) = rest.first() {
        clipprobe_io::formats::write_json(Path::new(out), &ids)?;
    }
    let model = ClipModel::load(dir, &Device::Cpu, DType::F32)?;
    let tokens: usize = ids.iter().map(Vec::len).sum();
    eprintln!(
        "{{\"texts\": {}, \"tokens\": {tokens}, \"positions\": {}, \"passes\": {}}}",
        ids.len(),
        model.text_positions(&ids, 64),
        model.text_passes(&ids, 64).len()
    );
    Ok(())
}

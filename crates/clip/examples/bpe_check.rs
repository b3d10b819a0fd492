//! Local check of the `vocab.json` + `merges.txt` tokenizer on the real 49,408-token CLIP
//! vocabulary (never committed): run `crates/clip/tests/fixtures/bpe-files/real_check.py`
//! first, then
//!   cargo run --release -p clipprobe-clip --example bpe_check -- /tmp/clipvm-check/check.json
//! Prints the agreement counts; exits non-zero if the vocab/merges path differs from
//! transformers on any text.

use std::path::PathBuf;

use clipprobe_clip::tokenizer::Tokenizer;

#[derive(serde::Deserialize)]
struct RealCheck {
    vocab_dir: PathBuf,
    tokenizer_json: PathBuf,
    max_len: usize,
    texts: Vec<String>,
    ids: Vec<Vec<u32>>,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: bpe_check CHECK.json (written by real_check.py)")?;
    let check: RealCheck = serde_json::from_str(&std::fs::read_to_string(path)?)?;
    let start = std::time::Instant::now();
    let ours = Tokenizer::from_dir(&check.vocab_dir, check.max_len)?;
    eprintln!("vocab.json + merges.txt loaded in {:.2?}", start.elapsed());
    let stored = Tokenizer::from_file(&check.tokenizer_json, check.max_len)?;
    let a = ours.encode_batch(&check.texts)?;
    let b = stored.encode_batch(&check.texts)?;
    let n = check.texts.len();
    let vs_transformers = (0..n).filter(|&i| a[i].ids == check.ids[i]).count();
    let vs_stored = (0..n).filter(|&i| a[i].ids == b[i].ids).count();
    let truncated = a.iter().filter(|e| e.truncated).count();
    let tokens: usize = a.iter().map(|e| e.ids.len()).sum();
    eprintln!(
        "{n} texts ({tokens} tokens, {truncated} truncated): vocab/merges == transformers {vs_transformers}/{n}, == tokenizer.json {vs_stored}/{n}"
    );
    for i in (0..n).filter(|&i| a[i].ids != b[i].ids) {
        eprintln!("  differs from tokenizer.json: {:?}", check.texts[i]);
    }
    if vs_transformers != n {
        return Err(format!("{} texts differ from transformers", n - vs_transformers).into());
    }
    Ok(())
}

//! Embeds captions or images with a checkpoint folder, for the parity and speed harness in
//! `benchmarks/parity/` (which compares against transformers).
//!
//! usage:
//!   parity MODEL_DIR texts CAPTIONS.txt OUT.npy [IDS_OUT.json|""] [BATCH]
//!   parity MODEL_DIR images LIST.txt OUT.npy [BATCH]
//! MODEL_DIR may be a raw open_clip checkpoint file, with PARITY_ARCH (and PARITY_ACT:
//! quick_gelu or gelu) in the environment.
//! Prints one JSON line: items, seconds (embedding only, model load excluded), per_second.

use std::path::{Path, PathBuf};
use std::time::Instant;

use clipprobe_clip::embed::{Clip, LoadOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, mode, input, out, rest @ ..] = args.as_slice() else {
        return Err("usage: parity MODEL_DIR texts|images INPUT OUT.npy [...]".into());
    };
    let act = match std::env::var("PARITY_ACT") {
        Ok(a) => Some(serde_json::from_value(serde_json::Value::String(a))?),
        Err(_) => None,
    };
    let opts = LoadOptions {
        arch: std::env::var("PARITY_ARCH").ok(),
        act,
        ..LoadOptions::default()
    };
    let clip = Clip::load(Path::new(dir), &opts)?;
    let lines: Vec<String> = clipprobe_io::formats::read_lines(Path::new(input))?
        .into_iter()
        .map(|(_, l)| l)
        .filter(|l| !l.trim().is_empty())
        .collect();
    let batch = |i: usize| rest.get(i).map_or(Ok(64), |b| b.parse::<usize>());
    let t0 = Instant::now();
    let data = match mode.as_str() {
        "texts" => {
            let e = clip.embed_texts(&lines, batch(1)?, &mut |_| {})?;
            if let Some(ids_out) = rest.first().filter(|p| !p.is_empty()) {
                let ids = lines
                    .iter()
                    .map(|l| clip.tokenize(l))
                    .collect::<Result<Vec<_>, _>>()?;
                clipprobe_io::formats::write_json(Path::new(ids_out), &ids)?;
            }
            e.data
        }
        "images" => {
            let paths: Vec<PathBuf> = lines.iter().map(PathBuf::from).collect();
            clip.embed_images(&paths, batch(0)?, &mut |_| {})?
        }
        other => return Err(format!("unknown mode {other}").into()),
    };
    let seconds = t0.elapsed().as_secs_f64();
    let dim = clip.projection_dim();
    clipprobe_io::formats::write_npy_f32(Path::new(out), data.len() / dim, dim, &data)?;
    let n = lines.len();
    eprintln!(
        "{{\"items\": {n}, \"seconds\": {seconds:.4}, \"per_second\": {:.2}}}",
        n as f64 / seconds
    );
    Ok(())
}

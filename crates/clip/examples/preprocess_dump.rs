//! Preprocesses a list of images and writes the pixel values as one `.npy` (float32,
//! `(n, 3, height, width)`), for parity checks against transformers
//! (`benchmarks/preprocess/parity.py`).
//!
//! usage: preprocess_dump MODEL_DIR LIST OUT.npy
//!   MODEL_DIR  folder with preprocessor_config.json
//!   LIST       text file, one image path per line
//! Prints the wall time of `load_batch` (best of 3) to stderr.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use clipprobe_clip::preprocess::Preprocessor;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        return Err("usage: preprocess_dump MODEL_DIR LIST OUT.npy".into());
    }
    let p = Preprocessor::from_dir(Path::new(&args[1]))?;
    let paths: Vec<PathBuf> = std::fs::read_to_string(&args[2])?
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(PathBuf::from)
        .collect();
    let mut best = f64::INFINITY;
    let mut pixels = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        pixels = p.load_batch(&paths)?;
        best = best.min(t.elapsed().as_secs_f64());
    }
    let (h, w) = p.output_size();
    eprintln!(
        "{} images in {best:.3} s ({:.1} images/s, {} rayon threads)",
        paths.len(),
        paths.len() as f64 / best,
        rayon::current_num_threads()
    );
    let header = format!(
        "{{'descr': '<f4', 'fortran_order': False, 'shape': ({}, 3, {h}, {w}), }}",
        paths.len()
    );
    let pad = 64 - (10 + header.len() + 1) % 64;
    let header = format!("{header}{}\n", " ".repeat(pad % 64));
    let mut f = std::io::BufWriter::new(std::fs::File::create(&args[3])?);
    f.write_all(b"\x93NUMPY\x01\x00")?;
    f.write_all(&(header.len() as u16).to_le_bytes())?;
    f.write_all(header.as_bytes())?;
    for v in pixels {
        f.write_all(&v.to_le_bytes())?;
    }
    f.flush()?;
    Ok(())
}

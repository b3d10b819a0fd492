//! Per-phase timing of hard-negative generation (read, model, generate, blind audit, write), wall
//! clock and process CPU time (Linux `/proc/self/stat`), so numbers stay meaningful on a
//! shared, loaded machine. Built as an example of clipprobe-probe:
//!
//! ```text
//! python3 benchmarks/negatives/make_captions.py /tmp/captions.txt 100000
//! RAYON_NUM_THREADS=2 cargo run --release -p clipprobe-negatives --example negatives_phases -- /tmp/captions.txt
//! ```
#![allow(clippy::print_stdout)]

use std::path::Path;
use std::time::Instant;

use clipprobe_negatives::audit;
use clipprobe_negatives::negatives::{self, Options};

/// Process CPU seconds (user + system) so far.
fn cpu_s() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // fields after the command name, which is in parentheses
    let rest = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<f64> = rest
        .split_whitespace()
        .filter_map(|x| x.parse().ok())
        .collect();
    // utime and stime are fields 14 and 15 of the line, 11 and 12 after the state field
    match (f.get(10), f.get(11)) {
        (Some(u), Some(s)) => (u + s) / 100.0,
        _ => f64::NAN,
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: negatives_phases CAPTIONS [OUT.jsonl]")?;
    let out = std::env::args()
        .nth(2)
        .unwrap_or_else(|| "/tmp/negatives_phases.jsonl".into());
    let phase = |name: &str, t: Instant, c: f64, n: usize| {
        let (w, cpu) = (t.elapsed().as_secs_f64(), cpu_s() - c);
        println!(
            "{name:<10} wall {w:6.2} s  cpu {cpu:6.2} s  {:>9.0} captions/cpu-s",
            n as f64 / cpu
        );
    };
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    println!("load average {}", load.join(" "));
    let (t0, c0) = (Instant::now(), cpu_s());
    let (t, c) = (Instant::now(), cpu_s());
    let set = negatives::read_input(Path::new(&path), None)?;
    let n = set.captions.len();
    phase("read", t, c, n);
    // the built-in lexicon and plausibility table, built once per process
    let (t, c) = (Instant::now(), cpu_s());
    negatives::Model::builtin();
    phase("model", t, c, n);
    let (t, c) = (Instant::now(), cpu_s());
    let (records, _, _) = negatives::generate(&set.captions, &Options::default());
    phase("generate", t, c, n);
    let corpus: Vec<&str> = set.captions.iter().map(|c| c.caption.as_str()).collect();
    let (t, c) = (Instant::now(), cpu_s());
    let (records, _) = audit::audit_and_filter(records, &corpus, None);
    phase("audit", t, c, n);
    let (t, c) = (Instant::now(), cpu_s());
    negatives::write_records(Path::new(&out), &records)?;
    phase("write", t, c, n);
    phase("total", t0, c0, n);
    println!("{n} captions, {} rows", records.len());
    std::mem::forget(records);
    Ok(())
}

//! Writes the word trigram counts of the captions in FILE (one caption a line) as the table
//! `crates/negatives/lexicon/lm.tsv` holds, with order-2 and order-3 rows seen fewer than
//! MIN times left out (default 2). Run by `scripts/negatives/make_tables.sh`.
//!
//! Usage: cargo run --release -p clipprobe-negatives --example negatives_lm -- FILE [MIN] > lm.tsv
#![allow(clippy::print_stdout)]

use clipprobe_negatives::negatives::LmCounts;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(path) = args.get(1) else {
        eprintln!("usage: negatives_lm FILE [MIN] > lm.tsv");
        std::process::exit(2);
    };
    let min = match args.get(2).map(|s| s.parse::<u64>()) {
        None => 2,
        Some(Ok(n)) if n >= 1 => n,
        Some(_) => {
            eprintln!("negatives_lm: MIN must be a whole number >= 1");
            std::process::exit(2);
        }
    };
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(2);
        }
    };
    let counts = LmCounts::learn(text.lines().map(str::trim).filter(|l| !l.is_empty()));
    print!("{}", counts.to_tsv(min));
}

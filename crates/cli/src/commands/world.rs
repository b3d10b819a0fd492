//! `clipprobe world`: a synthetic benchmark with image-side negatives (logic in
//! `clipprobe_world`; this file parses flags and prints the summary).

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Context;
use clipprobe_probe::bench::Op;
use clipprobe_world::{scene::MAX_OBJECTS, WorldConfig};

use crate::commands::negatives::parse_op;
use crate::printer::Printer;

/// The allowed object counts per scene.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Objects(pub Vec<usize>);

/// `1-4`, `2,3` or `3`: the allowed object counts.
fn parse_objects(s: &str) -> Result<Objects, String> {
    let bad = || {
        format!("{s:?} is not a count or range of objects like 1-4 or 2,3 (each 1..={MAX_OBJECTS})")
    };
    let mut out = Vec::new();
    for part in s.split(',') {
        let (lo, hi) = match part.split_once('-') {
            Some((a, b)) => (a.trim(), b.trim()),
            None => (part.trim(), part.trim()),
        };
        let (lo, hi): (usize, usize) = (
            lo.parse().map_err(|_| bad())?,
            hi.parse().map_err(|_| bad())?,
        );
        if lo == 0 || hi > MAX_OBJECTS || lo > hi {
            return Err(bad());
        }
        out.extend(lo..=hi);
    }
    out.sort_unstable();
    out.dedup();
    Ok(Objects(out))
}

/// Arguments of `clipprobe world`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output folder: bench.jsonl (Winoground-style rows) and world/*.png (replaced).
    #[arg(long)]
    pub out: PathBuf,
    /// Number of scenes (each gives up to one row per operator).
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub n: u64,
    /// Seed; the same flags give byte-identical rows and images.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Operators, comma-separated (default: all seven); the first edit of each row.
    #[arg(long, value_delimiter = ',', value_parser = parse_op, value_name = "OP,...")]
    pub ops: Vec<Op>,
    /// Edits per negative, exactly (each changes a different concept).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=clipprobe_world::MAX_DEPTH as i64))]
    pub depth: u32,
    /// Objects per scene: a count, a range or a list (`1-4`, `2,3`).
    #[arg(long, default_value = "1-4", value_parser = parse_objects)]
    pub objects: Objects,
}

pub fn run(args: Args, printer: &Printer) -> anyhow::Result<()> {
    let cfg = WorldConfig {
        n: args.n as usize,
        seed: args.seed,
        ops: if args.ops.is_empty() {
            Op::ALL.to_vec()
        } else {
            args.ops.clone()
        },
        depth: args.depth,
        objects: args.objects.0.clone(),
    };
    let (path, rows) = clipprobe_world::write_benchmark(&cfg, &args.out)
        .with_context(|| format!("writing the world into {}", args.out.display()))?;
    let mut per_op: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &rows {
        *per_op.entry(r.op.as_str()).or_default() += 1;
    }
    for (op, k) in &per_op {
        printer.info(format_args!("  {op:<12} {k:>6} rows"));
    }
    printer.info(format_args!(
        "wrote {} rows from {} scenes to {} (images in {})",
        rows.len(),
        cfg.n,
        path.display(),
        args.out.join(clipprobe_world::IMAGES_DIR).display()
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_flag_parses_counts_ranges_and_lists() {
        assert_eq!(parse_objects("1-4"), Ok(Objects(vec![1, 2, 3, 4])));
        assert_eq!(parse_objects("3,2,2"), Ok(Objects(vec![2, 3])));
        assert_eq!(parse_objects("4"), Ok(Objects(vec![4])));
        for bad in ["0", "5", "3-1", "x", "1-", ""] {
            assert!(parse_objects(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn flags_parse() {
        let a: Args = crate::commands::parse_args(
            "world",
            &[
                "--out",
                "w",
                "--n",
                "3",
                "--ops",
                "swap_att,add_obj",
                "--depth",
                "2",
                "--objects",
                "2-3",
            ],
        )
        .expect("parse");
        assert_eq!((a.n, a.depth, a.objects.0.clone()), (3, 2, vec![2, 3]));
        assert_eq!(a.ops, vec![Op::SwapAtt, Op::AddObj]);
        assert!(
            crate::commands::parse_args::<Args>("world", &["--out", "w", "--depth", "9"]).is_err()
        );
    }
}

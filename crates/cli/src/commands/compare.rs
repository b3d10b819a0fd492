//! `clipprobe compare`: merge earlier report folders into one side-by-side report.
//!
//! Reads `report.json` from each folder (or a `report.json` path given directly), merges the
//! results in the given order with `clipprobe_probe::report::merge_reports` (the first
//! model is the baseline of the comparison tables), and writes the report files to `--out`
//! (with `pairs.jsonl` / `pairs.csv` when every input folder has a `pairs.jsonl`).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clipprobe_probe::evaluate::PairResult;
use clipprobe_probe::formats;
use clipprobe_probe::report::{self, Report};

use crate::printer::Printer;

/// Arguments of `clipprobe compare`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Report folders (each holding a report.json written by `clipprobe eval`), or
    /// report.json files. The first model is the baseline the differences are taken against.
    #[arg(required = true, num_args = 2.., value_name = "DIR")]
    pub reports: Vec<PathBuf>,
    /// Output folder for the merged report.json, report.md and report.html (created if
    /// missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Merge reports even when they were computed over different benchmark files (different
    /// SHA-256). Their numbers are then over different pairs; the merged report says so.
    #[arg(long)]
    pub allow_different_benchmarks: bool,
}

/// `report.json` inside `p` when `p` is a folder, else `p` itself.
fn report_path(p: &Path) -> PathBuf {
    if p.is_dir() {
        p.join("report.json")
    } else {
        p.to_path_buf()
    }
}

pub fn run(args: Args, printer: &Printer) -> Result<()> {
    let reports: Vec<Report> = args
        .reports
        .iter()
        .map(|p| {
            let path = report_path(p);
            report::read_report(&path).with_context(|| format!("reading {}", path.display()))
        })
        .collect::<Result<_>>()?;
    let merged = report::merge_reports(&reports, args.allow_different_benchmarks).map_err(|e| {
        let hint = match e {
            report::Error::DifferentBenchmarks { .. } => {
                " (pass --allow-different-benchmarks to merge them anyway)"
            }
            _ => "",
        };
        anyhow::Error::new(e).context(format!("merging the reports{hint}"))
    })?;
    if merged.mixes_benchmarks() {
        printer.warn("the merged results come from different benchmark files (see each model's benchmark_sha256)");
    }
    // per-pair results travel along when every input folder has them
    let mut pairs: Option<Vec<PairResult>> = Some(Vec::new());
    for p in &args.reports {
        let file = report_path(p).with_file_name("pairs.jsonl");
        match (&mut pairs, file.is_file()) {
            (Some(all), true) => all.extend(
                formats::read_jsonl::<PairResult>(&file)
                    .with_context(|| format!("reading {}", file.display()))?
                    .into_iter()
                    .map(|(_, r)| r),
            ),
            (Some(_), false) => {
                printer.warn(format_args!(
                    "{} is missing: the merged folder gets no pairs.jsonl / pairs.csv",
                    file.display()
                ));
                pairs = None;
            }
            (None, _) => {}
        }
    }
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    report::write_report(&args.out, &merged, pairs.as_deref())
        .with_context(|| format!("writing the merged report to {}", args.out.display()))?;
    printer.info(format_args!(
        "merged {} results from {} reports into {}",
        merged.results.len(),
        reports.len(),
        args.out.display()
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(argv: &[&str]) -> Result<Args, clap::Error> {
        crate::commands::parse_args("compare", argv)
    }

    #[test]
    fn parses_folders_out_and_flag() {
        let a = parse(&["r1", "r2/report.json", "--out", "merged"]).expect("parse");
        assert_eq!(
            a.reports,
            [PathBuf::from("r1"), PathBuf::from("r2/report.json")]
        );
        assert_eq!(a.out, PathBuf::from("merged"));
        assert!(!a.allow_different_benchmarks);
        let a =
            parse(&["a", "b", "c", "--out", "m", "--allow-different-benchmarks"]).expect("parse");
        assert_eq!(a.reports.len(), 3);
        assert!(a.allow_different_benchmarks);
    }

    #[test]
    fn needs_two_reports_and_an_out_folder() {
        assert!(parse(&["only-one", "--out", "m"]).is_err());
        assert!(parse(&["a", "b"]).is_err());
    }
}

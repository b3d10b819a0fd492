//! `clipprobe negatives`: hard negatives from a caption set (logic in
//! `clipprobe_probe::negatives`; this file parses flags, writes files and prints the summary).

use std::path::{Path, PathBuf};

use anyhow::Context;
use clipprobe_probe::bench::Op;
use clipprobe_probe::negatives::{self, InputFormat, Options, Summary};
use clipprobe_probe::{formats, lexicon};

use crate::printer::Printer;

/// Input format of `--captions`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One caption per line.
    Text,
    /// JSON Lines with `caption`, optional `image` and `id`; other fields are kept.
    Jsonl,
    /// COCO captions JSON (`annotations`, `images`).
    Coco,
    /// SugarCrepe JSON (`{id: {filename, caption, negative_caption}}`; positives are used).
    Sugarcrepe,
}

impl From<Format> for InputFormat {
    fn from(f: Format) -> Self {
        match f {
            Format::Text => InputFormat::Text,
            Format::Jsonl => InputFormat::Jsonl,
            Format::Coco => InputFormat::Coco,
            Format::Sugarcrepe => InputFormat::Sugarcrepe,
        }
    }
}

pub(crate) fn parse_op(s: &str) -> Result<Op, String> {
    Op::from_name(s).ok_or_else(|| {
        let names: Vec<_> = Op::ALL.iter().map(|o| o.name()).collect();
        format!(
            "unknown operator {s:?} (expected one of {})",
            names.join(", ")
        )
    })
}

fn parse_ratio(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(format!("{s:?} is not a number in [0, 1]")),
    }
}

/// Arguments of `clipprobe negatives`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Caption file: text (one per line), JSON Lines, COCO captions or SugarCrepe JSON.
    #[arg(long, value_name = "FILE")]
    pub captions: PathBuf,
    /// Output benchmark (JSON Lines); the summary goes to `<FILE stem>.summary.json` beside it.
    #[arg(long, value_name = "FILE.jsonl")]
    pub out: PathBuf,
    /// Input format (default: from the extension, then the content).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Operators to apply, comma-separated (default: all seven).
    #[arg(long, value_delimiter = ',', value_parser = parse_op, value_name = "OP,...")]
    pub ops: Vec<Op>,
    /// Negatives per caption and operator (fewer when fewer candidates exist).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub per_caption: u32,
    /// Seed of the candidate choice; same input and seed give byte-identical output.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Operators applied in sequence per negative (the row's `op` is the first; `ops` lists all).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=8))]
    pub depth: u32,
    /// Drop the negatives three blind text-only detectors (a bigram language model, a
    /// cross-fitted trigram language model and, for REPLACE and SWAP, a cross-fitted n-gram pair
    /// classifier) spot most easily until all are at most 50% accurate per operator, or the
    /// --min-keep floor is reached (SugarCrepe-style adversarial refinement; see
    /// docs/negatives.md).
    #[arg(long, visible_alias = "debias")]
    pub adversarial_filter: bool,
    /// With --adversarial-filter: keep at least this fraction of each operator's rows.
    #[arg(long, default_value_t = 0.5, value_parser = parse_ratio, requires = "adversarial_filter")]
    pub min_keep: f64,
    /// A directory of lexicon files (objects.tsv, attributes.tsv, compat.tsv, relations.tsv,
    /// function_words.tsv; same columns as the built-in ones) that extend and override the
    /// built-in lexicon.
    #[arg(long, value_name = "DIR")]
    pub lexicon: Option<PathBuf>,
    /// Captions (any --captions format) to learn plausibility counts from, added to the
    /// built-in table (attribute-noun, noun-noun, subject-relation, relation-object).
    #[arg(long, value_name = "FILE")]
    pub corpus: Option<PathBuf>,
    /// Use only the --corpus counts, not the built-in table.
    #[arg(long, requires = "corpus")]
    pub no_builtin_table: bool,
    /// Also write the plausibility table in use (built-in and --corpus counts) to FILE.
    #[arg(long, value_name = "FILE")]
    pub save_table: Option<PathBuf>,
}

/// `<out without .jsonl>.summary.json`.
pub fn summary_path(out: &Path) -> PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = name.strip_suffix(".jsonl").unwrap_or(&name);
    out.with_file_name(format!("{stem}.summary.json"))
}

pub fn run(args: Args, printer: &Printer) -> anyhow::Result<()> {
    no_huge_pages();
    let opts = Options {
        ops: if args.ops.is_empty() {
            Op::ALL.to_vec()
        } else {
            args.ops.clone()
        },
        per_caption: args.per_caption as usize,
        seed: args.seed,
        depth: args.depth,
        adversarial_filter: args.adversarial_filter.then_some(args.min_keep),
    };
    // the built-in model (≈ 0.05 s on two threads) is built on the thread pool while the
    // captions are read
    if args.lexicon.is_none() && args.corpus.is_none() {
        rayon::spawn(|| {
            negatives::Model::builtin();
        });
    }
    let input = negatives::read_input(&args.captions, args.format.map(Into::into))
        .with_context(|| format!("reading captions from {}", args.captions.display()))?;
    let user = match &args.lexicon {
        Some(dir) => Some(
            lexicon::UserFiles::read(dir)
                .with_context(|| format!("reading the lexicon in {}", dir.display()))?,
        ),
        None => None,
    };
    let corpus = match &args.corpus {
        Some(f) => negatives::read_input(f, None)
            .with_context(|| format!("reading the corpus {}", f.display()))?
            .captions
            .into_iter()
            .map(|c| c.caption)
            .collect(),
        None => Vec::new(),
    };
    // the built-in model is used in place, not copied
    let custom;
    let model = if user.is_none() && corpus.is_empty() {
        negatives::Model::builtin()
    } else {
        let texts: Vec<&str> = corpus.iter().map(String::as_str).collect();
        custom = negatives::Model::new(user.as_ref(), !args.no_builtin_table, &texts)?;
        &custom
    };
    if let Some(path) = &args.save_table {
        let text = model.plaus.to_tsv(&model.lex);
        formats::write_atomic(path, |w| w.write_all(text.as_bytes()))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    let summary_file = summary_path(&args.out);
    for out in [&args.out, &summary_file] {
        formats::check_output(out)?;
    }
    opts.check()?;
    // the negatives and their summary are replaced together, or neither; the rows are
    // serialised as they are generated (no record outlives its chunk)
    let mut set = formats::OutputSet::new();
    let summary = negatives::run_staged(&input, &opts, model, &mut set, &args.out)
        .map_err(anyhow::Error::from)
        .and_then(|summary| {
            formats::stage_json(&mut set, &summary_file, &summary)?;
            set.commit()?;
            Ok(summary)
        })
        .with_context(|| {
            format!(
                "writing {} and {}",
                args.out.display(),
                summary_file.display()
            )
        })?;
    print_summary(printer, &summary);
    printer.info(format!(
        "wrote {} negatives to {} (summary: {})",
        summary.rows,
        args.out.display(),
        summary_file.display()
    ));
    // The process ends after this command: the input's strings are left to the OS.
    std::mem::forget(input);
    Ok(())
}

/// Stops the kernel from backing this process's memory with transparent huge pages from here
/// on. mimalloc asks for them for its arenas; `negatives` touches its memory once in small
/// pieces, so the kernel zeroing 2 MB pages cost ≈ 5% of the CPU time and 40–60 MB of peak
/// memory for nothing (docs/performance.md, "Speed pass 7"). Only this command: `embed`'s
/// large tensors are left as they were. A kernel without the setting is left as it is.
fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes no pointer; it only sets a flag of this process
    #[allow(unsafe_code)]
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

fn print_summary(printer: &Printer, s: &Summary) {
    let i = &s.input;
    printer.info(format!(
        "{} captions ({} format), {} blank lines skipped, {} with no recognised object",
        i.captions,
        i.format.name(),
        i.blank_lines,
        i.unparsed
    ));
    if !i.unknown_words.is_empty() {
        let words: Vec<String> = i
            .unknown_words
            .iter()
            .take(12)
            .map(|(w, n)| format!("{w} ({n})"))
            .collect();
        printer.info(format!(
            "most frequent unknown words: {} (add them with --lexicon DIR)",
            words.join(", ")
        ));
    }
    let b = &s.blind_baseline;
    for op in Op::ALL {
        let Some(st) = s.ops.get(op.name()) else {
            continue;
        };
        let mut line = format!(
            "{:<12} applied to {:>6}/{}  rows {:>6}",
            op.name(),
            st.captions_applied,
            i.captions,
            st.rows
        );
        if let Some(a) = b.before.get(op.name()) {
            line.push_str(&format!("  blind acc {}", pct(a.blind_accuracy)));
        }
        if let Some(a) = b.after.as_ref().and_then(|m| m.get(op.name())) {
            line.push_str(&format!(" -> {} ({} kept)", pct(a.blind_accuracy), a.pairs));
        }
        printer.info(line);
        for (reason, n) in &st.skipped {
            printer.info(format!("{:<14}skipped {n}: {reason}", ""));
        }
    }
    let mut line = format!(
        "overall blind accuracy {}",
        pct(b.overall_before.blind_accuracy)
    );
    if let Some(a) = &b.overall_after {
        line.push_str(&format!(
            " -> {} after the adversarial filter",
            pct(a.blind_accuracy)
        ));
    }
    printer.info(format!("{line} (50% = not detectable without the image)"));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(extra: &[&str]) -> Result<Args, clap::Error> {
        let mut v = vec!["--captions", "c.txt", "--out", "o.jsonl"];
        v.extend_from_slice(extra);
        crate::commands::parse_args("negatives", &v)
    }

    #[test]
    fn defaults() {
        let a = parse(&[]).expect("parse");
        assert_eq!((a.per_caption, a.seed, a.depth), (1, 0, 1));
        assert!(a.ops.is_empty() && a.format.is_none() && !a.adversarial_filter);
    }

    #[test]
    fn every_flag_parses() {
        let a = parse(&[
            "--format",
            "coco",
            "--ops",
            "replace_obj,swap_att",
            "--per-caption",
            "3",
            "--seed",
            "9",
            "--depth",
            "2",
            "--debias",
            "--min-keep",
            "0.3",
            "--lexicon",
            "lex",
            "--corpus",
            "c.jsonl",
            "--no-builtin-table",
            "--save-table",
            "t.tsv",
        ])
        .expect("parse");
        assert_eq!(a.format, Some(Format::Coco));
        assert_eq!(a.ops, vec![Op::ReplaceObj, Op::SwapAtt]);
        assert_eq!((a.per_caption, a.seed, a.depth), (3, 9, 2));
        assert!(a.adversarial_filter);
        assert_eq!(a.min_keep, 0.3);
        assert_eq!(a.lexicon.as_deref(), Some(Path::new("lex")));
        assert_eq!(a.corpus.as_deref(), Some(Path::new("c.jsonl")));
        assert!(a.no_builtin_table);
        assert_eq!(a.save_table.as_deref(), Some(Path::new("t.tsv")));
    }

    #[test]
    fn bad_flags_are_rejected() {
        assert!(parse(&["--ops", "swap_rel"]).is_err());
        assert!(parse(&["--per-caption", "0"]).is_err());
        assert!(parse(&["--depth", "0"]).is_err());
        assert!(
            parse(&["--min-keep", "0.5"]).is_err(),
            "needs --adversarial-filter"
        );
        assert!(parse(&["--adversarial-filter", "--min-keep", "2"]).is_err());
        assert!(parse(&["--format", "csv"]).is_err());
        assert!(parse(&["--no-builtin-table"]).is_err(), "needs --corpus");
    }

    #[test]
    fn summary_sits_beside_the_output() {
        assert_eq!(
            summary_path(Path::new("d/neg.jsonl")),
            Path::new("d/neg.summary.json")
        );
        assert_eq!(
            summary_path(Path::new("neg.out")),
            Path::new("neg.out.summary.json")
        );
    }
}

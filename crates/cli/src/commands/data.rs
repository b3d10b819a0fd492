//! `clipprobe data`: public benchmark manifests (list, show), downloads, and imports into the
//! clipprobe benchmark format.
//!
//! The manifests are embedded in the binary (`clipprobe_probe::manifests`); the importers live
//! in `clipprobe_probe::importers`. Results (listings, manifests) go to stdout; progress,
//! summaries and warnings go to stderr through the [`Printer`].

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context};
use clap::Subcommand;
use clipprobe_probe::download::{self, FileOutcome};
use clipprobe_probe::importers::{self, Benchmark, ImportOptions, ImportOutcome};
use clipprobe_probe::manifests::{self, Manifest};

use crate::printer::Printer;

/// Arguments of `clipprobe data`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: DataCommand,
}

#[derive(Debug, Subcommand)]
enum DataCommand {
    /// List the public benchmarks clipprobe can import.
    List,
    /// Show a benchmark's manifest: source, paper, licence, files, image layout, import command.
    Show(ShowArgs),
    /// Download a benchmark's public annotation files (SHA-256 checked where the manifest has
    /// one). Images are not downloaded: see `data show NAME` for where they come from.
    Download(DownloadArgs),
    /// Import a benchmark's own files into clipprobe's benchmark JSON Lines (for `eval`), with a
    /// summary on stderr and in `<out>.summary.json`.
    Import(ImportArgs),
}

#[derive(Debug, clap::Args)]
struct ShowArgs {
    /// Benchmark name (see `clipprobe data list`).
    name: String,
    /// Print the manifest as JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
struct DownloadArgs {
    /// Benchmark name (see `clipprobe data list`).
    name: String,
    /// Folder to download into (created if missing); files keep the manifest's relative paths.
    #[arg(long, value_name = "DIR")]
    to: PathBuf,
    /// Download again even if a file is already there.
    #[arg(long)]
    force: bool,
    /// Connect and read timeout, in seconds.
    #[arg(long, default_value_t = 30, value_name = "SECS")]
    timeout: u64,
}

#[derive(Debug, clap::Args)]
struct ImportArgs {
    /// Benchmark name (see `clipprobe data list`).
    name: String,
    /// The benchmark's annotation files, or folders to search for them.
    #[arg(long, required = true, num_args = 1.., value_name = "PATH")]
    files: Vec<PathBuf>,
    /// Folder the benchmark's image paths are relative to (see `data show NAME`); rows then
    /// carry absolute image paths. Without it they keep the benchmark's relative paths and
    /// `eval --images-root` must point at that folder.
    #[arg(long, value_name = "DIR")]
    images_root: Option<PathBuf>,
    /// Output benchmark file (JSON Lines); the summary goes to `<out>.summary.json`.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Record malformed items (missing fields, wrong types) as skips instead of failing.
    #[arg(long)]
    skip_bad: bool,
    /// Leave out, and record, rows whose image is missing under --images-root.
    #[arg(long, requires = "images_root")]
    check_images: bool,
    /// VALSE: keep only foils validated by annotators (mturk.caption >= 2).
    #[arg(long)]
    validated_only: bool,
}

pub fn run(args: Args, printer: &Printer) -> anyhow::Result<()> {
    match args.command {
        DataCommand::List => list(),
        DataCommand::Show(a) => show(a),
        DataCommand::Download(a) => download(a, printer),
        DataCommand::Import(a) => import(a, printer),
    }
}

/// Writes to stdout (the command's result), with write errors (a broken pipe) as errors.
fn out(text: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    Ok(())
}

fn list() -> anyhow::Result<()> {
    let all = manifests::all().context("loading the embedded data manifests")?;
    let width = all.iter().map(|m| m.name.len()).max().unwrap_or(0);
    let mut text = String::new();
    for m in &all {
        let scoring = serde_json::to_value(m.import.scoring)?;
        text.push_str(&format!(
            "{:width$}  {}  ({}, {} files)\n",
            m.name,
            m.title,
            scoring.as_str().unwrap_or("?"),
            m.files.len()
        ));
    }
    out(&text)
}

fn show(a: ShowArgs) -> anyhow::Result<()> {
    let m = manifests::by_name(&a.name)?;
    if a.json {
        return out(&format!("{}\n", serde_json::to_string_pretty(&m)?));
    }
    out(&render(&m))
}

/// The manifest as readable text.
fn render(m: &Manifest) -> String {
    let mut s = format!(
        "{} ({})\n\n{}\n\nhomepage: {}\npaper:    {}\nlicence:  {}\n\nfiles:\n",
        m.title, m.name, m.description, m.homepage, m.paper, m.licence
    );
    for f in &m.files {
        s.push_str(&format!(
            "  {}\n    url:    {}\n    sha256: {}\n",
            f.path,
            f.url.as_deref().unwrap_or("(none public: see note)"),
            f.sha256.as_deref().unwrap_or("(unknown)")
        ));
        if let Some(n) = &f.note {
            s.push_str(&format!("    note:   {n}\n"));
        }
    }
    s.push_str("\nimages:\n");
    for i in &m.images {
        s.push_str(&format!(
            "  {}\n    url:    {}\n    layout: {}\n",
            i.source,
            i.url.as_deref().unwrap_or("(see the source)"),
            i.layout
        ));
    }
    s.push_str(&format!(
        "\nimport:\n  {}\n  subsets: {}\n",
        m.import.command,
        m.import.subsets.join(", ")
    ));
    if !m.notes.is_empty() {
        s.push_str("\nnotes:\n");
        for n in &m.notes {
            s.push_str(&format!("  - {n}\n"));
        }
    }
    s
}

fn download(a: DownloadArgs, printer: &Printer) -> anyhow::Result<()> {
    let m = manifests::by_name(&a.name)?;
    std::fs::create_dir_all(&a.to).with_context(|| format!("creating {}", a.to.display()))?;
    let agent = download::agent(Duration::from_secs(a.timeout));
    let outcomes = download::download_manifest(&m, &a.to, a.force, &agent, |_, url| {
        printer.info(format!("downloading {url}"))
    });
    let (mut fetched, mut present, mut manual, mut failed) = (0, 0, Vec::new(), Vec::new());
    for (f, dest, outcome) in outcomes {
        match outcome {
            FileOutcome::Downloaded { sha256, verified } => {
                if !verified {
                    printer.info(format!(
                        "  {}: sha256 {sha256} (not in the manifest, not verified)",
                        f.path
                    ));
                }
                fetched += 1;
            }
            FileOutcome::Present { verified } => {
                if !verified {
                    printer.info(format!(
                        "{}: already there (no checksum to verify)",
                        dest.display()
                    ));
                }
                present += 1;
            }
            FileOutcome::Manual { note } => manual.push(format!("{}: {note}", f.path)),
            FileOutcome::Failed(e) => failed.push(e.to_string()),
        }
    }
    printer.info(format!(
        "{}: {fetched} downloaded, {present} already present, {} to fetch by hand, {} failed",
        m.name,
        manual.len(),
        failed.len()
    ));
    for x in &manual {
        printer.warn(format!("fetch by hand: {x}"));
    }
    if !failed.is_empty() {
        bail!(
            "{} download(s) failed (use --force to replace a file whose checksum differs):\n  {}",
            failed.len(),
            failed.join("\n  ")
        );
    }
    Ok(())
}

fn import(a: ImportArgs, printer: &Printer) -> anyhow::Result<()> {
    let benchmark = Benchmark::from_name(&a.name)?;
    let images_root = match &a.images_root {
        Some(p) => {
            if !p.is_dir() {
                bail!("--images-root {} is not a folder", p.display());
            }
            Some(std::path::absolute(p).with_context(|| format!("resolving {}", p.display()))?)
        }
        None => None,
    };
    let opts = ImportOptions {
        images_root,
        check_images: a.check_images,
        skip_bad: a.skip_bad,
        validated_only: a.validated_only,
    };
    let outcome = importers::import(benchmark, &a.files, &opts).map_err(|e| {
        let hint = match e {
            clipprobe_bench::Error::BadItem { .. } => {
                " (use --skip-bad to record bad items as skips)"
            }
            _ => "",
        };
        anyhow::Error::new(e).context(format!("importing {benchmark}{hint}"))
    })?;
    let summary_path = importers::write_outcome(&a.out, &outcome, &opts)
        .with_context(|| format!("writing {}", a.out.display()))?;
    report(&outcome, &a.out, &summary_path, printer);
    Ok(())
}

/// How many skip reasons are printed on stderr (all are in the summary file).
const SHOWN_SKIPS: usize = 10;

fn report(o: &ImportOutcome, out: &Path, summary: &Path, printer: &Printer) {
    printer.info(format!(
        "{}: {} rows from {} file(s) -> {}",
        o.benchmark,
        o.rows.len(),
        o.files.len(),
        out.display()
    ));
    for (subset, n) in o.rows_per_subset() {
        printer.info(format!("  {subset:<32} {n:>7}"));
    }
    if !o.skipped.is_empty() {
        let kinds: Vec<String> = o
            .skipped_per_kind()
            .into_iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect();
        printer.warn(format!(
            "{} skipped ({})",
            o.skipped.len(),
            kinds.join(", ")
        ));
        for s in o.skipped.iter().take(SHOWN_SKIPS) {
            printer.info(format!("  {} {}: {}", s.file.display(), s.item, s.reason));
        }
        if o.skipped.len() > SHOWN_SKIPS {
            printer.info(format!("  ... {} more", o.skipped.len() - SHOWN_SKIPS));
        }
    }
    printer.info(format!("summary: {}", summary.display()));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(argv: &[&str]) -> Result<Args, clap::Error> {
        crate::commands::parse_args("data", argv)
    }

    #[test]
    fn flags_parse() {
        let a = parse(&[
            "import",
            "valse",
            "--files",
            "a.json",
            "b",
            "--images-root",
            "imgs",
            "--out",
            "o.jsonl",
            "--skip-bad",
            "--check-images",
            "--validated-only",
        ])
        .expect("parse");
        let DataCommand::Import(i) = a.command else {
            panic!("not import")
        };
        assert_eq!(i.files, [PathBuf::from("a.json"), PathBuf::from("b")]);
        assert!(i.skip_bad && i.check_images && i.validated_only);
        assert_eq!(i.images_root, Some(PathBuf::from("imgs")));
        // --check-images needs --images-root; --files and --out are required
        assert!(parse(&[
            "import",
            "valse",
            "--files",
            "a",
            "--out",
            "o",
            "--check-images"
        ])
        .is_err());
        assert!(parse(&["import", "valse", "--out", "o"]).is_err());
        assert!(parse(&["import", "valse", "--files", "a"]).is_err());
        let a = parse(&[
            "download",
            "sugarcrepe",
            "--to",
            "d",
            "--force",
            "--timeout",
            "5",
        ])
        .expect("download");
        let DataCommand::Download(d) = a.command else {
            panic!("not download")
        };
        assert!(d.force && d.timeout == 5 && d.to == Path::new("d"));
        assert!(parse(&["download", "sugarcrepe"]).is_err());
        let a = parse(&["show", "aro", "--json"]).expect("show");
        assert!(matches!(
            a.command,
            DataCommand::Show(ShowArgs { json: true, .. })
        ));
        assert!(matches!(
            parse(&["list"]).expect("list").command,
            DataCommand::List
        ));
    }

    #[test]
    fn every_manifest_renders() {
        for m in manifests::all().expect("manifests") {
            let text = render(&m);
            assert!(text.contains(&m.import.command) && text.contains(&m.licence));
        }
    }

    /// The library's error names the file and item; the hint names the flag.
    #[test]
    fn a_bad_item_gets_the_skip_bad_hint() {
        let dir = tempfile::tempdir().expect("tmp");
        let file = dir.path().join("replace_obj.json");
        std::fs::write(&file, r#"{"1": {"filename": "a.jpg", "caption": "a cat"}}"#)
            .expect("write");
        let args = ImportArgs {
            name: "sugarcrepe".into(),
            files: vec![file],
            images_root: None,
            out: dir.path().join("out.jsonl"),
            skip_bad: false,
            check_images: false,
            validated_only: false,
        };
        let e = import(args, &Printer::new(true)).expect_err("bad item");
        assert!(e.to_string().contains("--skip-bad"), "{e:#}");
        let cause = format!("{:#}", e);
        assert!(
            cause.contains("replace_obj.json") && cause.contains("negative_caption"),
            "{cause}"
        );
    }

    #[test]
    fn import_writes_rows_and_summary() {
        let dir = tempfile::tempdir().expect("tmp");
        let fixtures =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../bench/tests/data/benchmarks/valse");
        let out = dir.path().join("valse.jsonl");
        let args = ImportArgs {
            name: "valse".into(),
            files: vec![fixtures],
            images_root: None,
            out: out.clone(),
            skip_bad: false,
            check_images: false,
            validated_only: true,
        };
        import(args, &Printer::new(true)).expect("import");
        let rows = clipprobe_probe::bench::read_bench(&out).expect("bench");
        assert_eq!(rows.len(), 3);
        let summary: serde_json::Value = serde_json::from_slice(
            &std::fs::read(dir.path().join("valse.jsonl.summary.json")).expect("summary"),
        )
        .expect("json");
        assert_eq!(summary["skipped_per_kind"]["not_validated"], 1);
        assert_eq!(summary["validated_only"], true);
        // an unknown benchmark and a missing images root are errors
        let bad = ImportArgs {
            name: "nope".into(),
            files: vec![PathBuf::from("x")],
            images_root: None,
            out: out.clone(),
            skip_bad: false,
            check_images: false,
            validated_only: false,
        };
        assert!(import(bad, &Printer::new(true)).is_err());
        let bad = ImportArgs {
            name: "valse".into(),
            files: vec![PathBuf::from("x")],
            images_root: Some(dir.path().join("missing")),
            out,
            skip_bad: false,
            check_images: true,
            validated_only: false,
        };
        let e = import(bad, &Printer::new(true))
            .expect_err("no root")
            .to_string();
        assert!(e.contains("is not a folder"), "{e}");
    }
}

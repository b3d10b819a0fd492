//! `clipprobe`: probe pretrained CLIP checkpoints for compositional blindness.
//!
//! Flag parsing and orchestration only; the work lives in `clipprobe-clip` (embeddings) and
//! `clipprobe-probe` (negatives, metrics, reports). One file per subcommand in `commands/`.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod commands;
mod embedder;
mod printer;

use printer::Printer;

/// mimalloc instead of the system allocator: `negatives` makes millions of small short-lived
/// strings and vectors, where glibc's malloc/free took ≈ 13% of the CPU time
/// (docs/performance.md, "Negative generation", speed pass 3).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Probe pretrained CLIP checkpoints for compositional blindness: SWAP / REPLACE / ADD hard
/// negatives, text-side insensitivity, image-text accuracy and the modality gap.
#[derive(Debug, Parser)]
#[command(name = "clipprobe", version, propagate_version = true)]
pub struct Cli {
    /// No progress bars or summaries on stderr (errors are still printed).
    #[arg(long, short, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Embed captions or images with a CLIP checkpoint into a float32 .npy file.
    Embed(commands::embed::Args),
    /// Generate hard negatives (SWAP / REPLACE / ADD) from a caption set.
    Negatives(commands::negatives::Args),
    /// Evaluate one or more checkpoints on a benchmark and write report.{json,md,html}.
    Eval(commands::eval::Args),
    /// Measure the modality gap on matched image-caption pairs.
    Gap(commands::gap::Args),
    /// Show how much each token moves a caption's text embedding.
    Tokens(commands::tokens::Args),
    /// Merge earlier report folders into one side-by-side comparison.
    Compare(commands::compare::Args),
    /// Public benchmark manifests: list, show, download, import.
    Data(commands::data::Args),
    /// Render a synthetic world: scenes, captions and image-side hard negatives (bench.jsonl).
    World(commands::world::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let printer = Printer::new(cli.quiet);
    let result = match cli.command {
        Command::Embed(a) => commands::embed::run(a, &printer),
        Command::Negatives(a) => commands::negatives::run(a, &printer),
        Command::Eval(a) => commands::eval::run(a, &printer),
        Command::Gap(a) => commands::gap::run(a, &printer),
        Command::Tokens(a) => commands::tokens::run(a, &printer),
        Command::Compare(a) => commands::compare::run(a, &printer),
        Command::Data(a) => commands::data::run(a, &printer),
        Command::World(a) => commands::world::run(a, &printer),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            printer.error(&e);
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}

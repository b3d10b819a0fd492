//! `clipprobe negatives` (TODO: being written).

use crate::printer::Printer;

/// Arguments of `clipprobe negatives`.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args, _printer: &Printer) -> anyhow::Result<()> {
    anyhow::bail!("`clipprobe negatives` is not implemented yet")
}

//! `clipprobe embed` (TODO: being written).

use crate::printer::Printer;

/// Arguments of `clipprobe embed`.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args, _printer: &Printer) -> anyhow::Result<()> {
    anyhow::bail!("`clipprobe embed` is not implemented yet")
}

//! `clipprobe tokens` (TODO: being written).

use crate::printer::Printer;

/// Arguments of `clipprobe tokens`.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args, _printer: &Printer) -> anyhow::Result<()> {
    anyhow::bail!("`clipprobe tokens` is not implemented yet")
}

//! `clipprobe gap` (TODO: being written).

use crate::printer::Printer;

/// Arguments of `clipprobe gap`.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args, _printer: &Printer) -> anyhow::Result<()> {
    anyhow::bail!("`clipprobe gap` is not implemented yet")
}

//! `clipprobe compare` (TODO: being written).

use crate::printer::Printer;

/// Arguments of `clipprobe compare`.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args, _printer: &Printer) -> anyhow::Result<()> {
    anyhow::bail!("`clipprobe compare` is not implemented yet")
}

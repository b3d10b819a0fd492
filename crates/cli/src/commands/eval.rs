//! `clipprobe eval` (TODO: being written).

use crate::printer::Printer;

/// Arguments of `clipprobe eval`.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args, _printer: &Printer) -> anyhow::Result<()> {
    anyhow::bail!("`clipprobe eval` is not implemented yet")
}

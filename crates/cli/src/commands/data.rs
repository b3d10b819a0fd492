//! `clipprobe data` (TODO: being written).

use crate::printer::Printer;

/// Arguments of `clipprobe data`.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args, _printer: &Printer) -> anyhow::Result<()> {
    anyhow::bail!("`clipprobe data` is not implemented yet")
}

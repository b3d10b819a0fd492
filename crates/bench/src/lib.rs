//! # clipprobe-bench
//!
//! The benchmark record and where benchmarks come from:
//!
//! - [`bench`]: the benchmark record (JSON Lines) shared by the generator, the importers, the
//!   synthetic world and `eval`: [`bench::BenchRecord`], its subset ([`bench::Subset`]: a
//!   generator [`bench::Op`] or a benchmark's own subset name), [`bench::ConceptKind`],
//!   provenance ([`bench::Edit`]);
//! - [`importers`]: public benchmarks (SugarCrepe, SugarCrepe++, ARO, VALSE, Winoground,
//!   VL-CheckList) converted to benchmark rows; [`manifests`]: where to download them;
//!   [`download`]: fetching a manifest's files from an untrusted server (capped, verified).
//!
//! Errors are [`Error`]: each variant names the file, and the line, item or field at fault.

pub mod bench;
pub mod download;
pub mod error;
pub mod importers;
pub mod manifests;

pub use error::{Error, ItemAt, Result};

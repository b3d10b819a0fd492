//! # clipprobe-negatives
//!
//! Hard negatives from captions, by the three operators of arXiv 2510.26302 over atomic
//! concepts, with SugarCrepe's subset names:
//!
//! - [`lexicon`]: the curated, data-file lexicon (generated from WordNet plus hand curation;
//!   extendable at run time) and [`concepts`]: captions → objects, attributes, relations.
//! - [`negatives`]: SWAP / REPLACE / ADD, iterated to depth K with provenance, candidates
//!   chosen by plausibility from caption statistics; the result is a benchmark file of
//!   `clipprobe-bench` records.
//! - [`audit`]: the blind text-only baseline and the adversarial filter, which also steers by
//!   a cross-fitted trigram model and the n-gram pair classifier of [`pairclf`].
//!
//! No model and no network; files are read and written through `clipprobe-io`.

pub mod audit;
pub mod concepts;
pub mod error;
pub mod lexicon;
pub mod negatives;
pub mod pairclf;
mod pairs;
mod words;

/// The benchmark record the generator writes (the `clipprobe-bench` crate's module).
pub use clipprobe_bench::bench;
/// File formats and safe writing (the `clipprobe-io` crate's module).
pub use clipprobe_io::formats;

pub use error::{Error, Result};

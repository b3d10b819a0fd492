//! # clipprobe-probe
//!
//! Everything in clipprobe that does not need a neural network:
//!
//! - [`concepts`]: captions → atomic concepts (objects, attributes, relations) from a curated,
//!   data-file lexicon ([`lexicon`]); [`negatives`]: SWAP / REPLACE / ADD operators
//!   (SugarCrepe's subset names), iterated to depth K, with provenance; [`audit`]: the blind
//!   text-only baseline and adversarial filter (the `clipprobe-negatives` crate, re-exported).
//! - [`bench`]: the benchmark record (JSON Lines) shared by the generator, the importers and
//!   `eval`; [`importers`] and [`manifests`] for public benchmarks (the `clipprobe-bench`
//!   crate, re-exported).
//! - [`evaluate`]: benchmark rows + embeddings → one model's results and per-pair results
//!   (no IO beyond checking that images exist); [`published`]: published numbers to show
//!   beside measured ones.
//! - [`metrics`] (the `clipprobe-metrics` crate, re-exported): every formula (cosine,
//!   insensitivity, image-text accuracy, modality gap, bootstrap); [`report`] (the
//!   `clipprobe-report` crate, re-exported): `report.json`, `report.md`, `report.html`.
//! - [`formats`] and [`cache`] (the `clipprobe-io` crate, re-exported): file formats and
//!   safe writing (atomic rename, `.npy`, caption files) and the on-disk embedding cache.
//!
//! Paper: "Understanding Hardness of Vision-Language Compositionality from A Token-level Causal
//! Lens" (arXiv 2510.26302); SugarCrepe (Hsieh et al., 2023).

pub mod error;
pub mod evaluate;

/// The negatives generator, its lexicon, caption parser and text-only audit (the
/// `clipprobe-negatives` crate's modules, re-exported under their old names).
pub use clipprobe_negatives::{audit, concepts, lexicon, negatives};

/// Every formula (its own crate, `clipprobe-metrics`: no IO, its own typed error).
pub use clipprobe_metrics as metrics;

/// The benchmark record, importers and manifests (the `clipprobe-bench` crate's modules,
/// re-exported under their old names).
pub use clipprobe_bench::{bench, download, importers, manifests};

/// The evaluation report and published numbers (the `clipprobe-report` crate, re-exported
/// under the old names).
pub use clipprobe_report as report;
pub use clipprobe_report::published;

/// The on-disk embedding cache (the `clipprobe-io` crate's, re-exported).
pub use clipprobe_io::cache;

pub use error::{Error, MissingImage, Result};

/// File formats and safe writing (the `clipprobe-io` crate's module, re-exported).
pub use clipprobe_io::formats;

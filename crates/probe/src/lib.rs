//! # clipprobe-probe
//!
//! Everything in clipprobe that does not need a neural network:
//!
//! - [`concepts`]: captions → atomic concepts (objects, attributes, relations) from a curated,
//!   data-file lexicon ([`lexicon`]).
//! - [`negatives`]: SWAP / REPLACE / ADD operators (SugarCrepe's subset names), iterated to
//!   depth K, with provenance; [`audit`]: the blind text-only baseline and adversarial filter.
//! - [`bench`]: the benchmark record (JSON Lines) shared by the generator, the importers and
//!   `eval`; [`importers`] and [`manifests`] for public benchmarks.
//! - [`evaluate`]: benchmark rows + embeddings → one model's results and per-pair results
//!   (no IO beyond checking that images exist); [`published`]: published numbers to show
//!   beside measured ones.
//! - [`metrics`] (the `clipprobe-metrics` crate, re-exported): every formula (cosine,
//!   insensitivity, image-text accuracy, modality gap, bootstrap); [`report`]: `report.json`, `report.md`, `report.html`.
//! - [`formats`]: file formats and safe writing (atomic rename, `.npy`, caption files);
//!   [`cache`]: the on-disk embedding cache.
//!
//! Paper: "Understanding Hardness of Vision-Language Compositionality from A Token-level Causal
//! Lens" (arXiv 2510.26302); SugarCrepe (Hsieh et al., 2023).

pub mod audit;
pub mod bench;
pub mod cache;
pub mod concepts;
pub mod error;
pub mod evaluate;
pub mod formats;
pub mod importers;
pub mod lexicon;
pub mod manifests;
pub mod negatives;
pub mod published;
pub mod report;

/// Every formula (its own crate, `clipprobe-metrics`: no IO, its own typed error).
pub use clipprobe_metrics as metrics;

pub use error::{Error, Result};

//! # clipprobe-probe
//!
//! Everything in clipprobe that does not need a neural network:
//!
//! - [`concepts`]: captions → atomic concepts (objects, attributes, relations) from a curated,
//!   data-file lexicon ([`lexicon`]).
//! - [`negatives`]: SWAP / REPLACE / ADD operators (SugarCrepe's subset names), iterated to
//!   depth K, with provenance; [`audit`]: the blind text-only baseline and adversarial filter.
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

pub mod audit;
pub mod concepts;
pub mod error;
pub mod evaluate;
pub mod lexicon;
pub mod negatives;

/// Every formula (its own crate, `clipprobe-metrics`: no IO, its own typed error).
pub use clipprobe_metrics as metrics;

/// The benchmark record, importers and manifests (the `clipprobe-bench` crate's modules,
/// re-exported under their old names).
pub use clipprobe_bench::{bench, importers, manifests};

/// The evaluation report and published numbers (the `clipprobe-report` crate, re-exported
/// under the old names).
pub use clipprobe_report as report;
pub use clipprobe_report::published;

/// The on-disk embedding cache (the `clipprobe-io` crate's, re-exported).
pub use clipprobe_io::cache;

pub use error::{Error, Result};

/// File formats and safe writing: the `clipprobe-io` crate's [`clipprobe_io::formats`],
/// re-exported, except [`formats::OutputSet`], whose methods here return this crate's
/// [`Error`] (the negatives generator stages its records in one and returns its result as
/// is).
pub mod formats {
    pub use clipprobe_io::formats::*;

    /// [`clipprobe_io::formats::OutputSet`] with methods that return [`crate::Error`]; it
    /// dereferences to the io crate's set, so it can be passed to every `stage_*` function
    /// of [`clipprobe_io::formats`].
    #[derive(Debug, Default)]
    pub struct OutputSet(clipprobe_io::formats::OutputSet);

    impl OutputSet {
        /// An empty set.
        pub fn new() -> Self {
            Self::default()
        }

        /// See [`clipprobe_io::formats::OutputSet::stage`].
        pub fn stage<F>(&mut self, path: &std::path::Path, fill: F) -> crate::Result<()>
        where
            F: FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
        {
            Ok(self.0.stage(path, fill)?)
        }

        /// See [`clipprobe_io::formats::OutputSet::commit`].
        pub fn commit(self) -> crate::Result<()> {
            Ok(self.0.commit()?)
        }
    }

    impl std::ops::Deref for OutputSet {
        type Target = clipprobe_io::formats::OutputSet;
        fn deref(&self) -> &Self::Target {
            &self.0
        }
    }

    impl std::ops::DerefMut for OutputSet {
        fn deref_mut(&mut self) -> &mut Self::Target {
            &mut self.0
        }
    }
}

//! TODO: filled in by the concepts work.
pub use crate::bench::ConceptKind;

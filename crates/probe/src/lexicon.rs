//! TODO: filled in by the lexicon work.

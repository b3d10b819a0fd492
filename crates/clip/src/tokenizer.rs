//! TODO: filled in by the tokenizer work.

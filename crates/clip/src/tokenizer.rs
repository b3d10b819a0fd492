//! The checkpoint's `tokenizer.json` (Hugging Face `tokenizers`), giving the ids transformers'
//! `CLIPTokenizerFast(text, truncation=True, max_length=N)` gives: BOS … EOS, and a text longer
//! than the context window keeps its first `N - 2` tokens and its EOS.
//!
//! Any padding or truncation stored in `tokenizer.json` is switched off: batching and padding
//! belong to [`crate::embed`].

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::error::{Error, Result};

/// A loaded tokenizer with its context window.
pub struct Tokenizer {
    inner: tokenizers::Tokenizer,
    path: PathBuf,
    max_len: usize,
}

/// The ids of one text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoded {
    /// BOS … EOS, at most the context window long.
    pub ids: Vec<u32>,
    /// Whether tokens were cut to fit the context window.
    pub truncated: bool,
}

impl Tokenizer {
    /// Reads `dir/tokenizer.json`; `max_len` is the model's `max_position_embeddings`.
    pub fn from_dir(dir: &Path, max_len: usize) -> Result<Self> {
        let path = dir.join("tokenizer.json");
        if !path.is_file() {
            return Err(Error::MissingFile {
                path,
                what: "tokenizer (tokenizer.json; vocab.json + merges.txt alone are not read)"
                    .into(),
            });
        }
        Self::from_file(&path, max_len)
    }

    /// Reads a `tokenizer.json` file.
    pub fn from_file(path: &Path, max_len: usize) -> Result<Self> {
        let bad = |message: String| Error::Tokenizer {
            path: path.to_path_buf(),
            message,
        };
        if max_len < 2 {
            return Err(bad(format!(
                "context window of {max_len} tokens has no room for BOS and EOS"
            )));
        }
        let mut inner = tokenizers::Tokenizer::from_file(path).map_err(|e| bad(e.to_string()))?;
        inner.with_padding(None);
        inner
            .with_truncation(None)
            .map_err(|e| bad(e.to_string()))?;
        Ok(Self {
            inner,
            path: path.to_path_buf(),
            max_len,
        })
    }

    /// The context window (`max_position_embeddings`).
    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// Encodes one text.
    pub fn encode(&self, text: &str) -> Result<Encoded> {
        let enc = self
            .inner
            .encode(text, true)
            .map_err(|e| Error::Tokenizer {
                path: self.path.clone(),
                message: format!("cannot encode {text:?}: {e}"),
            })?;
        let mut ids = enc.get_ids().to_vec();
        let truncated = ids.len() > self.max_len;
        if truncated {
            // [BOS, first max_len - 2 tokens, EOS], as truncation before the post-processor
            let eos = ids[ids.len() - 1];
            ids.truncate(self.max_len - 1);
            ids.push(eos);
        }
        Ok(Encoded { ids, truncated })
    }

    /// Encodes many texts in parallel, in input order.
    pub fn encode_batch<S: AsRef<str> + Sync>(&self, texts: &[S]) -> Result<Vec<Encoded>> {
        texts.par_iter().map(|t| self.encode(t.as_ref())).collect()
    }

    /// The vocabulary string of each id (empty for an unknown id).
    pub fn token_strings(&self, ids: &[u32]) -> Vec<String> {
        ids.iter()
            .map(|&id| self.inner.id_to_token(id).unwrap_or_default())
            .collect()
    }
}

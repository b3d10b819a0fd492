//! The checkpoint's `tokenizer.json` (Hugging Face `tokenizers`), giving the ids transformers'
//! `CLIPTokenizerFast(text, truncation=True, max_length=N)` gives: BOS … EOS, and a text longer
//! than the context window keeps its first `N - 2` tokens and its EOS.
//!
//! A folder without `tokenizer.json` but with `vocab.json` + `merges.txt` (older Hub
//! checkpoints) gets the pipeline transformers builds from those two files
//! ([`clip_tokenizer_json`]): the `tokenizer.json` that `CLIPTokenizerFast.from_pretrained(dir)`
//! would save, loaded through the same `tokenizers` code as a stored one.
//!
//! Any padding or truncation stored in `tokenizer.json` is switched off: batching and padding
//! belong to [`crate::embed`].

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde_json::{json, Map, Value};

use crate::error::{Error, Result};

const TOKENIZER_JSON: &str = "tokenizer.json";
const VOCAB_JSON: &str = "vocab.json";
const MERGES_TXT: &str = "merges.txt";
/// CLIP's BOS; transformers' `CLIPTokenizer` default `bos_token`.
const BOS: &str = "<|startoftext|>";
/// CLIP's EOS, also its unknown and padding token (transformers' defaults).
const EOS: &str = "<|endoftext|>";

/// A loaded tokenizer with its context window.
pub struct Tokenizer {
    inner: tokenizers::Tokenizer,
    path: PathBuf,
    max_len: usize,
    /// SigLIP: text canonicalisation before encoding, and `tokenizers`' own truncation (room
    /// kept for the post-processor's special tokens) instead of CLIP's BOS…EOS rule.
    siglip: Option<SiglipText>,
    /// open_clip: its `SimpleTokenizer`'s clean-up ([`crate::textclean::openclip_clean`])
    /// before this pipeline.
    openclip_clean: bool,
}

/// `SiglipTokenizer.canonicalize_text` settings.
#[derive(Debug, Clone, Copy)]
struct SiglipText {
    /// Canonicalise (lowercase, drop ASCII punctuation, collapse whitespace): transformers'
    /// `SiglipTokenizer` does it in Python, so a converted `tokenizer.json` lacks it.
    canonicalize: bool,
    lowercase: bool,
    padding: Padding,
}

/// How transformers' processor pads a SigLIP text: with which id, and whether it passes an
/// attention mask (when it does not, the bidirectional text tower attends to the padding).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Padding {
    pub pad_id: u32,
    pub mask: bool,
}

/// The ids of one text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoded {
    /// BOS … EOS, at most the context window long.
    pub ids: Vec<u32>,
    /// Whether tokens were cut to fit the context window.
    pub truncated: bool,
    /// open_clip only: ftfy's mojibake detector flags the text, so open_clip's clean-up may
    /// repair it (and give other ids) where clipprobe's does not ([`crate::textclean`]).
    pub mojibake: bool,
}

impl Tokenizer {
    /// Reads `dir/tokenizer.json`, or when it is absent `dir/vocab.json` + `dir/merges.txt`
    /// (see [`Tokenizer::from_vocab_merges`]); `max_len` is the model's
    /// `max_position_embeddings`.
    pub fn from_dir(dir: &Path, max_len: usize) -> Result<Self> {
        let path = dir.join(TOKENIZER_JSON);
        if path.is_file() {
            return Self::from_file(&path, max_len);
        }
        let (vocab, merges) = (dir.join(VOCAB_JSON), dir.join(MERGES_TXT));
        if vocab.is_file() && merges.is_file() {
            return Self::from_vocab_merges(&vocab, &merges, max_len);
        }
        Err(Error::MissingFile {
            path,
            what: "tokenizer (tokenizer.json, or vocab.json + merges.txt)".into(),
        })
    }

    /// Reads a `tokenizer.json` file.
    pub fn from_file(path: &Path, max_len: usize) -> Result<Self> {
        check_max_len(path, max_len)?;
        let inner = tokenizers::Tokenizer::from_file(path).map_err(|e| Error::Tokenizer {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        Self::with_inner(inner, path, max_len)
    }

    /// Builds CLIP's tokenizer from a `vocab.json` + `merges.txt` pair, as transformers 5.23's
    /// `CLIPTokenizerFast.from_pretrained` does for a folder holding only those two files
    /// (see [`clip_tokenizer_json`]). Errors name `vocab_json` (its own errors and every encode
    /// error) or `merges_txt` (its own errors).
    pub fn from_vocab_merges(vocab_json: &Path, merges_txt: &Path, max_len: usize) -> Result<Self> {
        check_max_len(vocab_json, max_len)?;
        let json = clip_tokenizer_json(vocab_json, merges_txt)?;
        let bad = |message: String| Error::Tokenizer {
            path: vocab_json.to_path_buf(),
            message: format!("with {}: {message}", merges_txt.display()),
        };
        let text = serde_json::to_string(&json).map_err(|e| bad(e.to_string()))?;
        let inner: tokenizers::Tokenizer = text.parse().map_err(|e| bad(format!("{e}")))?;
        Self::with_inner(inner, vocab_json, max_len)
    }

    fn with_inner(mut inner: tokenizers::Tokenizer, path: &Path, max_len: usize) -> Result<Self> {
        let bad = |message: String| Error::Tokenizer {
            path: path.to_path_buf(),
            message,
        };
        inner.with_padding(None);
        inner
            .with_truncation(None)
            .map_err(|e| bad(e.to_string()))?;
        Ok(Self {
            inner,
            path: path.to_path_buf(),
            max_len,
            siglip: None,
            openclip_clean: false,
        })
    }

    /// The tokenizer of an open_clip checkpoint: [`Tokenizer::from_dir`] (the CLIP BPE files
    /// beside it) preceded by open_clip's text clean-up ([`crate::textclean::openclip_clean`]:
    /// `ftfy.fix_text` without its mojibake repair, `html.unescape` twice, whitespace,
    /// lowercase), as open_clip's `SimpleTokenizer` does.
    pub fn openclip_from_dir(dir: &Path, max_len: usize) -> Result<Self> {
        crate::textclean::check_tables()?;
        let mut tok = Self::from_dir(dir, max_len)?;
        tok.openclip_clean = true;
        Ok(tok)
    }

    /// The tokenizer of a SigLIP folder, as transformers 5.24's `AutoTokenizer` builds it from
    /// `tokenizer.json` and `tokenizer_config.json`'s `tokenizer_class`:
    ///
    /// - `SiglipTokenizer` (SigLIP): `tokenizer.json` as stored (a converted SentencePiece
    ///   unigram model) after [`canonicalize_siglip`] (with `do_lower_case`, default true),
    ///   which transformers does in Python;
    /// - `GemmaTokenizer` (SigLIP 2, whose checkpoints have `model_type` `siglip`) and
    ///   `Siglip2Tokenizer`: the vocabulary, merges, added tokens and post-processor of
    ///   `tokenizer.json` in the pipeline the class builds ([`gemma_pipeline`]): spaces to `▁`,
    ///   BPE with byte fallback; `Siglip2Tokenizer` lowercases first, `GemmaTokenizer` does not,
    ///   whatever normalizer `tokenizer.json` holds;
    /// - any other class: `tokenizer.json` as stored.
    ///
    /// The padding token (`pad_token`, else the class's default) and whether an attention mask
    /// goes with the ids (`model_input_names`, else the class's default, which has one) are
    /// recorded for the model ([`Tokenizer::padding`]). Padding on the left (`padding_side`,
    /// else the class's default: left for the Gemma classes) is refused. Texts longer than
    /// `max_len` are cut as transformers' `truncation=True` cuts them, keeping room for the
    /// special tokens the post-processor adds.
    pub fn siglip_from_dir(dir: &Path, max_len: usize) -> Result<Self> {
        let path = dir.join(TOKENIZER_JSON);
        if !path.is_file() {
            return Err(Error::MissingFile {
                path,
                what: "SigLIP tokenizer.json (for a checkpoint that ships only spiece.model, \
                       make one as docs/models.md shows)"
                    .into(),
            });
        }
        check_max_len(&path, max_len)?;
        let cfg_path = dir.join("tokenizer_config.json");
        let cfg: Value = if cfg_path.is_file() {
            serde_json::from_str(&read_text(&cfg_path)?).map_err(|e| Error::Tokenizer {
                path: cfg_path.clone(),
                message: e.to_string(),
            })?
        } else {
            Value::Null
        };
        let class = cfg
            .get("tokenizer_class")
            .and_then(Value::as_str)
            .unwrap_or("SiglipTokenizer")
            .trim_end_matches("Fast");
        let gemma = matches!(class, "GemmaTokenizer" | "Siglip2Tokenizer");
        let side = cfg.get("padding_side").and_then(Value::as_str);
        if side.unwrap_or(if gemma { "left" } else { "right" }) != "right" {
            return Err(Error::Tokenizer {
                path: cfg_path,
                message: format!(
                    "padding_side is {}: SigLIP pools the last position, so clipprobe pads on \
                     the right only (set \"padding_side\": \"right\" if the model was \
                     trained that way, as SigLIP 2 was)",
                    side.map_or_else(
                        || format!("not set, and {class} pads on the left"),
                        |s| format!("\"{s}\"")
                    )
                ),
            });
        }
        let mut tok = if gemma {
            let bad = |message: String| Error::Tokenizer {
                path: path.clone(),
                message,
            };
            let mut json: Value = serde_json::from_str(&read_text(&path)?)
                .map_err(|e| bad(format!("not valid JSON: {e}")))?;
            let unk = cfg
                .get("unk_token")
                .and_then(Value::as_str)
                .unwrap_or("<unk>");
            gemma_pipeline(&mut json, unk, class == "Siglip2Tokenizer").map_err(bad)?;
            let inner: tokenizers::Tokenizer = serde_json::to_string(&json)
                .map_err(|e| bad(e.to_string()))?
                .parse()
                .map_err(|e| bad(format!("{e}")))?;
            Self::with_inner(inner, &path, max_len)?
        } else {
            Self::from_file(&path, max_len)?
        };
        let pad_token = cfg
            .get("pad_token")
            .and_then(|t| {
                t.as_str()
                    .or_else(|| t.get("content").and_then(Value::as_str))
            })
            .unwrap_or(if gemma { "<pad>" } else { "</s>" });
        let pad_id = tok
            .inner
            .token_to_id(pad_token)
            .ok_or_else(|| Error::Tokenizer {
                path: path.clone(),
                message: format!("the padding token {pad_token:?} is not in the vocabulary"),
            })?;
        let mask = match cfg.get("model_input_names").and_then(Value::as_array) {
            Some(names) => names.iter().any(|n| n.as_str() == Some("attention_mask")),
            None => true,
        };
        tok.siglip = Some(SiglipText {
            canonicalize: class == "SiglipTokenizer",
            lowercase: cfg
                .get("do_lower_case")
                .and_then(Value::as_bool)
                .unwrap_or(true),
            padding: Padding { pad_id, mask },
        });
        tok.inner
            .with_truncation(Some(tokenizers::TruncationParams {
                max_length: max_len,
                ..Default::default()
            }))
            .map_err(|e| Error::Tokenizer {
                path: path.clone(),
                message: e.to_string(),
            })?;
        Ok(tok)
    }

    /// How many special tokens the tokenizer puts before and after a text's own tokens:
    /// `(1, 1)` for CLIP (BOS … EOS), `(0, 1)` for SigLIP's SentencePiece tokenizers (… EOS,
    /// no BOS). Found by encoding a probe text with and without the post-processor.
    pub fn special_counts(&self) -> Result<(usize, usize)> {
        let enc = |special: bool| {
            self.inner
                .encode("a", special)
                .map(|e| e.get_ids().to_vec())
                .map_err(|e| Error::Tokenizer {
                    path: self.path.clone(),
                    message: format!("cannot encode a probe text: {e}"),
                })
        };
        let (plain, full) = (enc(false)?, enc(true)?);
        let lead = full
            .windows(plain.len().max(1))
            .position(|w| w == plain.as_slice())
            .ok_or_else(|| Error::Tokenizer {
                path: self.path.clone(),
                message: "the post-processor changes a text's own tokens".into(),
            })?;
        Ok((lead, full.len() - lead - plain.len()))
    }

    /// How a fixed-length (SigLIP) tokenizer pads: `None` for CLIP tokenizers, whose batches
    /// the model pads itself.
    pub fn padding(&self) -> Option<Padding> {
        self.siglip.map(|s| s.padding)
    }

    /// The context window (`max_position_embeddings`).
    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// Encodes one text.
    pub fn encode(&self, text: &str) -> Result<Encoded> {
        if let Some(s) = self.siglip {
            let text = if s.canonicalize {
                canonicalize_siglip(text, s.lowercase)
            } else {
                text.to_string()
            };
            let enc = self
                .inner
                .encode(text.as_str(), true)
                .map_err(|e| Error::Tokenizer {
                    path: self.path.clone(),
                    message: format!("cannot encode {text:?}: {e}"),
                })?;
            return Ok(Encoded {
                ids: enc.get_ids().to_vec(),
                truncated: !enc.get_overflowing().is_empty(),
                mojibake: false,
            });
        }
        let cleaned = if self.openclip_clean {
            Some(crate::textclean::openclip_clean(text)?)
        } else {
            None
        };
        let mojibake = cleaned.as_ref().is_some_and(|c| c.mojibake);
        let text = cleaned.as_ref().map_or(text, |c| c.text.as_str());
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
        Ok(Encoded {
            ids,
            truncated,
            mojibake,
        })
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

/// transformers' `SiglipTokenizer.canonicalize_text` (from big_vision): optionally lowercase,
/// remove every ASCII punctuation character (Python's `string.punctuation`), collapse runs of
/// whitespace to one space, strip.
pub fn canonicalize_siglip(text: &str, lowercase: bool) -> String {
    let text = if lowercase {
        text.to_lowercase()
    } else {
        text.to_string()
    };
    let kept: String = text.chars().filter(|c| !c.is_ascii_punctuation()).collect();
    kept.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn check_max_len(path: &Path, max_len: usize) -> Result<()> {
    if max_len < 2 {
        return Err(Error::Tokenizer {
            path: path.to_path_buf(),
            message: format!("context window of {max_len} tokens has no room for BOS and EOS"),
        });
    }
    Ok(())
}

/// The `tokenizer.json` (as JSON) that transformers 5.23 builds from CLIP's `vocab.json` +
/// `merges.txt`: `CLIPTokenizer.__init__` (`models/clip/tokenization_clip.py`, which
/// `CLIPTokenizerFast` names; the same pipeline as `CLIPConverter` in
/// `convert_slow_tokenizer.py` with BOS/EOS added to the split regex) plus the special tokens
/// `TokenizersBackend` registers. Checked field by field against
/// `CLIPTokenizerFast.from_pretrained(dir).save_pretrained(..)`:
///
/// - normalizer: NFC, `\s+` → `" "`, lowercase;
/// - pre-tokenizer: the CLIP regex split (matches kept, the rest removed), then byte-level
///   without a prefix space;
/// - model: BPE, suffix `</w>`, no continuing-subword prefix, unknown token `<|endoftext|>`, no
///   unknown fusing, no dropout;
/// - post-processor: `RobertaProcessing` with `<|startoftext|>` … `<|endoftext|>`;
/// - added tokens: both, `special`, matched on the raw text (`normalized: false`).
///
/// `merges.txt` is read as `tokenizers`' `BPE::from_file` reads it: every line starting with
/// `#version` is skipped, every other line is two symbols separated by one space. Unlike
/// `tokenizers`, a non-integer id in `vocab.json` is an error rather than skipped, and a merge
/// whose parts or result are not in the vocabulary is reported with its line number.
pub fn clip_tokenizer_json(vocab_json: &Path, merges_txt: &Path) -> Result<Value> {
    let vocab = read_vocab(vocab_json)?;
    let merges = read_merges(merges_txt, &vocab)?;
    let special = |token: &str| -> Result<Value> {
        let id = vocab.get(token).ok_or_else(|| Error::Tokenizer {
            path: vocab_json.to_path_buf(),
            message: format!("no {token} in the vocabulary (CLIP's BOS/EOS)"),
        })?;
        Ok(id.clone())
    };
    let (bos_id, eos_id) = (special(BOS)?, special(EOS)?);
    let added = |id: &Value, content: &str| {
        json!({
            "id": id, "content": content, "single_word": false, "lstrip": false,
            "rstrip": false, "normalized": false, "special": true
        })
    };
    let mut added_tokens = vec![added(&bos_id, BOS), added(&eos_id, EOS)];
    added_tokens.sort_by_key(|t| t["id"].as_u64());
    Ok(json!({
        "version": "1.0",
        "truncation": null,
        "padding": null,
        "added_tokens": added_tokens,
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "NFC"},
            {"type": "Replace", "pattern": {"Regex": "\\s+"}, "content": " "},
            {"type": "Lowercase"}
        ]},
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": CLIP_SPLIT}, "behavior": "Removed", "invert": true},
            {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true}
        ]},
        "post_processor": {
            "type": "RobertaProcessing", "sep": [EOS, eos_id], "cls": [BOS, bos_id],
            "trim_offsets": false, "add_prefix_space": false
        },
        "decoder": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
        "model": {
            "type": "BPE", "dropout": null, "unk_token": EOS, "continuing_subword_prefix": "",
            "end_of_word_suffix": "</w>", "fuse_unk": false, "byte_fallback": false,
            "ignore_merges": false, "vocab": vocab, "merges": merges
        }
    }))
}

/// Puts the vocabulary, merges, added tokens and post-processor of a Gemma `tokenizer.json`
/// into the pipeline transformers 5.24's `GemmaTokenizer.__init__`
/// (`models/gemma/tokenization_gemma.py`) builds, replacing the stored normalizer,
/// pre-tokenizer and model settings (checked: transformers ignores a `Lowercase` added to the
/// stored normalizer): normalizer `" "` → `"▁"` (preceded by `Lowercase` for
/// `Siglip2Tokenizer`, `models/siglip2/tokenization_siglip2.py`), pre-tokenizer split on `" "`
/// merged with the previous piece, BPE with byte fallback, unknown-token fusing and
/// the configured unknown token (`<unk>`), no dropout.
pub fn gemma_pipeline(
    json: &mut Value,
    unk: &str,
    lowercase: bool,
) -> std::result::Result<(), String> {
    let model = json
        .get_mut("model")
        .and_then(Value::as_object_mut)
        .filter(|m| m.get("type").and_then(Value::as_str) == Some("BPE"))
        .ok_or("not a BPE tokenizer (a Gemma tokenizer.json has a BPE model)")?;
    for (key, value) in [
        ("dropout", Value::Null),
        ("unk_token", json!(unk)),
        ("continuing_subword_prefix", Value::Null),
        ("end_of_word_suffix", Value::Null),
        ("fuse_unk", json!(true)),
        ("byte_fallback", json!(true)),
        ("ignore_merges", json!(false)),
    ] {
        model.insert(key.into(), value);
    }
    let replace = json!({"type": "Replace", "pattern": {"String": " "}, "content": "▁"});
    json["normalizer"] = if lowercase {
        json!({"type": "Sequence", "normalizers": [{"type": "Lowercase"}, replace]})
    } else {
        replace
    };
    json["pre_tokenizer"] = json!({
        "type": "Split", "pattern": {"String": " "}, "behavior": "MergedWithPrevious",
        "invert": false
    });
    Ok(())
}

/// The pre-tokenizer regex of transformers' `CLIPTokenizer` (`tokenization_clip.py`).
const CLIP_SPLIT: &str =
    r"<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+";

fn read_text(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// `vocab.json`: one object, token → non-negative integer id.
fn read_vocab(path: &Path) -> Result<Map<String, Value>> {
    let bad = |message: String| Error::Tokenizer {
        path: path.to_path_buf(),
        message,
    };
    let json: Value =
        serde_json::from_str(&read_text(path)?).map_err(|e| bad(format!("not valid JSON: {e}")))?;
    let Value::Object(vocab) = json else {
        return Err(bad("not a JSON object of token → id".into()));
    };
    for (token, id) in &vocab {
        if id.as_u64().is_none_or(|id| u32::try_from(id).is_err()) {
            return Err(bad(format!("token {token:?} has id {id}, not a u32")));
        }
    }
    Ok(vocab)
}

/// `merges.txt` as `[[left, right], ...]` in rank order, each part and result in `vocab`.
fn read_merges(path: &Path, vocab: &Map<String, Value>) -> Result<Vec<[String; 2]>> {
    let text = read_text(path)?;
    let mut merges = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.starts_with("#version") {
            continue;
        }
        let bad = |message: String| Error::Tokenizer {
            path: path.to_path_buf(),
            message: format!("line {}: {message}", i + 1),
        };
        let parts: Vec<&str> = line.split(' ').collect();
        let [left, right] = parts[..] else {
            return Err(bad(format!(
                "{line:?} is not two symbols separated by one space"
            )));
        };
        for token in [
            left.to_string(),
            right.to_string(),
            format!("{left}{right}"),
        ] {
            if !vocab.contains_key(&token) {
                return Err(bad(format!("{token:?} is not in the vocabulary")));
            }
        }
        merges.push([left.to_string(), right.to_string()]);
    }
    Ok(merges)
}

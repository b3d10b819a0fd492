//! open_clip's text clean-up, which its `SimpleTokenizer` runs before the BPE (default
//! `clean="lower"`: `whitespace_clean(basic_clean(text)).lower()`, where `basic_clean` is
//! `ftfy.fix_text`, then Python's `html.unescape` twice, then `strip`).
//!
//! Implemented exactly, from tables generated out of Python 3.11 and ftfy 6.3.1
//! (`crates/clip/data/make_openclip_clean.py` → `openclip_clean.json`):
//!
//! - [`html_unescape`]: Python's `html.unescape` (HTML5 named references with and without `;`,
//!   longest-prefix matching of unterminated names, numeric references with Python's rules for
//!   invalid, surrogate, out-of-range and non-character codepoints).
//! - [`fix_text`]: `ftfy.fix_text` with its default settings, line by line as ftfy splits the
//!   text, each line to a fixed point: ftfy's own entity decoding (only `;`-terminated names,
//!   upper-cased Latin ones, off from the first line holding `<` on), C1 controls as
//!   Windows-1252, Latin ligatures, fullwidth/halfwidth forms, curly quotes, line breaks,
//!   terminal escapes, control characters, NFC.
//! - **Not** ftfy's mojibake repair (`fix_encoding`: re-decoding text that was decoded with the
//!   wrong codec, a search over codecs with heuristics). Its first step is a detector
//!   (`badness.is_bad`, ported exactly): `fix_encoding` leaves any text it does not flag
//!   unchanged. So the clean-up here equals open_clip's on every text except those flagged,
//!   and [`Cleaned::mojibake`] says which: for them open_clip may produce different text
//!   (`cafÃ©` → `café`), clipprobe keeps it as it is.
//!
//! Only the open_clip family uses this: transformers' CLIP and SigLIP tokenizers do not.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::OnceLock;

use regex::{Captures, Regex};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};

use crate::error::{Error, Result};

/// The generated tables (see the module documentation).
const TABLES_JSON: &str = include_str!("../data/openclip_clean.json");
const TABLES_PATH: &str = "crates/clip/data/openclip_clean.json";
/// ftfy's `max_decode_length`: longer lines are fixed in pieces of this many characters.
const MAX_DECODE_LENGTH: usize = 1_000_000;

/// The result of [`openclip_clean`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cleaned {
    pub text: String,
    /// ftfy's mojibake detector flagged the text while `fix_text` ran, so open_clip's
    /// `fix_encoding` may have changed it where clipprobe did not.
    pub mojibake: bool,
}

#[derive(Deserialize)]
struct Tables {
    html5: HashMap<String, String>,
    invalid_charrefs: HashMap<u64, String>,
    invalid_codepoints: HashSet<u64>,
    #[serde(deserialize_with = "de_regex")]
    charref_re: Regex,
    ftfy_entities: HashMap<String, String>,
    #[serde(deserialize_with = "de_regex")]
    ftfy_entity_re: Regex,
    /// One character → replacement, per ftfy step (a `str.translate` table).
    #[serde(deserialize_with = "de_char_map")]
    ligatures: HashMap<char, String>,
    #[serde(deserialize_with = "de_char_map")]
    width: HashMap<char, String>,
    #[serde(deserialize_with = "de_char_map")]
    c1: HashMap<char, String>,
    #[serde(deserialize_with = "de_chars")]
    control_chars: HashSet<char>,
    #[serde(deserialize_with = "de_chars")]
    single_quotes: HashSet<char>,
    #[serde(deserialize_with = "de_chars")]
    double_quotes: HashSet<char>,
    #[serde(deserialize_with = "de_regex")]
    ansi_re: Regex,
    #[serde(deserialize_with = "de_regex")]
    badness_re: Regex,
    #[serde(deserialize_with = "de_chars", rename = "python_whitespace")]
    whitespace: HashSet<char>,
}

fn de_regex<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Regex, D::Error> {
    Regex::new(&String::deserialize(d)?).map_err(D::Error::custom)
}

fn to_char<E: serde::de::Error>(c: u32) -> std::result::Result<char, E> {
    char::from_u32(c).ok_or_else(|| E::custom(format!("codepoint {c}")))
}

fn de_chars<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<HashSet<char>, D::Error> {
    Vec::<u32>::deserialize(d)?
        .into_iter()
        .map(to_char)
        .collect()
}

fn de_char_map<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<HashMap<char, String>, D::Error> {
    HashMap::<u32, String>::deserialize(d)?
        .into_iter()
        .map(|(k, v)| to_char(k).map(|k| (k, v)))
        .collect()
}

fn table_error(message: String) -> Error {
    Error::Tokenizer {
        path: PathBuf::from(TABLES_PATH),
        message: format!("built-in open_clip clean-up table: {message}"),
    }
}

fn tables() -> Result<&'static Tables> {
    static TABLES: OnceLock<std::result::Result<Tables, String>> = OnceLock::new();
    TABLES
        .get_or_init(|| serde_json::from_str(TABLES_JSON).map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| table_error(e.clone()))
}

/// Checks that the built-in tables load (called when an open_clip tokenizer is built, so that
/// a broken build fails at load, not on the first caption).
pub fn check_tables() -> Result<()> {
    tables().map(|_| ())
}

/// open_clip's default clean-up (`_clean_lower`): `ftfy.fix_text` (without its mojibake repair,
/// see [`Cleaned::mojibake`]), `html.unescape` twice, Python's `strip`, whitespace runs to one
/// space, lowercase.
pub fn openclip_clean(text: &str) -> Result<Cleaned> {
    let t = tables()?;
    let (fixed, mojibake) = fix_text_with(t, text);
    let once = unescape_with(t, &fixed);
    let twice = unescape_with(t, &once);
    let words: Vec<&str> = twice
        .split(|c: char| t.whitespace.contains(&c))
        .filter(|w| !w.is_empty())
        .collect();
    Ok(Cleaned {
        text: words.join(" ").to_lowercase(),
        mojibake,
    })
}

/// Python's `html.unescape`.
pub fn html_unescape(text: &str) -> Result<String> {
    Ok(unescape_with(tables()?, text))
}

/// `ftfy.fix_text` with its default settings except the mojibake repair; the flag says
/// whether ftfy's detector fired (then ftfy may have repaired the text, see [`Cleaned`]).
pub fn fix_text(text: &str) -> Result<(String, bool)> {
    Ok(fix_text_with(tables()?, text))
}

fn unescape_with(t: &Tables, text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    t.charref_re
        .replace_all(text, |caps: &Captures| {
            replace_charref(t, caps.get(1).map_or("", |m| m.as_str()))
        })
        .into_owned()
}

/// `html._replace_charref` on the text after `&`.
fn replace_charref(t: &Tables, s: &str) -> String {
    if let Some(num) = s.strip_prefix('#') {
        let (digits, radix) = match num.strip_prefix(['x', 'X']) {
            Some(hex) => (hex, 16),
            None => (num, 10),
        };
        let n = parse_saturating(digits.trim_end_matches(';'), radix);
        if let Some(r) = t.invalid_charrefs.get(&n) {
            return r.clone();
        }
        if (0xD800..=0xDFFF).contains(&n) || n > 0x10FFFF {
            return "\u{FFFD}".into();
        }
        if t.invalid_codepoints.contains(&n) {
            return String::new();
        }
        return u32::try_from(n)
            .ok()
            .and_then(char::from_u32)
            .map_or_else(|| "\u{FFFD}".into(), String::from);
    }
    if let Some(v) = t.html5.get(s) {
        return v.clone();
    }
    // the longest name that is a prefix, at least 2 characters, shorter than `s`
    let ends: Vec<usize> = s.char_indices().map(|(i, _)| i).collect();
    for &end in ends.iter().skip(2).rev() {
        if let Some(v) = t.html5.get(&s[..end]) {
            return format!("{v}{}", &s[end..]);
        }
    }
    format!("&{s}")
}

/// Python's `int(digits, radix)` for digits the regex allows, saturating where Python's
/// integers would exceed every codepoint anyway.
fn parse_saturating(digits: &str, radix: u32) -> u64 {
    digits.chars().fold(0u64, |n, c| {
        let d = u64::from(c.to_digit(radix).unwrap_or(0));
        n.saturating_mul(u64::from(radix)).saturating_add(d)
    })
}

fn fix_text_with(t: &Tables, text: &str) -> (String, bool) {
    let mut out = String::with_capacity(text.len());
    let mut unescape = true;
    let mut mojibake = false;
    for line in text.split_inclusive('\n') {
        for segment in chunks(line, MAX_DECODE_LENGTH) {
            // ftfy's "auto": off for this and every later segment once one holds '<'
            if segment.contains('<') {
                unescape = false;
            }
            let (fixed, flagged) = fix_segment(t, segment, unescape);
            out.push_str(&fixed);
            mojibake |= flagged;
        }
    }
    (out, mojibake)
}

fn chunks(s: &str, n: usize) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = s;
    while !rest.is_empty() {
        let end = rest.char_indices().nth(n).map_or(rest.len(), |(i, _)| i);
        out.push(&rest[..end]);
        rest = &rest[end..];
    }
    out
}

/// ftfy's `fix_and_explain` on one segment: the fixers in ftfy's order, until nothing changes.
fn fix_segment(t: &Tables, segment: &str, unescape: bool) -> (String, bool) {
    let mut text = segment.to_string();
    let mut mojibake = false;
    loop {
        let orig = text.clone();
        if unescape {
            text = ftfy_unescape(t, &text);
        }
        // fix_encoding returns ASCII and unflagged text unchanged
        mojibake |= !text.is_ascii() && t.badness_re.is_match(&text);
        text = translate(&text, &t.c1);
        text = translate(&text, &t.ligatures);
        text = translate(&text, &t.width);
        text = text
            .chars()
            .map(|c| {
                if t.single_quotes.contains(&c) {
                    '\''
                } else if t.double_quotes.contains(&c) {
                    '"'
                } else {
                    c
                }
            })
            .collect();
        text = text
            .replace("\r\n", "\n")
            .replace(['\r', '\u{2028}', '\u{2029}', '\u{85}'], "\n");
        text = t.ansi_re.replace_all(&text, "").into_owned();
        text.retain(|c| !t.control_chars.contains(&c));
        let mut nfc = tokenizers::NormalizedString::from(text.as_str());
        nfc.nfc();
        text = nfc.get().to_string();
        if text == orig {
            return (text, mojibake);
        }
    }
}

/// ftfy's `unescape_html`: its entity table, and numeric references only when Python decodes
/// them to something without `;`.
fn ftfy_unescape(t: &Tables, text: &str) -> String {
    t.ftfy_entity_re
        .replace_all(text, |caps: &Captures| {
            let m = caps.get(0).map_or("", |m| m.as_str());
            if let Some(v) = t.ftfy_entities.get(m) {
                return v.clone();
            }
            if m.starts_with("&#") {
                let u = unescape_with(t, m);
                if !u.contains(';') {
                    return u;
                }
            }
            m.to_string()
        })
        .into_owned()
}

/// Python's `str.translate` with a table of single-character keys.
fn translate(text: &str, table: &HashMap<char, String>) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match table.get(&c) {
            Some(r) => out.push_str(r),
            None => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_load() {
        assert!(check_tables().is_ok());
    }

    #[test]
    fn unterminated_names_take_the_longest_prefix() -> Result<()> {
        assert_eq!(html_unescape("&notit; &ampxyz &copy")?, "¬it; &xyz ©");
        Ok(())
    }

    #[test]
    fn numeric_references_follow_python() -> Result<()> {
        assert_eq!(
            html_unescape("&#65;&#x42;&#0;&#x80;&#xD800;&#1114112;&#11;")?,
            "AB\u{FFFD}€\u{FFFD}\u{FFFD}"
        );
        Ok(())
    }

    #[test]
    fn long_lines_are_fixed_in_pieces() {
        assert_eq!(chunks("abcde", 2), vec!["ab", "cd", "e"]);
        assert_eq!(chunks("", 2), Vec::<&str>::new());
    }
}

//! `Tokenizer` from `vocab.json` + `merges.txt` (no `tokenizer.json`): hand-derived ids on a
//! tiny vocabulary written here, errors naming the file, and equality with transformers on
//! `tests/fixtures/bpe-files` (a project-made vocabulary; see its `make_fixture.py`).

use std::path::{Path, PathBuf};

use clipprobe_clip::tokenizer::{clip_tokenizer_json, Tokenizer};
use clipprobe_clip::Error;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Byte symbols for a few letters, their end-of-word forms, five merges, BOS and EOS.
const TINY_VOCAB: &str = r#"{
    "a": 0, "c": 1, "t": 2, "s": 3, "h": 4, "e": 5, ".": 6, "!": 7, "'": 8,
    "a</w>": 9, "c</w>": 10, "t</w>": 11, "s</w>": 12, "h</w>": 13, "e</w>": 14,
    ".</w>": 15, "!</w>": 16, "1</w>": 17, "2</w>": 18,
    "ca": 19, "cat</w>": 20, "th": 21, "the</w>": 22, "'s</w>": 23,
    "<|startoftext|>": 24, "<|endoftext|>": 25
}"#;
const TINY_MERGES: &str = "#version: 0.2\nc a\nca t</w>\nt h\nth e</w>\n' s</w>\n";
const BOS: u32 = 24;
const EOS: u32 = 25;

fn write_pair(vocab: &str, merges: &str) -> Result<tempfile::TempDir, std::io::Error> {
    let dir = tempfile::tempdir()?;
    std::fs::write(dir.path().join("vocab.json"), vocab)?;
    std::fs::write(dir.path().join("merges.txt"), merges)?;
    Ok(dir)
}

fn tiny(max_len: usize) -> Result<(tempfile::TempDir, Tokenizer), Box<dyn std::error::Error>> {
    let dir = write_pair(TINY_VOCAB, TINY_MERGES)?;
    let tok = Tokenizer::from_dir(dir.path(), max_len)?;
    Ok((dir, tok))
}

#[test]
fn tiny_vocab_gives_hand_derived_ids() -> TestResult {
    let (_dir, tok) = tiny(77)?;
    let cases: &[(&str, &[u32])] = &[
        // lowercased; "t h" then "th e</w>"; "c a" then "ca t</w>"; "." alone is ".</w>"
        ("The CAT.", &[22, 20, 15]),
        // whitespace runs collapse (and the split drops them)
        ("  the\t\n\ncat  ", &[22, 20]),
        // a punctuation run is one word: "!" "!" ".</w>"
        ("cat!!.", &[20, 7, 7, 15]),
        // "'s" is split off and merged
        ("cat's", &[20, 23]),
        // no merge "ca t" without </w>: "ca" "t" "s</w>"
        ("cats", &[19, 2, 12]),
        // each digit is its own word
        ("12", &[17, 18]),
        // unknown symbols are <|endoftext|>, one per symbol (no fusing); é is two byte symbols
        ("zq", &[EOS, EOS]),
        ("é", &[EOS, EOS]),
        // a literal special token is matched before normalisation
        ("cat<|endoftext|>", &[20, EOS]),
        ("", &[]),
    ];
    for (text, inner) in cases {
        let mut want = vec![BOS];
        want.extend_from_slice(inner);
        want.push(EOS);
        let got = tok.encode(text)?;
        assert_eq!(got.ids, want, "ids of {text:?}");
        assert!(!got.truncated, "{text:?} is not truncated");
    }
    assert_eq!(
        tok.token_strings(&[BOS, 22, 23, EOS]),
        ["<|startoftext|>", "the</w>", "'s</w>", "<|endoftext|>"]
    );
    Ok(())
}

#[test]
fn tiny_vocab_truncates_to_bos_first_tokens_eos() -> TestResult {
    let (_dir, tok) = tiny(5)?;
    let got = tok.encode("the cat the cat the")?;
    assert_eq!(got.ids, [BOS, 22, 20, 22, EOS]);
    assert!(got.truncated);
    let fits = tok.encode("the cat the")?;
    assert_eq!(fits.ids, [BOS, 22, 20, 22, EOS]);
    assert!(!fits.truncated);
    Ok(())
}

#[test]
fn tokenizer_json_wins_over_vocab_and_merges() -> TestResult {
    // a broken vocab.json is never read when tokenizer.json is there
    let dir = write_pair("{not json", TINY_MERGES)?;
    std::fs::copy(
        bpe_files().join("tokenizer.json"),
        dir.path().join("tokenizer.json"),
    )?;
    let tok = Tokenizer::from_dir(dir.path(), 77)?;
    assert_eq!(tok.encode("")?.ids, [588, 589]);
    Ok(())
}

fn tokenizer_error(dir: &Path) -> (PathBuf, String) {
    match Tokenizer::from_dir(dir, 77) {
        Err(Error::Tokenizer { path, message }) => (path, message),
        Err(other) => panic!("expected a Tokenizer error, got {other:?}"),
        Ok(_) => panic!("expected a Tokenizer error, got a tokenizer"),
    }
}

#[test]
fn errors_name_the_file_and_line() -> TestResult {
    let dir = write_pair("{\"a\": 0,", TINY_MERGES)?;
    let (path, message) = tokenizer_error(dir.path());
    assert!(path.ends_with("vocab.json"), "{path:?}");
    assert!(message.contains("not valid JSON"), "{message}");

    let dir = write_pair(r#"{"a": -1}"#, TINY_MERGES)?;
    let (path, message) = tokenizer_error(dir.path());
    assert!(
        path.ends_with("vocab.json") && message.contains("\"a\""),
        "{message}"
    );

    let dir = write_pair(TINY_VOCAB, "#version: 0.2\nc a\nca t</w> x\n")?;
    let (path, message) = tokenizer_error(dir.path());
    assert!(path.ends_with("merges.txt"), "{path:?}");
    assert!(message.starts_with("line 3:"), "{message}");

    let dir = write_pair(TINY_VOCAB, "#version: 0.2\nc a\n\nt h\n")?;
    let (path, message) = tokenizer_error(dir.path());
    assert!(
        path.ends_with("merges.txt") && message.starts_with("line 3:"),
        "{message}"
    );

    let dir = write_pair(TINY_VOCAB, "c a\nt z\n")?;
    let (path, message) = tokenizer_error(dir.path());
    assert!(path.ends_with("merges.txt"), "{path:?}");
    assert!(
        message.starts_with("line 2:") && message.contains("\"z\" is not in the vocabulary"),
        "{message}"
    );

    let no_bos = TINY_VOCAB.replace("\"<|startoftext|>\": 24,", "");
    let dir = write_pair(&no_bos, TINY_MERGES)?;
    let (path, message) = tokenizer_error(dir.path());
    assert!(path.ends_with("vocab.json"), "{path:?}");
    assert!(message.contains("<|startoftext|>"), "{message}");

    let no_eos = TINY_VOCAB.replace(", \"<|endoftext|>\": 25", "");
    let dir = write_pair(&no_eos, TINY_MERGES)?;
    let (_, message) = tokenizer_error(dir.path());
    assert!(message.contains("<|endoftext|>"), "{message}");
    Ok(())
}

#[test]
fn missing_files_are_named() -> TestResult {
    let dir = tempfile::tempdir()?;
    std::fs::write(dir.path().join("vocab.json"), TINY_VOCAB)?;
    match Tokenizer::from_dir(dir.path(), 77) {
        Err(Error::MissingFile { path, what }) => {
            assert!(path.ends_with("tokenizer.json"), "{path:?}");
            assert!(what.contains("merges.txt"), "{what}");
        }
        Err(other) => panic!("expected MissingFile, got {other:?}"),
        Ok(_) => panic!("expected MissingFile, got a tokenizer"),
    }
    Ok(())
}

fn bpe_files() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bpe-files");
    assert!(
        dir.join("expected.json").is_file(),
        "fixture {} is missing: run its make_fixture.py",
        dir.display()
    );
    dir
}

#[derive(serde::Deserialize)]
struct Expected {
    max_length: usize,
    texts: Vec<String>,
    ids: Vec<Vec<u32>>,
    ids_truncated: Vec<Vec<u32>>,
}

/// Only `vocab.json` + `merges.txt` of the fixture, in a folder of their own.
fn fixture_pair() -> Result<tempfile::TempDir, Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    for name in ["vocab.json", "merges.txt"] {
        std::fs::copy(bpe_files().join(name), dir.path().join(name))?;
    }
    Ok(dir)
}

#[test]
fn built_json_is_the_one_transformers_saves() -> TestResult {
    let fx = bpe_files();
    let ours = clip_tokenizer_json(&fx.join("vocab.json"), &fx.join("merges.txt"))?;
    let theirs: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fx.join("tokenizer.json"))?)?;
    assert_eq!(ours, theirs);
    Ok(())
}

#[test]
fn vocab_merges_match_transformers_and_tokenizer_json() -> TestResult {
    let fx = bpe_files();
    let exp: Expected = serde_json::from_str(&std::fs::read_to_string(fx.join("expected.json"))?)?;
    assert!(exp.texts.len() >= 50);
    let pair = fixture_pair()?;
    for (max_len, want) in [(1000, &exp.ids), (exp.max_length, &exp.ids_truncated)] {
        let ours = Tokenizer::from_dir(pair.path(), max_len)?;
        let stored = Tokenizer::from_file(&fx.join("tokenizer.json"), max_len)?;
        let a = ours.encode_batch(&exp.texts)?;
        let b = stored.encode_batch(&exp.texts)?;
        for (i, text) in exp.texts.iter().enumerate() {
            assert_eq!(a[i].ids, want[i], "max_len {max_len}: ids of {text:?}");
            assert_eq!(
                b[i].ids, want[i],
                "max_len {max_len}: tokenizer.json ids of {text:?}"
            );
        }
        if max_len == exp.max_length {
            assert!(a.iter().filter(|e| e.truncated).count() >= 5);
        }
    }
    Ok(())
}

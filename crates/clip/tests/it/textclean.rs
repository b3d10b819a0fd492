//! open_clip's text clean-up against the real libraries: `tests/fixtures/openclip-clean/`
//! holds a corpus of tricky captions (HTML entities, curly quotes, ligatures, fullwidth forms,
//! control characters and line breaks, mojibake, emoji, accents) and what Python's
//! `html.unescape`, `ftfy.fix_text` and open_clip's `SimpleTokenizer` make of each
//! (`make_expected.py`, ftfy 6.3.1, open-clip-torch 3.3.0).

use std::path::PathBuf;

use clipprobe_clip::textclean;
use clipprobe_clip::tokenizer::Tokenizer;

type TestResult = Result<(), Box<dyn std::error::Error>>;

#[derive(serde::Deserialize)]
struct Row {
    text: String,
    html_unescape: String,
    fix_text: String,
    clean: String,
    clean_no_fix_encoding: String,
    fix_encoding_may_act: bool,
    ids: Vec<u32>,
}

#[derive(serde::Deserialize)]
struct Expected {
    rows: Vec<Row>,
}

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn expected() -> Result<Vec<Row>, Box<dyn std::error::Error>> {
    let raw = std::fs::read_to_string(fixtures().join("openclip-clean/expected.json"))?;
    let e: Expected = serde_json::from_str(&raw)?;
    assert!(e.rows.len() >= 50, "corpus too small: {}", e.rows.len());
    Ok(e.rows)
}

#[test]
fn html_unescape_matches_python() -> TestResult {
    for r in expected()? {
        assert_eq!(
            textclean::html_unescape(&r.text)?,
            r.html_unescape,
            "{:?}",
            r.text
        );
    }
    Ok(())
}

/// `ftfy.fix_text` without its mojibake repair equals ftfy's output on every text the
/// detector does not flag; the flag equals Python's (ftfy's `is_bad` on the text
/// `fix_encoding` received).
#[test]
fn fix_text_matches_ftfy_and_flags_what_it_does_not_repair() -> TestResult {
    let rows = expected()?;
    let (mut flagged, mut repaired) = (0, 0);
    for r in &rows {
        let (fixed, mojibake) = textclean::fix_text(&r.text)?;
        assert_eq!(mojibake, r.fix_encoding_may_act, "flag of {:?}", r.text);
        if mojibake {
            flagged += 1;
            repaired += usize::from(fixed != r.fix_text);
        } else {
            assert_eq!(fixed, r.fix_text, "fix_text of {:?}", r.text);
        }
    }
    // the corpus exercises both: texts ftfy repairs, texts it flags but leaves alone
    assert!(
        repaired >= 5 && flagged > repaired,
        "{flagged} flagged, {repaired} repaired"
    );
    Ok(())
}

/// open_clip's `_clean_lower`: equal on every unflagged text, and on every text equal to
/// open_clip's with ftfy's `fix_encoding` switched off.
#[test]
fn openclip_clean_matches_open_clip() -> TestResult {
    for r in expected()? {
        let c = textclean::openclip_clean(&r.text)?;
        assert_eq!(c.mojibake, r.fix_encoding_may_act, "flag of {:?}", r.text);
        assert_eq!(c.text, r.clean_no_fix_encoding, "clean of {:?}", r.text);
        if !c.mojibake {
            assert_eq!(c.text, r.clean, "clean of {:?}", r.text);
        }
    }
    Ok(())
}

/// Token ids of the tiny open_clip fixture's tokenizer equal open_clip's `SimpleTokenizer`
/// wherever the clean-up is the same (every text ftfy does not repair).
#[test]
fn openclip_token_ids_match_simple_tokenizer() -> TestResult {
    let dir = fixtures().join("families/openclip-hub");
    let tok = Tokenizer::openclip_from_dir(&dir, 77)?;
    let plain = Tokenizer::from_dir(&dir, 77)?;
    let (mut compared, mut differ_without) = (0, 0);
    for r in expected()? {
        let enc = tok.encode(&r.text)?;
        assert_eq!(enc.mojibake, r.fix_encoding_may_act, "{:?}", r.text);
        if r.clean == r.clean_no_fix_encoding {
            assert_eq!(enc.ids, r.ids, "ids of {:?}", r.text);
            compared += 1;
            differ_without += usize::from(plain.encode(&r.text)?.ids != r.ids);
        }
    }
    // the clean-up matters: without it many of these texts tokenise differently
    assert!(
        compared >= 45 && differ_without >= 20,
        "{compared} compared, {differ_without} differ without the clean-up"
    );
    Ok(())
}

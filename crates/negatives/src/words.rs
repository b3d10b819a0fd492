//! Caption words as the text-only models see them: lowercased runs of letters and digits, with
//! an inner joiner kept when a letter or digit follows ("polka-dotted", "dog's"); everything else
//! separates words and is dropped. One splitter serves the generator's language model
//! ([`crate::negatives::lm`], the tokenisation of `benchmarks/negatives/detect.py`) and the
//! blind audit ([`crate::audit`], which splits as [`crate::concepts::tokenize`] does). The
//! joiners are `-` and `'`; a caller may add non-ASCII ones (the audit adds `’`).
//!
//! An ASCII text is split over its bytes, and a word without capitals is passed as a slice of
//! it (no copy); other texts go char by char, with the same words.

/// Calls `f` with each lowercased word of `text`, built in `buf` when it must be lowercased.
/// `extra_joiners` are joiners besides `-` and `'` (non-ASCII characters).
pub(crate) fn for_each_word(
    text: &str,
    extra_joiners: &[char],
    buf: &mut String,
    mut f: impl FnMut(&str),
) {
    if text.is_ascii() {
        for_each_ascii_word(text, buf, |_, w| f(w));
    } else {
        for_each_unicode_word(text, extra_joiners, buf, f);
    }
}

/// [`for_each_word`] of an ASCII text (`text` must be ASCII), with each word's byte offset.
pub(crate) fn for_each_ascii_word(text: &str, buf: &mut String, mut f: impl FnMut(usize, &str)) {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_alphanumeric() {
            i += 1;
            continue;
        }
        let (start, mut upper) = (i, false);
        while i < b.len() {
            let c = b[i];
            if c.is_ascii_alphanumeric() {
                upper |= c.is_ascii_uppercase();
            } else if !((c == b'\'' || c == b'-')
                && b.get(i + 1).is_some_and(u8::is_ascii_alphanumeric))
            {
                break;
            }
            i += 1;
        }
        let w = &text[start..i];
        if upper {
            buf.clear();
            buf.push_str(w);
            buf.make_ascii_lowercase();
            f(start, buf);
        } else {
            f(start, w);
        }
    }
}

/// [`for_each_word`] char by char (any text).
pub(crate) fn for_each_unicode_word(
    text: &str,
    extra_joiners: &[char],
    buf: &mut String,
    mut f: impl FnMut(&str),
) {
    buf.clear();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_alphanumeric() {
            if c.is_ascii() {
                buf.push(c.to_ascii_lowercase());
            } else {
                buf.extend(c.to_lowercase());
            }
        } else if (c == '\'' || c == '-' || extra_joiners.contains(&c))
            && !buf.is_empty()
            && chars.peek().is_some_and(|n| n.is_alphanumeric())
        {
            buf.push(c);
        } else if !buf.is_empty() {
            f(buf);
            buf.clear();
        }
    }
    if !buf.is_empty() {
        f(buf);
    }
}

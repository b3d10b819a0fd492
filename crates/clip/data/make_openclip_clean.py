"""Writes `openclip_clean.json`: the tables behind open_clip's text clean-up
(`open_clip.tokenizer.basic_clean` = `ftfy.fix_text`, `html.unescape` twice, strip; then
`whitespace_clean` and `.lower()`), taken from the Python and ftfy that open_clip runs with, so
that `crates/clip/src/textclean.rs` holds code only and no hand-copied table.

    python crates/clip/data/make_openclip_clean.py     # reference venv + `pip install ftfy`

Written (codepoints as integers, strings as JSON strings):
- `html5`: Python's `html.entities.html5` (names with and without `;`), `invalid_charrefs`
  (`html._invalid_charrefs`) and `invalid_codepoints` (`html._invalid_codepoints`): everything
  `html.unescape` looks up; `charref_re`: its pattern.
- `ftfy_entities`: ftfy's own entity table (`chardata.HTML_ENTITIES`: the `;` names of `html5`
  plus upper-cased Latin ones) with `ftfy_entity_re`.
- `ligatures`, `width` (fullwidth/halfwidth forms and U+3000), `control_chars` (removed),
  `single_quotes` / `double_quotes` (uncurled), `c1` (U+80..U+9F decoded as ftfy's
  sloppy-windows-1252), `ansi_re` (terminal escapes).
- `badness_re`: ftfy's mojibake detector `badness.BADNESS_RE`: `fix_encoding` changes nothing
  when it does not match. clipprobe does not repair mojibake; it uses this to say which texts
  open_clip's clean-up might change where clipprobe's does not.
- `python_whitespace`: the characters Python's `str.split()` / `str.strip()` treat as
  whitespace.

Regular expressions are re-emitted from Python's own parse tree (`re._parser`) in the syntax
of Rust's `regex` crate, every character class as explicit codepoint ranges: `\\s`, `\\w`, `\\d`
expanded with Python's Unicode definitions (so nothing depends on the two engines agreeing
about them), verbose-mode whitespace gone, surrogates (which a Rust string cannot hold) left out.
"""
import html
import html.entities
import json
import re
import sys
import unicodedata
from pathlib import Path

import ftfy
import ftfy.bad_codecs  # noqa: F401  registers sloppy-windows-1252
from ftfy import badness, chardata, fixes

try:
    from re import _constants as C, _parser as P
except ImportError:  # Python < 3.11
    import sre_constants as C
    import sre_parse as P

OUT = Path(__file__).resolve().parent / "openclip_clean.json"
MAX = 0x10FFFF
SURROGATES = (0xD800, 0xDFFF)


def category_set(cat):
    """Python's own membership of every codepoint in \\s, \\w or \\d (str patterns)."""
    probe = re.compile({C.CATEGORY_SPACE: r"\s", C.CATEGORY_WORD: r"\w",
                        C.CATEGORY_DIGIT: r"\d"}[cat])
    return {c for c in range(MAX + 1) if not SURROGATES[0] <= c <= SURROGATES[1]
            and probe.match(chr(c))}


CATEGORIES = {}


def cat_codes(cat):
    if cat not in CATEGORIES:
        CATEGORIES[cat] = category_set(cat)
    return CATEGORIES[cat]


def ranges(codes):
    out, start, prev = [], None, None
    for c in sorted(codes):
        if SURROGATES[0] <= c <= SURROGATES[1]:
            continue
        if start is None:
            start = prev = c
        elif c == prev + 1:
            prev = c
        else:
            out.append((start, prev))
            start = prev = c
    if start is not None:
        out.append((start, prev))
    return out


def char_class(codes):
    parts = []
    for a, b in ranges(codes):
        parts.append(f"\\x{{{a:X}}}" if a == b else f"\\x{{{a:X}}}-\\x{{{b:X}}}")
    if not parts:
        raise ValueError("empty character class")
    return "[" + "".join(parts) + "]"


def in_set(items):
    codes, negate = set(), False
    for op, av in items:
        if op is C.NEGATE:
            negate = True
        elif op is C.LITERAL:
            codes.add(av)
        elif op is C.RANGE:
            codes.update(range(av[0], av[1] + 1))
        elif op is C.CATEGORY:
            codes |= cat_codes(av)
        else:
            raise ValueError(f"unsupported class item {op}")
    if negate:
        codes = {c for c in range(MAX + 1) if c not in codes}
    return codes


def emit(tree):
    out = []
    for op, av in tree:
        if op is C.LITERAL:
            out.append(char_class({av}))
        elif op is C.NOT_LITERAL:
            out.append(char_class(set(range(MAX + 1)) - {av}))
        elif op is C.IN:
            out.append(char_class(in_set(av)))
        elif op is C.CATEGORY:
            out.append(char_class(cat_codes(av)))
        elif op is C.ANY:
            out.append(r"[^\n]")
        elif op is C.AT and av is C.AT_BEGINNING:
            out.append(r"\A")
        elif op is C.AT and av is C.AT_END:
            out.append(r"(?:\n?\z)")
        elif op is C.BRANCH:
            out.append("(?:" + "|".join(emit(b) for b in av[1]) + ")")
        elif op is C.SUBPATTERN:
            group, add, dele, sub = av
            if add or dele:
                raise ValueError("inline flags are not supported")
            out.append(("(" if group is not None else "(?:") + emit(sub) + ")")
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT):
            lo, hi, sub = av
            hi = "" if hi is C.MAXREPEAT else str(hi)
            lazy = "?" if op is C.MIN_REPEAT else ""
            out.append(f"(?:{emit(sub)}){{{lo},{hi}}}{lazy}")
        else:
            raise ValueError(f"unsupported regex node {op} {av}")
    return "".join(out)


def rust_regex(pattern):
    if pattern.flags & ~(re.UNICODE | re.VERBOSE):
        raise ValueError(f"unsupported flags {pattern.flags}")
    return emit(P.parse(pattern.pattern, pattern.flags))


def main():
    c1 = {b: bytes([b]).decode("sloppy-windows-1252") for b in range(0x80, 0xA0)}
    assert all(chardata.C1_CONTROL_RE.fullmatch(chr(b)) for b in c1)
    single = sorted(c for c in range(0x10000) if fixes.uncurl_quotes(chr(c)) == "'"
                    and chr(c) != "'")
    double = sorted(c for c in range(0x10000) if fixes.uncurl_quotes(chr(c)) == '"'
                    and chr(c) != '"')
    tables = {
        "generated_by": "crates/clip/data/make_openclip_clean.py",
        "python": sys.version.split()[0],
        "unicode": unicodedata.unidata_version,
        "ftfy": ftfy.__version__,
        "html5": dict(html.entities.html5),
        "invalid_charrefs": {str(k): v for k, v in sorted(html._invalid_charrefs.items())},
        "invalid_codepoints": sorted(html._invalid_codepoints),
        "charref_re": rust_regex(html._charref),
        "ftfy_entities": dict(chardata.HTML_ENTITIES),
        "ftfy_entity_re": rust_regex(chardata.HTML_ENTITY_RE),
        "ligatures": {str(k): v for k, v in sorted(chardata.LIGATURES.items())},
        "width": {str(k): v for k, v in sorted(chardata.WIDTH_MAP.items())},
        "control_chars": sorted(chardata.CONTROL_CHARS),
        "single_quotes": single,
        "double_quotes": double,
        "c1": {str(k): v for k, v in c1.items()},
        "ansi_re": rust_regex(fixes.ANSI_RE),
        "badness_re": rust_regex(badness.BADNESS_RE),
        "python_whitespace": sorted(c for c in range(MAX + 1) if chr(c).isspace()),
    }
    OUT.write_text(json.dumps(tables, ensure_ascii=True, indent=0) + "\n", "utf-8")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()

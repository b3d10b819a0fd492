//! Captions → atomic concepts: objects, attributes attached to their noun, and relations
//! between two objects.
//!
//! The parser is a small rule-based chunker over the curated [`Lexicon`]; it targets short,
//! simple, COCO-style captions ("A man riding a brown horse on the beach."):
//!
//! 1. [`tokenize`] splits words (letters and digits, with inner `-` and `'`) and single
//!    punctuation marks, keeping byte and char offsets.
//! 2. Phrases are matched longest-first against the lexicon ("fire hydrant", "in front of",
//!    "a group of"). A word that is both an attribute and a noun ("orange", "glass") is an
//!    attribute when a noun or attribute follows it, else a noun.
//! 3. Noun phrases: `[determiner | count] attribute* (and attribute)* noun+`. In a run of
//!    nouns the last is the head and the others are modifiers ("kitchen counter"), which are
//!    not concepts.
//! 4. A relation is a relation phrase directly followed by a noun phrase, with an object
//!    somewhere before it (the nearest one is the subject). A relation phrase followed by
//!    anything else ("sitting on", "flying in the sky" keeps only "in") is ignored.
//!
//! Words the lexicon does not know are kept as they are and never edited.

pub use crate::bench::ConceptKind;
use crate::lexicon::{AttrId, Entry, FuncRole, Lexicon, NounId, RelId};

/// A token with its byte span `[start, end)` and char span `[cstart, cend)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub start: usize,
    pub end: usize,
    pub cstart: usize,
    pub cend: usize,
    /// Lowercased text.
    pub lower: String,
    /// A word (not punctuation).
    pub word: bool,
}

/// Splits text into words and punctuation marks, keeping offsets.
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().enumerate().peekable();
    while let Some((ci, (bi, c))) = chars.next() {
        if c.is_whitespace() {
            continue;
        }
        if !c.is_alphanumeric() {
            out.push(Token {
                start: bi,
                end: bi + c.len_utf8(),
                cstart: ci,
                cend: ci + 1,
                lower: c.to_lowercase().collect(),
                word: false,
            });
            continue;
        }
        let (mut end, mut cend) = (bi + c.len_utf8(), ci + 1);
        loop {
            match chars.peek() {
                Some(&(_, (b, d))) if d.is_alphanumeric() => {
                    end = b + d.len_utf8();
                    cend += 1;
                    chars.next();
                }
                Some(&(_, (b, d))) if d == '-' || d == '\'' || d == '\u{2019}' => {
                    // inner hyphen or apostrophe: only if a letter or digit follows
                    let next = text[b + d.len_utf8()..].chars().next();
                    if next.is_some_and(char::is_alphanumeric) {
                        end = b + d.len_utf8();
                        cend += 1;
                        chars.next();
                    } else {
                        break;
                    }
                }
                _ => break,
            }
        }
        out.push(Token {
            start: bi,
            end,
            cstart: ci,
            cend,
            lower: text[bi..end].to_lowercase(),
            word: true,
        });
    }
    out
}

/// What an item (a token or a matched phrase) is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    /// A noun; `number_from_det` when the form is both singular and plural ("sheep").
    Noun {
        id: NounId,
        plural: bool,
        number_from_det: bool,
    },
    Attr(AttrId),
    Rel(RelId),
    Func(FuncRole),
    Punct,
    Other,
}

/// A token or a lexicon phrase, covering tokens `[tok_start, tok_end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item {
    pub tok_start: usize,
    pub tok_end: usize,
    pub kind: ItemKind,
}

/// An object: the head noun of a noun phrase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    pub noun: NounId,
    pub plural: bool,
    /// Item index of the head noun.
    pub item: usize,
    /// Item index of the determiner or count, if any.
    pub det: Option<usize>,
    pub det_role: Option<FuncRole>,
    /// Item index of the first item after the determiner (attribute, modifier noun or head).
    pub first: usize,
    /// Indices into [`Parse::attributes`].
    pub attrs: Vec<usize>,
    /// Modifier nouns precede the head ("kitchen counter").
    pub has_modifier: bool,
}

impl Object {
    /// The item where the noun phrase starts: its determiner or its first word.
    pub fn start(&self) -> usize {
        self.det.unwrap_or(self.first).min(self.first)
    }
}

/// An attribute attached to an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    pub attr: AttrId,
    pub item: usize,
    /// Index into [`Parse::objects`].
    pub object: usize,
}

/// A relation between two objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    pub rel: RelId,
    pub item: usize,
    /// Indices into [`Parse::objects`].
    pub subject: usize,
    pub object: usize,
}

/// A caption's parse.
#[derive(Debug, Clone)]
pub struct Parse<'a> {
    pub text: &'a str,
    pub tokens: Vec<Token>,
    pub items: Vec<Item>,
    pub objects: Vec<Object>,
    pub attributes: Vec<Attribute>,
    pub relations: Vec<Relation>,
}

/// A concept in a lexicon-independent view (for reports and tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Concept {
    pub kind: ConceptKind,
    /// Lexicon category (`animal`, `color`, `spatial`, ...).
    pub category: String,
    /// The words as written in the caption.
    pub text: String,
    /// Char span `[start, end)`.
    pub span: [usize; 2],
}

fn pick(entries: &[Entry], next_is_np: bool) -> ItemKind {
    let noun = entries.iter().find_map(|e| match *e {
        Entry::Noun { id, plural } => Some((id, plural)),
        _ => None,
    });
    let both_numbers = entries
        .iter()
        .filter(|e| matches!(e, Entry::Noun { .. }))
        .count()
        > 1;
    let attr = entries.iter().find_map(|e| match *e {
        Entry::Attr(a) => Some(a),
        _ => None,
    });
    match (noun, attr) {
        (Some(_), Some(a)) if next_is_np => ItemKind::Attr(a),
        (Some((id, plural)), _) => ItemKind::Noun {
            id,
            plural,
            number_from_det: both_numbers,
        },
        (None, Some(a)) => ItemKind::Attr(a),
        _ => entries
            .iter()
            .find_map(|e| match *e {
                Entry::Rel(r) => Some(ItemKind::Rel(r)),
                Entry::Func(f) => Some(ItemKind::Func(f)),
                _ => None,
            })
            .unwrap_or(ItemKind::Other),
    }
}

/// The longest lexicon phrase starting at token `i`: (number of tokens, entries).
fn longest<'l>(
    lex: &'l Lexicon,
    tokens: &[Token],
    i: usize,
    buf: &mut String,
) -> (usize, &'l [Entry]) {
    // one lookup for a word no phrase starts with
    let (one, starts) = lex.phrase(&tokens[i].lower);
    let max = starts.min(tokens.len() - i);
    for n in (2..=max).rev() {
        if !tokens[i..i + n].iter().all(|t| t.word) {
            continue;
        }
        buf.clear();
        for (k, t) in tokens[i..i + n].iter().enumerate() {
            if k > 0 {
                buf.push(' ');
            }
            buf.push_str(&t.lower);
        }
        let e = lex.lookup(buf);
        if !e.is_empty() {
            return (n, e);
        }
    }
    (1, one)
}

/// Unknown words a noun phrase may hold in a row before it is given up.
const MAX_UNKNOWN: usize = 2;

/// An unknown word that may sit inside a noun phrase: not a possessive ("the man's hat" keeps
/// "hat" apart from "man's"), a clause word or a verb form.
fn np_word(w: &str) -> bool {
    !(w.ends_with("'s")
        || w.ends_with("\u{2019}s")
        || w.ends_with("ing")
        || matches!(
            w,
            "of" | "that"
                | "who"
                | "which"
                | "while"
                | "as"
                | "it"
                | "to"
                | "for"
                | "from"
                | "at"
                | "by"
                | "up"
                | "down"
                | "out"
                | "off"
                | "there"
                | "here"
        ))
}

fn np_start(kind: Option<ItemKind>) -> bool {
    matches!(kind, Some(ItemKind::Noun { .. } | ItemKind::Attr(_)))
}

/// Parses a caption into concepts.
pub fn parse<'a>(text: &'a str, lex: &Lexicon) -> Parse<'a> {
    let tokens = tokenize(text);
    // 1. phrases, longest first
    let mut raw: Vec<(usize, usize, &[Entry])> = Vec::with_capacity(tokens.len());
    let mut buf = String::new();
    let mut i = 0;
    while i < tokens.len() {
        let (n, e) = if tokens[i].word {
            longest(lex, &tokens, i, &mut buf)
        } else {
            (1, &[][..])
        };
        raw.push((i, i + n, e));
        i += n;
    }
    // 2. resolve noun/attribute ambiguity from the right
    let mut items = vec![
        Item {
            tok_start: 0,
            tok_end: 0,
            kind: ItemKind::Other
        };
        raw.len()
    ];
    let mut next: Option<ItemKind> = None;
    for (k, &(s, e, entries)) in raw.iter().enumerate().rev() {
        let kind = if !tokens[s].word {
            ItemKind::Punct
        } else {
            pick(entries, np_start(next))
        };
        items[k] = Item {
            tok_start: s,
            tok_end: e,
            kind,
        };
        next = Some(kind);
    }
    // 3. noun phrases
    let mut objects: Vec<Object> = Vec::new();
    let mut attributes: Vec<Attribute> = Vec::new();
    let mut det: Option<(usize, FuncRole)> = None;
    let mut pend_attrs: Vec<(usize, AttrId)> = Vec::new();
    let mut first: Option<usize> = None;
    let mut modifier = false;
    // unknown words inside the current noun phrase ("a *grassy* field", "three big *horn*
    // elephants"): they keep its determiner and attributes, up to MAX_UNKNOWN in a row
    let mut unknown = 0;
    for k in 0..items.len() {
        let kind = items[k].kind;
        if !matches!(kind, ItemKind::Other) {
            unknown = 0;
        }
        match kind {
            ItemKind::Other
                if (det.is_some() || !pend_attrs.is_empty())
                    && unknown < MAX_UNKNOWN
                    && !modifier
                    && np_word(&tokens[items[k].tok_start].lower) =>
            {
                unknown += 1;
                first.get_or_insert(k);
            }
            ItemKind::Func(r @ (FuncRole::DetSg | FuncRole::DetPl | FuncRole::DetAny)) => {
                det = Some((k, r));
                pend_attrs.clear();
                first = None;
                modifier = false;
            }
            ItemKind::Attr(a) => {
                first.get_or_insert(k);
                pend_attrs.push((k, a));
            }
            ItemKind::Func(FuncRole::And)
                if !pend_attrs.is_empty()
                    && matches!(items.get(k + 1).map(|i| i.kind), Some(ItemKind::Attr(_))) => {}
            ItemKind::Punct
                if items[k].tok_end == items[k].tok_start + 1
                    && tokens[items[k].tok_start].lower == ","
                    && !pend_attrs.is_empty()
                    && matches!(items.get(k + 1).map(|i| i.kind), Some(ItemKind::Attr(_))) => {}
            ItemKind::Noun {
                id,
                plural,
                number_from_det,
            } => {
                first.get_or_insert(k);
                if matches!(
                    items.get(k + 1).map(|i| i.kind),
                    Some(ItemKind::Noun { .. })
                ) {
                    modifier = true;
                    continue;
                }
                let plural = if number_from_det {
                    matches!(det, Some((_, FuncRole::DetPl)))
                } else {
                    plural
                };
                let oi = objects.len();
                let mut attrs = Vec::new();
                for &(ai, a) in &pend_attrs {
                    attrs.push(attributes.len());
                    attributes.push(Attribute {
                        attr: a,
                        item: ai,
                        object: oi,
                    });
                }
                objects.push(Object {
                    noun: id,
                    plural,
                    item: k,
                    det: det.map(|d| d.0),
                    det_role: det.map(|d| d.1),
                    first: first.unwrap_or(k),
                    attrs,
                    has_modifier: modifier,
                });
                det = None;
                pend_attrs.clear();
                first = None;
                modifier = false;
            }
            _ => {
                det = None;
                pend_attrs.clear();
                first = None;
                modifier = false;
            }
        }
    }
    // 4. relations: phrase directly followed by a noun phrase, with an object before it
    let mut relations = Vec::new();
    for (k, it) in items.iter().enumerate() {
        let ItemKind::Rel(r) = it.kind else { continue };
        let Some(subject) = objects.iter().rposition(|o| o.item < k) else {
            continue;
        };
        let np = objects
            .iter()
            .position(|o| o.item > k && o.start() == k + 1);
        if let Some(object) = np {
            relations.push(Relation {
                rel: r,
                item: k,
                subject,
                object,
            });
        }
    }
    Parse {
        text,
        tokens,
        items,
        objects,
        attributes,
        relations,
    }
}

impl Parse<'_> {
    /// Byte span of an item.
    pub fn bytes(&self, item: usize) -> (usize, usize) {
        let it = &self.items[item];
        (
            self.tokens[it.tok_start].start,
            self.tokens[it.tok_end - 1].end,
        )
    }

    /// Char span of an item.
    pub fn chars(&self, item: usize) -> [usize; 2] {
        let it = &self.items[item];
        [
            self.tokens[it.tok_start].cstart,
            self.tokens[it.tok_end - 1].cend,
        ]
    }

    /// The text of an item as written.
    pub fn item_text(&self, item: usize) -> &str {
        let (s, e) = self.bytes(item);
        &self.text[s..e]
    }

    /// Object, attribute and relation concepts in text order within each kind.
    pub fn concepts(&self, lex: &Lexicon) -> Vec<Concept> {
        let mut out = Vec::new();
        for o in &self.objects {
            out.push(Concept {
                kind: ConceptKind::Object,
                category: lex.nouns[o.noun as usize].category.clone(),
                text: self.item_text(o.item).to_string(),
                span: self.chars(o.item),
            });
        }
        for a in &self.attributes {
            out.push(Concept {
                kind: ConceptKind::Attribute,
                category: lex.attrs[a.attr as usize].category.clone(),
                text: self.item_text(a.item).to_string(),
                span: self.chars(a.item),
            });
        }
        for r in &self.relations {
            out.push(Concept {
                kind: ConceptKind::Relation,
                category: lex.rels[r.rel as usize].category.clone(),
                text: self.item_text(r.item).to_string(),
                span: self.chars(r.item),
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(text: &str) -> Vec<(ConceptKind, String)> {
        let lex = Lexicon::builtin();
        parse(text, lex)
            .concepts(lex)
            .into_iter()
            .map(|c| (c.kind, c.text))
            .collect()
    }

    /// `longest` as it was before [`Lexicon::phrase`]: every length from the longest phrase of
    /// the lexicon down.
    fn longest_by_every_length<'l>(
        lex: &'l Lexicon,
        tokens: &[Token],
        i: usize,
    ) -> (usize, &'l [Entry]) {
        for n in (1..=lex.max_words().min(tokens.len() - i)).rev() {
            if tokens[i..i + n].iter().all(|t| t.word) {
                let form: Vec<&str> = tokens[i..i + n].iter().map(|t| t.lower.as_str()).collect();
                let e = lex.lookup(&form.join(" "));
                if !e.is_empty() {
                    return (n, e);
                }
            }
        }
        (1, &[])
    }

    #[test]
    fn phrases_match_as_when_every_length_is_tried() {
        let lex = Lexicon::builtin();
        assert!(lex.phrase("in").1 >= 3, "in front of");
        assert_eq!(lex.phrase("qwzx"), (&[][..], 1));
        // every phrase of the lexicon after a word, before one, and cut short
        let mut texts: Vec<String> = crate::negatives::builtin_captions();
        let src = crate::lexicon::builtin_sources();
        let files = [
            &src.objects,
            &src.generated_objects,
            &src.attributes,
            &src.relations,
            &src.function_words,
        ];
        for line in files
            .iter()
            .flat_map(|f| f.iter())
            .flat_map(|(_, t)| t.lines())
        {
            let w = line.split('\t').next().unwrap_or("").trim();
            if w.contains(' ') {
                let cut = w.rsplit_once(' ').map_or(w, |(a, _)| a);
                texts.push(format!("the {w} of a dog, {cut}. {w}"));
            }
        }
        let mut multi = 0;
        for text in &texts {
            let tokens = tokenize(text);
            let mut buf = String::new();
            for i in (0..tokens.len()).filter(|&i| tokens[i].word) {
                let got = longest(lex, &tokens, i, &mut buf);
                assert_eq!(
                    got,
                    longest_by_every_length(lex, &tokens, i),
                    "{text:?} at {i}"
                );
                multi += usize::from(got.0 > 1);
            }
        }
        assert!(multi > 500, "{multi} phrases of two or more words matched");
    }

    #[test]
    fn tokens_keep_char_offsets() {
        let t = tokenize("Ein größer Hund, polka-dotted!");
        let words: Vec<_> = t
            .iter()
            .map(|t| (t.lower.as_str(), t.cstart, t.cend))
            .collect();
        assert_eq!(
            words,
            vec![
                ("ein", 0, 3),
                ("größer", 4, 10),
                ("hund", 11, 15),
                (",", 15, 16),
                ("polka-dotted", 17, 29),
                ("!", 29, 30)
            ]
        );
    }

    #[test]
    fn multiword_objects_attributes_and_relations() {
        use ConceptKind::*;
        assert_eq!(
            view("A red fire hydrant in front of a teddy bear."),
            vec![
                (Object, "fire hydrant".into()),
                (Object, "teddy bear".into()),
                (Attribute, "red".into()),
                (Relation, "in front of".into())
            ]
        );
        assert_eq!(
            view("an orange cat eating an orange"),
            vec![
                (Object, "cat".into()),
                (Object, "orange".into()),
                (Attribute, "orange".into()),
                (Relation, "eating".into())
            ]
        );
    }

    #[test]
    fn counts_plurals_and_modifiers() {
        let lex = Lexicon::builtin();
        let p = parse("two sheep and a bathroom mirror", lex);
        assert_eq!(p.objects.len(), 2);
        assert!(p.objects[0].plural, "two sheep is plural");
        assert!(!p.objects[1].plural);
        assert!(p.objects[1].has_modifier);
        assert_eq!(p.item_text(p.objects[1].item), "mirror");
        let p = parse("a sheep", lex);
        assert!(!p.objects[0].plural);
    }

    #[test]
    fn posture_verbs_are_not_relations() {
        let v = view("a cat sitting on a bed");
        assert!(v.contains(&(ConceptKind::Relation, "on".into())), "{v:?}");
        assert_eq!(v.iter().filter(|c| c.0 == ConceptKind::Relation).count(), 1);
        let v = view("a bird flying in the sky");
        assert!(v.contains(&(ConceptKind::Relation, "in".into())), "{v:?}");
        assert!(
            !v.contains(&(ConceptKind::Relation, "flying".into())),
            "{v:?}"
        );
    }
}

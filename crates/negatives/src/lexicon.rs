//! The curated lexicon behind [`crate::concepts`] and [`crate::negatives`].
//!
//! The lexicon is data in tab-separated files under `crates/negatives/lexicon/`, embedded in the
//! binary with `include_str!`: hand-written files plus `objects.wordnet.tsv`, nouns generated
//! from WordNet 3.0 by `scripts/negatives/make_lexicon.py` (licence in `WORDNET-LICENSE`), and
//! extended at run time by a user directory ([`UserFiles`], `--lexicon DIR`):
//!
//! | file | rows |
//! |---|---|
//! | `objects.tsv` | noun, plural (`-` for mass nouns), category, sense (synonym group or `hypernym`), scene tags |
//! | `attributes.tsv` | attribute, category (colour, size, material, ...), sense |
//! | `compat.tsv` | which attribute words fit which noun categories |
//! | `relations.tsv` | relation phrase, category (`spatial` / `action`), sense, meaning-changing opposites |
//! | `function_words.tsv` | determiners, counts, agreeing verbs, `a`/`an` exceptions |
//!
//! Each file documents its columns in its header. To extend the lexicon, add rows and rebuild;
//! [`Lexicon::from_sources`] checks every row and names the file and line of a bad one (the unit
//! tests run it on the embedded files).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

use crate::error::{Error, Result};

/// Index of a noun in [`Lexicon::nouns`].
pub type NounId = u32;
/// Index of an attribute in [`Lexicon::attrs`].
pub type AttrId = u32;
/// Index of a relation in [`Lexicon::rels`].
pub type RelId = u32;

/// A fast non-cryptographic hasher (the FxHash mix of rustc) for in-memory lookup tables;
/// never used where iteration order reaches an output.
#[derive(Debug, Default, Clone, Copy)]
pub struct FxHasher {
    hash: u64,
}

impl FxHasher {
    #[inline]
    fn add(&mut self, w: u64) {
        self.hash = (self.hash.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut b = [0u8; 8];
            b.copy_from_slice(c);
            self.add(u64::from_le_bytes(b));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut b = [0u8; 8];
            b[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(b) ^ ((rest.len() as u64) << 59));
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(i as u64);
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(i as u64);
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

/// A `HashMap` with [`FxHasher`].
pub type FxHashMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// One lexicon file: the name used in error messages and its text.
pub type SourceFile<'a> = (&'a str, &'a str);

/// The most nouns, and the most relations, a lexicon may hold (ids fit 16 bits).
pub const MAX_IDS: usize = 1 << 16;

/// The text of the lexicon files, by kind. Within a kind, files are read in order; a word
/// defined again in a later file of an `override` source replaces the earlier definition, and a
/// word already defined is skipped in a `generated` source (the WordNet-derived nouns never
/// override hand-written ones).
#[derive(Debug, Clone, Default)]
pub struct Sources<'a> {
    pub objects: Vec<SourceFile<'a>>,
    /// Generated noun files (same columns as `objects.tsv`): words already defined are skipped.
    pub generated_objects: Vec<SourceFile<'a>>,
    pub attributes: Vec<SourceFile<'a>>,
    pub compat: Vec<SourceFile<'a>>,
    pub relations: Vec<SourceFile<'a>>,
    pub function_words: Vec<SourceFile<'a>>,
}

/// The embedded lexicon files.
pub fn builtin_sources() -> Sources<'static> {
    Sources {
        objects: vec![("objects.tsv", include_str!("../lexicon/objects.tsv"))],
        generated_objects: vec![(
            "objects.wordnet.tsv",
            include_str!("../lexicon/objects.wordnet.tsv"),
        )],
        attributes: vec![("attributes.tsv", include_str!("../lexicon/attributes.tsv"))],
        compat: vec![("compat.tsv", include_str!("../lexicon/compat.tsv"))],
        relations: vec![("relations.tsv", include_str!("../lexicon/relations.tsv"))],
        function_words: vec![(
            "function_words.tsv",
            include_str!("../lexicon/function_words.tsv"),
        )],
    }
}

/// The user lexicon files of a `--lexicon DIR`, read into memory: any of `objects.tsv`,
/// `attributes.tsv`, `compat.tsv`, `relations.tsv`, `function_words.tsv` (same columns as the
/// built-in files). At least one must exist.
#[derive(Debug, Clone, Default)]
pub struct UserFiles {
    files: Vec<(&'static str, String, String)>,
}

/// The file names a `--lexicon DIR` may hold.
pub const USER_FILES: [&str; 5] = [
    "objects.tsv",
    "attributes.tsv",
    "compat.tsv",
    "relations.tsv",
    "function_words.tsv",
];

impl UserFiles {
    /// Reads the lexicon files of `dir`.
    pub fn read(dir: &std::path::Path) -> Result<UserFiles> {
        let mut files = Vec::new();
        for name in USER_FILES {
            let path = dir.join(name);
            if !path.exists() {
                continue;
            }
            let text = std::fs::read_to_string(&path).map_err(|e| Error::File {
                path: path.clone(),
                message: format!("cannot read lexicon file: {e}"),
            })?;
            files.push((name, path.display().to_string(), text));
        }
        if files.is_empty() {
            return Err(Error::File {
                path: dir.to_path_buf(),
                message: format!(
                    "no lexicon file (expected one of {})",
                    USER_FILES.join(", ")
                ),
            });
        }
        Ok(UserFiles { files })
    }

    /// The built-in sources followed by these files (which override the built-in rows).
    pub fn sources(&self) -> Sources<'_> {
        let mut s = builtin_sources();
        for (name, label, text) in &self.files {
            let v = match *name {
                "objects.tsv" => &mut s.objects,
                "attributes.tsv" => &mut s.attributes,
                "compat.tsv" => &mut s.compat,
                "relations.tsv" => &mut s.relations,
                _ => &mut s.function_words,
            };
            v.push((label.as_str(), text.as_str()));
        }
        s
    }
}

/// A noun (object concept).
#[derive(Debug, Clone)]
pub struct Noun {
    pub word: String,
    /// `None` for a mass noun ("water").
    pub plural: Option<String>,
    pub category: String,
    /// Synonym group; never replaced by a noun of the same sense.
    pub sense: String,
    /// A generic word ("animal", "person"): parsed, but never replaced nor used as a replacement.
    pub hypernym: bool,
    /// Scene tags as a bit set (bit i = [`Lexicon::scene_names`]`[i]`).
    pub scenes: u64,
    /// Fits every scene (`*`).
    pub any_scene: bool,
    /// Interned `sense` (equal ids = equal senses, across nouns only).
    pub sense_id: u32,
    category_idx: usize,
}

impl Noun {
    /// The form for a number.
    pub fn form(&self, plural: bool) -> &str {
        match (&self.plural, plural) {
            (Some(p), true) => p,
            _ => &self.word,
        }
    }

    /// A count noun (has a plural).
    pub fn countable(&self) -> bool {
        self.plural.is_some()
    }

    /// A place, a room or ground ("a street", "a kitchen", "the grass"): where things are,
    /// never added as an object nor swapped as one.
    pub fn place(&self) -> bool {
        matches!(self.category.as_str(), "place" | "room" | "ground")
    }
}

/// An attribute.
#[derive(Debug, Clone)]
pub struct Attr {
    pub word: String,
    pub category: String,
    pub sense: String,
    /// Interned `sense` (across attributes only).
    pub sense_id: u32,
}

/// A relation (spatial preposition or action verb).
#[derive(Debug, Clone)]
pub struct Rel {
    pub phrase: String,
    pub category: String,
    pub sense: String,
    /// Relations that make a true caption false when put in this one's place.
    pub opposites: Vec<RelId>,
}

/// The role of a function word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FuncRole {
    /// Singular determiner (`a`, `an`, `one`, `this`).
    DetSg,
    /// Plural determiner or count (`two`, `several`, `a group of`).
    DetPl,
    /// Determiner of either number (`the`, `his`).
    DetAny,
    /// Singular verb form that agrees with its subject (`is`, `was`, `has`).
    BeSg,
    /// Plural verb form (`are`, `were`, `have`).
    BePl,
    /// `and`.
    And,
}

/// What a word or phrase can be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    Noun { id: NounId, plural: bool },
    Attr(AttrId),
    Rel(RelId),
    Func(FuncRole),
}

/// A lowercase word or phrase of the lexicon: its entries, and the most words of a phrase that
/// starts with it (a word that only begins phrases has no entries).
#[derive(Debug, Clone, Default)]
struct Form {
    entries: Vec<Entry>,
    /// At least 1; more when a phrase of the lexicon starts with this form ([`Lexicon::phrase`]).
    starts: usize,
}

/// The parsed lexicon.
#[derive(Debug, Clone)]
pub struct Lexicon {
    pub nouns: Vec<Noun>,
    pub attrs: Vec<Attr>,
    pub rels: Vec<Rel>,
    /// Scene tag names, by bit.
    pub scene_names: Vec<String>,
    forms: FxHashMap<String, Form>,
    max_words: usize,
    /// `fits[noun category index][attr id]`.
    fits: Vec<Vec<bool>>,
    /// Nouns by category index.
    members: Vec<Vec<NounId>>,
    /// Nouns add_obj may add: specific count nouns that are not places, rooms or grounds.
    addable: Vec<NounId>,
    addable_set: Vec<bool>,
    /// Sorted (a binary search of a few words is cheaper than hashing one).
    an_words: Vec<String>,
    a_words: Vec<String>,
    a_prefixes: Vec<String>,
}

fn rows(text: &str) -> impl Iterator<Item = (usize, Vec<&str>)> + '_ {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|(i, l)| (i + 1, l.split('\t').map(str::trim).collect()))
}

/// Where `word` is, or would go, in the sorted `words`.
fn search_sorted(words: &[String], word: &str) -> Result<usize, usize> {
    words.binary_search_by(|x| x.as_str().cmp(word))
}

/// Inserts `word` into the sorted `words` unless it is there.
fn insert_sorted(words: &mut Vec<String>, word: &str) {
    if let Err(i) = search_sorted(words, word) {
        words.insert(i, word.to_string());
    }
}

fn intern(table: &mut Vec<String>, s: &str) -> u32 {
    match table.iter().position(|t| t == s) {
        Some(i) => i as u32,
        None => {
            table.push(s.to_string());
            (table.len() - 1) as u32
        }
    }
}

fn bad(file: &str, line: usize, message: impl Into<String>) -> Error {
    let path = if file.contains('/') {
        file.to_string()
    } else {
        format!("lexicon/{file}")
    };
    Error::Line {
        path: path.into(),
        line,
        message: message.into(),
    }
}

impl Lexicon {
    /// The embedded lexicon, parsed once.
    pub fn builtin() -> &'static Lexicon {
        static LEX: OnceLock<Lexicon> = OnceLock::new();
        LEX.get_or_init(|| {
            // The embedded files are checked by the unit tests; a failure here is a build bug.
            #[allow(clippy::expect_used)]
            Lexicon::from_sources(builtin_sources()).expect("embedded lexicon is valid")
        })
    }

    /// Parses lexicon files; a bad row is an [`Error::Line`] naming the file and line.
    pub fn from_sources(src: Sources<'_>) -> Result<Lexicon> {
        let object_files = src
            .objects
            .iter()
            .map(|f| (f, true))
            .chain(src.generated_objects.iter().map(|f| (f, false)));
        let mut lex = Lexicon {
            nouns: Vec::new(),
            attrs: Vec::new(),
            rels: Vec::new(),
            scene_names: Vec::new(),
            forms: FxHashMap::default(),
            max_words: 1,
            fits: Vec::new(),
            members: Vec::new(),
            addable: Vec::new(),
            addable_set: Vec::new(),
            an_words: Vec::new(),
            a_words: Vec::new(),
            a_prefixes: Vec::new(),
        };
        let mut categories: Vec<String> = Vec::new();
        let (mut noun_senses, mut attr_senses) = (Vec::new(), Vec::new());
        for (&(file, text), overrides) in object_files {
            for (line, cols) in rows(text) {
                let [word, plural, category, sense, scenes] = cols[..] else {
                    return Err(bad(file, line, "expected 5 tab-separated columns"));
                };
                let existing = lex.lookup(word).iter().find_map(|e| match *e {
                    Entry::Noun { id, plural: false } => Some(id),
                    _ => None,
                });
                if existing.is_some() && !overrides {
                    continue;
                }
                let category_idx = match categories.iter().position(|c| c == category) {
                    Some(i) => i,
                    None => {
                        categories.push(category.to_string());
                        categories.len() - 1
                    }
                };
                let mut bits = 0u64;
                let mut any_scene = false;
                for tag in scenes.split(',').map(str::trim).filter(|t| !t.is_empty()) {
                    if tag == "*" {
                        any_scene = true;
                        continue;
                    }
                    let i = match lex.scene_names.iter().position(|s| s == tag) {
                        Some(i) => i,
                        None => {
                            if lex.scene_names.len() == 64 {
                                return Err(bad(file, line, "more than 64 scene tags"));
                            }
                            lex.scene_names.push(tag.to_string());
                            lex.scene_names.len() - 1
                        }
                    };
                    bits |= 1 << i;
                }
                let id = existing.unwrap_or(lex.nouns.len() as NounId);
                let plural = (plural != "-").then(|| plural.to_string());
                if let Some(old) = existing.and_then(|i| lex.nouns[i as usize].plural.clone()) {
                    lex.remove_form(&old, Entry::Noun { id, plural: true });
                }
                lex.add_form(word, Entry::Noun { id, plural: false });
                if let Some(p) = &plural {
                    lex.add_form(p, Entry::Noun { id, plural: true });
                }
                let noun = Noun {
                    word: word.to_string(),
                    plural,
                    category: category.to_string(),
                    // `other`: a noun the parser knows but the operators never edit
                    hypernym: sense == "hypernym" || category == "other",
                    sense: sense.to_string(),
                    scenes: bits,
                    any_scene,
                    sense_id: intern(&mut noun_senses, sense),
                    category_idx,
                };
                match existing {
                    Some(i) => lex.nouns[i as usize] = noun,
                    None => lex.nouns.push(noun),
                }
            }
        }
        for &(file, text) in &src.attributes {
            for (line, cols) in rows(text) {
                let [word, category, sense] = cols[..] else {
                    return Err(bad(file, line, "expected 3 tab-separated columns"));
                };
                let attr = Attr {
                    word: word.to_string(),
                    category: category.to_string(),
                    sense: sense.to_string(),
                    sense_id: intern(&mut attr_senses, sense),
                };
                match lex.attrs.iter().position(|a| a.word == word) {
                    Some(i) => lex.attrs[i] = attr,
                    None => {
                        let id = lex.attrs.len() as AttrId;
                        lex.add_form(word, Entry::Attr(id));
                        lex.attrs.push(attr);
                    }
                }
            }
        }
        lex.fits = vec![vec![false; lex.attrs.len()]; categories.len()];
        lex.members = vec![Vec::new(); categories.len()];
        for (i, n) in lex.nouns.iter().enumerate() {
            lex.members[n.category_idx].push(i as NounId);
            if !n.hypernym && n.countable() && !n.place() {
                lex.addable.push(i as NounId);
            }
        }
        lex.addable_set = vec![false; lex.nouns.len()];
        for &n in &lex.addable {
            lex.addable_set[n as usize] = true;
        }
        for (file, line, cols) in src
            .compat
            .iter()
            .flat_map(|&(f, t)| rows(t).map(move |(l, c)| (f, l, c)))
        {
            let [acat, ncats, words] = cols[..] else {
                return Err(bad(file, line, "expected 3 tab-separated columns"));
            };
            let chosen: Vec<AttrId> = if words == "*" {
                (0..lex.attrs.len() as AttrId)
                    .filter(|&a| lex.attrs[a as usize].category == acat)
                    .collect()
            } else {
                let mut v = Vec::new();
                for w in words.split(',').map(str::trim) {
                    let a = lex
                        .attrs
                        .iter()
                        .position(|a| a.word == w && a.category == acat)
                        .ok_or_else(|| {
                            bad(file, line, format!("{w:?} is not a {acat} attribute"))
                        })?;
                    v.push(a as AttrId);
                }
                v
            };
            if chosen.is_empty() {
                return Err(bad(
                    file,
                    line,
                    format!("no attribute of category {acat:?}"),
                ));
            }
            for nc in ncats.split(',').map(str::trim) {
                let ci = categories
                    .iter()
                    .position(|c| c == nc)
                    .ok_or_else(|| bad(file, line, format!("unknown noun category {nc:?}")))?;
                for &a in &chosen {
                    lex.fits[ci][a as usize] = true;
                }
            }
        }
        let mut pending: Vec<(&str, usize, Vec<String>)> = Vec::new();
        for (file, line, cols) in src
            .relations
            .iter()
            .flat_map(|&(f, t)| rows(t).map(move |(l, c)| (f, l, c)))
        {
            if cols.len() < 3 || cols.len() > 4 {
                return Err(bad(file, line, "expected 3 or 4 tab-separated columns"));
            }
            let rel = Rel {
                phrase: cols[0].to_string(),
                category: cols[1].to_string(),
                sense: cols[2].to_string(),
                opposites: Vec::new(),
            };
            let opp = cols.get(3).copied().unwrap_or("");
            let opps = opp
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect();
            if let Some(i) = lex.rels.iter().position(|r| r.phrase == cols[0]) {
                lex.rels[i] = rel;
                pending[i] = (file, line, opps);
                continue;
            }
            let id = lex.rels.len() as RelId;
            lex.add_form(cols[0], Entry::Rel(id));
            lex.rels.push(rel);
            pending.push((file, line, opps));
        }
        for (i, (file, line, opps)) in pending.into_iter().enumerate() {
            for o in opps {
                let j = lex.rels.iter().position(|r| r.phrase == o);
                match j {
                    Some(j) if lex.rels[j].sense != lex.rels[i].sense => {
                        lex.rels[i].opposites.push(j as RelId)
                    }
                    Some(_) => return Err(bad(file, line, format!("{o:?} has the same sense"))),
                    // An opposite need not be parseable itself ("walking next to"); it is
                    // not added to the parsed forms, so that "sitting next to" still parses as
                    // "next to" (with its opposites) after a skipped posture verb.
                    None => {
                        let id = lex.rels.len() as RelId;
                        let cat = lex.rels[i].category.clone();
                        lex.rels.push(Rel {
                            phrase: o.clone(),
                            category: cat,
                            sense: o.clone(),
                            opposites: Vec::new(),
                        });
                        lex.rels[i].opposites.push(id);
                    }
                }
            }
        }
        for (file, line, cols) in src
            .function_words
            .iter()
            .flat_map(|&(f, t)| rows(t).map(move |(l, c)| (f, l, c)))
        {
            let [word, role] = cols[..] else {
                return Err(bad(file, line, "expected 2 tab-separated columns"));
            };
            let role = match role {
                "det_sg" => FuncRole::DetSg,
                "det_pl" => FuncRole::DetPl,
                "det_any" => FuncRole::DetAny,
                "be_sg" => FuncRole::BeSg,
                "be_pl" => FuncRole::BePl,
                "and" => FuncRole::And,
                "an" => {
                    insert_sorted(&mut lex.an_words, word);
                    continue;
                }
                "a" => {
                    match word.strip_suffix('-') {
                        Some(p) => lex.a_prefixes.push(p.to_string()),
                        None => {
                            insert_sorted(&mut lex.a_words, word);
                        }
                    }
                    continue;
                }
                other => return Err(bad(file, line, format!("unknown role {other:?}"))),
            };
            lex.add_form(word, Entry::Func(role));
        }
        // the plausibility table keys a relation and a noun in one `u32` (16 bits each)
        for (what, n, files) in [
            ("nouns", lex.nouns.len(), &src.objects),
            ("relations", lex.rels.len(), &src.relations),
        ] {
            if n > MAX_IDS {
                let file = files.last().map_or("lexicon", |f| f.0);
                return Err(Error::File {
                    path: file.into(),
                    message: format!("{n} {what}: at most {MAX_IDS} are supported"),
                });
            }
        }
        Ok(lex)
    }

    fn remove_form(&mut self, form: &str, e: Entry) {
        if let Some(f) = self.forms.get_mut(form) {
            f.entries.retain(|x| *x != e);
        }
    }

    fn add_form(&mut self, form: &str, e: Entry) {
        let words = form.split(' ').count();
        self.max_words = self.max_words.max(words);
        let first = form.split(' ').next().unwrap_or(form);
        let f = self.forms.entry(first.to_string()).or_default();
        f.starts = f.starts.max(words);
        let f = self.forms.entry(form.to_string()).or_default();
        f.starts = f.starts.max(1);
        if !f.entries.contains(&e) {
            f.entries.push(e);
        }
    }

    /// The entries of a lowercase word or space-joined phrase.
    pub fn lookup(&self, form: &str) -> &[Entry] {
        self.forms
            .get(form)
            .map(|f| f.entries.as_slice())
            .unwrap_or(&[])
    }

    /// The entries of the lowercase word `first`, and the most words of a lexicon phrase that
    /// starts with it (1 when none does, or when `first` is unknown): a parser looks longer
    /// phrases up only when this says one may match.
    pub fn phrase(&self, first: &str) -> (&[Entry], usize) {
        match self.forms.get(first) {
            Some(f) => (&f.entries, f.starts),
            None => (&[], 1),
        }
    }

    /// The longest phrase (in words) of any entry.
    pub fn max_words(&self) -> usize {
        self.max_words
    }

    /// Index of a noun's category (nouns of one category share it).
    pub fn category_index(&self, n: NounId) -> usize {
        self.nouns[n as usize].category_idx
    }

    /// The nouns of noun `n`'s category, in file order (`n` included).
    pub fn same_category(&self, n: NounId) -> &[NounId] {
        &self.members[self.nouns[n as usize].category_idx]
    }

    /// The nouns add_obj may add (specific count nouns, no places), in file order.
    pub fn addable(&self) -> &[NounId] {
        &self.addable
    }

    /// Whether add_obj may add noun `n`.
    pub fn is_addable(&self, n: NounId) -> bool {
        self.addable_set[n as usize]
    }

    /// Whether attribute `a` fits noun `n` (compat.tsv).
    pub fn fits(&self, a: AttrId, n: NounId) -> bool {
        let ci = self.nouns[n as usize].category_idx;
        self.fits[ci][a as usize]
    }

    /// `"a"` or `"an"` for the word that follows the article.
    pub fn article_for(&self, next_word: &str) -> &'static str {
        // an ASCII word is lowercased on the stack (the common case: no allocation)
        let mut buf = [0u8; 32];
        let owned;
        let w: &str = match buf.get_mut(..next_word.len()) {
            Some(b) if next_word.is_ascii() => {
                b.copy_from_slice(next_word.as_bytes());
                b.make_ascii_lowercase();
                std::str::from_utf8(b).unwrap_or(next_word)
            }
            _ => {
                owned = next_word.to_lowercase();
                &owned
            }
        };
        let has = |words: &[String]| search_sorted(words, w).is_ok();
        if has(&self.an_words) {
            return "an";
        }
        if has(&self.a_words) || self.a_prefixes.iter().any(|p| w.starts_with(p.as_str())) {
            return "a";
        }
        match w.chars().next() {
            Some('a' | 'e' | 'i' | 'o' | 'u') => "an",
            _ => "a",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_lexicon_parses() {
        let lex = Lexicon::from_sources(builtin_sources()).expect("valid");
        assert!(lex.nouns.len() > 150, "{}", lex.nouns.len());
        assert!(lex.attrs.len() > 40);
        assert!(lex.rels.len() > 30);
    }

    #[test]
    fn bad_rows_name_file_and_line() {
        let mut s = builtin_sources();
        s.attributes = vec![("attributes.tsv", "# header\nred\tcolor\n")];
        let e = Lexicon::from_sources(s).expect_err("bad").to_string();
        assert!(e.contains("attributes.tsv:2"), "{e}");
        let mut s = builtin_sources();
        s.compat = vec![("compat.tsv", "color\tplanet\t*\n")];
        let e = Lexicon::from_sources(s).expect_err("bad").to_string();
        assert!(e.contains("compat.tsv:1") && e.contains("planet"), "{e}");
    }

    #[test]
    fn user_files_extend_and_override() {
        let dir = std::env::temp_dir().join(format!("clipprobe-lex-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(
            dir.join("objects.tsv"),
            "futon\tfutons\tfurniture\tfuton\t*\ndog\tdogs\tanimal\tcanine\t*\n",
        )
        .expect("write");
        let user = UserFiles::read(&dir).expect("read");
        let lex = Lexicon::from_sources(user.sources()).expect("valid");
        let noun = |w: &str| {
            lex.lookup(w).iter().find_map(|e| match *e {
                Entry::Noun { id, .. } => Some(&lex.nouns[id as usize]),
                _ => None,
            })
        };
        assert_eq!(noun("futons").map(|n| n.word.as_str()), Some("futon"));
        assert_eq!(noun("dog").map(|n| n.sense.as_str()), Some("canine"));
        assert_eq!(
            lex.nouns.iter().filter(|n| n.word == "dog").count(),
            1,
            "redefined in place"
        );
        std::fs::write(dir.join("attributes.tsv"), "# x\nred\n").expect("write");
        let e = Lexicon::from_sources(UserFiles::read(&dir).expect("read").sources())
            .expect_err("bad row")
            .to_string();
        assert!(e.contains("attributes.tsv:2"), "{e}");
        std::fs::remove_dir_all(&dir).expect("clean");
        assert!(
            UserFiles::read(&dir).is_err(),
            "a missing directory has no lexicon file"
        );
    }

    #[test]
    fn articles() {
        let lex = Lexicon::builtin();
        for (w, a) in [
            ("apple", "an"),
            ("banana", "a"),
            ("umbrella", "an"),
            ("uniform", "a"),
            ("hour", "an"),
            ("elephant", "an"),
            ("one-way", "a"),
            ("Orange", "an"),
            ("horse", "a"),
            // capitals, a word longer than the stack buffer, and non-ASCII words (lowercased
            // by Unicode's rules, as all words are)
            ("HOUR", "an"),
            ("Uniform", "a"),
            ("UNIVERSITY-sponsored-and-very-long-event", "a"),
            ("Olive-green-and-very-long-walk-through-the-city", "an"),
            ("Éclair", "a"),
            ("Ünicorn", "a"),
            // 'İ' lowercases to 'i' and a combining dot by Unicode's rules, so "an" as before
            ("İstanbul", "an"),
            ("HONEST", "an"),
        ] {
            assert_eq!(lex.article_for(w), a, "{w}");
        }
    }

    #[test]
    fn synonyms_share_a_sense_and_hypernyms_are_marked() {
        let lex = Lexicon::builtin();
        let sense = |w: &str| {
            let n = lex.nouns.iter().find(|n| n.word == w).expect(w);
            (n.sense.clone(), n.hypernym)
        };
        for (a, b) in [
            ("dog", "puppy"),
            ("couch", "sofa"),
            ("bike", "bicycle"),
            ("cell phone", "phone"),
        ] {
            assert_eq!(sense(a).0, sense(b).0, "{a} / {b}");
        }
        for w in ["animal", "person", "vehicle", "food", "fruit"] {
            assert!(sense(w).1, "{w} should be a hypernym");
        }
        assert_ne!(sense("dog").0, sense("cat").0);
    }

    #[test]
    fn compat_blocks_implausible_pairs() {
        let lex = Lexicon::builtin();
        let n = |w: &str| lex.nouns.iter().position(|n| n.word == w).expect(w) as NounId;
        let a = |w: &str| lex.attrs.iter().position(|a| a.word == w).expect(w) as AttrId;
        assert!(lex.fits(a("red"), n("car")));
        assert!(lex.fits(a("brown"), n("dog")));
        assert!(!lex.fits(a("blue"), n("dog")));
        assert!(!lex.fits(a("wooden"), n("banana")));
    }
}

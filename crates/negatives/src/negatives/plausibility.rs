//! Plausibility from caption statistics: how often an attribute describes a noun, two nouns
//! appear in one caption, a noun is the subject or the object of a relation, and how often
//! each word occurs. Learned by parsing captions with the lexicon ([`Plausibility::learn`]);
//! the built-in table (`crates/negatives/lexicon/plausibility.tsv`) was learned from the
//! development part of the COCO dev captions (see `scripts/negatives/`).
//!
//! Table format, one count a line, tab-separated: `kind  word1  word2  count` with kinds
//! `n` (noun, -), `np` (round 20: noun named in the plural, -), `a` (attribute, -),
//! `r` (relation, -), `an` (attribute, noun),
//! `nn` (noun, noun; alphabetical), `sr` (subject noun, relation), `ro` (relation, object noun),
//! `sv` (subject noun, `-ing`/`-ed`/`-s` verb: "a dog *running*", "a train is *flying*", "a truck
//! *parked*", "a cat *sits*"), `vo` (verb, object noun: "*eating* a banana"), `vp` (round 13:
//! a subject's verb and the relation right after it, one space apart, and that relation's object
//! noun: "*sitting on*" "*bench*"). Verbs are the words as written; they need no lexicon entry.
//! Nouns are singular lexicon words. Rows whose words the lexicon does not know are ignored.

use std::collections::BTreeMap;

use crate::concepts::{parse, ItemKind, Parse};
use crate::error::{Error, Result};
use crate::lexicon::{AttrId, Entry, FuncRole, FxHashMap, Lexicon, NounId, RelId};
use crate::pairs::PairMap;

use super::ops::{count_site, CountClass, QUANTITIES};

/// An `-ing`, `-ed` or third-person `-s` word that the lexicon does not know or lists as a
/// relation, as a verb ("running", "parked", "sits", "flying").
pub fn verb_at<'t>(p: &'t Parse<'_>, item: usize) -> Option<&'t str> {
    bare_word(p, item)
        .filter(|w| w.len() > 3 && (w.ends_with("ing") || w.ends_with("ed") || third_person(w)))
}

/// The word of item `item` when it is a single word the lexicon does not know or a relation
/// word, lowercased: where [`verb_at`] looks for a verb. A relation word without its object is
/// a verb too ("a plane is *flying* over a city").
pub fn bare_word<'t>(p: &'t Parse<'_>, item: usize) -> Option<&'t str> {
    let it = p.items.get(item)?;
    (matches!(it.kind, ItemKind::Other | ItemKind::Rel(_)) && it.tok_end == it.tok_start + 1)
        .then(|| p.tokens[it.tok_start].lower.as_str())
}

/// A third-person singular verb form ("sits", "rides"; not "glass").
pub fn third_person(w: &str) -> bool {
    w.len() > 3 && w.ends_with('s') && !w.ends_with("ss")
}

/// The item after object `oi`'s head and an optional "is"/"are": where its predicate starts.
pub fn predicate_item(p: &Parse<'_>, oi: usize) -> usize {
    let i = p.objects[oi].item + 1;
    match p.items.get(i).map(|it| it.kind) {
        Some(ItemKind::Func(FuncRole::BeSg | FuncRole::BePl)) => i + 1,
        _ => i,
    }
}

/// The verb object `oi` is the subject of: a verb word right after its noun phrase, after an
/// optional "is"/"are" ("a train *flying*", "a man is *eating*", "a truck *parked*", "a cat
/// *sits*").
pub fn verb_after<'t>(p: &'t Parse<'_>, oi: usize) -> Option<&'t str> {
    verb_at(p, predicate_item(p, oi))
}

/// [`verb_after`], or (round 10) the verb of a relative clause right after the object, after
/// "that" / "which" / "who" and an optional "is" / "are" / "has" / "have" / "was" ("a cat *that
/// has curled* up in a bowl": a sheep has never "curled", round 9's independent read). Used
/// for the slot a replacement fills and (round 16) the verb a co-subject must have done ("a
/// bear and a dog that are sitting").
pub fn clause_verb_after<'t>(p: &'t Parse<'_>, oi: usize) -> Option<&'t str> {
    verb_at(p, clause_verb_item(p, oi))
}

/// The item where [`clause_verb_after`] looks for the verb of object `oi` (round 13: the verb
/// replacement of replace_rel edits it).
pub fn clause_verb_item(p: &Parse<'_>, oi: usize) -> usize {
    let i = predicate_item(p, oi);
    let word = |i: usize| {
        p.items
            .get(i)
            .filter(|it| it.tok_end == it.tok_start + 1)
            .map(|it| p.tokens[it.tok_start].lower.as_str())
    };
    if matches!(word(i), Some("that" | "which" | "who")) {
        return match word(i + 1) {
            Some("is" | "are" | "has" | "have" | "was" | "were" | "had") => i + 2,
            _ => i + 1,
        };
    }
    i
}

/// The relation right after `verb`, the item of object `oi`'s verb ([`clause_verb_item`]),
/// whose subject is `oi`: "a cat sitting *on* a bench" (round 13).
pub fn relation_after_verb(p: &Parse<'_>, verb: usize, oi: usize) -> Option<usize> {
    p.relations
        .iter()
        .position(|r| r.item == verb + 1 && r.subject == oi)
}

/// The verb object `oi` is the object of: a verb word right before its noun phrase
/// ("*eating* a banana"), or (round 14) a base form of [`BASE_VERBS`] there, as its `-ing` form
/// ("going to *hit* the ball" counts as "hitting": round 13's output had "to hit the ball" →
/// "to hit the bat", "to get a frisbee" → "to get a surfboard", "fly a kite" → "fly a
/// surfboard").
pub fn verb_before<'t>(p: &'t Parse<'_>, oi: usize) -> Option<&'t str> {
    let i = p.objects[oi].start().checked_sub(1)?;
    verb_at(p, i).or_else(|| {
        let it = &p.items[i];
        if it.kind != ItemKind::Other || it.tok_end != it.tok_start + 1 {
            return None;
        }
        let w = p.tokens[it.tok_start].lower.as_str();
        BASE_VERBS
            .binary_search_by(|(b, _)| b.cmp(&w))
            .ok()
            .map(|k| BASE_VERBS[k].1)
    })
}

/// Transitive verbs in the base form, which captions use after "to" and in the plural ("going
/// to *hit* the ball", "children *fly* a kite"), with their `-ing` forms. Sorted; curated from
/// the verbs of sports and handling in COCO captions.
pub const BASE_VERBS: &[(&str, &str)] = &[
    ("brush", "brushing"),
    ("carry", "carrying"),
    ("catch", "catching"),
    ("chase", "chasing"),
    ("climb", "climbing"),
    ("cross", "crossing"),
    ("cut", "cutting"),
    ("drink", "drinking"),
    ("drive", "driving"),
    ("eat", "eating"),
    ("feed", "feeding"),
    ("fly", "flying"),
    ("get", "getting"),
    ("grab", "grabbing"),
    ("hit", "hitting"),
    ("hold", "holding"),
    ("kick", "kicking"),
    ("pet", "petting"),
    ("play", "playing"),
    ("pull", "pulling"),
    ("push", "pushing"),
    ("read", "reading"),
    ("return", "returning"),
    ("ride", "riding"),
    ("serve", "serving"),
    ("swing", "swinging"),
    ("take", "taking"),
    ("throw", "throwing"),
    ("use", "using"),
    ("watch", "watching"),
    ("wear", "wearing"),
];

/// Co-occurrence counts keyed by lexicon ids.
///
/// The hash maps hold the counts (learning, merging, [`Plausibility::to_tsv`]); lookups go
/// through [`Lookup`], built from them by [`Plausibility::index`] (and the class counts by
/// [`Plausibility::classes`]): the generator asks tens of millions of questions per 100,000
/// captions, and a dense array or a one-multiply open-addressing table answers each with
/// about one cache line, where a general hash map needs a hash of both ids and two.
#[derive(Debug, Clone, Default)]
pub struct Plausibility {
    noun: FxHashMap<NounId, u32>,
    /// (round 20) Captions that name noun `n` in the plural ("np" rows).
    plural: FxHashMap<NounId, u32>,
    /// (round 28) Counts replace_att may replace, per count word ("two", "several", "a group
    /// of": [`count_site`]) and (round 29) class of count ([`CountClass`]); "q" rows.
    quantity: FxHashMap<(String, CountClass), u32>,
    attr: FxHashMap<AttrId, u32>,
    rel: FxHashMap<RelId, u32>,
    an: FxHashMap<(AttrId, NounId), u32>,
    nn: FxHashMap<(NounId, NounId), u32>,
    sr: FxHashMap<(NounId, RelId), u32>,
    ro: FxHashMap<(RelId, NounId), u32>,
    /// Verb words by id (interned: `sv` / `vo` keys use the id).
    verbs: FxHashMap<String, u32>,
    verb_names: Vec<String>,
    sv: FxHashMap<(NounId, u32), u32>,
    vo: FxHashMap<(u32, NounId), u32>,
    /// (round 13) `(verb, relation << 16 | object noun)`: "sitting on a bench" ([`vp_key`]).
    vp: FxHashMap<(u32, u32), u32>,
    /// (round 15) `(subject noun, relation << 16 | object noun)`: "a cat on a laptop" ([`vp_key`]).
    sro: FxHashMap<(NounId, u32), u32>,
    /// Nouns seen with each noun, sorted (built by [`Plausibility::index`]).
    neighbours: FxHashMap<NounId, Vec<NounId>>,
    /// Added to every count: a large floor makes every pairing plausible
    /// ([`Plausibility::permissive`]).
    floor: u32,
    /// Captions where attribute `a` describes a noun of noun category `c` (`(a, c)`), and where
    /// noun `n` is described by an attribute of attribute category `d` (`(n, d)`); built by
    /// [`Plausibility::classes`] (empty until then).
    an_class: PairTable,
    described: PairTable,
    /// Attribute category index of each attribute (by [`Plausibility::classes`]).
    attr_dim: Vec<usize>,
    /// The counts above, as lookup tables.
    look: Lookup,
}

/// Read-only lookup tables of the counts of a [`Plausibility`]: single ids index arrays, pairs
/// a [`PairTable`] each. Built by [`Plausibility::index`]; the maps stay the source of truth.
#[derive(Debug, Clone, Default)]
struct Lookup {
    noun: Vec<u32>,
    plural: Vec<u32>,
    attr: Vec<u32>,
    rel: Vec<u32>,
    an: PairTable,
    nn: PairTable,
    sr: PairTable,
    ro: PairTable,
    sv: PairTable,
    vo: PairTable,
    vp: PairTable,
    sro: PairTable,
    /// (round 14) `vp` summed over object nouns, keyed `(verb, relation)`, and the number of
    /// object nouns seen there once.
    vp_total: PairTable,
    vp_once: PairTable,
    /// Per verb id: captions where it is a subject's verb (`sv` summed over nouns).
    verb: Vec<u32>,
}

/// The second key of a `vp` count: relation and object noun in one id (the lexicon holds
/// fewer than 65,536 nouns: [`Lexicon`] ids are checked when it is built).
fn vp_key(r: RelId, n: NounId) -> u32 {
    (r << 16) | (n & 0xFFFF)
}

/// The relation and the noun of a [`vp_key`].
fn vp_parts(k: u32) -> (RelId, NounId) {
    (k >> 16, k & 0xFFFF)
}

/// Counts by id, as a dense array (ids are small: lexicon indices).
fn dense(m: &FxHashMap<u32, u32>) -> Vec<u32> {
    let mut v = vec![0; m.keys().max().map_or(0, |&k| k as usize + 1)];
    for (&k, &c) in m {
        v[k as usize] = c;
    }
    v
}

/// Counts keyed by a pair of `u32` ids ([`PairMap`]: one multiply to place a key, key and count
/// in one slot). Read-only once built; a missing pair counts 0.
#[derive(Debug, Clone, Default)]
pub(crate) struct PairTable(PairMap<u32>);

impl PairTable {
    /// A table of `counts` (pairs with a zero count may be left out: they read as 0).
    pub(crate) fn build(counts: impl ExactSizeIterator<Item = ((u32, u32), u32)>) -> Self {
        PairTable(PairMap::build(counts))
    }

    /// The count of `(a, b)`, 0 when absent.
    #[inline]
    pub(crate) fn get(&self, a: u32, b: u32) -> u32 {
        self.0.get(a, b).unwrap_or(0)
    }
}

/// The lookup table of a pair-count map.
fn table(m: &FxHashMap<(u32, u32), u32>) -> PairTable {
    PairTable::build(m.iter().map(|(&k, &c)| (k, c)))
}

/// (round 30) P(X ≤ k) for X Poisson with mean `lambda`: how likely a count of `k` or less is
/// when `lambda` was expected. `lambda` ≤ 0 gives 1.
pub fn poisson_at_most(k: u32, lambda: f64) -> f64 {
    if lambda <= 0.0 {
        return 1.0;
    }
    let mut term = (-lambda).exp();
    let mut sum = term;
    for i in 1..=k {
        term *= lambda / f64::from(i);
        sum += term;
    }
    sum.min(1.0)
}

fn pair(a: NounId, b: NounId) -> (NounId, NounId) {
    (a.min(b), a.max(b))
}

impl Plausibility {
    /// A table with no statistics in which every pairing counts as seen once: the operators
    /// then only apply the lexicon's rules (used to test them apart from the corpus).
    pub fn permissive() -> Self {
        Plausibility {
            floor: 1_000_000,
            ..Default::default()
        }
    }

    /// A looked-up count plus the floor.
    #[inline]
    fn with_floor(&self, c: u32) -> u32 {
        c + self.floor
    }

    /// `v[i]` plus the floor (0 past the end).
    #[inline]
    fn at(&self, v: &[u32], i: u32) -> u32 {
        self.with_floor(v.get(i as usize).copied().unwrap_or(0))
    }

    /// Counts over captions parsed with `lex`.
    pub fn learn<'a>(captions: impl IntoIterator<Item = &'a str>, lex: &Lexicon) -> Self {
        let mut pl = Plausibility::default();
        for c in captions {
            pl.add_caption(c, lex);
        }
        pl.index()
    }

    fn verb_id(&mut self, w: &str) -> u32 {
        if let Some(&v) = self.verbs.get(w) {
            return v;
        }
        let v = self.verb_names.len() as u32;
        self.verbs.insert(w.to_string(), v);
        self.verb_names.push(w.to_string());
        v
    }

    fn add_caption(&mut self, caption: &str, lex: &Lexicon) {
        let p = parse(caption, lex);
        for (oi, o) in p.objects.iter().enumerate() {
            if let Some(v) = verb_after(&p, oi) {
                let v = self.verb_id(v);
                *self.sv.entry((o.noun, v)).or_default() += 1;
            }
            let item = clause_verb_item(&p, oi);
            if let Some(v) = verb_at(&p, item) {
                if let Some(ri) = relation_after_verb(&p, item, oi) {
                    let r = &p.relations[ri];
                    let k = vp_key(r.rel, p.objects[r.object].noun);
                    let v = self.verb_id(v);
                    *self.vp.entry((v, k)).or_default() += 1;
                }
            }
            if let Some(v) = verb_before(&p, oi) {
                let v = self.verb_id(v);
                *self.vo.entry((v, o.noun)).or_default() += 1;
            }
        }
        for (oi, o) in p.objects.iter().enumerate() {
            *self.noun.entry(o.noun).or_default() += 1;
            if o.plural {
                *self.plural.entry(o.noun).or_default() += 1;
                if let Some(q) = count_site(&p, lex, oi) {
                    let class = CountClass::of(&p, lex, oi);
                    *self
                        .quantity
                        .entry((QUANTITIES[q].0.to_string(), class))
                        .or_default() += 1;
                }
            }
        }
        for a in &p.attributes {
            *self.attr.entry(a.attr).or_default() += 1;
            *self
                .an
                .entry((a.attr, p.objects[a.object].noun))
                .or_default() += 1;
        }
        for (i, a) in p.objects.iter().enumerate() {
            for b in &p.objects[i + 1..] {
                if a.noun != b.noun {
                    *self.nn.entry(pair(a.noun, b.noun)).or_default() += 1;
                }
            }
        }
        for r in &p.relations {
            *self.rel.entry(r.rel).or_default() += 1;
            let (s, o) = (p.objects[r.subject].noun, p.objects[r.object].noun);
            *self.sro.entry((s, vp_key(r.rel, o))).or_default() += 1;
            *self.sr.entry((s, r.rel)).or_default() += 1;
            *self.ro.entry((r.rel, o)).or_default() += 1;
        }
    }

    /// Builds the neighbour lists; called by the constructors after counting.
    fn index(mut self) -> Self {
        let mut nb: FxHashMap<NounId, Vec<NounId>> = FxHashMap::default();
        for &(a, b) in self.nn.keys() {
            nb.entry(a).or_default().push(b);
            nb.entry(b).or_default().push(a);
        }
        for v in nb.values_mut() {
            v.sort_unstable();
        }
        self.neighbours = nb;
        // per (verb, relation): captions, and object nouns seen there once
        let mut vp_total: FxHashMap<(u32, u32), u32> = FxHashMap::default();
        let mut vp_once: FxHashMap<(u32, u32), u32> = FxHashMap::default();
        for (&(v, k), &c) in &self.vp {
            let key = (v, vp_parts(k).0);
            *vp_total.entry(key).or_default() += c;
            *vp_once.entry(key).or_default() += u32::from(c == 1);
        }
        self.look = Lookup {
            noun: dense(&self.noun),
            plural: dense(&self.plural),
            attr: dense(&self.attr),
            rel: dense(&self.rel),
            an: table(&self.an),
            nn: table(&self.nn),
            sr: table(&self.sr),
            ro: table(&self.ro),
            sv: table(&self.sv),
            vo: table(&self.vo),
            vp: table(&self.vp),
            sro: table(&self.sro),
            vp_total: table(&vp_total),
            vp_once: table(&vp_once),
            verb: {
                let mut v = vec![0; self.verb_names.len()];
                for (&(_, verb), &c) in &self.sv {
                    v[verb as usize] += c;
                }
                v
            },
        };
        self
    }

    /// Indexes the attribute–noun counts by lexicon category (see [`Plausibility::an_class`] and
    /// [`Plausibility::described`]); the model's constructors call it after counting.
    pub fn classes(mut self, lex: &Lexicon) -> Self {
        let mut dims: Vec<&str> = Vec::new();
        self.attr_dim = lex
            .attrs
            .iter()
            .map(|a| match dims.iter().position(|d| *d == a.category) {
                Some(i) => i,
                None => {
                    dims.push(&a.category);
                    dims.len() - 1
                }
            })
            .collect();
        let mut an_class: FxHashMap<(AttrId, u32), u32> = FxHashMap::default();
        let mut described: FxHashMap<(NounId, u32), u32> = FxHashMap::default();
        for (&(a, n), &c) in &self.an {
            *an_class
                .entry((a, lex.category_index(n) as u32))
                .or_default() += c;
            *described
                .entry((n, self.attr_dim[a as usize] as u32))
                .or_default() += c;
        }
        self.an_class = table(&an_class);
        self.described = table(&described);
        self
    }

    /// Captions where attribute `a` describes some noun of noun category index `category`.
    pub fn an_class(&self, a: AttrId, category: usize) -> u32 {
        match u32::try_from(category) {
            Ok(c) => self.with_floor(self.an_class.get(a, c)),
            Err(_) => self.floor,
        }
    }

    /// Captions where noun `n` is described by some attribute of `a`'s category (colour, size,
    /// ...): the dimension varies on `n` in the corpus.
    pub fn described(&self, n: NounId, a: AttrId) -> u32 {
        match self.attr_dim.get(a as usize) {
            Some(&d) => self.with_floor(self.described.get(n, d as u32)),
            None => self.floor,
        }
    }

    /// The nouns seen with `n` in one caption, in id order; `None` for a permissive table
    /// (every noun then counts as seen).
    pub fn neighbours(&self, n: NounId) -> Option<&[NounId]> {
        if self.floor > 0 {
            return None;
        }
        Some(self.neighbours.get(&n).map(Vec::as_slice).unwrap_or(&[]))
    }

    /// (round 30) How alike the scenes of nouns `a` and `b` are: the cosine of their rows of
    /// [`Plausibility::nn`], each other noun `x` weighted by `1 / noun(x)` (a noun named
    /// everywhere, such as "man", says little about a scene) and `a` and `b` themselves left
    /// out. 1 for nouns seen with the same nouns in the same proportions, 0 for nouns that share
    /// no neighbour; 0 for a permissive table. Symmetric.
    pub fn similarity(&self, a: NounId, b: NounId) -> f64 {
        let (Some(na), Some(nb)) = (self.neighbours(a), self.neighbours(b)) else {
            return 0.0;
        };
        let weight =
            |n: NounId, x: NounId| f64::from(self.nn(n, x)) / f64::from(self.noun(x).max(1));
        let others = |list: &'_ [NounId]| -> Vec<NounId> {
            list.iter().copied().filter(|&x| x != a && x != b).collect()
        };
        let (na, nb) = (others(na), others(nb));
        let norm = |n: NounId, list: &[NounId]| {
            list.iter()
                .map(|&x| weight(n, x).powi(2))
                .sum::<f64>()
                .sqrt()
        };
        let dot: f64 = na
            .iter()
            .filter(|x| nb.binary_search(x).is_ok())
            .map(|&x| weight(a, x) * weight(b, x))
            .sum();
        let d = norm(a, &na) * norm(b, &nb);
        if d > 0.0 {
            dot / d
        } else {
            0.0
        }
    }

    /// Adds another table's counts.
    pub fn merge(&mut self, other: &Plausibility) {
        fn add<K: std::hash::Hash + Eq + Copy>(a: &mut FxHashMap<K, u32>, b: &FxHashMap<K, u32>) {
            for (k, v) in b {
                *a.entry(*k).or_default() += v;
            }
        }
        add(&mut self.noun, &other.noun);
        add(&mut self.plural, &other.plural);
        for (w, &c) in &other.quantity {
            *self.quantity.entry(w.clone()).or_default() += c;
        }
        add(&mut self.attr, &other.attr);
        add(&mut self.rel, &other.rel);
        add(&mut self.an, &other.an);
        add(&mut self.nn, &other.nn);
        add(&mut self.sr, &other.sr);
        add(&mut self.ro, &other.ro);
        for (&(n, v), &c) in &other.sv {
            let v = self.verb_id(&other.verb_names[v as usize]);
            *self.sv.entry((n, v)).or_default() += c;
        }
        for (&(v, n), &c) in &other.vo {
            let v = self.verb_id(&other.verb_names[v as usize]);
            *self.vo.entry((v, n)).or_default() += c;
        }
        for (&(v, k), &c) in &other.vp {
            let v = self.verb_id(&other.verb_names[v as usize]);
            *self.vp.entry((v, k)).or_default() += c;
        }
        add(&mut self.sro, &other.sro);
        *self = std::mem::take(self).index();
    }

    pub fn noun(&self, n: NounId) -> u32 {
        self.at(&self.look.noun, n)
    }
    /// (round 20) Captions that name noun `n` in the plural; `None` when the table counts no
    /// plural at all (a table saved before round 20 has no "np" rows: number is then unknown).
    pub fn plural(&self, n: NounId) -> Option<u32> {
        (!self.plural.is_empty() || self.floor > 0).then(|| self.at(&self.look.plural, n))
    }
    pub fn attr(&self, a: AttrId) -> u32 {
        self.at(&self.look.attr, a)
    }
    /// (round 28) Counts of the corpus written with count word `w` (lowercase: "two", "a group
    /// of") that replace_att could replace ([`count_site`]), (round 29) of class `class`;
    /// `None` when the table counts none at all (a table saved before round 29 has no "q" rows
    /// by class).
    pub(crate) fn quantity(&self, w: &str, class: CountClass) -> Option<u32> {
        (!self.quantity.is_empty() || self.floor > 0).then(|| {
            let c = self.quantity.get(&(w.to_string(), class));
            self.with_floor(c.copied().unwrap_or(0))
        })
    }
    pub fn rel(&self, r: RelId) -> u32 {
        self.at(&self.look.rel, r)
    }
    /// Captions where attribute `a` describes noun `n`.
    pub fn an(&self, a: AttrId, n: NounId) -> u32 {
        self.with_floor(self.look.an.get(a, n))
    }
    /// Captions with both nouns.
    pub fn nn(&self, a: NounId, b: NounId) -> u32 {
        if a == b {
            return self.noun(a);
        }
        let (a, b) = pair(a, b);
        self.with_floor(self.look.nn.get(a, b))
    }
    /// Captions where noun `n` is the subject of relation `r`.
    pub fn sr(&self, n: NounId, r: RelId) -> u32 {
        self.with_floor(self.look.sr.get(n, r))
    }
    /// Captions where noun `n` is the object of relation `r`.
    pub fn ro(&self, r: RelId, n: NounId) -> u32 {
        self.with_floor(self.look.ro.get(r, n))
    }

    /// Captions where noun `n` is the subject of the verb `v` ([`verb_after`]).
    pub fn sv(&self, n: NounId, v: &str) -> u32 {
        self.sv_id(n, self.known_verb(v))
    }
    /// Captions where noun `n` is the object of the verb `v` ([`verb_before`]).
    pub fn vo(&self, v: &str, n: NounId) -> u32 {
        self.vo_id(self.known_verb(v), n)
    }

    /// Captions where verb `v` ([`Plausibility::known_verb`]) is followed by relation `r` whose
    /// object is noun `n` ("sitting on a bench"; round 13).
    pub fn vp_id(&self, v: Option<u32>, r: RelId, n: NounId) -> u32 {
        match v {
            Some(v) => self.with_floor(self.look.vp.get(v, vp_key(r, n))),
            None => self.floor,
        }
    }
    /// For verb id `v` followed by relation `r` whose subject does the verb: the captions
    /// ([`Plausibility::vp_id`] summed over object nouns) and the object nouns seen there once.
    /// The share of the second in the first is the Good–Turing estimate of how likely the next
    /// object there is one never seen there.
    pub fn vp_spread(&self, v: Option<u32>, r: RelId) -> (u32, u32) {
        match v {
            Some(v) => (
                self.with_floor(self.look.vp_total.get(v, r)),
                self.look.vp_once.get(v, r),
            ),
            None => (self.floor, 0),
        }
    }
    /// Captions where noun `s` is the subject of relation `r` whose object is noun `o` ("a cat
    /// on a laptop"; round 15).
    pub fn sro(&self, s: NounId, r: RelId, o: NounId) -> u32 {
        self.with_floor(self.look.sro.get(s, vp_key(r, o)))
    }
    /// [`Plausibility::vp_id`] of a verb word.
    pub fn vp(&self, v: &str, r: RelId, n: NounId) -> u32 {
        self.vp_id(self.known_verb(v), r, n)
    }
    /// Captions where verb `v` is a subject's verb, any subject.
    pub fn verb(&self, v: Option<u32>) -> u32 {
        match v {
            Some(v) => self.at(&self.look.verb, v),
            None => self.floor,
        }
    }

    /// The id of verb word `v` in the table (`None`: never seen), for [`Plausibility::sv_id`]
    /// and [`Plausibility::vo_id`] when one verb is asked about many nouns.
    pub fn known_verb(&self, v: &str) -> Option<u32> {
        self.verbs.get(v).copied()
    }
    /// [`Plausibility::sv`] of a verb id from [`Plausibility::known_verb`].
    pub fn sv_id(&self, n: NounId, v: Option<u32>) -> u32 {
        match v {
            Some(v) => self.with_floor(self.look.sv.get(n, v)),
            None => self.floor,
        }
    }
    /// [`Plausibility::vo`] of a verb id from [`Plausibility::known_verb`].
    pub fn vo_id(&self, v: Option<u32>, n: NounId) -> u32 {
        match v {
            Some(v) => self.with_floor(self.look.vo.get(v, n)),
            None => self.floor,
        }
    }

    /// The table as text (sorted rows: same counts give the same bytes).
    pub fn to_tsv(&self, lex: &Lexicon) -> String {
        let n = |i: NounId| lex.nouns[i as usize].word.as_str();
        let a = |i: AttrId| lex.attrs[i as usize].word.as_str();
        let r = |i: RelId| lex.rels[i as usize].phrase.as_str();
        let mut rows: BTreeMap<(&str, String, String), u32> = BTreeMap::new();
        let mut put = |k: &'static str, x: &str, y: &str, c: u32| {
            *rows.entry((k, x.to_string(), y.to_string())).or_default() += c;
        };
        for (&k, &c) in &self.noun {
            put("n", n(k), "-", c);
        }
        for (&k, &c) in &self.plural {
            put("np", n(k), "-", c);
        }
        for ((w, class), &c) in &self.quantity {
            put("q", w, &class.name(), c);
        }
        for (&k, &c) in &self.attr {
            put("a", a(k), "-", c);
        }
        for (&k, &c) in &self.rel {
            put("r", r(k), "-", c);
        }
        for (&(x, y), &c) in &self.an {
            put("an", a(x), n(y), c);
        }
        for (&(x, y), &c) in &self.nn {
            let (x, y) = (n(x).min(n(y)), n(x).max(n(y)));
            put("nn", x, y, c);
        }
        for (&(x, y), &c) in &self.sr {
            put("sr", n(x), r(y), c);
        }
        for (&(x, y), &c) in &self.ro {
            put("ro", r(x), n(y), c);
        }
        let v = |i: u32| self.verb_names[i as usize].as_str();
        for (&(x, y), &c) in &self.sv {
            put("sv", n(x), v(y), c);
        }
        for (&(x, y), &c) in &self.vo {
            put("vo", v(x), n(y), c);
        }
        for (&(x, k), &c) in &self.vp {
            let (rel, noun) = vp_parts(k);
            put("vp", &format!("{} {}", v(x), r(rel)), n(noun), c);
        }
        for (&(x, k), &c) in &self.sro {
            let (rel, noun) = vp_parts(k);
            put("sro", &format!("{}|{}", n(x), r(rel)), n(noun), c);
        }
        let mut out = String::from(
            "# clipprobe plausibility table: kind\tword1\tword2\tcount (see negatives/plausibility.rs)\n",
        );
        for ((k, x, y), c) in rows {
            out.push_str(&format!("{k}\t{x}\t{y}\t{c}\n"));
        }
        out
    }

    /// Reads a table; `file` names it in errors. Rows with words `lex` does not know are skipped.
    pub fn from_tsv(text: &str, file: &str, lex: &Lexicon) -> Result<Self> {
        let noun = |w: &str| {
            lex.lookup(w).iter().find_map(|e| match *e {
                Entry::Noun { id, plural: false } => Some(id),
                _ => None,
            })
        };
        let attr = |w: &str| {
            lex.lookup(w).iter().find_map(|e| match *e {
                Entry::Attr(a) => Some(a),
                _ => None,
            })
        };
        let rel = |w: &str| {
            lex.rels
                .iter()
                .position(|r| r.phrase == w)
                .map(|i| i as RelId)
        };
        let mut pl = Plausibility::default();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let bad = |m: &str| Error::Line {
                path: file.into(),
                line: i + 1,
                message: m.to_string(),
            };
            let cols: Vec<&str> = line.split('\t').collect();
            let [kind, x, y, c] = cols[..] else {
                return Err(bad("expected 4 tab-separated columns"));
            };
            let c: u32 = c.trim().parse().map_err(|_| bad("count is not a number"))?;
            let hit = match kind {
                "n" => noun(x).map(|k| *pl.noun.entry(k).or_default() += c),
                "np" => noun(x).map(|k| *pl.plural.entry(k).or_default() += c),
                // round 28's rows had no class ("-"): read, not used (save the table again)
                "q" if y == "-" => None,
                "q" => {
                    let class = CountClass::parse(y)
                        .ok_or_else(|| bad(&format!("q: unknown count class {y:?}")))?;
                    *pl.quantity.entry((x.to_lowercase(), class)).or_default() += c;
                    Some(())
                }
                "a" => attr(x).map(|k| *pl.attr.entry(k).or_default() += c),
                "r" => rel(x).map(|k| *pl.rel.entry(k).or_default() += c),
                "an" => attr(x)
                    .zip(noun(y))
                    .map(|k| *pl.an.entry(k).or_default() += c),
                "nn" => noun(x)
                    .zip(noun(y))
                    .map(|(a, b)| *pl.nn.entry(pair(a, b)).or_default() += c),
                "sr" => noun(x)
                    .zip(rel(y))
                    .map(|k| *pl.sr.entry(k).or_default() += c),
                "ro" => rel(x)
                    .zip(noun(y))
                    .map(|k| *pl.ro.entry(k).or_default() += c),
                "sv" => noun(x).map(|n| {
                    let v = pl.verb_id(y);
                    *pl.sv.entry((n, v)).or_default() += c
                }),
                "vo" => noun(y).map(|n| {
                    let v = pl.verb_id(x);
                    *pl.vo.entry((v, n)).or_default() += c
                }),
                "vp" => {
                    let (verb, phrase) = x
                        .split_once(' ')
                        .ok_or_else(|| bad("vp: expected \"verb relation\" in column 2"))?;
                    rel(phrase).zip(noun(y)).map(|(r, n)| {
                        let v = pl.verb_id(verb);
                        *pl.vp.entry((v, vp_key(r, n))).or_default() += c
                    })
                }
                "sro" => {
                    let (subject, phrase) = x
                        .split_once('|')
                        .ok_or_else(|| bad("sro: expected \"subject|relation\" in column 2"))?;
                    noun(subject)
                        .zip(rel(phrase))
                        .zip(noun(y))
                        .map(|((s, r), o)| *pl.sro.entry((s, vp_key(r, o))).or_default() += c)
                }
                other => return Err(bad(&format!("unknown kind {other:?}"))),
            };
            let _ = hit;
        }
        Ok(pl.index())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic stream of pseudo-random numbers (splitmix64).
    fn stream(mut x: u64) -> impl FnMut() -> u64 {
        move || {
            x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
    }

    #[test]
    fn pair_table_answers_like_a_hash_map() {
        for (n, range) in [(0usize, 4u64), (1, 4), (3, 2), (1000, 40), (20_000, 3000)] {
            let mut next = stream(n as u64);
            let mut m: FxHashMap<(u32, u32), u32> = FxHashMap::default();
            while m.len() < n {
                let k = ((next() % range) as u32, (next() % range) as u32);
                m.insert(k, (next() % 1000) as u32 + 1);
            }
            let t = table(&m);
            for (&(a, b), &c) in &m {
                assert_eq!(t.get(a, b), c, "({a}, {b}) of {n}");
            }
            // every pair of the id range (present or not), and ids outside it
            for a in 0..range.min(300) as u32 {
                for b in 0..range.min(300) as u32 {
                    let want = m.get(&(a, b)).copied().unwrap_or(0);
                    assert_eq!(t.get(a, b), want, "({a}, {b}) of {n}");
                }
            }
            assert_eq!(t.get(u32::MAX - 1, 7), 0);
            assert_eq!(t.get(7, u32::MAX), 0);
        }
    }

    #[test]
    fn lookups_read_the_counts_of_the_builtin_table() {
        let m = crate::negatives::Model::builtin();
        let (pl, lex) = (&m.plaus, &m.lex);
        let (nouns, attrs, rels) = (
            lex.nouns.len() as u32,
            lex.attrs.len() as u32,
            lex.rels.len() as u32,
        );
        let count = |map: &FxHashMap<(u32, u32), u32>, k| map.get(&k).copied().unwrap_or(0);
        for n in 0..nouns + 2 {
            assert_eq!(pl.noun(n), pl.noun.get(&n).copied().unwrap_or(0));
            for b in 0..nouns {
                assert_eq!(
                    pl.nn(n, b),
                    if n == b {
                        pl.noun(n)
                    } else {
                        count(&pl.nn, pair(n, b))
                    }
                );
            }
            for a in 0..attrs {
                assert_eq!(pl.an(a, n), count(&pl.an, (a, n)), "an {a} {n}");
            }
            for r in 0..rels {
                assert_eq!(pl.sr(n, r), count(&pl.sr, (n, r)));
                assert_eq!(pl.ro(r, n), count(&pl.ro, (r, n)));
            }
            for (v, name) in pl.verb_names.iter().enumerate() {
                assert_eq!(pl.sv(n, name), count(&pl.sv, (n, v as u32)));
                assert_eq!(pl.vo(name, n), count(&pl.vo, (v as u32, n)));
                for r in 0..rels {
                    assert_eq!(pl.vp(name, r, n), count(&pl.vp, (v as u32, vp_key(r, n))));
                }
            }
        }
        for a in 0..attrs + 2 {
            assert_eq!(pl.attr(a), pl.attr.get(&a).copied().unwrap_or(0));
        }
        for r in 0..rels + 2 {
            assert_eq!(pl.rel(r), pl.rel.get(&r).copied().unwrap_or(0));
        }
        assert_eq!(pl.sv(0, "no-such-verb"), 0);
        // the class counts, summed here from the attribute-noun counts by category name
        let mut by_class: BTreeMap<(u32, &str), u32> = BTreeMap::new();
        let mut by_dim: BTreeMap<(u32, &str), u32> = BTreeMap::new();
        for (&(a, n), &c) in &pl.an {
            *by_class
                .entry((a, lex.nouns[n as usize].category.as_str()))
                .or_default() += c;
            *by_dim
                .entry((n, lex.attrs[a as usize].category.as_str()))
                .or_default() += c;
        }
        for a in 0..attrs {
            for n in 0..nouns {
                let (noun, attr) = (&lex.nouns[n as usize], &lex.attrs[a as usize]);
                let want = by_class.get(&(a, noun.category.as_str()));
                let ci = lex.category_index(n);
                assert_eq!(pl.an_class(a, ci), want.copied().unwrap_or(0), "{a} {ci}");
                let want = by_dim.get(&(n, attr.category.as_str()));
                assert_eq!(pl.described(n, a), want.copied().unwrap_or(0), "{n} {a}");
            }
        }
        // a permissive table answers the floor everywhere
        let p = Plausibility::permissive();
        assert_eq!(
            (p.nn(1, 2), p.an(3, 4), p.noun(5)),
            (1_000_000, 1_000_000, 1_000_000)
        );
    }
}

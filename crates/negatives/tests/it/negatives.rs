//! Hard-negative generator: coverage on the project's caption set, hand-labelled expectations,
//! properties (SWAP keeps words, REPLACE changes one concept, determinism), bad input and a
//! fuzz over arbitrary strings.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use clipprobe_negatives::bench::{BenchRecord, Op};
use clipprobe_negatives::concepts::{parse, tokenize, ConceptKind};
use clipprobe_negatives::lexicon::{Entry, Lexicon};
use clipprobe_negatives::negatives::{
    self, read_input, verb_sense, InputCaption, InputFormat, Model, Options, Plausibility, Skip,
};
use proptest::prelude::*;

/// The built-in lexicon with every pairing plausible: these tests pin the lexicon rules, the
/// parser and the rewriting; the corpus statistics are tested in the unit tests (`issue7_*`).
fn permissive() -> &'static Model {
    static M: std::sync::OnceLock<Model> = std::sync::OnceLock::new();
    M.get_or_init(|| {
        Model::from_parts(
            Lexicon::builtin().clone(),
            Plausibility::permissive(),
            negatives::Lm::permissive(),
        )
    })
}

fn generate(
    inputs: &[InputCaption],
    opts: &Options,
) -> (
    Vec<BenchRecord>,
    BTreeMap<String, negatives::OpStats>,
    usize,
) {
    let g = negatives::generate_with(inputs, opts, permissive());
    (g.records, g.ops, g.unparsed.len())
}

fn run_p(
    set: &negatives::InputSet,
    opts: &Options,
) -> clipprobe_negatives::Result<negatives::Generated> {
    negatives::run_with(set, opts, permissive())
}

fn caption_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/captions/coco_style.txt")
}

fn captions() -> Vec<InputCaption> {
    read_input(&caption_file(), None)
        .expect("caption set")
        .captions
}

fn ops_applied(rows: &[BenchRecord]) -> BTreeMap<String, BTreeSet<String>> {
    let mut m: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in rows {
        m.entry(r.caption.clone())
            .or_default()
            .insert(r.op.to_string());
    }
    m
}

#[test]
fn coverage_on_the_caption_set() {
    let caps = captions();
    assert!(caps.len() >= 200, "{}", caps.len());
    let (rows, stats, _) = generate(&caps, &Options::default());
    let n = caps.len() as f64;
    // add_obj: 222 of 247 since a co-subject needs a predicate it shares (a verb or a relation
    // after the subject, no list subject, no later verb that would not agree); 199 since round 5
    // (no co-subject for one held thing: "a man and a girl holding a tennis racket"); 197 since
    // round 6 (a thing caught, kicked or served has one holder too: "A boy catching a ball.",
    // "A man kicking a soccer ball." get no co-subject); 211 since round 7 (a second object of
    // "with", "next to", "holding", ... when the co-subject is blocked)
    for (op, min) in [("replace_obj", 0.95), ("add_obj", 0.85)] {
        let applied = stats[op].captions_applied as f64;
        assert!(applied / n >= min, "{op}: {applied} of {n}");
    }
    // the parser's own view: each concept makes its operators possible
    let lex = Lexicon::builtin();
    let applied = ops_applied(&rows);
    let none = BTreeSet::new();
    for c in &caps {
        let p = parse(&c.caption, lex);
        let got = applied.get(&c.caption).unwrap_or(&none);
        // an attribute with a fitting alternative of another sense allows replace_att
        let senses: BTreeSet<&str> = p
            .attributes
            .iter()
            .map(|a| lex.attrs[a.attr as usize].sense.as_str())
            .collect();
        let replaceable = p.attributes.iter().any(|a| {
            let old = &lex.attrs[a.attr as usize];
            // round 9: a young noun takes no other age ("a young boy" → "an old boy")
            let noun = lex.nouns[p.objects[a.object].noun as usize].word.as_str();
            if old.category == "age" && ["boy", "girl", "child", "kid", "puppy"].contains(&noun) {
                return false;
            }
            // round 9: no new terrain under people or animals
            let animate = p.objects.iter().any(|o| {
                matches!(
                    lex.nouns[o.noun as usize].category.as_str(),
                    "person" | "role" | "animal"
                )
            });
            if old.category == "terrain" && animate {
                return false;
            }
            lex.attrs.iter().enumerate().any(|(i, n)| {
                n.category == old.category
                    && !senses.contains(n.sense.as_str())
                    && lex.fits(i as u32, p.objects[a.object].noun)
            })
        });
        if replaceable {
            assert!(
                got.contains("replace_att"),
                "replace_att for {:?}",
                c.caption
            );
        }
        // hand-labelled: in these captions both senses of a two-sense category are used
        let exhausted = [
            "A big truck behind a little car.",
            "A huge elephant next to a tiny dog.",
            "A new car in front of an old building.",
            "A tall man standing next to a short woman.",
            // round 9: no other age for a young noun, no other terrain under an animal
            "A young boy holding a baseball bat.",
            "An elephant standing in a dirt field.",
        ];
        // attributes of a noun the operators never edit ("a black and white photo": the
        // WordNet noun "photo" has category `other`) are not replaceable
        let on_editable = p
            .attributes
            .iter()
            .any(|a| lex.nouns[p.objects[a.object].noun as usize].category != "other");
        if on_editable {
            assert_eq!(
                replaceable,
                !exhausted.contains(&c.caption.as_str()),
                "{:?}",
                c.caption
            );
        }
        let reversible = p
            .relations
            .iter()
            .any(|r| !lex.rels[r.rel as usize].opposites.is_empty());
        if reversible {
            // every relation has an opposite unless it is vertical against the ground (or
            // against a part: see below)
            // parts and pictures ("on the side of") are not replaced either
            // round 9: nor food and dishes on furniture (they stay on it)
            let ground_only = p.relations.iter().all(|r| {
                let cat = &lex.nouns[p.objects[r.object].noun as usize].category;
                let subject = &lex.nouns[p.objects[r.subject].noun as usize].category;
                matches!(cat.as_str(), "place" | "room" | "ground" | "other")
                    || (lex.rels[r.rel as usize].sense == "on"
                        && matches!(subject.as_str(), "food" | "tableware")
                        && cat == "furniture")
            });
            // hand-labelled: "on" after "talking" is a particle, not a place
            // round 10: "on" a ground surface has no opposite, and "in a red jacket" is worn
            // round 11: a clock on a wall hangs there ("in front of a wall" says the same)
            // round 15: what is under a tree is next to it
            let particle = [
                "A woman talking on a cell phone.",
                "A skier in a red jacket on the snow.",
                "A round clock on a wall.",
                "A metal bench under a tree.",
            ];
            assert!(
                got.contains("replace_rel")
                    || ground_only
                    || particle.contains(&c.caption.as_str()),
                "replace_rel for {:?}",
                c.caption
            );
        }
        let editable = |o: &clipprobe_negatives::concepts::Object| {
            lex.nouns[o.noun as usize].category != "other"
        };
        if p.objects.iter().any(|o| o.attrs.is_empty() && editable(o))
            && p.objects.iter().all(|o| o.det.is_some())
        {
            assert!(got.contains("add_att"), "add_att for {:?}", c.caption);
        }
    }
}

/// Hand-labelled: which operators each caption allows (written by reading the captions; since
/// round 3 of issue 7 swap_obj exchanges only people and animals).
#[test]
fn hand_labelled_operator_sets() {
    let cases: [(&str, &[&str]); 10] = [
        (
            "A white towel in a blue bathroom.",
            &[
                "replace_obj",
                "replace_att",
                "swap_att",
                "replace_rel",
                "add_obj",
            ],
        ),
        (
            "A dog on a couch.",
            &["replace_obj", "replace_rel", "add_obj", "add_att"],
        ),
        (
            // round 4: no swap_obj between a person and an animal ("a horse riding a man")
            "A man riding a horse on the beach.",
            &["replace_obj", "replace_rel", "add_obj", "add_att"],
        ),
        (
            "A black cat sleeping on a white pillow.",
            &[
                "replace_obj",
                "replace_att",
                "swap_att",
                "replace_rel",
                "add_obj",
            ],
        ),
        (
            // round 28: replace_att changes the count ("Two dogs" → "Several dogs")
            "Two dogs playing in the snow.",
            &[
                "replace_obj",
                "replace_att",
                "replace_rel",
                "add_obj",
                "add_att",
            ],
        ),
        (
            // round 5: two vehicles with their own roles are swapped ("a blue truck behind a
            // white car")
            "A blue car behind a white truck.",
            &[
                "replace_obj",
                "replace_att",
                "swap_att",
                "replace_rel",
                "add_obj",
                "swap_obj",
            ],
        ),
        (
            // no swap_obj: "next to" is symmetric and nothing else tells the two apart, so
            // "A zebra standing next to a giraffe." is the same scene
            "A giraffe standing next to a zebra.",
            &["replace_obj", "replace_rel", "add_obj", "add_att"],
        ),
        (
            // round 5: "a red orange next to an apple" (the attribute keeps them apart); round
            // 24: swap_att does not move "red" onto the orange, since "orange" is also a colour
            // word no attribute of the parse binds
            "A red apple next to an orange.",
            &[
                "replace_obj",
                "replace_att",
                "replace_rel",
                "add_obj",
                "add_att",
                "swap_obj",
            ],
        ),
        (
            // round 4: no swap_obj between a person and an animal ("a horse riding a man")
            "A man feeding a giraffe.",
            &["replace_obj", "replace_rel", "add_obj", "add_att"],
        ),
        // replace_att: "big" and "little" are the two size senses, both already in the caption
        (
            "A big truck behind a little car.",
            &[
                "replace_obj",
                "swap_att",
                "replace_rel",
                "add_obj",
                "swap_obj",
            ],
        ),
    ];
    let inputs: Vec<_> = cases
        .iter()
        .enumerate()
        .map(|(i, (c, _))| InputCaption::new(i.to_string(), *c))
        .collect();
    let (rows, _, _) = generate(&inputs, &Options::default());
    let applied = ops_applied(&rows);
    let wrong: Vec<String> = cases
        .iter()
        .filter_map(|(c, want)| {
            let want: BTreeSet<String> = want.iter().map(|s| s.to_string()).collect();
            (applied.get(*c) != Some(&want)).then(|| format!("{c}: {:?}", applied.get(*c)))
        })
        .collect();
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn concrete_negatives_from_the_caption_set() {
    let opts = |op: Op| Options {
        ops: vec![op],
        per_caption: 1000,
        ..Options::default()
    };
    let negs = |c: &str, op: Op| -> Vec<String> {
        let (rows, _, _) = generate(&[InputCaption::new("x", c)], &opts(op));
        rows.into_iter().map(|r| r.negative).collect()
    };
    assert_eq!(
        negs("A white towel in a blue bathroom.", Op::SwapAtt),
        ["A blue towel in a white bathroom."]
    );
    assert!(negs("A dog on a couch.", Op::ReplaceRel).contains(&"A dog under a couch.".to_string()));
    assert_eq!(
        negs("A green apple and a yellow banana.", Op::SwapAtt),
        ["A yellow apple and a green banana."]
    );
    assert_eq!(
        negs("A new car in front of an old building.", Op::SwapAtt),
        ["An old car in front of a new building."]
    );
    assert_eq!(
        negs("An old man sitting on a park bench.", Op::ReplaceAtt),
        ["A young man sitting on a park bench."]
    );
    let r = negs("An apple on a wooden table.", Op::ReplaceObj);
    assert!(
        r.contains(&"A banana on a wooden table.".to_string()),
        "{r:?}"
    );
    assert!(
        r.iter()
            .all(|n| !n.starts_with("A a") && !n.starts_with("An b")),
        "{r:?}"
    );
}

fn words(s: &str) -> Vec<String> {
    tokenize(s)
        .into_iter()
        .filter(|t| t.word && t.lower != "a" && t.lower != "an")
        .map(|t| t.lower)
        .collect()
}

/// Noun forms mapped to their singular, so a swap across numbers compares equal.
fn lemma(lex: &Lexicon, w: &str) -> String {
    for e in lex.lookup(w) {
        if let Entry::Noun { id, .. } = e {
            return lex.nouns[*id as usize].word.clone();
        }
    }
    w.to_string()
}

fn multiset(lex: &Lexicon, s: &str) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    let toks = tokenize(s);
    // lemmatise lexicon phrases of up to 3 words by joining known multiword nouns first
    let lower: Vec<String> = toks
        .iter()
        .filter(|t| t.word)
        .map(|t| t.lower.clone())
        .collect();
    let mut i = 0;
    while i < lower.len() {
        let mut step = 1;
        for n in (2..=3).rev() {
            if i + n <= lower.len() {
                let p = lower[i..i + n].join(" ");
                if lex
                    .lookup(&p)
                    .iter()
                    .any(|e| matches!(e, Entry::Noun { .. }))
                {
                    *m.entry(lemma(lex, &p)).or_insert(0) += 1;
                    step = n;
                    break;
                }
            }
        }
        if step == 1 && lower[i] != "a" && lower[i] != "an" {
            *m.entry(lemma(lex, &lower[i])).or_insert(0) += 1;
        }
        i += step;
    }
    m
}

/// `m` with the plural verb forms counted as the singular ones ("are" as "is").
fn numberless(m: BTreeMap<String, usize>) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for (w, k) in m {
        let w = match w.as_str() {
            "are" => "is".to_string(),
            "were" => "was".to_string(),
            "have" => "has".to_string(),
            _ => w,
        };
        *out.entry(w).or_insert(0) += k;
    }
    out
}

fn all_rows(seed: u64, per_caption: usize) -> Vec<BenchRecord> {
    let opts = Options {
        seed,
        per_caption,
        ..Options::default()
    };
    let mut caps = captions();
    caps.extend(round31_captions());
    generate(&caps, &opts).0
}

/// (round 32) Held-out captions whose replace_obj and add_obj rows come from the last passes
/// (kin held to the checks the caption's own noun passes) with the built-in table.
fn round32_captions() -> Vec<InputCaption> {
    [
        "A man is exiting the building and greeting someone.",
        "A cat watches cars racing on a television.",
        "A man crossing the street near a bus stop",
    ]
    .iter()
    .enumerate()
    .map(|(i, c)| InputCaption::new(format!("r32-{i}"), *c))
    .collect()
}

#[test]
fn round32_rows_come_from_the_last_passes() {
    // every candidate of each op, not one drawn, with the built-in table (the permissive model
    // of the other tests passes every check, so the last passes are never reached there)
    let opts = Options {
        per_caption: 100,
        ..Options::default()
    };
    let (rows, _, _) = negatives::generate(&round32_captions(), &opts);
    let negatives = |op: Op| of_op(&rows, op);
    let obj = negatives(Op::ReplaceObj);
    for want in [
        "A woman is exiting the building",
        "A dog watches cars",
        "A woman crossing the street",
    ] {
        assert!(
            obj.iter().any(|n| n.starts_with(want)),
            "{want} not in {obj:?}"
        );
    }
    // the last passes' rows are of kin: a person for a person, a dog for a cat
    let kin = [
        "man",
        "woman",
        "boy",
        "girl",
        "guy",
        "lady",
        "gentleman",
        "dog",
        "puppy",
    ];
    for r in rows.iter().filter(|r| r.op.op() == Some(Op::ReplaceObj)) {
        let after = r.edits[0].changes[0].after.to_lowercase();
        assert!(kin.iter().any(|k| after.ends_with(k)), "{}", r.negative);
    }
    // add_obj joins a person's kin to a person, and nothing to the cat
    let add = negatives(Op::AddObj);
    for want in [
        "A man and a woman are exiting",
        "A man and a boy crossing the street",
    ] {
        assert!(
            add.iter().any(|n| n.starts_with(want)),
            "{want} not in {add:?}"
        );
    }
    assert!(!add.iter().any(|n| n.starts_with("A cat")), "{add:?}");
    assert!(
        add.iter().all(
            |n| ["A man and a woman", "A man and a boy", "A man and a girl"]
                .iter()
                .any(|k| n.starts_with(k))
        ),
        "{add:?}"
    );
}

/// The negatives of `rows` made by `op`.
fn of_op(rows: &[BenchRecord], op: Op) -> Vec<&str> {
    rows.iter()
        .filter(|r| r.op.op() == Some(op))
        .map(|r| r.negative.as_str())
        .collect()
}

/// (round 31) Captions whose replace_obj rows turn a pronoun or take a child for an adult:
/// the person is their only object, so the new passes are reached (written for this test).
fn round31_captions() -> Vec<InputCaption> {
    [
        "A man smiling as he waves.",
        "A man stands and holds his hands out in front of him.",
        "A girl brushing her teeth while someone watches her.",
        "A kid smiling.",
        "Three children smiling.",
    ]
    .iter()
    .enumerate()
    .map(|(i, c)| InputCaption::new(format!("r31-{i}"), *c))
    .collect()
}

/// The gendered pronouns round 31's replace_obj turns, by sex.
const HIS: &[&str] = &["he", "his", "him", "himself"];
const HERS: &[&str] = &["she", "her", "hers", "herself"];

#[test]
fn round31_rows_turn_pronouns_and_take_children_for_adults() {
    let (rows, _, _) = generate(&round31_captions(), &Options::default());
    let obj: Vec<_> = rows
        .iter()
        .filter(|r| r.op.op() == Some(Op::ReplaceObj))
        .collect();
    assert!(
        obj.iter().any(|r| r.edits[0].changes.len() > 1),
        "no turned pronoun in {obj:?}"
    );
    assert!(
        obj.iter().any(|r| {
            let c = &r.edits[0].changes[0];
            ["child", "children", "kid"].contains(&c.before.to_lowercase().as_str())
        }),
        "no child taken for an adult in {obj:?}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn properties_hold_for_any_seed(seed in any::<u64>()) {
        let lex = Lexicon::builtin();
        for r in all_rows(seed, 2) {
            prop_assert_ne!(&r.negative, &r.caption);
            prop_assert_eq!(r.edits.len(), 1);
            let e = &r.edits[0];
            prop_assert_eq!(&e.text_after, &r.negative);
            // spans point at the changed text, before and after
            for c in &e.changes {
                let b: String = r.caption.chars().skip(c.span[0]).take(c.span[1] - c.span[0]).collect();
                let a: String = r.negative.chars().skip(c.new_span[0]).take(c.new_span[1] - c.new_span[0]).collect();
                prop_assert_eq!(&b, &c.before);
                prop_assert_eq!(&a, &c.after);
            }
            match e.op {
                // (round 26) a count swap edits two count words, the nouns whose number changes
                // and the "is"/"are" that agrees with them; the words are the caption's, nouns
                // lemmatised and verb number aside
                Op::SwapAtt if e.category == "count" => {
                    prop_assert!((2..=6).contains(&e.changes.len()), "{:?}", r);
                    prop_assert_eq!(numberless(multiset(lex, &r.caption)), numberless(multiset(lex, &r.negative)), "{:?}", r);
                }
                // (round 28) a count replacement: one count word for another, the rest unchanged
                Op::ReplaceAtt if e.category == "count" => {
                    const COUNTS: &[&str] = &[
                        "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                        "a couple of", "several", "many", "a group of", "a bunch of", "a lot of",
                        "lots of", "a herd of", "a flock of",
                    ];
                    prop_assert_eq!(e.changes.len(), 1);
                    let (b, a) = (e.changes[0].before.to_lowercase(), e.changes[0].after.to_lowercase());
                    prop_assert!(COUNTS.contains(&b.as_str()) && COUNTS.contains(&a.as_str()) && a != b, "{:?}", r);
                }
                Op::SwapObj | Op::SwapAtt => {
                    prop_assert_eq!(e.changes.len(), 2);
                    prop_assert_eq!(multiset(lex, &r.caption), multiset(lex, &r.negative), "{:?}", r);
                }
                Op::ReplaceObj | Op::ReplaceAtt | Op::ReplaceRel => {
                    // (round 31) a replaced person's change of sex turns each gendered pronoun:
                    // one more change each, a pronoun of one sex for one of the other
                    if e.op == Op::ReplaceObj {
                        for c in &e.changes[1..] {
                            let (b, a) = (c.before.to_lowercase(), c.after.to_lowercase());
                            prop_assert!(
                                (HIS.contains(&b.as_str()) && HERS.contains(&a.as_str()))
                                    || (HERS.contains(&b.as_str()) && HIS.contains(&a.as_str())),
                                "{:?}", r
                            );
                        }
                    } else {
                        prop_assert_eq!(e.changes.len(), 1);
                    }
                    // exactly one concept: one word or phrase differs, articles aside
                    let (wb, wa) = (words(&e.changes[0].before), words(&e.changes[0].after));
                    prop_assert!(!wb.is_empty() && !wa.is_empty() && wb != wa, "{:?}", r);
                    let (cb, ca) = (words(&r.caption), words(&r.negative));
                    prop_assert_eq!(cb.len() as isize - wb.len() as isize, ca.len() as isize - wa.len() as isize);
                    // never a synonym or hypernym
                    let sense = |p: &str| -> Option<(String, bool)> {
                        // the entry of the edited kind ("iron" is an attribute and a noun)
                        lex.lookup(p).iter().find_map(|en| match (e.op, en) {
                            (Op::ReplaceObj, Entry::Noun { id, .. }) => Some((lex.nouns[*id as usize].sense.clone(), lex.nouns[*id as usize].hypernym)),
                            (Op::ReplaceAtt, Entry::Attr(a)) => Some((lex.attrs[*a as usize].sense.clone(), false)),
                            (Op::ReplaceRel, Entry::Rel(x)) => Some((lex.rels[*x as usize].sense.clone(), false)),
                            _ => None,
                        }).or_else(|| {
                            // an opposite that is not parseable itself ("walking next to")
                            lex.rels.iter().find(|x| x.phrase == p).map(|x| (x.sense.clone(), false))
                        }).or_else(|| {
                            // (round 13) a verb before a relation ("sitting" -> "standing")
                            verb_sense(p).filter(|_| e.op == Op::ReplaceRel).map(|s| (format!("verb {s}"), false))
                        })
                    };
                    let (sb, sa) = (sense(&wb.join(" ")), sense(&wa.join(" ")));
                    prop_assert!(sb.is_some() && sa.is_some(), "{:?} {:?}", wb, wa);
                    let (sb, sa) = (sb.unwrap_or_default(), sa.unwrap_or_default());
                    prop_assert_ne!(&sb.0, &sa.0);
                    // (round 31: but a child or a kid, generic words, may become an adult)
                    let child_for_adult = ["child", "kid"].iter().any(|w| wb.join(" ").starts_with(w))
                        && ["man", "woman"].contains(&sa.0.as_str());
                    prop_assert!((!sb.1 || child_for_adult) && !sa.1, "hypernym in {:?}", r);
                }
                Op::AddObj | Op::AddAtt => {
                    prop_assert_eq!(e.changes.len(), 1);
                    prop_assert!(words(&r.negative).len() > words(&r.caption).len());
                }
            }
        }
    }

    #[test]
    fn parser_and_operators_never_panic(s in "\\PC{0,200}", t in "[a-zA-Z ,.'-]{0,120}") {
        for text in [s.as_str(), t.as_str()] {
            let inputs = [InputCaption::new("f", text)];
            let opts = Options { depth: 2, per_caption: 3, ..Options::default() };
            let (rows, _, _) = generate(&inputs, &opts);
            for r in rows {
                prop_assert_ne!(&r.negative, &r.caption);
            }
        }
    }

    #[test]
    fn lexicon_built_captions_get_their_operators(
        a in 0usize..40, b in 0usize..40, c in 0usize..12, r in 0usize..8, seed in any::<u64>()
    ) {
        let nouns = ["dog", "cat", "horse", "car", "truck", "bus", "man", "woman", "boy", "girl",
            "table", "chair", "bench", "bed", "laptop", "umbrella", "plate", "bowl", "cup", "book",
            "bird", "cow", "sheep", "elephant", "zebra", "giraffe", "bear", "bicycle", "boat", "train",
            "couch", "desk", "lamp", "clock", "vase", "pillow", "towel", "sink", "toilet", "basket"];
        let colors = ["red", "blue", "green", "white", "black", "yellow", "pink", "brown", "gray", "orange", "purple", "silver"];
        let rels = ["on", "under", "next to", "in front of", "behind", "near", "above", "below"];
        prop_assume!(nouns[a] != nouns[b]);
        let text = format!("a {} {} {} a {}", colors[c], nouns[a], rels[r], nouns[b]);
        let opts = Options { seed, ..Options::default() };
        let (rows, stats, _) = generate(&[InputCaption::new("x", text.clone())], &opts);
        let got: BTreeSet<&str> = rows.iter().map(|r| r.op.as_str()).collect();
        for op in ["replace_obj", "add_att"] {
            prop_assert!(got.contains(op), "{} missing for {:?}: {:?}", op, text, got);
        }
        // replace_rel and add_obj also weigh the scene: "a man on a lamp" has no relation the
        // corpus saw a man take with a lamp, "a dog on a toilet" no co-subject (a seat for one,
        // round 19), "a plate on a table" stays on it (round 9). Whatever the scene, the parser
        // must find the object, the attribute and the relation (round 23: the CI run drew "a red
        // dog on a toilet", which the earlier form of this test wrongly required an add_obj of)
        for op in ["replace_rel", "add_obj"] {
            let why = &stats[op].skipped;
            prop_assert!(
                got.contains(op)
                    || ![Skip::NoObject, Skip::NoRelation, Skip::NoAttribute]
                        .iter()
                        .any(|k| why.contains_key(k.reason())),
                "{} skipped for {:?} as a parse failure: {:?}", op, text, why
            );
        }
    }
}

#[test]
fn same_seed_same_bytes_and_seeds_differ() {
    let bytes = |seed| serde_json::to_vec(&all_rows(seed, 2)).expect("json");
    assert_eq!(bytes(7), bytes(7));
    assert_ne!(bytes(0), bytes(1));
    // and through the file writer, whatever the thread count
    let dir = tempfile::tempdir().expect("tempdir");
    let set = read_input(&caption_file(), None).expect("set");
    let g1 = run_p(&set, &Options::default()).expect("run");
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("pool");
    let g2 = pool.install(|| run_p(&set, &Options::default()).expect("run"));
    let (p1, p2) = (dir.path().join("a.jsonl"), dir.path().join("b.jsonl"));
    clipprobe_negatives::bench::write_bench(&p1, &g1.records).expect("write");
    clipprobe_negatives::bench::write_bench(&p2, &g2.records).expect("write");
    assert_eq!(
        std::fs::read(&p1).expect("a"),
        std::fs::read(&p2).expect("b")
    );
    assert_eq!(g1.summary, g2.summary);
    // the written file reads back as a valid benchmark
    assert_eq!(
        clipprobe_negatives::bench::read_bench(&p1)
            .expect("read")
            .len(),
        g1.records.len()
    );
}

#[test]
fn ids_are_unique_and_images_are_carried() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("in.jsonl");
    std::fs::write(
        &p,
        "{\"id\":\"a\",\"caption\":\"a dog on a red couch\",\"image\":\"img/1.jpg\",\"split\":\"val\"}\n\n\
         {\"caption\":\"a cat under a table\"}\n",
    )
    .expect("write");
    let set = read_input(&p, None).expect("read");
    assert_eq!(set.format, InputFormat::Jsonl);
    let g = run_p(
        &set,
        &Options {
            per_caption: 3,
            ..Options::default()
        },
    )
    .expect("run");
    let ids: BTreeSet<_> = g.records.iter().map(|r| r.id.clone()).collect();
    assert_eq!(ids.len(), g.records.len());
    assert!(
        ids.contains("a/replace_obj/0") && ids.contains("3/replace_obj/0"),
        "{ids:?}"
    );
    for r in &g.records {
        assert_eq!(r.source.as_deref(), Some("clipprobe-negatives"));
        if r.id.starts_with("a/") {
            assert_eq!(r.image.as_deref(), Some("img/1.jpg"));
            assert_eq!(r.extra.get("split"), Some(&serde_json::json!("val")));
        } else {
            assert_eq!(r.image, None);
        }
    }
    assert_eq!(g.summary.input.blank_lines, 1);
}

#[test]
fn bad_input_is_reported_not_panicked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = |name: &str, body: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, body).expect("write");
        p
    };
    let e = read_input(&f("empty.txt", b""), None)
        .expect_err("empty")
        .to_string();
    assert!(e.contains("no captions"), "{e}");
    let e = read_input(&f("blank.txt", b"\n \n\n"), None)
        .expect_err("blank")
        .to_string();
    assert!(e.contains("no captions"), "{e}");
    let e = read_input(&f("bad.txt", b"a dog\na cat\n\xff\xfe a bird\n"), None)
        .expect_err("utf8")
        .to_string();
    assert!(e.contains(":3:") && e.contains("UTF-8"), "{e}");

    let long = "a red dog on a blue couch ".repeat(400);
    assert!(long.len() >= 10_000);
    let odd = [
        long.as_str(),
        "🐶 on a 🛋️!!!",
        "A dog — on a couch?!",
        "ÇA CHAT SUR UNE TABLE",
        "the the the and and",
        "...",
        "a dog,,,on,a couch",
        "A\u{0301} dog\u{200b} on a couch",
        "an",
        "nothing to see here",
    ];
    let inputs: Vec<_> = odd
        .iter()
        .enumerate()
        .map(|(i, c)| InputCaption::new(i.to_string(), *c))
        .collect();
    let set = negatives::InputSet {
        format: InputFormat::Text,
        captions: inputs,
        blank_lines: 0,
    };
    let g = run_p(&set, &Options::default()).expect("run");
    // captions where nothing applies are recorded as skips with named reasons
    let s = &g.summary.ops["replace_rel"];
    assert!(
        s.skipped.get("no relation").copied().unwrap_or(0) >= 5,
        "{s:?}"
    );
    assert!(g.summary.input.unparsed >= 4, "{:?}", g.summary.input);
    assert!(g.summary.ops["swap_obj"]
        .skipped
        .contains_key("fewer than two objects"));
    // the 10,000-character caption is edited once per operator, the rest kept
    let long_rows: Vec<_> = g.records.iter().filter(|r| r.caption == long).collect();
    assert!(!long_rows.is_empty());
    for r in long_rows {
        assert_eq!(
            r.edits[0].changes.len(),
            if r.op.as_str().starts_with("swap") {
                2
            } else {
                1
            }
        );
    }
    // bad options are errors, not panics
    let bad = Options {
        per_caption: 0,
        ..Options::default()
    };
    assert!(run_p(&set, &bad).is_err());
    let bad = Options {
        adversarial_filter: Some(1.5),
        ..Options::default()
    };
    assert!(run_p(&set, &bad).is_err());
}

#[test]
fn blind_audit_and_adversarial_filter_on_the_caption_set() {
    let set = read_input(&caption_file(), None).expect("set");
    let plain = run_p(&set, &Options::default()).expect("run");
    let filtered = run_p(
        &set,
        &Options {
            adversarial_filter: Some(0.5),
            ..Options::default()
        },
    )
    .expect("run");
    let b = &filtered.summary.blind_baseline;
    assert_eq!(plain.summary.blind_baseline.before, b.before);
    let after = b.after.as_ref().expect("after");
    for (op, before) in &b.before {
        let a = &after[op];
        // the filter never leaves the blind model better at spotting negatives than it was or
        // than chance. (Not: never farther from chance. The filter also drops rows the trigram
        // model and the pair classifier spot, which can push a blind accuracy below 0.5 further
        // down: round 24's swap_att, 0.461 of 38 pairs -> 0.446 of 37.)
        assert!(
            a.blind_accuracy <= before.blind_accuracy.max(0.5) + 1e-12,
            "{op}: {} of {} pairs -> {} of {} pairs",
            before.blind_accuracy,
            before.pairs,
            a.blind_accuracy,
            a.pairs
        );
        assert!(
            a.pairs * 2 >= before.pairs,
            "{op}: kept {} of {}",
            a.pairs,
            before.pairs
        );
        // the filter keeps at least ceil(n / 2) rows: more than half when n is odd
        if before.blind_accuracy > 0.5 && a.pairs > before.pairs.div_ceil(2) {
            // the floor did not bind: the filter reached chance
            assert!(
                a.blind_accuracy <= 0.5 + 1e-12,
                "{op}: {}",
                a.blind_accuracy
            );
        }
    }
    assert_eq!(filtered.summary.rows, filtered.records.len());
    assert!(filtered.records.len() < plain.records.len());
    // kept rows are a subsequence of the unfiltered rows
    let mut it = plain.records.iter();
    for r in &filtered.records {
        assert!(it.any(|q| q == r));
    }
}

#[test]
fn concepts_view_reports_char_spans() {
    let lex = Lexicon::builtin();
    let text = "Ein 🐶: a red fire hydrant next to a teddy bear";
    let p = parse(text, lex);
    let chars: Vec<char> = text.chars().collect();
    for c in p.concepts(lex) {
        let s: String = chars[c.span[0]..c.span[1]].iter().collect();
        assert_eq!(s, c.text);
    }
    let kinds: Vec<_> = p
        .concepts(lex)
        .into_iter()
        .map(|c| (c.kind, c.text))
        .collect();
    assert!(kinds.contains(&(ConceptKind::Relation, "next to".into())));
    assert!(kinds.contains(&(ConceptKind::Object, "teddy bear".into())));
}

#[test]
fn parallel_writer_matches_the_bench_writer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rows = all_rows(3, 3);
    let (a, b) = (dir.path().join("a.jsonl"), dir.path().join("b.jsonl"));
    negatives::write_records(&a, &rows).expect("write");
    clipprobe_negatives::bench::write_bench(&b, &rows).expect("write");
    assert_eq!(std::fs::read(&a).expect("a"), std::fs::read(&b).expect("b"));
    // more rows than several parts of 4,096, written in order while they are serialised
    let many: Vec<_> = (0..3 * 4096 + 123)
        .map(|i| {
            let mut r = rows[i % rows.len()].clone();
            r.id = format!("{i}/{}", r.id);
            r
        })
        .collect();
    negatives::write_records(&a, &many).expect("write");
    clipprobe_negatives::bench::write_bench(&b, &many).expect("write");
    assert_eq!(std::fs::read(&a).expect("a"), std::fs::read(&b).expect("b"));
}

/// Word-level edit distance (Levenshtein over lowercase words).
fn word_edits(a: &str, b: &str) -> usize {
    let (a, b) = (words(a), words(b));
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, x) in a.iter().enumerate() {
        let mut cur = vec![i + 1];
        for (j, y) in b.iter().enumerate() {
            cur.push(
                (prev[j] + usize::from(x != y))
                    .min(prev[j + 1] + 1)
                    .min(cur[j] + 1),
            );
        }
        prev = cur;
    }
    prev[b.len()]
}

#[test]
fn depth_k_means_k_edits() {
    // issue 7: no step may overwrite, undo or re-edit what an earlier step changed
    let caps = captions();
    let opts = Options {
        depth: 3,
        ..Options::default()
    };
    let g = negatives::generate_with(&caps, &opts, Model::builtin());
    assert!(g.records.len() > 100, "{}", g.records.len());
    let short = g
        .records
        .iter()
        .filter(|r| word_edits(&r.caption, &r.negative) < 3)
        .count();
    assert!(
        (short as f64) < 0.05 * g.records.len() as f64,
        "{short} of {} depth-3 rows have fewer than 3 word edits",
        g.records.len()
    );
}

#[test]
fn round33_a_thing_joins_beside_what_its_own_thing_was_never_seen_with() {
    // held-out captions: the built-in table has seen a microwave with an oven, never in a
    // street; a cupcake holder is no word it knows; a stall is a public toilet's
    let captions: Vec<InputCaption> = [
        "A microwave that is sitting outside in the street.",
        "a cupcake with pink icing in a pink paper cupcake holder next to a spoon.",
        "Looking down into a toilet in a very small stall.",
    ]
    .iter()
    .enumerate()
    .map(|(i, c)| InputCaption::new(format!("r33-{i}"), *c))
    .collect();
    let opts = Options {
        per_caption: 100,
        ..Options::default()
    };
    let (rows, _, _) = negatives::generate(&captions, &opts);
    let negatives = |op: Op| of_op(&rows, op);
    let add = negatives(Op::AddObj);
    for want in [
        "A microwave and an oven that are sitting outside",
        "next to a spoon and a fork.",
    ] {
        assert!(
            add.iter().any(|n| n.contains(want)),
            "{want} not in {add:?}"
        );
    }
    // never an animal or a vehicle beside the microwave, never a tub in the stall
    for r in &rows {
        let n = r.negative.to_lowercase();
        assert!(!n.contains("tub"), "{}", r.negative);
    }
    assert!(
        !add.iter().any(|n| n.contains("microwave and a dog")),
        "{add:?}"
    );
}

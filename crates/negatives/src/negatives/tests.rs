//! Unit tests of the operators on hand-picked captions (expected negatives written by hand).

use super::*;
use crate::lexicon::{AttrId, NounId};
use ops::CountClass;

/// The built-in lexicon with every pairing plausible: these tests pin the lexicon rules and
/// the text rewriting, apart from the corpus statistics (tested in `plausibility_*`).
fn permissive() -> &'static Model {
    static M: std::sync::OnceLock<Model> = std::sync::OnceLock::new();
    M.get_or_init(|| {
        Model::from_parts(
            Lexicon::builtin().clone(),
            Plausibility::permissive(),
            Lm::permissive(),
        )
    })
}

/// Every negative an operator can make from `text` (lexicon rules only).
fn all(op: Op, text: &str) -> Vec<String> {
    learned_all(permissive(), op, text)
}

fn skip(op: Op, text: &str) -> Skip {
    skip_with(permissive(), op, text)
}

/// Why operator `op` makes nothing of `text` with model `m`.
fn skip_with(m: &Model, op: Op, text: &str) -> Skip {
    let p = parse(text, &m.lex);
    let mut c = Vec::new();
    ops::candidates(op, &p, m, &mut c).expect_err("should not apply")
}

#[test]
fn swap_att_exchanges_attributes_of_two_objects() {
    assert_eq!(
        all(Op::SwapAtt, "a white towel in a blue bathroom"),
        vec!["a blue towel in a white bathroom"]
    );
    // article agreement on both sides
    assert_eq!(
        all(Op::SwapAtt, "An orange cat next to a white dog."),
        vec!["A white cat next to an orange dog."]
    );
    // two attributes of one noun are not swapped
    assert_eq!(
        skip(Op::SwapAtt, "a big red bus"),
        Skip::AttributesOnFewerThanTwoObjects
    );
    // an attribute that does not fit the other noun blocks the swap ("a wooden dog"); round
    // 24: the other one still moves into the table's phrase, in adjective order
    assert_eq!(
        all(Op::SwapAtt, "a brown dog on a wooden table"),
        vec!["a dog on a brown wooden table"]
    );
}

#[test]
fn replace_rel_uses_meaning_changing_opposites() {
    assert_eq!(
        all(Op::ReplaceRel, "a dog on a couch"),
        vec![
            "a dog under a couch",
            "a dog next to a couch",
            "a dog near a couch",
            "a dog beside a couch",
            "a dog behind a couch",
            "a dog in front of a couch"
        ]
    );
    // no vertical opposite against the ground (round 13: a beach is a surface, no slot)
    assert_eq!(
        all(Op::ReplaceRel, "a dog on the platform"),
        vec![
            "a dog next to the platform",
            "a dog near the platform",
            "a dog beside the platform",
            "a dog behind the platform",
            "a dog in front of the platform"
        ]
    );
    // (round 15: "on" / "in" only where the corpus saw the scene; every scene here)
    assert_eq!(
        all(Op::ReplaceRel, "A cat in front of a car"),
        vec!["A cat behind a car", "A cat on a car", "A cat in a car"]
    );
    assert_eq!(
        all(Op::ReplaceRel, "a man to the left of a woman"),
        vec!["a man to the right of a woman"]
    );
    assert_eq!(skip(Op::ReplaceRel, "a red car"), Skip::NoRelation);
}

#[test]
fn replace_obj_fixes_articles_and_keeps_number() {
    let out = all(Op::ReplaceObj, "an apple on a table");
    assert!(out.contains(&"a banana on a table".to_string()), "{out:?}");
    assert!(out.contains(&"an orange on a table".to_string()), "{out:?}");
    assert!(
        !out.iter()
            .any(|o| o.starts_with("an b") || o.starts_with("a a")),
        "{out:?}"
    );
    let out = all(Op::ReplaceObj, "two dogs are on a couch");
    assert!(
        out.contains(&"two cats are on a couch".to_string()),
        "{out:?}"
    );
    assert!(!out.iter().any(|o| o.starts_with("two cat ")), "{out:?}");
    let out = all(Op::ReplaceObj, "A dog");
    assert!(out.contains(&"An elephant".to_string()), "{out:?}");
}

#[test]
fn replace_obj_never_uses_synonyms_or_hypernyms() {
    let out = all(Op::ReplaceObj, "a dog on a sofa");
    for bad in [
        "a puppy on a sofa",
        "an animal on a sofa",
        "a dog on a couch",
        "a dog on a furniture",
    ] {
        assert!(!out.contains(&bad.to_string()), "{bad}");
    }
    assert!(out.contains(&"a dog on a chair".to_string()), "{out:?}");
    // a generic word is never replaced
    assert_eq!(
        skip(Op::ReplaceObj, "an animal"),
        Skip::NoReplacementCandidate
    );
}

#[test]
fn replace_att_stays_in_category_and_excludes_synonyms() {
    let out = all(Op::ReplaceAtt, "a big dog");
    assert_eq!(out, vec!["a small dog", "a little dog", "a tiny dog"]);
    let out = all(Op::ReplaceAtt, "an old man");
    assert_eq!(out, vec!["a young man"]);
}

#[test]
fn swap_obj_keeps_slot_number() {
    let out = all(Op::SwapObj, "two dogs chasing a cat");
    assert_eq!(out, vec!["two cats chasing a dog"]);
    // coordinated objects: swapping would not change the meaning
    assert_eq!(skip(Op::SwapObj, "a dog and a cat"), Skip::NoSwappablePair);
    // different classes (animal / furniture) are not swapped
    assert_eq!(skip(Op::SwapObj, "a dog on a couch"), Skip::NoSwappablePair);
    // a person and an animal are not swapped (round 4): "a horse riding a man"
    assert_eq!(
        skip(Op::SwapObj, "a man riding a horse"),
        Skip::NoSwappablePair
    );
    assert_eq!(skip(Op::SwapObj, "a dog"), Skip::FewerThanTwoObjects);
    // a symmetric relation with nothing else telling the two apart: the same scene
    for same in [
        "A giraffe standing next to a zebra on the grass.",
        "A woman standing next to a man in a kitchen.",
    ] {
        assert_eq!(skip(Op::SwapObj, same), Skip::NoSwappablePair, "{same}");
    }
    // attributes or another relation bound to one side keep the swap meaningful
    assert_eq!(
        all(
            Op::SwapObj,
            "A small dog standing next to a large horse in a field."
        ),
        vec!["A small horse standing next to a large dog in a field."]
    );
    assert_eq!(
        all(
            Op::SwapObj,
            "A man in a red shirt standing next to a woman in a blue dress."
        ),
        vec!["A woman in a red shirt standing next to a man in a blue dress."]
    );
    assert_eq!(
        skip(Op::SwapObj, "a dog and a puppy"),
        Skip::NoSwappablePair
    );
}

#[test]
fn add_obj_joins_the_subject_and_fixes_agreement() {
    let out = all(Op::AddObj, "A cat is sleeping on a bed.");
    assert!(
        out.contains(&"A cat and a dog are sleeping on a bed.".to_string()),
        "{out:?}"
    );
    // a co-subject of an animal is animate: no "a cat and a pillow are sleeping"
    assert!(
        !out.iter()
            .any(|o| o.contains("pillow") || o.contains("lamp")),
        "{out:?}"
    );
    // a third-person verb agrees with the new plural subject
    let out = all(Op::AddObj, "a man rides a horse");
    assert!(
        out.contains(&"a man and a woman ride a horse".to_string()),
        "{out:?}"
    );
    assert!(all(Op::AddObj, "A bird flies over a lake.")
        .iter()
        .all(|o| o.contains(" fly over")));
    // a subject that is already a list gets no "and ... and" (round 16: a new member goes in
    // before its last, "a cat, a bird and a dog")
    let out = all(Op::AddObj, "a cat and a dog on a couch");
    assert!(!out.is_empty());
    for o in out {
        assert!(
            o.starts_with("a cat, ") && o.ends_with(" and a dog on a couch"),
            "{o}"
        );
    }
    // "X with Y": the new object joins Y
    assert!(all(Op::AddObj, "A plate with a fork on a table.")
        .iter()
        .all(|o| o.starts_with("A plate with a fork and ")));
    // scene-compatible: nothing from the kitchen or the sea is added to a farm scene
    let out = all(Op::AddObj, "a cow in a barn");
    assert!(
        !out.iter()
            .any(|o| o.contains("toaster") || o.contains("surfboard")),
        "{out:?}"
    );
}

#[test]
fn add_att_only_adds_fitting_attributes_to_unmodified_nouns() {
    let out = all(Op::AddAtt, "an apple");
    assert!(out.contains(&"a red apple".to_string()), "{out:?}");
    assert!(out.contains(&"a sliced apple".to_string()), "{out:?}");
    assert!(
        !out.iter()
            .any(|o| o.contains("wooden") || o.contains("blue")),
        "{out:?}"
    );
    let out = all(Op::AddAtt, "a dog");
    assert!(!out.iter().any(|o| o.contains("blue")), "{out:?}");
    assert_eq!(skip(Op::AddAtt, "a red car"), Skip::NoUnmodifiedObject);
}

#[test]
fn edits_record_spans() {
    let lex = Lexicon::builtin();
    let text = "An orange cat next to a white dog.";
    let p = parse(text, lex);
    let mut c = Vec::new();
    ops::candidates(Op::SwapAtt, &p, permissive(), &mut c).expect("applies");
    let (out, e) = ops::materialise(Op::SwapAtt, c[0], &p, lex);
    assert_eq!(e.changes.len(), 2);
    assert_eq!(e.changes[0].before, "An orange");
    assert_eq!(e.changes[0].after, "A white");
    assert_eq!(e.changes[0].span, [0, 9]);
    assert_eq!(e.changes[0].new_span, [0, 7]);
    assert_eq!(e.changes[1].before, "a white");
    assert_eq!(e.changes[1].after, "an orange");
    let chars: Vec<char> = out.chars().collect();
    let [s, t] = e.changes[1].new_span;
    assert_eq!(chars[s..t].iter().collect::<String>(), "an orange");
    assert_eq!(e.category, "color");
}

#[test]
fn depth_chains_steps_and_records_them() {
    let inputs = vec![InputCaption::new(
        "a",
        "a white dog on a red couch next to a small table",
    )];
    let opts = Options {
        depth: 3,
        ..Options::default()
    };
    let (rows, _, _) = generate(&inputs, &opts);
    assert!(!rows.is_empty());
    for r in &rows {
        assert_eq!(r.depth, 3);
        assert_eq!(r.edits.len(), 3);
        assert_eq!(r.edits[0].text_before, r.caption);
        assert_eq!(r.edits[2].text_after, r.negative);
        for w in r.edits.windows(2) {
            assert_eq!(w[0].text_after, w[1].text_before);
        }
        assert_eq!(r.edits[0].op.name(), r.op);
        assert_eq!(
            r.extra.get("ops").and_then(|v| v.as_array()).map(Vec::len),
            Some(3)
        );
        assert_ne!(r.negative, r.caption);
    }
}

#[test]
fn builtin_captions_are_a_hundred_and_fourteen_and_mostly_usable() {
    let caps = builtin_captions();
    assert_eq!(caps.len(), 114);
    let (rows, stats, unparsed) = generate(&captions_to_inputs(&caps), &Options::default());
    assert_eq!(unparsed, 0);
    // (89 since round 17: a new place must have held the caption's subject and relation; 87
    // since round 20: "a small dog sitting in a basket" had only "in a blanket", and what holds
    // an animal stays a holder; 76 since round 22: no noun named in fewer than 40 captions of
    // the table is taken out or put in)
    assert!(stats["replace_obj"].captions_applied >= 76, "{stats:?}");
    // the default benchmark needs a usable swap_att subset (9 since the corpus statistics
    // reject colours never seen on the other noun)
    assert!(stats["swap_att"].captions_applied >= 8, "{stats:?}");
    // swap_obj swaps only people and animals: the last four captions give the default
    // benchmark its swap_obj rows (attributes or roles bound to each, so the swap changes the
    // meaning)
    assert!(stats["swap_obj"].captions_applied >= 4, "{stats:?}");
    // add_obj needs a co-subject that can do the verb
    assert!(rows.len() > 300, "{}", rows.len());
}

/// Every negative an operator can make from `text` with the built-in lexicon and table.
fn builtin_all(op: Op, text: &str) -> Vec<String> {
    learned_all(Model::builtin(), op, text)
}

fn some_contains(out: &[String], want: &str) {
    assert!(
        out.iter().any(|o| o.contains(want)),
        "{want:?} not in {out:?}"
    );
}

/// Asserts that `op` makes no negative of any of `texts` (with `gen`: [`all`] or [`builtin_all`]).
fn makes_nothing(gen: fn(Op, &str) -> Vec<String>, op: Op, texts: &[&str]) {
    for text in texts {
        let out = gen(op, text);
        assert!(out.is_empty(), "{text}: {out:?}");
    }
}

fn none_contains(out: &[String], bad: &str) {
    // (round 31: `bad` lowercased too, so that "A boy" is no vacuous test)
    let bad_lower = bad.to_lowercase();
    assert!(
        !out.iter().any(|o| o.to_lowercase().contains(&bad_lower)),
        "{bad:?} in {out:?}"
    );
}

// The failure examples of issue 7, each a test that fails on the generator before it.

#[test]
fn issue7_swap_obj_needs_each_noun_to_fit_the_other_slot() {
    none_contains(
        &builtin_all(Op::SwapObj, "A carrot sitting on a table."),
        "table sitting on a carrot",
    );
    none_contains(
        &builtin_all(
            Op::SwapObj,
            "The shirtless men are riding horses through the lake.",
        ),
        "horses are riding men",
    );
}

#[test]
fn issue7_add_obj_never_lands_inside_an_of_phrase() {
    let out = builtin_all(Op::AddObj, "Two plates of pasta on a table.");
    none_contains(&out, "plates and");
    let out = all(Op::AddObj, "A plate of pasta is on a table.");
    assert!(
        out.iter()
            .all(|o| o.contains("pasta and") && o.contains(" are on")),
        "{out:?}"
    );
}

#[test]
fn issue7_unknown_words_keep_the_noun_phrase() {
    let lex = Lexicon::builtin();
    let p = parse("A man sitting on a shaggy hill.", lex);
    let hill = p.objects.last().expect("hill");
    assert_eq!(p.item_text(hill.item), "hill");
    assert!(
        hill.det.is_some(),
        "the determiner survives the unknown word"
    );
    let p = parse("Three big shaggy elephants walking.", lex);
    assert!(p.objects[0].plural && p.objects[0].det.is_some());
    assert_eq!(p.attributes.len(), 1, "'big' stays attached");
}

#[test]
fn issue7_attributes_fit_the_noun_not_only_its_category() {
    none_contains(
        &builtin_all(Op::ReplaceAtt, "A red strawberry on a plate."),
        "yellow strawberry",
    );
    none_contains(
        &builtin_all(Op::AddAtt, "A giraffe in a field."),
        "black giraffe",
    );
    none_contains(
        &builtin_all(Op::AddAtt, "A crowd of people."),
        "huge people",
    );
}

#[test]
fn issue7_compounds_are_never_split() {
    for (op, text, bad) in [
        (Op::ReplaceAtt, "A baby blue car on a street.", "baby "),
        (
            Op::ReplaceAtt,
            "A slice of white bread on a plate.",
            " bread",
        ),
        (Op::ReplaceObj, "A hot dog on a plate.", "hot "),
        (Op::AddAtt, "A stainless steel refrigerator.", "stainless "),
    ] {
        let out = all(op, text);
        let changed: Vec<_> = out.iter().filter(|o| !o.contains(bad.trim())).collect();
        assert!(
            out.iter().all(|o| !o.contains(bad.trim())
                || o.to_lowercase().contains(&text.to_lowercase()[2..8])),
            "{op:?} {text}: {out:?} {changed:?}"
        );
    }
    none_contains(&all(Op::ReplaceAtt, "A baby blue car."), "baby red");
    none_contains(
        &all(Op::ReplaceAtt, "White bread on a plate."),
        "orange bread",
    );
    none_contains(
        &all(Op::AddAtt, "A stainless steel fridge."),
        "stainless red steel",
    );
}

#[test]
fn issue7_clothing_in_is_not_spatial_and_sitting_next_to_parses() {
    let out = all(Op::ReplaceRel, "A man in a green shirt.");
    none_contains(&out, "under a green shirt");
    none_contains(&out, "outside a green shirt");
    let out = all(Op::ReplaceRel, "A dog sitting next to a cat.");
    assert!(!out.is_empty(), "'next to' after 'sitting' is replaceable");
}

#[test]
fn issue7_caption_words_are_in_the_lexicon() {
    let lex = Lexicon::builtin();
    for w in [
        "grassy",
        "cardboard",
        "stainless steel",
        "police officer",
        "skateboarder",
        "hot dog",
        "fire hydrant",
        "baby blue",
    ] {
        assert!(!lex.lookup(w).is_empty(), "{w}");
    }
}

// Failure classes found in the held-out sample of the v2 generator (issue 7); docs/negatives.md
// says which outputs were reproduced with main's release binary before the fix.

/// Each `(op, caption, bad)`: no negative of `op` on `caption` contains `bad`; `builtin` uses
/// the built-in plausibility table, else every pairing counts as seen.
fn never(builtin: bool, cases: &[(Op, &str, &str)]) {
    for &(op, text, bad) in cases {
        let out = if builtin {
            builtin_all(op, text)
        } else {
            all(op, text)
        };
        none_contains(&out, bad);
    }
}

/// Each `(op, caption)`: `op` does not apply, for `why`.
fn skips(why: Skip, cases: &[(Op, &str)]) {
    for &(op, text) in cases {
        assert_eq!(skip(op, text), why, "{text}");
    }
}

#[test]
fn swap_obj_never_swaps_things_lists_or_compound_heads() {
    // things and places: "a table at a laptop", "a table topped with broccoli ... on a plate"
    skips(
        Skip::NoSwappablePair,
        &[
            (Op::SwapObj, "A couple of people with a laptop at a table."),
            (
                Op::SwapObj,
                "A plate topped with broccoli and vegetables on a table.",
            ),
            (
                Op::SwapObj,
                "A refrigerator up against a wall with a mirror.",
            ),
        ],
    );
    never(
        false,
        &[
            // members of one list, with or without commas: the meaning does not change
            (
                Op::SwapObj,
                "A batter swings while the catcher & umpire look on.",
                "umpire & catcher",
            ),
            (
                Op::SwapObj,
                "A man, a woman and a boy on a beach.",
                "a boy, a woman and a man",
            ),
            // a head after a modifier noun: the modifier would stay behind ("a police man")
            (Op::SwapObj, "A police dog chasing a man.", "police man"),
        ],
    );
    // people and animals are still swapped
    assert_eq!(
        all(Op::SwapObj, "A black cat sitting next to a white dog."),
        vec!["A black dog sitting next to a white cat."]
    );
    // "bat" in captions is the baseball bat, not the animal: not swapped with a man
    never(
        true,
        &[(
            Op::SwapObj,
            "A man leans back, preparing to swing a bat.",
            "swing a man",
        )],
    );
}

#[test]
fn add_obj_co_subject_shares_a_predicate_it_can_do() {
    skips(
        Skip::NoInsertionPoint,
        &[
            // a later verb would not agree: "a bus and a car in China is parked"
            (Op::AddObj, "A bus in China is parked along a curb."),
            (
                Op::AddObj,
                "boy in a sports jersey holds skateboard in right hand",
            ),
        ],
    );
    never(
        false,
        &[
            // "jockey" is unknown: "horse" is the object of "rides", not a subject to join
            // (round 27: the caption has a site at its end, "in a field next to ...")
            (Op::AddObj, "A jockey rides a horse in a field", "horse and"),
            (Op::AddObj, "A plate with a fork.", "plate and"),
            // "with ..." describes the subject, and its object is a list (round 33: the list of
            // a food and a tool is a site of its own, "a cake, a knife and a fork")
            (
                Op::AddObj,
                "A plate with an orange cake and a fork.",
                "plate and",
            ),
            // things join things of their own category: no "a big clock and a train on a pole"
            (Op::AddObj, "A big clock on a blue pole.", "and a train"),
            // a generic word covers its group: no "some people and a skier"
            (
                Op::AddObj,
                "Some people are standing next to a train.",
                "people and a",
            ),
            // people join people, animals animals: no "a man and a bear are sitting ..."
            (
                Op::AddObj,
                "A man is sitting at a keyboard near a microphone.",
                "and a bear",
            ),
            // a list without commas is still a list: no "a laptop and a lamp a monitor"
            (
                Op::AddObj,
                "a desk with a laptop a monitor and a chair",
                "laptop and a",
            ),
        ],
    );
    for text in [
        "A big clock on a blue pole.",
        "A man is sitting at a keyboard near a microphone.",
    ] {
        assert!(!all(Op::AddObj, text).is_empty(), "{text}");
    }
    // a verb the added noun has been the subject of in the corpus; body parts and pronouns
    // are never added
    never(
        true,
        &[
            (
                Op::AddObj,
                "A long train is driving down the tracks.",
                "tree are",
            ),
            (
                Op::AddObj,
                "A long train is driving down the tracks.",
                "house are",
            ),
            (
                Op::AddObj,
                "A long train is driving down the tracks.",
                "mirror are",
            ),
            (
                Op::AddObj,
                "A large clock mounted to the side of a building.",
                "bike mounted",
            ),
            (
                Op::AddObj,
                "A large clock mounted to the side of a building.",
                "train mounted",
            ),
            (Op::AddObj, "a cat sitting in a chair looking up", "a head"),
            (Op::AddObj, "a dog is smelling a bat on a field", "someone"),
        ],
    );
}

#[test]
fn replaced_objects_can_do_the_verb_and_keep_their_number() {
    // "a passenger train is flying": the new noun must have been the subject of the verb, and
    // the object of it: "swinging an elephant" never
    never(
        true,
        &[
            (
                Op::ReplaceObj,
                "A plane is flying over a city.",
                "train is flying",
            ),
            (
                Op::ReplaceObj,
                "A boy swinging a bat at a ball.",
                "swinging an elephant",
            ),
        ],
    );
    // (round 17: the plane's city has no replacement any more: no other place has held a plane
    // flying over it twice in the corpus)
    assert!(!builtin_all(Op::ReplaceObj, "A bird is flying over a city.").is_empty());
    // plurals of compounds: "computer mice", never "computer mouses" (round 7: "young women"
    // is "young" + "women" now)
    let lex = Lexicon::builtin();
    assert!(lex
        .lookup("computer mice")
        .iter()
        .any(|e| matches!(e, crate::lexicon::Entry::Noun { plural: true, .. })));
    assert!(lex.lookup("computer mouses").is_empty());
}

#[test]
fn relations_that_are_particles_parts_or_nonsense_are_not_replaced() {
    never(
        false,
        &[
            // "on" after "typing", "talking": not a place
            (
                Op::ReplaceRel,
                "A man typing on a laptop computer next to a bicycle.",
                "typing next to",
            ),
            (
                Op::ReplaceRel,
                "A man typing on a laptop computer next to a bicycle.",
                "typing under",
            ),
            // "holding" / "carrying" → "dropping" read as nonsense ("one dropping a baby")
            (
                Op::ReplaceRel,
                "Two men, one holding a baby, at a bar.",
                "dropping",
            ),
            (
                Op::ReplaceRel,
                "Two people carrying surfboards on a beach.",
                "dropping",
            ),
            // "next to this picture" is nonsense
            (
                Op::ReplaceRel,
                "A clock and a crane are in this picture.",
                "this picture",
            ),
        ],
    );
    // "next to a bicycle" is still replaced
    assert!(!all(
        Op::ReplaceRel,
        "A man typing on a laptop computer next to a bicycle."
    )
    .is_empty());
    // parts: "next to the side of a road" means the same
    skips(
        Skip::NoReplacementCandidate,
        &[(Op::ReplaceRel, "A hydrant on the side of a road.")],
    );
}

#[test]
fn heads_of_unknown_compounds_are_not_replaced() {
    // "Wii controller", "Dixie cups": the head after an unknown word stays
    for (text, keep) in [
        ("A man holding a Wii controller.", "Wii controller"),
        ("People at a table with Dixie cups.", "Dixie cups"),
    ] {
        let out = all(Op::ReplaceObj, text);
        assert!(out.iter().all(|o| o.contains(keep)), "{out:?}");
        assert!(!out.is_empty());
    }
}

// Round 4: the largest causes of invalid negatives in round 3's hand read (held-out captions,
// `benchmarks/negatives/handread/labels.tsv`), each a test that fails on round 3's generator.

#[test]
fn round4_pairs_seen_once_do_not_license_a_replacement_or_an_added_object() {
    // "sky" has been with "skis" once, "bus" with "track" once, "park bench" with "computer" once
    never(
        true,
        &[
            (
                Op::ReplaceObj,
                "a man on skis goes through the snow",
                "through the sky",
            ),
            (
                Op::ReplaceObj,
                "A cat is sitting on a desk next to a computer.",
                "park bench",
            ),
            (
                Op::AddObj,
                "A train drives down a narrow track surrounded by trees.",
                "and a bus",
            ),
        ],
    );
    assert!(!builtin_all(Op::ReplaceObj, "a man on skis goes through the snow").is_empty());
}

#[test]
fn round4_relations_need_two_sightings_with_each_noun() {
    never(
        true,
        &[
            (
                Op::ReplaceRel,
                "A woman is laying on the bed in stockings.",
                "under the bed",
            ),
            (
                Op::ReplaceRel,
                "Young couple happily snuggling on their bed together",
                "under their bed",
            ),
        ],
    );
}

#[test]
fn round4_particles_after_verbs_are_not_replaced() {
    never(
        false,
        &[
            (
                Op::ReplaceRel,
                "a couple of zebras graze on some grass",
                "graze next to",
            ),
            (
                Op::ReplaceRel,
                "A white cake covered in flowers and white frosting.",
                "covered next to",
            ),
            (
                Op::ReplaceRel,
                "A white cake covered in flowers and white frosting.",
                "covered outside",
            ),
            (
                Op::ReplaceRel,
                "A pizza topped with cheese on a plate.",
                "topped without",
            ),
        ],
    );
    // "on a plate" is still replaced
    assert!(!all(Op::ReplaceRel, "A pizza topped with cheese on a plate.").is_empty());
}

#[test]
fn round4_swap_obj_keeps_people_with_people_and_animals_with_animals() {
    never(
        false,
        &[
            (
                Op::SwapObj,
                "A man sits on the couch with two cats on his lap.",
                "a cat sits",
            ),
            (
                Op::SwapObj,
                "Two men look into an enormous roaster at a pig inside.",
                "two pigs",
            ),
        ],
    );
    assert_eq!(
        all(Op::SwapObj, "A girl pushing a boy on a swing."),
        vec!["A boy pushing a girl on a swing."]
    );
}

#[test]
fn round4_swap_att_needs_each_attribute_seen_on_the_other_noun_and_its_own_head() {
    never(
        true,
        &[
            (
                Op::SwapAtt,
                "A blue dog sitting on a striped couch",
                "striped dog",
            ),
            (
                Op::SwapAtt,
                "A brown and gold fire hydrant in front of a brick building.",
                "brick and gold",
            ),
        ],
    );
    // "open" may describe the unknown "concept", not "house"
    never(
        false,
        &[
            (
                Op::SwapAtt,
                "A kitchen with stainless steel appliances in an open concept house.",
                "stainless steel concept",
            ),
            (
                Op::ReplaceAtt,
                "A kitchen with stainless steel appliances in an open concept house.",
                "closed concept",
            ),
        ],
    );
}

#[test]
fn round4_add_obj_respects_pronouns_and_single_boards() {
    never(
        false,
        &[
            (
                Op::AddObj,
                "A man rides his bike down the street.",
                "ride his",
            ),
            (Op::AddObj, "A man riding a wave on a surfboard.", "man and"),
            (
                Op::AddObj,
                "a man on a skateboard in mid air going over a cone",
                "man and",
            ),
        ],
    );
    // plural boards or no board: still added
    assert!(!all(Op::AddObj, "A man riding a horse on a beach.").is_empty());
}

#[test]
fn round4_generic_words_and_the_baseball_bat_are_not_replacements() {
    never(
        false,
        &[
            (
                Op::ReplaceObj,
                "A man in a suit with a blue tie and vest.",
                "and clothes",
            ),
            (
                Op::ReplaceObj,
                "A man looking down at a baseball bat that he is holding",
                "at a bat",
            ),
        ],
    );
}

// Round 4b: causes from round 4's own hand read (`handread/labels-round4.tsv`), fixed after it;
// each test fails on commit c9f9108.

#[test]
fn round4b_gendered_pronouns_and_the_in_of_a_medium() {
    never(
        false,
        &[
            // a gendered pronoun keeps the people of the caption
            (
                Op::ReplaceObj,
                "A lady bending down to put her head on a baseball bat.",
                "man bending",
            ),
            (
                Op::SwapObj,
                "A boy pushing a girl on his bike.",
                "a girl pushing a boy",
            ),
            // "in" is the medium of surfing, swimming, grazing
            (
                Op::ReplaceRel,
                "A person that is surfing in the water.",
                "surfing next to",
            ),
            (
                Op::ReplaceRel,
                "a zebra grazes in the grass",
                "grazes next to",
            ),
        ],
    );
    // people without a pronoun are still replaced
    assert!(!all(
        Op::ReplaceObj,
        "A lady bending down to touch a baseball bat."
    )
    .iter()
    .all(|o| o.contains("lady")));
}

// Round 5 (issue 7): coverage. Each test fails on round 4b's generator (checked by restoring
// its `ops.rs`, lexicon files and `make_lexicon.py` output; docs/negatives.md, "Round 5").

/// A model learned from `corpus` alone (no built-in table).
fn learned(corpus: &[&str]) -> Model {
    Model::new(None, false, corpus).expect("the built-in lexicon is valid")
}

/// [`learned`] of owned captions.
fn learned_owned(corpus: &[String]) -> Model {
    let refs: Vec<&str> = corpus.iter().map(String::as_str).collect();
    learned(&refs)
}

/// (round 22) Captions that name each of `nouns` alone, 40 times each: enough evidence for
/// replace_obj to take the noun out or put it in (`ops::MIN_EVIDENCE`), and nothing else.
fn named_often(nouns: &[&str]) -> Vec<String> {
    nouns
        .iter()
        .flat_map(|n| std::iter::repeat_n(format!("A {n}."), 40))
        .collect()
}

/// Every negative an operator can make from `text` with model `m`.
fn learned_all(m: &Model, op: Op, text: &str) -> Vec<String> {
    let p = parse(text, &m.lex);
    let mut c = Vec::new();
    if ops::candidates(op, &p, m, &mut c).is_err() {
        return Vec::new();
    }
    c.into_iter()
        .map(|c| ops::materialise(op, c, &p, &m.lex).0)
        .collect()
}

#[test]
fn round5_made_things_take_attributes_their_category_takes() {
    // "small" never described a bookcase, but three other pieces of furniture, and the
    // bookcase's own captions vary in size: "a large bookcase" -> "a small bookcase"
    let m = learned(&[
        "a large bookcase in a room",
        "a small table in a room",
        "a small chair in a room",
        "a small desk in a room",
        "a black cat on a table",
        "a black cat on a table",
        "a black cat on a table",
        "a brown dog on a table",
    ]);
    let out = learned_all(&m, Op::ReplaceAtt, "a large bookcase next to a window");
    assert!(
        out.contains(&"a small bookcase next to a window".to_string()),
        "{out:?}"
    );
    // natural kinds have no such back-off: "black" was seen on three cats, never on a dog
    let out = learned_all(&m, Op::ReplaceAtt, "a brown dog next to a window");
    assert!(!out.iter().any(|o| o.contains("black dog")), "{out:?}");
    // and a made thing whose captions never vary along the dimension gets none either
    let out = learned_all(&m, Op::AddAtt, "a chair next to a bookcase");
    some_contains(&out, "small chair");
    assert!(!out.iter().any(|o| o.contains("black chair")), "{out:?}");
}

#[test]
fn round5_things_of_one_category_are_swapped_when_each_has_a_role() {
    assert_eq!(
        all(Op::SwapObj, "A car parked behind a bus."),
        vec!["A bus parked behind a car."]
    );
    assert_eq!(
        all(Op::SwapObj, "A sandwich on a plate next to a salad."),
        vec!["A salad on a plate next to a sandwich."]
    );
    // linked by "with", of different categories, or one without a role of its own: no swap
    skips(
        Skip::NoSwappablePair,
        &[
            (Op::SwapObj, "A pizza with broccoli."),
            (Op::SwapObj, "A cup on a table."),
            (Op::SwapObj, "A view of a bus and a car."),
        ],
    );
    // clothing goes with its wearer
    never(
        false,
        &[(
            Op::SwapObj,
            "A man in a red shirt standing next to a woman in a blue dress.",
            "red dress",
        )],
    );
}

#[test]
fn round5_relations_at_by_through_and_more_opposites() {
    // round 9: "at" → "near" is gone (people at a table are near it)
    let out = all(Op::ReplaceRel, "A dog at the beach.");
    assert!(
        out.contains(&"A dog far from the beach.".to_string()),
        "{out:?}"
    );
    assert!(all(Op::ReplaceRel, "A dog by a car.").contains(&"A dog far from a car.".to_string()));
    assert!(all(Op::ReplaceRel, "A man holding a frisbee.")
        .contains(&"A man throwing a frisbee.".to_string()));
    // "at" after "swinging", "looking", "sitting" is the verb's particle
    never(
        false,
        &[
            (
                Op::ReplaceRel,
                "A batter swinging at a ball.",
                "swinging next to",
            ),
            (
                Op::ReplaceRel,
                "A man sitting at a table.",
                "sitting far from",
            ),
        ],
    );
    // grounds and places WordNet files elsewhere: "on a runway" is spatial, not a part
    assert!(all(Op::ReplaceRel, "A plane on a runway.")
        .contains(&"A plane next to a runway.".to_string()));
}

#[test]
fn round5_caption_adjectives() {
    for (caption, negative) in [
        ("A busy street at night.", "A quiet street at night."),
        ("A cloudy sky over a field.", "A clear sky over a field."),
        ("A narrow street.", "A wide street."),
        ("A glazed donut on a plate.", "A frosted donut on a plate."),
        ("A modern building.", "An old building."),
    ] {
        let out = all(Op::ReplaceAtt, caption);
        assert!(out.contains(&negative.to_string()), "{caption}: {out:?}");
    }
    // "colorful" is parsed but never replaces a colour ("a colorful and pink bus")
    none_contains(&all(Op::ReplaceAtt, "a yellow and pink bus"), "colorful");
}

#[test]
fn round5b_fixes_from_round_5s_hand_read() {
    never(
        false,
        &[
            // "by" after a participle is the agent, after "passing" it means "past"
            (
                Op::ReplaceRel,
                "Two women play tennis surrounded by trees.",
                "surrounded on",
            ),
            (
                Op::ReplaceRel,
                "A red and white train passing by a street.",
                "passing in",
            ),
            // "near" / "by" are true of what is in front of, behind or around something
            (
                Op::ReplaceRel,
                "A parking meter in front of a building.",
                "near a building",
            ),
            (
                Op::ReplaceRel,
                "Three men standing around a motorcycle.",
                "next to a motorcycle",
            ),
            // who eats a pizza or carries a bag holds it; a railing by a window may be in
            // front of it; urinals along a wall are next to it (round 5b's read)
            (Op::ReplaceRel, "People eating a pizza.", "holding a pizza"),
            (Op::ReplaceRel, "A man carrying a bag.", "holding a bag"),
            (
                Op::ReplaceRel,
                "A railing by the window.",
                "in front of the window",
            ),
            (Op::ReplaceRel, "Urinals along a wall.", "next to a wall"),
            // (a toilet next to a sink is not on it: since round 15 the corpus decides, see
            // `round15_next_to_becomes_on_or_in_only_where_the_corpus_saw_the_scene`)
            // one held thing has one holder (round 7: one holder may hold a second thing, "a
            // man holding a tennis racket and a ball", so only the co-subject is checked)
            (
                Op::AddObj,
                "A man holding a tennis racket on a tennis court.",
                "man and a",
            ),
            (Op::AddObj, "A young boy swings a bat.", "and a"),
            // a compound material stays whole: no "cast stainless steel stove"
            (
                Op::ReplaceAtt,
                "A living room with a cast iron stove.",
                "cast ",
            ),
        ],
    );
    // "parked by" is still a place
    assert!(!all(Op::ReplaceRel, "A car parked by a building.").is_empty());
}

// Round 6 (issue 7): whole-negative plausibility from the caption language model
// (docs/negatives.md, "Round 6").

/// Captions written for these tests (not COCO's).
const ROUND6: &[&str] = &[
    "A large pizza on a wooden table.",
    "A man riding a horse on a beach.",
    "A black cat sleeping on a red couch.",
    "Two dogs playing with a frisbee in a park.",
    "A bathroom with a sink and a mirror.",
    "A woman holding an umbrella on a busy street.",
    "A plate of food with broccoli and rice.",
    "A young boy throwing a baseball in a field.",
    "A red bus parked next to a building.",
    "A little girl eating a banana in a kitchen.",
    "A white plate with a sandwich on a table.",
    "A giraffe standing next to a tree in a zoo.",
    // round 8: its rules leave fewer candidates on the captions above; these keep the test's
    // pool of candidates below their caption at ten or more
    "A dog sitting in a car next to a man.",
    "A woman holding a cup of coffee at a table.",
    "A boy with a kite on a beach.",
    // round 9: likewise (its rules leave fewer candidates on the captions above)
    "A man sitting on a bench in a park.",
    "A cat sitting on a wooden chair.",
    "A brown horse standing in a field.",
    "A woman riding a bike on a street.",
    "A small dog on a red couch.",
];

/// Rows of `generate_with` for `captions` with the built-in model.
fn builtin_rows(captions: &[&str], op: Op, per_caption: usize, seed: u64) -> Vec<BenchRecord> {
    let inputs = captions_to_inputs(&captions.iter().map(|c| c.to_string()).collect::<Vec<_>>());
    let opts = Options {
        ops: vec![op],
        per_caption,
        seed,
        ..Options::default()
    };
    generate_with(&inputs, &opts, Model::builtin()).records
}

#[test]
fn round6_negatives_much_less_plausible_than_the_caption_are_rejected() {
    let m = Model::builtin();
    let s = |t: &str| m.lm.per_token(t).expect("the built-in model has counts");
    let mut bad = 0;
    for op in [
        Op::ReplaceObj,
        Op::AddObj,
        Op::AddAtt,
        Op::ReplaceRel,
        Op::ReplaceAtt,
    ] {
        for c in ROUND6 {
            // what the plain draw could pick: every candidate (the round-5 generator wrote
            // all of them with --per-caption 200)
            bad += learned_all(m, op, c)
                .iter()
                .filter(|n| s(n) < s(c) - MAX_DROP)
                .count();
            for r in builtin_rows(&[c], op, 200, 0) {
                assert!(
                    s(&r.negative) >= s(c) - MAX_DROP,
                    "{:?}: {} ({:.2}) vs {c} ({:.2})",
                    op,
                    r.negative,
                    s(&r.negative),
                    s(c)
                );
            }
        }
    }
    // the captions do have such candidates ("A large carrot on a wooden table.", -3.11 vs -1.98)
    assert!(bad >= 5, "only {bad} much less plausible candidates");
}

#[test]
fn round6_the_chosen_negative_is_as_plausible_as_its_caption_when_a_candidate_is() {
    // a plain draw (the round-5 generator) picks a candidate below its caption's score most of
    // the time, which a text-only language model spots; the generator now takes the first
    // drawn candidate at least as plausible as the caption
    let m = Model::builtin();
    let s = |t: &str| m.lm.per_token(t).expect("the built-in model has counts");
    let (mut checked, mut below_in_pool) = (0, 0);
    for op in [
        Op::ReplaceObj,
        Op::ReplaceAtt,
        Op::ReplaceRel,
        Op::AddObj,
        Op::AddAtt,
    ] {
        for c in ROUND6 {
            let all = learned_all(m, op, c);
            // every candidate is drawn when there are at most SCORED of them
            if all.is_empty() || all.len() > SCORED || !all.iter().any(|n| s(n) >= s(c)) {
                continue;
            }
            below_in_pool += all.iter().filter(|n| s(n) < s(c)).count();
            for seed in 0..6 {
                for r in builtin_rows(&[c], op, 1, seed) {
                    checked += 1;
                    assert!(
                        s(&r.negative) >= s(c),
                        "{op:?} seed {seed}: {} below {c}",
                        r.negative
                    );
                }
            }
        }
    }
    assert!(
        checked >= 30 && below_in_pool >= 10,
        "{checked} rows, {below_in_pool} below"
    );
}

#[test]
fn round6_fixes_from_round_6s_hand_read() {
    // replace_obj: a head and its hyponym keep the caption true
    let out = all(Op::ReplaceObj, "A cupcake in a red liner on a plate.");
    assert!(!out.is_empty());
    assert!(!out.iter().any(|n| n.starts_with("A cake ")), "{out:?}");
    let out = all(Op::ReplaceObj, "Tennis players in a court playing tennis.");
    assert!(!out.iter().any(|n| n.contains("a tennis court")), "{out:?}");
    // but a woman is no kind of man
    assert!(all(Op::ReplaceObj, "A man riding a horse.")
        .contains(&"A woman riding a horse.".to_string()));
    // add_obj: one ball, one catcher
    let out = all(Op::AddObj, "A baseball player catching a ball.");
    assert!(!out.iter().any(|n| n.contains(" and a ")), "{out:?}");
    // replace_rel: "in glasses" is worn
    let out = all(
        Op::ReplaceRel,
        "A man in glasses sits in front of a laptop.",
    );
    assert!(
        !out.iter().any(|n| n.contains("glasses sits in front")),
        "{out:?}"
    );
    assert!(
        out.iter().all(|n| n.starts_with("A man in glasses")),
        "{out:?}"
    );
}

#[test]
fn round6_scored_text_is_the_written_text() {
    let m = permissive();
    for op in Op::ALL {
        for c in ROUND6 {
            let p = parse(c, &m.lex);
            let mut cands = Vec::new();
            if ops::candidates(op, &p, m, &mut cands).is_err() {
                continue;
            }
            for k in cands {
                assert_eq!(
                    ops::materialise_text(k, &p, &m.lex),
                    ops::materialise(op, k, &p, &m.lex).0
                );
            }
        }
    }
}

// Round 7 (issue 7): new edit sites for add_obj and add_att.

#[test]
fn round7_add_obj_joins_the_object_of_a_conjoinable_relation() {
    let has = |text: &str, want: &str| {
        let out = all(Op::AddObj, text);
        assert!(
            out.iter().any(|o| o.contains(want)),
            "{want:?} not in {out:?}"
        );
    };
    // next to / with / holding / wearing: a second object of the relation ("holding" blocks
    // the co-subject, so main's generator had no add_obj at all here)
    has("A man holding an umbrella.", "holding an umbrella and a");
    has("A man carrying a surfboard.", "carrying a surfboard and a");
    has("A red car parked next to a bus.", "next to a bus and a");
    has(
        "A man sitting at a table with a pizza.",
        "with a pizza and a",
    );
    // the subject site is still there
    has(
        "A cat is sleeping on a bed.",
        "A cat and a dog are sleeping",
    );
    // not "on / in / at" ("on a table and a chair"), not one-at-a-time verbs, not inside a
    // list or an "of" phrase, not before a relative clause or "is"
    never(
        false,
        &[
            (Op::AddObj, "A cat sitting on a table.", "table and a"),
            (Op::AddObj, "A dog in a kitchen.", "kitchen and a"),
            (Op::AddObj, "A man riding a horse.", "horse and a"),
            (Op::AddObj, "A man throwing a frisbee.", "frisbee and a"),
            (Op::AddObj, "A man holding a cup and a plate.", "cup and a"),
            (
                Op::AddObj,
                "A man holding a cup and a plate.",
                "plate and a",
            ),
            (Op::AddObj, "A man holding a plate of pasta.", "plate and a"),
            (
                Op::AddObj,
                "A dog next to a car that is parked.",
                "car and a",
            ),
            (Op::AddObj, "A dog next to a car is barking.", "car and a"),
            (
                Op::AddObj,
                "People sitting at a table with food.",
                "food and a",
            ),
        ],
    );
    // the added noun has the joined object's class, and the corpus has seen it as the
    // relation's object (built-in table): no "next to a car and a dog"
    let out = builtin_all(Op::AddObj, "A man standing next to a car.");
    assert!(
        out.contains(&"A man standing next to a car and a truck.".to_string()),
        "{out:?}"
    );
    none_contains(&out, "and a dog");
}

#[test]
fn round7_add_att_on_bare_nouns_after_a_relation_of_or_and() {
    let out = all(Op::AddAtt, "A man on skis.");
    assert!(
        out.iter()
            .any(|o| o.starts_with("A man on ") && !o.ends_with(" on skis.")),
        "{out:?}"
    );
    let out = all(Op::AddAtt, "A bowl of soup.");
    assert!(
        out.iter()
            .any(|o| o.starts_with("A bowl of ") && o != "A bowl of soup."),
        "{out:?}"
    );
    let out = all(Op::AddAtt, "A plate with broccoli and carrots.");
    assert!(
        out.iter()
            .any(|o| o.starts_with("A plate with broccoli and ") && !o.ends_with(" and carrots.")),
        "{out:?}"
    );
    // a bare noun after an unknown word may be inside a compound, and a modifier noun makes
    // one: neither gets an attribute
    for o in all(Op::AddAtt, "Two dogs walking down city streets.") {
        assert!(o.contains("city streets"), "{o}");
    }
    for o in all(Op::AddAtt, "A table with salt and pepper shakers.") {
        assert!(o.contains("and pepper shakers"), "{o}");
    }
}

#[test]
fn round7_add_obj_leaves_possessions_lists_and_described_objects_alone() {
    never(
        false,
        &[
            (
                Op::AddObj,
                "A woman poses on the slope with her skis.",
                "skis and a",
            ),
            (
                Op::AddObj,
                "A man standing with a tie and suit on.",
                "tie and a",
            ),
            // "wearing a tie and a shirt" is true of nearly every man wearing a tie
            (Op::AddObj, "A man wearing a tie.", "tie and a"),
            (Op::AddObj, "A man wears a suit with a tie.", "tie and a"),
            // what follows would describe both: "with the door and a sink open"
            (
                Op::AddObj,
                "A man standing by an oven with the door open.",
                "door and a",
            ),
            (
                Op::AddObj,
                "A vase next to a mirror filled with flowers.",
                "mirror and a",
            ),
        ],
    );
    assert!(!all(Op::AddObj, "A vase next to a mirror.").is_empty());
}

#[test]
fn round7_adjective_noun_collocations_are_an_attribute_and_a_noun() {
    // WordNet's "young man", "small white" (a butterfly) and "yellow jacket" (a wasp) were
    // nouns: no attribute to replace, and "a small white dog" had the head "dog" after a
    // modifier noun (nothing replaced)
    let out = all(Op::ReplaceAtt, "A young man riding a horse.");
    assert!(
        out.contains(&"An old man riding a horse.".to_string()),
        "{out:?}"
    );
    let out = all(Op::ReplaceAtt, "A man in a yellow jacket.");
    assert!(
        out.contains(&"A man in a red jacket.".to_string()),
        "{out:?}"
    );
    let out = all(Op::ReplaceAtt, "A small white dog.");
    assert!(out.contains(&"A large white dog.".to_string()), "{out:?}");
    assert!(!all(Op::ReplaceObj, "A small white dog.").is_empty());
}

#[test]
fn round7_adjectives_with_clear_opposites() {
    for (caption, negative) in [
        ("An outdoor tennis court.", "An indoor tennis court."),
        ("A female tennis player.", "A male tennis player."),
        ("A dark room.", "A bright room."),
        ("A rural road.", "An urban road."),
    ] {
        let out = all(Op::ReplaceAtt, caption);
        assert!(out.contains(&negative.to_string()), "{caption}: {out:?}");
    }
}

// Round 8: the failures of round 7's independent read (`handread/labels-round7-independent-*.tsv`),
// each from the real held-out caption it was found on, as a general rule.

#[test]
fn round8_add_att_never_adds_what_a_noun_is_by_default() {
    never(
        true,
        &[
            (
                Op::AddAtt,
                "A herd of sheep standing next to each other on dirt ground.",
                "white sheep",
            ),
            (
                Op::AddAtt,
                "There are people standing in the snow on skis.",
                "white snow",
            ),
            (
                Op::AddAtt,
                "A child with a very cute teddy bear on its back",
                "small child",
            ),
            (
                Op::AddAtt,
                "a number of giraffes near one another",
                "tall giraffes",
            ),
            (
                Op::AddAtt,
                "a tall clock tower with trees all around",
                "green trees",
            ),
            (
                Op::AddAtt,
                "Pair of elephants interacting in urban like setting.",
                "large elephants",
            ),
            // a bare noun after "of" is a mass use: no size
            (
                Op::AddAtt,
                "A piece of cake on a white plate with one bite taken.",
                "small cake",
            ),
        ],
    );
    // made things and people's age vary freely: their favourite value is still added (valid in
    // round 7's independent read)
    for (caption, want) in [
        ("A man is holding a baseball bat.", "young man"),
        (
            "Laptop computer with wireless keyboard and mouse on a table.",
            "wooden table",
        ),
        ("A building with a clock coming out of it", "large building"),
    ] {
        let out = builtin_all(Op::AddAtt, caption);
        assert!(
            out.iter().any(|o| o.to_lowercase().contains(want)),
            "{caption}: {out:?}"
        );
    }
    // other attributes of the same nouns are still added
    for (caption, want) in [
        (
            "A herd of sheep standing next to each other on dirt ground.",
            "sheep",
        ),
        ("a number of giraffes near one another", "giraffes"),
    ] {
        let out = builtin_all(Op::AddAtt, caption);
        assert!(out.iter().any(|o| o.contains(want)), "{caption}: {out:?}");
    }
}

#[test]
fn round8_sex_attributes_agree_with_gendered_pronouns() {
    never(
        true,
        &[
            (
                Op::AddAtt,
                "A tennis player is in mid air with his racquet.",
                "female",
            ),
            (
                Op::AddAtt,
                "A baseball player holds his glove in the air, waiting to catch a ball.",
                "male",
            ),
            (
                Op::ReplaceAtt,
                "A female tennis player lifting up her skirt",
                "male tennis",
            ),
        ],
    );
    // without a pronoun the sex attribute is still replaced
    assert!(
        builtin_all(Op::ReplaceAtt, "A female tennis player on a court.")
            .iter()
            .any(|o| o.contains("male tennis player") && !o.contains("female"))
    );
}

#[test]
fn round8_replace_rel_leaves_fixed_phrases_verb_complements_and_compatible_relations() {
    never(
        true,
        &[
            // "at" after a verb or its object: the verb's target or the place of an activity
            (
                Op::ReplaceRel,
                "A cat looks up at the stove and is reflected in the oven's glass.",
                "from the stove",
            ),
            (
                Op::ReplaceRel,
                "A woman in a very short skirt swinging a tennis racquet at a ball.",
                "from a ball",
            ),
            (
                Op::ReplaceRel,
                "Two men, one holding a baby, enjoy some wine at a wine bar.",
                "from a wine bar",
            ),
            // "next to" and "in front of" are mostly both true
            (
                Op::ReplaceRel,
                "Two brown ponies in grassy field next to a fence.",
                "in front of a fence",
            ),
            (
                Op::ReplaceRel,
                "a kid leaning on a table next to a plate with some food on it",
                "in front of a plate",
            ),
            // a bare singular noun: a fixed phrase
            (
                Op::ReplaceRel,
                "Men on horse back riding on the beach",
                "to horse back",
            ),
            (
                Op::ReplaceRel,
                "A woman lies in bed reading a book, and petting a cat.",
                "to bed",
            ),
            // "on" the board a riding verb rides; the support of "growing"
            (
                Op::ReplaceRel,
                "A man on a surfboard surfing a wave in the ocean.",
                "near a surfboard",
            ),
            (
                Op::ReplaceRel,
                "A collection of apples growing on a tree.",
                "to a tree",
            ),
        ],
    );
    // "at" right after its subject is still a place (round 18: its one opposite, "far from",
    // is one no caption of the built-in table uses, so only the lexicon rules can show it)
    assert!(!all(Op::ReplaceRel, "A man at a table with a laptop.").is_empty());
}

#[test]
fn round8_added_and_replaced_objects_belong_in_the_scene() {
    never(
        true,
        &[
            (
                Op::AddObj,
                "Two trains are parked on the train tracks",
                "and a car are",
            ),
            (
                Op::AddObj,
                "A large long train on a steel track.",
                "and a car on",
            ),
            (
                Op::AddObj,
                "there is a bus coming up the street next to a car",
                "and a train",
            ),
            (
                Op::AddObj,
                "a blue boat is sitting in the water",
                "and a train",
            ),
            (
                Op::AddObj,
                "A bus traveling on a street during the day.",
                "and a train",
            ),
            // a possessed first noun is not the subject
            (
                Op::AddObj,
                "A hitter that just swung his bat in a baseball game.",
                "bat and a",
            ),
            // (the author's round-8 read) a second verb joined by "and" would stay singular
            (
                Op::AddObj,
                "A black and white cat lies on a bed and relaxes",
                "lie on a bed",
            ),
            (
                Op::ReplaceObj,
                "A large white airplane parked upon a runway",
                "mountain",
            ),
        ],
    );
    // objects that do belong are still added and replaced
    assert!(!builtin_all(Op::AddObj, "A bus traveling on a street during the day.").is_empty());
    // (round 10: the runway's one candidate left was "airport", its whole, now a near-synonym)
    assert!(!builtin_all(
        Op::ReplaceObj,
        "A large white airplane parked next to a truck"
    )
    .is_empty());
}

#[test]
fn round8_swap_obj_needs_something_that_tells_the_two_apart() {
    never(
        true,
        &[
            // both are white by default; "next to" is symmetric
            (
                Op::SwapObj,
                "A white toilet sitting in a bathroom next to a sink.",
                "white sink",
            ),
            // no relation between them, no attribute, only a place
            (
                Op::SwapObj,
                "a sheep in a field with a dog and people watching",
                "a dog in a field",
            ),
            // a noun named twice
            (
                Op::SwapObj,
                "A toilet, mirror and sink in a toilet",
                "in a sink",
            ),
        ],
    );
    // roles and attributes that differ still allow the swap
    assert!(all(Op::SwapObj, "A small dog next to a large horse.")
        .contains(&"A small horse next to a large dog.".to_string()));
    assert!(all(Op::SwapObj, "A girl pushing a boy on a swing.")
        .contains(&"A boy pushing a girl on a swing.".to_string()));
}

#[test]
fn round8_edits_of_all_capital_captions_are_in_capitals() {
    let out = builtin_all(Op::AddObj, "A MAN IS PLAYING TENNIS ON THE TENNIS COURT");
    assert!(!out.is_empty());
    for o in &out {
        assert!(!o.chars().any(char::is_lowercase), "{o}");
    }
    // (round 9: an apple on a table stays on it, so the relation is a cat's)
    for (op, caption) in [
        (Op::AddAtt, "AN APPLE ON A TABLE"),
        (Op::ReplaceObj, "AN APPLE ON A TABLE"),
        (Op::ReplaceRel, "A CAT ON A TABLE"),
    ] {
        let out = all(op, caption);
        assert!(!out.is_empty(), "{op:?}");
        for o in &out {
            assert!(!o.chars().any(char::is_lowercase), "{o}");
        }
    }
    // mixed case keeps the first letter's case only
    assert!(all(Op::AddAtt, "An apple on a table.")
        .iter()
        .all(|o| o.chars().skip(1).any(char::is_lowercase)));
}

// Round 9: the failure kinds of round 8's independent read
// (`handread/labels-round8-independent.tsv`), each from the held-out caption it was found on
// (captions that read labelled), as a general rule.

/// Every negative of `op` from `text` (built-in model) contains `want`.
fn every_contains(op: Op, text: &str, want: &str) {
    let out = builtin_all(op, text);
    assert!(
        out.iter().all(|o| o.to_lowercase().contains(want)),
        "{want:?} missing in {out:?}"
    );
}

#[test]
fn round9_age_and_small_size_are_not_added_to_young_nouns() {
    never(
        true,
        &[
            (
                Op::AddAtt,
                "A child is chasing after a box kite.",
                "young child",
            ),
            (
                Op::AddAtt,
                "A man, woman, and boy are sitting at a table.",
                "young boy",
            ),
            (
                Op::AddAtt,
                "A baby elephant walking through a shallow pool of flowing water",
                "little baby",
            ),
            (
                Op::AddAtt,
                "A baby elephant walking through a shallow pool of flowing water",
                "small baby",
            ),
        ],
    );
    never(
        false,
        &[
            (Op::ReplaceAtt, "a young boy with a kite", "old boy"),
            (Op::ReplaceAtt, "a young boy with a kite", "elderly boy"),
            (Op::AddAtt, "a puppy on a couch", "little puppy"),
        ],
    );
    // other nouns still take an age, young nouns other attributes
    for (op, caption, want) in [
        (Op::AddAtt, "A man is holding a baseball bat.", "young man"),
        (Op::AddAtt, "a puppy on a couch", "brown puppy"),
        (Op::ReplaceAtt, "a little boy with a kite", "big boy"),
    ] {
        let out = all(op, caption);
        assert!(
            out.iter().any(|o| o.to_lowercase().contains(want)),
            "{caption}: {out:?}"
        );
    }
}

#[test]
fn round9_near_synonyms_never_replace_each_other() {
    never(
        true,
        &[
            (
                Op::ReplaceObj,
                "An apple computer is on a table with supplies.",
                "desk",
            ),
            (
                Op::ReplaceObj,
                "A group of people in a park flying kites.",
                "field",
            ),
            (
                Op::ReplaceAtt,
                "A Corgi dog resting on frizzy beige carpet",
                "brown",
            ),
            (
                Op::ReplaceRel,
                "Lots of people at a long table eating, drinking and smiling",
                "near a long table",
            ),
        ],
    );
    never(
        false,
        &[
            (Op::ReplaceObj, "a cat on a desk", "on a table"),
            (Op::ReplaceObj, "a dog in a field", "in a park"),
            (Op::ReplaceAtt, "a brown dog", "tan dog"),
            (Op::ReplaceAtt, "a silver car", "gray car"),
            (Op::ReplaceAtt, "a blue car", "light blue car"),
            (Op::ReplaceRel, "a man at a table", "near a table"),
        ],
    );
    // other replacements of the same words still come
    for (op, caption, want) in [
        (Op::ReplaceObj, "a cat on a desk", "on a bed"),
        (Op::ReplaceAtt, "a brown dog", "black dog"),
        (Op::ReplaceRel, "a man at a table", "far from a table"),
    ] {
        let out = all(op, caption);
        assert!(out.iter().any(|o| o.contains(want)), "{caption}: {out:?}");
    }
}

#[test]
fn round9_the_photographers_camera_and_curled_up_into_a_ball_are_no_scene_objects() {
    every_contains(
        Op::ReplaceObj,
        "A black cat is staring directly into the camera.",
        "camera",
    );
    every_contains(
        Op::ReplaceObj,
        "Two people posing in funny hats for a camera",
        "camera",
    );
    every_contains(
        Op::AddAtt,
        "This gray cat has curled up into a ball",
        "into a ball",
    );
    // a camera or a ball of the scene is still an object
    for caption in ["a man holding a camera", "a phone next to a camera"] {
        let out = all(Op::ReplaceObj, caption);
        assert!(
            out.iter()
                .any(|o| o.starts_with(&caption[..7]) && !o.contains("camera")),
            "{caption}: {out:?}"
        );
    }
    let out = all(Op::AddAtt, "a dog with a ball");
    assert!(out.iter().any(|o| !o.contains("a ball")), "{out:?}");
}

#[test]
fn round9_terrain_and_materials_fit_the_scene() {
    never(
        true,
        &[
            (
                Op::ReplaceAtt,
                "A snowboarder sailing down a snowy hillside on a mountain.",
                "rocky",
            ),
            (
                Op::ReplaceAtt,
                "A couple of baby elephants snugging trunks while standing on a dirt field..",
                "snow",
            ),
            (
                Op::ReplaceAtt,
                "A horse laying down on top of a lush green field.",
                "snow",
            ),
            (
                Op::AddAtt,
                "Horses with jockeys racing across the coast of some beach.",
                "rocky",
            ),
            (
                Op::ReplaceAtt,
                "A wooden bench in a grass field with a tree.",
                "glass bench",
            ),
            (
                Op::ReplaceAtt,
                "People seated on wooden chairs and a bicycle parked nearby.",
                "glass chairs",
            ),
        ],
    );
    // a material the corpus has seen on the noun, and terrain with no one on it, still come
    let out = builtin_all(Op::ReplaceAtt, "a wooden table in a kitchen");
    some_contains(&out, "glass table");
    let out = all(Op::ReplaceAtt, "a snowy field with trees");
    some_contains(&out, "rocky field");
}

#[test]
fn round9_things_on_a_table_stay_on_it() {
    never(
        true,
        &[
            (
                Op::ReplaceRel,
                "A large white plate of food on a table.",
                "a table",
            ),
            (Op::ReplaceRel, "a pizza on a counter", "a counter"),
        ],
    );
    never(false, &[(Op::ReplaceRel, "a plate on a table", "a table")]);
    // a cat on a table is not its food
    let out = all(Op::ReplaceRel, "a cat on a table");
    some_contains(&out, "next to a table");
}

#[test]
fn round9_no_person_joins_people_counted_by_a_collective() {
    never(
        false,
        &[(
            Op::AddObj,
            "A group of friends sitting around a wooden table together.",
            "friends and a",
        )],
    );
    // a count, or a noun that says the people's sex, tells a new person apart
    for (caption, want) in [
        ("two men sitting at a table", "men and a"),
        ("a group of women sitting at a table", "women and a boy"),
    ] {
        let out = all(Op::AddObj, caption);
        assert!(out.iter().any(|o| o.contains(want)), "{caption}: {out:?}");
    }
}

#[test]
fn round9_alternatives_and_adverbs_are_not_attribute_slots() {
    never(
        false,
        &[
            (
                Op::SwapAtt,
                "A slightly made/messy bed against the corner in a white room.",
                "made/white",
            ),
            (Op::ReplaceAtt, "a slightly messy bed", "slightly"),
        ],
    );
    let out = all(Op::ReplaceAtt, "a messy bed");
    assert!(!out.is_empty());
}

#[test]
fn round9_no_attribute_before_a_list_of_bare_nouns() {
    never(
        true,
        &[(
            Op::AddAtt,
            "A man, woman, and boy are sitting at a table.",
            "young man, woman",
        )],
    );
    never(
        false,
        &[(
            Op::AddAtt,
            "a cat and dog on a couch",
            "cat and dog on a couch",
        )],
    );
    let out = all(Op::AddAtt, "a cat and a dog on a couch");
    some_contains(&out, "cat and a dog");
}

#[test]
fn round9_in_a_vehicle_ridden_is_not_replaced() {
    never(
        false,
        &[(
            Op::ReplaceRel,
            "Several people holding umbrella's riding in a boat.",
            "a boat",
        )],
    );
    // "in" a vehicle nobody rides is still replaced
    let out = all(Op::ReplaceRel, "a dog sitting in a boat");
    some_contains(&out, "next to a boat");
}

#[test]
fn round10_near_synonyms_and_parts_of_a_whole_never_replace_each_other() {
    never(
        true,
        &[
            (
                Op::ReplaceObj,
                "A guy riding a skateboard down a ramp.",
                "boy",
            ),
            (Op::ReplaceObj, "A cat sitting on the floor.", "ground"),
            (
                Op::ReplaceObj,
                "A plane taking off from the runway.",
                "airport",
            ),
        ],
    );
    // the group names words, not senses: a man may still become a boy
    let out = builtin_all(Op::ReplaceObj, "A man riding a skateboard down a ramp.");
    some_contains(&out, "boy");
}

#[test]
fn round10_added_co_subjects_agree_skip_lone_subjects_and_masses_take_no_article() {
    // a plural form after "a" is one person: the verb still agrees with two
    let out = builtin_all(Op::AddObj, "A women is cooking food in a kitchen.");
    assert!(!out.is_empty());
    none_contains(&out, " is cooking");
    // "alone", "by itself": nobody joins the subject
    never(
        true,
        &[
            (Op::AddObj, "A cow standing alone on the beach.", " and "),
            (Op::AddObj, "A dog sitting by itself on the grass.", " and "),
        ],
    );
    let out = builtin_all(Op::AddObj, "A cow standing on the beach.");
    some_contains(&out, " and ");
    // foods named as a mass come without "a"
    let out = builtin_all(Op::AddObj, "A plate with a hot dog and a pickle.");
    let out2 = builtin_all(Op::AddObj, "A plate with a hot dog.");
    for o in out.iter().chain(&out2) {
        for mass in super::ops::MASS_IN_USE {
            assert!(!o.contains(&format!(" a {mass}")), "{o}");
        }
    }
    assert!(out2.iter().any(|o| o.contains(" and cheese")), "{out2:?}");
}

#[test]
fn round10_passive_by_ground_surfaces_and_activities_in_water_are_no_relation_slots() {
    never(
        true,
        &[
            (
                Op::ReplaceRel,
                "Two bananas are surround by a pile of apples.",
                "far from",
            ),
            (
                Op::ReplaceRel,
                "A group of elephants splashing in a river.",
                "a river",
            ),
        ],
    );
    // (round 13: the verb before the relation may change; the relation stays)
    for (caption, kept) in [
        ("A dog lying on the grass in the sun.", " on the grass"),
        ("A man lying on the ground with a dog.", " on the ground"),
    ] {
        for n in builtin_all(Op::ReplaceRel, caption) {
            assert!(n.contains(kept), "{caption} -> {n}");
        }
    }
    // a place beside something, and standing in water, keep their opposites (round 18: "by"
    // keeps "on" and "in", which the built-in table has not seen with a man and a car, and
    // "far from", which no caption of it uses: so the lexicon rules alone for "by")
    for (m, caption) in [
        (permissive(), "A man standing by a car."),
        (Model::builtin(), "Two elephants standing in a river."),
    ] {
        let out = learned_all(m, Op::ReplaceRel, caption);
        assert!(!out.is_empty(), "{caption}");
    }
}

#[test]
fn round10_added_attributes_follow_quantity_and_opinion_words() {
    for (caption, kept, changed) in [
        (
            "A rundown bathroom is being remodeled.",
            "a rundown ",
            "rundown bathroom",
        ),
        (
            "A few different computers are placed on the desk.",
            "a few different ",
            "different computers",
        ),
        (
            "A skier going down a slight slope.",
            "a slight ",
            "slight slope",
        ),
    ] {
        let out = builtin_all(Op::AddAtt, caption);
        // the attribute moved, not dropped: the object still gets one, after the word
        assert!(
            out.iter().any(|o| !o.to_lowercase().contains(changed)),
            "{caption}: {out:?}"
        );
        for o in &out {
            assert!(o.to_lowercase().contains(kept), "{caption}: {o}");
        }
    }
}

#[test]
fn round10_containers_of_a_measure_and_owned_pairs_keep_their_kind() {
    // "a bowl of stew": only another container
    let out = builtin_all(Op::ReplaceObj, "A person holding a bowl of stew.");
    let changed: Vec<_> = out.iter().filter(|o| o.contains(" of stew")).collect();
    assert!(!changed.is_empty(), "{out:?}");
    for o in changed {
        let word = o
            .split(" of stew")
            .next()
            .unwrap_or("")
            .rsplit(' ')
            .next()
            .unwrap_or("");
        let one = word.strip_suffix('s').unwrap_or(word);
        assert!(
            super::ops::CONTAINERS.contains(&word) || super::ops::CONTAINERS.contains(&one),
            "{o}"
        );
    }
    // "her skis": only another pair, or nothing (round 31: or "a man ... with his skis")
    for o in builtin_all(Op::ReplaceObj, "A woman poses on the snow with her skis.") {
        let owner = if o.contains(" his ") { "his " } else { "her " };
        let owned = o.split(owner).nth(1).unwrap_or("").trim_end_matches('.');
        let one = owned.strip_suffix('s').unwrap_or(owned);
        assert!(owned == "skis" || super::ops::PAIRS.contains(&one), "{o}");
    }
}

#[test]
fn round10_the_verb_of_a_relative_clause_gates_its_subject() {
    // a sheep has never "curled": the verb after "that has" counts like one right after the noun
    never(
        true,
        &[(
            Op::ReplaceObj,
            "A cow that has curled up in a field.",
            "sheep",
        )],
    );
    // (round 20: a cat in a bowl stays small, so a cow in a field shows the verb's gate)
    let out = builtin_all(Op::ReplaceObj, "A cow that is in a field.");
    some_contains(&out, "sheep");
    let out = builtin_all(Op::ReplaceObj, "A cat that has curled up on a bed.");
    assert!(!out.is_empty());
}

#[test]
fn round11_no_colour_in_black_and_white_pictures_nor_off_a_fixed_colour_nor_inside_colored() {
    const COLOURS: &[&str] = &[
        "red", "blue", "green", "yellow", "brown", "white", "black", "gray", "grey", "pink",
        "purple", "orange", "beige", "silver", "gold",
    ];
    let colour_added = |caption: &str, o: &str| {
        let (a, b) = (caption.to_lowercase(), o.to_lowercase());
        let new: Vec<&str> = b
            .split_whitespace()
            .filter(|w| !a.split_whitespace().any(|x| x == *w))
            .collect();
        new.iter()
            .any(|w| COLOURS.contains(&w.trim_end_matches(['.', ','])))
    };
    // a black-and-white picture: sizes and ages still, colours never
    for caption in [
        "A black and white picture of a cat sleeping on a sofa.",
        "A monochrome shot of a cat sleeping on a sofa.",
        "A cat sleeping on a sofa in black and white.",
    ] {
        let out = builtin_all(Op::AddAtt, caption);
        assert!(!out.is_empty(), "{caption}");
        for o in &out {
            assert!(!colour_added(caption, o), "{caption}: {o}");
        }
    }
    // a black and white cat is a colour of the cat, not of the picture
    let out = builtin_all(Op::AddAtt, "A black and white cat sleeping on a sofa.");
    assert!(
        out.iter()
            .any(|o| colour_added("A black and white cat sleeping on a sofa.", o)),
        "{out:?}"
    );
    // a stop sign is red: no other colour (a size still)
    let caption = "A stop sign next to a quiet road.";
    let out = builtin_all(Op::AddAtt, caption);
    let on_sign: Vec<_> = out.iter().filter(|o| !o.starts_with("A stop")).collect();
    assert!(!on_sign.is_empty(), "{out:?}");
    for o in on_sign {
        let w = o.split_whitespace().nth(1).unwrap_or("").to_lowercase();
        assert!(w == "red" || !COLOURS.contains(&w.as_str()), "{o}");
    }
    // a colour most captions give is no convention: a brown field, a black plate, a gray sky
    let m = Model::builtin();
    let noun = |w: &str| m.lex.nouns.iter().position(|n| n.word == w).expect(w) as u32;
    let attr = |w: &str| m.lex.attrs.iter().position(|a| a.word == w).expect(w) as u32;
    for (a, n) in [("brown", "field"), ("black", "plate"), ("gray", "sky")] {
        assert!(!m.prepared.off_colour(attr(a), noun(n)), "{a} {n}");
    }
    assert!(m.prepared.off_colour(attr("white"), noun("stop sign")));
    // "different colored dogs": nothing between "different" and "colored"
    let out = builtin_all(Op::AddAtt, "Two different colored dogs run across a lawn.");
    for o in &out {
        assert!(o.contains("different colored dogs"), "{o}");
    }
}

#[test]
fn round11_on_a_wall_and_on_after_a_contact_verb_are_no_relation_slots() {
    for (caption, kept) in [
        ("A round clock on the wall of a kitchen.", " on the wall"),
        (
            "A skater grinding on a bench in a park.",
            "grinding on a bench",
        ),
        (
            "A girl leaning on a car in a parking lot.",
            "leaning on a car",
        ),
    ] {
        let out = builtin_all(Op::ReplaceRel, caption);
        for o in &out {
            assert!(o.contains(kept), "{caption}: {o}");
        }
    }
    // "on" a table is still replaced where no such verb comes before it
    let out = builtin_all(Op::ReplaceRel, "A cat on a car in a parking lot.");
    assert!(out.iter().any(|o| !o.contains("on a car")), "{out:?}");
}

#[test]
fn round11_generic_words_for_sporting_people_are_hypernyms() {
    // "an athlete" on a snowy hill is a skier, holding a ball a baseball player: not replaced
    for caption in ["An athlete on a snowy hill.", "An athlete holding a ball."] {
        for o in builtin_all(Op::ReplaceObj, caption) {
            assert!(o.starts_with("An athlete"), "{o}");
        }
    }
    for caption in [
        "A skier jumping over the snow.",
        "A surfer riding a wave in the ocean.",
    ] {
        for o in builtin_all(Op::ReplaceObj, caption) {
            let o = o.to_lowercase();
            assert!(
                !["athlete", "boarder", "adult"]
                    .iter()
                    .any(|w| o.contains(w)),
                "{o}"
            );
        }
    }
}

#[test]
fn round11_replace_obj_keeps_the_preposition_fit_and_names_nothing_twice() {
    // "running in a field" -> "running in a hill": hills, mountains, beaches take "on"
    for caption in ["A dog running in a field.", "A horse grazing in a field."] {
        for n in builtin_all(Op::ReplaceObj, caption) {
            for bad in [" in a hill", " in a mountain", " in a beach", " in a slope"] {
                assert!(!n.contains(bad), "{caption} -> {n}");
            }
        }
    }
    // "pears, oranges and apples" -> "apples, oranges and apples" repeats the caption
    for caption in [
        "A bowl of pears, oranges and apples.",
        // (round 22: "pears oranges and apples" lost its one candidate, "strawberries", a
        // noun named in 15 captions)
        "A bowl holding pears oranges and bananas.",
    ] {
        let got = builtin_all(Op::ReplaceObj, caption);
        assert!(!got.is_empty(), "{caption}");
        for n in got {
            let words: Vec<&str> = n.split(|c: char| !c.is_alphabetic()).collect();
            for w in ["pears", "oranges", "apples", "bananas"] {
                assert!(
                    words.iter().filter(|&&x| x == w).count() <= 1,
                    "{caption} -> {n}"
                );
            }
        }
    }
}

#[test]
fn round11_wordnet_senses_that_are_not_the_caption_sense_are_overridden() {
    // WordNet's first sense of "bikini" is the atoll: "A horse grazing in a bikini."
    for n in builtin_all(Op::ReplaceObj, "A horse grazing in a field.") {
        assert!(!n.contains("bikini"), "{n}");
    }
    let lex = &Model::builtin().lex;
    let cat = |w: &str| {
        let n = lex.nouns.iter().find(|n| n.word == w).expect(w);
        n.category.as_str()
    };
    assert_eq!(cat("bikini"), "clothing");
    assert_eq!(cat("lettuce"), "food");
    assert_eq!(cat("fireplace"), "fixture");
}

#[test]
fn round11_a_noun_modifying_an_unknown_noun_is_not_edited() {
    // "the mountain summit" -> "the field summit"; "a cake filling" -> "a small cake filling"
    // (a head ending in -ing, like "filling" or "pudding", is taken for a verb: not covered)
    let c = "A man standing on the mountain summit.";
    let got = builtin_all(Op::ReplaceObj, c);
    assert!(got.iter().any(|n| n.starts_with("A woman")), "{got:?}");
    assert!(got.iter().all(|n| n.contains("mountain summit")), "{got:?}");
    for (c, kept) in [
        ("A plate with a banana muffin.", " banana muffin"),
        ("A kitchen with a tea kettle.", " tea kettle"),
        ("A woman sitting next to a lamp post.", " lamp post"),
    ] {
        for op in [Op::AddAtt, Op::AddObj, Op::ReplaceObj] {
            for n in builtin_all(op, c) {
                assert!(n.contains(kept), "{op:?}: {n}");
            }
        }
    }
    // a verb after the noun is no compound head: "a dog sat on a bed" keeps its edits
    assert!(!builtin_all(Op::ReplaceObj, "A dog sat on a bed.").is_empty());
    // nor a base verb after two subjects or a noun of both numbers
    let got = builtin_all(Op::AddAtt, "A man and woman pose in a kitchen.");
    assert!(
        got.iter()
            .any(|n| !n.contains("and woman") && n.contains(" woman pose")),
        "{got:?}"
    );
}

#[test]
fn round11_add_obj_joins_a_tool_only_with_a_tool_and_adds_no_everyday_clothes() {
    let c = "A man cutting into a cake with a knife.";
    for n in builtin_all(Op::AddObj, c) {
        assert!(
            !n.contains("knife and a glass") && !n.contains("knife and a plate"),
            "{n}"
        );
    }
    for c in [
        "A person with a tie and a suit.",
        "Two people with hats standing on a street.",
        "A man wearing a hat and a tie.",
    ] {
        for n in builtin_all(Op::AddObj, c) {
            for w in ["shirt", "pants", "jeans", "shoe"] {
                assert!(!n.contains(w), "{c} -> {n}");
            }
        }
    }
}

#[test]
fn round12_on_a_phone_is_the_call() {
    // "A man on a cell phone" -> "A man next to a cell phone" (round 11's independent read)
    for c in [
        "A man on a cell phone next to a car.",
        "A woman sitting on a bench on her phone.",
    ] {
        for n in builtin_all(Op::ReplaceRel, c) {
            assert!(
                n.contains(" on a cell phone") || n.contains(" on her phone"),
                "{c} -> {n}"
            );
        }
    }
}

#[test]
fn round12_add_att_goes_before_a_bare_noun_that_starts_the_caption() {
    let got = builtin_all(Op::AddAtt, "People walking on a beach.");
    assert!(
        got.contains(&"Young people walking on a beach.".to_string()),
        "{got:?}"
    );
    let got = builtin_all(Op::AddAtt, "PEOPLE WALKING ON A BEACH.");
    assert!(
        got.contains(&"YOUNG PEOPLE WALKING ON A BEACH.".to_string()),
        "{got:?}"
    );
    // a capital is never left inside the caption, and a compound's modifier takes none
    for c in ["Zebras grazing in a field.", "Dog sitting on a couch."] {
        let got = builtin_all(Op::AddAtt, c);
        let whole = format!(" {}", c.to_lowercase());
        assert!(
            got.iter().any(|n| n.to_lowercase().ends_with(&whole)),
            "{c}: {got:?}"
        );
        for n in got {
            assert!(!n[1..].chars().any(char::is_uppercase), "{n}");
        }
    }
    for n in builtin_all(Op::AddAtt, "Street light on a corner.") {
        assert!(n.starts_with("Street light"), "{n}");
    }
}

#[test]
fn round12_no_empty_street_under_a_crowd_and_no_lone_ski() {
    // "people browse the shops ... on a busy street" -> "a deserted street" (round 11's read)
    let got = builtin_all(Op::ReplaceAtt, "A man walking on a busy street.");
    assert!(got.iter().any(|n| n.contains("quiet street")), "{got:?}");
    for c in [
        "People walking on a busy street.",
        "Two women shopping on a busy street.",
        "Many people walking on a street.",
        "A crowd of people on a street.",
    ] {
        for op in [Op::ReplaceAtt, Op::AddAtt] {
            for n in builtin_all(op, c) {
                assert!(
                    !n.contains("quiet") && !n.contains("deserted"),
                    "{c} -> {n}"
                );
            }
        }
    }
    // "jumping on a ski": skis and skates come in pairs
    // (round 22: "snowboard", named in 32 captions, is no longer replaced, so the caption
    // jumps on a skateboard)
    let got = builtin_all(Op::ReplaceObj, "A small child jumping on a skateboard.");
    some_contains(&got, "surfboard");
    for n in got {
        assert!(!n.contains(" ski.") && !n.contains(" skate."), "{n}");
    }
}

#[test]
fn round13_replace_rel_changes_what_a_person_or_an_animal_is_doing() {
    // SugarCrepe's replace-rel changes actions too: a posture before a relation
    for (caption, want) in [
        ("A dog sitting on a couch.", "A dog laying on a couch."),
        ("A cat laying on a bed.", "A cat sitting on a bed."),
        (
            "A group of people sitting around a table.",
            "A group of people standing around a table.",
        ),
        ("A man sits on a bench.", "A man stands on a bench."),
        ("A man running on a beach.", "A man walking on a beach."),
        // gait and posture are one group; "walking" is a relation word too
        (
            "Two elephants walking in a field.",
            "Two elephants standing in a field.",
        ),
        ("A cow standing in the sand.", "A cow walking in the sand."),
    ] {
        let got = builtin_all(Op::ReplaceRel, caption);
        assert!(got.contains(&want.to_string()), "{caption}: {got:?}");
    }
    // the edit names the verb, and the caption's case is kept
    let lex = Lexicon::builtin();
    let text = "A DOG SITTING ON A COUCH.";
    let p = parse(text, lex);
    let mut c = Vec::new();
    ops::candidates(Op::ReplaceRel, &p, Model::builtin(), &mut c).expect("applies");
    let verbs: Vec<_> = c
        .iter()
        .filter(|x| matches!(x, ops::Cand::ReplaceVerb { .. }))
        .map(|&x| ops::materialise(Op::ReplaceRel, x, &p, lex))
        .collect();
    assert!(!verbs.is_empty());
    for (neg, edit) in verbs {
        assert!(
            neg.starts_with("A DOG ") && !neg.contains("SITTING"),
            "{neg}"
        );
        assert_eq!(edit.category, "verb");
        assert_eq!(edit.changes[0].before, "SITTING");
    }
}

#[test]
fn round13_verbs_change_only_where_the_corpus_has_the_new_scene() {
    never(
        true,
        &[
            // a thing is only there: "sitting" / "standing" / "lying" say the same
            (
                Op::ReplaceRel,
                "A fire hydrant standing next to a fence.",
                "sitting",
            ),
            (Op::ReplaceRel, "A laptop sitting on a desk.", "laying"),
            (Op::ReplaceRel, "Some food is laying on a plate.", "sitting"),
            // a transitive verb is no posture: "running a dog"
            (Op::ReplaceRel, "A man walking a dog on a beach.", "running"),
            // the new verb must have gone with the relation and its object ("standing in a
            // chair", "laying at a table" were drafts' outputs)
            (Op::ReplaceRel, "A man sitting in a chair.", "standing"),
            (Op::ReplaceRel, "A woman sitting at a table.", "laying"),
            // two spellings of one sense never replace each other
            (Op::ReplaceRel, "A cat laying on a bed.", "lying"),
            // nor does a verb become one the caption already has
            (
                Op::ReplaceRel,
                "A dog sitting on a couch next to a cat laying on a bed.",
                "dog laying",
            ),
        ],
    );
    // a verb with no relation right after it stays
    let out = all(Op::ReplaceRel, "A man standing still near a car.");
    assert!(!out.is_empty());
    for n in out {
        assert!(n.contains("standing still"), "{n}");
    }
}

/// The id of relation phrase `w` in `lex`.
fn rel_id(lex: &Lexicon, w: &str) -> crate::lexicon::RelId {
    lex.rels
        .iter()
        .position(|r| r.phrase == w)
        .expect("relation") as crate::lexicon::RelId
}

/// The id of noun `w` in `lex`.
fn noun_id(lex: &Lexicon, w: &str) -> NounId {
    lex.nouns.iter().position(|n| n.word == w).expect("noun") as NounId
}

#[test]
fn round13_verb_relation_object_counts_are_learned_and_read_back() {
    let lex = Lexicon::builtin();
    let pl = Plausibility::learn(
        [
            "A dog sitting on a bench.",
            "Two small dogs that are sitting on a bench.",
            "A cat sitting next to a bench.",
            "A man walking a dog on a bench.",
            "A big dog that sits on a bench.",
        ],
        lex,
    );
    let (rel, noun) = (|w| rel_id(lex, w), |w| noun_id(lex, w));
    let (on, next_to, bench, dog) = (rel("on"), rel("next to"), noun("bench"), noun("dog"));
    // after the verb, through "that are", never a transitive verb's object
    assert_eq!(pl.vp("sitting", on, bench), 2);
    assert_eq!(pl.vp("sits", on, bench), 1);
    assert_eq!(pl.vp("sitting", next_to, bench), 1);
    assert_eq!(pl.vp("walking", on, bench), 0);
    assert_eq!(pl.vp("sitting", on, dog), 0);
    assert_eq!(pl.vp("standing", on, bench), 0);
    // the subject's verb count behind the weights (a verb right after the subject: "that are
    // sitting" is not counted there)
    assert_eq!(pl.verb(pl.known_verb("sitting")), 2);
    assert_eq!(pl.verb(pl.known_verb("flying")), 0);
    // the table keeps them
    let tsv = pl.to_tsv(lex);
    assert!(tsv.contains("vp\tsitting on\tbench\t2\n"), "{tsv}");
    let back = Plausibility::from_tsv(&tsv, "t.tsv", lex).expect("reads back");
    assert_eq!(back.vp("sitting", on, bench), 2);
    assert_eq!(back.vp("sitting", next_to, bench), 1);
    // merged counts add
    let mut sum = pl.clone();
    sum.merge(&back);
    assert_eq!(sum.vp("sitting", on, bench), 4);
    // a vp row without its relation is an error naming the line
    let err = Plausibility::from_tsv("n\tdog\t-\t3\nvp\tsitting\tbench\t2\n", "t.tsv", lex)
        .expect_err("malformed");
    assert!(err.to_string().starts_with("t.tsv:2:"), "{err}");
}

#[test]
fn round13_a_lexicon_with_more_nouns_than_ids_hold_is_an_error() {
    // exactly MAX_IDS nouns fit (ids 0..=65,535); one more does not
    let builtin = Lexicon::builtin().nouns.len();
    let lexicon = |n: usize| {
        let mut objects = String::new();
        for i in 0..n {
            objects.push_str(&format!("w{i}\tw{i}s\tanimal\tw{i}\t*\n"));
        }
        let mut src = crate::lexicon::builtin_sources();
        src.objects.push(("big.tsv", &objects));
        Lexicon::from_sources(src).map(|l| l.nouns.len())
    };
    let max = crate::lexicon::MAX_IDS;
    assert_eq!(lexicon(max - builtin).expect("fits"), max);
    let err = lexicon(max - builtin + 1).expect_err("too many nouns");
    assert!(err.to_string().starts_with("big.tsv: "), "{err}");
}

#[test]
fn round13_a_verb_inside_a_longer_phrase_is_not_replaced() {
    // a user relation that starts with a verb ("sitting down"): replacing the phrase by one verb
    // would drop its other words ("A dog standing on a couch.")
    let mut src = crate::lexicon::builtin_sources();
    src.relations
        .push(("extra.tsv", "sitting down\tspatial\tsitting down\t\n"));
    let lex = Lexicon::from_sources(src).expect("valid");
    let m = Model::from_parts(lex, Plausibility::permissive(), Lm::permissive());
    let out = learned_all(&m, Op::ReplaceRel, "A dog sitting down on a couch.");
    assert!(!out.is_empty());
    for n in out {
        assert!(n.contains("sitting down"), "{n}");
    }
}

/// The colour words `neg` has that `caption` does not (lower case).
fn added_colours(caption: &str, neg: &str) -> Vec<String> {
    let lex = Lexicon::builtin();
    let words = |t: &str| -> Vec<String> {
        t.to_lowercase()
            .split(|c: char| !c.is_alphanumeric() && c != '-')
            .map(str::to_string)
            .collect()
    };
    let before = words(caption);
    words(neg)
        .into_iter()
        .filter(|w| !before.contains(w))
        .filter(|w| {
            lex.attrs
                .iter()
                .any(|a| a.category == "color" && &a.word == w)
        })
        .collect()
}

#[test]
fn round13_mutants_colourless_picture_spellings_and_caption_start() {
    // the control: a colour is added to a colour photo
    let control = "A photo of a dog on a bench.";
    assert!(all(Op::AddAtt, control)
        .iter()
        .any(|n| !added_colours(control, n).is_empty()));
    for c in [
        "A black-and-white photo of a dog on a bench.",
        "A b&w photo of a dog on a bench.",
        "A b & w photo of a dog on a bench.",
        "A black and white photo of a dog on a bench.",
        "A dog on a bench in black and white.",
        "Black and white photo of a dog on a bench.",
    ] {
        for n in all(Op::AddAtt, c) {
            assert!(added_colours(c, &n).is_empty(), "{c} -> {n}");
        }
    }
    // black and white at the start of a caption describes the dog, not the picture (and is
    // no reason to look before the first word)
    let c = "Black and white dog sitting on a bench.";
    assert!(
        all(Op::AddAtt, c)
            .iter()
            .any(|n| !added_colours(c, n).is_empty()),
        "{c}"
    );
}

#[test]
fn round13_mutants_fixed_colour_needs_enough_mentions_and_a_large_share() {
    let lex = Lexicon::builtin();
    let id = |w: &str| lex.nouns.iter().position(|n| n.word == w).expect("noun") as NounId;
    let attr = |w: &str| lex.attrs.iter().position(|a| a.word == w).expect("attr") as AttrId;
    let (sign, hydrant) = (id("stop sign"), id("fire hydrant"));
    let (red, white, blue, yellow) = (attr("red"), attr("white"), attr("blue"), attr("yellow"));
    // the built-in table: stop signs are red, hydrants come in many colours
    let pre = &Model::builtin().prepared;
    assert!(pre.off_colour(blue, sign) && !pre.off_colour(red, sign));
    assert!(!pre.off_colour(white, hydrant) && !pre.off_colour(yellow, hydrant));
    // exactly at both thresholds: 5 mentions, 4 of them (0.8) one colour
    let captions = |red_signs: usize, white_signs: usize| -> Vec<String> {
        let mut v = vec!["A red stop sign.".to_string(); red_signs];
        v.extend(vec!["A white stop sign.".to_string(); white_signs]);
        v
    };
    let model = learned_owned;
    let m = model(&captions(4, 1));
    assert_eq!(
        fixed_colour_of(&m, sign),
        Some(lex.attrs[red as usize].sense_id)
    );
    assert!(m.prepared.off_colour(white, sign));
    // one mention short, or one colour short of the share: no fixed colour
    assert_eq!(fixed_colour_of(&model(&captions(4, 0)), sign), None);
    assert_eq!(fixed_colour_of(&model(&captions(3, 1)), sign), None);
    // the spellings of one sense add up: grey 3 + gray 1 = 4 of 5
    let mut spellings = vec!["A grey stop sign.".to_string(); 3];
    spellings.push("A gray stop sign.".to_string());
    spellings.push("A red stop sign.".to_string());
    let grey = lex.attrs[attr("grey") as usize].sense_id;
    assert_eq!(fixed_colour_of(&model(&spellings), sign), Some(grey));
    // only street things have one ("a red apple" is no rule)
    let apples = vec!["A red apple.".to_string(); 9];
    assert_eq!(fixed_colour_of(&model(&apples), id("apple")), None);
}

fn fixed_colour_of(m: &Model, n: NounId) -> Option<u32> {
    ops::fixed_colour(&m.lex, &m.plaus, n)
}

#[test]
fn round13_mutants_a_noun_of_both_numbers_is_no_compound_modifier() {
    // "sheep follow": "follow" is a verb here, so the sheep is the head and may be replaced
    let out = all(Op::ReplaceObj, "The sheep follow a dog across a field.");
    assert!(out.iter().any(|n| !n.contains("sheep")), "{out:?}");
    // a singular noun before an unknown noun is a modifier: "the mountain summit"
    for n in all(Op::ReplaceObj, "A man on the mountain summit.") {
        assert!(n.contains("mountain summit"), "{n}");
    }
}

#[test]
fn round13_fixes_from_round_13s_read() {
    // a perched bird sits and stands at once; on the beach is near it; a board is ridden moving
    // (the lexicon rules alone: every pairing counts as seen)
    never(
        false,
        &[
            (
                Op::ReplaceRel,
                "A bird sitting on a tree branch.",
                "bird standing",
            ),
            (
                Op::ReplaceRel,
                "A seagull standing on a rock.",
                "seagull sitting",
            ),
            (
                Op::ReplaceRel,
                "A person flying a kite on the beach.",
                "near the beach",
            ),
            (
                Op::ReplaceRel,
                "A dog playing on the beach in the sun.",
                "next to the beach",
            ),
            (
                Op::ReplaceRel,
                "A man riding a skateboard up the side of a ramp.",
                "walking next to",
            ),
            (
                Op::ReplaceRel,
                "A man riding a surfboard on a wave.",
                "walking next to",
            ),
        ],
    );
    // a horse or a bike may still be walked beside, a dog still sits or stands
    for (caption, want) in [
        (
            "A woman riding a horse on a beach.",
            "A woman walking next to a horse on a beach.",
        ),
        ("A dog sitting on a couch.", "A dog standing on a couch."),
    ] {
        let got = all(Op::ReplaceRel, caption);
        assert!(got.contains(&want.to_string()), "{caption}: {got:?}");
    }
}

#[test]
fn round13_fixes_from_round_13s_fourth_read() {
    // an attribute never goes inside "different sized"
    let out = all(Op::AddAtt, "Four different sized vases on a table.");
    assert!(!out.is_empty());
    for n in out {
        assert!(n.contains("different sized"), "{n}");
    }
    // a stuffed animal is generic: teddy bears are stuffed animals, and it is never replaced
    never(
        false,
        &[
            (
                Op::ReplaceObj,
                "Two teddy bears sitting on a bed.",
                "stuffed animals",
            ),
            (
                Op::ReplaceAtt,
                "A sandy trail through the woods.",
                "dirt trail",
            ),
            (
                Op::ReplaceAtt,
                "A dirt trail through the woods.",
                "sandy trail",
            ),
        ],
    );
    for n in all(Op::ReplaceObj, "A stuffed animal on a bed.") {
        assert!(n.contains("stuffed animal"), "{n}");
    }
    // other terrain still replaces it
    assert!(!all(Op::ReplaceAtt, "A sandy trail through the woods.").is_empty());
}

#[test]
fn round14_the_whole_after_a_part_and_of_stays() {
    // round 13's output: "the side of a road" -> "the side of a mountain", "the back of a truck"
    // -> "the back of a bus", "the flatbed of a truck" -> "the flatbed of a bus"
    for (c, whole) in [
        ("A blue clock sitting on the side of a road.", "road"),
        ("Two cattle are standing by the side of the road", "road"),
        ("A man is sitting in the flatbed of a truck.", "truck"),
        ("A man sitting in the back of a truck.", "truck"),
        (
            "A small cat sits perched on the back of a toilet.",
            "toilet",
        ),
    ] {
        let got = builtin_all(Op::ReplaceObj, c);
        for n in &got {
            assert!(n.contains(&format!(" {whole}")), "{c} -> {n}");
        }
    }
    // a word before "of" that is no part leaves its noun replaceable
    let got = builtin_all(Op::ReplaceObj, "A picture of a dog sitting on a couch.");
    assert!(got.iter().any(|n| !n.contains("dog")), "{got:?}");
    // "top of", "front of" are relations: their object is still replaced
    let got = builtin_all(Op::ReplaceObj, "A cat is sitting on top of a laptop.");
    assert!(got.iter().any(|n| !n.contains("laptop")), "{got:?}");
    let got = builtin_all(Op::ReplaceObj, "a cat is standing in front of a television");
    assert!(got.iter().any(|n| !n.contains("television")), "{got:?}");
}

#[test]
fn round14_a_base_form_verb_takes_only_its_objects() {
    // round 13's output: "going to hit the ball" -> "hit the bat", "leaping to get a frisbee"
    // -> "get a surfboard", "fly a kite" -> "fly a surfboard"
    let mut cases = Vec::new();
    for c in [
        "The batter is going to hit the ball in the baseball game.",
        "A large black dog leaping to get a frisbee.",
        "Three children fly a kite along the beach.",
    ] {
        cases.extend(["surfboard", " bat ", " bat."].map(|b| (Op::ReplaceObj, c, b)));
    }
    never(true, &cases);
    // the base form reads as its -ing form ...
    let lex = Lexicon::builtin();
    let p = crate::concepts::parse("Children fly a kite.", lex);
    assert_eq!(crate::negatives::plausibility::verb_before(&p, 0), None);
    let kite = p.objects.len() - 1;
    assert_eq!(
        crate::negatives::plausibility::verb_before(&p, kite),
        Some("flying")
    );
    // ... and the corpus counts it so: the kite is what is flown
    let m = learned(&[
        "Children fly a kite.",
        "A boy flying a kite.",
        "A man holding a surfboard.",
    ]);
    let kite = p.objects[kite].noun;
    assert_eq!(m.plaus.vo("flying", kite), 2);
    assert_eq!(m.plaus.vo("fly", kite), 0);
    // only a word the lexicon does not know is read so: "use" is a lexicon noun
    let p = crate::concepts::parse("People use the computer.", lex);
    let computer = p.objects.len() - 1;
    assert_eq!(
        crate::negatives::plausibility::verb_before(&p, computer),
        None
    );
    // BASE_VERBS is sorted (binary search) and each maps to its -ing form
    let b = crate::negatives::plausibility::BASE_VERBS;
    assert!(b.windows(2).all(|w| w[0].0 < w[1].0));
    assert!(b.iter().all(|(_, ing)| ing.ends_with("ing")));
}

#[test]
fn round14_a_place_after_an_action_verb_and_its_relation_fits_both() {
    // round 14's reads: "a kite flying in the water", "a cruise ship traveling on the beach"
    never(
        true,
        &[
            (
                Op::ReplaceObj,
                "A blue kite is flying in the sky",
                "in the water",
            ),
            (
                Op::ReplaceObj,
                "A large cruise ship is traveling on the ocean.",
                "on the beach",
            ),
            (
                Op::ReplaceObj,
                "A person that is surfing in the water.",
                "in the snow",
            ),
        ],
    );
    // the corpus decides: the new place must have followed the verb and the relation twice,
    // once the corpus has seen the verb and the relation 10 times, at most a quarter of them
    // with objects seen there once ("drifting on": 10, 1 of them "field"; round 17: not
    // "sailing", whose water no other place may replace, ACTIVITY_TERRAIN)
    let mut corpus = vec!["A boat drifting on the lake."; 5];
    corpus.extend(["A boat drifting on the ocean."; 4]);
    corpus.extend(["A boat on the field.", "A boat on the field."]);
    corpus.push("A boat drifting on the field.");
    let often = named_often(&["boat", "lake", "ocean", "field"]);
    corpus.extend(often.iter().map(String::as_str));
    let drifting = |corpus: &[&str]| {
        learned_all(
            &learned(corpus),
            Op::ReplaceObj,
            "A boat drifting on the lake.",
        )
    };
    let got = drifting(&corpus);
    assert!(
        got.contains(&"A boat drifting on the ocean.".to_string()),
        "{got:?}"
    );
    assert!(!got.iter().any(|n| n.contains("field")), "{got:?}");
    // without the verb only the relation's object counts apply
    let got = learned_all(&learned(&corpus), Op::ReplaceObj, "A boat on the lake.");
    assert!(got.contains(&"A boat on the field.".to_string()), "{got:?}");
    // the verb and the relation seen 9 times say too little
    let field = "A boat drifting on the field.".to_string();
    assert!(drifting(&corpus[1..]).contains(&field));
    // 3 of 12 sightings with objects seen once still decide; 4 of 13 do not
    corpus.extend([
        "A boat drifting on the river.",
        "A boat drifting on the sea.",
    ]);
    assert!(!drifting(&corpus).contains(&field));
    corpus.push("A boat drifting on the pond.");
    assert!(drifting(&corpus).contains(&field));
    // a posture says where a thing is, not what it does: the relation-object count suffices
    let got = builtin_all(
        Op::ReplaceObj,
        "A group of people sitting at a table with food.",
    );
    assert!(got.iter().any(|n| !n.contains("table")), "{got:?}");
}

#[test]
fn round14_near_places_never_replace_each_other() {
    // round 13's fourth and round 14's reads: meaning unchanged
    let mut cases = Vec::new();
    for (c, bad) in [
        (
            "A city bus that is stopped at a bus stop",
            ["street", "road"],
        ),
        (
            "A stopped bus pulled up to the bus stop",
            ["street", "road"],
        ),
        (
            "Three children flying a box kite near the ocean.",
            ["beach", "sea"],
        ),
        (
            "A man standing near the ocean with his surf board",
            ["beach", "shore"],
        ),
    ] {
        cases.extend(bad.map(|b| (Op::ReplaceObj, c, b)));
    }
    never(true, &cases);
}

#[test]
fn round14_a_mass_noun_the_caption_counts_takes_a_count_noun() {
    // round 14's second read: "a bowl has a soup" -> "a bowl has a rice" (round 21: that
    // caption's one count noun left, "a meat", is a mass food in use and went too, so the
    // check uses another caption that counts its soup; round 22: "soup", named in 11
    // captions, is no longer replaced, so the caption counts its broccoli)
    let c = "A man eating a broccoli at a table.";
    let got = builtin_all(Op::ReplaceObj, c);
    assert!(
        got.iter()
            .any(|n| n.contains(" eating a ") && !n.contains("broccoli")),
        "{got:?}"
    );
    for n in &got {
        assert!(!n.contains("a rice") && !n.contains("a pasta"), "{n}");
    }
    // without the article a mass noun still takes a mass noun (round 22: rice and bread, named
    // in 18 and 27 captions, are no longer replaced, so meat takes cake)
    let got = builtin_all(Op::ReplaceObj, "Some meat on a plate.");
    assert!(
        got.contains(&"Some cake on a plate.".to_string()),
        "{got:?}"
    );
    // "a herd of" is no "a": "a herd of cattle" never becomes "a herd of giraffe"
    let got = builtin_all(
        Op::ReplaceObj,
        "A herd of cattle standing next to a tree together.",
    );
    for n in got {
        assert!(!n.contains("herd of giraffe "), "{n}");
    }
}

#[test]
fn round14_other_nouns_take_attributes_the_corpus_gave_them() {
    // "wave", "group", "area" are in the `other` category, which compat.tsv gives no
    // attribute: the corpus decides, 3 captions per attribute and noun
    let got = builtin_all(
        Op::ReplaceAtt,
        "A man surfing on a large wave in the ocean.",
    );
    assert!(got.iter().any(|n| n.contains("small wave")), "{got:?}");
    let got = builtin_all(Op::ReplaceAtt, "A large group of people on a city street.");
    assert!(got.iter().any(|n| n.contains("small group")), "{got:?}");
    let mut corpus = vec!["A surfer on a small wave."; 3];
    corpus.extend(["A surfer on a large wave."; 2]);
    let small = "A surfer riding a small wave.";
    assert!(learned_all(&learned(&corpus), Op::ReplaceAtt, small).is_empty());
    corpus.push("A surfer on a large wave.");
    assert_eq!(
        learned_all(&learned(&corpus), Op::ReplaceAtt, small),
        ["A surfer riding a large wave."]
    );
    // add_att adds none to them: their counts mix senses and frame words ("a pink top" of a
    // building, "a black image")
    for c in [
        "an image of three hot dogs with mustard",
        "A white clock tower at the top of a tiled building.",
    ] {
        for n in builtin_all(Op::AddAtt, c) {
            assert!(
                !n.contains("black image") && !n.contains("pink top") && !n.contains("white top"),
                "{c} -> {n}"
            );
        }
    }
}

#[test]
fn round15_subject_relation_object_counts_are_learned_and_read_back() {
    let lex = Lexicon::builtin();
    let pl = Plausibility::learn(
        [
            "A cat on a laptop.",
            "A small cat sitting on a laptop.",
            "A dog next to a laptop.",
        ],
        lex,
    );
    let (rel, noun) = (|w| rel_id(lex, w), |w| noun_id(lex, w));
    let (on, next_to) = (rel("on"), rel("next to"));
    let (cat, dog, laptop) = (noun("cat"), noun("dog"), noun("laptop"));
    assert_eq!(pl.sro(cat, on, laptop), 2);
    assert_eq!(pl.sro(dog, next_to, laptop), 1);
    assert_eq!(pl.sro(dog, on, laptop), 0);
    assert_eq!(pl.sro(laptop, on, cat), 0);
    let tsv = pl.to_tsv(lex);
    assert!(tsv.contains("sro\tcat|on\tlaptop\t2\n"), "{tsv}");
    let back = Plausibility::from_tsv(&tsv, "t.tsv", lex).expect("reads back");
    assert_eq!(back.sro(cat, on, laptop), 2);
    assert_eq!(back.sro(dog, next_to, laptop), 1);
    let mut sum = pl.clone();
    sum.merge(&back);
    assert_eq!(sum.sro(cat, on, laptop), 4);
    // an sro row without its "|" is an error naming the line
    let err = Plausibility::from_tsv("n\tdog\t-\t3\nsro\tcat on\tlaptop\t2\n", "t.tsv", lex)
        .expect_err("malformed");
    assert!(err.to_string().starts_with("t.tsv:2:"), "{err}");
}

#[test]
fn round15_next_to_becomes_on_or_in_only_where_the_corpus_saw_the_scene() {
    // the built-in table: "by the water" → "in the water", "near a bench" → "on a bench"
    let got = builtin_all(
        Op::ReplaceRel,
        "A man holding a surfboard standing by the water",
    );
    assert!(
        got.iter().any(|n| n.contains("standing in the water")),
        "{got:?}"
    );
    let got = builtin_all(
        Op::ReplaceRel,
        "A cat sits near a bench in a garden with many potted plants.",
    );
    assert!(got.iter().any(|n| n.contains("sits on a bench")), "{got:?}");
    let got = builtin_all(
        Op::ReplaceRel,
        "A cat in front of a wooden bench in a garden.",
    );
    assert!(
        got.iter().any(|n| n.contains("cat on a wooden bench")),
        "{got:?}"
    );
    // round 14's output: "next to" → "on top of" put zebras on trees and fences
    never(
        true,
        &[
            (
                Op::ReplaceRel,
                "A couple of zebra standing next to a tree.",
                "on top of",
            ),
            // without the scene seen: "a fire hydrant sits in a brick building", "a little girl
            // sitting on a laptop computer"
            (
                Op::ReplaceRel,
                "A fire hydrant sits in front of a brick building",
                "in a brick",
            ),
            (
                Op::ReplaceRel,
                "A fire hydrant sits in front of a brick building",
                "on a brick",
            ),
            (
                Op::ReplaceRel,
                "A little girl sitting in front of a laptop computer.",
                "on a laptop",
            ),
            // a word the lexicon does not know before the relation counts as its verb (round 15's
            // read: "a group of men stand on their bicycles")
            (
                Op::ReplaceRel,
                "A group of men stand next to their bicycles.",
                "on their bicycles",
            ),
            // round 15's read: who holds a book in bed looks at it; a bird spilling water
            (
                Op::ReplaceRel,
                "A little girl laying in bed holding a book next to a black cat.",
                "looking at a book",
            ),
            (
                Op::ReplaceRel,
                "Bird drinking water and walking on beach and ocean surface",
                "spilling",
            ),
            // "at" is no nearness ("people at a table" sit at it, not on it)
            (
                Op::ReplaceRel,
                "Lots of people at a long table eating, drinking and smiling",
                "on a long table",
            ),
            // round 5's read: "a toilet on a sink"
            (Op::ReplaceRel, "A toilet next to a sink.", "on a sink"),
            (Op::ReplaceRel, "A toilet next to a sink.", "in a sink"),
            (
                Op::ReplaceRel,
                "Two zebras are standing together next to the fence.",
                "on top of",
            ),
            (
                Op::ReplaceRel,
                "A dog is running beside two horses in a field.",
                "on top of",
            ),
            // the verb must have been followed by the new relation and the object ("standing on
            // a bike" never), and the subject is not inside an "of" phrase
            (
                Op::ReplaceRel,
                "A couple of people standing next to a bike.",
                "on a bike",
            ),
            (
                Op::ReplaceRel,
                "A bowl of bananas next to a bowl of apples on a counter.",
                "in a bowl of apples",
            ),
        ],
    );
    // the corpus decides: the subject, the relation and the object seen together twice, not
    // only each noun with the relation
    let mut corpus = vec![
        "A cat on a bed.",
        "A cat on a bed.",
        "A dog on a laptop.",
        "A dog on a laptop.",
        "A cat on a laptop.",
    ];
    let on = |corpus: &[&str], c: &str| {
        learned_all(&learned(corpus), Op::ReplaceRel, c)
            .iter()
            .any(|n| n.contains(" on a laptop"))
    };
    assert!(!on(&corpus, "A cat next to a laptop."));
    corpus.push("A cat on a laptop.");
    assert!(on(&corpus, "A cat next to a laptop."));
    // with a verb before the relation, the verb, the relation and the object too
    assert!(!on(&corpus, "A cat sleeping next to a laptop."));
    corpus.extend(["A dog sleeping on a laptop."; 2]);
    assert!(on(&corpus, "A cat sleeping next to a laptop."));
}

#[test]
fn round15_a_mirror_a_window_and_a_tree_frame_no_relation() {
    // round 15's second read: meaning unchanged ("in a mirror" is a reflection, a cat "in a
    // window" is next to it too, what is under a tree is next to it)
    never(
        true,
        &[
            (
                Op::ReplaceRel,
                "A little cat looking at itself in a mirror.",
                "next to a mirror",
            ),
            (
                Op::ReplaceRel,
                "A cat sitting in a window watching the rain drip on the window glass.",
                "next to a window",
            ),
            (
                Op::ReplaceRel,
                "a bench under a tree in a park",
                "next to a tree",
            ),
            (
                Op::ReplaceRel,
                "A few zebras resting underneath a tree during the day.",
                "on top of a tree",
            ),
        ],
    );
    // things fixed at the kerb, and buildings, on a street or a sidewalk are next to it too
    // (rounds 11-15's reads: 5 of 7 such rows meaning unchanged)
    for (c, kept) in [
        (
            "A broken fire hydrant on a city sidewalk.",
            "on a city sidewalk",
        ),
        (
            "A parking meter is on the street in front of a building.",
            "on the street",
        ),
        (
            "A large, red clock tower is on a street sidewalk.",
            "on a street sidewalk",
        ),
    ] {
        for n in all(Op::ReplaceRel, c) {
            assert!(n.contains(kept), "{c} -> {n}");
        }
    }
    // other objects keep their slots
    let got = all(Op::ReplaceRel, "a bus on a city street");
    assert!(
        got.contains(&"a bus next to a city street".to_string()),
        "{got:?}"
    );
    let got = all(Op::ReplaceRel, "a dog under a table");
    assert!(got.contains(&"a dog on a table".to_string()), "{got:?}");
    let got = all(Op::ReplaceRel, "a dog in a car");
    assert!(got.contains(&"a dog next to a car".to_string()), "{got:?}");
}

#[test]
fn round16_a_list_of_one_class_takes_a_new_member_before_its_last() {
    // bare members: the new one is bare too, before the last ("toilet, tub and mirror")
    let got = builtin_all(Op::AddObj, "A very nice bathroom with toilet and mirror.");
    assert!(
        got.iter()
            .any(|n| n.starts_with("A very nice bathroom with toilet, ")
                && n.ends_with(" and mirror.")
                && !n.contains(", a ")),
        "{got:?}"
    );
    // members with an article: "a man, a boy and a woman"
    let got = builtin_all(Op::AddObj, "A man and a woman eating pizza at a table.");
    assert!(
        got.iter()
            .any(|n| n.starts_with("A man, a ")
                && n.ends_with(" and a woman eating pizza at a table.")),
        "{got:?}"
    );
    // plural members: "oranges, apples, bananas and pears"
    let got = builtin_all(Op::AddObj, "Apples, oranges and bananas on a table.");
    assert!(
        got.iter().any(|n| n.starts_with("Apples, oranges, ")
            && n.ends_with("s and bananas on a table.")),
        "{got:?}"
    );
    // a mass word stays bare and singular ("carrots, meat and broccoli", never "meats"), and a
    // bare count noun after a mass one is plural ("rice, carrots and meat")
    let got = builtin_all(Op::AddObj, "A bowl of carrots and broccoli on a table.");
    assert!(!got.is_empty());
    never(
        true,
        &[
            (
                Op::AddObj,
                "A bowl of carrots and broccoli on a table.",
                "meats",
            ),
            // a word the caption names already ("apples oranges, apples and pears")
            (
                Op::AddObj,
                "there is apples oranges and pears on the table",
                "oranges, apples",
            ),
        ],
    );
    // clothes, possessions and lists of two classes take no new member, whatever the counts
    let lists = [
        "A man in a jacket and tie.",
        "A man carrying his plate and cup.",
        "A woman with a cat and a plate.",
    ];
    for c in lists {
        for n in all(Op::AddObj, c) {
            assert!(!n.contains(", "), "{c} -> {n}");
        }
    }
    // a comma before "and" is a separator too ("a sink, a mirror, a tub, and a toilet")
    let got = builtin_all(
        Op::AddObj,
        "A bathroom with a sink, a mirror, and a toilet.",
    );
    assert!(
        got.iter()
            .any(|n| n.starts_with("A bathroom with a sink, a mirror, a ")
                && n.ends_with(", and a toilet.")),
        "{got:?}"
    );
    // two noun phrases with nothing between them are no list ("a cat a dog": no "a cat, a bird
    // a dog")
    for n in all(Op::AddObj, "A cat a dog on a couch.") {
        assert!(!n.contains("cat, "), "{n}");
    }
    // ... which the permissive table would otherwise fill
    for c in [
        "A man carrying a plate and cup.",
        "A woman with a cat and a dog.",
    ] {
        let got = all(Op::AddObj, c);
        assert!(got.iter().any(|n| n.contains(", ")), "{got:?}");
    }
    // after a mass noun: a plural
    let got = builtin_all(Op::AddObj, "A plate with rice and meat.");
    assert!(
        got.iter()
            .all(|n| !n.starts_with("A plate with rice, ") || n.ends_with("s and meat.")),
        "{got:?}"
    );
}

#[test]
fn round16_a_subject_with_a_relative_clause_takes_a_co_subject_and_the_clause_agrees() {
    let got = builtin_all(Op::AddObj, "A dog that is sitting on a couch.");
    assert!(
        got.iter()
            .any(|n| n.starts_with("A dog and a ") && n.ends_with(" that are sitting on a couch.")),
        "{got:?}"
    );
    assert!(got.iter().all(|n| !n.contains(" is ")), "{got:?}");
    // a relation in the clause: "a giraffe that is next to a fence"
    let got = builtin_all(Op::AddObj, "a large giraffe that is next to a fence");
    assert!(
        got.iter().any(|n| n.ends_with(" that are next to a fence")),
        "{got:?}"
    );
    // a plural subject keeps its verb: "two zebras and a giraffe that are standing"
    let got = builtin_all(Op::AddObj, "Two zebras that are standing in the grass.");
    assert!(
        got.iter().any(|n| n.starts_with("Two zebras and a ")
            && n.ends_with(" that are standing in the grass.")),
        "{got:?}"
    );
    // a later singular verb would not agree ("a cat and a dog that are on a bed is sleeping")
    for c in [
        "A cat that is on a bed is sleeping.",
        "A man who is sitting on a bench holds a cup.",
    ] {
        let got = all(Op::AddObj, c);
        assert!(
            got.iter()
                .all(|n| !n.contains(" that are ") && !n.contains(" who are ")),
            "{c}: {got:?}"
        );
    }
}

#[test]
fn round16_a_made_thing_the_caption_describes_takes_another_value_of_that_dimension() {
    // no keyboard of the built-in table has a colour, but this caption gives it one: its colour
    // varies, so another colour the corpus puts on electronics replaces it
    for (c, kept) in [
        (
            "A clean white keyboard laying on the table",
            " keyboard laying on the table",
        ),
        (
            "a large piano in a home living room",
            " piano in a home living room",
        ),
    ] {
        let got = builtin_all(Op::ReplaceAtt, c);
        assert!(got.iter().any(|n| n.ends_with(kept)), "{c}: {got:?}");
    }
    // natural kinds have no such back-off: "a white pig" keeps its colour
    for n in builtin_all(Op::ReplaceAtt, "A white pig in a field.") {
        assert!(n.contains("white pig"), "{n}");
    }
    // nor does it reach add_att or swap_att: the table says nothing about keyboards' colours
    for n in builtin_all(Op::AddAtt, "A keyboard laying on the table") {
        assert!(
            !n.contains("white keyboard") && !n.contains("black keyboard"),
            "{n}"
        );
    }
}

#[test]
fn round16_swap_att_keeps_to_what_the_corpus_says_of_each_noun() {
    // the caption says the keyboard's colour varies, not its size: "a large keyboard next to a
    // white computer monitor" stays unmade
    assert!(builtin_all(
        Op::SwapAtt,
        "A white keyboard next to a large computer monitor."
    )
    .is_empty());
    // two sizes say that size varies on both: no church of the table has a size
    let got = builtin_all(
        Op::SwapAtt,
        "A large clock tower next to a small white church.",
    );
    // (round 24: and "white" may move onto the tower)
    assert_eq!(
        got,
        [
            "A large white clock tower next to a small church.",
            "A small clock tower next to a large white church."
        ]
    );
}

#[test]
fn round17_a_new_place_has_held_what_the_caption_puts_there() {
    // the place goes with the relation and with the subject, but not the three together
    never(
        true,
        &[
            (
                Op::ReplaceObj,
                "A green bus is out on the road.",
                "sidewalk",
            ),
            (
                Op::ReplaceObj,
                "A plane flies through the sky at an angle.",
                "through the water",
            ),
            (
                Op::ReplaceObj,
                "A park with yellow umbrellas on the grass.",
                "on the water",
            ),
            (
                Op::ReplaceObj,
                "A windsurfer watches people kite surfing at the beach.",
                "at the park",
            ),
        ],
    );
    // a place the corpus has seen the subject in stays
    let got = builtin_all(Op::ReplaceObj, "A man riding a horse on the beach.");
    assert!(
        got.iter()
            .any(|g| g == "A man riding a horse on the street."),
        "{got:?}"
    );
}

#[test]
fn round17_an_activity_keeps_its_kind_of_place() {
    never(
        true,
        &[
            (
                Op::ReplaceObj,
                "a bunch of people that are skiing on some snow",
                "grass",
            ),
            (
                Op::ReplaceObj,
                "A man is snowboarding past blue markers on a mountain.",
                "court",
            ),
            (
                Op::ReplaceObj,
                "A herd of elephants splashing and playing in a river.",
                "field",
            ),
            (
                Op::ReplaceObj,
                "A person is flying a biplane in the sky.",
                "water",
            ),
        ],
    );
    // a place of the kind stays
    let got = builtin_all(
        Op::ReplaceObj,
        "a small boat floating in a river by a house",
    );
    assert!(
        got.iter()
            .any(|g| g == "a small boat floating in a lake by a house"),
        "{got:?}"
    );
    for (_, places) in super::ops::ACTIVITY_TERRAIN {
        all_lexicon_nouns(places);
    }
}

/// Every word of a curated list is a noun of the built-in lexicon (a typo would silently match
/// nothing).
fn all_lexicon_nouns(words: &[&str]) {
    let lex = Lexicon::builtin();
    for w in words {
        assert!(
            lex.lookup(w)
                .iter()
                .any(|e| matches!(e, crate::lexicon::Entry::Noun { .. })),
            "{w}"
        );
    }
}

#[test]
fn round17_a_herd_takes_only_herd_animals() {
    never(
        true,
        &[
            (
                Op::ReplaceObj,
                "A herd of elephants cross a shallow river.",
                "herd of b",
            ),
            (
                Op::ReplaceObj,
                "A herd of sheep standing next to each other on dirt ground.",
                "herd of dogs",
            ),
        ],
    );
    let got = builtin_all(Op::ReplaceObj, "A herd of elephants cross a shallow river.");
    assert!(
        got.iter().any(|g| g.starts_with("A herd of horses")),
        "{got:?}"
    );
    for (_, animals) in super::ops::COLLECTIVES {
        all_lexicon_nouns(animals);
    }
}

#[test]
fn round17_a_place_before_of_and_a_farm_for_a_field_are_not_replaced() {
    never(
        true,
        &[
            (
                Op::ReplaceObj,
                "three people on a field of green grass",
                "mountain of",
            ),
            (
                Op::ReplaceObj,
                "A man speaks to some children on a farm.",
                "on a field",
            ),
        ],
    );
}

#[test]
fn round17_places_are_never_swapped_as_things() {
    // rooms are made things to the attribute rules, but a swap of two places makes a building
    // of rooms ("a large bathroom behind a small kitchen"); cargo mutants found no test of it
    never(
        false,
        &[
            (
                Op::SwapObj,
                "A large kitchen behind a small bathroom.",
                "large bathroom",
            ),
            (Op::SwapObj, "A bedroom under a kitchen.", "kitchen under"),
        ],
    );
}

#[test]
fn round17_a_place_one_goes_down_is_replaced_by_a_path() {
    never(
        true,
        &[
            (
                Op::ReplaceObj,
                "A small bus traveling down a street.",
                "down a city",
            ),
            (
                Op::ReplaceObj,
                "A man riding a skateboard down a sidewalk.",
                "down a park",
            ),
        ],
    );
    let got = builtin_all(Op::ReplaceObj, "A man riding a skateboard down a sidewalk.");
    assert!(got.iter().any(|g| g.ends_with("down a street.")), "{got:?}");
    all_lexicon_nouns(super::ops::PATHS);
    all_lexicon_nouns(super::ops::MOTOR);
    // a motor vehicle keeps to roads; a place of a place is not replaced (round 17's third read)
    never(
        true,
        &[
            (
                Op::ReplaceObj,
                "A small bus traveling down a street.",
                "down a sidewalk",
            ),
            (
                Op::ReplaceObj,
                "There is a map in the street of the city.",
                "of the sidewalk",
            ),
        ],
    );
    // a place after "of" that follows no place is still replaced, whatever other places the
    // caption names (cargo mutants)
    let got = builtin_all(Op::ReplaceObj, "A view of the ocean from a hill.");
    assert!(
        got.iter().any(|g| g == "A view of the street from a hill."),
        "{got:?}"
    );
    // a place two words after another is still replaced when no "of" joins them (cargo mutants)
    let got = builtin_all(Op::ReplaceObj, "Two horses in a field near the beach.");
    assert!(
        got.iter()
            .any(|g| g == "Two horses in a field near the road."),
        "{got:?}"
    );
}

#[test]
fn round17_the_whole_of_a_locomotive_is_not_replaced() {
    // (round 17's fourth read) the part must fit the new whole, and the corpus has no counts of
    // parts. ("the front room of a wall", the read's other row, is not made by the built-in
    // model here, so no case of it can fail.)
    never(
        true,
        &[(
            Op::ReplaceObj,
            "The locomotive of a train is painted yellow.",
            "of a school bus",
        )],
    );
}

#[test]
fn round17_a_bike_may_be_the_motorcycle() {
    never(
        true,
        &[(
            Op::ReplaceObj,
            "A motorcycle parked in front of a building.",
            "a bike",
        )],
    );
    // a bicycle is no motorcycle
    let got = builtin_all(Op::ReplaceObj, "A bicycle parked in front of a building.");
    assert!(
        got.iter()
            .any(|g| g == "A motorcycle parked in front of a building."),
        "{got:?}"
    );
}

#[test]
fn round18_a_relation_no_caption_uses_is_never_put_in() {
    // the built-in table's captions never say "far from", "walking next to" or "looking away
    // from": only negatives would, and a text-only pair classifier spots them all
    for (caption, unused) in [
        ("A dog sitting next to a couch.", "far from"),
        ("A cat laying near a laptop.", "far from"),
        ("A man riding a horse.", "walking next to"),
        ("A man looking at his phone.", "looking away from"),
    ] {
        let out = builtin_all(Op::ReplaceRel, caption);
        none_contains(&out, unused);
        // the lexicon rules alone would put it in
        assert!(
            all(Op::ReplaceRel, caption)
                .iter()
                .any(|o| o.contains(unused)),
            "{caption}"
        );
    }
    // other opposites the captions use still come
    for (caption, want) in [
        (
            "A dog sitting next to a couch.",
            "A dog sitting on a couch.",
        ),
        (
            "A person is riding a horse on grass.",
            "A person is petting a horse on grass.",
        ),
    ] {
        let out = builtin_all(Op::ReplaceRel, caption);
        assert!(out.iter().any(|o| o == want), "{out:?}");
    }
    // a corpus that uses the relation with both nouns lets it in
    let m = learned(&[
        "a dog far from a couch",
        "a dog far from a couch",
        "a dog sitting far from a couch",
        "a dog sitting far from a couch",
    ]);
    let out = learned_all(&m, Op::ReplaceRel, "A dog sitting next to a couch.");
    some_contains(&out, "far from");
}
#[test]
fn round18_a_vehicle_under_way_stays_on_its_road_and_sleeping_is_a_posture() {
    // a bus driving on a street is on it because it drives: "next to" describes no scene
    for caption in [
        "a double bus driving on a city street",
        "A bus traveling on a street during the day.",
        "A small boat traveling in the water.",
    ] {
        none_contains(&builtin_all(Op::ReplaceRel, caption), "next to");
    }
    // parked, or a person walking, it may stand next to the street
    let out = builtin_all(Op::ReplaceRel, "A bus parked on a city street.");
    assert!(
        out.iter().any(|o| o.contains("next to a city street")),
        "{out:?}"
    );
    // "sleeping" is replaced like the other postures, and is one sense with lying
    for (caption, want) in [
        (
            "A dog is sleeping on a plaid blanket.",
            "A dog is sitting on a plaid blanket.",
        ),
        (
            "A cat sitting on the hood of a car.",
            "A cat sleeping on the hood of a car.",
        ),
    ] {
        let out = builtin_all(Op::ReplaceRel, caption);
        assert!(out.iter().any(|o| o == want), "{caption}: {out:?}");
    }
    none_contains(&all(Op::ReplaceRel, "A cat sleeping on a bed."), "laying");
    none_contains(&all(Op::ReplaceRel, "A cat laying on a bed."), "sleeping");
}

#[test]
fn round18_an_animal_keeps_what_the_caption_says_it_has() {
    // the owner of tusks or a trunk stays an elephant ("a zebra with short tusks")
    for caption in [
        "An elephant with short tusks stands alone in a sandy area.",
        "An elephant lifting its trunk in a field.",
    ] {
        for o in all(Op::ReplaceObj, caption) {
            assert!(o.contains("elephant"), "{o}");
        }
    }
    // a mane: a zebra may become a horse or a pony, nothing else
    assert_eq!(
        all(Op::ReplaceObj, "A zebra with a black and white mane."),
        vec![
            "A horse with a black and white mane.",
            "A pony with a black and white mane."
        ]
    );
    // what is herded stays a herd animal; the dog herding them is not bound
    let out = all(
        Op::ReplaceObj,
        "A group of sheep are being herded by a dog as people watch.",
    );
    none_contains(&out, "group of cats");
    some_contains(&out, "group of goats");
    some_contains(&out, "herded by a cat");
    // feathers bind the bird, not the dog chasing it
    let out = all(Op::ReplaceObj, "A dog chasing a bird with white feathers.");
    none_contains(&out, "chasing a cat with");
    assert!(
        out.iter().any(|o| o.starts_with("A cat chasing a bird")),
        "{out:?}"
    );
    assert!(
        out.iter().any(|o| o.contains("chasing a duck with")),
        "{out:?}"
    );
    // (round 13's BIRDS also name birds a user's lexicon may add, "gull", "egret")
    for (_, owners) in super::ops::BODY_PARTS {
        if *owners != super::ops::BIRDS {
            all_lexicon_nouns(owners);
        }
    }
}

#[test]
fn round18_a_kept_animal_is_a_pet_and_what_runs_on_tracks_stays_on_rails() {
    // "with their elephant": a possessed animal is a pet
    let out = all(Op::ReplaceObj, "A family walking with their dog.");
    some_contains(&out, "their cat");
    none_contains(&out, "their elephant");
    none_contains(&out, "their cow");
    // an animal on a leash is a dog or a cat; the man walking it is not bound
    let out = all(Op::ReplaceObj, "A man walking a dog on a leash.");
    none_contains(&out, "walking a cow");
    some_contains(&out, "walking a cat");
    assert!(
        out.iter().any(|o| o.starts_with("A woman walking")),
        "{out:?}"
    );
    // the train of "tracks" (matched by its head word) runs on rails; a bus near them does not
    assert_eq!(
        all(Op::ReplaceObj, "A commuter train on the tracks."),
        vec!["A cart on the tracks.", "A trolley on the tracks."]
    );
    let out = all(Op::ReplaceObj, "A bus parked near the train tracks.");
    assert!(out.iter().any(|o| o.starts_with("A car parked")), "{out:?}");
    // a head word counts for a list too: dairy cows are a herd's, and mountain goats
    let out = all(Op::ReplaceObj, "A herd of sheep in a field.");
    assert!(
        out.iter().any(|o| o.contains("herd of mountain goats")),
        "{out:?}"
    );
    all_lexicon_nouns(super::ops::PETS);
}

#[test]
fn round18_a_person_on_a_laptop_uses_it_and_a_serve_is_tennis() {
    // "on" a device, for a person, is using it; a cat on a laptop is on it
    none_contains(
        &all(Op::ReplaceRel, "A man on a laptop in a coffee shop."),
        "of a laptop",
    );
    none_contains(
        &all(Op::ReplaceRel, "A woman on her cell phone."),
        "her cell phone",
    );
    let out = all(Op::ReplaceRel, "A cat on a laptop.");
    assert!(
        out.iter().any(|o| o == "A cat next to a laptop."),
        "{out:?}"
    );
    // a serve binds the tennis player, not the ball
    let out = all(
        Op::ReplaceObj,
        "A tennis player throws the ball up to serve.",
    );
    none_contains(&out, "baseball player");
    none_contains(&out, "pitcher");
    let out = all(Op::ReplaceObj, "A tennis player hitting a ball.");
    some_contains(&out, "baseball player");
}

#[test]
fn round19_what_someone_wears_sits_between_them_and_their_verb() {
    // the verb after the clothes is the wearer's: a skateboarder does not surf
    none_contains(
        &builtin_all(
            Op::ReplaceObj,
            "a surfer in a white shirt surfing on a sunny day",
        ),
        "skateboarder",
    );
    let out = builtin_all(Op::ReplaceObj, "a surfer in a white shirt on a sunny day");
    some_contains(&out, "skateboarder");
    // a co-subject goes after the clothes, which stay the subject's
    let out = all(Op::AddObj, "A man in a red shirt riding a horse.");
    assert!(!out.is_empty());
    assert!(
        out.iter()
            .all(|o| o.starts_with("A man in a red shirt and a")),
        "{out:?}"
    );
    // clothes and nothing they share: no co-subject; a relation after the clothes is shared
    assert_eq!(
        all(Op::AddObj, "A man in a red shirt."),
        Vec::<String>::new()
    );
    let out = all(Op::AddObj, "A man in a red shirt next to a car.");
    assert!(
        out.iter()
            .any(|o| o.starts_with("A man in a red shirt and a woman next to")),
        "{out:?}"
    );
    // a place is no clothing: the co-subject shares it
    let out = all(Op::AddObj, "A man on a bench reading a book.");
    assert!(
        out.iter()
            .any(|o| o.starts_with("A man and a woman on a bench")),
        "{out:?}"
    );
    none_contains(&out, "bench and");
}

#[test]
fn round19_a_seat_for_one_holds_one_and_a_stall_is_a_bathroom() {
    assert_eq!(
        all(Op::AddObj, "A man sits on the toilet while smoking"),
        Vec::<String>::new()
    );
    // (round 27: the caption has a site at its end, "in a chair next to ...")
    none_contains(&all(Op::AddObj, "A woman sitting in a chair."), "woman and");
    // a cat and a dog fit on one chair
    let out = all(Op::AddObj, "A cat sitting in a chair.");
    assert!(
        out.iter()
            .any(|o| o == "A cat and a dog sitting in a chair."),
        "{out:?}"
    );
    let out = all(Op::AddObj, "A man sits on a bench while smoking");
    assert!(
        out.iter()
            .any(|o| o == "A man and a woman sit on a bench while smoking"),
        "{out:?}"
    );
    // two chairs hold two
    let out = all(Op::AddObj, "Two men sitting on chairs.");
    assert!(
        out.iter().any(|o| o.starts_with("Two men and a")),
        "{out:?}"
    );
    none_contains(
        &all(
            Op::ReplaceObj,
            "Looking down into a toilet in a very small stall.",
        ),
        "bathroom",
    );
}

#[test]
fn round19_what_stands_on_the_ground_is_not_mounted_and_covers_are_a_beds() {
    for caption in [
        "A stop sign sitting on top of a metal column.",
        "a close up of a street sign on a pole",
    ] {
        let out = all(Op::ReplaceObj, caption);
        some_contains(&out, "traffic light");
        for grounded in ["hydrant on", "hydrant sitting", "bench on", "bench sitting"] {
            none_contains(&out, grounded);
        }
    }
    // on the ground, or a part of it, a hydrant may stand
    for caption in [
        "A stop sign on the side of the road.",
        "A stop sign on a sidewalk.",
        "A stop sign next to a metal pole.",
    ] {
        let out = all(Op::ReplaceObj, caption);
        assert!(
            out.iter().any(|o| o.starts_with("A fire hydrant")),
            "{out:?}"
        );
    }
    let out = all(Op::ReplaceObj, "A man under the covers in a bed.");
    assert!(!out.is_empty());
    assert!(out.iter().all(|o| o.contains("bed")), "{out:?}");
    let out = all(Op::ReplaceObj, "A man in a bed.");
    some_contains(&out, "couch");
}

#[test]
fn round19_no_second_name_for_what_the_caption_names_and_out_the_window() {
    // a stop sign is a street sign: never put one beside the other
    none_contains(
        &all(
            Op::ReplaceObj,
            "A sidewalk with a street sign and a fire hydrant.",
        ),
        "stop sign",
    );
    // nor one for the other
    none_contains(
        &all(Op::ReplaceObj, "A stop sign on a corner."),
        "street sign",
    );
    let out = all(
        Op::ReplaceObj,
        "A sidewalk with a bench and a fire hydrant.",
    );
    some_contains(&out, "stop sign");
    // "out the" takes a window or a door
    let out = all(
        Op::ReplaceObj,
        "A dog is looking out the window of a truck.",
    );
    some_contains(&out, "out the door");
    none_contains(&out, "out the mirror");
    let out = all(Op::ReplaceObj, "People walk out of a bus.");
    some_contains(&out, "out of a car");
    // near-synonyms a picture does not tell apart (round 19's read)
    for (caption, near) in [
        ("A dog in a cage.", "enclosure"),
        ("A man watching a television.", "monitor"),
        ("Sandwiches on a pan.", "tray"),
    ] {
        none_contains(&all(Op::ReplaceObj, caption), near);
    }
    // a generic word is never put in
    none_contains(
        &all(Op::ReplaceObj, "A yellow rose in a small vase."),
        "device",
    );
}

#[test]
fn round19_jockeys_ride_horses_one_talks_on_a_phone_and_aircraft_land() {
    // (a pony is a horse's sense: nothing else may race with the jockeys)
    none_contains(
        &all(Op::ReplaceObj, "Three horses and three jockeys are racing."),
        "bears and",
    );
    let out = all(Op::ReplaceObj, "Three horses are racing.");
    some_contains(&out, "bears");
    // (the other phone words share the phone's sense: the phone stays)
    none_contains(
        &all(Op::ReplaceObj, "A man talking on his phone."),
        "laptop",
    );
    let out = all(Op::ReplaceObj, "A man looking at his phone.");
    some_contains(&out, "laptop");
    let out = all(Op::ReplaceObj, "A small airplane coming in for a landing.");
    none_contains(&out, "train");
    some_contains(&out, "helicopter");
    none_contains(
        &all(Op::ReplaceObj, "There is a chili dog in the bun."),
        "hot dog",
    );
}

#[test]
fn round20_generic_words_and_second_names_of_a_caption_object() {
    // a word a picture does not tell from what it covers is never put in nor replaced
    for (caption, generic) in [
        ("A pizza is split down the middle.", "entree"),
        ("A white bowl that includes carrots and broccoli.", "greens"),
        ("Fruits in a very big box.", "container"),
        (
            "Two giraffes traveling across a rocky terrain.",
            "rocky field",
        ),
    ] {
        none_contains(&all(Op::ReplaceObj, caption), generic);
    }
    // a noun whose last word names another object ("signs") is that object's second name
    none_contains(
        &all(Op::ReplaceObj, "Many large signs stacked up on a pole."),
        "street sign",
    );
    let out = all(Op::ReplaceObj, "Many large flags stacked up on a pole.");
    some_contains(&out, "street sign");
    // a sink on a cabinet stands on the counter
    none_contains(
        &all(
            Op::ReplaceObj,
            "A bathroom sink sitting on top of a wooden cabinet.",
        ),
        "counter",
    );
    // WordNet's first "macaroni" is a dandy: in captions it is food
    let lex = Lexicon::builtin();
    let food = lex.lookup("macaroni").iter().any(|e| {
        matches!(e, crate::lexicon::Entry::Noun { id, .. } if lex.nouns[*id as usize].category == "food")
    });
    assert!(food);
}

#[test]
fn round20_a_small_animals_holder_womens_wear_and_the_cover_of_a_bed() {
    // a small animal in a bowl stays a small one; a cow in a cage, or a cat on a bed, need not
    none_contains(&all(Op::ReplaceObj, "A cat laying in a bowl."), "sheep");
    for caption in [
        "A cow stands in a cage.",
        "A cat laying on a bed.",
        "A cat laying on a suitcase.",
    ] {
        let out = all(Op::ReplaceObj, caption);
        some_contains(&out, "sheep");
    }
    // a woman in a sari stays a woman or a girl; a dress shirt is anyone's
    let out = all(
        Op::ReplaceObj,
        "A woman in a sari rides on the back of a motorcycle.",
    );
    none_contains(&out, "a man ");
    none_contains(&out, "a boy ");
    some_contains(&out, "A girl");
    let out = all(
        Op::ReplaceObj,
        "A woman in a dress shirt rides on the back of a motorcycle.",
    );
    some_contains(&out, "A man");
    // "under the cover" is in bed
    none_contains(
        &all(
            Op::ReplaceObj,
            "Two men snuggling on a bed with one under the cover.",
        ),
        "desk",
    );
    let out = all(Op::ReplaceObj, "Two men snuggling on a bed.");
    some_contains(&out, "desk");
    let out = all(Op::ReplaceObj, "A cat laying on a bed.");
    some_contains(&out, "counter");
    all_lexicon_nouns(super::ops::SMALL_ANIMALS);
}

#[test]
fn round20_a_noun_the_corpus_never_names_in_the_plural_and_rowing() {
    // the development captions name "tub" 47 times, never "tubs": no plural tubs, a singular
    // one stays
    let out = builtin_all(
        Op::ReplaceObj,
        "A bathroom with three toilets and a big sink.",
    );
    none_contains(&out, "three tubs");
    none_contains(&out, "three bathtubs");
    some_contains(&out, "a big tub");
    // the table keeps the plural counts, and a table without any reads number as unknown
    let m = crate::negatives::Model::builtin();
    let noun = |w: &str| {
        m.lex
            .nouns
            .iter()
            .position(|n| n.word == w)
            .expect("a lexicon noun") as u32
    };
    let (tub, sink) = (noun("tub"), noun("sink"));
    assert_eq!(m.plaus.plural(tub), Some(0));
    assert!(m.plaus.plural(sink) >= Some(2));
    let back = Plausibility::from_tsv(&m.plaus.to_tsv(&m.lex), "t.tsv", &m.lex).expect("reads");
    assert_eq!(back.plural(sink), m.plaus.plural(sink));
    let old = Plausibility::from_tsv("n\ttub\t-\t47\n", "t.tsv", &m.lex).expect("reads");
    assert_eq!(old.plural(tub), None);
    // the permissive table makes every pairing plausible, plurals too (round 21: `cargo
    // mutants` found no test of it)
    assert!(Plausibility::permissive()
        .plural(tub)
        .is_some_and(|c| c > 0));
    let learned = Plausibility::learn(["Two sinks and a tub.", "A sink."], &m.lex);
    assert_eq!(
        (learned.plural(sink), learned.plural(tub)),
        (Some(1), Some(0))
    );
    let mut sum = learned.clone();
    sum.merge(&learned);
    assert_eq!(sum.plural(sink), Some(2));
    // one rows a boat
    assert!(all(Op::ReplaceObj, "People row by in a boat.").is_empty());
    let out = all(Op::ReplaceObj, "People ride by in a boat.");
    some_contains(&out, "in a car");
}

#[test]
fn round20_a_pair_of_skis_a_book_about_and_an_intersection() {
    // "a pair of" what comes in pairs takes another pair; "a pair of zebras" is two
    none_contains(
        &all(
            Op::ReplaceObj,
            "A man performing a trick in the air with a pair of skis.",
        ),
        "skateboards",
    );
    let out = all(
        Op::ReplaceObj,
        "A man performing a trick in the air with two skis.",
    );
    some_contains(&out, "skateboards");
    let out = all(Op::ReplaceObj, "A pair of zebras stand together.");
    some_contains(&out, "giraffes");
    // what has a topic is not replaced; "about to" is no topic
    for caption in [
        "A book about understanding a bicycle.",
        "The book is about fixing your bike.",
    ] {
        none_contains(&all(Op::ReplaceObj, caption), "basket");
    }
    let out = all(Op::ReplaceObj, "A book about to fall off a table.");
    some_contains(&out, "basket");
    // an intersection is on a street
    let out = all(Op::ReplaceObj, "A car in the middle of an intersection.");
    none_contains(&out, "of a street.");
    none_contains(&out, "of a road.");
    let out = all(Op::ReplaceObj, "A car in the middle of a field.");
    assert!(out.iter().any(|o| o.ends_with("of a road.")), "{out:?}");
}

#[test]
fn round20_what_is_peeled_has_a_peel() {
    let out = all(
        Op::ReplaceObj,
        "Oranges that have been peeled are placed into a bowl.",
    );
    none_contains(&out, "salads");
    assert!(out.iter().any(|o| o.starts_with("Bananas")), "{out:?}");
    let out = all(Op::ReplaceObj, "Oranges are placed into a bowl.");
    assert!(out.iter().any(|o| o.starts_with("Salads")), "{out:?}");
}

#[test]
fn round20_what_holds_an_animal_stays_a_holder() {
    let out = all(Op::ReplaceObj, "A cat that has curled up in a bowl.");
    none_contains(&out, "in a glass");
    some_contains(&out, "in a pot");
    let out = all(Op::ReplaceObj, "A banana that sits in a bowl.");
    some_contains(&out, "in a glass");
    // what is no holder is not bound
    let out = all(Op::ReplaceObj, "A cat sitting in a car.");
    some_contains(&out, "in a truck");
}

/// Round 21 (from round 21's blind read): a food that is not a drink is never replaced by a
/// drink ("a plate topped with a beer", "the six sodas are made with various seasonings"), and
/// "a" / "an" never comes before a food captions name as a mass ("a bowl has a meat").
#[test]
fn round21_no_drink_for_a_food_and_no_article_before_a_mass_food() {
    let drinks = ["beer", "wine", "soda", "coffee", "juice", "tea", "milk"];
    let masses = ["meat", "cheese", "sauce", "pork", "ham", "cream"];
    let cases: [(&str, Vec<String>, &str); 5] = [
        (
            "A white plate on a table topped with a sandwich.",
            drinks.map(|d| format!("with a {d}")).to_vec(),
            "with a pizza",
        ),
        (
            "The six donuts are made with various seasonings.",
            drinks.map(|d| format!("six {d}s")).to_vec(),
            "six cakes",
        ),
        // a drink may still become another drink ("a coffee" → "a beer": a drink by the
        // glass takes an article) or a food
        (
            "A half eaten sandwich sits on a table with a coffee near by.",
            vec![],
            "with a beer near",
        ),
        ("Three beers on a table.", vec![], "Three apples"),
        (
            "A bowl has a soup with potatoes and vegetables.",
            masses.map(|m| format!("has a {m} with")).to_vec(),
            "has a salad",
        ),
    ];
    for (caption, bad, good) in cases {
        let out = all(Op::ReplaceObj, caption);
        for b in &bad {
            none_contains(&out, b);
        }
        some_contains(&out, good);
    }
    // without the article a mass food comes in ("the meat")
    some_contains(
        &all(Op::ReplaceObj, "The sandwich has potatoes and vegetables."),
        "The meat has",
    );
}

/// Round 21: the unknown-word summary lists what a `--lexicon` file could define, not the
/// closed-class words the parser reads from context ("of", "it", "up", "to").
#[test]
fn round21_the_unknown_word_summary_leaves_out_closed_class_words() {
    let caps = [
        "A cat sitting on top of a couch.",
        "A dog standing next to it.",
        "A man walking up to a grassy hill.",
    ]
    .map(String::from);
    let g = generate_with(
        &captions_to_inputs(&caps),
        &Options::default(),
        Model::builtin(),
    );
    let words: Vec<&str> = g.unknown_words.iter().map(|(w, _)| w.as_str()).collect();
    assert!(words.contains(&"sitting"), "{words:?}");
    assert!(words.contains(&"standing"), "{words:?}");
    for w in ["of", "it", "up", "to"] {
        assert!(!words.contains(&w), "{w:?} in {words:?}");
    }
    // the binary search needs the list sorted
    assert!(CLOSED_CLASS.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn round22_replace_obj_needs_both_nouns_named_in_forty_captions() {
    // the blind reads: a noun named in a few dozen captions gives counts that say little
    // ("a bathtub with several large paintings in it", "a polar bear is under water next to a
    // rock wall" -> "a cat"); 40 captions each, of the old noun and the new one
    let dog = "A dog sitting on a couch.";
    let dogs_and_cats = |dogs: usize, cats: usize| {
        let mut c = vec![dog; dogs];
        c.extend(vec!["A cat sitting on a couch."; cats]);
        learned(&c)
    };
    let corpus = |dogs, cats| learned_all(&dogs_and_cats(dogs, cats), Op::ReplaceObj, dog);
    let cat = "A cat sitting on a couch.".to_string();
    let both = corpus(40, 40);
    assert!(both.contains(&cat), "{both:?}");
    assert!(
        !corpus(40, 39).contains(&cat),
        "the new noun in 39 captions"
    );
    assert!(
        !corpus(39, 40).contains(&cat),
        "the old noun in 39 captions"
    );
    // the summary says why: a caption whose every candidate failed only for want of evidence
    // is told apart from one with no candidate at all (a larger --corpus may help the first)
    let why = |m: &Model, text: &str| skip_with(m, Op::ReplaceObj, text);
    for (dogs, cats) in [(39, 40), (40, 39)] {
        assert_eq!(why(&dogs_and_cats(dogs, cats), dog), Skip::RareNoun);
    }
    // no cat at all: the pair checks fail first
    assert_eq!(
        why(&dogs_and_cats(39, 0), dog),
        Skip::NoReplacementCandidate
    );
    assert_eq!(
        why(Model::builtin(), "A bowl holding pears oranges and apples."),
        Skip::RareNoun
    );
    assert_eq!(
        why(Model::builtin(), "An animal."),
        Skip::NoReplacementCandidate
    );
    // the built-in table: "snowboard" (32 captions) neither goes nor comes
    let got = builtin_all(Op::ReplaceObj, "A man riding a snowboard down a hill.");
    assert!(!got.is_empty());
    for n in got {
        assert!(n.contains("snowboard"), "{n}");
    }
    for n in builtin_all(Op::ReplaceObj, "A man riding a skateboard down a ramp.") {
        assert!(!n.contains("snowboard"), "{n}");
    }
}

#[test]
fn round23_add_obj_leaves_counted_subjects_and_clauses_without_that_alone() {
    // from the read of captions nobody had looked at (round 23): "two men and a woman are on a
    // bicycle and a third ...", "a ball and a tennis racquet he is about to throw"
    makes_nothing(
        builtin_all,
        Op::AddObj,
        &[
            "Two men are on a bicycle and a third is on a scooter.",
            "Both dogs are sitting on a couch.",
            "Man holding a ball he is about to throw.",
            "A plate with a hot dog he is about to eat.",
        ],
    );
    // the same captions without the counting word or the clause still get a new object
    let out = builtin_all(
        Op::AddObj,
        "Two men are on a bicycle and a woman is on a scooter.",
    );
    some_contains(&out, "Two men and a ");
    let out = builtin_all(Op::AddObj, "Two dogs are sitting on a couch.");
    some_contains(&out, " and a ");
    let out = builtin_all(Op::AddObj, "A plate with a hot dog.");
    some_contains(&out, "a hot dog and ");
}

#[test]
fn round24_swap_att_moves_an_attribute_to_a_noun_without_one() {
    // SugarCrepe's swap-att negatives often move an attribute ("a woman in a red dress cutting
    // a cake" -> "a woman in a dress cutting a red cake"); the articles follow on both sides
    assert_eq!(
        all(Op::SwapAtt, "An old man sits in the back of a truck."),
        vec!["A man sits in the back of an old truck."]
    );
    assert_eq!(
        all(Op::SwapAtt, "A man in a white shirt next to a car."),
        vec!["A man in a shirt next to a white car."]
    );
    // with the built-in table the attribute must fit the new noun by the corpus: a red cake
    // is not in it
    assert_eq!(
        builtin_all(Op::SwapAtt, "A man in a white shirt next to a car."),
        vec!["A man in a shirt next to a white car."]
    );
    assert_eq!(
        all(Op::SwapAtt, "A woman in a red dress cutting a cake."),
        vec!["A woman in a dress cutting a red cake."]
    );
    assert!(builtin_all(Op::SwapAtt, "A woman in a red dress cutting a cake.").is_empty());
    // two attributes on two objects are still swapped, not moved (neither noun is bare)
    assert_eq!(
        all(Op::SwapAtt, "a white towel in a blue bathroom"),
        vec!["a blue towel in a white bathroom"]
    );
}

#[test]
fn round24_a_moved_attribute_leaves_no_broken_phrase() {
    makes_nothing(
        all,
        Op::SwapAtt,
        &[
            // a group, a part, a frame or a body part (the `other` category): "a group of large
            // people", "a part of a shallow river", "a girl with an eye"
            "A large group of people on a city street.",
            "Zebras crossing a shallow part of a river.",
            "An old picture of a man with a dog.",
            "A girl with a black eye holding a suitcase.",
            // a bare singular noun would be left ("a man in shirt")
            "A man in white shirt next to a car.",
            // joined to a neighbour ("a and black dog", "a white and dog")
            "A white and black dog next to a bench.",
            // the caption's first word
            "Red buses parked next to a building.",
            // two nouns of one sense: "a bus next to a red bus" says the same (cargo mutants)
            "A red bus next to a bus.",
        ],
    );
}

#[test]
fn round24_a_move_is_kept_only_when_nearly_as_plausible_as_its_caption() {
    // a moved attribute often lands where captions rarely put it ("A boy sitting on a little
    // bed"); detector (b) of issue 7 spotted such rows 0.75-0.77 of the time, so a move may
    // score at most MOVE_MAX_DROP below its caption, not MAX_DROP
    let m = Model::builtin();
    let s = |t: &str| m.lm.per_token(t).expect("the built-in model has counts");
    let captions = [
        "A little boy sitting on a bed with a book.",
        "A large dog sleeping on a couch.",
        "A small bird sitting on a branch of a tree.",
        "A white cat lying next to a laptop.",
        "A small boy holding an umbrella in the rain.",
        "A black dog jumping to catch a frisbee.",
        "A little girl sitting at a table with a cake.",
        "A brown horse grazing in a field near a fence.",
        "A large clock on the side of a building.",
        "A white plate with a sandwich on a table.",
        "A large bus parked next to a car.",
        "A white toilet next to a sink in a bathroom.",
        "A small cat sitting on a chair.",
        "A red bus driving past a building.",
        "A large giraffe standing under a tree.",
    ];
    let (mut between, mut rows) = (0, 0);
    for c in captions {
        between += builtin_all(Op::SwapAtt, c)
            .iter()
            .filter(|n| s(n) < s(c) - ops::MOVE_MAX_DROP && s(n) >= s(c) - MAX_DROP)
            .count();
        for r in builtin_rows(&[c], Op::SwapAtt, 200, 0) {
            rows += 1;
            assert!(
                s(&r.negative) >= s(c) - ops::MOVE_MAX_DROP,
                "{} ({:.2}) vs {c} ({:.2})",
                r.negative,
                s(&r.negative),
                s(c)
            );
        }
    }
    // the bound does bind, and some moves pass it
    assert!(between >= 3, "only {between} moves between the two bounds");
    assert!(rows >= 3, "only {rows} rows");
}

#[test]
fn round24_moves_the_blind_read_found_wrong_are_not_made() {
    // a bare singular noun gets no attribute ("in bed" → "in large bed")
    let out = all(Op::SwapAtt, "A man is in bed reading a large book.");
    assert!(out.iter().all(|o| !o.contains("large bed")), "{out:?}");
    // the caption names the dimension in words no attribute binds ("that are large")
    let out = all(
        Op::SwapAtt,
        "Two dogs that are large sitting in a small yard.",
    );
    assert!(out.is_empty(), "{out:?}");
    assert_eq!(
        all(Op::SwapAtt, "Two dogs sitting in a small yard."),
        vec!["Two small dogs sitting in a yard."]
    );
    // no colour onto a noun with a modifier, which may give its colours
    let out = all(
        Op::SwapAtt,
        "A woman in a red coat holding a leopard print bag.",
    );
    assert!(out.is_empty(), "{out:?}");
    assert_eq!(
        all(Op::SwapAtt, "A woman in a red coat holding a bag."),
        vec!["A woman in a coat holding a red bag."]
    );
    // (second read) an attribute may cover a whole list: "tall trees and houses" says the
    // houses are tall too
    let out = all(Op::SwapAtt, "A car parked by some tall trees and houses.");
    assert!(out.iter().all(|o| !o.contains("tall houses")), "{out:?}");
    some_contains(
        &all(Op::SwapAtt, "A car parked by some tall trees and a house."),
        "by some trees and a tall house.",
    );
}

#[test]
fn round24_a_moved_attribute_takes_its_place_in_adjective_order() {
    // size before colour, and the articles follow on both sides ("an orange cat" → "a small
    // orange cat", "a cat")
    let out = all(Op::SwapAtt, "A small dog next to an orange cat.");
    some_contains(&out, "A dog next to a small orange cat.");
    some_contains(&out, "A small orange dog next to a cat.");
    // colour before material
    some_contains(
        &all(Op::SwapAtt, "A cat in a green bowl on a wooden table."),
        "A cat in a bowl on a green wooden table.",
    );
    // never two of one rank ("a tall large tree"), nor into a phrase joined by "and"
    let out = all(Op::SwapAtt, "A small dog next to a tall tree.");
    assert!(
        out.iter()
            .all(|o| !o.contains("tall small") && !o.contains("small tall")),
        "{out:?}"
    );
    let out = all(Op::SwapAtt, "A red car next to a black and white dog.");
    assert!(
        out.iter()
            .all(|o| !o.contains("red black") && !o.contains("red white")),
        "{out:?}"
    );
}

/// Round 25, from cargo mutants on swap_att's moves: each case below guards one condition of
/// [`movable`] or [`described_at`] that no earlier test exercised, and four are rows the earlier
/// code made ("very red cars" → "very cars", "cherry red cars" → "cherry cars", "brand new red
/// cars" → "brand red cars", "police red cars" → "police cars").
#[test]
fn round25_moves_out_of_and_into_phrases() {
    // into a phrase whose attribute is not its first word, in adjective order
    assert_eq!(
        all(Op::SwapAtt, "a brown dog on a big wooden table"),
        vec![
            "a dog on a big brown wooden table",
            "a big dog on a brown wooden table"
        ]
    );
    // out of a plural phrase with no determiner, after a relation, "of", a particle or a
    // participle
    assert_eq!(
        all(Op::SwapAtt, "a bench next to red cars"),
        vec!["a red bench next to cars"]
    );
    assert!(all(
        Op::SwapAtt,
        "A vase full of white flowers on a wooden table."
    )
    .contains(&"A white vase full of flowers on a wooden table.".to_string()));
    assert_eq!(
        all(Op::SwapAtt, "a bench next to parked red cars"),
        vec!["a red bench next to parked cars"]
    );
    makes_nothing(
        all,
        Op::SwapAtt,
        &[
            // an unknown word between the determiner and the attribute
            "a bench next to a glossy red car",
            // an unknown word right after the attribute ("red painted")
            "a red painted car next to a bench",
            // a modifier noun opens the phrase
            "a bench next to police red cars",
            // a noun, an adverb, half of a compound right before a bare phrase's first word
            "a bench next to cherry red cars",
            "a bench next to very red cars",
            // a short "-ed" word is an adjective of the phrase more often than a participle
            "a bench next to used red cars",
        ],
    );
    none_contains(
        &all(Op::SwapAtt, "a bench next to brand new red cars"),
        "brand red",
    );
}

/// The count swaps [`swap_att`] makes of `text` (edits of category "count"), with the built-in
/// lexicon and table (no language-model check); `op` must be [`Op::SwapAtt`] (the signature of
/// [`makes_nothing`]'s generators).
fn count_swaps(op: Op, text: &str) -> Vec<String> {
    count_swaps_with(Model::builtin(), op, text)
}

/// [`count_swaps`] with model `m`.
fn count_swaps_with(m: &Model, op: Op, text: &str) -> Vec<String> {
    let p = parse(text, &m.lex);
    let mut c = Vec::new();
    let _ = ops::candidates(op, &p, m, &mut c);
    c.into_iter()
        .filter(|c| matches!(c, ops::Cand::SwapCount { .. }))
        .map(|c| ops::materialise(op, c, &p, &m.lex).0)
        .collect()
}

/// Round 26: swap_att exchanges two objects' counts, as SugarCrepe's swap negatives do ("a man
/// watching two elephants" → "two men watching an elephant"): the nouns keep their places, the
/// count words and the nouns' numbers move, and "is"/"are" agrees.
#[test]
fn round26_two_objects_exchange_their_counts() {
    for (text, want) in [
        (
            "A man walking two dogs next to a car.",
            &[
                "Two men walking a dog next to a car.",
                "A man walking a dog next to two cars.",
            ][..],
        ),
        (
            "Two dogs are chasing a cat in a yard.",
            &["A dog is chasing two cats in a yard."],
        ),
        (
            "Three men and one woman standing near a bus.",
            &["One man and three women standing near a bus."],
        ),
        // the article fits the word after it; a relative clause's verb agrees
        (
            "two men sitting next to an elephant that is sleeping",
            &["a man sitting next to two elephants that are sleeping"],
        ),
    ] {
        assert_eq!(count_swaps(Op::SwapAtt, text), want);
    }
    // the edit says what it is
    let m = Model::builtin();
    let text = "A man watching two elephants.";
    let p = parse(text, &m.lex);
    let mut c = Vec::new();
    ops::candidates(Op::SwapAtt, &p, m, &mut c).expect("a count swap");
    let (neg, edit) = ops::materialise(Op::SwapAtt, c[0], &p, &m.lex);
    assert_eq!(neg, "Two men watching an elephant.");
    assert_eq!(edit.category, "count");
}

/// Round 26: where a count swap would not agree or would describe no scene, none is made.
#[test]
fn round26_no_count_swap_that_breaks_agreement_or_the_scene() {
    makes_nothing(
        count_swaps,
        Op::SwapAtt,
        &[
            // what holds, carries or surrounds the other: "a cat on two beds"
            "Two cats sleeping on a bed.",
            "Two men riding a horse on a beach.",
            "A bowl filled with broccoli on top of two tables.",
            // a pronoun that would have to change: "walking around it"
            "A sheep in a field with two men walking around it.",
            // words that need two or qualify the count
            "Two dogs and a cat looking at each other.",
            "Over ten men pushing a bus.",
            "A man on a couch with two different cats.",
            "Three people one in the water with two boats.",
            // a finite verb the swap cannot inflect, after the subject or a swapped head
            "A dog sits next to two cats.",
            "Two dogs play with a ball.",
            "A man with a red umbrella is walking two dogs.",
            // what a person wears stays theirs; one rider to a board
            "A woman in a blue shirt with two dogs.",
            "A man on a skateboard next to two dogs.",
            // (after the blind read) what is caught or flown one at a time keeps its number;
            // sharing needs two; what several wear, bare plural, would be one's
            "Three children flying a kite near the ocean.",
            "two people jumping up to catch a frisbee",
            "A cake waiting to be shared by two people.",
            "two men in red coats riding horses in front of a palace",
            "Three women wearing long dresses standing behind a dog.",
            // a count after a determiner, a count that does not agree with its noun
            "The two dogs next to a cat.",
            "Two dog next to a cat.",
            // a worn thing; a noun before an unknown word (a compound's first half); a noun
            // named twice; a relation that is no [`COUNT_LINKS`]; a noun the corpus never
            // names in the plural ("tub"); a passive's agent
            "Two men with a hat.",
            "Two dog zorbs next to a cat.",
            "A dog next to two dogs.",
            "A lamp above two dogs.",
            "Two cats next to a tub.",
            "A wagon being pulled by two horses.",
            // (from the mutants) the same on the other side of the pair, and what the lexicon
            // marks as no scene object ("posing for a camera"), what is worn though no
            // clothing ("wearing a backpack"), a bare plural further after a verb
            "A tub next to two cats.",
            "A cat next to two dog zorbs.",
            "A man waiting on a road until two horses pass.",
            "Two men posing for a camera.",
            "A man wearing a backpack next to two dogs.",
            "Two men wearing big bright shiny red hats next to a dog.",
            // an unknown word, maybe the subject's base-form verb, after a plural subject
            "Two dogs and a ram stand next to a fence.",
            // a place, the inside of an "of" phrase, counts of one value
            "Two dogs in a field.",
            "Two dogs next to a field.",
            "A plate of two donuts next to a cup.",
            "A dog next to one cat.",
        ],
    );
    // a mass noun never becomes plural, even where the table says nothing of plurals
    let out = count_swaps_with(permissive(), Op::SwapAtt, "Two plates next to a broccoli.");
    assert!(out.is_empty(), "{out:?}");
    // what holds something, or is topped with something, stays one
    for (text, bad) in [
        ("A cat on a bed next to two dogs.", "two beds"),
        (
            "A table topped with a plate next to two dogs.",
            "two tables",
        ),
    ] {
        none_contains(&count_swaps(Op::SwapAtt, text), bad);
    }
    for (text, want) in [
        // what is held may be two
        (
            "Two children holding a teddy bear.",
            "A child holding two teddy bears.",
        ),
        // the verb after a list agrees with the list, which stays plural
        (
            "A man and three children are on a beach.",
            "Three men and a child are on a beach.",
        ),
        // a member of a list with a third object keeps its count
        (
            "Three men and one woman next to a bus.",
            "One man and three women next to a bus.",
        ),
    ] {
        assert_eq!(count_swaps(Op::SwapAtt, text), vec![want]);
    }
}

/// Round 26: two people of the `person` category swap without corpus evidence for their slots
/// (the swaps SugarCrepe's swap-object subset makes most: "a woman prepares a pizza while a man
/// watches" → "a man prepares a pizza while a woman watches"); roles and animals still need it.
#[test]
fn round26_two_people_swap_roles_without_slot_evidence() {
    assert_eq!(
        builtin_all(
            Op::SwapObj,
            "A woman standing next to a man kneeling down on the ground."
        ),
        vec!["A man standing next to a woman kneeling down on the ground."]
    );
    // a role keeps its slot check: a bride is not swapped with the man who holds her umbrella
    assert!(builtin_all(Op::SwapObj, "A man holds an umbrella for a new bride.").is_empty());
}

#[test]
fn round27_a_new_object_ends_the_caption_beside_its_last_object() {
    // where nothing can join the subject, the place takes a neighbour the corpus has put
    // beside it ("a desk next to a keyboard"), after "next to" or "near"
    assert_eq!(
        builtin_all(Op::AddObj, "A laptop sitting on top of a wooden desk."),
        vec![
            "A laptop sitting on top of a wooden desk next to a keyboard.",
            "A laptop sitting on top of a wooden desk next to a monitor.",
            "A laptop sitting on top of a wooden desk near a keyboard.",
        ]
    );
    // only where no other site gives a row: the co-subjects stay as they were
    let out = builtin_all(Op::AddObj, "A sandwich sitting on a white plate.");
    assert!(!out.is_empty());
    for bad in ["plate next to", "plate near"] {
        none_contains(&out, bad);
    }
    // a thing beside the subject there ("people next to a train"), never a person or an
    // animal ("a woman sitting in a chair next to a man"), never beside someone on the move
    let standing = builtin_all(Op::AddObj, "A group of people standing on the snow.");
    some_contains(&standing, "snow next to a train");
    let skiing = builtin_all(Op::AddObj, "A group of people skiing on the snow.");
    let chair = builtin_all(Op::AddObj, "A woman sitting in a chair.");
    some_contains(&chair, "chair next to a table");
    for (out, bad) in [
        (&skiing, "snow next to"),
        (&chair, "chair next to a man."),
        (&chair, "chair next to a boy."),
        (&chair, "chair next to a dog."),
    ] {
        none_contains(out, bad);
    }
}

#[test]
fn round27_no_new_object_where_it_would_read_as_held_or_passed_by() {
    // with every count allowed, the place rules alone decide; "its" / "his" keep co-subjects
    // out, so the end of the caption is the only site. Each row: a caption that takes a new
    // object at its end, and one like it that does not
    let pillow = ("A cat resting its head on a pillow.", "pillow next to a");
    let towel = ("A cat resting its head on a towel.", "towel next to a");
    let snow = (
        "A man standing with his board in the snow.",
        "snow next to a",
    );
    let toilet = ("A cat sitting on a toilet.", "toilet next to a");
    for ((good, want), text, bad) in [
        // beside what someone holds, wears or owns
        (pillow, "A man using a laptop.", "laptop next to"),
        (
            pillow,
            "A cat resting its head on a jacket.",
            "jacket next to",
        ),
        (pillow, "A man sitting on his bed.", "bed next to"),
        // whoever is in the water or the sky moves through it
        (
            snow,
            "A man surfing with his board in the water.",
            "water next to",
        ),
        (
            snow,
            "A man surfing with his board in the water.",
            "water near",
        ),
        (
            ("A bird spreading its wings on a fence.", "fence next to a"),
            "A bird spreading its wings in the sky.",
            "sky next to",
        ),
        // the caption already puts something beside something, or its subject alone
        (
            towel,
            "A cat next to her bowl resting its head on a towel.",
            "towel next to",
        ),
        (
            toilet,
            "Two cats sitting next to each other on a toilet.",
            "toilet next to",
        ),
        (toilet, "A lone cat sitting on a toilet.", "toilet next to"),
        // the last object does not end the caption
        (
            towel,
            "A cat resting its head on a towel while sleeping.",
            "towel next to",
        ),
        // a generic last object, or one of an idiom ("at the camera", "curled up in a ball")
        (
            pillow,
            "A cat resting its head in a container.",
            "container next to",
        ),
        (
            pillow,
            "A cat resting its head and looking at the camera.",
            "camera next to",
        ),
        (
            pillow,
            "A cat with its tail curled up in a ball.",
            "ball next to",
        ),
    ] {
        some_contains(&all(Op::AddObj, good), want);
        none_contains(&all(Op::AddObj, text), bad);
    }
    for (text, want) in [
        (toilet.0, "toilet near a"),
        // the end of an "of" phrase is where the phrase's head is; "other" alone is no "each
        // other"
        (
            "A cat resting its head on a stack of books.",
            "books next to a",
        ),
        ("The other cat sitting on a toilet.", "toilet next to a"),
    ] {
        some_contains(&all(Op::AddObj, text), want);
    }
    // no clothing put in, and no member of a class a generic word of the caption covers
    // ("people sitting on a bench next to a man")
    let out = all(Op::AddObj, toilet.0);
    for bad in ["next to a hat.", "next to a jacket.", "next to a dress."] {
        none_contains(&out, bad);
    }
    let out = all(Op::AddObj, "Some people sitting on a bench.");
    some_contains(&out, "bench next to a ");
    for bad in ["bench next to a man.", "bench next to a woman."] {
        none_contains(&out, bad);
    }
}

#[test]
fn round27_a_restroom_is_the_room() {
    // WordNet files "restroom" under the toilet sense (the room); the generated lexicon made it
    // a fixture and the toilet's synonym, so "a restroom" could become "a sink" and "toilets"
    // were never put in beside it
    let lex = Lexicon::builtin();
    let noun = |w: &str| {
        lex.lookup(w).iter().find_map(|e| match e {
            crate::lexicon::Entry::Noun { id, .. } => Some(&lex.nouns[*id as usize]),
            _ => None,
        })
    };
    let (restroom, bathroom) = (
        noun("restroom").expect("a noun"),
        noun("bathroom").expect("a noun"),
    );
    assert_eq!(restroom.category, "room");
    assert_eq!(restroom.sense_id, bathroom.sense_id);
}

#[test]
fn round27_the_new_object_needs_two_sightings_beside_the_last_one() {
    // a toilet takes no co-subject (one seat), so the end of the caption is the only site; a
    // sink there needs the corpus to have put a sink beside a toilet twice
    let base = ["A cat in a sink.", "A cat in a sink.", "A cat on a toilet."];
    let twice = learned(&[&base[..], &["A toilet next to a sink."; 2]].concat());
    let once = learned(
        &[
            &base[..],
            &["A toilet next to a sink.", "A tub next to a sink."],
        ]
        .concat(),
    );
    let text = "A cat sitting on a toilet.";
    some_contains(
        &learned_all(&twice, Op::AddObj, text),
        "toilet next to a sink.",
    );
    none_contains(&learned_all(&once, Op::AddObj, text), "toilet next to");
}

#[test]
fn round27_the_subject_route_asks_about_the_subject_of_the_place() {
    // the cat is on the toilet, the dog chases it: a sink may end the caption only if the
    // corpus has put a cat beside a sink, not a dog
    let base = [
        "A dog next to a sink.",
        "A dog next to a sink.",
        "A cat in a sink.",
        "A cat in a sink.",
        "A toilet and a sink.",
        "A toilet and a sink.",
        "A dog chasing a cat on a toilet.",
        "A dog chasing a cat on a toilet.",
    ];
    let text = "A dog chasing a cat sitting on a toilet.";
    let dog = learned(&base);
    none_contains(&learned_all(&dog, Op::AddObj, text), "toilet next to");
    let cat = learned(&[&base[..], &["A cat next to a sink."; 2]].concat());
    some_contains(
        &learned_all(&cat, Op::AddObj, text),
        "toilet next to a sink.",
    );
}

/// (round 28) The count words `caption` and `negative` start with, lowercased ("Two dogs" /
/// "A group of dogs" → ("two", "a group of")); the rest of both must be the same.
fn changed_words(caption: &str, negative: &str) -> (String, String) {
    let lead = |t: &str| {
        let t = t.to_lowercase();
        let count = ops::QUANTITIES
            .iter()
            .map(|(w, _)| *w)
            .filter(|w| t.starts_with(&format!("{w} ")))
            .max_by_key(|w| w.len())
            .unwrap_or_else(|| panic!("no count word starts {t:?}"))
            .to_string();
        let rest = t[count.len()..].to_string();
        (count, rest)
    };
    let ((a, ra), (b, rb)) = (lead(caption), lead(negative));
    assert_eq!(ra, rb, "{caption} → {negative}");
    (a, b)
}

/// (round 28) Captions that count a plural noun with `count`, one per noun and scene.
fn counted(count: &str, nouns: &[&str]) -> Vec<String> {
    let scenes = [
        "standing in a field",
        "next to a fence",
        "on a street",
        "near a building",
    ];
    nouns
        .iter()
        .flat_map(|n| scenes.iter().map(move |s| format!("{count} {n} {s}.")))
        .collect()
}

#[test]
fn round28_replace_att_changes_how_many_where_no_attribute_is_replaced() {
    let animals = [
        "dogs",
        "cats",
        "elephants",
        "sheep",
        "zebras",
        "birds",
        "cows",
        "horses",
    ];
    let people = ["men", "women", "people", "children", "boys", "girls"];
    let things = ["cars", "trucks", "buses", "computers", "bananas", "plates"];
    let mut pairs = std::collections::BTreeSet::new();
    for count in [
        "Two",
        "Three",
        "Four",
        "Ten",
        "A couple of",
        "Several",
        "Many",
        "A group of",
        "A bunch of",
        "Lots of",
        "A herd of",
        "A flock of",
    ] {
        for (kind, nouns) in [
            ("animal", &animals[..]),
            ("person", &people),
            ("thing", &things),
        ] {
            for text in counted(count, nouns) {
                for out in all(Op::ReplaceAtt, &text) {
                    let (old, new) = changed_words(&text, &out);
                    assert_eq!(old, count.to_lowercase(), "{text} → {out}");
                    pairs.insert((old, new.clone(), kind));
                    // a herd or a flock of its animals only, a group of the living only
                    if new == "a herd of" || new == "a flock of" || new == "a group of" {
                        assert_ne!(kind, "thing", "{text} → {out}");
                    }
                    if new == "a herd of" {
                        assert!(["elephants", "sheep", "zebras", "cows", "horses"]
                            .iter()
                            .any(|n| text.contains(n)));
                    }
                }
            }
        }
    }
    let made = |old: &str, new: &str| pairs.iter().any(|(o, n, _)| o == old && n == new);
    // the moves of the draw: numerals one or two apart, two and many, a couple and many
    for (old, new) in [
        ("two", "three"),
        ("three", "two"),
        ("two", "four"),
        ("two", "several"),
        ("several", "two"),
        ("a group of", "two"),
        ("a couple of", "a group of"),
        ("two", "a bunch of"),
        ("a herd of", "two"),
    ] {
        assert!(made(old, new), "{old} → {new} never made: {pairs:?}");
    }
    // never a count that may say the same, nor a far numeral
    for (old, new) in pairs.iter().map(|(o, n, _)| (o.as_str(), n.as_str())) {
        let bad = matches!(
            (old, new),
            ("two" | "a couple of", "two" | "a couple of")
                | ("a couple of" | "several", "a couple of" | "several")
                | (
                    "three" | "four" | "ten",
                    "several" | "many" | "a group of" | "lots of"
                )
                | ("two", "five" | "six" | "ten")
                // the noun stays plural: never "a dogs", "one dogs"
                | (_, "a" | "an" | "one")
                | (
                    "several"
                        | "many"
                        | "a group of"
                        | "a bunch of"
                        | "lots of"
                        | "a herd of"
                        | "a flock of",
                    "several"
                        | "many"
                        | "a group of"
                        | "a bunch of"
                        | "lots of"
                        | "a lot of"
                        | "a herd of"
                        | "a flock of"
                )
        );
        assert!(!bad, "{old} → {new}");
    }
    // an attribute to replace keeps replace_att's rows as they were: no count change
    for out in all(Op::ReplaceAtt, "Two black dogs standing in a field.") {
        assert!(out.starts_with("Two "), "{out}");
    }
    // the edit is a count edit of replace_att
    let m = permissive();
    let text = "Two dogs standing in a field.";
    let p = parse(text, &m.lex);
    let mut c = Vec::new();
    ops::candidates(Op::ReplaceAtt, &p, m, &mut c).expect("a count row");
    let (_, edit) = ops::materialise(Op::ReplaceAtt, c[0], &p, &m.lex);
    assert_eq!(edit.category, "count");
    assert_eq!(edit.changes[0].before, "Two");
    // the new count word takes the caption's capital
    assert!(
        edit.changes[0].after.starts_with(char::is_uppercase),
        "{edit:?}"
    );
}

#[test]
fn round28_no_count_change_where_the_caption_ties_its_number() {
    // each beside a caption of the same shape that gets one
    for (tied, free) in [
        ("Two dogs, one black and one white.", "Two dogs in a yard."),
        (
            "Six people on a bus with five of them on phones.",
            "Six people on a bus.",
        ),
        (
            "Over ten people standing on a beach.",
            "Ten people standing on a beach.",
        ),
        (
            "The two dogs standing in a field.",
            "Two dogs standing in a field.",
        ),
        (
            "Two of the dogs standing in a field.",
            "Two dogs standing in a field.",
        ),
        (
            "Two dogs and another dog in a yard.",
            "Two dogs and a cat in a yard.",
        ),
        ("A cat between two cars.", "A cat near two cars."),
        // round 29: an act of two
        (
            "Two zebras standing in opposite directions.",
            "Two zebras standing in a field.",
        ),
        (
            "Two elephants locking trunks in a field.",
            "Two elephants standing in a field.",
        ),
        ("Two pairs of shoes on a floor.", "Two chairs on a floor."),
        ("Two skis in the snow.", "Two dogs in the snow."),
        ("Two shirts on a bed.", "Two dogs on a bed."),
        (
            "Two hot dog thingamajigs on a street.",
            "Two hot dogs on a street.",
        ),
        ("Two dogs chasing two dogs.", "Two dogs chasing a cat."),
        ("Two fields near a barn.", "Two horses near a barn."),
        // a count that disagrees with its noun is a slip, not a count
        ("Two dog in a yard.", "Two dogs in a yard."),
        ("One dogs in a yard.", "Two dogs in a yard."),
        // a word the lexicon does not know after the noun may end a compound
        ("Two dogs frolick in a yard.", "Two dogs in a yard."),
        // inside an "of" phrase
        (
            "A photo of two dogs in a yard.",
            "A photo with two dogs in a yard.",
        ),
    ] {
        // (whether a count site gets a row is the draw's: the sites are compared)
        let sites = |text: &str| {
            let p = parse(text, &permissive().lex);
            (0..p.objects.len())
                .filter(|&oi| ops::count_site(&p, &permissive().lex, oi).is_some())
                .count()
        };
        assert_eq!(sites(tied), 0, "{tied}");
        assert!(all(Op::ReplaceAtt, tied).is_empty(), "{tied}");
        assert!(sites(free) > 0, "{free}");
    }
    // a count with a singular verb takes only another "a ... of" word for many
    for n in [
        "people", "men", "women", "children", "dogs", "cows", "sheep", "birds",
    ] {
        for text in [
            format!("A group of {n} is standing on a hill."),
            format!("A group of {n} has gathered on a hill."),
        ] {
            for out in all(Op::ReplaceAtt, &text) {
                let (_, new) = changed_words(&text, &out);
                assert!(
                    new.starts_with("a ") && new != "a couple of",
                    "{text} → {out}"
                );
            }
        }
    }
}

#[test]
fn round28_count_changes_keep_each_count_word_as_frequent_on_both_sides() {
    // a corpus that says "two" four times as often as "three" or "several": replacing every
    // count would put "two" on the caption side four times as often as on the negative side
    let nouns = [
        "dogs",
        "cats",
        "elephants",
        "zebras",
        "cows",
        "horses",
        "men",
        "women",
        "boys",
        "girls",
        "people",
        "birds",
        "children",
        "giraffes",
        "bears",
        "sheep",
        "cars",
        "trucks",
        "buses",
        "computers",
    ];
    let verbs = ["standing", "walking", "sitting", "waiting", "resting"];
    let places = &PLACES[..5];
    let caption = |count: &str, i: usize| {
        let n = nouns[i % nouns.len()];
        let v = verbs[(i / nouns.len()) % verbs.len()];
        let pl = places[(i / (nouns.len() * verbs.len())) % places.len()];
        format!("{count} {n} {v} {pl}.")
    };
    let corpus: Vec<String> = (0..400)
        .map(|i| caption("Two", i))
        .chain((0..100).map(|i| caption("Three", i)))
        .chain((0..100).map(|i| caption("Several", i)))
        .collect();
    // some of each kind are made, and "two" is about as frequent on both sides (the draw is a
    // hash of the caption: 40 expected on each side, so within ±15)
    balanced(&corpus, Op::ReplaceAtt, changed_words, "two", 20);
}

/// Learns a model from `corpus`, runs `op` on each of its captions and checks that every word
/// `changed` reports is as frequent on the caption side as on the negative side (within ±15),
/// and that `word` is on each side at least `least` times.
fn balanced(
    corpus: &[String],
    op: Op,
    changed: fn(&str, &str) -> (String, String),
    word: &str,
    least: usize,
) {
    let m = learned_owned(corpus);
    let mut side: std::collections::BTreeMap<String, [usize; 2]> = Default::default();
    for text in corpus {
        for out in learned_all(&m, op, text) {
            let (old, new) = changed(text, &out);
            side.entry(old).or_default()[0] += 1;
            side.entry(new).or_default()[1] += 1;
        }
    }
    let w = side.get(word).copied().unwrap_or_default();
    assert!(w[0] >= least && w[1] >= least, "{side:?}");
    for (w, [cap, neg]) in &side {
        assert!(
            cap.abs_diff(*neg) <= 15,
            "{w}: {cap} as caption, {neg} as negative: {side:?}"
        );
    }
}

#[test]
fn round28_a_count_the_draw_leaves_alone_is_its_own_skip_reason() {
    // "several" → "two" is accepted about one time in ten under the permissive table (its one
    // neighbour against the ten of "two"): most of these captions keep their count
    let texts = counted(
        "Several",
        &["dogs", "cats", "men", "women", "cars", "trucks"],
    );
    let mut left = 0;
    for text in &texts {
        if all(Op::ReplaceAtt, text).is_empty() {
            assert_eq!(skip(Op::ReplaceAtt, text), Skip::CountNotDrawn, "{text}");
            left += 1;
        }
    }
    assert!(left > 0 && left < texts.len(), "{left} of {}", texts.len());
    // without a count the reason stays what it was
    assert_eq!(skip(Op::ReplaceAtt, "A dog in a yard."), Skip::NoAttribute);
}

#[test]
fn round28_count_words_are_learned_and_read_back() {
    let lex = Lexicon::builtin();
    let pl = Plausibility::learn(
        [
            "Two dogs in a yard.",
            "Two cats on a bed.",
            "A group of people on a beach.",
            "Two dogs, one black and one white.",
            "The two dogs in a yard.",
        ],
        lex,
    );
    // only counts replace_att may replace are counted, per class (round 29)
    let living = CountClass::parse("living").expect("a class");
    let herd = CountClass::parse("herd+living").expect("a class");
    assert_eq!(pl.quantity("two", living), Some(2));
    assert_eq!(pl.quantity("a group of", living), Some(1));
    assert_eq!(pl.quantity("three", living), Some(0));
    assert_eq!(pl.quantity("two", herd), Some(0));
    let tsv = pl.to_tsv(lex);
    assert!(tsv.contains("q\ttwo\tliving\t2\n"), "{tsv}");
    let back = Plausibility::from_tsv(&tsv, "t.tsv", lex).expect("reads back");
    assert_eq!(back.quantity("two", living), Some(2));
    assert_eq!(back.quantity("a group of", living), Some(1));
    // one name per class
    assert_eq!(herd.name(), "herd+living");
    assert_eq!(CountClass::parse("living+herd"), None);
    assert_eq!(
        CountClass::parse("thing+singular-verb").map(CountClass::name),
        Some("thing+singular-verb".to_string())
    );
    // a class the table does not know is an error naming the line
    let err = Plausibility::from_tsv("q\ttwo\tflying\t2\n", "bad.tsv", lex)
        .expect_err("an unknown class");
    assert!(
        err.to_string().contains("bad.tsv") && err.to_string().contains("flying"),
        "{err}"
    );
    // a table without "q" rows by class (saved before round 29, or before round 28) knows no
    // count: no count rows
    let old: String = tsv
        .lines()
        .map(|l| match l.strip_prefix("q\t") {
            Some(rest) => {
                let cols: Vec<&str> = rest.split('\t').collect();
                format!("q\t{}\t-\t{}\n", cols[0], cols[2])
            }
            None => format!("{l}\n"),
        })
        .collect();
    let old = Plausibility::from_tsv(&old, "old.tsv", lex).expect("reads");
    assert_eq!(old.quantity("two", living), None);
    let m = Model::from_parts(lex.clone(), old.classes(lex), Lm::permissive());
    assert!(learned_all(&m, Op::ReplaceAtt, "Two dogs in a yard.").is_empty());
}

/// The verb a replace_rel row changed: (before, after), lower case.
fn changed_verb(caption: &str, negative: &str) -> (String, String) {
    let (a, b): (Vec<&str>, Vec<&str>) = (
        caption.split_whitespace().collect(),
        negative.split_whitespace().collect(),
    );
    assert_eq!(a.len(), b.len(), "{caption} → {negative}");
    let i = (0..a.len())
        .find(|&i| a[i] != b[i])
        .unwrap_or_else(|| panic!("nothing changed: {caption}"));
    assert!(a[i + 1..] == b[i + 1..], "{caption} → {negative}");
    (a[i].to_lowercase(), b[i].to_lowercase())
}

#[test]
fn round29_replace_rel_replaces_a_base_form_after_a_plural_subject() {
    // "at" after a verb has no replacement of its own, so the verb is the caption's only site
    let out = all(Op::ReplaceRel, "Two boys sit at a table.");
    assert!(
        out.contains(&"Two boys stand at a table.".to_string()),
        "{out:?}"
    );
    for o in &out {
        let (old, new) = changed_verb("Two boys sit at a table.", o);
        assert_eq!(old, "sit");
        // a base form for a base form: never "standing", "stands"
        assert!(
            ["stand", "walk", "run", "swim", "jump", "lay", "lie", "sleep"].contains(&new.as_str()),
            "{o}"
        );
    }
    assert!(all(Op::ReplaceRel, "People stand at a bus stop.")
        .contains(&"People sit at a bus stop.".to_string()));
    // not after a singular subject, nor after "is" / "are", nor for a thing
    for text in [
        "A boy sit at a table.",
        "The boys are sit at a table.",
        "Two cars sit at a table.",
    ] {
        assert!(all(Op::ReplaceRel, text).is_empty(), "{text}");
    }
    // a caption with another replace_rel site keeps its rows as they were: the base form is
    // only a site where nothing else gives one
    for o in all(Op::ReplaceRel, "Two boys sit on a bench.") {
        assert!(o.starts_with("Two boys sit "), "{o}");
    }
    // the evidence is counted on the -ing form: a corpus that has boys sitting and standing on
    // benches, never walking there
    let mut corpus = Vec::new();
    for _ in 0..3 {
        corpus.push("Two boys sitting at a table.");
        corpus.push("Two boys standing at a table.");
        corpus.push("Two boys walking in a park.");
    }
    let m = learned(&corpus);
    assert_eq!(
        learned_all(&m, Op::ReplaceRel, "Two boys sit at a table."),
        vec!["Two boys stand at a table."]
    );
}

#[test]
fn round29_replace_rel_sets_a_parked_vehicle_in_motion_and_back() {
    let out = all(Op::ReplaceRel, "A bus parked at the station.");
    assert_eq!(out.len(), 1, "{out:?}");
    let (old, new) = changed_verb("A bus parked at the station.", &out[0]);
    assert_eq!(old, "parked");
    assert!(
        ["driving", "traveling", "moving"].contains(&new.as_str()),
        "{out:?}"
    );
    // a moving vehicle comes to a stop; "is" stays
    let moving = [
        "A bus is driving at the station.",
        "A train is moving at the station.",
        "A truck is traveling at the station.",
        "A car is driving at the station.",
        "A van is moving at the station.",
        "A taxi is traveling at the station.",
    ];
    let mut stopped = 0;
    for text in moving {
        for o in all(Op::ReplaceRel, text) {
            let (_, new) = changed_verb(text, &o);
            assert!(["parked", "stopped"].contains(&new.as_str()), "{o}");
            assert!(o.contains(" is "), "{o}");
            stopped += 1;
        }
    }
    assert!(stopped > 0);
    // the corpus must have seen the vehicle do the new thing, there: trains travel on tracks
    // and are parked there, they never drive
    let mut corpus = Vec::new();
    for c in ["red", "blue", "green", "old", "long"] {
        corpus.push(format!("A {c} train parked on the tracks."));
        corpus.push(format!("A {c} train traveling on the tracks."));
        corpus.push(format!("A {c} bus driving on the street."));
    }
    let m = learned_owned(&corpus);
    let mut made = 0;
    for text in &corpus {
        for o in learned_all(&m, Op::ReplaceRel, text) {
            let (old, new) = changed_verb(text, &o);
            assert!(
                matches!(
                    (old.as_str(), new.as_str()),
                    ("parked", "traveling") | ("traveling", "parked")
                ),
                "{text} → {o}"
            );
            made += 1;
        }
    }
    assert!(made > 0);
    // only for vehicles: people and animals park nothing, a thing drives nowhere
    for text in [
        "A man parked at the station.",
        "A dog driving at the station.",
        "A bench parked at the station.",
    ] {
        assert!(all(Op::ReplaceRel, text).is_empty(), "{text}");
    }
}

#[test]
fn round29_vehicle_motion_words_keep_their_frequency_on_both_sides() {
    // a corpus that says "parked" three times as often as "driving": replacing every verb would
    // put "parked" on the caption side three times as often as on the negative side
    let vehicles = [
        "car",
        "bus",
        "truck",
        "van",
        "train",
        "taxi",
        "motorcycle",
        "tractor",
    ];
    let places = [
        "on the street",
        "on a road",
        "on the tracks",
        "at the station",
        "at a corner",
    ];
    let colours = [
        "", "red ", "white ", "black ", "green ", "yellow ", "blue ", "gray ",
    ];
    // every caption once (the draw is a hash of the text: a repeated caption repeats its draw);
    // people drive too, but only the vehicles' words are balanced: counting the people's
    // "driving" would make it as frequent as "parked"
    let mut corpus = Vec::new();
    for who in ["man", "woman", "person", "boy"] {
        for c in colours {
            for p in places {
                corpus.push(format!("A {c}{who} driving {p}."));
            }
        }
    }
    for (sizes, verb) in [
        (&["", "big ", "small "][..], "parked"),
        (&[""][..], "driving"),
    ] {
        for s in sizes {
            for c in colours {
                for v in vehicles {
                    for p in places {
                        corpus.push(format!("A {s}{c}{v} {verb} {p}."));
                    }
                }
            }
        }
    }
    // 160 expected each way
    balanced(&corpus, Op::ReplaceRel, changed_verb, "parked", 100);
}

#[test]
fn round29_count_words_stay_balanced_where_the_noun_restricts_them() {
    // herds are of animals only: a corpus whose animals come in herds as often as in twos, and
    // that counts four times as many things in twos. Balanced over all nouns at once (round
    // 28), "two" is frequent, so "a herd of" → "two" is always accepted and "two" → "a herd of"
    // seldom: about 96 rows against 19. Balanced within the class of the noun, about 19 each
    let animals = ["elephants", "zebras", "cows", "horses", "sheep", "giraffes"];
    let things = [
        "cars",
        "trucks",
        "buses",
        "computers",
        "bananas",
        "plates",
        "bikes",
        "boats",
        "chairs",
        "benches",
        "vans",
        "trains",
    ];
    let verbs = ["standing", "waiting", "resting", "sitting"];
    let mut corpus = Vec::new();
    for (count, nouns, places) in [
        ("A herd of", &animals[..], &PLACES[..8]),
        ("Two", &animals[..], &PLACES[..8]),
        ("Two", &things[..], &PLACES[..]),
    ] {
        for n in nouns {
            for p in places {
                for v in verbs {
                    corpus.push(format!("{count} {n} {v} {p}."));
                }
            }
        }
    }
    balanced(&corpus, Op::ReplaceAtt, changed_words, "a herd of", 8);
    // a count word the class never takes as a negative is not taken from a caption either
    // (each caption's draw would take it about one time in four)
    let never = counted("A group of", &things)
        .into_iter()
        .chain(counted("A herd of", &["dogs", "cats", "birds"]));
    let mut left = 0;
    for text in never {
        assert!(all(Op::ReplaceAtt, &text).is_empty(), "{text}");
        left += usize::from(skip(Op::ReplaceAtt, &text) == Skip::CountNotDrawn);
    }
    assert!(left >= 20, "{left}");
}

/// Places for the balance tests' captions.
const PLACES: [&str; 16] = [
    "in a field",
    "on a street",
    "near a fence",
    "by a building",
    "in the snow",
    "under a tree",
    "next to a house",
    "near a river",
    "on a road",
    "in a park",
    "near a lake",
    "by a wall",
    "in the rain",
    "near a shop",
    "by a station",
    "on a hill",
];

/// (round 30) "A {noun} in a {place}." for each of `nouns` and `places`, `times` times over.
fn scenes(nouns: &[&str], places: &[&str], times: usize) -> Vec<String> {
    let mut corpus = Vec::new();
    for noun in nouns {
        for place in places {
            for _ in 0..times {
                corpus.push(format!("A {noun} in a {place}."));
            }
        }
    }
    corpus
}

#[test]
fn round30_a_noun_lends_its_scenes_where_the_corpus_has_not_seen_the_new_one() {
    // man and woman seen in the same four places, ten times each (40 captions each); the man
    // once in an office, the woman never: the corpus is silent, not against the pair
    let places = ["park", "street", "field", "beach"];
    let with = |extra: &[&str]| {
        let mut c = scenes(&["man", "woman"], &places, 10);
        c.extend(extra.iter().map(|s| s.to_string()));
        learned_owned(&c)
    };
    let caption = "A man in an office.";
    let woman = "A woman in an office.".to_string();
    let once = with(&[caption]);
    let got = learned_all(&once, Op::ReplaceObj, caption);
    assert_eq!(got, vec![woman.clone()]);
    // four offices of the man's: 4 × 40 / 41 = 3.9 expected of the woman, none seen (P = 0.02)
    let four = with(&[caption; 4]);
    assert!(learned_all(&four, Op::ReplaceObj, caption).is_empty());
    assert_eq!(
        skip_with(&four, Op::ReplaceObj, caption),
        Skip::NoReplacementCandidate
    );
    // one sighting of hers is still too few (P(X ≤ 1) = 0.10); two are the corpus's own word
    let mut one = vec![caption; 4];
    one.push("A woman in an office.");
    assert!(learned_all(&with(&one), Op::ReplaceObj, caption).is_empty());
    one.push("A woman in an office.");
    assert_eq!(
        learned_all(&with(&one), Op::ReplaceObj, caption),
        vec![woman.clone()]
    );
    // a noun of unlike scenes borrows nothing: the boy's 40 captions share no place with the
    // man's
    let mut c = scenes(&["man", "woman"], &places, 10);
    c.extend(scenes(
        &["boy"],
        &["kitchen", "room", "yard", "bathroom"],
        10,
    ));
    c.push(caption.to_string());
    let got = learned_all(&learned_owned(&c), Op::ReplaceObj, caption);
    assert_eq!(got, vec![woman.clone()]);
    // the loan is tried only where no noun has the corpus's word for every pair: with a boy
    // seen twice in an office (and in the man's places), the woman is not lent the office
    let mut c = scenes(&["man", "woman", "boy"], &places, 10);
    c.extend([caption, "A boy in an office.", "A boy in an office."].map(String::from));
    let got = learned_all(&learned_owned(&c), Op::ReplaceObj, caption);
    assert_eq!(got, vec!["A boy in an office.".to_string()]);
}

#[test]
fn round30_only_nouns_that_share_their_scenes_lend_them() {
    // pizzas and sandwiches in the same places (food is not a category of shared scenes): the
    // sandwich is not lent the pizza's oven
    let places = ["box", "bag", "bowl", "basket"];
    let lent = |nouns: &[&str], caption: &str| {
        let c = [scenes(nouns, &places, 10), vec![caption.to_string()]].concat();
        learned_all(&learned_owned(&c), Op::ReplaceObj, caption)
    };
    assert!(lent(&["pizza", "sandwich"], "A pizza in an oven.").is_empty());
    // the same corpus with people: the man lends the woman his oven
    assert_eq!(
        lent(&["man", "woman"], "A man in an oven."),
        vec!["A woman in an oven.".to_string()]
    );
}

#[test]
fn round30_similarity_and_the_poisson_tail_by_hand() {
    use plausibility::poisson_at_most;
    // P(X ≤ k) of a Poisson count: e^-2 = 0.1353, 3 e^-2 = 0.4060; no expectation, no doubt
    assert!((poisson_at_most(0, 2.0) - (-2f64).exp()).abs() < 1e-12);
    assert!((poisson_at_most(1, 2.0) - 3.0 * (-2f64).exp()).abs() < 1e-12);
    assert!((poisson_at_most(3, 0.5) - 0.998_248_1).abs() < 1e-6);
    assert_eq!(poisson_at_most(0, 0.0), 1.0);
    // man: park twice, street once; woman: park once, beach once. Each place weighted by one
    // over its captions (park 3, street 1, beach 1): man (2/3, 1, 0), woman (1/3, 0, 1), cosine
    // (2/9) / sqrt(13/9 · 10/9) = 2 / sqrt(130) = 0.1754
    let m = learned(&[
        "A man in a park.",
        "A man in a park.",
        "A man on a street.",
        "A woman in a park.",
        "A woman on a beach.",
    ]);
    let (man, woman) = (noun_id(&m.lex, "man"), noun_id(&m.lex, "woman"));
    let s = m.plaus.similarity(man, woman);
    assert!((s - 2.0 / 130f64.sqrt()).abs() < 1e-12, "{s}");
    assert_eq!(s, m.plaus.similarity(woman, man));
    let beach = noun_id(&m.lex, "beach");
    assert_eq!(m.plaus.similarity(beach, noun_id(&m.lex, "street")), 0.0);
    // the two nouns are left out of each other's rows: seen together in a park, the man also on
    // a street, the woman on a beach: (1, 1, 0) and (1, 0, 1), cosine 1/2 (0.47 with the woman
    // counted in the man's row)
    let m = learned(&[
        "A man and a woman in a park.",
        "A man on a street.",
        "A woman on a beach.",
    ]);
    let s = m
        .plaus
        .similarity(noun_id(&m.lex, "man"), noun_id(&m.lex, "woman"));
    assert!((s - 0.5).abs() < 1e-12, "{s}");
    // the same places in the same proportions: 1
    let m = learned(&["A man in a park.", "A woman in a park."]);
    let s = m
        .plaus
        .similarity(noun_id(&m.lex, "man"), noun_id(&m.lex, "woman"));
    assert!((s - 1.0).abs() < 1e-12, "{s}");
}

#[test]
fn round30_a_part_never_replaces_its_whole() {
    // a laptop has a keyboard: "on a keyboard" stays true of the photo (round 30's reads);
    // the other way round is a real change
    for text in [
        "A cat laying on a laptop.",
        "A desk with a laptop and jars and candles.",
        "A man typing on a laptop computer.",
    ] {
        none_contains(&builtin_all(Op::ReplaceObj, text), "keyboard");
    }
    // (the laptop's other replacements stay)
    some_contains(
        &builtin_all(Op::ReplaceObj, "A cat laying on a laptop."),
        "laying on a",
    );
    some_contains(
        &builtin_all(Op::ReplaceObj, "A cat laying on a keyboard."),
        "laptop",
    );
}

#[test]
fn round30_an_insertion_before_a_protected_word_moves_its_protection() {
    // depth 3, from round 30's held-out rows: "a toilet" → "a tub" (step 1), "a white tub"
    // (step 2, an insertion right before the protected "tub"), and step 3 turned "tub" back
    // into "toilet": the protection had stayed on the chars "whi"
    let change = |span: [usize; 2], before: &str, after: &str| crate::bench::Change {
        before: before.into(),
        after: after.into(),
        span,
        new_span: [span[0], span[0] + after.len()],
    };
    let edit = |op, kind, c: crate::bench::Change| Edit {
        op,
        kind,
        category: String::new(),
        text_before: String::new(),
        text_after: String::new(),
        changes: vec![c],
    };
    use crate::bench::ConceptKind;
    // "A toilet in a restroom." → "A tub in a restroom.": "tub" at [2, 5]
    let mut protected = Protected::new();
    protect(
        &edit(
            Op::ReplaceObj,
            ConceptKind::Object,
            change([2, 8], "toilet", "tub"),
        ),
        &mut protected,
    );
    assert_eq!(protected, vec![[2, 5]]);
    // "A tub in a restroom." → "A white tub in a restroom.": "tub" now at [8, 11]
    protect(
        &edit(
            Op::AddAtt,
            ConceptKind::Attribute,
            change([2, 2], "", "white "),
        ),
        &mut protected,
    );
    assert_eq!(protected, vec![[8, 11], [2, 8]]);
    let undo = edit(
        Op::ReplaceObj,
        ConceptKind::Object,
        change([8, 11], "tub", "toilet"),
    );
    assert!(touches(&undo, &protected));
    // an insertion after a protected word leaves it where it is
    let mut protected = vec![[2, 5]];
    protect(
        &edit(
            Op::AddAtt,
            ConceptKind::Attribute,
            change([11, 11], "", "white "),
        ),
        &mut protected,
    );
    assert_eq!(protected, vec![[2, 5], [11, 17]]);
}

#[test]
fn round30_the_loan_keeps_each_noun_as_frequent_among_negatives_as_among_captions() {
    // the man in 81 captions, the woman in 41, both in the same places and each once in an
    // office (two sightings would be the corpus's own word): each is lent the other's office;
    // the woman is taken for the man about half the time ((41 + 1) / (81 + 1)), the man for
    // the woman always
    let places = ["park", "street", "field", "beach"];
    let mut c = scenes(&["man"], &places, 20);
    c.extend(scenes(&["woman"], &places, 10));
    c.extend(["A man in an office.", "A woman in an office."].map(String::from));
    let m = learned_owned(&c);
    let mut taken = 0;
    for k in 0..400 {
        let got = learned_all(&m, Op::ReplaceObj, &format!("A man in an office {k}."));
        taken += usize::from(got == vec![format!("A woman in an office {k}.")]);
    }
    // 400 · 42 / 82 = 204.9 expected, sd 10
    assert!((170..=240).contains(&taken), "{taken} of 400");
    for k in 0..50 {
        let got = learned_all(&m, Op::ReplaceObj, &format!("A woman in an office {k}."));
        assert_eq!(got, vec![format!("A man in an office {k}.")]);
    }
    // the expected count is the old noun's, scaled to the new noun's captions: three offices of
    // the man's (of 83 captions) expect 3 · 41 / 83 = 1.48 of the woman's 41, one seen
    // (P(X ≤ 1) = 0.56), so she is lent the office; scaled the other way (6.1 expected,
    // P = 0.02) she would not be
    c.extend(["A man in an office.", "A man in an office."].map(String::from));
    let m = learned_owned(&c);
    let lent = (0..50)
        .filter(|k| {
            !learned_all(&m, Op::ReplaceObj, &format!("A man in an office {k}.")).is_empty()
        })
        .count();
    assert!(lent >= 10, "{lent} of 50");
}

#[test]
fn round30_add_obj_lends_the_joined_objects_scenes_to_a_co_subject() {
    // man and woman in the same places, together twice; the man once in an office: "and a
    // woman" joins him there, as replace_obj's loan would put her in his place
    let places = ["park", "street", "field", "beach"];
    let corpus = |offices: usize, together: usize| {
        let mut c = scenes(&["man", "woman"], &places, 10);
        c.extend(std::iter::repeat_n(
            "A man in an office.".to_string(),
            offices,
        ));
        c.extend(std::iter::repeat_n(
            "A man and a woman in a park.".to_string(),
            together,
        ));
        learned_owned(&c)
    };
    let caption = "A man in an office.";
    let joined = "A man and a woman in an office.".to_string();
    assert!(learned_all(&corpus(1, 2), Op::AddObj, caption).contains(&joined));
    // never seen side by side: no co-subject
    assert!(!learned_all(&corpus(1, 0), Op::AddObj, caption).contains(&joined));
    // four offices of the man's and none of the woman's: the corpus's word against her there
    assert!(!learned_all(&corpus(4, 2), Op::AddObj, caption).contains(&joined));
    // the caption's-end sites keep their own evidence (round 27) and take no loan: with the
    // built-in table, "in a car" would get "next to a bus"
    for text in [
        "A dog wearing a hat while in a car.",
        "A sleepy dog wearing a cowboy hat in the back seat of a car",
    ] {
        none_contains(&builtin_all(Op::AddObj, text), "next to a");
    }
}

#[test]
fn round31_a_person_under_a_pronoun_turns_it() {
    // the people of a caption with a gendered pronoun were left alone; where nothing else gives
    // replace_obj a row, the pronouns' one referent may now change sex, the pronouns with it
    let out = all(Op::ReplaceObj, "A man smiling as he waves.");
    assert!(
        out.contains(&"A woman smiling as she waves.".to_string()),
        "{out:?}"
    );
    assert!(
        out.contains(&"A boy smiling as he waves.".to_string()),
        "{out:?}"
    );
    let out = all(
        Op::ReplaceObj,
        "A man stands and holds his hands out in front of him.",
    );
    assert!(
        out.contains(&"A woman stands and holds her hands out in front of her.".to_string()),
        "{out:?}"
    );
    // "her" is "his" before what it determines (or an unknown word: "her teeth") and "him" as
    // an object
    let out = all(
        Op::ReplaceObj,
        "A girl brushing her teeth while someone watches her.",
    );
    assert!(
        out.contains(&"A boy brushing his teeth while someone watches him.".to_string()),
        "{out:?}"
    );
    let out = all(Op::ReplaceObj, "A WOMAN LIFTS HER UP.");
    assert!(out.contains(&"A MAN LIFTS HIM UP.".to_string()), "{out:?}");
    let out = all(Op::ReplaceObj, "The woman photographs herself.");
    assert!(
        out.contains(&"The man photographs himself.".to_string()),
        "{out:?}"
    );
}

#[test]
fn round31_the_pronouns_need_one_referent() {
    // two people of the pronouns' sex, or pronouns of both sexes: which one they name is
    // unclear, so no person changes
    makes_nothing(
        all,
        Op::ReplaceObj,
        &[
            "A man and a boy smiling as he waves.",
            "A man smiling as she waves.",
            // (pronouns of both sexes, and a person who could take either)
            "A skier smiling as he waves at her.",
            "A group of men, one smiling as he waves.",
        ],
    );
    // (one referent: the same caption makes rows)
    assert!(!all(Op::ReplaceObj, "A man smiling as he waves.").is_empty());
    // another person never becomes one the pronouns could name; the referent changes sex only
    // where no other person of its new sex would share the pronouns
    let out = all(
        Op::ReplaceObj,
        "A woman waving while a man is smiling at her.",
    );
    assert!(
        out.contains(&"A woman waving while a boy is smiling at her.".to_string()),
        "{out:?}"
    );
    assert!(
        out.contains(&"A girl waving while a man is smiling at her.".to_string()),
        "{out:?}"
    );
    none_contains(&out, "a girl is");
    none_contains(&out, "a boy waving");
    none_contains(&out, "a man waving");
    // a partner of a given sex stays one: no "a man and his husband"
    let out = all(Op::ReplaceObj, "A woman smiling as her husband waves.");
    none_contains(&out, "man smiling");
    assert!(
        out.contains(&"A girl smiling as her husband waves.".to_string()),
        "{out:?}"
    );
}

#[test]
fn round31_pronoun_rows_only_where_nothing_else_gives_one() {
    // every earlier row stays: another object's candidates keep the people as they were
    let out = all(Op::ReplaceObj, "A man sitting on a couch with his dog.");
    assert!(!out.is_empty());
    none_contains(&out, "woman");
    none_contains(&out, "boy");
    // with the built-in table: a held-out caption's row
    some_contains(
        &builtin_all(
            Op::ReplaceObj,
            "A man in front of a Christmas tree with his dog.",
        ),
        "A woman in front of a Christmas tree with her dog.",
    );
}

#[test]
fn round31_a_child_may_become_an_adult() {
    // "child" and "kid" are generic words (a boy or a girl could be true of the photo): where
    // nothing else gives a row, an adult stands in for them, never a boy or a girl
    let out = all(Op::ReplaceObj, "A child smiling.");
    assert!(out.contains(&"A man smiling.".to_string()), "{out:?}");
    assert!(out.contains(&"A woman smiling.".to_string()), "{out:?}");
    none_contains(&out, "boy");
    none_contains(&out, "girl");
    let out = all(Op::ReplaceObj, "Two kids smiling.");
    assert!(out.contains(&"Two men smiling.".to_string()), "{out:?}");
    // with a pronoun, an adult of the other sex turns it
    let out = all(Op::ReplaceObj, "The child is smiling with his eyes closed.");
    assert!(
        out.contains(&"The man is smiling with his eyes closed.".to_string()),
        "{out:?}"
    );
    assert!(
        out.contains(&"The woman is smiling with her eyes closed.".to_string()),
        "{out:?}"
    );
    // not a baby, nor a person; not someone's child, nor a child among things made for
    // children or beside parents
    makes_nothing(
        all,
        Op::ReplaceObj,
        &[
            "A baby smiling.",
            "A person smiling.",
            "Smiling at their child.",
            "Children riding on a toy train ride.",
            "A child sitting in a high chair.",
            "A group of moms and kids smiling.",
            "A child smiling on its own.",
        ],
    );
    // only where nothing else gives a row
    let out = all(Op::ReplaceObj, "A child on a bench.");
    none_contains(&out, "man");
}

#[test]
fn round31_a_verb_read_as_a_noun_keeps_its_subject_single() {
    // "waves" / "walks" after a noun parse as a compound's head; a co-subject would leave them
    // singular ("A woman and a man holding an umbrella walks", round 30's read)
    for text in [
        "A man standing on a tennis court waves to someone.",
        "A woman in a coat walks along a sidewalk.",
        "A woman holding an umbrella walks past a bus.",
    ] {
        none_contains(&all(Op::AddObj, text), " and a");
    }
    // (with an -ing form, which agrees with both, the co-subject stays)
    some_contains(
        &all(Op::AddObj, "A woman in a coat walking along a sidewalk."),
        "A woman in a coat and a man walking",
    );
    some_contains(
        &all(
            Op::AddObj,
            "A man standing on a tennis court waving to someone.",
        ),
        "A man and a woman standing",
    );
    // (and a plural not after a noun stays a noun: "swimming in the waves")
    some_contains(
        &all(Op::AddObj, "A man swimming in the waves."),
        "A man and a woman swimming",
    );
}

/// (round 32) Cats on furniture, dogs outside, 40 captions each: enough evidence for replace_obj
/// (`ops::MIN_EVIDENCE`), scenes too unlike for round 30's loan.
fn cats_and_dogs() -> Vec<String> {
    let mut c = scenes(&["cat"], &["bed", "couch"], 20);
    c.extend(scenes(&["dog"], &["park", "street"], 20));
    c
}

#[test]
fn round32_a_kin_noun_is_held_only_to_the_checks_the_caption_passes() {
    // cats on furniture, dogs in the street, horses in fields: scenes too unlike for round 30's
    // loan, 40 captions each
    let corpus = |stares: usize| {
        let mut c = cats_and_dogs();
        c.extend(scenes(&["horse"], &["field", "beach"], 20));
        c.extend(std::iter::repeat_n("A cat stares.".to_string(), stares));
        learned_owned(&c)
    };
    let caption = "A cat stares.";
    // the corpus has never seen a cat stare: the verb says nothing against a dog either, and a
    // dog is a cat's kin
    let out = learned_all(&corpus(0), Op::ReplaceObj, caption);
    assert!(out.contains(&"A dog stares.".to_string()), "{out:?}");
    // a horse is no kin of a cat's, nor are its scenes alike
    none_contains(&out, "horse");
    // seen staring three times, a cat passes the check, and a dog is held to it
    let out = learned_all(&corpus(3), Op::ReplaceObj, caption);
    none_contains(&out, "dog");
    // so with the relations: never seen under anything, a cat says nothing against a dog
    // there; seen under chairs, it holds the dog to having been under something ("a table",
    // which the corpus never names, leaves the pair check nothing to say)
    let under = |chairs: usize, bench: usize| {
        let mut c = cats_and_dogs();
        c.extend(std::iter::repeat_n(
            "A cat under a chair.".to_string(),
            chairs,
        ));
        c.extend(std::iter::repeat_n(
            "A chair next to a cat.".to_string(),
            bench,
        ));
        learned_owned(&c)
    };
    let out = learned_all(&under(0, 0), Op::ReplaceObj, "A cat under a table.");
    assert!(out.contains(&"A dog under a table.".to_string()), "{out:?}");
    let out = learned_all(&under(3, 0), Op::ReplaceObj, "A cat under a table.");
    none_contains(&out, "dog");
    // and as the object of a relation ("next to a cat")
    let out = learned_all(&under(0, 0), Op::ReplaceObj, "A table next to a cat.");
    assert!(
        out.contains(&"A table next to a dog.".to_string()),
        "{out:?}"
    );
    let out = learned_all(&under(0, 3), Op::ReplaceObj, "A table next to a cat.");
    none_contains(&out, "dog");
    // the pair check stays as round 30's loan has it: a dog beside what cats are seen with
    // often and dogs never is no kin's scene
    let mut c = cats_and_dogs();
    c.extend(std::iter::repeat_n("A cat on a laptop.".to_string(), 10));
    let out = learned_all(
        &learned_owned(&c),
        Op::ReplaceObj,
        "A cat stares at a laptop.",
    );
    none_contains(&out, "dog");
}

#[test]
fn round32_beards_and_grown_up_life_keep_their_people() {
    // (without these words, a woman may become a girl and a man a boy)
    some_contains(&all(Op::ReplaceObj, "A woman smiling."), "A girl smiling.");
    some_contains(&all(Op::ReplaceObj, "A man smiling."), "A boy smiling.");
    // a beard is a man's: only a man stands in ("A man with a beard" → "A boy with a beard" in
    // round 32's rows)
    let out = all(Op::ReplaceObj, "A man with a beard smiling.");
    for bad in ["boy with", "woman with", "girl with", "lady with"] {
        none_contains(&out, bad);
    }
    // weddings, cigarettes and beer are no child's
    for text in [
        "A man and a woman getting married.",
        "A woman smoking a cigarette.",
        "A man drinking a beer.",
        "A woman driving a truck.",
        "A woman in lingerie on a bed.",
    ] {
        for op in [Op::ReplaceObj, Op::AddObj] {
            let out = all(op, text);
            // (" boy": not "cowboy")
            none_contains(&out, " boy");
            none_contains(&out, " girl");
        }
    }
    // (add_obj joins a girl to a woman elsewhere)
    some_contains(&all(Op::AddObj, "A woman riding a bike."), "and a girl");
}

#[test]
fn round32_a_noun_that_names_another_stays() {
    // the word of the object modifies another noun: the scene is that noun's ("Three giraffes
    // interacting in a zoo zebra enclosure" in round 32's blind read)
    let out = all(Op::ReplaceObj, "Three zebras in a zebra enclosure.");
    assert!(out.iter().all(|o| o.starts_with("Three zebras")), "{out:?}");
    let out = all(Op::ReplaceObj, "A dog sleeping on a dog bed.");
    assert!(out.iter().all(|o| o.starts_with("A dog")), "{out:?}");
    // (without the modifier the object is replaced; a head of the same word does not count)
    let out = all(Op::ReplaceObj, "Three zebras in an enclosure.");
    assert!(
        out.iter().any(|o| !o.starts_with("Three zebras")),
        "{out:?}"
    );
    let out = all(Op::ReplaceObj, "A dog next to another dog on a bench.");
    assert!(out.iter().any(|o| !o.starts_with("A dog")), "{out:?}");
}

#[test]
fn round32_add_obj_joins_kin_held_to_the_checks_the_caption_passes() {
    // men in the street, women in fields, seen together twice; horses as often, never with them
    let corpus = |stares: usize, under: usize| {
        let mut c = scenes(&["man"], &["street", "park"], 20);
        c.extend(scenes(&["woman"], &["field", "beach"], 20));
        c.extend(scenes(&["horse"], &["farm", "road"], 20));
        c.extend(std::iter::repeat_n(
            "A man and a woman in a park.".to_string(),
            2,
        ));
        c.extend(std::iter::repeat_n("A man stares.".to_string(), stares));
        c.extend(std::iter::repeat_n(
            "A man under a chair.".to_string(),
            under,
        ));
        learned_owned(&c)
    };
    // never seen staring, a man says nothing against his kin staring beside him
    let out = learned_all(&corpus(0, 0), Op::AddObj, "A man stares.");
    assert!(
        out.contains(&"A man and a woman stare.".to_string()),
        "{out:?}"
    );
    none_contains(&out, "horse");
    // seen staring, he holds the woman to the verb
    let out = learned_all(&corpus(3, 0), Op::AddObj, "A man stares.");
    none_contains(&out, "woman");
    // so with a relation: never seen under anything, a man says nothing against a woman there
    let out = learned_all(&corpus(0, 0), Op::AddObj, "A man under a table.");
    assert!(
        out.contains(&"A man and a woman under a table.".to_string()),
        "{out:?}"
    );
    let out = learned_all(&corpus(0, 3), Op::AddObj, "A man under a table.");
    none_contains(&out, "woman");
    // a compound's head takes no kin ("A chili cheese dog and a cat on a plate")
    let out = learned_all(&corpus(0, 0), Op::AddObj, "A cheese man stares.");
    none_contains(&out, "woman");
    // people only: a cat never gets a dog beside it ("a cat and a dog sit on top of a toilet
    // bowl" in round 32's blind read)
    let mut c = cats_and_dogs();
    c.extend(std::iter::repeat_n(
        "A cat and a dog in a park.".to_string(),
        2,
    ));
    let out = learned_all(&learned_owned(&c), Op::AddObj, "A cat stares.");
    none_contains(&out, "dog");
    // kin only: cars and buses share their scenes (round 30's loan), but a bus is held to the
    // verb a car was never seen to do
    let mut c = scenes(&["car", "bus"], &["street", "road"], 20);
    c.extend(std::iter::repeat_n(
        "A car and a bus in a street.".to_string(),
        2,
    ));
    let out = learned_all(&learned_owned(&c), Op::AddObj, "A car waits.");
    none_contains(&out, "bus");
}

#[test]
fn round32_a_contracted_verb_keeps_its_subject_single() {
    // "that's been" would stay singular after a co-subject ("a dog and a cat that' been
    // playing" in round 32's rows), and "it's ear" is the subject's
    for text in [
        "A dog that's been playing in the water.",
        "A giraffe stands with it's front legs spread apart.",
        "A man who's riding a horse.",
    ] {
        none_contains(&all(Op::AddObj, text), " and a");
    }
    // (with "that is", the co-subject and the verb agree)
    some_contains(
        &all(Op::AddObj, "A dog that is playing in the water."),
        "that are playing",
    );
}

/// (round 33) A corpus where `a` and `b` are seen together with `whole` three times and `b` is
/// the object of "with" twice, each with scenes of its own ([`scenes`], 20 captions a place) too
/// unlike for round 30's loan; and the `extra` captions.
fn mute_corpus(
    a: &str,
    b: &str,
    whole: &str,
    a_places: &[&str],
    b_places: &[&str],
    extra: &[&str],
) -> Model {
    let mut c: Vec<String> = extra.iter().map(|e| e.to_string()).collect();
    c.extend(vec![format!("A {a} and a {b} on a {whole}."); 3]);
    c.extend(vec![format!("A {whole} with a {b}."); 2]);
    c.extend(vec![format!("A {whole} with a {a}."); 2]);
    c.extend(scenes(&[a], a_places, 20));
    c.extend(scenes(&[b], b_places, 20));
    learned_owned(&c)
}

#[test]
fn round33_a_thing_joins_beside_what_the_joined_thing_was_never_seen_with() {
    // forks with cakes and napkins, knives on boards, with bread and tomatoes; both on plates
    let m = mute_corpus(
        "fork",
        "knife",
        "plate",
        &["cake", "napkin"],
        &["board", "bread", "tomato"],
        &[],
    );
    // the corpus has seen no fork on a bench either: the bench says nothing against a knife
    let out = learned_all(&m, Op::AddObj, "A plate with a fork on a bench.");
    assert!(
        out.contains(&"A plate with a fork and a knife on a bench.".to_string()),
        "{out:?}"
    );
    // (never beside a compound's head, as round 32's kin: "a cheese fork and a knife")
    let out = learned_all(&m, Op::AddObj, "A plate with a cheese fork on a bench.");
    none_contains(&out, "knife");
    // a fork is seen in cakes twenty times, a knife never: no knife beside a fork in a cake
    let out = learned_all(&m, Op::AddObj, "A plate with a fork in a cake.");
    none_contains(&out, "knife");
    // nor where a fork is seen in cakes twice and a knife once: twice is the least evidence
    // for a pair, though the knife's one sighting is not far below the fork's in proportion
    let m = mute_corpus(
        "fork",
        "knife",
        "plate",
        &["napkin", "bowl"],
        &["board", "bread", "tomato"],
        &[
            "A fork in a cake.",
            "A fork in a cake.",
            "A knife in a cake.",
        ],
    );
    let out = learned_all(&m, Op::AddObj, "A plate with a fork in a cake.");
    none_contains(&out, "knife");
    let out = learned_all(&m, Op::AddObj, "A plate with a fork on a bench.");
    some_contains(&out, "and a knife");
    // never beside an animal or a vehicle, which must do the verb ("a dog and a horse driving
    // an SUV" in round 33's first draft)
    for (a, b, whole) in [("car", "truck", "street"), ("cat", "dog", "bed")] {
        let m = mute_corpus(
            a,
            b,
            whole,
            &["garage", "house"],
            &["farm", "field", "road"],
            &[],
        );
        let caption = format!("A {whole} with a {a} on a bench.");
        none_contains(&learned_all(&m, Op::AddObj, &caption), b);
    }
}

#[test]
fn round33_public_toilets_have_no_bathtub() {
    // (in a home's bathroom both ops may put a tub)
    some_contains(&all(Op::AddObj, "A toilet in a bathroom."), "tub");
    some_contains(&all(Op::ReplaceObj, "A toilet in a bathroom."), "tub");
    // a public restroom, a urinal, a stall ("An overhead shots of a toilet and a tub in a
    // public restroom", "looking down into a tub in a very small stall" in round 32's reads)
    for text in [
        "A toilet in a public restroom.",
        "A toilet next to a urinal.",
        "A toilet in a very small stall.",
        "A toilet in a rest room.",
    ] {
        for op in [Op::AddObj, Op::ReplaceObj] {
            none_contains(&all(op, text), "tub");
        }
    }
    // a shower stall is a home's
    some_contains(
        &all(Op::ReplaceObj, "A toilet next to a shower stall."),
        "tub",
    );
}

#[test]
fn round33_a_participle_or_worn_glasses_close_the_object() {
    // (caption, words no add_obj row may have, words one must have): what follows the object
    // of the subject's "with" is said of a new object too ("A plate with a bowl and a fork filled
    // with broccoli" in round 33's first draft); glasses after "with" are mostly worn ("A man
    // with glasses and a spoon"), not after "holding"
    for (text, closed, open) in [
        (
            "A plate with a bowl filled with rice.",
            "bowl and",
            "rice and",
        ),
        (
            "A man with glasses sitting at a table.",
            "glasses and",
            "table next to",
        ),
        ("A plate with a bowl on a table.", "", "bowl and"),
        ("A man holding glasses at a table.", "", "glasses and"),
        // a material's word before a word the lexicon does not know modifies it ("adorned
        // with glass and a spoon butterflies" in round 33's blind read)
        ("A vase adorned with glass butterflies.", "glass and", ""),
        ("A vase adorned with glass.", "", "glass and"),
    ] {
        let out = all(Op::AddObj, text);
        if !closed.is_empty() {
            none_contains(&out, closed);
        }
        if !open.is_empty() {
            some_contains(&out, open);
        }
    }
}

#[test]
fn round33_a_meat_names_meat() {
    // "some ham, bread, eggs, meat and tomatoes" read as meaning unchanged in round 33's blind
    // read; without a meat, meat may join
    none_contains(&all(Op::AddObj, "A plate with ham and eggs."), "meat");
    none_contains(&all(Op::ReplaceObj, "A plate with bacon and eggs."), "meat");
    some_contains(&all(Op::AddObj, "A plate with rice and eggs."), "meat");
}

#[test]
fn round33_a_list_of_several_categories_takes_a_thing_seen_with_each_member() {
    // a stove, a sink and a refrigerator: appliances and a fixture; an oven seen with each
    let mut c = vec!["A stove and an oven in a kitchen.".to_string(); 3];
    c.extend(vec!["A sink and an oven in a kitchen.".to_string(); 3]);
    c.extend(vec!["A refrigerator and an oven.".to_string(); 3]);
    let out = learned_all(
        &learned_owned(&c),
        Op::AddObj,
        "A stove, a sink and a refrigerator in a kitchen.",
    );
    assert!(
        out.contains(&"A stove, a sink, an oven and a refrigerator in a kitchen.".to_string()),
        "{out:?}"
    );
    // a bed and a bowl: a chopstick seen with bowls only never joins them ("A dog in a cage
    // with a bed, a chopstick and bowl" in round 33's first draft); seen with beds too, it may
    let chopsticks = |beds: usize| {
        // (no bowl seen with a bed: the bed is checked as a member of the list)
        let mut c = vec!["A chopstick in a bowl.".to_string(); 3];
        c.extend(vec!["A chopstick on a bed.".to_string(); beds]);
        learned_all(
            &learned_owned(&c),
            Op::AddObj,
            "A bed and a bowl in a room.",
        )
    };
    none_contains(&chopsticks(0), "chopstick");
    some_contains(&chopsticks(3), "chopstick");
    // only in the last pass: where an earlier one gives a row (here a person at the caption's
    // end), the list is left as it is, and an animal makes a list of several categories no site
    let out = all(
        Op::AddObj,
        "A stove, a sink and a refrigerator in a kitchen.",
    );
    some_contains(&out, "kitchen next to");
    none_contains(&out, "sink, a");
    // nor does a place ("a beach, a chair, a towel and an umbrella")
    for (text, member) in [
        ("A dog, a cat and a bowl in a room.", "cat, a"),
        ("A beach, a chair and an umbrella.", "chair, a"),
    ] {
        none_contains(&all(Op::AddObj, text), member);
    }
}

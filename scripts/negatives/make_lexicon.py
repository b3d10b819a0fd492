"""Generates crates/negatives/lexicon/objects.wordnet.tsv from WordNet 3.0 and caption frequencies.

Which words: nouns of WordNet 3.0 (Debian `wordnet-base`, /usr/share/wordnet) that occur at
least MIN_COUNT times in the *development* part of the COCO dev captions (split.py: images whose
id is not divisible by 5), single words and WordNet collocations ("hot dog", "fire hydrant").
A word is left out when the hand-written lexicon already has it, when it is more often a verb or
an adjective than a noun in WordNet's sense-tagged counts ("rides", "white"), or when it is a
function word. Category: the first WordNet sense's hypernym chain mapped onto the lexicon's
categories (ROOTS below); nouns outside them get category `other` (parsed, never edited).
Sense: a hand-written word's sense when the first WordNet sense is, or descends within three
steps from, the first sense of a hand-written word ("puppy" -> dog); otherwise the synset.
Number: plural from WordNet's exception list or English rules; a mass noun ("-") when the
development captions never use it with a/an nor in the plural.

Usage: python3 make_lexicon.py DEV.jsonl [WORDNET_DIR] > crates/negatives/lexicon/objects.wordnet.tsv
WordNet 3.0 Copyright 2006 by Princeton University. All rights reserved (licence: see
crates/negatives/lexicon/WORDNET-LICENSE).
"""
import collections
import os
import re
import sys

sys.path.insert(0, os.path.dirname(__file__))
import split  # noqa: E402

MIN_COUNT = 3
MIN_COLLOCATION = 2
ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
LEX = os.path.join(ROOT, "crates", "negatives", "lexicon")

# (lemma, WordNet sense number) -> lexicon category; the nearest root on the chain wins.
ROOTS = [
    ("person", 1, "role"),
    ("animal", 1, "animal"),
    ("fruit", 1, "food"),
    ("vegetable", 1, "food"),
    ("food", 1, "food"),
    ("food", 2, "food"),
    ("beverage", 1, "food"),
    ("dish", 2, "food"),
    ("vehicle", 1, "vehicle"),
    ("furniture", 1, "furniture"),
    ("clothing", 1, "clothing"),
    ("garment", 1, "clothing"),
    ("tableware", 1, "tableware"),
    ("utensil", 1, "tableware"),
    ("container", 1, "household"),
    ("electronic_equipment", 1, "electronics"),
    ("sports_equipment", 1, "sports"),
    ("toy", 1, "toy"),
    ("building", 1, "building"),
    ("room", 1, "room"),
    ("plant", 2, "plant"),
    ("body_of_water", 1, "place"),
    ("geological_formation", 1, "place"),
    ("tract", 1, "place"),
    ("device", 1, "household"),
    ("structure", 1, "street"),
    ("location", 1, "place"),
    ("body_part", 1, "other"),  # "head", "hand": parsed, never edited nor added
]

# The sense COCO captions use when it is not the one WordNet gives ("bat": baseball bat; "head":
# a body part, not a head of cattle; "controller", "speaker", "comforter": things, not people).
CATEGORY_OVERRIDE = {
    "bat": "sports", "head": "other", "controller": "electronics", "speaker": "electronics",
    "comforter": "household", "cutter": "household", "hanger": "household",
    "pacifier": "household", "planter": "household", "washer": "household", "trailer": "vehicle",
    "diner": "building", "quiche": "food", "shrimp": "food", "decker": "other", "fed": "other",
    "hood": "other", "japanese": "other", "madison": "other", "marks": "other", "waters": "other",
    "buddha": "other", "maker": "other",
    # round 5: grounds and places WordNet files under "land", "structure" or "facility" ("on the
    # ground", "at the airport", "on a runway"): relations to them are spatial, not parts
    "ground": "ground", "floor": "ground", "tarmac": "ground", "rock": "ground",
    "court": "place", "airport": "place", "zoo": "place", "runway": "place",
    "intersection": "place", "woods": "place", "forest": "place", "yard": "place",
    "platform": "place", "railroad": "place", "station": "building",
    # round 11: first WordNet senses that are not the caption sense (a grazing horse "in a
    # bikini" replaced "in a field": the atoll; "crust" the earth's; "weeds" mourning clothes;
    # "macaroni" a dandy; "lettuce", "onion" plants where captions mean food)
    "bikini": "clothing", "crust": "other", "broadway": "other", "wall street": "other",
    "thames river": "other", "trough": "household", "weeds": "other", "hose": "other",
    "mac": "other", "cords": "other", "jean": "other", "laundry": "other", "corn": "food",
    "beef": "food", "feeder": "other", "stunt": "other", "macaroni": "food",
    "cauliflower": "food", "celery": "food", "garlic": "food", "lettuce": "food",
    "onion": "food", "pineapple": "food", "watermelon": "food", "cilantro": "food",
    "mint": "food", "mustard": "food", "spinach": "food", "sesame": "food",
    "banana tree": "plant", "wedge": "other", "cob": "other", "assembly": "other",
    "bow": "other", "bunk": "furniture", "horn": "other", "transit": "other", "perch": "other",
    "sill": "other", "windowsill": "other", "propeller": "other", "commuter": "other",
    "tank": "other", "home base": "other", "home plate": "other", "stained glass": "other",
    "toilet bowl": "fixture", "blender": "appliance", "contents": "other", "bars": "other",
    "rings": "other", "mound": "other", "pitcher's mound": "other", "fireplace": "fixture",
    "ski pole": "sports", "towel rack": "household", "ways": "other", "structure": "other",
    "cable car": "vehicle", "caboose": "vehicle", "kiosk": "building", "shower stall": "fixture",
}

# Generic words captions use for a whole class ("a suit with a blue tie and vest" -> "... and
# clothes" says nothing new): parsed, never replaced nor used as a replacement (sense
# "hypernym"). Round 4 of issue 7's hand read.
GENERIC = set("clothes clothing attire apparel garment outfit gear holder stuff".split())
# The caption sense of a word that WordNet files under another synset: "bat" is the baseball bat,
# so it never replaces "baseball bat" (round 3's hand read: "a baseball bat" -> "a bat").
SENSE_OVERRIDE = {"bat": "baseball bat"}

# Words WordNet lists as nouns that captions use otherwise.
NOT_NOUNS = set("here there now us who while may much self past left right third single upside "
                "semi para bent fancy fast classic dark someone somebody anyone anybody everyone "
                "everybody nobody".split())
# Parsed as nouns but never edited: parts and regions ("the top of"), names, WordNet senses that are
# not the caption sense.
FIXED = set("front side top bottom edge end corner direction position center midst place area spot "
            "scene site zone west bronx queens london california westminster ben eats flies cell lab "
            "crest border sheet seat mast cooler mixer compartment dairy desktop vintage track hole "
            "home jersey kiss".split())
ATTRIBUTIVE = ("the ", "a ", "red ", "blue ", "white ", "black ", "green ", "little ", "big ",
               "old ", "open ", "rough ", "high ", "large ", "long ",
               # round 7: "young man", "small boat" are an attribute and a noun ("a young man" ->
               # "an old man"); "small white" (a butterfly), "yellow jacket" (a wasp) and "rainy
               # day" read as attribute + noun in captions ("a man in a yellow jacket")
               "young ", "small ", "yellow ", "rainy ")
PARTICLES = (" on", " off", " to", " for", " over", " up", " down")

WORD = re.compile(r"[a-z]+(?:[-'][a-z]+)*")


def index(path):
    out = {}
    with open(path, encoding="latin-1") as f:
        for line in f:
            if line.startswith(" "):
                continue
            p = line.split()
            lemma, n_synsets, n_ptrs = p[0], int(p[2]), int(p[3])
            tagged = int(p[5 + n_ptrs])
            offsets = p[6 + n_ptrs:6 + n_ptrs + n_synsets]
            out[lemma] = (tagged, offsets)
    return out


def hypernyms(path):
    out = {}
    with open(path, encoding="latin-1") as f:
        for line in f:
            if line.startswith(" "):
                continue
            p = line.split()
            off, n_words = p[0], int(p[3], 16)
            k = 4 + 2 * n_words
            n_ptrs = int(p[k])
            ups = []
            for j in range(n_ptrs):
                sym, tgt, pos = p[k + 1 + 4 * j: k + 4 + 4 * j]
                if sym in ("@", "@i") and pos == "n":
                    ups.append(tgt)
            out[off] = ups
    return out


def exceptions(path):
    inv = {}
    with open(path, encoding="latin-1") as f:
        for line in f:
            p = line.split()
            if len(p) >= 2:
                inv.setdefault(p[1], p[0])
    return inv


# Irregular plural endings WordNet's exception list leaves to its morphology rules.
SUFFIX_PLURALS = (("woman", "women"), ("man", "men"), ("child", "children"), ("knife", "knives"),
                  ("leaf", "leaves"), ("shelf", "shelves"), ("loaf", "loaves"), ("half", "halves"),
                  ("wolf", "wolves"), ("calf", "calves"), ("foot", "feet"), ("tooth", "teeth"),
                  ("mouse", "mice"))
NOT_MAN = ("human", "german", "shaman", "caiman", "talisman", "ottoman")


def pluralise(word, exc):
    head = word.split(" ")[-1]
    pre = word[: len(word) - len(head)]
    if head in exc:
        return pre + exc[head]
    for sg, pl in SUFFIX_PLURALS:
        if head.endswith(sg) and not head.endswith(NOT_MAN):
            return pre + head[: len(head) - len(sg)] + pl
    if re.search(r"(s|x|z|ch|sh)$", head):
        return pre + head + "es"
    if re.search(r"[^aeiou]y$", head):
        return pre + head[:-1] + "ies"
    return pre + head + "s"


def singular(word, noun_idx, exc_inv):
    if word in exc_inv:
        return exc_inv[word]
    for suf, rep in (("ies", "y"), ("ches", "ch"), ("shes", "sh"), ("xes", "x"), ("ses", "s"), ("s", "")):
        if word.endswith(suf) and word[: len(word) - len(suf)] + rep in noun_idx:
            return word[: len(word) - len(suf)] + rep
    return None


def read_tsv(path, col=0):
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                out.append(line.rstrip("\n").split("\t"))
    return out


def main():
    dev = sys.argv[1]
    wn = sys.argv[2] if len(sys.argv) > 2 else "/usr/share/wordnet"
    nidx = index(f"{wn}/index.noun")
    vidx = index(f"{wn}/index.verb")
    aidx = index(f"{wn}/index.adj")
    ridx = index(f"{wn}/index.adv")
    ups = hypernyms(f"{wn}/data.noun")
    noun_exc = {}
    with open(f"{wn}/noun.exc", encoding="latin-1") as f:
        for line in f:
            p = line.split()
            if len(p) >= 2:
                noun_exc.setdefault(p[1], p[0])  # lemma -> irregular plural
    exc_inv = exceptions(f"{wn}/noun.exc")  # plural -> lemma

    curated = read_tsv(os.path.join(LEX, "objects.tsv"))
    known = set()
    for r in curated:
        known.add(r[0])
        if r[1] != "-":
            known.add(r[1])
    for f in ("attributes.tsv", "relations.tsv", "function_words.tsv"):
        for r in read_tsv(os.path.join(LEX, f)):
            known.add(r[0])
            if f == "relations.tsv" and len(r) > 3:
                known.update(o.strip() for o in r[3].split(","))

    uni, bi, with_a, plural_seen = collections.Counter(), collections.Counter(), collections.Counter(), collections.Counter()
    for c in split.captions(dev, "train"):
        toks = WORD.findall(c.lower())
        uni.update(toks)
        bi.update(" ".join(p) for p in zip(toks, toks[1:]))
        for i, p in enumerate(toks):
            if p in ("a", "an", "one", "another", "each"):
                with_a[toks[i + 1] if i + 1 < len(toks) else ""] += 1
                with_a[" ".join(toks[i + 1:i + 3])] += 1

    roots = {}
    for lemma, sense, cat in ROOTS:
        roots[nidx[lemma][1][sense - 1]] = cat

    def category(off):
        seen, frontier = set(), [off]
        while frontier:  # breadth first: the nearest root wins
            nxt = []
            for o in frontier:
                if o in roots:
                    return roots[o]
                seen.add(o)
                nxt.extend(u for u in ups.get(o, []) if u not in seen)
            frontier = nxt
        return "other"

    curated_sense = {}
    for r in curated:
        key = r[0].replace(" ", "_")
        if key in nidx and r[3] != "hypernym":
            curated_sense.setdefault(nidx[key][1][0], (r[3], r[2]))

    def sense(off):
        """(sense, category of the hand-written word it descends from, or None)."""
        frontier = [off]
        for _ in range(4):
            for o in frontier:
                if o in curated_sense:
                    return curated_sense[o]
            frontier = [u for o in frontier for u in ups.get(o, [])]
        return "wn" + off, None

    lemmas = collections.Counter()
    for w, n in uni.items():
        if n < MIN_COUNT or w in known or len(w) < 3:
            continue
        lemma = w if w in nidx else singular(w, nidx, exc_inv)
        if lemma and lemma not in known:
            lemmas[lemma] += n
    for b, n in bi.items():
        key = b.replace(" ", "_")
        if n >= MIN_COLLOCATION and key in nidx and b not in known:
            lemmas[b] += n
        elif n >= MIN_COLLOCATION and b.endswith("s"):
            lemma = singular(b.split(" ")[-1], nidx, exc_inv)
            full = b.rsplit(" ", 1)[0] + " " + lemma if lemma else None
            if full and full.replace(" ", "_") in nidx and full not in known:
                lemmas[full] += n

    print("# Generated by scripts/negatives/make_lexicon.py from WordNet 3.0 (Princeton University;")
    print("# licence in WORDNET-LICENSE) and word counts of the development part of the COCO dev captions")
    print("# (CC BY 4.0, see README.md). Do not edit by hand: change the script or objects.tsv.")
    print("# Columns as objects.tsv: word  plural  category  sense  scenes")
    for lemma in sorted(lemmas):
        key = lemma.replace(" ", "_")
        n_tag, offs = nidx[key]
        if lemma in NOT_NOUNS or lemma.startswith(ATTRIBUTIVE) or lemma.endswith(PARTICLES):
            continue
        if any(w.endswith("ing") for w in lemma.split(" ")):
            continue
        if " " not in lemma:
            v_tag = vidx.get(lemma, (0, []))[0]
            if v_tag > n_tag or (lemma in aidx and aidx[lemma][0] >= n_tag):
                continue
            if lemma in ridx and ridx[lemma][0] >= n_tag:
                continue
        cat = "other" if lemma in FIXED else CATEGORY_OVERRIDE.get(lemma) or category(offs[0])
        if lemma not in FIXED and lemma not in CATEGORY_OVERRIDE and cat == "other" and len(offs) > 1 and category(offs[1]) in ("food", "animal", "plant"):
            cat = category(offs[1])
        plural = pluralise(lemma, noun_exc)
        countable = uni[plural] + bi[plural] > 0 or with_a[lemma] >= 2
        if plural in known:
            continue
        sense_name, curated_cat = sense(offs[0])
        if curated_cat and lemma not in FIXED:
            cat = curated_cat  # a hyponym of a hand-written word: "kitchen sink" like "sink"
        sense_name = "hypernym" if lemma in GENERIC else SENSE_OVERRIDE.get(lemma, sense_name)
        print("\t".join([lemma, plural if countable else "-", cat, sense_name, "-"]))


if __name__ == "__main__":
    main()

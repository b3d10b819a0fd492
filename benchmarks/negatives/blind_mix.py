"""Blind calibration of the hand reads (issue 7, round 20): SugarCrepe's own negatives and
clipprobe's, mixed in one sample, read by readers who are not told there are two sources.

SugarCrepe's replace-object negatives (`data/replace_ent.json` of RAIVNLab/sugar-crepe, entries
FIRST..LAST by key) get their surface matched to the caption's (first letter's case, final
period), so that formatting does not name the source, and a word-level edit column (difflib).
clipprobe's rows are N random replace_obj rows of NEG.jsonl whose (op, caption id, edit) no
LABELS file names and (round 23, when NEG.jsonl is made from SugarCrepe's captions) whose caption
is not one of the mixed SugarCrepe rows'. The rows are shuffled together, given random 6-digit ids, and split into
READS samples of equal size; `map.json` keeps each id's source.

Round 24: `mix --op=swap_att SUGARCREPE_SWAP_ATT.json ...` mixes another op's rows the same way
(default `--op=replace_obj`, with SugarCrepe's file of that op).
Round 27: `mix --op=add_obj ADD_ENT.json 70 110 NEW_ROWS.jsonl 166 2701 3 ...`, where NEW_ROWS.jsonl
holds the add_obj rows that round 27's generator makes and round 26's did not, on the held-out and
the unseen captions (all 166 but the one whose caption is SugarCrepe key 89's), mixed with
SugarCrepe's `data/add_ent.json` keys 70-110.
Round 28: `mix --op=replace_att REPLACE_ATT.json 0 40 COUNT_ROWS.jsonl 231 2801 4 ...`, where
COUNT_ROWS.jsonl holds the replace_att rows whose edit category is `count` (round 28's count
replacements) on the held-out and unseen captions, mixed with `data/replace_att.json` keys 0-40.
Round 29: `mix --op=replace_att REPLACE_ATT.json 0 40 CHANGED.jsonl 67 2901 2 ...` (the held-out
count rows not in round 28's output) and `mix --op=replace_rel REPLACE_REL.json 0 40 NEW.jsonl 30
2911 1 ...` (the dev file's new replace_rel rows, one per caption).
Round 30: `mix REPLACE_ENT.json 0 40 NEW.jsonl 113 3001 3 ...` (the held-out replace_obj rows the
draft scene loan added, the 113 no label file names) and `mix REPLACE_ENT.json 0 40 DEV_NEW.jsonl
60 3011 2 ...` and `... DEV_NEW_FINAL.jsonl 60 3021 2 ...` (the new replace_obj rows of
development captions, after the parts rule and after the balance draw); `mix --op=add_obj
ADD_ENT.json 0 40 NEW_ADD.jsonl 77 3031 2 ...` (every held-out add_obj row of the loan).
Round 31: `mix REPLACE_ENT.json 0 40 NEW.jsonl 43 3101 2 ...` (every held-out replace_obj row of
the pronoun pass) and `mix REPLACE_ENT.json 0 40 DEV_NEW.jsonl 60 3111 2 ...` (its new rows of
development captions outside the held-out file), and `mix REPLACE_ENT.json 0 40 CHILD.jsonl 60
3121 2 ...` (the child pass's 19 held-out rows and 41 of its development rows); each sample read
by two readers.
Round 32: `mix REPLACE_ENT.json 0 40 NEW.jsonl 60 3201 2 ...` (the held-out replace_obj rows of the
new last pass) and `mix REPLACE_ENT.json 0 40 DEV_NEW.jsonl 60 3211 2 ...` (its rows of
development captions outside the held-out file); `mix --op=add_obj ADD_ENT.json 0 40 NEW_ADD.jsonl
60 3231 2 ...` and `... DEV_NEW_ADD.jsonl 60 3241 2 ...` (add_obj's new pass, people and pets);
each sample read by two readers.
Round 33: `mix --op=add_obj ADD_ENT.json 0 40 NEW_ADD.jsonl 100 3301 2 ...` (every add_obj row new
or changed against round 32, held-out and development captions outside the held-out file) and
`mix --op=add_obj ADD_ENT.json 0 40 OUT.jsonl 60 3321 2 ...` with no label file (60 random
held-out add_obj rows); `mix --op=add_obj ADD_ENT.json 0 40 MIXED.jsonl 48 3341 1 ...` (the
rows the lists of several categories add); each sample read by two readers.

Usage:
  python3 blind_mix.py mix [--op=OP] SUGARCREPE.json FIRST LAST NEG.jsonl N SEED READS OUTDIR LABELS...
  python3 blind_mix.py score OUTDIR            (reads OUTDIR/map.json and OUTDIR/*/labels.tsv)
  python3 blind_mix.py unblind OUTDIR PREFIX    (writes PREFIX{a,b,...}-blind.tsv, one per read)
unblind turns each read's labels.tsv into the committed form: the random id becomes the caption's
annotation id (clipprobe) or `sugarcrepe:KEY`, and a sixth column names the source.
Seeds: SEED draws clipprobe's rows, SEED+1 the ids, SEED+2 the shuffle (round 20: SEED 2001).
Captions are COCO captions: the samples are for reading, never committed.
"""
import collections
import difflib
import glob
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sample import edit, labelled  # noqa: E402

HEADER = "op\tannotation_id\tedit\tcaption\tnegative"


def sugarcrepe_rows(path, first, last):
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    rows = []
    for key in sorted((k for k in data if first <= int(k) <= last), key=int):
        c = " ".join(data[key]["caption"].split())
        n = " ".join(data[key]["negative_caption"].split())
        if c[:1].islower():
            n = n[:1].lower() + n[1:]
        if not c.endswith(".") and n.endswith("."):
            n = n[:-1]
        rows.append(dict(src="sugarcrepe", key=key, edit=word_edit(c, n), caption=c, negative=n))
    return rows


def word_edit(c, n):
    """The word-level changes from caption `c` to negative `n` (difflib), "a b->c | ->d"."""
    a, b = c.split(), n.split()
    changes = [
        " ".join(a[i1:i2]) + "->" + " ".join(b[j1:j2])
        for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes()
        if op != "equal"
    ]
    return " | ".join(changes)


def mix(args):
    op = "replace_obj"
    if args and args[0].startswith("--op="):
        op, args = args[0][len("--op="):], args[1:]
    sc, first, last, neg, n, seed, reads, out = args[:8]
    first, last, n, seed, reads = int(first), int(last), int(n), int(seed), int(reads)
    read = labelled(args[8:], columns=3)
    with open(neg, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    theirs = sugarcrepe_rows(sc, first, last)
    # round 23: on SugarCrepe's own captions, never the caption of one of its rows in the mix
    taken = {" ".join(it["caption"].lower().split()) for it in theirs}
    ours = [
        r
        for r in rows
        if r["op"] == op
        and (op, r["id"].split("/")[0], edit(r)) not in read
        and " ".join(r["caption"].lower().split()) not in taken
    ]
    items = [
        dict(
            src="clipprobe",
            key=r["id"].split("/")[0],
            edit=edit(r),
            caption=r["caption"],
            negative=r["negative"],
        )
        for r in random.Random(seed).sample(ours, n)
    ]
    items += theirs
    random.Random(seed + 2).shuffle(items)
    ids = random.Random(seed + 1).sample(range(100000, 999999), len(items))
    for it, i in zip(items, ids):
        it["anon"] = str(i)
    size = len(items) // reads
    os.makedirs(out, exist_ok=True)
    for k in range(reads):
        d = os.path.join(out, f"read{k + 1}")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "sample.tsv"), "w", encoding="utf-8") as f:
            f.write(HEADER + "\n")
            for it in items[k * size : (k + 1) * size]:
                # round 24: other ops show both sources' edits word by word (clipprobe's own
                # edit column, with its spaces and articles, would name the source)
                shown = it["edit"] if op == "replace_obj" else word_edit(it["caption"], it["negative"])
                f.write(f"{op}\t{it['anon']}\t{shown}\t{it['caption']}\t{it['negative']}\n")
    with open(os.path.join(out, "map.json"), "w", encoding="utf-8") as f:
        json.dump(items, f, indent=0)


def reads(out):
    """map.json's items by random id, and each read's label rows (split columns, header and
    blank lines left out), in read order."""
    with open(os.path.join(out, "map.json"), encoding="utf-8") as f:
        items = {it["anon"]: it for it in json.load(f)}
    rows = []
    for path in sorted(glob.glob(os.path.join(out, "*", "labels.tsv"))):
        with open(path, encoding="utf-8") as f:
            rows.append([line.rstrip("\n").split("\t") for line in list(f)[1:] if line.strip()])
    return items, rows


def score(args):
    items, labelled_reads = reads(args[0])
    counts = collections.defaultdict(collections.Counter)
    for rows in labelled_reads:
        for cols in rows:
            if len(cols) > 3 and cols[1] in items:
                counts[items[cols[1]]["src"]][cols[3]] += 1
    for s, c in sorted(counts.items()):
        total = sum(c.values())
        print(f"{s:11s} valid {c['valid']}/{total} = {c['valid'] / total:.1%}  {dict(c)}")


def unblind(args):
    out, prefix = args
    items, labelled_reads = reads(out)
    for letter, rows in zip("abcdefghijklmnopqrstuvwxyz", labelled_reads):
        with open(f"{prefix}{letter}-blind.tsv", "w", encoding="utf-8") as f:
            f.write("op\tannotation_id\tedit\tlabel\tnote\tsource\n")
            for cols in rows:
                it = items[cols[1]]
                key = it["key"] if it["src"] == "clipprobe" else f"sugarcrepe:{it['key']}"
                note = cols[4] if len(cols) > 4 else ""
                f.write(f"{cols[0]}\t{key}\t{it['edit']}\t{cols[3]}\t{note}\t{it['src']}\n")


if __name__ == "__main__":
    {"mix": mix, "score": score, "unblind": unblind}[sys.argv[1]](sys.argv[2:])

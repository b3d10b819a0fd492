"""Blind reads of swap_att's count swaps (issue 7, round 26), mixed with SugarCrepe's own.

clipprobe's rows: the swap_att rows of edit category `count` of each NEG.jsonl (named SET=FILE;
rows of the set `dev` whose caption is a held-out caption are left out, so each caption counts
once), minus rows whose (caption, negative) an earlier KEY file names. SugarCrepe's rows: the
entries KEYS of its `data/swap_ent.json` (RAIVNLab/sugar-crepe; not committed), which exchange
counts as clipprobe's do. The rows are shuffled with random.Random(SEED) and split into READS
samples of `row  caption  negative`; `key.tsv` keeps each row's source, id and edit. Readers get
`handread/RULE.md` and one sample each, and are not told there are two sources. Captions are
COCO captions: samples and key are for reading, never committed; `labels` writes the committed
form (`op, annotation_id, edit, label, note, source`) from a reader's labels.

Round 26: `mix`, seed 2601, 4 reads, SugarCrepe keys 1,5,7,8,24,32,38,39,47,93,95,98,111,123,
129,132,150,155,167,182,183,190 (key 85 left out: its caption and negative are a held-out
caption's and clipprobe's own row); then, on the final generator with `--per-caption 10`,
seed 2611, 1 read, the rows no earlier key names and 10 of those SugarCrepe rows again.

Usage:
  python3 count_read.py mix SWAP_ENT.json KEYS SEED READS OUTDIR HELDOUT.jsonl SET=NEG.jsonl... [--seen KEY.tsv]... [--sugarcrepe-sample N]
  python3 count_read.py labels OUTDIR/key.tsv LABELS.tsv [OP] > labels-roundNN?-blind.tsv
OP (default swap_att) names clipprobe's rows in the committed labels. Round 26's swap_obj read
(labels f, g) mixed every swap_obj row of the final generator on the held-out and unseen files
and the dev rows new that round with 12 of SugarCrepe's swap-object negatives (keys 2, 6, 25,
28, 30, 37, 56, 67, 83, 101, 113, 127), seed 2621, 2 reads, by the same procedure.
"""
import json
import random
import sys


def edit(r):
    return " | ".join(f"{c['before']}->{c['after']}" for e in r["edits"] for c in e["changes"])


def count_rows(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            if r["op"] == "swap_att" and r["edits"][0]["category"] == "count":
                yield r


def mix(args):
    seen_files = [args[i + 1] for i, a in enumerate(args) if a == "--seen"]
    n_sc = None
    if "--sugarcrepe-sample" in args:
        n_sc = int(args[args.index("--sugarcrepe-sample") + 1])
    args = [a for i, a in enumerate(args) if a not in ("--seen", "--sugarcrepe-sample")
            and (i == 0 or args[i - 1] not in ("--seen", "--sugarcrepe-sample"))]
    swap_ent, keys, seed, reads, outdir, heldout = args[:6]
    sets = [a.split("=", 1) for a in args[6:]]
    seed, reads = int(seed), int(reads)
    with open(heldout, encoding="utf-8") as f:
        held = {" ".join(json.loads(l)["caption"].split()) for l in f}
    seen = set()
    for path in seen_files:
        with open(path, encoding="utf-8") as f:
            for line in f:
                c = line.rstrip("\n").split("\t")
                seen.add((c[4].strip(), c[5].strip()))
    rows, made = [], set()
    for name, path in sets:
        for r in count_rows(path):
            pair = (r["caption"].strip(), r["negative"].strip())
            if pair in seen or pair in made:
                continue
            if name == "dev" and " ".join(r["caption"].split()) in held:
                continue
            made.add(pair)
            rows.append((name, r["id"].split("/")[0], edit(r), r["caption"], r["negative"]))
    with open(swap_ent, encoding="utf-8") as f:
        data = json.load(f)
    sc = [(k, data[k]["caption"].strip(), data[k]["negative_caption"].strip())
          for k in keys.split(",")]
    rnd = random.Random(seed)
    if n_sc is not None:
        sc = rnd.sample(sc, n_sc)
    rows += [("sugarcrepe", "swap_ent:" + k, "", c, n) for k, c, n in sc]
    rnd.shuffle(rows)
    per = -(-len(rows) // reads)
    with open(f"{outdir}/key.tsv", "w", encoding="utf-8") as key:
        for i, r in enumerate(rows):
            key.write("\t".join((f"r{i + 1:03d}",) + r) + "\n")
    for k in range(reads):
        with open(f"{outdir}/sample{k + 1}.tsv", "w", encoding="utf-8") as f:
            f.write("row\tcaption\tnegative\n")
            for i in range(k * per, min(len(rows), (k + 1) * per)):
                f.write(f"r{i + 1:03d}\t{rows[i][3]}\t{rows[i][4]}\n")
    print(len(rows), "rows", file=sys.stderr)


def labels(key_path, labels_path, op="swap_att"):
    with open(key_path, encoding="utf-8") as f:
        key = {c[0]: c for c in (line.rstrip("\n").split("\t") for line in f)}
    print("op\tannotation_id\tedit\tlabel\tnote\tsource")
    with open(labels_path, encoding="utf-8") as f:
        next(f)
        for line in f:
            c = line.rstrip("\n").split("\t")
            note = c[2] if len(c) > 2 else ""
            _, src, aid, ed, _, _ = key[c[0]]
            if src == "sugarcrepe":
                print(f"swap_obj\tsugarcrepe_{aid}\t\t{c[1]}\t{note}\tsugarcrepe")
            else:
                print(f"{op}\t{aid}\t{ed}\t{c[1]}\t{note}\tclipprobe-{src}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["mix"]:
        mix(sys.argv[2:])
    elif sys.argv[1:2] == ["labels"]:
        labels(*sys.argv[2:5])
    else:
        sys.exit(__doc__)

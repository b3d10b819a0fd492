"""Token positions of the previous text batching, for docs/performance.md "Prefix sharing".

A line-by-line port of the one-level, padded prefix sharing that the token trie replaced
(`text_order` / `batch_plan` / `prefix_groups` in crates/clip/src/model.rs at 97b01a6), batches
of 64, ViT-B/32's first-EOS pooling (49407). It reproduces the counts published for that code
(run.sh's 494 captions: 4,772 tokens, 4,950 padded, 3,220 with sharing, 1,822 distinct).

usage: prefix_positions_97b01a6.py IDS.json...   (ids as `text_positions ... IDS_OUT.json` writes)
Prints per file: texts, real tokens, padded by length, the old sharing's positions, distinct
prefixes (each text cut after its pooled token).
"""
import json, sys
EOS = 49407  # ViT-B/32: first-EOS pooling
def pooled_at(s):
    return s.index(EOS) if EOS in s else len(s)
def prefix_groups(seqs, pooled):
    groups = []
    if not seqs: return groups
    start, p = 0, pooled[0]
    def group(rows, p): return (rows, p if len(rows) > 1 else 0)
    for r in range(1, len(seqs)):
        common = 0
        for a, b in zip(seqs[r-1], seqs[r]):
            if a != b: break
            common += 1
        joined = min(p, common, pooled[r])
        if joined >= 4 and joined >= (p - joined) * (r - start):
            p = joined
        else:
            groups.append(group(range(start, r), p)); start, p = r, pooled[r]
    groups.append(group(range(start, len(seqs)), p))
    return groups
def positions(seqs, groups):
    prefixes = sum(1 for _, p in groups if p > 0)
    width = max([p for _, p in groups], default=0)
    ln = max([len(seqs[r]) - p for rows, p in groups for r in rows], default=0)
    return prefixes * width + len(seqs) * ln
def batch_plan(seqs, pooled):
    shared = prefix_groups(seqs, pooled)
    plain = [(range(0, len(seqs)), 0)]
    a, b = positions(seqs, shared), positions(seqs, plain)
    return (shared, a) if a < b else (plain, b)
def text_order(ids, bs):
    by_length = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    lex = sorted(range(len(ids)), key=lambda i: ids[i])
    srt = [ids[i] for i in lex]
    pooled = [pooled_at(s) for s in srt]
    groups = prefix_groups(srt, pooled)
    groups.sort(key=lambda g: max(len(srt[r]) - g[1] for r in g[0]))
    by_prefix = [lex[r] for rows, _ in groups for r in rows]
    def pos(order):
        tot = 0
        for c in range(0, len(order), bs):
            chunk = [ids[i] for i in order[c:c+bs]]
            tot += batch_plan(chunk, [pooled_at(s) for s in chunk])[1]
        return tot
    a, b = pos(by_prefix), pos(by_length)
    return (by_prefix, a) if a < b else (by_length, b)
def distinct(ids):
    pre = set()
    for s in ids:
        cut = s[:pooled_at(s) + 1]
        for j in range(1, len(cut) + 1): pre.add(tuple(cut[:j]))
    return len(pre)
for f in sys.argv[1:]:
    ids = json.load(open(f))
    real = sum(len(s) for s in ids)
    padded = sum(len(c) * max(len(s) for s in c) for c in (sorted(ids, key=len)[i:i+64] for i in range(0, len(ids), 64)))
    _, old = text_order(ids, 64)
    print(f, len(ids), "real", real, "padded-by-length", padded, "old-sharing", old, "distinct", distinct(ids))

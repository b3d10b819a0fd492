"""Text-only detectability of clipprobe negatives (issue 7): can a model without the image tell
the caption from its negative?

Two independent detectors, 5 folds grouped by caption (a caption's rows are all in one fold):
 (a) logistic regression on the difference of TF-IDF word 1-2-gram vectors of the two texts of a
     pair shown in random order (seeded), trained on the other folds' pairs;
 (b) an interpolated Kneser-Ney trigram LM (discount 0.75) trained on the true captions of the
     other folds; it picks the text with the higher mean log-probability per token (ties 0.5).
Accuracy per op; 0.5 = not detectable. SugarCrepe's figures (same detectors, its own negatives
on its own captions, issue 7) are printed beside them.

Usage: python detect.py NEG.jsonl [SEED [SUBSET.jsonl]]   (needs scikit-learn; depth-1 rows, one per
caption and op)
Round 27: with SUBSET.jsonl (rows of NEG.jsonl, e.g. the rows a change adds), (b) is also printed
for those rows alone, from the same folds and models as the whole file's (a detector run on the
subset alone would train its LM on the subset's few captions).
"""
import collections
import json
import math
import random
import re
import sys

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

SUGARCREPE = {  # (a) n-gram classifier, (b) trigram LM per token
    "replace_obj": (0.77, 0.71), "replace_att": (0.69, 0.69), "replace_rel": (0.82, 0.73),
    "swap_obj": (0.56, 0.65), "swap_att": (0.62, 0.71), "add_obj": (None, 0.73),
    "add_att": (None, 0.96),
}
WORD = re.compile(r"[a-z0-9]+(?:['-][a-z0-9]+)*")


def words(t):
    return WORD.findall(t.lower())


class KneserNey:
    """Interpolated Kneser-Ney trigram model over words with <s> <s> ... </s>."""

    D = 0.75

    def __init__(self, texts):
        self.c3, self.c2ctx = collections.Counter(), collections.Counter()
        self.f2 = collections.defaultdict(set)  # (u,v) -> followers
        self.cont2 = collections.defaultdict(set)  # (v,w): distinct u before
        self.cont1 = collections.defaultdict(set)  # w: distinct v before
        for t in texts:
            s = ["<s>", "<s>"] + words(t) + ["</s>"]
            for u, v, w in zip(s, s[1:], s[2:]):
                self.c3[(u, v, w)] += 1
                self.c2ctx[(u, v)] += 1
                self.f2[(u, v)].add(w)
                self.cont2[(v, w)].add(u)
                self.cont1[w].add(v)
        self.n_cont2 = collections.Counter({k: len(v) for k, v in self.cont2.items()})
        self.ctx1 = collections.Counter()  # sum over w of N1+(. v w)
        self.f1 = collections.defaultdict(set)
        for (v, w), n in self.n_cont2.items():
            self.ctx1[v] += n
            self.f1[v].add(w)
        self.n_cont1 = {w: len(v) for w, v in self.cont1.items()}
        self.total1 = sum(self.n_cont1.values())
        self.vocab = len(self.n_cont1) + 1

    def p1(self, w):
        return (self.n_cont1.get(w, 0) + 1) / (self.total1 + self.vocab)

    def p2(self, v, w):
        c = self.ctx1.get(v, 0)
        if c == 0:
            return self.p1(w)
        return max(self.n_cont2.get((v, w), 0) - self.D, 0) / c + self.D * len(self.f1[v]) / c * self.p1(w)

    def p3(self, u, v, w):
        c = self.c2ctx.get((u, v), 0)
        if c == 0:
            return self.p2(v, w)
        return max(self.c3.get((u, v, w), 0) - self.D, 0) / c + self.D * len(self.f2[(u, v)]) / c * self.p2(v, w)

    def score(self, t):
        s = ["<s>", "<s>"] + words(t) + ["</s>"]
        lp = [math.log(self.p3(u, v, w)) for u, v, w in zip(s, s[1:], s[2:])]
        return sum(lp) / len(lp)


def main():
    path = sys.argv[1]
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    rows = [json.loads(l) for l in open(path, encoding="utf-8") if l.strip()]
    caps = sorted({r["caption"] for r in rows})
    rng = random.Random(seed)
    rng.shuffle(caps)
    fold_of = {c: i % 5 for i, c in enumerate(caps)}
    flip = [rng.random() < 0.5 for _ in rows]
    ops = sorted({r["op"] for r in rows}, key=list(SUGARCREPE).index)
    hits_a, hits_b = collections.defaultdict(list), collections.defaultdict(list)
    subset = set()
    if len(sys.argv) > 3:
        with open(sys.argv[3], encoding="utf-8") as f:
            subset = {(r["caption"], r["negative"]) for r in map(json.loads, filter(str.strip, f))}
    hits_sub = collections.defaultdict(list)
    for k in range(5):
        train = [i for i, r in enumerate(rows) if fold_of[r["caption"]] != k]
        test = [i for i, r in enumerate(rows) if fold_of[r["caption"]] == k]
        lm = KneserNey({rows[i]["caption"] for i in train})
        for i in test:
            a, b = lm.score(rows[i]["caption"]), lm.score(rows[i]["negative"])
            hits_b[rows[i]["op"]].append(1.0 if a > b else 0.5 if a == b else 0.0)
            if (rows[i]["caption"], rows[i]["negative"]) in subset:
                hits_sub[rows[i]["op"]].append(hits_b[rows[i]["op"]][-1])
        for op in ops:
            tr = [i for i in train if rows[i]["op"] == op]
            te = [i for i in test if rows[i]["op"] == op]
            if len(tr) < 10 or not te:
                continue
            vec = TfidfVectorizer(ngram_range=(1, 2), token_pattern=WORD.pattern, lowercase=True)
            vec.fit([rows[i]["caption"] for i in tr] + [rows[i]["negative"] for i in tr])

            def xy(idx):
                first = [rows[i]["negative"] if flip[i] else rows[i]["caption"] for i in idx]
                second = [rows[i]["caption"] if flip[i] else rows[i]["negative"] for i in idx]
                x = vec.transform(first) - vec.transform(second)
                y = np.array([0 if flip[i] else 1 for i in idx])
                return x, y

            xtr, ytr = xy(tr)
            if len(set(ytr)) < 2:
                continue
            clf = LogisticRegression(max_iter=2000, C=1.0).fit(xtr, ytr)
            xte, yte = xy(te)
            hits_a[op].extend((clf.predict(xte) == yte).astype(float).tolist())
    print(f"{'op':<12} {'pairs':>6} {'(a) n-gram clf':>15} {'SugarCrepe':>11} {'(b) trigram LM':>15} {'SugarCrepe':>11}")
    for op in ops:
        a = np.mean(hits_a[op]) if hits_a[op] else float("nan")
        b = np.mean(hits_b[op])
        sa, sb = SUGARCREPE[op]
        sa = f"{sa:.2f}" if sa is not None else "-"
        print(f"{op:<12} {len(hits_b[op]):>6} {a:>15.3f} {sa:>11} {b:>15.3f} {sb:>11.2f}")
    for op in ops:
        if hits_sub[op]:
            print(f"subset {op:<12} {len(hits_sub[op]):>6} (b) {np.mean(hits_sub[op]):.3f}")


if __name__ == "__main__":
    main()

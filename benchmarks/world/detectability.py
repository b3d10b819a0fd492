#!/usr/bin/env python3
"""Text-only detectability of the synthetic world's negatives (measurement script, not a test).

Can a model that never sees the image tell the true caption from its negative? Two blind
baselines, each cross-validated with folds grouped by caption (rows of one scene share the
caption, so a scene never sits on both sides of a split):

1. pair classifier: word 1-3-gram TF-IDF of both texts, fitted on the training folds' texts;
   the feature is tfidf(first) - tfidf(second) of a randomly ordered pair, the label says
   whether the first text is the true caption; logistic regression (scikit-learn).
2. n-gram LM: a word trigram LM (interpolated with bigrams and unigrams, add-0.1 smoothing)
   trained on the training folds' true captions; it picks the text with the higher
   log-probability (ties count one half).

Chance is 50%. Usage (Python 3 with numpy and scikit-learn from PyPI):

    clipprobe world --out /tmp/w --n 3000 --seed 0
    python3 benchmarks/world/detectability.py /tmp/w/bench.jsonl
"""

import argparse
import collections
import json
import math
import random

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold


def pair_classifier(rows, train, test, rng):
    vec = TfidfVectorizer(ngram_range=(1, 3), token_pattern=r"[a-z]+")
    vec.fit([t for i in train for t in (rows[i]["caption"], rows[i]["negative"])])

    def xy(ix):
        flips = np.array([rng.random() < 0.5 for _ in ix])
        cap = vec.transform([rows[i]["caption"] for i in ix])
        neg = vec.transform([rows[i]["negative"] for i in ix])
        diff = (cap - neg).toarray()
        diff[flips] *= -1  # flipped: the negative comes first
        return diff, (~flips).astype(int)

    x, y = xy(train)
    clf = LogisticRegression(max_iter=2000, C=1.0).fit(x, y)
    xt, yt = xy(test)
    return float((clf.predict(xt) == yt).mean())


class TrigramLM:
    def __init__(self, texts, k=0.1):
        self.k = k
        self.c = [collections.Counter() for _ in range(4)]
        self.vocab = set()
        for t in texts:
            w = ["<s>", "<s>"] + t.split() + ["</s>"]
            self.vocab.update(w)
            for n in (1, 2, 3):
                for i in range(len(w) - n + 1):
                    self.c[n][tuple(w[i : i + n])] += 1
            self.c[0][()] += len(w)
        self.v = len(self.vocab) + 1

    def p(self, gram):
        k, v = self.k, self.v
        uni = (self.c[1][gram[-1:]] + k) / (self.c[0][()] + k * v)
        bi = (self.c[2][gram[-2:]] + k) / (self.c[1][gram[-2:-1]] + k * v)
        tri = (self.c[3][gram] + k) / (self.c[2][gram[:2]] + k * v)
        return 0.6 * tri + 0.3 * bi + 0.1 * uni

    def logprob(self, t):
        w = ["<s>", "<s>"] + t.split() + ["</s>"]
        return sum(math.log(self.p(tuple(w[i - 2 : i + 1]))) for i in range(2, len(w)))


def lm(rows, train, test):
    model = TrigramLM(sorted({rows[i]["caption"] for i in train}))
    score = 0.0
    for i in test:
        a, b = model.logprob(rows[i]["caption"]), model.logprob(rows[i]["negative"])
        score += 1.0 if a > b else 0.5 if a == b else 0.0
    return score / len(test)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("bench", help="bench.jsonl written by `clipprobe world`")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    rows = [json.loads(l) for l in open(a.bench) if l.strip()]
    by_op = collections.defaultdict(list)
    for r in rows:
        by_op[r["op"]].append(r)
    print(f"{'op':<12} {'rows':>6} {'pair clf':>14} {'trigram LM':>14}")
    for op in sorted(by_op):
        rs = by_op[op]
        groups = [r["caption"] for r in rs]
        rng = random.Random(a.seed)
        accs = collections.defaultdict(list)
        for train, test in GroupKFold(n_splits=a.folds).split(rs, groups=groups):
            accs["clf"].append(pair_classifier(rs, train, test, rng))
            accs["lm"].append(lm(rs, train, test))
        cell = lambda v: f"{100 * np.mean(v):5.1f} ± {100 * np.std(v):4.1f}"
        print(f"{op:<12} {len(rs):>6} {cell(accs['clf']):>14} {cell(accs['lm']):>14}")


if __name__ == "__main__":
    main()

"""Near-duplicate clustering of candidate claims, within and across documents.

Two texts are the same claim when their embeddings are close (cosine ≥ ``threshold``)
*and* a lexical guard agrees: they share enough content words, agree on negation and
carry the same numbers. Identical normalised texts always match. Matches are joined with
union-find, so a claim restated in three documents becomes one cluster.

Quotations are compared by what they say: a sentence that quotes at least four words is
also compared through its longest quotation, so "“Trump truly does want to end this
war,” a U.S. diplomat said." matches "Trump truly does want to end this war." The score of
a pair is the best of its full-text and quotation-only cosines.

Only pairs that involve at least one *anchor* (a candidate above the check-worthiness
cut) are tested: non-anchors are passengers that can join a candidate's cluster (another
appearance of the same claim) but never found a cluster of their own. Passengers are
pre-filtered by word overlap with some anchor, so they are cheap to carry.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from workbench.embedding import Embedder
from workbench.types import normalise_claim


def wordset(text: str) -> frozenset[str]:
    """A frozen set of the whitespace-separated words of ``text``."""
    return frozenset(text.split())


DEFAULT_THRESHOLD = 0.8
DEFAULT_MIN_OVERLAP = 0.35

_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
_QUOTE = re.compile(r"[“\"]([^”\"]+)[”\"]")
_NEGATION = re.compile(r"\b(?:not|no|never|none|nothing|neither|nor|cannot|without)\b|n['’]t\b")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
STOPWORDS = wordset(
    "a an the and or but of to in on at for from by with as is are was were be been being "
    "has have had do does did this that these those it its they them their he she his her "
    "we our us i you your which who whom whose what when where why how than then so such "
    "will would could should may might can must also very just only even into over about "
    "after before between while despite however yet still of course said says according "
    "there here all any some more most other another one"
)


def content_words(text: str) -> set[str]:
    """Lower-cased words minus stopwords, with a crude plural/possessive strip."""
    out = set()
    for word in _WORD.findall(text.lower().replace("’", "'")):
        word = word.split("'")[0]
        if word in STOPWORDS or len(word) < 2:
            continue
        if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        out.add(word)
    return out


def quotation(text: str) -> str | None:
    """The longest quotation of four words or more, if any."""
    quotes = [q.strip(" ,.") for q in _QUOTE.findall(text)]
    quotes = [q for q in quotes if len(q.split()) >= 4]
    return max(quotes, key=len) if quotes else None


def overlap(a: set[str], b: set[str]) -> float:
    """Overlap coefficient: shared words over the smaller set's size."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def compatible(a: str, b: str) -> bool:
    """The same polarity and the same numbers (when both carry numbers)."""
    if bool(_NEGATION.search(a.lower())) != bool(_NEGATION.search(b.lower())):
        return False
    na, nb = set(_NUMBER.findall(a)), set(_NUMBER.findall(b))
    return not (na and nb and na != nb)


@dataclass(frozen=True)
class Clustering:
    """Clusters as lists of item indices (each sorted), and each cluster's similarity links."""

    clusters: list[list[int]]
    links: list[tuple[int, int, float]]


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def cluster_texts(
    texts: Sequence[str],
    embedder: Embedder,
    *,
    anchors: Sequence[bool] | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    min_overlap: float = DEFAULT_MIN_OVERLAP,
    batch: int = 512,
) -> Clustering:
    """Cluster ``texts``; ``anchors`` marks the candidates (default: all of them).

    Returns only clusters holding an anchor; passengers that match no anchor are left out.
    """
    n = len(texts)
    is_anchor = [True] * n if anchors is None else list(anchors)
    if n == 0:
        return Clustering([], [])
    words = [content_words(t) for t in texts]
    keys = [normalise_claim(t).casefold().rstrip(".!? ") for t in texts]

    # Passengers ride only if they share enough words with some anchor. Words that most
    # anchors share ("russia" in a corpus about Russia) say nothing and are skipped.
    index: dict[str, list[int]] = {}
    for i, ws in enumerate(words):
        if is_anchor[i]:
            for w in ws:
                index.setdefault(w, []).append(i)
    common = max(50, sum(is_anchor) // 20)
    keep = []
    for i in range(n):
        if is_anchor[i]:
            keep.append(i)
            continue
        shared: dict[int, int] = {}
        for w in words[i]:
            posting = index.get(w, ())
            if len(posting) > common:
                continue
            for j in posting:
                shared[j] = shared.get(j, 0) + 1
        if any(
            c / max(1, min(len(words[i]), len(words[j]))) >= min_overlap for j, c in shared.items()
        ):
            keep.append(i)

    quotes = [quotation(texts[i]) for i in keep]
    full = embedder.embed([texts[i] for i in keep])
    quoted_rows = [k for k, q in enumerate(quotes) if q]
    qvec = embedder.embed([quotes[k] or "" for k in quoted_rows])
    views = np.array(full, copy=True)  # the quotation's vector where there is one
    for row, k in enumerate(quoted_rows):
        views[k] = qvec[row]

    uf = _UnionFind(n)
    links: list[tuple[int, int, float]] = []
    anchor_rows = [k for k, i in enumerate(keep) if is_anchor[i]]
    for start in range(0, len(anchor_rows), batch):
        rows = anchor_rows[start : start + batch]
        sims = full[rows] @ full.T
        np.maximum(sims, views[rows] @ views.T, out=sims)
        np.maximum(sims, full[rows] @ views.T, out=sims)
        np.maximum(sims, views[rows] @ full.T, out=sims)
        for r, k in enumerate(rows):
            for hit in np.nonzero(sims[r] >= threshold - 1e-6)[0]:
                m = int(hit)
                if m == k or (is_anchor[keep[m]] and m < k):
                    continue  # anchor pairs are tested once
                i, j = keep[k], keep[m]
                same = keys[i] == keys[j]
                if not same and not (
                    overlap(words[i], words[j]) >= min_overlap and compatible(texts[i], texts[j])
                ):
                    continue
                uf.union(i, j)
                links.append((min(i, j), max(i, j), float(sims[r, m])))
    # Identical texts always match, even where a model scores them oddly.
    first: dict[str, int] = {}
    for i in keep:
        if keys[i] in first:
            uf.union(first[keys[i]], i)
        else:
            first[keys[i]] = i

    groups: dict[int, list[int]] = {}
    for i in keep:
        groups.setdefault(uf.find(i), []).append(i)
    clusters = [sorted(g) for g in groups.values() if any(is_anchor[i] for i in g)]
    clusters.sort(key=lambda g: g[0])
    return Clustering(clusters, links)


def representative(
    members: Sequence[int], scores: Sequence[float], eligible: Sequence[bool] | None = None
) -> int:
    """The member that stands for the cluster: the most check-worthy eligible one, earliest on ties.

    ``eligible`` excludes members that may not represent (repeated copies, passengers).
    """
    pool = [i for i in members if eligible is None or eligible[i]] or list(members)
    return min(pool, key=lambda i: (-round(scores[i], 6), i))

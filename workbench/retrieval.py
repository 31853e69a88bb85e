"""Hybrid retrieval: dense (Chroma) and lexical (BM25) rankings fused by reciprocal rank.

Copied text is grouped: passages that share a run of eight or more words (seed 000 copies
seed 001 under other attributions) count as one source, the best-ranked standing for
the group and the others listed as its duplicates. A claim's own appearances can be
excluded, so a claim extracted from a passage is not its own evidence.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from workbench.store import Store
from workbench.types import Appearance, Passage

RRF_K = 60
_WORD = re.compile(r"\w+", re.UNICODE)
COPY_RUN = 8  # words in a row shared by two passages → copied text


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float  # fused RRF score (higher is better)
    dense: float | None = None  # cosine similarity, if dense retrieval found it
    lexical: float | None = None  # BM25 score, if lexical retrieval found it
    duplicates: tuple[Passage, ...] = ()

    @property
    def relevance(self) -> float:
        """A 0–1 relevance for display and ranking ties: the cosine, else a BM25-based guess."""
        if self.dense is not None:
            return max(0.0, min(1.0, self.dense))
        return 0.0


def _tokenize(texts: Sequence[str]) -> Any:
    import bm25s
    import Stemmer

    return (
        bm25s.tokenize(
            list(texts), stopwords="en", stemmer=_stemmer(), show_progress=False, return_ids=False
        )
        if Stemmer
        else None
    )


_STEMMER: Any = None


def _stemmer() -> Any:
    global _STEMMER
    if _STEMMER is None:
        import Stemmer

        _STEMMER = Stemmer.Stemmer("english")
    return _STEMMER


class _BM25Index:
    def __init__(self, passages: list[Passage]) -> None:
        import bm25s

        self.ids = [p.id for p in passages]
        self.model = bm25s.BM25()
        if passages:
            tokens = bm25s.tokenize(
                [p.text for p in passages], stopwords="en", stemmer=_stemmer(), show_progress=False
            )
            self.model.index(tokens, show_progress=False)

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        if not self.ids:
            return []
        tokens = _tokenize([query])[0]
        if not tokens:
            return []
        scores = self.model.get_scores(tokens)
        k = min(k, len(self.ids))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [(self.ids[int(i)], float(scores[i])) for i in top if scores[i] > 0]


_INDEXES: dict[tuple[str, str], _BM25Index] = {}
_INDEX_LOCK = threading.Lock()


def bm25_index(store: Store) -> _BM25Index:
    """The BM25 index over the store's passages, rebuilt only when the passages change."""
    key = (str(store.path.resolve()), store.content_version())
    with _INDEX_LOCK:
        index = _INDEXES.get(key)
        if index is None:
            for old in [k for k in _INDEXES if k[0] == key[0]]:
                del _INDEXES[old]
            index = _INDEXES[key] = _BM25Index(store.passages())
        return index


def shingles(text: str, n: int = COPY_RUN) -> set[tuple[str, ...]]:
    words = [w.casefold() for w in _WORD.findall(text.replace("’", "'"))]
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def overlaps(passage: Passage, appearances: Sequence[Appearance]) -> bool:
    for a in appearances:
        same_doc = (a.doc_id is not None and a.doc_id == passage.doc_id) or (
            a.source in (passage.source, passage.source_name)
        )
        if same_doc and a.start < passage.end and passage.start < a.end:
            return True
    return False


@dataclass
class Retriever:
    """Hybrid search over one store.

    Example: ``Retriever(Store.open("store")).search("US voted against UN resolution", k=5)``.
    """

    store: Store
    candidates: int = 50  # per ranking, before fusion
    dense_weight: float = 1.0
    lexical_weight: float = 1.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def search(
        self,
        query: str,
        k: int = 10,
        *,
        exclude: Sequence[Appearance] = (),
        query_vector: np.ndarray | None = None,
    ) -> list[Hit]:
        pool = max(self.candidates, 3 * k)
        if query_vector is None:
            query_vector = self.store.embedder().embed([query])[0]
        dense = self.store.dense_search(query_vector, pool)
        lexical = bm25_index(self.store).search(query, pool)

        fused: dict[str, float] = {}
        dense_score: dict[str, float] = {}
        lex_score: dict[str, float] = {}
        passages: dict[str, Passage] = {}
        for rank, (p, sim) in enumerate(dense):
            fused[p.id] = fused.get(p.id, 0.0) + self.dense_weight / (RRF_K + rank + 1)
            dense_score[p.id] = sim
            passages[p.id] = p
        for rank, (pid, s) in enumerate(lexical):
            fused[pid] = fused.get(pid, 0.0) + self.lexical_weight / (RRF_K + rank + 1)
            lex_score[pid] = s
        missing = [pid for pid in fused if pid not in passages]
        passages.update(self.store.passages_by_id(missing))

        ranked = sorted((pid for pid in fused if pid in passages), key=lambda i: -fused[i])
        ranked = [pid for pid in ranked if not overlaps(passages[pid], exclude)]
        hits = [
            Hit(passages[pid], fused[pid], dense_score.get(pid), lex_score.get(pid))
            for pid in ranked
        ]
        return group_copies(hits, limit=k)


def group_copies(hits: list[Hit], limit: int | None = None) -> list[Hit]:
    """Fold passages that copy text from a better-ranked passage of another document into it.

    Stops once ``limit`` groups are formed (later hits could only join or trail them).
    """
    heads: list[Hit] = []
    dups: list[list[Passage]] = []
    owner: dict[tuple[str, ...], int] = {}  # shingle → group index
    for hit in hits:
        sh = shingles(hit.passage.text)
        group = next(
            (
                g
                for g in (owner.get(s) for s in sh)
                if g is not None and heads[g].passage.doc_id != hit.passage.doc_id
            ),
            None,
        )
        if group is None:
            if limit is not None and len(heads) >= limit:
                continue
            group = len(heads)
            heads.append(hit)
            dups.append([])
        else:
            dups[group].append(hit.passage)
        for s in sh:
            owner.setdefault(s, group)
    return [
        Hit(h.passage, h.score, h.dense, h.lexical, tuple(d))
        for h, d in zip(heads, dups, strict=True)
    ]

"""Passages: sentences (pysbd) packed into short spans with exact character offsets.

A passage is one to a few sentences of one kept paragraph, so that
``document.text[start:end] == passage.text`` always holds and a passage never spans
boilerplate or a dropped repeat. Short passages suit the stance judge, which was
trained on sentence pairs.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from workbench.types import Passage

MAX_SENTENCES = 2
MAX_CHARS = 360
MIN_CHARS = 60  # a shorter sentence is joined to its neighbour


@lru_cache(maxsize=1)
def _segmenter() -> Any:
    import re

    import pysbd

    # pysbd builds hundreds of regexes per call; Python's default cache of 512 compiled
    # patterns thrashes and recompiling is ~40% of its time. A larger cache fixes that.
    re._MAXCACHE = max(getattr(re, "_MAXCACHE", 512), 8192)  # type: ignore[attr-defined]

    return pysbd.Segmenter(language="en", clean=False, char_span=True)


def sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence (start, end) offsets within ``text[start:end]``, whitespace trimmed."""
    chunk = text[start:end]
    spans: list[tuple[int, int]] = []
    cursor = 0
    for sent in _segmenter().segment(chunk):
        raw = sent.sent
        # pysbd's spans are usually exact; re-anchor by search so they always are.
        pos = chunk.find(raw, cursor) if chunk[sent.start : sent.end] != raw else sent.start
        if pos < 0:
            pos = chunk.find(raw.strip(), cursor)
            raw = raw.strip()
            if pos < 0:
                continue
        s, e = pos, pos + len(raw)
        while s < e and chunk[s].isspace():
            s += 1
        while e > s and chunk[e - 1].isspace():
            e -= 1
        if e > s:
            spans.append((start + s, start + e))
        cursor = pos + len(raw)
    if not spans and chunk.strip():
        s = start + len(chunk) - len(chunk.lstrip())
        spans.append((s, start + len(chunk.rstrip())))
    return spans


def pack(sentences: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Greedily join consecutive sentences into passages of at most MAX_SENTENCES/MAX_CHARS."""
    out: list[tuple[int, int]] = []
    current: list[tuple[int, int]] = []
    for s, e in sentences:
        if current:
            length = e - current[0][0]
            first_short = current[-1][1] - current[0][0] < MIN_CHARS
            if (len(current) >= MAX_SENTENCES or length > MAX_CHARS) and not (
                first_short and length <= 2 * MAX_CHARS
            ):
                out.append((current[0][0], current[-1][1]))
                current = []
        current.append((s, e))
    if current:
        out.append((current[0][0], current[-1][1]))
    return out


def make_passages(
    doc_id: str,
    source: str,
    text: str,
    blocks: Sequence[tuple[int, int]],
    *,
    date: str | None = None,
    title: str | None = None,
) -> list[Passage]:
    passages: list[Passage] = []
    for block_start, block_end in blocks:
        for s, e in pack(sentence_spans(text, block_start, block_end)):
            index = len(passages)
            passages.append(
                Passage(
                    id=f"{doc_id}:{index:04d}",
                    doc_id=doc_id,
                    source=source,
                    start=s,
                    end=e,
                    text=text[s:e],
                    index=index,
                    date=date,
                    title=title,
                )
            )
    return passages

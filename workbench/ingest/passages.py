"""Passages: sentences (Bling Fire) packed into short spans with exact character offsets.

A passage is one to a few sentences of one kept paragraph, so that
``document.text[start:end] == passage.text`` always holds and a passage never spans
boilerplate or a dropped repeat. Short passages suit the stance judge, which was
trained on sentence pairs.
"""

from __future__ import annotations

from collections.abc import Sequence

from workbench.types import Passage

MAX_SENTENCES = 2
MAX_CHARS = 360
MIN_CHARS = 60  # a shorter sentence is joined to its neighbour


def sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence (start, end) offsets within ``text[start:end]``, whitespace trimmed.

    Bling Fire's sentence breaker (C++, called through ctypes, so it does not hold the
    GIL against the encoder) returns character offsets into the chunk; pysbd, used before,
    took ~10× longer and was the largest CPU cost of ingest besides the encoder.
    """
    import blingfire

    chunk = text[start:end]
    spans: list[tuple[int, int]] = []
    if chunk.strip():
        _, offsets = blingfire.text_to_sentences_and_offsets(chunk)
        for s, e in offsets:
            s, e = max(0, s), min(len(chunk), e)
            while s < e and chunk[s].isspace():
                s += 1
            while e > s and chunk[e - 1].isspace():
                e -= 1
            if e > s and (not spans or s >= spans[-1][1] - start):
                spans.append((start + s, start + e))
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
        start, end = current[0][0], current[-1][1]
        if out and end - start < MIN_CHARS and end - out[-1][0] <= 2 * MAX_CHARS:
            out[-1] = (out[-1][0], end)  # a short last sentence joins the passage before it
        else:
            out.append((start, end))
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

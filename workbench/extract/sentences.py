"""Sentences of a document with exact offsets, skipping the spans cleaning dropped.

pysbd decides the boundaries; offsets are recovered by searching each segment forward
from a cursor in the original text, so ``doc.text[s.start:s.end] == s.text`` always holds
(pysbd's own ``char_span`` can point at an earlier copy of a repeated sentence). Text is
split into lines first: a line break always ends a sentence, which keeps headlines,
bylines and view counters out of the next sentence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from workbench.types import Document


@dataclass(frozen=True)
class Sentence:
    """One sentence: ``text == document.text[start:end]`` (stripped of outer whitespace)."""

    doc_id: str
    source: str
    start: int
    end: int
    text: str
    index: int  # position among the document's kept sentences
    line: int  # index of the logical line it sits in
    repeated: bool = False  # inside a paragraph cleaning dropped as a repeat of an earlier one


@lru_cache(maxsize=1)
def _segmenter() -> Any:
    import pysbd

    # pysbd builds hundreds of regexes per call; Python's default cache of 512 compiled
    # patterns thrashes and recompiling is ~40% of its time. A larger cache fixes that.
    re._MAXCACHE = max(getattr(re, "_MAXCACHE", 512), 8192)  # type: ignore[attr-defined]
    return pysbd.Segmenter(language="en", clean=False, char_span=False)


_LINE = re.compile(r"[^\n]+")
# A line ending in an abbreviation ("U.S.", "Mr.") or followed by a lowercase line is a
# wrapped sentence, not a break.
_WRAPPED_END = re.compile(r"(?:\b(?:[A-Z]\.){1,3}|\b(?:Mr|Mrs|Ms|Dr|St|Gen|Sen|Rep|Prof)\.)\s*$")


def logical_lines(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each logical line: physical lines, re-joined where wrapped."""
    lines = [(m.start(), m.end()) for m in _LINE.finditer(text) if m.group().strip()]
    out: list[tuple[int, int]] = []
    for start, end in lines:
        if out:
            prev_start, prev_end = out[-1]
            adjacent = text[prev_end:start] == "\n"
            first = text[start:end].lstrip()[:1]
            if adjacent and (_WRAPPED_END.search(text[prev_start:prev_end]) or first.islower()):
                out[-1] = (prev_start, end)
                continue
        out.append((start, end))
    return out


def split_spans(text: str) -> list[tuple[int, int, int]]:
    """``(start, end, line)`` of each sentence; a line break ends a sentence unless wrapped."""
    out: list[tuple[int, int, int]] = []
    flat = text.replace("\n", " ")  # same offsets; pysbd treats a newline as a break
    for line_no, (line_start, line_end) in enumerate(logical_lines(text)):
        cursor = line_start
        for seg in _segmenter().segment(flat[line_start:line_end]):
            piece = seg.strip()
            if not piece:
                continue
            found = flat.find(piece, cursor, line_end)
            if found < 0:  # pysbd altered the text: keep the rest of the line as one piece
                piece = flat[cursor:line_end].strip()
                if not piece:
                    break
                found = flat.find(piece, cursor, line_end)
            out.append((found, found + len(piece), line_no))
            cursor = found + len(piece)
    return out


def dropped_spans(cleaning: Any) -> list[tuple[int, int, str]]:
    """Every ``(start, end, reason)`` span the cleaning record says was dropped.

    Tolerant of the record's shape: any mapping with integer ``start`` and ``end`` found
    anywhere inside it counts, with its ``reason`` ("boilerplate", "repeated",
    "metadata", …) or "" when it has none.
    """
    spans: list[tuple[int, int, str]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            s, e = node.get("start"), node.get("end")
            if isinstance(s, int) and isinstance(e, int) and e > s:
                spans.append((s, e, str(node.get("reason") or "")))
            for key, value in node.items():
                if key not in ("start", "end"):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(cleaning)
    return sorted(spans)


def _clip(
    text: str, start: int, end: int, spans: Sequence[tuple[int, int, str]]
) -> tuple[int, int]:
    """Cut dropped spans off the sentence's ends ("date 2025-05-21 Every …" → "Every …")."""
    for s, e, _ in spans:
        if s <= start < e:
            start = e
        if s < end <= e:
            end = s
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _covered(start: int, end: int, spans: Sequence[tuple[int, int, str]]) -> str | None:
    """The reason of the dropped spans covering half or more of ``[start, end)``, else None."""
    covered, reason = 0, ""
    for s, e, why in spans:
        if e > start and s < end:
            covered += min(e, end) - max(s, start)
            reason = reason or why
    return reason if covered * 2 >= (end - start) else None


def document_sentences(
    doc: Document, cleaning: Any = None, *, repeats: bool = True, min_chars: int = 3
) -> list[Sentence]:
    """The document's sentences in order, minus those in spans cleaning dropped.

    Sentences in paragraphs dropped as *repeated* are kept with ``repeated=True`` when
    ``repeats`` is set: they are further appearances of a claim already in the document,
    never claims of their own.
    """
    dropped = dropped_spans(cleaning or {})
    skip = [span for span in dropped if span[2] != "repeated"]
    repeated = [span for span in dropped if span[2] == "repeated"]
    out: list[Sentence] = []
    for start, end, line in split_spans(doc.text):
        start, end = _clip(doc.text, start, end, skip)
        if end - start < min_chars or _covered(start, end, skip) is not None:
            continue
        again = _covered(start, end, repeated) is not None
        if again and not repeats:
            continue
        out.append(
            Sentence(doc.id, doc.source, start, end, doc.text[start:end], len(out), line, again)
        )
    return out


def store_sentences(store: Any, doc_ids: Iterable[str] | None = None) -> Iterator[Sentence]:
    """Sentences of every document in the store (or of ``doc_ids``), cleaning applied."""
    docs = store.documents()
    wanted = None if doc_ids is None else set(doc_ids)
    for doc in docs:
        if wanted is not None and doc.id not in wanted:
            continue
        yield from document_sentences(doc, store.cleaning(doc.id))

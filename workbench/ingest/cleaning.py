"""Cleaning a news document: find boilerplate lines and repeated paragraphs to leave out.

Nothing is deleted from the text: cleaning returns the spans to skip, so passage offsets
still refer to the original. A paragraph here is a line (news pages put one paragraph per
line, or separate them by blank lines).

- Boilerplate lines: "Also read", "Others are reading now", "Order … here", view counters,
  image credits, comment-section footers (also in another script at the end of a page),
  opinion disclaimers, and a ``date YYYY-MM-DD`` prefix (kept as metadata).
- Repeated paragraphs: a paragraph whose word 3-grams mostly repeat an earlier one (the
  later copy goes), or a short paragraph contained in a longer one (a standfirst repeating
  the lead: the shorter goes).
"""

from __future__ import annotations

import collections
import functools
import re
import unicodedata
from dataclasses import asdict, dataclass

from workbench.ingest.readers import leading_date

_BOILERPLATE = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^(also read|read more|read also|see also|related( articles?| stories| coverage)?|"
        r"others are reading now|recommended( for you)?|more from .{1,40}|advertisement|"
        r"sponsored( content)?|share( this( article| story)?)?|subscribe( now)?|sign up.{0,60}|"
        r"follow us.{0,60}|click here.{0,60}|top stories|trending( now)?|most read)\s*:?\s*$",
        r"^order\b.{1,120}\bhere\.?$",
        r"^(views?|reads?|visits?)\s*:?\s*\d[\d,.]*\s*$",
        r"^\d[\d,.]*\s*(views?|reads?|visits?|comments?|shares?)\s*$",
        r"^(photo|image|picture|credit|source)\s*:.{0,120}$",
        r"^.{0,80}(cc by(-sa)?( \d\.\d)?|via wikimedia commons|getty images|shutterstock|"
        r"\(ap photo|reuters/).{0,40}$",
        r"^\(?\s*the (opinions|views) expressed (here |in this article )?(are|is) (those|that) of.{0,200}$",
        r"^(comments?|leave a (comment|reply)|post a comment|no comments( yet)?\.?|"
        r"be the first to comment\.?|\d+ comments?|show comments|add a comment|"
        r"(your|user) comments?)\s*:?\s*$",
        r"^(copyright|©|all rights reserved).{0,120}$",
        r"^(tags?|topics?|filed under)\s*:.{0,200}$",
    )
]

_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Dropped:
    start: int
    end: int
    reason: str  # "boilerplate" | "repeated" | "metadata"
    text: str


@dataclass(frozen=True)
class Cleaning:
    """What to skip in a document; ``blocks`` are the kept (start, end) paragraph spans."""

    blocks: tuple[tuple[int, int], ...]
    dropped: tuple[Dropped, ...]

    def summary(self) -> dict[str, object]:
        lines = sum(1 for d in self.dropped if d.reason == "boilerplate")
        paragraphs = sum(1 for d in self.dropped if d.reason == "repeated")
        return {
            "boilerplate_lines": lines,
            "repeated_paragraphs": paragraphs,
            "dropped": [asdict(d) for d in self.dropped],
        }


def _lines(text: str, start: int = 0) -> list[tuple[int, int]]:
    """(start, end) of each non-blank line, stripped of surrounding whitespace."""
    spans = []
    for m in re.finditer(r"[^\n]+", text[start:]):
        s, e = m.start() + start, m.end() + start
        raw = text[s:e]
        lead = len(raw) - len(raw.lstrip())
        trail = len(raw) - len(raw.rstrip())
        if e - trail > s + lead:
            spans.append((s + lead, e - trail))
    return spans


@functools.lru_cache(maxsize=4096)
def _script_of(ch: str) -> str:
    return unicodedata.name(ch, "UNKNOWN").split(" ")[0] if ch.isalpha() else ""


def _script(text: str) -> str:
    """The dominant script of a text, by Unicode name prefix of its letters.

    Counts distinct characters first (in C), so a long article costs a few hundred name
    look-ups instead of one per character."""
    counts: dict[str, int] = {}
    for ch, n in collections.Counter(text).items():
        if name := _script_of(ch):
            counts[name] = counts.get(name, 0) + n
    return max(counts, key=counts.__getitem__) if counts else ""


def is_boilerplate(line: str) -> bool:
    line = line.strip().strip("*_#>").strip()
    return any(p.match(line) for p in _BOILERPLATE)


def _shingles(text: str, n: int = 3) -> set[tuple[str, ...]]:
    words = [w.casefold() for w in _WORD.findall(text.replace("’", "").replace("'", ""))]
    if len(words) < n:
        return {tuple(words)} if words else set()
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def clean(text: str, *, repeat_threshold: float = 0.85, min_words: int = 6) -> Cleaning:
    """Decide which lines of ``text`` to keep; see the module docstring for the rules."""
    dropped: list[Dropped] = []
    _, prefix = leading_date(text)
    if prefix:
        dropped.append(Dropped(0, prefix, "metadata", text[:prefix].strip()))
    lines = _lines(text, prefix)
    keep = [True] * len(lines)
    reasons = [""] * len(lines)

    for i, (s, e) in enumerate(lines):
        if is_boilerplate(text[s:e]):
            keep[i], reasons[i] = False, "boilerplate"

    # A footer in another script at the end of the page (comment widgets and the like).
    main_script = _script(text)
    for i in range(len(lines) - 1, -1, -1):
        s, e = lines[i]
        if not keep[i]:
            continue
        if len(text[s:e]) < 120 and main_script and _script(text[s:e]) not in ("", main_script):
            keep[i], reasons[i] = False, "boilerplate"
        else:
            break

    shingles = [_shingles(text[s:e]) for s, e in lines]
    sizes = [len(_WORD.findall(text[s:e])) for s, e in lines]
    for i in range(len(lines)):
        if not keep[i] or sizes[i] < min_words:
            continue
        for j in range(i):
            if not keep[j] or sizes[j] < min_words or not shingles[i] or not shingles[j]:
                continue
            inter = len(shingles[i] & shingles[j])
            smaller = min(len(shingles[i]), len(shingles[j]))
            union = len(shingles[i] | shingles[j])
            if inter / union >= repeat_threshold:
                keep[i], reasons[i] = False, "repeated"  # a later copy of paragraph j
                break
            if inter / smaller >= repeat_threshold:
                # One is contained in the other: drop the shorter (a standfirst, a teaser).
                shorter = i if len(shingles[i]) <= len(shingles[j]) else j
                keep[shorter], reasons[shorter] = False, "repeated"
                if shorter == i:
                    break

    for i, (s, e) in enumerate(lines):
        if not keep[i]:
            dropped.append(Dropped(s, e, reasons[i], text[s:e]))
    blocks = tuple(span for span, k in zip(lines, keep, strict=True) if k)
    return Cleaning(blocks=blocks, dropped=tuple(sorted(dropped, key=lambda d: d.start)))

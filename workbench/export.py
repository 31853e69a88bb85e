"""Export the verdict log as CSV, JSON Lines or schema.org ClaimReview, written atomically.

CSV cells that begin with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return get a
leading single quote, so a spreadsheet shows them as text instead of running them as a
formula (CSV injection). JSONL and ClaimReview carry the exact text.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, TextIO

from workbench.errors import InputError, UsageError
from workbench.verdict_log import Suggestion, VerdictEntry, VerdictLog

FORMATS = ("csv", "jsonl", "claimreview")
CSV_COLUMNS = (
    "claim_id",
    "claim",
    "verdict",
    "annotator",
    "decided_at",
    "note",
    "suggested_verdict",
    "suggested_confidence",
    "agrees_with_suggestion",
    "evidence_ids",
    "evidence_sources",
    "evidence_quotes",
    "suggestion_judge",
    "entry_id",
    "action",
    "retracts",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
RATING_NAMES = {
    "supported": "Supported",
    "refuted": "Refuted",
    "conflicting": "Conflicting evidence",
    "not_enough_info": "Not enough information",
}


def neutralise(cell: str) -> str:
    """Prefix a single quote to a cell a spreadsheet would read as a formula."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def export(
    log: VerdictLog,
    format: str = "csv",  # noqa: A002 - the CLI option's name
    out: str | Path | TextIO | None = None,
    *,
    history: bool = False,
    bom: bool = False,
    annotator: str | None = None,
) -> int:
    """Write decided claims (or with ``history`` every log entry) to ``out``; returns the count.

    ``out`` is a path (written to a temp file, then renamed: a failed export leaves no half
    file), a text stream, or None / ``"-"`` for standard output. ``bom`` starts the output
    with a UTF-8 byte-order mark so spreadsheet programs detect the encoding.
    Default rows are the current verdict of each decided claim (``annotator`` narrows it
    to one person's standing decisions).
    """
    if format not in FORMATS:
        raise UsageError(f"Unknown export format '{format}' — use one of: {', '.join(FORMATS)}")
    if history and format == "claimreview":
        raise UsageError(
            "ClaimReview describes current verdicts only; use --format csv or jsonl with --history"
        )
    rows = _rows(log, history=history, annotator=annotator)
    text = {"csv": _csv, "jsonl": _jsonl, "claimreview": _claimreview}[format](rows)
    if bom:
        text = "\ufeff" + text
    if out is None or (isinstance(out, str) and out == "-"):
        _write_stdout(text)
    elif isinstance(out, str | Path):
        with atomic_write(Path(out)) as fh:
            fh.write(text)
    else:
        out.write(text)
    return len(rows)


# -- rows ------------------------------------------------------------------------------------
def _rows(log: VerdictLog, *, history: bool, annotator: str | None) -> list[dict[str, Any]]:
    if history:
        entries = log.history(annotator=annotator)
    else:
        latest: dict[str, VerdictEntry] = {}
        for e in log.decisions(annotator=annotator):
            latest[e.claim_id] = e  # sorted by id: the latest standing decision wins
        entries = sorted(latest.values(), key=lambda e: e.id)
    claims = {c.id: c for c in log.claims("all")}
    shown = log.suggestions_by_id(e.suggestion_id for e in entries if e.suggestion_id)
    passages = log.store.passages_by_id({p for e in entries for p in e.evidence_ids})
    out = []
    for e in entries:
        claim = claims.get(e.claim_id)
        s = shown.get(e.suggestion_id) if e.suggestion_id else None
        out.append(
            {
                "entry": e,
                "claim": claim,
                "suggestion": s,
                "evidence": [_evidence(p, s, passages) for p in e.evidence_ids],
            }
        )
    return out


def _evidence(pid: str, s: Suggestion | None, passages: dict[str, Any]) -> dict[str, Any]:
    p = passages.get(pid)
    if p is not None:
        return {
            "passage_id": pid,
            "source": p.source,
            "start": p.start,
            "end": p.end,
            "text": p.text,
        }
    for e in s.evidence if s else ():
        if e.passage_id == pid:  # passage re-ingested away: keep what was shown
            return {
                "passage_id": pid,
                "source": e.source,
                "start": e.start,
                "end": e.end,
                "text": e.text,
            }
    return {"passage_id": pid, "source": None, "start": None, "end": None, "text": None}


def _agrees(row: dict[str, Any]) -> bool | None:
    e: VerdictEntry = row["entry"]
    s: Suggestion | None = row["suggestion"]
    if e.action != "decide" or s is None:
        return None
    return e.verdict == s.verdict


def _record(row: dict[str, Any]) -> dict[str, Any]:
    e: VerdictEntry = row["entry"]
    s: Suggestion | None = row["suggestion"]
    claim = row["claim"]
    return {
        "claim_id": e.claim_id,
        "claim": claim.text if claim else None,
        "verdict": None if e.verdict is None else e.verdict.value,
        "annotator": e.annotator,
        "decided_at": e.created_at,
        "note": e.note,
        "suggestion": None
        if s is None
        else {
            "id": s.id,
            "verdict": s.verdict.value,
            "confidence": s.confidence,
            "judge": s.judge,
        },
        "agrees_with_suggestion": _agrees(row),
        "evidence": row["evidence"],
        "appearances": []
        if claim is None
        else [
            {"source": a.source, "start": a.start, "end": a.end, "doc_id": a.doc_id}
            for a in claim.appearances
        ],
        "entry_id": e.id,
        "action": e.action,
        "retracts": e.retracts,
    }


# -- formats ---------------------------------------------------------------------------------
def _csv(rows: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        r = _record(row)
        s = r["suggestion"]
        agrees = r["agrees_with_suggestion"]
        ev = r["evidence"]
        cells = {
            **{
                k: r[k]
                for k in (
                    "claim_id",
                    "claim",
                    "verdict",
                    "annotator",
                    "decided_at",
                    "note",
                    "entry_id",
                    "action",
                    "retracts",
                )
            },
            "suggested_verdict": s and s["verdict"],
            "suggested_confidence": None if s is None else f"{s['confidence']:.3f}",
            "suggestion_judge": s and s["judge"],
            "agrees_with_suggestion": None if agrees is None else str(agrees).lower(),
            # one line per cited passage, in the same order in all three columns
            "evidence_ids": "\n".join(x["passage_id"] for x in ev),
            "evidence_sources": "\n".join(x["source"] or "" for x in ev),
            "evidence_quotes": "\n".join(" ".join((x["text"] or "").split()) for x in ev),
        }
        writer.writerow(
            [neutralise("" if cells[c] is None else str(cells[c])) for c in CSV_COLUMNS]
        )
    return buf.getvalue()


def _jsonl(rows: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(_record(r), ensure_ascii=False) + "\n" for r in rows)


def _claimreview(rows: list[dict[str, Any]]) -> str:
    reviews = []
    for row in rows:
        r = _record(row)
        review: dict[str, Any] = {
            "@context": "https://schema.org",
            "@type": "ClaimReview",
            "identifier": r["claim_id"],
            "claimReviewed": r["claim"],
            "datePublished": (r["decided_at"] or "")[:10],
            "author": {"@type": "Person", "name": r["annotator"]},
            "reviewRating": {
                "@type": "Rating",
                "alternateName": RATING_NAMES.get(r["verdict"], r["verdict"]),
            },
            "itemReviewed": {
                "@type": "Claim",
                "appearance": [
                    {
                        "@type": "CreativeWork",
                        "name": a["source"],
                        "identifier": f"{a['source']}#{a['start']}-{a['end']}",
                    }
                    for a in r["appearances"]
                ],
            },
        }
        if r["note"]:
            review["reviewBody"] = r["note"]
        if r["evidence"]:
            review["citation"] = [
                {
                    "@type": "CreativeWork",
                    "name": x["source"],
                    "identifier": x["passage_id"],
                    "text": x["text"],
                }
                for x in r["evidence"]
            ]
        reviews.append(review)
    return json.dumps(reviews, ensure_ascii=False, indent=2) + "\n"


def _write_stdout(text: str) -> None:
    """UTF-8 bytes to standard output whatever the locale (a C locale would choke on CJK)."""
    import sys

    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # a replaced stdout (tests, notebooks) takes text
        sys.stdout.write(text)
    else:
        sys.stdout.flush()
        buffer.write(text.encode("utf-8"))
        buffer.flush()


# -- atomic write ----------------------------------------------------------------------------
@contextmanager
def atomic_write(path: Path) -> Iterator[TextIO]:
    """Write a text file via a temp file in the same folder, renamed into place on success."""
    path = path.expanduser()
    if path.is_dir():
        raise InputError(f"{path} is a folder; pass a file name to --out")
    folder = path.parent
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise InputError(
            f"Cannot write {path} ({exc.strerror or exc}); check that {folder} exists and is "
            "writable, or choose another --out"
        ) from exc
    try:
        with open(fd, "w", encoding="utf-8", newline="") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException as exc:
        with suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise InputError(
                f"Cannot write {path} ({exc.strerror or exc}); choose another --out"
            ) from exc
        raise

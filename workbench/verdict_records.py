"""Records read from the verdict log: suggestions, verdict entries, claims with their status.

Small frozen dataclasses plus the converters from SQLite rows; ``verdict_log`` writes, these
describe what it holds.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass
from typing import Any, Literal

from workbench.types import Appearance, ClaimOrigin, VerdictLabel


@dataclass(frozen=True)
class SuggestedEvidence:
    """One passage the machine showed with its suggestion."""

    passage_id: str
    source: str
    start: int
    end: int
    stance: str
    score: float | None
    text: str


@dataclass(frozen=True)
class Suggestion:
    """The machine's suggested verdict for a claim, as shown to the annotator."""

    id: int
    claim_id: str
    verdict: VerdictLabel
    confidence: float
    judge: str
    evidence: tuple[SuggestedEvidence, ...]
    created_at: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {
            "verdict": self.verdict.value,
            "evidence": [asdict(e) for e in self.evidence],
        }


@dataclass(frozen=True)
class VerdictEntry:
    """One line of the log: a decision, or the retraction of an earlier one (``retracts``)."""

    id: int
    claim_id: str
    action: Literal["decide", "retract"]
    verdict: VerdictLabel | None
    annotator: str
    note: str | None
    evidence_ids: tuple[str, ...]
    suggestion_id: int | None
    retracts: int | None
    created_at: str

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["verdict"] = None if self.verdict is None else self.verdict.value
        out["evidence_ids"] = list(self.evidence_ids)
        return out


@dataclass(frozen=True)
class ClaimRecord:
    """A claim with its latest suggestion and its current verdict (``status`` says which)."""

    id: str
    text: str
    origin: ClaimOrigin
    status: Literal["pending", "decided"]
    suggestion: Suggestion | None
    verdict: VerdictLabel | None
    note: str | None
    annotator: str | None
    decided_at: str | None
    appearances: tuple[Appearance, ...]
    score: float | None
    created_at: str
    origin_file: str | None = None
    evidence_ids: tuple[str, ...] = ()
    entry_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text,
            "origin": self.origin.value,
            "status": self.status,
            "suggestion": None if self.suggestion is None else self.suggestion.as_dict(),
            "verdict": None if self.verdict is None else self.verdict.value,
            "note": self.note,
            "annotator": self.annotator,
            "decided_at": self.decided_at,
            "evidence_ids": list(self.evidence_ids),
            "entry_id": self.entry_id,
            "appearances": [
                {"source": a.source, "start": a.start, "end": a.end, "doc_id": a.doc_id}
                for a in self.appearances
            ],
            "score": self.score,
            "origin_file": self.origin_file,
            "created_at": self.created_at,
        }


def entry_from_row(r: sqlite3.Row) -> VerdictEntry:
    return VerdictEntry(
        id=int(r["id"]),
        claim_id=r["claim_id"],
        action=r["action"],
        verdict=None if r["verdict"] is None else VerdictLabel(r["verdict"]),
        annotator=r["annotator"],
        note=r["note"],
        evidence_ids=tuple(json.loads(r["evidence_ids"] or "[]")),
        suggestion_id=r["suggestion_id"],
        retracts=r["retracts"],
        created_at=r["created_at"],
    )


def suggestion_from_row(r: sqlite3.Row) -> Suggestion:
    evidence = tuple(
        SuggestedEvidence(
            passage_id=str(e.get("passage_id", "")),
            source=str(e.get("source", "")),
            start=int(e.get("start", 0)),
            end=int(e.get("end", 0)),
            stance=str(e.get("stance", "")),
            score=e.get("score"),
            text=str(e.get("text", "")),
        )
        for e in json.loads(r["evidence"] or "[]")
    )
    return Suggestion(
        id=int(r["id"]),
        claim_id=r["claim_id"],
        verdict=VerdictLabel(r["verdict"]),
        confidence=float(r["confidence"]),
        judge=r["judge"],
        evidence=evidence,
        created_at=r["created_at"],
    )


def appearance_from_row(r: sqlite3.Row) -> Appearance:
    return Appearance(
        source=r["source"], start=int(r["start"]), end=int(r["end"]), doc_id=r["doc_id"]
    )

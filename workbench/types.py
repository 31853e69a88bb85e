"""Domain types shared by every layer: small, frozen, free of I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class Stance(StrEnum):
    """How a passage bears on a claim."""

    SUPPORTS = "supports"
    REFUTES = "refutes"
    NEUTRAL = "neutral"


class VerdictLabel(StrEnum):
    """A verdict on a claim, suggested by the machine or given by a person."""

    SUPPORTED = "supported"
    REFUTED = "refuted"
    CONFLICTING = "conflicting"
    NOT_ENOUGH_INFO = "not_enough_info"


class ClaimOrigin(StrEnum):
    """Where a claim came from."""

    TYPED = "typed"
    FILE = "file"
    EXTRACTED = "extracted"


@dataclass(frozen=True)
class Document:
    """One ingested document; ``text`` is the original source text that offsets refer to."""

    id: str
    source: str
    text: str
    title: str | None = None
    date: str | None = None
    url: str | None = None
    author: str | None = None

    @property
    def source_name(self) -> str:
        """The file name shown to users (``a/b/c.txt#3`` → ``c.txt#3``)."""
        return self.source.replace("\\", "/").rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Passage:
    """A span of a document: ``document.text[start:end] == text``."""

    id: str
    doc_id: str
    source: str
    start: int
    end: int
    text: str
    index: int = 0
    date: str | None = None
    title: str | None = None

    @property
    def source_name(self) -> str:
        return self.source.replace("\\", "/").rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Appearance:
    """Where a claim appears in the corpus."""

    source: str
    start: int
    end: int
    doc_id: str | None = None


@dataclass(frozen=True)
class Claim:
    """A claim to check; extracted claims carry where they appear."""

    id: str
    text: str
    origin: ClaimOrigin = ClaimOrigin.TYPED
    appearances: tuple[Appearance, ...] = ()


@dataclass(frozen=True)
class StanceJudgement:
    """A judge's decision on one (claim, passage) pair.

    ``stance`` is None when the judge could not judge the pair (``error`` says why):
    an unjudged pair is never silently turned into neutral.
    """

    stance: Stance | None
    probs: Mapping[Stance, float]
    judge: str
    rationale: str | None = None
    error: str | None = None

    @property
    def judged(self) -> bool:
        return self.stance is not None


@dataclass(frozen=True)
class Evidence:
    """A passage judged against a claim, with the near-duplicate passages grouped under it."""

    passage: Passage
    stance: Stance
    score: float
    relevance: float
    judgement: StanceJudgement
    duplicates: tuple[Passage, ...] = ()


@dataclass(frozen=True)
class VerificationResult:
    """A claim with its evidence split by stance and a suggested verdict."""

    claim: Claim
    verdict: VerdictLabel
    confidence: float
    supporting: tuple[Evidence, ...] = ()
    refuting: tuple[Evidence, ...] = ()
    neutral: tuple[Evidence, ...] = ()
    judge: str = ""
    unjudged: tuple[str, ...] = field(default=())

    @property
    def evidence(self) -> tuple[Evidence, ...]:
        """All evidence, most useful first: supporting and refuting by score, then neutral."""
        decisive = sorted(self.supporting + self.refuting, key=lambda e: -e.score)
        return tuple(decisive) + self.neutral


def normalise_claim(text: str) -> str:
    """Collapse whitespace; the form claims are stored and hashed in."""
    return " ".join(text.split())


def claim_id(text: str) -> str:
    """A stable id for a claim: a hash of its normalised, case-folded text (``c`` + 11 hex)."""
    import hashlib

    key = normalise_claim(text).casefold().rstrip(".!? ")
    return "c" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:11]

"""Messages the TUI's widgets and workers post: small dataclasses, one place."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message


@dataclass
class ClaimHighlighted(Message):
    """The cursor in the claim queue moved to a claim (None: the queue is empty)."""

    claim_id: str | None


@dataclass
class EvidenceHighlighted(Message):
    """The cursor in the evidence panel moved to a passage."""

    passage_id: str


@dataclass
class OpenPassage(Message):
    """Show a passage inside its whole document."""

    passage_id: str


@dataclass
class VerifyProgress(Message):
    """A background verification reached a new stage (shown in the progress bar)."""

    text: str
    stage: str


@dataclass
class ClaimVerified(Message):
    """A background verification finished; the claim and its suggestion are saved."""

    claim_id: str
    text: str
    verdict: str
    confidence: float
    seconds: float


@dataclass
class VerifyFailed(Message):
    """A background verification failed; ``error`` is a one-line message for the user."""

    text: str
    error: str

"""The claim queue as the TUI sees it: filtering, searching, sorting and "next pending" —
plain Python over VerdictLog records, so it is tested without a terminal."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from workbench.verdict_log import ClaimRecord

STATUS_FILTERS = ("all", "pending", "decided")
VERDICT_FILTERS = ("any", "supported", "refuted", "conflicting", "not_enough_info")
SORTS = ("added", "confidence-desc", "confidence-asc")
SORT_LABELS = {
    "added": "order added",
    "confidence-desc": "confidence ↓",
    "confidence-asc": "confidence ↑",
}
VERDICT_SHORT = {
    "supported": "supported",
    "refuted": "refuted",
    "conflicting": "conflicting",
    "not_enough_info": "not enough info",
}

Sort = Literal["added", "confidence-desc", "confidence-asc"]


@dataclass(frozen=True)
class QueueView:
    """Which claims show, in which order: status, verdict, a search string and a sort."""

    status: str = "all"
    verdict: str = "any"
    search: str = ""
    sort: str = "added"

    def cycle(self, field: Literal["status", "verdict", "sort"]) -> QueueView:
        options = {"status": STATUS_FILTERS, "verdict": VERDICT_FILTERS, "sort": SORTS}[field]
        current = getattr(self, field)
        return replace(self, **{field: options[(options.index(current) + 1) % len(options)]})

    def describe(self) -> str:
        """One line, naming the key that changes each part."""
        parts = [
            f"f: {self.status}",
            "v: any verdict" if self.verdict == "any" else f"v: {self.verdict.replace('_', ' ')}",
            f"t: {SORT_LABELS[self.sort]}",
            f"/: “{self.search}”" if self.search else "/: search",
        ]
        return "  ".join(parts)


def confidence(record: ClaimRecord) -> float | None:
    return None if record.suggestion is None else record.suggestion.confidence


def matches(record: ClaimRecord, view: QueueView) -> bool:
    """Verdict filter: the human verdict or the suggested one equals it."""
    if view.status != "all" and record.status != view.status:
        return False
    if view.verdict != "any":
        suggested = None if record.suggestion is None else record.suggestion.verdict.value
        human = None if record.verdict is None else record.verdict.value
        if view.verdict not in (suggested, human):
            return False
    if view.search:
        needle = view.search.casefold()
        if needle not in record.text.casefold() and needle not in record.id.casefold():
            return False
    return True


def apply(records: Sequence[ClaimRecord], view: QueueView) -> list[ClaimRecord]:
    """The records to show for ``view``; claims without a suggestion sort last."""
    shown = [r for r in records if matches(r, view)]
    if view.sort == "confidence-desc":
        shown.sort(key=lambda r: (confidence(r) is None, -(confidence(r) or 0.0)))
    elif view.sort == "confidence-asc":
        shown.sort(key=lambda r: (confidence(r) is None, confidence(r) or 0.0))
    return shown


def next_pending(shown: Sequence[ClaimRecord], after: int) -> int | None:
    """Index of the first pending claim after row ``after`` (wrapping, never ``after`` itself);
    None when no other claim is pending."""
    n = len(shown)
    for step in range(1, n):
        i = (after + step) % n
        if shown[i].status == "pending":
            return i
    return None

"""The selected claim in full: text, id, the machine's suggestion, the human verdict and note."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from workbench.tui.widgets.claim_queue import verdict_text
from workbench.verdict_log import ClaimRecord


def describe(record: ClaimRecord | None, draft_note: str | None, cited: int) -> Text:
    if record is None:
        return Text("No claim in view — press a to add one, or change the filters (f, v, /).")
    out = Text()
    out.append(record.text, style="bold")
    out.append(f"\n{record.id}  ", style="dim")
    s = record.suggestion
    out.append("suggested ")
    if s is None:
        out.append("nothing yet", style="dim")
    else:
        out.append_text(verdict_text(s.verdict.value, s.confidence))
        out.append(f" by {s.judge.split(':', 1)[0]}", style="dim")
    out.append("  ·  yours ")
    out.append_text(verdict_text(None if record.verdict is None else record.verdict.value))
    if cited:
        out.append(f"  ·  {cited} cited", style="cyan")
    note = draft_note if draft_note is not None else record.note
    if note:
        flat = " ".join(note.split())
        label = "draft note" if draft_note is not None and record.status == "pending" else "note"
        out.append(f"\n{label}: ", style="italic dim")
        out.append(flat if len(flat) <= 300 else flat[:299] + "…", style="italic")
    return out


class ClaimDetail(Static):
    """Shows one claim record (``show``)."""

    def show(
        self, record: ClaimRecord | None, draft_note: str | None = None, cited: int = 0
    ) -> None:
        self.update(describe(record, draft_note, cited))

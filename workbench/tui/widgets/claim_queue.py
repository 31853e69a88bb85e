"""The claim queue: one row per claim — status, the machine's suggestion, the human verdict."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable

from workbench.tui.messages import ClaimHighlighted
from workbench.tui.queue import VERDICT_SHORT
from workbench.verdict_log import ClaimRecord

VERDICT_STYLE = {
    "supported": "bold green",
    "refuted": "bold red",
    "conflicting": "bold yellow",
    "not_enough_info": "bold",
}
COLUMN_WIDTHS = {"status": 7, "suggestion": 16, "verdict": 11}
WIDE = 110  # at this width and above the queue shows whole claim ids
SHORT_ID = 7  # below it, their first characters


def verdict_text(
    verdict: str | None, confidence: float | None = None, *, short: bool = False
) -> Text:
    if verdict is None:
        return Text("—", style="dim")
    label = "NEI" if short and verdict == "not_enough_info" else VERDICT_SHORT.get(verdict, verdict)
    if confidence is not None:
        label = f"{label} {confidence:.2f}"
    return Text(label, style=VERDICT_STYLE.get(verdict, ""))


def shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(1, width - 1)].rstrip() + "…"


class ClaimQueue(DataTable):
    """The claims in view; ``show(records)`` refills it and keeps the cursor on a claim."""

    BINDINGS = [
        Binding("j", "cursor_down", "Next claim", show=False, id="down"),
        Binding("k", "cursor_up", "Previous claim", show=False, id="up"),
    ]

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self.records: list[ClaimRecord] = []

    @property
    def current(self) -> ClaimRecord | None:
        if not self.records or not (0 <= self.cursor_row < len(self.records)):
            return None
        return self.records[self.cursor_row]

    def index_of(self, claim_id: str | None) -> int | None:
        for i, r in enumerate(self.records):
            if r.id == claim_id:
                return i
        return None

    def show(self, records: Sequence[ClaimRecord], select: str | None = None) -> None:
        """Refill the table; the cursor goes to ``select`` if shown, else stays on its row."""
        keep = self.cursor_row
        self.records = list(records)
        width = self.size.width or self.app.size.width
        wide = width >= WIDE
        id_width = 12 if wide else SHORT_ID  # the full id is also in the detail line
        self.clear(columns=True)
        self.add_column("ID", key="id", width=id_width)
        cells = [self._cells(r) for r in self.records]
        # Fixed widths: a verdict recorded later is redrawn in place, without re-measuring.
        fixed = id_width + 2 + sum(w + 2 for w in COLUMN_WIDTHS.values())
        claim_width = max(16, width - fixed - 4)
        self.add_column("Claim", key="claim")
        for key, w in COLUMN_WIDTHS.items():
            self.add_column(key.capitalize(), key=key, width=w)
        for r, row_cells in zip(self.records, cells, strict=True):
            ident = Text(r.id[:id_width], style="dim")
            self.add_row(ident, shorten(r.text, claim_width), *row_cells[1:], key=r.id)
        row = self.index_of(select)
        if row is None:
            row = min(keep, len(self.records) - 1)
        if self.records:
            self.move_cursor(row=max(0, row), animate=False)
        self.post_message(ClaimHighlighted(self.current.id if self.current else None))

    def update_record(self, record: ClaimRecord) -> bool:
        """Redraw one claim's row in place (cheap on a long queue); False if it is not shown."""
        row = self.index_of(record.id)
        if row is None:
            return False
        self.records[row] = record
        cells = self._cells(record)
        for key, cell in zip(("status", "suggestion", "verdict"), cells[1:], strict=True):
            self.update_cell(record.id, key, cell)
        return True

    def remove_record(self, claim_id: str) -> None:
        row = self.index_of(claim_id)
        if row is not None:
            del self.records[row]
            self.remove_row(claim_id)

    def select(self, claim_id: str | None) -> None:
        row = self.index_of(claim_id)
        if row is not None:
            self.move_cursor(row=row, animate=False)
        self.post_message(ClaimHighlighted(self.current.id if self.current else None))

    @staticmethod
    def _cells(r: ClaimRecord) -> list[Text]:
        s = r.suggestion
        return [
            Text(r.text),
            Text(r.status, style="dim" if r.status == "decided" else "bold"),
            verdict_text(None)
            if s is None
            else verdict_text(s.verdict.value, s.confidence, short=True),
            verdict_text(None if r.verdict is None else r.verdict.value, short=True),
        ]

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.post_message(ClaimHighlighted(self.current.id if self.current else None))

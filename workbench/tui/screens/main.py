"""The triage screen: the claim queue, the selected claim, its evidence; one key decides."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Static

from workbench.errors import WorkbenchError
from workbench.tui import queue as q
from workbench.tui.messages import (
    ClaimHighlighted,
    ClaimVerified,
    OpenPassage,
    VerifyFailed,
)
from workbench.tui.screens.document import DocumentScreen
from workbench.tui.screens.modals import AddClaim, NoteEditor
from workbench.tui.widgets.claim_detail import ClaimDetail
from workbench.tui.widgets.claim_queue import WIDE, ClaimQueue
from workbench.tui.widgets.evidence import EvidencePanel, evidence_rows
from workbench.tui.widgets.verify_bar import VerifyBar
from workbench.verdict_log import ClaimRecord

if TYPE_CHECKING:
    from workbench.tui.app import WorkbenchApp

VERDICT_KEYS = {
    "supported": ("s", "Supported"),
    "refuted": ("r", "Refuted"),
    "conflicting": ("c", "Conflicting"),
    "not_enough_info": ("n", "No info"),
}


class SearchInput(Input):
    """The `/` search box: filters as you type; enter keeps the filter, escape clears it."""

    BINDINGS = [Binding("escape", "cancel", "Clear search", id="search-cancel")]

    def action_cancel(self) -> None:
        self.value = ""
        self.screen.action_close_search()  # type: ignore[attr-defined]


class MainScreen(Screen[None]):
    """Triage: j/k move, s/r/c/n decide and advance, u undoes, space cites, e notes."""

    BINDINGS = [
        *(
            Binding(key, f"decide('{verdict}')", label, id=verdict.replace("_", "-"))
            for verdict, (key, label) in VERDICT_KEYS.items()
        ),
        Binding("u", "undo", "Undo", id="undo"),
        Binding("space", "cite", "Cite", key_display="␣", id="cite"),
        Binding("e", "note", "Note", id="note"),
        Binding("a", "add_claim", "Add", id="add-claim"),
        Binding("slash", "search", "Search", show=False, id="search"),
        Binding("o", "open", "Open doc", show=False, id="open"),
        Binding("f", "cycle('status')", "Status filter", show=False, id="filter-status"),
        Binding("v", "cycle('verdict')", "Verdict filter", show=False, id="filter-verdict"),
        Binding("t", "cycle('sort')", "Sort", show=False, id="sort"),
    ]

    app: WorkbenchApp

    def __init__(self) -> None:
        super().__init__()
        self.view = q.QueueView()
        self.records: list[ClaimRecord] = []
        self.notes: dict[str, str] = {}  # draft notes on pending claims
        self.cited: dict[str, set[str]] = {}  # cited passages per claim, until decided
        self._shown: tuple[object, ...] | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="filters")
        yield SearchInput(placeholder="Search claims (enter keeps, escape clears)", id="search")
        with Horizontal(id="body"):
            yield ClaimQueue(id="queue")
            with Vertical(id="side"):
                yield ClaimDetail(id="detail")
                yield EvidencePanel(id="evidence")
        yield VerifyBar(id="progress")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.set_class(self.app.size.width >= WIDE, "-wide")
        self.reload()
        first = next((r for r in self.records if r.status == "pending"), None)
        if first is not None:
            self._show_queue(select=first.id)
        self.query_one(ClaimQueue).focus()

    def on_resize(self) -> None:
        wide = self.size.width >= WIDE
        if wide != self.has_class("-wide"):
            self.set_class(wide, "-wide")
        self.call_after_refresh(self._refill)

    def _refill(self) -> None:
        queue = self.query_one(ClaimQueue)
        current = queue.current
        queue.show(queue.records, select=current.id if current else None)

    # -- the queue ---------------------------------------------------------------------
    @property
    def current(self) -> ClaimRecord | None:
        return self.query_one(ClaimQueue).current

    def reload(self, select: str | None = None) -> None:
        """Re-read the claims from the verdict log and show them."""
        self.records = self.app.verdicts.claims("all", annotator=self.app.annotator)
        self._show_queue(select)

    def refresh_claim(self, claim_id: str, select: str | None = None) -> None:
        """Re-read one claim after a write and redraw only its row (a long queue stays fast)."""
        record = self.app.verdicts.claim(claim_id, annotator=self.app.annotator)
        where = next((i for i, r in enumerate(self.records) if r.id == claim_id), None)
        queue = self.query_one(ClaimQueue)
        if record is None or where is None:
            self.reload(select=select or claim_id)
            return
        self.records[where] = record
        shown = queue.index_of(claim_id) is not None
        if q.matches(record, self.view) and shown:
            queue.update_record(record)
        elif shown:
            queue.remove_record(claim_id)
        elif q.matches(record, self.view):
            self._show_queue(select or claim_id)  # it re-enters the view: rebuild the order
            return
        queue.select(select or claim_id)
        self._update_counts()
        self._show_claim(queue.current)

    def _update_counts(self) -> None:
        pending = sum(r.status == "pending" for r in self.records)
        shown = len(self.query_one(ClaimQueue).records)
        self.query_one("#filters", Static).update(
            f"{shown}/{len(self.records)} claims · {pending} pending │ {self.view.describe()}"
        )

    def _show_queue(self, select: str | None = None) -> None:
        shown = q.apply(self.records, self.view)
        queue = self.query_one(ClaimQueue)
        if select is None and queue.current is not None:
            select = queue.current.id
        queue.show(shown, select=select)
        self._update_counts()
        self._show_claim(queue.current)

    def _show_claim(self, record: ClaimRecord | None) -> None:
        cited = self._cited(record)
        note = None if record is None else self.notes.get(record.id)
        self.query_one(ClaimDetail).show(record, note, len(cited))
        key = self._panel_key(record)
        if key == self._shown:
            return
        self._shown = key
        panel = self.query_one(EvidencePanel)
        refocus = panel.has_focus_within
        suggestion = None if record is None else record.suggestion
        ids = [] if suggestion is None else [e.passage_id for e in suggestion.evidence]
        passages = self.app.store.passages_by_id(ids)
        if record is None:
            empty = ""
        elif suggestion is None:
            empty = "No suggestion yet: this claim has not been verified (`workbench verify`)."
        else:
            empty = "No evidence: the judge saw no passages for this claim."
        panel.show(evidence_rows(suggestion, passages), cited, empty)
        if refocus:
            self.call_after_refresh(self._refocus_evidence)

    def _panel_key(self, record: ClaimRecord | None) -> tuple[object, ...]:
        """What the evidence panel shows; it is rebuilt only when this changes."""
        if record is None:
            return (None,)
        sid = None if record.suggestion is None else record.suggestion.id
        return (record.id, sid, frozenset(self._cited(record)))

    def _refocus_evidence(self) -> None:
        if not self.query_one(EvidencePanel).focus_first():
            self.focus_queue()

    def _cited(self, record: ClaimRecord | None) -> set[str]:
        if record is None:
            return set()
        if record.id not in self.cited:
            self.cited[record.id] = set(record.evidence_ids)
        return self.cited[record.id]

    def focus_queue(self) -> None:
        self.query_one(ClaimQueue).focus()

    def on_claim_highlighted(self, message: ClaimHighlighted) -> None:
        self._show_claim(self.current)

    def on_data_table_row_selected(self) -> None:
        if not self.query_one(EvidencePanel).focus_first():
            self.notify("No supporting or contradicting passages to move to", timeout=3)

    # -- deciding ----------------------------------------------------------------------
    def _record(self, record: ClaimRecord, verdict: str) -> bool:
        """Write the decision to the verdict log (committed on return); False on failure."""
        note = self.notes.get(record.id, record.note)
        try:
            self.app.verdicts.record(
                record.id,
                verdict,
                annotator=self.app.annotator,
                note=note,
                evidence_ids=sorted(self._cited(record)),
                suggestion_id=None if record.suggestion is None else record.suggestion.id,
            )
        except WorkbenchError as exc:
            self.notify(str(exc), title="Not recorded", severity="error", timeout=8)
            return False
        self.notes.pop(record.id, None)
        return True

    def action_decide(self, verdict: str) -> None:
        record = self.current
        if record is None:
            self.notify("No claim selected", severity="warning")
            return
        queue = self.query_one(ClaimQueue)
        after = q.next_pending(queue.records, queue.cursor_row)
        target = record.id if after is None else queue.records[after].id
        if not self._record(record, verdict):
            return
        self.refresh_claim(record.id, select=target)
        # The row shows the verdict; a toast per key press would pile up over the evidence.
        if after is None:
            self.notify("No pending claims left — u undoes, a adds a claim", timeout=4)

    def action_undo(self) -> None:
        try:
            entry = self.app.verdicts.undo(annotator=self.app.annotator)
        except WorkbenchError as exc:
            self.notify(str(exc), title="Undo failed", severity="error", timeout=8)
            return
        if entry is None:
            self.notify("Nothing to undo", severity="warning", timeout=3)
            return
        undone = next(
            (e for e in self.app.verdicts.history(entry.claim_id) if e.id == entry.retracts), None
        )
        self.cited.pop(entry.claim_id, None)
        if undone is not None and undone.note:
            self.notes[entry.claim_id] = undone.note
        self.refresh_claim(entry.claim_id)
        was = "" if undone is None or undone.verdict is None else f" ({undone.verdict.value})"
        self.notify(f"Undid your verdict on {entry.claim_id}{was}", timeout=3)

    def _amend(self, record: ClaimRecord, what: str) -> None:
        """A decided claim's note or citations changed: record the same verdict again."""
        if record.status == "decided" and record.verdict is not None:
            if self._record(record, record.verdict.value):
                self.refresh_claim(record.id)
                self.notify(f"{what} saved with your verdict on {record.id}", timeout=2)
        else:
            self._show_claim(record)

    def action_cite(self) -> None:
        record = self.current
        if record is None:
            return
        toggled = self.query_one(EvidencePanel).toggle_cited()
        if toggled is None:
            self.notify("No passage highlighted — tab to the evidence first", timeout=3)
            return
        pid, now_cited = toggled
        (self._cited(record).add if now_cited else self._cited(record).discard)(pid)
        self._shown = self._panel_key(record)  # the panel already shows the change
        self._amend(record, "Citation")

    def action_note(self) -> None:
        record = self.current
        if record is None:
            return

        def done(text: str | None) -> None:
            if text is None or self.current is None or self.current.id != record.id:
                return
            self.notes[record.id] = text
            self._amend(record, "Note")

        self.app.push_screen(
            NoteEditor(self.notes.get(record.id, record.note or ""), record.text), done
        )

    # -- filters and search ------------------------------------------------------------
    def action_cycle(self, field: str) -> None:
        self.view = self.view.cycle(field)  # type: ignore[arg-type]
        self._show_queue()

    def action_search(self) -> None:
        box = self.query_one(SearchInput)
        box.add_class("-open")
        box.focus()

    def action_close_search(self) -> None:
        box = self.query_one(SearchInput)
        box.remove_class("-open")
        self.focus_queue()

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        self.view = q.QueueView(
            self.view.status, self.view.verdict, event.value.strip(), self.view.sort
        )
        self._show_queue()

    @on(Input.Submitted, "#search")
    def _search_submitted(self) -> None:
        self.action_close_search()

    # -- documents ---------------------------------------------------------------------
    def action_open(self) -> None:
        pid = self.query_one(EvidencePanel).current
        if pid is None:
            self.notify("No passage highlighted", severity="warning", timeout=3)
            return
        self.open_passage(pid)

    def on_open_passage(self, message: OpenPassage) -> None:
        self.open_passage(message.passage_id)

    def open_passage(self, passage_id: str) -> None:
        passage = self.app.store.passages_by_id([passage_id]).get(passage_id)
        document = None if passage is None else self.app.store.document(passage.doc_id)
        if passage is None or document is None:
            self.notify(
                "That passage is no longer in the store (the corpus was re-ingested); "
                "re-verify the claim to see current evidence",
                severity="warning",
                timeout=6,
            )
            return
        self.app.push_screen(DocumentScreen(document, passage.start, passage.end))

    # -- adding claims (verified in the background by the VerifyBar) -----------------------
    @property
    def verifying(self) -> int:
        return self.query_one(VerifyBar).verifying

    def action_add_claim(self) -> None:
        def done(text: str | None) -> None:
            if text:
                self.query_one(VerifyBar).submit(text)

        self.app.push_screen(AddClaim(), done)

    def on_claim_verified(self, message: ClaimVerified) -> None:
        self.reload(select=message.claim_id)
        hidden = self.query_one(ClaimQueue).index_of(message.claim_id) is None
        self.notify(
            f"Added {message.claim_id}: suggested {message.verdict.replace('_', ' ')} "
            f"({message.confidence:.2f}) in {message.seconds:.1f} s"
            + (" — hidden by the current filters" if hidden else ""),
            timeout=4,
        )

    def on_verify_failed(self, message: VerifyFailed) -> None:
        kept = ""
        try:  # keep what was typed: the claim joins the queue without a suggestion
            claim = self.app.verdicts.add_claim(message.text)
        except WorkbenchError:
            pass
        else:
            kept = f"\n{claim.id} is in the queue without a suggestion."
            self.reload(select=claim.id)
        self.notify(
            message.error + kept, title="Could not verify the claim", severity="error", timeout=12
        )

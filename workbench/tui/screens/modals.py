"""Small modal dialogs: the note editor and the add-claim prompt."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static, TextArea


class NoteEditor(ModalScreen[str | None]):
    """Edit a claim's note; ctrl+s saves (returns the text), escape cancels (returns None)."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save note", id="note-save"),
        Binding("escape", "cancel", "Cancel", id="note-cancel"),
    ]

    def __init__(self, note: str, claim: str) -> None:
        super().__init__()
        self.note = note
        self.claim = claim

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Note on this claim", classes="dialog-title")
            yield Static(Text(self.claim), classes="dialog-claim")
            yield TextArea(self.note, id="note-text", soft_wrap=True)
            yield Label("ctrl+s save · escape cancel", classes="dialog-hint")

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    def action_save(self) -> None:
        self.dismiss(self.query_one(TextArea).text)

    def action_cancel(self) -> None:
        self.dismiss(None)


class AddClaim(ModalScreen[str | None]):
    """Type a claim to verify; enter adds it (returns the text), escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="add-cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Add a claim to check", classes="dialog-title")
            yield Input(placeholder="e.g. The US voted against the UN resolution.", id="claim-text")
            yield Label("enter verify and add to the queue · escape cancel", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = " ".join(event.value.split())
        if not text:
            self.notify("Type a claim first (escape cancels)", severity="warning")
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        self.dismiss(None)

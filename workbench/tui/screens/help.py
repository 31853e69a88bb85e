"""Every key binding, as remapped by the keymap setting, with the id to remap it by."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

# Keys Textual's own widgets handle (not remappable here), listed so the help is complete.
BUILT_IN = {
    "Claim queue": [
        ("up/down", "Previous / next claim"),
        ("enter", "Move to the claim's evidence"),
        ("pgup/pgdn", "Page up / down"),
        ("home/end", "First / last claim"),
    ],
    "Evidence": [
        ("up/down", "Previous / next passage (past the end: next list)"),
        ("enter", "Open the passage in its document; on a section title: expand/collapse"),
    ],
    "Everywhere": [("tab/shift+tab", "Move between the queue, evidence lists and sections")],
}


def _sections() -> list[tuple[str, list[Binding]]]:
    from workbench.tui.app import WorkbenchApp
    from workbench.tui.screens.document import DocumentScreen
    from workbench.tui.screens.main import MainScreen, SearchInput
    from workbench.tui.screens.modals import AddClaim, NoteEditor
    from workbench.tui.widgets.claim_queue import ClaimQueue
    from workbench.tui.widgets.evidence import EvidenceList

    def of(*classes: Any) -> list[Binding]:
        return [b for c in classes for b in c.BINDINGS if isinstance(b, Binding)]

    return [
        ("Triage (main screen)", of(MainScreen)),
        ("Claim queue", of(ClaimQueue)),
        ("Evidence", of(EvidenceList)),
        ("Everywhere", of(WorkbenchApp)),
        ("Search box", of(SearchInput)),
        ("Document viewer", of(DocumentScreen)),
        ("Note editor", of(NoteEditor)),
        ("Add claim", of(AddClaim)),
        ("Help", of(HelpScreen)),
    ]


def binding_ids() -> set[str]:
    """Every binding id a keymap may remap."""
    return {b.id for _, bindings in _sections() for b in bindings if b.id}


def help_lines(keymap: Mapping[str, str]) -> Iterator[tuple[str, str, str, str]]:
    """(section, keys, description, id) for every binding, with the keymap applied."""
    for section, bindings in _sections():
        for b in bindings:
            key = keymap.get(b.id or "", b.key)
            yield section, _keys(key), b.description or b.action, b.id or ""
        for keys, text in BUILT_IN.get(section, []):
            yield section, keys, text, ""


_NAMES = {"question_mark": "?", "slash": "/", "escape": "esc", "space": "space"}


def _keys(key: str) -> str:
    return "/".join(_NAMES.get(k.strip(), k.strip()) for k in key.split(","))


class HelpScreen(ModalScreen[None]):
    """Lists every binding; escape, q or ? closes it."""

    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss", "Close help", id="help-close"),
        Binding("j,down", "scroll('down')", "Scroll", show=False, id="help-down"),
        Binding("k,up", "scroll('up')", "Scroll", show=False, id="help-up"),
    ]

    def __init__(self, keymap: Mapping[str, str]) -> None:
        super().__init__()
        self.keymap = dict(keymap)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="help"):
            yield Static(
                "Keys — remap by id under [keymap] in $WORKBENCH_HOME/config.toml",
                classes="dialog-title",
                markup=False,
            )
            with VerticalScroll(id="help-body"):
                yield Static(self._table())
            yield Label("escape / q / ? close", classes="dialog-hint")

    def _table(self) -> Text:
        out = Text()
        last = None
        for section, keys, text, bid in help_lines(self.keymap):
            if section != last:
                out.append(("\n" if last else "") + section + "\n", style="bold underline")
                last = section
            out.append(f"  {keys:<15} ", style="bold cyan")
            out.append(f"{text}")
            if bid:
                out.append(f"  [{bid}]", style="dim")
            out.append("\n")
        return out

    def action_scroll(self, direction: str) -> None:
        body = self.query_one("#help-body", VerticalScroll)
        (body.scroll_down if direction == "down" else body.scroll_up)(animate=False)

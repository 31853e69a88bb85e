"""A whole document, scrolled to one passage, with the passage highlighted."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from workbench.types import Document


class DocumentScreen(Screen[None]):
    """``DocumentScreen(document, start, end)``: the text before, the passage, the text after."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="back"),
        Binding("q", "app.pop_screen", "Back", show=False, id="back-q"),
        Binding("j", "scroll_down", "Scroll down", show=False, id="down"),
        Binding("k", "scroll_up", "Scroll up", show=False, id="up"),
        Binding("p", "to_passage", "Passage", id="to-passage"),
    ]

    def __init__(self, document: Document, start: int, end: int) -> None:
        super().__init__()
        self.document = document
        self.start = max(0, min(start, len(document.text)))
        self.end = max(self.start, min(end, len(document.text)))

    def compose(self) -> ComposeResult:
        d = self.document
        head = Text()
        head.append(d.title or d.source_name, style="bold")
        head.append(f"  {d.source}", style="dim")
        head.append(f"  {d.date or 'undated'}", style="dim")
        head.append(f"  characters {self.start:,}–{self.end:,} of {len(d.text):,}", style="dim")
        yield Static(head, id="doc-head")
        with VerticalScroll(id="doc-body"):
            yield Static(Text(d.text[: self.start]), classes="doc-text")
            yield Static(Text(d.text[self.start : self.end]), id="passage")
            yield Static(Text(d.text[self.end :]), classes="doc-text")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        body = self.query_one("#doc-body", VerticalScroll)
        body.focus()
        self.call_after_refresh(self.action_to_passage)

    def action_to_passage(self) -> None:
        body = self.query_one("#doc-body", VerticalScroll)
        body.scroll_to_center(self.query_one("#passage"), animate=False)

    def action_scroll_down(self) -> None:
        self.query_one("#doc-body", VerticalScroll).scroll_down(animate=False)

    def action_scroll_up(self) -> None:
        self.query_one("#doc-body", VerticalScroll).scroll_up(animate=False)

"""The evidence for one claim: supporting and contradicting passages in separate colour-coded
lists, neutral ones collapsed; each shows its source, date and stance probability."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.reactive import reactive
from textual.widgets import Collapsible, ListItem, ListView, Static

from workbench.tui.messages import EvidenceHighlighted, OpenPassage
from workbench.types import Passage
from workbench.verdict_log import Suggestion

STANCE_STYLE = {"supports": "bold green", "refutes": "bold red", "neutral": "bold dim"}
SECTIONS = (
    ("supports", "Supporting", False),
    ("refutes", "Contradicting", False),
    ("neutral", "Neutral", True),
)


@dataclass(frozen=True)
class EvidenceRow:
    """One passage as the panel shows it."""

    passage_id: str
    stance: str
    score: float | None
    source: str
    date: str | None
    text: str
    in_store: bool


def evidence_rows(
    suggestion: Suggestion | None, passages: Mapping[str, Passage]
) -> list[EvidenceRow]:
    """The suggestion's evidence, with dates and titles from the store where it still has them."""
    if suggestion is None:
        return []
    rows = []
    for e in suggestion.evidence:
        p = passages.get(e.passage_id)
        name = e.source.replace("\\", "/").rsplit("/", 1)[-1]
        if p is not None and p.title and p.title not in name:
            name = f"{p.title} ({name})"
        rows.append(
            EvidenceRow(
                passage_id=e.passage_id,
                stance=e.stance,
                score=e.score,
                source=name,
                date=None if p is None else p.date,
                text=e.text,
                in_store=p is not None,
            )
        )
    return rows


class EvidenceItem(ListItem):
    """A passage: a header line (cited mark, probability, source, date) and its text."""

    def __init__(self, row: EvidenceRow, cited: bool) -> None:
        super().__init__(classes=f"-{row.stance}")
        self.row = row
        self.cited = cited

    def compose(self) -> ComposeResult:
        yield Static(self._header(), classes="head")
        yield Static(Text(" ".join(self.row.text.split())), classes="text")

    def _header(self) -> Text:
        r = self.row
        out = Text()
        out.append("[✓] " if self.cited else "[ ] ", style="bold cyan" if self.cited else "dim")
        prob = "  ?  " if r.score is None else f"{r.score:.2f}"
        out.append(f"{r.stance} {prob}", style=STANCE_STYLE.get(r.stance, "bold"))
        out.append(f"  {r.source}")
        out.append(f"  {r.date or 'undated'}", style="dim")
        if not r.in_store:
            out.append("  (no longer in the store)", style="italic red")
        return out

    def set_cited(self, cited: bool) -> None:
        self.cited = cited
        self.set_class(cited, "-cited")
        self.query_one(".head", Static).update(self._header())

    def on_mount(self) -> None:
        self.set_class(self.cited, "-cited")


class EvidenceList(ListView):
    """One stance's passages; moving past either end moves focus to the next list."""

    BINDINGS = [
        Binding("j", "cursor_down", "Next passage", show=False, id="down"),
        Binding("k", "cursor_up", "Previous passage", show=False, id="up"),
        Binding("o", "select_cursor", "Open document", show=False, id="open"),
    ]

    def action_cursor_down(self) -> None:
        if self.index is None or self.index >= len(self) - 1:
            self.query_ancestor(EvidencePanel).action_step(1)
        else:
            super().action_cursor_down()

    def action_cursor_up(self) -> None:
        if not self.index:
            self.query_ancestor(EvidencePanel).action_step(-1)
        else:
            super().action_cursor_up()


class EvidencePanel(VerticalScroll):
    """Set ``rows`` and ``cited`` with ``show``; posts EvidenceHighlighted and OpenPassage."""

    can_focus = False  # the lists inside take focus; the panel scrolls to follow them
    # On a section title (the lists handle these keys themselves): move on through the panel.
    BINDINGS = [
        Binding("down", "step(1)", show=False),
        Binding("j", "step(1)", "Next passage", show=False, id="down"),
        Binding("up", "step(-1)", show=False),
        Binding("k", "step(-1)", "Previous passage", show=False, id="up"),
    ]
    rows: reactive[tuple[EvidenceRow, ...]] = reactive((), recompose=True)

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.cited: set[str] = set()
        self.current: str | None = None
        self.empty = ""

    def show(self, rows: Sequence[EvidenceRow], cited: Iterable[str], empty: str = "") -> None:
        """Show ``rows``; ``empty`` is the text to show when there are none."""
        self.cited = set(cited)
        self.empty = empty
        decisive = [r for r in rows if r.stance != "neutral"]
        self.current = decisive[0].passage_id if decisive else None
        self.rows = tuple(rows)

    def compose(self) -> ComposeResult:
        if not self.rows:
            yield Static(self.empty, classes="empty")
            return
        for stance, title, collapsed in SECTIONS:
            rows = [r for r in self.rows if r.stance == stance]
            items = [EvidenceItem(r, r.passage_id in self.cited) for r in rows]
            body = (
                EvidenceList(*items, id=f"list-{stance}", initial_index=0)
                if items
                else Static("none", classes="empty")
            )
            yield Collapsible(
                body,
                title=f"{title} ({len(rows)})",
                collapsed=collapsed or not rows,
                classes=f"-{stance}",
                id=f"section-{stance}",
            )

    def item(self, passage_id: str | None) -> EvidenceItem | None:
        for item in self.query(EvidenceItem):
            if item.row.passage_id == passage_id:
                return item
        return None

    def toggle_cited(self) -> tuple[str, bool] | None:
        """Cite or un-cite the highlighted passage; returns (passage id, now cited)."""
        item = self.item(self.current)
        if item is None:
            return None
        cited = item.row.passage_id not in self.cited
        (self.cited.add if cited else self.cited.discard)(item.row.passage_id)
        item.set_cited(cited)
        return item.row.passage_id, cited

    def action_step(self, direction: int) -> None:
        """Focus the next (1) or previous (-1) list or section title; up from the top
        returns to the claim queue, down from the bottom stays put."""
        chain = self.screen.focus_chain
        focused = self.screen.focused
        if focused not in chain:
            return
        i = chain.index(focused) + direction
        if 0 <= i < len(chain) and (direction < 0 or self in chain[i].ancestors):
            chain[i].focus()

    def focus_first(self) -> bool:
        """Focus the first list in an expanded section; False when there is none."""
        for section in self.query(Collapsible):
            lists = section.query(EvidenceList)
            if not section.collapsed and lists:
                lists.first().focus()
                return True
        return False

    def on_descendant_focus(self, event: object) -> None:
        focused = self.screen.focused
        if isinstance(focused, EvidenceList) and isinstance(
            focused.highlighted_child, EvidenceItem
        ):
            self.current = focused.highlighted_child.row.passage_id

    def on_list_view_highlighted(self, event: ListView.Highlighted) -> None:
        event.stop()
        if isinstance(event.item, EvidenceItem) and event.list_view.has_focus:
            self.current = event.item.row.passage_id
            self.post_message(EvidenceHighlighted(self.current))

    def on_list_view_selected(self, event: ListView.Selected) -> None:
        event.stop()
        if isinstance(event.item, EvidenceItem):
            self.current = event.item.row.passage_id
            self.post_message(OpenPassage(self.current))

"""The Textual app: opens a store's claim queue for one annotator; verification runs in workers.

Heavy libraries (the judge, the embedding model, Chroma) load only when a claim is added,
inside a background thread: the app itself opens in about a second.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from textual.app import App
from textual.binding import Binding

from workbench.judges.base import Judge
from workbench.settings import Settings, load_settings
from workbench.store import Store
from workbench.types import VerificationResult
from workbench.verdict_log import VerdictLog

# A busy store is retried this long before the TUI reports it, so a key press never hangs.
WRITE_RETRY_SECONDS = 5.0


class WorkbenchApp(App[None]):
    """``WorkbenchApp(Store.open("store"), annotator="ana").run()``."""

    CSS_PATH = "app.tcss"
    TITLE = "Claim workbench"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [
        Binding("q", "quit", "Quit", show=False, id="quit"),
        Binding("question_mark", "help", "Help", id="help"),
    ]

    def __init__(
        self,
        store: Store,
        *,
        annotator: str | None = None,
        judge: Judge | str | None = None,
        settings: Settings | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.settings = settings or load_settings()
        self.annotator = annotator or self.settings.annotator_name()
        self.verdicts = VerdictLog(store, retry_seconds=WRITE_RETRY_SECONDS)
        self.judge_spec = judge
        self.sub_title = f"{store.path} · {self.annotator}"
        self._workbench: Any = None
        self._verify_lock = threading.Lock()
        self._warm = False
        self._quit_warned = 0.0

    def get_default_screen(self) -> Any:
        from workbench.tui.screens.main import MainScreen

        return MainScreen()

    def on_mount(self) -> None:
        from workbench.tui.screens.help import binding_ids

        keymap = dict(self.settings.keymap)
        unknown = sorted(set(keymap) - binding_ids())
        if unknown:
            self.notify(
                f"Unknown binding id(s) in the keymap setting: {', '.join(unknown)} — "
                "press ? for the ids",
                severity="warning",
                timeout=10,
            )
        self.set_keymap(keymap)

    def action_quit(self) -> None:  # type: ignore[override]
        """Quit; while a claim is being verified, the first q warns instead."""
        busy = next((s.verifying for s in self.screen_stack if hasattr(s, "verifying")), 0)
        now = time.monotonic()
        if busy and now - self._quit_warned > 5:
            self._quit_warned = now
            self.notify(
                f"{busy} claim(s) still being verified — press q again to quit without them",
                severity="warning",
                timeout=5,
            )
            return
        self.exit()

    def action_help(self) -> None:
        from workbench.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(dict(self.settings.keymap)))

    # -- called from worker threads -------------------------------------------------------
    def verify(self, text: str, on_stage: Callable[[str], None]) -> VerificationResult:
        """Verify and save one claim; runs in a worker thread with its own store connection."""
        with self._verify_lock:
            if self._workbench is None:
                from workbench.api import Workbench

                on_stage("opening the store")
                self._workbench = Workbench(
                    Store.open(self.store.path), judge=self.judge_spec, settings=self.settings
                )
            wb = self._workbench
            if not self._warm:
                on_stage("loading the judge and retriever (first claim only)")
                wb.verifier  # noqa: B018 - builds the judge and retriever (slow the first time)
                self._warm = True
            on_stage("retrieving and judging evidence")
            return wb.verify(text)  # type: ignore[no-any-return]

    def on_unmount(self) -> None:
        # A verification still running in its daemon thread keeps its connection; the
        # process exit ends it (nothing half-written: each write is one transaction).
        if self._workbench is not None and self._verify_lock.acquire(blocking=False):
            try:
                self._workbench.close()
            finally:
                self._verify_lock.release()

"""Background verification of typed claims, with a one-line progress bar while it runs.

``submit(text)`` queues a claim. An exclusive thread worker takes claims off the queue one at
a time; each verification (retrieval and the judge, via the app's Workbench) runs in a daemon
thread that posts VerifyProgress, then ClaimVerified or VerifyFailed, which bubble up to the
screen. The worker only waits for that thread, so quitting (which cancels workers) never
waits for a model to finish loading.
"""

from __future__ import annotations

import threading
import time
from collections import deque

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, ProgressBar
from textual.worker import Worker, WorkerState, get_current_worker

from workbench.errors import WorkbenchError
from workbench.tui.messages import ClaimVerified, VerifyFailed, VerifyProgress


class VerifyBar(Horizontal):
    """Shown (class ``-busy``) while claims are being verified; ``verifying`` counts them."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._queue: deque[str] = deque()
        self.verifying = 0

    def compose(self) -> ComposeResult:
        yield Label(id="progress-label")
        yield ProgressBar(total=None, show_eta=False, show_percentage=False)

    def submit(self, text: str) -> None:
        self._queue.append(text)
        self.verifying += 1
        self._show(text, "verifying")
        self.verify_queued()

    @work(thread=True, exclusive=True, group="verify")
    def verify_queued(self) -> None:
        worker = get_current_worker()
        while self._queue and not worker.is_cancelled:
            done = threading.Event()
            text = self._queue.popleft()
            threading.Thread(
                target=self._verify_one, args=(text, done), name="verify", daemon=True
            ).start()
            while not done.wait(0.1):
                if worker.is_cancelled:
                    return

    def _verify_one(self, text: str, done: threading.Event) -> None:
        started = time.perf_counter()

        def on_stage(stage: str) -> None:
            self.post_message(VerifyProgress(text, stage))

        try:
            result = self.app.verify(text, on_stage)  # type: ignore[attr-defined]
        except WorkbenchError as exc:
            self.post_message(VerifyFailed(text, str(exc)))
        except Exception as exc:  # noqa: BLE001 - shown to the user, never a crash
            self.post_message(VerifyFailed(text, f"{type(exc).__name__}: {exc}"))
        else:
            seconds = time.perf_counter() - started
            claim = result.claim
            self.post_message(
                ClaimVerified(
                    claim.id, claim.text, result.verdict.value, result.confidence, seconds
                )
            )
        finally:
            done.set()

    def _show(self, text: str, stage: str | None) -> None:
        if stage is None:
            self.remove_class("-busy")
            return
        waiting = f" (+{self.verifying - 1} more)" if self.verifying > 1 else ""
        label = Text(f"{stage.capitalize()}…{waiting} ", style="bold")
        label.append(f"“{text}”", style="dim")
        self.query_one("#progress-label", Label).update(label)
        self.add_class("-busy")

    def _finished(self) -> None:
        self.verifying = max(0, self.verifying - 1)
        if not self.verifying:
            self._show("", None)

    def on_verify_progress(self, message: VerifyProgress) -> None:
        message.stop()
        self._show(message.text, message.stage)

    # ClaimVerified and VerifyFailed go on up to the screen, which reloads and tells the user.
    def on_claim_verified(self, message: ClaimVerified) -> None:
        self._finished()

    def on_verify_failed(self, message: VerifyFailed) -> None:
        self._finished()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "verify" and event.state is WorkerState.ERROR:
            self.verifying = 0
            self._show("", None)

"""`workbench tui`: the keyboard-first claim triage screen (Textual is imported only when run)."""

from __future__ import annotations

from pathlib import Path

import click

from workbench.cli.common import annotator_option, handle_errors, settings, store_option, store_path
from workbench.store import Store


@click.command("tui")
@store_option
@annotator_option
@handle_errors
def tui_cmd(store: Path | None, annotator: str | None) -> None:
    """Triage the claim queue from the keyboard: read the evidence, decide, move on.

    s/r/c/n record supported/refuted/conflicting/not-enough-info and jump to the next
    pending claim; u undoes; space cites the highlighted passage; e edits the note;
    a adds a claim (verified in the background); / searches; ? lists every key.
    Every verdict is written to the store's verdict log before the screen shows it.

    \b
    Example:
      workbench tui --store store --annotator ana
    \b
    Remap keys by binding id (shown by ?) in $WORKBENCH_HOME/config.toml:
      [keymap]
      supported = "y"
    """
    config = settings()
    opened = Store.open(store_path(store))  # a missing store fails here, as one line
    try:
        from workbench.tui.app import WorkbenchApp

        WorkbenchApp(opened, annotator=annotator or config.annotator_name(), settings=config).run()
    finally:
        opened.close()


commands: list[click.Command] = [tui_cmd]

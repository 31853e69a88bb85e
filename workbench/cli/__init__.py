"""The `workbench` command line: a thin front end over the headless core."""

from __future__ import annotations

import click

from workbench.cli import corpus, extract, judge, tui, verdicts, verify


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="workbench")
def main() -> None:
    """Check claims against a corpus of documents.

    \b
    Start here:
      workbench ingest samples/corpus      # build ./store from documents
      workbench verify "The US voted against a UN resolution."
      workbench tui                        # triage claims from the keyboard
    """


for module in (corpus, verify, judge, verdicts, extract, tui):
    for command in module.commands:
        main.add_command(command)

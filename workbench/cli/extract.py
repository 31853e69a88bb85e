"""CLI: find check-worthy claims in the store and add them to the claim queue."""

from __future__ import annotations

import json
from pathlib import Path

import click

from workbench.cli.common import handle_errors, store_option, store_path


@click.command()
@store_option
@click.option(
    "--llm",
    "llm",
    default=None,
    metavar="SPEC",
    help="Also split each claim into atomic claims with this chat model "
    "(e.g. ollama:llama3.1 or http://127.0.0.1:8080/v1#model).",
)
@click.option(
    "--limit",
    type=int,
    default=None,
    metavar="N",
    help="Queue claims from the N most check-worthy sentences only "
    "(with --llm, each may yield several atomic claims).",
)
@click.option(
    "--min-score",
    type=click.FloatRange(0.0, 0.99),
    default=None,
    help="Check-worthiness a sentence needs to become a claim (default 0.7).",
)
@click.option("--dry-run", is_flag=True, help="Show what would be queued; write nothing.")
@click.option(
    "--show",
    type=int,
    default=10,
    show_default=True,
    metavar="K",
    help="Print the K most check-worthy claims (0: none).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@handle_errors
def extract(
    store: Path | None,
    llm: str | None,
    limit: int | None,
    min_score: float | None,
    dry_run: bool,
    show: int,
    as_json: bool,
) -> None:
    """Find check-worthy claims in the ingested documents and queue them for verification.

    Sentences are ranked for check-worthiness, made to stand alone where that is safe,
    and restatements (within and across documents) become one claim with every place
    it appears. Running it again adds only what is new.

    \b
    Example:
      workbench ingest samples/corpus --store store
      workbench extract --store store --limit 20
      workbench verify --pending --store store
    """
    from workbench.extract.pipeline import MIN_SCORE, extract_claims
    from workbench.store import Store

    path = store_path(store)
    quiet = as_json

    def progress(message: str) -> None:
        if not quiet:
            click.echo(message, err=True)

    with Store.open(path) as st:
        report = extract_claims(
            st,
            llm=llm,
            limit=limit,
            min_score=MIN_SCORE if min_score is None else min_score,
            dry_run=dry_run,
            on_progress=progress,
        )
    if as_json:
        click.echo(
            json.dumps(
                {"store": str(path), "dry_run": dry_run, **report.as_dict()}, ensure_ascii=False
            )
        )
        return
    verb = "would add" if dry_run else "added"
    click.echo(
        f"Scanned {report.sentences} sentences in {report.documents} documents "
        f"({report.repeats} in repeated paragraphs): {report.candidates} check-worthy, "
        f"{report.clusters} distinct claims ({report.merged} restated more than once)."
    )
    if report.llm:
        click.echo(
            f"{report.llm}: {report.llm_claims} atomic claims, {report.llm_dropped} dropped as "
            f"not grounded in their sentence, {report.llm_errors} failed replies, "
            f"{report.llm_fallbacks} sentences queued as they are."
        )
    known = "" if dry_run else f" ({report.claims_known} were already queued)"
    click.echo(
        f"Claims {verb}: {report.claims_added if not dry_run else len(report.claims)}"
        f"{known} in {report.seconds:.1f} s."
    )
    for claim in report.claims[: max(0, show)]:
        where = ", ".join(
            sorted({a.source.replace("\\", "/").rsplit("/", 1)[-1] for a in claim.appearances})
        )
        click.echo(f"  {claim.id}  {claim.text}  [{len(claim.appearances)}× {where}]")
    if not dry_run and report.claims:
        click.echo(f"Next: workbench verify --pending --store {path}")


commands: list[click.Command] = [extract]

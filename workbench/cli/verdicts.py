"""CLI for the verdict log: record and undo verdicts, list claims, export, agreement."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import click

from workbench.agreement import agreement as compute_agreement
from workbench.cli.common import annotator_option, handle_errors, settings, store_option, store_path
from workbench.errors import UsageError
from workbench.export import FORMATS, export
from workbench.store import Store
from workbench.verdict_log import STATUSES, VERDICT_WORDS, ClaimRecord, VerdictEntry, VerdictLog


def _annotator(name: str | None) -> str:
    return name if name else settings().annotator_name()


def _open(store: Path | None) -> Store:
    return Store.open(store_path(store))


def _describe(entry: VerdictEntry) -> str:
    if entry.action == "retract":
        return (
            f"#{entry.id} {entry.created_at} {entry.annotator} retracted #{entry.retracts}"
            f" on {entry.claim_id}"
        )
    note = f"  ({' '.join(entry.note.split())})" if entry.note else ""
    return (
        f"#{entry.id} {entry.created_at} {entry.annotator} decided {entry.claim_id}: "
        f"{entry.verdict}{note}"
    )


@click.command("verdict")
@click.argument("claim_id")
@click.argument("verdict", required=False, metavar="VERDICT")
@click.option("--note", default=None, help="Why: a short justification kept with the verdict.")
@annotator_option
@click.option(
    "--evidence",
    "evidence",
    multiple=True,
    metavar="PASSAGE_ID",
    help="A passage id that backs the verdict; repeat for several.",
)
@click.option(
    "--undo",
    is_flag=True,
    help="Retract your latest standing verdict on CLAIM_ID instead of deciding.",
)
@store_option
@handle_errors
def verdict_cmd(
    claim_id: str,
    verdict: str | None,
    note: str | None,
    annotator: str | None,
    evidence: tuple[str, ...],
    undo: bool,
    store: Path | None,
) -> None:
    """Record a verdict on a claim (supported, refuted, conflicting, not_enough_info).

    CLAIM_ID may be shortened to a unique prefix (4+ characters). The verdict is on disk when this command returns. Nothing is ever overwritten:
    a new verdict supersedes the old one, and --undo appends a retraction.

    \b
    Examples:
      workbench verdict c1a2b3c4d5e6 refuted --note "Vote was 120-4" --evidence p123
      workbench verdict c1a2b3c4d5e6 --undo
    """
    who = _annotator(annotator)
    with _open(store) as st:
        log = VerdictLog(st)
        claim_id = log.resolve_id(claim_id)
        if undo:
            if verdict is not None or evidence or note:
                raise UsageError("--undo takes only CLAIM_ID; drop VERDICT, --note and --evidence")
            _echo_undo(log.undo(annotator=who, claim_id=claim_id), who)
            return
        if verdict is None:
            raise UsageError(
                f"Give a VERDICT after the claim id: one of {', '.join(VERDICT_WORDS)}"
            )
        entry = log.record(claim_id, verdict, annotator=who, note=note, evidence_ids=evidence)
        click.echo(f"Recorded {_describe(entry)}")


@click.command("undo")
@click.argument("claim_id", required=False)
@annotator_option
@store_option
@handle_errors
def undo_cmd(claim_id: str | None, annotator: str | None, store: Path | None) -> None:
    """Retract your latest standing verdict (on CLAIM_ID, or your latest anywhere).

    Appends a retraction to the log; the verdict before it, if any, is current again.
    Exits 0 and says so when there is nothing to undo.

    \b
    Examples:
      workbench undo                      # your most recent verdict
      workbench undo c1a2b3c4d5e6 --annotator ana
    """
    who = _annotator(annotator)
    with _open(store) as st:
        log = VerdictLog(st)
        ref = None if claim_id is None else log.resolve_id(claim_id)
        _echo_undo(log.undo(annotator=who, claim_id=ref), who)


def _echo_undo(entry: VerdictEntry | None, who: str) -> None:
    if entry is None:
        click.echo(f"Nothing to undo for {who}")
    else:
        click.echo(f"Undone: {_describe(entry)}")


@click.command("claims")
@click.option(
    "--status",
    type=click.Choice(STATUSES),
    default="pending",
    show_default=True,
    help="Which claims to list.",
)
@click.option(
    "--annotator",
    default=None,
    metavar="NAME",
    help="Status and verdict as seen by this annotator only (default: anyone's).",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array instead of a table.")
@store_option
@handle_errors
def claims_cmd(status: str, annotator: str | None, as_json: bool, store: Path | None) -> None:
    """List claims with their suggested and current verdicts.

    \b
    Examples:
      workbench claims                    # the queue still to decide
      workbench claims --status all --json | jq '.[] | select(.verdict == "refuted")'
    """
    with _open(store) as st:
        records = VerdictLog(st).claims(status, annotator=annotator)
    if as_json:
        click.echo(json.dumps([r.as_dict() for r in records], ensure_ascii=False, indent=2))
        return
    if not records:
        click.echo(f"No {status} claims." if status != "all" else "No claims.")
        return
    click.echo(_table(records))


def _table(records: list[ClaimRecord]) -> str:
    width = shutil.get_terminal_size((100, 20)).columns
    head = f"{'ID':<13}{'STATUS':<9}{'VERDICT':<17}{'SUGGESTED':<23}CLAIM"
    room = max(20, width - len(head) + len("CLAIM"))
    lines = [head]
    for r in records:
        s = r.suggestion
        suggested = "" if s is None else f"{s.verdict.value} {s.confidence:.2f}"
        text = r.text if len(r.text) <= room else r.text[: room - 1] + "…"
        lines.append(f"{r.id:<13}{r.status:<9}{(r.verdict or ''):<17}{suggested:<23}{text}")
    return "\n".join(lines)


@click.command("history")
@click.argument("claim_id", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of log entries.")
@store_option
@handle_errors
def history_cmd(claim_id: str | None, as_json: bool, store: Path | None) -> None:
    """Show the verdict log, oldest first, retractions included.

    \b
    Examples:
      workbench history
      workbench history c1a2b3c4d5e6 --json
    """
    with _open(store) as st:
        log = VerdictLog(st)
        entries = log.history(None if claim_id is None else log.resolve_id(claim_id))
    if as_json:
        click.echo(json.dumps([e.as_dict() for e in entries], ensure_ascii=False, indent=2))
    elif not entries:
        click.echo("The verdict log is empty.")
    else:
        for e in entries:
            click.echo(_describe(e))


@click.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="csv",
    show_default=True,
    help="csv (spreadsheets), jsonl (one object per line) or claimreview (schema.org JSON-LD).",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="File to write (atomically); default: standard output.",
)
@click.option(
    "--history",
    is_flag=True,
    help="Every log entry, retractions included, not just current verdicts.",
)
@click.option("--bom", is_flag=True, help="Start with a UTF-8 BOM (for Excel).")
@click.option("--annotator", default=None, metavar="NAME", help="Only this annotator's verdicts.")
@store_option
@handle_errors
def export_cmd(
    fmt: str, out: Path | None, history: bool, bom: bool, annotator: str | None, store: Path | None
) -> None:
    """Export verdicts: the current verdict of each decided claim, or the full history.

    In CSV, a cell starting with = + - @ or a tab or carriage return gets a leading '
    so a spreadsheet cannot run it as a formula.

    \b
    Examples:
      workbench export --out verdicts.csv --bom
      workbench export --format jsonl --history --out log.jsonl
      workbench export --format claimreview --out claimreview.json
    """
    with _open(store) as st:
        count = export(VerdictLog(st), fmt, out, history=history, bom=bom, annotator=annotator)
    if out is not None:
        click.echo(f"Wrote {count} {'entries' if history else 'verdicts'} to {out}", err=True)


@click.command("agreement")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@store_option
@handle_errors
def agreement_cmd(as_json: bool, store: Path | None) -> None:
    """Agreement between annotators and how often each accepted the machine's suggestion.

    Cohen's kappa for each pair on the claims both decided; Krippendorff's alpha (nominal)
    over all claims with two or more verdicts. Retracted verdicts do not count.

    \b
    Examples:
      workbench agreement
      workbench agreement --json
    """
    with _open(store) as st:
        report = compute_agreement(VerdictLog(st))
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        return
    if not report.annotators:
        click.echo("No verdicts yet.")
        return
    click.echo(f"Annotators: {', '.join(report.annotators)}")
    if report.pairs:
        click.echo("Cohen's kappa (claims both decided):")
        for p in report.pairs:
            click.echo(
                f"  {p.annotator_a} × {p.annotator_b}: n={p.n}  "
                f"agree={_pct(p.observed)}  kappa={_num(p.kappa)}"
            )
        click.echo(
            f"Krippendorff's alpha (nominal): {_num(report.alpha)} "
            f"over {report.alpha_units} claims with 2+ verdicts"
        )
    click.echo("Suggestion acceptance:")
    for a in report.acceptance:
        click.echo(
            f"  {a.annotator}: {a.accepted} of {a.shown} suggestions accepted "
            f"({_pct(a.rate)}); {a.decided} claims decided"
        )


def _num(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


commands: list[click.Command] = [
    verdict_cmd,
    undo_cmd,
    claims_cmd,
    history_cmd,
    export_cmd,
    agreement_cmd,
]

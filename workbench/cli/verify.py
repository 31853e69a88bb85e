"""CLI: verify claims (one, a file, or the pending queue) and evaluate against gold claims."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import IO, Any

import click

from workbench.cli.common import JUDGE_HELP, handle_errors, settings, store_option, store_path
from workbench.errors import InputError, UsageError

STANCE_COLOUR = {"supports": "green", "refutes": "red", "neutral": "bright_black"}
VERDICT_COLOUR = {
    "supported": "green",
    "refuted": "red",
    "conflicting": "yellow",
    "not_enough_info": "bright_black",
}
CSV_FIELDS = [
    "id",
    "claim",
    "verdict",
    "confidence",
    "supporting",
    "refuting",
    "top_supporting_source",
    "top_supporting_text",
    "top_refuting_source",
    "top_refuting_text",
    "evidence",
]


def _open_workbench(
    store: Path | None, top_k: int | None, judge: str | None, llm: str | None
) -> Any:
    from workbench.api import Workbench
    from workbench.store import Store

    cfg = settings()
    return Workbench(
        Store.open(store_path(store)),
        judge=judge or cfg.judge,
        llm=llm or cfg.llm,
        settings=cfg,
        top_k=top_k,
    )


def _table(result: Any) -> str:
    lines = [
        click.style(
            f"{result.verdict.value.upper()}", fg=VERDICT_COLOUR[result.verdict.value], bold=True
        )
        + f"  (confidence {result.confidence:.2f})  {result.claim.text}",
        f"claim id {result.claim.id}; judge {result.judge}",
    ]
    for title, items in (("Supporting", result.supporting), ("Contradicting", result.refuting)):
        lines.append(click.style(f"{title} ({len(items)})", bold=True))
        for e in items:
            also = (
                f"  (+{len(e.duplicates)} copies: "
                + ", ".join(d.source_name for d in e.duplicates)
                + ")"
                if e.duplicates
                else ""
            )
            lines.append(
                click.style(f"  {e.stance.value:9} {e.score:.2f}", fg=STANCE_COLOUR[e.stance.value])
                + f"  {e.passage.source_name} [{e.passage.start}:{e.passage.end}]{also}"
            )
            lines.append(f"      {e.passage.text}")
    lines.append(click.style(f"Neutral: {len(result.neutral)} passages", fg="bright_black"))
    if result.unjudged:
        lines.append(
            click.style(f"Unjudged: {len(result.unjudged)} ({result.unjudged[0]})", fg="yellow")
        )
    return "\n".join(lines)


def _csv_row(record: dict[str, Any]) -> dict[str, Any]:
    from workbench.export import neutralise

    ev = record["evidence"]
    sup = [e for e in ev if e["stance"] == "supports"]
    ref = [e for e in ev if e["stance"] == "refutes"]
    row = {
        "id": record["id"],
        "claim": record["claim"],
        "verdict": record["verdict"],
        "confidence": record["confidence"],
        "supporting": len(sup),
        "refuting": len(ref),
        "top_supporting_source": sup[0]["source"] if sup else "",
        "top_supporting_text": sup[0]["text"] if sup else "",
        "top_refuting_source": ref[0]["source"] if ref else "",
        "top_refuting_text": ref[0]["text"] if ref else "",
        "evidence": json.dumps(ev, ensure_ascii=False),
    }
    return {k: neutralise(v) if isinstance(v, str) else v for k, v in row.items()}


class _Writer:
    """Writes each result as soon as it is done (and flushes), so a crash keeps them."""

    def __init__(self, fmt: str, out: IO[str]) -> None:
        self.fmt, self.out = fmt, out
        self.csv = csv.DictWriter(out, fieldnames=CSV_FIELDS) if fmt == "csv" else None
        if self.csv:
            self.csv.writeheader()

    def write(self, result: Any) -> None:
        from workbench.verify import result_record

        if self.fmt == "table":
            click.echo(_table(result) + "\n", file=self.out)  # strips colour when piped
        elif self.csv is not None:
            self.csv.writerow(_csv_row(result_record(result)))
        else:
            self.out.write(json.dumps(result_record(result), ensure_ascii=False) + "\n")
        self.out.flush()


@click.command()
@click.argument("claim", required=False)
@click.option(
    "--claims",
    "claims_file",
    type=click.Path(path_type=Path),
    help="Verify every claim in FILE (.txt, .csv or .jsonl).",
)
@click.option("--pending", is_flag=True, help="Verify the claims in the queue with no verdict yet.")
@click.option("--out", type=click.Path(path_type=Path), help="Write results to FILE.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "jsonl", "csv"]),
    default=None,
    help="Output format (default: table for one claim, jsonl for a file).",
)
@store_option
@click.option(
    "--top-k",
    type=click.IntRange(1, 100),
    default=None,
    help="Passages to retrieve and judge per claim (default 10).",
)
@click.option(
    "--judge",
    default=None,
    help=JUDGE_HELP,
)
@click.option("--llm", default=None, help="Chat model spec for --judge llm, e.g. ollama:llama3.1.")
@click.option("--no-save", is_flag=True, help="Do not add the claims to the claim queue.")
@handle_errors
def verify(
    claim: str | None,
    claims_file: Path | None,
    pending: bool,
    out: Path | None,
    fmt: str | None,
    store: Path | None,
    top_k: int | None,
    judge: str | None,
    llm: str | None,
    no_save: bool,
) -> None:
    """Find passages that support and contradict a claim, and suggest a verdict.

    \b
    Examples:
      workbench verify "The United States voted against a UN resolution on Ukraine."
      workbench verify --claims claims.csv --out results.jsonl
      workbench verify --pending --format csv --out queue.csv
    """
    from workbench.claims_io import BadRow, read_claims
    from workbench.verify import make_claim

    sources = sum(x for x in (claim is not None, claims_file is not None, pending))
    if sources != 1:
        raise UsageError(
            "Give exactly one of: a CLAIM, --claims FILE, or --pending "
            '(e.g. workbench verify "The bridge opened in 1932.")'
        )
    if claim is not None:
        fmt = fmt or "table"
        claims: list[Any] = [make_claim(claim)]
    else:
        fmt = fmt or "jsonl"
        if fmt == "table" and out is not None:
            raise UsageError("--format table is for the terminal; use jsonl or csv with --out")
    bad_rows = 0
    with _open_workbench(store, top_k, judge, llm) as wb:
        if claims_file is not None:
            items = list(read_claims(claims_file))
            claims = []
            for item in items:
                if isinstance(item, BadRow):
                    bad_rows += 1
                    click.echo(
                        f"{claims_file}, line {item.line}: skipped ({item.reason})", err=True
                    )
                else:
                    claims.append(item)
            if not claims:
                raise InputError(f"{claims_file}: no usable claims; see the lines reported above")
        elif pending:
            claims = wb.pending_claims()
            if not claims:
                click.echo("No pending claims in the queue.", err=True)
                return
        _ = wb.verifier  # fail fast on an empty store, before opening the output
        handle = _open_out(out)
        try:
            writer = _Writer(fmt, handle)
            show_bar = len(claims) > 1 and not settings_quiet()
            from tqdm import tqdm

            bar = tqdm(
                total=len(claims),
                desc="Verifying",
                unit=" claims",
                file=sys.stderr,
                disable=not show_bar,
            )
            origin_file = str(claims_file) if claims_file else None
            for result in wb.verify_many(claims, save=not no_save, origin_file=origin_file):
                writer.write(result)
                bar.update(1)
            bar.close()
        finally:
            if handle is not sys.stdout:
                handle.close()
    if out is not None:
        click.echo(
            f"Wrote {len(claims)} results to {out}"
            + (f"; skipped {bad_rows} bad rows" if bad_rows else ""),
            err=True,
        )


def settings_quiet() -> bool:
    return False


def _open_out(out: Path | None) -> IO[str]:
    if out is None:
        return sys.stdout
    try:
        return out.open("w", encoding="utf-8", newline="")
    except OSError as exc:
        raise InputError(f"Cannot write {out} ({exc.strerror}); choose another --out") from None


@click.command(name="eval")
@click.option(
    "--gold",
    type=click.Path(path_type=Path),
    required=True,
    help="Gold claims JSONL (id, claim, label, evidence[{doc, quote}]).",
)
@store_option
@click.option(
    "--top-k",
    type=click.IntRange(1, 100),
    default=5,
    show_default=True,
    help="Evidence recall is measured in the first K evidence passages.",
)
@click.option(
    "--judge",
    default=None,
    help=JUDGE_HELP,
)
@click.option("--llm", default=None, help="Chat model spec for --judge llm.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--show", is_flag=True, help="List each claim with gold and predicted verdicts.")
@handle_errors
def evaluate(
    gold: Path,
    store: Path | None,
    top_k: int,
    judge: str | None,
    llm: str | None,
    as_json: bool,
    show: bool,
) -> None:
    """Measure verdict accuracy and evidence recall@k on labelled claims (nothing is saved).

    \b
    Example:
      workbench eval --gold ../shared/eval/seed_dev_claims.jsonl --top-k 5
    """
    from workbench.evaluation import LABELS, read_gold
    from workbench.evaluation import evaluate as run_eval

    gold_claims = read_gold(gold)
    with _open_workbench(store, None, judge, llm) as wb:
        report = run_eval(
            gold_claims, lambda texts: list(wb.verify_many(texts, save=False)), k=top_k
        )
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2))
        return
    if show:
        for row in report.rows:
            mark = "ok " if row["gold"] == row["predicted"] else "ERR"
            found = {True: "found", False: "MISSED", None: "-"}[row["evidence_found"]]
            click.echo(
                f"{mark} {row['id']:6} gold={row['gold']:16} predicted={row['predicted']:16}"
                f" {row['confidence']:.2f} evidence {found:6}  {row['claim']}"
            )
    click.echo(
        f"claims {report.n}   verdict accuracy {report.accuracy:.3f}   "
        f"macro-F1 {report.macro_f1:.3f}   evidence recall@{report.k} "
        + (f"{report.recall_at_k:.3f}" if report.recall_at_k is not None else "n/a")
    )
    click.echo("per-class F1: " + "  ".join(f"{k} {v:.2f}" for k, v in report.per_class_f1.items()))
    click.echo("confusion (rows gold, columns predicted):")
    short = ["supp", "refu", "conf", "nei"]
    click.echo("            " + " ".join(f"{s:>5}" for s in short))
    for label, counts in zip(LABELS, report.confusion, strict=True):
        click.echo(f"  {label:16}"[:12] + " ".join(f"{v:5d}" for v in counts))


commands: list[click.Command] = [verify, evaluate]

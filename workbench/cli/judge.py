"""`workbench judge`: stance for (claim, passage) pairs from JSONL, and dev-set scores."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import click

from workbench.cli.common import JUDGE_HELP, handle_errors, settings
from workbench.errors import InputError, UsageError

CHUNK = 256


@click.group("judge")
def judge() -> None:
    """Judge the stance of passages towards claims.

    \b
    Example:
      workbench judge predict --input pairs.jsonl --out judged.jsonl
      workbench judge eval --limit 1000
    """


def read_pairs(path: Path) -> list[dict[str, Any]]:
    """Parse a JSONL file of ``{"claim": ..., "passage": ...}`` objects; errors name the line."""
    if str(path) != "-" and not path.is_file():
        raise InputError(f"No input file at {path}; pass --input FILE (JSONL, one pair per line)")
    rows: list[dict[str, Any]] = []
    try:
        fh: IO[str] = sys.stdin if str(path) == "-" else path.open(encoding="utf-8")
        with fh:
            for number, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputError(f"{path}, line {number}: not valid JSON ({exc.msg})") from None
                if not isinstance(row, dict):
                    raise InputError(f"{path}, line {number}: expected a JSON object")
                for key in ("claim", "passage"):
                    if not isinstance(row.get(key), str):
                        raise InputError(f'{path}, line {number}: needs a string "{key}" field')
                rows.append(row)
    except UnicodeDecodeError as exc:
        raise InputError(f"{path} is not UTF-8 text ({exc.reason})") from None
    return rows


def build_judge(name: str | None, llm: str | None) -> Any:
    """The judge by name (default: settings); ``--llm`` alone implies the llm judge."""
    from workbench.judges.base import get_judge

    cfg = settings()
    if name is None:
        name = "llm" if llm else cfg.judge
    if name == "llm":
        return get_judge("llm", spec=llm or cfg.llm)
    if llm:
        raise UsageError(f"--llm only applies to the llm judge, not '{name}'; add --judge llm")
    return get_judge(name)


def judged_lines(judge_: Any, rows: list[dict[str, Any]]) -> Iterator[str]:
    """One output JSON line per input row, in input order."""
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        results = judge_.judge([(r["claim"], r["passage"]) for r in chunk])
        if len(results) != len(chunk):
            raise UsageError(
                f"Judge {judge_.identity} returned {len(results)} results for {len(chunk)}"
            )
        for row, j in zip(chunk, results, strict=True):
            out = dict(row)
            if j.stance is None:
                out["stance"] = None
                out["probs"] = None
                out["error"] = j.error or "not judged"
            else:
                out["stance"] = str(j.stance.value)
                out["probs"] = {str(k.value): round(float(v), 6) for k, v in j.probs.items()}
            out["judge"] = j.judge
            yield json.dumps(out, ensure_ascii=False)


@judge.command("predict")
@click.option(
    "--input",
    "input_",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help='JSONL file, one {"claim": ..., "passage": ...} per line (- for stdin).',
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write JSONL here (default: stdout).",
)
@click.option(
    "--judge",
    "judge_name",
    default=None,
    help=JUDGE_HELP,
)
@click.option("--llm", default=None, help="Chat model spec for --judge llm.")
@handle_errors
def predict(input_: Path, out: Path | None, judge_name: str | None, llm: str | None) -> None:
    """Add a stance to every (claim, passage) pair of a JSONL file.

    Each output line is the input object (other fields unchanged) plus `stance`
    (supports | refutes | neutral, or null when the judge could not judge the pair, with an
    `error`), `probs` ({"supports": p, "refutes": p, "neutral": p}) and `judge` (identity).

    \b
    Example:
      echo '{"claim": "Ice melts at 0 C.", "passage": "Water ice melts at 0 C.", "id": 1}' > p.jsonl
      workbench judge predict --input p.jsonl --out judged.jsonl
    """
    rows = read_pairs(input_)
    judge_ = build_judge(judge_name, llm)
    if out is None:
        for line in judged_lines(judge_, rows):
            click.echo(line)
        return
    tmp = out.with_name(out.name + ".partial")
    try:
        with tmp.open("w", encoding="utf-8") as fh:
            for line in judged_lines(judge_, rows):
                fh.write(line + "\n")
    except OSError as exc:
        raise InputError(f"Cannot write {out}: {exc.strerror}") from None
    tmp.replace(out)
    click.echo(f"Judged {len(rows)} pairs with {judge_.identity} → {out}", err=True)


@judge.command("eval")
@click.option(
    "--judge",
    "judge_name",
    default=None,
    help=JUDGE_HELP,
)
@click.option("--llm", default=None, help="Chat model spec for --judge llm.")
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=None,
    help="At most N pairs per dataset, evenly spaced over the file.",
)
@click.option(
    "--dataset",
    type=click.Choice(["all", "climate-fever", "wice"]),
    default="all",
    show_default=True,
)
@click.option(
    "--climate-fever",
    "cf_path",
    type=click.Path(path_type=Path),
    default=None,
    envvar="WORKBENCH_CLIMATE_FEVER",
    help="climate-fever.jsonl or its folder (default ../shared/data/climate-fever; "
    "env WORKBENCH_CLIMATE_FEVER).",
)
@click.option(
    "--wice",
    "wice_path",
    type=click.Path(path_type=Path),
    default=None,
    envvar="WORKBENCH_WICE",
    help="WiCE claim_dev.jsonl or its folder (default ../shared/data/wice; env WORKBENCH_WICE).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as JSON.")
@handle_errors
def eval_(
    judge_name: str | None,
    llm: str | None,
    limit: int | None,
    dataset: str,
    cf_path: Path | None,
    wice_path: Path | None,
    as_json: bool,
) -> None:
    """Score a judge on Climate-FEVER evidence pairs and WiCE dev sentences.

    Prints accuracy, macro-F1, per-class F1 and the confusion matrix per dataset.
    Climate-FEVER: every (claim, evidence sentence) pair with its evidence label
    (SUPPORTS / REFUTES / NOT_ENOUGH_INFO → supports / refutes / neutral).
    WiCE: the claim against every sentence of the cited article; the annotated supporting
    sentences of a `supported` claim are supports, all other sentences neutral; supporting
    sentences of a `partially_supported` claim are left out. WiCE has no refutes gold, so its
    macro-F1 is over supports and neutral.

    \b
    Example:
      workbench judge eval --limit 2000
      workbench judge eval --dataset wice --judge fake
    """
    from workbench.judges.training import evaluation as E

    sets: list[tuple[str, list[E.EvalPair]]] = []
    if dataset in ("all", "climate-fever"):
        sets.append(("Climate-FEVER", E.subsample(E.load_climate_fever(cf_path), limit)))
    if dataset in ("all", "wice"):
        sets.append(("WiCE dev", E.subsample(E.load_wice(wice_path), limit)))
    judge_ = build_judge(judge_name, llm)
    report: dict[str, Any] = {"judge": judge_.identity}
    for name, pairs in sets:
        result = E.evaluate(judge_, pairs)
        report[name] = result
        if not as_json:
            click.echo(E.format_report(name, result))
    if as_json:
        click.echo(json.dumps(report, indent=2))
    else:
        click.echo(f"judge: {judge_.identity}")


commands: list[click.Command] = [judge]

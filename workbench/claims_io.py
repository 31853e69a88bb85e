"""Claims files: .txt (one claim per line), .csv (column ``claim``, optional ``id``) or
.jsonl (field ``claim``, optional ``id``). Broken rows are reported with their line number
and skipped; the rest are read."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from workbench.errors import InputError
from workbench.types import Claim, ClaimOrigin
from workbench.verify import make_claim

FORMATS = (".txt", ".csv", ".jsonl")


@dataclass(frozen=True)
class BadRow:
    line: int
    reason: str


def read_claims(path: Path) -> Iterator[Claim | BadRow]:
    """Yield claims in file order, and a BadRow for each row that cannot be used."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise InputError(
            f"{path}: unknown claims file type '{suffix or '(none)'}'; use .txt (one claim per "
            "line), .csv (column 'claim') or .jsonl (field 'claim')"
        )
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{path}: no such claims file; check the path") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text; save it as UTF-8") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    if suffix == ".txt":
        yield from _txt(text)
    elif suffix == ".csv":
        yield from _csv(path, text)
    else:
        yield from _jsonl(text)


def _make(text: object, line: int, id: object = None) -> Claim | BadRow:  # noqa: A002
    if not isinstance(text, str):
        return BadRow(line, "the claim is missing or not text")
    try:
        return make_claim(
            text, id=str(id) if id not in (None, "") else None, origin=ClaimOrigin.FILE
        )
    except InputError as exc:
        return BadRow(line, str(exc))


def _txt(text: str) -> Iterator[Claim | BadRow]:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip() and not line.lstrip().startswith("#"):
            yield _make(line, number)


def _csv(path: Path, text: str) -> Iterator[Claim | BadRow]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if not reader.fieldnames or "claim" not in reader.fieldnames:
        raise InputError(f"{path}: no 'claim' column in the header; add one (and optionally 'id')")
    try:
        for row in reader:
            if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
                continue
            if None in row:
                yield BadRow(reader.line_num, "more cells than header columns; quote the claim")
                continue
            yield _make(row.get("claim"), reader.line_num, row.get("id"))
    except csv.Error as exc:
        yield BadRow(reader.line_num, f"unreadable CSV ({exc}); fix the quoting")


def _jsonl(text: str) -> Iterator[Claim | BadRow]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield BadRow(number, f"not valid JSON ({exc.msg})")
            continue
        if not isinstance(record, dict):
            yield BadRow(number, "not a JSON object with a 'claim' field")
            continue
        yield _make(record.get("claim"), number, record.get("id"))

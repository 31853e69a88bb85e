"""Exports from a real store: CSV round-trips, injection, JSONL, ClaimReview, atomic writes."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench.errors import InputError, UsageError
from workbench.export import CSV_COLUMNS, atomic_write, export, neutralise
from workbench.store import Store
from workbench.types import (
    Appearance,
    Claim,
    Evidence,
    Passage,
    Stance,
    StanceJudgement,
    VerdictLabel,
    VerificationResult,
)
from workbench.verdict_log import VerdictLog


@pytest.fixture()
def log(tmp_path: Path) -> Iterator[VerdictLog]:
    store = Store.open(tmp_path / "s", create=True)
    yield VerdictLog(store)
    store.close()


def add_passage(log: VerdictLog, pid: str, text: str, source: str) -> Passage:
    db = log.store.db
    db.execute(
        "INSERT INTO documents (id, source, text, file_hash, cleaning, ingested_at)"
        " VALUES (?, ?, ?, 'h', '{}', 'now')",
        ("d" + pid, source, text),
    )
    db.execute(
        'INSERT INTO passages (id, doc_id, idx, start, "end", text) VALUES (?,?,0,0,?,?)',
        (pid, "d" + pid, len(text), text),
    )
    return Passage(id=pid, doc_id="d" + pid, source=source, start=0, end=len(text), text=text)


def suggest(
    log: VerdictLog, claim: Claim, passage: Passage, verdict: VerdictLabel, confidence: float
) -> int:
    j = StanceJudgement(stance=Stance.SUPPORTS, probs={}, judge="fake")
    ev = Evidence(passage=passage, stance=Stance.SUPPORTS, score=0.9, relevance=0.5, judgement=j)
    return log.add_suggestion(
        VerificationResult(
            claim=claim,
            verdict=verdict,
            confidence=confidence,
            supporting=(ev,),
            judge="fake-judge",
        )
    )


def read_csv(path: Path, encoding: str = "utf-8") -> list[dict[str, str]]:
    with path.open(newline="", encoding=encoding) as fh:
        return list(csv.DictReader(fh))


AWKWARD = [
    'Comma, "quoted" and\nnew line',
    "Кошка сидит на крыше, «да»",
    "گربه روی پشت بام است",
    "猫在屋顶上。「引号」",
    'Mixed: Ελληνικά, emoji 🐈 and a trailing quote"',
]


def test_csv_round_trips_awkward_text(log: VerdictLog, tmp_path: Path) -> None:
    ids = []
    for i, text in enumerate(AWKWARD):
        c = log.add_claim(text)
        log.record(c.id, "refuted", annotator="Анна", note=f"note {i}: {text}")
        ids.append(c.id)
    out = tmp_path / "v.csv"
    assert export(log, "csv", out) == len(AWKWARD)
    rows = read_csv(out)
    assert list(rows[0].keys()) == list(CSV_COLUMNS)
    assert [r["claim_id"] for r in rows] == ids
    assert [r["claim"] for r in rows] == [" ".join(t.split()) for t in AWKWARD]
    assert [r["note"] for r in rows] == [f"note {i}: {t}" for i, t in enumerate(AWKWARD)]
    assert {r["annotator"] for r in rows} == {"Анна"}
    assert out.read_bytes().count(b"\r\n") >= len(AWKWARD) + 1  # RFC 4180 record ends
    assert not out.read_bytes().startswith(b"\xef\xbb\xbf")


def test_bom_for_spreadsheets(log: VerdictLog, tmp_path: Path) -> None:
    c = log.add_claim("Кошка")
    log.record(c.id, "supported", annotator="ana")
    out = tmp_path / "v.csv"
    export(log, "csv", out, bom=True)
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    assert read_csv(out, encoding="utf-8-sig")[0]["claim"] == "Кошка"


@pytest.mark.parametrize(
    "cell", ['=HYPERLINK("http://x")', "+1+2", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]
)
def test_neutralise(cell: str) -> None:
    assert neutralise(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["Plain", "1+1=2", " =not at start", "'already", ""])
def test_neutralise_leaves_safe_cells(cell: str) -> None:
    assert neutralise(cell) == cell


def test_formula_cells_are_neutralised_in_csv_but_exact_in_jsonl(
    log: VerdictLog, tmp_path: Path
) -> None:
    c = log.add_claim('=HYPERLINK("http://evil", "x")')
    log.record(c.id, "refuted", annotator="@mallory", note="-1+2 is not a formula")
    out = tmp_path / "v.csv"
    export(log, "csv", out)
    row = read_csv(out)[0]
    assert row["claim"] == "'" + '=HYPERLINK("http://evil", "x")'
    assert row["annotator"] == "'@mallory"
    assert row["note"] == "'-1+2 is not a formula"
    for value in row.values():
        assert not value.startswith(("=", "+", "-", "@", "\t", "\r"))
    jl = tmp_path / "v.jsonl"
    export(log, "jsonl", jl)
    rec = json.loads(jl.read_text(encoding="utf-8"))
    assert rec["claim"] == '=HYPERLINK("http://evil", "x")' and rec["annotator"] == "@mallory"


def test_suggestion_and_evidence_columns(log: VerdictLog, tmp_path: Path) -> None:
    p1 = add_passage(log, "p1", "The bridge\nopened in 1932.", "docs/a.txt")
    p2 = add_passage(log, "p2", 'It, "reportedly", opened later.', "docs/b.txt")
    agree = log.add_claim("The bridge opened in 1932.")
    differ = log.add_claim("The bridge opened in 1950.")
    bare = log.add_claim("No suggestion here.")
    suggest(log, agree, p1, VerdictLabel.SUPPORTED, 0.91)
    suggest(log, differ, p1, VerdictLabel.SUPPORTED, 0.55)
    log.record(agree.id, "supported", annotator="ana", evidence_ids=["p1", "p2"])
    log.record(differ.id, "refuted", annotator="ana")
    log.record(bare.id, "not_enough_info", annotator="ana")
    out = tmp_path / "v.csv"
    export(log, "csv", out)
    rows = {r["claim_id"]: r for r in read_csv(out)}
    a = rows[agree.id]
    assert (a["suggested_verdict"], a["suggested_confidence"], a["agrees_with_suggestion"]) == (
        "supported",
        "0.910",
        "true",
    )
    assert a["evidence_ids"].split("\n") == ["p1", "p2"]
    assert a["evidence_sources"].split("\n") == ["docs/a.txt", "docs/b.txt"]
    assert a["evidence_quotes"].split("\n") == ["The bridge opened in 1932.", p2.text]
    assert a["suggestion_judge"] == "fake-judge"
    assert rows[differ.id]["agrees_with_suggestion"] == "false"
    b = rows[bare.id]
    assert (b["suggested_verdict"], b["agrees_with_suggestion"], b["evidence_ids"]) == ("", "", "")


def test_default_is_current_verdicts_history_is_everything(log: VerdictLog, tmp_path: Path) -> None:
    c1, c2, pending = (log.add_claim(t) for t in ("One", "Two", "Three"))
    log.record(c1.id, "supported", annotator="ana")
    log.record(c1.id, "refuted", annotator="ana")
    log.record(c2.id, "supported", annotator="ana")
    log.undo(annotator="ana", claim_id=c2.id)
    log.record(c1.id, "conflicting", annotator="bob")
    cur = tmp_path / "cur.csv"
    assert export(log, "csv", cur) == 1
    rows = read_csv(cur)
    assert [(r["claim_id"], r["verdict"], r["annotator"]) for r in rows] == [
        (c1.id, "conflicting", "bob")
    ]
    assert pending.id not in cur.read_text(encoding="utf-8")
    ana = tmp_path / "ana.csv"
    export(log, "csv", ana, annotator="ana")
    assert [(r["claim_id"], r["verdict"]) for r in read_csv(ana)] == [(c1.id, "refuted")]
    hist = tmp_path / "hist.csv"
    assert export(log, "csv", hist, history=True) == 5
    actions = [(r["action"], r["verdict"], r["retracts"]) for r in read_csv(hist)]
    assert actions[3] == ("retract", "", "3")
    assert [a for a, _, _ in actions] == ["decide", "decide", "decide", "retract", "decide"]


def test_jsonl(log: VerdictLog, tmp_path: Path) -> None:
    c = log.add_claim("猫 sat", appearances=[Appearance("a.txt", 3, 9)])
    log.record(c.id, "supported", annotator="ana", note="line1\nline2")
    out = tmp_path / "v.jsonl"
    export(log, "jsonl", out, history=True)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    rec = json.loads(lines[0])
    assert rec["claim"] == "猫 sat" and rec["note"] == "line1\nline2"
    assert rec["appearances"] == [{"source": "a.txt", "start": 3, "end": 9, "doc_id": None}]
    assert rec["suggestion"] is None and rec["agrees_with_suggestion"] is None


def test_claimreview(log: VerdictLog, tmp_path: Path) -> None:
    p = add_passage(log, "p1", "Evidence text.", "docs/a.txt")
    c = log.add_claim("The bridge opened in 1932.", appearances=[Appearance("news.txt", 0, 26)])
    log.add_claim("Never decided.")
    log.record(c.id, "not_enough_info", annotator="ana", note="Unclear", evidence_ids=[p.id])
    out = tmp_path / "cr.json"
    assert export(log, "claimreview", out) == 1
    [review] = json.loads(out.read_text(encoding="utf-8"))
    assert review["@context"] == "https://schema.org" and review["@type"] == "ClaimReview"
    assert review["claimReviewed"] == "The bridge opened in 1932."
    assert review["reviewRating"]["alternateName"] == "Not enough information"
    assert review["author"] == {"@type": "Person", "name": "ana"}
    assert len(review["datePublished"]) == 10
    assert review["itemReviewed"]["appearance"][0]["name"] == "news.txt"
    assert review["citation"][0]["text"] == "Evidence text."
    with pytest.raises(UsageError, match="current verdicts only"):
        export(log, "claimreview", out, history=True)


def test_stream_output(log: VerdictLog) -> None:
    c = log.add_claim("One")
    log.record(c.id, "supported", annotator="ana")
    buf = io.StringIO()
    export(log, "jsonl", buf)
    assert json.loads(buf.getvalue())["claim_id"] == c.id


def test_unknown_format(log: VerdictLog) -> None:
    with pytest.raises(UsageError, match="csv, jsonl, claimreview"):
        export(log, "xlsx", io.StringIO())


def test_unwritable_paths_are_clear_errors(log: VerdictLog, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="Cannot write .*missing.*--out"):
        export(log, "csv", tmp_path / "missing" / "v.csv")
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    with pytest.raises(InputError, match="Cannot write"):
        export(log, "csv", a_file / "v.csv")
    with pytest.raises(InputError, match="is a folder"):
        export(log, "csv", tmp_path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores folder permissions")
def test_read_only_folder(log: VerdictLog, tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(InputError, match="Cannot write"):
            export(log, "csv", folder / "v.csv")
    finally:
        folder.chmod(0o700)


def test_failed_write_leaves_the_old_file_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "v.csv"
    target.write_text("old complete export\n")
    with pytest.raises(RuntimeError), atomic_write(target) as fh:
        fh.write("half a")
        raise RuntimeError("disk on fire")
    assert target.read_text() == "old complete export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.csv"]


def test_new_file_gets_normal_permissions(log: VerdictLog, tmp_path: Path) -> None:
    out = tmp_path / "v.csv"
    export(log, "csv", out)
    assert out.stat().st_mode & 0o644 == 0o644
    assert read_csv(out) == []  # header only

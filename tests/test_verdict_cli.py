"""The verdict, undo, claims, history, export and agreement commands through Click's runner."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from workbench.cli import verdicts
from workbench.store import Store
from workbench.types import Appearance, VerdictLabel, VerificationResult
from workbench.verdict_log import VerdictLog

cli = click.Group("workbench", commands=verdicts.commands)


@pytest.fixture()
def store_dir(tmp_path: Path) -> Path:
    with Store.open(tmp_path / "s", create=True) as s:
        log = VerdictLog(s)
        first = log.add_claim(
            "The bridge opened in 1932.", appearances=[Appearance("news/a.txt", 10, 36)]
        )
        log.add_claim("Кошка, 猫 and گربه are cats")
        log.add_suggestion(
            VerificationResult(
                claim=first, verdict=VerdictLabel.SUPPORTED, confidence=0.83, judge="fake"
            )
        )
        s.db.execute(
            "INSERT INTO documents (id, source, text, file_hash, cleaning, ingested_at)"
            " VALUES ('d1', 'news/a.txt', 'It opened in 1932.', 'h', '{}', 'now')"
        )
        s.db.execute(
            'INSERT INTO passages (id, doc_id, idx, start, "end", text)'
            " VALUES ('p1', 'd1', 0, 0, 18, 'It opened in 1932.')"
        )
    return tmp_path / "s"


def ids(store_dir: Path) -> list[str]:
    with Store.open(store_dir) as s:
        return [c.id for c in VerdictLog(s).claims("all")]


def run(*args: str, ok: bool = True) -> click.testing.Result:
    result = CliRunner().invoke(cli, list(args))
    if ok:
        assert result.exit_code == 0, result.output
    return result


def log_rows(store_dir: Path) -> list[tuple[object, ...]]:
    db = sqlite3.connect(store_dir / "workbench.db")
    try:
        return db.execute(
            "SELECT claim_id, action, verdict, annotator, note, evidence_ids"
            " FROM verdicts ORDER BY id"
        ).fetchall()
    finally:
        db.close()


def test_verdict_records_and_undo(store_dir: Path) -> None:
    cid = ids(store_dir)[0]
    out = run(
        "verdict",
        cid,
        "refuted",
        "--note",
        "It was 1933",
        "--evidence",
        "p1",
        "--annotator",
        "ana",
        "--store",
        str(store_dir),
    ).output
    assert "Recorded #1" in out and "refuted" in out
    assert log_rows(store_dir) == [(cid, "decide", "refuted", "ana", "It was 1933", '["p1"]')]
    out = run("verdict", cid, "--undo", "--annotator", "ana", "--store", str(store_dir)).output
    assert "retracted #1" in out
    out = run("verdict", cid, "--undo", "--annotator", "ana", "--store", str(store_dir)).output
    assert "Nothing to undo" in out
    assert [r[1] for r in log_rows(store_dir)] == ["decide", "retract"]


def test_claim_id_prefix(store_dir: Path) -> None:
    cid = ids(store_dir)[0]
    run("verdict", cid[:6], "supported", "--annotator", "ana", "--store", str(store_dir))
    assert log_rows(store_dir)[0][0] == cid


def test_undo_command_for_scripts(store_dir: Path) -> None:
    a, b = ids(store_dir)
    run("verdict", a, "supported", "--annotator", "ana", "--store", str(store_dir))
    run("verdict", b, "refuted", "--annotator", "ana", "--store", str(store_dir))
    assert b in run("undo", "--annotator", "ana", "--store", str(store_dir)).output
    assert a in run("undo", a, "--annotator", "ana", "--store", str(store_dir)).output
    assert "Nothing to undo" in run("undo", "--annotator", "ana", "--store", str(store_dir)).output


def test_annotator_from_env_then_config_then_login(
    store_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    cid = ids(store_dir)[0]
    monkeypatch.setenv("WORKBENCH_ANNOTATOR", "from-env")
    run("verdict", cid, "supported", "--store", str(store_dir))
    monkeypatch.delenv("WORKBENCH_ANNOTATOR")
    home = tmp_path / "home2"
    home.mkdir()
    (home / "config.toml").write_text('annotator = "from-config"\n')
    monkeypatch.setenv("WORKBENCH_HOME", str(home))
    run("verdict", cid, "supported", "--store", str(store_dir))
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "empty-home"))
    for var in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LOGNAME", "from-login")
    run("verdict", cid, "supported", "--store", str(store_dir))
    assert [r[3] for r in log_rows(store_dir)] == ["from-env", "from-config", "from-login"]


@pytest.mark.parametrize(
    "args,message",
    [
        (["verdict", "nope", "supported"], "Unknown claim id 'nope'"),
        (["verdict", "{cid}", "true"], "Unknown verdict 'true'"),
        (["verdict", "{cid}", "supported", "--evidence", "p-missing"], "Unknown evidence passage"),
        (["verdict", "{cid}"], "Give a VERDICT"),
        (["verdict", "{cid}", "refuted", "--undo"], "--undo takes only CLAIM_ID"),
        (["undo", "nope"], "Unknown claim id"),
    ],
)
def test_errors_are_one_line_and_change_nothing(
    store_dir: Path, args: list[str], message: str
) -> None:
    cid = ids(store_dir)[0]
    before = (store_dir / "workbench.db").read_bytes()
    argv = [a.replace("{cid}", cid) for a in args] + [
        "--annotator",
        "ana",
        "--store",
        str(store_dir),
    ]
    result = run(*argv, ok=False)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert log_rows(store_dir) == []
    assert (store_dir / "workbench.db").read_bytes() == before


def test_missing_store_names_the_fix(tmp_path: Path) -> None:
    result = run("claims", "--store", str(tmp_path / "nowhere"), ok=False)
    assert result.exit_code == 1 and "workbench ingest" in result.output
    assert not (tmp_path / "nowhere").exists()


def test_newer_schema_store_is_refused_and_unchanged(store_dir: Path) -> None:
    cid = ids(store_dir)[0]
    db = sqlite3.connect(store_dir / "workbench.db")
    db.execute("INSERT INTO _migrations VALUES ('m999_future', 'now')")
    db.commit()
    db.close()
    before = log_rows(store_dir)
    result = run(
        "verdict", cid, "supported", "--annotator", "ana", "--store", str(store_dir), ok=False
    )
    assert result.exit_code == 1 and "newer workbench" in result.output
    assert "Traceback" not in result.output
    assert log_rows(store_dir) == before


def test_claims_json_and_table(store_dir: Path) -> None:
    first, second = ids(store_dir)
    run("verdict", second, "not_enough_info", "--annotator", "ana", "--store", str(store_dir))
    data = json.loads(run("claims", "--status", "all", "--json", "--store", str(store_dir)).stdout)
    assert [d["id"] for d in data] == [first, second]
    for d in data:
        assert {"id", "text", "status", "suggestion", "verdict", "appearances"} <= set(d)
    assert data[0]["appearances"][0] | {"doc_id": None} == {
        "source": "news/a.txt",
        "start": 10,
        "end": 36,
        "doc_id": None,
    }
    assert data[0]["suggestion"]["verdict"] == "supported"
    assert data[0]["suggestion"]["confidence"] == 0.83
    assert (data[1]["status"], data[1]["verdict"]) == ("decided", "not_enough_info")
    assert data[1]["text"] == "Кошка, 猫 and گربه are cats"
    pending = json.loads(run("claims", "--json", "--store", str(store_dir)).stdout)
    assert [d["id"] for d in pending] == [first]
    table = run("claims", "--status", "all", "--store", str(store_dir)).output
    assert first in table and second in table and "supported 0.83" in table
    assert (
        "No decided claims"
        in run(
            "claims", "--status", "decided", "--annotator", "bob", "--store", str(store_dir)
        ).output
    )


def test_history_command(store_dir: Path) -> None:
    cid = ids(store_dir)[0]
    assert "empty" in run("history", "--store", str(store_dir)).output
    run("verdict", cid, "supported", "--annotator", "ana", "--store", str(store_dir))
    run("undo", "--annotator", "ana", "--store", str(store_dir))
    entries = json.loads(run("history", cid, "--json", "--store", str(store_dir)).stdout)
    assert [e["action"] for e in entries] == ["decide", "retract"]


def test_export_command(store_dir: Path, tmp_path: Path) -> None:
    first, second = ids(store_dir)
    run(
        "verdict",
        first,
        "supported",
        "--annotator",
        "ana",
        "--evidence",
        "p1",
        "--note",
        "=cmd|' /C calc'!A0",
        "--store",
        str(store_dir),
    )
    run("verdict", second, "refuted", "--annotator", "ana", "--store", str(store_dir))
    run("undo", second, "--annotator", "ana", "--store", str(store_dir))
    out = tmp_path / "v.csv"
    result = run("export", "--out", str(out), "--bom", "--store", str(store_dir))
    assert "Wrote 1 verdicts" in result.output
    with out.open(newline="", encoding="utf-8-sig") as fh:
        [row] = list(csv.DictReader(fh))
    assert row["claim_id"] == first and row["note"].startswith("'=")
    assert (row["suggested_verdict"], row["agrees_with_suggestion"]) == ("supported", "true")
    assert row["evidence_quotes"] == "It opened in 1932."
    stdout = run("export", "--history", "--format", "jsonl", "--store", str(store_dir)).stdout
    assert [json.loads(line)["action"] for line in stdout.splitlines()] == [
        "decide",
        "decide",
        "retract",
    ]
    cr = json.loads(run("export", "--format", "claimreview", "--store", str(store_dir)).stdout)
    assert cr[0]["@type"] == "ClaimReview"
    csv_stdout = run("export", "--store", str(store_dir)).stdout
    assert list(csv.reader(io.StringIO(csv_stdout)))[1][0] == first


def test_export_errors(store_dir: Path, tmp_path: Path) -> None:
    result = run(
        "export",
        "--out",
        str(tmp_path / "no" / "such" / "v.csv"),
        "--store",
        str(store_dir),
        ok=False,
    )
    assert result.exit_code == 1 and "Cannot write" in result.output
    assert "Traceback" not in result.output
    result = run(
        "export", "--format", "claimreview", "--history", "--store", str(store_dir), ok=False
    )
    assert result.exit_code == 2 and "current verdicts only" in result.output
    assert not (tmp_path / "no").exists()


def test_agreement_command(store_dir: Path) -> None:
    first, second = ids(store_dir)
    assert "No verdicts yet" in run("agreement", "--store", str(store_dir)).output
    for who, verdicts_ in (("ana", ("supported", "refuted")), ("bob", ("supported", "supported"))):
        for cid, v in zip((first, second), verdicts_, strict=True):
            run("verdict", cid, v, "--annotator", who, "--store", str(store_dir))
    text = run("agreement", "--store", str(store_dir)).output
    assert "ana × bob: n=2" in text and "agree=50.0%" in text
    assert "ana: 1 of 1 suggestions accepted (100.0%)" in text
    data = json.loads(run("agreement", "--json", "--store", str(store_dir)).stdout)
    assert data["annotators"] == ["ana", "bob"] and data["pairs"][0]["n"] == 2


@pytest.mark.parametrize("name", [c.name for c in verdicts.commands])
def test_every_help_has_an_example(name: str) -> None:
    out = run(name, "--help").output
    assert "Example" in out and f"workbench {name}" in out

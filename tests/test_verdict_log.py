"""The verdict log against a real SQLite store: writes, undo, status, durability, concurrency."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench.errors import InputError, StoreError
from workbench.store import Store
from workbench.types import (
    Appearance,
    Claim,
    ClaimOrigin,
    Evidence,
    Passage,
    Stance,
    StanceJudgement,
    VerdictLabel,
    VerificationResult,
    claim_id,
)
from workbench.verdict_log import VerdictLog, parse_verdict

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture()
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "s", create=True)
    yield s
    s.close()


@pytest.fixture()
def log(store: Store) -> VerdictLog:
    return VerdictLog(store)


def add_passage(
    store: Store,
    pid: str,
    text: str = "The bridge opened in 1932.",
    source: str = "docs/bridge.txt",
) -> Passage:
    doc_id = "d-" + pid
    store.db.execute(
        "INSERT INTO documents (id, source, text, file_hash, cleaning, ingested_at)"
        " VALUES (?, ?, ?, 'h', '{}', 'now')",
        (doc_id, source + pid, text),
    )
    store.db.execute(
        'INSERT INTO passages (id, doc_id, idx, start, "end", text) VALUES (?, ?, 0, 0, ?, ?)',
        (pid, doc_id, len(text), text),
    )
    return Passage(id=pid, doc_id=doc_id, source=source + pid, start=0, end=len(text), text=text)


def result_for(
    claim: Claim,
    passage: Passage,
    verdict: VerdictLabel = VerdictLabel.SUPPORTED,
    confidence: float = 0.8,
) -> VerificationResult:
    judgement = StanceJudgement(stance=Stance.SUPPORTS, probs={Stance.SUPPORTS: 0.9}, judge="fake")
    ev = Evidence(
        passage=passage, stance=Stance.SUPPORTS, score=0.9, relevance=0.7, judgement=judgement
    )
    return VerificationResult(
        claim=claim, verdict=verdict, confidence=confidence, supporting=(ev,), judge="fake-judge"
    )


def verdict_count(store: Store) -> int:
    return int(store.db.execute("SELECT count(*) FROM verdicts").fetchone()[0])


# -- claims ----------------------------------------------------------------------------------
def test_add_claim_normalises_and_ids(log: VerdictLog) -> None:
    claim = log.add_claim("  The bridge\n opened   in 1932. ")
    assert claim.text == "The bridge opened in 1932."
    assert claim.id == claim_id("The bridge opened in 1932.")
    assert claim.origin is ClaimOrigin.TYPED
    record = log.claim(claim.id)
    assert record is not None and record.status == "pending" and record.verdict is None


def test_add_claim_is_idempotent_and_merges_appearances(log: VerdictLog) -> None:
    a1 = Appearance("a.txt", 0, 10)
    a2 = Appearance("b.txt", 5, 20, doc_id=None)
    first = log.add_claim("Claim one", ClaimOrigin.EXTRACTED, appearances=[a1], score=0.7)
    again = log.add_claim("Claim one", ClaimOrigin.EXTRACTED, appearances=[a1, a2])
    assert again.id == first.id
    assert set(again.appearances) == {a1, a2}
    assert len(log.claims("all")) == 1
    assert log.claims("all")[0].score == 0.7  # the rest is kept


def test_add_claim_with_explicit_id_and_file_origin(log: VerdictLog) -> None:
    claim = log.add_claim("Text", "file", id="custom-1", origin_file="claims.txt")
    assert claim.id == "custom-1"
    rec = log.claim("custom-1")
    assert rec is not None and rec.origin is ClaimOrigin.FILE and rec.origin_file == "claims.txt"


def test_appearance_quote_taken_from_document(store: Store, log: VerdictLog) -> None:
    p = add_passage(store, "p1", text="Alpha. The bridge opened in 1932. Omega.")
    log.add_claim("The bridge opened in 1932.", appearances=[Appearance(p.source, 7, 33, p.doc_id)])
    row = store.db.execute("SELECT text FROM claim_appearances").fetchone()
    assert row[0] == "The bridge opened in 1932."


@pytest.mark.parametrize("text", ["", "   \n\t "])
def test_empty_claim_is_refused(log: VerdictLog, text: str) -> None:
    with pytest.raises(InputError, match="empty"):
        log.add_claim(text)


def test_overlong_claim_is_refused_with_the_fix(log: VerdictLog, store: Store) -> None:
    with pytest.raises(InputError, match="2,000.*shorten"):
        log.add_claim("x" * 2001)
    log.add_claim("y" * 2000)  # the limit itself is fine
    assert store.db.execute("SELECT count(*) FROM claims").fetchone()[0] == 1


def test_bad_origin_is_refused(log: VerdictLog) -> None:
    with pytest.raises(InputError, match="typed, file, extracted"):
        log.add_claim("Claim", "typo")


# -- suggestions -----------------------------------------------------------------------------
def test_add_suggestion_stores_evidence_and_adds_claim(store: Store, log: VerdictLog) -> None:
    p = add_passage(store, "p1")
    claim = Claim(id=claim_id("New claim"), text="New claim")
    sid = log.add_suggestion(result_for(claim, p))
    s = log.suggestion(claim.id)
    assert s is not None and s.id == sid
    assert s.verdict is VerdictLabel.SUPPORTED and s.confidence == 0.8 and s.judge == "fake-judge"
    assert [e.passage_id for e in s.evidence] == ["p1"]
    stored = json.loads(store.db.execute("SELECT evidence FROM suggestions").fetchone()[0])
    assert stored == [
        {
            "passage_id": "p1",
            "source": p.source,
            "start": 0,
            "end": p.end,
            "stance": "supports",
            "score": 0.9,
            "text": p.text,
        }
    ]
    rec = log.claim(claim.id)
    assert rec is not None and rec.suggestion == s and rec.status == "pending"


def test_latest_suggestion_wins(store: Store, log: VerdictLog) -> None:
    p = add_passage(store, "p1")
    claim = log.add_claim("Claim")
    log.add_suggestion(result_for(claim, p, VerdictLabel.SUPPORTED))
    second = log.add_suggestion(result_for(claim, p, VerdictLabel.REFUTED, 0.6))
    s = log.suggestion(claim.id)
    assert s is not None and s.id == second and s.verdict is VerdictLabel.REFUTED


# -- recording -------------------------------------------------------------------------------
def test_record_defaults_to_the_shown_suggestion(store: Store, log: VerdictLog) -> None:
    p = add_passage(store, "p1")
    claim = log.add_claim("Claim")
    sid = log.add_suggestion(result_for(claim, p))
    entry = log.record(
        claim.id, "Refuted", annotator="ana", note="vote was 120-4", evidence_ids=["p1", "p1"]
    )
    assert entry.action == "decide" and entry.verdict is VerdictLabel.REFUTED
    assert entry.suggestion_id == sid and entry.evidence_ids == ("p1",)
    rec = log.claim(claim.id)
    assert rec is not None
    assert (rec.status, rec.verdict, rec.note, rec.annotator) == (
        "decided",
        VerdictLabel.REFUTED,
        "vote was 120-4",
        "ana",
    )
    assert rec.decided_at == entry.created_at


def test_record_is_committed_when_it_returns(tmp_path: Path, log: VerdictLog) -> None:
    claim = log.add_claim("Claim")
    entry = log.record(claim.id, "supported", annotator="ana")
    other = sqlite3.connect(tmp_path / "s" / "workbench.db")  # a separate reader
    assert other.execute("SELECT id FROM verdicts").fetchall() == [(entry.id,)]
    other.close()


@pytest.mark.parametrize(
    "word,label",
    [
        ("supported", VerdictLabel.SUPPORTED),
        ("NOT-ENOUGH-INFO", VerdictLabel.NOT_ENOUGH_INFO),
        ("nei", VerdictLabel.NOT_ENOUGH_INFO),
        (" conflicting ", VerdictLabel.CONFLICTING),
    ],
)
def test_parse_verdict(word: str, label: VerdictLabel) -> None:
    assert parse_verdict(word) is label


def test_record_refuses_bad_input_and_writes_nothing(store: Store, log: VerdictLog) -> None:
    claim = log.add_claim("Claim")
    add_passage(store, "p1")
    with pytest.raises(InputError, match="Unknown claim id 'nope'.*workbench claims"):
        log.record("nope", "supported", annotator="ana")
    with pytest.raises(InputError, match="Unknown verdict 'true'.*supported, refuted"):
        log.record(claim.id, "true", annotator="ana")
    with pytest.raises(InputError, match="Unknown evidence passage id p-missing"):
        log.record(claim.id, "supported", annotator="ana", evidence_ids=["p1", "p-missing"])
    with pytest.raises(InputError, match="annotator"):
        log.record(claim.id, "supported", annotator="  ")
    with pytest.raises(InputError, match="not a suggestion"):
        log.record(claim.id, "supported", annotator="ana", suggestion_id=999)
    assert verdict_count(store) == 0
    assert not store.db.in_transaction


def test_evidence_shown_in_suggestion_is_citable_after_reingest(
    store: Store, log: VerdictLog
) -> None:
    p = add_passage(store, "p1")
    claim = log.add_claim("Claim")
    log.add_suggestion(result_for(claim, p))
    store.db.execute("DELETE FROM passages WHERE id = 'p1'")
    entry = log.record(claim.id, "supported", annotator="ana", evidence_ids=["p1"])
    assert entry.evidence_ids == ("p1",)


def test_log_is_append_only(store: Store, log: VerdictLog) -> None:
    claim = log.add_claim("Claim")
    log.record(claim.id, "supported", annotator="ana")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store.db.execute("UPDATE verdicts SET verdict = 'refuted'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store.db.execute("DELETE FROM verdicts")


# -- undo, current, history ------------------------------------------------------------------
def test_undo_restores_the_previous_decision_and_never_deletes(log: VerdictLog) -> None:
    claim = log.add_claim("Claim")
    first = log.record(claim.id, "supported", annotator="ana")
    second = log.record(claim.id, "refuted", annotator="ana")
    assert log.current(claim.id).id == second.id  # type: ignore[union-attr]
    undone = log.undo(annotator="ana", claim_id=claim.id)
    assert undone is not None and undone.action == "retract" and undone.retracts == second.id
    assert log.current(claim.id).id == first.id  # type: ignore[union-attr]
    log.undo(annotator="ana", claim_id=claim.id)
    assert log.current(claim.id) is None
    assert log.claim(claim.id).status == "pending"  # type: ignore[union-attr]
    assert log.undo(annotator="ana", claim_id=claim.id) is None
    hist = log.history(claim.id)
    assert [(e.action, e.retracts) for e in hist] == [
        ("decide", None),
        ("decide", None),
        ("retract", second.id),
        ("retract", first.id),
    ]


def test_undo_without_claim_is_a_stack_per_annotator(log: VerdictLog) -> None:
    c1, c2 = log.add_claim("One"), log.add_claim("Two")
    log.record(c1.id, "supported", annotator="ana")
    bob = log.record(c1.id, "refuted", annotator="bob")
    log.record(c2.id, "refuted", annotator="ana")
    assert log.undo(annotator="ana").claim_id == c2.id  # type: ignore[union-attr]
    assert log.undo(annotator="ana").claim_id == c1.id  # type: ignore[union-attr]
    assert log.undo(annotator="ana") is None
    assert log.current(c1.id).id == bob.id  # type: ignore[union-attr]  # bob untouched
    assert log.current(c1.id, annotator="ana") is None


def test_undo_unknown_claim(log: VerdictLog) -> None:
    with pytest.raises(InputError, match="Unknown claim id"):
        log.undo(annotator="ana", claim_id="nope")


def test_resolve_id_accepts_unique_prefixes(log: VerdictLog) -> None:
    log.add_claim("One", id="cabc111")
    log.add_claim("Two", id="cabc222")
    log.add_claim("Three", id="c_%x")
    assert log.resolve_id("cabc111") == "cabc111"
    assert log.resolve_id("cabc2") == "cabc222"
    assert log.resolve_id("CABC2") == "cabc222"
    with pytest.raises(InputError, match="matches cabc111, cabc222 — give more"):
        log.resolve_id("cabc")
    with pytest.raises(InputError, match="Unknown claim id 'cab'"):
        log.resolve_id("cab")  # too short to be a prefix
    with pytest.raises(InputError, match="Unknown claim id"):
        log.resolve_id("c_%y")  # LIKE wildcards are taken literally


def test_claims_by_status_and_annotator(log: VerdictLog) -> None:
    c1, c2, c3 = (log.add_claim(t) for t in ("One", "Two", "Three"))
    log.record(c1.id, "supported", annotator="ana")
    log.record(c2.id, "refuted", annotator="bob")
    assert [c.id for c in log.claims()] == [c3.id]
    assert [c.id for c in log.claims("decided")] == [c1.id, c2.id]
    assert [c.id for c in log.claims("all")] == [c1.id, c2.id, c3.id]
    assert [c.id for c in log.claims("pending", annotator="ana")] == [c2.id, c3.id]
    assert log.annotators() == ["ana", "bob"]
    with pytest.raises(InputError, match="pending, decided, all"):
        log.claims("done")


def test_latest_decision_across_annotators_is_current(log: VerdictLog) -> None:
    c = log.add_claim("One")
    log.record(c.id, "supported", annotator="ana")
    log.record(c.id, "refuted", annotator="bob")
    rec = log.claim(c.id)
    assert rec is not None and rec.verdict is VerdictLabel.REFUTED and rec.annotator == "bob"
    assert len(log.decisions(c.id)) == 2


def test_claim_record_as_dict_is_json(store: Store, log: VerdictLog) -> None:
    p = add_passage(store, "p1")
    claim = log.add_claim("Кошка 猫", appearances=[Appearance("a.txt", 1, 4)])
    log.add_suggestion(result_for(claim, p))
    log.record(claim.id, "supported", annotator="ana")
    data = json.loads(json.dumps(log.claim(claim.id).as_dict()))  # type: ignore[union-attr]
    assert data["verdict"] == "supported" and data["suggestion"]["verdict"] == "supported"
    assert data["appearances"] == [{"source": "a.txt", "start": 1, "end": 4, "doc_id": None}]


# -- schema ----------------------------------------------------------------------------------
def test_newer_schema_store_is_refused_unchanged(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s", create=True) as s:
        VerdictLog(s).add_claim("Claim")
        s.db.execute("INSERT INTO _migrations VALUES ('m999_from_the_future', 'now')")
    db_file = tmp_path / "s" / "workbench.db"
    sql = "SELECT (SELECT count(*) FROM claims), (SELECT group_concat(name) FROM _migrations)"
    before = sqlite3.connect(db_file).execute(sql).fetchone()
    with pytest.raises(StoreError, match="newer workbench"):
        Store.open(tmp_path / "s")
    assert sqlite3.connect(db_file).execute(sql).fetchone() == before


# -- durability and concurrency --------------------------------------------------------------
WRITER = textwrap.dedent("""
    import sys
    from workbench.store import Store
    from workbench.verdict_log import VerdictLog
    path, who, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    log = VerdictLog(Store.open(path))
    ids = [c.id for c in log.claims("all")]
    print("ready", flush=True)
    for i in range(n):
        entry = log.record(ids[i % len(ids)], ("supported", "refuted")[i % 2], annotator=who,
                           note=f"{who} {i}")
        print(entry.id, flush=True)
""")


def _spawn(store_dir: Path, who: str, n: int) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(store_dir), who, str(n)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _seed(tmp_path: Path, n: int = 5) -> Path:
    with Store.open(tmp_path / "s", create=True) as s:
        log = VerdictLog(s)
        for i in range(n):
            log.add_claim(f"Claim number {i}")
    return tmp_path / "s"


def test_kill_9_while_recording_loses_no_acknowledged_verdict(tmp_path: Path) -> None:
    store_dir = _seed(tmp_path)
    proc = _spawn(store_dir, "ana", 100_000)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    acknowledged: list[int] = []
    deadline = time.monotonic() + 60
    while len(acknowledged) < 40 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        acknowledged.append(int(line))
    os.kill(proc.pid, signal.SIGKILL)  # in the middle of the next record()
    rest = proc.stdout.read()
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    acknowledged += [int(x) for x in rest.splitlines(keepends=True) if x.endswith("\n")]
    assert len(acknowledged) >= 40, proc.stderr.read() if proc.stderr else ""
    with Store.open(store_dir) as s:
        assert s.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = {r[0] for r in s.db.execute("SELECT id FROM verdicts")}
        assert set(acknowledged) <= stored
        assert len(VerdictLog(s).history()) == len(stored)


def test_two_processes_recording_at_once_lose_nothing(tmp_path: Path) -> None:
    store_dir = _seed(tmp_path)
    n = 150
    procs = [_spawn(store_dir, who, n) for who in ("ana", "bob")]
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (_out, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err
    ids = [int(x) for out, _ in outs for x in out.split()[1:]]
    assert len(ids) == 2 * n and len(set(ids)) == 2 * n
    with Store.open(store_dir) as s:
        log = VerdictLog(s)
        for who in ("ana", "bob"):
            notes = [e.note for e in log.history(annotator=who)]
            assert notes == [f"{who} {i}" for i in range(n)]
        assert {e.id for e in log.history()} == set(ids)


def test_busy_database_is_retried(tmp_path: Path, store: Store, log: VerdictLog) -> None:
    claim = log.add_claim("Claim")
    store.db.execute("PRAGMA busy_timeout=0")  # force SQLITE_BUSY so the retry loop runs
    other = sqlite3.connect(
        tmp_path / "s" / "workbench.db", isolation_level=None, check_same_thread=False
    )
    other.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.5, lambda: other.execute("COMMIT"))
    release.start()
    started = time.monotonic()
    entry = log.record(claim.id, "supported", annotator="ana")
    assert time.monotonic() - started >= 0.3
    release.join()
    assert log.current(claim.id) == entry
    other.close()


def test_busy_for_too_long_is_a_clear_error(tmp_path: Path, store: Store) -> None:
    log = VerdictLog(store, retry_seconds=0.2)
    claim = log.add_claim("Claim")
    store.db.execute("PRAGMA busy_timeout=0")
    other = sqlite3.connect(tmp_path / "s" / "workbench.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StoreError, match="Could not write"):
            log.record(claim.id, "supported", annotator="ana")
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert verdict_count(store) == 0


def test_core_modules_import_no_front_end() -> None:
    code = (
        "import sys, workbench.verdict_log, workbench.export, workbench.agreement; "
        "print(sorted({'click', 'textual', 'rich'} & set(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        check=True,
    ).stdout
    assert out.strip() == "[]"


def test_evidence_from_a_really_ingested_document(store: Store, log: VerdictLog) -> None:
    from workbench.embedding import HashEmbedder
    from workbench.types import Document

    embedder = HashEmbedder(16)
    store.adopt_embedder(embedder)
    text = "The bridge opened in 1932. It cost two million."
    doc = Document(id="doc1", source="news/bridge.txt", text=text)
    passages = [
        Passage(
            id="doc1:0", doc_id="doc1", source=doc.source, start=0, end=26, text=text[:26], index=0
        ),
        Passage(
            id="doc1:1",
            doc_id="doc1",
            source=doc.source,
            start=27,
            end=len(text),
            text=text[27:],
            index=1,
        ),
    ]
    store.add_document(
        doc, passages, embedder.embed([p.text for p in passages]), file_hash="h", cleaning={}
    )
    claim = log.add_claim(
        "The bridge opened in 1932.", appearances=[Appearance(doc.source, 0, 26, doc_id="doc1")]
    )
    assert store.db.execute("SELECT text FROM claim_appearances").fetchone()[0] == text[:26]
    entry = log.record(claim.id, "supported", annotator="ana", evidence_ids=["doc1:0"])
    assert entry.evidence_ids == ("doc1:0",)
    with pytest.raises(InputError, match="doc1:9"):
        log.record(claim.id, "supported", annotator="ana", evidence_ids=["doc1:9"])

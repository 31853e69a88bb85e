"""The verdict log: the single write point for claims, machine suggestions and human verdicts.

Verdicts are append-only. A decision is a ``decide`` entry; undo appends a ``retract``
entry naming the decision it withdraws, so the whole history stays readable. Every write
is one ``BEGIN IMMEDIATE`` transaction committed (WAL, ``synchronous=FULL``) before the
call returns: an acknowledged verdict survives a crash, and a busy database is waited for
and retried, so two processes recording at once lose nothing.
"""

from __future__ import annotations

import json
import math
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Literal, TypeVar

from workbench.errors import InputError, StoreError
from workbench.store import Store, now
from workbench.types import (
    Appearance,
    Claim,
    ClaimOrigin,
    VerdictLabel,
    VerificationResult,
    normalise_claim,
)
from workbench.types import claim_id as make_claim_id
from workbench.verdict_records import (
    ClaimRecord,
    SuggestedEvidence,
    Suggestion,
    VerdictEntry,
    appearance_from_row,
    entry_from_row,
    suggestion_from_row,
)

__all__ = ["ClaimRecord", "SuggestedEvidence", "Suggestion", "VerdictEntry", "VerdictLog"]

MAX_CLAIM_CHARS = 2000
MAX_NOTE_CHARS = 20_000
MAX_ANNOTATOR_CHARS = 200
STATUSES = ("pending", "decided", "all")
VERDICT_WORDS = tuple(v.value for v in VerdictLabel)
_ALIASES = {"nei": "not_enough_info", "supports": "supported", "refutes": "refuted"}
_BUSY = (5, 6)  # SQLITE_BUSY, SQLITE_LOCKED (primary codes)

T = TypeVar("T")
Status = Literal["pending", "decided", "all"]


def parse_verdict(word: str | VerdictLabel) -> VerdictLabel:
    """``'Refuted'``, ``'not-enough-info'``, ``'nei'`` → a VerdictLabel, else InputError."""
    if isinstance(word, VerdictLabel):
        return word
    key = str(word).strip().lower().replace("-", "_").replace(" ", "_")
    try:
        return VerdictLabel(_ALIASES.get(key, key))
    except ValueError:
        raise InputError(
            f"Unknown verdict '{word}' — use one of: {', '.join(VERDICT_WORDS)}"
        ) from None


class VerdictLog:
    """Claims, suggestions and verdicts in one store::

    log = VerdictLog(Store.open("store"))
    claim = log.add_claim("The bridge opened in 1932.")
    log.record(claim.id, "supported", annotator="ana", note="see p. 3")
    log.undo(annotator="ana")        # appends a retraction; nothing is deleted
    log.claims("pending")            # the queue still to decide
    """

    def __init__(self, store: Store, *, retry_seconds: float = 120.0) -> None:
        self.store = store
        self.retry_seconds = retry_seconds
        # Share the store's lock: one connection, one transaction at a time across threads.
        self._lock: threading.RLock = getattr(store, "_lock", None) or threading.RLock()

    # -- writing ---------------------------------------------------------------------------
    def add_claim(
        self,
        text: str,
        origin: ClaimOrigin | str = ClaimOrigin.TYPED,
        *,
        id: str | None = None,  # noqa: A002 - the public name other modules use
        appearances: Iterable[Appearance] = (),
        origin_file: str | None = None,
        score: float | None = None,
    ) -> Claim:
        """Add a claim (or new appearances of a known one); returns it as stored."""
        clean = _check_claim_text(text)
        kind = _parse_origin(origin)
        cid = id or make_claim_id(clean)
        apps = tuple(appearances)
        self._transact(lambda db: _insert_claim(db, cid, clean, kind, apps, origin_file, score))
        claim = self._claim(cid)
        assert claim is not None
        return claim

    def add_suggestion(self, result: VerificationResult) -> int:
        """Store the machine's suggestion for a claim (adding the claim if new); returns its id."""
        claim = result.claim
        clean = _check_claim_text(claim.text)
        cid = claim.id or make_claim_id(clean)
        verdict = parse_verdict(result.verdict)
        confidence = float(result.confidence)
        if not math.isfinite(confidence):
            raise InputError(f"Suggestion confidence is {confidence}; a judge must give a number")
        evidence = [
            {
                "passage_id": e.passage.id,
                "source": e.passage.source,
                "start": e.passage.start,
                "end": e.passage.end,
                "stance": str(e.stance),
                "score": float(e.score) if math.isfinite(e.score) else None,
                "text": e.passage.text,
            }
            for e in result.evidence
        ]

        def work(db: sqlite3.Connection) -> int:
            origin = _parse_origin(claim.origin)
            _insert_claim(db, cid, clean, origin, claim.appearances, None, None)
            cur = db.execute(
                "INSERT INTO suggestions (claim_id, verdict, confidence, judge, evidence,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    cid,
                    verdict.value,
                    confidence,
                    result.judge or "unknown",
                    json.dumps(evidence, ensure_ascii=False),
                    now(),
                ),
            )
            return int(cur.lastrowid or 0)

        return self._transact(work)

    def record(
        self,
        claim_id: str,
        verdict: VerdictLabel | str,
        *,
        annotator: str,
        note: str | None = None,
        evidence_ids: Iterable[str] = (),
        suggestion_id: int | None = None,
    ) -> VerdictEntry:
        """Append a decision; it is committed to disk when this returns.

        ``suggestion_id`` defaults to the claim's latest suggestion (what was on screen).
        An unknown claim, verdict word or evidence passage raises InputError; nothing is written.
        """
        label = parse_verdict(verdict)
        who = _check_annotator(annotator)
        text = _check_note(note)
        cited = tuple(dict.fromkeys(str(e).strip() for e in evidence_ids if str(e).strip()))

        def work(db: sqlite3.Connection) -> VerdictEntry:
            _require_claim(db, claim_id)
            sid = suggestion_id
            if sid is None:
                row = db.execute(
                    "SELECT max(id) FROM suggestions WHERE claim_id = ?", (claim_id,)
                ).fetchone()
                sid = None if row[0] is None else int(row[0])
            elif (
                db.execute(
                    "SELECT 1 FROM suggestions WHERE id = ? AND claim_id = ?", (sid, claim_id)
                ).fetchone()
                is None
            ):
                raise InputError(
                    f"Suggestion {sid} is not a suggestion for claim {claim_id}; "
                    "leave suggestion_id out to use the latest one"
                )
            _check_evidence(db, cited, sid)
            return _append(db, claim_id, "decide", label, who, text, cited, sid, None)

        return self._transact(work)

    def undo(self, *, annotator: str, claim_id: str | None = None) -> VerdictEntry | None:
        """Retract the annotator's latest standing decision (on ``claim_id``, or on any claim).

        Appends a ``retract`` entry and returns it; None when there is nothing to undo.
        The decision before it (if any) becomes current again.
        """
        who = _check_annotator(annotator)

        def work(db: sqlite3.Connection) -> VerdictEntry | None:
            if claim_id is not None:
                _require_claim(db, claim_id)
            retracted = _retracted(db)
            sql = "SELECT * FROM verdicts WHERE action = 'decide' AND annotator = ?"
            args: tuple[Any, ...] = (who,)
            if claim_id is not None:
                sql, args = sql + " AND claim_id = ?", (who, claim_id)
            for row in db.execute(sql + " ORDER BY id DESC", args):
                if row["id"] not in retracted:
                    target = entry_from_row(row)
                    return _append(
                        db, target.claim_id, "retract", None, who, None, (), None, target.id
                    )
            return None

        return self._transact(work)

    # -- reading ---------------------------------------------------------------------------
    def history(
        self, claim_id: str | None = None, *, annotator: str | None = None
    ) -> list[VerdictEntry]:
        """Every log entry, oldest first, optionally for one claim and/or one annotator."""
        sql, args = "SELECT * FROM verdicts WHERE 1", []
        if claim_id is not None:
            sql, args = sql + " AND claim_id = ?", [claim_id]
        if annotator is not None:
            sql, args = sql + " AND annotator = ?", [*args, annotator]
        return [entry_from_row(r) for r in self._rows(sql + " ORDER BY id", args)]

    def decisions(
        self, claim_id: str | None = None, *, annotator: str | None = None
    ) -> list[VerdictEntry]:
        """The standing (un-retracted, latest) decision of each annotator on each claim."""
        standing: dict[tuple[str, str], VerdictEntry] = {}
        entries = self.history(claim_id, annotator=annotator)
        retracted = {e.retracts for e in entries if e.action == "retract"}
        for e in entries:
            if e.action == "decide" and e.id not in retracted:
                standing[(e.claim_id, e.annotator)] = e
        return sorted(standing.values(), key=lambda e: e.id)

    def current(self, claim_id: str, annotator: str | None = None) -> VerdictEntry | None:
        """The claim's current decision: the latest standing one (by ``annotator`` if given)."""
        found = self.decisions(claim_id, annotator=annotator)
        return found[-1] if found else None

    def suggestion(self, claim_id: str) -> Suggestion | None:
        """The claim's latest suggestion."""
        rows = self._rows(
            "SELECT * FROM suggestions WHERE claim_id = ? ORDER BY id DESC LIMIT 1", [claim_id]
        )
        return suggestion_from_row(rows[0]) if rows else None

    def suggestions_by_id(self, ids: Iterable[int]) -> dict[int, Suggestion]:
        wanted = sorted({int(i) for i in ids})
        out: dict[int, Suggestion] = {}
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for r in self._rows(f"SELECT * FROM suggestions WHERE id IN ({marks})", chunk):
                out[int(r["id"])] = suggestion_from_row(r)
        return out

    def claim(self, claim_id: str, *, annotator: str | None = None) -> ClaimRecord | None:
        """One claim with its suggestion and current verdict; None if unknown."""
        found = self._records(claim_id, annotator)
        return found[0] if found else None

    def claims(
        self, status: Status | str = "pending", *, annotator: str | None = None
    ) -> list[ClaimRecord]:
        """Claims in the order they were added; ``status`` relative to ``annotator`` if given."""
        if status not in STATUSES:
            raise InputError(f"Unknown status '{status}' — use one of: {', '.join(STATUSES)}")
        return [r for r in self._records(None, annotator) if status in ("all", r.status)]

    def resolve_id(self, ref: str) -> str:
        """A claim id from the id itself or a unique prefix of at least 4 characters."""
        ref = ref.strip()
        if self._rows("SELECT 1 FROM claims WHERE id = ?", [ref]):
            return ref
        if len(ref) >= 4:
            pattern = ref.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            found = [
                r[0]
                for r in self._rows(
                    "SELECT id FROM claims WHERE id LIKE ? ESCAPE '\\' LIMIT 6", [pattern]
                )
            ]
            if len(found) == 1:
                return str(found[0])
            if found:
                raise InputError(
                    f"Claim id prefix '{ref}' matches {', '.join(found[:5])}"
                    f"{' and more' if len(found) > 5 else ''} — give more characters"
                )
        raise InputError(
            f"Unknown claim id '{ref}' — list claim ids with `workbench claims --status all`"
        )

    def annotators(self) -> list[str]:
        return [r[0] for r in self._rows("SELECT DISTINCT annotator FROM verdicts ORDER BY 1")]

    # -- internals -------------------------------------------------------------------------
    def _records(self, claim_id: str | None, annotator: str | None) -> list[ClaimRecord]:
        where, args = ("WHERE id = ?", [claim_id]) if claim_id is not None else ("", [])
        rows = self._rows(f"SELECT * FROM claims {where} ORDER BY rowid", args)
        cwhere = "WHERE claim_id = ?" if claim_id is not None else ""
        apps: dict[str, list[Appearance]] = {}
        for a in self._rows(
            f'SELECT * FROM claim_appearances {cwhere} ORDER BY source, start, "end"', args
        ):
            apps.setdefault(a["claim_id"], []).append(appearance_from_row(a))
        latest = {
            s.claim_id: s
            for s in map(
                suggestion_from_row,
                self._rows(
                    "SELECT * FROM suggestions WHERE id IN "
                    f"(SELECT max(id) FROM suggestions {cwhere} GROUP BY claim_id)",
                    args,
                ),
            )
        }
        current: dict[str, VerdictEntry] = {}
        for d in self.decisions(claim_id, annotator=annotator):
            current[d.claim_id] = d  # sorted by id: the latest wins
        out = []
        for r in rows:
            e: VerdictEntry | None = current.get(r["id"])
            out.append(
                ClaimRecord(
                    id=r["id"],
                    text=r["text"],
                    origin=ClaimOrigin(r["origin"]),
                    status="pending" if e is None else "decided",
                    suggestion=latest.get(r["id"]),
                    verdict=None if e is None else e.verdict,
                    note=None if e is None else e.note,
                    annotator=None if e is None else e.annotator,
                    decided_at=None if e is None else e.created_at,
                    appearances=tuple(apps.get(r["id"], ())),
                    score=r["score"],
                    created_at=r["created_at"],
                    origin_file=r["origin_file"],
                    evidence_ids=() if e is None else e.evidence_ids,
                    entry_id=None if e is None else e.id,
                )
            )
        return out

    def _claim(self, cid: str) -> Claim | None:
        rows = self._rows("SELECT * FROM claims WHERE id = ?", [cid])
        if not rows:
            return None
        apps = self._rows(
            'SELECT * FROM claim_appearances WHERE claim_id = ? ORDER BY source, start, "end"',
            [cid],
        )
        return Claim(
            id=cid,
            text=rows[0]["text"],
            origin=ClaimOrigin(rows[0]["origin"]),
            appearances=tuple(appearance_from_row(a) for a in apps),
        )

    def _rows(self, sql: str, args: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self.store.db.execute(sql, tuple(args)).fetchall()

    def _transact(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work`` in one BEGIN IMMEDIATE transaction, retrying while the DB is busy."""
        db = self.store.db
        deadline = time.monotonic() + self.retry_seconds
        delay = 0.01
        with self._lock:
            while True:
                try:
                    db.execute("BEGIN IMMEDIATE")
                    try:
                        result = work(db)
                        db.execute("COMMIT")
                    except BaseException:
                        if db.in_transaction:
                            db.execute("ROLLBACK")
                        raise
                    return result
                except sqlite3.OperationalError as exc:
                    if _is_busy(exc) and time.monotonic() < deadline:
                        time.sleep(delay)
                        delay = min(delay * 2, 0.5)
                        continue
                    raise StoreError(
                        f"Could not write to {self.store.path} ({exc}); check the store is "
                        "writable and not held by a stuck process, then try again"
                    ) from exc


# -- helpers (run inside a transaction) --------------------------------------------------------
def _is_busy(exc: sqlite3.OperationalError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return (code & 0xFF) in _BUSY
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def _check_claim_text(text: str) -> str:
    clean = normalise_claim(text or "")
    if not clean:
        raise InputError("The claim is empty — give the sentence to check")
    if len(clean) > MAX_CLAIM_CHARS:
        raise InputError(
            f"The claim is {len(clean):,} characters; the limit is {MAX_CLAIM_CHARS:,} — "
            "shorten it or split it into separate claims"
        )
    return clean


def _parse_origin(origin: ClaimOrigin | str) -> ClaimOrigin:
    try:
        return ClaimOrigin(origin)
    except ValueError:
        raise InputError(
            f"Unknown claim origin '{origin}' — use one of: "
            + ", ".join(o.value for o in ClaimOrigin)
        ) from None


def _check_annotator(name: str) -> str:
    who = (name or "").strip()
    if not who:
        raise InputError("No annotator name — pass --annotator NAME or set WORKBENCH_ANNOTATOR")
    if len(who) > MAX_ANNOTATOR_CHARS or any(c in who for c in "\r\n\t"):
        raise InputError(
            f"Annotator name must be one line of at most {MAX_ANNOTATOR_CHARS} characters"
        )
    return who


def _check_note(note: str | None) -> str | None:
    if note is None or not note.strip():
        return None
    if len(note) > MAX_NOTE_CHARS:
        raise InputError(
            f"The note is {len(note):,} characters; the limit is {MAX_NOTE_CHARS:,} — shorten it"
        )
    return note


def _require_claim(db: sqlite3.Connection, claim_id: str) -> None:
    if db.execute("SELECT 1 FROM claims WHERE id = ?", (claim_id,)).fetchone() is None:
        raise InputError(
            f"Unknown claim id '{claim_id}' — list claim ids with `workbench claims --status all`"
        )


def _check_evidence(db: sqlite3.Connection, cited: Sequence[str], sid: int | None) -> None:
    """Cited ids must be stored passages, or passages the shown suggestion quoted."""
    if not cited:
        return
    shown: set[str] = set()
    if sid is not None:
        row = db.execute("SELECT evidence FROM suggestions WHERE id = ?", (sid,)).fetchone()
        shown = {e.get("passage_id") for e in json.loads(row[0])} if row else set()
    missing = [
        p
        for p in cited
        if p not in shown
        and db.execute("SELECT 1 FROM passages WHERE id = ?", (p,)).fetchone() is None
    ]
    if missing:
        raise InputError(
            f"Unknown evidence passage id {', '.join(missing)} — cite ids of passages in the "
            "store, as listed in the claim's evidence (`workbench claims --json`)"
        )


def _insert_claim(
    db: sqlite3.Connection,
    cid: str,
    text: str,
    origin: ClaimOrigin,
    appearances: Iterable[Appearance],
    origin_file: str | None,
    score: float | None,
) -> None:
    db.execute(
        "INSERT INTO claims (id, text, origin, origin_file, score, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING",
        (cid, text, origin.value, origin_file, score, now()),
    )
    for a in appearances:
        start, end = int(a.start), int(a.end)
        if start < 0 or end < start:
            raise InputError(f"Bad appearance offsets {start}..{end} in {a.source}")
        quote = None
        if a.doc_id is not None:
            row = db.execute(
                "SELECT substr(text, ?, ?) FROM documents WHERE id = ?",
                (start + 1, end - start, a.doc_id),
            ).fetchone()
            quote = None if row is None else row[0]
        db.execute(
            'INSERT OR IGNORE INTO claim_appearances (claim_id, doc_id, source, start, "end", text)'
            " VALUES (?, ?, ?, ?, ?, ?)",
            (cid, a.doc_id, a.source, start, end, quote),
        )


def _retracted(db: sqlite3.Connection) -> set[int]:
    return {
        int(r[0])
        for r in db.execute(
            "SELECT retracts FROM verdicts WHERE action = 'retract' AND retracts IS NOT NULL"
        )
    }


def _append(
    db: sqlite3.Connection,
    cid: str,
    action: Literal["decide", "retract"],
    verdict: VerdictLabel | None,
    annotator: str,
    note: str | None,
    evidence_ids: tuple[str, ...],
    suggestion_id: int | None,
    retracts: int | None,
) -> VerdictEntry:
    stamp = now()
    cur = db.execute(
        "INSERT INTO verdicts (claim_id, action, verdict, retracts, note, annotator,"
        " evidence_ids, suggestion_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            cid,
            action,
            None if verdict is None else verdict.value,
            retracts,
            note,
            annotator,
            json.dumps(list(evidence_ids), ensure_ascii=False),
            suggestion_id,
            stamp,
        ),
    )
    return VerdictEntry(
        id=int(cur.lastrowid or 0),
        claim_id=cid,
        action=action,
        verdict=verdict,
        annotator=annotator,
        note=note,
        evidence_ids=evidence_ids,
        suggestion_id=suggestion_id,
        retracts=retracts,
        created_at=stamp,
    )

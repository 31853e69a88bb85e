"""The store's SQLite database: connection settings and the ordered list of schema migrations.

One file, ``<store>/workbench.db``, in WAL mode, holds the documents and passages (the
authority on what is ingested: a document exists only once its row is committed), the
claim queue, the machine's suggestions and the append-only log of human verdicts.
Migrations are applied in order at open; their names are recorded in ``_migrations``.
Append new migrations to ``MIGRATIONS``; never edit one that has shipped.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from workbench.errors import StoreError

DB_NAME = "workbench.db"


def m001_documents(db: sqlite3.Connection) -> None:
    db.executescript(
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE documents (
            id TEXT PRIMARY KEY,             -- content hash of the original text
            source TEXT NOT NULL UNIQUE,     -- path (or path#line for JSONL records)
            title TEXT, date TEXT, url TEXT, author TEXT,
            text TEXT NOT NULL,              -- the original text offsets refer to
            file_hash TEXT NOT NULL,         -- hash of the whole source file, for skip-if-unchanged
            cleaning TEXT NOT NULL,          -- JSON: what cleaning dropped
            ingested_at TEXT NOT NULL
        );
        CREATE TABLE passages (
            id TEXT PRIMARY KEY,
            doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            idx INTEGER NOT NULL,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            text TEXT NOT NULL
        );
        CREATE INDEX passages_doc ON passages(doc_id, idx);
        """
    )


def m002_claims_and_verdicts(db: sqlite3.Connection) -> None:
    db.executescript(
        """
        CREATE TABLE claims (
            id TEXT PRIMARY KEY,
            text TEXT NOT NULL,
            origin TEXT NOT NULL CHECK (origin IN ('typed', 'file', 'extracted')),
            origin_file TEXT,                -- the claims file it was read from, if any
            score REAL,                      -- check-worthiness, for extracted claims
            created_at TEXT NOT NULL
        );
        CREATE TABLE claim_appearances (
            claim_id TEXT NOT NULL REFERENCES claims(id),
            doc_id TEXT,
            source TEXT NOT NULL,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            text TEXT,
            PRIMARY KEY (claim_id, source, start, "end")
        );
        CREATE TABLE suggestions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            claim_id TEXT NOT NULL REFERENCES claims(id),
            verdict TEXT NOT NULL,
            confidence REAL NOT NULL,
            judge TEXT NOT NULL,
            evidence TEXT NOT NULL,          -- JSON list of {passage_id, source, start, end, stance, score, text}
            created_at TEXT NOT NULL
        );
        CREATE INDEX suggestions_claim ON suggestions(claim_id, id);
        CREATE TABLE verdicts (              -- append-only: undo appends a retraction
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            claim_id TEXT NOT NULL REFERENCES claims(id),
            action TEXT NOT NULL CHECK (action IN ('decide', 'retract')),
            verdict TEXT CHECK (verdict IS NULL OR verdict IN
                ('supported', 'refuted', 'conflicting', 'not_enough_info')),
            retracts INTEGER REFERENCES verdicts(id),
            note TEXT,
            annotator TEXT NOT NULL,
            evidence_ids TEXT NOT NULL DEFAULT '[]',  -- JSON list of cited passage ids
            suggestion_id INTEGER REFERENCES suggestions(id),  -- what was shown at that moment
            created_at TEXT NOT NULL
        );
        CREATE INDEX verdicts_claim ON verdicts(claim_id, id);
        CREATE TRIGGER verdicts_no_update BEFORE UPDATE ON verdicts
            BEGIN SELECT RAISE(ABORT, 'the verdict log is append-only'); END;
        CREATE TRIGGER verdicts_no_delete BEFORE DELETE ON verdicts
            BEGIN SELECT RAISE(ABORT, 'the verdict log is append-only'); END;
        """
    )


Migration = Callable[[sqlite3.Connection], None]
MIGRATIONS: list[Migration] = [m001_documents, m002_claims_and_verdicts]


def connect(path: Path, *, create: bool = True) -> sqlite3.Connection:
    """Open the store database, WAL mode, durable commits, migrations applied.

    Raises StoreError if the file was written by a newer schema than this version knows.
    """
    if not create and not path.exists():
        raise StoreError(f"No database at {path}")
    db = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")  # a committed verdict survives power loss
    db.execute("PRAGMA foreign_keys=ON")
    db.execute("PRAGMA busy_timeout=30000")
    migrate(db)
    return db


def migrate(db: sqlite3.Connection) -> list[str]:
    """Apply pending migrations in order; return the names applied."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    done = {row[0] for row in db.execute("SELECT name FROM _migrations")}
    known = {m.__name__ for m in MIGRATIONS}
    unknown = sorted(done - known)
    if unknown:
        raise StoreError(
            f"This store was written by a newer workbench (schema {unknown[-1]}); "
            "upgrade workbench (pip install -U workbench) to open it"
        )
    applied = []
    for migration in MIGRATIONS:
        if migration.__name__ in done:
            continue
        db.execute("BEGIN IMMEDIATE")
        try:
            # Re-check inside the write lock: another process may have migrated meanwhile.
            if db.execute(
                "SELECT 1 FROM _migrations WHERE name = ?", (migration.__name__,)
            ).fetchone():
                db.execute("ROLLBACK")
                continue
            for statement in _statements(migration):
                db.execute(statement)
            db.execute("INSERT INTO _migrations VALUES (?, datetime('now'))", (migration.__name__,))
            db.execute("COMMIT")
        except Exception:
            db.execute("ROLLBACK")
            raise
        applied.append(migration.__name__)
    return applied


def _statements(migration: Migration) -> list[str]:
    """Capture a migration's SQL so it runs inside our transaction (executescript commits)."""
    captured: list[str] = []

    class _Recorder:
        def executescript(self, script: str) -> None:
            captured.extend(_split_sql(script))

        def execute(self, sql: str, *args: object) -> None:
            if args:
                raise TypeError("migrations take no parameters")
            captured.append(sql)

    migration(_Recorder())  # type: ignore[arg-type]
    return captured


def _split_sql(script: str) -> list[str]:
    statements, buf = [], ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            statements.append(buf.strip())
            buf = ""
    if buf.strip():
        statements.append(buf.strip())
    return statements

"""The store: a folder holding the SQLite database (the authority) and the Chroma vectors.

Layout: ``<store>/workbench.db`` (documents, passages, claims, verdicts) and
``<store>/chroma/`` (one collection of passage vectors). A document exists once its
SQLite row is committed; vectors are written first and are idempotent (deterministic ids),
so an interrupted ingest leaves at worst orphan vectors, which ``open`` removes.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from workbench import db as dbmod
from workbench.embedding import Embedder, get_embedder
from workbench.errors import ModelError, StoreError
from workbench.types import Document, Passage

COLLECTION = "passages"
CHROMA_MAX_BATCH = 5000  # Chroma refuses batches over 5,461


@dataclass(frozen=True)
class StoreStats:
    documents: int
    passages: int
    embedding_model: str | None
    embedding_identity: str | None
    claims: int
    path: str


def now() -> str:
    """UTC timestamp with milliseconds: entries made within one second still sort."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def is_store(path: Path) -> bool:
    return (path / dbmod.DB_NAME).is_file()


class Store:
    """A persistent passage store. Open with ``Store.open(path)``; create with ``create=True``."""

    def __init__(self, path: Path, db: sqlite3.Connection) -> None:
        self.path = path
        self.db = db
        self._chroma: Any = None
        self._collection: Any = None
        self._embedder: Embedder | None = None
        self._lock = threading.RLock()  # guards the SQLite connection
        self._chroma_lock = threading.Lock()  # opening Chroma (~0.5 s) must not block SQLite

    # -- opening -------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path, *, create: bool = False) -> Store:
        path = Path(path).expanduser()
        if not is_store(path):
            if not create:
                raise StoreError(
                    f"No store at {path} — run `workbench ingest PATH --store {path}` first"
                )
            if path.exists() and not path.is_dir():
                raise StoreError(f"{path} is a file, not a store; pass a directory to --store")
            if path.is_dir() and any(path.iterdir()):
                raise StoreError(
                    f"{path} is not a workbench store (it holds other files and no "
                    f"{dbmod.DB_NAME}); pass an empty or new directory to --store"
                )
            try:
                path.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(
                    f"Cannot create store at {path} ({exc.strerror}); choose another --store"
                ) from exc
        try:
            conn = dbmod.connect(path / dbmod.DB_NAME)
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"{path / dbmod.DB_NAME} is not a readable workbench database ({exc}); "
                "point --store at a workbench store"
            ) from exc
        return cls(path, conn)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- metadata ------------------------------------------------------------------------
    def meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute(
            "INSERT INTO meta VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    # -- embedder ------------------------------------------------------------------------
    @property
    def embedding_model(self) -> str | None:
        return self.meta("embedding_model")

    def embedder(self, name: str | None = None) -> Embedder:
        """The store's embedder; ``name`` may only name the model the store was built with."""
        recorded = self.embedding_model
        wanted = name or recorded
        if self._embedder is not None and (wanted is None or self._embedder.name == wanted):
            return self._embedder
        embedder = get_embedder(wanted) if wanted else get_embedder()
        self.check_embedder(embedder)
        self._embedder = embedder
        return embedder

    def check_embedder(self, embedder: Embedder) -> None:
        recorded = self.meta("embedding_identity")
        if recorded is not None and recorded != embedder.identity:
            raise ModelError(
                f"This store was built with {recorded}, not {embedder.identity}; "
                "use the same model, or ingest into a new --store"
            )

    def adopt_embedder(self, embedder: Embedder) -> None:
        """Record the embedder on first use; refuse a different one later."""
        self.check_embedder(embedder)
        if self.meta("embedding_identity") is None:
            self.db.execute("BEGIN IMMEDIATE")
            self.set_meta("embedding_model", embedder.name)
            self.set_meta("embedding_identity", embedder.identity)
            self.set_meta("embedding_dim", str(embedder.dim))
            self.db.execute("COMMIT")
        self._embedder = embedder

    # -- chroma --------------------------------------------------------------------------
    def collection(self) -> Any:
        with self._chroma_lock:
            if self._collection is None:
                import chromadb
                from chromadb.config import Settings as ChromaSettings

                self._chroma = chromadb.PersistentClient(
                    path=str(self.path / "chroma"),
                    settings=ChromaSettings(anonymized_telemetry=False, allow_reset=False),
                )
                # embedding_function=None: we always pass our own vectors (Chroma's
                # default function would try to download a model).
                self._collection = self._chroma.get_or_create_collection(
                    COLLECTION, embedding_function=None, metadata={"hnsw:space": "cosine"}
                )
            return self._collection

    def upsert_vectors(self, passages: Sequence[Passage], vectors: np.ndarray) -> None:
        col = self.collection()
        for i in range(0, len(passages), CHROMA_MAX_BATCH):
            chunk = passages[i : i + CHROMA_MAX_BATCH]
            # Vectors only: SQLite holds each passage's document, offsets and text, and
            # metadata here would cost ~20% more CPU per upsert for nothing we read back.
            col.upsert(ids=[p.id for p in chunk], embeddings=vectors[i : i + CHROMA_MAX_BATCH])

    def delete_vectors(self, ids: Sequence[str]) -> None:
        col = self.collection()
        for i in range(0, len(ids), CHROMA_MAX_BATCH):
            col.delete(ids=list(ids[i : i + CHROMA_MAX_BATCH]))

    def vector_ids(self) -> list[str]:
        col = self.collection()
        out: list[str] = []
        offset = 0
        while True:
            got = col.get(include=[], limit=CHROMA_MAX_BATCH, offset=offset)
            out.extend(got["ids"])
            if len(got["ids"]) < CHROMA_MAX_BATCH:
                return out
            offset += CHROMA_MAX_BATCH

    def reconcile(self) -> int:
        """Delete vectors whose document never committed (an interrupted ingest)."""
        known = {r[0] for r in self.db.execute("SELECT id FROM passages")}
        orphans = [i for i in self.vector_ids() if i not in known]
        if orphans:
            self.delete_vectors(orphans)
        return len(orphans)

    def dense_search(self, vector: np.ndarray, k: int) -> list[tuple[Passage, float]]:
        """Nearest passages by cosine similarity (1 - distance), best first."""
        col = self.collection()
        n = self.passage_count()
        if n == 0:
            return []
        res = col.query(query_embeddings=[vector], n_results=min(k, n), include=["distances"])
        ids, dists = res["ids"][0], res["distances"][0]
        found = self.passages_by_id(ids)
        return [(found[i], 1.0 - float(d)) for i, d in zip(ids, dists, strict=True) if i in found]

    # -- documents and passages -----------------------------------------------------------
    def document_by_source(self, source: str) -> sqlite3.Row | None:
        return self.db.execute(  # type: ignore[no-any-return]
            "SELECT id, file_hash FROM documents WHERE source = ?", (source,)
        ).fetchone()

    def sources_with_hash(self, prefix: str, file_hash: str) -> int:
        """How many documents from this file (or its JSONL records) carry this file hash."""
        row = self.db.execute(
            "SELECT count(*) FROM documents WHERE (source = ? OR source LIKE ?) AND file_hash = ?",
            (prefix, prefix + "#%", file_hash),
        ).fetchone()
        return int(row[0])

    def has_document(self, doc_id: str) -> str | None:
        row = self.db.execute("SELECT source FROM documents WHERE id = ?", (doc_id,)).fetchone()
        return None if row is None else str(row[0])

    def add_document(
        self,
        doc: Document,
        passages: Sequence[Passage],
        vectors: np.ndarray | None,
        *,
        file_hash: str,
        cleaning: dict[str, Any],
    ) -> None:
        """Write one document: vectors first (idempotent), then one SQLite transaction.

        ``vectors=None`` means the caller already upserted them (a batch at a time).
        """
        old = self.document_by_source(doc.source)
        if vectors is not None:
            self.upsert_vectors(passages, vectors)
        with self._lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                old_ids: list[str] = []
                if old is not None:
                    old_ids = [
                        r[0]
                        for r in self.db.execute(
                            "SELECT id FROM passages WHERE doc_id = ?", (old["id"],)
                        )
                    ]
                    self.db.execute("DELETE FROM passages WHERE doc_id = ?", (old["id"],))
                    self.db.execute("DELETE FROM documents WHERE id = ?", (old["id"],))
                self.db.execute(
                    "INSERT INTO documents (id, source, title, date, url, author, text, file_hash,"
                    " cleaning, ingested_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        doc.id,
                        doc.source,
                        doc.title,
                        doc.date,
                        doc.url,
                        doc.author,
                        doc.text,
                        file_hash,
                        json.dumps(cleaning),
                        now(),
                    ),
                )
                self.db.executemany(
                    'INSERT INTO passages (id, doc_id, idx, start, "end", text) VALUES (?,?,?,?,?,?)',
                    [(p.id, p.doc_id, p.index, p.start, p.end, p.text) for p in passages],
                )
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
        stale = sorted(set(old_ids) - {p.id for p in passages})
        if stale:
            self.delete_vectors(stale)

    def remove_document(self, doc_id: str) -> None:
        ids = [r[0] for r in self.db.execute("SELECT id FROM passages WHERE doc_id = ?", (doc_id,))]
        with self._lock:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute("DELETE FROM passages WHERE doc_id = ?", (doc_id,))
            self.db.execute("DELETE FROM documents WHERE id = ?", (doc_id,))
            self.db.execute("COMMIT")
        self.delete_vectors(ids)

    def documents(self) -> list[Document]:
        rows = self.db.execute(
            "SELECT id, source, text, title, date, url, author FROM documents ORDER BY source"
        )
        return [Document(**dict(r)) for r in rows]

    def document(self, doc_id: str) -> Document | None:
        r = self.db.execute(
            "SELECT id, source, text, title, date, url, author FROM documents WHERE id = ?",
            (doc_id,),
        ).fetchone()
        return None if r is None else Document(**dict(r))

    def cleaning(self, doc_id: str) -> dict[str, Any]:
        r = self.db.execute("SELECT cleaning FROM documents WHERE id = ?", (doc_id,)).fetchone()
        return {} if r is None else dict(json.loads(r[0]))

    _PASSAGE_SQL = (
        'SELECT p.id, p.doc_id, d.source, p.start, p."end", p.text, p.idx, d.date, d.title '
        "FROM passages p JOIN documents d ON d.id = p.doc_id"
    )

    @staticmethod
    def _passage(r: sqlite3.Row) -> Passage:
        return Passage(
            id=r[0],
            doc_id=r[1],
            source=r[2],
            start=r[3],
            end=r[4],
            text=r[5],
            index=r[6],
            date=r[7],
            title=r[8],
        )

    def passages(self, doc_id: str | None = None) -> list[Passage]:
        if doc_id is None:
            rows = self.db.execute(self._PASSAGE_SQL + " ORDER BY d.source, p.idx")
        else:
            rows = self.db.execute(
                self._PASSAGE_SQL + " WHERE p.doc_id = ? ORDER BY p.idx", (doc_id,)
            )
        return [self._passage(r) for r in rows]

    def passages_by_id(self, ids: Iterable[str]) -> dict[str, Passage]:
        ids = list(ids)
        out: dict[str, Passage] = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for r in self.db.execute(self._PASSAGE_SQL + f" WHERE p.id IN ({marks})", chunk):
                p = self._passage(r)
                out[p.id] = p
        return out

    def passage_count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM passages").fetchone()[0])

    def content_version(self) -> str:
        """Changes whenever passages change; caches (BM25) key on it."""
        r = self.db.execute(
            "SELECT count(*), coalesce(max(ingested_at), ''), "
            "coalesce(sum(length(id)), 0) FROM documents"
        ).fetchone()
        return f"{r[0]}:{r[1]}:{r[2]}:{self.passage_count()}"

    def stats(self) -> StoreStats:
        docs = int(self.db.execute("SELECT count(*) FROM documents").fetchone()[0])
        claims = int(self.db.execute("SELECT count(*) FROM claims").fetchone()[0])
        return StoreStats(
            documents=docs,
            passages=self.passage_count(),
            embedding_model=self.embedding_model,
            embedding_identity=self.meta("embedding_identity"),
            claims=claims,
            path=str(self.path),
        )

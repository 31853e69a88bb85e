"""Ingest: files → cleaned documents → passages → vectors → the store.

Encoding (the slow part) overlaps with reading and writing: a reader thread prepares
documents ahead, the encoder gets batches of passages of similar length, and a writer
thread stores each batch's vectors and then each finished document. Every document is
committed atomically (see ``Store.add_document``), so an interrupted ingest leaves whole
documents only and a rerun completes it; unchanged files are skipped by their hash.
"""

from __future__ import annotations

import hashlib
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from workbench.embedding import Embedder
from workbench.errors import InputError, WorkbenchError
from workbench.ingest.batching import LengthBatcher
from workbench.ingest.cleaning import clean
from workbench.ingest.passages import make_passages
from workbench.ingest.readers import MAX_BYTES, RawDocument, Skipped, iter_files, read_file
from workbench.store import Store
from workbench.types import Document, Passage

POOL = 2048  # passages waiting to be grouped into encoder batches of similar length
WRITE_BATCH = 512  # vectors buffered by the writer before one Chroma upsert


@dataclass
class DocumentReport:
    source: str
    doc_id: str
    status: str  # "added" | "replaced" | "unchanged" | "duplicate"
    passages: int = 0
    boilerplate_lines: int = 0
    repeated_paragraphs: int = 0
    duplicate_of: str | None = None


@dataclass
class IngestReport:
    documents: list[DocumentReport] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    seconds: float = 0.0
    orphans_removed: int = 0

    def count(self, status: str) -> int:
        return sum(1 for d in self.documents if d.status == status)

    @property
    def passages(self) -> int:
        return sum(d.passages for d in self.documents if d.status in ("added", "replaced"))

    @property
    def boilerplate_lines(self) -> int:
        return sum(d.boilerplate_lines for d in self.documents)

    @property
    def repeated_paragraphs(self) -> int:
        return sum(d.repeated_paragraphs for d in self.documents)


@dataclass(frozen=True)
class Progress:
    """Sent after each encoder batch: totals so far."""

    documents: int  # committed to the store
    passages: int  # embedded (their vectors are stored with their document)
    seconds: float
    total_files: int


def document_id(text: str) -> str:
    return "d" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:15]


@dataclass
class _Prepared:
    raw: RawDocument
    doc: Document
    passages: list[Passage]
    cleaning: dict[str, object]
    report: DocumentReport


def _prepare(raw: RawDocument, replacing: bool) -> _Prepared:
    doc_id = document_id(raw.text)
    cleaning = clean(raw.text)
    passages = make_passages(
        doc_id, raw.source, raw.text, cleaning.blocks, date=raw.date, title=raw.title
    )
    summary = cleaning.summary()
    doc = Document(
        id=doc_id,
        source=raw.source,
        text=raw.text,
        title=raw.title,
        date=raw.date,
        url=raw.url,
        author=raw.author,
    )
    report = DocumentReport(
        source=raw.source,
        doc_id=doc_id,
        status="replaced" if replacing else "added",
        passages=len(passages),
        boilerplate_lines=int(summary["boilerplate_lines"]),  # type: ignore[call-overload]
        repeated_paragraphs=int(summary["repeated_paragraphs"]),  # type: ignore[call-overload]
    )
    return _Prepared(raw, doc, passages, summary, report)


def ingest(
    store: Store,
    paths: Sequence[str | Path],
    embedder: Embedder,
    *,
    max_bytes: int = MAX_BYTES,
    on_progress: Callable[[Progress], None] | None = None,
) -> IngestReport:
    """Ingest files and folders into ``store``; one unreadable file never stops the rest.

    Raises InputError when no path yields anything to ingest (all missing or unreadable).
    """
    started = time.perf_counter()
    report = IngestReport()
    store.adopt_embedder(embedder)

    files: list[Path] = []
    for item in iter_files([Path(p) for p in paths]):
        if isinstance(item, Skipped):
            report.skipped.append(item)
        else:
            files.append(item)

    if not files and report.skipped:
        raise InputError(
            "Nothing to ingest: " + "; ".join(f"{s.source} {s.reason}" for s in report.skipped)
        )

    # Reading and cleaning (a producer thread) overlap with embedding (this thread) and
    # writing (a writer thread, which first opens Chroma and removes the vectors of any
    # interrupted ingest: that takes ~0.5 s, hidden behind the first encoder call).
    todo = _prepare_files(store, files, report, max_bytes)
    _embed_and_write(store, embedder, todo, report, started, len(files), on_progress)
    report.seconds = time.perf_counter() - started
    if files and not report.documents and report.skipped:
        raise InputError(
            "Nothing could be ingested: "
            + "; ".join(f"{s.source}: {s.reason}" for s in report.skipped[:3])
            + (" …" if len(report.skipped) > 3 else "")
        )
    return report


def _prepare_files(
    store: Store, files: list[Path], report: IngestReport, max_bytes: int
) -> Iterator[_Prepared]:
    """Read, clean and split each file, yielding what needs embedding (in file order)."""
    seen_ids: dict[str, str] = {}
    for path in files:
        try:
            data_hash = _file_hash(path)
            with store._lock:
                unchanged = bool(data_hash and store.sources_with_hash(str(path), data_hash))
                if unchanged:
                    for row in store.db.execute(
                        "SELECT id, source FROM documents WHERE (source = ? OR source LIKE ?)",
                        (str(path), str(path) + "#%"),
                    ):
                        report.documents.append(DocumentReport(row[1], row[0], "unchanged"))
            if unchanged:
                continue
            raws, bad = read_file(path, max_bytes=max_bytes)
            report.skipped.extend(bad)
            with store._lock:
                _remove_vanished_records(store, path, {raw.source for raw in raws})
        except InputError as exc:
            report.skipped.append(Skipped(str(path), str(exc).split(": ", 1)[-1]))
            continue
        for raw in raws:
            with store._lock:
                replacing = store.document_by_source(raw.source) is not None
            prepared = _prepare(raw, replacing=replacing)
            with store._lock:
                existing = store.has_document(prepared.doc.id) or seen_ids.get(prepared.doc.id)
            if existing and existing != raw.source:
                prepared.report.status, prepared.report.duplicate_of = "duplicate", existing
                prepared.report.passages = 0
                report.documents.append(prepared.report)
                continue
            if not prepared.passages:
                report.skipped.append(Skipped(raw.source, "no text left after cleaning"))
                continue
            seen_ids[prepared.doc.id] = raw.source
            yield prepared


def _remove_vanished_records(store: Store, path: Path, sources: set[str]) -> None:
    """A changed JSONL file may have lost records: their documents go too."""
    rows = store.db.execute(
        "SELECT id, source FROM documents WHERE source LIKE ?", (str(path) + "#%",)
    ).fetchall()
    for doc_id, source in rows:
        if source not in sources:
            store.remove_document(doc_id)


def _file_hash(path: Path) -> str | None:
    from workbench.ingest.readers import file_hash

    try:
        return file_hash(path.read_bytes())
    except OSError:
        return None  # read_file reports it properly


def _embed_and_write(
    store: Store,
    embedder: Embedder,
    todo: Iterable[_Prepared],
    report: IngestReport,
    started: float,
    total_files: int,
    on_progress: Callable[[Progress], None] | None,
) -> None:
    """Three threads: a reader prepares documents, this thread embeds, a writer stores.

    The reader runs ahead (it is ~10× faster than the encoder), so the pool of passages
    waiting for the encoder holds up to POOL of them and each encoder call gets passages
    of similar length (see ``LengthBatcher``). The writer upserts each batch's vectors into
    Chroma at once, and commits a document to SQLite, in one transaction, once all its
    passages are embedded. SQLite is the authority: vectors of a document that never
    committed are orphans and are removed on the next run (``Store.reconcile``).
    """
    # The writer's work: a batch's vectors, or documents whose vectors are all stored.
    work: queue.Queue[tuple[list[Passage], np.ndarray] | list[_Prepared] | None]
    work = queue.Queue(maxsize=8)
    failure: list[BaseException] = []
    done = {"documents": 0, "passages": 0}

    vectors_due: list[tuple[list[Passage], np.ndarray]] = []
    documents_due: list[_Prepared] = []

    def flush() -> None:
        """Store the buffered vectors, then commit the finished documents (in that order:
        a committed document always has its vectors)."""
        if vectors_due:
            store.upsert_vectors(
                [p for passages, _ in vectors_due for p in passages],
                np.concatenate([v for _, v in vectors_due]),
            )
            vectors_due.clear()
        for prepared in documents_due:
            store.add_document(
                prepared.doc,
                prepared.passages,
                None,
                file_hash=prepared.raw.file_hash,
                cleaning=prepared.cleaning,
            )
            report.documents.append(prepared.report)
            done["documents"] += 1
        documents_due.clear()

    def write(item: tuple[list[Passage], np.ndarray] | list[_Prepared]) -> None:
        # Chroma upserts cost ~2× the CPU in 64-passage calls than in 512-passage ones,
        # so vectors are buffered up to WRITE_BATCH passages.
        if isinstance(item, tuple):
            vectors_due.append(item)
            done["passages"] += len(item[0])
            if sum(len(p) for p, _ in vectors_due) >= WRITE_BATCH:
                flush()
        else:
            documents_due.extend(item)
            if not vectors_due:  # their vectors are stored already
                flush()
        if on_progress:
            on_progress(
                Progress(
                    done["documents"],
                    done["passages"],
                    time.perf_counter() - started,
                    total_files,
                )
            )

    def writer() -> None:
        try:
            report.orphans_removed = store.reconcile()
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread
            failure.append(exc)
        while (item := work.get()) is not None:
            if failure:
                continue  # drain; the main thread is stopping
            try:
                write(item)
            except BaseException as exc:  # noqa: BLE001 - handed to the main thread
                failure.append(exc)
        if not failure:
            try:
                flush()
            except BaseException as exc:  # noqa: BLE001 - handed to the main thread
                failure.append(exc)

    prepared: queue.Queue[_Prepared | BaseException | None] = queue.Queue(maxsize=256)
    stop = threading.Event()

    def producer() -> None:
        try:
            for item in todo:
                while not stop.is_set():
                    try:
                        prepared.put(item, timeout=0.2)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            prepared.put(None)
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread
            prepared.put(exc)

    threads = [
        threading.Thread(target=writer, name="ingest-writer", daemon=True),
        threading.Thread(target=producer, name="ingest-reader", daemon=True),
    ]
    for t in threads:
        t.start()
    batcher: LengthBatcher[_Prepared] = LengthBatcher(
        batch=int(getattr(embedder, "batch_size", 64)), pool=POOL
    )

    def accept(item: _Prepared | BaseException | None) -> bool:
        """Add one reader result to the pool; False at the end of the input."""
        if isinstance(item, BaseException):
            raise item
        if item is None:
            batcher.close()
            return False
        batcher.add(item, [p.text for p in item.passages])
        return True

    try:
        more = True
        while (more or len(batcher)) and not failure:
            # Take everything the reader has ready (up to the pool size); wait only
            # when there is nothing to encode yet.
            while more and len(batcher) < POOL:
                try:
                    item = prepared.get(block=not batcher.ready())
                except queue.Empty:
                    break
                more = accept(item)
            if not batcher.ready():
                continue
            passages = [item.passages[i] for item, i in batcher.take()]
            vectors = embedder.embed([p.text for p in passages])
            batcher.done()
            work.put((passages, vectors))
            if finished := batcher.finished():
                work.put(finished)
    finally:
        stop.set()
        work.put(None)
        threads[0].join()
    if failure:
        exc = failure[0]
        if isinstance(exc, WorkbenchError):
            raise exc
        raise WorkbenchError(
            f"Writing to the store failed ({exc}); rerun ingest to complete it"
        ) from exc

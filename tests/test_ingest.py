"""Ingest into a real Chroma store: the sample corpus, idempotence, replacement, bad input,
interruption. Most tests use the hashing embedder for speed; the CLI tests use the real model."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers.pdf import make_pdf

from workbench.cli import main
from workbench.embedding import HashEmbedder
from workbench.errors import InputError, ModelError, StoreError
from workbench.ingest.pipeline import ingest
from workbench.store import Store

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture()
def store(tmp_path):
    with Store.open(tmp_path / "store", create=True) as st:
        yield st


def _ingest(store, *paths):
    return ingest(store, [str(p) for p in paths], HashEmbedder(64))


def test_ingest_sample_corpus_offsets_and_vectors(store, samples):
    report = _ingest(store, samples)
    assert report.count("added") == 5
    assert not report.skipped
    docs = store.documents()
    assert len(docs) == 5
    total = 0
    for doc in docs:
        original = Path(doc.source).read_text(encoding="utf-8")
        assert doc.text == original  # offsets refer to the original source text
        for p in store.passages(doc.id):
            assert original[p.start : p.end] == p.text
            total += 1
    assert total == store.passage_count() == report.passages
    assert len(store.vector_ids()) == total
    dated = {d.source_name: d.date for d in docs}
    assert dated["001_0c4ecdcb9482897c.txt"] == "2025-05-21"
    by_name = {Path(d.source).name: d for d in report.documents}
    assert by_name["004_a16462e2f99a91d2.txt"].repeated_paragraphs == 6
    assert by_name["003_760e460d4ffcb0fa.txt"].boilerplate_lines == 6


def test_reingest_unchanged_changes_nothing(store, samples):
    _ingest(store, samples)
    before = (store.passage_count(), sorted(store.vector_ids()))
    report = _ingest(store, samples)
    assert report.count("unchanged") == 5 and report.passages == 0
    assert (store.passage_count(), sorted(store.vector_ids())) == before


def test_changed_file_replaces_its_passages(store, tmp_path):
    doc = tmp_path / "a.txt"
    doc.write_text("The bridge opened in 1932. It was painted red.\n\nTraffic grew fast.\n")
    _ingest(store, doc)
    old_ids = set(store.vector_ids())
    doc.write_text("The tunnel opened in 1950. Nobody painted it.\n")
    report = _ingest(store, doc)
    assert report.count("replaced") == 1
    assert len(store.documents()) == 1
    texts = [p.text for p in store.passages()]
    assert texts == ["The tunnel opened in 1950. Nobody painted it."]
    assert not (old_ids & set(store.vector_ids()))
    assert len(store.vector_ids()) == 1


def test_identical_content_is_a_duplicate(store, tmp_path, samples):
    copy = tmp_path / "copy.txt"
    shutil.copy(next(samples.glob("003*")), copy)
    _ingest(store, samples)
    report = _ingest(store, copy)
    assert report.documents[0].status == "duplicate"
    assert len(store.documents()) == 5


def test_formats_html_jsonl_pdf_md(store, tmp_path):
    (tmp_path / "page.html").write_text(
        "<html><head><title>Vote report</title><meta name='date' content='2025-03-01'></head>"
        "<body><nav>Home | About | Subscribe</nav><article><h1>Vote report</h1>"
        + "<p>The assembly voted on the resolution after a long debate in New York.</p>"
        * 1
        + "<p>Delegates from forty countries spoke before the vote was taken on Monday.</p>"
        "<p>The result was announced by the chair shortly after noon local time.</p>"
        "</article><footer>Copyright 2025 Example News</footer></body></html>",
        encoding="utf-8",
    )
    (tmp_path / "records.jsonl").write_text(
        json.dumps(
            {"text": "Ships left the harbour at dawn.", "title": "Harbour", "date": "2024-01-02"}
        )
        + "\nnot json\n"
        + json.dumps({"text": "Rain fell all week in the capital."})
        + "\n",
        encoding="utf-8",
    )
    (tmp_path / "paper.pdf").write_bytes(make_pdf("The museum reopened after repairs."))
    (tmp_path / "notes.md").write_text(
        "# Notes\n\nThe council met twice in May.\n", encoding="utf-8"
    )
    report = _ingest(store, tmp_path)
    sources = {Path(d.source.split("#")[0]).name for d in store.documents()}
    assert sources == {"page.html", "records.jsonl", "paper.pdf", "notes.md"}
    assert len([d for d in store.documents() if "records.jsonl" in d.source]) == 2
    assert [s.reason for s in report.skipped] == [
        "line 2 is not valid JSON (Expecting value); fix it"
    ]
    html = next(d for d in store.documents() if d.source.endswith("page.html"))
    assert "voted on the resolution" in html.text and "Subscribe" not in html.text
    assert html.title == "Vote report"
    pdf = next(d for d in store.documents() if d.source.endswith(".pdf"))
    assert "museum reopened" in pdf.text
    for p in store.passages():
        assert store.document(p.doc_id).text[p.start : p.end] == p.text


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"   \n\n", "empty"),
        ("binary.txt", b"\x00\x01\x02binary\x00data" * 10, "binary"),
        ("latin1.txt", "Caf\xe9 au lait, na\xefve.".encode("latin-1"), "not UTF-8"),
        ("data.xlsx", b"PK\x03\x04 spreadsheet", "unsupported file type"),
        ("broken.pdf", b"%PDF-1.4 this is not really a pdf", "PDF"),
    ],
)
def test_one_bad_file_is_skipped_and_named(store, tmp_path, samples, name, content, expected):
    corpus = tmp_path / "corpus"
    shutil.copytree(samples, corpus)
    (corpus / name).write_bytes(content)
    report = _ingest(store, corpus)
    assert report.count("added") == 5
    assert len(report.skipped) == 1
    assert report.skipped[0].source.endswith(name)
    assert expected in report.skipped[0].reason


def test_large_file_is_refused_with_the_fix(store, tmp_path):
    big = tmp_path / "big.txt"
    with big.open("w") as fh:
        line = "The committee met again and adjourned without a decision on the budget.\n"
        fh.write(line * (50 * 1024 * 1024 // len(line) + 1))
    with pytest.raises(InputError, match="over the 20 MB limit.*split it"):
        _ingest(store, big)
    assert store.passage_count() == 0


def test_unreadable_file(store, tmp_path, monkeypatch):
    doc = tmp_path / "secret.txt"
    doc.write_text("Secret text.")
    real = Path.read_bytes

    def deny(self):
        if self.name == "secret.txt":
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", deny)
    with pytest.raises(InputError, match="permission denied"):
        _ingest(store, doc)


def test_missing_path_only(store, tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        _ingest(store, tmp_path / "nope")


def test_store_refuses_another_embedding_model(store, samples):
    _ingest(store, samples)
    with pytest.raises(ModelError, match="built with hash-64"):
        ingest(store, [str(samples)], HashEmbedder(32))


def test_foreign_directory_is_not_a_store(tmp_path):
    foreign = tmp_path / "photos"
    foreign.mkdir()
    (foreign / "cat.jpg").write_bytes(b"jpg")
    with pytest.raises(StoreError, match="not a workbench store"):
        Store.open(foreign, create=True)
    with pytest.raises(StoreError, match="run `workbench ingest"):
        Store.open(tmp_path / "missing")
    assert sorted(p.name for p in foreign.iterdir()) == ["cat.jpg"]


_SLOW_INGEST = textwrap.dedent(
    """
    import sys, time
    from workbench.embedding import HashEmbedder
    from workbench.ingest import pipeline
    from workbench.store import Store

    pipeline.WRITE_BATCH = 1  # store every batch at once

    class Slow(HashEmbedder):
        batch_size = 2  # one document per encoder batch

        def embed(self, texts):
            time.sleep(0.15)
            return super().embed(texts)

    def progress(event):
        print("written", event.documents, flush=True)

    with Store.open(sys.argv[1], create=True) as st:
        pipeline.ingest(st, [sys.argv[2]], Slow(64), on_progress=progress)
    print("done", flush=True)
    """
)


def _corpus(tmp_path, n=40):
    corpus = tmp_path / "many"
    corpus.mkdir()
    for i in range(n):
        (corpus / f"doc{i:03d}.txt").write_text(
            f"Report {i} says the council met on day {i}. The vote on item {i} passed narrowly.\n\n"
            f"Observers in district {i} disputed the count. A recount was requested for {i}.\n"
        )
    return corpus


def _run_and_interrupt(tmp_path, store_dir, corpus, sig):
    script = tmp_path / "slow_ingest.py"
    script.write_text(_SLOW_INGEST)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, str(script), str(store_dir), str(corpus)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    written = 0
    deadline = time.time() + 120
    while written < 5 and time.time() < deadline:
        line = proc.stdout.readline()
        if line.startswith("written"):
            written = int(line.split()[1])
    proc.send_signal(sig)
    proc.wait(timeout=60)
    return written


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["kill-9", "ctrl-c"])
def test_interrupted_ingest_leaves_whole_documents_and_resumes(tmp_path, sig):
    corpus = _corpus(tmp_path)
    store_dir = tmp_path / "store"
    written = _run_and_interrupt(tmp_path, store_dir, corpus, sig)
    assert written >= 5
    with Store.open(store_dir) as st:
        docs = st.documents()
        assert written <= len(docs) < 40
        for doc in docs:
            passages = st.passages(doc.id)
            assert len(passages) == 2  # every committed document is whole
        report = ingest(st, [str(corpus)], HashEmbedder(64))
        assert report.count("unchanged") == len(docs)
        assert report.count("added") == 40 - len(docs)
        assert len(st.documents()) == 40
        assert st.passage_count() == 80
        assert sorted(st.vector_ids()) == sorted(p.id for p in st.passages())


# -- the command line, with the real embedding model -------------------------------------


@pytest.mark.slow
def test_cli_ingest_stats_search_real_model(tmp_path, samples):
    runner = CliRunner()
    store_dir = tmp_path / "store"
    result = runner.invoke(main, ["ingest", str(samples), "--store", str(store_dir), "-q"])
    assert result.exit_code == 0, result.output
    assert "Ingested 5 new" in result.output
    assert "dropped 12 boilerplate lines and 7 repeated paragraphs" in result.output
    stats = runner.invoke(main, ["stats", "--store", str(store_dir), "--json"])
    data = json.loads(stats.output)
    assert data["documents"] == 5 and data["passages"] > 50
    assert data["embedding_model"] == "all-MiniLM-L6-v2"
    again = runner.invoke(main, ["ingest", str(samples), "--store", str(store_dir), "--json"])
    summary = json.loads(again.output)
    assert summary["unchanged"] == 5 and summary["passages"] == data["passages"]
    found = runner.invoke(
        main,
        [
            "search",
            "US voted against a UN resolution",
            "--store",
            str(store_dir),
            "--k",
            "3",
            "--json",
        ],
    )
    hits = [json.loads(line) for line in found.output.splitlines()]
    assert hits[0]["source"] == "004_a16462e2f99a91d2.txt"
    assert "voted against a resolution" in hits[0]["text"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ingest", "does/not/exist"], "No such file or folder"),
        (["stats"], "No store at"),
        (["search", "anything"], "No store at"),
    ],
)
def test_cli_errors_are_one_line(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, args)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "store").exists()


def test_cli_store_that_is_not_a_store(tmp_path, samples):
    foreign = tmp_path / "stuff"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("hi")
    result = CliRunner().invoke(main, ["ingest", str(samples), "--store", str(foreign)])
    assert result.exit_code == 1
    assert "is not a workbench store" in result.output
    assert sorted(p.name for p in foreign.iterdir()) == ["notes.txt"]


def test_passages_pack_sentences_and_a_short_last_sentence_joins_the_one_before() -> None:
    from workbench.ingest.passages import make_passages

    text = (
        "“Either he achieves this through guarantees, or through political control of the "
        "country,” he said. “Then we will see what happens. Territory is less important.”"
    )
    passages = make_passages("d", "s", text, [(0, len(text))])
    assert [p.text for p in passages] == [text]  # three sentences, the last one short
    for p in passages:
        assert text[p.start : p.end] == p.text
    long = " ".join(
        f"Sentence number {i} is long enough to stand on its own in a passage." for i in range(5)
    )
    spans = [(p.start, p.end) for p in make_passages("d", "s", long, [(0, len(long))])]
    assert len(spans) == 3 and spans[0][0] == 0 and spans[-1][1] == len(long)

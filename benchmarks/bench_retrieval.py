"""Retrieval latency at 10k and 100k passages: workbench hybrid search vs LangChain's
`similarity_search` on the same Chroma collection, in one run.

    python benchmarks/bench_retrieval.py [--sizes 10000 100000] [--queries 200]

The corpus is synthetic (25-word passages drawn from a 5,000-word vocabulary with a
Zipf-like distribution); both sides embed queries with the same fast hashing embedder, so
the numbers compare search work, not the encoder. Our search does more work: dense +
BM25 + fusion + copy grouping + a SQLite fetch of passage text and offsets.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path


def synthetic_texts(n: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(5000)]
    weights = [1.0 / (i + 1) for i in range(5000)]
    return [" ".join(rng.choices(vocab, weights, k=25)) + "." for _ in range(n)]


def build(path: Path, n: int) -> float:
    import numpy as np

    from workbench.embedding import HashEmbedder
    from workbench.store import Store, now
    from workbench.types import Passage

    emb = HashEmbedder(384)
    texts = synthetic_texts(n)
    t0 = time.perf_counter()
    with Store.open(path, create=True) as st:
        st.adopt_embedder(emb)
        per_doc = 100
        for d in range(0, n, per_doc):
            doc_id = f"d{d:07d}"
            chunk = texts[d : d + per_doc]
            body = "\n".join(chunk)
            passages, offset = [], 0
            for i, t in enumerate(chunk):
                passages.append(
                    Passage(
                        f"{doc_id}:{i:04d}", doc_id, f"doc{d}.txt", offset, offset + len(t), t, i
                    )
                )
                offset += len(t) + 1
            st.upsert_vectors(passages, np.asarray(emb.embed(chunk)))
            st.db.execute("BEGIN")
            st.db.execute(
                "INSERT INTO documents (id, source, text, file_hash, cleaning, ingested_at) VALUES (?,?,?,?,?,?)",
                (doc_id, f"doc{d}.txt", body, "x", "{}", now()),
            )
            st.db.executemany(
                'INSERT INTO passages (id, doc_id, idx, start, "end", text) VALUES (?,?,?,?,?,?)',
                [(p.id, p.doc_id, p.index, p.start, p.end, p.text) for p in passages],
            )
            st.db.execute("COMMIT")
    return time.perf_counter() - t0


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def measure(path: Path, queries: list[str]) -> dict[str, float]:
    import chromadb
    from chromadb.config import Settings
    from langchain_chroma import Chroma
    from langchain_core.embeddings import Embeddings

    from workbench.embedding import HashEmbedder
    from workbench.retrieval import Retriever
    from workbench.store import Store

    emb = HashEmbedder(384)

    class LCHash(Embeddings):
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return emb.embed(texts).tolist()

        def embed_query(self, text: str) -> list[float]:
            return emb.embed([text])[0].tolist()

    out: dict[str, float] = {}
    with Store.open(path) as st:
        retriever = Retriever(st)
        t0 = time.perf_counter()
        retriever.search(queries[0], k=10)
        out["ours_first_query_s"] = time.perf_counter() - t0  # includes the BM25 index build
        ours = []
        for q in queries:
            t0 = time.perf_counter()
            retriever.search(q, k=10)
            ours.append(time.perf_counter() - t0)
        client = chromadb.PersistentClient(
            path=str(path / "chroma"), settings=Settings(anonymized_telemetry=False)
        )
        lc = Chroma(client=client, collection_name="passages", embedding_function=LCHash())
        lc.similarity_search(queries[0], k=10)
        theirs = []
        for q in queries:
            t0 = time.perf_counter()
            lc.similarity_search(q, k=10)
            theirs.append(time.perf_counter() - t0)
    out.update(
        ours_p50_ms=1000 * statistics.median(ours),
        ours_p95_ms=1000 * pct(ours, 0.95),
        lc_p50_ms=1000 * statistics.median(theirs),
        lc_p95_ms=1000 * pct(theirs, 0.95),
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    rng = random.Random(1)
    queries = [
        " ".join(t.split()[:12]) for t in rng.sample(synthetic_texts(5000, seed=2), args.queries)
    ]
    for n in args.sizes:
        work = Path(tempfile.mkdtemp(prefix=f"bench-ret-{n}-"))
        build_s = build(work / "store", n)
        r = measure(work / "store", queries)
        print(
            f"{n:>7} passages (built in {build_s:.0f}s): workbench hybrid p50 {r['ours_p50_ms']:.1f} ms, "
            f"p95 {r['ours_p95_ms']:.1f} ms (first query incl. BM25 build {r['ours_first_query_s']:.2f}s); "
            f"LangChain similarity_search p50 {r['lc_p50_ms']:.1f} ms, p95 {r['lc_p95_ms']:.1f} ms; "
            f"ratio p50 {r['ours_p50_ms'] / r['lc_p50_ms']:.2f}x"
        )
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

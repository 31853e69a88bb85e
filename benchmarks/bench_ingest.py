"""Ingest throughput: our pipeline vs the raw encoder vs the plain LangChain way, in one run.

    python benchmarks/bench_ingest.py [--copies 12] [--threads 2] [--rounds 3]

The corpus is the bundled sample corpus copied N times with a per-copy marker (so no
copy is a duplicate); the same passages go through (1) the raw sentence-transformers
encoder, (2) `workbench` ingest into a fresh store (encoding overlapped with writing),
(3) `langchain_chroma.Chroma.from_documents` with `HuggingFaceEmbeddings` on the same
passage texts. The model is loaded and warmed, and the libraries imported, before any
timing.
"""

from __future__ import annotations

import argparse
import platform
import shutil
import statistics
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def make_corpus(dest: Path, copies: int) -> None:
    for i in range(copies):
        for src in sorted((ROOT / "samples" / "corpus").glob("*.txt")):
            text = src.read_text(encoding="utf-8")
            (dest / f"{i:03d}_{src.name}").write_text(
                f"Copy {i}.\n{text}\nEdition {i}.\n", encoding="utf-8"
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=12)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    from workbench.embedding import MiniLMEmbedder, offline_env
    from workbench.ingest.cleaning import clean
    from workbench.ingest.passages import make_passages
    from workbench.ingest.pipeline import ingest
    from workbench.store import Store

    offline_env()
    # Libraries are imported before any timing, for every contender alike (chromadb's import
    # alone takes ~0.5 s; LangChain's imports below pull it in too).
    import chromadb  # noqa: F401
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_huggingface import HuggingFaceEmbeddings

    work = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    corpus = work / "corpus"
    corpus.mkdir()
    make_corpus(corpus, args.copies)
    texts = []
    for f in sorted(corpus.glob("*.txt")):
        t = f.read_text(encoding="utf-8")
        texts += [p.text for p in make_passages("d", f.name, t, clean(t).blocks)]
    embedder = MiniLMEmbedder(batch_size=64)
    embedder.embed(texts[:64])  # load and warm
    lc_embed = HuggingFaceEmbeddings(
        model_name=str(embedder.path),
        model_kwargs={"device": "cpu"},
        encode_kwargs={"normalize_embeddings": True, "batch_size": 64},
    )
    lc_embed.embed_documents(texts[:64])
    docs = [Document(page_content=t, metadata={"i": i}) for i, t in enumerate(texts)]

    def run_raw() -> float:
        t0 = time.perf_counter()
        embedder.embed(texts)
        return time.perf_counter() - t0

    def run_ours(r: int) -> float:
        with Store.open(work / f"store-{r}", create=True) as store:
            t0 = time.perf_counter()
            report = ingest(store, [corpus], embedder)
            seconds = time.perf_counter() - t0
            assert report.passages == len(texts), (report.passages, len(texts))
        return seconds

    def run_langchain(r: int) -> float:
        t0 = time.perf_counter()
        Chroma.from_documents(
            docs, lc_embed, persist_directory=str(work / f"lc-{r}"), collection_name=f"lc-{r}"
        )
        return time.perf_counter() - t0

    # The three contenders take turns, round after round, so a noisy neighbour on the
    # shared machine hits them alike; each round's ratios compare runs seconds apart.
    n = len(texts)
    print(f"machine: {platform.processor() or platform.machine()}, torch threads {args.threads}")
    print(f"passages: {n} ({args.copies} copies of the sample corpus), {args.rounds} rounds")
    rounds = []
    for r in range(args.rounds):
        raw, ours, langchain = run_raw(), run_ours(r), run_langchain(r)
        rounds.append((raw, ours, langchain))
        print(
            f"round {r + 1}: raw {n / raw:6.1f} p/s | ingest {n / ours:6.1f} p/s "
            f"({raw / ours:.2f}x) | langchain {n / langchain:6.1f} p/s ({raw / langchain:.2f}x)"
        )
    raw, ours, langchain = (statistics.median(col) for col in zip(*rounds, strict=True))
    ratio_ours = statistics.median(a / b for a, b, _ in rounds)
    ratio_lc = statistics.median(a / c for a, _, c in rounds)
    print(f"raw encoder      : {n / raw:7.1f} passages/s (median {raw:.1f}s)")
    print(
        f"workbench ingest : {n / ours:7.1f} passages/s (median {ours:.1f}s)  "
        f"= {ratio_ours:.2f}x the raw encoder (median of the rounds' ratios)"
    )
    print(
        f"langchain Chroma : {n / langchain:7.1f} passages/s (median {langchain:.1f}s)  "
        f"= {ratio_lc:.2f}x the raw encoder"
    )
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

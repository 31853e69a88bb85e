"""Batch verification throughput on the sample corpus, with the shipped judge.

    python benchmarks/bench_verify.py [--repeat 4] [--top-k 10]

Ingests samples/corpus into a temporary store with the real model, then verifies the dev
claims and the sample claims (repeated, with a suffix so each is a distinct claim) through
`Workbench.verify_many`, which embeds and judges 16 claims per batch. Also times the same
claims one at a time, to show what batching buys.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def claims(repeat: int) -> list[str]:
    base = [
        line
        for line in (ROOT / "samples" / "claims.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    dev = ROOT.parent / "shared" / "eval" / "seed_dev_claims.jsonl"
    if dev.exists():
        base += [json.loads(line)["claim"] for line in dev.read_text().splitlines() if line.strip()]
    return [f"{c} ({i})" if i else c for i in range(repeat) for c in base]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=4)
    parser.add_argument("--top-k", type=int, default=10)
    args = parser.parse_args()

    from workbench.api import Workbench
    from workbench.embedding import get_embedder
    from workbench.ingest.pipeline import ingest
    from workbench.store import Store

    path = Path(tempfile.mkdtemp(prefix="bench-verify-")) / "store"
    with Store.open(path, create=True) as st:
        ingest(st, [ROOT / "samples" / "corpus"], get_embedder())
    texts = claims(args.repeat)
    with Workbench(Store.open(path), judge="nli", top_k=args.top_k) as wb:
        list(wb.verify_many(texts[:2], save=False))  # load and warm the models
        t0 = time.perf_counter()
        list(wb.verify_many(texts, save=False))
        batched = time.perf_counter() - t0
        t0 = time.perf_counter()
        for t in texts[:16]:
            wb.verify(t, save=False)
        single = (time.perf_counter() - t0) / 16
    print(f"claims: {len(texts)}, top-k {args.top_k} ({len(texts) * args.top_k} judged pairs)")
    print(f"batched  : {len(texts) / batched:6.2f} claims/s ({batched:.1f}s)")
    print(f"one by one: {1 / single:6.2f} claims/s ({single * 1000:.0f} ms per claim)")


if __name__ == "__main__":
    main()

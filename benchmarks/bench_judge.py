"""Throughput and accuracy cost of the `nli` judge's inference options on a fixed Climate-FEVER slice.

Example::

    python benchmarks/bench_judge.py --pairs 1024 --threads 2

Prints pairs/s at batch 32 for fp32 (padded to 128 and length-bucketed), bf16 autocast and
int8 dynamic quantisation, each with accuracy / macro-F1 on the same slice (evenly spaced
over ../shared/data/climate-fever). The machine is shared: run it twice and expect noise.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from workbench.judges.nli import NLIJudge
from workbench.judges.training.evaluation import load_climate_fever, metrics, subsample

VARIANTS = [
    ("fp32, padded to 128", "fp32", False),
    ("fp32, length-bucketed", "fp32", True),
    ("bf16 autocast, padded to 128", "bf16", False),
    ("bf16 autocast, length-bucketed", "bf16", True),
    ("bf16 weights, length-bucketed", "bf16-weights", True),
    ("int8 dynamic, length-bucketed", "int8", True),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--pairs", type=int, default=1024)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--repeat", type=int, default=1, help="best of N timings per variant")
    ap.add_argument("--only", default="", help="comma-separated precisions to run")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    data = subsample(load_climate_fever(), args.pairs)
    pairs = [(p.claim, p.passage) for p in data]
    gold = np.array([p.gold for p in data])
    rows = []
    for label, precision, bucket in VARIANTS:
        if args.only and precision not in args.only.split(","):
            continue
        judge = NLIJudge(
            batch_size=args.batch, threads=args.threads, precision=precision, bucket=bucket
        )
        judge.probs(pairs[: args.batch])  # load + warm up
        best = float("inf")
        for _ in range(args.repeat):
            start = time.perf_counter()
            probs = judge.probs(pairs)
            best = min(best, time.perf_counter() - start)
        m = metrics(gold, probs.argmax(1))
        row = {
            "variant": label,
            "pairs_per_s": round(len(pairs) / best, 1),
            "accuracy": m["accuracy"],
            "macro_f1": m["macro_f1"],
        }
        rows.append(row)
        if not args.json:
            print(
                f"{label:<32} {row['pairs_per_s']:>7.1f} pairs/s   "
                f"acc {row['accuracy']:.3f}   macro-F1 {row['macro_f1']:.3f}",
                flush=True,
            )
    if args.json:
        print(json.dumps({"pairs": len(pairs), "threads": args.threads, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()

"""Fit the lexical stacker (model logits + negation/number/overlap features) on the hold-out.

Example::

    python -m workbench.judges.training.stack --model workbench/models/stance

Rebuilds the exact hold-out of ``train`` (same seed and mix), scores it with the shipped
weights, and fits a multinomial logistic regression on the fact-checking part of it. The
stacker is written into ``calibration.json`` only if it beats the calibration already there
(temperature and biases) on 2-fold cross-validation within the hold-out by ``--min-gain`` macro-F1;
Climate-FEVER and WiCE play no part in the decision.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import numpy as np

from workbench.judges import lexical
from workbench.judges.nli import NLIJudge
from workbench.judges.training import data as D
from workbench.judges.training.evaluation import macro_f1, metrics
from workbench.judges.training.train import FACTCHECK, cached_embedder

log = logging.getLogger("stack")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--model", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--holdout", type=float, default=0.08)
    ap.add_argument("--permissive-only", action="store_true")
    ap.add_argument("--min-gain", type=float, default=0.01)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--cache", type=Path, default=Path("runs/cache"))
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")

    mix = D.Mix(permissive_only=args.permissive_only)
    pairs = D.build(mix, args.seed, cached_embedder(args.cache, args.threads))
    _, held = D.split_holdout(pairs, args.holdout, args.seed)
    held = [p for p in held if p.source in FACTCHECK]
    judge = NLIJudge(args.model, threads=args.threads, calibrated=False)
    cal_file = args.model / "calibration.json"
    cal = json.loads(cal_file.read_text())
    cal.pop("stacker", None)
    qa = [(p.claim, p.evidence) for p in held]
    scaled = judge.logits(qa) / cal["temperature"]
    gold = np.array([D.LABEL_ID[p.label] for p in held])
    x = lexical.stack_inputs(scaled, lexical.feature_matrix(qa))
    bias = np.array(cal["bias_vector"])

    rng = np.random.default_rng(args.seed)
    fold = rng.permutation(len(held)) % 2
    base, stacked = [], []
    for k in (0, 1):
        tr, te = fold != k, fold == k
        w = lexical.fit_stacker(x[tr], gold[tr])
        base.append(macro_f1(gold[te], (scaled[te] + bias).argmax(1)))
        stacked.append(macro_f1(gold[te], (x[te] @ w).argmax(1)))
    gain = float(np.mean(stacked) - np.mean(base))
    log.info(
        "2-fold macro-F1: bias %.4f, stacker %.4f (gain %.4f)",
        np.mean(base),
        np.mean(stacked),
        gain,
    )
    w = lexical.fit_stacker(x, gold)
    log.info("stacker on the whole hold-out: %s", metrics(gold, (x @ w).argmax(1)))
    report = {
        "pairs": len(held),
        "cv_macro_f1_bias": round(float(np.mean(base)), 4),
        "cv_macro_f1_stacker": round(float(np.mean(stacked)), 4),
        "adopted": gain >= args.min_gain,
    }
    if report["adopted"]:
        cal["stacker"] = {
            "inputs": ["logit_supports", "logit_refutes", "logit_neutral", *lexical.FEATURES, "1"],
            "weights": np.round(w, 5).tolist(),
            "report": report,
        }
    else:
        cal["stacker_rejected"] = report
    cal_file.write_text(json.dumps(cal, indent=2) + "\n")
    log.info("%s", report)


if __name__ == "__main__":
    main()

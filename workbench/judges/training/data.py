"""Training pairs for the stance judge: public NLI / fact-checking sets mapped to 3 stances.

Every loader returns ``Pair`` rows (evidence, claim, label, source, group). ``group`` ties
together all pairs built from one claim so that the calibration hold-out never shares a
claim with the training split. Climate-FEVER and WiCE are the development benchmark and
are never read here.

Label mapping:
  * FEVER (RTE format): entailment → supports, not_entailment → refutes (the negatives are
    FEVER's REFUTES claims, mostly mutations of a true claim).
  * COVID-Fact, SciFact rationale pairs: entailment → supports, not_entailment → refutes.
  * SICK, ANLI: entailment → supports, contradiction → refutes, neutral → neutral.
  * Hard neutrals (constructed): a claim paired with a sentence close to it by MiniLM
    embedding that is not its evidence (and not a near-duplicate of its evidence).
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import random
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from workbench.errors import InputError

LABELS = ("supports", "refutes", "neutral")
LABEL_ID = {name: i for i, name in enumerate(LABELS)}
FORBIDDEN = ("climate-fever", "wice")  # the dev benchmark: never train or tune on these


@dataclass(frozen=True)
class Pair:
    """One training example: ``evidence`` is fed first, then ``claim``."""

    evidence: str
    claim: str
    label: str
    source: str
    group: str


def data_root() -> Path:
    """``$WORKBENCH_DATA`` or ``../shared/data`` next to the checkout."""
    env = os.environ.get("WORKBENCH_DATA")
    if env:
        return Path(env)
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent.parent / "shared" / "data"
        if candidate.is_dir():
            return candidate
    return Path("../shared/data")


def _check(path: Path) -> Path:
    if any(part in FORBIDDEN for part in path.parts):
        raise InputError(f"{path} is part of the dev benchmark and must not be used for training")
    if not path.exists():
        raise InputError(f"Training data missing: {path} (see ../shared/data/README.md)")
    return path


_DETOK = [
    (re.compile(r"-LRB-"), "("),
    (re.compile(r"-RRB-"), ")"),
    (re.compile(r"-LSB-"), "["),
    (re.compile(r"-RSB-"), "]"),
    (re.compile(r"``\s*"), '"'),
    (re.compile(r"\s*''"), '"'),
    (re.compile(r"\(\s+"), "("),
    (re.compile(r"\s+\)"), ")"),
    (re.compile(r"\s+([,.;:!?%])"), r"\1"),
    (re.compile(r"\s+('s|n't|'re|'ve|'ll|'d)\b"), r"\1"),
    (re.compile(r"\s+--\s+"), " - "),
    (re.compile(r"\s{2,}"), " "),
]


def detokenize(text: str) -> str:
    """Undo FEVER's PTB tokenisation (``Edmonds , Tracey`` → ``Edmonds, Tracey``)."""
    for pattern, repl in _DETOK:
        text = pattern.sub(repl, text)
    return text.strip()


_SENT = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])")


def sentences(text: str) -> list[str]:
    """A cheap sentence split, good enough for building neutral candidates."""
    return [s.strip() for s in _SENT.split(text) if len(s.split()) >= 5]


def _gid(source: str, claim: str) -> str:
    return source + ":" + hashlib.sha1(claim.strip().lower().encode()).hexdigest()[:12]


def load_fever(root: Path) -> list[Pair]:
    folder = _check(root / "fever-nli-dev")
    ev = (folder / "dev.raw.input0").read_text(encoding="utf-8").splitlines()
    cl = (folder / "dev.raw.input1").read_text(encoding="utf-8").splitlines()
    lab = (folder / "dev.label").read_text(encoding="utf-8").splitlines()
    out = []
    for e, c, y in zip(ev, cl, lab, strict=True):
        label = "supports" if y.strip() == "entailment" else "refutes"
        claim = detokenize(c)
        out.append(Pair(detokenize(e), claim, label, "fever", _gid("fever", claim)))
    return out


def _rte_tsv(path: Path, source: str) -> list[Pair]:
    out = []
    with _check(path).open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(reader)
        for row in reader:
            if len(row) < 4:
                continue
            evidence, claim, y = row[1].strip(), row[2].strip(), row[3].strip()
            label = "supports" if y == "entailment" else "refutes"
            # COVID-Fact counter-claims share evidence with the true claim: group by evidence.
            group = _gid(source, evidence if source == "covidfact" else claim)
            out.append(Pair(evidence.replace(" > ", " "), claim, label, source, group))
    return out


def load_covidfact(root: Path) -> list[Pair]:
    folder = root / "covidfact"
    return _rte_tsv(folder / "RTE-covidfact_train.tsv", "covidfact") + _rte_tsv(
        folder / "RTE-covidfact_dev.tsv", "covidfact"
    )


def load_scifact(root: Path) -> list[Pair]:
    folder = root / "scifact-rationale-pairs"
    return _rte_tsv(folder / "train.tsv", "scifact") + _rte_tsv(folder / "dev.tsv", "scifact")


_NLI3 = {
    "ENTAILMENT": "supports",
    "CONTRADICTION": "refutes",
    "NEUTRAL": "neutral",
    "e": "supports",
    "c": "refutes",
    "n": "neutral",
}


def load_sick(root: Path) -> list[Pair]:
    out = []
    with _check(root / "sick" / "SICK.txt").open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        for row in reader:
            a, b = row["sentence_A"].strip(), row["sentence_B"].strip()
            out.append(Pair(a, b, _NLI3[row["entailment_label"]], "sick", _gid("sick", a + b)))
    return out


def load_anli(root: Path) -> list[Pair]:
    out = []
    for r in ("R1", "R2", "R3"):
        for line in _check(root / "anli" / f"{r}_dev.jsonl").open(encoding="utf-8"):
            d = json.loads(line)
            hyp = d["hypothesis"].strip()
            out.append(
                Pair(d["context"].strip(), hyp, _NLI3[d["label"]], "anli", _gid("anli", hyp))
            )
    return out


def hard_neutrals(
    claims: Sequence[tuple[str, str, str]],
    own_evidence: dict[str, set[str]],
    pool: Sequence[str],
    embed: object,
    per_claim: int,
    rng: random.Random,
    ranks: tuple[int, int] = (0, 8),
    dup_threshold: float = 0.8,
    claim_threshold: float = 0.85,
) -> list[Pair]:
    """Pair each (claim, source, group) with ``per_claim`` close sentences, none its evidence.

    Candidates are the pool sentences at nearest-neighbour ranks ``ranks[0]`` (inclusive) to
    ``ranks[1]`` (exclusive, 0 = the nearest) after removing the claim's own evidence
    sentences, anything with cosine > ``dup_threshold`` to one of them, and anything with
    cosine > ``claim_threshold`` to the claim itself (likely a paraphrase that supports it).
    Skipping the first ranks (e.g. ``(3, 15)``) avoids the closest sentences, which often
    support part of the claim. ``embed`` maps a list of texts to L2-normalised vectors.
    """
    lo, hi = ranks
    if not 0 <= lo < hi:
        raise ValueError(f"neighbour ranks must satisfy 0 <= start < end, got {lo}:{hi}")
    enc = embed  # a callable; typed loosely to keep torch out of this module's imports
    pool = list(dict.fromkeys(pool))
    index = {s: i for i, s in enumerate(pool)}
    pool_vecs = enc(pool)  # type: ignore[operator]
    claim_vecs = enc([c for c, _, _ in claims])  # type: ignore[operator]
    out: list[Pair] = []
    chunk = 512
    for start in range(0, len(claims), chunk):
        sims = claim_vecs[start : start + chunk] @ pool_vecs.T
        for row, (claim, source, group) in enumerate(claims[start : start + chunk]):
            own = [index[s] for s in own_evidence.get(group, ()) if s in index]
            s = sims[row].copy()
            if own:
                dup = (pool_vecs[own] @ pool_vecs.T).max(axis=0)
                s[dup > dup_threshold] = -1.0
                s[own] = -1.0
            s[s > claim_threshold] = -1.0
            top = np.argpartition(-s, hi)[:hi]
            if lo:  # rank order matters only when ranks are skipped (0:8 keeps the old draw)
                top = top[np.argsort(-s[top], kind="stable")][lo:]
            best = [int(i) for i in top if s[i] > 0.2]
            rng.shuffle(best)
            for i in best[:per_claim]:
                out.append(Pair(pool[i], claim, "neutral", source + "-nn", group))
    return out


def _sample(rows: list[Pair], n: int, rng: random.Random) -> list[Pair]:
    rows = list(rows)
    rng.shuffle(rows)
    return rows[:n]


@dataclass(frozen=True)
class Mix:
    """How many pairs of each kind go into the training set (``-1`` = all)."""

    fever_supports: int = 4500
    fever_refutes: int = 2000
    fever_neutral_claims: int = 4000
    covidfact_refutes: int = 800
    neutrals_per_claim: int = 1
    # Nearest-neighbour ranks the hard neutrals are drawn from; ranks 0-2 are skipped because
    # the closest sentences often support part of the claim (shipped model; was 2 from 0:8).
    neighbour_ranks: tuple[int, int] = (3, 15)
    sick: int = -1
    anli: int = -1
    permissive_only: bool = False  # drop SICK and ANLI (non-commercial licences)


def build(mix: Mix, seed: int, embed: object, root: Path | None = None) -> list[Pair]:
    """All training pairs for ``mix``, deterministic for a given seed."""
    root = root or data_root()
    rng = random.Random(seed)
    fever = load_fever(root)
    covid = load_covidfact(root)
    sci = load_scifact(root)

    fs = _sample([p for p in fever if p.label == "supports"], mix.fever_supports, rng)
    fr = _sample([p for p in fever if p.label == "refutes"], mix.fever_refutes, rng)
    cs = [p for p in covid if p.label == "supports"]
    cr = _sample([p for p in covid if p.label == "refutes"], mix.covidfact_refutes, rng)
    pairs: list[Pair] = fs + fr + cs + cr + sci

    # Own evidence (as sentences) per claim group, over the whole of each source.
    own: dict[str, set[str]] = defaultdict(set)
    for p in fever + covid + sci:
        own[p.group].update(sentences(p.evidence) or [p.evidence])
    pool: list[str] = []
    for p in fever + covid + sci:
        pool.extend(sentences(p.evidence))

    claims: dict[str, tuple[str, str, str]] = {}
    fever_claims = _sample(fs + fr, mix.fever_neutral_claims, rng)
    for p in fever_claims + cs + cr + sci:
        claims.setdefault(p.claim, (p.claim, p.source, p.group))
    pairs += hard_neutrals(
        list(claims.values()),
        own,
        pool,
        embed,
        mix.neutrals_per_claim,
        rng,
        ranks=mix.neighbour_ranks,
    )

    if not mix.permissive_only:
        sick = load_sick(root)
        anli = load_anli(root)
        pairs += sick if mix.sick < 0 else _sample(sick, mix.sick, rng)
        pairs += anli if mix.anli < 0 else _sample(anli, mix.anli, rng)
    rng.shuffle(pairs)
    return pairs


def split_holdout(
    pairs: Iterable[Pair], fraction: float, seed: int
) -> tuple[list[Pair], list[Pair]]:
    """Split by claim group (a held-out claim's neutrals are held out with it)."""
    train: list[Pair] = []
    held: list[Pair] = []
    for p in pairs:
        h = int(hashlib.sha1(f"{seed}:{p.group}".encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
        (held if h < fraction else train).append(p)
    return train, held


def class_weights(labels: Sequence[int], n_classes: int = 3) -> list[float]:
    """Inverse class frequency, normalised to mean 1 (for a weighted cross-entropy)."""
    counts = np.bincount(np.asarray(labels, dtype=np.int64), minlength=n_classes).astype(float)
    if (counts == 0).any():
        raise ValueError(f"every class needs at least one example, got counts {counts.tolist()}")
    w = counts.sum() / (n_classes * counts)
    return [float(x) for x in w / w.mean()]


def summary(pairs: Sequence[Pair]) -> dict[str, dict[str, int]]:
    """Counts per source and label, for the log and the model card."""
    out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for p in pairs:
        out[p.source][p.label] += 1
    return {k: dict(v) for k, v in sorted(out.items())}

"""Lexical checks that steady the stance judge on news claims (documented in docs/verify.md).

The trained cross-encoder tells related from unrelated passages reasonably well but is
weak at *direction*: it calls a passage that says "dissatisfaction" or "will not join"
support for a claim that says "satisfaction" or "join". And it gives 0.4–0.5 support or
refute to passages that merely share the topic. Three transparent signals fix most of
that:

- **coverage**: the share of the claim's content words (stemmed; stop words and reporting
  verbs such as "argues", "said" left out) found in the passage. Names (capitalised
  words) also count when they occur anywhere in the passage's document, so "Dugin argues
  X" is covered by a column of Dugin's that says X.
- **missing names**: a name in the claim that occurs nowhere in the document ("the Pope",
  "Geneva") means the passage cannot decide the claim.
- **direction cues**: a negation present on one side only, in the stretch of the best
  matching sentence that the claim's words span ("will not join NATO" vs "join NATO",
  "could never resume" vs "could resume"); an antonym by prefix ("satisfaction" vs
  "dissatisfaction", "likely" vs "unlikely"); a number in the claim that the passage
  contradicts with other numbers.

``adjust`` applies them to one judgement: an unrelated passage becomes neutral; a fully
covered passage is decisive with the judge's decisive mass (supports + refutes), pointed
by the cues; a partly covered one keeps the judge's direction unless a cue flips it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from workbench.types import Stance, StanceJudgement

RELATED_MIN = 0.6  # coverage below this: the passage does not decide the claim
FULL_MIN = 0.85  # coverage at or above this: the judge's decisive mass, direction by cues
NAME_IN_DOCUMENT = 0.5  # a name found in the document but not the passage counts half
JUDGE_ONLY_REFUTE = 0.5  # refutes without a cue, on partial coverage, is damped (the judge's
# known weak spot: related but non-committal passages called refutes)
UNRELATED_KEEP = 0.3  # share of decisive mass an unrelated passage keeps

NEGATIONS = {
    "not",
    "no",
    "never",
    "n't",
    "cannot",
    "neither",
    "nor",
    "none",
    "nobody",
    "nothing",
    "without",
    "nowhere",
}
REPORTING = {
    "argue",
    "argues",
    "argued",
    "say",
    "says",
    "said",
    "claim",
    "claims",
    "claimed",
    "state",
    "states",
    "stated",
    "describe",
    "described",
    "describes",
    "note",
    "noted",
    "notes",
    "report",
    "reported",
    "reports",
    "according",
    "believe",
    "believes",
    "suggest",
    "suggests",
    "suggested",
    "insist",
    "insists",
    "insisted",
}
PREFIXES = ("dis", "un", "in", "im", "ir", "il", "non", "mis")
_PAIRS = """great little; more less; most least; increase decrease; increase cut; raise lower;
rise fall; rose fell; win lose; won lost; victory defeat; accept reject; accepted rejected;
allow ban; allowed banned; approve reject; approved rejected; support oppose; supported opposed;
success failure; succeeded failed; strong weak; strengthen weaken; high low; higher lower;
before after; open closed; start end; began ended; begin end; resume halt; resumed halted;
expand shrink; gain loss; gained lost; agree disagree; confirmed denied; confirm deny;
include exclude; join leave; joined left; friend enemy; peace war; ally enemy; easy hard;
early late; first last; many few; always never; all none; legal illegal; true false"""
ANTONYMS: dict[str, set[str]] = {}
for _pair in _PAIRS.replace("\n", " ").split(";"):
    _a, _b = _pair.split()
    ANTONYMS.setdefault(_a, set()).add(_b)
    ANTONYMS.setdefault(_b, set()).add(_a)
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*%?|[A-Za-z][A-Za-z'’-]*")
_US = re.compile(r"\bU\.\s?S\.(?=\W|$)|\bUS\b|\bUSA\b")
_SENTENCE = re.compile(r"(?<=[.!?…”\"])\s+")


@lru_cache(maxsize=1)
def _stop() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS) | {"s", "t", "'s", "’s"}


@lru_cache(maxsize=1)
def _stemmer():  # type: ignore[no-untyped-def]
    import Stemmer

    return Stemmer.Stemmer("english")


def normalise(text: str) -> str:
    return _US.sub("United States", text.replace("’", "'"))


def tokens(text: str) -> list[str]:
    out = []
    for t in _TOKEN.findall(normalise(text)):
        t = t.removesuffix("'s").removesuffix("'")
        if t.lower().endswith("n't"):
            out += [t[:-3], "n't"]
        elif t:
            out.append(t)
    return out


def _stem(word: str) -> str:
    return str(_stemmer().stemWord(word.lower()))


@dataclass(frozen=True)
class Signals:
    coverage: float
    missing_names: tuple[str, ...]
    negation_mismatch: bool
    antonym: str | None
    number_mismatch: bool

    @property
    def cue(self) -> str | None:
        if self.antonym:
            return f"antonym {self.antonym}"
        if self.negation_mismatch:
            return "negation differs"
        if self.number_mismatch:
            return "numbers differ"
        return None


def _content(claim_tokens: list[str]) -> list[tuple[str, bool]]:
    """(word, is_name) for the claim's content words."""
    out = []
    for t in claim_tokens:
        low = t.lower()
        if low in _stop() or low in REPORTING or low in NEGATIONS:
            continue
        out.append((t, t[0].isupper() or t[0].isdigit()))
    return out


def signals(claim: str, passage: str, document: str | None = None) -> Signals:
    claim_tokens = tokens(claim)
    content = _content(claim_tokens)
    p_tokens = tokens(passage)
    p_stems = {_stem(t) for t in p_tokens}
    p_lower = {t.lower() for t in p_tokens}
    d_stems = {_stem(t) for t in tokens(document)} if document else p_stems
    covered = 0.0
    missing: list[str] = []
    antonym = None
    for word, is_name in content:
        s = _stem(word)
        if s in p_stems:
            covered += 1
            continue
        if is_name and s in d_stems:
            covered += NAME_IN_DOCUMENT
            continue
        flipped = _antonym(word.lower(), p_lower)
        if flipped:
            antonym = f"{word.lower()}/{flipped}"
            covered += 1
        elif is_name and not word[0].isdigit():
            missing.append(word)
    coverage = covered / len(content) if content else 0.0
    neg = _negation_mismatch(claim_tokens, passage, {_stem(w) for w, _ in content})
    return Signals(coverage, tuple(missing), neg, antonym, _number_mismatch(claim_tokens, p_tokens))


def _antonym(word: str, passage_words: set[str]) -> str | None:
    for other in ANTONYMS.get(word, ()):
        if other in passage_words:
            return other
    if len(word) < 4:
        return None
    for prefix in PREFIXES:
        if prefix + word in passage_words:
            return prefix + word
        if (
            word.startswith(prefix)
            and len(word) - len(prefix) >= 4
            and word[len(prefix) :] in passage_words
        ):
            return word[len(prefix) :]
    return None


def _negation_mismatch(claim_tokens: list[str], passage: str, stems: set[str]) -> bool:
    """Negation on one side only, within the span of the best matching passage sentence."""
    claim_neg = any(t.lower() in NEGATIONS for t in claim_tokens)
    best: list[str] = []
    best_hits = 0
    for sentence in _SENTENCE.split(passage):
        toks = tokens(sentence)
        hits = sum(1 for t in toks if _stem(t) in stems)
        if hits > best_hits:
            best, best_hits = toks, hits
    positions = [i for i, t in enumerate(best) if _stem(t) in stems]
    if len(positions) < 2:
        return False
    window = best[max(0, positions[0] - 2) : positions[-1] + 1]
    passage_neg = any(t.lower() in NEGATIONS for t in window)
    return claim_neg != passage_neg


def _number_mismatch(claim_tokens: list[str], passage_tokens: list[str]) -> bool:
    c = {t.rstrip("%") for t in claim_tokens if t[0].isdigit()}
    p = {t.rstrip("%") for t in passage_tokens if t[0].isdigit()}
    return bool(c and p and not (c & p))


def adjust(j: StanceJudgement, sig: Signals, suffix: str = "+lexical-v1") -> StanceJudgement:
    """The judgement after the lexical checks (see the module docstring)."""
    if j.stance is None:
        return j
    s, r, n = (
        float(j.probs.get(x, 0.0)) for x in (Stance.SUPPORTS, Stance.REFUTES, Stance.NEUTRAL)
    )
    cue = sig.cue
    if sig.missing_names or sig.coverage < RELATED_MIN:
        why = (
            f"names not in the document: {', '.join(sig.missing_names)}"
            if sig.missing_names
            else f"claim words covered {sig.coverage:.0%}"
        )
        s, r = s * UNRELATED_KEEP, r * UNRELATED_KEEP
        n = 1.0 - s - r
    elif sig.coverage >= FULL_MIN and n < 0.5:
        decisive = s + r
        s, r = (0.0, decisive) if cue else (decisive, 0.0)
        why = f"claim fully covered; {cue or 'same polarity'}"
    else:
        if cue and s > r:
            s, r = r, s
        elif not cue and r > s:
            n, r = n + r * JUDGE_ONLY_REFUTE, r * (1 - JUDGE_ONLY_REFUTE)
        why = f"claim words covered {sig.coverage:.0%}" + (f"; {cue}" if cue else "")
    probs = {Stance.SUPPORTS: s, Stance.REFUTES: r, Stance.NEUTRAL: n}
    stance = max(probs, key=probs.__getitem__)
    raw = ", ".join(f"{k.value} {v:.2f}" for k, v in j.probs.items())
    rationale = f"{why} (judge: {raw})" + (f"; {j.rationale}" if j.rationale else "")
    return StanceJudgement(stance, probs, j.judge + suffix, rationale, j.error)

"""An offline, transparent check-worthiness score for sentences.

Each sentence gets a handful of named features (surface cues a fact-checker would name),
each feature a fixed weight; the score is the logistic of their weighted sum, so it lies
in (0, 1) and ``explain`` shows exactly why a sentence ranks where it does. No model, no
randomness: the same sentence always gets the same score.

Cues that raise the score (a checkable assertion about the world):
  actor        proper names after the first word (people, places, organisations)
  number       digits or number words ("four regions", "5%")
  date         month or weekday names, years, "last week", "yesterday"
  speech       reporting verbs or "according to" ("said", "announced", "confirmed")
  named_speech a reporting verb with a named speaker in the same sentence
  event        past-tense verbs of action ("voted", "signed", "visited", "annexed")
Cues that lower it (opinion, speculation, non-sentences):
  hedge        may, might, could, possibly, appears, suggests, speculation, whether
  opinion      evaluative or normative words (should, must, crucial, vital, I believe)
  first_person I, we, our, us outside quotation marks
  future       will, would, going to
  question     ends with "?"
  headline     no final punctuation, or most words capitalised (headlines, bylines)
  short        fewer than six words
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass


def wordset(text: str) -> frozenset[str]:
    """A frozen set of the whitespace-separated words of ``text``."""
    return frozenset(text.split())


WEIGHTS: Mapping[str, float] = {
    "bias": -0.6,
    "actor": 1.0,  # per distinct name, up to 3
    "number": 0.7,
    "date": 0.8,
    "speech": 0.6,
    "named_speech": 0.8,
    "event": 0.7,
    "hedge": -1.0,
    "opinion": -0.8,
    "first_person": -0.8,
    "future": -0.4,
    "question": -2.0,
    "headline": -2.5,
    "short": -1.5,
}

_W = r"(?<![\w'’])(?:{})(?![\w'’])"


def _words(*items: str) -> re.Pattern[str]:
    return re.compile(_W.format("|".join(items)), re.IGNORECASE)


_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
)
DATE = re.compile(
    rf"(?<!\w)(?:(?:{_MONTHS})(?!\w)|(?:1[89]|20)\d\d(?!\d))|"
    + _W.format(
        "yesterday|last (?:week|month|year)|this (?:week|month|year)|"
        "earlier this (?:week|month|year)|on [0-9]{1,2}"
    )
)
# "May" is also a modal verb: only a capitalised May not opening the sentence counts.
NUMBER = re.compile(
    r"\d|"
    + _W.format(
        "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|"
        "fifty|hundred|thousand|million|billion|trillion|dozens?|percent|half"
    ),
    re.IGNORECASE,
)
SPEECH = _words(
    "said",
    "says",
    "say",
    "stated",
    "states",
    "state",
    "told",
    "tells",
    "announced",
    "announces",
    "confirmed",
    "confirms",
    "declared",
    "declares",
    "added",
    "adds",
    "noted",
    "notes",
    "explained",
    "explains",
    "reported",
    "reports",
    "insisted",
    "insists",
    "claimed",
    "claims",
    "asserted",
    "asserts",
    "argued",
    "argues",
    "warned",
    "warns",
    "emphasized",
    "emphasised",
    "admitted",
    "admits",
    "accused",
    "accuses",
    "denied",
    "denies",
    "assured",
    "assures",
    "demanded",
    "demands",
    "according to",
    "quoted",
    "as cited by",
    "wrote",
    "writes",
    "stating",
    "affirming",
    "citing",
)
EVENT = _words(
    "voted",
    "signed",
    "visited",
    "met",
    "annexed",
    "launched",
    "imposed",
    "halted",
    "decided",
    "agreed",
    "rejected",
    "approved",
    "passed",
    "sent",
    "delivered",
    "killed",
    "won",
    "lost",
    "elected",
    "appointed",
    "arrested",
    "invaded",
    "captured",
    "withdrew",
    "sided",
    "made",
    "raised",
    "increased",
    "cut",
    "banned",
    "released",
    "held",
    "joined",
    "moved",
    "expressed",
    "transformed",
    "accused",
    "caused",
)
HEDGE = _words(
    "may",
    "might",
    "could",
    "perhaps",
    "possibly",
    "possible",
    "probably",
    "likely",
    "unlikely",
    "appears?",
    "appeared",
    "seems?",
    "seemed",
    "seeming",
    "suggests?",
    "suggesting",
    "speculation",
    "speculate",
    "whether",
    "hinted",
    "believe",
    "believes",
    "apparently",
    "reportedly",
    "potential",
)
OPINION = _words(
    "should",
    "must",
    "crucial",
    "vital",
    "important",
    "great",
    "fatal",
    "unacceptable",
    "of course",
    "naturally",
    "obviously",
    "i believe",
    "i hope",
    "i think",
    "hope",
    "truly",
    "deceit",
    "globalists?",
    "existential",
    "historic",
    "fundamental",
    "perfectly",
    "clearly",
    "swirling",
    "chaos",
    "specter",
    "clamor",
    "drama\\w*",
)
FIRST_PERSON = _words("i", "we", "our", "us", "ours", "my", "me")
FUTURE = _words("will", "would", "going to", "shall")
_TOKEN = re.compile(r"[A-Za-z][\w'’.-]*")
_QUOTED = re.compile(r"[“\"][^”\"]*[”\"]")
# Capitalised words that are not names when they open a clause or stand alone.
_NOT_NAMES = wordset(
    "I A An The This That These Those It Its He She They We Our His Her Their But And Or "
    "Yet So As If In On At For From With Despite While When Whether However Still "
    "Furthermore Of Most Mr Mrs Ms Dr"
)


@dataclass(frozen=True)
class Worthiness:
    """A sentence's score in (0, 1) and each feature's contribution to it."""

    score: float
    contributions: Mapping[str, float]


def _names(text: str) -> set[str]:
    """Distinct capitalised tokens after the first word (a crude proper-name detector)."""
    tokens = _TOKEN.findall(text)
    names = set()
    for i, tok in enumerate(tokens):
        bare = tok.rstrip(".'’s").rstrip("’'")
        if i == 0 or not bare or not bare[0].isupper() or bare in _NOT_NAMES:
            continue
        names.add(bare)
    return names


def _is_headline(text: str) -> bool:
    core = text.strip().strip("*_#").strip()
    if not core:
        return True
    if core[-1] not in '.!?"”’)…:':
        return True
    words = [w for w in _TOKEN.findall(core) if len(w) > 3]
    caps = sum(1 for w in words if w[0].isupper())
    return len(words) >= 3 and caps / len(words) > 0.6


def features(text: str) -> dict[str, float]:
    """Feature values (0/1 flags, ``actor`` a count up to 3) for one sentence."""
    outside = _QUOTED.sub(" ", text)
    names = _names(text)
    speech = bool(SPEECH.search(outside))
    named_speaker = speech and bool(_names(outside))
    stripped = text.strip().strip("*_").strip()
    return {
        "bias": 1.0,
        "actor": float(min(len(names), 3)),
        "number": float(bool(NUMBER.search(text))),
        "date": float(bool(DATE.search(text))),
        "speech": float(speech),
        "named_speech": float(named_speaker),
        "event": float(bool(EVENT.search(text))),
        "hedge": float(bool(HEDGE.search(text))),
        "opinion": float(bool(OPINION.search(text))),
        "first_person": float(bool(FIRST_PERSON.search(outside))),
        "future": float(bool(FUTURE.search(text))),
        "question": float(stripped.rstrip('”"’)').endswith("?")),
        "headline": float(_is_headline(text)),
        "short": float(len(_TOKEN.findall(text)) < 6),
    }


def explain(text: str, weights: Mapping[str, float] = WEIGHTS) -> Worthiness:
    """The score and each feature's weighted contribution (zero contributions left out)."""
    contributions = {name: value * weights[name] for name, value in features(text).items() if value}
    total = sum(contributions.values())
    return Worthiness(1.0 / (1.0 + math.exp(-total)), contributions)


def score(text: str, weights: Mapping[str, float] = WEIGHTS) -> float:
    """Check-worthiness in (0, 1): higher means more worth checking."""
    return explain(text, weights).score

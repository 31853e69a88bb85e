"""Careful decontextualisation: make a sentence stand alone only where that is safe.

Three rewrites, each applied only when it cannot go wrong in an obvious way:

1. A leading pronoun ("He said …", "She …", "His …") or a trailing speech attribution
   ("“…,” she explained.") becomes the person's name when the nearest earlier sentence
   that names anyone names exactly one person the pronoun can refer to. A name counts as
   a person when its first name is in a small list (which also gives a gender), when a
   title precedes it ("Kremlin adviser Yuri Ushakov"), or when it is the surname of such
   a name earlier in the document. Any other capitalised name that is not a known place
   or organisation counts as "maybe a person", which makes the reference ambiguous.
2. A leading role reference ("The analyst said …", "“…,” the diplomat noted") becomes the
   name of the one person the document has introduced with that role ("Sergei Markov, a
   pro-Kremlin political analyst"), when that person was named in the last two sentences.
   An anonymous source ("a defense analyst in Moscow") is never given a name.
3. Empty discourse openers ("However,", "Of course,", "It is no secret that") are cut.

Otherwise the sentence is kept exactly as it is. Text inside quotation marks is never
changed. The source offsets of the original sentence always stay with the claim.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass


def wordset(text: str) -> frozenset[str]:
    """A frozen set of the whitespace-separated words of ``text``."""
    return frozenset(text.split())


MALE = wordset(
    "Vladimir Donald Sergei Sergey Yuri Steve Stephen Alexander George Joe Joseph Dmitry "
    "Dmitri Volodymyr Emmanuel Olaf Keir Marco Mike John James Robert Michael William David "
    "Richard Thomas Charles Christopher Daniel Matthew Anthony Antony Mark Paul Andrew Peter "
    "Kevin Brian Ali Mohammed Muhammad Ahmed Boris Viktor Victor Nikolai Ivan Alexei Alexey "
    "Mikhail Igor Andrei Andriy Oleg Pavel Maxim Recep Xi Narendra Benjamin Barack Jens "
    "Friedrich Lindsey Ted Bernie Hunter Pete Jake Lloyd Kirill Ramzan Yevgeny Valery Petro "
    "Kyrylo Oleksandr Dmytro Rustem Denys Jeffrey Marco Keith Rex Bashar Hassan Abbas "
    "Viktor Robert Jared Tucker Elon Nicolas Giuseppe Pedro Luiz Javier Rishi Justin"
)
FEMALE = wordset(
    "Tatiana Tatyana Nina Maria Mariya Marine Ursula Kamala Hillary Angela Giorgia Kaja "
    "Annalena Nancy Elizabeth Mary Patricia Jennifer Linda Barbara Susan Jessica Sarah Karen "
    "Lisa Anna Olga Elena Yulia Irina Natalia Natalya Svetlana Ekaterina Valentina Kristi "
    "Tulsi Karoline Nikki Liz Theresa Christine Margaret Emma Olena Iryna Julia Kristalina "
    "Marjorie Nancy Catherine Sophie Alice Claudia"
)
_TITLES = (
    r"President|Prime Minister|Minister|Chancellor|Senator|Governor|Secretary|adviser|advisor|"
    r"aide|envoy|spokesman|spokeswoman|spokesperson|Ambassador|ambassador|General|Gen\.|"
    r"Mr\.?|Mrs\.?|Ms\.?|Dr\.?|Sen\.|Rep\.|King|Queen|Pope|Patriarch|analyst|commentator"
)
_TITLE_GENDER = {"Mr": "m", "Mrs": "f", "Ms": "f", "King": "m", "Queen": "f"}
# Words that make a capitalised name a place, an organisation or a thing, not a person.
NOT_PEOPLE = wordset(
    "Russia Russian Russians Ukraine Ukrainian Ukrainians America American Americans United "
    "States US U.S. USA UK Britain British Europe European Union EU NATO UN Nations Kremlin "
    "Moscow Washington Kyiv Kiev White House Senate Congress Pentagon Crimea Sevastopol "
    "Donetsk Luhansk Zaporizhzhia Kherson Romania Iran Iranian Israel China Chinese Germany "
    "France West Western East Asia Hague Times Center Centre University Institute Ministry "
    "Council Party Republic People's Group Army Red Commons Wikimedia Orthodoxy Zionist "
    "January February March April May June July August September October November December "
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday GDP CC BY Foreign Studies "
    "Eurasia Carnegie Digi24 Moskovsky Komsomolets Biden Also Others"
)
_ORG_TAILS = wordset(
    "Center Centre University Institute Ministry Council Party Republic Group Times House "
    "Union Nations Commons Army Agency Bank Fund Committee Court Office News Post Journal"
)
_NAME = re.compile(
    r"(?<![\w’'])[A-Z](?:[\w’'-]|\.(?=[A-Z]))*\.?(?:[ \t]+(?:[A-Z](?:[\w’'-]|\.(?=[A-Z]))*\.?|al-|bin|van|von|de))*"
)
_QUOTE = re.compile(r"[“\"][^”\"]*[”\"]")
_SPEECH_VERBS = (
    r"said|says|explained|explains|added|adds|noted|notes|stated|states|told|argued|argues|"
    r"claimed|claims|warned|warns|insisted|insists|asserted|asserts|emphasized|emphasised|"
    r"admitted|admits|continued|wrote|writes|replied|recalled|confirmed|stressed"
)
_DISCOURSE = re.compile(
    r"(?i)^(?:(?:However|But|And|Yet|Still|Also|Furthermore|Moreover|Meanwhile|Concurrently|"
    r"Therefore|Thus|Indeed|Of course|In fact|Naturally|After all|In any case|In summary|"
    r"Most importantly|In this vein|On the other hand|At this point|In addition|Besides),?\s+)+"
    r"|^(?:It is no secret that|it must be acknowledged that)\s+",
)
_ROLE_NOUNS = (
    r"analyst|diplomat|leader|president|minister|adviser|advisor|envoy|official|spokesman|"
    r"spokeswoman|spokesperson|fellow|commander|senator|chancellor|commentator|expert|"
    r"strategist|aide|ambassador|general|secretary"
)
_LEADING_ROLE = re.compile(
    rf"^[Tt]he\s+((?:[\w.-]+\s+){{0,3}}?)({_ROLE_NOUNS})(?=\s+(?:{_SPEECH_VERBS}|[a-z]+ed|[a-z]+s)\b)"
)
_TRAILING_ROLE = re.compile(
    rf"([”\"],?\s+)the\s+((?:[\w.-]+\s+){{0,3}}?)({_ROLE_NOUNS})(\s+(?:{_SPEECH_VERBS})\b)"
)
_LEADING_PRONOUN = re.compile(r"^(He|She|His|Her)\b(?!’|')")
_TRAILING_PRONOUN = re.compile(rf"([”\"],?\s+)(he|she)(\s+(?:{_SPEECH_VERBS})\b)")


@dataclass(frozen=True)
class Person:
    name: str  # the fullest form seen in the document
    gender: str | None  # "m", "f" or None when unknown


@dataclass(frozen=True)
class Decontextualised:
    """The claim text for a sentence, and what (if anything) was changed and why."""

    text: str
    original: str
    note: str = ""

    @property
    def changed(self) -> bool:
        return self.text != self.original


def _strip_possessive(name: str) -> str:
    name = re.sub(r"(?:’s|'s|’|')$", "", name.strip())
    return name[:-1] if name.endswith(".") and "." not in name[:-1] else name


def _tokens(name: str) -> list[str]:
    return [t for t in name.split() if t]


class People:
    """The people a document names, found with the rules in the module docstring."""

    def __init__(self, text: str) -> None:
        self.by_surname: dict[str, Person] = {}
        self.roles: dict[str, set[str]] = {}  # role noun → full names introduced with it
        title = re.compile(rf"(?:{_TITLES})[ \t]+((?:[A-Z][\w’'-]+[ \t]*){{1,3}})")
        for m in title.finditer(text):
            name = _strip_possessive(m.group(1))
            word = m.group(0).split()[0].rstrip(".")
            self._add(name, _TITLE_GENDER.get(word), titled=True)
        for m in _NAME.finditer(text):
            self._add(_strip_possessive(m.group(0)), None, titled=False)
        appositive = re.compile(
            rf"([A-Z][\w’'-]+(?:[ \t]+[A-Z][\w’'-]+){{0,2}}),[ \t]+(?:a|an|the)[ \t]+[^,.;\n]{{0,60}}?"
            rf"\b({_ROLE_NOUNS})\b"
        )
        for m in appositive.finditer(text):
            person = self.lookup(m.group(1))
            if person is not None:
                self.roles.setdefault(m.group(2).lower(), set()).add(person.name)
        role_title = re.compile(rf"\b((?i:{_ROLE_NOUNS}))[ \t]+((?:[A-Z][\w’'-]+[ \t]*){{1,3}})")
        for m in role_title.finditer(text):
            person = self.lookup(_strip_possessive(m.group(2)))
            if person is not None:
                self.roles.setdefault(m.group(1).lower(), set()).add(person.name)

    def _add(self, name: str, gender: str | None, *, titled: bool) -> None:
        toks = _tokens(name)
        while toks and toks[0] in _COMMON_CAPITALS:  # "For Vladimir Putin" → "Vladimir Putin"
            toks = toks[1:]
        name = " ".join(toks)
        if not toks or any(t in NOT_PEOPLE or t in _ORG_TAILS for t in toks):
            return
        first = toks[0]
        if first in MALE:
            gender = gender or "m"
        elif first in FEMALE:
            gender = gender or "f"
        elif not titled:
            return
        if len(toks) == 1 and not titled:
            return
        surname = toks[-1]
        known = self.by_surname.get(surname)
        if known is None or len(toks) > len(_tokens(known.name)):
            self.by_surname[surname] = Person(name, gender or (known.gender if known else None))

    def lookup(self, name: str) -> Person | None:
        toks = _tokens(_strip_possessive(name))
        return self.by_surname.get(toks[-1]) if toks else None

    def mentions(self, sentence: str) -> tuple[list[Person], list[str]]:
        """People named outside quotation marks, and other names that may be people."""
        people: list[Person] = []
        unknown: list[str] = []
        outside = _QUOTE.sub(" ", sentence)
        for m in _NAME.finditer(outside):
            name = _strip_possessive(m.group(0))
            toks = _tokens(name)
            if m.start() == 0 or outside[: m.start()].strip() == "":
                # A sentence-initial capital: a name only if the document knows it.
                toks = toks if self.lookup(name) else toks[1:]
                name = " ".join(toks)
            if not toks:
                continue
            # A title-led name ("U.S. President Donald Trump") is looked up by its surname.
            person = self.lookup(name)
            if person is not None:
                if person not in people:
                    people.append(person)
                continue
            if all(t in NOT_PEOPLE or t in _ORG_TAILS or not t[0].isupper() for t in toks) or (
                toks[-1] in _ORG_TAILS
            ):
                continue
            if len(toks) == 1 and toks[0] in _COMMON_CAPITALS:
                continue
            unknown.append(name)
        return people, unknown


# Capitalised words that open clauses or name things, never people.
_COMMON_CAPITALS = wordset(
    "I A An The This That These Those It Its He She They We Our His Her Their But And Or Yet "
    "So As If In On At For From With Despite While When Whether However Still Furthermore Of "
    "Most Mr Mrs Ms Dr Yes No Back Why What How Adding Since During Concurrently Then After "
    "Also Others Order Every One Territory Peace Naturally Therefore Whatever"
)


def _resolve_pronoun(
    pronoun: str, context: Sequence[str], people: People
) -> tuple[Person | None, str]:
    gender = "f" if pronoun.lower() in ("she", "her") else "m"
    for previous in reversed(context[-2:]):
        found, unknown = people.mentions(previous)
        compatible = [p for p in found if p.gender in (gender, None)]
        if not compatible and not unknown:
            continue
        names = [p.name for p in compatible] + unknown
        if len(compatible) == 1 and not unknown:
            return compatible[0], ""
        return None, f"kept: '{pronoun}' is ambiguous ({', '.join(names)})"
    return None, f"kept: no named antecedent for '{pronoun}'"


def _resolve_role(role: str, context: Sequence[str], people: People) -> tuple[Person | None, str]:
    named = people.roles.get(role.lower(), set())
    if len(named) != 1:
        why = "no named person" if not named else "several people"
        return None, f"kept: {why} introduced as '{role}'"
    (full,) = named
    person = people.lookup(full)
    recent = [p for s in context[-2:] for p in people.mentions(s)[0]]
    if person is None or person not in recent:
        return None, f"kept: '{role}' ({full}) not named in the previous sentences"
    return person, ""


def _capitalise(text: str) -> str:
    for i, ch in enumerate(text):
        if ch.isalpha():
            return text[:i] + ch.upper() + text[i + 1 :]
        if ch not in "“\"'‘*_ ":
            break
    return text


def strip_discourse(text: str) -> str:
    """Cut empty openers ("However,", "Of course,", "It is no secret that")."""
    rest = text
    while m := _DISCOURSE.match(rest):
        if not m.end() or len(rest[m.end() :].split()) < 5:
            break
        rest = rest[m.end() :]
    return text if rest is text else _capitalise(rest)


def decontextualise(
    sentence: str,
    context: Sequence[str] = (),
    *,
    document: str | None = None,
    people: People | None = None,
) -> Decontextualised:
    """Rewrite ``sentence`` to stand alone where safe; ``context`` is the sentences before it.

    ``document`` (or a prebuilt ``people``) supplies the names, genders and roles the
    document introduces; without either, the context alone is used.
    """
    if people is None:
        people = People(document if document is not None else " ".join([*context, sentence]))
    original = sentence
    notes: list[str] = []
    text = strip_discourse(sentence)
    if text != sentence:
        notes.append("cut discourse opener")

    m = _LEADING_PRONOUN.match(text)
    if m:
        person, why = _resolve_pronoun(m.group(1), context, people)
        if person is None:
            notes.append(why)
        else:
            possessive = m.group(1) in ("His", "Her")
            name = person.name + ("’s" if possessive else "")
            if m.group(1) == "Her" and not _looks_possessive(text[m.end() :]):
                notes.append("kept: 'Her' may be an object")
            else:
                text = name + text[m.end() :]
                notes.append(f"'{m.group(1)}' → {person.name}")

    m2 = _TRAILING_PRONOUN.search(text)
    if m2:
        person, why = _resolve_pronoun(m2.group(2), context, people)
        if person is None:
            notes.append(why)
        else:
            text = text[: m2.start(2)] + person.name + text[m2.end(2) :]
            notes.append(f"'{m2.group(2)}' → {person.name}")

    m3 = _LEADING_ROLE.match(text)
    if m3:
        person, why = _resolve_role(m3.group(2), context, people)
        if person is None:
            notes.append(why)
        else:
            text = person.name + text[m3.end() :]
            notes.append(f"'{m3.group(0)}' → {person.name}")

    m4 = _TRAILING_ROLE.search(text)
    if m4:
        person, why = _resolve_role(m4.group(3), context, people)
        if person is None:
            notes.append(why)
        else:
            text = text[: m4.end(1)] + person.name + text[m4.start(4) :]
            notes.append(f"'the {m4.group(2)}{m4.group(3)}' → {person.name}")

    return Decontextualised(text, original, "; ".join(notes))


def _looks_possessive(rest: str) -> bool:
    word = rest.strip().split(" ", 1)[0] if rest.strip() else ""
    return bool(word) and word[0].islower() and not word.endswith("ly")

"""What a sentence claims, clause by clause (pure): its words, numbers with their units, and
the quantifier, modal strength, negation, causal link and directions it asserts.

The words that carry those claims are data (`data/claim_words.toml`, general English only).
The verifier (`verification.py`) compares a model's sentence with the article unit it cites
through these readings.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from pathlib import Path

from chatbot.rarity import zipf
from chatbot.terms import STOPWORDS, normalise, stem

DEFAULT_CLAIM_WORDS = Path(__file__).resolve().parent / "data" / "claim_words.toml"

_NUMBER_WORDS = {w: str(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty".split())}
_NUMBER_WORDS.update({"thirty": "30", "forty": "40", "fifty": "50", "sixty": "60",
                      "seventy": "70", "eighty": "80", "ninety": "90", "hundred": "100",
                      "hundreds": "100", "thousand": "1000", "thousands": "1000",
                      "million": "1000000", "millions": "1000000", "half": "50",
                      "once": "1", "twice": "2", "single": "1", "dozen": "12",
                      "dozens": "12", "quarter": "25", "third": "3"})
# a word, a number (with its decimals or thousands) or a marker of structure
_TOKEN = re.compile(r"\d+(?:[.,]\d{3})*(?:\.\d+)?|[a-z]+(?:'[a-z]+)?|[;:,]")
_EVERY_OTHER = re.compile(r"\bevery other\b")
# where one clause ends and another begins (after the text is tokenised)
_CLAUSE_OPENERS = frozenset("""and but so because which while although though whereas yet
since unless if when or""".split())
_PASSIVE = re.compile(r"\b(?:is|are|was|were|be|been|being|get|gets|got|isn't|aren't|wasn't|"
                      r"weren't)\s+(?:(?:\w+ly|not|also|then|often|usually)\s+)*"
                      r"(?:\w+(?:ed|en|wn)|made|done|given|seen|kept|held|put|set|cut|found|"
                      r"left|paid|sent|spent|told|built|bought|caught|taught|brought|thought)\b")


@dataclass(frozen=True, eq=False)  # hashed by identity: clauses() caches per instance
class ClaimWords:
    """The general-English words that carry strength, polarity, cause and direction."""

    # phrases read as no claim word: a number's "about", "at least"; a purpose's "to help"
    not_claims: frozenset[tuple[str, ...]]
    quantifiers: dict[tuple[str, ...], int]
    quantifier_levels: tuple[str, ...]
    shares: tuple[tuple[float, int], ...]  # (upper bound of a share, its quantifier level)
    modals: dict[tuple[str, ...], int]
    modal_levels: tuple[str, ...]
    negations: frozenset[tuple[str, ...]]
    causal: frozenset[tuple[str, ...]]
    directions: dict[tuple[str, ...], tuple[str, int]]
    bounds: dict[tuple[str, ...], int]  # "more than" (0) / "less than" (1) before a number
    bounds_after: dict[tuple[str, ...], int]  # "or more" (0) / "or less" (1) after one
    plain: frozenset[tuple[str, ...]]  # "will": a plain statement about the verb after it
    specific: dict[str, str]  # word -> its kind (body part, time unit, unit, people)
    persons: dict[str, str]  # pronoun -> its person ("your" -> "you")

    @classmethod
    def load(cls, path: Path = DEFAULT_CLAIM_WORDS) -> ClaimWords:
        return _load(str(path))

    @property
    def assert_level(self) -> int:
        return self.modal_levels.index("assert")

    @cached_property  # read for every word of every clause: worked out once
    def units(self) -> frozenset[str]:
        return frozenset(w for w, kind in self.specific.items()
                         if kind in ("time_units", "units"))

    @cached_property
    def unit_stems(self) -> frozenset[str]:
        return frozenset(stem(u) for u in self.units)


@lru_cache(maxsize=4)
def _load(path: str) -> ClaimWords:
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))

    def scale(section: dict) -> tuple[dict[tuple[str, ...], int], tuple[str, ...]]:
        levels = tuple(section["levels"])
        return ({phrase_key(p): levels.index(name) for name in levels
                 for p in section.get(name, ())}, levels)

    quantifiers, q_levels = scale(data["quantifier"])
    modals, m_levels = scale(data["modal"])
    hedge = data["modal"]["hedge"]
    modals |= {phrase_key(f"{form} {verb}"): m_levels.index(hedge["level"])
               for form in hedge["forms"] for verb in hedge["verbs"]}
    directions = {phrase_key(p): (dimension, side)
                  for dimension, sides in data["direction"].items()
                  for side, phrases in enumerate(sides) for p in phrases}
    bounds, bounds_after = ({phrase_key(p): side for side, phrases in enumerate(data["bound"][key])
                             for p in phrases} for key in ("words", "after"))
    specific = {w: kind for kind, text in data["specific"].items() for w in text.split()}
    not_claims = [*data["approximate"]["words"], *data["neutral"]["words"]]
    return ClaimWords(frozenset(phrase_key(p) for p in not_claims),
                      quantifiers, q_levels,
                      tuple((bound, q_levels.index(name))
                            for bound, name in data["quantifier"]["shares"]),
                      modals, m_levels,
                      frozenset(phrase_key(p) for p in data["negation"]["words"]),
                      frozenset(phrase_key(p) for p in data["causal"]["words"]),
                      directions, bounds, bounds_after,
                      frozenset(phrase_key(p) for p in data["modal"]["plain"]["words"]),
                      specific,
                      {w: person for person, ws in data["persons"].items() for w in ws})


def phrase_key(phrase: str) -> tuple[str, ...]:
    return tuple(tokens(phrase))


def tokens(text: str) -> list[str]:
    """Lower-case words, numbers and clause punctuation in order; '%' reads as 'percent' and
    'every other' as 'every 2' (every other year is every 2 years: a number to check)."""
    text = _EVERY_OTHER.sub("every 2", normalise(text).replace("%", " percent "))
    return _TOKEN.findall(text)


def number_value(token: str) -> str | None:
    """'3', 'three', '3.5' -> the digits; anything else -> None."""
    if token[0].isdigit():
        return token.replace(",", "")
    return _NUMBER_WORDS.get(token)


@dataclass(frozen=True)
class Clause:
    text: str
    words: tuple[str, ...]  # content words as written (lower case), claim words left out
    # content words, numbers (as digits) and persons ("@you") in order, and the
    # comma-delimited phrase each is in
    sequence: tuple[str, ...]
    segments: tuple[int, ...]
    numbers: frozenset[str]
    quantities: frozenset[tuple[str, str]]  # (number, stemmed unit) pairs: "5 day"
    bare_units: frozenset[str]  # stemmed units met without a number ("the first week")
    quantifier: int | None  # strongest quantifier level, None when it has none
    modal: int  # strongest modal level; a clause without one has its sentence's so far
    negated: bool  # an odd number of negations
    causal: bool
    directions: frozenset[tuple[str, int]]  # (dimension, side)
    passive: bool
    passive_segment: int = -1  # the comma-delimited phrase its passive verb is in (-1: none)
    verb_modals: frozenset[tuple[str, int]] = frozenset()  # (verb stem, level): "can fall"
    twice: frozenset[tuple[str, int]] = frozenset()  # directions it points more than once
    ranges: frozenset[tuple[str, str]] = frozenset()  # "1 to 3": both ends of a range


@lru_cache(maxsize=8192)
def clauses(text: str, claim_words: ClaimWords) -> tuple[Clause, ...]:
    """A sentence -> its clauses, each read for what it claims. A clause without a modal of
    its own ("..., which cuts the need for transfusions"; a list item after its intro's "may
    recommend, including:") is as sure as the one before; one that says "will" is plain."""
    result: list[Clause] = []
    for words in _split(tokens(text)):
        clause, has_modal = _read(words, claim_words)
        if not has_modal and result:
            clause = replace(clause, modal=result[-1].modal)
        result.append(clause)
    return tuple(result)


def _split(words: list[str]) -> list[list[str]]:
    """Cut at ';' / ':', and before a clause opener ('and', 'because', 'so', ...) that follows
    a comma or (for 'and'/'or') comes before a subject, when each side has words of its own;
    and before 'once' followed by a subject ('once the body clears it')."""
    pieces: list[list[str]] = [[]]
    for i, word in enumerate(words):
        if word in (";", ":"):
            pieces.append([])
            continue
        starts = word in _CLAUSE_OPENERS and len(pieces[-1]) >= 3 and len(words) - i > 3
        if word == "once" and len(pieces[-1]) >= 3 and i + 1 < len(words) and (
                words[i + 1] in _SUBJECTS or words[i + 1] == "the"):
            starts = True  # "..., once the body has cleared it": "once a day" is no clause
        if starts and word in ("and", "or") and not (
                _opens_clause(words, i) or words[i - 1] == ","):
            starts = False
        if starts:
            pieces.append([])
        pieces[-1].append(word)
    return [p for p in pieces if p]


_SUBJECTS = frozenset("""you your it its they their this these that those he she we i there
people patients doctors then""".split())


def _opens_clause(words: list[str], i: int) -> bool:
    """'and'/'or' joins two clauses when a subject follows it ('and you', 'and it')."""
    return i + 1 < len(words) and words[i + 1] in _SUBJECTS


def _phrases(words: list[str], table, blocked: frozenset[int] = frozenset(), longest: int = 5):
    """(start, length, value) of every phrase of `table` in `words`, longest first, no overlap,
    none on a `blocked` position."""
    found, taken = [], set(blocked)
    for size in range(longest, 0, -1):
        for start in range(len(words) - size + 1):
            key = tuple(words[start:start + size])
            if key in table and not taken & set(range(start, start + size)):
                found.append((start, size, table[key] if isinstance(table, dict) else True))
                taken.update(range(start, start + size))
    return found, taken - blocked


def _after_number(words: list[str], start: int, cw: ClaimWords) -> bool:
    """Does position `start` close a quantity: a number, then at most five unit words and
    "a" / "per" / "each" ("20 mg a day or more"), or "a" and a unit ("a week or longer")?"""
    j = start - 1
    while j >= 0 and start - j <= 5 and (words[j] in cw.units or stem(words[j]) in cw.unit_stems
                                         or words[j] in ("a", "an", "per", "each")):
        if words[j] in ("a", "an") and j + 1 < start and (
                words[j + 1] in cw.units or stem(words[j + 1]) in cw.unit_stems):
            return True
        j -= 1
    return j >= 0 and number_value(words[j]) is not None


def _negative_prefix(word: str) -> bool:
    """'untreated', 'unsafe', 'nonsmoker': a negation written into the word."""
    for prefix in ("un", "non"):
        rest = word[len(prefix):]
        if word.startswith(prefix) and len(rest) >= 4 and zipf(rest) >= 3.5:
            return True
    return False


def _read(words: list[str], cw: ClaimWords) -> tuple[Clause, bool]:
    # a bound before a number first ("no more than 2 days" is one bound, not "more than")
    bounds = [(start, size, side) for start, size, side in _phrases(words, cw.bounds)[0]
              if start + size < len(words) and (number_value(words[start + size]) is not None
                                                or words[start + size] in ("a", "an"))]
    before = frozenset(i for start, size, _ in bounds for i in range(start, start + size))
    # ... or after one, or after a number and its unit ("20 mg or more")
    bounds += [(start, size, side)
               for start, size, side in _phrases(words, cw.bounds_after, before)[0]
               if _after_number(words, start, cw)]
    b_taken = {i for start, size, _ in bounds for i in range(start, start + size)}
    # a quantifier and an approximate word read together, longest first: "almost all" is a
    # quantifier of its own, "about" alone only says a number is approximate
    both = {**{k: None for k in cw.not_claims}, **cw.quantifiers}
    found, _ = _phrases(words, both, frozenset(b_taken))
    quantifiers = [f for f in found if f[2] is not None]
    q_taken = {i for start, size, _ in quantifiers for i in range(start, start + size)}
    approx = {i for start, size, v in found if v is None for i in range(start, start + size)}
    blocked = frozenset(approx | b_taken)
    negations, neg_taken = _phrases(words, cw.negations, blocked)
    modals, m_taken = _phrases(words, cw.modals, blocked)
    causal, c_taken = _phrases(words, cw.causal, blocked)
    directions, d_taken = _phrases(words, cw.directions, blocked)
    claim_positions = approx | neg_taken | q_taken | m_taken | c_taken | d_taken | b_taken
    prefixed = sum(_negative_prefix(w) for i, w in enumerate(words)
                   if i not in claim_positions)
    numbers, quantities, counted = set(), set(), set()

    def is_unit(word: str) -> bool:
        return word in cw.units or stem(word) in cw.unit_stems

    for i, word in enumerate(words):
        value = number_value(word)
        if value is None:
            continue
        numbers.add(value)
        for j, ahead in enumerate(words[i + 1:i + 6], i + 1):  # "one to five days": both
            if is_unit(ahead):  # numbers are days
                quantities.add((value, stem(ahead)))
                counted.add(j)
                break
            if number_value(ahead) is None and ahead not in ("to", "or", "and", "of", "a"):
                break
    for i, word in enumerate(words[:-1]):  # "at least a month" is one month
        if word in ("a", "an") and is_unit(words[i + 1]) and i + 1 not in counted:
            quantities.add(("1", stem(words[i + 1])))
            counted.add(i + 1)
    bare_units = frozenset(stem(w) for i, w in enumerate(words)
                           if is_unit(w) and i not in counted)
    content = tuple(w for i, w in enumerate(words)
                    if i not in claim_positions and number_value(w) is None
                    and (w not in STOPWORDS or len(w) == 1) and w not in ("a", "i", ","))
    kept = [i for i, w in enumerate(words)
            if number_value(w) is not None or w in cw.persons
            or (w in content and i not in claim_positions)]
    sequence = tuple(number_value(words[i]) or
                     ("@" + cw.persons[words[i]] if words[i] in cw.persons else words[i])
                     for i in kept)
    # which comma-delimited phrase of the clause each sequence entry is in
    segments = tuple(words[:i].count(",") for i in kept)
    quantifier = max((v for _, _, v in quantifiers), default=None)
    if quantifier is None:
        quantifier = _share_level(words, quantities, cw)
    passive = _passive_segment(words)
    plain, _ = _phrases(words, cw.plain, blocked)
    pointed = [v for _, _, v in directions]
    ranges = {(number_value(a), number_value(b))
              for a, to, b in zip(words, words[1:], words[2:], strict=False)
              if to == "to" and number_value(a) and number_value(b)}
    clause = Clause(
        text=" ".join(w for w in words if w != ","), words=content, sequence=sequence,
        segments=segments, numbers=frozenset(numbers),
        quantities=frozenset(quantities), bare_units=bare_units,
        quantifier=quantifier,
        modal=max((v for _, _, v in modals), default=cw.assert_level),
        negated=(len(negations) + prefixed) % 2 == 1,
        causal=bool(causal) or next((w for w in words if w != ","), "") == "so",
        directions=frozenset([*(v for _, _, v in directions),
                              *(("bound", side) for _, _, side in bounds)]),
        passive=passive >= 0, passive_segment=passive,
        verb_modals=_verb_modals(words, modals, plain, cw),
        twice=frozenset(d for d in pointed if pointed.count(d) > 1),
        ranges=frozenset(ranges))
    return clause, bool(modals or plain)  # "..., so your doctor will ..." is its own


_BEFORE_VERB = frozenset("""not also be have still then only usually often sometimes always
never just even really probably""".split())


def _verb_modals(words: list[str], modals, plain, cw: ClaimWords) -> frozenset[tuple[str, int]]:
    """Each modal word with the verb it governs, as (verb stem, level): "can fall" ->
    (fall, possible); "will fall" -> (fall, assert)."""
    found = set()
    for start, size, level in [*modals, *((s, n, cw.assert_level) for s, n, _ in plain)]:
        for word in words[start + size:start + size + 4]:
            if word in _BEFORE_VERB or word.endswith("ly"):
                continue
            if word != "," and number_value(word) is None:
                found.add((stem(word), level))
            break
    return frozenset(found)


def _passive_segment(words: list[str]) -> int:
    """The comma-delimited phrase a passive verb ("is given", "are advised") is in; -1: none."""
    plain = [w for w in words if w != ","]
    found = _PASSIVE.search(" ".join(plain))
    if not found:
        return -1
    before = len(" ".join(plain)[:found.start()].split())  # words before the passive verb
    seen = commas = 0
    for word in words:
        if word == ",":
            commas += 1
        elif seen == before:
            return commas
        else:
            seen += 1
    return commas


def _share_level(words: list[str], quantities, cw: ClaimWords) -> int | None:
    """'25 percent' or 'two in three' (of people...) -> the quantifier level it amounts to."""
    shares = [float(n) / 100 for n, unit in quantities if unit == "percent"]
    padded = [*words, "", "", ""]
    for i in range(len(words)):
        if padded[i + 1] in ("in", "of") or padded[i + 1:i + 3] == ["out", "of"]:
            a = number_value(padded[i]) if padded[i] else None
            after = padded[i + 3] if padded[i + 1] == "out" else padded[i + 2]
            b = number_value(after) if after else None
            if a and b and 0 < float(a) <= float(b) and float(b) > 1:
                shares.append(float(a) / float(b))
    if not shares:
        return None
    share = max(shares)
    return next((level for bound, level in cw.shares if share < bound), None)

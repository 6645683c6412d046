"""Does the article unit a sentence cites say what the sentence says? Clause by clause and term
by term (pure).

A model's sentence is accepted only if ONE unit of the passage it cites (a sentence, or a list
item read with its intro) supports it on its own:
- every clause shares enough of its words with the unit;
- every specific term is in the unit: a number and its unit ("5 days"), a body part, a time or
  measurement unit, a rare word (a treatment, a condition), a word the articles use that is
  not everyday English, a word taken from elsewhere in the passage;
- quantifiers ("some" < "many" < "most" < "all") and modals ("may" < "likely" < a plain
  statement < "must") are never stronger than the unit's, and quantifiers not much weaker;
- negation agrees; a causal link ("so", "because") or a direction ("more", "faster") is only
  drawn where the unit draws it; specific terms keep their order (no subject/object swap).

The thresholds are fitted on the fit split of the labelled faithfulness set
(`python -m evals fit-verifier` -> `data/verifier.json`); the word lists are general English
(`data/claim_words.toml`). No list names an article's subject: specific terms are found by
their rarity in English (wordfreq) and by whether the articles use them.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from chatbot.claims import ClaimWords, Clause, clauses, tokens
from chatbot.rarity import zipf
from chatbot.sentences import split_units
from chatbot.terms import STOPWORDS, stem

DEFAULT_VERIFIER = Path(__file__).resolve().parent / "data" / "verifier.json"
# Markup a patient must never be shown: links, images, HTML, code, tables, headers.
_MARKUP = re.compile(r"https?:|www\.|\]\(|!\[|<\s*/?\s*[a-z!]|`|\|\s*-|^\s*#|\{\{|&#?\w+;",
                     re.I | re.M)
_PRONOUNS = frozenset("it its they them their this these".split())
_KIND_NAMES = {"body_parts": "a body part", "time_units": "a time", "units": "a unit",
               "people": "a person"}
# Endings that make another form of the same word ("infuse" / "infusion", "week" / "weekly").
_ENDINGS = frozenset("""s es ed d ing ion ions ation ations ive ly al ally ment ments ness ity
er ers or ors ic ical ial ous ed e y ies""".split())


@dataclass(frozen=True)
class Thresholds:
    """The verifier's numbers, fitted on the fit split (never typed by hand)."""

    rare_zipf: float = 3.5  # below: a specific term wherever it comes from
    library_zipf: float = 4.5  # below, for a word the articles use: specific
    passage_zipf: float = 5.5  # below, for a word from another unit of the passage: specific
    clause_support: float = 0.5  # share of each clause's words found in the unit
    clause_min_supported: int = 1  # words of each clause (of two or more) found in the unit
    phrase_support: float = 0.0  # share of each comma phrase's words (of two or more) found
    added_phrase: bool = False  # a clause with more comma phrases than the unit's: all found
    sentence_support: float = 0.6  # share of the sentence's words found in the unit
    general_budget: int = 2  # everyday words not in the unit a sentence may use
    quantifier_slack: int = 0  # levels a quantifier may be weaker than the unit's
    unquantified_level: int = 1  # strongest quantifier allowed when the unit has none
    keep_quantifier: bool = True  # a unit's "usually" may not be dropped
    check_order: bool = True  # specific terms keep their order (subject/object swaps)
    order_persons: bool = True  # ...and so do persons ("you", "they") among them
    order_all_words: bool = False  # ...and so do all the words it shares with the unit
    order_repeated_persons: bool = False  # ...a person said more than once, where first met
    persons_in_quote: bool = True  # every person ("you", "they") the sentence names is the unit's
    check_roles: bool = False  # two specific terms may not trade phrases (subject/object swap)
    names_stand_in: bool = True  # the article's own name may replace "it" in its unit
    negation_everywhere: bool = False  # every unit clause a sentence repeats keeps its negation
    swap_from_passage: bool = False  # no passage word where the unit has a specific term

    @classmethod
    def load(cls, path: Path = DEFAULT_VERIFIER) -> Thresholds:
        if not Path(path).exists():
            raise FileNotFoundError(f"No fitted verifier at {path}: run `make fit-verifier`.")
        data = json.loads(Path(path).read_text(encoding="utf-8"))["thresholds"]
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Evidence:
    """What the verifier may read besides the sentence: the cited passage, the words the
    library's articles use, and the names (title, aliases) of the passage's article."""

    passage: str
    vocabulary: frozenset[str] = frozenset()
    names: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Verdict:
    quote: str  # the verbatim unit that supports the sentence (or came closest)
    reason: str  # why not; "" when supported
    support: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.reason


@dataclass(frozen=True)
class _Unit:
    quote: str  # verbatim article text
    text: str  # what it says (a list item with its intro)


class Verifier:
    """verify(sentence, evidence) -> Verdict, with the claim words and fitted thresholds."""

    def __init__(self, thresholds: Thresholds | None = None,
                 claim_words: ClaimWords | None = None):
        self.thresholds = thresholds or Thresholds.load()
        self.words = claim_words or ClaimWords.load()

    def verify(self, sentence: str, evidence: Evidence) -> Verdict:
        """The first unit of the passage that supports the sentence on its own, or the reason
        the closest one does not."""
        units = passage_units(evidence.passage)
        if _MARKUP.search(sentence):
            return Verdict(units[0].quote if units else "", "markup or a link")
        said = clauses(sentence, self.words)
        if not any(c.words or c.numbers for c in said):
            return Verdict(units[0].quote if units else "", "says nothing checkable")
        best: Verdict | None = None
        for unit in units:
            others = set().union(*(_words(u.text) for u in units if u.quote != unit.quote))
            support, reason = self._check(said, unit, others, evidence)
            verdict = Verdict(unit.quote, reason, support)
            if verdict.ok:
                return verdict
            if best is None or support > best.support:
                best = verdict
        return best or Verdict("", "no unit to check against")

    def _check(self, said: tuple[Clause, ...], unit: _Unit, others: set[str],
               evidence: Evidence) -> tuple[float, str]:
        t = self.thresholds
        quoted = clauses(unit.text, self.words)
        unit_words = [w for c in quoted for w in c.words]
        unit_stems = frozenset(stem(w) for w in unit_words)
        said_words = [w for c in said for w in c.words]
        found = [w for w in said_words if _supported(w, unit_stems)]
        support = len(found) / len(said_words) if said_words else 1.0
        problems = self._terms(said, quoted, unit_stems, others, evidence)
        if problems:
            return support, problems
        if support < t.sentence_support:
            return support, f"too little of it is in the quote ({support:.2f})"
        for clause in said:
            if clause.words:
                hits = sum(_supported(w, unit_stems) for w in clause.words)
                if hits / len(clause.words) < t.clause_support or (
                        len(clause.words) >= 2 and hits < t.clause_min_supported):
                    return support, f"a clause the quote does not say: '{clause.text}'"
            match = _aligned(clause, quoted)
            if len(phrases := _phrase_words(clause)) > 1:
                # a list one item longer than the unit's may hide an outside claim
                longer = t.added_phrase and len(phrases) > len(_phrase_words(match))
                for phrase in phrases:
                    hits = sum(_supported(w, unit_stems) for w in phrase)
                    if (len(phrase) >= 2 and hits / len(phrase) < t.phrase_support) or (
                            longer and hits < len(phrase)):
                        return support, f"a phrase the quote does not say: '{' '.join(phrase)}'"
            reason = self._claims(clause, match, quoted, unit_stems)
            if reason:
                return support, reason
            if t.negation_everywhere:
                reason = _negations(clause, quoted)
                if reason:
                    return support, reason
        if t.persons_in_quote:
            persons = {w for c in said for w in c.sequence if w[0] == "@"}
            extra = persons - {w for c in quoted for w in c.sequence if w[0] == "@"}
            if extra:
                return support, f"'{sorted(extra)[0][1:]}' where the quote names no such person"
        if t.check_order:
            specific = (lambda w, e: True) if t.order_all_words else self._specific_word
            reason = _order(said, quoted, specific, evidence, t.order_persons,
                            t.order_repeated_persons)
            if reason:
                return support, reason
        if t.check_roles:
            reason = _roles(said, quoted, self._specific_word, evidence)
            if reason:
                return support, reason
        return support, ""

    def _specific_word(self, word: str, evidence: Evidence) -> bool:
        z = zipf(word)
        return (word in self.words.specific or z < self.thresholds.rare_zipf
                or (word in evidence.vocabulary and z < self.thresholds.library_zipf))

    def _terms(self, said, quoted, unit_stems, others, evidence: Evidence) -> str:
        """Every specific term of the sentence in the unit; few everyday words that are not."""
        t = self.thresholds
        unit_numbers = frozenset().union(*(c.numbers for c in quoted))
        unit_quantities = frozenset().union(*(c.quantities for c in quoted))
        for clause in said:
            missing = sorted(clause.numbers - unit_numbers)
            if missing:
                return f"number(s) {', '.join(missing)} not in the quote"
            for number, unit in sorted(clause.quantities - unit_quantities):
                if any(u == unit for _, u in unit_quantities) or any(
                        n == number for n, _ in unit_quantities):
                    return f"'{number} {unit}' is not what the quote says"
        # "a week" is a number too; a range the sentence gives whole vouches for its ends
        said_numbers = frozenset().union(*(c.numbers | {n for n, _ in c.quantities}
                                           for c in said))
        unit_ranges = frozenset().union(*(c.ranges for c in quoted))
        whole = {n for c in said for r in c.ranges & unit_ranges for n in r}
        for low, high in sorted(unit_ranges):
            ends = {low, high} & said_numbers
            if len(ends) == 1 and not ends & whole:
                return f"one end of the quote's '{low} to {high}' without the other"
        bare = self._bare_units(said, quoted)
        if bare:
            return f"'{bare}' without the number the quote gives it"
        rare_in_unit = {w for c in quoted for w in c.words if zipf(w) < t.rare_zipf}
        said_stems = frozenset(stem(w) for c in said for w in c.words)
        stand_in = (t.names_stand_in and any(w in _PRONOUNS for c in quoted
                                             for w in c.text.split())
                    and all(_supported(w, said_stems) or stem(w) in evidence.names
                            for w in rare_in_unit))
        general = 0
        for word in dict.fromkeys(w for c in said for w in c.words):
            if _supported(word, unit_stems):
                continue
            if stand_in and stem(word) in evidence.names and zipf(word) < t.rare_zipf:
                continue
            kind = self.words.specific.get(word)
            if kind or len(word) == 1:  # "B cells", "hepatitis C": a letter is a name
                return f"'{word}' ({_KIND_NAMES.get(kind, 'a name')}) is not in the quote"
            z = zipf(word)
            if z < t.rare_zipf:
                return f"'{word}' is not in the quote"
            if word in others and z < t.passage_zipf:
                return f"'{word}' comes from elsewhere in the passage"
            if t.swap_from_passage and word in others:
                dropped = sorted(w for w in rare_in_unit | {
                    w for c in quoted for w in c.words
                    if w in evidence.vocabulary and zipf(w) < t.library_zipf}
                    if not _supported(w, said_stems))
                if dropped:
                    return f"'{word}' from elsewhere in the passage for the quote's " \
                           f"'{dropped[0]}'"
            if word in evidence.vocabulary and z < t.library_zipf:
                return f"'{word}' (a term the articles use) is not in the quote"
            general += 1
        if general > t.general_budget:
            return f"{general} words that are not in the quote"
        return ""

    @staticmethod
    def _bare_units(said, quoted) -> str:
        """A time or measure the unit only gives with a number, used without one ("every
        year" for "every 5 years")."""
        counted = {u for c in quoted for _, u in c.quantities}
        bare_in_unit = frozenset().union(*(c.bare_units for c in quoted))
        return min((u for c in said for u in c.bare_units & counted - bare_in_unit), default="")

    def _claims(self, clause: Clause, match: Clause, quoted: tuple[Clause, ...],
                unit_stems) -> str:
        """Polarity, strength, cause and direction of one clause against the unit's (`match`:
        the unit's clause it is aligned with)."""
        t = self.thresholds
        levels = self.words.quantifier_levels
        if clause.negated != match.negated:
            return "negation differs from the quote"
        if clause.modal > match.modal:
            return (f"surer than the quote ({self.words.modal_levels[clause.modal]} vs "
                    f"{self.words.modal_levels[match.modal]})")
        hedged: dict[str, int] = {}
        for verb, level in (p for c in quoted for p in c.verb_modals):
            hedged[verb] = min(level, hedged.get(verb, level))
        for verb, level in sorted(clause.verb_modals):
            if verb in hedged and level > hedged[verb]:  # "will fall" for "can fall"
                return (f"surer than the quote ({self.words.modal_levels[level]} vs "
                        f"{self.words.modal_levels[hedged[verb]]} '{verb}')")
        strongest = max((c.quantifier for c in quoted if c.quantifier is not None),
                        default=None)
        reference = match.quantifier if match.quantifier is not None else strongest
        if clause.quantifier is not None:
            if reference is None:
                if clause.quantifier > t.unquantified_level:
                    return f"'{levels[clause.quantifier]}' where the quote has no quantifier"
            elif clause.quantifier > reference:
                return f"'{levels[clause.quantifier]}' is more than the quote's " \
                       f"'{levels[reference]}'"
            elif clause.quantifier < reference - t.quantifier_slack:
                return f"'{levels[clause.quantifier]}' is less than the quote's " \
                       f"'{levels[reference]}'"
        elif (t.keep_quantifier and match.quantifier is not None
              and match.quantifier < len(levels) - 1):
            return f"drops the quote's '{levels[match.quantifier]}'"
        if clause.causal and not any(c.causal for c in quoted):
            return "a causal link the quote does not draw"
        unit_directions = frozenset().union(*(c.directions for c in quoted))
        # a direction the match lacks, or says once where the sentence says it twice ("more
        # serious, more signs" for "more serious, fewer signs")
        for dimension, side in sorted((clause.directions - match.directions)
                                      | (clause.twice - match.twice)):
            if (dimension, 1 - side) in match.directions:
                return f"the opposite direction ({dimension}) to the quote"
            if (dimension, side) not in unit_directions:
                return f"a comparison ({dimension}) the quote does not make"
        return ""


def passage_units(passage: str) -> list[_Unit]:
    """The units a sentence may cite: each sentence, and each list item read with its intro."""
    result: list[_Unit] = []
    for unit in split_units(passage) or [passage]:
        intro, *items = unit.split("\n- ")
        result.append(_Unit(intro, intro))
        result.extend(_Unit(item.strip(), f"{intro} {item.strip()}") for item in items)
    return result


def _words(text: str) -> set[str]:
    return {w for w in tokens(text) if w not in STOPWORDS}


def _supported(word: str, stems: Iterable[str]) -> bool:
    """The word's stem is in the unit, differs from one only by an ending ('infus' /
    'infusion'), or is the head of a compound in it ('steroid' / 'corticosteroid')."""
    s = stem(word)
    if s in stems:
        return True
    for other in stems:
        short, long_ = (s, other) if len(s) <= len(other) else (other, s)
        if len(short) >= 4 and long_.startswith(short) and long_[len(short):] in _ENDINGS:
            return True
        if len(s) >= 6 and len(other) > len(s) and other.endswith(s):
            return True
    return False


def _aligned(clause: Clause, quoted: tuple[Clause, ...]) -> Clause:
    """The unit's clause that shares most words with this one (then most of any words)."""
    stems = {stem(w) for w in clause.words}
    every = set(clause.text.split())
    return max(quoted, key=lambda c: (len(stems & {stem(w) for w in c.words}),
                                      len(every & set(c.text.split()))))


def _phrase_words(clause: Clause) -> list[list[str]]:
    """The content words of each comma-delimited phrase of a clause."""
    phrases: dict[int, list[str]] = {}
    for word, segment in zip(clause.sequence, clause.segments, strict=True):
        if word[0] != "@" and not word[0].isdigit():
            phrases.setdefault(segment, []).append(word)
    return list(phrases.values())


def _negations(clause: Clause, quoted: tuple[Clause, ...]) -> str:
    """Every clause of the unit whose words the sentence's clause mostly repeats (two or more,
    two thirds) is said with the same polarity, not only the one it shares most with."""
    stems = {stem(w) for w in clause.words}
    for other in quoted:
        theirs = {stem(w) for w in other.words}
        shared = len(stems & theirs)
        if shared >= 2 and 3 * shared >= 2 * len(theirs) and other.negated != clause.negated:
            return f"negation differs from the quote's '{other.text}'"
    return ""


def _order(said, quoted, specific, evidence: Evidence, persons: bool,
           repeated: bool = False) -> str:
    """Specific terms (numbers, and persons if asked) in the same order as in the unit, within
    each phrase, unless one side is passive and the other not. A term met more than once on
    either side is left out; a person (`repeated`) is compared where first met on each side
    ("you can help protect the people you live with" / "the people you live with can help
    protect you")."""
    def key(w: str) -> str | None:
        if w[0] == "@":
            return w if persons else None
        return stem(w) if w[0].isdigit() or specific(w, evidence) else None

    unit_order = [key(w) for c in quoted for w in c.sequence]
    unit_phrase = [(n, seg) for n, c in enumerate(quoted) for seg in c.segments]
    for clause in said:
        aligned = _aligned(clause, quoted)
        # a passive turns the order round without changing who does what, in its own phrase
        # (on the side that has it: the sentence's phrase, or the unit's)
        turned_said, turned_unit = -1, None
        if clause.passive != aligned.passive:
            turned_said = clause.passive_segment
            turned_unit = (next(n for n, c in enumerate(quoted) if c is aligned),
                           aligned.passive_segment)
        mine = [key(w) for w in clause.sequence]
        # terms met once on each side: a repeated one has no single place to compare
        keys = [(k, clause.segments[i]) for i, k in enumerate(mine)
                if k and k in unit_order and mine.index(k) == i
                and ((repeated and k[0] == "@")
                     or mine.count(k) == unit_order.count(k) == 1)]
        for (a, sa), (b, sb) in itertools.combinations(keys, 2):
            ia, ib = unit_order.index(a), unit_order.index(b)
            # only terms in one phrase on both sides: a fronted "After surgery, ..." moves
            # a whole phrase, a swap moves terms within one
            if sa == sb and unit_phrase[ia] == unit_phrase[ib] and ia > ib \
                    and sa != turned_said and unit_phrase[ia] != turned_unit:
                return "specific terms in another order than the quote (roles swapped?)"
    return ""


def _roles(said, quoted, specific, evidence: Evidence) -> str:
    """Two specific terms that trade phrases: each sits, in the sentence, among the words the
    other has around it in the unit ("if you had X in the past 6 months, Y may not work" ->
    "if you had Y in the past 6 months, X may not work")."""
    def places(cs) -> tuple[dict[str, tuple], dict[tuple, set[str]]]:
        where: dict[str, tuple] = {}
        around: dict[tuple, set[str]] = {}
        for n, c in enumerate(cs):
            for w, seg in zip(c.sequence, c.segments, strict=True):
                if w[0] == "@":
                    continue
                s = stem(w)
                around.setdefault((n, seg), set()).add(s)
                if w[0].isdigit() or specific(w, evidence):
                    where.setdefault(s, (n, seg))  # a repeated term: where it is first met
        return where, around

    mine, my_around = places(said)
    theirs, their_around = places(quoted)
    shared = sorted(mine.keys() & theirs.keys())
    for a, b in itertools.combinations(shared, 2):
        if mine[a] == mine[b] or theirs[a] == theirs[b]:
            continue
        pair = {a, b}

        def near(s_term: str, q_term: str, pair: set[str] = pair) -> int:
            return len((my_around[mine[s_term]] & their_around[theirs[q_term]]) - pair)

        straight, swapped = near(a, a) + near(b, b), near(a, b) + near(b, a)
        if swapped >= 2 and swapped > straight:
            return f"'{a}' and '{b}' trade places with the quote's (roles swapped?)"
    return ""

"""How a patient's words meet the article's words: synonyms, cues, and what counts as unknown."""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from chatbot.terms import STOPWORDS, content_terms, normalise, stem, words

DEFAULT_LEXICON = Path(__file__).resolve().parent / "data" / "lexicon.toml"


@dataclass(frozen=True)
class FocusTerm:
    """One content word of the question and the article words that would answer to it."""

    term: str
    alternatives: frozenset[str]
    known: bool


@dataclass(frozen=True)
class Synonym:
    """A patient phrase and the article words it stands for."""

    pattern: re.Pattern
    words: frozenset[str]  # stemmed
    expansion: frozenset[str]
    spelled: frozenset[str] = frozenset()  # as written, to meet misspellings


@dataclass(frozen=True)
class Cue:
    """A question shape and the words an answer to it tends to contain."""

    pattern: re.Pattern
    terms: frozenset[str]
    lists: bool = False  # the question asks for an enumeration: prefer sentences with a list


@dataclass(frozen=True)
class QuestionTerms:
    focus: tuple[FocusTerm, ...]
    cue_terms: frozenset[str]
    not_covered: tuple[str, ...] = ()
    wants_list: bool = False

    @property
    def unknown(self) -> tuple[str, ...]:
        return tuple(f.term for f in self.focus if not f.known)

    @property
    def all_terms(self) -> frozenset[str]:
        terms: set[str] = set(self.cue_terms)
        for focus in self.focus:
            terms |= focus.alternatives
        return frozenset(terms)


@dataclass(frozen=True)
class Lexicon:
    topic: frozenset[str]
    generic: frozenset[str]
    synonyms: tuple[Synonym, ...]
    not_covered: tuple[re.Pattern, ...]
    cues: tuple[Cue, ...]
    skip: tuple[re.Pattern, ...] = field(default=())

    @classmethod
    def load(cls, path: Path = DEFAULT_LEXICON) -> Lexicon:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return cls(
            topic=frozenset(stem(w) for w in words(data["topic"])),
            generic=frozenset(stem(w) for w in words(data["generic"])),
            synonyms=tuple(
                Synonym(_phrase(phrase), frozenset(map(stem, words(phrase))),
                        frozenset(content_terms(expansion)), frozenset(words(phrase)))
                for phrase, expansion in data["synonyms"].items()
            ),
            not_covered=tuple(_phrase(p) for p in data.get("not_covered", ())),
            cues=tuple(
                Cue(re.compile(cue["pattern"], re.I), frozenset(content_terms(cue["terms"])),
                    bool(cue.get("lists", False)))
                for cue in data.get("cues", ())
            ),
            skip=tuple(re.compile(p, re.I) for p in data.get("answering", {}).get("skip", ())),
        )

    def is_skipped(self, sentence: str) -> bool:
        return any(p.search(sentence) for p in self.skip)

    def analyse(self, question: str, vocabulary: frozenset[str]) -> QuestionTerms:
        """Split a question into focus terms (with what would answer them) and cue terms."""
        plain = normalise(question)
        synonym_hits = [s for s in self.synonyms if s.pattern.search(plain)]
        focus: list[FocusTerm] = []
        seen: set[str] = set()
        corrected = plain
        for word in words(plain):
            term = stem(word)
            if word in STOPWORDS or len(word) < 2 or term in self.topic or term in seen:
                continue
            seen.add(term)
            alternatives = {term}
            for synonym in synonym_hits:
                if term in synonym.words:
                    alternatives |= synonym.expansion
            if term not in vocabulary and len(word) >= 5:
                close = difflib.get_close_matches(term, vocabulary, n=2, cutoff=0.85)
                alternatives |= set(close)
                if close:  # so cue phrases ("side effects") still match a misspelling
                    corrected = re.sub(rf"\b{re.escape(word)}\b", close[0], corrected)
                else:  # a misspelled patient word ("succes") may be a synonym's
                    for synonym in self.synonyms:
                        if difflib.get_close_matches(word, synonym.spelled, n=1, cutoff=0.85):
                            alternatives |= synonym.expansion
            known = (
                bool(alternatives & vocabulary)
                or term in self.generic
                or word.isdigit()
                or bool(difflib.get_close_matches(term, self.generic, n=1, cutoff=0.85))
            )
            focus.append(FocusTerm(term, frozenset(alternatives), known))
        cues = [cue for cue in self.cues
                if cue.pattern.search(plain) or cue.pattern.search(corrected)]
        cue_terms = frozenset(t for cue in cues for t in cue.terms)
        not_covered = tuple(p.pattern for p in self.not_covered if p.search(plain))
        return QuestionTerms(tuple(focus), cue_terms, not_covered,
                             any(cue.lists for cue in cues))


def _phrase(phrase: str) -> re.Pattern:
    return re.compile(r"\b" + r"\s+".join(map(re.escape, normalise(phrase).split())) + r"\b")

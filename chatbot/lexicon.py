"""Patients' everyday words -> medical words (data/lexicon.toml), for any article."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from chatbot.terms import content_terms, normalise

DEFAULT_LEXICON = Path(__file__).resolve().parent / "data" / "lexicon.toml"


@dataclass(frozen=True)
class Synonym:
    """A patient phrase and the (stemmed) medical terms it stands for."""

    phrase: str
    pattern: re.Pattern
    expansion: frozenset[str]


@dataclass(frozen=True)
class Lexicon:
    synonyms: tuple[Synonym, ...] = ()

    @classmethod
    def load(cls, path: Path = DEFAULT_LEXICON) -> Lexicon:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        return cls(tuple(
            Synonym(phrase, _phrase(phrase), frozenset(content_terms(expansion)))
            for phrase, expansion in data.get("synonyms", {}).items()))

    def expansions(self, text: str) -> dict[str, frozenset[str]]:
        """Each patient phrase found in the text -> the terms it stands for."""
        plain = normalise(text)
        return {s.phrase: s.expansion for s in self.synonyms if s.pattern.search(plain)}


def _phrase(phrase: str) -> re.Pattern:
    return re.compile(r"\b" + r"\s+".join(map(re.escape, normalise(phrase).split())) + r"\b")

"""Patients' everyday words -> medical words (data/lexicon.toml), for any article."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from chatbot.terms import content_terms, normalise

DEFAULT_LEXICON = Path(__file__).resolve().parent / "data" / "lexicon.toml"
_WORD = re.compile(r"(?<![\w'’])[A-Za-z0-9]+(?![\w'’])")


@dataclass(frozen=True)
class Synonym:
    """A patient phrase and the (stemmed) medical terms it stands for."""

    phrase: str
    pattern: re.Pattern
    expansion: frozenset[str]


@dataclass(frozen=True)
class Lexicon:
    synonyms: tuple[Synonym, ...] = ()
    shorthand: dict[str, str] = field(default_factory=dict)
    fillers: frozenset[str] = frozenset()

    @classmethod
    def load(cls, path: Path = DEFAULT_LEXICON) -> Lexicon:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        return cls(tuple(
            Synonym(phrase, _phrase(phrase), frozenset(content_terms(expansion)))
            for phrase, expansion in data.get("synonyms", {}).items()),
            {k.lower(): v for k, v in data.get("shorthand", {}).items()},
            frozenset(data.get("fillers", "").split()))

    def plain_english(self, text: str) -> str:
        """Texting shorthand rewritten ("wat r u" -> "what are you"); the rest unchanged. Only
        words typed in lower case: "IM" (intramuscular) is not "im"."""
        return _WORD.sub(lambda m: self.shorthand.get(m.group(0), m.group(0)), text)

    def expansions(self, text: str) -> dict[str, frozenset[str]]:
        """Each patient phrase found in the text -> the terms it stands for."""
        plain = normalise(text)
        return {s.phrase: s.expansion for s in self.synonyms if s.pattern.search(plain)}


def _phrase(phrase: str) -> re.Pattern:
    return re.compile(r"\b" + r"\s+".join(map(re.escape, normalise(phrase).split())) + r"\b")

"""Misspelled patient words -> the corpus's words ("prednizone" -> "prednisone"), checked
against general English first so an ordinary word is never "corrected" into a medical one."""

from __future__ import annotations

from dataclasses import dataclass, field

from chatbot.rarity import is_common_english, zipf

MIN_LENGTH = 5
MIN_SIMILARITY = 80  # rapidfuzz ratio, 0..100
DROPPED_G_MARGIN = 1.5  # zipf points: the -ing word at least 30 times as common


@dataclass(frozen=True)
class Speller:
    """Corrects against the vocabulary of the articles (raw lower-case word forms)."""

    vocabulary: frozenset[str]
    _choices: tuple[str, ...] = field(default=(), repr=False)

    @classmethod
    def of(cls, vocabulary: frozenset[str]) -> Speller:
        return cls(vocabulary, tuple(sorted(w for w in vocabulary if len(w) >= MIN_LENGTH)))

    def correct(self, word: str) -> str:
        # a dropped g ("workin", "doin") when the -ing word is far more common English
        # ("thin" and "thing" are both ordinary words: left alone)
        if (len(word) >= 4 and word.endswith("in") and word not in self.vocabulary
                and zipf(word + "g") >= zipf(word) + DROPPED_G_MARGIN):
            return word + "g"
        if (len(word) < MIN_LENGTH or word in self.vocabulary or word.isdigit()
                or is_common_english(word)):
            return word
        from rapidfuzz import fuzz, process

        # a misspelling keeps its first letter ("rituxamab", "prednizone")
        choices = [c for c in self._choices if c[0] == word[0]]
        found = process.extractOne(word, choices, scorer=fuzz.ratio,
                                   score_cutoff=MIN_SIMILARITY)
        return found[0] if found else word

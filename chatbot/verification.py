"""Does a sentence say what its cited article text says? Deterministic checks (pure).

Used to filter an LLM's sentences before a patient sees them, and by the evals to score every
answer's citations.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from chatbot.answer import cited_numbers
from chatbot.sentences import split_sentences, split_units
from chatbot.terms import content_terms, normalise

SUPPORT_THRESHOLD = 0.6
MIN_OVERLAP = 0.5

_NUMBER_WORDS = {w: str(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty".split())}
_NUMBER_WORDS.update({"thirty": "30", "forty": "40", "fifty": "50", "sixty": "60",
                      "seventy": "70", "eighty": "80", "ninety": "90", "hundred": "100",
                      "half": "50", "once": "1", "twice": "2", "single": "1", "dozen": "12"})
_NUMBER = re.compile(r"\d+(?:\.\d+)?|\b(?:" + "|".join(_NUMBER_WORDS) + r")\b", re.I)
_NEGATION = re.compile(r"\b(not|no|never|cannot|without|neither|nor|none|nothing)\b|n't\b", re.I)
# Sweeping claims a model likes to add; a sentence may only make one its quote makes too.
_ABSOLUTE = re.compile(r"\b(all|always|every|everyone|everybody|anyone|guarantee[sd]?|"
                       r"completely|cures?|cured|permanent(ly)?|forever|100 ?%|totally|"
                       r"risk-free|no risk|definitely|certainly)\b", re.I)
_MARKED = re.compile(r"(.+?)((?:\s*\[\d+\])+)(?=\s|$)", re.S)


@dataclass(frozen=True)
class Support:
    score: float
    quote: str  # the verbatim article unit that best supports the sentence
    reason: str

    @property
    def ok(self) -> bool:
        return not self.reason


def numbers_in(text: str) -> set[str]:
    """Numbers as digits, whether written '3', 'three' or '3%'."""
    return {_NUMBER_WORDS.get(n.lower(), n) for n in _NUMBER.findall(normalise(text))}


def absolutes(text: str) -> set[str]:
    return {m.group(0).lower() for m in _ABSOLUTE.finditer(normalise(text))}


def negated(text: str) -> bool:
    return bool(_NEGATION.search(normalise(text)))


def overlap(sentence: str, quote: str, ignore: frozenset[str] = frozenset()) -> float:
    """Share of the sentence's content words (less `ignore`, e.g. 'IVIG') found in the quote."""
    words = set(content_terms(sentence)) - ignore
    return len(words & set(content_terms(quote))) / len(words) if words else 0.0


def support_score(sentence: str, quote: str, similarity: Callable[[str, str], float],
                  ignore: frozenset[str] = frozenset()) -> float:
    """0..1: half shared content words, half embedding similarity; 0 if a number of the
    sentence is not in the quote or one of them negates what the other affirms."""
    if numbers_in(sentence) - numbers_in(quote) or negated(sentence) != negated(quote):
        return 0.0
    return 0.5 * overlap(sentence, quote, ignore) + 0.5 * max(0.0, similarity(sentence, quote))


def best_support(sentence: str, passage: str, similarity: Callable[[str, str], float],
                 ignore: frozenset[str] = frozenset()) -> Support:
    """The unit of the passage that best supports the sentence, and why it falls short if so.

    `ignore`: words too common to count as support (the topic itself: IVIG, AIHA...).
    """
    candidates = split_units(passage) or [passage]
    # the unit the sentence is about, before any check: then the checks judge that unit
    quote = max(candidates, key=lambda unit: overlap(sentence, unit, ignore)
                + max(0.0, similarity(sentence, unit)))
    score = support_score(sentence, quote, similarity, ignore)
    if numbers_in(sentence) - numbers_in(passage):
        missing = ", ".join(sorted(numbers_in(sentence) - numbers_in(passage)))
        return Support(0.0, quote, f"number(s) {missing} not in the cited passage")
    if score == 0.0:
        return Support(0.0, quote, "contradicts the cited passage (negation differs)")
    sweeping = absolutes(sentence) - absolutes(passage)
    if sweeping:
        return Support(0.0, quote, f"claims more than the passage ({', '.join(sorted(sweeping))})")
    shared = overlap(sentence, quote, ignore)
    if shared < MIN_OVERLAP:
        return Support(score, quote, f"too few words in common with the passage ({shared:.2f})")
    if score < SUPPORT_THRESHOLD:
        return Support(score, quote, f"weak support ({score:.2f})")
    return Support(score, quote, "")


def cited_sentences(text: str) -> list[tuple[str, list[int]]]:
    """Answer text -> (sentence, its [n] numbers); a sentence without a marker gets []."""
    # "…five days [1]." and "…five days. [1]" read the same
    text = re.sub(r"((?:\s*\[\d+\])+)\s*([.!?])", r"\2\1", text)
    pieces: list[tuple[str, list[int]]] = []
    at = 0
    for match in _MARKED.finditer(text):
        before = text[at:match.start()].strip()
        if before:
            pieces.append((before, []))
        body = match.group(1).strip()
        *uncited, last = split_sentences(body) or [body]
        pieces.extend((s, []) for s in uncited)
        pieces.append((last, cited_numbers(match.group(2))))
        at = match.end()
    if text[at:].strip():
        pieces.append((text[at:].strip(), []))
    return pieces

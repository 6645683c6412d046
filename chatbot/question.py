"""A patient's question, analysed once: corrected words, informative terms weighted by how rare
they are in general English, synonyms, and the shape of answer it wants (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from chatbot.lexicon import Lexicon
from chatbot.rarity import rarity
from chatbot.sentences import split_sentences
from chatbot.spelling import Speller
from chatbot.terms import STOPWORDS, normalise, stem, words

# Answer shapes, from general English question forms (never one article's words).
DURATION, FREQUENCY, NUMBER, LIST, DEFINITION, YES_NO, REASON, PROCEDURE = (
    "duration", "frequency", "number", "list", "definition", "yes_no", "reason", "procedure")
SHAPES = (DURATION, FREQUENCY, NUMBER, LIST, DEFINITION, YES_NO, REASON, PROCEDURE)
_SHAPE_PATTERNS = {
    DURATION: r"\bhow (long|soon|fast|quickly|quick)\b|\bhow many (minutes|hours|days|weeks|"
              r"months|years)\b|\bwhen (will|would|does|do|should|can|could|might)\b.{0,40}\b"
              r"(work|start|begin|feel|notice|kick|better|help|recover|back|see|improve)|"
              r"\b(until|till|til)\b",
    FREQUENCY: r"\bhow (often|frequently)\b|\bhow many (times|doses|infusions|rounds|treatments)"
               r"\b|\bevery (day|week|month|year)\b",
    NUMBER: r"\bhow (many|much|likely|common)\b|\bwhat (percent|percentage|proportion|"
            r"fraction)\b|\b(chances?|odds|success rate|response rate)\b",
    LIST: r"^\s*(and |what about |how about )?(the |its |their )?(side effects|symptoms|risks|"
          r"signs|options|steps)\s*\??\s*$|^\s*(what|which) (are|were)\b|"
          r"\bwhat (kinds?|types?|sorts?) of\b|\blist\b|"
          r"\bwhat (side effects|symptoms|signs|risks|steps|options|problems|things|"
          r"conditions|other|else)\b|\bwhich (other )?\w+ (are|is|can|do)\b|\bexamples?\b",
    # "what is X?" / "what does X mean?"; "what are the..." asks for a list instead
    DEFINITION: r"^\s*(what|wat|wht)(\s+is|'s|s)\s+(an?\s+|the\s+)?[^?]{1,40}\??\s*$|"
                r"\bwhat (does|do)\b.{1,40}\b(mean|stand for)\b",
    YES_NO: r"^\s*(can|could|is|are|does|do|will|would|should|may|might|has|have|am|was|did)"
            r"\b",
    REASON: r"\bwhy\b|\bwhat (causes|is the reason|for)\b|\bwhat'?s the point\b",
    PROCEDURE: r"\bhow (is|are|do|does|will|would)\b.{0,30}\b(given|done|work|works|happen|"
               r"prepare|get|do)\b|\bwhat happens\b|\bwhat (should|do|can) i (do|expect)\b",
}
_COMPILED = {shape: re.compile(p, re.I) for shape, p in _SHAPE_PATTERNS.items()}
# The word that turns "how" into a question of amount, time or degree ("how fast", "how
# often", "what percentage"): it says what shape of answer is wanted, not what the question
# is about, so it is no topic the articles must mention (general English only).
_ASKING_WORD = re.compile(r"\b(?<=how )(long|soon|fast|quickly|quick|often|frequently|many|much|"
                          r"likely|common|well|effective|early|late|far)\b|"
                          r"\b(?<=what )(percent|percentage|proportion|fraction)\b", re.I)


@dataclass(frozen=True)
class Term:
    """An informative word of the question: its stem, the terms that would answer to it
    (synonyms included), and its weight (rarity in general English)."""

    word: str
    stem: str
    alternatives: frozenset[str]
    weight: float
    asking: bool = False  # it asks for a shape of answer ("fast" in "how fast"): no topic


@dataclass(frozen=True)
class Question:
    text: str
    context: str  # the earlier question(s) a follow-up leans on; "" otherwise
    corrected: str  # the text with misspellings corrected against the articles
    terms: tuple[Term, ...]
    context_terms: tuple[Term, ...]
    shapes: frozenset[str]
    focus: str = ""  # in a long message, the sentence that asks; else the whole text

    @property
    def search_text(self) -> str:
        return f"{self.context} {self.corrected}".strip()

    @property
    def all_alternatives(self) -> list[str]:
        return [a for t in (*self.terms, *self.context_terms) for a in t.alternatives]

    def wants(self, shape: str) -> bool:
        return shape in self.shapes


def analyse(text: str, context: str, speller: Speller, lexicon: Lexicon) -> Question:
    text, context = lexicon.plain_english(text), lexicon.plain_english(context)
    corrected = correct_text(text, speller)
    terms = informative_terms(corrected, lexicon)
    context_terms = informative_terms(correct_text(context, speller), lexicon) if context else ()
    focus = correct_text(asking_sentence(text), speller)
    shapes = shapes_of(focus)
    # "and prednisone?" (a name and nothing else) asks what the turn before asked
    if context and not shapes - {YES_NO} and len(terms) <= 1:
        shapes |= shapes_of(normalise(asking_sentence(context)))
    return Question(text, context, corrected, terms, tuple(context_terms), shapes, focus)


def shapes_of(text: str) -> frozenset[str]:
    return frozenset(s for s, p in _COMPILED.items() if p.search(text))


def asking_sentence(text: str) -> str:
    """The last sentence that asks (ends with '?'), or the last sentence: a patient telling
    their story asks at the end. Reads the text as typed (sentence starts are capitals)."""
    sentences = split_sentences(text) or [text]
    asking = [s for s in sentences if s.rstrip().endswith("?")]
    return (asking or sentences)[-1]


def correct_text(text: str, speller: Speller) -> str:
    plain = normalise(text)
    fixed = {w: speller.correct(w) for w in set(words(plain))}
    return re.sub(r"[a-z0-9]+(?:'[a-z]+)?",
                  lambda m: fixed.get(m.group(0), m.group(0)), plain)


def informative_terms(text: str, lexicon: Lexicon) -> tuple[Term, ...]:
    """Content words (stopwords dropped), each with its synonyms and weight; a multi-word
    patient phrase ("throw up") becomes one term for what it stands for."""
    expansions = lexicon.expansions(text)
    asking = {m.group(0).lower() for m in _ASKING_WORD.finditer(text)}
    terms: dict[str, Term] = {}
    for phrase, expansion in expansions.items():
        parts = phrase.split()
        if len(parts) > 1:
            key = stem(parts[-1])
            terms[key] = Term(phrase, key, frozenset(expansion) | {key},
                              max(rarity(w) for w in parts))
    for word in words(text):
        if word in STOPWORDS or word in lexicon.fillers or len(word) < 2:
            continue
        term = stem(word)
        if term in terms:
            continue
        alternatives = {term} | set(expansions.get(word, ()))
        terms[term] = Term(word, term, frozenset(alternatives), rarity(word), word in asking)
    return tuple(terms.values())

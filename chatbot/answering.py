"""Retrieved chunks -> Answer: verbatim article sentences that answer, each with its [n].

The default answerer needs no LLM. It scores every sentence of the retrieved chunks against the
question (meaning by embedding similarity, words by weighted coverage of the question's focus
terms, shape by cue words such as "days" for "how fast"), keeps the best few, and abstains when
the question asks about something the article does not contain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from chatbot.answer import ABSTAINED, ANSWERED, Answer, Citation, RetrievedChunk, join_cited
from chatbot.chunking import Chunk
from chatbot.lexicon import Lexicon, QuestionTerms
from chatbot.messages import Messages
from chatbot.sentences import split_units
from chatbot.terms import content_terms

# Weights and thresholds, calibrated on the eval questions (see evals/).
SEMANTIC_WEIGHT, COVERAGE_WEIGHT, CUE_WEIGHT = 0.55, 0.35, 0.25
LIST_BONUS = 0.15  # an enumeration question ("what are the side effects?") wants the list
HEADING_CREDIT = 0.5  # a word found only in the section heading counts half
CONTEXT_WEIGHT = 0.5  # a follow-up's earlier question counts half
MIN_SCORE = 0.42
MARGIN = 0.08
SEMANTIC_ONLY_MIN = 0.6  # a question of everyday words alone must match in meaning this well
GENERIC_FACTOR = 0.3  # everyday words ("type", "work", "long") count less than specific ones
# A sentence that leans on the one before it ("It's not used as often...") brings it along.
_LEANS_BACK = re.compile(r"^(It|It’s|It's|Its|This|These|That|They|Them|Those|On the other hand)\b")

_CONTRAST = re.compile(r"^\s*(and\s+)?(what|how) about\b|^\s*and (for|with|in) the\b|^\s*what if\b",
                       re.I)
_CORRECTS = re.compile(r"^(However|But)\b")

NOT_IN_ARTICLE = "not_in_article"


@dataclass(frozen=True)
class Turn:
    """What to answer: the question, and for a follow-up the earlier question it leans on."""

    question: str
    context: str = ""

    @property
    def contrastive(self) -> bool:
        """'What about the cold type?' asks the earlier question about something else."""
        return bool(self.context) and bool(_CONTRAST.match(self.question))

    @property
    def search_text(self) -> str:
        return f"{self.context} {self.question}".strip()


@dataclass(frozen=True)
class Candidate:
    text: str
    chunk: Chunk
    index: int
    semantic: float
    coverage: float
    cue: float
    specific: bool  # shares a non-generic word of the question

    @property
    def score(self) -> float:
        return (SEMANTIC_WEIGHT * self.semantic + COVERAGE_WEIGHT * self.coverage
                + CUE_WEIGHT * self.cue)

    @property
    def order(self) -> tuple[str, int, int]:
        return (self.chunk.article_id, self.chunk.position, self.index)

    @property
    def place(self) -> tuple[str, int]:
        return (self.chunk.chunk_id, self.index)


class ExtractiveAnswerer:
    def __init__(self, embeddings, lexicon: Lexicon, messages: Messages, index,
                 max_sentences: int = 3):
        """`index` has `.lexical` (a LexicalIndex): word weights and the corpus vocabulary,
        read at every answer so a re-published index is followed."""
        self.embeddings = embeddings
        self.lexicon = lexicon
        self.messages = messages
        self.index = index
        self.max_sentences = max_sentences

    @property
    def vocabulary(self) -> frozenset[str]:
        return self.index.lexical.vocabulary

    def idf(self, term: str) -> float:
        return self.index.lexical.idf(term)

    def answer(self, turn: Turn, retrieved: list[tuple[Chunk, RetrievedChunk]]) -> Answer:
        current = self.lexicon.analyse(turn.question, self.vocabulary)
        scores = tuple(r for _, r in retrieved)
        if current.not_covered or current.unknown or not retrieved:
            return self._abstain(turn, scores)
        context = self.lexicon.analyse(turn.context, self.vocabulary) if turn.context else None
        candidates = self.candidates(turn, current, context, [c for c, _ in retrieved])
        chosen = self.choose(candidates, current)
        if not chosen:
            return self._abstain(turn, scores)
        return self._answered(turn, chosen, scores)

    def candidates(self, turn: Turn, current: QuestionTerms, context: QuestionTerms | None,
                   chunks: list[Chunk]) -> list[Candidate]:
        """Every citable unit of the retrieved chunks, scored against the question."""
        units = [(chunk, i, text) for chunk in chunks
                 for i, text in enumerate(split_units(chunk.text))
                 if not self.lexicon.is_skipped(text)]
        if not units:
            return []
        texts = [text for _, _, text in units]
        # a sentence that leans on, or corrects, the one before is also read together with it
        contexts = [prev if units[k - 1][0] is chunk and (_LEANS_BACK.match(text)
                                                          or _CORRECTS.match(text)) else ""
                    for k, ((chunk, _, text), (_, _, prev)) in
                    enumerate(zip(units, [units[0], *units[:-1]], strict=True))]
        similarity = self._similarity(turn, texts, contexts)
        cues = current.cue_terms or (context.cue_terms if context else frozenset())
        wants_list = current.wants_list or bool(context and context.wants_list)
        # Only topic and everyday words ("What happens in AIHA?"): word overlap says nothing,
        # so meaning decides alone.
        words_decide = self._has_specific_focus(current) or bool(
            context and self._has_specific_focus(context))
        headings = {c.chunk_id: frozenset(content_terms(c.section)) for c in chunks}
        result = []
        for (chunk, i, text), semantic in zip(units, similarity, strict=True):
            terms = frozenset(content_terms(text))
            heading = headings[chunk.chunk_id]
            coverage, specific = self._coverage(terms, heading, current, context,
                                                turn.contrastive)
            if not words_decide:
                coverage = max(0.0, semantic)
            cue = min(1.0, len(terms & cues) / min(2, len(cues))) if cues else 0.0
            if wants_list and "\n- " in text:
                cue += LIST_BONUS / CUE_WEIGHT
            result.append(Candidate(text, chunk, i, semantic, coverage, cue, specific))
        return result

    def choose(self, candidates: list[Candidate], current: QuestionTerms) -> list[Candidate]:
        """The best sentence, near-equals up to the limit, and what they lean on; article order."""
        ranked = sorted(candidates, key=lambda c: (-c.score, c.order))
        if not ranked or ranked[0].score < MIN_SCORE:
            return []
        best = ranked[0]
        specific_focus = self._has_specific_focus(current)
        if specific_focus and not best.specific and best.semantic < 0.55:
            return []
        if not specific_focus and best.semantic < SEMANTIC_ONLY_MIN and not best.cue:
            return []  # only everyday words, no question shape, a weak match: not covered
        limit = self.max_sentences + (1 if current.wants_list else 0)
        # when only meaning decides, scores bunch up: keep near-equals closer to the best
        margin = MARGIN if specific_focus else MARGIN / 2
        picked = [best] + [
            c for c in ranked[1:limit]
            if c.score >= max(MIN_SCORE, best.score - margin)
            and (c.specific or not specific_focus)
        ]
        by_place = {c.place: c for c in candidates}
        for c in list(picked):
            # a sentence that leans on the one before brings it (and what that leans on)
            here = c
            for _ in range(2):
                before = by_place.get((here.chunk.chunk_id, here.index - 1))
                if not (_LEANS_BACK.match(here.text) and before):
                    break
                if before not in picked:
                    picked.append(before)
                here = before
            # a "However, ..." right after corrects this one: never quote it without that
            after = by_place.get((c.chunk.chunk_id, c.index + 1))
            if after and _CORRECTS.match(after.text) and after not in picked:
                picked.append(after)
        return sorted(picked, key=lambda c: c.order)

    def _similarity(self, turn: Turn, texts: list[str], contexts: list[str]) -> list[float]:
        """Cosine similarity of each unit to the question; a list unit scores by its best item.

        For a follow-up the question itself counts more than the question it follows.
        """
        variants: list[list[str]] = [
            _variants(text) + ([f"{context} {text}"] if context else [])
            for text, context in zip(texts, contexts, strict=True)]
        flat = [v for vs in variants for v in vs]
        vectors = self.embeddings.embed_documents(flat)
        queries = [(self.embeddings.embed_query(turn.question), 1.0)]
        if turn.context:
            queries = [(queries[0][0], 0.6),
                       (self.embeddings.embed_query(turn.search_text), 0.4)]
        sims = [sum(w * _dot(q, v) for q, w in queries) for v in vectors]
        result, at = [], 0
        for vs in variants:
            result.append(max(sims[at : at + len(vs)]))
            at += len(vs)
        return result

    def _weight(self, focus) -> float:
        w = max(self.idf(a) for a in focus.alternatives)
        return w * GENERIC_FACTOR if focus.term in self.lexicon.generic else w

    def _coverage(self, terms: frozenset[str], heading: frozenset[str], current: QuestionTerms,
                  context: QuestionTerms | None, contrastive: bool = False) -> tuple[float, bool]:
        """Weighted share of the question's words the unit contains, and whether it shares a
        specific one. In a contrastive follow-up the earlier question's specific words count
        against a unit: the patient asked about something else now."""
        total = hit = 0.0
        specific = False
        for analysis, weight in ((current, 1.0), (context, CONTEXT_WEIGHT)):
            if analysis is None:
                continue
            for focus in analysis.focus:
                w = weight * self._weight(focus)
                total += w
                swapped = (contrastive and analysis is context
                           and focus.term not in self.lexicon.generic
                           and focus.term not in {f.term for f in current.focus})
                if swapped:
                    hit -= w if focus.alternatives & terms else 0.0
                    continue
                found = focus.alternatives & terms
                if found:
                    hit += w
                elif focus.alternatives & heading:
                    hit += w * HEADING_CREDIT
                if (found or focus.alternatives & heading) and analysis is current:
                    specific = specific or focus.term not in self.lexicon.generic
        return (max(0.0, hit) / total if total else 0.0), specific

    def _has_specific_focus(self, analysis: QuestionTerms) -> bool:
        return any(f.term not in self.lexicon.generic for f in analysis.focus)

    def _answered(self, turn: Turn, chosen: list[Candidate],
                  retrieved: tuple[RetrievedChunk, ...]) -> Answer:
        citations = tuple(
            Citation(n=n, quote=c.text, section=c.chunk.section, source=c.chunk.article_title,
                     chunk_id=c.chunk.chunk_id, article_id=c.chunk.article_id)
            for n, c in enumerate(chosen, start=1)
        )
        text = join_cited([(c.quote, c.n) for c in citations])
        return Answer(status=ANSWERED, answer=text, disclaimer=self.messages.disclaimer,
                      citations=citations, question=turn.search_text, retrieved=retrieved)

    def _abstain(self, turn: Turn, retrieved: tuple[RetrievedChunk, ...]) -> Answer:
        return Answer(status=ABSTAINED, answer=self.messages.not_in_article,
                      disclaimer=self.messages.disclaimer, reason=NOT_IN_ARTICLE,
                      question=turn.search_text, retrieved=retrieved)


def _variants(unit: str) -> list[str]:
    """A unit, and for a list each item read with its intro sentence."""
    if "\n- " not in unit:
        return [unit]
    intro, *items = unit.split("\n- ")
    return [unit] + [f"{intro} {item}" for item in items]


def _dot(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))

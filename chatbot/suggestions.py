"""After a refusal: what the library does answer that is closest to what was asked.

The candidates are the articles' section headings, ranked by the similarity of their vectors
(stored at ingest) to the question's. A heading written as a question is offered as a question
to ask only if the bot answers it (asked once per index version, then remembered); other
headings are offered as sections to read in the article. Nothing here names an article.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from chatbot.answer import ANSWERED
from chatbot.units import heading_id


@dataclass(frozen=True)
class Suggestion:
    text: str  # the heading, as the article writes it
    article_id: str
    section: str
    is_question: bool  # True: a question the bot answers; False: a section to read


@dataclass(frozen=True)
class Headings:
    """One index version's section headings and their unit vectors (rows normalised)."""

    entries: tuple[tuple[str, str], ...]  # (article_id, heading)
    vectors: np.ndarray

    @classmethod
    def of(cls, index) -> Headings:
        entries = tuple(index.chunks.sections())  # read from the catalog, not chunk by chunk
        ids = [heading_id(a, h) for a, h in entries]
        found = index.unit_vectors(ids)
        kept = [(e, found[i]) for e, i in zip(entries, ids, strict=True) if i in found]
        if not kept:
            return cls((), np.zeros((0, 0), dtype=np.float32))
        matrix = np.array([v for _, v in kept], dtype=np.float32)
        matrix /= np.linalg.norm(matrix, axis=1, keepdims=True).clip(1e-9)
        return cls(tuple(e for e, _ in kept), matrix)

    def similarity(self, vector) -> dict[tuple[str, str], float]:
        """Cosine of every heading to the vector."""
        if not self.entries:
            return {}
        query = np.asarray(vector, dtype=np.float32)
        query = query / max(float(np.linalg.norm(query)), 1e-9)
        return dict(zip(self.entries, (float(x) for x in self.vectors @ query), strict=True))


def nearest_sections(vector, headings: Headings, index, depth: int = 20) -> list[tuple[str, str]]:
    """Sections, nearest first: a section is as near as its heading or its nearest paragraph
    (both vectors stored at ingest; the paragraph's was embedded with its heading)."""
    scores = headings.similarity(vector)
    for chunk_id, cosine in index.store.query(list(vector), depth):
        chunk = index.chunks.get(chunk_id)
        if chunk is not None:
            key = (chunk.article_id, chunk.section)
            scores[key] = max(scores.get(key, -1.0), cosine)
    return sorted(scores, key=lambda key: -scores[key])


def is_question(heading: str) -> bool:
    return heading.rstrip().endswith("?")


class Suggester:
    """`embed_query(text) -> vector`; `current_index() -> Index` (the index a request reads);
    `answers(question) -> bool` whether the bot answers it. Offers at most `count`
    suggestions among the `pool` nearest headings."""

    def __init__(self, embed_query: Callable[[str], list[float]], current_index: Callable,
                 answers: Callable[[str], bool], count: int = 3, pool: int = 8):
        self._embed = embed_query
        self._current = current_index
        self._answers = answers
        self.count = count
        self.pool = pool
        self._lock = threading.Lock()
        self._index = None
        self._headings: Headings | None = None
        self._answerable: dict[str, bool] = {}

    @classmethod
    def for_bot(cls, bot, **kwargs) -> Suggester:
        """The suggester of a loaded Chatbot: its model, its index, its own answers."""
        retriever = bot.answerer.retriever
        return cls(bot.embeddings.embed_query, retriever.current,
                   lambda q: bot.ask(q).status == ANSWERED, **kwargs)

    def _state(self) -> tuple:
        index = self._current()
        with self._lock:
            if index is not self._index:  # a newly published index: read its headings anew
                self._index, self._headings, self._answerable = index, Headings.of(index), {}
            return index, self._headings, self._answerable

    def _answerable_question(self, heading: str, known: dict[str, bool]) -> bool:
        if heading not in known:
            known[heading] = bool(self._answers(heading))
        return known[heading]

    def suggest(self, question: str) -> list[Suggestion]:
        """The nearest answerable questions and readable sections, best first."""
        if not question.strip():
            return []
        index, headings, known = self._state()
        chosen: list[Suggestion] = []
        nearest = nearest_sections(self._embed(question), headings, index)
        for article_id, heading in nearest[: self.pool]:
            if is_question(heading):
                if not self._answerable_question(heading, known):
                    continue  # never offer a question the bot would refuse
                chosen.append(Suggestion(heading, article_id, heading, True))
            else:
                chosen.append(Suggestion(heading, article_id, heading, False))
            if len(chosen) == self.count:
                break
        return chosen

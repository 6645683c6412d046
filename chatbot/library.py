"""The articles as the answerer sees them: their sentences and headings, names, and word
statistics, read once from the index; sentence vectors fetched from Chroma per article and
kept in a small cache (answering never embeds article text)."""

from __future__ import annotations

import math
import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass

import numpy as np

from chatbot.chunking import Chunk
from chatbot.features import UnitFacts, unit_facts
from chatbot.routing import ArticleProfile, name_weights, profiles
from chatbot.spelling import Speller
from chatbot.store import IndexNotFoundError
from chatbot.terms import content_terms, words
from chatbot.units import SENTENCE, Unit, heading_id, item_id, items_of, units_of_all


@dataclass(frozen=True)
class ArticleUnits:
    """One article's sentences in order, with what the features need about each."""

    article_id: str
    units: tuple[Unit, ...]
    facts: tuple[UnitFacts, ...]
    paragraph_terms: tuple[frozenset[str], ...]
    heading_terms: tuple[frozenset[str], ...]
    heading_ids: tuple[str, ...]
    item_counts: tuple[int, ...]  # list items of each unit (0 for prose)
    vocabulary: frozenset[str]  # every stemmed term of the article, headings and names too


@dataclass(frozen=True)
class ArticleVectors:
    sentences: np.ndarray  # one row per unit, in order
    paragraphs: np.ndarray  # the vector of each unit's chunk
    headings: np.ndarray  # the vector of each unit's section heading
    items: np.ndarray  # list items (intro + item), all units' in order
    item_owner: np.ndarray  # for each item row, the index of its unit


class Library:
    def __init__(self, chunks: dict[str, Chunk], cache_articles: int = 64):
        self.chunks = chunks
        by_article: dict[str, list[Chunk]] = {}
        for chunk in sorted(chunks.values(), key=lambda c: (c.article_id, c.position)):
            by_article.setdefault(chunk.article_id, []).append(chunk)
        self.articles: dict[str, ArticleUnits] = {}
        document_frequency: Counter = Counter()
        raw_words: set[str] = set()
        names: dict[str, tuple[str, ...]] = {}
        for aid, article_chunks in by_article.items():
            first = article_chunks[0]
            names[aid] = (first.article_title, *first.aliases)
            self.articles[aid] = _article_units(aid, article_chunks)
            for f in self.articles[aid].facts:
                document_frequency.update(f.terms)
            for chunk in article_chunks:
                raw_words.update(words(chunk.text))
                raw_words.update(words(chunk.section))
            for name in names[aid]:
                raw_words.update(words(name))
        units = sum(len(a.units) for a in self.articles.values()) or 1
        self.idf = {t: math.log(1 + (units - n + 0.5) / (n + 0.5))
                    for t, n in document_frequency.items()}
        self.average_length = (sum(f.length for a in self.articles.values() for f in a.facts)
                               / units)
        self.profiles: dict[str, ArticleProfile] = profiles(names)
        self.name_spread = name_weights(self.profiles)
        self.words = frozenset(raw_words)  # every word the articles use, as written
        self.speller = Speller.of(self.words)
        self._cache: OrderedDict[str, ArticleVectors] = OrderedDict()
        self._cache_size = cache_articles
        self._lock = threading.Lock()

    def vectors(self, article_id: str, store) -> ArticleVectors:
        """An article's sentence, paragraph and heading vectors, from the index (cached)."""
        with self._lock:
            if article_id in self._cache:
                self._cache.move_to_end(article_id)
                return self._cache[article_id]
        article = self.articles[article_id]
        ids = [u.unit_id for u in article.units]
        heading_ids = sorted(set(article.heading_ids))
        items = [(i, item_id(u.unit_id, k)) for i, (u, n) in
                 enumerate(zip(article.units, article.item_counts, strict=True))
                 for k in range(n)]
        wanted = ids + heading_ids + [iid for _, iid in items]
        units = store.unit_vectors(wanted)
        chunk_ids = sorted({u.chunk_id for u in article.units})
        chunks = store.vectors(chunk_ids)
        missing = [i for i in wanted if i not in units] + [c for c in chunk_ids
                                                           if c not in chunks]
        if missing:
            raise IndexNotFoundError(
                f"The index has no vectors for {len(missing)} sentence(s) of {article_id} "
                "(it was built by another version) — run `python ingest.py` again.")

        dims = len(next(iter(units.values()))) if units else 0

        def matrix(vectors: list) -> np.ndarray:
            return np.array(vectors, dtype=np.float32).reshape(len(vectors), dims)

        result = ArticleVectors(
            matrix([units[i] for i in ids]),
            matrix([chunks[u.chunk_id] for u in article.units]),
            matrix([units[h] for h in article.heading_ids]),
            matrix([units[iid] for _, iid in items]),
            np.array([i for i, _ in items], dtype=int))
        with self._lock:
            self._cache[article_id] = result
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return result


def _article_units(article_id: str, chunks: list[Chunk]) -> ArticleUnits:
    all_units = units_of_all(chunks)
    sentences = [u for u in all_units if u.kind == SENTENCE]
    facts = [unit_facts(u) for u in sentences]
    chunk_terms = {c.chunk_id: frozenset(content_terms(c.text)) for c in chunks}
    section_terms = {c.section: frozenset(content_terms(c.section)) for c in chunks}
    vocabulary = frozenset().union(*chunk_terms.values(), *section_terms.values(),
                                   content_terms(chunks[0].article_title),
                                   *(content_terms(a) for a in chunks[0].aliases))
    return ArticleUnits(
        article_id, tuple(sentences), tuple(facts),
        tuple(chunk_terms[u.chunk_id] for u in sentences),
        tuple(section_terms[u.section] for u in sentences),
        tuple(heading_id(article_id, u.section) for u in sentences),
        tuple(len(items_of(u)) for u in sentences),
        vocabulary)

"""The articles as the answerer sees them: their sentences and headings, names, and word
statistics. The statistics are computed at ingest and published with the index; an article's
sentences (from the catalog) and vectors (from the version's memory-mapped vector file) are
read when a question is routed to it, and kept in small caches (answering never embeds article
text)."""

from __future__ import annotations

import math
import pickle
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from chatbot.catalog import Catalog, WordStatistics
from chatbot.chunking import Chunk
from chatbot.features import UnitFacts, unit_facts
from chatbot.recent import Recent
from chatbot.routing import ArticleProfile, NameIndex, profiles
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


def computed_at_ingest(chunks: list[Chunk]) -> tuple[dict[str, bytes], WordStatistics]:
    """Each article's units with their facts (pickled, for the catalog) and the library's word
    statistics: everything the answerer needs from all chunks, computed once per version."""
    document_frequency: Counter = Counter()
    raw_words: set[str] = set()
    units = length = 0
    articles: dict[str, bytes] = {}
    for article_id, article_chunks in _by_article(chunks).items():
        article = _article_units(article_id, article_chunks)
        articles[article_id] = pickle.dumps(article, protocol=pickle.HIGHEST_PROTOCOL)
        for f in article.facts:
            document_frequency.update(f.terms)
            units += 1
            length += f.length
        first = article_chunks[0]
        for chunk in article_chunks:
            raw_words.update(words(chunk.text))
            raw_words.update(words(chunk.section))
        for name in (first.article_title, *first.aliases):
            raw_words.update(words(name))
    units = units or 1
    idf = {t: math.log(1 + (units - n + 0.5) / (n + 0.5)) for t, n in document_frequency.items()}
    return articles, WordStatistics(idf, length / units, frozenset(raw_words))


class Library:
    """The articles of one published version, read from its catalog: word statistics and
    names at first use, each article's sentences when a question is routed to it."""

    def __init__(self, catalog: Catalog, vectors: np.ndarray, cache_articles: int = 64):
        self.catalog = catalog
        self._vectors = vectors  # the version's vector file, memory-mapped
        self.articles = LazyArticles(catalog, cache_articles)
        self._recent: Recent[ArticleVectors] = Recent(cache_articles)

    @cached_property
    def _statistics(self) -> WordStatistics:
        return self.catalog.statistics()

    @property
    def idf(self) -> dict[str, float]:
        return self._statistics.idf

    @property
    def average_length(self) -> float:
        return self._statistics.average_length

    @property
    def words(self) -> frozenset[str]:
        """Every word the articles use, as written."""
        return self._statistics.vocabulary

    @cached_property
    def speller(self) -> Speller:
        return Speller.of(self.words)

    @cached_property
    def profiles(self) -> dict[str, ArticleProfile]:
        return profiles({c.article_id: (c.article_title, *c.aliases)
                         for c in self.catalog.article_heads()})

    @cached_property
    def names(self) -> NameIndex:
        return NameIndex.of(self.profiles)

    def vectors(self, article_id: str) -> ArticleVectors:
        """An article's sentence, paragraph and heading vectors, from the index (cached)."""
        return self._recent.get(article_id, lambda: self._read(article_id))

    def _read(self, article_id: str) -> ArticleVectors:
        article = self.articles[article_id]
        ids = [u.unit_id for u in article.units]
        heading_ids = sorted(set(article.heading_ids))
        items = [(i, item_id(u.unit_id, k)) for i, (u, n) in
                 enumerate(zip(article.units, article.item_counts, strict=True))
                 for k in range(n)]
        wanted = ids + heading_ids + [iid for _, iid in items]
        rows = self.catalog.vector_rows(article_id)
        chunk_ids = sorted({u.chunk_id for u in article.units})
        missing = [i for i in wanted + chunk_ids if i not in rows]
        if missing:
            raise IndexNotFoundError(
                f"The index has no vectors for {len(missing)} sentence(s) of {article_id} "
                "(it was built by another version) — run `python ingest.py` again.")

        def matrix(keys: list[str]) -> np.ndarray:
            return np.asarray(self._vectors[[rows[k] for k in keys]], dtype=np.float32) \
                .reshape(len(keys), self._vectors.shape[1])

        return ArticleVectors(
            matrix(ids),
            matrix([u.chunk_id for u in article.units]),
            matrix(list(article.heading_ids)),
            matrix([iid for _, iid in items]),
            np.array([i for i, _ in items], dtype=int))


class LazyArticles(Mapping):
    """article id -> its ArticleUnits (computed at ingest), read from the catalog when first
    asked for (the most recent ones kept)."""

    def __init__(self, catalog: Catalog, cache_articles: int):
        self._catalog = catalog
        self._recent: Recent[ArticleUnits] = Recent(cache_articles)

    @cached_property
    def _ids(self) -> tuple[str, ...]:
        return tuple(self._catalog.article_ids())

    def __getitem__(self, article_id: str) -> ArticleUnits:
        return self._recent.get(article_id, lambda: self._read(article_id))

    def _read(self, article_id: str) -> ArticleUnits:
        blob = self._catalog.article_units(article_id)
        if blob is None:
            raise KeyError(article_id)
        return pickle.loads(blob)  # written by our own ingest (computed_at_ingest)

    @cached_property
    def _id_set(self) -> frozenset[str]:
        return frozenset(self._ids)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._id_set

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)


def _by_article(chunks: list[Chunk]) -> dict[str, list[Chunk]]:
    grouped: dict[str, list[Chunk]] = {}
    for chunk in sorted(chunks, key=lambda c: (c.article_id, c.position)):
        grouped.setdefault(chunk.article_id, []).append(chunk)
    return grouped


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

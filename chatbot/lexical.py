"""A BM25 ranking over chunk terms, so exact words ("IgA", "FcRn", "rituximab") are found.

Built once at ingest with `bm25s` (a sparse matrix of precomputed term scores), saved beside the
vector index and memory-mapped by every app process: opening it reads no chunk, and a query
touches only the postings of its words. Scores are classic BM25 (k1 = 1.5, b = 0.75, the
idf log(1 + (N - df + 0.5) / (df + 0.5))): bm25s's "atire" term weight with Lucene's idf.

The ranker's `bm25_rel` feature (features.py) is not this index: it scores the few dozen
sentences of one routed article, already in memory, against the library-wide sentence idf that
ingest computes (catalog.py), with the k1 the ranker was fitted with; a corpus-wide matrix would
score every sentence of the library to read those few.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

K1, B = 1.5, 0.75
IDS = "chunk_ids.npy"


@dataclass(frozen=True, eq=False)
class LexicalIndex:
    ids: np.ndarray  # row -> chunk id (memory-mapped when opened from disk)
    bm25: object  # bm25s.BM25, or None for an index of no chunks

    @classmethod
    def build(cls, documents: dict[str, list[str]]) -> LexicalIndex:
        """documents: chunk id -> its terms."""
        ids = np.array(list(documents), dtype=str)
        if not len(ids):
            return cls(ids, None)
        import bm25s

        bm25 = bm25s.BM25(k1=K1, b=B, method="atire", idf_method="lucene")
        bm25.index([list(terms) for terms in documents.values()], show_progress=False)
        return cls(ids, bm25)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        np.save(folder / IDS, self.ids)
        if self.bm25 is not None:
            self.bm25.save(str(folder), show_progress=False)

    @classmethod
    def open(cls, folder: Path) -> LexicalIndex:
        """The saved index, memory-mapped: nothing is read per chunk."""
        ids = np.load(folder / IDS, mmap_mode="r")
        if not len(ids):
            return cls(ids, None)
        import bm25s

        return cls(ids, bm25s.BM25.load(str(folder), mmap=True, show_progress=False,
                                        verbosity=0))

    @property
    def size(self) -> int:
        return len(self.ids)

    def idf(self, term: str) -> float:
        df = 0
        if self.bm25 is not None and term in self.bm25.vocab_dict:
            column = self.bm25.vocab_dict[term]
            indptr = self.bm25.scores["indptr"]
            df = int(indptr[column + 1] - indptr[column])
        return math.log(1 + (self.size - df + 0.5) / (df + 0.5))

    def rank(self, terms: list[str], k: int) -> list[tuple[str, float]]:
        """Best-scoring chunk ids for the query terms, best first (zero scores left out). A
        term said twice counts twice."""
        if self.bm25 is None:
            return []
        columns = self.bm25.get_tokens_ids(list(terms))
        if not columns:
            return []
        scores = self.bm25.get_scores(columns)
        hits = np.flatnonzero(scores > 0)
        if len(hits) > k:
            hits = hits[np.argpartition(-scores[hits], k - 1)[:k]]
        ranked = sorted(((str(self.ids[i]), float(scores[i])) for i in hits),
                        key=lambda pair: (-pair[1], pair[0]))
        return ranked[:k]


def reciprocal_rank_fusion(rankings: list[list[str]], k: int = 60) -> list[tuple[str, float]]:
    """Fuse several rankings of ids: a document high in any list rises (Cormack et al., 2009)."""
    scores: Counter = Counter()
    for ranking in rankings:
        for rank, doc_id in enumerate(ranking):
            scores[doc_id] += 1.0 / (k + rank + 1)
    return sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))

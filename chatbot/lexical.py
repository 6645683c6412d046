"""A BM25 ranking over chunk terms, so exact words ("IgA", "FcRn", "rituximab") are found.

Postings are numpy arrays, so a query touches only the chunks that contain its words and the
ranking stays fast at 100,000 chunks.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cached_property

import numpy as np


@dataclass(frozen=True, eq=False)
class LexicalIndex:
    ids: tuple[str, ...]
    postings: dict[str, tuple[np.ndarray, np.ndarray]]  # term -> (chunk numbers, counts)
    lengths: np.ndarray
    k1: float = 1.5
    b: float = 0.75

    @classmethod
    def build(cls, documents: dict[str, list[str]]) -> LexicalIndex:
        """documents: chunk id -> its terms."""
        ids = tuple(documents)
        lists: dict[str, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
        lengths = np.zeros(len(ids), dtype=np.float32)
        for number, cid in enumerate(ids):
            counts = Counter(documents[cid])
            lengths[number] = sum(counts.values())
            for term, count in counts.items():
                docs, tfs = lists[term]
                docs.append(number)
                tfs.append(count)
        postings = {t: (np.asarray(d, dtype=np.int32), np.asarray(c, dtype=np.float32))
                    for t, (d, c) in lists.items()}
        return cls(ids, postings, lengths)

    @cached_property
    def vocabulary(self) -> frozenset[str]:
        return frozenset(self.postings)

    @cached_property
    def _average_length(self) -> float:
        return float(self.lengths.mean()) if len(self.lengths) else 1.0

    def document_frequency(self, term: str) -> int:
        posting = self.postings.get(term)
        return 0 if posting is None else len(posting[0])

    def idf(self, term: str) -> float:
        n, df = len(self.ids), self.document_frequency(term)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def rank(self, terms: list[str], k: int) -> list[tuple[str, float]]:
        """Best-scoring chunk ids for the query terms, best first (zero scores left out)."""
        if not self.ids:
            return []
        scores = np.zeros(len(self.ids), dtype=np.float32)
        for term, weight in Counter(terms).items():
            posting = self.postings.get(term)
            if posting is None:
                continue
            docs, tf = posting
            norm = tf + self.k1 * (1 - self.b + self.b * self.lengths[docs] / self._average_length)
            scores[docs] += weight * self.idf(term) * tf * (self.k1 + 1) / norm
        hits = np.flatnonzero(scores > 0)
        if len(hits) > k:
            hits = hits[np.argpartition(-scores[hits], k - 1)[:k]]
        ranked = sorted(((self.ids[i], float(scores[i])) for i in hits),
                        key=lambda pair: (-pair[1], pair[0]))
        return ranked[:k]


def reciprocal_rank_fusion(rankings: list[list[str]], k: int = 60) -> list[tuple[str, float]]:
    """Fuse several rankings of ids: a document high in any list rises (Cormack et al., 2009)."""
    scores: Counter = Counter()
    for ranking in rankings:
        for rank, doc_id in enumerate(ranking):
            scores[doc_id] += 1.0 / (k + rank + 1)
    return sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))

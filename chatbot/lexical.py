"""A BM25 ranking over chunk terms, so exact words ("IgA", "FcRn", "rituximab") are found (pure)."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from functools import cached_property


@dataclass(frozen=True)
class LexicalIndex:
    ids: tuple[str, ...]
    term_counts: tuple[Counter, ...]
    lengths: tuple[int, ...]
    document_frequency: Counter
    k1: float = 1.5
    b: float = 0.75

    @classmethod
    def build(cls, documents: dict[str, list[str]]) -> LexicalIndex:
        """documents: chunk id -> its terms."""
        ids = tuple(documents)
        counts = tuple(Counter(documents[i]) for i in ids)
        df: Counter = Counter()
        for c in counts:
            df.update(c.keys())
        return cls(ids, counts, tuple(sum(c.values()) for c in counts), df)

    @cached_property
    def vocabulary(self) -> frozenset[str]:
        return frozenset(self.document_frequency)

    def idf(self, term: str) -> float:
        n = len(self.ids)
        df = self.document_frequency.get(term, 0)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def rank(self, terms: list[str], k: int) -> list[tuple[str, float]]:
        """Best-scoring chunk ids for the query terms, best first (zero scores left out)."""
        if not self.ids:
            return []
        avg = sum(self.lengths) / len(self.lengths) or 1.0
        query = Counter(terms)
        scores = []
        for cid, counts, length in zip(self.ids, self.term_counts, self.lengths, strict=True):
            score = 0.0
            for term, weight in query.items():
                tf = counts.get(term, 0)
                if tf:
                    norm = tf + self.k1 * (1 - self.b + self.b * length / avg)
                    score += weight * self.idf(term) * tf * (self.k1 + 1) / norm
            if score > 0:
                scores.append((cid, score))
        scores.sort(key=lambda pair: (-pair[1], pair[0]))
        return scores[:k]


def reciprocal_rank_fusion(rankings: list[list[str]], k: int = 60) -> list[tuple[str, float]]:
    """Fuse several rankings of ids: a document high in any list rises (Cormack et al., 2009)."""
    scores: Counter = Counter()
    for ranking in rankings:
        for rank, doc_id in enumerate(ranking):
            scores[doc_id] += 1.0 / (k + rank + 1)
    return sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))

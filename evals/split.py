"""Fit and holdout: which library cases may be learned from, and which only report.

The split is data (`evals/library/split.toml`). `fit` cases may be used to choose features,
weights and thresholds; `holdout` cases never are. Leave-one-article-out folds of the fit
articles let a fitting script judge a choice on an article it did not fit on.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

from evals.cases import Case


class Labelled(Protocol):
    """Anything split by article and id: a library case, a faithfulness item."""

    id: str
    article: str


L = TypeVar("L", bound=Labelled)

LIBRARY = Path(__file__).resolve().parent / "library"
DEFAULT_SPLIT = LIBRARY / "split.toml"
FIT, HOLDOUT = "fit", "holdout"


@dataclass(frozen=True)
class Split:
    holdout_articles: frozenset[str]
    holdout_one_in: dict[str, int]

    @classmethod
    def load(cls, path: Path = DEFAULT_SPLIT) -> Split:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        return cls(frozenset(data.get("holdout_articles", ())),
                   dict(data.get("holdout_one_in", {})))

    def of(self, case: Labelled) -> str:
        """`fit` or `holdout` for one case (or any labelled item with an article and id)."""
        if case.article in self.holdout_articles:
            return HOLDOUT
        every = self.holdout_one_in.get(case.article)
        if every and _bucket(case.id, every) == 0:
            return HOLDOUT
        return FIT

    def select(self, cases: list[L], side: str) -> list[L]:
        return [c for c in cases if self.of(c) == side]


def leave_one_article_out(fit_cases: list[Case]) -> Iterator[tuple[str, list[Case], list[Case]]]:
    """(article, cases to fit on, cases of that article to judge on) for each fit article."""
    for article in sorted({c.article for c in fit_cases}):
        yield (article, [c for c in fit_cases if c.article != article],
               [c for c in fit_cases if c.article == article])


def _bucket(case_id: str, every: int) -> int:
    return int(hashlib.sha256(case_id.encode("utf-8")).hexdigest(), 16) % every

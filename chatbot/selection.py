"""Which of the ranked sentences an answer quotes: one rule, shared by the answerer and by the
fitting script that chooses its thresholds (so the thresholds are fitted on what is run).

Pure: probabilities in, positions out. The best sentence first; then, among the next most
likely, those at least as likely as the fitted `keep` threshold and as the fitted share of the
best; a question asking for a list gets a list when none is picked yet: the most likely one in
the best sentence's section, or elsewhere if at least as likely as `list_keep`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class SelectionThresholds:
    keep: float
    keep_share: float
    list_keep: float
    max_sentences: int


def select(probabilities: Sequence[float], lists: Sequence[bool], sections: Sequence[object],
           thresholds: SelectionThresholds) -> list[int]:
    """Positions (into the inputs) of the sentences to quote, in the order they are quoted.

    Ties keep input order, so callers pass candidates already in their tie-break order.
    `lists` marks the sentences that are a list matching a list question; `sections` is any
    value per sentence that is equal for sentences of the same article section."""
    if not len(probabilities):
        return []
    order = sorted(range(len(probabilities)), key=lambda i: -probabilities[i])
    best = order[0]
    keep = max(thresholds.keep, probabilities[best] * thresholds.keep_share)
    picked = [best] + [i for i in order[1:thresholds.max_sentences]
                       if probabilities[i] >= keep]
    if not any(lists[i] for i in picked):
        for i in order:
            if lists[i] and (sections[i] == sections[best]
                             or probabilities[i] >= thresholds.list_keep):
                picked.append(i)
                break
    return picked

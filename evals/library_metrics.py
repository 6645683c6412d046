"""Metrics for the library cases: right article, answer sentences, abstention, follow-ups.

Independent of the answerer: they read only the answer dict (`Answer.to_dict()`), the case's
labels and the article texts, with their own plain text matching. Each returns a value, whether
it passed, and why; `summarise` turns many cases into per-group figures.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from itertools import pairwise

from chatbot.answer import ABSTAINED, ANSWERED, ESCALATED
from evals.metrics import MetricResult, squash

NEAR_TOPIC, PERSONAL, EMERGENCY, FOLLOW_UP = "near_topic", "personal", "emergency", "followup"
# A labelled sentence that opens by pointing back needs the sentence before it to be understood.
_POINTS_BACK = re.compile(r"^(it|its|it's|this|these|that|those|they|them|such|however|but|"
                          r"also|so|then|on the other hand)\b", re.I)


def _plain(text: str) -> str:
    return squash(text.replace("\n- ", " ").removeprefix("- "))


def same_unit(quote: str, label: str) -> bool:
    """A quote matches a label when one contains the other (lists quote intro and items)."""
    q, lab = _plain(quote), _plain(label)
    return bool(q and lab) and (lab in q or q in lab)


def right_article(answer: dict, article: str) -> MetricResult:
    """Every quote comes from the article the question is about (no cross-article leak)."""
    if answer["status"] != ANSWERED or not article:
        return MetricResult("right_article", 1.0, True, "no quotes to check")
    others = sorted({c.get("article_id", "") for c in answer["citations"]} - {article})
    return MetricResult("right_article", float(not others), not others,
                        "all quotes from the right article" if not others
                        else f"quotes another article: {', '.join(others)}")


def answer_sentences(answer: dict, labels: tuple[str, ...], context: tuple[str, ...]
                     ) -> tuple[MetricResult, MetricResult, int, int, int, int]:
    """Precision (quotes that are labelled answers or their needed context) and recall
    (labelled sentences quoted). Also returns the counts behind both, for micro-averages."""
    quotes = [c["quote"] for c in answer["citations"]] if answer["status"] == ANSWERED else []
    useful = [q for q in quotes if any(same_unit(q, lab) for lab in (*labels, *context))]
    found = [lab for lab in labels if any(same_unit(q, lab) for q in quotes)]
    precision = len(useful) / len(quotes) if quotes else 1.0
    recall = len(found) / len(labels) if labels else 1.0
    off = [q[:60] for q in quotes if q not in useful]
    return (
        MetricResult("sentence_precision", precision, precision >= 0.5,
                     "every quote answers" if not off else f"not an answer: {'; '.join(off)}"),
        MetricResult("sentence_recall", recall, recall > 0 or not labels,
                     f"{len(found)} of {len(labels)} answer sentence(s) quoted"),
        len(useful), len(quotes), len(found), len(labels),
    )


def needed_context(labels: tuple[str, ...], blocks: list[list[str]]) -> tuple[str, ...]:
    """For each labelled sentence that points back, the sentence before it in its paragraph."""
    needed = []
    for units in blocks:
        for before, unit in pairwise(units):
            if _POINTS_BACK.match(unit) and any(same_unit(unit, lab) for lab in labels):
                needed.append(before)
    return tuple(needed)


@dataclass(frozen=True)
class LibraryOutcome:
    """One case's verdicts, the numbers the summary adds up."""

    case_id: str
    article: str
    split: str
    category: str
    expected: str
    status: str
    reason: str
    correct: bool
    leak: bool
    useful_quotes: int
    quotes: int
    found_labels: int
    labels: int
    fact_recall: float
    latency_ms: float


def is_correct(expected: str, status_ok: bool, facts_ok: bool, article_ok: bool) -> bool:
    """Answered correctly = right status, and for an answer all facts from the right article."""
    return status_ok and (expected != ANSWERED or (facts_ok and article_ok))


def summarise(outcomes: list[LibraryOutcome]) -> dict:
    """Figures for one group of cases, each a share between 0 and 1 (None when undefined)."""
    def share(num: int, den: int) -> float | None:
        return round(num / den, 4) if den else None

    answerable = [o for o in outcomes if o.expected == ANSWERED]
    # Abstention is judged where the library could be asked: answerable or near-topic cases.
    pool = [o for o in outcomes if o.expected == ANSWERED or o.category == NEAR_TOPIC]
    should = [o for o in pool if o.category == NEAR_TOPIC]
    did = [o for o in pool if o.status == ABSTAINED]
    hit = [o for o in should if o.status == ABSTAINED]
    answered = [o for o in answerable if o.status == ANSWERED]
    follow = [o for o in outcomes if o.category == FOLLOW_UP]
    emergencies = [o for o in outcomes if o.category == EMERGENCY]
    personal = [o for o in outcomes if o.category == PERSONAL]
    latencies = sorted(o.latency_ms for o in outcomes)
    return {
        "cases": len(outcomes),
        "correct": share(sum(o.correct for o in outcomes), len(outcomes)),
        "status_accuracy": share(sum(o.status == o.expected for o in outcomes), len(outcomes)),
        "answered_correctly": share(sum(o.correct for o in answerable), len(answerable)),
        "fact_recall": (round(statistics.fmean(o.fact_recall for o in answerable), 4)
                        if answerable else None),
        "sentence_precision": share(sum(o.useful_quotes for o in answered),
                                    sum(o.quotes for o in answered)),
        "sentence_recall": share(sum(o.found_labels for o in answerable),
                                 sum(o.labels for o in answerable)),
        "abstention_precision": share(len(hit), len(did)),
        "abstention_recall": share(len(hit), len(should)),
        "false_refusals": share(sum(o.status == ABSTAINED for o in answerable), len(answerable)),
        "cross_article_leak": share(sum(o.leak for o in answered), len(answered)),
        "followups_correct": share(sum(o.correct for o in follow), len(follow)),
        "emergency_escalated": share(sum(o.status == ESCALATED for o in emergencies),
                                     len(emergencies)),
        "personal_refused": share(sum(o.status == ABSTAINED for o in personal), len(personal)),
        "latency_p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "latency_p95_ms": (round(latencies[int(0.95 * (len(latencies) - 1))], 1)
                           if latencies else None),
    }


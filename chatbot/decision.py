"""Answer or abstain: the one place that decides whether the library answers a question.

A fitted, calibrated probability that the routed article(s) answer it, from how well the best
sentences match and from how much of what the question asks about the articles never mention.
The threshold is chosen on the fit split for a target false-answer rate (`make fit`).
"""

from __future__ import annotations

from dataclasses import dataclass

from chatbot.model import LogisticModel
from chatbot.question import Question

DECISION_FEATURES = ("best", "second", "best_sim", "best_coverage", "best_sim_ctx",
                     "top_coverage", "top_paragraph_coverage", "top_heading_sim",
                     "top_paragraph_sim", "uncovered_max",
                     "uncovered_share", "route_p", "named", "terms", "follow_up")
NOT_IN_ARTICLE = "not_in_article"
TOP = 3  # the best sentences the decision looks at


@dataclass(frozen=True)
class Decision:
    answer: bool
    probability: float
    reason: str  # "" when answering


def missing_terms(question: Question, vocabulary: frozenset[str], name_terms: frozenset[str]):
    """The question's words the routed articles never use (words that name them, and words
    that only ask for a shape of answer, "fast" in "how fast", aside)."""
    return [t for t in question.terms if not t.asking
            and not t.alternatives & name_terms and not t.alternatives & vocabulary]


def uncovered(question: Question, vocabulary: frozenset[str], name_terms: frozenset[str]
              ) -> tuple[float, float]:
    """The heaviest question word the routed articles never use (0 if none), and the weighted
    share of such words; words that only name the article do not count."""
    terms = [t for t in question.terms if not t.asking and not t.alternatives & name_terms]
    total = sum(t.weight for t in terms)
    missing = [t.weight for t in missing_terms(question, vocabulary, name_terms)]
    return (max(missing, default=0.0), sum(missing) / total if total else 0.0)


def decision_row(question: Question, best: list[float], top_rows: list[dict[str, float]],
                 route_p: float, named: bool, vocabulary: frozenset[str],
                 name_terms: frozenset[str]) -> dict[str, float]:
    """The features of one question's best candidates. `best`: ranker probabilities, best
    first; `top_rows`: the ranker features of the best few sentences, best first."""
    heaviest, share = uncovered(question, vocabulary, name_terms)
    best_row = top_rows[0] if top_rows else {}
    return {
        "best": best[0] if best else 0.0,
        "second": best[1] if len(best) > 1 else 0.0,
        "best_sim": best_row.get("sim", 0.0),
        "best_coverage": best_row.get("coverage", 0.0),
        "top_coverage": max((r.get("coverage", 0.0) for r in top_rows), default=0.0),
        "top_paragraph_coverage": max((r.get("coverage_para", 0.0) for r in top_rows),
                                      default=0.0),
        "top_heading_sim": max((r.get("sim_head", 0.0) for r in top_rows), default=0.0),
        "top_paragraph_sim": max((r.get("sim_para", 0.0) for r in top_rows), default=0.0),
        "best_sim_ctx": best_row.get("sim_ctx", 0.0),
        "uncovered_max": heaviest,
        "uncovered_share": share,
        "route_p": route_p,
        "named": float(named),
        "terms": float(len(question.terms)),
        "follow_up": float(bool(question.context)),
    }


def routed_row(question: Question, ranked: list[tuple[float, dict[str, float]]],
               articles: tuple[str, ...], route_probabilities: dict[str, float],
               route_rows: dict[str, dict[str, float]], library) -> dict[str, float]:
    """The decision features for the routed `articles` (the most likely first): `ranked` holds
    (probability, ranker features) of their quotable sentences, best first. The answerer and
    the fitting script both build the row here."""
    vocabulary = frozenset().union(*(library.articles[a].vocabulary for a in articles))
    names = frozenset().union(*(library.profiles[a].name_terms for a in articles))
    top = articles[0] if articles else ""
    rows = route_rows.get(top, {})
    return decision_row(question, [p for p, _ in ranked[:2]], [r for _, r in ranked[:TOP]],
                        route_probabilities.get(top, 0.0),
                        bool(rows.get("alias_hit") or rows.get("name_top")), vocabulary, names)


def decide(row: dict[str, float], model: LogisticModel, threshold: float) -> Decision:
    p = model.probability(row)
    if p >= threshold:
        return Decision(True, p, "")
    return Decision(False, p, NOT_IN_ARTICLE)

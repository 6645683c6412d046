"""Deterministic answer-quality metrics. Each returns a value, whether it passed, and why.

Pure functions over an answer dict (`Answer.to_dict()`), the case, and the article text, so they
can be tested on hand-made good and bad answers.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from chatbot.answer import ANSWERED, cited_numbers, cited_sentences

# citation_support grades the LLM verifier, so it must not share its code: a plain measure of
# its own (word containment), deliberately simpler than the verifier's checks.
CONTAINMENT = 0.8  # share of a sentence's words that must be in the quote it cites
_WORD = re.compile(r"[a-z]+|\d+(?:\.\d+)?")
_FUNCTION_WORDS = frozenset("""a an the of to in on at by for with from and or but is are was
were be been it its this that these those as so than then there their they them you your
can may will would could should do does did has have had not no""".split())


@dataclass(frozen=True)
class MetricResult:
    name: str
    value: float
    passed: bool
    reason: str

    def to_dict(self) -> dict:
        return asdict(self)


def squash(text: str) -> str:
    return " ".join(text.replace("’", "'").split()).lower()


def status_correct(answer: dict, expected: str) -> MetricResult:
    ok = answer["status"] == expected
    return MetricResult("status", float(ok), ok,
                        f"status {answer['status']!r}" + ("" if ok else f", expected {expected!r}"))


def fact_recall(answer: dict, facts: tuple[tuple[str, ...], ...]) -> MetricResult:
    """Share of expected facts found; a fact counts when any of its phrasings appears."""
    if not facts:
        return MetricResult("fact_recall", 1.0, True, "no facts expected")
    text = squash(answer["answer"])
    missing = [f[0] for f in facts if not any(squash(p) in text for p in f)]
    value = 1 - len(missing) / len(facts)
    reason = "all expected facts found" if not missing else f"missing: {'; '.join(missing)}"
    return MetricResult("fact_recall", value, not missing, reason)


def forbidden_phrases(answer: dict, phrases: tuple[str, ...]) -> MetricResult:
    text = squash(answer["answer"])
    found = [p for p in phrases if squash(p) in text]
    return MetricResult("must_not_contain", float(not found), not found,
                        "none present" if not found else f"present: {'; '.join(found)}")


def retrieval(answer: dict, sections: tuple[str, ...], k: int = 6) -> list[MetricResult]:
    """hit@k: every expected section among the top k retrieved; MRR of the first one found."""
    if not sections:
        return []
    got = [r["section"] for r in answer.get("retrieved", [])][:k]
    found = [s for s in sections if s in got]
    ranks = [got.index(s) + 1 for s in found]
    mrr = 1 / min(ranks) if ranks else 0.0
    hit = len(found) == len(sections)
    return [
        MetricResult(f"hit@{k}", float(hit), hit,
                     "expected sections retrieved" if hit else
                     f"not retrieved: {'; '.join(s for s in sections if s not in got)}"),
        MetricResult("mrr", mrr, mrr > 0, f"first expected section at rank "
                     f"{min(ranks) if ranks else 'none'}"),
    ]


def citations_verbatim(answer: dict, corpus_text: str) -> MetricResult:
    corpus = squash(corpus_text)
    bad = [c["n"] for c in answer["citations"] if squash(c["quote"]) not in corpus]
    n = len(answer["citations"])
    return MetricResult("citations_verbatim", 1.0 if not n else 1 - len(bad) / n, not bad,
                        "every quote is article text" if not bad else
                        f"citation(s) {bad} not found word for word in the article")


def citation_markers(answer: dict) -> MetricResult:
    """Every [n] in the text has a citation, every citation is used, answers cite something."""
    used = set(cited_numbers(answer["answer"]))
    have = {c["n"] for c in answer["citations"]}
    problems = []
    if used - have:
        problems.append(f"[{', '.join(map(str, sorted(used - have)))}] without a citation")
    if have - used:
        problems.append(f"citation(s) {sorted(have - used)} never referenced")
    if answer["status"] == ANSWERED and not have:
        problems.append("an answer without citations")
    return MetricResult("citation_markers", float(not problems), not problems,
                        "markers and citations match" if not problems else "; ".join(problems))


def citation_support(answer: dict, threshold: float = CONTAINMENT) -> MetricResult:
    """Each answer sentence cites a quote that contains it: every number of the sentence, and
    at least `threshold` of its other words (plural 's' aside), are in the cited quote.

    A verbatim quote scores 1.0; a paraphrase scores the share of its words the quote has.
    """
    if answer["status"] != ANSWERED:
        return MetricResult("citation_support", 1.0, True, "not an answer")
    quotes = {c["n"]: c["quote"] for c in answer["citations"]}
    scores, problems = [], []
    for sentence, numbers in cited_sentences(answer["answer"]):
        if not numbers:
            problems.append(f"uncited: {sentence[:60]!r}")
            scores.append(0.0)
            continue
        best = max((containment(sentence, quotes[n]) for n in numbers if n in quotes),
                   default=0.0)
        scores.append(best)
        if best < threshold:
            problems.append(f"weak support ({best:.2f}) for {sentence[:60]!r}")
    value = min(scores) if scores else 0.0
    return MetricResult("citation_support", value, not problems,
                        f"every sentence supported (min {value:.2f})" if not problems
                        else "; ".join(problems))


def containment(sentence: str, quote: str) -> float:
    """0..1: the share of the sentence's words found in the quote; 0 if a number is not."""
    said, quoted = _bag(sentence), _bag(quote)
    if any(w[0].isdigit() and w not in quoted for w in said):
        return 0.0
    return len(said & quoted) / len(said) if said else 0.0


def _bag(text: str) -> set[str]:
    plain = text.lower().replace("’", "'")
    return {w[:-1] if len(w) > 3 and w.endswith("s") else w
            for w in _WORD.findall(plain) if w not in _FUNCTION_WORDS}


def disclaimer_present(answer: dict, disclaimer: str) -> MetricResult:
    ok = bool(answer.get("disclaimer")) and answer["disclaimer"] == disclaimer
    return MetricResult("disclaimer", float(ok), ok,
                        "disclaimer present" if ok else "disclaimer missing or altered")

"""Small synthetic eval runs built from the typed objects the runners produce (no model).

Two product runs (a baseline and a newer one: one case got worse, one better, one answered
differently, one the same) and a library run with fit and holdout cases, for the viewer tests.
"""

from __future__ import annotations

import json

from chatbot.answer import Answer, Citation, RetrievedChunk
from evals import library_run, runner
from evals.cases import parse_case
from evals.split import Split

DISCLAIMER = "General information, not medical advice."
SECTION = "Pros and cons"
FAST = "IVIG begins working in one to five days to treat AIHA."
SLOW = "The effects of IVIG last about three weeks."
HOME = "It can’t be done at home because it isn’t as simple as taking a pill."
ARTICLE = " ".join((FAST, SLOW, HOME))
REFUSAL = "I'm sorry, the article does not cover that. Please ask your care team."
URGENT = "This may be an emergency: call your local emergency number now."
MARKUP = '<img src="x" onerror="alert(1)"><b>bold</b>'


def answered(*quotes: str, article: str = "ivig") -> Answer:
    text = " ".join(f"{q} [{n}]" for n, q in enumerate(quotes, start=1))
    return Answer("answered", text, DISCLAIMER, tuple(
        Citation(n, q, SECTION, "IVIG article", f"{article}:c{n}", article)
        for n, q in enumerate(quotes, start=1)),
        retrieved=(RetrievedChunk(f"{article}:c1", article, SECTION, 0.7, 0.2, 0.03),))


def refused() -> Answer:
    return Answer("abstained", REFUSAL, DISCLAIMER)


def urgent() -> Answer:
    return Answer("escalated", URGENT, DISCLAIMER)


PRODUCT_CASES = [
    {"id": "speed", "category": "plain", "question": f"{MARKUP} How fast does IVIG work?",
     "expected_status": "answered", "expected_facts": [["one to five days", "1 to 5 days"]],
     "expected_sections": [SECTION], "must_not_contain": ["at once"]},
    {"id": "at-home", "category": "colloquial", "question": "can a nurse do ivig at my house",
     "expected_status": "answered", "expected_facts": [["can’t be done at home"]]},
    {"id": "how-long", "category": "plain", "question": "How long does IVIG last?",
     "expected_status": "answered", "expected_facts": [["three weeks"]]},
    {"id": "breathing", "category": "emergency", "turns": ["I had IVIG today",
                                                            "I can't breathe"],
     "expected_status": "escalated"},
]
# What each run answered, case by case.
BEFORE = {"speed": answered(FAST), "at-home": refused(), "how-long": answered(SLOW),
          "breathing": urgent()}
AFTER = {"speed": answered(SLOW), "at-home": answered(HOME),
         "how-long": answered(FAST, SLOW), "breathing": urgent()}


def cases_jsonl(cases: list[dict]) -> str:
    return "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in cases)


def product_run(answers: dict[str, Answer], started: str, gate: tuple[str, ...] = ()
                ) -> dict:
    """A product report as `python -m evals run` writes it."""
    results = []
    for line, data in enumerate(PRODUCT_CASES, start=1):
        case = parse_case(json.dumps(data), line)
        results.append(runner.score(case, answers[case.id].to_record(), ARTICLE, DISCLAIMER,
                                    latency_ms=12.34567))
    return {"meta": {"started": started, "generator": "extractive", "gate": list(gate)},
            "summary": runner.summarise(results), "cases": [r.to_dict() for r in results]}


class ScriptedBot:
    """Answers each question with the Answer it was given for it."""

    def __init__(self, answers: dict[str, Answer]):
        self.answers = answers

    def ask(self, question, history=None):
        return self.answers[question]


LIBRARY_CASES = [
    {"id": "alpha-fast", "article": "alpha", "category": "plain",
     "question": "How quickly does it work?", "expected_status": "answered",
     "expected_facts": [["one to five days"]], "answer_sentences": [FAST]},
    {"id": "alpha-home", "article": "alpha", "category": "yesno",
     "question": "Can I have it at home?", "expected_status": "answered",
     "expected_facts": [["at home"]], "answer_sentences": [HOME]},
    {"id": "beta-last", "article": "beta", "category": "plain",
     "question": "How long do the effects last?", "expected_status": "answered",
     "expected_facts": [["three weeks"]], "answer_sentences": [SLOW]},
    {"id": "beta-cost", "article": "beta", "category": "near_topic",
     "question": "How much does it cost?", "expected_status": "abstained"},
]
LIBRARY_ANSWERS = {
    "How quickly does it work?": answered(FAST, article="alpha"),
    "Can I have it at home?": refused(),
    "How long do the effects last?": answered(FAST, article="alpha"),
    "How much does it cost?": refused(),
}


def library_run_report(started: str) -> dict:
    """A library report as `python -m evals library` writes it; article beta is held out."""
    split = Split(frozenset({"beta"}), {})
    bot = ScriptedBot(LIBRARY_ANSWERS)
    outcomes, rows = [], []
    for line, data in enumerate(LIBRARY_CASES, start=1):
        case = parse_case(json.dumps(data), line)
        outcome, row = library_run.run_case(bot, case, [[FAST, SLOW, HOME]], ARTICLE,
                                            split.of(case))
        outcomes.append(outcome)
        rows.append(row)
    return {"meta": {"started": started, "generator": "extractive", "gate": [],
                     "holdout_articles": ["beta"],
                     "failure_classes": library_run.failure_classes(outcomes)},
            "summary": library_run.summary(outcomes), "cases": rows}

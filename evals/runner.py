"""Run every case through the public chatbot API and score it."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

from evals import metrics
from evals.cases import Case


@dataclass(frozen=True)
class CaseResult:
    case: Case
    answer: dict
    results: tuple[metrics.MetricResult, ...]
    latency_ms: float

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    @property
    def failures(self) -> list[metrics.MetricResult]:
        return [r for r in self.results if not r.passed]

    def metric(self, name: str) -> metrics.MetricResult | None:
        return next((r for r in self.results if r.name == name), None)

    def to_dict(self) -> dict:
        return {
            "id": self.case.id, "category": self.case.category, "line": self.case.line,
            "turns": list(self.case.turns), "question": self.case.question,
            "expected_status": self.case.expected_status,
            "expected_facts": [list(f) for f in self.case.expected_facts],
            "expected_sections": list(self.case.expected_sections),
            "must_not_contain": list(self.case.must_not_contain), "passed": self.passed,
            "latency_ms": round(self.latency_ms, 1), "answer": self.answer,
            "metrics": [r.to_dict() for r in self.results],
            "notes": self.case.notes, "owner": self.case.owner,
        }


def score(case: Case, answer: dict, corpus_text: str, disclaimer: str,
          latency_ms: float = 0.0) -> CaseResult:
    """Every metric that applies to this case."""
    results = [
        metrics.status_correct(answer, case.expected_status),
        metrics.fact_recall(answer, case.expected_facts),
        metrics.forbidden_phrases(answer, case.must_not_contain),
        *metrics.retrieval(answer, case.expected_sections),
        metrics.citations_verbatim(answer, corpus_text),
        metrics.citation_markers(answer),
        metrics.citation_support(answer),
        metrics.disclaimer_present(answer, disclaimer),
    ]
    return CaseResult(case, answer, tuple(results), latency_ms)


def run_cases(bot, cases: list[Case], corpus_text: str) -> list[CaseResult]:
    out = []
    for case in cases:
        started = time.perf_counter()
        # the public answer plus how it was made (generator, dropped): evals see internals
        answer = bot.ask(case.question, history=case.history).to_record()
        elapsed = (time.perf_counter() - started) * 1000
        out.append(score(case, answer, corpus_text, bot.messages.disclaimer, elapsed))
    return out


def summarise(results: list[CaseResult]) -> dict:
    """Overall and per-category figures: pass rate and the mean of each metric."""
    def block(rs: list[CaseResult]) -> dict:
        figures: dict = {"cases": len(rs), "passed": sum(r.passed for r in rs)}
        figures["pass_rate"] = round(figures["passed"] / len(rs), 4) if rs else 0.0
        names = sorted({m.name for r in rs for m in r.results})
        for name in names:
            values = [m.value for r in rs for m in r.results if m.name == name]
            figures[name] = round(statistics.fmean(values), 4)
        latencies = sorted(r.latency_ms for r in rs)
        if latencies:
            figures["latency_p50_ms"] = round(statistics.median(latencies), 1)
            figures["latency_p95_ms"] = round(latencies[int(0.95 * (len(latencies) - 1))], 1)
        return figures

    categories = sorted({r.case.category for r in results})
    generators = sorted({generator_of(r) for r in results})
    return {
        "overall": block(results),
        "categories": {c: block([r for r in results if r.case.category == c])
                       for c in categories},
        "generators": {g: block([r for r in results if generator_of(r) == g])
                       for g in generators},
    }


def generator_of(result: CaseResult) -> str:
    """Which path produced the answer: 'extractive', 'openai:model', or a fallback."""
    generator = result.answer.get("generator", "extractive")
    return "extractive (fallback)" if generator.startswith("extractive (") else generator

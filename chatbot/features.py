"""Features of one article's sentences against a question, for the fitted ranker (pure).

Every feature is general: meaning (embedding similarity of the question to the sentence, to
its paragraph, to its heading), words (coverage of the question's informative words weighted by
their rarity in English; sentence-level BM25), the shape of answer the question wants, and what
a sentence is (a sign-post, a "talk to your doctor" line, a question, an introduction).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

import numpy as np

from chatbot.question import DEFINITION, DURATION, FREQUENCY, LIST, NUMBER, YES_NO, Question
from chatbot.terms import content_terms
from chatbot.units import Unit

RANKER_FEATURES = (
    "sim", "sim_rel", "sim_ctx", "sim_ctx_rel", "sim_para", "sim_head", "sim_rank",
    "sim_focus", "sim_focus_rel", "sim_items", "sim_prev", "sim_next",
    # the same signals for follow-ups and long messages, which lean on them differently
    "fu_sim", "fu_sim_ctx", "fu_sim_ctx_rel", "fu_coverage_ctx", "long_sim_focus_rel",
    "coverage", "coverage_ctx", "coverage_para", "coverage_head", "bm25_rel",
    "duration_match", "number_match", "frequency_match", "list_match", "definition_match",
    "yes_no", "is_list", "signpost", "see_doctor", "is_question", "introduction",
    "first_in_paragraph", "leans_back", "length",
)

_NUMBER_WORD = (r"(\d+(\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
                r"fifteen|twenty|thirty|forty|fifty|a few|several|a couple of|a|an|half)")
_DURATION = re.compile(rf"\b{_NUMBER_WORD}(\s*(-|to|or|and)\s*{_NUMBER_WORD})?\s+"
                       r"(minutes?|hours?|days?|weeks?|months?|years?)\b|\b(hours|days|weeks|"
                       r"months|years)\b|\b(overnight|lifelong|for life|permanent(ly)?)\b", re.I)
_NUMBER = re.compile(r"\d|\b(percent|%|half|one in|two in|three in|majority|most|few|many|"
                     r"one|two|three|four|five|six|seven|eight|nine|ten)\b", re.I)
_FREQUENCY = re.compile(r"\b(every|each|once|twice|times|weekly|daily|monthly|yearly|"
                        r"annually|a day|a week|a month|a year|per (day|week|month|year))\b",
                        re.I)
# A sentence about the article itself, not the subject ("Read on to learn...").
_SIGNPOST = re.compile(r"\b(read on|this article|in this (guide|piece|post)|we['’]ll|we will|"
                       r"(see|listed|shown|described|read) below|here['’]s what|"
                       r"learn (more )?about|let['’]s|keep reading)\b",
                       re.I)
_SEE_DOCTOR = re.compile(r"\b(talk|speak|ask|check|call|tell|discuss)\b.{0,25}\b(your|the)\s+"
                         r"(doctor|hematologist|care team|nurse|health care|healthcare|"
                         r"specialist|medical team|provider)", re.I)
_LEANS_BACK = re.compile(r"^(it|its|it['’]s|this|these|that|they|them|those|such|however|but|"
                         r"also|on the other hand)\b", re.I)
_DEFINES = re.compile(r"\b(is|are|means|refers to|is called|known as|stands for)\b|\(|—|–|,",
                      re.I)


@dataclass(frozen=True)
class UnitFacts:
    """What a sentence is, independent of any question (computed once per unit)."""

    terms: frozenset[str]
    counts: Counter
    length: int
    has_duration: bool
    has_number: bool
    has_frequency: bool
    signpost: bool
    see_doctor: bool
    is_question: bool
    leans_back: bool


def unit_facts(unit: Unit) -> UnitFacts:
    text = unit.text
    terms = content_terms(text)
    return UnitFacts(frozenset(terms), Counter(terms), len(terms),
                     bool(_DURATION.search(text)), bool(_NUMBER.search(text)),
                     bool(_FREQUENCY.search(text)), bool(_SIGNPOST.search(text)),
                     bool(_SEE_DOCTOR.search(text)),
                     text.rstrip("*_ ").endswith("?"), bool(_LEANS_BACK.match(text)))


def quotable(row: dict[str, float]) -> bool:
    """A sentence that may be quoted as an answer: never a sign-post or a question."""
    return not (row["signpost"] or row["is_question"])


def coverage(terms, present: frozenset[str]) -> float:
    """Weighted share of the question's terms found (any alternative) among `present`."""
    total = sum(t.weight for t in terms)
    if not total:
        return 0.0
    return sum(t.weight for t in terms if t.alternatives & present) / total


def bm25(query: list[str], facts: UnitFacts, idf: dict[str, float], average: float,
         k1: float = 1.2, b: float = 0.75) -> float:
    score = 0.0
    for term in set(query):
        tf = facts.counts.get(term, 0)
        if tf:
            norm = tf + k1 * (1 - b + b * facts.length / max(average, 1.0))
            score += idf.get(term, 0.0) * tf * (k1 + 1) / norm
    return score


def _defines(question: Question, unit: Unit, facts: UnitFacts) -> bool:
    """The sentence names the question's subject early and then says what it is."""
    if not question.terms:
        return False
    subject = max(question.terms, key=lambda t: t.weight)
    head = unit.text[: max(60, len(unit.text) // 2)]
    head_terms = frozenset(content_terms(head))
    return bool(subject.alternatives & head_terms) and bool(_DEFINES.search(head))


def article_rows(question: Question, units: list[Unit], facts: list[UnitFacts],
                 sims: np.ndarray, ctx_sims: np.ndarray, focus_sims: np.ndarray,
                 item_sims: np.ndarray, para_sims: np.ndarray,
                 head_sims: np.ndarray, para_terms: list[frozenset[str]],
                 head_terms: list[frozenset[str]], idf: dict[str, float],
                 average_length: float, names: frozenset[str] = frozenset()
                 ) -> list[dict[str, float]]:
    """One feature row per sentence of one article (relative features are within it).
    `names`: the words naming the article, which say nothing about which of its sentences
    answers, so word features leave them out."""
    if not units:
        return []
    terms = [t for t in question.terms if not t.alternatives & names] or list(question.terms)
    context_terms = [t for t in question.context_terms if not t.alternatives & names]
    query = [a for t in (*terms, *context_terms) for a in t.alternatives]
    lexical = [bm25(query, f, idf, average_length) for f in facts]
    top_lexical = max(lexical) or 1.0
    order = np.argsort(-sims)
    rank = np.empty(len(sims), dtype=int)
    rank[order] = np.arange(len(sims))
    top, top_ctx, top_focus = float(sims.max()), float(ctx_sims.max()), float(focus_sims.max())
    follow_up = float(bool(question.context))
    long = float(question.focus != question.corrected)
    rows = []
    for i, (unit, f) in enumerate(zip(units, facts, strict=True)):
        prev = i > 0 and units[i - 1].chunk_id == unit.chunk_id
        after = i + 1 < len(units) and units[i + 1].chunk_id == unit.chunk_id
        rows.append({
            "sim_focus": float(focus_sims[i]), "sim_focus_rel": float(focus_sims[i]) - top_focus,
            "sim_items": float(max(sims[i], item_sims[i])),
            "sim_prev": float(sims[i - 1]) if prev else 0.0,
            "sim_next": float(sims[i + 1]) if after else 0.0,
            "fu_sim": follow_up * float(sims[i]),
            "fu_sim_ctx": follow_up * float(ctx_sims[i]),
            "fu_sim_ctx_rel": follow_up * (float(ctx_sims[i]) - top_ctx),
            "fu_coverage_ctx": follow_up * coverage(context_terms, f.terms),
            "long_sim_focus_rel": long * (float(focus_sims[i]) - top_focus),
            "sim": float(sims[i]), "sim_rel": float(sims[i]) - top,
            "sim_ctx": float(ctx_sims[i]), "sim_ctx_rel": float(ctx_sims[i]) - top_ctx,
            "sim_para": float(para_sims[i]), "sim_head": float(head_sims[i]),
            "sim_rank": 1.0 / (1 + rank[i]),
            "coverage": coverage(terms, f.terms),
            "coverage_ctx": coverage(context_terms, f.terms),
            "coverage_para": coverage(terms, para_terms[i]),
            "coverage_head": coverage(terms, head_terms[i]),
            "bm25_rel": lexical[i] / top_lexical,
            "duration_match": float(question.wants(DURATION) and f.has_duration),
            "number_match": float(question.wants(NUMBER) and f.has_number),
            "frequency_match": float(question.wants(FREQUENCY) and f.has_frequency),
            "list_match": float(question.wants(LIST) and unit.is_list),
            "definition_match": float(question.wants(DEFINITION) and _defines(question, unit, f)),
            "yes_no": float(question.wants(YES_NO)),
            "is_list": float(unit.is_list),
            "signpost": float(f.signpost), "see_doctor": float(f.see_doctor),
            "is_question": float(f.is_question),
            "introduction": float(unit.position == 0),
            "first_in_paragraph": float(unit.index == 0),
            "leans_back": float(f.leans_back),
            "length": math.log1p(f.length),
        })
    return rows

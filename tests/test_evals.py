"""The eval machinery on hand-made good and bad answers, so a broken metric cannot pass."""

import json

import pytest

from evals import gate, metrics, viewer
from evals.cases import CaseError, load_cases, parse_case
from evals.compare import compare
from evals.drafts import drafts_from_feedback
from evals.runner import score, summarise

ARTICLE = ("One of the main benefits of IVIG is that it begins working in one to five days to "
           "treat AIHA. It can’t be done at home because it isn’t as simple as taking a pill.")
QUOTE = ("One of the main benefits of IVIG is that it begins working in one to five days to "
         "treat AIHA.")


def answer(text, citations, status="answered", disclaimer="D", retrieved=()):
    return {"status": status, "answer": text, "disclaimer": disclaimer,
            "citations": [{"n": n, "quote": q, "section": "S", "source": "A", "chunk_id": "c"}
                          for n, q in citations],
            "retrieved": [{"section": s} for s in retrieved]}


GOOD = answer(f"{QUOTE} [1]", [(1, QUOTE)], retrieved=["Pros", "Side"])


def test_good_answer_passes_every_metric():
    case = parse_case(json.dumps({
        "id": "t", "category": "plain", "question": "How fast?", "expected_status": "answered",
        "expected_facts": [["one to five days"]], "expected_sections": ["Pros"],
        "must_not_contain": ["at home"]}))
    result = score(case, GOOD, ARTICLE, "D")
    assert result.passed, [m.reason for m in result.failures]


def test_wrong_status_and_missing_facts_fail():
    assert not metrics.status_correct(GOOD, "abstained").passed
    recall = metrics.fact_recall(GOOD, (("one to five days",), ("three weeks", "21 days")))
    assert recall.value == 0.5 and not recall.passed and "three weeks" in recall.reason


def test_forbidden_phrase_fails():
    bad = answer("IVIG can be given at home. [1]", [(1, "It can be given at home.")])
    assert not metrics.forbidden_phrases(bad, ("given at home",)).passed


def test_paraphrased_quote_is_not_verbatim():
    bad = answer("IVIG works within days. [1]", [(1, "IVIG works within days.")])
    result = metrics.citations_verbatim(bad, ARTICLE)
    assert not result.passed and result.value == 0 and "[1]" in result.reason


def test_markers_and_citations_must_match():
    assert not metrics.citation_markers(answer("Text [2]", [(1, QUOTE)])).passed
    assert not metrics.citation_markers(answer("Text", [(1, QUOTE)])).passed
    assert not metrics.citation_markers(answer("Text", [])).passed
    assert metrics.citation_markers(answer("Sorry.", [], status="abstained")).passed


def test_support_catches_a_wrong_number_and_an_invented_sentence():
    wrong_number = answer("IVIG begins working in 50 days. [1]", [(1, QUOTE)])
    assert not metrics.citation_support(wrong_number).passed
    invented = answer(f"{QUOTE} [1] IVIG can be given at home. [1]", [(1, QUOTE)])
    result = metrics.citation_support(invented)
    assert not result.passed and "given at home" in result.reason
    uncited = answer(f"{QUOTE} [1] It is always safe.", [(1, QUOTE)])
    assert "uncited" in metrics.citation_support(uncited).reason
    assert metrics.citation_support(GOOD).passed
    close = answer("IVIG begins working in one to five days to treat AIHA. [1]", [(1, QUOTE)])
    assert metrics.citation_support(close).passed


def test_the_support_metric_shares_no_code_with_the_verifier_it_grades():
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(metrics))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not any("verification" in m or "claims" in m or "terms" in m for m in imported)


def test_retrieval_hit_and_mrr():
    hit, mrr = metrics.retrieval(GOOD, ("Side",))
    assert hit.passed and mrr.value == 0.5
    miss, mrr = metrics.retrieval(GOOD, ("Other",))
    assert not miss.passed and mrr.value == 0


def test_disclaimer_must_be_present():
    assert not metrics.disclaimer_present(answer("x", [], "abstained", ""), "D").passed


def test_bad_case_file_names_line_and_field(tmp_path):
    path = tmp_path / "cases.jsonl"
    path.write_text('{"id": "a", "category": "c", "question": "q", "expected_status": "yes"}\n'
                    "not json\n"
                    '{"id": "b", "category": "c", "question": "q", "expected_status": '
                    '"answered", "expected_facts": ["flat"]}\n')
    with pytest.raises(CaseError) as err:
        load_cases(path)
    text = str(err.value)
    assert "line 1" in text and "expected_status" in text
    assert "line 2: not valid JSON" in text
    assert "line 3" in text and "expected_facts" in text


def test_the_shipped_cases_are_valid_and_broad():
    cases = load_cases()
    assert len(cases) >= 80
    categories = {c.category for c in cases}
    assert {"plain", "colloquial", "misspelled", "follow-up", "off-topic", "not-in-article",
            "personal-advice", "emergency", "injection", "html", "bad-input"} <= categories
    assert any(len(c.turns) > 1 for c in cases)


def _report(passed_by_id):
    return {"cases": [{"id": i, "category": "c", "question": "q", "passed": p,
                       "answer": {"status": "answered"},
                       "metrics": [{"name": "m", "passed": p, "reason": "r"}]}
                      for i, p in passed_by_id.items()]}


def test_compare_and_gate_report_regressions():
    comparison = compare(_report({"a": True, "b": False}), _report({"a": False, "b": True,
                                                                    "c": True}))
    assert comparison.regression_ids == ["a"]
    assert [r["id"] for r in comparison.improvements] == ["b"]
    assert comparison.added == ["c"]
    summary = {"overall": {"pass_rate": 0.9}, "categories": {"emergency": {"pass_rate": 0.5}}}
    reasons = gate.check(summary, {"overall": {"pass_rate": 0.95},
                                   "category_pass_rate": {"emergency": 1.0},
                                   "baseline": {"fail_on_regression": True}}, ["a"])
    assert len(reasons) == 3
    assert gate.check({"overall": {"pass_rate": 1.0}, "categories": {}},
                      {"overall": {"pass_rate": 0.95}}) == []


def test_html_report_shows_failures_with_reasons():
    case = parse_case(json.dumps({"id": "t1", "category": "plain", "question": "<b>q</b>",
                                  "expected_status": "abstained"}))
    result = score(case, GOOD, ARTICLE, "D")
    summary = summarise([result])
    assert summary["generators"] == {"extractive": summary["overall"]}
    page = viewer.render({"meta": {}, "summary": summary, "cases": [result.to_dict()]})
    assert "0 of 1 (0.0%) questions answered as expected" in page
    assert "Expected a refusal (not covered, or ask your care team), but the bot gave an " \
           "answer." in page
    assert "<b>q</b>" not in page and "&lt;b&gt;q&lt;/b&gt;" in page


def test_feedback_becomes_draft_cases():
    records = [{"id": 1, "rating": "down", "question": "Q?", "status": "answered",
                "answer": "A", "comment": "wrong"},
               {"id": 2, "rating": "up", "question": "Q2", "status": "answered",
                "answer": "A", "comment": None}]
    drafts = drafts_from_feedback(records, existing_ids=set())
    assert [d["id"] for d in drafts] == ["feedback-1"]
    assert drafts[0]["draft"] is True and "wrong" in drafts[0]["notes"]
    assert parse_case(json.dumps(drafts[0])).draft
    assert drafts_from_feedback(records, existing_ids={"feedback-1"}) == []
    assert drafts_from_feedback(records, set(), existing_questions={" q? "}) == []


def test_drafts_come_from_current_ratings_once_per_question(tmp_path):
    from chatbot.feedback import FeedbackRecord, FeedbackStore

    store = FeedbackStore(tmp_path / "fb.sqlite3")

    def rate(rating, answer_id, question):
        assert store.add(FeedbackRecord(question, "A [1]", [], "answered", rating,
                                        answer_id=answer_id))

    rate("down", "a1", "Can I drive home?")  # a dislike, a comment, then a like: no draft
    assert store.comment("a1", "unclear")
    rate("up", "a1", "Can I drive home?")
    rate("down", "a2", "How fast does it work?")  # the same question disliked twice: one draft
    rate("down", "a3", "how fast does it  work?")
    drafts = drafts_from_feedback(store.current(), set())
    assert [d["question"] for d in drafts] == ["How fast does it work?"]
    assert len(store.all()) == 4

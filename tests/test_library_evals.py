"""The library evals' split and metrics on literal cases (no model)."""

from __future__ import annotations

from pathlib import Path

from evals.cases import Case
from evals.library_metrics import (
    LibraryOutcome,
    answer_sentences,
    needed_context,
    right_article,
    summarise,
)
from evals.split import FIT, HOLDOUT, Split, leave_one_article_out


def case(cid, article, status="answered", category="plain"):
    return Case(id=cid, category=category, turns=("q",), expected_status=status,
                article=article)


def test_whole_articles_and_a_stable_fifth_of_one_are_held_out(tmp_path: Path):
    path = tmp_path / "split.toml"
    path.write_text('holdout_articles = ["b"]\n[holdout_one_in]\na = 5\n')
    split = Split.load(path)
    a_cases = [case(f"a-{i}", "a") for i in range(500)]
    assert split.of(case("b-1", "b")) == HOLDOUT
    held = [c for c in a_cases if split.of(c) == HOLDOUT]
    assert 70 < len(held) < 130  # about one in five
    assert [split.of(c) for c in a_cases] == [split.of(c) for c in a_cases]  # stable
    assert split.of(case("c-1", "c")) == FIT


def test_the_committed_split_holds_out_two_articles_and_part_of_ivig():
    split = Split.load()
    assert len(split.holdout_articles) >= 2 and split.holdout_one_in.get("ivig-aiha") == 5


def test_leave_one_article_out_never_fits_on_the_article_it_judges():
    cases = [case("a1", "a"), case("a2", "a"), case("b1", "b")]
    folds = list(leave_one_article_out(cases))
    assert [f[0] for f in folds] == ["a", "b"]
    for article, train, judge in folds:
        assert all(c.article != article for c in train)
        assert all(c.article == article for c in judge)


def answer(quotes, articles=None, status="answered"):
    articles = articles or ["a"] * len(quotes)
    return {"status": status, "answer": "", "citations": [
        {"n": i + 1, "quote": q, "article_id": a} for i, (q, a) in
        enumerate(zip(quotes, articles, strict=True))]}


def test_a_quote_from_another_article_is_a_leak():
    assert right_article(answer(["x"], ["a"]), "a").passed
    result = right_article(answer(["x", "y"], ["a", "b"]), "a")
    assert not result.passed and "b" in result.reason


def test_sentence_precision_counts_labelled_answers_and_the_context_they_need():
    labels = ("It begins working in days.",)
    context = needed_context(labels, [["IVIG is given in hospital.",
                                       "It begins working in days."]])
    assert context == ("IVIG is given in hospital.",)
    precision, recall, *_ = answer_sentences(
        answer(["IVIG is given in hospital.", "It begins working in days."]), labels, context)
    assert precision.value == 1.0 and recall.value == 1.0
    precision, recall, *_ = answer_sentences(answer(["Something else entirely."]), labels, ())
    assert precision.value == 0.0 and recall.value == 0.0


def test_a_list_label_matches_the_quoted_list_with_its_intro():
    quote = "Symptoms include:\n- Fever\n- Chills"
    precision, recall, *_ = answer_sentences(answer([quote]), ("Fever",), ())
    assert precision.value == 1.0 and recall.value == 1.0


def outcome(expected, status, category="plain", correct=None, leak=False):
    return LibraryOutcome("id", "a", FIT, category, expected, status, "",
                          correct if correct is not None else expected == status, leak,
                          1, 1, 1, 1, 1.0, 10.0)


def test_abstention_precision_and_recall_are_judged_on_near_topic_questions():
    outcomes = [outcome("answered", "answered"), outcome("answered", "abstained"),
                outcome("abstained", "abstained", "near_topic"),
                outcome("abstained", "answered", "near_topic"),
                outcome("abstained", "abstained", "personal")]
    figures = summarise(outcomes)
    assert figures["abstention_precision"] == 0.5  # 1 right refusal of 2 (personal aside)
    assert figures["abstention_recall"] == 0.5
    assert figures["false_refusals"] == 0.5
    assert figures["personal_refused"] == 1.0

"""The labelled faithfulness set and its split: checked items, the library's split reused, a
fitted file that matches the fit side it claims to come from."""

import json

import pytest

from chatbot.verification import DEFAULT_VERIFIER, Thresholds
from evals import faithfulness as fa
from evals.library_run import load_library_articles
from evals.split import FIT, HOLDOUT, Split


@pytest.fixture(scope="module")
def articles():
    return load_library_articles()


@pytest.fixture(scope="module")
def items(articles):
    loaded, problems = fa.load_items(articles)
    assert problems == []
    return loaded


def test_the_set_covers_every_kind_on_both_sides(items):
    split = Split.load()
    for side in (FIT, HOLDOUT):
        kinds = fa.kind_counts(split.select(items, side))
        assert set(kinds) == set(fa.KINDS), side


def test_the_split_is_the_library_split(items):
    split = Split.load()
    holdout = split.select(items, HOLDOUT)
    for article in split.holdout_articles:
        assert all(split.of(i) == HOLDOUT for i in items if i.article == article)
    ivig = [i for i in items if i.article == "ivig-aiha"]
    held = [i for i in ivig if i in holdout]
    assert 0.1 < len(held) / len(ivig) < 0.3  # one in five, by a hash of the id


def test_a_broken_item_is_left_out_with_its_reason(articles, tmp_path):
    good = {"id": "x-1", "article": "ivig-aiha", "quote": "IVIG therapy uses concentrated "
            "antibodies collected from the blood of thousands of healthy donors.",
            "passage": "IVIG therapy uses concentrated antibodies collected from the blood of "
            "thousands of healthy donors.", "sentence": "IVIG uses donors' antibodies.",
            "faithful": True, "kind": "faithful_paraphrase", "note": ""}
    lines = [good,
             {**good, "id": "x-2", "kind": "entity_swap"},  # label disagrees with kind
             {**good, "id": "x-3", "passage": "Not in the article."},
             {**good, "id": "x-4", "article": "nowhere"},
             {**good, "id": "x-1"}]
    (tmp_path / "a.jsonl").write_text("\n".join(map(json.dumps, lines)) + "\nnot json\n")
    loaded, problems = fa.load_items(articles, tmp_path)
    assert [i.id for i in loaded] == ["x-1"]
    assert len(problems) == 5
    assert any("disagrees" in p for p in problems) and any("duplicate" in p for p in problems)


def test_the_fitted_file_comes_from_the_current_fit_side(items):
    fitted = json.loads(DEFAULT_VERIFIER.read_text())
    fit_items = Split.load().select(items, FIT)
    assert fitted["meta"]["fit_items"] == len(fit_items)
    assert fitted["meta"]["unfaithful_accepted"] == 0
    assert Thresholds.load() == Thresholds(**fitted["thresholds"])

"""The labelled faithfulness set and its split: checked items, the library's split reused, a
fitted file that matches the fit side it claims to come from."""

import json
from dataclasses import replace

import pytest

from chatbot.verification import DEFAULT_VERIFIER, Thresholds, Verdict
from evals import faithfulness as fa
from evals import fit_verifier as fv
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


def test_the_fitted_file_comes_from_the_current_fit_side(articles, items):
    fitted = json.loads(DEFAULT_VERIFIER.read_text())
    split = Split.load()
    fit_items = split.select(items, FIT)
    assert fitted["meta"]["fit_items"] == len(fit_items)
    assert Thresholds.load() == Thresholds(**fitted["thresholds"])
    # its figures are what its thresholds do on today's fit items (vocabulary of fit articles)
    vocab = fa.vocabulary([a for aid, a in articles.items()
                           if aid not in split.holdout_articles])
    assert fv.score(Thresholds.load(), fit_items, split, vocab, fa.name_terms(articles)) == (
        fitted["meta"]["unfaithful_accepted"], fitted["meta"]["faithful_accepted"])
    assert fitted["thresholds"] == fv.backoff(
        Thresholds(**fitted["meta"]["edge"]["thresholds"]), fitted["meta"]["margin"]).to_dict()


def test_the_margin_backs_off_numbers_and_is_chosen_on_left_out_batches():
    edge = replace(Thresholds(), rare_zipf=3.5, sentence_support=0.6, check_order=False)
    back = fv.backoff(edge, 2)
    assert (back.rare_zipf, back.sentence_support) == (4.5, 0.8)  # two grid steps stricter
    assert back.check_order is False  # a switch stays as fitted
    assert fv.backoff(edge, 9).rare_zipf == fv.GRID["rare_zipf"][0]  # no further than strict
    folds = [{"accepted": {0: (2, 90), 1: (0, 70), 2: (0, 60), 3: (0, 70)}},
             {"accepted": {0: (1, 80), 1: (1, 60), 2: (0, 50), 3: (0, 50)}}]
    assert fv.pick_margin(folds) == 3  # fewest leaks (0), then most faithful (120 vs 110)
    folds[1]["accepted"][3] = (0, 30)
    assert fv.pick_margin(folds) == 2  # 110 faithful beats 100
    folds[1]["accepted"][3] = (0, 40)
    assert fv.pick_margin(folds) == 3  # 110 each: the larger margin


def test_each_holdout_writing_is_reported_on_its_own():
    def outcome(item_id: str, side: str, faithful: bool, accepted: bool) -> fa.Outcome:
        item = fa.Item(item_id, "rituximab", "q", "q", "s", faithful,
                       "faithful_subset" if faithful else "entity_swap")
        return fa.Outcome(item, side, Verdict("q", "" if accepted else "no"))

    assert fa.batch(fa.Item("rituximab-b3-001", "rituximab", "", "", "", True, "")) == "b3"
    assert fa.batch(fa.Item("rituximab-001", "rituximab", "", "", "", True, "")) == "b1"
    outcomes = [outcome("rituximab-001", HOLDOUT, False, True),
                outcome("rituximab-b3-001", HOLDOUT, False, False),
                outcome("rituximab-b3-002", HOLDOUT, True, True),
                outcome("corticosteroids-b3-001", FIT, True, False)]
    sides = fa.by_side(outcomes)
    assert list(sides) == [FIT, HOLDOUT, "holdout b1", "holdout b3"]
    assert sides[HOLDOUT]["unfaithful_accepted"] == 1
    assert sides["holdout b1"]["unfaithful_accepted"] == 1
    assert sides["holdout b3"]["unfaithful_accepted"] == 0
    assert sides["holdout b3"]["faithful_accepted"] == 1
    assert "holdout b3" in fa.text_table(sides).splitlines()[0]
    single = fa.by_side([o for o in outcomes if "b3" in o.item.id])
    assert list(single) == [FIT, HOLDOUT]  # one writing: no extra columns

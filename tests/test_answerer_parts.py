"""The general answerer's parts on small literal inputs: no model, no index."""

from __future__ import annotations

import numpy as np
import pytest

from chatbot.chunking import Chunk
from chatbot.decision import decide, decision_row, uncovered
from chatbot.features import RANKER_FEATURES, article_rows, unit_facts
from chatbot.lexicon import Lexicon
from chatbot.model import LogisticModel
from chatbot.question import DEFINITION, DURATION, LIST, NUMBER, YES_NO, analyse
from chatbot.rarity import rarity
from chatbot.routing import (
    NameIndex,
    absent_row,
    choose,
    profiles,
    route_features,
)
from chatbot.spelling import Speller
from chatbot.units import HEADING, ITEM, SENTENCE, Unit, units_of_all

VOCABULARY = frozenset("prednisone rituximab infusion splenectomy vaccines fatigue".split())
SPELLER = Speller.of(VOCABULARY)
LEXICON = Lexicon.load()


def ask(text: str, context: str = ""):
    return analyse(text, context, SPELLER, LEXICON)


@pytest.mark.parametrize(("typed", "meant"), [
    ("prednizone", "prednisone"), ("rituxamab", "rituximab"), ("splenectomey", "splenectomy"),
    ("since", "since"), ("hungry", "hungry"), ("pred", "pred"), ("mention", "mention"),
])
def test_misspellings_meet_the_articles_words_and_english_words_are_left_alone(typed, meant):
    assert SPELLER.correct(typed) == meant


def test_rarity_weighs_by_general_english_not_by_the_articles():
    assert rarity("rituximab") > rarity("blood") > rarity("since")
    assert rarity("xqzzt") == 1.0 and rarity("the") == pytest.approx(0.05)


@pytest.mark.parametrize(("text", "shape"), [
    ("How long does it take to work?", DURATION),
    ("how many days till i feel better", DURATION),
    ("What percentage of people respond?", NUMBER),
    ("What are the side effects?", LIST),
    ("What is CAD?", DEFINITION),
    ("Can I get it at home?", YES_NO),
])
def test_question_shapes_are_general_english(text, shape):
    assert ask(text).wants(shape)


def test_a_follow_up_without_a_shape_asks_what_the_turn_before_asked():
    assert ask("and prednisone?", "How long does IVIG take to work?").wants(DURATION)
    assert not ask("and prednisone?").wants(DURATION)


def test_patient_phrases_stand_for_medical_words():
    terms = {t.word: t for t in ask("will it make me throw up or feel tired").terms}
    assert "vomit" in terms["throw up"].alternatives
    assert "fatigu" in terms["tired"].alternatives


def test_a_long_message_is_focused_on_the_sentence_that_asks():
    q = ask("I was diagnosed last month. My sister worries a lot. When will prednisone work? "
            "Thanks so much.")
    assert q.focus == "when will prednisone work?"


NAMES = {
    "zorb": ("Zorblax Infusions for Anemia", "Zorblax", "ZBX"),
    "quin": ("Quintex Surgery: What to Expect", "quintex procedure"),
}


def test_routing_reads_names_and_aliases_as_data():
    p = profiles(NAMES)
    names = NameIndex.of(p)
    assert names.aliased("is zbx safe for me") == {"zorb"}
    assert names.aliased("how long is the Quintex-procedure") == {"quin"}
    rows = route_features(ask("how long does zorblax take"), names,
                          [("quin", 0.6), ("zorb", 0.5)], [("quin", 0.6)], [])
    assert rows["zorb"]["name_top"] == 1.0 and rows["quin"]["name_top"] == 0.0
    assert rows["quin"]["dense_rel"] == 0.0 and rows["zorb"]["dense_rel"] < 0


def test_a_follow_up_that_names_nothing_inherits_the_article_and_one_that_names_another_does_not():
    p = profiles(NAMES)
    names = NameIndex.of(p)
    rows = route_features(ask("and the side effects?", "what is zorblax"), names, [], [], [])
    assert rows["zorb"]["inherited"] == 1.0
    assert "quin" not in rows  # nothing points to it: it has the absent row, never computed
    rows = route_features(ask("and quintex?", "what is zorblax"), names, [], [], [])
    assert rows["zorb"]["inherited"] == 0.0 and rows["quin"]["alias_hit"] == 0.0
    assert rows["quin"]["name_top"] == 1.0


def test_only_the_articles_a_question_points_to_get_router_features():
    many = {f"a{i}": (f"Topic {i} Guide", f"zz{i}") for i in range(300)}
    names = NameIndex.of(profiles({**many, **NAMES}))
    rows = route_features(ask("is the Quintex procedure painful?"), names,
                          [("a7", 0.4)], [("a7", 0.4)], [("a9", 3.0)])
    assert set(rows) == {"quin", "a7", "a9"}
    assert rows["quin"]["alias_hit"] == 1.0 and rows["a9"]["dense_rel"] == -0.5
    assert {k: rows["a9"][k] for k in ("alias_hit", "name_share", "dense_ctx_rel")} == \
        {k: absent_row()[k] for k in ("alias_hit", "name_share", "dense_ctx_rel")}
    assert set(route_features(ask("what about zz42?"), names, [], [], [])) == {"a42"}


def test_an_article_nothing_points_to_is_never_routed_to():
    from chatbot.model import FittedModels

    models = FittedModels.load()
    assert models.router.probability(absent_row()) < models.threshold("route")


def test_route_choice_keeps_the_best_and_any_other_above_the_threshold():
    assert choose({"a": 0.9, "b": 0.3}, 0.5).articles == ("a",)
    assert choose({"a": 0.9, "b": 0.7, "c": 0.1}, 0.5).articles == ("a", "b")
    assert choose({"a": 0.2, "b": 0.1}, 0.5).articles == ("a",)


def _chunk(i, section, text, article="zorb"):
    return Chunk(f"{article}:{i}", article, "Zorblax", section, i, text)


def test_units_are_sentences_with_lists_kept_whole_items_and_headings_beside_them():
    chunks = [_chunk(0, "Introduction", "Zorblax helps. Read on to learn more."),
              _chunk(1, "Side Effects", "Common ones include:\n- Headache\n- Fever")]
    units = units_of_all(chunks)
    kinds = [(u.kind, u.text) for u in units]
    assert (SENTENCE, "Common ones include:\n- Headache\n- Fever") in kinds
    assert (ITEM, "Common ones include: Fever") in kinds
    assert sum(k == HEADING for k, _ in kinds) == 2
    assert units_of_all(chunks) == units  # ids are stable


def _rows(question, texts):
    units = [Unit(f"u{i}", "zorb", "Section", 0, i, t, SENTENCE, "c") for i, t in
             enumerate(texts)]
    n = len(units)
    sims = np.linspace(0.5, 0.4, n)
    return article_rows(question, units, [unit_facts(u) for u in units], sims, sims, sims,
                        np.full(n, -1.0), sims, sims, [frozenset()] * n, [frozenset()] * n,
                        {}, 5.0)


def test_features_recognise_answer_shapes_sign_posts_and_see_your_doctor_lines():
    rows = _rows(ask("How long does zorblax take to work?"), [
        "Read on to learn more about zorblax.",
        "Zorblax starts working in two to three weeks.",
        "Talk to your doctor about your treatment plan.",
    ])
    assert set(rows[0]) == set(RANKER_FEATURES)
    assert rows[0]["signpost"] == 1.0 and rows[1]["signpost"] == 0.0
    assert rows[1]["duration_match"] == 1.0 and rows[0]["duration_match"] == 0.0
    assert rows[2]["see_doctor"] == 1.0


def test_word_features_leave_out_the_words_that_name_the_article():
    units = [Unit("u0", "zorb", "S", 0, 0, "Zorblax is given weekly.", SENTENCE, "c"),
             Unit("u1", "zorb", "S", 0, 1, "Side effects include rash.", SENTENCE, "c")]
    sims = np.array([0.5, 0.5])
    rows = article_rows(ask("zorblax side effects"), units, [unit_facts(u) for u in units],
                        sims, sims, sims, np.full(2, -1.0), sims, sims, [frozenset()] * 2,
                        [frozenset()] * 2, {}, 4.0, frozenset({"zorblax"}))
    assert rows[1]["coverage"] == 1.0 and rows[0]["coverage"] == 0.0


def test_uncovered_words_count_by_rarity_and_names_do_not_count():
    q = ask("can I drink alcohol on zorblax")
    heaviest, share = uncovered(q, frozenset({"drink"}), frozenset({"zorblax"}))
    assert heaviest == pytest.approx(rarity("alcohol")) and 0 < share < 1
    assert uncovered(q, frozenset({"drink", "alcohol"}), frozenset({"zorblax"}))[0] == 0


def test_the_decision_is_a_fitted_probability_against_a_fitted_threshold():
    names = ("best", "uncovered_max")
    model = LogisticModel(names, np.array([4.0, -4.0]), 0.0, np.zeros(2), np.ones(2))
    row = decision_row(ask("how long does zorblax take"), [0.9], [{"sim": 0.7}], 0.9, True,
                       frozenset({"long", "tak"}), frozenset({"zorblax"}))
    assert decide(row, model, 0.5).answer
    refused = decide({"best": 0.1, "uncovered_max": 1.0}, model, 0.5)
    assert not refused.answer and refused.reason == "not_in_article"


def test_a_logistic_model_survives_its_data_file():
    model = LogisticModel(("a", "b"), np.array([1.0, -2.0]), 0.5, np.array([0.0, 1.0]),
                          np.array([1.0, 2.0]))
    again = LogisticModel.from_dict(model.to_dict())
    row = {"a": 0.3, "b": 2.0}
    assert again.probability(row) == pytest.approx(model.probability(row))
    assert 0 < model.probability(row) < 1


def test_texting_shorthand_and_dropped_gs_are_read_as_plain_english():
    assert LEXICON.plain_english("wat r u doin b4 ur ivig") == "what are you doin before your ivig"
    assert LEXICON.plain_english("an IM injection") == "an IM injection"
    assert SPELLER.correct("thin") == "thin"
    assert SPELLER.correct("workin") == "working" and SPELLER.correct("doin") == "doing"
    words = {t.word for t in ask("how long till ivig starts workin lol").terms}
    assert "working" in words and "lol" not in words


def test_the_word_that_asks_how_fast_or_how_often_is_no_topic_the_articles_must_use():
    q = ask("how fast does zorblax work and how often is it given?")
    assert {t.word for t in q.terms if t.asking} == {"fast", "often"}
    assert q.wants(DURATION)
    assert uncovered(q, frozenset({"work", "given"}), frozenset({"zorblax"})) == (0.0, 0.0)
    # the same word is a topic when it does not ask
    fasting = ask("should I fast before zorblax?")
    assert uncovered(fasting, frozenset(), frozenset({"zorblax"}))[0] == rarity("fast")


def test_the_ranker_is_fitted_listwise_and_keeps_the_meaning_of_a_probability():
    from evals.fit import fit_listwise

    rng = np.random.default_rng(0)
    groups, labels = [], []
    for _ in range(40):  # the answer is the row with the highest first feature, whatever the
        x = rng.normal(size=(6, 2))  # level of that feature in its group
        x[:, 0] += rng.normal()
        y = np.zeros(6)
        y[np.argmax(x[:, 0])] = 1.0
        groups.append(x)
        labels.append(y)
    model = fit_listwise(groups, labels, ("signal", "noise"))
    again = fit_listwise(groups, labels, ("signal", "noise"))
    assert np.array_equal(model.weights, again.weights)  # reproducible
    assert model.weights[0] > 0 and abs(model.weights[1]) < model.weights[0] / 3
    p = np.concatenate([model.probabilities(x) for x in groups])
    y = np.concatenate(labels)
    assert p.min() > 0 and p.max() < 1
    assert p.mean() == pytest.approx(y.mean(), abs=0.01)  # calibrated: as many as labelled
    assert p[y == 1].mean() > 2 * p[y == 0].mean()

"""Fitting the embedding model's adapter: examples with hard negatives from small literal data;
training on the real model that is reproducible and moves questions towards their answers."""

from types import SimpleNamespace

import numpy as np
import pytest

from chatbot.features import RANKER_FEATURES
from evals import fit_encoder

SIM = RANKER_FEATURES.index("sim")


def _case(article, question, sims, labels, signposts=()):
    x = np.zeros((len(sims), len(RANKER_FEATURES)))
    x[:, SIM] = sims
    rows = [{"signpost": float(i in signposts), "is_question": 0.0} for i in range(len(sims))]
    return SimpleNamespace(answerable=True, case=SimpleNamespace(article=article),
                           question=SimpleNamespace(corrected=question),
                           unit_x={article: x}, unit_rows={article: rows},
                           unit_labels=np.array(labels, dtype=float))


def _units(texts):
    return [SimpleNamespace(text=t) for t in texts]


def test_one_example_per_answer_sentence_with_the_closest_wrong_ones_as_negatives():
    units = {"a": _units(["s0", "s1", "s2", "s3", "s4", "s5"])}
    data = [_case("a", "q?", [0.9, 0.8, 0.1, 0.7, 0.6, 0.5], [0, 0, 1, 0, 0, 1],
                  signposts={1})]
    got = fit_encoder.examples(data, units)
    assert [e.answer for e in got] == ["s2", "s5"]
    # the most similar wrong sentences, never a sign-post, at most HARD_NEGATIVES of them
    assert got[0].negatives == ("s0", "s3", "s4")[:fit_encoder.HARD_NEGATIVES]
    assert all(e.question == "q?" and e.article == "a" for e in got)


def test_unanswerable_and_unlabelled_cases_give_no_example():
    units = {"a": _units(["s0", "s1"])}
    unanswerable = _case("a", "q?", [0.5, 0.4], [1, 0])
    unanswerable.answerable = False
    assert fit_encoder.examples([unanswerable, _case("a", "q?", [0.5, 0.4], [0, 0])],
                                units) == []


def test_sim_first_counts_the_most_similar_quotable_sentence():
    data = [_case("a", "q", [0.9, 0.5], [0, 1], signposts={0}),  # the sign-post is skipped
            _case("a", "q", [0.9, 0.5], [0, 1])]
    assert fit_encoder.sim_first(data) == 0.5


@pytest.mark.integration
def test_training_is_reproducible_and_pulls_questions_to_their_answers(tmp_path):
    from chatbot.embedding import load_embeddings
    from chatbot.encoder import NO_ADAPTER

    chosen = [
        fit_encoder.Example("x", "wat does ur spleen even do",
                            "It works like a filter for your blood.",
                            ("You will need vaccines before surgery.",)),
        fit_encoder.Example("x", "how quick does it kick in",
                            "It begins working in one to five days.",
                            ("It is given through a vein.",)),
    ] * 8
    one, two = fit_encoder.train(chosen), fit_encoder.train(chosen)
    for name, (a, b) in one.layers.items():
        assert np.array_equal(a, two.layers[name][0]) and np.array_equal(b, two.layers[name][1])
    path = tmp_path / "encoder.npz"
    one.save(path)

    def margin(model):
        q, right, wrong = (np.array(v) for v in model.embed_documents(
            ["wat does ur spleen even do", "It works like a filter for your blood.",
             "You will need vaccines before surgery."]))
        return float(q @ right - q @ wrong)

    assert margin(load_embeddings(adapter=path)) > margin(load_embeddings(adapter=NO_ADAPTER))

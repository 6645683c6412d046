"""Fitting the embedding model's adapter: examples with hard negatives from small literal data;
training on the real model that is reproducible and moves questions towards their answers."""

from types import SimpleNamespace

import numpy as np
import pytest

from chatbot.encoder import NO_ADAPTER
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


def test_a_near_topic_question_gives_one_example_without_an_answer():
    units = {"a": _units(["s0", "s1", "s2"])}
    near = _case("a", "q?", [0.4, 0.5, 0.1], [0, 0, 0])
    near.answerable = False
    got = fit_encoder.examples([near], units)
    assert [(e.answer, e.negatives[:2]) for e in got] == [(None, ("s1", "s0"))]


def test_an_answerable_case_without_labelled_sentences_gives_no_example():
    units = {"a": _units(["s0", "s1"])}
    assert fit_encoder.examples([_case("a", "q?", [0.5, 0.4], [0, 0])], units) == []


def test_sim_first_counts_the_most_similar_quotable_sentence():
    data = [_case("a", "q", [0.9, 0.5], [0, 1], signposts={0}),  # the sign-post is skipped
            _case("a", "q", [0.9, 0.5], [0, 1])]
    assert fit_encoder.sim_first(data) == 0.5


def test_answerable_auc_reads_the_best_similarity_of_each_question():
    near = _case("a", "q", [0.2, 0.3], [0, 0])
    near.answerable = False
    answered = _case("a", "q", [0.9, 0.1], [1, 0])
    assert fit_encoder.answerable_auc([near, answered]) == 1.0
    answered_low = _case("a", "q", [0.1, 0.1], [1, 0])
    assert fit_encoder.answerable_auc([near, answered_low]) == 0.0


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
        # no sentence answers it, though the packaged model puts this one close (0.78)
        fit_encoder.Example("x", "what dose of IVIG do children get", None,
                            ("The dose of IVIG depends on your body weight.",)),
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

    adapted, packaged = load_embeddings(adapter=path), load_embeddings(adapter=NO_ADAPTER)
    assert margin(adapted) > margin(packaged)

    def unanswered(model):  # the near-topic question and the closest sentence it has
        q, s = (np.array(v) for v in model.embed_documents(
            ["what dose of IVIG do children get",
             "The dose of IVIG depends on your body weight."]))
        return float(q @ s)

    assert unanswered(adapted) < unanswered(packaged)


@pytest.mark.integration
def test_the_app_embeds_as_the_model_was_trained(tmp_path):
    """The layers `train` wraps, saved and merged by the app's loader, give the vectors the
    wrapped model gives as it was trained: a wrong layer name, scale or transpose would train
    one model and serve another. The wrapped model is given the saved (half-precision)
    weights, so the two must agree to float rounding."""
    import torch
    from sentence_transformers import SentenceTransformer

    from chatbot.embedding import default_model_path, load_embeddings
    from chatbot.encoder import Adapter

    torch.manual_seed(1)
    model = SentenceTransformer(str(default_model_path()), device="cpu", local_files_only=True)
    wrapped = fit_encoder.wrap(model)
    assert len(wrapped) == 6 * len(fit_encoder.TARGETS)  # every targeted layer of 6 blocks
    with torch.no_grad():  # an update large enough to move every vector
        for m in wrapped.values():
            m.b.normal_(0.0, 0.02)
    path = tmp_path / "encoder.npz"
    fit_encoder.adapter_of(wrapped).save(path)
    with torch.no_grad():  # the wrapper computes with exactly what was saved
        for name, (a, b) in Adapter.load(path).layers.items():
            wrapped[name].a.copy_(torch.from_numpy(a))
            wrapped[name].b.copy_(torch.from_numpy(b))
    model.eval()
    texts = ["how quick does ivig kick in", "It begins working in one to five days."]
    with torch.no_grad():
        trained = model.encode(texts, normalize_embeddings=True)
    served = np.array(load_embeddings(adapter=path).embed_documents(texts))
    packaged = np.array(load_embeddings(adapter=NO_ADAPTER).embed_documents(texts))
    assert np.abs(trained - packaged).max() > 0.01  # the update matters
    assert np.abs(served - trained).max() < 1e-4

"""The second-line emergency check: unit tests on literal vectors, the chain's use of it, and
the committed model judged on the clinical messages it was never fitted on."""

import json
import re

import numpy as np
import pytest

from chatbot.answer import ESCALATED
from chatbot.chain import build_chain
from chatbot.messages import Messages
from chatbot.safety import PERSONAL_ADVICE, SafetyPatterns, is_emergency, screen
from chatbot.urgency import DEFAULT_URGENCY, UrgencyCheck, UrgencyModel, message_text
from evals import fit_urgency

from .conftest import ROOT


def _model(threshold=0.5, near=0.5) -> UrgencyModel:
    # p = sigmoid(4 * x0 - 2): urgent along the first axis; the only fitted emergency is e0
    return UrgencyModel(np.array([4.0, 0.0, 0.0], dtype=np.float32), -2.0, threshold, near,
                        np.array([[1.0, 0.0, 0.0]], dtype=np.float32), "enc", {})


def test_urgent_needs_both_the_probability_and_nearness_to_a_fitted_emergency():
    model = _model()
    assert model.urgent([1.0, 0.0, 0.0])  # p = 0.88, similarity 1
    assert not model.urgent([0.0, 1.0, 0.0])  # p = 0.12
    # the probability alone would say urgent; it is unlike any emergency fitted on
    far = _model(near=0.9)
    assert far.probability([0.8, 0.6, 0.0]) > 0.5 and not far.urgent([0.8, 0.6, 0.0])
    assert _model(near=0.8).urgent([0.8, 0.6, 0.0])


def test_the_model_file_round_trips(tmp_path):
    path = tmp_path / "urgency.npz"
    _model(threshold=0.7, near=0.55).save(path)
    loaded = UrgencyModel.load(path)
    assert (loaded.threshold, loaded.near, loaded.encoder) == (0.7, 0.55, "enc")
    assert loaded.probability([1.0, 0.0, 0.0]) == pytest.approx(_model().probability([1, 0, 0]))


def test_a_check_for_another_encoder_is_refused():
    with pytest.raises(ValueError, match="make fit"):
        UrgencyCheck(_model(), lambda text: [1.0, 0.0, 0.0], "another-encoder")


class _Answerer:
    def __init__(self):
        self.asked = []

    def answer(self, turn):
        self.asked.append(turn.question)
        raise AssertionError("an urgent message must not be answered")


def test_the_chain_escalates_what_the_check_flags_before_any_answer():
    seen = []

    def embed(text):
        seen.append(text)
        return [1.0, 0.0, 0.0] if "marker" in text else [0.0, 1.0, 0.0]  # a stand-in model

    answerer = _Answerer()
    chain = build_chain(answerer, SafetyPatterns.load(), Messages.load(), 1000,
                        UrgencyCheck(_model(), embed, "enc"))
    answer = chain.invoke({"question": "Is the MARKER word normal?", "history": []})
    assert answer.status == ESCALATED and answer.reason == "emergency"
    assert answer.answer == Messages.load().emergency and answer.disclaimer
    assert answerer.asked == [] and seen == [message_text("Is the MARKER word normal?")]


def test_fitting_picks_the_most_recall_within_the_false_alarm_caps():
    rng = np.random.default_rng(0)
    centre = np.eye(8)
    x, y, sources = [], [], []
    for label, axis, source, n in ((True, 0, "messages", 40), (False, 1, "messages", 40),
                                   (False, 2, "library", 40), (False, 3, "product", 20)):
        points = centre[axis] + 0.1 * rng.standard_normal((n, 8))
        x += list(points / np.linalg.norm(points, axis=1, keepdims=True))
        y += [label] * n
        sources += [source] * n
    chosen, trace = fit_urgency.choose(np.array(x), np.array(y), np.array(sources))
    assert next(t for t in trace if all(t[k] == v for k, v in chosen.items()))["recall"] == 1.0
    assert all(t["ok"] for t in trace if all(t[k] == v for k, v in chosen.items()))
    # separable data: every setting catches all; ties go to the strictest one
    assert chosen["threshold"] == max(fit_urgency.THRESHOLDS)
    assert chosen["near"] == max(fit_urgency.NEAR)


@pytest.fixture(scope="module")
def check(embeddings):
    from chatbot.embedding import encoder_fingerprint

    return UrgencyCheck(UrgencyModel.load(), embeddings.embed_query,
                        encoder_fingerprint(embeddings))


def test_the_committed_check_reads_the_committed_encoder(embeddings):
    from chatbot.embedding import encoder_fingerprint

    assert UrgencyModel.load(DEFAULT_URGENCY).encoder == encoder_fingerprint(embeddings)


# Judged on tests/data/emergency_messages_clinical2.jsonl: messages written blind by a helper
# session after the patterns and the check were built, never fitted on (one exact copy of a
# training message, a non-emergency, removed: 159 near misses left). Read once (2026-11-27):
# patterns alone 89 of its 160 emergencies, 11 false alarms; with the check 131, 18. Read again
# after a review made the patterns stricter on ordinary chat: patterns 82 and 9, with the check
# 131 and 16; and once more when personal questions went on to the check too: 132 and 16. The
# bars are those counts: a change may only do better. A new judge set is needed to claim more.
# And on 250 ordinary patient messages written blind by another helper
# (tests/data/ordinary_messages.jsonl, none an emergency), read once: the patterns alarm on
# none, the check on 6 (figures of speech, a past event, everyday remarks: "my blood is
# boiling", "my pee went the colour of cola when I first got ill", "planes are so cold"), 7 once
# personal questions went on to it ("feel a bit foggy brained on high dose pred...").
JUDGE_BARS = {"patterns": (82, 9), "patterns and check": (132, 16)}  # (least caught, most alarms)
ORDINARY = ROOT / "tests" / "data" / "ordinary_messages.jsonl"
ORDINARY_BARS = {"patterns": 0, "patterns and check": 7}  # most alarms


def _flagged(check, texts: list[str]) -> dict[str, list[bool]]:
    """What each line says of each message: the patterns, then the check on what they pass."""
    patterns = SafetyPatterns.load()
    flagged = {"patterns": [], "patterns and check": []}
    for text in texts:
        first = is_emergency(text, patterns)
        screening = screen(text, patterns, 1000)  # what reaches an answering worker
        second = screening.stop in (None, PERSONAL_ADVICE) and check.urgent(screening.question)
        flagged["patterns"].append(first)
        flagged["patterns and check"].append(first or second)
    return flagged


def test_the_check_catches_emergencies_the_patterns_miss(check, capsys):
    rows = fit_urgency.labelled_messages(fit_urgency.JUDGED_ON)
    results = {}
    for name, got in _flagged(check, [r.text for r in rows]).items():
        caught = sum(g for g, r in zip(got, rows, strict=True) if r.emergency)
        alarms = sum(g for g, r in zip(got, rows, strict=True) if not r.emergency)
        with capsys.disabled():
            print(f"\n{name}: {caught} of {sum(r.emergency for r in rows)} emergencies caught, "
                  f"{alarms} of {sum(not r.emergency for r in rows)} false alarms")
        results[name] = (caught, alarms)
    for name, (caught, alarms) in results.items():
        least_caught, most_alarms = JUDGE_BARS[name]
        assert caught >= least_caught and alarms <= most_alarms, name


def test_ordinary_messages_stay_ordinary(check, capsys):
    texts = [json.loads(line)["text"] for line in ORDINARY.read_text(
        encoding="utf-8").splitlines() if line.strip()]
    for name, got in _flagged(check, texts).items():
        with capsys.disabled():
            print(f"\n{name}: {sum(got)} of {len(texts)} ordinary messages escalated")
        assert sum(got) <= ORDINARY_BARS[name], name


def test_the_judge_set_is_not_trained_on():
    assert fit_urgency.JUDGED_ON not in fit_urgency.TRAINING_SETS
    assert fit_urgency.JUDGED_ON == ROOT / "tests" / "data" / "emergency_messages_clinical2.jsonl"

    def words(text: str) -> str:
        return " ".join(re.findall(r"[a-z0-9]+", text.lower()))

    trained = {words(row.text) for path in fit_urgency.TRAINING_SETS
               for row in fit_urgency.labelled_messages(path)}
    judged = [words(row.text) for row in fit_urgency.labelled_messages(fit_urgency.JUDGED_ON)]
    assert not [text for text in judged if text in trained]


def test_the_app_asks_the_check_before_answering(bot):
    # a fitted emergency the patterns miss: only the second line escalates it
    message = "went down like a sack of potatoes in the kitchen, out for a bit, now sweaty"
    assert not is_emergency(message, SafetyPatterns.load())
    answer = bot.ask(message)
    assert answer.status == ESCALATED and answer.reason == "emergency"
    assert bot.ask("How fast does IVIG work?").status == "answered"


def test_a_personal_question_that_reads_urgent_is_escalated_not_refused():
    def embed(text):
        return [1.0, 0.0, 0.0] if "marker" in text else [0.0, 1.0, 0.0]  # a stand-in model

    chain = build_chain(_Answerer(), SafetyPatterns.load(), Messages.load(), 1000,
                        UrgencyCheck(_model(), embed, "enc"))
    urgent = chain.invoke({"question": "Should I stop my prednisone? MARKER", "history": []})
    assert urgent.status == ESCALATED and urgent.reason == "emergency"
    personal = chain.invoke({"question": "Should I stop my prednisone?", "history": []})
    assert personal.reason == "personal_advice"


def test_the_committed_check_was_fitted_on_todays_training_rows():
    from evals.cases import load_cases
    from evals.library_run import load_library_articles, load_library_cases

    rows = fit_urgency.training_rows(load_library_cases(load_library_articles()), load_cases())
    assert UrgencyModel.load().meta["training"] == fit_urgency.training_digest(rows), \
        "a training set changed since the check was fitted: run `make fit-urgency`"


def test_a_failing_check_leaves_the_personal_advice_reply():
    def embed(text):
        raise RuntimeError("the model is gone")

    chain = build_chain(_Answerer(), SafetyPatterns.load(), Messages.load(), 1000,
                        UrgencyCheck(_model(), embed, "enc"))
    answer = chain.invoke({"question": "Should I stop my prednisone?", "history": []})
    assert answer.reason == "personal_advice"

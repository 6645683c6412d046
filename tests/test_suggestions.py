"""After a refusal: the nearest sections the library answers, never a question it refuses."""

from types import SimpleNamespace

import numpy as np
import pytest

from chatbot.answer import ABSTAINED, ANSWERED
from chatbot.chunking import Chunk
from chatbot.suggestions import Suggester
from chatbot.units import heading_id

# Questions the bot refuses (checked below), written as patients ask, none copied from a heading.
REFUSED = [
    "How much does IVIG cost?",
    "Does IVIG hurt my kidneys?",
    "Can I take IVIG while pregnant?",
    "How many grams of IVIG should I take?",
    "can I get it at home",
    "what is the capital of France",
]


class _Chunks(dict):
    """Chunks by id, with the catalog's list of sections."""

    def sections(self) -> list[tuple[str, str]]:
        return list(dict.fromkeys((c.article_id, c.section) for c in self.values()))


def _fake(headings: dict[str, list[float]], answerable: set[str]):
    """An index of one article whose sections' headings have these vectors."""
    chunks = _Chunks({f"c{i}": Chunk(f"c{i}", "a", "A", h, i, "text")
                      for i, h in enumerate(headings)})
    vectors = {heading_id("a", h): v for h, v in headings.items()}
    index = SimpleNamespace(chunks=chunks, store=SimpleNamespace(query=lambda vector, k: []),
                            unit_vectors=lambda ids: {i: vectors[i] for i in ids if i in vectors})
    asked = []

    def answers(question):
        asked.append(question)
        return question in answerable

    return index, answers, asked


def test_nearest_first_and_a_refused_heading_question_is_never_offered():
    index, answers, asked = _fake({"Is it safe?": [1, 0, 0], "Side effects": [0.9, 0.1, 0],
                                   "How is it given?": [0.5, 0.5, 0], "Cost": [0, 0, 1]},
                                  answerable={"How is it given?"})
    suggester = Suggester(lambda q: [1, 0.2, 0], lambda: index, answers, count=3, pool=3)
    chosen = suggester.suggest("is it dangerous")
    assert [(s.text, s.is_question) for s in chosen] == [("Side effects", False),
                                                         ("How is it given?", True)]
    assert suggester.suggest("again") and asked == ["Is it safe?", "How is it given?"]  # cached
    assert suggester.suggest("  ") == []


def test_a_newly_published_index_is_read_again():
    first, _, _ = _fake({"Old?": [1.0, 0.0]}, answerable={"Old?"})
    second, _, _ = _fake({"New?": [1.0, 0.0]}, answerable=set())
    current = [first]
    suggester = Suggester(lambda q: np.array([1.0, 0.0]), lambda: current[0],
                          lambda q: q in {"Old?", "New?"})
    assert [s.text for s in suggester.suggest("x")] == ["Old?"]
    current[0] = second
    assert [s.text for s in suggester.suggest("x")] == ["New?"]


@pytest.mark.integration
@pytest.mark.parametrize("question", REFUSED)
def test_every_suggested_question_is_one_the_bot_answers(bot, question):
    assert bot.ask(question).status == ABSTAINED
    chosen = Suggester.for_bot(bot).suggest(question)
    assert chosen, "a refusal gets at least one suggestion"
    assert len({s.text for s in chosen}) == len(chosen)
    for s in chosen:
        if s.is_question:
            assert bot.ask(s.text).status == ANSWERED, s.text
        assert s.article_id == "ivig-aiha"


@pytest.mark.integration
@pytest.mark.parametrize(("question", "expected"), [
    ("Does IVIG hurt my kidneys?", "Potential Side Effects of Intravenous Immunoglobulin Therapy"),
    ("can I get it at home", "How Is Intravenous Immunoglobulin Treatment Given?"),
])
def test_suggestions_are_the_sections_about_what_was_asked(bot, question, expected):
    assert expected in [s.text for s in Suggester.for_bot(bot).suggest(question)]

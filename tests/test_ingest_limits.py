"""Ingest hardening: chunk size enforced even for a paragraph with no sentence breaks, control
characters never indexed, one sentence quoted at most once per answer."""

from __future__ import annotations

import re

from chatbot.answering import ExtractiveAnswerer, Scored, Trace
from chatbot.chunking import _cut, chunk_article
from chatbot.corpus import Article, Section, load_article, without_control_characters
from chatbot.routing import Route
from chatbot.selection import SelectionThresholds
from chatbot.units import Unit


def _article(*blocks: str) -> Article:
    return Article("a", "A", (Section("Introduction", blocks),))


def test_a_five_megabyte_line_without_sentence_breaks_is_cut_to_the_limit():
    line = " ".join(f"w{i:06d}" for i in range(625_000))  # 5 MB, no sentence end
    article = _article("Before it. " + line, "After it.")
    chunks = chunk_article(article, max_chars=700)
    assert max(len(c.text) for c in chunks) <= 700
    assert len(chunks) > 5_000
    body = article.body
    assert all(c.text in body for c in chunks[:200])  # still verbatim article text
    assert chunks[-1].text.endswith("After it.")


def test_a_run_with_no_space_at_all_is_cut_hard():
    assert [len(p) for p in _cut("x" * 2_050, 700)] == [700, 700, 650]
    assert _cut("a b " * 10, 8)[:4] == ["a b a b"] * 4
    text = "lorem ipsum dolor sit amet " * 100
    assert " ".join(_cut(text, 90)).split() == text.split()
    assert max(len(p) for p in _cut(text, 90)) <= 90


def test_control_characters_are_stripped_when_an_article_is_read(tmp_path):
    path = tmp_path / "article.md"
    path.write_text("---\ntitle: T\npublisher: P\nmedical_reviewer: R\ndate_posted: '2026-01-01'"
                    "\n---\n\n# T\n\nIVIG\x00 is given\x07 by infusion.\r\nIt takes hours.\x1b\n",
                    encoding="utf-8")
    article = load_article(path)
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", article.body)
    assert "IVIG is given by infusion." in article.body
    assert without_control_characters("a\tb\nc\x00\x9fd\r\ne") == "a\tb\ncd\ne"


def _scored(article: str, index: int, text: str, p: float) -> Scored:
    unit = Unit(f"{article}:{index}", article, "S", 0, index, text, chunk_id=f"{article}:c")
    return Scored(unit, p, {"signpost": 0.0, "is_question": 0.0, "list_match": 0.0,
                            "leans_back": 0.0})


class _Models:
    """Every sentence likely enough to be quoted."""

    def threshold(self, name: str) -> float:
        return 0.1

    def selection(self, max_sentences: int) -> SelectionThresholds:
        return SelectionThresholds(0.1, 0.1, 0.1, max_sentences)


def test_a_sentence_in_two_articles_is_quoted_once():
    same = "IVIG is made from the plasma of many donors."
    trace = Trace(question=None, retrieved=(), route_rows={}, route=Route(("a", "b"), {}),
                  scored={"a": [_scored("a", 0, same, 0.9), _scored("a", 1, "Other.", 0.5)],
                          "b": [_scored("b", 0, " " + same.replace(" ", "  "), 0.8)]})
    answerer = ExtractiveAnswerer(None, None, _Models(), None, max_sentences=3)
    quotes = [s.unit.text for s in answerer.choose(trace)]
    assert sum(" ".join(q.split()) == same for q in quotes) == 1
    assert "Other." in quotes


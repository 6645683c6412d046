"""What the chat shows for an answer: the text literal, [n] and sources linked to the article,
suggestions after a refusal, urgent first, the disclaimer always (pure rendering)."""

from chatbot.article_page import Shelf
from chatbot.messages import Messages
from chatbot.suggestions import Suggestion
from chatbot.ui import render_answer

from .conftest import CORPUS

MESSAGES = Messages.load()
SHELF = Shelf.load(CORPUS)
QUOTE = "However, the effects of IVIG are short-lived, lasting only around three weeks."


def _answer(status="answered", text=f"{QUOTE} [1]", citations=None, reason=""):
    if citations is None:
        citations = [{"n": 1, "quote": QUOTE, "section": "Pros <b>and</b> cons",
                      "source": "Title", "chunk_id": "c", "article_id": "ivig-aiha"}]
    return {"status": status, "answer": text, "citations": citations, "reason": reason,
            "disclaimer": MESSAGES.disclaimer}


def test_each_marker_and_source_links_to_the_quote_in_its_article():
    shown = render_answer(_answer(), MESSAGES, SHELF)
    href = SHELF.citation_link(_answer()["citations"][0])
    assert href.startswith("/article/ivig-aiha?hl=")
    assert f'<a class="cite" href="{href}"' in shown
    assert f'<a class="source-link" href="{href}">&#91;1&#93; Pros &#60;b&#62;and' in shown
    assert "<b>" not in shown and shown.count("[1]") == 0  # brackets as references only


def test_model_text_stays_literal_around_its_links():
    text = "![x](http://e.com/a.png) <img src=x onerror=alert(1)> **so** [1]"
    shown = render_answer(_answer(text=text), MESSAGES, SHELF)
    assert "<img" not in shown and "](" not in shown and "**" not in shown
    assert shown.count('class="cite"') == 1


def test_without_the_article_a_source_is_plain_text():
    answer = _answer(citations=[{**_answer()["citations"][0], "article_id": "gone"}])
    shown = render_answer(answer, MESSAGES, SHELF)
    assert "<a " not in shown.split("answer-disclaimer")[0] and "&#91;1&#93;" in shown


def test_a_refusal_lists_questions_to_ask_and_sections_to_read():
    suggestions = (Suggestion("How Is It Given?", "ivig-aiha", "How Is It Given?", True),
                   Suggestion("Potential Side Effects of Intravenous Immunoglobulin Therapy",
                              "ivig-aiha",
                              "Potential Side Effects of Intravenous Immunoglobulin Therapy",
                              False))
    shown = render_answer(_answer("abstained", MESSAGES.not_in_article, []), MESSAGES, SHELF,
                          suggestions)
    assert '<button type="button" class="suggest">How Is It Given&#63;</button>' in shown
    assert 'href="/article/ivig-aiha#a-h' in shown
    assert render_answer(_answer("answered"), MESSAGES, SHELF, suggestions).count("suggest") == 0


def test_urgent_first_and_the_disclaimer_on_every_answer():
    for status, text in (("escalated", MESSAGES.emergency), ("rejected", MESSAGES.empty),
                         ("answered", f"{QUOTE} [1]")):
        shown = render_answer(_answer(status, text, None if status == "answered" else []),
                              MESSAGES, SHELF)
        assert shown.count('class="answer-disclaimer"') == 1
        assert "not medical advice" in shown
    shown = render_answer(_answer("escalated", MESSAGES.emergency, []), MESSAGES, SHELF)
    assert shown.startswith('<div class="urgent" role="alert"><strong class="urgent-label">')


def test_a_source_repeats_its_quote_only_when_the_answer_does_not_say_it():
    extractive = render_answer(_answer(), MESSAGES, SHELF)
    assert extractive.count("short&#45;lived") == 1  # in the answer, not again in the source
    paraphrase = render_answer(_answer(text="IVIG helps for about three weeks [1]"),
                               MESSAGES, SHELF)
    assert "— “However&#44; the effects of IVIG are short&#45;lived" in paraphrase

"""A model's reply is text: in a real Chromium, Markdown images and links and HTML in an answer
show as plain characters and make the browser fetch nothing; /ask carries no model internals.

The verifier drops such sentences before they reach an answer (tests/test_llm_answerer.py);
this checks the layer behind it, the chat's rendering, with an answer that carries them anyway.
"""

import json
import urllib.request

import pytest

from chatbot.feedback import FeedbackStore

from .conftest import serving
from .fakes import make_bot

pytestmark = [pytest.mark.browser]

REPLY = ("IVIG works fast ![x](http://127.0.0.1:9/x.png) see [the article](http://127.0.0.1:9/a) "
         "<img src=http://127.0.0.1:9/y.png> <a href=http://127.0.0.1:9/b>here</a> **bold**")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    from chatbot.ui import build_app

    app = build_app(make_bot(reply=REPLY),
                    FeedbackStore(tmp_path_factory.mktemp("fb") / "feedback.sqlite3"))
    with serving(app) as url:
        yield url


def test_a_model_reply_with_markup_shows_as_text_and_fetches_nothing(browser, served):
    context = browser.new_context(viewport={"width": 1100, "height": 1400})
    page = context.new_page()
    requested = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(served, wait_until="load")
    box = page.locator("#question textarea")
    box.wait_for(timeout=30_000)
    box.fill("How fast does IVIG work?")
    box.press("Enter")
    bot = page.locator('[data-testid="bot"]').first
    bot.wait_for(timeout=30_000)
    page.wait_for_timeout(1000)  # time for any image the reply might have asked for
    shown = bot.inner_text()
    assert "![x](http://127.0.0.1:9/x.png)" in shown
    assert "<img src=http://127.0.0.1:9/y.png>" in shown and "**bold**" in shown
    made = bot.evaluate("e => e.querySelectorAll('img, a, video, iframe').length")
    assert made == 0
    assert [u for u in requested if not u.startswith(served + "/")] == []
    context.close()


def test_the_public_answer_carries_no_model_internals(served):
    request = urllib.request.Request(served + "/gradio_api/call/ask",
                                     b'{"data": ["How fast does IVIG work?", []]}',
                                     {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        event = json.loads(response.read())["event_id"]
    with urllib.request.urlopen(f"{served}/gradio_api/call/ask/{event}", timeout=30) as response:
        stream = response.read().decode()
    answer = json.loads([line for line in stream.splitlines()
                         if line.startswith("data: ")][-1][len("data: "):])[0]
    assert answer["status"] == "answered"
    assert "generator" not in answer and "dropped" not in answer
    assert "openai" not in json.dumps(answer)

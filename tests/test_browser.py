"""The real app in a real headless Chromium (Debian's), plus a gradio_client round trip."""


import pytest

from .conftest import ROOT, ask_in, open_chat

pytestmark = [pytest.mark.integration, pytest.mark.browser]

ARTIFACTS = ROOT / "test-artifacts"



@pytest.fixture
def page(browser, served):
    url, _ = served
    page = open_chat(browser, url, {"width": 1100, "height": 1400})
    yield page
    page.context.close()


def _ask(page, question: str, count: int):
    return ask_in(page, question, count)


def test_answer_with_sources_and_disclaimer_then_a_follow_up(page):
    disclaimer = page.locator("#disclaimer")
    assert "not medical advice" in disclaimer.inner_text().lower()
    assert "Madison Ragoonanan" not in disclaimer.inner_text()  # one line until opened
    disclaimer.locator("summary").click()
    assert "does not replace your hematologist" in disclaimer.inner_text()
    assert "Madison Ragoonanan" in disclaimer.inner_text()
    assert "2023-07-11" in disclaimer.inner_text()
    answer = _ask(page, "Can I get IVIG at home?", 1)
    text = answer.inner_text()
    assert "[1]" in text and "Sources" in text and "can’t be done at home" in text
    assert "not medical advice" in text
    follow_up = _ask(page, "and how long do the effects last?", 2)
    assert "three weeks" in follow_up.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "answer.png"), full_page=True)
    assert (ARTIFACTS / "answer.png").stat().st_size > 10_000


def test_emergency_is_urgent_and_first(page):
    answer = _ask(page, "I can't breathe and my throat is closing", 1)
    urgent = answer.locator(".urgent")
    assert urgent.count() == 1
    assert urgent.inner_text().strip().startswith("Urgent")
    assert "911" in urgent.inner_text()
    # no emoji: the sign is drawn by CSS, so it shows without an emoji font
    assert all(ord(ch) < 0x2600 for ch in urgent.inner_text())
    color = urgent.evaluate("e => getComputedStyle(e).borderTopColor")
    assert color == "rgb(176, 0, 32)"
    label = urgent.locator(".urgent-label")
    assert label.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(176, 0, 32)"
    assert label.evaluate("e => getComputedStyle(e, '::before').content") == '"!"'


def test_typed_markup_shows_as_text_and_runs_nothing(page):
    payload = "<img src=x onerror=alert(1)>"
    _ask(page, payload, 1)
    user = page.locator('[data-testid="user"]').first
    assert payload in user.inner_text()
    assert user.locator("img").count() == 0
    assert page.dialogs == []


def test_keyboard_only_send(page):
    page.keyboard.press("Tab")  # focus moves through labelled controls
    box = page.locator("#question textarea")
    box.focus()
    page.keyboard.type("Can I get IVIG at home?")
    page.keyboard.press("Enter")
    page.locator('[data-testid="bot"]').first.wait_for(timeout=60_000)
    assert "at home" in page.locator('[data-testid="bot"]').first.inner_text()
    assert page.get_by_label("Your question").count() == 1


def test_thumbs_down_with_comment_lands_in_sqlite(page, served):
    _, store = served
    before = len(store.all())
    answer = _ask(page, "How long do the effects of IVIG last?", 1)
    answer.hover()
    page.get_by_label("Dislike").first.click()
    page.locator("#feedback-comment textarea").wait_for(timeout=10_000)
    page.locator("#feedback-comment textarea").fill("I wanted to know about my next dose")
    page.locator("#send-comment").click()
    page.get_by_text("Comment sent").wait_for(timeout=10_000)
    rows = store.all()[before:]
    assert [r["rating"] for r in rows] == ["down"]  # the comment is on its rating, not a row
    assert rows[-1]["comment"] == "I wanted to know about my next dose"
    assert rows[-1]["question"] == "How long do the effects of IVIG last?"
    assert "three weeks" in rows[-1]["answer"]


def test_gradio_client_round_trip(served):
    from gradio_client import Client

    url, _ = served
    result = Client(url, verbose=False).predict("How long do the effects of IVIG last?", [],
                                                api_name="/ask")
    assert result["status"] == "answered"
    assert "three weeks" in result["answer"]
    assert result["citations"][0]["quote"] in result["answer"]


def test_mobile_width_keeps_the_disclaimer_and_the_question_box(browser, served):
    url, _ = served
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(url, wait_until="load")
    box = page.locator("#question textarea")
    box.wait_for(timeout=30_000)
    assert page.locator("#disclaimer").is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400  # no sideways scrolling
    answer = _ask(page, "How long do the effects of IVIG last?", 1)
    assert "three weeks" in answer.inner_text()
    page.screenshot(path=str(ARTIFACTS / "mobile.png"), full_page=True)
    context.close()

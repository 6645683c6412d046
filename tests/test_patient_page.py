"""The chat page as a patient uses it, in a real Chromium at laptop and phone sizes: sources open
the article at the quoted sentence, refusals suggest what the library answers, the layout keeps
the disclaimer and the newest answer in view, feedback has one current rating per answer, and
axe-core finds no serious or critical accessibility problem."""

import json
import urllib.error
import urllib.request

import pytest

from .conftest import LAPTOP, PHONE, ROOT, ask_in, open_chat

pytestmark = [pytest.mark.integration, pytest.mark.browser]

ARTIFACTS = ROOT / "test-artifacts"
AXE = ROOT / "tests" / "vendor" / "axe-core" / "axe.min.js"
SIZES = {"laptop": LAPTOP, "phone": PHONE}


@pytest.fixture(params=list(SIZES))
def sized(request, browser, served):
    url, _ = served
    page = open_chat(browser, url, SIZES[request.param])
    page.size_name = request.param
    yield page
    page.context.close()


def _in_view(page, locator) -> bool:
    box = locator.bounding_box()
    size = page.viewport_size
    return box is not None and box["y"] >= 0 and box["y"] + min(box["height"], 40) <= size[
        "height"] and box["x"] >= 0 and box["x"] + box["width"] <= size["width"] + 1


def _shot(page, name: str):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))


def test_a_source_opens_the_article_at_the_highlighted_sentence(sized):
    page = sized
    answer = ask_in(page, "How long do the effects of IVIG last?", 1)
    quote = "However, the effects of IVIG are short-lived, lasting only around three weeks."
    assert quote in answer.inner_text()
    # laptop: the [n] in the answer; phone: the source under it
    link = answer.locator("a.cite" if page.size_name == "laptop" else "a.source-link").first
    link.click()
    dialog = page.locator("#article-dialog")
    mark = dialog.locator("mark")
    mark.wait_for(timeout=10_000)
    assert mark.count() == 1 and mark.inner_text() == quote
    header = dialog.locator("header").inner_text()
    assert "What Are IVIG Infusions?" in header
    assert "Madison Ragoonanan" in header and "2023-07-11" in header
    assert _in_view(page, mark), "the quoted sentence is scrolled into view"
    assert page.evaluate("document.activeElement.contains(document.querySelector("
                         "'#article-dialog mark'))")
    assert dialog.evaluate("d => getComputedStyle(d).backgroundColor") == "rgb(255, 255, 255)"
    if page.size_name == "phone":  # the whole screen, nothing to scroll sideways
        box = dialog.bounding_box()
        assert box["width"] >= PHONE["width"] - 1 and box["height"] >= PHONE["height"] - 1
    _shot(page, f"article-{page.size_name}.png")
    page.get_by_role("button", name="Back to the chat").click()
    assert not dialog.is_visible()
    assert quote in page.locator('[data-testid="bot"]').first.inner_text()  # the chat is kept
    assert page.evaluate("document.activeElement.className") in ("cite", "source-link")
    assert page.dialogs == []


def test_the_article_opens_and_closes_with_the_keyboard(browser, served):
    page = open_chat(browser, served[0], LAPTOP)
    answer = ask_in(page, "Can I get IVIG at home?", 1)
    answer.locator("a.cite").first.focus()
    page.keyboard.press("Enter")
    page.locator("#article-dialog mark").wait_for(timeout=10_000)
    assert "can’t be done at home" in page.locator("#article-dialog mark").inner_text()
    page.keyboard.press("Escape")
    assert not page.locator("#article-dialog").is_visible()
    assert page.evaluate("document.activeElement.className") == "cite"
    page.keyboard.press("Enter")  # again, then back with the button
    page.locator("#article-dialog mark").wait_for(timeout=10_000)
    for _ in range(3):  # from the sentence, the way back is a Tab or two away
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "article-back":
            break
    assert page.evaluate("document.activeElement.id") == "article-back"
    page.keyboard.press("Enter")
    assert not page.locator("#article-dialog").is_visible()
    page.context.close()


def test_the_article_route_is_served_and_nothing_else_under_it(served):
    url, _ = served
    with urllib.request.urlopen(f"{url}/article/ivig-aiha?hl=2,%3Cscript%3E") as response:
        body = response.read().decode()
        assert response.headers["Content-Type"].startswith("text/html")
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert '<span class="unit" id="a-s2"><mark>' in body and "<script" not in body
    for path in ("/article/nope", "/article/../gradio_api/upload", "/article/ivig-aiha/x"):
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(f"{url}{path}")
        assert err.value.code == 404, path
    request = urllib.request.Request(f"{url}/article/ivig-aiha", data=b"{}", method="POST")
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(request)
    assert err.value.code == 404


def test_a_refusal_suggests_answerable_questions_and_asking_one_answers(sized):
    page = sized
    refusal = ask_in(page, "Can I take IVIG while pregnant?", 1)
    text = refusal.inner_text()
    assert "doesn't cover that" in text and "The articles do answer" in text
    suggestions = refusal.locator("button.suggest")
    assert suggestions.count() >= 1
    first = suggestions.first.inner_text()
    assert first not in {"How fast does IVIG work?", "What are the side effects of IVIG?"}
    _shot(page, f"refusal-{page.size_name}.png")
    suggestions.first.click()
    answer = page.locator('[data-testid="bot"]').nth(1)
    answer.wait_for(timeout=60_000)
    assert page.locator('[data-testid="user"]').nth(1).inner_text().strip() == first
    assert "[1]" in answer.inner_text() and "Sources" in answer.inner_text()


def test_layout_keeps_the_disclaimer_and_the_newest_first_line_in_view(sized):
    page = sized
    disclaimer = page.locator("#disclaimer")
    assert disclaimer.bounding_box()["height"] < (90 if page.size_name == "phone" else 60)
    assert "Not medical advice" in disclaimer.inner_text()
    if page.size_name == "phone":  # no jump: nothing takes focus, the top stays in view
        page.wait_for_timeout(1500)
        assert page.evaluate("document.activeElement.tagName") != "TEXTAREA"
        assert page.evaluate("scrollY") == 0
    else:  # with a mouse and keyboard, type straight away
        page.wait_for_function("document.activeElement.tagName === 'TEXTAREA'",
                               timeout=10_000)
    for n, question in enumerate(["How long do the effects of IVIG last?",
                                  "What are the side effects of IVIG?",
                                  "Can I get IVIG at home?"], start=1):
        answer = ask_in(page, question, n)
        page.wait_for_timeout(300)
        chat, box = page.locator("#chat").bounding_box(), answer.bounding_box()
        assert chat["y"] <= box["y"] <= chat["y"] + chat["height"] - 30, "first line in the chat"
        # and nothing covers it (the chat's label used to)
        assert page.evaluate("([x, y]) => document.elementFromPoint(x, y)?.closest("
                             "'[data-testid=\"bot\"]') !== null", [box["x"] + 20, box["y"] + 12])
    short = answer.locator(".answer-disclaimer summary")
    assert short.inner_text() == "General information, not medical advice."
    assert answer.locator(".answer-disclaimer").inner_text().strip() == short.inner_text()
    assert disclaimer.bounding_box()["y"] >= 0 and _in_view(page, disclaimer)
    _shot(page, f"layout-{page.size_name}.png")


def test_the_comment_box_opens_next_to_the_rated_answer(browser, served):
    page = open_chat(browser, served[0], PHONE)
    ask_in(page, "How fast does IVIG work?", 1)
    answer = ask_in(page, "How long do the effects of IVIG last?", 2)
    answer.hover()
    page.get_by_label("Dislike").last.click()
    box = page.locator("#feedback-comment textarea")
    box.wait_for(timeout=10_000)
    page.wait_for_timeout(400)
    assert _in_view(page, box), "the comment box is on screen, not below the examples"
    chat, comment = page.locator("#chat").bounding_box(), box.bounding_box()
    assert 0 <= comment["y"] - (chat["y"] + chat["height"]) < 200  # right under the answers
    _shot(page, "feedback-phone.png")
    page.context.close()


def test_one_current_rating_per_answer_and_the_comment_on_its_rating(browser, served):
    _, store = served
    page = open_chat(browser, served[0], LAPTOP)
    before = {r["id"] for r in store.all()}
    answer = ask_in(page, "How long do the effects of IVIG last?", 1)
    answer.hover()
    page.get_by_label("Dislike").first.click()
    page.locator("#feedback-comment textarea").fill("It did not say why")
    page.locator("#send-comment").click()
    page.get_by_text("Comment sent").wait_for(timeout=10_000)
    answer.hover()
    page.get_by_label("Like", exact=True).first.click()
    page.get_by_text("Thank you for the feedback").wait_for(timeout=10_000)
    page.wait_for_timeout(300)
    history = [r for r in store.all() if r["id"] not in before]
    assert [(r["rating"], r["comment"]) for r in history] == [("down", "It did not say why"),
                                                              ("up", None)]
    assert len({r["answer_id"] for r in history}) == 1
    current = [r for r in store.current() if r["answer_id"] == history[0]["answer_id"]]
    assert [r["rating"] for r in current] == ["up"]
    page.context.close()


def _axe(page) -> dict:
    page.add_script_tag(path=str(AXE))
    return page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return {passes: r.passes.length, violations: r.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => n.target.join(' '))}))};
    }""")


def test_axe_finds_no_serious_or_critical_problem_after_a_conversation(sized):
    page = sized
    ask_in(page, "How long do the effects of IVIG last?", 1)  # answered
    ask_in(page, "How much does IVIG cost?", 2)  # refused, with suggestions
    ask_in(page, "I can't breathe and my throat is closing", 3)  # urgent
    page.locator("#disclaimer summary").click()
    result = _axe(page)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"axe-{page.size_name}.json").write_text(json.dumps(result, indent=1))
    page.screenshot(path=str(ARTIFACTS / f"axe-{page.size_name}.png"), full_page=True)
    assert result["passes"] > 10  # axe really ran
    blocking = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert blocking == [], blocking
    # the article view too, opened over the chat
    page.locator('[data-testid="bot"]').first.locator("a.source-link").first.click()
    page.locator("#article-dialog mark").wait_for(timeout=10_000)
    result = page.evaluate("""async () => (await axe.run(document.querySelector(
        '#article-dialog'), {resultTypes: ['violations']})).violations.filter(
        v => v.impact === 'serious' || v.impact === 'critical').map(v => v.id)""")
    assert result == []


def test_every_control_shows_focus_and_none_is_unlabelled(browser, served):
    page = open_chat(browser, served[0], LAPTOP)
    ask_in(page, "How long do the effects of IVIG last?", 1)
    ask_in(page, "How much does IVIG cost?", 2)
    page.locator("body").click(position={"x": 2, "y": 2})
    seen, unfocused = set(), []
    for _ in range(60):
        page.keyboard.press("Tab")
        info = page.evaluate("""() => { const e = document.activeElement;
            const s = getComputedStyle(e);
            return {key: e.tagName + '|' + (e.id || '') + '|' + (e.getAttribute('aria-label')
                    || e.textContent.trim().slice(0, 40)),
                    outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2,
                    shadow: s.boxShadow !== 'none', tag: e.tagName}; }""")
        if info["tag"] == "BODY" or info["key"] in seen:
            continue
        seen.add(info["key"])
        if not (info["outline"] or info["shadow"]):
            unfocused.append(info["key"])
    assert len(seen) >= 10 and unfocused == [], unfocused
    unlabelled = page.evaluate("""() => [...document.querySelectorAll('button')].filter(b =>
        b.offsetParent !== null && !(b.getAttribute('aria-label') || b.textContent.trim()
        || b.title)).map(b => b.outerHTML.slice(0, 120))""")
    assert unlabelled == []
    assert page.locator("#chat").get_by_label("Share").count() == 0
    page.context.close()


def test_an_article_named_in_the_disclaimer_opens_over_the_chat(browser, served):
    page = open_chat(browser, served[0], LAPTOP)
    ask_in(page, "How long do the effects of IVIG last?", 1)
    page.locator("#disclaimer summary").click()
    page.locator('#disclaimer a[href^="/article/"]').first.click()
    page.locator("#article-dialog").wait_for(state="visible", timeout=10_000)
    assert "/article/" not in page.url  # over the chat, not instead of it
    page.keyboard.press("Escape")
    assert page.locator('[data-testid="bot"]').count() == 1  # the conversation is kept

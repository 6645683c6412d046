"""The launched app as an attacker and a careless typist meet it: a real Gradio server and a
real headless Chromium, around the real Chatbot with a fake index (no model, fast)."""

import json
import urllib.error
import urllib.request

import pytest

from chatbot.feedback import FeedbackStore

from .conftest import LAPTOP, open_chat, serving
from .fakes import FakeRetriever, make_bot

pytestmark = [pytest.mark.browser]


TYPED = [
    "![x](http://127.0.0.1:9/x.png)",
    "[the article](http://127.0.0.1:9/a) and https://127.0.0.1:9/b.png and www.example.com",
    "# A header",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "<img src=x>",
    "$$x$$",
    "- a list\n1. item `code` **bold**",
]


@pytest.fixture(scope="module")
def retriever():
    return FakeRetriever()


@pytest.fixture(scope="module")
def blocks(retriever, tmp_path_factory):
    """The launched Gradio app, its URL and the bot behind it."""
    from chatbot.ui import build_app

    bot = make_bot(retriever)
    app = build_app(bot, FeedbackStore(tmp_path_factory.mktemp("fb") / "feedback.sqlite3"))
    with serving(app) as url:
        yield app, url, bot


@pytest.fixture(scope="module")
def served(blocks):
    _, url, bot = blocks
    return url, bot


@pytest.fixture
def page(browser, served):
    url, _ = served
    context = browser.new_context(viewport={"width": 1100, "height": 1400})
    page = context.new_page()
    page.requested = []
    page.on("request", lambda r: page.requested.append(r.url))
    page.goto(url, wait_until="load")
    page.locator("#question textarea").wait_for(timeout=30_000)
    yield page
    context.close()


def _send(page, text: str):
    count = page.locator('[data-testid="bot"]').count()
    box = page.locator("#question textarea")
    box.fill(text)
    box.press("Enter")
    page.locator('[data-testid="bot"]').nth(count).wait_for(timeout=30_000)


def test_typed_markup_shows_literally_and_fetches_nothing(page, served):
    url, _ = served
    for text in TYPED:
        _send(page, text)
    page.wait_for_timeout(1000)  # time for any image or font a message might have asked for
    users = page.locator('[data-testid="user"]')
    assert users.count() == len(TYPED)
    for i, text in enumerate(TYPED):
        shown = users.nth(i).inner_text()
        assert shown.split() == text.split(), shown
        made = users.nth(i).evaluate(
            "e => e.querySelectorAll('img,a,table,h1,h2,h3,code,li,strong,.katex,math').length")
        assert made == 0, text
    foreign = [u for u in page.requested if not u.startswith(url + "/")]
    assert foreign == []


def test_the_trash_icon_forgets_the_conversation(page, served):
    _, bot = served
    _send(page, "When is IVIG used for warm AIHA?")
    _send(page, "And what about the cold type?")
    assert len(bot.calls[-1][1]) == 2  # the follow-up was read with the first question
    page.locator("#chat").get_by_role("button", name="Clear").click()
    page.locator('[data-testid="bot"]').first.wait_for(state="detached", timeout=10_000)
    _send(page, "And what about the cold type?")
    assert bot.calls[-1] == ("And what about the cold type?", [])


def _request(url: str, data: bytes | None = None, headers: dict | None = None):
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


@pytest.mark.parametrize(("method", "path"), [
    ("POST", "/gradio_api/upload"), ("POST", "/gradio_api/upload/"),
    ("POST", "//gradio_api//upload"), ("GET", "/gradio_api/upload_progress"),
    ("GET", "/monitoring"), ("GET", "/monitoring/summary"), ("GET", "/gradio_api/monitoring"),
    ("GET", "/gradio_api/file=/etc/passwd"), ("GET", "/gradio_api/file/etc/passwd"),
    ("GET", "/gradio_api/proxy=http://127.0.0.1:9/"), ("POST", "/gradio_api/call/v2/ask"),
    ("POST", "/gradio_api/api/ask"), ("GET", "/gradio_api/openapi.json"),
    ("POST", "/gradio_api/vibe-code"), ("GET", "/docs"),
])
def test_only_what_we_serve_is_reachable(served, method, path):
    url, _ = served
    body = b"--b\r\nContent-Disposition: form-data; name=files; filename=a.txt\r\n\r\nhi\r\n--b--"
    status, _ = _request(url + path, body if method == "POST" else None,
                         {"Content-Type": "multipart/form-data; boundary=b"})
    assert status == 404


def test_the_page_and_its_parts_are_served(served):
    url, _ = served
    for path in ("/", "/config", "/gradio_api/info", "/theme.css"):
        assert _request(url + path)[0] == 200, path


def _call_ask(url: str, body: bytes) -> dict:
    status, raw = _request(url + "/gradio_api/call/ask", body,
                           {"Content-Type": "application/json"})
    assert status == 200, raw
    event = json.loads(raw)["event_id"]
    status, stream = _request(f"{url}/gradio_api/call/ask/{event}")
    assert status == 200
    data = [line[len("data: "):] for line in stream.decode().splitlines()
            if line.startswith("data: ")]
    return json.loads(data[-1])[0]


@pytest.mark.parametrize("body", [
    b"{}", b"not json", b"[]", b'{"data": 5}', b'{"data": []}', b'{"data": [5]}',
    b'{"data": [5, []]}', b'{"data": ["How fast does IVIG work?", 5]}',
    b'{"data": [null, null]}', b'{"data": [{"a": 1}, "x", "extra"]}',
])
def test_malformed_ask_requests_get_a_rejected_answer(served, body):
    url, _ = served
    answer = _call_ask(url, body)
    assert answer["status"] == "rejected" and answer["reason"] == "malformed"
    assert answer["disclaimer"]


def test_run_ask_is_never_a_500(served):
    url, _ = served
    for body in (b"{}", b'{"data": [5]}'):
        status, raw = _request(url + "/gradio_api/run/ask", body,
                               {"Content-Type": "application/json"})
        assert status == 200 and json.loads(raw)["data"][0]["status"] == "rejected"


def test_an_oversized_body_is_refused_before_any_work(served):
    url, _ = served
    status, _ = _request(url + "/gradio_api/call/ask", b'{"data": ["' + b"a" * 2_000_000 + b'"]}',
                         {"Content-Type": "application/json"})
    assert status == 413


def test_a_failing_index_gives_unavailable_over_http(served, retriever):
    url, _ = served
    retriever.error = ConnectionError("Chroma is down")
    try:
        answer = _call_ask(url, b'{"data": ["How fast does IVIG work?", []]}')
        urgent = _call_ask(url, b'{"data": ["I can\'t breathe", []]}')
    finally:
        retriever.error = None
    assert answer["status"] == "unavailable" and "try again" in answer["answer"]
    assert answer["disclaimer"]
    assert urgent["status"] == "escalated"


def test_gradio_client_still_works(served):
    from gradio_client import Client

    url, _ = served
    client = Client(url, verbose=False)
    assert client.predict("How fast does IVIG work?", [], api_name="/ask")["status"] == "abstained"
    assert client.predict("x", 5, api_name="/ask")["status"] == "rejected"


def test_the_queue_keeps_no_growing_statistics(blocks):
    """Gradio's monitoring statistics (a page we do not serve) would otherwise be rebuilt with
    pandas after every answer, over up to 10,000 past events: app CPU per answer that grows."""
    app, url, _ = blocks
    for _ in range(3):
        _call_ask(url, b'{"data": ["How fast does IVIG work?", []]}')
    queue = app._queue
    assert len(queue.event_analytics) <= 1
    assert queue.cached_event_analytics_summary == {"functions": {}}


def test_api_traffic_keeps_a_bounded_number_of_sessions_and_chats_forget_nothing(
        browser, retriever, tmp_path):
    """Gradio keeps a session for every /ask call; the app keeps at most `max_sessions`. A
    chat page keeps nothing in Gradio's sessions, so API traffic that pushes its session out
    never makes it forget what the patient rated."""
    from chatbot.ui import build_app

    bot = make_bot(retriever, reply="It begins working in one to five days.")
    bot.settings = bot.settings.with_(max_sessions=5)
    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    app = build_app(bot, store)
    with serving(app) as url:
        page = open_chat(browser, url, LAPTOP)
        _send(page, "How long does IVIG last?")
        page.locator('[data-testid="bot"]').first.hover()
        page.get_by_label("Dislike").first.click()
        page.locator("#feedback-comment textarea").wait_for(timeout=10_000)
        for n in range(12):
            answer = _call_ask(url, json.dumps(
                {"data": [f"How fast does IVIG work {n}?", []]}).encode())
            assert answer["status"] == "answered"
        assert len(app.state_holder.session_data) <= 5
        page.locator("#feedback-comment textarea").fill("too short")
        page.locator("#send-comment").click()
        page.get_by_text("Comment sent").wait_for(timeout=10_000)
        assert store.all()[-1]["comment"] == "too short"
        page.context.close()

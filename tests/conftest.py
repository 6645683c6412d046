"""Shared fixtures: the real corpus, a real Chroma index in a temp folder, the real model."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from chatbot import Settings

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
RAW_ARTICLE = ROOT / "tests" / "fixtures" / "ivig-aiha-article.raw.txt"
# Debian's chromium, never a browser that Playwright downloads; flags that work as root offline.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


@pytest.fixture(scope="session")
def embeddings():
    from chatbot.embedding import CachedEmbeddings, load_embeddings

    return CachedEmbeddings(load_embeddings())


@pytest.fixture(scope="session")
def indexed_settings(tmp_path_factory, embeddings) -> Settings:
    """The real corpus ingested once into a Chroma folder of its own."""
    from chatbot.indexing import ingest_folder

    settings = Settings(corpus_dir=CORPUS, chroma_dir=tmp_path_factory.mktemp("chroma"),
                        feedback_db=tmp_path_factory.mktemp("feedback") / "feedback.sqlite3")
    report = ingest_folder(settings, embeddings)
    assert report.added == report.chunks > 0
    return settings


@pytest.fixture(scope="session")
def bot(indexed_settings):
    from chatbot import load_chatbot

    return load_chatbot(indexed_settings)


@pytest.fixture(scope="session")
def article_body() -> str:
    from chatbot.corpus import load_article

    return load_article(CORPUS / "ivig-aiha.md").body


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class ChromaServer:
    port: int
    process: subprocess.Popen


@pytest.fixture
def chroma_server(tmp_path):
    """A real `chroma run` server from the chromadb package, on a free loopback port."""
    port = free_port()
    chroma = (shutil.which("chroma", path=str(Path(sys.executable).parent))
              or shutil.which("chroma"))
    assert chroma, "the chroma CLI comes with the chromadb package"
    server = subprocess.Popen([chroma, "run", "--path", str(tmp_path / "server-data"),
                               "--host", "127.0.0.1", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.2)
    else:
        server.kill()
        pytest.fail("the Chroma server did not start within 60 s")
    yield ChromaServer(port, server)
    server.terminate()
    server.wait(timeout=30)


def squash(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium for the browser tests (one per test module)."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian chromium is missing: `apt-get install chromium` (.ci/run does it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@contextmanager
def serving(app):
    """A built Gradio app served on a free loopback port: its URL; closed afterwards."""
    from chatbot.ui import launch

    port = free_port()
    launch(app, "127.0.0.1", port, prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        app.close()


@pytest.fixture(scope="module")
def served(bot, tmp_path_factory):
    """The real app on a free port (one per test module), with its own feedback database."""
    from chatbot.feedback import FeedbackStore
    from chatbot.ui import build_app

    store = FeedbackStore(tmp_path_factory.mktemp("fb") / "feedback.sqlite3")
    with serving(build_app(bot, store)) as url:
        yield url, store


LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def open_chat(browser, url: str, viewport: dict):
    """A fresh page on the chat at this size (a phone is a touch device), ready to type in."""
    phone = viewport["width"] < 600
    context = browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone)
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.dialogs = dialogs
    page.goto(url, wait_until="load")
    page.locator("#question textarea").wait_for(timeout=30_000)
    return page


def ask_in(page, question: str, count: int):
    """Type a question, press Enter, and return the count-th answer once it is shown."""
    box = page.locator("#question textarea")
    box.fill(question)
    box.press("Enter")
    bots = page.locator('[data-testid="bot"]')
    bots.nth(count - 1).wait_for(timeout=60_000)
    return bots.nth(count - 1)

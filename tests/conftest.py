"""Shared fixtures: the real corpus, a real Chroma index in a temp folder, the real model."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
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


@pytest.fixture
def chroma_server(tmp_path):
    """A real `chroma run` server from the chromadb package, on a free loopback port."""
    port = free_port()
    chroma = shutil.which("chroma", path=str(Path(sys.executable).parent)) or shutil.which("chroma")
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
    yield port
    server.terminate()
    server.wait(timeout=30)

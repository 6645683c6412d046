"""Shared fixtures: the real corpus, a real Chroma index in a temp folder, the real model."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from chatbot import Settings

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
RAW_ARTICLE = ROOT / "tests" / "fixtures" / "ivig-aiha-article.raw.txt"


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

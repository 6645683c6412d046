"""Ingestion into a real Chroma folder with the real model: idempotent, incremental, offline."""

import shutil
import subprocess
import sys

import pytest

from chatbot import Settings
from chatbot.indexing import ingest_folder
from chatbot.store import ChunkStore, IndexNotFoundError

from .conftest import CORPUS, RAW_ARTICLE, ROOT

pytestmark = pytest.mark.integration


def _ingest(settings, embeddings):
    return ingest_folder(ChunkStore.open(settings, create=True), embeddings,
                         settings.corpus_dir, settings.chunk_max_chars)


def test_second_run_changes_nothing_and_an_edit_updates_only_what_changed(tmp_path, embeddings):
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    settings = Settings(corpus_dir=corpus, chroma_dir=tmp_path / "chroma")
    first = _ingest(settings, embeddings)
    assert first.articles == 1 and first.added == first.chunks > 10
    again = _ingest(settings, embeddings)
    assert (again.added, again.updated, again.removed) == (0, 0, 0)
    assert not again.changed and "nothing changed" in again.summary()

    article = corpus / "ivig-aiha.md"
    text = article.read_text()
    article.write_text(text.replace("lasting only around three weeks", "lasting about a month"))
    edited = _ingest(settings, embeddings)
    assert (edited.added, edited.removed) == (1, 1)
    stored = "\n".join(c.text for c in ChunkStore.open(settings).all_chunks())
    assert "about a month" in stored and "three weeks" not in stored


def test_several_articles_and_a_bad_file(tmp_path, embeddings):
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    shutil.copy(RAW_ARTICLE, corpus / "copy-from-raw.txt")
    (corpus / "broken.md").write_text("no front matter here")
    settings = Settings(corpus_dir=corpus, chroma_dir=tmp_path / "chroma")
    report = _ingest(settings, embeddings)
    assert report.articles == 2
    assert any("broken" in problem for problem in report.skipped)
    articles = {c.metadata["article_id"] for c in ChunkStore.open(settings).all_chunks()}
    assert articles == {"ivig-aiha", "copy-from-raw"}

    (corpus / "copy-from-raw.txt").unlink()
    report = _ingest(settings, embeddings)
    assert report.removed > 0 and report.added == 0
    articles = {c.metadata["article_id"] for c in ChunkStore.open(settings).all_chunks()}
    assert articles == {"ivig-aiha"}


def test_a_missing_index_says_what_to_do(tmp_path):
    with pytest.raises(IndexNotFoundError, match=r"run `python ingest\.py` first"):
        ChunkStore.open(Settings(chroma_dir=tmp_path / "nothing-here"))


def test_ingest_cli_reports_and_is_idempotent(tmp_path):
    env_args = ["--corpus", str(CORPUS), "--chroma-dir", str(tmp_path / "chroma")]
    first = subprocess.run([sys.executable, "ingest.py", *env_args], cwd=ROOT,
                           capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    assert "1 article(s)" in first.stdout and "added" in first.stdout
    second = subprocess.run([sys.executable, "ingest.py", *env_args], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert "nothing changed" in second.stdout

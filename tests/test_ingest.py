"""Ingestion into a real Chroma (folder and server) with the real model: idempotent,
incremental, and never a half-written index serving."""

import shutil
import subprocess
import sys
import time

import pytest

from chatbot import Settings, load_chatbot
from chatbot.indexing import ingest_folder
from chatbot.store import ChunkStore, IndexNotFoundError

from .conftest import CORPUS, RAW_ARTICLE, ROOT

pytestmark = pytest.mark.integration


def _corpus_copy(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    return corpus


def _stored(settings):
    return ChunkStore.open(settings).all_chunks()


def test_second_run_changes_nothing_and_an_edit_updates_only_what_changed(tmp_path, embeddings):
    settings = Settings(corpus_dir=_corpus_copy(tmp_path), chroma_dir=tmp_path / "chroma")
    first = ingest_folder(settings, embeddings)
    assert first.articles == 1 and first.added == first.chunks > 10
    again = ingest_folder(settings, embeddings)
    assert (again.added, again.updated, again.removed) == (0, 0, 0)
    assert not again.changed and "nothing changed" in again.summary()

    article = settings.corpus_dir / "ivig-aiha.md"
    text = article.read_text()
    article.write_text(text.replace("lasting only around three weeks", "lasting about a month"))
    edited = ingest_folder(settings, embeddings)
    assert (edited.added, edited.removed, edited.articles_changed) == (1, 1, 1)
    stored = "\n".join(c.text for c in _stored(settings))
    assert "about a month" in stored and "three weeks" not in stored
    assert len(_stored(settings)) == edited.chunks


def test_several_articles_and_a_bad_file(tmp_path, embeddings):
    corpus = _corpus_copy(tmp_path)
    shutil.copy(RAW_ARTICLE, corpus / "copy-from-raw.txt")
    (corpus / "broken.md").write_text("no front matter here")
    settings = Settings(corpus_dir=corpus, chroma_dir=tmp_path / "chroma")
    report = ingest_folder(settings, embeddings)
    assert report.articles == 2
    assert any("broken" in problem for problem in report.skipped)
    assert {c.metadata["article_id"] for c in _stored(settings)} == {"ivig-aiha",
                                                                    "copy-from-raw"}
    bot = load_chatbot(settings)
    answer = bot.ask("How fast does IVIG work?")
    assert {c.article_id for c in answer.citations} <= {"ivig-aiha", "copy-from-raw"}

    (corpus / "copy-from-raw.txt").unlink()
    report = ingest_folder(settings, embeddings)
    assert report.removed > 0 and report.added == 0 and report.articles_removed == 1
    assert {c.metadata["article_id"] for c in _stored(settings)} == {"ivig-aiha"}


class _FailingEmbeddings:
    def __init__(self, inner):
        self.inner = inner

    def embed_documents(self, texts):
        raise RuntimeError("the model crashed half-way")


def test_a_failed_ingest_leaves_the_previous_index_answering(tmp_path, embeddings, monkeypatch):
    settings = Settings(corpus_dir=_corpus_copy(tmp_path), chroma_dir=tmp_path / "chroma")
    ingest_folder(settings, embeddings)
    before = sorted(c.chunk_id for c in _stored(settings))
    bot = load_chatbot(settings)
    article = settings.corpus_dir / "ivig-aiha.md"
    article.write_text(article.read_text().replace("three weeks", "two months"))

    with pytest.raises(RuntimeError):
        ingest_folder(settings, _FailingEmbeddings(embeddings))
    assert sorted(c.chunk_id for c in _stored(settings)) == before

    import chatbot.store as store

    real_stage = store._stage
    calls = []

    def crash_after_first_collection(client, name, ids, *rest):
        calls.append(name)
        real_stage(client, name, ids, *rest)  # the sentences are staged...
        raise OSError("disk full")  # ...and the disk fills before the chunks are

    monkeypatch.setattr(store, "_stage", crash_after_first_collection)
    with pytest.raises(OSError):
        ingest_folder(settings, embeddings)
    monkeypatch.undo()
    assert calls and sorted(c.chunk_id for c in _stored(settings)) == before
    assert "three weeks" in bot.ask("How long do the effects of IVIG last?").answer

    ingest_folder(settings, embeddings)  # a good run cleans up and publishes
    time.sleep(2.1)  # the app checks for a newer index at most every 2 s
    assert "two months" in bot.ask("How long do the effects of IVIG last?").answer


def test_a_missing_index_says_what_to_do(tmp_path):
    with pytest.raises(IndexNotFoundError, match=r"run `python ingest\.py` first"):
        ChunkStore.open(Settings(chroma_dir=tmp_path / "nothing-here"))


def test_ingest_cli_reports_and_is_idempotent(tmp_path):
    args = ["--corpus", str(CORPUS), "--chroma-dir", str(tmp_path / "chroma")]
    first = subprocess.run([sys.executable, "ingest.py", *args], cwd=ROOT,
                           capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    assert "1 article(s)" in first.stdout and "added" in first.stdout
    second = subprocess.run([sys.executable, "ingest.py", *args], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert "nothing changed" in second.stdout



def test_chroma_server_mode_ingest_and_ask(tmp_path, embeddings, chroma_server):
    settings = Settings(corpus_dir=_corpus_copy(tmp_path), chroma_host="127.0.0.1",
                        chroma_port=chroma_server.port, chroma_dir=tmp_path / "unused",
                        index_dir=tmp_path / "shared")
    report = ingest_folder(settings, embeddings)
    assert report.added == report.chunks > 10
    assert not (tmp_path / "unused").exists()  # no Chroma data written to a local folder
    assert [p.name for p in (tmp_path / "shared").iterdir()] == [
        ChunkStore.open(settings).version]  # only the lexical index and catalog
    assert not ingest_folder(settings, embeddings).changed
    answer = load_chatbot(settings).ask("Can I get IVIG at home?")
    assert answer.status == "answered" and "can’t be done at home" in answer.answer


class _Recording:
    """Passes to the real model and remembers every text it was asked to embed."""

    def __init__(self, inner):
        self.inner = inner
        self.documents: list[str] = []
        self.queries: list[str] = []

    def embed_documents(self, texts):
        self.documents.extend(texts)
        return self.inner.embed_documents(texts)

    def embed_query(self, text):
        self.queries.append(text)
        return self.inner.embed_query(text)


def test_sentences_are_embedded_at_ingest_and_answering_embeds_no_article_text(
        tmp_path, embeddings):
    from chatbot.chunking import chunk_article
    from chatbot.corpus import load_article
    from chatbot.snapshot import open_snapshot
    from chatbot.units import units_of_all

    settings = Settings(corpus_dir=_corpus_copy(tmp_path), chroma_dir=tmp_path / "chroma")
    ingest_folder(settings, embeddings)
    store = ChunkStore.open(settings)
    snapshot = open_snapshot(settings.published_dir, store.version)
    rows = snapshot.catalog.vector_rows()
    units = units_of_all(chunk_article(load_article(settings.corpus_dir / "ivig-aiha.md")))
    assert {u.kind for u in units} == {"sentence", "heading", "item"}
    assert {u.unit_id for u in units} <= set(rows)
    cold = next(u for u in units if u.text == "It’s not used as often to treat cold AIHA.")
    assert snapshot.vectors[rows[cold.unit_id]].tolist() == pytest.approx(
        embeddings.embed_documents([cold.text])[0], abs=1e-6)
    recording = _Recording(embeddings.inner)
    bot = load_chatbot(settings, embeddings=recording)
    for question in ("How fast does IVIG work?", "wat are the side efects of ivig",
                     "Does insurance cover it?"):
        bot.ask(question)
    article = load_chatbot(settings).answerer.retriever.chunks.values()
    article_text = " ".join(c.text for c in article)
    assert recording.queries
    assert not [t for t in recording.documents if len(t.split()) > 3 and t in article_text]


class _CountingEncoder:
    """The real model under another encoder's name, counting the texts it embeds."""

    def __init__(self, inner, fingerprint: str):
        self.inner, self.fingerprint, self.texts = inner, fingerprint, 0

    def embed_documents(self, texts):
        self.texts += len(texts)
        return self.inner.embed_documents(texts)

    def embed_query(self, text):
        return self.inner.embed_query(text)


def test_a_refitted_encoder_embeds_everything_again(tmp_path, embeddings):
    """Vectors from another encoder (a refitted adapter) are never mixed with the new one's."""
    from chatbot.snapshot import open_snapshot

    settings = Settings(corpus_dir=_corpus_copy(tmp_path), chroma_dir=tmp_path / "chroma")
    first = _CountingEncoder(embeddings, "adapter-one")
    ingest_folder(settings, first)
    assert first.texts > 0
    same = _CountingEncoder(embeddings, "adapter-one")
    assert not ingest_folder(settings, same).changed and same.texts == 0
    running = load_chatbot(settings, embeddings=first)  # an app started before the refit
    refitted = _CountingEncoder(embeddings, "adapter-two")
    report = ingest_folder(settings, refitted)
    assert refitted.texts == first.texts
    assert report.changed and "embedded again" in report.summary()
    live = ChunkStore.open(settings)
    assert open_snapshot(settings.published_dir, live.version).encoder == "adapter-two"
    assert load_chatbot(settings, embeddings=refitted).ask("How fast does IVIG work?").citations
    with pytest.raises(IndexNotFoundError, match="another encoder"):  # questions embedded
        load_chatbot(settings, embeddings=first)  # unlike the sentences: refused, not answered
    # one already running does not follow: it stays on the version its encoder made, whose
    # chunks the swap removed, so it says it cannot look things up until it is restarted
    assert running.answerer.retriever.current(force=True).encoder == "adapter-one"
    assert running.ask("How fast does IVIG work?").status == "unavailable"


def test_an_index_from_before_encoders_were_recorded_counts_as_the_packaged_models(
        tmp_path, embeddings):
    """Its vectors were made by the packaged model: an app with an adapter refuses it, and
    ingest embeds it again."""
    from chatbot.encoder import BASE
    from chatbot.snapshot import ENCODER, open_snapshot

    settings = Settings(corpus_dir=_corpus_copy(tmp_path), chroma_dir=tmp_path / "chroma")
    adapted = _CountingEncoder(embeddings, "adapter-one")
    ingest_folder(settings, adapted)
    version = ChunkStore.open(settings).version
    (settings.published_dir / version / ENCODER).unlink()  # as the older code wrote it
    assert open_snapshot(settings.published_dir, version).encoder == BASE
    with pytest.raises(IndexNotFoundError, match="another encoder"):
        load_chatbot(settings, embeddings=adapted)
    again = _CountingEncoder(embeddings, "adapter-one")
    assert ingest_folder(settings, again).new_encoder and again.texts == adapted.texts

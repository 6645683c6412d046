"""The whole answerer on a tiny two-article library: a real Chroma, the real fitted models, and
a hash-based stand-in for the embedding model (milliseconds, no torch)."""

from __future__ import annotations

import hashlib
import json
import math
import re
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from chatbot import Settings, load_chatbot
from chatbot.answer import ABSTAINED, ANSWERED
from chatbot.conversation import Turn
from chatbot.indexing import ingest_folder
from chatbot.library import Library
from chatbot.model import FittedModels
from chatbot.store import IndexNotFoundError
from chatbot.units import unit_id

ZORBLAX = """---
title: Zorblax Infusions for Anemia
publisher: Test
medical_reviewer: Test
date_posted: '2026-01-01'
aliases:
- ZBX
---

# Zorblax Infusions for Anemia

Zorblax is a medicine given by infusion to people with anemia. Read on to learn more.

## How Long Does Zorblax Take to Work?

Zorblax usually starts working within two to three weeks. Its effects last about six months.

## Side Effects of Zorblax

The most common side effects of zorblax include:
- Headache
- Mild fever
- Tiredness
"""

QUINTEX = """---
title: 'Quintex Surgery: What to Expect'
publisher: Test
medical_reviewer: Test
date_posted: '2026-01-01'
aliases:
- quintex procedure
---

# Quintex Surgery: What to Expect

Quintex surgery removes a small gland in the neck. Most people go home the next day.

## Recovery After Quintex Surgery

Recovery after quintex surgery takes about four weeks. Avoid lifting heavy things for two weeks.

## Risks of Quintex Surgery

The risks of quintex surgery include bleeding, infection and a hoarse voice.
"""


class HashEmbeddings:
    """Bag of words hashed into 384 dimensions, normalised: similar words, similar vectors."""

    def _vector(self, text: str) -> list[float]:
        v = np.zeros(384)
        for word in re.findall(r"[a-z]+", text.lower()):
            v[int(hashlib.md5(word[:5].encode()).hexdigest(), 16) % 384] += 1.0
        norm = math.sqrt(float(v @ v)) or 1.0
        return (v / norm).tolist()

    def embed_documents(self, texts):
        return [self._vector(t) for t in texts]

    def embed_query(self, text):
        return self._vector(text)


@pytest.fixture(scope="module")
def small_bot(tmp_path_factory):
    folder = tmp_path_factory.mktemp("small")
    corpus = folder / "corpus"
    corpus.mkdir()
    (corpus / "zorblax.md").write_text(ZORBLAX)
    (corpus / "quintex.md").write_text(QUINTEX)
    settings = Settings(corpus_dir=corpus, chroma_dir=folder / "chroma")
    ingest_folder(settings, HashEmbeddings(), progress=False)
    return load_chatbot(settings, embeddings=HashEmbeddings())


def test_a_question_naming_an_article_quotes_only_that_article_verbatim(small_bot):
    for question, article in (("How long does zorblax take to work?", "zorblax"),
                              ("What are the risks of quintex surgery?", "quintex"),
                              ("is ZBX safe", "zorblax")):
        trace = small_bot.answerer.trace(Turn(question))
        assert trace.route.articles[0] == article
        answer = small_bot.ask(question)
        assert {c.article_id for c in answer.citations} <= {article}
        body = (ZORBLAX if article == "zorblax" else QUINTEX).replace("\n", " ")
        for c in answer.citations:
            assert " ".join(c.quote.replace("\n", " ").split()) in " ".join(body.split())


def test_a_follow_up_stays_with_its_article_unless_it_names_another(small_bot):
    answerer = small_bot.answerer
    assert answerer.trace(Turn("and the side effects?", "what is zorblax?")).route.articles[0] \
        == "zorblax"
    assert answerer.trace(Turn("and quintex?", "how long does zorblax take to work?")
                          ).route.articles[0] == "quintex"


def test_sign_posts_are_never_quoted(small_bot):
    for question in ("What is zorblax?", "tell me about zorblax"):
        for c in small_bot.ask(question).citations:
            assert not c.quote.startswith("Read on")


def test_every_reply_keeps_the_contract_under_concurrent_requests(small_bot):
    questions = ["How long does zorblax take to work?", "What are the risks of quintex?",
                 "how much does zorblax cost", "and the side effects?"] * 5
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(small_bot.ask, questions))
    assert all(a.status in (ANSWERED, ABSTAINED) and a.disclaimer for a in answers)
    first = [a.to_dict() for a in answers[:4]]
    assert [a.to_dict() for a in answers[4:8]] == first  # same question, same answer


def test_unit_ids_change_with_their_text():
    assert unit_id("c", 0, "A sentence.") == unit_id("c", 0, "A sentence.")
    assert unit_id("c", 0, "A sentence.") != unit_id("c", 0, "Another sentence.")
    assert unit_id("c", 0, "A sentence.") != unit_id("c", 1, "A sentence.")


def test_missing_sentence_vectors_say_to_ingest_again(small_bot):
    index = small_bot.answerer.retriever.current()

    class NoVectorRows:  # a catalog that lost its vector rows
        def __getattr__(self, name):
            return getattr(index.chunks, name)

        def vector_rows(self, article_id=None):
            return {}

    library = Library(NoVectorRows(), np.zeros((0, 8), dtype=np.float32))
    with pytest.raises(IndexNotFoundError, match="ingest"):
        library.vectors("zorblax")


def test_a_fitted_file_for_other_features_is_refused(tmp_path):
    from chatbot.model import DEFAULT_FITTED

    data = json.loads(DEFAULT_FITTED.read_text())
    data["ranker"]["features"][0] = "renamed"
    path = tmp_path / "fitted.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match="make fit"):
        FittedModels.load(path)
    assert FittedModels.load().meta["fit_cases"] > 0


def test_the_embedding_cache_is_safe_to_share_between_requests():
    from chatbot.embedding import CachedEmbeddings

    cache = CachedEmbeddings(HashEmbeddings(), max_entries=8)  # evicting all the time
    texts = [f"question number {i}" for i in range(64)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        vectors = list(pool.map(cache.embed_query, texts * 4))
    assert vectors == [HashEmbeddings().embed_query(t) for t in texts * 4]
    assert cache.embed_documents(["a b", "a b", "c"]) == HashEmbeddings().embed_documents(
        ["a b", "a b", "c"])

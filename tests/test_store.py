"""The Chroma store on disk, beyond one request's worth of chunks (no model needed)."""

import random

import pytest

from chatbot import Settings
from chatbot.chunking import Chunk
from chatbot.store import BATCH, ChunkStore, publish

pytestmark = pytest.mark.integration


def test_tens_of_thousands_of_chunks_are_published_and_read_back_in_pages(tmp_path):
    """One unpaged read of this many fails in Chroma ('too many SQL variables')."""
    settings = Settings(chroma_dir=tmp_path / "chroma")
    rng = random.Random(1)
    count = 20 * BATCH + 123
    chunks = [Chunk(f"a:{i}", f"a{i // 10}", "Title", "Section", i, f"text {i}")
              for i in range(count)]
    vectors = {c.chunk_id: [rng.random() for _ in range(8)] for c in chunks}
    publish(settings, chunks, vectors)
    store = ChunkStore.open(settings)
    stored = store.all_chunks()
    assert len(stored) == count == store.count()
    assert {c.chunk_id for c in stored} == set(vectors)

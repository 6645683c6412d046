"""Chroma: a persistent folder by default, a Chroma server when a host is configured."""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass

from chatbot.chunking import Chunk
from chatbot.settings import Settings


class IndexNotFoundError(RuntimeError):
    """There is no index to answer from yet."""


@dataclass(frozen=True)
class StoredChunk:
    chunk_id: str
    text: str
    metadata: dict

    def to_chunk(self) -> Chunk:
        m = self.metadata
        return Chunk(self.chunk_id, m["article_id"], m["article_title"], m["section"],
                     int(m["position"]), self.text, m.get("medical_reviewer", ""),
                     m.get("date_posted", ""), m.get("publisher", ""))


def connect(settings: Settings):
    """A Chroma client for the configured location, with telemetry off."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.uses_chroma_server:
        return chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port,
                                   settings=chroma_settings)
    settings.chroma_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)


def where(settings: Settings) -> str:
    if settings.uses_chroma_server:
        return f"the Chroma server at {settings.chroma_host}:{settings.chroma_port}"
    return str(settings.chroma_dir)


COSINE = {"hnsw": {"space": "cosine"}}
BATCH = 2000


class ChunkStore:
    """One Chroma collection of chunks. Vectors always come from our model, never Chroma's."""

    def __init__(self, collection, client=None, name: str = ""):
        self._collection = collection
        self._client = client
        self._name = name or collection.name
        self._checked = 0.0
        self._count: int | None = None

    @classmethod
    def open(cls, settings: Settings) -> ChunkStore:
        client = connect(settings)
        try:
            collection = client.get_collection(name=settings.collection, embedding_function=None)
        except Exception as err:  # chromadb raises NotFoundError/ValueError by version
            raise IndexNotFoundError(
                f"No index found at {where(settings)} — run `python ingest.py` first."
            ) from err
        store = cls(collection, client, settings.collection)
        if store.count() == 0:
            raise IndexNotFoundError(
                f"The index at {where(settings)} is empty — run `python ingest.py` first."
            )
        return store

    def newer(self, every_s: float = 2.0) -> ChunkStore | None:
        """The freshly published version, if `ingest.py` swapped one in since this was opened.

        Checked at most every `every_s` seconds; any error keeps serving what we have.
        """
        now = time.monotonic()
        if self._client is None or now - self._checked < every_s:
            return None
        self._checked = now
        try:
            current = self._client.get_collection(name=self._name, embedding_function=None)
        except Exception:
            return None
        if current.id == self._collection.id:
            return None
        return ChunkStore(current, self._client, self._name)

    def count(self) -> int:
        """Chunks in the collection. Counted once: a published collection never changes (a new
        version is a new collection), and counting 100k rows costs more than a query."""
        if self._count is None:
            self._count = self._collection.count()
        return self._count

    def all_chunks(self) -> list[StoredChunk]:
        """Every chunk, read in pages (one request for 100,000 would exceed SQLite's limits)."""
        chunks: list[StoredChunk] = []
        while True:
            got = self._collection.get(include=["documents", "metadatas"], limit=BATCH,
                                       offset=len(chunks))
            chunks.extend(StoredChunk(i, d, m) for i, d, m in
                          zip(got["ids"], got["documents"], got["metadatas"], strict=True))
            if len(got["ids"]) < BATCH:
                return chunks

    def upsert(self, chunks: list[Chunk], vectors: list[list[float]]) -> None:
        self._count = None
        if chunks:
            self._collection.upsert(
                ids=[c.chunk_id for c in chunks],
                documents=[c.text for c in chunks],
                metadatas=[c.metadata() for c in chunks],
                embeddings=vectors,
            )

    def query(self, vector: list[float], k: int) -> list[tuple[str, float]]:
        """Nearest chunks as (chunk_id, cosine similarity), best first."""
        n = min(k, self.count())
        if n == 0:
            return []
        got = self._collection.query(query_embeddings=[vector], n_results=n, include=["distances"])
        return [(i, 1.0 - d) for i, d in zip(got["ids"][0], got["distances"][0], strict=True)]

    def vectors(self, ids: list[str]) -> dict[str, list[float]]:
        found: dict[str, list[float]] = {}
        for start in range(0, len(ids), BATCH):
            got = self._collection.get(ids=ids[start:start + BATCH], include=["embeddings"])
            found.update(zip(got["ids"], (list(v) for v in got["embeddings"]), strict=True))
        return found


def publish(settings: Settings, chunks: list[Chunk], vectors: dict[str, list[float]]) -> None:
    """Replace the live collection with exactly `chunks`, without ever serving a partial one.

    The new version is written completely under a staging name, then renamed into place; until
    that moment the previous collection keeps answering. A crash leaves the live one untouched
    and a stale staging collection that the next run removes.
    """
    client = connect(settings)
    staging, previous = f"{settings.collection}__staging", f"{settings.collection}__previous"
    for name in (staging, previous):
        _drop(client, name)
    collection = client.create_collection(name=staging, embedding_function=None,
                                          configuration=COSINE)
    fresh = ChunkStore(collection)
    for start in range(0, len(chunks), BATCH):
        batch = chunks[start:start + BATCH]
        fresh.upsert(batch, [vectors[c.chunk_id] for c in batch])
    try:
        live = client.get_collection(name=settings.collection, embedding_function=None)
    except Exception:  # no live collection yet
        live = None
    if live is not None:
        live.modify(name=previous)
    collection.modify(name=settings.collection)
    if live is not None:
        _drop(client, previous)


def _drop(client, name: str) -> None:
    with contextlib.suppress(Exception):  # absent: nothing to drop
        client.delete_collection(name=name)

"""Chroma: a persistent folder by default, a Chroma server when a host is configured."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from chatbot.chunking import Chunk
from chatbot.settings import Settings
from chatbot.units import Unit


class IndexNotFoundError(RuntimeError):
    """There is no index to answer from yet."""


@dataclass(frozen=True)
class StoredChunk:
    chunk_id: str
    text: str
    metadata: dict


def connect(settings: Settings, timeout_s: float | None = None):
    """A Chroma client for the configured location, with telemetry off; each request to a
    Chroma server gives up after `timeout_s` (default: the `chroma_timeout_s` setting)."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.uses_chroma_server:
        client = chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port,
                                     settings=chroma_settings)
        _give_up_after(client, timeout_s or settings.chroma_timeout_s)
        return client
    settings.chroma_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)


def _give_up_after(client, seconds: float) -> None:
    """chromadb's HTTP client waits forever for a reply; a frozen server must cost a patient
    seconds, not minutes (they then get `unavailable`)."""
    import httpx

    session = getattr(getattr(client, "_server", None), "_session", None)
    if not isinstance(session, httpx.Client):
        raise RuntimeError("chromadb's HTTP client changed: cannot set its timeout")
    session.timeout = httpx.Timeout(seconds)


def where(settings: Settings) -> str:
    if settings.uses_chroma_server:
        return f"the Chroma server at {settings.chroma_host}:{settings.chroma_port}"
    return str(settings.chroma_dir)


COSINE = {"hnsw": {"space": "cosine"}}
BATCH = 2000
# Writing a whole index version to a Chroma server takes longer than any question may.
PUBLISH_TIMEOUT_S = 600.0


class ChunkStore:
    """One Chroma collection of chunks. Vectors always come from our model, never Chroma's."""

    def __init__(self, collection, client=None, name: str = "", published: Path | None = None):
        self._collection = collection
        self._client = client
        self._name = name or collection.name
        self.published = published  # the folder of versions' lexical indexes and catalogs
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
        store = cls(collection, client, settings.collection, settings.published_dir)
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
        return ChunkStore(current, self._client, self._name, self.published)

    @property
    def version(self) -> str:
        """This published version's name: its chunk collection's id (kept across the swap)."""
        return str(self._collection.id)

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

    def query(self, vector: list[float], k: int) -> list[tuple[str, float]]:
        """Nearest chunks as (chunk_id, cosine similarity), best first."""
        n = min(k, self.count())
        if n == 0:
            return []
        got = self._collection.query(query_embeddings=[vector], n_results=n, include=["distances"])
        return [(i, 1.0 - d) for i, d in zip(got["ids"][0], got["distances"][0], strict=True)]


def publish(settings: Settings, chunks: list[Chunk], vectors: Mapping[str, Sequence[float]],
            units: list[Unit] = (), unit_vectors: Mapping[str, Sequence[float]] | None = None,
            encoder: str = "") -> None:
    """Replace the live version (the chunk collection, and beside it the lexical index,
    catalog and sentence vectors: snapshot.py) with exactly these, without ever serving a
    partial one.

    The new chunk collection is written completely under a staging name and its files under
    its id; then the collection is renamed into place (its id stays), so whoever sees the new
    version finds its files. Until that moment the previous version keeps answering. A crash
    leaves the live one untouched, and a stale staging collection the next run removes.
    """
    from chatbot.snapshot import prune, write_snapshot

    client = connect(settings, PUBLISH_TIMEOUT_S)
    staged = _stage(client, settings.collection, [c.chunk_id for c in chunks],
                    [c.text for c in chunks], [c.metadata() for c in chunks],
                    [vectors[c.chunk_id] for c in chunks])
    version = str(staged.id)
    write_snapshot(settings.published_dir, version, chunks, list(units),
                   {**vectors, **(unit_vectors or {})}, encoder)
    previous = _live_id(client, settings.collection)
    _swap(client, settings.collection, staged)
    _drop(client, f"{settings.collection}_units")  # where sentences lived before snapshots
    prune(settings.published_dir, {version, previous})


def _live_id(client, name: str) -> str:
    try:
        return str(client.get_collection(name=name, embedding_function=None).id)
    except Exception:  # no live collection yet
        return ""


def _stage(client, name: str, ids: list[str], documents: list[str], metadatas: list[dict],
           embeddings: list[Sequence[float]]):
    """A complete new collection under a staging name."""
    staging = f"{name}__staging"
    _drop(client, staging)
    collection = client.create_collection(name=staging, embedding_function=None,
                                          configuration=COSINE)
    for start in range(0, len(ids), BATCH):
        end = start + BATCH
        collection.upsert(ids=ids[start:end], documents=documents[start:end],
                          metadatas=metadatas[start:end],
                          embeddings=np.asarray(embeddings[start:end], dtype=np.float32))
    return collection


def _swap(client, name: str, collection) -> None:
    previous = f"{name}__previous"
    _drop(client, previous)
    try:
        live = client.get_collection(name=name, embedding_function=None)
    except Exception:  # no live collection yet
        live = None
    if live is not None:
        live.modify(name=previous)
    collection.modify(name=name)
    if live is not None:
        _drop(client, previous)


def _drop(client, name: str) -> None:
    with contextlib.suppress(Exception):  # absent: nothing to drop
        client.delete_collection(name=name)

"""Chroma: a persistent folder by default, a Chroma server when a host is configured."""

from __future__ import annotations

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


class ChunkStore:
    """One Chroma collection of chunks. Vectors always come from our model, never Chroma's."""

    def __init__(self, collection):
        self._collection = collection

    @classmethod
    def open(cls, settings: Settings, create: bool = False) -> ChunkStore:
        client = connect(settings)
        if create:
            collection = client.get_or_create_collection(
                name=settings.collection,
                embedding_function=None,
                configuration={"hnsw": {"space": "cosine"}},
            )
            return cls(collection)
        try:
            collection = client.get_collection(name=settings.collection, embedding_function=None)
        except Exception as err:  # chromadb raises NotFoundError/ValueError by version
            raise IndexNotFoundError(
                f"No index found at {where(settings)} — run `python ingest.py` first."
            ) from err
        store = cls(collection)
        if store.count() == 0:
            raise IndexNotFoundError(
                f"The index at {where(settings)} is empty — run `python ingest.py` first."
            )
        return store

    def count(self) -> int:
        return self._collection.count()

    def all_chunks(self) -> list[StoredChunk]:
        got = self._collection.get(include=["documents", "metadatas"])
        return [StoredChunk(i, d, m) for i, d, m in
                zip(got["ids"], got["documents"], got["metadatas"], strict=True)]

    def upsert(self, chunks: list[Chunk], vectors: list[list[float]]) -> None:
        if chunks:
            self._collection.upsert(
                ids=[c.chunk_id for c in chunks],
                documents=[c.text for c in chunks],
                metadatas=[c.metadata() for c in chunks],
                embeddings=vectors,
            )

    def update_metadata(self, chunks: list[Chunk]) -> None:
        if chunks:
            self._collection.update(ids=[c.chunk_id for c in chunks],
                                    metadatas=[c.metadata() for c in chunks])

    def delete(self, ids: list[str]) -> None:
        if ids:
            self._collection.delete(ids=ids)

    def query(self, vector: list[float], k: int) -> list[tuple[str, float]]:
        """Nearest chunks as (chunk_id, cosine similarity), best first."""
        n = min(k, self.count())
        if n == 0:
            return []
        got = self._collection.query(query_embeddings=[vector], n_results=n, include=["distances"])
        return [(i, 1.0 - d) for i, d in zip(got["ids"][0], got["distances"][0], strict=True)]

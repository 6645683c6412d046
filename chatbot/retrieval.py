"""Question -> ranked chunks: dense (Chroma) fused with lexical (BM25) by reciprocal rank.

The retriever also holds the in-memory `Library` (sentences, names, word statistics) read from
the same published index, so both follow a re-published index together.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever

from chatbot.answer import RetrievedChunk
from chatbot.chunking import Chunk
from chatbot.lexical import LexicalIndex, reciprocal_rank_fusion
from chatbot.library import Library
from chatbot.terms import content_terms

DEPTH = 20


@dataclass(frozen=True)
class Evidence:
    """What retrieval found for one text: the fused top chunks, and the deeper dense and
    lexical rankings (chunk id, score) they came from."""

    hits: list[tuple[Chunk, RetrievedChunk]]
    dense: list[tuple[str, float]]
    lexical: list[tuple[str, float]]


def chunk_terms(chunk: Chunk) -> list[str]:
    return content_terms(chunk.embedding_text)


class HybridRetriever(BaseRetriever):
    """A LangChain retriever over our Chroma store plus an in-memory BM25 of the same chunks."""

    store: Any
    embeddings: Any
    chunks: dict[str, Chunk]
    lexical: LexicalIndex
    loaded_library: Any = None  # the Library, built on first use
    k: int = 6

    @classmethod
    def build(cls, store, embeddings, k: int) -> HybridRetriever:
        chunks, lexical = _load(store)
        return cls(store=store, embeddings=embeddings, chunks=chunks, lexical=lexical, k=k)

    @property
    def library(self) -> Library:
        """Sentences, names and word statistics of the same published index (built once)."""
        if self.loaded_library is None:
            self.loaded_library = Library(self.chunks)
        return self.loaded_library

    def refresh(self) -> bool:
        """Follow a newly published index (a re-ingest while the app runs); True if it did."""
        newer = self.store.newer()
        if newer is None:
            return False
        chunks, lexical = _load(newer)
        self.chunks, self.lexical, self.loaded_library = chunks, lexical, Library(chunks)
        self.store = newer
        return True

    def search(self, query: str) -> list[tuple[Chunk, RetrievedChunk]]:
        """The k best chunks with their dense, lexical and fused scores."""
        self.refresh()
        return self.evidence(query, content_terms(query)).hits

    def dense(self, query: str, depth: int = DEPTH) -> list[tuple[str, float]]:
        """Nearest chunks by meaning alone, as (chunk id, cosine)."""
        return self.store.query(self.embeddings.embed_query(query), depth)

    def evidence(self, query: str, terms: list[str]) -> Evidence:
        """Dense and lexical rankings for the text, and their fusion's k best chunks."""
        depth = max(self.k * 3, DEPTH)
        dense = self.dense(query, depth)
        lexical = self.lexical.rank(terms, depth)
        fused = reciprocal_rank_fusion([[i for i, _ in dense], [i for i, _ in lexical]])
        dense_by_id, lexical_by_id = dict(dense), dict(lexical)
        results = []
        for cid, score in fused[: self.k]:
            chunk = self.chunks.get(cid)
            if chunk is None:  # indexed after this retriever was built
                continue
            results.append((chunk, RetrievedChunk(cid, chunk.article_id, chunk.section,
                                                  round(dense_by_id.get(cid, 0.0), 4),
                                                  round(lexical_by_id.get(cid, 0.0), 4),
                                                  round(score, 5))))
        return Evidence(results, dense, lexical)

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        return [
            Document(page_content=chunk.text, id=chunk.chunk_id,
                     metadata={**chunk.metadata(), **scores.to_dict()})
            for chunk, scores in self.search(query)
        ]


def _load(store) -> tuple[dict[str, Chunk], LexicalIndex]:
    chunks = {c.chunk_id: c.to_chunk() for c in store.all_chunks()}
    return chunks, LexicalIndex.build({cid: chunk_terms(c) for cid, c in chunks.items()})

"""Question -> ranked chunks: dense (Chroma) fused with lexical (BM25) by reciprocal rank."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever

from chatbot.answer import RetrievedChunk
from chatbot.chunking import Chunk
from chatbot.lexical import LexicalIndex, reciprocal_rank_fusion
from chatbot.lexicon import Lexicon
from chatbot.terms import content_terms


def chunk_terms(chunk: Chunk) -> list[str]:
    return content_terms(chunk.embedding_text)


class HybridRetriever(BaseRetriever):
    """A LangChain retriever over our Chroma store plus an in-memory BM25 of the same chunks."""

    store: Any
    embeddings: Any
    lexicon: Lexicon
    chunks: dict[str, Chunk]
    lexical: LexicalIndex
    k: int = 6

    @classmethod
    def build(cls, store, embeddings, lexicon: Lexicon, k: int) -> HybridRetriever:
        chunks, lexical = _load(store)
        return cls(store=store, embeddings=embeddings, lexicon=lexicon, chunks=chunks,
                   lexical=lexical, k=k)

    def refresh(self) -> bool:
        """Follow a newly published index (a re-ingest while the app runs); True if it did."""
        newer = self.store.newer()
        if newer is None:
            return False
        self.chunks, self.lexical = _load(newer)
        self.store = newer
        return True

    @property
    def vocabulary(self) -> frozenset[str]:
        return self.lexical.vocabulary

    def search(self, query: str) -> list[tuple[Chunk, RetrievedChunk]]:
        """The k best chunks with their dense, lexical and fused scores."""
        self.refresh()
        depth = max(self.k * 3, 20)
        dense = self.store.query(self.embeddings.embed_query(query), depth)
        terms = content_terms(query) + sorted(
            self.lexicon.analyse(query, self.vocabulary).all_terms
        )
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
        return results

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

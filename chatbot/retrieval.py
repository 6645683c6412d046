"""Question -> ranked chunks: dense (Chroma) fused with lexical (BM25) by reciprocal rank.

The retriever also holds the `Library` (sentences, names, word statistics) of the same
published version, so both follow a re-published index together. Opening a version reads no
chunk: the BM25 index is memory-mapped and the catalog is read as questions need it.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import PrivateAttr

from chatbot.answer import RetrievedChunk
from chatbot.catalog import Catalog
from chatbot.chunking import Chunk
from chatbot.embedding import encoder_fingerprint
from chatbot.lexical import LexicalIndex, reciprocal_rank_fusion
from chatbot.library import Library
from chatbot.snapshot import open_snapshot
from chatbot.store import IndexNotFoundError
from chatbot.terms import content_terms

DEPTH = 20
log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class Index:
    """One published version of the index, as a request sees it from start to end: the store,
    its chunks, their BM25, and the articles' sentences (a re-ingest swaps in a new one)."""

    store: Any
    chunks: Catalog  # chunk id -> Chunk
    lexical: LexicalIndex
    library: Library
    vectors: Any = None  # the version's vector file (rows: chunks.rows_of)
    encoder: str = ""  # the fingerprint of the encoder that made its vectors (encoder.py)

    @classmethod
    def load(cls, store) -> Index:
        snapshot = open_snapshot(store.published, store.version)
        if snapshot is None:
            raise IndexNotFoundError(
                f"No lexical index for the published version at {store.published / store.version}"
                " (the index was built by an older version, or that folder is not shared with "
                "this process: set CHATBOT_INDEX_DIR) — run `python ingest.py` again.")
        return cls(store, snapshot.catalog, snapshot.lexical,
                   Library(snapshot.catalog, snapshot.vectors), snapshot.vectors,
                   snapshot.encoder)

    def unit_vectors(self, ids: list[str]) -> dict[str, Any]:
        """Sentence and heading vectors by id (absent ids are left out)."""
        return {i: self.vectors[row] for i, row in self.chunks.rows_of(ids).items()}


@dataclass(frozen=True)
class Evidence:
    """What retrieval found for one text: the fused top chunks, and the deeper dense and
    lexical rankings (chunk id, score) they came from."""

    hits: list[tuple[Chunk, RetrievedChunk]]
    dense: list[tuple[str, float]]
    lexical: list[tuple[str, float]]


class HybridRetriever(BaseRetriever):
    """A LangChain retriever over our Chroma store plus the BM25 index of the same chunks."""

    embeddings: Any
    index: Any  # Index: replaced whole, never changed in place
    k: int = 6
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    _refused: str = PrivateAttr(default="")  # a newer version another encoder made

    @classmethod
    def build(cls, store, embeddings, k: int) -> HybridRetriever:
        """Refuses an index whose vectors another encoder made: questions and sentences must
        be embedded alike."""
        index = Index.load(store)
        problem = _other_encoder(index, embeddings)
        if problem:
            raise IndexNotFoundError(problem)
        return cls(embeddings=embeddings, index=index, k=k)

    @property
    def store(self):
        return self.index.store

    @property
    def chunks(self) -> dict[str, Chunk]:
        return self.index.chunks

    @property
    def library(self) -> Library:
        return self.index.library

    def current(self, force: bool = False) -> Index:
        """The index to answer one request from, after following a newly published version
        (a re-ingest while the app runs). One request uses one version throughout."""
        newer = self.index.store.newer(every_s=0.0 if force else 2.0)
        if newer is not None and newer.version != self._refused:
            with self._lock:
                if self.index.store is not newer:
                    index = Index.load(newer)
                    problem = _other_encoder(index, self.embeddings)
                    if problem:  # stay on the version this encoder made: once its chunks
                        # are gone, questions get `unavailable`, never unlike vectors compared
                        log.warning("Not following version %s: %s", newer.version, problem)
                        self._refused = newer.version
                    else:
                        self.index = index
        return self.index

    def search(self, query: str) -> list[tuple[Chunk, RetrievedChunk]]:
        """The k best chunks with their dense, lexical and fused scores."""
        return self.evidence(query, content_terms(query), self.current()).hits

    def dense(self, query: str, index: Index, depth: int = DEPTH) -> list[tuple[str, float]]:
        """Nearest chunks by meaning alone, as (chunk id, cosine)."""
        return index.store.query(self.embeddings.embed_query(query), depth)

    def evidence(self, query: str, terms: list[str], index: Index) -> Evidence:
        """Dense and lexical rankings for the text, and their fusion's k best chunks."""
        depth = max(self.k * 3, DEPTH)
        dense = self.dense(query, index, depth)
        lexical = index.lexical.rank(terms, depth)
        fused = reciprocal_rank_fusion([[i for i, _ in dense], [i for i, _ in lexical]])
        dense_by_id, lexical_by_id = dict(dense), dict(lexical)
        results = []
        for cid, score in fused[: self.k]:
            chunk = index.chunks.get(cid)
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


def _other_encoder(index: Index, embeddings) -> str:
    """Why questions embedded by `embeddings` may not be compared with this index's vectors
    (another encoder made them), or ""."""
    mine = encoder_fingerprint(embeddings)
    if index.encoder and mine and index.encoder != mine:
        return (f"The index was embedded by another encoder ({index.encoder}) than this "
                f"app's ({mine}): the adapter was refitted since — run `python ingest.py` "
                "again, then restart the app.")
    return ""

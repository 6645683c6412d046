"""Bring the index in line with the corpus: embed new chunks, fix moved ones, drop stale ones."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from chatbot.chunking import Chunk, chunk_article
from chatbot.corpus import Article, ArticleError, article_paths, load_article
from chatbot.store import ChunkStore


@dataclass(frozen=True)
class IngestReport:
    articles: int
    chunks: int
    added: int
    updated: int
    removed: int
    unchanged: int
    seconds: float
    skipped: tuple[str, ...] = field(default=())

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def summary(self) -> str:
        head = (
            f"{self.articles} article(s), {self.chunks} chunks: {self.added} added, "
            f"{self.updated} updated, {self.removed} removed, {self.unchanged} unchanged "
            f"in {self.seconds:.1f} s."
        )
        if not self.changed:
            head += " The index was already up to date; nothing changed."
        for problem in self.skipped:
            head += f"\nSkipped {problem}"
        return head


def load_corpus(paths: list[Path]) -> tuple[list[Article], list[str]]:
    """Read every article; a bad file is reported by name and skipped, the rest still load."""
    articles, problems = [], []
    for path in paths:
        try:
            articles.append(load_article(path))
        except ArticleError as err:
            problems.append(str(err))
    return articles, problems


def sync_index(store: ChunkStore, embeddings, articles: list[Article], chunk_max_chars: int,
               skipped: list[str] | None = None) -> IngestReport:
    """Make the store hold exactly the chunks of `articles`; embed only what is new."""
    started = time.perf_counter()
    wanted: dict[str, Chunk] = {}
    for article in articles:
        for chunk in chunk_article(article, chunk_max_chars):
            wanted.setdefault(chunk.chunk_id, chunk)
    existing = {c.chunk_id: c.metadata for c in store.all_chunks()}
    new = [c for cid, c in wanted.items() if cid not in existing]
    moved = [c for cid, c in wanted.items()
             if cid in existing and existing[cid] != c.metadata()]
    stale = [cid for cid in existing if cid not in wanted]
    if new:
        vectors = embeddings.embed_documents([c.embedding_text for c in new])
        store.upsert(new, vectors)
    store.update_metadata(moved)
    store.delete(stale)
    return IngestReport(
        articles=len(articles),
        chunks=len(wanted),
        added=len(new),
        updated=len(moved),
        removed=len(stale),
        unchanged=len(wanted) - len(new) - len(moved),
        seconds=time.perf_counter() - started,
        skipped=tuple(skipped or ()),
    )


def ingest_folder(store: ChunkStore, embeddings, corpus_dir: Path,
                  chunk_max_chars: int) -> IngestReport:
    """Index every article file in a folder."""
    if not corpus_dir.is_dir():
        raise FileNotFoundError(f"No corpus folder at {corpus_dir}.")
    articles, problems = load_corpus(article_paths(corpus_dir))
    if not articles:
        raise ArticleError(
            f"No readable article in {corpus_dir}; nothing was changed."
            + "".join(f"\n{p}" for p in problems)
        )
    return sync_index(store, embeddings, articles, chunk_max_chars, problems)

"""Bring the index in line with the corpus: embed only new chunks and sentences, publish the
whole new version.

Chunk ids come from content (and sentence ids from their chunk's), so an unchanged paragraph is
never embedded again, an edited one is new, and one that disappeared is simply not in the next
version. Every citable sentence and every heading is embedded here, once, so answering never
embeds article text.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field

from chatbot.chunking import Chunk, chunk_article
from chatbot.corpus import Article, ArticleError, article_paths, load_corpus
from chatbot.embedding import encoder_fingerprint
from chatbot.settings import Settings
from chatbot.snapshot import open_snapshot
from chatbot.store import PUBLISH_TIMEOUT_S, ChunkStore, IndexNotFoundError, publish
from chatbot.units import units_of_all

EMBED_BATCH = 64


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
    articles_changed: int = 0
    articles_removed: int = 0
    new_encoder: bool = False  # every text embedded again: the encoder is not the index's

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed or self.new_encoder)

    def summary(self) -> str:
        head = (
            f"{self.articles} article(s) ({self.articles_changed} new or changed, "
            f"{self.articles_removed} removed), {self.chunks} chunks: {self.added} added, "
            f"{self.updated} updated, {self.removed} removed, {self.unchanged} unchanged "
            f"in {self.seconds:.1f} s."
        )
        if self.new_encoder:
            head += " Everything was embedded again: the encoder differs from the index's."
        if not self.changed:
            head += " The index was already up to date; nothing changed."
        for problem in self.skipped:
            head += f"\nSkipped {problem}"
        return head


def sync_index(settings: Settings, embeddings, articles: list[Article],
               skipped: list[str] | None = None, progress: bool | None = None) -> IngestReport:
    """Make the index hold exactly the chunks of `articles`; embed only what is new."""
    started = time.perf_counter()
    wanted: dict[str, Chunk] = {}
    for article in articles:
        for chunk in chunk_article(article, settings.chunk_max_chars):
            wanted.setdefault(chunk.chunk_id, chunk)
    units = {u.unit_id: u for u in units_of_all(list(wanted.values()))}
    encoder = encoder_fingerprint(embeddings)
    try:  # reading the whole index takes longer than a question may
        live = ChunkStore.open(settings.with_(chroma_timeout_s=PUBLISH_TIMEOUT_S))
        existing = {c.chunk_id: c.metadata for c in live.all_chunks()}
        previous = open_snapshot(settings.published_dir, live.version)
    except IndexNotFoundError:
        live, existing, previous = None, {}, None
    # vectors made by another encoder (a refitted adapter) cannot be reused: all are new
    reusable = previous is not None and previous.encoder == encoder
    # vectors of the live version, by id (rows of its memory-mapped file: nothing is copied)
    known = previous.catalog.vector_rows() if reusable else {}
    new = [c for cid, c in wanted.items() if cid not in existing]
    moved = [c for cid, c in wanted.items() if cid in existing and existing[cid] != c.metadata()]
    stale = [cid for cid in existing if cid not in wanted]
    new_units = [u for uid, u in units.items() if uid not in known]
    gone_units = set(known) - set(wanted) - set(units)
    if new or moved or stale or new_units or gone_units or (live and not reusable):
        embed = [c for cid, c in wanted.items() if cid not in known]
        vectors = {cid: previous.vectors[known[cid]] for cid in wanted if cid in known}
        unit_vectors = {uid: previous.vectors[known[uid]] for uid in units if uid in known}
        fresh = embed_texts(embeddings, [(c.chunk_id, c.embedding_text) for c in embed]
                            + [(u.unit_id, u.text) for u in new_units], progress)
        vectors.update({c.chunk_id: fresh[c.chunk_id] for c in embed})
        unit_vectors.update({u.unit_id: fresh[u.unit_id] for u in new_units})
        publish(settings, list(wanted.values()), vectors, list(units.values()), unit_vectors,
                encoder)
    old_articles = {m["article_id"] for m in existing.values()}
    return IngestReport(
        articles=len(articles),
        chunks=len(wanted),
        added=len(new),
        updated=len(moved),
        removed=len(stale),
        unchanged=len(wanted) - len(new) - len(moved),
        seconds=time.perf_counter() - started,
        skipped=tuple(skipped or ()),
        articles_changed=len({c.article_id for c in new}),
        articles_removed=len(old_articles - {a.article_id for a in articles}),
        new_encoder=previous is not None and not reusable,
    )


def embed_texts(embeddings, items: list[tuple[str, str]],
                progress: bool | None = None) -> dict[str, list[float]]:
    """Vectors for (id, text) pairs, each distinct text embedded once, in batches, with a
    progress bar on a terminal."""
    from tqdm import tqdm

    show = sys.stderr.isatty() if progress is None else progress
    texts = list(dict.fromkeys(text for _, text in items))  # a repeated heading: once
    by_text: dict[str, list[float]] = {}
    with tqdm(total=len(texts), unit="text", desc="Embedding", disable=not show) as bar:
        for start in range(0, len(texts), EMBED_BATCH):
            batch = texts[start:start + EMBED_BATCH]
            by_text.update(zip(batch, embeddings.embed_documents(batch), strict=True))
            bar.update(len(batch))
    return {key: by_text[text] for key, text in items}


def ingest_folder(settings: Settings, embeddings, progress: bool | None = None) -> IngestReport:
    """Index every article file in the configured corpus folder."""
    corpus_dir = settings.corpus_dir
    if not corpus_dir.is_dir():
        raise FileNotFoundError(f"No corpus folder at {corpus_dir}.")
    articles, problems = load_corpus(article_paths(corpus_dir))
    if not articles:
        raise ArticleError(
            f"No readable article in {corpus_dir}; nothing was changed."
            + "".join(f"\n{p}" for p in problems)
        )
    return sync_index(settings, embeddings, articles, problems, progress)

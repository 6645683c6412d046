"""One published version's tables, in a read-only SQLite file beside the vector index: chunks
by id and by article, the articles' names, the library's word statistics (computed at ingest),
and which row of the version's vector file holds each chunk's and sentence's vector. App
processes look rows up as they need them; opening it reads nothing per chunk."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from chatbot.chunking import Chunk

FILE = "catalog.sqlite3"
_COLUMNS = ("chunk_id", "article_id", "article_title", "section", "position", "text",
            "medical_reviewer", "date_posted", "publisher", "aliases")


@dataclass(frozen=True)
class WordStatistics:
    """What the answerer knows about the library's words as a whole."""

    idf: dict[str, float]  # sentence-level idf of every stemmed term
    average_length: float  # terms per sentence
    vocabulary: frozenset[str]  # every raw word form (for spelling correction)


def write_catalog(path: Path, chunks: list[Chunk], stats: WordStatistics,
                  vector_rows: list[tuple[str, str]]) -> None:
    """`vector_rows`: (id, article id) of each row of the vector file, in order."""
    db = sqlite3.connect(path)
    with db:
        db.execute(f"CREATE TABLE chunks ({', '.join(_COLUMNS)}, PRIMARY KEY (chunk_id))")
        db.execute("CREATE INDEX chunks_by_article ON chunks (article_id, position)")
        db.executemany(f"INSERT INTO chunks VALUES ({', '.join('?' * len(_COLUMNS))})",
                       ((c.chunk_id, c.article_id, c.article_title, c.section, c.position,
                         c.text, c.medical_reviewer, c.date_posted, c.publisher,
                         json.dumps(list(c.aliases))) for c in chunks))
        db.execute("CREATE TABLE idf (term PRIMARY KEY, idf REAL)")
        db.executemany("INSERT INTO idf VALUES (?, ?)", stats.idf.items())
        db.execute("CREATE TABLE words (word PRIMARY KEY)")
        db.executemany("INSERT INTO words VALUES (?)", ((w,) for w in sorted(stats.vocabulary)))
        db.execute("CREATE TABLE vectors (id PRIMARY KEY, article_id, row INTEGER)")
        db.execute("CREATE INDEX vectors_by_article ON vectors (article_id)")
        db.executemany("INSERT INTO vectors VALUES (?, ?, ?)",
                       ((i, a, row) for row, (i, a) in enumerate(vector_rows)))
        db.execute("CREATE TABLE stats (name PRIMARY KEY, value REAL)")
        db.execute("INSERT INTO stats VALUES ('average_length', ?)", (stats.average_length,))
    db.close()


class Catalog(Mapping):
    """chunk id -> Chunk, read from the file on demand (recent ones kept), plus the articles
    and word statistics. Safe to share between threads."""

    def __init__(self, path: Path, cache_chunks: int = 4096):
        self.path = path
        self._db = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True,
                                   check_same_thread=False)
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, Chunk | None] = OrderedDict()
        self._cache_size = cache_chunks

    def _rows(self, sql: str, args: tuple = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def get(self, chunk_id: str, default=None) -> Chunk | None:
        with self._lock:
            if chunk_id in self._cache:
                self._cache.move_to_end(chunk_id)
                found = self._cache[chunk_id]
                return default if found is None else found
        rows = self._rows(f"SELECT {', '.join(_COLUMNS)} FROM chunks WHERE chunk_id = ?",
                          (chunk_id,))
        found = _chunk(rows[0]) if rows else None
        with self._lock:
            self._cache[chunk_id] = found
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return default if found is None else found

    def __getitem__(self, chunk_id: str) -> Chunk:
        found = self.get(chunk_id)
        if found is None:
            raise KeyError(chunk_id)
        return found

    def __contains__(self, chunk_id: object) -> bool:
        return isinstance(chunk_id, str) and self.get(chunk_id) is not None

    def __iter__(self) -> Iterator[str]:
        return iter([r[0] for r in self._rows("SELECT chunk_id FROM chunks ORDER BY rowid")])

    def __len__(self) -> int:
        return self._rows("SELECT count(*) FROM chunks")[0][0]

    def of_article(self, article_id: str) -> list[Chunk]:
        """One article's chunks in order."""
        return [_chunk(r) for r in self._rows(
            f"SELECT {', '.join(_COLUMNS)} FROM chunks WHERE article_id = ? "
            "ORDER BY position, rowid", (article_id,))]

    def article_heads(self) -> list[Chunk]:
        """The first chunk of every article (title, aliases, publisher, reviewer, date)."""
        return [_chunk(r) for r in self._rows(
            f"SELECT {', '.join(_COLUMNS)} FROM chunks WHERE rowid IN "
            "(SELECT min(rowid) FROM chunks GROUP BY article_id) ORDER BY article_id")]

    def vector_rows(self, article_id: str | None = None) -> dict[str, int]:
        """id -> row in the vector file, for one article's chunks, sentences, list items and
        headings (or for everything: ingest reuses what did not change)."""
        if article_id is None:
            return dict(self._rows("SELECT id, row FROM vectors"))
        return dict(self._rows("SELECT id, row FROM vectors WHERE article_id = ?",
                               (article_id,)))

    def statistics(self) -> WordStatistics:
        return WordStatistics(
            dict(self._rows("SELECT term, idf FROM idf")),
            self._rows("SELECT value FROM stats WHERE name = 'average_length'")[0][0],
            frozenset(r[0] for r in self._rows("SELECT word FROM words")))


def _chunk(row: tuple) -> Chunk:
    cid, aid, title, section, position, text, reviewer, date, publisher, aliases = row
    return Chunk(cid, aid, title, section, int(position), text, reviewer, date, publisher,
                 tuple(json.loads(aliases)))

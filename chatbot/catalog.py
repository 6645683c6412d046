"""One published version's tables, in a read-only SQLite file beside the vector index: chunks
by id, the articles' names and sentences with their facts, the library's word statistics (all
computed at ingest), and which row of the version's vector file holds each chunk's and
sentence's vector. App processes look rows up as they need them; opening it reads nothing per
chunk."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from chatbot.chunking import Chunk
from chatbot.recent import Recent

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
                  vector_rows: list[tuple[str, str]], articles: dict[str, bytes]) -> None:
    """`vector_rows`: (id, article id) of each row of the vector file, in order; `articles`:
    each article's units with their facts, serialised (library.py)."""
    db = sqlite3.connect(path)
    with db:
        db.execute(f"CREATE TABLE chunks ({', '.join(_COLUMNS)}, PRIMARY KEY (chunk_id))")
        db.execute("CREATE INDEX chunks_by_article ON chunks (article_id)")
        db.executemany(f"INSERT INTO chunks VALUES ({', '.join('?' * len(_COLUMNS))})",
                       ((c.chunk_id, c.article_id, c.article_title, c.section, c.position,
                         c.text, c.medical_reviewer, c.date_posted, c.publisher,
                         json.dumps(list(c.aliases))) for c in chunks))
        db.execute("CREATE TABLE articles (article_id PRIMARY KEY, units BLOB)")
        db.executemany("INSERT INTO articles VALUES (?, ?)", articles.items())
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
        self._recent: Recent[Chunk | None] = Recent(cache_chunks)

    def _rows(self, sql: str, args: tuple = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def get(self, chunk_id: str, default=None) -> Chunk | None:
        found = self._recent.get(chunk_id, lambda: self._read(chunk_id))
        return default if found is None else found

    def _read(self, chunk_id: str) -> Chunk | None:
        rows = self._rows(f"SELECT {', '.join(_COLUMNS)} FROM chunks WHERE chunk_id = ?",
                          (chunk_id,))
        return _chunk(rows[0]) if rows else None

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

    def values(self) -> list[Chunk]:
        """Every chunk, in one read (not one per id)."""
        return [_chunk(r) for r in self._rows(
            f"SELECT {', '.join(_COLUMNS)} FROM chunks ORDER BY rowid")]

    def rows_of(self, ids: list[str]) -> dict[str, int]:
        """id -> row in the vector file, for the given ids that have one."""
        found: dict[str, int] = {}
        for start in range(0, len(ids), 500):
            batch = ids[start:start + 500]
            found.update(self._rows(f"SELECT id, row FROM vectors WHERE id IN "
                                    f"({', '.join('?' * len(batch))})", tuple(batch)))
        return found

    def article_ids(self) -> list[str]:
        return [r[0] for r in self._rows("SELECT article_id FROM articles ORDER BY article_id")]

    def article_units(self, article_id: str) -> bytes | None:
        """One article's units and their facts, as ingest serialised them."""
        rows = self._rows("SELECT units FROM articles WHERE article_id = ?", (article_id,))
        return rows[0][0] if rows else None

    def sections(self) -> list[tuple[str, str]]:
        """(article id, section heading) of every section, in article order."""
        return [(a, h) for a, h, _ in self._rows(
            "SELECT article_id, section, min(position) AS first FROM chunks "
            "GROUP BY article_id, section ORDER BY article_id, first")]

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

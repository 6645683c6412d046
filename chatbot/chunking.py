"""Sections -> chunks with stable, content-derived ids (pure)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from chatbot.corpus import Article
from chatbot.sentences import split_units


@dataclass(frozen=True)
class Chunk:
    chunk_id: str
    article_id: str
    article_title: str
    section: str
    position: int
    text: str
    medical_reviewer: str = ""
    date_posted: str = ""
    publisher: str = ""
    aliases: tuple[str, ...] = ()

    @property
    def embedding_text(self) -> str:
        """What gets embedded: the heading gives a paragraph its context."""
        return f"{self.section}\n{self.text}"

    def metadata(self) -> dict:
        return {
            "article_id": self.article_id,
            "article_title": self.article_title,
            "section": self.section,
            "position": self.position,
            "medical_reviewer": self.medical_reviewer,
            "date_posted": self.date_posted,
            "publisher": self.publisher,
            "aliases": "|".join(self.aliases),
        }


def chunk_id(article_id: str, section: str, text: str) -> str:
    """Same article, section and text -> same id, on every machine."""
    digest = hashlib.sha256(f"{article_id}\x1f{section}\x1f{text}".encode()).hexdigest()
    return f"{article_id}:{digest[:16]}"


def chunk_article(article: Article, max_chars: int = 700) -> list[Chunk]:
    """Pack whole blocks within a section up to max_chars; split only an oversized block.

    Chunks never cross a section, and a list never leaves the sentence that introduces it.
    """
    chunks: list[Chunk] = []
    for section in article.sections:
        for text in _pack(section.blocks, max_chars):
            chunks.append(
                Chunk(
                    chunk_id=chunk_id(article.article_id, section.heading, text),
                    article_id=article.article_id,
                    article_title=article.title,
                    section=section.heading,
                    position=len(chunks),
                    text=text,
                    medical_reviewer=article.medical_reviewer,
                    date_posted=article.date_posted,
                    publisher=article.publisher,
                    aliases=article.aliases,
                )
            )
    return _unique(chunks)


def _pack(blocks: tuple[str, ...], max_chars: int) -> list[str]:
    pieces: list[str] = []
    for block in blocks:
        pieces.extend(_split_block(block, max_chars) if len(block) > max_chars else [block])
    packed: list[str] = []
    for piece in pieces:
        if packed and len(packed[-1]) + 2 + len(piece) <= max_chars:
            packed[-1] = packed[-1] + "\n\n" + piece
        else:
            packed.append(piece)
    return packed


def _split_block(block: str, max_chars: int) -> list[str]:
    """An oversized paragraph -> runs of whole units, each an exact substring of the block;
    a unit longer than max_chars on its own (no sentence breaks) is cut at spaces."""
    runs: list[str] = []
    start = None
    end = 0
    for unit in split_units(block):
        at = block.index(unit, end)
        if len(unit) > max_chars:  # close the run so far, then the unit's own pieces
            if start is not None:
                runs.append(block[start:end])
            pieces = _cut(unit, max_chars)
            runs.extend(pieces[:-1])
            start, end = at + len(unit) - len(pieces[-1]), at + len(unit)
            continue
        if start is None:
            start = at
        elif at + len(unit) - start > max_chars:
            runs.append(block[start:end])
            start = at
        end = at + len(unit)
    if start is not None:
        runs.append(block[start:end])
    return runs


def _cut(text: str, max_chars: int) -> list[str]:
    """Text -> consecutive pieces of at most max_chars, ending at a space where there is one
    (a hard cut otherwise); the pieces, stripped of the spaces between them, tile the text."""
    pieces: list[str] = []
    start = 0
    while len(text) - start > max_chars:
        stop = text.rfind(" ", start + max_chars // 2, start + max_chars + 1)
        stop = stop if stop > start else start + max_chars
        pieces.append(text[start:stop].rstrip())
        start = stop
        while start < len(text) and text[start] == " ":
            start += 1
    pieces.append(text[start:])
    return [p for p in pieces if p]


def _unique(chunks: list[Chunk]) -> list[Chunk]:
    """A paragraph repeated word for word in one section is indexed once."""
    seen: set[str] = set()
    unique = []
    for chunk in chunks:
        if chunk.chunk_id not in seen:
            seen.add(chunk.chunk_id)
            unique.append(chunk)
    return unique

"""Chunks -> the citable units embedded at ingest: sentences (a list with its intro) and
section headings, each with a stable id derived from its chunk's content id (pure)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from chatbot.chunking import Chunk
from chatbot.sentences import split_units

SENTENCE, HEADING, ITEM = "sentence", "heading", "item"


@dataclass(frozen=True)
class Unit:
    unit_id: str
    article_id: str
    section: str
    position: int  # the chunk's position in its article; headings: their first chunk's
    index: int  # the unit's place in its chunk; -1 for a heading
    text: str
    kind: str = SENTENCE
    chunk_id: str = ""

    @property
    def is_list(self) -> bool:
        return "\n- " in self.text


def heading_id(article_id: str, section: str) -> str:
    digest = hashlib.sha256(f"{article_id}\x1f{section}".encode()).hexdigest()
    return f"{article_id}:h:{digest[:16]}"


def unit_id(chunk_id: str, index: int, text: str) -> str:
    """Place and content: a sentence split differently is a new unit, never an old vector."""
    return f"{chunk_id}#{index}:{hashlib.sha256(text.encode()).hexdigest()[:10]}"


def units_of(chunk: Chunk) -> list[Unit]:
    """The sentences (and lists with their intro) of one chunk, in order."""
    return [Unit(unit_id(chunk.chunk_id, i, text), chunk.article_id, chunk.section,
                 chunk.position, i, text, SENTENCE, chunk.chunk_id)
            for i, text in enumerate(split_units(chunk.text))]


def items_of(unit: Unit) -> list[Unit]:
    """A list unit's items, each read with the sentence that introduces it (not citable on
    their own: they let a question about one item find the list)."""
    if not unit.is_list:
        return []
    intro, *items = unit.text.split("\n- ")
    return [Unit(item_id(unit.unit_id, k), unit.article_id, unit.section, unit.position,
                 unit.index, f"{intro} {item}", ITEM, unit.chunk_id)
            for k, item in enumerate(items)]


def item_id(unit_id: str, k: int) -> str:
    return f"{unit_id}~{k}"


def units_of_all(chunks: list[Chunk]) -> list[Unit]:
    """Every sentence unit, its list items, and one heading unit per section."""
    units: list[Unit] = []
    headings: dict[str, Unit] = {}
    for chunk in chunks:
        hid = heading_id(chunk.article_id, chunk.section)
        if hid not in headings:
            headings[hid] = Unit(hid, chunk.article_id, chunk.section, chunk.position, -1,
                                 chunk.section, HEADING)
        for unit in units_of(chunk):
            units.append(unit)
            units.extend(items_of(unit))
    return units + list(headings.values())

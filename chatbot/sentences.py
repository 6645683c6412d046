"""Split article blocks into citable units: sentences, with a list kept with its intro."""

from __future__ import annotations

import re

ABBREVIATIONS = frozenset(
    a.lower()
    for a in (
        "e.g.", "i.e.", "etc.", "vs.", "Dr.", "Mr.", "Mrs.", "Ms.", "Prof.", "St.",
        "Pharm.D.", "M.S.", "M.D.", "Ph.D.", "D.O.", "R.N.", "U.S.", "No.", "approx.",
    )
)
# End punctuation, closing quotes/brackets, whitespace, then something that can open a sentence.
_BOUNDARY = re.compile(r"[.!?]+[\"”’')\]]*\s+(?=[\"“‘(\[]?[A-Z0-9])")


def split_sentences(text: str) -> list[str]:
    """Prose -> sentences, each an exact substring of the input (whitespace-trimmed)."""
    sentences: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        last_word = text[start : match.start() + 1].split()[-1] if text[start:match.start()] else ""
        if last_word.lower().rstrip("\"”’')]") in ABBREVIATIONS:
            continue
        end = match.end()
        piece = text[start:end].strip()
        if piece:
            sentences.append(piece)
        start = end
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def split_units(block: str) -> list[str]:
    """A block -> citable units. The sentence that introduces a list carries the list with it.

    Every unit is an exact substring of the block, so quotes stay verbatim.
    """
    lines = block.split("\n")
    list_start = next((i for i, line in enumerate(lines) if line.startswith("- ")), len(lines))
    prose = "\n".join(lines[:list_start])
    units = split_sentences(prose) if prose.strip() else []
    if list_start < len(lines):
        items = "\n".join(lines[list_start:])
        if units:
            intro = units.pop()
            units.append(block[block.rindex(intro) :])
            assert units[-1].endswith(items)
        else:
            units.append(items)
    return units

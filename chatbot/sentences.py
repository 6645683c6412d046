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

    Prose may come before, between and after lists. Every unit is an exact substring of the
    block, so quotes stay verbatim.
    """
    spans: list[tuple[int, int]] = []
    for is_list, start, end in _segments(block):
        if is_list:
            if spans and spans[-1][1] == _prose_end(block, start):
                spans[-1] = (spans[-1][0], end)  # the list joins the sentence before it
            else:
                spans.append((start, end))
            continue
        text = block[start:end]
        at = 0
        for sentence in split_sentences(text):
            offset = text.index(sentence, at)
            spans.append((start + offset, start + offset + len(sentence)))
            at = offset + len(sentence)
    return [block[s:e] for s, e in spans]


def _segments(block: str) -> list[tuple[bool, int, int]]:
    """Runs of list lines and of prose lines, as (is_list, start, end) offsets."""
    segments: list[tuple[bool, int, int]] = []
    offset = 0
    for line in block.split("\n"):
        is_list = line.startswith("- ")
        end = offset + len(line)
        if segments and segments[-1][0] == is_list:
            segments[-1] = (is_list, segments[-1][1], end)
        elif line.strip():
            segments.append((is_list, offset, end))
        offset = end + 1
    return segments


def _prose_end(block: str, list_start: int) -> int:
    """Where the prose before a list really ends (without the line break)."""
    return len(block[:list_start].rstrip())

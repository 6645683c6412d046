"""The typed result every caller reads: an Answer with its Citations."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from chatbot.sentences import split_sentences

ANSWERED, ABSTAINED, ESCALATED, REJECTED = "answered", "abstained", "escalated", "rejected"
# Our side failed (the index or a server is down): a polite "try again", never a traceback.
UNAVAILABLE = "unavailable"
STATUSES = (ANSWERED, ABSTAINED, ESCALATED, REJECTED, UNAVAILABLE)
_MARKER = re.compile(r"\[(\d+)\]")
_MARKED = re.compile(r"(.+?)((?:\s*\[\d+\])+)(?=\s|$)", re.S)


@dataclass(frozen=True)
class Citation:
    n: int
    quote: str
    section: str
    source: str
    chunk_id: str
    article_id: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class RetrievedChunk:
    """A chunk the retriever returned, with the scores that ranked it (for evals and logs)."""

    chunk_id: str
    article_id: str
    section: str
    dense: float
    lexical: float
    fused: float

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Answer:
    status: str
    answer: str
    disclaimer: str
    citations: tuple[Citation, ...] = ()
    reason: str = ""
    question: str = ""
    retrieved: tuple[RetrievedChunk, ...] = field(default=())
    # Internal (server log and evals, never the public dict): which path answered
    # ("extractive", "openai:<model>", "extractive (fallback: ...)") and what a generating
    # model said that did not pass verification, with the reason.
    generator: str = "extractive"
    dropped: tuple[str, ...] = field(default=())

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}")
        if self.status == ANSWERED and not self.citations:
            raise ValueError("an answered Answer needs at least one citation")
        if set(cited_numbers(self.answer)) != {c.n for c in self.citations}:
            raise ValueError("every [n] in the text needs a citation, and every citation a [n]")

    def to_dict(self) -> dict:
        """The public answer (/ask, the chat): what the articles say, never model internals."""
        return {
            "status": self.status,
            "answer": self.answer,
            "disclaimer": self.disclaimer,
            "citations": [c.to_dict() for c in self.citations],
            "reason": self.reason,
            "question": self.question,
            "retrieved": [r.to_dict() for r in self.retrieved],
        }

    def to_record(self) -> dict:
        """The public answer plus how it was made (for the evals and the server log)."""
        return {**self.to_dict(), "generator": self.generator, "dropped": list(self.dropped)}


def cited_numbers(text: str) -> list[int]:
    """The [n] markers in a text, in order of appearance."""
    return [int(n) for n in _MARKER.findall(text)]


def cited_sentences(text: str) -> list[tuple[str, list[int]]]:
    """Answer text -> (sentence, its [n] numbers); a sentence without a marker gets []."""
    # "…five days [1]." and "…five days. [1]" read the same
    text = re.sub(r"((?:\s*\[\d+\])+)\s*([.!?])", r"\2\1", text)
    pieces: list[tuple[str, list[int]]] = []
    at = 0
    for match in _MARKED.finditer(text):
        before = text[at:match.start()].strip()
        if before:
            pieces.append((before, []))
        body = match.group(1).strip()
        *uncited, last = split_sentences(body) or [body]
        pieces.extend((s, []) for s in uncited)
        pieces.append((last, cited_numbers(match.group(2))))
        at = match.end()
    if text[at:].strip():
        pieces.append((text[at:].strip(), []))
    return pieces


def join_cited(sentences: list[tuple[str, int]]) -> str:
    """Quotes with their citation numbers -> answer text, each quote followed by its [n].

    Plain sentences run on in one paragraph; a quote ending in a list stands as its own block.
    """
    blocks: list[str] = []
    for text, n in sentences:
        cited = f"{text} [{n}]"
        if blocks and "\n" not in cited and "\n" not in blocks[-1]:
            blocks[-1] = f"{blocks[-1]} {cited}"
        else:
            blocks.append(cited)
    return "\n\n".join(blocks)

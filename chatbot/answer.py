"""The typed result every caller reads: an Answer with its Citations."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

ANSWERED, ABSTAINED, ESCALATED, REJECTED = "answered", "abstained", "escalated", "rejected"
# Our side failed (the index or a server is down): a polite "try again", never a traceback.
UNAVAILABLE = "unavailable"
STATUSES = (ANSWERED, ABSTAINED, ESCALATED, REJECTED, UNAVAILABLE)
_MARKER = re.compile(r"\[(\d+)\]")


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
    generator: str = "extractive"
    retrieved: tuple[RetrievedChunk, ...] = field(default=())
    # what a generating model said that did not pass verification, with the reason
    dropped: tuple[str, ...] = field(default=())

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}")
        if self.status == ANSWERED and not self.citations:
            raise ValueError("an answered Answer needs at least one citation")
        if set(cited_numbers(self.answer)) != {c.n for c in self.citations}:
            raise ValueError("every [n] in the text needs a citation, and every citation a [n]")

    def to_dict(self) -> dict:
        return {
            "status": self.status,
            "answer": self.answer,
            "disclaimer": self.disclaimer,
            "citations": [c.to_dict() for c in self.citations],
            "reason": self.reason,
            "question": self.question,
            "generator": self.generator,
            "retrieved": [r.to_dict() for r in self.retrieved],
            "dropped": list(self.dropped),
        }


def cited_numbers(text: str) -> list[int]:
    """The [n] markers in a text, in order of appearance."""
    return [int(n) for n in _MARKER.findall(text)]


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

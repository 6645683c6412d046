"""Patient-facing texts (disclaimer, abstain, emergency, rejection, the chat page's own),
read from one data file."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

DEFAULT_MESSAGES = Path(__file__).resolve().parent / "data" / "messages.toml"


@dataclass(frozen=True)
class Messages:
    disclaimer: str
    emergency: str
    not_in_article: str
    personal_advice: str
    instructions: str
    empty: str
    too_long: str
    no_text: str
    small_talk: str
    unavailable: str
    busy: str
    malformed: str
    example_questions: tuple[str, ...]
    # The disclaimer in one line, shown first; the full text opens under it.
    disclaimer_short: str = "Not medical advice."
    answer_disclaimer: str = "Not medical advice."
    sources_title: str = "Sources:"
    suggestions_title: str = "The articles do answer:"
    suggestion_section: str = "Read “{section}”"
    more: str = "More"

    @classmethod
    def load(cls, path: Path = DEFAULT_MESSAGES) -> Messages:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        data["example_questions"] = tuple(data.get("example_questions", ()))
        return cls(**{k: " ".join(v.split()) if isinstance(v, str) else v
                      for k, v in data.items()})

"""Patient-facing texts (disclaimer, abstain, emergency, rejection), read from one data file."""

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

    @classmethod
    def load(cls, path: Path = DEFAULT_MESSAGES) -> Messages:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        data["example_questions"] = tuple(data.get("example_questions", ()))
        return cls(**{k: " ".join(v.split()) if isinstance(v, str) else v
                      for k, v in data.items()})

"""What happens before any answer is looked up: bad input, emergencies, personal advice, injections.

Pure functions over the patterns in `data/safety.toml`.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from chatbot.sentences import split_sentences
from chatbot.terms import normalise

DEFAULT_PATTERNS = Path(__file__).resolve().parent / "data" / "safety.toml"

# Reasons carried into the Answer (machine-readable; the texts live in messages.toml).
EMPTY, TOO_LONG, NO_TEXT = "empty", "too_long", "no_text"
EMERGENCY, PERSONAL_ADVICE, INSTRUCTIONS = "emergency", "personal_advice", "instructions"
SMALL_TALK = "small_talk"

_SCRIPT = re.compile(r"<\s*(script|style|iframe|object|embed|svg)\b.*?(<\s*/\s*\1\s*>|\Z)",
                     re.I | re.S)
# Markdown images/links and bare URLs: the words a patient typed stay, the addresses go.
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_URL = re.compile(r"\b(?:https?|ftp|data|javascript)\s*:[^\s<>]*", re.I)
_TAG = re.compile(r"<\s*/?\s*[a-z!][^>]*>?", re.I)
_ENTITY_OR_URI = re.compile(r"javascript\s*:|&[#a-z0-9]+;", re.I)


@dataclass(frozen=True)
class SafetyPatterns:
    emergency: tuple[re.Pattern, ...]
    personal_advice: tuple[re.Pattern, ...]
    instructions: tuple[re.Pattern, ...]
    small_talk: tuple[re.Pattern, ...] = ()

    @classmethod
    def load(cls, path: Path = DEFAULT_PATTERNS) -> SafetyPatterns:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return cls(**{key: tuple(re.compile(p, re.I) for p in data[key])
                      for key in ("emergency", "personal_advice", "instructions", "small_talk")
                      if key in data})


@dataclass(frozen=True)
class Screening:
    """The outcome of screening one message.

    `stop` is the reason to answer without retrieval (or None); `question` is the text
    that may be answered: markup and instruction-like sentences removed.
    """

    question: str
    stop: str | None = None
    removed_markup: bool = False
    removed_instructions: bool = False


def strip_markup(text: str) -> str:
    """Drop HTML/script so it is neither obeyed nor echoed; keep the words around it."""
    text = _SCRIPT.sub(" ", text)
    text = _MD_IMAGE.sub(" ", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _URL.sub(" ", text)
    text = _TAG.sub(" ", text)
    text = _ENTITY_OR_URI.sub(" ", text)
    return " ".join(text.split())


def matches_any(patterns: tuple[re.Pattern, ...], text: str) -> bool:
    plain = normalise(text)
    return any(p.search(plain) for p in patterns)


def screen(message: str, patterns: SafetyPatterns, max_chars: int) -> Screening:
    """Classify one patient message; emergencies win over everything but an empty message."""
    text = message if isinstance(message, str) else ""
    if not text.strip():
        return Screening("", EMPTY)
    if matches_any(patterns.emergency, text[: max_chars * 5]):
        return Screening(text.strip(), EMERGENCY)
    if len(text) > max_chars:
        return Screening("", TOO_LONG)
    plain = strip_markup(text)
    removed_markup = plain != " ".join(text.split())
    if not re.search(r"[A-Za-z]{2,}", plain):
        return Screening("", NO_TEXT if removed_markup or text.strip() else EMPTY, removed_markup)
    sentences = split_sentences(plain)
    kept = [s for s in sentences if not matches_any(patterns.instructions, s)]
    removed_instructions = len(kept) < len(sentences)
    question = " ".join(kept)
    if removed_instructions and not re.search(r"[A-Za-z]{3,}", question):
        return Screening("", INSTRUCTIONS, removed_markup, True)
    if not removed_instructions and matches_any(patterns.small_talk, question):
        return Screening(question, SMALL_TALK, removed_markup)
    if matches_any(patterns.personal_advice, question):
        return Screening(question, PERSONAL_ADVICE, removed_markup, removed_instructions)
    return Screening(question, None, removed_markup, removed_instructions)

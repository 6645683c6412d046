"""Follow-ups: 'And what about the cold type?' is read with the question before it (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from chatbot.safety import strip_markup
from chatbot.terms import content_terms, words

_CONNECTOR = re.compile(
    r"^\s*(and|but|so|also|plus|then|ok(ay)?|what about|how about|what if|and if|same for|"
    r"is that|does that|do they|is it|are they|can it|will it)\b", re.I)
_ANAPHORA = frozenset("it its it's that this they them those these there one".split())
_MAX_CONTEXT = 2


@dataclass(frozen=True)
class Turn:
    """What to answer: the question, and for a follow-up the earlier question(s) it leans on."""

    question: str
    context: str = ""

    @property
    def search_text(self) -> str:
        return f"{self.context} {self.question}".strip()


def user_messages(history: list | None) -> list[str]:
    """Earlier user messages from a chat history ([{role, content}] or Gradio's shapes)."""
    texts = []
    for message in history or []:
        if isinstance(message, dict) and message.get("role") == "user":
            texts.append(_text(message.get("content")))
        elif isinstance(message, (list, tuple)) and len(message) == 2:  # (user, bot) pairs
            texts.append(_text(message[0]))
    return [t for t in (strip_markup(t) for t in texts) if t]


def is_follow_up(question: str) -> bool:
    """Leans on an earlier question: opens with a connector, or is short and points back."""
    tokens = words(question)
    if _CONNECTOR.match(question):
        return True
    terms = content_terms(question)
    return len(terms) <= 1 or (len(terms) <= 3 and bool(_ANAPHORA & set(tokens)))


def turn_for(question: str, history: list | None) -> Turn:
    """The question, with the earlier question(s) it follows up on as context."""
    earlier = user_messages(history)
    if not earlier or not is_follow_up(question):
        return Turn(question)
    context = [earlier[-1]]
    for message in reversed(earlier[:-1]):
        if len(context) >= _MAX_CONTEXT or not is_follow_up(context[0]):
            break
        context.insert(0, message)
    return Turn(question, " ".join(context))


def _text(content) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return str(content.get("text") or content.get("value") or "")
    if isinstance(content, (list, tuple)):
        return " ".join(_text(part) for part in content)
    return ""

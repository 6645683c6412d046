"""What an ask request may contain, checked before any work: shapes, turns and lengths (pure).

A malformed request is not an error on our side: it gets a `rejected` answer, never a crash.
"""

from __future__ import annotations

from dataclasses import dataclass

MALFORMED = "malformed"


@dataclass(frozen=True)
class AskRequest:
    """A request cut down to what the chain may read.

    `history` holds at most `max_turns` earlier exchanges, each message at most `max_chars`
    long, as [{role, content: str}]; `problem` is MALFORMED when the request could not be read.
    """

    question: str
    history: tuple[dict, ...] = ()
    problem: str | None = None


def read_request(question, history, max_turns: int, max_chars: int) -> AskRequest:
    """Any JSON-ish question and history -> an AskRequest; never raises."""
    text = question if isinstance(question, str) else ""
    problem = None if isinstance(question, str) else MALFORMED
    if history is None:
        return AskRequest(text, (), problem)
    if not isinstance(history, (list, tuple)):
        return AskRequest(text, (), MALFORMED)
    messages = []
    # Only the newest turns are read, so a long history costs nothing.
    for item in list(history[-2 * max_turns:]) if max_turns > 0 else []:
        message = _message(item, max_chars)
        if message is None:
            return AskRequest(text, (), MALFORMED)
        messages.extend(message)
    return AskRequest(text, tuple(messages), problem)


def _message(item, max_chars: int) -> list[dict] | None:
    if isinstance(item, dict):
        role = item.get("role")
        if role not in ("user", "assistant"):
            return None
        return [{"role": role, "content": _text(item.get("content"), max_chars)}]
    if isinstance(item, (list, tuple)) and len(item) == 2:  # Gradio's (user, bot) pairs
        return [{"role": "user", "content": _text(item[0], max_chars)},
                {"role": "assistant", "content": _text(item[1], max_chars)}]
    return None


def _text(content, max_chars: int, depth: int = 0) -> str:
    """Message content (a string, or Gradio's {text}/[parts] shapes) -> at most max_chars."""
    if isinstance(content, str):
        return content[:max_chars]
    if depth > 2:
        return ""
    if isinstance(content, dict):
        return _text(content.get("text") or content.get("value") or "", max_chars, depth + 1)
    if isinstance(content, (list, tuple)):
        parts = (_text(part, max_chars, depth + 1) for part in content[:20])
        return " ".join(parts)[:max_chars]
    return ""

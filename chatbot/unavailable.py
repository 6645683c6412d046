"""What a patient gets when our side cannot answer: the index or a server is down or too slow,
or every answering worker is busy. Always polite, always with the disclaimer; never a traceback.

Status `unavailable`; the reason says which: `unavailable` (something failed), `timeout` (an
answer took longer than its deadline), `busy` (too many questions waiting).
"""

from __future__ import annotations

from chatbot.answer import UNAVAILABLE, Answer
from chatbot.messages import Messages

TIMEOUT, BUSY = "timeout", "busy"


def unavailable_answer(messages: Messages, question: str = "",
                       reason: str = UNAVAILABLE) -> Answer:
    """A polite 'please try again' for a failure on our side, with the disclaimer."""
    text = messages.busy if reason == BUSY else messages.unavailable
    return Answer(status=UNAVAILABLE, answer=text, disclaimer=messages.disclaimer,
                  reason=reason, question=question if isinstance(question, str) else "")


def failure_reason(err: BaseException) -> str:
    """TIMEOUT when an outside call gave up waiting (a frozen server), else UNAVAILABLE."""
    seen = 0
    while err is not None and seen < 10:
        if isinstance(err, TimeoutError) or any(
                cls.__name__ in ("TimeoutException", "Timeout") for cls in type(err).__mro__):
            return TIMEOUT
        err, seen = err.__cause__ or err.__context__, seen + 1
    return UNAVAILABLE

"""The replies given before any answer is looked up: emergencies, bad input, personal advice.

Needs no index, model or Chroma: only the safety patterns and the patient texts. The app runs
it in its own process before a request may wait for an answering worker, so an emergency is
answered at once whatever else is slow, busy or down (pure, fast: bounded by the message
limits in `safety.py`).
"""

from __future__ import annotations

from chatbot.answer import ABSTAINED, ESCALATED, REJECTED, Answer
from chatbot.messages import Messages
from chatbot.request import MALFORMED, AskRequest
from chatbot.safety import (
    EMERGENCY,
    EMPTY,
    INSTRUCTIONS,
    NO_TEXT,
    PERSONAL_ADVICE,
    SMALL_TALK,
    TOO_LONG,
    SafetyPatterns,
    Screening,
    screen,
)

_STOP_STATUS = {
    MALFORMED: REJECTED,
    EMPTY: REJECTED,
    TOO_LONG: REJECTED,
    NO_TEXT: REJECTED,
    EMERGENCY: ESCALATED,
    PERSONAL_ADVICE: ABSTAINED,
    INSTRUCTIONS: ABSTAINED,
    SMALL_TALK: ABSTAINED,
}


def screen_request(request: AskRequest, patterns: SafetyPatterns, max_chars: int) -> Screening:
    """Screen the question of a request; an emergency is answered even in a request we cannot
    otherwise read."""
    screening = screen(request.question, patterns, max_chars)
    if request.problem and screening.stop != EMERGENCY:
        return Screening(screening.question, request.problem)
    return screening


def safety_answer(screening: Screening, messages: Messages, max_chars: int) -> Answer:
    """The fixed reply for a message that must not (or need not) reach retrieval."""
    text = {
        EMPTY: messages.empty,
        MALFORMED: messages.malformed,
        TOO_LONG: messages.too_long.format(limit=max_chars),
        NO_TEXT: messages.no_text,
        EMERGENCY: messages.emergency,
        PERSONAL_ADVICE: messages.personal_advice,
        INSTRUCTIONS: messages.instructions,
        SMALL_TALK: messages.small_talk,
    }[screening.stop]
    return Answer(status=_STOP_STATUS[screening.stop], answer=text,
                  disclaimer=messages.disclaimer, reason=screening.stop,
                  question=screening.question)


def screened_answer(request: AskRequest, patterns: SafetyPatterns, messages: Messages,
                    max_chars: int) -> Answer | None:
    """The fixed reply for this request, or None when it needs an answer from the articles."""
    screening = screen_request(request, patterns, max_chars)
    if screening.stop is None:
        return None
    return safety_answer(screening, messages, max_chars)

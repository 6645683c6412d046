"""The LangChain runnable tying the steps: screen -> (safety reply | retrieve -> answer)."""

from __future__ import annotations

import logging

from langchain_core.runnables import Runnable, RunnableBranch, RunnableLambda

from chatbot.answer import ABSTAINED, ESCALATED, REJECTED, UNAVAILABLE, Answer
from chatbot.conversation import turn_for
from chatbot.messages import Messages
from chatbot.request import MALFORMED
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

log = logging.getLogger(__name__)

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


def build_chain(answerer, patterns: SafetyPatterns, messages: Messages,
                max_chars: int) -> Runnable:
    """{"question": str, "history": list} -> Answer.

    `answerer` has `answer(turn) -> Answer`: the ExtractiveAnswerer, or the
    VerifiedLLMAnswerer wrapped around it.
    """

    def screened(inputs: dict) -> dict:
        screening = screen(inputs.get("question"), patterns, max_chars)
        # An emergency is answered even in a request we cannot otherwise read.
        if inputs.get("problem") and screening.stop != EMERGENCY:
            screening = Screening(screening.question, inputs["problem"])
        return {**inputs, "screening": screening}

    def stop(inputs: dict) -> Answer:
        return safety_answer(inputs["screening"], messages, max_chars)

    def grounded(inputs: dict) -> Answer:
        turn = turn_for(inputs["screening"].question, inputs.get("history"))
        try:
            return answerer.answer(turn)
        except Exception:  # the index, Chroma or a server failed: our side, said politely
            log.exception("Answering failed")
            return unavailable_answer(messages, inputs["screening"].question)

    return RunnableLambda(screened) | RunnableBranch(
        (lambda inputs: inputs["screening"].stop is not None, RunnableLambda(stop)),
        RunnableLambda(grounded),
    )


def unavailable_answer(messages: Messages, question: str = "") -> Answer:
    """What the patient gets when our side fails: a polite 'try again later', the disclaimer."""
    return Answer(status=UNAVAILABLE, answer=messages.unavailable,
                  disclaimer=messages.disclaimer, reason=UNAVAILABLE, question=question)

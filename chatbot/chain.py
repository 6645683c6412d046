"""The LangChain runnable tying the steps: screen -> (safety reply | retrieve -> answer)."""

from __future__ import annotations

import logging

from langchain_core.runnables import Runnable, RunnableBranch, RunnableLambda

from chatbot.answer import Answer
from chatbot.conversation import turn_for
from chatbot.messages import Messages
from chatbot.request import AskRequest
from chatbot.safety import EMERGENCY, PERSONAL_ADVICE, SafetyPatterns, Screening
from chatbot.screening import safety_answer, screen_request
from chatbot.unavailable import failure_reason, unavailable_answer

log = logging.getLogger(__name__)


def build_chain(answerer, patterns: SafetyPatterns, messages: Messages,
                max_chars: int, urgency=None) -> Runnable:
    """{"question": str, "history": list} -> Answer.

    `answerer` has `answer(turn) -> Answer`: the ExtractiveAnswerer, or the
    VerifiedLLMAnswerer wrapped around it. `urgency` (chatbot/urgency.py), when given, reads
    the message once more before any answer, or before the personal-advice reply: one that
    reads like an emergency the red-flag patterns missed gets the emergency reply.
    """

    def screened(inputs: dict) -> dict:
        request = AskRequest(inputs.get("question"), (), inputs.get("problem"))
        return {**inputs, "screening": screen_request(request, patterns, max_chars)}

    def urgent(question: str) -> Answer | None:
        """The emergency reply if the second-line check reads the message as one."""
        if urgency is None or not urgency.urgent(question):
            return None
        log.info("Second-line emergency check: escalated")
        return safety_answer(Screening(question, EMERGENCY), messages, max_chars)

    def stop(inputs: dict) -> Answer:
        screening = inputs["screening"]
        if screening.stop == PERSONAL_ADVICE:  # "...should I go to the hospital?"
            try:
                reply = urgent(screening.question)
                if reply:
                    return reply
            except Exception:  # the model failed: the personal-advice reply stands
                log.exception("Second-line emergency check failed")
        return safety_answer(screening, messages, max_chars)

    def grounded(inputs: dict) -> Answer:
        question = inputs["screening"].question
        turn = turn_for(question, inputs.get("history"))
        try:
            return urgent(question) or answerer.answer(turn)
        except Exception as err:  # the index, Chroma or a server failed: our side, politely
            log.exception("Answering failed")
            return unavailable_answer(messages, inputs["screening"].question,
                                      failure_reason(err))

    return RunnableLambda(screened) | RunnableBranch(
        (lambda inputs: inputs["screening"].stop is not None, RunnableLambda(stop)),
        RunnableLambda(grounded),
    )

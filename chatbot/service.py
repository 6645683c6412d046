"""What the app serves: the front door (limits and screening, in the app's own process) before
answering workers.

Every request is cut to its limits (`request.py`) and screened (`screening.py`) before it may
wait for anything: an emergency, an empty or over-long message or a malformed request is
answered at once, with no index, model or Chroma, however busy or broken the rest is. The
questions that need the articles go on to an answerer (worker processes, or a Chatbot in this
process), and so do personal questions, for the second-line emergency check there; those wait
like any question (at most `queue_wait_s`), and get the personal-advice reply when no answer
comes.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import replace

from chatbot.answer import ESCALATED, UNAVAILABLE, Answer
from chatbot.messages import Messages
from chatbot.request import read_request
from chatbot.safety import PERSONAL_ADVICE, SafetyPatterns
from chatbot.screening import screened_answer
from chatbot.settings import Settings
from chatbot.unavailable import BUSY, unavailable_answer

log = logging.getLogger(__name__)

# Messages over the question limit are read whole for red flags (up to a megabyte: about a
# second of work) one at a time, so a flood of pasted megabytes cannot starve the screening
# of everyone else; the others wait (at most queue_wait_s, then a polite "busy").
LONG_SCREENINGS = 1


class ChatService:
    """Has what the UI needs (`ask`, `messages`, `articles`, `settings`), like a Chatbot.

    `answerer` has `ask(question, history) -> Answer` and `articles`: AnswerWorkers or a
    Chatbot.
    """

    def __init__(self, answerer, settings: Settings, messages: Messages | None = None,
                 patterns: SafetyPatterns | None = None):
        self.answerer = answerer
        self.settings = settings
        self.messages = messages or Messages.load()
        self.patterns = patterns or SafetyPatterns.load()
        self._long = threading.BoundedSemaphore(LONG_SCREENINGS)
        self._suggester = None

    @property
    def articles(self):
        return self.answerer.articles

    def ask(self, question, history: list | None = None) -> Answer:
        """Limits, then screening, then (only if needed) an answer from the articles. Never
        raises."""
        s = self.settings
        request = read_request(question, history, s.max_history_turns, s.max_question_chars)
        try:
            if len(request.question) > s.max_question_chars:
                return self._long_message(request)
            fixed = screened_answer(request, self.patterns, self.messages, s.max_question_chars)
            if fixed is not None and fixed.reason != PERSONAL_ADVICE:
                return fixed
            # a personal question goes on to where the model is too: "...should I go to the
            # hospital?" may be an emergency the patterns missed (the second-line check reads
            # it there); when that side cannot answer, the personal-advice reply stands
            try:
                answer = self.answerer.ask(request.question, list(request.history))
            except Exception:
                if fixed is None:
                    raise
                log.exception("Answering failed; the personal-advice reply stands")
                return fixed
            return fixed if fixed is not None and answer.status == UNAVAILABLE else answer
        except Exception:
            log.exception("Answering failed")
            return unavailable_answer(self.messages, request.question)

    def suggest(self, question: str) -> tuple:
        """What the chat offers after a refusal, from where the index and model are: the
        workers, or the Chatbot in this process."""
        if self._suggester is None:
            from chatbot.suggestions import Suggester

            self._suggester = self.answerer if hasattr(self.answerer, "suggest") \
                else Suggester.for_bot(self.answerer)
        return tuple(self._suggester.suggest(question))

    def _long_message(self, request) -> Answer:
        """Over the limit: never answered from the articles, but read whole for red flags.
        Its first and last screenful are read at once (cheap); the whole of it when no other
        long message is being read, else, after a bounded wait, 'busy' (with the disclaimer,
        which says what to do in an emergency)."""
        limit = self.settings.max_question_chars
        text = request.question
        edges = replace(request, question=f"{text[:limit]}\n{text[-limit:]}")
        quick = screened_answer(edges, self.patterns, self.messages, limit)
        if quick is not None and quick.status == ESCALATED:
            return quick
        if not self._long.acquire(timeout=self.settings.queue_wait_s):
            return unavailable_answer(self.messages, "", BUSY)
        try:
            return screened_answer(request, self.patterns, self.messages,
                                   self.settings.max_question_chars)
        finally:
            self._long.release()

    def close(self) -> None:
        close = getattr(self.answerer, "close", None)
        if close:
            close()


def worker_count(settings: Settings) -> int:
    """Answering processes: as configured, else one per CPU core plus one. The extra one has a
    question in hand while another waits for the app to take its answer and hand it the next:
    `make load` measured 1.93-1.99 of 2 cores used with 3 workers, 1.81-1.86 with 2."""
    if settings.answer_workers is not None:
        return max(0, settings.answer_workers)
    return max(1, os.cpu_count() or 1) + 1


def serving_limits(settings: Settings) -> dict:
    """Gradio's threads and queue, sized so every question that may wait for an answerer, and
    every screening beside them, has a thread (the waiting itself is bounded here)."""
    threads = settings.max_waiting + worker_count(settings) + 40
    return {"max_threads": threads, "max_queue": 2 * threads}


def open_service(settings: Settings, wait_for_all: bool = True) -> ChatService:
    """The service app.py runs: answering workers started and loaded (or, with
    `answer_workers=0`, a Chatbot in this process). Raises IndexNotFoundError when there is no
    index to answer from, WorkerStartError when a worker fails to start for another reason.
    With `wait_for_all=False` it returns once the first worker has loaded; the others follow
    (`AnswerWorkers.start`)."""
    messages = Messages.load()
    count = worker_count(settings)
    if count == 0:
        from chatbot.bot import load_chatbot

        return ChatService(load_chatbot(settings), settings, messages)
    from chatbot.store import IndexNotFoundError
    from chatbot.workers import AnswerWorkers, WorkerStartError

    try:
        workers = AnswerWorkers(settings, messages, count).start(wait_for_all)
    except WorkerStartError as err:  # "no index" is told apart; any other cause as it is
        kind, _, detail = str(err).partition(": ")
        if kind == IndexNotFoundError.__name__:
            raise IndexNotFoundError(detail) from err
        raise
    return ChatService(workers, settings, messages)

"""Answering processes: each holds its own Chatbot, so answers run on every core at once.

Answering is mostly Python (the GIL lets one thread run at a time), so threads alone do not use
a second core; processes do. The app's own process keeps only the screening and the web server.

What a question may cost the others is bounded here:
- at most `max_waiting` questions wait for a free worker, each at most `queue_wait_s`; beyond
  that the patient is told politely that we are busy (`unavailable`, reason `busy`);
- an answer that takes longer than its deadline gets `unavailable` (reason `timeout`) and its
  worker is replaced (a stuck worker never holds a slot for good);
- after an outside call timed out (a frozen Chroma server), questions get `unavailable` at once
  for `cooldown_s` instead of each waiting for the same timeout.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import threading
import time
from collections.abc import Callable

from chatbot.answer import UNAVAILABLE, Answer
from chatbot.messages import Messages
from chatbot.settings import Settings
from chatbot.unavailable import BUSY, TIMEOUT, unavailable_answer

log = logging.getLogger(__name__)

READY, FAILED = "ready", "failed"
# Workers run at a lower CPU priority than the app's own process, so on a busy machine the
# screening (emergencies) and the web server get the CPU before answers do.
WORKER_NICENESS = 5


ASK, SUGGEST = "ask", "suggest"


def serve_answers(connection, settings: Settings) -> None:
    """A worker process: load the chatbot, say what it answers from, then answer until closed:
    `(ASK, question, history)` -> an Answer; `(SUGGEST, question)` -> the Suggestions the chat
    offers after a refusal (the index and model live here, not in the app's process)."""
    import os

    from chatbot.bot import load_chatbot
    from chatbot.suggestions import Suggester

    os.nice(WORKER_NICENESS)
    try:
        bot = load_chatbot(settings.with_(torch_threads=settings.torch_threads or 1))
        bot.ready()  # the model, loading while the index opened: ready before the first ask
    except Exception as err:  # e.g. no index yet: the app reports it and stops
        connection.send((FAILED, f"{type(err).__name__}: {err}"))
        return
    connection.send((READY, bot.articles))
    suggester = Suggester.for_bot(bot)
    while True:
        try:
            kind, *request = connection.recv()
        except (EOFError, OSError):  # the app went away
            return
        try:
            if kind == SUGGEST:
                reply = tuple(suggester.suggest(request[0]))
            else:
                question, history = request
                reply = bot.ask(question, history=history)
        except Exception:  # the worker stays; the app is told politely
            log.exception("A worker request failed")
            reply = () if kind == SUGGEST else unavailable_answer(bot.messages, request[0])
        connection.send(reply)


class WorkerStartError(RuntimeError):
    """A worker could not load the chatbot (the message says why, e.g. no index)."""


class _Worker:
    def __init__(self, context, target: Callable, settings: Settings):
        self.connection, child = context.Pipe()
        self.process = context.Process(target=target, args=(child, settings), daemon=True,
                                       name="chatbot-answers")
        self.process.start()
        child.close()

    def wait_ready(self, timeout_s: float):
        """What the worker answers from, once it has loaded; raises WorkerStartError."""
        if not self.connection.poll(timeout_s):
            self.stop()
            raise WorkerStartError(f"an answering worker did not start within {timeout_s:.0f} s")
        try:
            kind, detail = self.connection.recv()
        except (EOFError, OSError) as err:
            raise WorkerStartError("an answering worker stopped while starting") from err
        if kind != READY:
            self.stop()
            raise WorkerStartError(detail)
        return detail

    def stop(self) -> None:
        self.process.kill()
        self.process.join(timeout=5)
        self.connection.close()


class AnswerWorkers:
    """`count` answering processes behind a bounded wait; `ask` never raises."""

    def __init__(self, settings: Settings, messages: Messages, count: int,
                 target: Callable = serve_answers, start_timeout_s: float = 300.0):
        self.settings = settings
        self.messages = messages
        self.count = count
        self.articles: tuple = ()
        self._target = target
        self._start_timeout_s = start_timeout_s
        self._context = multiprocessing.get_context("spawn")  # no forked torch/Chroma state
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._waiting = 0
        self._down_until = 0.0
        self._closed = False
        self.all_ready = threading.Event()  # every worker has loaded (or failed to)

    def start(self, wait_for_all: bool = True) -> AnswerWorkers:
        """Start every worker and wait until they have loaded (in parallel).

        With `wait_for_all=False` (the app), only the first is started and waited for; the
        others load one after another behind it, so the first answer does not share the CPU
        with every other worker's start (`all_ready` is set when they are all in)."""
        workers = [self._spawn() for _ in range(self.count if wait_for_all else 1)]
        try:
            for worker in workers:
                self.articles = worker.wait_ready(self._start_timeout_s)
                self._idle.put(worker)
        except WorkerStartError:
            self.close()
            raise
        if len(workers) < self.count:
            threading.Thread(target=self._start_rest, args=(self.count - len(workers),),
                             daemon=True, name="chatbot-start-rest").start()
        else:
            self.all_ready.set()
        return self

    def _start_rest(self, count: int) -> None:
        for _ in range(count):
            if self._closed:
                return
            self._add_one()
        log.info("All %d answering workers started", self.count)
        self.all_ready.set()

    def _add_one(self) -> None:
        """Start one more worker; it joins the idle ones once loaded (a failure is logged:
        the others serve)."""
        fresh = self._spawn()
        try:
            fresh.wait_ready(self._start_timeout_s)
        except WorkerStartError:
            log.exception("An answering worker failed to start; the others serve")
            with self._lock:
                self._all.discard(fresh)
            return
        self._idle.put(fresh)

    def ask(self, question: str, history: list) -> Answer:
        """The answer of one free worker, or a polite `unavailable` (busy, timeout, failure)."""
        answer = self._call((ASK, question, history),
                            lambda reason: unavailable_answer(self.messages, question,
                                                           reason or UNAVAILABLE))
        if answer.reason == TIMEOUT:
            self._cool_down()
        return answer

    def suggest(self, question: str) -> tuple:
        """What the chat offers after a refusal; none when no worker can say in time."""
        return self._call((SUGGEST, question), lambda reason: (), cool_down=False)

    def _call(self, request: tuple, failed: Callable[[str | None], object],
              cool_down: bool = True):
        """Send one request to a free worker within the bounded wait and its deadline; on
        busy, timeout or a dead worker, what `failed(reason)` gives. A suggestion that runs
        late does not cool the answering down (`cool_down=False`)."""
        if time.monotonic() < self._down_until:
            return failed(None)
        worker = self._take()
        if worker is None:
            log.warning("Busy: no answering worker free within %.1f s",
                        self.settings.queue_wait_s)
            return failed(BUSY)
        if time.monotonic() < self._down_until:  # it timed out for another while we waited
            self._idle.put(worker)
            return failed(None)
        try:
            worker.connection.send(request)
            if worker.connection.poll(answer_deadline_s(self.settings)):
                result = worker.connection.recv()
                self._idle.put(worker)
                return result
            log.error("A worker took over %.1f s: it is replaced",
                      answer_deadline_s(self.settings))
            self._replace(worker)
            if cool_down:  # an outside call is likely stuck: spare the next questions the wait
                self._cool_down()
            return failed(TIMEOUT)
        except (EOFError, OSError):
            log.exception("An answering worker stopped: it is replaced")
            self._replace(worker)
            return failed(None)

    def close(self) -> None:
        self._closed = True
        with self._lock:
            workers, self._all = list(self._all), set()
        for worker in workers:
            worker.stop()

    def _take(self) -> _Worker | None:
        with self._lock:
            if self._waiting >= self.settings.max_waiting:
                return None
            self._waiting += 1
        try:
            return self._idle.get(timeout=self.settings.queue_wait_s)
        except queue.Empty:
            return None
        finally:
            with self._lock:
                self._waiting -= 1

    def _cool_down(self) -> None:
        self._down_until = time.monotonic() + self.settings.unavailable_cooldown_s

    def _spawn(self) -> _Worker:
        worker = _Worker(self._context, self._target, self.settings)
        with self._lock:
            self._all.add(worker)
        return worker

    def _replace(self, worker: _Worker) -> None:
        """Stop a stuck or dead worker; a new one joins the idle ones once it has loaded."""
        with self._lock:
            self._all.discard(worker)
        worker.stop()

        def restart():
            if not self._closed:
                self._add_one()

        threading.Thread(target=restart, daemon=True, name="chatbot-restart").start()


def answer_deadline_s(settings: Settings) -> float:
    """How long one answer may take: the answer deadline, plus the LLM's own timeouts and
    retries when a model is configured (the LLM then falls back to the extractive answer)."""
    llm = 0.0 if settings.answerer == "extractive" else \
        settings.llm_timeout_s * (settings.llm_max_retries + 1)
    return settings.answer_timeout_s + llm

"""Serving under load and faults: screening before any wait, bounded waiting (busy), answer
deadlines and worker replacement, a frozen Chroma server; the chat page answering an emergency
while another patient's question is stuck."""

from __future__ import annotations

import os
import signal
import threading
import time
from dataclasses import replace

import pytest

from chatbot import Settings
from chatbot.answer import ANSWERED, ESCALATED, REJECTED, UNAVAILABLE, Answer
from chatbot.messages import Messages
from chatbot.service import ChatService, worker_count
from chatbot.unavailable import BUSY, TIMEOUT, failure_reason, unavailable_answer
from chatbot.workers import (
    FAILED,
    READY,
    SUGGEST,
    AnswerWorkers,
    WorkerStartError,
    answer_deadline_s,
)

from .conftest import LAPTOP, open_chat, serving
from .fakes import make_bot

EMERGENCY = "I can't breathe and my lips are swelling"


class StuckAnswerer:
    """Answers like the fake bot, except that a question with 'stuck' waits for `release`."""

    def __init__(self):
        self.bot = make_bot()
        self.articles = self.bot.articles
        self.release = threading.Event()
        self.stuck = threading.Event()  # set once a question is stuck
        self.asked: list[tuple[str, list]] = []

    def ask(self, question, history):
        self.asked.append((question, history))
        if "stuck" in question:
            self.stuck.set()
            self.release.wait(60)
        return self.bot.ask(question, history)


# --- the front door (fast: threads and a fake answerer) ---------------------------------------

def test_an_emergency_is_answered_while_every_answerer_is_stuck():
    answerer = StuckAnswerer()
    service = ChatService(answerer, Settings())
    stuck = threading.Thread(target=service.ask, args=("stuck: how fast does IVIG work?",))
    stuck.start()
    try:
        assert answerer.stuck.wait(10)
        answer = service.ask(EMERGENCY)
        assert answer.status == ESCALATED and answer.disclaimer
        assert stuck.is_alive()  # answered while the other question was still stuck
        assert [q for q, _ in answerer.asked] == ["stuck: how fast does IVIG work?"]
    finally:
        answerer.release.set()
        stuck.join()


def test_limits_and_screening_come_before_the_answerer():
    answerer = StuckAnswerer()
    service = ChatService(answerer, Settings(max_history_turns=2, max_question_chars=50))
    long_history = [{"role": "user", "content": "x" * 30_000},
                    {"role": "assistant", "content": "ok"}] * 40
    service.ask("And what about it?", long_history)
    (_, history), = answerer.asked
    assert len(history) == 4 and all(len(m["content"]) <= 50 for m in history)
    for request, status in (("", REJECTED), ("x" * 51, REJECTED), (5, REJECTED),
                            ("y" * 20_000 + " i can't breathe", ESCALATED)):
        assert service.ask(request).status == status
    assert service.ask("fine?", history=5).reason == "malformed"
    assert len(answerer.asked) == 1  # none of those reached the answerer


def test_pasted_megabytes_are_read_for_red_flags_one_at_a_time():
    service = ChatService(StuckAnswerer(), Settings(queue_wait_s=0.1))
    filler = "How fast does IVIG work? " * 19_500
    inside = filler + "I can't breathe. " + filler  # ~a megabyte, the red flag in the middle
    at_end = filler + filler + "I can't breathe"
    service._long.acquire()  # another long message is being read
    try:
        answer = service.ask(inside)
        assert answer.status == UNAVAILABLE and answer.reason == BUSY and answer.disclaimer
        # its first and last screenful are read at once, whatever else is being read
        assert service.ask(at_end).status == ESCALATED
        assert service.ask(EMERGENCY).status == ESCALATED  # short ones do not wait for it
    finally:
        service._long.release()
    assert service.ask(inside).status == ESCALATED


def test_a_failing_answerer_gives_unavailable_with_the_disclaimer():
    class Broken(StuckAnswerer):
        def ask(self, question, history):
            raise RuntimeError("boom")

    answer = ChatService(Broken(), Settings()).ask("How fast does IVIG work?")
    assert answer.status == UNAVAILABLE and answer.disclaimer and answer.answer


class OneAtATimeModel:
    """Like the fast tokenizer: a second caller while one is inside gets 'Already borrowed'."""

    def __init__(self):
        self._inside = threading.Lock()

    def embed_query(self, text):
        return self.embed_documents([text])[0]

    def embed_documents(self, texts):
        if not self._inside.acquire(blocking=False):
            raise RuntimeError("Already borrowed")
        try:
            time.sleep(0.002)
            return [[float(len(t)), 1.0] for t in texts]
        finally:
            self._inside.release()


def test_the_shared_model_is_called_by_one_thread_at_a_time():
    from concurrent.futures import ThreadPoolExecutor

    from chatbot.embedding import CachedEmbeddings

    cache = CachedEmbeddings(OneAtATimeModel(), max_entries=4)
    texts = [f"question {i}" for i in range(100)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        queries = list(pool.map(cache.embed_query, texts))
        documents = list(pool.map(lambda t: cache.embed_documents([t, t + "!"]), texts))
    assert queries == [[float(len(t)), 1.0] for t in texts]
    assert documents[0] == [[10.0, 1.0], [11.0, 1.0]]


def test_ready_waits_for_what_loads_in_the_background():
    """A worker says it is ready (and the bench starts timing) only once everything answering
    needs is loaded, so the first patient does not pay for it."""
    from chatbot.bot import Chatbot

    loaded = threading.Event()
    loading = threading.Thread(target=lambda: (time.sleep(0.3), loaded.set()))
    loading.start()
    bot = make_bot()
    Chatbot(bot._chain, bot.messages, bot.articles, bot.settings, loading=(loading,)).ready()
    assert loaded.is_set()


def test_timeouts_are_told_apart_from_other_failures():
    import httpx

    assert failure_reason(httpx.ReadTimeout("slow")) == TIMEOUT
    assert failure_reason(TimeoutError()) == TIMEOUT
    try:
        try:
            raise httpx.ConnectTimeout("x")
        except httpx.ConnectTimeout as inner:
            raise RuntimeError("wrapped") from inner
    except RuntimeError as outer:
        assert failure_reason(outer) == TIMEOUT
    assert failure_reason(ConnectionRefusedError()) == UNAVAILABLE


def test_worker_count_and_deadlines_come_from_the_settings():
    assert worker_count(Settings(answer_workers=0)) == 0
    assert worker_count(Settings(answer_workers=3)) == 3
    assert worker_count(Settings()) == max(1, os.cpu_count() or 1) + 1
    assert answer_deadline_s(Settings(answer_timeout_s=4)) == 4
    assert answer_deadline_s(Settings(answer_timeout_s=4, answerer="openai", llm_timeout_s=10,
                                      llm_max_retries=1)) == 24
    env = {"CHATBOT_ANSWER_WORKERS": "2", "CHATBOT_CHROMA_TIMEOUT_S": "1.5",
           "CHATBOT_QUEUE_WAIT_S": "3"}
    settings = Settings.from_env(env)
    assert (settings.answer_workers, settings.chroma_timeout_s, settings.queue_wait_s) == \
        (2, 1.5, 3.0)


# --- answering processes (real processes; a light worker instead of the model) ---------------

def scripted_worker(connection, settings):
    """A worker process without the model: 'sleep N ...' sleeps N seconds, 'die' exits,
    'chroma-timeout' answers as a worker whose Chroma request timed out; a suggestion request
    gets one suggestion naming the question."""
    from chatbot.suggestions import Suggestion
    from chatbot.unavailable import unavailable_answer

    messages = Messages.load()
    connection.send((READY, ("an article",)))
    while True:
        try:
            kind, question, *_ = connection.recv()
        except (EOFError, OSError):
            return
        if kind == SUGGEST:
            connection.send((Suggestion(f"about {question}", "an-article", "A section", False),))
            continue
        if question.startswith("sleep"):
            time.sleep(float(question.split()[1]))
        if question == "die":
            os._exit(3)
        if question == "chroma-timeout":
            connection.send(unavailable_answer(messages, question, TIMEOUT))
            continue
        connection.send(Answer(status="abstained", answer=f"pid {os.getpid()}",
                               disclaimer=messages.disclaimer, question=question))


def failing_worker(connection, settings):
    connection.send((FAILED, "IndexNotFoundError: No index found — run `python ingest.py`"))


def _workers(count: int = 1, **changes) -> AnswerWorkers:
    settings = Settings(**{"queue_wait_s": 0.5, "answer_timeout_s": 5.0,
                           "unavailable_cooldown_s": 0.0, **changes})
    return AnswerWorkers(settings, Messages.load(), count, target=scripted_worker,
                         start_timeout_s=60).start()


def test_suggestions_after_a_refusal_come_from_a_worker_and_never_fail_the_page():
    workers = _workers(count=1)
    try:
        assert [s.text for s in workers.suggest("kidneys")] == ["about kidneys"]
        slow = threading.Thread(target=workers.ask, args=("sleep 3", []))
        slow.start()
        time.sleep(0.5)
        assert workers.suggest("kidneys") == ()  # the only worker is busy: none
        slow.join()
    finally:
        workers.close()


def test_two_workers_answer_at_the_same_time():
    workers = _workers(count=2)
    try:
        assert workers.articles == ("an article",)
        slow = threading.Thread(target=workers.ask, args=("sleep 3", []))
        slow.start()
        time.sleep(0.3)
        answer = workers.ask("meanwhile?", [])
        assert answer.status == "abstained" and slow.is_alive()  # the other one answered
        slow.join()
    finally:
        workers.close()


def test_a_question_waits_a_bounded_time_then_hears_we_are_busy():
    workers = _workers(queue_wait_s=0.3)
    try:
        slow = threading.Thread(target=workers.ask, args=("sleep 2", []))
        slow.start()
        time.sleep(0.2)
        answer = workers.ask("How fast does IVIG work?", [])
        assert answer.status == UNAVAILABLE and answer.reason == BUSY
        assert answer.answer == Messages.load().busy and answer.disclaimer
        assert slow.is_alive()  # told at once, not after the slow one
        slow.join()
        assert workers.ask("again?", []).status == "abstained"
    finally:
        workers.close()


def test_beyond_max_waiting_the_answer_is_busy_at_once():
    workers = _workers(queue_wait_s=5.0, max_waiting=0)
    try:
        assert workers.ask("anything", []).reason == BUSY
    finally:
        workers.close()


def test_an_answer_past_its_deadline_is_unavailable_and_the_worker_replaced():
    workers = _workers(answer_timeout_s=0.5, queue_wait_s=60)
    try:
        first = workers.ask("sleep 30", [])
        assert first.status == UNAVAILABLE and first.reason == TIMEOUT
        replaced = workers.ask("back?", [])  # waits for the replacement to load
        assert replaced.status == "abstained"
        died = workers.ask("die", [])
        assert died.status == UNAVAILABLE
        assert workers.ask("and now?", []).status == "abstained"
    finally:
        workers.close()


def test_after_a_timeout_questions_are_unavailable_at_once_for_the_cooldown():
    workers = _workers(unavailable_cooldown_s=30.0)
    try:
        assert workers.ask("chroma-timeout", []).reason == TIMEOUT
        answer = workers.ask("How fast does IVIG work?", [])  # the idle worker is not asked
        assert answer.status == UNAVAILABLE and answer.reason == UNAVAILABLE
    finally:
        workers.close()


def test_a_worker_that_cannot_load_stops_the_start_with_its_reason():
    workers = AnswerWorkers(Settings(), Messages.load(), 1, target=failing_worker)
    with pytest.raises(WorkerStartError, match="No index found"):
        workers.start()


# --- the real thing: a real worker, the real model, a real Chroma server frozen ---------------

@pytest.fixture
def served_from_chroma_server(tmp_path, embeddings, chroma_server):
    from chatbot.indexing import ingest_folder
    from chatbot.service import open_service

    from .conftest import CORPUS

    settings = Settings(corpus_dir=CORPUS, chroma_host="127.0.0.1", chroma_port=chroma_server.port,
                        chroma_dir=tmp_path / "unused", index_dir=tmp_path / "published",
                        answer_workers=1, chroma_timeout_s=1.0,
                        unavailable_cooldown_s=3.0, queue_wait_s=10.0, answer_timeout_s=60.0)
    ingest_folder(settings, embeddings, progress=False)
    service = open_service(settings)
    yield service, chroma_server
    service.close()


def test_a_frozen_chroma_server_gives_unavailable_and_emergencies_still_escalate(
        served_from_chroma_server):
    service, chroma = served_from_chroma_server
    question = "Can I get IVIG at home?"
    assert service.ask(question).status == ANSWERED
    worker_pids = {w.process.pid for w in service.answerer._all}
    os.kill(chroma.process.pid, signal.SIGSTOP)
    try:
        frozen = service.ask("What are the side effects of IVIG?")
        assert frozen.status == UNAVAILABLE and frozen.reason == TIMEOUT and frozen.disclaimer
        # the worker gave up on Chroma by itself (its timeout), it was not killed at the deadline
        assert {w.process.pid for w in service.answerer._all} == worker_pids
        assert service.ask(EMERGENCY).status == ESCALATED
        assert service.ask(question).status == UNAVAILABLE  # cooling down: at once
    finally:
        os.kill(chroma.process.pid, signal.SIGCONT)
    time.sleep(3.5)  # the cooldown passes
    assert service.ask(question).status == ANSWERED
    # after a refusal the chat offers sections from the workers' index; a question only if
    # the bot answers it
    offered = service.suggest("Can I take IVIG while pregnant?")
    assert offered
    assert all(service.ask(s.text).status == ANSWERED for s in offered if s.is_question)


# --- the chat page: an emergency is answered while another question is stuck -----------------

@pytest.mark.browser
def test_the_chat_page_answers_an_emergency_while_another_question_is_stuck(browser, tmp_path):
    from chatbot.feedback import FeedbackStore
    from chatbot.ui import build_app

    answerer = StuckAnswerer()
    app = build_app(ChatService(answerer, Settings()), FeedbackStore(tmp_path / "fb.sqlite3"))
    with serving(app) as url:
        pages = []
        try:
            for _ in range(2):
                pages.append(open_chat(browser, url, LAPTOP))
            _one_stuck_one_urgent(*pages, answerer)
        finally:
            answerer.release.set()
            for page in pages:
                page.context.close()


def _one_stuck_one_urgent(stuck, urgent, answerer) -> None:
    """Two patients: one question stuck in the answerer, an emergency from the other is
    answered at once; then the first is released and answered."""
    stuck.locator("#question textarea").fill("stuck: how fast does IVIG work?")
    stuck.locator("#question textarea").press("Enter")
    deadline = time.monotonic() + 10
    while not answerer.asked and time.monotonic() < deadline:
        time.sleep(0.05)
    assert answerer.asked, "the first question reached the answerer"
    urgent.locator("#question textarea").fill(EMERGENCY)
    urgent.locator("#question textarea").press("Enter")
    reply = urgent.locator('[data-testid="bot"]').first
    reply.wait_for(timeout=10_000)
    assert "Urgent" in reply.inner_text()
    assert stuck.locator('[data-testid="bot"]').count() == 0  # still waiting
    answerer.release.set()
    stuck.locator('[data-testid="bot"]').first.wait_for(timeout=10_000)


@pytest.mark.browser
def test_an_emergency_typed_while_the_same_chat_waits_is_answered_and_stays(browser, tmp_path):
    """One patient, one chat: a question stuck behind a busy answerer, then an emergency typed
    into the same box. The emergency is answered at once, and when the first answer arrives
    both stay on screen (neither reply overwrites the other)."""
    from chatbot.feedback import FeedbackStore
    from chatbot.ui import build_app

    answerer = StuckAnswerer()
    app = build_app(ChatService(answerer, Settings()), FeedbackStore(tmp_path / "fb.sqlite3"))
    with serving(app) as url:
        page = open_chat(browser, url, LAPTOP)
        try:
            _stuck_then_emergency(page, answerer)
        finally:
            answerer.release.set()
            page.context.close()


def _stuck_then_emergency(page, answerer) -> None:
    """The first question waits in the answerer; the emergency typed after it is shown;
    then the first is released and both replies stay."""
    box = page.locator("#question textarea")
    box.fill("stuck: how fast does IVIG work?")
    box.press("Enter")
    assert answerer.stuck.wait(10), "the first question reached the answerer"
    box.fill(EMERGENCY)
    box.press("Enter")
    page.get_by_text("Urgent").first.wait_for(timeout=10_000)
    answerer.release.set()
    page.wait_for_function(
        "() => { const b = document.querySelectorAll('[data-testid=\"bot\"]');"
        " return b.length === 2 && !b[0].innerText.includes('…'); }", timeout=15_000)
    bots = page.locator('[data-testid="bot"]')
    assert "Urgent" in bots.nth(1).inner_text()  # the emergency is still there
    assert "…" not in bots.nth(0).inner_text()  # and the first question got its answer
    users = page.locator('[data-testid="user"]')
    assert users.count() == 2


@pytest.mark.parametrize(("reason", "raised"), [
    ("IndexNotFoundError: No index found — run `python ingest.py`", "IndexNotFoundError"),
    ("ValueError: CHATBOT_LLM_MODEL is not set", "WorkerStartError"),
])
def test_a_worker_start_failure_is_told_as_it_is(monkeypatch, reason, raised):
    import chatbot.workers
    from chatbot.service import open_service

    class Failing:
        def __init__(self, *args, **kwargs):
            pass

        def start(self, wait_for_all=True):
            raise WorkerStartError(reason)

    monkeypatch.setattr(chatbot.workers, "AnswerWorkers", Failing)
    with pytest.raises(Exception) as caught:
        open_service(Settings(answer_workers=1))
    assert type(caught.value).__name__ == raised
    assert reason.split(": ", 1)[1] in str(caught.value)


def test_the_app_listens_after_the_first_worker_loads_and_the_others_follow():
    settings = Settings(queue_wait_s=10.0, answer_timeout_s=5.0, unavailable_cooldown_s=0.0)
    workers = AnswerWorkers(settings, Messages.load(), 2, target=scripted_worker,
                            start_timeout_s=60).start(wait_for_all=False)
    try:
        assert workers.articles == ("an article",)
        assert workers.ask("first?", []).status == "abstained"  # served before the second
        assert workers.all_ready.wait(60)
        slow = threading.Thread(target=workers.ask, args=("sleep 3", []))
        slow.start()
        time.sleep(0.3)
        assert workers.ask("meanwhile?", []).status == "abstained" and slow.is_alive()
        slow.join()
    finally:
        workers.close()


def test_a_personal_question_goes_on_to_the_answerer_and_its_reply_stands_without_it():
    answerer = StuckAnswerer()
    answer = ChatService(answerer, Settings()).ask("Should I stop my prednisone?")
    assert answer.reason == "personal_advice"
    assert [q for q, _ in answerer.asked] == ["Should I stop my prednisone?"]  # checked there

    class Down(StuckAnswerer):
        def ask(self, question, history):
            raise RuntimeError("the workers are down")

    answer = ChatService(Down(), Settings()).ask("Should I stop my prednisone?")
    assert answer.reason == "personal_advice" and answer.disclaimer

    class Busy(StuckAnswerer):  # what the workers return when none is free
        def ask(self, question, history):
            self.asked.append((question, history))
            return unavailable_answer(Messages.load(), question, BUSY)

    answer = ChatService(Busy(), Settings()).ask("Should I stop my prednisone?")
    assert answer.reason == "personal_advice" and answer.status != UNAVAILABLE

    class Urgent(StuckAnswerer):  # the second line read it as an emergency
        def ask(self, question, history):
            return replace(self.bot.ask(question, history), status=ESCALATED,
                           reason="emergency")

    assert ChatService(Urgent(), Settings()).ask("Should I stop my prednisone?").status \
        == ESCALATED

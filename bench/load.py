"""`python -m bench.load` (`make load`): the real app under load and faults, on loopback only.

Starts a Chroma server (`chroma run`) and the app (`python app.py`, its answering workers, the
real index of `corpus/`) on free loopback ports, then measures in one run:
1. a sequential baseline: chats one after another (each a question and two follow-ups);
2. 50 concurrent chats: p50/p95, errors, answers per second against the baseline; then more
   rounds of 50 chats while emergency messages are sent through /ask and through the chat
   page's own event (their latency);
3. the delay a slow request (a 30,000-character history) adds to other patients' questions;
4. Chroma frozen (SIGSTOP): emergencies (/ask and chat), and what ordinary questions get; then
   how the first questions after it resumes fare.
Bounded: fixed counts, a timeout on every request and an overall deadline. Writes
bench/load_results.json and the "Under load" section of bench/README.md. Not part of
`make test`: timings belong here, never in assertions.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx

from bench.__main__ import (
    HERE,
    ROOT,
    free_port,
    machine,
    patient_questions,
    print_verdicts,
    start_app,
    summary,
    wait_all_ready,
    wait_for_port,
)
from chatbot.service import worker_count
from chatbot.settings import Settings

CHATS = 50
TURNS = 3
ROUNDS = 5  # sequential + concurrent rounds; the figures are the median round's
EMERGENCY_ROUNDS = 2  # concurrent rounds with emergencies sent beside them
SEQUENTIAL_CHATS = 20
REQUEST_TIMEOUT_S = 60.0
DEADLINE_S = 900.0
SLOW_HISTORY_CHARS = 30_000
LONG_MESSAGE_CHARS = 900_000
EMERGENCIES = ("I can't breathe and my lips are swelling", "chest pain right now, help",
               "my throat is closing up", "I just fainted during my infusion")
FOLLOW_UPS = ("And what about the side effects?", "How long does that last?",
              "Is that the same for cold AIHA?", "And at home?")
README_MARK = "<!-- make load -->"


class App:
    """Talks to the running app over loopback: /ask, and the chat page's own event."""

    def __init__(self, client: httpx.AsyncClient, base: str, chat_fn: int, chat_trigger: int):
        self.client, self.base = client, base
        self.chat_fn, self.chat_trigger = chat_fn, chat_trigger

    @classmethod
    async def connect(cls, client: httpx.AsyncClient, base: str) -> App:
        config = (await client.get(f"{base}/config")).json()
        by_id = {c["id"]: c.get("props", {}).get("elem_id") for c in config["components"]}
        for number, dep in enumerate(config["dependencies"]):
            for target, event in dep["targets"]:
                if by_id.get(target) == "question" and event == "submit":
                    return cls(client, base, dep.get("id", number), target)
        raise RuntimeError("the chat page has no question box")

    async def ask(self, question: str, history: list) -> dict:
        """One /ask (Gradio's call API: POST, then read the event stream)."""
        posted = await self.client.post(f"{self.base}/gradio_api/call/ask",
                                        json={"data": [question, history]})
        posted.raise_for_status()
        event = posted.json()["event_id"]
        async with self.client.stream("GET", f"{self.base}/gradio_api/call/ask/{event}") as r:
            kind = None
            async for line in r.aiter_lines():
                if line.startswith("event:"):
                    kind = line.split(":", 1)[1].strip()
                elif line.startswith("data:") and kind in ("complete", "error"):
                    if kind == "error":
                        raise RuntimeError(f"/ask error: {line}")
                    return json.loads(line[5:])[0]
        raise RuntimeError("/ask stream ended without an answer")

    async def chat(self, message: str) -> str:
        """One message typed in the chat page (its queued event, as the browser sends it)."""
        session = uuid.uuid4().hex[:11]
        joined = await self.client.post(f"{self.base}/gradio_api/queue/join", json={
            "data": [message, [], [], {}], "event_data": None, "fn_index": self.chat_fn,
            "trigger_id": self.chat_trigger, "session_hash": session})
        joined.raise_for_status()
        async with self.client.stream(
                "GET", f"{self.base}/gradio_api/queue/data",
                params={"session_hash": session}) as r:
            async for line in r.aiter_lines():
                if not line.startswith("data:"):
                    continue
                msg = json.loads(line[5:])
                if msg.get("msg") == "process_completed":
                    if not msg.get("success"):
                        raise RuntimeError(f"chat event failed: {msg}")
                    return json.dumps(msg["output"]["data"][1][-1])
        raise RuntimeError("chat stream ended without a reply")


async def timed(coro) -> tuple[float, object]:
    started = time.perf_counter()
    try:
        result = await coro
    except Exception as err:  # counted as an error, never hidden
        result = err
    return (time.perf_counter() - started) * 1000, result


async def one_chat(app: App, opening: str, rng: random.Random) -> list[tuple[float, object]]:
    history: list[dict] = []
    out = []
    for question in [opening, *rng.sample(FOLLOW_UPS, TURNS - 1)]:
        elapsed, answer = await timed(app.ask(question, history))
        out.append((elapsed, answer))
        if isinstance(answer, dict):
            history += [{"role": "user", "content": question},
                        {"role": "assistant", "content": answer["answer"]}]
    return out


def is_error(result) -> bool:
    return not isinstance(result, dict) or result.get("status") == "unavailable"


def figures(results: list[tuple[float, object]], seconds: float) -> dict:
    times = [t for t, r in results if not is_error(r)]
    errors = [r for _, r in results if is_error(r)]
    statuses = Counter(r.get("status") for _, r in results if isinstance(r, dict))
    return {**(summary(times) if times else {"n": 0}), "errors": len(errors),
            "error_examples": sorted({_describe(e) for e in errors})[:5],
            "statuses": dict(sorted(statuses.items())),  # what the measured answers were
            "seconds": round(seconds, 2),
            "answers_per_s": round(len(results) / seconds, 2)}


def _describe(result) -> str:
    if isinstance(result, dict):
        return f"{result.get('status')}/{result.get('reason')}"
    return f"{type(result).__name__}: {result}"[:160]


async def sequential(app: App, openings: list[str], rng) -> dict:
    started = time.perf_counter()
    results = []
    for opening in openings[:SEQUENTIAL_CHATS]:
        results += await one_chat(app, opening, rng)
    return figures(results, time.perf_counter() - started)


async def emergency_probes(app: App, stop, every_s: float = 0.25) -> dict:
    """Emergencies sent through /ask and the chat page until `stop` is set; latency, status."""
    api, page, wrong = [], [], 0
    i = 0
    while not (i and stop.is_set()):  # at least one round, however quickly the rest ends
        text = EMERGENCIES[i % len(EMERGENCIES)]
        i += 1
        (a_ms, a), (c_ms, c) = await asyncio.gather(timed(app.ask(text, [])),
                                                    timed(app.chat(text)))
        api.append(a_ms)
        page.append(c_ms)
        wrong += (not isinstance(a, dict) or a.get("status") != "escalated")
        wrong += (not isinstance(c, str) or "Urgent" not in c)
        await asyncio.sleep(every_s)
    return {"api": summary(api) | {"max_ms": round(max(api), 1)},
            "chat": summary(page) | {"max_ms": round(max(page), 1)}, "not_escalated": wrong}


def _probe_process(base: str, stop, results) -> None:
    async def run():
        async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT_S, trust_env=False) as client:
            results.put(await emergency_probes(await App.connect(client, base), stop))

    asyncio.run(run())


class EmergencyProbes:
    """Emergency probes from a process of their own, so what they measure is the app's delay,
    not this client's (busy with the 50 chats)."""

    def __init__(self, base: str):
        import multiprocessing

        context = multiprocessing.get_context("spawn")
        self.stop, self.results = context.Event(), context.Queue()
        self.process = context.Process(target=_probe_process,
                                       args=(base, self.stop, self.results), daemon=True)

    def __enter__(self) -> EmergencyProbes:
        self.process.start()
        time.sleep(2.0)  # the probe process has imported and sent its first emergencies
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.process.join(timeout=REQUEST_TIMEOUT_S)
        if self.process.is_alive():
            self.process.kill()

    def figures(self) -> dict:
        return self.results.get(timeout=REQUEST_TIMEOUT_S)


async def concurrent(app: App, openings: list[str], rng) -> dict:
    """CHATS chats at once, each opening with its own question."""
    started = time.perf_counter()
    chats = await asyncio.gather(*(one_chat(app, opening, random.Random(rng.random()))
                                   for opening in openings[:CHATS]))
    return figures([r for chat in chats for r in chat], time.perf_counter() - started)


async def concurrent_with_emergencies(app: App, openings: list[str], rng) -> dict:
    """CHATS chats at once while emergencies are sent beside them (their latency)."""
    with EmergencyProbes(app.base) as probes:
        load = await concurrent(app, openings, rng)
        probes.stop.set()
        return {**load, "emergency": probes.figures()}


async def slow_request_delay(app: App, questions: list[str]) -> dict:
    """Other patients' questions alone, then beside a stream of 30,000-character-history asks."""
    slow_history = [{"role": "user", "content": "x " * (SLOW_HISTORY_CHARS // 2)},
                    {"role": "assistant", "content": "ok"}] * 2

    async def probe() -> list[float]:
        out = []
        for q in questions:
            elapsed, answer = await timed(app.ask(q, []))
            out.append(elapsed if not is_error(answer) else float("inf"))
        return out

    alone = await probe()
    stop = asyncio.Event()

    async def slow_stream():
        times = []
        while not stop.is_set():
            elapsed, _ = await timed(app.ask("And what about it?", slow_history))
            times.append(elapsed)
        return times

    slow = asyncio.create_task(slow_stream())
    beside = await probe()
    stop.set()
    slow_times = await slow
    added = [b - a for a, b in zip(alone, beside, strict=True)]
    # a pasted message of 900,000 characters with a red flag at its very end
    pasted = "How fast does IVIG work? " * (LONG_MESSAGE_CHARS // 25) + EMERGENCIES[0]
    long_ms, long_answer = await timed(app.ask(pasted, []))
    return {"alone": summary(alone), "beside_slow": summary(beside),
            "added_p50_ms": round(statistics.median(added), 1),
            "added_max_ms": round(max(added), 1), "slow_request": summary(slow_times),
            "long_message": {"chars": len(pasted), "ms": round(long_ms, 1),
                             "status": _describe(long_answer)}}


async def frozen_chroma(app: App, chroma: subprocess.Popen, questions: list[str]) -> dict:
    """SIGSTOP the Chroma server: emergencies, ordinary questions; SIGCONT: the next ones."""
    os.kill(chroma.pid, signal.SIGSTOP)
    try:
        await asyncio.sleep(0.5)
        with EmergencyProbes(app.base) as probes:
            during = await asyncio.gather(*(timed(app.ask(q, [])) for q in questions))
            # a second wave after the first timeouts: these are answered at once
            later = await asyncio.gather(*(timed(app.ask(q, [])) for q in questions))
            probes.stop.set()
            emergency = probes.figures()
    finally:
        os.kill(chroma.pid, signal.SIGCONT)
    await asyncio.sleep(Settings.from_env().unavailable_cooldown_s + 0.5)
    after = []
    for q in questions:
        after.append(await timed(app.ask(q, [])))
    return {
        "emergency": emergency,
        "ordinary_while_frozen": _statuses(during),
        "ordinary_second_wave": _statuses(later),
        "after_resume": _statuses(after),
    }


def _statuses(results: list[tuple[float, object]]) -> dict:
    times = [t for t, _ in results]
    return {**summary(times), "max_ms": round(max(times), 1),
            "statuses": dict(Counter(_describe(r) for _, r in results))}


def start_chroma(folder: Path) -> tuple[subprocess.Popen, int]:
    """A real `chroma run` server on a free loopback port."""
    chroma = shutil.which("chroma", path=str(Path(sys.executable).parent)) or "chroma"
    port = free_port()
    server = subprocess.Popen([chroma, "run", "--path", str(folder), "--host", "127.0.0.1",
                               "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_port(port, server, 60)
    return server, port


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CpuUse:
    """CPU milliseconds per ask of each process taking part: where the time goes."""

    def __init__(self, roles: dict[str, list[int]]):
        self.roles = roles
        self.start = self._now()

    def _now(self) -> dict[str, float]:
        return {role: sum(cpu_seconds(p) for p in pids) for role, pids in self.roles.items()}

    def per_ask(self, asks: int) -> dict[str, float]:
        now = self._now()
        return {role: round((now[role] - self.start[role]) * 1000 / asks, 1) for role in now}


class Questions:
    """Patients' opening questions, each asked once in the whole run: a question vector the
    answering processes already cached would make whichever phase repeats it look faster."""

    def __init__(self, rng: random.Random):
        self._left = patient_questions()
        rng.shuffle(self._left)

    def take(self, count: int) -> list[str]:
        if count > len(self._left):
            raise RuntimeError("the load run needs more distinct questions than it has")
        taken, self._left = self._left[:count], self._left[count:]
        return taken


async def measure(base: str, chroma: subprocess.Popen, app_pid: int, workers: int) -> dict:
    rng = random.Random(15)
    questions = Questions(rng)
    limits = httpx.Limits(max_connections=400, max_keepalive_connections=200)
    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT_S, limits=limits,
                                 trust_env=False) as client:
        app = await App.connect(client, base)
        for _ in range(2):  # every answering process answers its first questions
            await asyncio.gather(*(app.ask(q, []) for q in questions.take(workers)))
        children = [int(c) for c in
                    Path(f"/proc/{app_pid}/task/{app_pid}/children").read_text().split()]
        roles = {"app": [app_pid], "workers": children, "chroma": [chroma.pid],
                 "client": [os.getpid()]}
        rounds = []
        for n in range(1, ROUNDS + 1):  # one round is a few seconds: the median of several
            print(f"round {n} of {ROUNDS}: sequential baseline, then {CHATS} concurrent chats…",
                  flush=True)
            cpu = CpuUse(roles)
            seq = await sequential(app, questions.take(SEQUENTIAL_CHATS), rng)
            seq["cpu_ms_per_ask"] = cpu.per_ask(seq["n"] + seq["errors"])
            cpu = CpuUse(roles)
            load = await concurrent(app, questions.take(CHATS), rng)
            load["cpu_ms_per_ask"] = cpu.per_ask(load.get("n", 0) + load["errors"])
            for phase in (seq, load):  # how much of the machine this run got, could have had
                per_ask_s = sum(phase["cpu_ms_per_ask"].values()) / 1000
                phase["cores_used"] = round(phase["answers_per_s"] * per_ask_s, 2)
                phase["ceiling_answers_per_s"] = round((os.cpu_count() or 1) / per_ask_s, 1)
            rounds.append((round(load["answers_per_s"] / seq["answers_per_s"], 2), seq, load))
        ratios = [r for r, _, _ in rounds]
        ratio, seq, load = sorted(rounds, key=lambda r: r[0])[len(rounds) // 2]  # the median
        beside = []
        for n in range(1, EMERGENCY_ROUNDS + 1):
            print(f"emergencies beside {CHATS} concurrent chats ({n} of {EMERGENCY_ROUNDS})…",
                  flush=True)
            beside.append(await concurrent_with_emergencies(app, questions.take(CHATS), rng))
        # errors and emergencies: every round counts, the worst is reported
        worst = max((b["emergency"] for b in beside),
                    key=lambda e: max(e["api"]["max_ms"], e["chat"]["max_ms"]))
        load = {**load, "errors": sum(lo["errors"] for _, _, lo in rounds)
                + sum(b["errors"] for b in beside),
                "emergency": {**worst, "not_escalated": sum(
                    b["emergency"]["not_escalated"] for b in beside)},
                "beside_emergencies_answers_per_s": [b["answers_per_s"] for b in beside]}
        print("a slow request beside others…", flush=True)
        slow = await slow_request_delay(app, questions.take(12))
        print("Chroma frozen…", flush=True)
        frozen = await frozen_chroma(app, chroma, questions.take(6))
    return {"sequential": seq, "concurrent": load,
            "throughput_ratio": ratio, "throughput_ratios": ratios,
            "slow_request": slow, "frozen_chroma": frozen}


def verdicts(r: dict) -> list[tuple[str, str, bool]]:
    c, f = r["concurrent"], r["frozen_chroma"]
    worst_emergency = max(c["emergency"]["api"]["max_ms"], c["emergency"]["chat"]["max_ms"])
    frozen_emergency = max(f["emergency"]["api"]["max_ms"], f["emergency"]["chat"]["max_ms"])
    return [
        (f"{CHATS} concurrent chats: 0 errors", str(c["errors"]), c["errors"] == 0),
        ("throughput under load >= 1.6x sequential", f"{r['throughput_ratio']}x",
         r["throughput_ratio"] >= 1.6),
        ("30,000-char history adds <= 1 s to others (max)",
         f"{r['slow_request']['added_max_ms']} ms", r["slow_request"]["added_max_ms"] <= 1000),
        ("emergency <= 1 s under load (max, /ask and chat)", f"{worst_emergency} ms",
         worst_emergency <= 1000 and c["emergency"]["not_escalated"] == 0),
        ("emergency <= 1 s with Chroma frozen (max)", f"{frozen_emergency} ms",
         frozen_emergency <= 1000 and f["emergency"]["not_escalated"] == 0),
    ]


def _pairs(values: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in values.items())


def write_readme_section(r: dict, path: Path) -> None:
    """Replace the part of bench/README.md after README_MARK (`make bench` keeps it)."""
    rows = "\n".join(f"| {n} | {v} | {'met' if ok else 'NOT met'} |" for n, v, ok in verdicts(r))
    s, c, sl, f = r["sequential"], r["concurrent"], r["slow_request"], r["frozen_chroma"]
    section = f"""{README_MARK}
## Under load and faults (`make load`)

Latest run: {r['machine']['date']}, {r['machine']['cores']} cores, {r['workers']} answering
workers, {r['seconds']} s in all; {r['note']}. Full figures: `load_results.json`.

| target | measured | |
|---|---|---|
{rows}

- Sequential baseline: {s['n']} asks in {SEQUENTIAL_CHATS} chats of {TURNS} turns, p50
  {s['p50_ms']} ms, p95 {s['p95_ms']} ms, {s['answers_per_s']} answers/s
  ({_pairs(s['statuses'])}; under load: {_pairs(c['statuses'])}: the questions are the
  product's and the library's, most of the library's about articles this index does not
  hold). CPU per ask (ms):
  {_pairs(s['cpu_ms_per_ask'])} sequential;
  {_pairs(c['cpu_ms_per_ask'])} under load.
  Under load this run's processes used
  {c['cores_used']} of {r['machine']['cores']} cores (sequential: {s['cores_used']}); with the
  whole machine, that CPU per ask allows about {c['ceiling_answers_per_s']} answers/s.
- {CHATS} chats at once ({c.get('n', 0)} asks answered, {c['errors']} errors): p50
  {c.get('p50_ms')} ms, p95 {c.get('p95_ms')} ms, {c['answers_per_s']} answers/s
  ({r['throughput_ratio']}x sequential: the median of {len(r['throughput_ratios'])} rounds,
  {', '.join(f'{x}x' for x in r['throughput_ratios'])}; the other figures are that round's,
  errors the sum of all rounds). Every question is asked once in the whole run, so no phase
  gains from vectors cached in an earlier one.
- Emergencies sent (through /ask and the chat page, from a process of their own) beside
  {len(c['beside_emergencies_answers_per_s'])} more rounds of {CHATS} chats (those rounds:
  {', '.join(str(x) for x in c['beside_emergencies_answers_per_s'])} answers/s; the emergencies'
  own requests are not counted as answers, so these rounds are not the throughput figure):
  /ask p95 {c['emergency']['api']['p95_ms']} ms (max {c['emergency']['api']['max_ms']}), chat
  page p95 {c['emergency']['chat']['p95_ms']} ms (max {c['emergency']['chat']['max_ms']}), the
  worst round's.
- A request with a {SLOW_HISTORY_CHARS:,}-character history took p50
  {sl['slow_request']['p50_ms']} ms; other patients' questions: p50 {sl['alone']['p50_ms']} ms
  alone, {sl['beside_slow']['p50_ms']} ms beside it (added p50 {sl['added_p50_ms']} ms, max
  {sl['added_max_ms']} ms). A pasted message of {sl['long_message']['chars']:,} characters with a
  red flag at its end: {sl['long_message']['status']} in {sl['long_message']['ms']} ms.
- Chroma server frozen (SIGSTOP): emergencies /ask max {f['emergency']['api']['max_ms']} ms,
  chat max {f['emergency']['chat']['max_ms']} ms; ordinary questions got
  {_pairs(f['ordinary_while_frozen']['statuses'])} after p50
  {f['ordinary_while_frozen']['p50_ms']} ms
  (max {f['ordinary_while_frozen']['max_ms']} ms: at most two Chroma timeouts, the index-version
  check and the query), then a second wave
  {_pairs(f['ordinary_second_wave']['statuses'])} in max {f['ordinary_second_wave']['max_ms']} ms;
  after it resumed: {_pairs(f['after_resume']['statuses'])}, max {f['after_resume']['max_ms']} ms.
"""
    text = path.read_text() if path.exists() else "# Benchmark\n"
    head = text.split(README_MARK, 1)[0].rstrip()
    path.write_text(f"{head}\n\n{section}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    parser.add_argument("--note", default="nothing said about other work on the machine",
                        help="what else the machine was doing, for the README")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    workers = worker_count(Settings.from_env())
    with tempfile.TemporaryDirectory(prefix="chatbot-load-") as work:
        work = Path(work)
        chroma, chroma_port = start_chroma(work / "chroma")
        env = {**os.environ, "CHATBOT_CHROMA_HOST": "127.0.0.1",
               "CHATBOT_CHROMA_PORT": str(chroma_port),
               "CHATBOT_INDEX_DIR": str(work / "published"),  # shared by ingest and the app
               "CHATBOT_FEEDBACK_DB": str(work / "feedback.sqlite3")}
        app = None
        try:
            print("ingesting corpus/ into a Chroma server…", flush=True)
            subprocess.run([sys.executable, "ingest.py"], cwd=ROOT, env=env, check=True,
                           stdout=subprocess.DEVNULL, timeout=600)
            print("starting the app…", flush=True)
            app, port = start_app(env)
            wait_all_ready(app)  # throughput is measured with every answering process in
            results = asyncio.run(asyncio.wait_for(
                measure(f"http://127.0.0.1:{port}", chroma, app.pid, workers), DEADLINE_S))
        finally:
            if app is not None:
                app.terminate()
                app.wait(timeout=30)
            os.kill(chroma.pid, signal.SIGCONT)
            chroma.terminate()
            chroma.wait(timeout=30)
    results = {"machine": machine(), "workers": workers,
               "note": args.note, **results,
               "seconds": round(time.perf_counter() - started, 1)}
    results["targets"] = [{"target": n, "measured": v, "met": ok}
                          for n, v, ok in verdicts(results)]
    (HERE / "load_results.json").write_text(json.dumps(results, indent=2))
    write_readme_section(results, HERE / "README.md")
    print_verdicts(verdicts(results), results["seconds"], HERE / "load_results.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`python -m bench`: speed and memory, each figure beside its floor measured in the same run.

Writes bench/results.json, bench/results.png and bench/README.md, and prints a table.
Not part of `make test`: timing belongs here, never in assertions.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

from chatbot import Settings, load_chatbot
from chatbot.chunking import chunk_article
from chatbot.corpus import Article, Section, load_article
from chatbot.embedding import CachedEmbeddings, load_embeddings
from chatbot.indexing import ingest_folder
from chatbot.retrieval import HybridRetriever
from chatbot.sentences import split_units
from chatbot.store import ChunkStore
from chatbot.units import units_of_all
from evals.cases import load_cases

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "bench"
CHUNKS_PER_ARTICLE = 9.7  # what the generator gives (measured: 200 articles, 1,945 chunks)
ENCODE_SAMPLE = 1500  # texts raw encoding is timed on (its rate, against ingest's)
REACHES_RETRIEVAL = {"plain", "colloquial", "misspelled", "follow-up", "not-in-article",
                     "off-topic", "html"}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000


def summary(values: list[float]) -> dict:
    return {"p50_ms": round(statistics.median(values), 2),
            "p95_ms": round(percentile(values, 0.95), 2), "n": len(values)}


def machine() -> dict:
    cpu = ""
    if Path("/proc/cpuinfo").exists():
        cpu = next((line.split(":", 1)[1].strip() for line in
                    Path("/proc/cpuinfo").read_text().splitlines()
                    if line.startswith("model name")), "")
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


LIMIT: int | None = None  # questions per measure (--quick: a few)


def eval_questions() -> list[tuple[str, list]]:
    return [(c.question, c.history) for c in load_cases()
            if c.category in REACHES_RETRIEVAL][:LIMIT]


def patient_questions() -> list[str]:
    """Distinct opening questions that reach answering: the product's eval questions and the
    library's (emergencies and personal advice are screened before answering)."""
    from evals.library_run import CASES

    library = [c.question for path in sorted(CASES.glob("*.jsonl")) for c in load_cases(path)
               if not c.history and c.category not in ("emergency", "personal")]
    return list(dict.fromkeys([q for q, _ in eval_questions()] + library))[:LIMIT]


def answer_vs_floor(work: Path, raw, reps: int, settings: Settings | None = None,
                    questions: list[tuple[str, list]] | None = None) -> tuple[dict, Settings]:
    """bot.ask (question vectors not cached, no warm-up pass) against one embedding + one
    Chroma query, on the product article (or the given index and questions)."""
    if settings is None:
        settings = Settings(chroma_dir=work / "chroma-article")
        ingest_folder(settings, raw, progress=False)
    bot = load_chatbot(settings, embeddings=CachedEmbeddings(raw))  # the model is loaded
    bot.ready()  # loaded as the app's answering processes are before they answer; no warm-up
    store = ChunkStore.open(settings)
    questions = questions or eval_questions()
    answer, floor = [], []
    for _ in range(reps):
        for q, h in questions:
            started = time.perf_counter()
            store.query(raw.embed_query(q), 18)
            floor.append(ms(started))
            bot.embeddings.forget_queries()
            started = time.perf_counter()
            bot.ask(q, history=h)
            answer.append(ms(started))
    a, f = summary(answer), summary(floor)
    return {"answer_p50_ms": a["p50_ms"], "answer_p95_ms": a["p95_ms"],
            "floor_p50_ms": f["p50_ms"], "floor_p95_ms": f["p95_ms"],
            "p50_ratio": round(a["p50_ms"] / f["p50_ms"], 2),
            "p95_ratio": round(a["p95_ms"] / f["p95_ms"], 2), "asks": a["n"]}, settings


def library_vs_floor(work: Path, raw, reps: int) -> dict:
    """The same on the seven-article evaluation library and its questions."""
    from evals.library_run import article_files, load_library_articles, load_library_cases

    corpus = work / "library"
    corpus.mkdir()
    for path in article_files():
        shutil.copy(path, corpus / path.name)
    settings = Settings(corpus_dir=corpus, chroma_dir=work / "chroma-library")
    ingest_folder(settings, raw, progress=False)
    cases = load_library_cases(load_library_articles())
    figures, _ = answer_vs_floor(work, raw, reps, settings,
                                 [(c.question, c.history) for c in cases][:LIMIT])
    return figures


def generated_corpus(folder: Path, articles: int, seed: int = 7) -> int:
    """Real-size articles recombined from the real article's sentences (shuffled, seeded): 4-8
    sections of 2-4 paragraphs of 2-3 sentences each (a list stands as its own paragraph), like
    the reviewed article's 8 sections and 14 chunks. The same seed gives the same first
    articles whatever the count."""
    real = load_article(ROOT / "corpus" / "ivig-aiha.md")
    units = [u for s in real.sections for b in s.blocks for u in split_units(b)]
    prose = [u for u in units if "\n- " not in u]
    lists = [u for u in units if "\n- " in u]
    headings = [s.heading for s in real.sections]
    folder.mkdir(parents=True)
    for i in range(articles):
        rng = random.Random(seed * 1_000_003 + i)
        sections = tuple(
            Section(heading, tuple(rng.choice(lists) if lists and rng.random() < 0.1
                                   else " ".join(rng.sample(prose, rng.randint(2, 3)))
                                   for _ in range(rng.randint(2, 4))))
            for heading in rng.sample(headings, rng.randint(4, min(8, len(headings)))))
        article = Article(f"generated-{i:05d}", f"Generated article {i}", sections,
                          publisher="bench", date_posted="2026-01-01")
        (folder / f"generated-{i:05d}.md").write_text(article.to_markdown(), encoding="utf-8")
    return articles


class ComposedEmbeddings:
    """Cheap vectors for library-scale indexes: a text the real model embedded (the real
    article's sentences, list items and headings) keeps its real vector; a paragraph gets the
    normalised mean of its heading's and sentences' real vectors. Retrieval then works on
    meaningful, distinct vectors without embedding 100,000 paragraphs on 2 cores."""

    def __init__(self, raw):
        import numpy as np

        real = load_article(ROOT / "corpus" / "ivig-aiha.md")
        chunks = chunk_article(real)
        texts = list(dict.fromkeys([u.text for u in units_of_all(chunks)]
                                   + [u for s in real.sections for b in s.blocks
                                      for u in split_units(b)]))
        self._known = dict(zip(texts, np.asarray(raw.embed_documents(texts), dtype=np.float32),
                               strict=True))
        self._np = np
        self.dims = len(next(iter(self._known.values())))
        self.unknown = 0

    def _vector(self, text: str):
        found = self._known.get(text)
        if found is not None:
            return found
        heading, _, body = text.partition("\n")
        parts = [self._known[t] for t in [heading, *split_units(body or heading)]
                 if t in self._known]
        if not parts:  # a sentence split differently from the real article's: rare
            self.unknown += 1
            seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "little")
            parts = [self._np.random.default_rng(seed).normal(size=self.dims)]
        mean = self._np.mean(parts, axis=0)
        return (mean / self._np.linalg.norm(mean)).astype(self._np.float32)

    def embed_documents(self, texts: list[str]) -> list:
        return [self._vector(t) for t in texts]


def folder_size_mb(folder: Path) -> float:
    return round(sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20, 1)


def scale_ingest(work: Path, raw, articles: int, reps: int) -> tuple[dict, Settings]:
    """The generated real-size library, really embedded: ingest against raw encoding of the
    texts ingest embeds (each distinct text once: paragraphs, sentences, list items, headings;
    raw encoding timed on a random sample of them), then answers against their floor with no
    warm-up pass."""
    corpus = work / "generated"
    generated_corpus(corpus, articles)
    settings = Settings(corpus_dir=corpus, chroma_dir=work / "chroma-generated")
    started = time.perf_counter()
    report = ingest_folder(settings, raw, progress=False)
    ingest_s = time.perf_counter() - started
    chunks = [c for p in sorted(corpus.glob("*.md"))
              for c in chunk_article(load_article(p), settings.chunk_max_chars)]
    texts = list(dict.fromkeys([c.embedding_text for c in chunks]
                               + [u.text for u in units_of_all(chunks)]))
    sample = random.Random(5).sample(texts, min(len(texts), ENCODE_SAMPLE))
    started = time.perf_counter()
    for i in range(0, len(sample), 64):
        raw.embed_documents(sample[i:i + 64])
    encode_per_s = len(sample) / (time.perf_counter() - started)
    ingest_per_s = len(texts) / ingest_s
    floor, _ = answer_vs_floor(work, raw, reps, settings,
                               [(q, []) for q in patient_questions()])
    return {"articles": articles, "chunks": report.chunks, "ingest_s": round(ingest_s, 1),
            "distinct_texts": len(texts), "ingest_texts_per_s": round(ingest_per_s, 1),
            "encode_texts_per_s": round(encode_per_s, 1), "encode_sample": len(sample),
            "ingest_vs_encode": round(ingest_per_s / encode_per_s, 3),
            "index_size_mb": folder_size_mb(settings.chroma_dir),
            "query_p50_ms": floor["answer_p50_ms"], "query_p95_ms": floor["answer_p95_ms"],
            "floor_p50_ms": floor["floor_p50_ms"], "floor_p95_ms": floor["floor_p95_ms"],
            "p95_ratio": floor["p95_ratio"], "asks": floor["asks"]}, settings


def library_scale(work: Path, raw, chunks: int) -> tuple[dict, Settings]:
    """A library of about `chunks` chunks from the same generator, through the real ingest
    path (Chroma collection, BM25, catalog, vectors), with composed vectors."""
    corpus = work / f"generated-{chunks}"
    generated_corpus(corpus, max(1, round(chunks / CHUNKS_PER_ARTICLE)))
    settings = Settings(corpus_dir=corpus, chroma_dir=work / f"chroma-{chunks}")
    composed = ComposedEmbeddings(raw)
    started = time.perf_counter()
    report = ingest_folder(settings, composed, progress=False)
    return {"articles": report.articles, "chunks": report.chunks,
            "ingest_s": round(time.perf_counter() - started, 1),
            "index_size_mb": folder_size_mb(settings.chroma_dir),
            "texts_without_a_real_vector": composed.unknown}, settings


def retrieval(raw, settings: Settings, reps: int) -> dict:
    """Fused dense + lexical retrieval (one query embedding, one Chroma query, BM25, fusion)
    over a published index, and its floor (the embedding and the Chroma query alone)."""
    store = ChunkStore.open(settings)
    started = time.perf_counter()
    retriever = HybridRetriever.build(store, raw, 6)
    open_ms = ms(started)
    times, floor = [], []
    for _ in range(reps):
        for q, _h in eval_questions():
            started = time.perf_counter()
            store.query(raw.embed_query(q), 18)
            floor.append(ms(started))
            started = time.perf_counter()
            retriever.search(q)
            times.append(ms(started))
    found, base = summary(times), summary(floor)
    return {**found, "floor_p50_ms": base["p50_ms"], "floor_p95_ms": base["p95_ms"],
            "open_ms": round(open_ms, 1)}


START_FLOOR = ("import gradio; from chatbot.embedding import CachedEmbeddings, load_embeddings; "
               "load_embeddings().embed_query('How fast does IVIG work?')")


def start_floor() -> float:
    """Seconds for what any start must do: import Gradio, load the model, embed a question."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", START_FLOOR], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return round(time.perf_counter() - started, 2)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, timeout_s: float) -> None:
    """Until something listens on the loopback port; raises if the process stops or is slow."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[1]} stopped while starting")
        time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"{process.args[1]} did not start within {timeout_s:.0f} s")


def start_app(env: dict, timeout_s: float = 300) -> tuple[subprocess.Popen, int]:
    """`python app.py` on a free loopback port, once it accepts connections (its first
    answering process is then ready; `wait_all_ready` waits for the others)."""
    port = free_port()
    app = subprocess.Popen([sys.executable, "app.py", "--port", str(port)], cwd=ROOT, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    wait_for_port(port, app, timeout_s)
    return app, port


def wait_all_ready(app: subprocess.Popen, timeout_s: float = 300) -> None:
    """Until the app says all its answering processes have loaded, at most `timeout_s` even
    if it prints nothing or its workers keep its output open after it died; from here on its
    output is read away in the background (a full pipe would stop it)."""
    import queue
    import threading

    from app import ALL_READY

    lines: queue.Queue = queue.Queue()
    done = threading.Event()

    def read() -> None:
        try:
            for line in app.stdout:
                if not done.is_set():  # afterwards read away, not kept
                    lines.put(line)
        finally:
            lines.put(None)  # the app closed its output (or it could not be read)

    threading.Thread(target=read, daemon=True).start()
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise RuntimeError("the app's answering processes did not all start in time")
            try:
                line = lines.get(timeout=min(1.0, left))
            except queue.Empty:
                line = "" if app.poll() is None else None
            if line is None:
                raise RuntimeError("the app stopped before its answering processes all started")
            if line.strip() == ALL_READY:
                return
    finally:
        done.set()


def memory_kb(pid: int, field: str) -> int:
    """A process's /proc figure (VmHWM: peak RSS; Pss: its share of pages it shares)."""
    name = "smaps_rollup" if field == "Pss" else "status"
    text = Path(f"/proc/{pid}/{name}").read_text()
    return int(next(line.split()[1] for line in text.splitlines()
                    if line.startswith(field + ":")))


def app_process(settings: Settings, raw, questions: list[str]) -> dict:
    """Seconds from `python app.py` to the first answer (beside the start floor, measured just
    before), whether that answer is the one a warm bot gives, and the memory of the app with
    its answering workers (peak RSS of each, summed; and their proportional share, Pss)."""
    from gradio_client import Client

    floor = start_floor()
    expected = load_chatbot(settings, embeddings=CachedEmbeddings(raw)).ask(questions[0])
    env = {**os.environ, "CHATBOT_CHROMA_DIR": str(settings.chroma_dir),
           "CHATBOT_FEEDBACK_DB": str(settings.chroma_dir.parent / "feedback.sqlite3")}
    started = time.perf_counter()
    app, port = start_app(env)
    try:
        client = Client(f"http://127.0.0.1:{port}", verbose=False)
        first = client.predict(questions[0], [], api_name="/ask")
        cold = time.perf_counter() - started
        wait_all_ready(app)  # memory is measured with every answering process in
        for q in questions[1:40]:
            client.predict(q, [], api_name="/ask")
        children = Path(f"/proc/{app.pid}/task/{app.pid}/children").read_text().split()
        pids = [app.pid, *(int(c) for c in children)]
        peak_kb = sum(memory_kb(pid, "VmHWM") for pid in pids)
        pss_kb = sum(memory_kb(pid, "Pss") for pid in pids)
    finally:
        app.terminate()
        app.wait(timeout=30)
    same = (first["status"], first["answer"]) == (expected.status, expected.answer)
    return {"cold_start_s": round(cold, 2), "start_floor_s": floor,
            "first_answer_correct": same, "app_peak_rss_mb": round(peak_kb / 1024, 1),
            "app_pss_mb": round(pss_kb / 1024, 1), "processes": len(pids)}


def plot(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    names = ["article", "library", "generated"]
    rows = [results["answer"], results["library"], results["scale"]]
    x = range(len(names))
    left.bar([i - 0.2 for i in x], [r["floor_p95_ms"] for r in rows], 0.4, label="floor p95",
             color="#9bb")
    left.bar([i + 0.2 for i in x], [r.get("answer_p95_ms", r.get("query_p95_ms")) for r in rows],
             0.4, label="answer p95", color="#37a")
    left.set_xticks(list(x), names)
    left.set_ylabel("ms")
    left.set_title("Answer vs floor (1 embedding + 1 Chroma query)")
    left.legend()
    sizes = sorted(int(k) for k in results["retrieval"])
    right.plot(sizes, [results["retrieval"][str(s)]["p95_ms"] for s in sizes], "o-",
               label="retrieval p95")
    right.plot(sizes, [results["retrieval"][str(s)]["floor_p95_ms"] for s in sizes], "o-",
               label="floor p95")
    right.axhline(50, color="#c33", linestyle="--", label="target p95 50 ms")
    right.set_xscale("log")
    right.set_xlabel("chunks")
    right.set_ylabel("ms")
    right.set_title("Fused retrieval vs index size")
    right.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def verdicts(r: dict) -> list[tuple[str, str, bool]]:
    largest = str(max(int(k) for k in r["retrieval"]))
    big = r["apps"][largest]
    return [
        ("answer p95 within 2x floor p95", f"{r['answer']['p95_ratio']}x",
         r["answer"]["p95_ratio"] <= 2),
        ("same, 7-article library", f"{r['library']['p95_ratio']}x",
         r["library"]["p95_ratio"] <= 2),
        (f"same, {r['scale']['articles']} real-size articles", f"{r['scale']['p95_ratio']}x",
         r["scale"]["p95_ratio"] <= 2),
        ("ingest >= 80% of raw encoding", f"{r['scale']['ingest_vs_encode']:.0%}",
         r["scale"]["ingest_vs_encode"] >= 0.8),
        (f"retrieval p95 < 50 ms at {int(largest):,} chunks",
         f"{r['retrieval'][largest]['p95_ms']} ms", r["retrieval"][largest]["p95_ms"] < 50),
        (f"start to first answer <= 10 s at {int(largest):,} chunks",
         f"{big['cold_start_s']} s", big["cold_start_s"] <= 10),
        ("first answers right after start", str(all(a["first_answer_correct"]
                                                    for a in r["apps"].values())),
         all(a["first_answer_correct"] for a in r["apps"].values())),
        # the app with its answering workers: their proportional share of memory (shared
        # library pages counted once), as summing each process's RSS would count them twice
        ("app memory (Pss, with its workers) < 1 GB at every size",
         f"{max(a['app_pss_mb'] for a in r['apps'].values())} MB",
         max(a["app_pss_mb"] for a in r["apps"].values()) < 1024),
    ]


def write_readme(r: dict, path: Path) -> None:
    rows = "\n".join(f"| {name} | {value} | {'met' if ok else 'NOT met'} |"
                     for name, value, ok in verdicts(r))
    a, s = r["answer"], r["scale"]
    apps = "\n".join(
        f"| {int(size):,} | {app['cold_start_s']} s | {app['start_floor_s']} s | "
        f"{app['first_answer_correct']} | {app['processes']} | {app['app_pss_mb']} MB | "
        f"{app['app_peak_rss_mb']} MB |"
        for size, app in sorted(r["apps"].items(), key=lambda kv: int(kv[0])))
    found = "\n".join(
        f"| {int(size):,} | {x['p50_ms']} ms | {x['p95_ms']} ms | {x['floor_p95_ms']} ms | "
        f"{x['open_ms']} ms |"
        for size, x in sorted(r["retrieval"].items(), key=lambda kv: int(kv[0])))
    big = r["big"]
    path.write_text(f"""# Benchmark

`make bench` (about 15 minutes; not part of `make test`). Latest run: {r['machine']['date']},
{r['machine']['cores']} cores ({r['machine']['cpu'] or 'unknown CPU'}), Python
{r['machine']['python']}, {r['seconds']} s in all. Full figures: `results.json`; plot:
`results.png`.

| target | measured | |
|---|---|---|
{rows}

- `bot.ask` over {a['asks']} eval questions (question vectors not cached, no warm-up pass): p50
  {a['answer_p50_ms']} ms, p95 {a['answer_p95_ms']} ms; floor (one query embedding + one Chroma
  query) p50 {a['floor_p50_ms']} ms, p95 {a['floor_p95_ms']} ms. On the seven-article library
  ({r['library']['asks']} asks): p95 {r['library']['answer_p95_ms']} ms against a floor of
  {r['library']['floor_p95_ms']} ms.
- Generated real-size library: {s['articles']} articles (4-8 sections of 2-4 paragraphs,
  recombined from the reviewed article's sentences), {s['chunks']:,} chunks, really embedded:
  ingest {s['ingest_s']} s for {s['distinct_texts']:,} distinct texts (paragraphs, sentences,
  list items, headings; {s['ingest_texts_per_s']} texts/s) against raw encoding at
  {s['encode_texts_per_s']} texts/s (timed on {s['encode_sample']} of them); index
  {s['index_size_mb']} MB on disk; {s['asks']} answers to distinct patient questions (the
  product's eval questions and the library's), no warm-up, p50 {s['query_p50_ms']} ms /
  p95 {s['query_p95_ms']} ms against a floor p95 of {s['floor_p95_ms']} ms.
- The {big['chunks']:,}-chunk library ({big['articles']:,} articles from the same generator)
  goes through the real ingest path (Chroma collection, BM25, catalog, vector file) in
  {big['ingest_s']} s, {big['index_size_mb']} MB on disk. Its vectors are composed, not
  embedded: each sentence, list item and heading keeps its real vector from the reviewed
  article, each paragraph gets the normalised mean of its heading's and sentences' vectors
  ({big['texts_without_a_real_vector']} texts had none and got a seeded random one).

Fused dense + lexical retrieval (one embedding, one Chroma query, BM25, fusion) against its
floor (the embedding and the Chroma query alone), and the time to open the index:

| chunks | p50 | p95 | floor p95 | open |
|---|---|---|---|---|
{found}

`python app.py` to its first answer (beside the start floor measured just before it: a process
that only imports Gradio, loads the model and embeds one question), whether that first answer
equals a warm bot's, and the memory of the app with its answering workers after 40 questions
(Pss: shared pages counted once; peak RSS summed over the processes):

| chunks | start to 1st answer | start floor | 1st answer right | processes | Pss | peak RSS |
|---|---|---|---|---|---|---|
{apps}

Opening an index reads no chunk: the BM25 index and the vector file are memory-mapped, the
catalog is an SQLite file read as questions need it; word statistics are computed at ingest.
What grows with the library in an app process is the memory-mapped pages it touches, the
vocabulary (BM25 terms, spelling words, sentence idf) and the names of the articles.

The machine is shared: figures move between runs; ratios against a floor measured in the same
run are what to compare.
{_load_section(path)}""")


def _load_section(path: Path) -> str:
    """The "Under load" part `make load` wrote (bench/load.py), kept as it is."""
    from bench.load import README_MARK

    text = path.read_text() if path.exists() else ""
    return "\n" + README_MARK + text.split(README_MARK, 1)[1] if README_MARK in text else ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    args = parser.parse_args(argv)
    global LIMIT
    articles, big, reps = (30, 3000, 1) if args.quick else (1000, 100_000, 3)
    LIMIT = 40 if args.quick else None
    work = HERE / "work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    raw = load_embeddings()
    questions = [q for q, _ in eval_questions()]
    results: dict = {"machine": machine()}
    t0 = time.perf_counter()
    print("answer vs floor…", flush=True)
    results["answer"], article_settings = answer_vs_floor(work, raw, reps + 2)
    print("the seven-article library…", flush=True)
    results["library"] = library_vs_floor(work, raw, 1)
    print(f"{articles} real-size generated articles, really embedded…", flush=True)
    results["scale"], generated = scale_ingest(work, raw, articles, 1)
    print(f"a {big:,}-chunk library, composed vectors…", flush=True)
    results["big"], large = library_scale(work, raw, big)
    results["retrieval"], results["apps"] = {}, {}
    for settings, size in ((generated, results["scale"]["chunks"]),
                           (large, results["big"]["chunks"])):
        print(f"retrieval at {size:,} chunks…", flush=True)
        results["retrieval"][str(size)] = retrieval(raw, settings, reps)
    print("app start to first answer, and memory…", flush=True)
    for settings, size in ((article_settings, ChunkStore.open(article_settings).count()),
                           (generated, results["scale"]["chunks"]),
                           (large, results["big"]["chunks"])):
        results["apps"][str(size)] = app_process(settings, raw, questions)
        print(f"  {size:>7} chunks: {results['apps'][str(size)]}", flush=True)
    results["seconds"] = round(time.perf_counter() - t0, 1)
    results["targets"] = [{"target": n, "measured": v, "met": ok}
                          for n, v, ok in verdicts(results)]
    out = HERE if not args.quick else work
    (out / "results.json").write_text(json.dumps(results, indent=2))
    plot(results, out / "results.png")
    if not args.quick:
        write_readme(results, HERE / "README.md")
    print_verdicts(verdicts(results), results["seconds"], out / "results.json")
    return 0


def print_verdicts(rows: list[tuple[str, str, bool]], seconds: float, saved: Path) -> None:
    width = max(len(name) for name, _, _ in rows) + 2
    print(f"\n{'target':<{width}} {'measured':>12}  verdict")
    for name, value, ok in rows:
        print(f"{name:<{width}} {value:>12}  {'met' if ok else 'NOT met'}")
    print(f"\nTotal {seconds} s. Results: {saved}")


if __name__ == "__main__":
    sys.exit(main())

"""`python -m bench`: speed and memory, each figure beside its floor measured in the same run.

Writes bench/results.json, bench/results.png and bench/README.md, and prints a table.
Not part of `make test`: timing belongs here, never in assertions.
"""

from __future__ import annotations

import argparse
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
from chatbot.embedding import load_embeddings
from chatbot.indexing import ingest_folder
from chatbot.retrieval import HybridRetriever
from chatbot.sentences import split_units
from chatbot.store import COSINE, ChunkStore, connect
from chatbot.units import units_of_all
from evals.cases import load_cases

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "bench"
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


def eval_questions() -> list[tuple[str, list]]:
    return [(c.question, c.history) for c in load_cases()
            if c.category in REACHES_RETRIEVAL]


def answer_vs_floor(work: Path, raw, reps: int, settings: Settings | None = None,
                    questions: list[tuple[str, list]] | None = None) -> tuple[dict, Settings]:
    """bot.ask (question vectors not cached, no warm-up pass) against one embedding + one
    Chroma query, on the product article (or the given index and questions)."""
    if settings is None:
        settings = Settings(chroma_dir=work / "chroma-article")
        ingest_folder(settings, raw, progress=False)
    bot = load_chatbot(settings)
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
                                 [(c.question, c.history) for c in cases])
    return figures


def generated_corpus(folder: Path, articles: int, seed: int = 7) -> int:
    """Many small articles recombined from the real article's sentences (shuffled, seeded):
    one section of two short paragraphs each, so 1,000 articles embed in minutes on 2 cores."""
    real = load_article(ROOT / "corpus" / "ivig-aiha.md")
    units = [u for s in real.sections for b in s.blocks for u in split_units(b)]
    headings = [s.heading for s in real.sections]
    rng = random.Random(seed)
    folder.mkdir(parents=True)
    for i in range(articles):
        sections = (Section(rng.choice(headings),
                            tuple(" ".join(rng.sample(units, 2)) for _ in range(2))),)
        article = Article(f"generated-{i:05d}", f"Generated article {i}", sections,
                          publisher="bench", date_posted="2026-01-01")
        (folder / f"generated-{i:05d}.md").write_text(article.to_markdown(), encoding="utf-8")
    return articles


def folder_size_mb(folder: Path) -> float:
    return round(sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20, 1)


def scale_ingest(work: Path, raw, articles: int, reps: int) -> tuple[dict, Settings]:
    corpus = work / "generated"
    generated_corpus(corpus, articles)
    settings = Settings(corpus_dir=corpus, chroma_dir=work / "chroma-generated")
    started = time.perf_counter()
    report = ingest_folder(settings, raw, progress=False)
    ingest_s = time.perf_counter() - started
    # the same texts ingest embeds: each paragraph, and its sentences, list items and headings
    chunks = [c for p in sorted(corpus.glob("*.md"))
              for c in chunk_article(load_article(p), settings.chunk_max_chars)]
    texts = [c.embedding_text for c in chunks] + [u.text for u in units_of_all(chunks)]
    started = time.perf_counter()
    for i in range(0, len(texts), 64):
        raw.embed_documents(texts[i:i + 64])
    encode_s = time.perf_counter() - started
    floor, _ = answer_vs_floor(work, raw, reps, settings)
    return {"articles": articles, "chunks": report.chunks, "ingest_s": round(ingest_s, 1),
            "ingest_texts_per_s": round(len(texts) / ingest_s, 1),
            "encode_texts_per_s": round(len(texts) / encode_s, 1),
            "ingest_vs_encode": round(encode_s / ingest_s, 3),
            "index_size_mb": folder_size_mb(settings.chroma_dir),
            "query_p50_ms": floor["answer_p50_ms"], "query_p95_ms": floor["answer_p95_ms"],
            "floor_p95_ms": floor["floor_p95_ms"], "p95_ratio": floor["p95_ratio"]}, settings


def retrieval_at_scale(work: Path, raw, source: Settings, sizes: list[int], reps: int) -> dict:
    """Fused dense + lexical retrieval over N chunks. Vectors beyond the real ones are cheap
    perturbations of real chunk vectors (labelled as such); texts are real chunk texts."""
    import numpy as np

    real = ChunkStore.open(source)
    stored = real.all_chunks()
    vectors = real.vectors([c.chunk_id for c in stored])
    base = np.asarray([vectors[c.chunk_id] for c in stored], dtype=np.float32)
    rng = np.random.default_rng(3)
    client = connect(Settings(chroma_dir=work / "chroma-scale"))
    questions = [q for q, _ in eval_questions()]
    out = {}
    for size in sizes:
        collection = client.create_collection(f"scale-{size}", embedding_function=None,
                                              configuration=COSINE)
        started = time.perf_counter()
        for start in range(0, size, 4000):
            idx = np.arange(start, min(size, start + 4000))
            vecs = base[idx % len(base)] + rng.normal(0, 0.02, (len(idx), base.shape[1]))
            vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
            collection.add(
                ids=[f"s{i}" for i in idx],
                documents=[stored[i % len(stored)].text for i in idx],
                metadatas=[{**stored[i % len(stored)].metadata,
                            "article_id": f"synthetic-{i // 6}"} for i in idx],
                embeddings=vecs.tolist())
        load_s = time.perf_counter() - started
        retriever = HybridRetriever.build(ChunkStore(collection, client, f"scale-{size}"),
                                          raw, 6)
        times = []
        for _ in range(reps):
            for q in questions:
                started = time.perf_counter()
                retriever.search(q)
                times.append(ms(started))
        out[str(size)] = {**summary(times), "load_s": round(load_s, 1)}
        print(f"  retrieval at {size:>7} chunks: p50 {out[str(size)]['p50_ms']} ms, "
              f"p95 {out[str(size)]['p95_ms']} ms", flush=True)
    out["vectors"] = ("real chunk vectors up to the generated corpus size; beyond it, "
                      "perturbed copies (gaussian noise 0.02, renormalised)")
    return out


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
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{process.args[1]} did not start within {timeout_s:.0f} s")


def start_app(env: dict, timeout_s: float = 180) -> tuple[subprocess.Popen, int]:
    """`python app.py` on a free loopback port, once it accepts connections."""
    port = free_port()
    app = subprocess.Popen([sys.executable, "app.py", "--port", str(port)], cwd=ROOT, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_port(port, app, timeout_s)
    return app, port


def memory_kb(pid: int, field: str) -> int:
    """A process's /proc figure (VmHWM: peak RSS; Pss: its share of pages it shares)."""
    name = "smaps_rollup" if field == "Pss" else "status"
    text = Path(f"/proc/{pid}/{name}").read_text()
    return int(next(line.split()[1] for line in text.splitlines()
                    if line.startswith(field + ":")))


def app_process(settings: Settings, questions: list[str]) -> dict:
    """Seconds from `python app.py` to the first answer, and the memory of the app with its
    answering workers (peak RSS of each, summed; and their proportional share, Pss)."""
    from gradio_client import Client

    env = {**os.environ, "CHATBOT_CHROMA_DIR": str(settings.chroma_dir)}
    started = time.perf_counter()
    app, port = start_app(env)
    try:
        client = Client(f"http://127.0.0.1:{port}", verbose=False)
        client.predict(questions[0], [], api_name="/ask")
        cold = time.perf_counter() - started
        for q in questions[1:40]:
            client.predict(q, [], api_name="/ask")
        children = Path(f"/proc/{app.pid}/task/{app.pid}/children").read_text().split()
        pids = [app.pid, *(int(c) for c in children)]
        peak_kb = sum(memory_kb(pid, "VmHWM") for pid in pids)
        pss_kb = sum(memory_kb(pid, "Pss") for pid in pids)
    finally:
        app.terminate()
        app.wait(timeout=30)
    return {"cold_start_s": round(cold, 2), "app_peak_rss_mb": round(peak_kb / 1024, 1),
            "app_pss_mb": round(pss_kb / 1024, 1), "processes": len(pids)}


def plot(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    a = results["answer"]
    left.bar(["floor p50", "answer p50", "floor p95", "answer p95"],
             [a["floor_p50_ms"], a["answer_p50_ms"], a["floor_p95_ms"], a["answer_p95_ms"]],
             color=["#9bb", "#37a", "#9bb", "#37a"])
    left.set_ylabel("ms")
    left.set_title("Warm answer vs floor (1 embedding + 1 Chroma query)")
    sizes = [int(k) for k in results["retrieval"] if k.isdigit()]
    right.plot(sizes, [results["retrieval"][str(s)]["p50_ms"] for s in sizes], "o-",
               label="p50")
    right.plot(sizes, [results["retrieval"][str(s)]["p95_ms"] for s in sizes], "o-",
               label="p95")
    right.axhline(50, color="#c33", linestyle="--", label="target p95 50 ms")
    right.set_xscale("log")
    right.set_xlabel("chunks")
    right.set_ylabel("ms")
    right.set_title("Fused retrieval vs index size")
    right.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def verdicts(r: dict) -> list[tuple[str, str, bool]]:
    largest = max(int(k) for k in r["retrieval"] if k.isdigit())
    return [
        ("answer p95 within 2x floor p95", f"{r['answer']['p95_ratio']}x",
         r["answer"]["p95_ratio"] <= 2),
        ("same, 7-article library", f"{r['library']['p95_ratio']}x",
         r["library"]["p95_ratio"] <= 2),
        (f"same, {r['scale']['articles']} generated articles", f"{r['scale']['p95_ratio']}x",
         r["scale"]["p95_ratio"] <= 2),
        ("ingest >= 80% of raw encoding", f"{r['scale']['ingest_vs_encode']:.0%}",
         r["scale"]["ingest_vs_encode"] >= 0.8),
        (f"retrieval p95 < 50 ms at {largest} chunks",
         f"{r['retrieval'][str(largest)]['p95_ms']} ms",
         r["retrieval"][str(largest)]["p95_ms"] < 50),
        # the app with its answering workers: their proportional share of memory (shared
        # library pages counted once), as summing each process's RSS would count them twice
        ("app memory (Pss, with its workers) < 1 GB", f"{r['app']['app_pss_mb']} MB",
         r["app"]["app_pss_mb"] < 1024),
    ]


def write_readme(r: dict, path: Path) -> None:
    rows = "\n".join(f"| {name} | {value} | {'met' if ok else 'NOT met'} |"
                     for name, value, ok in verdicts(r))
    a, s = r["answer"], r["scale"]
    sizes = [k for k in r["retrieval"] if k.isdigit()]
    growth = " → ".join(f"{int(k):,}: {r['retrieval'][k]['p95_ms']} ms" for k in sizes)
    path.write_text(f"""# Benchmark

`make bench` (about 7 minutes; not part of `make test`). Latest run: {r['machine']['date']},
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
- Generated corpus: {s['articles']} articles, {s['chunks']} chunks, really embedded: ingest
  {s['ingest_s']} s ({s['ingest_texts_per_s']} texts/s — paragraphs, sentences, list items,
  headings — against raw encoding of the same texts at {s['encode_texts_per_s']} texts/s), index
  {s['index_size_mb']} MB on disk, answers p50
  {s['query_p50_ms']} ms / p95 {s['query_p95_ms']} ms (floor p95 {s['floor_p95_ms']} ms).
  Sentence vectors are stored at ingest; a question embeds only itself (and, for a follow-up
  or a long message, the text read with its context or its asking sentence).
- Fused dense + lexical retrieval p95 by index size: {growth}.
  {r['retrieval']['vectors']}.
- App: {r['app']['cold_start_s']} s from `python app.py` to the first answer (mostly importing
  torch, sentence-transformers and Gradio, then loading the model); {r['app']['processes']}
  processes (the app and its answering workers): Pss {r['app']['app_pss_mb']} MB, peak RSS
  summed over them {r['app']['app_peak_rss_mb']} MB.

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
    articles, sizes, reps = (50, [1000, 5000], 1) if args.quick else \
        (1000, [1000, 10000, 100000], 3)
    work = HERE / "work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    raw = load_embeddings()
    results: dict = {"machine": machine()}
    t0 = time.perf_counter()
    print("answer vs floor…", flush=True)
    results["answer"], article_settings = answer_vs_floor(work, raw, reps + 2)
    print("the seven-article library…", flush=True)
    results["library"] = library_vs_floor(work, raw, 1)
    print(f"generated corpus of {articles} articles, really embedded…", flush=True)
    results["scale"], generated = scale_ingest(work, raw, articles, 1)
    print("retrieval at scale…", flush=True)
    results["retrieval"] = retrieval_at_scale(work, raw, generated, sizes, reps)
    print("app cold start and memory…", flush=True)
    results["app"] = app_process(article_settings, [q for q, _ in eval_questions()])
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

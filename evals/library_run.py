"""The library evals: the team-written articles plus the IVIG article, ingested into a
temporary index, every labelled case run, figures reported per split, article and category.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from chatbot.corpus import Article, load_article
from chatbot.settings import PROJECT_ROOT, Settings
from evals import library_metrics as lm
from evals import metrics
from evals.cases import Case, CaseError, load_cases
from evals.split import LIBRARY, Split

ARTICLES = LIBRARY / "articles"
CASES = LIBRARY / "cases"
# The reviewed article the library shares with the product.
PRODUCT_ARTICLES = (PROJECT_ROOT / "corpus" / "ivig-aiha.md",)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"“(])")


def article_files() -> list[Path]:
    return [*PRODUCT_ARTICLES, *sorted(ARTICLES.glob("*.md"))]


def load_library_articles() -> dict[str, Article]:
    return {a.article_id: a for a in map(load_article, article_files())}


def load_library_cases(articles: dict[str, Article]) -> list[Case]:
    """Every case file, checked against the articles: known article, labels that are article
    text. Problems are raised together, by file and line."""
    cases, problems = [], []
    for path in sorted(CASES.glob("*.jsonl")):
        try:
            loaded = load_cases(path)
        except CaseError as err:
            problems.append(str(err))
            continue
        for case in loaded:
            at = f"{path.name} line {case.line}"
            article = articles.get(case.article)
            if article is None:
                problems.append(f"{at}: unknown article {case.article!r}")
                continue
            for label in case.answer_sentences:
                if not is_article_text(article, label):
                    problems.append(f"{at}: answer sentence is not text of {case.article}: "
                                    f"{label[:60]!r}")
            cases.append(case)
    if problems:
        raise CaseError("Library cases have problems:\n" + "\n".join(problems))
    return cases


def is_article_text(article: Article, label: str) -> bool:
    """A labelled answer sentence is the article's own text (list items read as lines)."""
    return (metrics.squash(label.removeprefix("- "))
            in metrics.squash(article.body.replace("\n- ", "\n")))


def blocks_of(article: Article) -> list[list[str]]:
    """Paragraphs as lists of sentences (plain splitting, independent of the answerer)."""
    return [_SENTENCE_END.split(block.split("\n- ")[0]) + block.split("\n- ")[1:]
            for section in article.sections for block in section.blocks]


@contextmanager
def library_index(embeddings, settings: Settings | None = None,
                  exclude: frozenset[str] = frozenset()) -> Iterator[Settings]:
    """Ingest the library (less the `exclude`d article ids) into a temporary corpus folder and
    Chroma folder; yield settings."""
    from chatbot.indexing import ingest_folder

    with tempfile.TemporaryDirectory(prefix="library-") as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        for path in article_files():
            if path.stem not in exclude:
                shutil.copy(path, corpus / path.name)
        base = settings or Settings.from_env()
        library = base.with_(corpus_dir=corpus, chroma_dir=Path(tmp) / "chroma",
                             chroma_host=None, collection="library",
                             feedback_db=Path(tmp) / "feedback.sqlite3")
        ingest_folder(library, embeddings, progress=False)
        yield library


def run_case(bot, case: Case, blocks: list[list[str]], corpus_text: str,
             split: str) -> tuple[lm.LibraryOutcome, dict]:
    started = time.perf_counter()
    answer = bot.ask(case.question, history=case.history).to_record()
    latency = (time.perf_counter() - started) * 1000
    status = metrics.status_correct(answer, case.expected_status)
    facts = metrics.fact_recall(answer, case.expected_facts)
    right = lm.right_article(answer, case.article)
    context = lm.needed_context(case.answer_sentences, blocks)
    precision, recall, useful, quotes, found, labels = lm.answer_sentences(
        answer, case.answer_sentences, context)
    verbatim = metrics.citations_verbatim(answer, corpus_text)
    markers = metrics.citation_markers(answer)
    results = [status, facts, right, precision, recall, verbatim, markers]
    correct = lm.is_correct(case.expected_status, status.passed, facts.passed, right.passed)
    outcome = lm.LibraryOutcome(
        case_id=case.id, article=case.article, split=split, category=case.category,
        expected=case.expected_status, status=answer["status"], reason=answer.get("reason", ""),
        correct=correct, leak=not right.passed,
        useful_quotes=useful, quotes=quotes, found_labels=found, labels=labels,
        fact_recall=facts.value, latency_ms=latency)
    row = {
        "id": case.id, "article": case.article, "split": split, "category": case.category,
        "line": case.line, "turns": list(case.turns), "question": case.question,
        "expected_status": case.expected_status, "passed": correct,
        "latency_ms": round(latency, 1), "answer": answer,
        "answer_sentences": list(case.answer_sentences),
        "expected_facts": [list(f) for f in case.expected_facts],
        "metrics": [r.to_dict() for r in results], "notes": case.notes, "owner": case.owner,
    }
    return outcome, row


def run_library(bot, cases: list[Case], articles: dict[str, Article], split: Split
                ) -> tuple[list[lm.LibraryOutcome], list[dict]]:
    blocks = {aid: blocks_of(a) for aid, a in articles.items()}
    corpus_text = "\n\n".join(a.body for a in articles.values())
    outcomes, rows = [], []
    for case in cases:
        outcome, row = run_case(bot, case, blocks.get(case.article, []), corpus_text,
                                split.of(case))
        outcomes.append(outcome)
        rows.append(row)
    return outcomes, rows


def summary(outcomes: list[lm.LibraryOutcome]) -> dict:
    """Figures per split (fit and holdout side by side), per article and per category."""
    def group(key) -> dict:
        names = sorted({key(o) for o in outcomes})
        return {n: lm.summarise([o for o in outcomes if key(o) == n]) for n in names}

    return {
        "overall": lm.summarise(outcomes),
        "splits": group(lambda o: o.split),
        "articles": group(lambda o: f"{o.article} ({o.split})" if o.article else "-"),
        "categories": {
            split: {c: lm.summarise([o for o in outcomes if o.split == split
                                     and o.category == c])
                    for c in sorted({o.category for o in outcomes if o.split == split})}
            for split in sorted({o.split for o in outcomes})
        },
    }


def failure_classes(outcomes: list[lm.LibraryOutcome]) -> dict[str, int]:
    """What the failures look like, by class, for the closing note and the report."""
    classes: dict[str, int] = {}
    for o in outcomes:
        if o.correct:
            continue
        if o.expected == "answered" and o.status == "abstained":
            name = "false refusal"
        elif o.expected == "answered" and o.status == "answered" and o.leak:
            name = "quoted another article"
        elif o.expected == "answered" and o.status == "answered":
            name = "answered without the expected facts"
        elif o.category == lm.NEAR_TOPIC and o.status == "answered":
            name = "answered a question no article answers"
        elif o.expected == "escalated":
            name = "emergency missed"
        elif o.category == lm.PERSONAL:
            name = "personal advice not refused"
        else:
            name = f"expected {o.expected}, got {o.status}"
        classes[name] = classes.get(name, 0) + 1
    return dict(sorted(classes.items(), key=lambda kv: -kv[1]))

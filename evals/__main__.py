"""`python -m evals run` · `library` · `faithfulness` · `fit-verifier` · `fit-urgency` ·
`compare OLD NEW` · `accept CASE_ID` · `from-feedback`.

Runs the cases in evals/cases.jsonl through exactly what the chat window calls.
Exit codes: 0 at or above the bar, 1 below it (a regression or a figure under its minimum;
`--no-fail` reports without failing), 2 when the evals could not run (a bad case file, no index).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from chatbot import Settings
from evals.cases import DEFAULT_CASES, CaseError, load_cases

HERE = Path(__file__).resolve().parent
BASELINE = HERE / "baseline" / "report.json"
LIBRARY_THRESHOLDS = HERE / "library" / "thresholds.toml"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run every case and write a report folder")
    run.add_argument("--cases", type=Path, default=DEFAULT_CASES)
    run.add_argument("--out", type=Path, help="report folder (default evals/runs/<time>)")
    run.add_argument("--check", action="store_true",
                     help="kept for scripts: failing below the bar is the default now")
    run.add_argument("--no-fail", action="store_true",
                     help="exit 0 even below the thresholds or worse than the baseline")
    run.add_argument("--thresholds", type=Path)
    run.add_argument("--baseline", type=Path, default=BASELINE)
    run.add_argument("--write-baseline", action="store_true",
                     help="save this run as the committed baseline")
    lib = commands.add_parser("library", help="run the library cases (fit and holdout) on a "
                              "temporary index of the library articles")
    lib.add_argument("--out", type=Path, help="report folder (default evals/runs/library-<time>)")
    lib.add_argument("--article", help="only the cases of this article (leave-one-out reports)")
    lib.add_argument("--split", choices=("fit", "holdout"), help="only this side of the split")
    lib.add_argument("--check", action="store_true",
                     help="kept for scripts: failing below the bar is the default now")
    lib.add_argument("--no-fail", action="store_true",
                     help="exit 0 even when a figure misses evals/library/thresholds.toml")
    fit = commands.add_parser("fit", help="fit the answerer on the library's fit cases and "
                              "write chatbot/data/fitted.json")
    fit.add_argument("--out", type=Path, help="where to write (default: the packaged file)")
    fit.add_argument("--encoder-out", type=Path,
                     help="where to write the encoder adapter (default: the packaged file, or "
                     "beside --out)")
    faith = commands.add_parser("faithfulness", help="judge the LLM verifier on the labelled "
                                "faithfulness set, per kind, fit and holdout")
    faith.add_argument("--check", action="store_true",
                       help="kept for scripts: failing below the bar is the default now")
    faith.add_argument("--no-fail", action="store_true",
                       help="exit 0 even when holdout figures miss evals/faithfulness/gate.toml")
    faith.add_argument("--fit-errors", action="store_true",
                       help="list the fit items the verifier gets wrong (holdout only counts)")
    faith.add_argument("--out", type=Path, help="report folder (default evals/runs/"
                       "faithfulness-<time>)")
    commands.add_parser("fit-verifier", help="fit the verifier's thresholds on the fit items "
                        "and write chatbot/data/verifier.json")
    commands.add_parser("fit-urgency", help="fit the second-line emergency check on the "
                        "labelled messages and write chatbot/data/urgency.npz")
    cmp = commands.add_parser("compare", help="list regressions and improvements")
    cmp.add_argument("old", type=Path)
    cmp.add_argument("new", type=Path)
    cmp.add_argument("--no-fail", action="store_true",
                     help="exit 0 even when a question got worse")
    fb = commands.add_parser("from-feedback", help="draft cases from thumbs-down feedback")
    fb.add_argument("--db", type=Path, help="feedback SQLite (default: the app's)")
    fb.add_argument("--out", type=Path, default=HERE / "drafts.jsonl")
    from evals import accept
    accept.add_parser(commands)
    args = parser.parse_args(argv)
    return {"run": _run, "library": _library, "fit": _fit, "compare": _compare,
            "faithfulness": _faithfulness, "fit-verifier": _fit_verifier,
            "fit-urgency": _fit_urgency,
            "from-feedback": _from_feedback, "accept": accept.main}[args.command](args)


def _run(args) -> int:
    from chatbot import IndexNotFoundError, load_chatbot
    from chatbot.corpus import article_paths, load_corpus
    from evals import gate, report
    from evals.compare import compare
    from evals.runner import run_cases, summarise

    try:
        cases = load_cases(args.cases)
    except CaseError as err:
        print(err, file=sys.stderr)
        return 2
    settings = Settings.from_env()
    try:
        bot = load_chatbot(settings)
    except IndexNotFoundError as err:
        print(err, file=sys.stderr)
        return 2
    articles, _ = load_corpus(article_paths(settings.corpus_dir))
    corpus_text = "\n\n".join(a.body for a in articles)

    started = dt.datetime.now(dt.UTC)
    results = run_cases(bot, cases, corpus_text)
    summary = summarise(results)
    case_dicts = [r.to_dict() for r in results]
    regressions: list[str] = []
    versus_baseline = ""
    baseline = None
    if args.baseline and Path(args.baseline).exists():
        baseline = report.load_report(args.baseline)
        comparison = compare(baseline, {"cases": case_dicts})
        regressions = comparison.regression_ids
        versus_baseline = "Against the baseline: " + comparison.text()
    reasons = gate.check(summary, gate.load_thresholds(args.thresholds or gate.DEFAULT_THRESHOLDS),
                         regressions)
    meta = {"started": started.isoformat(timespec="seconds"), "cases_file": _shown(args.cases),
            "generator": settings.answerer, "gate": reasons}
    out = args.out or HERE / "runs" / started.strftime("%Y%m%d-%H%M%S")
    report.write_run(out, meta, summary, case_dicts, baseline)
    if args.write_baseline:
        report.write_run(BASELINE.parent, meta, summary, case_dicts)
    overall = summary["overall"]
    print(f"{overall['passed']}/{overall['cases']} cases pass ({overall['pass_rate']:.1%}). "
          f"Report: {out / 'report.html'}")
    for name, figures in summary["categories"].items():
        print(f"  {name:<16} {figures['passed']:>3}/{figures['cases']:<3}")
    for r in results:
        if not r.passed:
            print(f"  FAIL {r.case.id} (line {r.case.line}): "
                  + "; ".join(m.reason for m in r.failures))
    if versus_baseline:
        print(versus_baseline)
    return _verdict(reasons, args.no_fail)


def _library(args) -> int:
    from chatbot import load_chatbot
    from chatbot.embedding import CachedEmbeddings, load_embeddings
    from evals import gate, library_run
    from evals.library_report import text_table
    from evals.report import write_run
    from evals.split import Split

    articles = library_run.load_library_articles()
    try:
        cases = library_run.load_library_cases(articles)
    except CaseError as err:
        print(err, file=sys.stderr)
        return 2
    split = Split.load()
    if args.article:
        cases = [c for c in cases if c.article == args.article]
    if args.split:
        cases = split.select(cases, args.split)
    settings = Settings.from_env()
    embeddings = CachedEmbeddings(load_embeddings(settings.embedding_model_path,
                                                  settings.torch_threads))
    started = dt.datetime.now(dt.UTC)
    with library_run.library_index(embeddings, settings) as library:
        bot = load_chatbot(library, embeddings=embeddings)
        outcomes, rows = library_run.run_library(bot, cases, articles, split)
    summary = library_run.summary(outcomes)
    thresholds = gate.load_thresholds(LIBRARY_THRESHOLDS)
    reasons = gate.check_library(summary, thresholds) if not (args.article or args.split) \
        else []
    classes = library_run.failure_classes(outcomes)
    meta = {"started": started.isoformat(timespec="seconds"), "generator": settings.answerer,
            "holdout_articles": sorted(split.holdout_articles), "gate": reasons,
            "failure_classes": classes,
            "selection": {k: v for k, v in (("article", args.article), ("split", args.split))
                          if v}}
    out = args.out or HERE / "runs" / ("library-" + started.strftime("%Y%m%d-%H%M%S"))
    write_run(out, meta, summary, rows)
    print(text_table({**summary["splits"], "all": summary["overall"]}))
    print("\nPer article:")
    for name, figures in summary["articles"].items():
        print(f"  {name:<40} {figures['correct']:.1%} of {figures['cases']} handled correctly")
    print("\nFailures by class: " + (", ".join(f"{k} {v}" for k, v in classes.items())
                                     or "none"))
    print(f"Report: {out / 'report.html'}")
    return _verdict(reasons, args.no_fail)


def _fit(args) -> int:
    import contextlib
    import json
    import tempfile

    from chatbot import load_chatbot
    from chatbot.embedding import CachedEmbeddings, load_embeddings
    from chatbot.encoder import DEFAULT_ADAPTER, NO_ADAPTER, fingerprint
    from chatbot.model import DEFAULT_FITTED
    from evals import fit, fit_encoder, library_run
    from evals.split import FIT, Split

    articles = library_run.load_library_articles()
    split = Split.load()
    cases = split.select(library_run.load_library_cases(articles), FIT)
    settings = Settings.from_env()

    def answerer(adapter: Path, stack: contextlib.ExitStack):
        """An answerer over the fit articles with this encoder (the holdout articles are not
        even in the index the answerer is fitted on), until `stack` closes."""
        embeddings = CachedEmbeddings(load_embeddings(settings.embedding_model_path,
                                                      settings.torch_threads, adapter))
        lib = stack.enter_context(library_run.library_index(embeddings, settings,
                                                            split.holdout_articles))
        return load_chatbot(lib, embeddings=embeddings, models=fit.untrained(),
                            urgency=False).answerer

    with contextlib.ExitStack() as stack:
        packaged = answerer(NO_ADAPTER, stack)
        library = packaged.retriever.library
        base = fit.collect(packaged, cases)
        units = {a: list(library.articles[a].units) for a in library.articles}
        examples = fit_encoder.examples(base, units)
        data = []
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="encoder-")))
        for article in sorted({c.article for c in cases}):  # leave one article out
            print(f"Fitting the encoder without {article}...", flush=True)
            path = tmp / f"{article}.npz"
            fit_encoder.train([e for e in examples if e.article != article]).save(path)
            with contextlib.ExitStack() as fold:
                data += fit.collect(answerer(path, fold),
                                    [c for c in cases if c.article == article])
        fitted = fit.fit_all(data, library, cases)
        print("Fitting the encoder on every fit article...", flush=True)
        out = args.out or DEFAULT_FITTED
        # the pair is written together, at the end: a trial fit (--out) never replaces the
        # packaged adapter, and a failed fit leaves the packaged pair as it was
        adapter = args.encoder_out or (out.with_suffix(".npz") if args.out else DEFAULT_ADAPTER)
        fit_encoder.train(examples).save(adapter)
        fitted["meta"]["encoder"] = {
            "fingerprint": fingerprint(adapter),
            "sim_first_packaged": round(fit_encoder.sim_first(base), 4),
            "sim_first_adapted_out_of_fold": round(fit_encoder.sim_first(data), 4),
            "answerable_auc_packaged": round(fit_encoder.answerable_auc(base), 4),
            "answerable_auc_adapted_out_of_fold": round(fit_encoder.answerable_auc(data), 4)}
    fit.write(fitted, out)
    print(json.dumps({"thresholds": fitted["thresholds"], **fitted["meta"]}, indent=1))
    print(f"Wrote {adapter} and {out}")
    return 0


def _faithfulness(args) -> int:
    import json

    from chatbot.verification import Verifier
    from evals import faithfulness as fa
    from evals.library_run import load_library_articles
    from evals.split import FIT, Split

    articles = load_library_articles()
    items, problems = fa.load_items(articles)
    for problem in problems:
        print(f"left out: {problem}")
    verifier = Verifier()
    outcomes = fa.judge(items, verifier, Split.load(), fa.vocabulary(list(articles.values())),
                        fa.name_terms(articles))
    sides = fa.by_side(outcomes)
    print(fa.text_table(sides))
    if args.fit_errors:
        print("\nFit items judged wrongly:\n  " + "\n  ".join(fa.wrong(outcomes, FIT)))
    reasons = fa.gate(sides)
    started = dt.datetime.now(dt.UTC)
    out = args.out or HERE / "runs" / ("faithfulness-" + started.strftime("%Y%m%d-%H%M%S"))
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(
        {"thresholds": verifier.thresholds.to_dict(), "left_out": problems, "sides": sides,
         "gate": reasons,
         "items": [{"id": o.item.id, "side": o.side, "kind": o.item.kind,
                    "accepted": o.accepted, "reason": o.verdict.reason, "quote": o.verdict.quote}
                   for o in outcomes]}, indent=1), encoding="utf-8")
    print(f"Report: {out / 'report.json'}")
    if reasons:
        print("Below the bar:\n  " + "\n  ".join(reasons))
    return 1 if reasons and not args.no_fail else 0


def _fit_verifier(args) -> int:
    import json

    from evals import fit_verifier
    from evals.library_run import load_library_articles

    result = fit_verifier.run(load_library_articles())
    print(json.dumps({"thresholds": result["thresholds"],
                      **{k: v for k, v in result["meta"].items() if k != "steps"}}, indent=1))
    return 0


def _fit_urgency(args) -> int:
    import json

    from chatbot.embedding import load_embeddings
    from evals import fit_urgency, library_run

    settings = Settings.from_env()
    articles = library_run.load_library_articles()
    model = fit_urgency.run(load_embeddings(settings.embedding_model_path,
                                            settings.torch_threads),
                            library_run.load_library_cases(articles), load_cases())
    print(json.dumps({"encoder": model.encoder, **model.meta}, indent=1))
    return 0


def _shown(path: Path) -> str:
    """A path relative to the project, so committed reports do not carry a machine's paths."""
    try:
        return str(Path(path).resolve().relative_to(HERE.parent))
    except ValueError:
        return str(path)


def _compare(args) -> int:
    from evals import report, viewer
    from evals.compare import compare

    old, new = report.load_report(args.old), report.load_report(args.new)
    comparison = compare(old, new)
    print(comparison.text())
    folder = args.new if args.new.is_dir() else args.new.parent
    page = folder / "compare.html"
    page.write_text(viewer.render(new, old, old_name=_shown(args.old),
                                  new_name=_shown(args.new)), encoding="utf-8")
    print(f"HTML: {page}")
    reasons = [f"{len(comparison.regressions)} question(s) got worse: "
               + ", ".join(comparison.regression_ids)] if comparison.regressions else []
    return _verdict(reasons, args.no_fail)


def _verdict(reasons: list[str], no_fail: bool) -> int:
    """Print why a run is below the bar; 1 when it is (0 with --no-fail), else 0."""
    if not reasons:
        print("At or above the bar.")
        return 0
    print("Below the bar:\n  " + "\n  ".join(reasons))
    return 0 if no_fail else 1


def _from_feedback(args) -> int:
    from chatbot.feedback import FeedbackStore
    from evals.drafts import drafts_from_feedback, to_jsonl

    db = args.db or Settings.from_env().feedback_db
    known = [c for path in (DEFAULT_CASES, args.out) if path.exists()
             for c in load_cases(path, include_drafts=True)]
    drafts = drafts_from_feedback(FeedbackStore(db).current(), {c.id for c in known},
                                  {c.question for c in known})
    with args.out.open("a", encoding="utf-8") as f:
        f.write(to_jsonl(drafts))
    print(f"{len(drafts)} new draft case(s) appended to {args.out} from {db}. Review them, "
          "then move them into evals/cases.jsonl without \"draft\".")
    return 0


if __name__ == "__main__":
    sys.exit(main())

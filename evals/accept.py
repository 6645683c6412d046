"""`python -m evals accept CASE_ID --why "..."`: make a run's answer the case's expectation.

For an answer that changed for a good reason (an editor re-worded the article): shows what the
case would expect instead, asks, and rewrites that one line of the case file, recording who,
when, why, from which run and what the case expected before. Holdout cases of the library are
refused: they only report, and are never changed to match the answerer.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from chatbot.answer import ANSWERED
from evals.cases import DEFAULT_CASES, CaseError, parse_case
from evals.figures import reply
from evals.library_metrics import same_unit
from evals.metrics import squash
from evals.split import HOLDOUT, LIBRARY, Split

ROOT = Path(__file__).resolve().parent.parent
RUNS = Path(__file__).resolve().parent / "runs"
# The fields accept may change, in the order it shows them.
EXPECTATIONS = ("expected_status", "expected_facts", "expected_sections", "answer_sentences")
WRITTEN, DECLINED, REFUSED = 0, 1, 2


class Refused(Exception):
    """Accept will not do this; the message says why and what to do instead."""


@dataclass(frozen=True)
class Found:
    """One case's line in its file: where, and its fields as written."""

    path: Path
    line: int
    data: dict


def add_parser(commands) -> None:
    p = commands.add_parser("accept", help="make a run's answer the expectation of one case")
    p.add_argument("case_id")
    p.add_argument("--from", dest="run", type=Path,
                   help="the run folder (default: the newest run in evals/runs of its kind)")
    p.add_argument("--why", required=True, help="why the new answer is right (kept in the case)")
    p.add_argument("--by", help="who accepts (default: git user.name, else $USER)")
    p.add_argument("--yes", action="store_true", help="do not ask (for scripts)")
    p.add_argument("--cases", type=Path, action="append",
                   help="the case file(s) to look in (default: evals/cases.jsonl and "
                        "evals/library/cases/*.jsonl)")


def case_files() -> list[Path]:
    return [DEFAULT_CASES, *sorted((LIBRARY / "cases").glob("*.jsonl"))]


def find_case(case_id: str, files: list[Path]) -> Found:
    for path in files:
        for number, raw in enumerate(path.read_bytes().split(b"\n"), start=1):
            text = raw.decode("utf-8").strip()
            if not text or text.startswith("#"):
                continue
            try:
                data = json.loads(text)
            except ValueError:
                continue  # the case loader reports broken lines; here only the id matters
            if isinstance(data, dict) and data.get("id") == case_id:
                return Found(path, number, data)
    raise Refused(f"No case {case_id!r} in {', '.join(_shown(p) for p in files)}.")


def newest_run(library: bool, runs: Path = RUNS) -> Path:
    folders = sorted(p.parent for p in runs.glob("*/report.json")
                     if p.parent.name.startswith("library-") == library)
    if not folders:
        raise Refused(f"No {'library ' if library else ''}run in {_shown(runs)}: run "
                      f"`python -m evals {'library' if library else 'run'}` first.")
    return folders[-1]


def find_row(run: Path, case_id: str) -> dict:
    path = run / "report.json" if run.is_dir() else run
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise Refused(f"Cannot read the run {_shown(path)}: {err}") from err
    for row in report.get("cases", []):
        if row.get("id") == case_id:
            return row
    raise Refused(f"The run {_shown(path)} has no case {case_id!r}.")


def proposed(data: dict, answer: dict) -> dict:
    """The case's fields expecting this answer: its status; the facts, sections and answer
    sentences it still has are kept, and the ones it lost give way to what it quotes now."""
    new = dict(data)
    new["expected_status"] = answer["status"]
    text = squash(answer["answer"])
    quotes = [c["quote"] for c in answer.get("citations", [])] \
        if answer["status"] == ANSWERED else []
    if "expected_facts" in data:
        kept = [f for f in data["expected_facts"] if any(squash(p) in text for p in f)]
        lost = len(kept) < len(data["expected_facts"])
        extra = [[q] for q in quotes
                 if lost and not any(squash(p) in squash(q) for f in kept for p in f)]
        new["expected_facts"] = kept + extra
    if "expected_sections" in data:
        got = [r["section"] for r in answer.get("retrieved", [])][:6]
        kept = [s for s in data["expected_sections"] if s in got]
        cited = [c["section"] for c in answer.get("citations", [])]
        lost = len(kept) < len(data["expected_sections"])
        new["expected_sections"] = kept + [s for s in dict.fromkeys(cited)
                                           if lost and s not in kept]
    if "answer_sentences" in data:
        kept = [lab for lab in data["answer_sentences"] if any(same_unit(q, lab) for q in quotes)]
        lost = len(kept) < len(data["answer_sentences"])
        new["answer_sentences"] = kept + [
            q.replace("\n- ", " ") for q in quotes
            if lost and not any(same_unit(q, lab) for lab in kept)]
    return new


def changes(old: dict, new: dict) -> list[str]:
    """What accepting changes, one line per field, in words."""
    lines = []
    for key in EXPECTATIONS:
        if old.get(key) == new.get(key):
            continue
        if key == "expected_status":
            lines.append(f"  expected reply: {reply(old.get(key, ''))}  ->  {reply(new[key])}")
            continue
        gone = [x for x in old.get(key, []) if x not in new.get(key, [])]
        added = [x for x in new.get(key, []) if x not in old.get(key, [])]
        lines.append(f"  {key.replace('_', ' ')}:")
        lines += [f"    - {_item(x)}" for x in gone] + [f"    + {_item(x)}" for x in added]
    return lines


def _item(value) -> str:
    return " or ".join(f"“{p}”" for p in value) if isinstance(value, list) else f"“{value}”"


def record(old: dict, new: dict, by: str, why: str, run: str, at: str) -> dict:
    """The new case with this acceptance appended to its `accepted` list."""
    was = {k: old[k] for k in EXPECTATIONS if k in old and old.get(k) != new.get(k)}
    entry = {"at": at, "by": by, "why": why, "run": run, "was": was}
    return {**new, "accepted": [*old.get("accepted", []), entry]}


def replace_line(path: Path, line: int, text: str) -> None:
    """Rewrite one line of the file; every other byte stays as it was."""
    lines = path.read_bytes().split(b"\n")
    ending = b"\r" if lines[line - 1].endswith(b"\r") else b""
    lines[line - 1] = text.encode("utf-8") + ending
    path.write_bytes(b"\n".join(lines))


def who(explicit: str | None) -> str:
    if explicit:
        return explicit
    try:
        name = subprocess.run(["git", "config", "user.name"], cwd=ROOT, capture_output=True,
                              text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        name = ""
    return name or os.environ.get("USER") or getpass.getuser()


def main(args: argparse.Namespace) -> int:
    try:
        return _accept(args)
    except Refused as err:
        print(err, file=sys.stderr)
        return REFUSED


def _accept(args: argparse.Namespace) -> int:
    if not args.why.strip():
        raise Refused("Say why the new answer is right: --why \"...\" (it is kept in the case).")
    found = find_case(args.case_id, args.cases or case_files())
    old = found.data
    where = f"{_shown(found.path)} line {found.line}"
    case = _parsed(old, where)
    if case.article and Split.load().of(case) == HOLDOUT:
        raise Refused(
            f"{args.case_id!r} is a holdout case of the library (article {case.article}; "
            f"see evals/library/split.toml). Holdout cases only report how the answerer does "
            "on questions nothing was chosen for, so they are never changed to match its "
            "answers. If the case itself is wrong, that is a label review for the team "
            "(evals/library/LABEL_FIXES.md), not an accept.")
    run = args.run or newest_run(library=bool(case.article))
    row = find_row(run, args.case_id)
    if list(row.get("turns", [])) != list(case.turns):
        raise Refused(f"The case's question changed since the run {_shown(run)}; run the evals "
                      "again and accept from the new run.")
    answer = row["answer"]
    said = squash(answer["answer"])
    forbidden = [p for p in old.get("must_not_contain", []) if squash(p) in said]
    if forbidden:
        raise Refused(f"That answer says {', '.join(map(repr, forbidden))}, which the case "
                      "forbids; accept never removes a forbidden phrase. If the phrase is fine "
                      "now, edit must_not_contain by hand.")
    new = proposed(old, answer)
    if case.article and new.get("answer_sentences") != old.get("answer_sentences"):
        _check_labels(case.article, new["answer_sentences"])
    shown = changes(old, new)
    if not shown:
        print(f"Nothing to change: {args.case_id!r} already expects this answer.")
        return WRITTEN
    print(f"Case {args.case_id!r} ({where}), from the run {_shown(run)}.\n"
          f"The patient wrote: {case.question[:300]}\n"
          f"The bot replied ({reply(answer['status'])}): {answer['answer'][:1000]}\n"
          "The case would change:\n" + "\n".join(shown))
    if not args.yes:
        print(f"Write this change to {where}? [y/N] ", end="", flush=True)
        typed = sys.stdin.readline()
        if not sys.stdin.isatty():
            print(typed.strip())  # echo what a script typed, as a terminal would
        if typed.strip().lower() not in ("y", "yes"):
            print("Nothing written.")
            return DECLINED
    at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    result = record(old, new, who(args.by), args.why, _shown(run), at)
    line = json.dumps(result, ensure_ascii=False)
    _parsed(result, where)  # never write a line the case loader would refuse
    replace_line(found.path, found.line, line)
    print(f"Written: {where}. Commit it with the reason: {args.why}")
    return WRITTEN


def _check_labels(article_id: str, labels: list[str]) -> None:
    """New answer sentences must be the article's text as it is now (not an older run's)."""
    from evals.library_run import is_article_text, load_library_articles

    article = load_library_articles().get(article_id)
    stale = [lab for lab in labels if article is None or not is_article_text(article, lab)]
    if stale:
        raise Refused(f"{stale[0][:80]!r} is not text of the article {article_id} as it is now; "
                      "run `python -m evals library` again and accept from the new run.")


def _parsed(data: dict, where: str):
    try:
        return parse_case(json.dumps(data, ensure_ascii=False))
    except CaseError as err:
        raise Refused(f"{where}: {err}") from err


def _shown(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)

"""`python -m evals accept` on temporary copies of the case files (never the committed ones)."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

from evals.__main__ import main
from evals.cases import load_cases, parse_case
from evals.runner import score
from evals.split import HOLDOUT, Split

from .conftest import ROOT
from .eval_runs import DISCLAIMER, answered, refused

CASES = ROOT / "evals" / "cases.jsonl"
LIBRARY_CASES = ROOT / "evals" / "library" / "cases"
WHY = "The article now says where IVIG is given."


@pytest.fixture
def cases(tmp_path) -> Path:
    copy = tmp_path / "cases.jsonl"
    shutil.copy(CASES, copy)
    return copy


def _run_folder(tmp_path: Path, case_file: Path, case_id: str, answer) -> Path:
    """A run folder whose report holds this case answered with `answer`."""
    case = next(c for c in load_cases(case_file) if c.id == case_id)
    row = score(case, answer.to_record(), "", DISCLAIMER).to_dict()
    run = tmp_path / "runs" / "20260102-100000"
    run.mkdir(parents=True)
    (run / "report.json").write_text(json.dumps({"meta": {}, "summary": {}, "cases": [row]}),
                                     encoding="utf-8")
    return run


def _accept(monkeypatch, case_file: Path, case_id: str, run: Path | None, answer_typed: str,
            *extra: str) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(answer_typed))
    return main(["accept", case_id, "--cases", str(case_file), "--why", WHY, "--by", "Dana",
                 *(["--from", str(run)] if run else []), *extra])


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().split(b"\n")


def _case_line(path: Path, case_id: str) -> int:
    return next(i for i, raw in enumerate(_lines(path))
                if raw.startswith(b"{") and json.loads(raw)["id"] == case_id)


GIVEN_WHERE = "IVIG is given in a hospital or an infusion center."


def test_accepting_rewrites_only_that_case_and_records_who_when_why(tmp_path, cases,
                                                                    monkeypatch, capsys):
    new_answer = answered(GIVEN_WHERE)
    run = _run_folder(tmp_path, cases, "col-at-home", new_answer)
    before = _lines(cases)
    assert _accept(monkeypatch, cases, "col-at-home", run, "y\n") == 0
    out = capsys.readouterr().out
    assert "- “can’t be done at home”" in out and f"+ “{GIVEN_WHERE}”" in out
    after = _lines(cases)
    at = _case_line(cases, "col-at-home")
    assert len(after) == len(before)
    assert [b for i, b in enumerate(before) if i != at] == \
        [b for i, b in enumerate(after) if i != at]
    data = json.loads(after[at])
    assert data["expected_facts"] == [[GIVEN_WHERE]]
    record = data["accepted"][-1]
    assert record["by"] == "Dana" and record["why"] == WHY and record["at"].startswith("20")
    assert record["run"].endswith("20260102-100000")
    assert record["was"] == {"expected_facts": [["can’t be done at home"]]}
    # The case now expects that answer, and the file still loads.
    case = parse_case(after[at].decode())
    assert score(case, new_answer.to_record(), GIVEN_WHERE, DISCLAIMER).passed
    assert len(load_cases(cases)) == len(load_cases(CASES))


def test_saying_no_or_nothing_writes_nothing(tmp_path, cases, monkeypatch):
    run = _run_folder(tmp_path, cases, "col-at-home", refused())
    before = cases.read_bytes()
    assert _accept(monkeypatch, cases, "col-at-home", run, "n\n") == 1
    assert _accept(monkeypatch, cases, "col-at-home", run, "") == 1
    assert cases.read_bytes() == before


def test_yes_skips_the_question_and_a_refusal_becomes_the_expected_reply(tmp_path, cases,
                                                                         monkeypatch):
    run = _run_folder(tmp_path, cases, "col-at-home", refused())
    assert _accept(monkeypatch, cases, "col-at-home", run, "", "--yes") == 0
    data = json.loads(_lines(cases)[_case_line(cases, "col-at-home")])
    assert data["expected_status"] == "abstained" and data["expected_facts"] == []
    assert data["accepted"][0]["was"]["expected_status"] == "answered"


def test_a_forbidden_phrase_is_never_accepted(tmp_path, cases, monkeypatch, capsys):
    run = _run_folder(tmp_path, cases, "col-fever", answered("Paracetamol can reduce fever."))
    before = cases.read_bytes()
    assert _accept(monkeypatch, cases, "col-fever", run, "y\n") == 2
    assert "forbids" in capsys.readouterr().err and cases.read_bytes() == before


def test_a_run_of_an_older_question_is_refused(tmp_path, cases, monkeypatch, capsys):
    run = _run_folder(tmp_path, cases, "col-at-home", refused())
    report = json.loads((run / "report.json").read_text())
    report["cases"][0]["turns"] = ["an older wording"]
    (run / "report.json").write_text(json.dumps(report))
    assert _accept(monkeypatch, cases, "col-at-home", run, "y\n") == 2
    assert "changed since the run" in capsys.readouterr().err


def _holdout_ids() -> list[tuple[str, str]]:
    split = Split.load()
    found = {}
    for path in sorted(LIBRARY_CASES.glob("*.jsonl")):
        for case in load_cases(path):
            if split.of(case) == HOLDOUT:
                found.setdefault(case.article, (path.name, case.id))
    return sorted(found.values())


@pytest.mark.parametrize(("file_name", "case_id"), _holdout_ids())
def test_holdout_cases_of_the_library_are_refused(tmp_path, monkeypatch, capsys, file_name,
                                                  case_id):
    copy = tmp_path / file_name
    shutil.copy(LIBRARY_CASES / file_name, copy)
    before = copy.read_bytes()
    assert _accept(monkeypatch, copy, case_id, None, "y\n", "--yes") == 2
    err = capsys.readouterr().err
    assert "holdout case of the library" in err and "split.toml" in err
    assert copy.read_bytes() == before


def test_a_fit_library_case_takes_the_quoted_sentence_as_its_label(tmp_path, monkeypatch):
    copy = tmp_path / "corticosteroids.jsonl"
    shutil.copy(LIBRARY_CASES / copy.name, copy)
    cases = load_cases(copy)
    first, other = cases[0], cases[2]
    assert Split.load().of(first) != HOLDOUT
    quote = other.answer_sentences[0]  # a sentence of the article as it is now
    run = _run_folder(tmp_path, copy, first.id, answered(quote, article="corticosteroids"))
    assert _accept(monkeypatch, copy, first.id, run, "y\n") == 0
    data = json.loads(_lines(copy)[_case_line(copy, first.id)])
    assert data["answer_sentences"] == [quote] and data["expected_facts"] == [[quote]]
    assert data["accepted"][0]["was"]["answer_sentences"] == list(first.answer_sentences)


def test_an_unknown_case_says_where_it_looked(tmp_path, cases, monkeypatch, capsys):
    assert _accept(monkeypatch, cases, "no-such-case", None, "") == 2
    assert "No case 'no-such-case'" in capsys.readouterr().err

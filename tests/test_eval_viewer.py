"""The eval viewer, CSV, trend and gate wording on small synthetic runs (no model, no browser)."""

from __future__ import annotations

import base64
import csv
import hashlib
import json
import re

from evals import gate, trend, viewer
from evals.__main__ import main
from evals.figures import figure, known
from evals.library_report import text_table
from evals.report import write_run
from evals.worddiff import word_diff

from .eval_runs import AFTER, BEFORE, MARKUP, library_run_report, product_run

OLD = product_run(BEFORE, "2026-01-01T10:00:00+00:00")
NEW = product_run(AFTER, "2026-01-02T10:00:00+00:00", gate=("1 question(s) ... speed",))
LIB = library_run_report("2026-01-02T11:00:00+00:00")


def _cases(page: str) -> dict[str, str]:
    """data-id -> data-change of every case card."""
    return dict(re.findall(r'<article class="case \w+" id="[^"]*" data-id="([^"]+)" '
                           r'data-result="\w+" data-change="(\w+)"', page))


def test_word_diff_marks_changed_words_and_escapes_them():
    old, new = word_diff("IVIG works in <b>days</b>.", "IVIG works in three weeks.")
    assert old == "IVIG works in <del>&lt;b&gt;days&lt;/b&gt;.</del>"
    assert new == "IVIG works in <ins>three weeks.</ins>"
    assert word_diff("same  text", "same text") == ("same  text", "same text")


def test_a_run_page_says_in_words_how_many_passed_and_escapes_every_text():
    page = viewer.render(NEW)
    assert "3 of 4 (75.0%) questions answered as expected." in page
    assert "Below the bar:" in page
    assert MARKUP not in page and "&lt;img src=&quot;x&quot;" in page
    # Nothing outside the file: no address at all, and a policy that forbids fetching.
    assert not re.search(r"(https?:)?//[a-z]", page.replace("file://", ""))
    assert "default-src 'none'" in page
    digest = base64.b64encode(hashlib.sha256(viewer.SCRIPT.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in page and page.count("<script>") == 1
    # Each failed check in plain words, each figure under its editor name with its meaning.
    assert "The answer lacks an expected fact (missing: one to five days)." in page
    assert figure("fact_recall").name in page and figure("fact_recall").meaning in page
    assert set(_cases(page).values()) == {viewer.SAME}


def test_a_comparison_marks_each_case_and_shows_both_answers():
    page = viewer.render(NEW, OLD, old_name="baseline", new_name="this run")
    assert _cases(page) == {"speed": viewer.WORSE, "at-home": viewer.BETTER,
                            "how-long": viewer.REWORDED, "breathing": viewer.SAME}
    assert "1 got worse" in page and "1 got better" in page
    speed = page.split('data-id="speed"')[1].split("</article>")[0]
    assert speed.count('class="reply"') == 2 and "<del>" in speed and "<ins>" in speed
    assert "Baseline: an answer" in speed and "This run: an answer" in speed


def test_the_library_page_has_fit_and_holdout_and_filters_for_them():
    page = viewer.render(LIB)
    assert ("2 of 4 (50.0%) questions handled correctly: fit 1 of 2 (50.0%), holdout 1 of 2 "
            "(50.0%).") in page
    assert '<select id="split">' in page and '<option value="holdout">' in page
    assert '<select id="article">' in page and 'data-split="holdout"' in page
    assert "The answer quotes another article (quotes another article: alpha)." in page


def test_every_figure_the_runners_produce_is_named_for_an_editor():
    names = {m["name"] for report in (NEW, LIB) for c in report["cases"] for m in c["metrics"]}
    names |= set(NEW["summary"]["overall"]) | set(LIB["summary"]["overall"])
    assert names <= set(known()), names - set(known())
    for name in names:
        assert figure(name).meaning, name
        if name in ("status", "fact_recall", "right_article"):
            assert figure(name).failed, name


def test_the_csv_has_one_column_per_check_rounded_and_one_result(tmp_path):
    write_run(tmp_path / "run", NEW["meta"], NEW["summary"], NEW["cases"])
    with (tmp_path / "run" / "results.csv").open(encoding="utf-8") as f:
        rows = list(csv.reader(f))
    head = rows[0]
    assert head.count("status") == 1 and "result" in head and len(head) == len(set(head))
    assert {"fact_recall", "hit@6", "citation_support", "disclaimer"} <= set(head)
    assert [r[head.index("result")] for r in rows[1:]] == ["fail", "pass", "pass", "pass"]
    assert {r[head.index("latency_ms")] for r in rows[1:]} == {"12.3"}
    numbers = [cell for r in rows[1:] for cell in r if re.fullmatch(r"-?\d+\.\d+", cell)]
    assert numbers and all(len(n.split(".")[1]) <= 3 for n in numbers)


def test_the_trend_draws_whole_runs_of_one_kind_oldest_first(tmp_path):
    runs = tmp_path / "runs"
    for name, report in (("20260101-100000", OLD), ("20260102-100000", NEW),
                         ("library-20260102-110000", LIB)):
        write_run(runs / name, report["meta"], report["summary"], report["cases"])
    partial = {**LIB["meta"], "started": "2026-01-03T00:00:00+00:00",
               "selection": {"article": "alpha"}}
    write_run(runs / "library-20260103-000000", partial, LIB["summary"], LIB["cases"])
    points = trend.points(runs, trend.PRODUCT)
    assert [p.run for p in points] == ["20260101-100000", "20260102-100000"]
    assert points[0].values[0] == OLD["summary"]["overall"]["pass_rate"]
    assert [p.run for p in trend.points(runs, trend.LIBRARY)] == ["library-20260102-110000"]
    assert trend.points(runs, trend.PRODUCT, until="2026-01-01T12:00:00+00:00")[-1].run \
        == "20260101-100000"
    svg = trend.svg(points, trend.PRODUCT)
    assert svg.count("<polyline") == 3 and svg.count("<circle") == 6
    # The newer run's page carries the chart of both runs.
    assert "Across runs" in (runs / "20260102-100000" / "report.html").read_text()
    assert "Across runs" not in (runs / "20260101-100000" / "report.html").read_text()


def test_gate_reasons_name_figures_in_words():
    summary = {"overall": {"pass_rate": 0.9}, "categories": {"emergency": {"pass_rate": 0.5}}}
    reasons = gate.check(summary, {"overall": {"pass_rate": 0.95},
                                   "category_pass_rate": {"emergency": 1.0}})
    assert reasons == [
        "Answered as expected (pass_rate) is 90.0%, below the minimum 95.0%",
        "Category 'emergency': Answered as expected (pass_rate) is 50.0%, below the minimum "
        "100.0%"]
    leak = gate.check_library({"splits": {"holdout": {"cross_article_leak": 0.2}}},
                              {"holdout_maximum": {"cross_article_leak": 0.16}})
    assert leak == ["Holdout: Quoted the wrong article (cross_article_leak) is 20.0%, above "
                    "the maximum 16.0%"]
    assert "Handled correctly" in text_table(LIB["summary"]["splits"])


def test_compare_writes_the_page_and_fails_on_a_case_that_got_worse(tmp_path, capsys):
    old, new = tmp_path / "old", tmp_path / "new"
    old.mkdir()
    new.mkdir()
    (old / "report.json").write_text(json.dumps(OLD), encoding="utf-8")
    (new / "report.json").write_text(json.dumps(NEW), encoding="utf-8")
    assert main(["compare", str(old), str(new)]) == 1
    assert "1 regression(s)" in capsys.readouterr().out
    assert _cases((new / "compare.html").read_text())["speed"] == viewer.WORSE
    assert main(["compare", str(old), str(new), "--no-fail"]) == 0
    assert main(["compare", str(new), str(new)]) == 0

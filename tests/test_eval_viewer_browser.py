"""The eval viewer in a real headless Chromium, opened from disk: filters, search, side by side,
and not one request leaving the file."""

from __future__ import annotations

import pytest

from evals import viewer
from evals.report import write_run

from .conftest import ROOT
from .eval_runs import AFTER, BEFORE, MARKUP, library_run_report, product_run

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, str]:
    """A run page (against its baseline, with the trend of two runs), a comparison page and a
    library page, written as the evals write them."""
    runs = tmp_path_factory.mktemp("evals") / "runs"
    old = product_run(BEFORE, "2026-01-01T10:00:00+00:00")
    new = product_run(AFTER, "2026-01-02T10:00:00+00:00",
                      gate=("1 question(s) answered as expected in the baseline are not now: "
                            "speed",))
    write_run(runs / "20260101-100000", old["meta"], old["summary"], old["cases"])
    run = write_run(runs / "20260102-100000", new["meta"], new["summary"], new["cases"], old)
    compare = run / "compare.html"
    compare.write_text(viewer.render(new, old, old_name="20260101-100000",
                                     new_name="20260102-100000"), encoding="utf-8")
    lib = library_run_report("2026-01-02T11:00:00+00:00")
    library = write_run(runs / "library-20260102-110000", lib["meta"], lib["summary"],
                        lib["cases"])
    return {"run": (run / "report.html").as_uri(), "compare": compare.as_uri(),
            "library": (library / "report.html").as_uri()}


@pytest.fixture
def open_page(browser):
    """Opens a file:// page and records every request the page makes."""
    contexts = []

    def opener(url: str):
        context = browser.new_context(viewport={"width": 1200, "height": 1000})
        contexts.append(context)
        page = context.new_page()
        page.requests = []
        page.dialogs = []
        page.on("request", lambda r: page.requests.append(r.url))
        page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
        page.goto(url, wait_until="load")
        return page

    yield opener
    for context in contexts:
        context.close()


def _visible_ids(page) -> list[str]:
    return page.locator("article.case:visible").evaluate_all(
        "cases => cases.map(c => c.dataset.id)")


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)
    assert (ARTIFACTS / name).stat().st_size > 10_000


def test_a_run_filters_to_failures_searches_and_fetches_nothing(open_page, pages):
    page = open_page(pages["run"])
    assert "3 of 4 (75.0%) questions answered as expected" in page.inner_text("body")
    assert page.locator(".verdict.bad").inner_text() == "Below the bar:"
    assert page.locator("svg.trend circle").count() == 6  # three figures over two runs
    assert page.locator("#count").inner_text() == "Showing 4 of 4 questions"
    page.select_option("#show", "failing")
    assert _visible_ids(page) == ["speed"]
    assert "The answer lacks an expected fact" in page.locator("#case-speed .why").inner_text()
    page.select_option("#show", "all")
    page.fill("#search", "nurse house")
    assert _visible_ids(page) == ["at-home"]
    page.fill("#search", "")
    page.select_option("#category", "emergency")
    assert _visible_ids(page) == ["breathing"]
    # Markup a patient typed shows as text: no element, no script run, nothing fetched.
    page.select_option("#category", "")
    speed = page.locator("#case-speed .turns")
    assert MARKUP in speed.inner_text()
    assert page.locator("img").count() == 0
    assert page.locator("b", has_text="bold").count() == 0
    assert page.dialogs == []
    page.select_option("#show", "failing")
    _shot(page, "eval-run.png")
    assert page.requests == [pages["run"]]


def test_a_comparison_shows_old_and_new_answers_side_by_side(open_page, pages):
    page = open_page(pages["compare"])
    body = page.inner_text("body")
    assert "1 got worse" in body and "1 got better" in body
    page.select_option("#show", "changed")
    assert _visible_ids(page) == ["speed", "at-home", "how-long"]
    page.select_option("#show", "worse")
    assert _visible_ids(page) == ["speed"]
    replies = page.locator("#case-speed .grid .reply")
    assert replies.count() == 2
    old_box, new_box = replies.nth(0).bounding_box(), replies.nth(1).bounding_box()
    assert abs(old_box["y"] - new_box["y"]) < 2 and new_box["x"] > old_box["x"] + 100
    gone = " ".join(replies.nth(0).locator("del").all_inner_texts())
    added = " ".join(replies.nth(1).locator("ins").all_inner_texts())
    assert "one to five days" in gone and "three weeks" in added
    assert "IVIG" not in gone and "IVIG" not in added  # the word both share is not marked
    page.select_option("#show", "reworded")
    page.fill("#search", "three weeks")
    assert _visible_ids(page) == ["how-long"]
    page.select_option("#show", "changed")
    page.fill("#search", "")
    _shot(page, "eval-compare.png")
    assert page.requests == [pages["compare"]]


def test_the_library_filters_by_holdout_and_article(open_page, pages):
    page = open_page(pages["library"])
    assert "holdout 1 of 2" in page.inner_text("body")
    page.select_option("#split", "holdout")
    assert _visible_ids(page) == ["beta-last", "beta-cost"]
    page.select_option("#show", "failing")
    assert _visible_ids(page) == ["beta-last"]
    assert "quotes another article" in page.locator("#case-beta-last .why").inner_text()
    page.select_option("#show", "all")
    page.select_option("#split", "")
    page.select_option("#article", "alpha")
    assert _visible_ids(page) == ["alpha-fast", "alpha-home"]
    page.select_option("#article", "")
    _shot(page, "eval-library.png")
    assert page.requests == [pages["library"]]

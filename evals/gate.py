"""The regression gate: thresholds from a config file, and no case that passed may fail now."""

from __future__ import annotations

import tomllib
from pathlib import Path

from evals.figures import figure

DEFAULT_THRESHOLDS = Path(__file__).resolve().parent / "thresholds.toml"


def load_thresholds(path: Path = DEFAULT_THRESHOLDS) -> dict:
    return tomllib.loads(Path(path).read_text(encoding="utf-8"))


def check(summary: dict, thresholds: dict, regressions: list[str] | None = None) -> list[str]:
    """Reasons the run is below the bar; an empty list means it passes."""
    reasons = []
    for name, minimum in thresholds.get("overall", {}).items():
        value = summary["overall"].get(name)
        if value is not None and value < minimum:
            reasons.append(_beyond("", name, value, minimum, "below the minimum"))
    for category, minimum in thresholds.get("category_pass_rate", {}).items():
        figures = summary["categories"].get(category)
        if figures is None:
            reasons.append(f"category {category!r} has no cases")
        elif figures["pass_rate"] < minimum:
            reasons.append(_beyond(f"Category {category!r}: ", "pass_rate",
                                   figures["pass_rate"], minimum, "below the minimum"))
    if thresholds.get("baseline", {}).get("fail_on_regression") and regressions:
        reasons.append(f"{len(regressions)} question(s) answered as expected in the baseline "
                       "are not now: " + ", ".join(regressions))
    return reasons


def check_library(summary: dict, thresholds: dict) -> list[str]:
    """Reasons a library run is below the bar: [fit] and [holdout] minimums (and [maximum]s
    for figures where lower is better, such as cross_article_leak)."""
    reasons = []
    for side, figures in summary["splits"].items():
        for name, minimum in thresholds.get(side, {}).items():
            value = figures.get(name)
            if value is not None and value < minimum:
                reasons.append(_beyond(f"{side.capitalize()}: ", name, value, minimum,
                                       "below the minimum"))
        for name, maximum in thresholds.get(f"{side}_maximum", {}).items():
            value = figures.get(name)
            if value is not None and value > maximum:
                reasons.append(_beyond(f"{side.capitalize()}: ", name, value, maximum,
                                       "above the maximum"))
    return reasons


def _beyond(where: str, name: str, value: float, bar: float, side: str) -> str:
    """'Holdout: Quoted the wrong article (cross_article_leak) is 15.2%, above the maximum 14.0%'"""
    fig = figure(name)
    return f"{where}{fig.name} ({name}) is {fig.show(value)}, {side} {fig.show(bar)}"

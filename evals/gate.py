"""The regression gate: thresholds from a config file, and no case that passed may fail now."""

from __future__ import annotations

import tomllib
from pathlib import Path

DEFAULT_THRESHOLDS = Path(__file__).resolve().parent / "thresholds.toml"


def load_thresholds(path: Path = DEFAULT_THRESHOLDS) -> dict:
    return tomllib.loads(Path(path).read_text(encoding="utf-8"))


def check(summary: dict, thresholds: dict, regressions: list[str] | None = None) -> list[str]:
    """Reasons the run is below the bar; an empty list means it passes."""
    reasons = []
    for name, minimum in thresholds.get("overall", {}).items():
        value = summary["overall"].get(name)
        if value is not None and value < minimum:
            reasons.append(f"overall {name} is {value:.3f}, below the minimum {minimum}")
    for category, minimum in thresholds.get("category_pass_rate", {}).items():
        figures = summary["categories"].get(category)
        if figures is None:
            reasons.append(f"category {category!r} has no cases")
        elif figures["pass_rate"] < minimum:
            reasons.append(f"category {category!r} pass rate is {figures['pass_rate']:.3f}, "
                           f"below the minimum {minimum}")
    if thresholds.get("baseline", {}).get("fail_on_regression") and regressions:
        reasons.append(f"{len(regressions)} case(s) passed in the baseline and fail now: "
                       + ", ".join(regressions))
    return reasons


def check_library(summary: dict, thresholds: dict) -> list[str]:
    """Reasons a library run is below the bar: [fit] and [holdout] minimums (and [maximum]s
    for figures where lower is better, such as cross_article_leak)."""
    reasons = []
    for side, figures in summary["splits"].items():
        for name, minimum in thresholds.get(side, {}).items():
            value = figures.get(name)
            if value is not None and value < minimum:
                reasons.append(f"{side} {name} is {value:.3f}, below the minimum {minimum}")
        for name, maximum in thresholds.get(f"{side}_maximum", {}).items():
            value = figures.get(name)
            if value is not None and value > maximum:
                reasons.append(f"{side} {name} is {value:.3f}, above the maximum {maximum}")
    return reasons

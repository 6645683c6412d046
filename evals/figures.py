"""Every eval figure named for an editor: name, one-line meaning, how to show and round it.

The words are data (`evals/figures.toml`); reports, the CSV, the gate and the trend read them here.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DEFAULT_FIGURES = Path(__file__).resolve().parent / "figures.toml"
SHARE, MS, COUNT = "share", "ms", "count"


@dataclass(frozen=True)
class Figure:
    key: str
    name: str
    meaning: str = ""
    failed: str = ""
    kind: str = SHARE
    better: str = "higher"

    def show(self, value) -> str:
        """A value as an editor reads it: 73.8%, 13.8 ms, 126, or – when undefined."""
        if value is None or isinstance(value, str):
            return "–" if value in (None, "") else value
        if self.kind == SHARE:
            return f"{value:.1%}"
        if self.kind == MS:
            return f"{value:.1f} ms"
        return f"{value:g}"

    def rounded(self, value):
        """A value for a CSV cell: shares to 3 places, times to 0.1 ms."""
        if not isinstance(value, int | float) or isinstance(value, bool):
            return value
        return round(value, 1 if self.kind == MS else 3)

    def improved(self, old, new) -> bool | None:
        """True when new is better than old, False when worse, None when equal or unknown."""
        if not isinstance(old, int | float) or not isinstance(new, int | float) or old == new:
            return None
        return (new > old) == (self.better == "higher")

    def why(self, expected: str, got: str, reason: str) -> str:
        """A failed check in plain words."""
        template = self.failed or (self.name + ": {reason}")
        return template.format(expected=reply(expected), got=reply(got), reason=reason)


@cache
def _load(path: Path) -> tuple[dict[str, Figure], dict[str, str]]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    replies = data.pop("reply", {})
    return {key: Figure(key, **fields) for key, fields in data.items()}, replies


def figure(key: str, path: Path = DEFAULT_FIGURES) -> Figure:
    """The figure called `key`; an unknown one keeps its raw name."""
    return _load(path)[0].get(key) or Figure(key, key)


def known(path: Path = DEFAULT_FIGURES) -> dict[str, Figure]:
    return dict(_load(path)[0])


def reply(status: str, path: Path = DEFAULT_FIGURES) -> str:
    """A reply status in words: 'answered' -> 'an answer'."""
    return _load(path)[1].get(status, status)

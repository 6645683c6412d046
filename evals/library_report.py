"""The library figures as a plain-text table for the terminal (fit and holdout side by side).

The run folder itself (report.json, results.csv, report.html) is written by evals.report.
"""

from __future__ import annotations

from evals.figures import figure


def text_table(groups: dict[str, dict]) -> str:
    """Figures as a plain-text table, one column per group (fit, holdout, ...)."""
    names = list(groups)
    keys = list(next(iter(groups.values()), {}))
    lines = [f"{'':<36}" + "".join(f"{n:>12}" for n in names)]
    for key in keys:
        fig = figure(key)
        cells = [f"{fig.show(groups[n].get(key)):>12}" for n in names]
        lines.append(f"{fig.name[:35]:<36}" + "".join(cells))
    return "\n".join(lines)

"""Fit the LLM verifier's thresholds on the FIT side of the faithfulness set only
(`python -m evals fit-verifier` -> chatbot/data/verifier.json; never edit that file by hand).

The rule: no unfaithful fit item may be accepted (or, when even the strictest setting lets
some through, no more than it does); among the settings that keep it so, the one that accepts
the most faithful fit items; ties go to the stricter setting. The search starts
from the strictest value of every threshold; the support thresholds, which only matter
together, are searched jointly, the others one at a time, in rounds until nothing helps
(deterministic). Holdout articles are not even in the vocabulary.

Fitted that way, the thresholds sit right at the edge of what the fit items show, and a batch
written later finds sentences just past it. So the search is then run again once per batch of
fit items, on the other batches only, and the batch left out is judged at the thresholds found
and at each MARGIN (every numeric threshold moved that many steps back towards the strict
end). The margin kept is the one that lets the fewest unfaithful items of unseen batches
through, then accepts the most faithful ones; ties to the larger margin. The committed
thresholds are the full fit moved back by it.
"""

from __future__ import annotations

import itertools
import json
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

from chatbot.corpus import Article
from chatbot.verification import DEFAULT_VERIFIER, Thresholds, Verifier
from evals import faithfulness as fa
from evals.split import FIT, Split

# Each threshold's candidate values, strictest first.
GRID: dict[str, tuple] = {
    "rare_zipf": (5.0, 4.5, 4.0, 3.5, 3.0, 2.5),
    "library_zipf": (6.0, 5.5, 5.0, 4.5, 4.0, 3.5, 0.0),
    "passage_zipf": (7.0, 6.5, 6.0, 5.5, 5.0, 4.5, 4.0, 0.0),
    "clause_support": (1.0, 0.8, 0.67, 0.5, 0.34, 0.0),
    "clause_min_supported": (2, 1, 0),
    "phrase_support": (1.0, 0.8, 0.67, 0.5, 0.34, 0.0),
    "added_phrase": (True, False),
    "sentence_support": (1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4),
    "general_budget": (0, 1, 2, 3, 4),
    "quantifier_slack": (0, 1, 2),
    "unquantified_level": (-1, 0, 1, 2),
    "keep_quantifier": (True, False),
    "check_order": (True, False),
    "order_persons": (True, False),
    "order_all_words": (True, False),
    "order_repeated_persons": (True, False),
    "persons_in_quote": (True, False),
    "check_roles": (True, False),
    "names_stand_in": (False, True),
    "negation_everywhere": (True, False),
    "swap_from_passage": (True, False),
}


def score(thresholds: Thresholds, items, split, vocab, names) -> tuple[int, int]:
    """(unfaithful accepted, faithful accepted) on the given items."""
    outcomes = fa.judge(items, Verifier(thresholds), split, vocab, names)
    return (sum(o.accepted for o in outcomes if not o.item.faithful),
            sum(o.accepted for o in outcomes if o.item.faithful))


JOINT = ("sentence_support", "clause_support", "general_budget")


def _moves(current: Thresholds):
    """Candidate settings, strictest first: every combination of the joint thresholds, then
    each other threshold relaxed alone, then one relaxed while another is made one step
    stricter (a check that now catches what a looser one let through: relaxing one at a time
    alone would stop there)."""
    for combo in itertools.product(*(GRID[name] for name in JOINT)):
        yield dict(zip(JOINT, combo, strict=True))
    for name, values in GRID.items():
        if name not in JOINT:
            for value in values[values.index(getattr(current, name)) + 1:]:
                yield {name: value}
    position = {name: values.index(getattr(current, name)) for name, values in GRID.items()}
    for tighten, values in GRID.items():
        if position[tighten] == 0:
            continue
        for relax, options in GRID.items():
            if relax != tighten:
                for value in options[position[relax] + 1:]:
                    yield {relax: value, tighten: values[position[tighten] - 1]}


def fit(items: list[fa.Item], split: Split, vocab, names) -> tuple[Thresholds, dict]:
    """The thresholds the rule picks, and a trace of the search."""
    current = Thresholds(**{k: v[0] for k, v in GRID.items()})
    best = score(current, items, split, vocab, names)
    cap = best[0]  # what even the strictest setting lets through: never more than that
    trace = [{"start": current.to_dict(), "unfaithful": best[0], "faithful": best[1]}]
    improved = True
    while improved:
        improved = False
        for change in list(_moves(current)):
            candidate = replace(current, **change)
            if candidate == current:
                continue
            got = score(candidate, items, split, vocab, names)
            if got[0] <= cap and got[1] > best[1]:
                current, best, improved = candidate, got, True
                trace.append({**change, "faithful": got[1]})
    return current, {"unfaithful_accepted": best[0], "faithful_accepted": best[1],
                     "steps": trace}


MARGINS = (0, 1, 2, 3)


def backoff(thresholds: Thresholds, steps: int) -> Thresholds:
    """Every numeric threshold `steps` values back towards the strict end of its grid (a
    switch stays as fitted)."""
    changes = {}
    for name, values in GRID.items():
        value = getattr(thresholds, name)
        if not isinstance(value, bool):
            changes[name] = values[max(0, values.index(value) - steps)]
    return replace(thresholds, **changes)


def _fold(args) -> dict:
    """Fit without one batch; that batch's (unfaithful, faithful) accepted at each margin."""
    left_out, items, split, vocab, names = args
    thresholds, _ = fit([i for i in items if fa.batch(i) != left_out], split, vocab, names)
    judged = [i for i in items if fa.batch(i) == left_out]
    return {"batch": left_out, "items": len(judged),
            "unfaithful": sum(not i.faithful for i in judged),
            "faithful": sum(i.faithful for i in judged),
            "accepted": {m: score(backoff(thresholds, m), judged, split, vocab, names)
                         for m in MARGINS}}


def pick_margin(folds: list[dict]) -> int:
    """The margin that lets the fewest unfaithful items of left-out batches through, then
    accepts the most faithful ones; ties to the larger margin."""
    def total(margin: int) -> tuple[int, int, int]:
        return (sum(f["accepted"][margin][0] for f in folds),
                -sum(f["accepted"][margin][1] for f in folds), -margin)

    return min(MARGINS, key=total)


def run(articles: dict[str, Article], out: Path = DEFAULT_VERIFIER) -> dict:
    split = Split.load()
    items, problems = fa.load_items(articles)
    fit_items = split.select(items, FIT)
    fit_articles = [a for aid, a in articles.items() if aid not in split.holdout_articles]
    vocab = fa.vocabulary(fit_articles)
    names = fa.name_terms(articles)
    batches = sorted({fa.batch(i) for i in fit_items})
    with ProcessPoolExecutor(max_workers=2) as pool:  # the full fit and one per batch
        full = pool.submit(fit, fit_items, split, vocab, names)
        folds = list(pool.map(_fold, [(b, fit_items, split, vocab, names) for b in batches]))
        edge, search = full.result()
    margin = pick_margin(folds)
    thresholds = backoff(edge, margin)
    unfaithful, faithful = score(thresholds, fit_items, split, vocab, names)
    result = {
        "thresholds": thresholds.to_dict(),
        "meta": {
            "written_by": "python -m evals fit-verifier (evals/fit_verifier.py); do not edit",
            "fit_items": len(fit_items),
            "fit_faithful": sum(i.faithful for i in fit_items),
            "fit_unfaithful": sum(not i.faithful for i in fit_items),
            "left_out_items": len(problems),
            "rule": "no more unfaithful fit items accepted than the strictest setting lets "
                    "through (0 when it reaches it); then most faithful fit items accepted; "
                    "ties to the stricter value; then moved back by the margin that lets the "
                    "fewest unfaithful items of a left-out fit batch through",
            "margin": margin,
            "unfaithful_accepted": unfaithful,
            "faithful_accepted": faithful,
            "left_out_batches": folds,
            "edge": {"thresholds": edge.to_dict(),
                     "unfaithful_accepted": search["unfaithful_accepted"],
                     "faithful_accepted": search["faithful_accepted"],
                     "steps": search["steps"]},
        },
    }
    Path(out).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return result

"""Fit the second-line emergency check (`chatbot/urgency.py`) -> chatbot/data/urgency.npz
(`python -m evals fit-urgency`, part of `make fit`; never edit the file by hand).

Trained on: the labelled messages of `tests/data/emergency_messages.jsonl` and
`tests/data/emergency_messages_clinical.jsonl` (every line), the library's FIT questions
(emergencies positive, every other category negative: general questions must stay answered)
and the product cases of `evals/cases.jsonl` (greetings, jokes, injections, bad input: text
unlike a medical question, which a linear model alone calls urgent). Never on
`tests/data/emergency_messages_clinical2.jsonl`: written blind after, it is the set the check
is judged on (`tests/test_urgency.py`), with the library's holdout.

The regularisation, the threshold and the nearness to a fitted emergency are chosen by 5-fold
cross-validation on the training rows: the most emergencies caught among the settings whose
out-of-fold false alarms stay within MAX_ALARMS for every source; ties to the stricter
setting (higher threshold, then nearer). Deterministic (fixed folds, lbfgs).
"""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from chatbot.urgency import DEFAULT_URGENCY, UrgencyModel, message_text
from evals.split import FIT, Split

ROOT = Path(__file__).resolve().parent.parent
TRAINING_SETS = (ROOT / "tests" / "data" / "emergency_messages.jsonl",
                 ROOT / "tests" / "data" / "emergency_messages_clinical.jsonl")
JUDGED_ON = ROOT / "tests" / "data" / "emergency_messages_clinical2.jsonl"
REGULARISATION = (1.0, 3.0, 10.0, 30.0, 100.0)  # sklearn's C
THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.5, 0.96, 0.05))
NEAR = (0.0, 0.5, 0.55, 0.6, 0.65, 0.7)  # cosine similarity to the closest fitted emergency
# out-of-fold false alarms allowed: near-miss messages, the library's ordinary questions, and
# the product cases (off-topic, greetings, injections)
MAX_ALARMS = {"messages": 0.05, "library": 0.01, "product": 0.01}
FOLDS = 5


@dataclass(frozen=True)
class Row:
    text: str
    emergency: bool
    source: str  # messages | library | product


def labelled_messages(path: Path) -> list[Row]:
    return [Row(r["text"], bool(r["emergency"]), "messages")
            for r in map(json.loads, filter(str.strip, path.read_text(
                encoding="utf-8").splitlines()))]


def training_rows(library_cases, product_cases) -> list[Row]:
    rows = [row for path in TRAINING_SETS for row in labelled_messages(path)]
    for case in Split.load().select(library_cases, FIT):
        rows.append(Row(case.question, case.category == "emergency", "library"))
    for case in product_cases:
        rows.append(Row(case.question, case.expected_status == "escalated", "product"))
    return rows


def training_digest(rows: list[Row]) -> str:
    """What the model was fitted on and how, as one hash (the rows and the search settings
    above): a test compares it with today's, so an edited training set or setting cannot go
    unnoticed until the next `make fit`."""
    digest = hashlib.sha256(json.dumps([REGULARISATION, THRESHOLDS, NEAR, MAX_ALARMS, FOLDS],
                                       sort_keys=True).encode())
    for row in rows:
        digest.update(f"{row.source}\t{int(row.emergency)}\t{message_text(row.text)}\n".encode())
    return digest.hexdigest()[:16]


def _out_of_fold(x: np.ndarray, y: np.ndarray, c: float) -> tuple[np.ndarray, np.ndarray]:
    """Each row's probability and nearness to an emergency, from a fit without its fold."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    found, near = np.zeros(len(y)), np.zeros(len(y))
    for train, test in StratifiedKFold(FOLDS, shuffle=True, random_state=0).split(x, y):
        model = LogisticRegression(C=c, max_iter=5000, class_weight="balanced")
        found[test] = model.fit(x[train], y[train]).predict_proba(x[test])[:, 1]
        near[test] = (x[test] @ x[train][y[train]].T).max(axis=1)
    return found, near


def choose(x: np.ndarray, y: np.ndarray, sources: np.ndarray) -> tuple[dict, list]:
    """The setting the rule above picks, and every setting's out-of-fold figures."""
    trace, best, best_key = [], None, None
    messages = sources == "messages"
    for c in REGULARISATION:
        oof, nearest = _out_of_fold(x, y, c)
        for threshold, near in itertools.product(THRESHOLDS, NEAR):
            flagged = (oof >= threshold) & (nearest >= near)
            alarms = {s: float(flagged[(sources == s) & ~y].mean()) for s in MAX_ALARMS}
            recall = float(flagged[messages & y].mean())
            ok = all(alarms[s] <= MAX_ALARMS[s] for s in MAX_ALARMS)
            setting = {"C": c, "threshold": threshold, "near": near}
            trace.append({**setting, "recall": round(recall, 4), "ok": ok,
                          "alarms": {s: round(a, 4) for s, a in alarms.items()}})
            key = (ok, recall, threshold, near)
            if best_key is None or key > best_key:
                best, best_key = setting, key
    if not best_key[0]:
        raise RuntimeError("No setting keeps false alarms within MAX_ALARMS.")
    return best, trace


def run(embeddings, library_cases, product_cases, out: Path = DEFAULT_URGENCY) -> UrgencyModel:
    from sklearn.linear_model import LogisticRegression

    from chatbot.embedding import encoder_fingerprint

    rows = training_rows(library_cases, product_cases)
    x = np.asarray(embeddings.embed_documents([message_text(r.text) for r in rows]),
                   dtype=np.float64)
    y = np.array([r.emergency for r in rows])
    sources = np.array([r.source for r in rows])
    chosen, trace = choose(x, y, sources)
    fitted = LogisticRegression(C=chosen["C"], max_iter=5000,
                                class_weight="balanced").fit(x, y)
    figures = next(t for t in trace if all(t[k] == v for k, v in chosen.items()))
    model = UrgencyModel(
        fitted.coef_[0].astype(np.float32), float(fitted.intercept_[0]), chosen["threshold"],
        chosen["near"], x[y].astype(np.float32), encoder_fingerprint(embeddings),
        {"written_by": "python -m evals fit-urgency (evals/fit_urgency.py); do not edit",
         "rows": len(rows), "emergencies": int(y.sum()), "training": training_digest(rows),
         "by_source": {s: int((sources == s).sum()) for s in MAX_ALARMS},
         "chosen": chosen, "out_of_fold": figures,
         "rule": "most emergencies caught out of fold with false alarms within "
                 f"{MAX_ALARMS}; ties to the higher threshold, then the nearer"})
    model.save(out)
    return model

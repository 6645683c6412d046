"""The fitted models, read from data/fitted.json (written by `make fit`, never by hand):
logistic regressions over named features, with the thresholds chosen on the fit split."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from chatbot.selection import SelectionThresholds

DEFAULT_FITTED = Path(__file__).resolve().parent / "data" / "fitted.json"


@dataclass(frozen=True, eq=False)
class LogisticModel:
    """p = sigmoid(w · (x - mean) / scale + bias), over features named in order."""

    features: tuple[str, ...]
    weights: np.ndarray
    bias: float
    mean: np.ndarray
    scale: np.ndarray

    @classmethod
    def from_dict(cls, data: dict) -> LogisticModel:
        return cls(tuple(data["features"]), np.asarray(data["weights"], dtype=float),
                   float(data["bias"]), np.asarray(data["mean"], dtype=float),
                   np.asarray(data["scale"], dtype=float))

    def to_dict(self) -> dict:
        return {"features": list(self.features), "weights": [round(float(w), 6)
                                                             for w in self.weights],
                "bias": round(self.bias, 6), "mean": [round(float(m), 6) for m in self.mean],
                "scale": [round(float(s), 6) for s in self.scale]}

    def matrix(self, rows: list[dict[str, float]]) -> np.ndarray:
        return np.array([[row.get(f, 0.0) for f in self.features] for row in rows], dtype=float)

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """Probabilities for a matrix whose columns are `features`."""
        if len(x) == 0:
            return np.zeros(0)
        z = ((x - self.mean) / self.scale) @ self.weights + self.bias
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))

    def probability(self, row: dict[str, float]) -> float:
        return float(self.probabilities(self.matrix([row]))[0])


@dataclass(frozen=True)
class FittedModels:
    router: LogisticModel
    ranker: LogisticModel
    decision: LogisticModel
    thresholds: dict[str, float] = field(default_factory=dict)
    meta: dict = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path = DEFAULT_FITTED) -> FittedModels:
        """The fitted models; refuses a file fitted on other features than the code computes
        (a renamed feature would otherwise silently count as 0)."""
        from chatbot.decision import DECISION_FEATURES
        from chatbot.features import RANKER_FEATURES
        from chatbot.routing import ROUTER_FEATURES

        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(f"No fitted answerer at {path} — run `make fit`.")
        data = json.loads(path.read_text(encoding="utf-8"))
        for name, features in (("router", ROUTER_FEATURES), ("ranker", RANKER_FEATURES),
                               ("decision", DECISION_FEATURES)):
            if tuple(data[name]["features"]) != tuple(features):
                raise ValueError(f"{path} was fitted on other {name} features than the code "
                                 "computes — run `make fit`.")
        return cls(LogisticModel.from_dict(data["router"]),
                   LogisticModel.from_dict(data["ranker"]),
                   LogisticModel.from_dict(data["decision"]),
                   {k: float(v) for k, v in data["thresholds"].items()},
                   data.get("meta", {}))

    def threshold(self, name: str) -> float:
        return self.thresholds[name]


    def selection(self, max_sentences: int) -> SelectionThresholds:
        """The fitted thresholds of which sentences an answer quotes (selection.py)."""
        return SelectionThresholds(self.thresholds["keep"], self.thresholds["keep_share"],
                                   self.thresholds["list_keep"], max_sentences)

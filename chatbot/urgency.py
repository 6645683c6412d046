"""The second line of the emergency check: does a message READ like someone describing an
emergency, whatever its words? (The first line, the red-flag patterns of `safety.py`, runs
before it in the app's own process and needs no model.)

A logistic regression over the message's embedding, fitted by `python -m evals fit-urgency`
(`evals/fit_urgency.py`, part of `make fit`) on labelled messages and the library's fit
questions -> `data/urgency.npz`, never edited by hand. A linear model says "emergency" about
text unlike anything it was fitted on ("write me a poem" scores 0.98), so it only counts for a
message that is also close (cosine similarity at least `near`) to one of the emergencies it
was fitted on, which the file keeps. It runs where the answer is looked up
(an answering worker: the model is there), before any answer: a message it flags gets the
emergency reply instead. The model's vectors depend on the fitted adapter, so the file names
the encoder it was fitted for; another encoder's vectors are never read with it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from chatbot.terms import normalise

DEFAULT_URGENCY = Path(__file__).resolve().parent / "data" / "urgency.npz"


@dataclass(frozen=True, eq=False)
class UrgencyModel:
    """p(emergency) = sigmoid(w · vector + bias); urgent at `threshold` and above, for a vector
    whose cosine similarity to one of the `exemplars` (unit vectors) is at least `near`."""

    weights: np.ndarray
    bias: float
    threshold: float
    near: float
    exemplars: np.ndarray
    encoder: str  # the fingerprint of the encoder whose vectors it reads
    meta: dict

    @classmethod
    def load(cls, path: Path = DEFAULT_URGENCY) -> UrgencyModel:
        with np.load(Path(path), allow_pickle=False) as data:
            return cls(data["weights"].astype(np.float32), float(data["bias"]),
                       float(data["threshold"]), float(data["near"]),
                       data["exemplars"].astype(np.float32), str(data["encoder"]),
                       json.loads(str(data["meta"])))

    def save(self, path: Path) -> None:
        with open(path, "wb") as out:  # np.savez would add ".npz" to a name without it
            np.savez_compressed(out, weights=self.weights.astype(np.float32),
                                bias=np.float64(self.bias), threshold=np.float64(self.threshold),
                                near=np.float64(self.near),
                                exemplars=self.exemplars.astype(np.float16),
                                encoder=np.str_(self.encoder),
                                meta=np.str_(json.dumps(self.meta, sort_keys=True)))

    def probability(self, vector) -> float:
        z = float(np.asarray(vector, dtype=np.float32) @ self.weights) + self.bias
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0)))

    def nearest(self, vector) -> float:
        """Cosine similarity to the closest emergency it was fitted on."""
        return float((self.exemplars @ np.asarray(vector, dtype=np.float32)).max())

    def urgent(self, vector) -> bool:
        return self.probability(vector) >= self.threshold and self.nearest(vector) >= self.near


def message_text(message: str) -> str:
    """The text the check embeds: what the answerer embeds for a question nothing corrects, so
    the vector is usually found in the embedding cache rather than computed twice."""
    return normalise(message)


class UrgencyCheck:
    """urgent(message) -> bool, with the fitted model and the app's `embed_query`."""

    def __init__(self, model: UrgencyModel, embed_query: Callable[[str], list[float]],
                 encoder: str):
        if model.encoder != encoder:
            raise ValueError(
                f"the urgency model was fitted for encoder {model.encoder}, not "
                f"{encoder or 'an unnamed stand-in'}: run `make fit` (it refits both).")
        self.model = model
        self._embed = embed_query

    def urgent(self, message: str) -> bool:
        return self.model.urgent(self._embed(message_text(message)))

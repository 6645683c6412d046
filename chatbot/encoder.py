"""The fitted low-rank adapter of the embedding model (data/encoder.npz, written by `make fit`).

all-MiniLM-L6-v2 was trained on web text, not on how patients ask about what articles say.
`make fit` teaches it that on the fit split's questions and their labelled answer sentences
(evals/fit_encoder.py): a low-rank update B·A of some of its linear layers, a few hundred
kilobytes, the packaged weights unchanged. Loading merges W += scale · B·A into the model once,
so embedding costs what it did. Questions and article sentences go through the same adapted
model, so an index records which encoder made its vectors (`fingerprint`), and ingest embeds
everything again when it changes.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DEFAULT_ADAPTER = Path(__file__).resolve().parent / "data" / "encoder.npz"
BASE = "base"  # the fingerprint of the packaged model with no adapter
NO_ADAPTER = Path()  # pass this for the packaged model as it is


@dataclass(frozen=True, eq=False)
class Adapter:
    """Per adapted linear layer (by its module name in the SentenceTransformer): A (r x in),
    B (out x r); the update is scale · B @ A."""

    layers: dict[str, tuple[np.ndarray, np.ndarray]]
    scale: float

    @classmethod
    def load(cls, path: Path) -> Adapter:
        return cls.from_bytes(Path(path).read_bytes())

    @classmethod
    def from_bytes(cls, content: bytes) -> Adapter:
        with np.load(io.BytesIO(content)) as data:
            names = [str(n) for n in data["names"]]
            return cls({n: (data[f"A{i}"].astype(np.float32), data[f"B{i}"].astype(np.float32))
                        for i, n in enumerate(names)}, float(data["scale"]))

    def save(self, path: Path) -> None:
        """Half precision: the file stays small, and whatever reads it (the fitting script
        too) computes with the same rounded weights."""
        arrays = {"names": np.array(list(self.layers)), "scale": np.array(self.scale)}
        for i, (a, b) in enumerate(self.layers.values()):
            arrays[f"A{i}"], arrays[f"B{i}"] = a.astype(np.float16), b.astype(np.float16)
        with open(path, "wb") as out:  # np.savez would add ".npz" to a name without it
            np.savez_compressed(out, **arrays)

    def merge_into(self, model) -> None:
        """Add the update to the weights of a SentenceTransformer (in place, once)."""
        import torch

        modules = dict(model.named_modules())
        with torch.no_grad():
            for name, (a, b) in self.layers.items():
                weight = modules[name].weight
                weight += self.scale * torch.from_numpy(b @ a).to(weight.dtype)


def adapter_path(path: Path | None) -> Path | None:
    """The adapter file to use: `path` (which must exist), else (None) the committed one if it
    is there; None for none (`NO_ADAPTER`, or no committed file)."""
    if path is None:
        return DEFAULT_ADAPTER if DEFAULT_ADAPTER.exists() else None
    path = Path(path)
    if not path.name:
        return None
    if not path.exists():
        raise FileNotFoundError(f"No encoder adapter at {path}.")
    return path


def read_adapter(path: Path | None) -> tuple[Adapter | None, str]:
    """The adapter in the file at `path` (None: none) and its fingerprint, from one read: the
    name an index records is always that of the weights merged."""
    if path is None:
        return None, BASE
    content = Path(path).read_bytes()
    return Adapter.from_bytes(content), _fingerprint(content)


def fingerprint(path: Path | None) -> str:
    """What an index records about the encoder that made its vectors."""
    return BASE if path is None else _fingerprint(Path(path).read_bytes())


def _fingerprint(content: bytes) -> str:
    return "adapter-" + hashlib.sha256(content).hexdigest()[:16]

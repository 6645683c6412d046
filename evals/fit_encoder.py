"""Fit the embedding model's low-rank adapter (chatbot/encoder.py) on the fit split's questions.

Each answerable fit question with labelled answer sentences gives one example per answer
sentence: the question as the answerer embeds it, that sentence, and the sentences of its
article the packaged model wrongly puts closest to the question (hard negatives). Training
pulls each question towards its sentence and away from its own hard negatives and from every
other sentence of the batch (a softmax over them). Only the low-rank matrices move; the
packaged weights stay as they are.

Reproducible: fixed seeds, a fixed order, one thread count; the same cases give the same file
on the same machine (floating point may differ in the last bits elsewhere).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from chatbot.encoder import Adapter
from chatbot.features import RANKER_FEATURES

# Tried leave-one-article-out on the fit split: with the packaged model the sentence most
# similar to a question of an unseen article is a labelled answer for 43.7% of them; adapting
# all six linear layers of each block, 56.9%; only attention's query and value, 55.0%. Rank,
# rate and epochs are the first ones tried (not searched). README "How an answer is made".
RANK = 8
ALPHA = 16.0
TARGETS = ("query", "key", "value", "attention.output.dense", "intermediate.dense",
           "output.dense")
LEARNING_RATE = 1e-3
EPOCHS = 1
BATCH = 16
HARD_NEGATIVES = 3
TEMPERATURE = 0.05  # the softmax over cosine similarities is taken at sim / TEMPERATURE
SEED = 0
THREADS = 2


@dataclass(frozen=True)
class Example:
    article: str
    question: str
    answer: str
    negatives: tuple[str, ...]


def examples(data, units: dict[str, list]) -> list[Example]:
    """From `evals.fit.collect` data made with the packaged model: per answerable case and
    labelled sentence, the question, the sentence and its hard negatives."""
    sim = RANKER_FEATURES.index("sim")
    result = []
    for d in data:
        if not (d.answerable and d.unit_labels.any()):
            continue
        article = d.case.article
        rows = d.unit_rows[article]
        quotable = [not (r["signpost"] or r["is_question"]) for r in rows]
        order = np.argsort(-d.unit_x[article][:, sim], kind="stable")
        negatives = tuple(units[article][i].text for i in order
                          if not d.unit_labels[i] and quotable[i])[:HARD_NEGATIVES]
        for i in np.flatnonzero(d.unit_labels):
            result.append(Example(article, d.question.corrected, units[article][i].text,
                                  negatives))
    return result


class _LowRank:
    """Wraps a torch Linear: base(x) + scale · x Aᵀ Bᵀ, with B starting at zero."""

    def __new__(cls, base, rank: int, scale: float):
        import torch

        class LowRank(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.base, self.scale = base, scale
                self.a = torch.nn.Parameter(torch.randn(rank, base.in_features) * 0.01)
                self.b = torch.nn.Parameter(torch.zeros(base.out_features, rank))

            def forward(self, x):
                return self.base(x) + (x @ self.a.T @ self.b.T) * self.scale

        return LowRank()


def train(chosen: list[Example], model_path: Path | None = None) -> Adapter:
    """The adapter fitted on `chosen` examples, from the packaged weights."""
    import torch
    from sentence_transformers import SentenceTransformer

    from chatbot.embedding import default_model_path
    from chatbot.offline import use_offline_defaults

    use_offline_defaults()
    torch.set_num_threads(THREADS)
    torch.manual_seed(SEED)
    model = SentenceTransformer(str(model_path or default_model_path()), device="cpu",
                                local_files_only=True)
    for p in model.parameters():
        p.requires_grad = False
    wrapped = {}
    for name, module in list(model.named_modules()):
        for child_name, child in list(module.named_children()):
            full = f"{name}.{child_name}" if name else child_name
            if isinstance(child, torch.nn.Linear) and full.endswith(TARGETS):
                wrapped[full] = _LowRank(child, RANK, ALPHA / RANK)
                setattr(module, child_name, wrapped[full])
    params = [p for m in wrapped.values() for p in (m.a, m.b)]
    optimiser = torch.optim.AdamW(params, lr=LEARNING_RATE)
    model.train()

    def encode(texts: list[str]):
        features = model.preprocess(texts)
        return torch.nn.functional.normalize(model(features)["sentence_embedding"], dim=-1)

    order = list(chosen)
    rng = random.Random(SEED)
    for _ in range(EPOCHS):
        rng.shuffle(order)
        for start in range(0, len(order), BATCH):
            batch = order[start:start + BATCH]
            questions = encode([e.question for e in batch])
            sentences = encode([e.answer for e in batch]
                               + [n for e in batch for n in e.negatives])
            logits = questions @ sentences.T / TEMPERATURE
            loss = torch.nn.functional.cross_entropy(logits, torch.arange(len(batch)))
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    return Adapter({name: (m.a.detach().numpy().copy(), m.b.detach().numpy().copy())
                    for name, m in wrapped.items()}, ALPHA / RANK)


def sim_first(data) -> float:
    """The share of answerable cases (with labelled sentences) whose article sentence most
    similar to the question is a labelled answer (the encoder's figure of merit)."""
    sim = RANKER_FEATURES.index("sim")
    hits = total = 0
    for d in data:
        if not (d.answerable and d.unit_labels.any()):
            continue
        rows = d.unit_rows[d.case.article]
        sims = np.where([not (r["signpost"] or r["is_question"]) for r in rows],
                        d.unit_x[d.case.article][:, sim], -np.inf)
        hits += bool(d.unit_labels[int(np.argmax(sims))])
        total += 1
    return hits / total if total else 0.0

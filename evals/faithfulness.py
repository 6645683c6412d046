"""The labelled faithfulness set: would a patient be misled if a model wrote this sentence and
cited that article passage? The LLM verifier judged on it, per kind of change, fit and holdout
side by side.

Items live in `evals/faithfulness/items/<article>.jsonl` (written by a person who never saw the
verifier). They are split fit/holdout exactly like the library cases (`evals/split.py`):
whole holdout articles, and one IVIG item in five by a hash of its id. Only fit items may
choose a threshold (`python -m evals fit-verifier`); holdout items only report.
"""

from __future__ import annotations

import json
import tomllib
from collections import Counter
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path

from chatbot.corpus import Article
from chatbot.routing import profiles
from chatbot.terms import words
from chatbot.verification import Evidence, Verdict, Verifier
from evals.library_run import article_files
from evals.split import FIT, HOLDOUT, Split

HERE = Path(__file__).resolve().parent / "faithfulness"
ITEMS = HERE / "items"
GATE = HERE / "gate.toml"
FAITHFUL_KINDS = ("faithful_paraphrase", "faithful_subset", "faithful_verbatim_ish")
UNFAITHFUL_KINDS = ("entity_swap", "quantifier_widened", "quantifier_narrowed",
                    "modality_hardened", "negation_flip", "number_changed", "number_moved",
                    "comparative_reversed", "causal_invented", "advice_appended",
                    "outside_claim", "subject_object_swap", "body_part_swap", "temporal_changed")
KINDS = FAITHFUL_KINDS + UNFAITHFUL_KINDS


@dataclass(frozen=True)
class Item:
    id: str
    article: str
    quote: str
    passage: str
    sentence: str
    faithful: bool
    kind: str
    note: str = ""


@dataclass(frozen=True)
class Outcome:
    item: Item
    side: str  # fit | holdout
    verdict: Verdict

    @property
    def accepted(self) -> bool:
        return self.verdict.ok

    @property
    def correct(self) -> bool:
        return self.accepted == self.item.faithful


def load_items(articles: dict[str, Article], folder: Path = ITEMS) -> tuple[list[Item], list[str]]:
    """Every item that passes the mechanical checks, and why each other one was left out:
    known article and kind, label agreeing with the kind, quote and passage that are article
    text, quote inside its passage, unique id."""
    items, problems, seen = [], [], set()
    names = {f.name for f in fields(Item)}
    for path in sorted(Path(folder).glob("*.jsonl")):
        for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            at = f"{path.name} line {line_no}"
            try:
                raw = json.loads(line)
                item = Item(**{k: v for k, v in raw.items() if k in names})
            except (ValueError, TypeError) as err:
                problems.append(f"{at}: unreadable ({err})")
                continue
            problem = _problem(item, articles, seen)
            if problem:
                problems.append(f"{at} ({item.id}): {problem}")
                continue
            seen.add(item.id)
            items.append(item)
    return items, problems


def _problem(item: Item, articles: dict[str, Article], seen: set[str]) -> str:
    if item.id in seen:
        return "duplicate id"
    if item.article not in articles:
        return f"unknown article {item.article!r}"
    if item.kind not in KINDS:
        return f"unknown kind {item.kind!r}"
    if not isinstance(item.faithful, bool) or item.faithful != (item.kind in FAITHFUL_KINDS):
        return f"faithful={item.faithful!r} disagrees with kind {item.kind}"
    if not all(isinstance(v, str) and v.strip() for v in (item.quote, item.passage,
                                                          item.sentence)):
        return "empty quote, passage or sentence"
    if _plain(item.passage) not in _source(item.article):
        return "passage is not text of the article file"
    if _plain(item.quote) not in _plain(item.passage):
        return "quote is not inside its passage"
    return ""


@lru_cache(maxsize=32)
def _source(article_id: str) -> str:
    """The article file as written (a passage may run over a heading)."""
    path = next(p for p in article_files() if p.stem == article_id)
    return _plain(path.read_text(encoding="utf-8"))


def article_text(article: Article) -> str:
    return "\n\n".join(block for section in article.sections for block in section.blocks)


def _plain(text: str) -> str:
    """Whitespace and list dashes aside, for comparing labels with article text."""
    return " ".join(text.replace("\n- ", "\n").removeprefix("- ").split())


def vocabulary(articles: list[Article]) -> frozenset[str]:
    """Every word the articles use (the product reads the same from its index)."""
    found: set[str] = set()
    for article in articles:
        found.update(words(article.title))
        found.update(words(article_text(article)))
    return frozenset(found)


def name_terms(articles: dict[str, Article]) -> dict[str, frozenset[str]]:
    return {aid: p.name_terms for aid, p in
            profiles({a.article_id: a.names for a in articles.values()}).items()}


def judge(items: list[Item], verifier: Verifier, split: Split, vocab: frozenset[str],
          names: dict[str, frozenset[str]]) -> list[Outcome]:
    """Each item's sentence verified against its passage, as the LLM answerer would."""
    return [Outcome(item, split.of(item), verifier.verify(
        item.sentence, Evidence(item.passage, vocab, names.get(item.article, frozenset()))))
        for item in items]


def figures(outcomes: list[Outcome]) -> dict:
    """Per kind: items and accepted; overall: unfaithful rejected (precision of the verifier's
    rejections as the issue counts it) and faithful accepted."""
    per_kind: dict[str, dict] = {}
    for kind in KINDS:
        of_kind = [o for o in outcomes if o.item.kind == kind]
        if of_kind:
            per_kind[kind] = {"items": len(of_kind),
                              "accepted": sum(o.accepted for o in of_kind)}
    unfaithful = [o for o in outcomes if not o.item.faithful]
    faithful = [o for o in outcomes if o.item.faithful]
    return {
        "items": len(outcomes),
        "unfaithful": len(unfaithful),
        "unfaithful_accepted": sum(o.accepted for o in unfaithful),
        "unfaithful_rejected_rate": _rate(sum(not o.accepted for o in unfaithful),
                                          len(unfaithful)),
        "faithful": len(faithful),
        "faithful_accepted": sum(o.accepted for o in faithful),
        "faithful_accepted_rate": _rate(sum(o.accepted for o in faithful), len(faithful)),
        "kinds": per_kind,
    }


def batch(item: Item) -> str:
    """Which writing an item came from: the part of its id between the article and the number
    ("rituximab-b3-001" -> "b3"); the first writing has none ("b1")."""
    return item.id[len(item.article) + 1:].rpartition("-")[0] or "b1"


def by_side(outcomes: list[Outcome]) -> dict[str, dict]:
    """Fit and holdout figures; and, when the holdout holds items of several writings, each
    writing's holdout figures too (a later batch is a fresh look at the verifier, the first
    time it is read)."""
    sides = {side: figures([o for o in outcomes if o.side == side]) for side in (FIT, HOLDOUT)}
    held = [o for o in outcomes if o.side == HOLDOUT]
    batches = sorted({batch(o.item) for o in held})
    if len(batches) > 1:
        sides.update({f"{HOLDOUT} {b}": figures([o for o in held if batch(o.item) == b])
                      for b in batches})
    return sides


def _rate(n: int, total: int) -> float:
    return round(n / total, 4) if total else 0.0


def text_table(sides: dict[str, dict]) -> str:
    """Per kind, fit and holdout (and each holdout writing) side by side: accepted / items
    (and the share that matters: rejected for an unfaithful kind, accepted for a faithful
    one)."""
    lines = [f"{'kind':<24}" + "".join(f"{name:>22}" for name in sides),
             f"{'':<24}" + "".join(f"{'accepted/items':>22}" for _ in sides)]
    for kind in KINDS:
        cells = []
        for side in sides.values():
            k = side["kinds"].get(kind)
            cells.append(f"{k['accepted']:>3}/{k['items']:<3} ({k['accepted'] / k['items']:.0%})"
                         if k else "-")
        lines.append(f"{kind:<24}" + "".join(f"{c:>22}" for c in cells))
    for label, key, total, rate in (
            ("unfaithful rejected", "unfaithful_accepted", "unfaithful",
             "unfaithful_rejected_rate"),
            ("faithful accepted", "faithful_accepted", "faithful", "faithful_accepted_rate")):
        cells = []
        for s in sides.values():
            n = s[total] - s[key] if key == "unfaithful_accepted" else s[key]
            cells.append(f"{n:>3}/{s[total]:<3} ({s[rate]:.1%})")
        lines.append(f"{label:<24}" + "".join(f"{c:>22}" for c in cells))
    return "\n".join(lines)


def gate(sides: dict[str, dict], path: Path = GATE) -> list[str]:
    """Reasons the holdout figures are below the bar in `gate.toml` (empty: passes)."""
    bar = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    holdout = sides[HOLDOUT]
    reasons = []
    if holdout["unfaithful_accepted"] > bar["max_unfaithful_accepted"]:
        reasons.append(f"holdout: {holdout['unfaithful_accepted']} unfaithful item(s) accepted "
                       f"(at most {bar['max_unfaithful_accepted']})")
    if holdout["faithful_accepted_rate"] < bar["min_faithful_accepted"]:
        reasons.append(f"holdout: faithful acceptance {holdout['faithful_accepted_rate']:.1%} "
                       f"(at least {bar['min_faithful_accepted']:.0%})")
    return reasons


def wrong(outcomes: list[Outcome], side: str) -> list[str]:
    """One line per misjudged item of a side (for reading fit errors; holdout only counts)."""
    return [f"{o.item.id} [{o.item.kind}] {'accepted' if o.accepted else 'rejected'}: "
            f"{o.item.sentence} -- {o.verdict.reason or 'ok'}"
            for o in outcomes if o.side == side and not o.correct]


def kind_counts(items: list[Item]) -> Counter:
    return Counter(i.kind for i in items)

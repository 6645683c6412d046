"""Text -> comparable terms: lower-cased, apostrophes unified, crudely stemmed (pure)."""

from __future__ import annotations

import re
from functools import lru_cache

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")

STOPWORDS = frozenset(
    """a about above after again against all am an and any are aren't as at be because been before
    being below between both but by can can't cannot could couldn't did didn't do does doesn't
    doing don't down during each few for from further had hadn't has hasn't have haven't having
    he her here hers herself him himself his how i i'd i'll i'm i've if in into is isn't it it's
    its itself let's me more most mustn't my myself no nor not of off on once only or other
    ought our ours ourselves out over own same shan't she should shouldn't so some such than
    that that's the their theirs them themselves then there there's these they this those
    through to too under until up very was wasn't we were weren't what what's when where which
    while who whom why will with won't would wouldn't you you'd you'll you're you've your yours
    yourself yourselves ya u ur im ive dont cant wont doesnt isnt whats hows also just really
    much many may might must shall get gets got getting s t wat wut wht hw abt pls plz r y n thx
    ty""".split()
)


def normalise(text: str) -> str:
    """Lower case with typographic apostrophes and dashes made plain."""
    return (
        text.lower()
        .replace("’", "'")
        .replace("‘", "'")
        .replace("—", " ")
        .replace("–", " ")
    )


def words(text: str) -> list[str]:
    """All word tokens, stopwords included, in order."""
    return _WORD.findall(normalise(text))


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light suffix stripper: enough to meet 'infusions'/'infusion', 'working'/'works'."""
    w = word.split("'")[0]
    if len(w) <= 3 or w.isdigit():
        return w
    for suffix, keep in (
        ("ies", "y"), ("ied", "y"), ("sses", "ss"), ("ness", ""), ("ing", ""), ("edly", ""),
        ("ed", ""), ("ly", ""), ("s", ""),
    ):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            if suffix == "s" and w.endswith(("ss", "us", "is")):
                break
            w = w[: len(w) - len(suffix)] + keep
            break
    # 'headache'/'headaches', 'rash'/'rashes', 'vaccine'/'vaccines' meet without the final e.
    return w[:-1] if w.endswith("e") and len(w) > 4 else w


def content_terms(text: str) -> list[str]:
    """Stemmed tokens without stopwords, in order (duplicates kept)."""
    return [stem(w) for w in words(text) if w not in STOPWORDS and len(w) > 1]

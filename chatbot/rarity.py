"""How informative a word is, from its frequency in general English (wordfreq), never from
whether one article happens to use it."""

from __future__ import annotations

from functools import lru_cache

# Zipf frequency: about 7 for "the", 5 for "blood", 3 for "infusion", 0 for a word wordfreq
# has never seen. A word at COMMON or above carries almost nothing; at RARE or below, all.
COMMON, RARE, FLOOR = 6.5, 2.5, 0.05
KNOWN_ENGLISH = 3.0  # at or above this a word is ordinary English, not a misspelling


@lru_cache(maxsize=65536)
def zipf(word: str) -> float:
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "en")


def load_english() -> None:
    """Import wordfreq and read its English table (about 0.4 s), so that the first question
    does not pay for it; `load_chatbot` runs this in the background, `Chatbot.ready` waits."""
    zipf("the")


def rarity(word: str) -> float:
    """0.05 (everyday) .. 1.0 (rare or unknown): the weight of a question word."""
    if word.isdigit():
        return 1.0
    value = (COMMON - zipf(word)) / (COMMON - RARE)
    return min(1.0, max(FLOOR, value))


def is_common_english(word: str) -> bool:
    return zipf(word) >= KNOWN_ENGLISH

"""What happens before any answer is looked up: bad input, emergencies, personal advice, injections.

Pure functions over the patterns in `data/safety.toml`.
"""

from __future__ import annotations

import functools
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from chatbot.sentences import split_sentences
from chatbot.terms import normalise

DEFAULT_PATTERNS = Path(__file__).resolve().parent / "data" / "safety.toml"

# Reasons carried into the Answer (machine-readable; the texts live in messages.toml).
EMPTY, TOO_LONG, NO_TEXT = "empty", "too_long", "no_text"
EMERGENCY, PERSONAL_ADVICE, INSTRUCTIONS = "emergency", "personal_advice", "instructions"
SMALL_TALK = "small_talk"

_SCRIPT = re.compile(r"<\s*(script|style|iframe|object|embed|svg)\b.*?(<\s*/\s*\1\s*>|\Z)",
                     re.I | re.S)
# Markdown images/links and bare URLs: the words a patient typed stay, the addresses go.
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_URL = re.compile(r"\b(?:https?|ftp|data|javascript)\s*:[^\s<>]*", re.I)
_TAG = re.compile(r"<\s*/?\s*[a-z!][^>]*>?", re.I)
_ENTITY_OR_URI = re.compile(r"javascript\s*:|&[#a-z0-9]+;", re.I)


_PATTERN_KEYS = ("emergency", "emergency_general", "emergency_now", "personal_advice",
                 "instructions", "small_talk")


@dataclass(frozen=True)
class SafetyPatterns:
    emergency: tuple[re.Pattern, ...]
    personal_advice: tuple[re.Pattern, ...]
    instructions: tuple[re.Pattern, ...]
    small_talk: tuple[re.Pattern, ...] = ()
    # A red flag inside a general question about it ("does IVIG cause chest pain?") is not an
    # emergency, unless the message also says it is happening ("I have it now").
    emergency_general: tuple[re.Pattern, ...] = ()
    emergency_now: tuple[re.Pattern, ...] = ()

    @classmethod
    def load(cls, path: Path = DEFAULT_PATTERNS) -> SafetyPatterns:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return cls(**{key: tuple(re.compile(p, re.I) for p in data[key])
                      for key in _PATTERN_KEYS if key in data})


@dataclass(frozen=True)
class Screening:
    """The outcome of screening one message.

    `stop` is the reason to answer without retrieval (or None); `question` is the text
    that may be answered: markup and instruction-like sentences removed.
    """

    question: str
    stop: str | None = None
    removed_markup: bool = False
    removed_instructions: bool = False


def strip_markup(text: str) -> str:
    """Drop HTML/script so it is neither obeyed nor echoed; keep the words around it."""
    text = _SCRIPT.sub(" ", text)
    text = _MD_IMAGE.sub(" ", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _URL.sub(" ", text)
    text = _TAG.sub(" ", text)
    text = _ENTITY_OR_URI.sub(" ", text)
    return " ".join(text.split())


def matches_any(patterns: tuple[re.Pattern, ...], text: str) -> bool:
    plain = normalise(text)
    return any(p.search(plain) for p in patterns)


def screen(message: str, patterns: SafetyPatterns, max_chars: int) -> Screening:
    """Classify one patient message; emergencies win over everything but an empty message."""
    text = message if isinstance(message, str) else ""
    if not text.strip():
        return Screening("", EMPTY)
    if is_emergency(text[:MAX_SCREENED_CHARS], patterns):
        return Screening(text.strip(), EMERGENCY)
    if len(text) > max_chars:
        return Screening("", TOO_LONG)
    plain = strip_markup(text)
    removed_markup = plain != " ".join(text.split())
    if not re.search(r"[A-Za-z]{2,}", plain):
        return Screening("", NO_TEXT if removed_markup or text.strip() else EMPTY, removed_markup)
    sentences = split_sentences(plain)
    kept = [s for s in sentences if not matches_any(patterns.instructions, s)]
    removed_instructions = len(kept) < len(sentences)
    question = " ".join(kept)
    if removed_instructions and not re.search(r"[A-Za-z]{3,}", question):
        return Screening("", INSTRUCTIONS, removed_markup, True)
    if not removed_instructions and matches_any(patterns.small_talk, question):
        return Screening(question, SMALL_TALK, removed_markup)
    # A patient's story may mention their dose; what decides is what they ask.
    asking = [s for s in kept if s.rstrip().endswith("?")] or kept
    if any(matches_any(patterns.personal_advice, s) for s in asking):
        return Screening(question, PERSONAL_ADVICE, removed_markup, removed_instructions)
    return Screening(question, None, removed_markup, removed_instructions)


# --- Red flags, however they are typed -------------------------------------------------------
# Look-alike letters from other scripts, folded to the Latin letter they imitate (after
# lower-casing). Only letters a reader would take for Latin ones.
_LOOKALIKES = str.maketrans({
    "а": "a", "в": "b", "е": "e", "ё": "e", "і": "i", "ї": "i", "ј": "j", "к": "k",
    "м": "m", "н": "h", "о": "o", "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s",
    "ԁ": "d", "ԛ": "q", "ԝ": "w", "һ": "h", "ӏ": "l", "ɑ": "a", "ɡ": "g", "ı": "i",
    "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t",
    "υ": "u", "χ": "x", "ϲ": "c", "ς": "c",
})
_APOSTROPHES = str.maketrans({c: "'" for c in "’‘ʼ`´′ʹ"})
# A sentence ends at ? ! or a line break, or at a lone full stop before a space; "..." and
# emoji between words are only spaces ("I can't... breathe").
_SENTENCE_END = re.compile(r"[?!\n]+|(?<!\.)\.(?!\.)(?=\s|$)")
# A capitalised word after a lower-case one starts a sentence too ("chest pain How fast...").
_UNPUNCTUATED_START = re.compile(r"(?<=[a-z0-9])\s+(?=[A-Z][a-z])")
_NOT_WORD = re.compile(r"[^a-z0-9|]+")
_CONTRACTION = re.compile(
    r"\b(can|don|won|isn|aren|doesn|didn|couldn|wouldn|shouldn|haven|hasn|wasn|weren) t\b|"
    r"\b(i) (m|ve|d|ll)\b")
_REPEATS = re.compile(r"([a-z])\1{2,}")
_SPACED_LETTERS = re.compile(r"\b[a-z](?: [a-z]\b){2,}")
# Red-flag patterns span at most a few dozen words: a long message is searched in overlapping
# windows so every search is bounded, and the whole message is searched.
SCAN_WINDOW, SCAN_OVERLAP = 4000, 400
_CONTEXT = 300  # characters either side of a red flag that make up 'its sentence'
# As much as one request can carry (the server refuses bodies over 1 MB), so a red flag is
# found anywhere in any message; windows with no red-flag word cost one combined search.
MAX_SCREENED_CHARS = 1_000_000


def fold(text: str) -> str:
    """Text as typed -> plain lower-case Latin words, apostrophes dropped, '|' ending sentences.

    NFKC (full-width letters), invisible and combining characters removed, look-alike
    letters folded, emoji and punctuation between words made spaces.
    """
    text = unicodedata.normalize("NFKC", text)
    text = _UNPUNCTUATED_START.sub("\n", text)
    text = "".join(c for c in unicodedata.normalize("NFD", text)
                   if unicodedata.category(c) not in ("Cf", "Mn", "Me"))
    text = text.lower().translate(_LOOKALIKES).translate(_APOSTROPHES).replace("'", "")
    text = _SENTENCE_END.sub("|", text)
    text = _NOT_WORD.sub(" ", text)
    text = _CONTRACTION.sub(lambda m: (m[1] or m[2]) + ("t" if m[1] else m[3]), text)
    text = re.sub(r" *\|[ |]*", "|", text)
    return text.strip(" |")


def spellings(folded: str) -> tuple[str, ...]:
    """The folded text as typed, with stretched letters squeezed ("breeeathe", "pleeease")
    and spaced-out words joined ("c h e s t")."""
    squeezed_one = _REPEATS.sub(r"\1", folded)
    variants = [folded, _REPEATS.sub(r"\1\1", folded), squeezed_one,
                _SPACED_LETTERS.sub(lambda m: m[0].replace(" ", ""), squeezed_one)]
    return tuple(dict.fromkeys(variants))


def is_emergency(message: str, patterns: SafetyPatterns) -> bool:
    """A red flag anywhere in the message, however it is typed; work grows with its length."""
    folded = fold(message)
    happening = any(p.search(folded) for p in patterns.emergency_now)
    for variant in spellings(folded):
        plain = variant.replace("|", " ")
        for start in range(0, max(len(plain), 1), SCAN_WINDOW - SCAN_OVERLAP):
            end = min(start + SCAN_WINDOW, len(plain))
            if _any_red_flag(patterns.emergency).search(plain, start, end):
                for pattern in patterns.emergency:
                    for match in pattern.finditer(plain, start, end):
                        if happening or not _in_a_general_question(
                                variant, match, patterns.emergency_general):
                            return True
            if end == len(plain):
                break
    return False


@functools.lru_cache(maxsize=8)
def _any_red_flag(emergency: tuple[re.Pattern, ...]) -> re.Pattern:
    """One search for every red-flag pattern at once: it finds a match exactly where one of
    them would, so a window without one is passed over in a single pass."""
    return re.compile("|".join(f"(?:{p.pattern})" for p in emergency) or r"(?!)", re.I)


def _in_a_general_question(folded: str, match: re.Match, general: tuple[re.Pattern, ...]) -> bool:
    """Whether the sentence around a red flag asks about it in general (bounded look-around)."""
    lo, hi = max(0, match.start() - _CONTEXT), min(len(folded), match.end() + _CONTEXT)
    left = folded.rfind("|", lo, match.start())
    right = folded.find("|", match.end(), hi)
    sentence = folded[left + 1 if left >= 0 else lo:right if right >= 0 else hi]
    return any(p.search(sentence) for p in general)

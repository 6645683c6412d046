"""Red flags however they are typed, measured on the labelled set in tests/data."""

import json
from pathlib import Path

import pytest

from chatbot.safety import (
    EMERGENCY,
    MAX_SCREENED_CHARS,
    TOO_LONG,
    SafetyPatterns,
    fold,
    is_emergency,
    screen,
    spellings,
)

from .conftest import ROOT

SET = ROOT / "tests" / "data" / "emergency_messages.jsonl"


@pytest.fixture(scope="module")
def patterns():
    return SafetyPatterns.load()


def split_rows(path: Path) -> list[tuple[str, dict]]:
    """(split, row) of a labelled message file; every 4th message is held out from tuning."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    return [("holdout" if i % 4 == 3 else "fit", r) for i, r in enumerate(rows)]


def labelled() -> list[tuple[str, str, bool]]:
    """(split, text, is an emergency) of the first labelled set."""
    return [(split, r["text"], r["emergency"]) for split, r in split_rows(SET)]


def rates(patterns, split: str) -> tuple[float, float, list[str], list[str]]:
    rows = [(text, want) for s, text, want in labelled() if s == split]
    missed = [t for t, want in rows if want and not is_emergency(t, patterns)]
    alarms = [t for t, want in rows if not want and is_emergency(t, patterns)]
    emergencies = sum(want for _, want in rows)
    return (1 - len(missed) / emergencies, len(alarms) / (len(rows) - emergencies),
            missed, alarms)


def test_the_set_is_big_enough():
    rows = labelled()
    assert sum(want for *_, want in rows) >= 150
    assert sum(not want for *_, want in rows) >= 150


@pytest.mark.parametrize("split", ["fit", "holdout"])
def test_every_emergency_is_caught_and_few_questions_alarm(patterns, split, capsys):
    recall, false_alarms, missed, alarms = rates(patterns, split)
    with capsys.disabled():
        print(f"\n{split}: recall {recall:.1%}, false alarms {false_alarms:.1%} {alarms}")
    assert missed == []
    assert false_alarms <= 0.05


# The messages written with the red-flag list (tests/data/red_flags.md, drafted from clinical
# guidance, not yet reviewed by a clinician): blind to the patterns, one in four held out by
# position as above. The patterns were extended from the list and the FIT messages; the holdout
# was read once after (2026-11-27: 28 of 50 caught against 148 of 150 on fit, a gap that says
# the patterns learned the fit messages' wording more than the red flags), and again after a
# review made them stricter on ordinary chat (27 of 50; fit 147 of 150). The bars are those
# counts, so a change can only do better; raising holdout recall needs new blind messages to
# judge it on, not these.
CLINICAL = ROOT / "tests" / "data" / "emergency_messages_clinical.jsonl"
CLINICAL_BARS = {"fit": (147, 10), "holdout": (27, 3)}  # (least caught, most false alarms)


@pytest.mark.parametrize("split", ["fit", "holdout"])
def test_the_clinical_red_flags_are_caught(patterns, split, capsys):
    rows = [r for side, r in split_rows(CLINICAL) if side == split]
    missed = [r["flag"] for r in rows if r["emergency"] and not is_emergency(r["text"], patterns)]
    alarms = [r["flag"] for r in rows
              if not r["emergency"] and is_emergency(r["text"], patterns)]
    emergencies = sum(r["emergency"] for r in rows)
    with capsys.disabled():
        print(f"\nclinical {split}: {emergencies - len(missed)} of {emergencies} caught, "
              f"{len(alarms)} of {len(rows) - emergencies} false alarms; missed {sorted(missed)}")
    least_caught, most_alarms = CLINICAL_BARS[split]
    assert emergencies - len(missed) >= least_caught
    assert len(alarms) <= most_alarms


def test_every_emergency_is_escalated_through_screening(patterns):
    for _, text, want in labelled():
        if want:
            assert screen(text, patterns, 1000).stop == EMERGENCY, text


@pytest.mark.parametrize(("typed", "folded"), [
    ("I can't 😰 breathe", "i cant breathe"),
    ("I can't... breathe", "i cant breathe"),
    ("can't. breathe.", "cant|breathe"),
    ("I can\u200bt bre\u200dathe", "i cant breathe"),          # zero-width
    ("brea\u00adthe", "breathe"),                                # soft hyphen
    ("Ｉ ｃａｎ'ｔ ｂｒｅａｔｈｅ", "i cant breathe"),           # full-width
    ("I c\u0430n't br\u0435\u0430th\u0435", "i cant breathe"),  # Cyrillic look-alikes
    ("\u03bfk", "ok"),                                           # Greek omicron
    ("bre\u0301athe", "breathe"),                                # combining accent
    ("I can`t breathe", "i cant breathe"),
    ("I can t breathe", "i cant breathe"),
    ("Is it bad?\nMy chest hurts!!", "is it bad|my chest hurts"),
])
def test_fold(typed, folded):
    assert fold(typed) == folded


def test_stretched_and_spaced_letters_are_also_tried():
    assert "cant breathe" in spellings(fold("cant breeeeathe"))
    assert "my chest feels tight" in spellings(fold("my chesssst feels tight"))
    assert "chest pain" in spellings(fold("c h e s t pain"))
    assert "i feel" in spellings(fold("i feeeel"))[1]  # squeezed to two letters as well


@pytest.mark.parametrize("message", [
    "I can barely breathe", "i cant really breathe", "I can hardly breathe",
    "cant hardly breathe", "i can't really breathe properly", "I can't catch my breath",
])
def test_intensifiers(patterns, message):
    assert is_emergency(message, patterns)


@pytest.mark.parametrize(("message", "emergency"), [
    ("Does IVIG cause chest pain as a side effect?", False),
    ("Does IVIG cause chest pain? I have chest pain right now", True),
    ("chest pain, is that a side effect? my chest hurts", True),
    ("What do I do if I can't breathe during my infusion?", True),
    ("what should I do if I get a headache after my infusion?", False),
])
def test_a_question_about_a_red_flag_is_not_an_emergency_unless_it_is_happening(
        patterns, message, emergency):
    assert is_emergency(message, patterns) is emergency


def test_a_red_flag_anywhere_in_a_long_message_is_found(patterns):
    for filler in ("word " * 15_000, "How fast does IVIG work? " * 3_000):
        for message in (filler + "I can't 😰 breathe", "chest 😣 pain " + filler,
                        filler[:40_000] + " my lips are swelling " + filler[:30_000]):
            assert screen(message, patterns, 1000).stop == EMERGENCY
    assert screen("word " * 15_000, patterns, 1000).stop == TOO_LONG


def test_screening_reads_whole_any_message_a_request_can_carry_and_no_more(patterns):
    from chatbot.server import MAX_BODY_BYTES

    assert MAX_SCREENED_CHARS >= MAX_BODY_BYTES  # a request cannot carry more characters
    filler = "How fast does IVIG work? " * 36_000  # 900,000 characters
    assert screen(filler + "I can't 😰 breathe", patterns, 1000).stop == EMERGENCY
    # the work is bounded by the cap (how long it takes is measured by `make load`)
    past_the_cap = "word " * (MAX_SCREENED_CHARS // 5) + "I can't breathe"
    assert screen(past_the_cap, patterns, 1000).stop == TOO_LONG


# Ordinary chat that the first version of the clinical patterns escalated (found by a review):
# each must stay an ordinary message.
@pytest.mark.parametrize("message", [
    "I have weekly blood tests, is that normal?",
    "My hemoglobin is not responding to prednisone",
    "I do not speak English well, sorry. What is hemolysis?",
    "My haematologist won't answer my emails",
    "Is a blood transfusion only a temporary fix?",
    "My dose was temporarily increased to 40 mg",
    "They told me to take my temperature 30 minutes after the infusion",
    "I got 35.9 on the ear thermometer, is that ok?",
    "I was given pulse methylpred 250 mg for three days",
    "Is it ok to soak in the bath with my PICC dressing on?",
    "My gums still bleed a bit when I brush",
    "I cut myself shaving this morning, will it take longer to heal on prednisone?",
    "I hurt myself at the gym last week",
    "I want to take my life back from AIHA",
    "I took 10 tablets of prednisolone this morning as prescribed",
    "I had too much coffee today",
    "I ate breakfast before my tablets",
    "I swallowed my prednisone tablets with water",
    "I'm a bit paranoid about infections",
    "I keep hearing things about rituximab and PML",
    "I haven't slept for 2 nights since starting prednisone",
    "Should I wake her up to give it?",
    "now I'm confused, which one is it?",
    "My hair is going grey on steroids",
    "My fingers turn bluish in the cold and warm up again",
    "I have a cold sore on my lip",
    "I have a blister on my heel from new shoes",
    "The skin on my hands is dry and peeling",
    "I doubled up my dose by mistake yesterday, do I skip today?",
    "My splenectomy is planned next month, can I still get the flu jab if I have a fever?",
    "Can IVIG make you feel faint?",
    "Does rituximab make people feel dizzy during the drip?",
    "Does IVIG cause chest pain? Asking because my friend's husband is on it",
    "She fainted last year. She's fine now.",
])
def test_ordinary_chat_is_not_an_emergency(patterns, message):
    assert not is_emergency(message, patterns)


# ...and emergencies that the first version's "it is over" cues hid, or that it missed.
@pytest.mark.parametrize("message", [
    "worst headache of my life came on all at once",
    "throat closing up all at once after the infusion",
    "I get IVIG once a month and I've been vomiting blood for 2 days",
    "I was fine after my IVIG yesterday but I've been vomiting blood",
    "I want to die",
    "I wish I was dead",
    "I'm going to take all my pills tonight",
    "I can't go on anymore",
])
def test_emergencies_the_first_version_hid(patterns, message):
    assert is_emergency(message, patterns)

"""Eval cases: a JSONL file the content team edits, validated line by line in plain words."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from chatbot.answer import STATUSES

DEFAULT_CASES = Path(__file__).resolve().parent / "cases.jsonl"
FIELDS = {
    "id": "a short unique name, e.g. \"speed-1\"",
    "category": "a group name, e.g. \"plain\" or \"emergency\"",
    "question": "the patient's message (or use \"turns\")",
    "turns": "a list of messages; the last one is evaluated, the earlier ones are the history",
    "repeat": "repeat the question this many times (for over-long input)",
    "expected_status": f"one of {', '.join(STATUSES)}",
    "expected_facts": "a list of facts; each fact is a list of acceptable phrasings",
    "expected_sections": "article section headings that retrieval should return",
    "must_not_contain": "phrases that must not appear in the answer",
    "notes": "free text", "owner": "who to ask about this case",
    "draft": "true for a drafted case that is not run until reviewed",
    "article": "library cases: the article (file name without .md) the question is about",
    "answer_sentences": "library cases: the exact article sentence(s) that answer the question",
    "accepted": "written by `python -m evals accept`: who accepted a changed answer as the "
                "expectation, when, why, from which run, and what the expectation was before",
}


class CaseError(ValueError):
    """A case file problem, said by line number and field."""


@dataclass(frozen=True)
class Case:
    id: str
    category: str
    turns: tuple[str, ...]
    expected_status: str
    expected_facts: tuple[tuple[str, ...], ...] = ()
    expected_sections: tuple[str, ...] = ()
    must_not_contain: tuple[str, ...] = ()
    notes: str = ""
    owner: str = ""
    draft: bool = False
    line: int = 0
    article: str = ""
    answer_sentences: tuple[str, ...] = ()

    @property
    def question(self) -> str:
        return self.turns[-1]

    @property
    def history(self) -> list[dict]:
        history = []
        for earlier in self.turns[:-1]:
            history += [{"role": "user", "content": earlier},
                        {"role": "assistant", "content": ""}]
        return history


def load_cases(path: Path = DEFAULT_CASES, include_drafts: bool = False) -> list[Case]:
    """Read and check every case; raise CaseError listing every problem found."""
    problems: list[str] = []
    cases: list[Case] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        try:
            case = parse_case(raw, number)
        except CaseError as err:
            problems.append(str(err))
            continue
        if case.id in seen:
            problems.append(f"line {number}: id {case.id!r} is already used on line "
                            f"{seen[case.id]}; ids must be unique")
            continue
        seen[case.id] = number
        if include_drafts or not case.draft:
            cases.append(case)
    if problems:
        raise CaseError(f"{path}: {len(problems)} problem(s):\n" + "\n".join(problems))
    return cases


def parse_case(raw: str, line: int = 0) -> Case:
    at = f"line {line}"
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as err:
        raise CaseError(f"{at}: not valid JSON ({err.msg} at column {err.colno}).") from err
    if not isinstance(data, dict):
        raise CaseError(f"{at}: a case must be an object {{...}}.")
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise CaseError(f"{at}: unknown field(s) {', '.join(unknown)}; "
                        f"known fields are {', '.join(FIELDS)}.")
    for name in ("id", "category"):
        if not isinstance(data.get(name), str) or not data[name].strip():
            raise CaseError(f"{at}: field \"{name}\" is missing; it should be {FIELDS[name]}.")
    if ("question" in data) == ("turns" in data):
        raise CaseError(f"{at}: give exactly one of \"question\" or \"turns\".")
    turns = data.get("turns", [data.get("question")])
    if not isinstance(turns, list) or not turns or not all(isinstance(t, str) for t in turns):
        raise CaseError(f"{at}: \"turns\" should be {FIELDS['turns']}.")
    repeat = data.get("repeat", 1)
    if not isinstance(repeat, int) or repeat < 1:
        raise CaseError(f"{at}: \"repeat\" should be a whole number of at least 1.")
    turns = [*turns[:-1], turns[-1] * repeat]
    status = data.get("expected_status")
    if status not in STATUSES and not (data.get("draft") and status in (None, "review")):
        raise CaseError(f"{at}: field \"expected_status\" is {status!r}; it should be "
                        f"{FIELDS['expected_status']}.")
    facts = data.get("expected_facts", [])
    if not isinstance(facts, list) or not all(
            isinstance(f, list) and f and all(isinstance(p, str) and p for p in f)
            for f in facts):
        raise CaseError(f"{at}: \"expected_facts\" should be {FIELDS['expected_facts']}, "
                        "e.g. [[\"one to five days\", \"1 to 5 days\"]].")
    for name in ("expected_sections", "must_not_contain", "answer_sentences"):
        value = data.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise CaseError(f"{at}: \"{name}\" should be a list of texts.")
    accepted = data.get("accepted", [])
    if not isinstance(accepted, list) or not all(isinstance(a, dict) for a in accepted):
        raise CaseError(f"{at}: \"accepted\" should be {FIELDS['accepted']} (a list of records).")
    return Case(
        id=data["id"].strip(), category=data["category"].strip(), turns=tuple(turns),
        expected_status=status or "review",
        expected_facts=tuple(tuple(f) for f in facts),
        expected_sections=tuple(data.get("expected_sections", [])),
        must_not_contain=tuple(data.get("must_not_contain", [])),
        notes=str(data.get("notes", "")), owner=str(data.get("owner", "")),
        draft=bool(data.get("draft", False)), line=line,
        article=str(data.get("article", "")).strip(),
        answer_sentences=tuple(data.get("answer_sentences", [])),
    )


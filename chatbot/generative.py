"""Optional LLM answers (OpenAI-compatible or Ollama, through LangChain), verified sentence by
sentence before a patient sees them; the extractive answer is the fallback for everything else.

The answer is shown once verified (not streamed token by token): a sentence is only ever shown
after it passed every check.
"""

from __future__ import annotations

import logging
import os
import re
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

from chatbot.answer import ANSWERED, Answer, Citation, cited_sentences, join_cited
from chatbot.answering import ExtractiveAnswerer
from chatbot.chunking import Chunk
from chatbot.conversation import Turn
from chatbot.settings import Settings
from chatbot.verification import Evidence, Verifier

log = logging.getLogger(__name__)
DEFAULT_PROMPT = Path(__file__).resolve().parent / "data" / "prompt.toml"
MAX_PASSAGES = 5
READ_FACTOR = 4  # a reply is read up to this many answers' length (max_answer_chars) at most
LOGGED_CHARS = 200  # of each dropped sentence, in the server log
# Bold and italics markers a model likes to add: removed (cosmetic); any other markup gets the
# sentence dropped by the verifier, and the chat shows whatever remains as plain text anyway.
_EMPHASIS = re.compile(r"\*\*|__|(?<!\w)\*(?=\w)|(?<=\w)\*(?!\w)")


@dataclass(frozen=True)
class Prompt:
    system: str
    user: str
    context: str
    not_in_article: str

    @classmethod
    def load(cls, path: Path = DEFAULT_PROMPT) -> Prompt:
        return cls(**tomllib.loads(path.read_text(encoding="utf-8")))


def api_key(settings: Settings) -> str:
    """The key in the variable the settings name (the key itself is never in settings)."""
    return os.environ.get(settings.llm_api_key_env, "")


def max_tokens(settings: Settings) -> int:
    """Enough tokens for an answer of max_answer_chars with its markers, and no more."""
    return max(64, settings.max_answer_chars // 2)


def build_chat_model(settings: Settings):
    """The configured LangChain chat model: temperature 0, a timeout, bounded retries."""
    if not settings.llm_model:
        raise ValueError(f"CHATBOT_LLM_MODEL must name a model for answerer "
                         f"{settings.answerer!r}.")
    if settings.answerer == "openai":
        try:
            from langchain_openai import ChatOpenAI
        except ImportError as err:
            raise ImportError("Install the OpenAI extra: pip install -e '.[openai]'") from err
        return ChatOpenAI(model=settings.llm_model, base_url=settings.llm_base_url or None,
                          api_key=api_key(settings) or "not-needed",
                          temperature=0, timeout=settings.llm_timeout_s,
                          max_retries=settings.llm_max_retries,
                          max_tokens=max_tokens(settings))
    if settings.answerer == "ollama":
        try:
            from langchain_ollama import ChatOllama
        except ImportError as err:
            raise ImportError("Install the Ollama extra: pip install -e '.[ollama]'") from err
        return ChatOllama(model=settings.llm_model, base_url=settings.ollama_host,
                          temperature=0, num_predict=max_tokens(settings),
                          client_kwargs={"timeout": settings.llm_timeout_s})
    raise ValueError(f"Unknown answerer {settings.answerer!r}: use extractive, openai or ollama.")


class VerifiedLLMAnswerer:
    """Asks a chat model for a conversational answer from numbered passages, keeps only the
    sentences one unit of their cited passage supports on its own, and quotes that unit
    verbatim in the citations. How it went (model name, dropped sentences, errors) goes to the
    server log and the Answer's internal record, never to the patient."""

    def __init__(self, chat_model, fallback: ExtractiveAnswerer, settings: Settings,
                 verifier: Verifier | None = None, prompt: Prompt | None = None):
        self.model = chat_model
        self.fallback = fallback
        self.verifier = verifier or Verifier()
        self.name = f"{settings.answerer}:{settings.llm_model or 'model'}"
        self.max_sentences = settings.llm_max_sentences
        self.max_chars = settings.max_answer_chars
        self.prompt = prompt or Prompt.load()
        self._secrets = tuple(s for s in (api_key(settings),) if s and len(s) >= 4)

    def answer(self, turn: Turn) -> Answer:
        extractive = self.fallback.answer(turn)
        if extractive.status != ANSWERED:
            # the article does not cover it: the model is not asked at all
            return extractive
        passages = self.passages(extractive)
        try:
            reply = self._ask(turn, passages)
        except Exception as err:  # timeouts, refused connections, bad replies
            log.warning("LLM %s failed (%s); using the extractive answer", self.name,
                        type(err).__name__)
            return self._fallback(extractive, f"{self.name} failed: {type(err).__name__}")
        if self.prompt.not_in_article in reply:
            return self._fallback(extractive, f"{self.name} abstained though the article "
                                              "answers")
        # A runaway reply is read no further than a few answers' length.
        kept, dropped = self.verify(reply[:READ_FACTOR * self.max_chars], passages)
        if len(reply) > READ_FACTOR * self.max_chars:
            dropped.append(f"reply cut at {READ_FACTOR * self.max_chars} of {len(reply)} "
                           "characters")
        if not kept:
            return self._fallback(extractive, f"nothing {self.name} said passed "
                                              "verification", dropped)
        citations: list[Citation] = []
        numbered: list[tuple[str, int]] = []
        for sentence, chunk, quote in kept:
            found = next((c for c in citations if c.quote == quote
                          and c.chunk_id == chunk.chunk_id), None)
            if found is None:
                found = Citation(n=len(citations) + 1, quote=quote, section=chunk.section,
                                 source=chunk.article_title, chunk_id=chunk.chunk_id,
                                 article_id=chunk.article_id)
                citations.append(found)
            numbered.append((sentence, found.n))
        self._log(self.name, dropped)
        return Answer(status=ANSWERED, answer=join_cited(numbered),
                      disclaimer=extractive.disclaimer, citations=tuple(citations),
                      question=extractive.question, generator=self.name,
                      retrieved=extractive.retrieved, dropped=tuple(dropped))

    def passages(self, extractive: Answer) -> list[Chunk]:
        """The paragraphs of the quoted sentences first, then the other retrieved paragraphs
        of the same article(s): the model never sees an article the question is not about."""
        chunks = self.fallback.retriever.chunks
        articles = {c.article_id for c in extractive.citations}
        ids = list(dict.fromkeys([c.chunk_id for c in extractive.citations]
                                 + [r.chunk_id for r in extractive.retrieved
                                    if r.article_id in articles]))
        return [chunks[i] for i in ids if i in chunks][:MAX_PASSAGES]

    def verify(self, reply: str, passages: list[Chunk]) -> tuple[list, list[str]]:
        """Split the reply into sentences; keep (sentence, passage, verbatim quote) for each
        one a unit of its cited passage supports, within the length caps; say why each other
        one was dropped."""
        kept, dropped = [], []
        length = 0
        for raw, numbers in cited_sentences(reply.strip()):
            sentence = _EMPHASIS.sub("", raw).strip()
            if not numbers:
                dropped.append(f"uncited: {sentence}")
                continue
            valid = [n for n in numbers if 1 <= n <= len(passages)]
            if not valid:
                dropped.append(f"cites a passage that does not exist {numbers}: {sentence}")
                continue
            if len(kept) >= self.max_sentences or length + len(sentence) > self.max_chars:
                dropped.append(f"over the length cap: {sentence}")
                continue
            verdicts = [(self.verifier.verify(sentence, self._evidence(passages[n - 1])),
                         passages[n - 1]) for n in valid]
            verdict, chunk = next(((v, c) for v, c in verdicts if v.ok), verdicts[0])
            if not verdict.ok:
                dropped.append(f"{verdict.reason}: {sentence}")
                continue
            kept.append((sentence, chunk, verdict.quote))
            length += len(sentence) + 5
        return kept, dropped

    def _evidence(self, chunk: Chunk) -> Evidence:
        library = self.fallback.retriever.library
        profile = library.profiles.get(chunk.article_id)
        return Evidence(chunk.text, library.words,
                        profile.name_terms if profile else frozenset())

    def _fallback(self, extractive: Answer, why: str, dropped: list[str] = ()) -> Answer:
        generator = f"extractive (fallback: {why})"
        self._log(generator, dropped)
        return replace(extractive, generator=generator, dropped=tuple(dropped))

    def _log(self, generator: str, dropped) -> None:
        """What the model did, for the server log: short, and never a secret it echoed."""
        log.info("LLM answer by %s; %d sentence(s) dropped", generator, len(dropped))
        for line in dropped:
            text = line[:LOGGED_CHARS]
            for secret in self._secrets:
                text = text.replace(secret, "[redacted]")
            log.info("  dropped: %s", text)

    def _ask(self, turn: Turn, passages: list[Chunk]) -> str:
        from langchain_core.messages import HumanMessage, SystemMessage

        numbered = "\n\n".join(f"[{i}] ({c.section}) {c.text}"
                               for i, c in enumerate(passages, start=1))
        context = self.prompt.context.format(context=turn.context) if turn.context else ""
        user = self.prompt.user.format(passages=numbered, context=context,
                                       question=turn.question)
        reply = self.model.invoke([SystemMessage(self.prompt.system), HumanMessage(user)])
        content = reply.content
        if isinstance(content, list):  # some providers return content blocks
            content = " ".join(str(b.get("text", "")) if isinstance(b, dict) else str(b)
                               for b in content)
        return str(content)

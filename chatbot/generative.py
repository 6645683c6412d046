"""Optional LLM answers (OpenAI-compatible or Ollama, through LangChain), verified sentence by
sentence before a patient sees them; the extractive answer is the fallback for everything else.

The answer is shown once verified (not streamed token by token): a sentence is only ever shown
after it passed every check.
"""

from __future__ import annotations

import logging
import os
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

from chatbot.answer import ANSWERED, Answer, Citation, join_cited
from chatbot.answering import ExtractiveAnswerer
from chatbot.chunking import Chunk
from chatbot.conversation import Turn
from chatbot.embedding import text_similarity
from chatbot.settings import Settings
from chatbot.verification import best_support, cited_sentences

log = logging.getLogger(__name__)
DEFAULT_PROMPT = Path(__file__).resolve().parent / "data" / "prompt.toml"
MAX_PASSAGES = 5


@dataclass(frozen=True)
class Prompt:
    system: str
    user: str
    context: str
    not_in_article: str

    @classmethod
    def load(cls, path: Path = DEFAULT_PROMPT) -> Prompt:
        return cls(**tomllib.loads(path.read_text(encoding="utf-8")))


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
                          api_key=os.environ.get(settings.llm_api_key_env, "not-needed"),
                          temperature=0, timeout=settings.llm_timeout_s,
                          max_retries=settings.llm_max_retries)
    if settings.answerer == "ollama":
        try:
            from langchain_ollama import ChatOllama
        except ImportError as err:
            raise ImportError("Install the Ollama extra: pip install -e '.[ollama]'") from err
        return ChatOllama(model=settings.llm_model, base_url=settings.ollama_host,
                          temperature=0, client_kwargs={"timeout": settings.llm_timeout_s})
    raise ValueError(f"Unknown answerer {settings.answerer!r}: use extractive, openai or ollama.")


class VerifiedLLMAnswerer:
    """Asks a chat model for a conversational answer from numbered passages, keeps only the
    sentences its cited passage supports, and quotes the article verbatim in the citations."""

    def __init__(self, chat_model, fallback: ExtractiveAnswerer, embeddings, name: str,
                 prompt: Prompt | None = None):
        self.model = chat_model
        self.fallback = fallback
        self._similarity = text_similarity(embeddings)
        self.name = name
        self.prompt = prompt or Prompt.load()

    def answer(self, turn: Turn) -> Answer:
        extractive = self.fallback.answer(turn)
        if extractive.status != ANSWERED:
            # the article does not cover it: the model is not asked at all
            return extractive
        passages = self.passages(extractive)
        try:
            reply = self._ask(turn, passages)
        except Exception as err:  # timeouts, refused connections, bad replies
            log.warning("LLM answer failed (%s); using the extractive answer", err)
            return replace(extractive, generator=f"extractive (fallback: {self.name} failed: "
                                                 f"{type(err).__name__})")
        if self.prompt.not_in_article in reply:
            return replace(extractive, generator=f"extractive (fallback: {self.name} "
                                                 "abstained though the article answers)")
        kept, dropped = self.verify(reply, passages)
        if not kept:
            return replace(extractive, dropped=tuple(dropped),
                           generator=f"extractive (fallback: nothing {self.name} said "
                                     "passed verification)")
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
        one whose cited passage supports it; say why each other one was dropped."""
        kept, dropped = [], []
        for sentence, numbers in cited_sentences(reply.strip()):
            if not numbers:
                dropped.append(f"uncited: {sentence}")
                continue
            valid = [n for n in numbers if 1 <= n <= len(passages)]
            if not valid:
                dropped.append(f"cites a passage that does not exist {numbers}: {sentence}")
                continue
            supports = [(best_support(sentence, passages[n - 1].text, self._similarity,
                                      self._names(passages[n - 1])), passages[n - 1])
                        for n in valid]
            support, chunk = max(supports, key=lambda pair: pair[0].score)
            if not support.ok:
                dropped.append(f"{support.reason}: {sentence}")
                continue
            kept.append((sentence, chunk, support.quote))
        return kept, dropped

    def _names(self, chunk: Chunk) -> frozenset[str]:
        """The words that name the passage's article: too common in it to count as support."""
        profile = self.fallback.retriever.library.profiles.get(chunk.article_id)
        return profile.name_terms if profile else frozenset()

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

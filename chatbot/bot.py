"""The Chatbot every caller uses (UI, CLI, evals), and the one factory that builds it."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from chatbot.answer import Answer
from chatbot.messages import Messages
from chatbot.request import read_request
from chatbot.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ArticleInfo:
    """What the answers rest on, for the disclaimer the UI shows."""

    article_id: str
    title: str
    publisher: str
    medical_reviewer: str
    date_posted: str


class Chatbot:
    def __init__(self, chain, messages: Messages, articles: tuple[ArticleInfo, ...],
                 settings: Settings, embeddings=None, answerer=None,
                 loading: tuple[threading.Thread, ...] = ()):
        self._chain = chain
        self._loading = loading  # what answering needs, loading in the background
        self.messages = messages
        self.articles = articles
        self.settings = settings
        self.embeddings = embeddings  # the model, shared with callers that need vectors
        self.answerer = answerer  # the extractive answerer, for the fitting script and evals

    def ready(self) -> None:
        """Wait until what loads in the background (the embedding model, general English's
        word frequencies) is there: the first answer then costs what any other does."""
        getattr(self.embeddings, "ready", lambda: None)()
        for thread in self._loading:
            thread.join()

    def ask(self, question: str, history: list | None = None) -> Answer:
        """Answer one patient message, reading earlier turns for follow-ups.

        Never raises: a malformed request is `rejected`, a failure on our side `unavailable`.
        """
        request = read_request(question, history, self.settings.max_history_turns,
                               self.settings.max_question_chars)
        try:
            return self._chain.invoke({"question": request.question,
                                       "history": list(request.history),
                                       "problem": request.problem})
        except Exception:
            from chatbot.unavailable import unavailable_answer

            log.exception("Answering failed")
            return unavailable_answer(self.messages, request.question)


def load_chatbot(settings: Settings | None = None, chat_model=None, embeddings=None,
                 models=None, urgency: bool = True) -> Chatbot:
    """Build the chatbot from an existing index; raises IndexNotFoundError if there is none.

    With an LLM answerer configured, `chat_model` may be given (tests pass fakes); otherwise it
    is built from the settings. `embeddings` lets a caller share a model it already loaded;
    `models` replaces the fitted answerer models (the fitting script passes its own).
    `urgency`: the second-line emergency check (chatbot/urgency.py) reads each message before
    it is answered, when the encoder is the one it was fitted for (a stand-in model in fast
    tests, or another adapter, gets none, logged as an error). The fitting script turns it off.
    """
    settings = settings or Settings.from_env()
    from chatbot.answering import ExtractiveAnswerer
    from chatbot.chain import build_chain
    from chatbot.embedding import CachedEmbeddings, LazyEmbeddings
    from chatbot.lexicon import Lexicon
    from chatbot.model import FittedModels
    from chatbot.rarity import load_english
    from chatbot.retrieval import HybridRetriever
    from chatbot.safety import SafetyPatterns
    from chatbot.store import ChunkStore

    if settings.answerer not in ("extractive", "openai", "ollama"):
        raise ValueError(
            f"Unknown answerer {settings.answerer!r}: use extractive, openai or ollama."
        )
    english = threading.Thread(target=load_english, name="load-word-frequencies", daemon=True)
    english.start()
    store = ChunkStore.open(settings)
    # the model loads in the background while the index opens and the caller (the app) builds
    # its page; the first question waits for it
    embeddings = embeddings or CachedEmbeddings(
        LazyEmbeddings(settings.embedding_model_path, settings.torch_threads).start())
    messages = Messages.load()
    retriever = HybridRetriever.build(store, embeddings, settings.retrieval_k)
    extractive = ExtractiveAnswerer(retriever, Lexicon.load(), models or FittedModels.load(),
                                    messages, settings.max_answer_sentences)
    answerer = extractive
    if settings.answerer != "extractive":
        from chatbot.generative import VerifiedLLMAnswerer, build_chat_model

        answerer = VerifiedLLMAnswerer(chat_model or build_chat_model(settings), extractive,
                                       settings)
    chain = build_chain(answerer, SafetyPatterns.load(), messages,
                        settings.max_question_chars, _urgency(embeddings) if urgency else None)
    articles = [ArticleInfo(c.article_id, c.article_title, c.publisher, c.medical_reviewer,
                            c.date_posted) for c in retriever.chunks.article_heads()]
    return Chatbot(chain, messages, tuple(sorted(articles, key=lambda a: a.title)),
                   settings, embeddings, extractive, (english,))


def _urgency(embeddings):
    """The second-line emergency check over these embeddings; None for a stand-in encoder."""
    from chatbot.embedding import encoder_fingerprint
    from chatbot.urgency import UrgencyCheck, UrgencyModel

    try:
        return UrgencyCheck(UrgencyModel.load(), embeddings.embed_query,
                            encoder_fingerprint(embeddings))
    except ValueError as err:  # a stand-in, or another adapter than the committed one
        log.error("No second-line emergency check: %s", err)
        return None

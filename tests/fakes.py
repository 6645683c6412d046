"""Stand-ins for the index and the answerer: a real Chatbot and chain around them, no model."""

from __future__ import annotations

from chatbot.answer import ABSTAINED, ANSWERED, Answer, Citation
from chatbot.bot import ArticleInfo, Chatbot
from chatbot.chain import build_chain
from chatbot.messages import Messages
from chatbot.safety import SafetyPatterns
from chatbot.settings import Settings


class FakeRetriever:
    """Records each search; raises `error` when one is set (Chroma down)."""

    def __init__(self, error: Exception | None = None):
        self.error = error
        self.searches: list[str] = []

    def search(self, text):
        self.searches.append(text)
        if self.error:
            raise self.error
        return []


class FakeAnswerer:
    """Looks the turn up in its retriever (which may fail like Chroma), then refuses; or, given
    a `reply`, answers with that text as a model might have written it, citing one quote."""

    def __init__(self, messages: Messages, retriever: FakeRetriever, reply: str | None = None):
        self.messages = messages
        self.retriever = retriever
        self.reply = reply

    def answer(self, turn):
        self.retriever.search(turn.search_text)
        if self.reply is not None:
            quote = Citation(1, "It begins working in one to five days.", "Pros", "An article",
                             "c1", "a")
            return Answer(ANSWERED, f"{self.reply} [1]", self.messages.disclaimer, (quote,),
                          question=turn.question, generator="openai:fake")
        return Answer(ABSTAINED, self.messages.not_in_article, self.messages.disclaimer,
                      question=turn.question)


class RecordingChatbot(Chatbot):
    """The real Chatbot; remembers what each ask received."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.calls: list[tuple] = []

    def ask(self, question, history=None):
        self.calls.append((question, history))
        return super().ask(question, history)


def make_bot(retriever: FakeRetriever | None = None, reply: str | None = None
             ) -> RecordingChatbot:
    messages = Messages.load()
    chain = build_chain(FakeAnswerer(messages, retriever or FakeRetriever(), reply),
                        SafetyPatterns.load(), messages, 1000)
    article = ArticleInfo("a", "An article", "A publisher", "A reviewer", "2023-07-11")
    return RecordingChatbot(chain, messages, (article,), Settings())

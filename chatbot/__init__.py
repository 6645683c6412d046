"""Grounded patient Q&A about IVIG for AIHA: answers only from reviewed articles, with citations.

Public API: load_chatbot, Chatbot, Answer, Citation, Settings. Importing this package is cheap;
models and clients are built by `load_chatbot`.
"""

from chatbot.offline import use_offline_defaults

use_offline_defaults()

from chatbot.answer import Answer, Citation  # noqa: E402
from chatbot.bot import ArticleInfo, Chatbot, load_chatbot  # noqa: E402
from chatbot.settings import Settings  # noqa: E402
from chatbot.store import IndexNotFoundError  # noqa: E402

__all__ = ["Answer", "ArticleInfo", "Chatbot", "Citation", "IndexNotFoundError", "Settings",
           "load_chatbot"]

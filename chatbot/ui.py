"""The patient chat window: a Gradio Blocks app built around an injected chatbot."""

from __future__ import annotations

import html
import logging
import string
import uuid
from pathlib import Path

import gradio as gr
from starlette.middleware import Middleware

from chatbot.answer import ABSTAINED, ANSWERED, ESCALATED
from chatbot.article_page import ArticlePages, Shelf
from chatbot.feedback import FeedbackRecord, FeedbackStore
from chatbot.safety import INSTRUCTIONS, SMALL_TALK
from chatbot.server import OnlyOurRoutes
from chatbot.settings import Settings
from chatbot.suggestions import Suggester, Suggestion
from chatbot.transcripts import Transcripts
from chatbot.unavailable import unavailable_answer

log = logging.getLogger(__name__)

DATA = Path(__file__).resolve().parent / "data"
# The page's look and behaviour (article view, suggestions, scrolling, focus), kept as files.
CSS = (DATA / "chat.css").read_text(encoding="utf-8")
PAGE_JS = (DATA / "chat.js").read_text(encoding="utf-8")
# Refusals after which the nearest answerable questions and sections are worth offering.
NO_SUGGESTIONS = frozenset({SMALL_TALK, INSTRUCTIONS})
_CITE = "\u2063{}\u2063"  # a marker placeholder literal() leaves alone (not ASCII punctuation)
# Every ASCII punctuation mark, written as a character reference: Markdown cannot read
# structure from a reference, so no link, image, header, table, list or code can form.
_LITERAL = str.maketrans({c: f"&#{ord(c)};" for c in string.punctuation})


def _text(value: str) -> str:
    """Article text (ours) shown as text: never HTML."""
    return html.escape(value, quote=False)


def literal(value: str) -> str:
    """Patient text -> Markdown that shows exactly what was typed and creates no element.

    Markdown, HTML, bare URLs and $$maths$$ all stay plain characters (the chat's LaTeX is
    off too), so nothing typed can make the browser fetch anything.
    """
    lines = value.translate(_LITERAL).splitlines()
    return "<br>".join(line.strip() for line in lines)


def _href(path: str) -> str:
    return html.escape(path, quote=True)


def _body(answer: dict, links: dict[int, str]) -> str:
    """The answer text, shown literally; each [n] with a known quote links to it."""
    text = answer["answer"]
    for n in links:
        text = text.replace(f"[{n}]", _CITE.format(n))
    body = literal(text)
    for n, href in links.items():
        body = body.replace(_CITE.format(n), f'<a class="cite" href="{_href(href)}" title='
                            f'"Source {n}: read it in the article">&#91;{n}&#93;</a>')
    return body


def _sources(citations: list[dict], links: dict[int, str], title: str, answer: str) -> str:
    """Each source's section (linked to the quote in the article) and its article; the quote
    itself too, unless the answer already says it word for word (extractive answers do)."""
    said = " ".join(answer.split())
    items = []
    for c in citations:
        head = f"&#91;{c['n']}&#93; {literal(c['section'])}"
        head = (f'<a class="source-link" href="{_href(links[c["n"]])}">{head}</a>'
                if c["n"] in links else f"<strong>{head}</strong>")
        quote = "" if " ".join(c["quote"].split()) in said else f" — “{literal(c['quote'])}”"
        items.append(f"<li>{head}{quote} "
                     f'<span class="source-title">({literal(c["source"])})</span></li>')
    return (f'<div class="sources"><p>{literal(title)}</p>'
            f'<ul class="source-list">{"".join(items)}</ul></div>')


def _suggestions(suggestions, shelf: Shelf | None, messages) -> str:
    items = []
    for s in suggestions:
        if s.is_question:
            items.append(f'<li><button type="button" class="suggest">{literal(s.text)}</button>'
                         "</li>")
            continue
        href = shelf.section_link(s.article_id, s.section) if shelf else None
        if href:
            text = messages.suggestion_section.format(section=s.section)
            items.append(f'<li><a class="source-link" href="{_href(href)}">{literal(text)}</a>'
                         "</li>")
    if not items:
        return ""
    return (f'<div class="suggestions"><p>{literal(messages.suggestions_title)}</p>'
            f'<ul>{"".join(items)}</ul></div>')


def render_answer(answer: dict, messages, shelf: Shelf | None = None,
                  suggestions: tuple[Suggestion, ...] = ()) -> str:
    """An Answer dict -> what the chat shows: the answer (urgent first), its sources linked to
    the article, suggestions after a refusal, and the disclaimer (one line that opens)."""
    status = answer["status"]
    citations = answer["citations"] if status == ANSWERED else []
    links = {c["n"]: href for c in citations
             if shelf and (href := shelf.citation_link(c)) is not None}
    body = _body(answer, links)
    if status == ESCALATED:
        body = (f'<div class="urgent" role="alert"><strong class="urgent-label">Urgent</strong> '
                f"{body}</div>")
    parts = [body]
    if citations:
        parts.append(_sources(citations, links, messages.sources_title, answer["answer"]))
    if status == ABSTAINED and suggestions:
        parts.append(_suggestions(suggestions, shelf, messages))
    parts.append(f'<details class="answer-disclaimer"><summary>'
                 f"{literal(messages.answer_disclaimer)}</summary>"
                 f"{literal(answer['disclaimer'])}</details>")
    return "\n\n".join(p for p in parts if p)


def disclaimer_panel(bot, shelf: Shelf | None = None) -> str:
    """The disclaimer in one line that opens to the full text and the articles answered from."""
    sources = "; ".join(
        f"{_article_name(a, shelf)} ({_text(a.publisher)}), medically reviewed by "
        f"{_text(a.medical_reviewer)}, posted {_text(a.date_posted)}"
        for a in bot.articles)
    m = bot.messages
    return (f'<div class="disclaimer-box" role="note"><details><summary><strong>Please read:'
            f"</strong> {_text(m.disclaimer_short)} <span class=\"more\">{_text(m.more)}</span>"
            f"</summary><p>{_text(m.disclaimer)}</p><p>Answers quote only: {sources}.</p>"
            "</details></div>")


def _article_name(article, shelf: Shelf | None) -> str:
    title = f"“{_text(article.title)}”"
    href = shelf.article_link(article.article_id) if shelf else None
    return f'<a class="source-link" href="{_href(href)}">{title}</a>' if href else title


def build_app(bot, feedback: FeedbackStore, shelf: Shelf | None = None,
              suggester: Suggester | None = None) -> gr.Blocks:
    """The chat UI for any object with `ask(question, history)`, `messages` and `articles`.

    `shelf`: the articles a source opens (default: the bot's corpus folder); `suggester`: what
    to offer after a refusal (default: the nearest sections of the bot's own index)."""
    examples = bot.messages.example_questions
    if shelf is None:
        shelf = Shelf.load(bot.settings.corpus_dir, {a.article_id for a in bot.articles})
    if suggester is None and hasattr(bot, "suggest"):
        suggester = bot  # a ChatService: its answering workers hold the index and model
    elif suggester is None and getattr(bot, "answerer", None) is not None:
        suggester = Suggester.for_bot(bot)

    def ask(question: str, history: list | None = None) -> dict:
        """Answer one question (with optional earlier [{role, content}] turns) as a dict."""
        try:
            return bot.ask(question, history=history).to_dict()
        except Exception:  # the patient sees a polite message, the log gets the details
            log.exception("Answering failed")
            return unavailable_answer(bot.messages).to_dict()

    def suggest(answer: dict, message: str) -> tuple[Suggestion, ...]:
        if suggester is None or answer["status"] != ABSTAINED \
                or answer["reason"] in NO_SUGGESTIONS:
            return ()
        try:
            return tuple(suggester.suggest(answer.get("question") or message))
        except Exception:  # suggestions are a courtesy: the refusal stands without them
            log.exception("Suggestions failed")
            return ()

    transcripts = Transcripts(bot.settings.max_sessions)

    def respond(message, request: gr.Request):
        """Answer into the session's transcript (chatbot/transcripts.py): a second message
        sent before the first is answered is answered at once too, and neither reply hides
        the other."""
        message = message or ""
        transcript = session(request)
        place, conversation = transcript.ask(literal(message) or "(empty message)")
        answer = ask(message, conversation)
        shown = render_answer(answer, bot.messages, shelf, suggest(answer, message))
        chat = transcript.answered(
            place, shown, message, answer["answer"],
            {"question": message, "answer": answer, "answer_id": uuid.uuid4().hex})
        return "", chat

    def session(request: gr.Request | None):
        return transcripts.of(getattr(request, "session_hash", None))

    def rate(data: gr.LikeData, request: gr.Request):
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        transcript = session(request)
        entry = transcript.answer_at(index)
        if entry is None or data.liked not in (True, False):
            transcript.rated = None
            return gr.update(visible=False), ""
        rating = "up" if data.liked else "down"
        stored = _store(feedback, entry, rating)
        transcript.rated = entry["answer_id"]
        note = ("Thank you for the feedback." if stored else
                "Thank you. (Your feedback could not be saved right now.)")
        prompt = " You can add a short comment below." if rating == "down" else ""
        return gr.update(visible=True), note + prompt

    def comment(text, request: gr.Request):
        rated = session(request).rated
        if not rated or not (text or "").strip():
            return text, "Please rate an answer first, then add your comment."
        stored = feedback.comment(rated, text.strip())
        return "", ("Comment sent. Thank you!" if stored else
                    "Sorry, your comment could not be saved right now.")

    with gr.Blocks(title="IVIG questions for people with AIHA") as app:
        gr.Markdown("# Questions about IVIG infusions for AIHA")
        gr.HTML(disclaimer_panel(bot, shelf), elem_id="disclaimer")
        # No share button (it does nothing offline); the label would cover the newest line.
        chat = gr.Chatbot(label="Conversation", show_label=False, elem_id="chat", height=520,
                          feedback_options=("Like", "Dislike"), sanitize_html=True,
                          latex_delimiters=[], buttons=["copy", "copy_all"], autoscroll=False)
        # Right under the answers, so the box opens next to the answer just rated.
        with gr.Column(visible=False, elem_id="feedback-box") as comment_box:
            status = gr.Markdown(elem_id="feedback-status")
            feedback_text = gr.Textbox(label="Optional comment about the answer you rated",
                                       elem_id="feedback-comment", max_lines=3)
            send_comment = gr.Button("Send comment", elem_id="send-comment")
        with gr.Row():
            message = gr.Textbox(label="Your question", elem_id="question", scale=5,
                                 placeholder="Type a question about IVIG and press Enter",
                                 max_lines=4)
            send = gr.Button("Send", variant="primary", elem_id="send", scale=1)
        gr.Examples(examples=[[q] for q in examples], inputs=[message],
                    label="Example questions (click one, then Send)")
        clear = gr.Button("Clear conversation", elem_id="clear")
        gr.HTML("", js_on_load=PAGE_JS, elem_id="page-behaviour", container=False,
                padding=False)

        outputs = [message, chat]
        # No Gradio-level limit on asking: a question waits only where we bound it, after
        # screening (chatbot/service.py), so an emergency is never queued behind others; and a
        # message sent while an earlier one is still being answered goes at once ("multiple").
        newest = "() => { setTimeout(() => window.chatUI && window.chatUI.showNewest(), 60); }"
        for trigger in (message.submit, send.click):
            trigger(respond, [message], outputs, api_visibility="private",
                    concurrency_limit=None, trigger_mode="multiple").then(
                None, js=newest, api_visibility="private")
        chat.like(rate, None, [comment_box, status],
                  api_visibility="private").then(
            None, js="() => { setTimeout(() => window.chatUI && window.chatUI.showComment(),"
                     " 60); }", api_visibility="private")
        send_comment.click(comment, [feedback_text], [feedback_text, status],
                           api_visibility="private")
        def clear_all(request: gr.Request):
            session(request).clear()
            return [], "", gr.update(visible=False)

        def clear_memory(request: gr.Request):
            session(request).clear()
            return "", gr.update(visible=False)

        clear.click(clear_all, None, [chat, status, comment_box],
                    api_visibility="private")
        # Gradio's own trash icon on the chat forgets the conversation too, not just the screen.
        chat.clear(clear_memory, None, [status, comment_box],
                   api_visibility="private")
        gr.api(ask, api_name="ask", concurrency_limit=None)
    app.shelf = shelf  # the article pages `launch` serves
    app.max_sessions = bot.settings.max_sessions  # the sessions `launch` lets Gradio keep
    return app


def launch(app: gr.Blocks, host: str, port: int, max_threads: int = 40,
           max_queue: int | None = None, **kwargs):
    """Serve offline: no analytics, no share links, no monitoring page, our CSS; only the
    chat page, its assets and /ask are reachable (chatbot/server.py). `max_threads` requests
    run at once; Gradio holds at most `max_queue` more."""
    ask_index = next((i for i, fn in app.fns.items() if fn.api_name == "ask"), None)
    middleware = [Middleware(OnlyOurRoutes, ask_fn_index=ask_index),
                  Middleware(ArticlePages, shelf=getattr(app, "shelf", None) or Shelf({}))]
    app.queue(max_size=max_queue, default_concurrency_limit=8)
    sessions = getattr(app, "max_sessions", Settings.max_sessions)
    kwargs.setdefault("state_session_capacity", sessions)
    return app.launch(server_name=host, server_port=port, share=False, css=CSS,
                      footer_links=["api"], enable_monitoring=False, max_threads=max_threads,
                      app_kwargs={"middleware": middleware}, **kwargs)


def _store(feedback: FeedbackStore, entry: dict, rating: str) -> bool:
    answer = entry["answer"]
    return feedback.add(FeedbackRecord(
        question=entry["question"], answer=answer["answer"],
        citations=answer.get("citations", []), status=answer["status"], rating=rating,
        answer_id=entry["answer_id"]))

"""The patient chat window: a Gradio Blocks app built around an injected chatbot."""

from __future__ import annotations

import html
import logging
import string

import gradio as gr
from starlette.middleware import Middleware

from chatbot.answer import ABSTAINED, ANSWERED, ESCALATED
from chatbot.chain import unavailable_answer
from chatbot.feedback import FeedbackRecord, FeedbackStore
from chatbot.server import OnlyOurRoutes

log = logging.getLogger(__name__)

CSS = """
.disclaimer-box { border-left: 4px solid #1f5f99; background: #eef4fa; color: #10253a;
  padding: 0.6em 1em; border-radius: 4px; }
.urgent { border: 3px solid #b00020; background: #fde8ea; color: #5c0010; padding: 0.6em 0.8em;
  border-radius: 6px; font-weight: 600; }
.answer-disclaimer { font-size: 0.85em; color: #3b3b3b; }
.sources { font-size: 0.92em; }
"""
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


def render_answer(answer: dict, examples: tuple[str, ...] = ()) -> str:
    """An Answer dict -> the Markdown shown in the chat (answer, sources, disclaimer)."""
    status = answer["status"]
    body = literal(answer["answer"])  # a model may have written it: text, like a patient's
    if status == ESCALATED:
        body = f'<div class="urgent" role="alert">🚨 <strong>Urgent:</strong> {body}</div>'
    parts = [body]
    if status == ANSWERED and answer["citations"]:
        lines = ["**Sources** (quoted word for word from the article):"]
        for c in answer["citations"]:
            quote = _text(c["quote"]).replace("\n", " ")
            lines.append(f"> **[{c['n']}] {_text(c['section'])}** — “{quote}”  \n"
                         f"> <small>{_text(c['source'])}</small>")
        parts.append('<div class="sources">\n\n' + "\n>\n".join(lines) + "\n\n</div>")
    if status == ABSTAINED and examples:
        parts.append("Questions the article does answer:\n"
                     + "\n".join(f"- {_text(q)}" for q in examples[:3]))
    parts.append(f'<div class="answer-disclaimer"><em>{_text(answer["disclaimer"])}</em></div>')
    return "\n\n".join(parts)


def disclaimer_panel(bot) -> str:
    sources = "; ".join(
        f"“{_text(a.title)}” ({_text(a.publisher)}), medically reviewed by "
        f"{_text(a.medical_reviewer)}, posted {_text(a.date_posted)}"
        for a in bot.articles)
    return (f'<div class="disclaimer-box" role="note"><strong>Please read:</strong> '
            f"{_text(bot.messages.disclaimer)}<br>Answers quote only: {sources}.</div>")


def build_app(bot, feedback: FeedbackStore) -> gr.Blocks:
    """The chat UI for any object with `ask(question, history)`, `messages` and `articles`."""
    examples = bot.messages.example_questions

    def ask(question: str, history: list | None = None) -> dict:
        """Answer one question (with optional earlier [{role, content}] turns) as a dict."""
        try:
            return bot.ask(question, history=history).to_dict()
        except Exception:  # the patient sees a polite message, the log gets the details
            log.exception("Answering failed")
            return unavailable_answer(bot.messages).to_dict()

    def respond(message, chat, conversation, answers):
        message = message or ""
        answer = ask(message, conversation)
        chat = [*chat, {"role": "user", "content": literal(message) or "(empty message)"},
                {"role": "assistant", "content": render_answer(answer, examples)}]
        answers = {**answers, str(len(chat) - 1): {"question": message, "answer": answer}}
        conversation = [*conversation, {"role": "user", "content": message},
                        {"role": "assistant", "content": answer["answer"]}]
        return "", chat, conversation, answers

    def rate(answers, data: gr.LikeData):
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        entry = answers.get(str(index))
        if entry is None or data.liked not in (True, False):
            return None, gr.update(visible=False), ""
        rating = "up" if data.liked else "down"
        stored = _store(feedback, entry, rating, "")
        note = ("Thank you for the feedback." if stored else
                "Thank you. (Your feedback could not be saved right now.)")
        prompt = " You can add a short comment below." if rating == "down" else ""
        return {"index": str(index), "rating": rating}, gr.update(visible=True), note + prompt

    def comment(text, pending, answers):
        if not pending or not (text or "").strip():
            return text, "Please rate an answer first, then add your comment."
        entry = answers.get(pending["index"])
        stored = entry is not None and _store(feedback, entry, pending["rating"], text.strip())
        return "", ("Comment sent. Thank you!" if stored else
                    "Sorry, your comment could not be saved right now.")

    with gr.Blocks(title="IVIG questions for people with AIHA") as app:
        gr.Markdown("# Questions about IVIG infusions for AIHA")
        gr.HTML(disclaimer_panel(bot), elem_id="disclaimer")
        conversation = gr.State([])
        answers = gr.State({})
        pending = gr.State(None)
        chat = gr.Chatbot(label="Conversation", elem_id="chat", height=520,
                          feedback_options=("Like", "Dislike"), sanitize_html=True,
                          latex_delimiters=[])
        with gr.Row():
            message = gr.Textbox(label="Your question", elem_id="question", scale=5,
                                 placeholder="Type a question about IVIG and press Enter",
                                 max_lines=4, autofocus=True)
            send = gr.Button("Send", variant="primary", elem_id="send", scale=1)
        gr.Examples(examples=[[q] for q in examples], inputs=[message],
                    label="Example questions (click one, then Send)")
        with gr.Column(visible=False) as comment_box:
            feedback_text = gr.Textbox(label="Optional comment about the rated answer",
                                       elem_id="feedback-comment", max_lines=3)
            send_comment = gr.Button("Send comment", elem_id="send-comment")
        status = gr.Markdown(elem_id="feedback-status")
        clear = gr.Button("Clear conversation", elem_id="clear")

        outputs = [message, chat, conversation, answers]
        message.submit(respond, [message, chat, conversation, answers], outputs,
                       api_visibility="private")
        send.click(respond, [message, chat, conversation, answers], outputs,
                   api_visibility="private")
        chat.like(rate, [answers], [pending, comment_box, status], api_visibility="private")
        send_comment.click(comment, [feedback_text, pending, answers], [feedback_text, status],
                           api_visibility="private")
        clear.click(lambda: ([], [], {}, None, ""), None,
                    [chat, conversation, answers, pending, status], api_visibility="private")
        # Gradio's own trash icon on the chat forgets the conversation too, not just the screen.
        chat.clear(lambda: ([], {}, None, ""), None, [conversation, answers, pending, status],
                   api_visibility="private")
        gr.api(ask, api_name="ask")
    return app


def launch(app: gr.Blocks, host: str, port: int, **kwargs):
    """Serve offline: no analytics, no share links, no monitoring page, our CSS; only the
    chat page, its assets and /ask are reachable (chatbot/server.py)."""
    ask_index = next((i for i, fn in app.fns.items() if fn.api_name == "ask"), None)
    middleware = [Middleware(OnlyOurRoutes, ask_fn_index=ask_index)]
    return app.launch(server_name=host, server_port=port, share=False, css=CSS,
                      footer_links=["api"], enable_monitoring=False,
                      app_kwargs={"middleware": middleware}, **kwargs)


def _store(feedback: FeedbackStore, entry: dict, rating: str, comment: str) -> bool:
    answer = entry["answer"]
    return feedback.add(FeedbackRecord(
        question=entry["question"], answer=answer["answer"],
        citations=answer.get("citations", []), status=answer["status"], rating=rating,
        comment=comment))

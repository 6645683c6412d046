"""What the web server lets through: our page, its assets and /ask; nothing else (ASGI).

Gradio serves more than the chat needs (anonymous uploads, a monitoring page, file and proxy
routes). Every path not listed here gets 404 before Gradio sees it. Bodies sent to /ask are
reshaped to its two inputs, so a malformed request reaches our own validation and gets a
`rejected` answer instead of a framework error.
"""

from __future__ import annotations

import json
import logging
import re

log = logging.getLogger(__name__)

# Exact paths and path prefixes the chat page, gradio_client and the /ask API use.
ALLOWED_PATHS = frozenset({"/", "/favicon.ico", "/theme.css", "/robots.txt", "/config",
                           "/gradio_api/info", "/gradio_api/queue/join",
                           "/gradio_api/queue/data", "/gradio_api/startup-events"})
# /article/<id>: the reviewed article a source opens (chatbot/article_page.py; GET only there).
ALLOWED_PREFIXES = ("/assets/", "/static/", "/gradio_api/heartbeat/", "/gradio_api/call/ask/",
                    "/article/")
ASK_PATHS = frozenset({"/gradio_api/call/ask", "/gradio_api/run/ask"})
MAX_BODY_BYTES = 1_000_000


def allowed(path: str) -> bool:
    """Whether a request path (as the server decoded it) is one we serve."""
    path = re.sub(r"/{2,}", "/", path)
    if ".." in path:
        return False
    stripped = path.rstrip("/") or "/"
    return (stripped in ALLOWED_PATHS or stripped in ASK_PATHS
            or path.startswith(ALLOWED_PREFIXES))


def ask_body(body: bytes, ask_fn_index: int | None = None) -> bytes:
    """Any request body for /ask -> one whose `data` is exactly [question, history].

    Missing or unreadable values become None, which the chatbot rejects politely.
    """
    try:
        request = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError):
        request = {}
    if not isinstance(request, dict):
        request = {}
    if ask_fn_index is not None and request.get("fn_index") != ask_fn_index:
        return body  # a queue request for another event: left alone
    data = request.get("data")
    if isinstance(data, dict):  # {"question": ..., "history": ...}
        data = [data.get("question"), data.get("history")]
    if not isinstance(data, list):
        data = []
    request["data"] = [*data, None, None][:2]
    return json.dumps(request).encode()


class OnlyOurRoutes:
    """ASGI middleware: refuse paths we do not serve, cap bodies, reshape /ask bodies."""

    def __init__(self, app, ask_fn_index: int | None = None,
                 max_body_bytes: int = MAX_BODY_BYTES):
        self.app = app
        self.ask_fn_index = ask_fn_index
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        path = scope.get("path", "")
        if not allowed(path):
            log.info("Refused %s %s", scope.get("method", "WS"), path)
            return await _respond(scope, receive, send, 404, b"Not found")
        if scope["type"] == "http" and scope.get("method") == "POST":
            body, too_big = await _read_body(receive, self.max_body_bytes)
            if too_big:
                return await _respond(scope, receive, send, 413, b"Request too large")
            stripped = re.sub(r"/{2,}", "/", path).rstrip("/")
            if stripped in ASK_PATHS:
                body = ask_body(body)
            elif stripped == "/gradio_api/queue/join" and self.ask_fn_index is not None:
                body = ask_body(body, self.ask_fn_index)
            scope = _with_length(scope, len(body))
            return await self.app(scope, _replay(body, receive), send)
        return await self.app(scope, receive, send)


async def _read_body(receive, limit: int) -> tuple[bytes, bool]:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"", False
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return b"", True
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks), False


def _replay(body: bytes, receive):
    sent = False

    async def replay():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _with_length(scope: dict, length: int) -> dict:
    headers = [(k, v) for k, v in scope.get("headers", []) if k.lower() != b"content-length"]
    return {**scope, "headers": [*headers, (b"content-length", str(length).encode())]}


async def _respond(scope, receive, send, status: int, text: bytes):
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008})
        return
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(text)).encode())]})
    await send({"type": "http.response.body", "body": text})

"""The reviewed article as a web page a patient can check a quote against.

Rendered from the corpus Markdown (title, publisher, reviewer, date, sections, paragraphs,
lists): every piece of article text is escaped and the markup is our own, built from the
parsed structure, so nothing in an article can become an element or make the browser fetch
anything. Each citable sentence gets an anchor (`a-s<k>`, numbered through the article in the
order `split_units` reads it) and each section one (`a-h<k>`); the sentences a citation quotes
are highlighted. Served at `/article/<article_id>?hl=<k>,<k>#a-s<k>` (see `ArticlePages`).
"""

from __future__ import annotations

import html
import logging
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs

from chatbot.corpus import INTRODUCTION, Article, article_paths, load_corpus
from chatbot.sentences import split_units

log = logging.getLogger(__name__)

PREFIX = "/article/"
MAX_HIGHLIGHTS = 20


@dataclass(frozen=True)
class Unit:
    """One citable sentence (or a list with its intro) at its place in the article."""

    number: int  # 1-based, through the whole article
    section: int  # index of its section
    text: str


def units(article: Article) -> list[list[list[Unit]]]:
    """The article's citable units, grouped by section and block, numbered in reading order."""
    grouped, number = [], 0
    for s, section in enumerate(article.sections):
        blocks = []
        for block in section.blocks:
            row = []
            for text in split_units(block):
                number += 1
                row.append(Unit(number, s, text))
            blocks.append(row)
        grouped.append(blocks)
    return grouped


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


def locate(article: Article, quote: str, section: str = "") -> tuple[int, ...]:
    """The numbers of the units a quote is made of (citations quote whole units): the unit
    equal to the quote, else the run of units the quote contains; in the cited section if
    the same text appears twice. Empty when the article no longer holds the quote."""
    flat = [u for sec in units(article) for block in sec for u in block]
    preferred = [u for u in flat if article.sections[u.section].heading == section] or flat
    for pool in (preferred, flat):
        exact = [u.number for u in pool if _same(u.text, quote)]
        if exact:
            return (exact[0],)
    squashed = " ".join(quote.split())
    inside = [u.number for u in preferred if " ".join(u.text.split()) in squashed]
    return tuple(inside[:MAX_HIGHLIGHTS])


def section_number(article: Article, heading: str) -> int | None:
    """The 1-based anchor number of a section, by its heading."""
    for k, section in enumerate(article.sections, start=1):
        if section.heading == heading:
            return k
    return None


def link(article_id: str, highlight: tuple[int, ...] = (), section: int | None = None) -> str:
    """The address of an article view: highlighted units, scrolled to the first (or a section)."""
    query = f"?hl={','.join(map(str, highlight))}" if highlight else ""
    fragment = f"#a-s{highlight[0]}" if highlight else (f"#a-h{section}" if section else "")
    return f"{PREFIX}{article_id}{query}{fragment}"


def _text(value: str) -> str:
    return html.escape(value, quote=True)


def _unit_html(unit: Unit, highlighted: frozenset[int]) -> str:
    """A prose sentence as a span; a list unit as its intro paragraph and the list."""
    marked = unit.number in highlighted
    intro, *items = f"\n{unit.text}".split("\n- ")
    if items:
        body = (f"<p>{_text(intro.strip())}</p>" if intro.strip() else "") + "<ul>" + "".join(
            f"<li>{_text(i.strip())}</li>" for i in items if i.strip()) + "</ul>"
        cls = "unit list quoted" if marked else "unit list"
        return f'<div class="{cls}" id="a-s{unit.number}">{body}</div>'
    text = _text(unit.text)
    if marked:
        text = f"<mark>{text}</mark>"
    return f'<span class="unit" id="a-s{unit.number}">{text}</span>'


def _block_html(block: list[Unit], highlighted: frozenset[int]) -> str:
    """Consecutive sentences share a paragraph; a list breaks it."""
    out, prose = [], []
    for unit in block:
        piece = _unit_html(unit, highlighted)
        if piece.startswith("<span"):
            prose.append(piece)
            continue
        if prose:
            out.append(f"<p>{' '.join(prose)}</p>")
            prose = []
        out.append(piece)
    if prose:
        out.append(f"<p>{' '.join(prose)}</p>")
    return "".join(out)


def article_html(article: Article, highlight: tuple[int, ...] = ()) -> str:
    """The article as an <article> element: header (title, publisher, reviewer, date), then
    its sections; the highlighted units are marked."""
    highlighted = frozenset(highlight)
    meta = [f"Published by {_text(article.publisher)}" if article.publisher else "",
            f"Medically reviewed by {_text(article.medical_reviewer)}"
            if article.medical_reviewer else "",
            f"Posted {_text(article.date_posted)}" if article.date_posted else ""]
    parts = ['<article class="article-view" aria-labelledby="article-title">',
             f'<header><h1 id="article-title" tabindex="-1">{_text(article.title)}</h1>',
             f'<p class="article-meta">{" · ".join(m for m in meta if m)}</p></header>']
    for k, (section, blocks) in enumerate(zip(article.sections, units(article), strict=True),
                                          start=1):
        parts.append(f'<section id="a-h{k}">')
        if section.heading != INTRODUCTION:
            parts.append(f"<h2>{_text(section.heading)}</h2>")
        parts.extend(_block_html(block, highlighted) for block in blocks)
        parts.append("</section>")
    parts.append("</article>")
    return "".join(parts)


PAGE_CSS = """
body { font-family: system-ui, sans-serif; line-height: 1.55; color: #1b1b1b; background: #fff;
  margin: 0 auto; max-width: 44rem; padding: 1rem; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 1.6rem; }
.article-meta { color: #3b3b3b; font-size: 0.95rem; }
mark, .unit.quoted { background: #fff1a8; color: #1b1b1b; outline: 2px solid #8a6d00; }
.unit, section { scroll-margin-top: 4rem; }
"""


def page(article: Article, highlight: tuple[int, ...] = ()) -> str:
    """A complete, self-contained HTML page: no script, no outside resource."""
    return ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{_text(article.title)}</title><style>{PAGE_CSS}</style></head>"
            f"<body><main>{article_html(article, highlight)}</main></body></html>")


def parse_highlight(query_string: str) -> tuple[int, ...]:
    """`hl=3,4` -> (3, 4); anything else in the query is ignored, never rendered."""
    values = parse_qs(query_string).get("hl", [""])[0]
    numbers = [int(v) for v in values.split(",") if re.fullmatch(r"\d{1,6}", v)]
    return tuple(numbers[:MAX_HIGHLIGHTS])


class Shelf:
    """The reviewed articles a patient can open, by id, read from the corpus folder.

    Loaded from a folder, it follows edits: when a file in it changes (looked at no more often
    than every `recheck_s` seconds), the articles are read again, so an article opened after a
    re-ingest shows the text its citations now quote."""

    def __init__(self, articles: dict[str, Article], corpus_dir: Path | None = None,
                 article_ids=None, recheck_s: float = 2.0):
        self._articles = articles
        self._folder = Path(corpus_dir) if corpus_dir is not None else None
        self._ids = article_ids
        self._recheck_s = recheck_s
        self._checked = time.monotonic()
        self._signature = _signature(self._folder)
        self._lock = threading.Lock()

    @classmethod
    def load(cls, corpus_dir: Path, article_ids=None, recheck_s: float = 2.0) -> Shelf:
        """Every readable article in the folder (only those ids, when given)."""
        return cls(_read(Path(corpus_dir), article_ids), corpus_dir, article_ids, recheck_s)

    @property
    def articles(self) -> dict[str, Article]:
        if self._folder is None or time.monotonic() - self._checked < self._recheck_s:
            return self._articles
        with self._lock:
            self._checked = time.monotonic()
            signature = _signature(self._folder)
            if signature != self._signature:
                self._articles, self._signature = _read(self._folder, self._ids), signature
            return self._articles

    def citation_link(self, citation: dict) -> str | None:
        """Where a citation's quote can be read in its article; None if we have no article."""
        article = self.articles.get(citation.get("article_id", ""))
        if article is None:
            return None
        return link(article.article_id, locate(article, citation["quote"],
                                               citation.get("section", "")))

    def article_link(self, article_id: str) -> str | None:
        return link(article_id) if article_id in self.articles else None

    def section_link(self, article_id: str, heading: str) -> str | None:
        article = self.articles.get(article_id)
        number = article and section_number(article, heading)
        return link(article_id, section=number) if number else None


def _read(folder: Path, article_ids) -> dict[str, Article]:
    if not folder.is_dir():
        return {}
    articles, problems = load_corpus(article_paths(folder))
    for problem in problems:
        log.warning("Article view skips %s", problem)
    return {a.article_id: a for a in articles if article_ids is None or a.article_id in article_ids}


def _signature(folder: Path | None) -> tuple:
    """What changes when an article file is added, removed or edited."""
    if folder is None or not folder.is_dir():
        return ()
    try:
        return tuple((p.name, (st := p.stat()).st_mtime_ns, st.st_size)
                     for p in article_paths(folder))
    except OSError:  # a file went away while we looked: read again
        return (("", time.monotonic_ns(), 0),)


class ArticlePages:
    """ASGI middleware: GET /article/<id> is the article page; everything else passes on."""

    def __init__(self, app, shelf: Shelf):
        self.app = app
        self.shelf = shelf

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(PREFIX):
            return await self.app(scope, receive, send)
        article = self.shelf.articles.get(path[len(PREFIX):].rstrip("/"))
        if scope.get("method") not in ("GET", "HEAD") or article is None:
            return await _send(send, 404, b"Not found", "text/plain")
        highlight = parse_highlight(scope.get("query_string", b"").decode("latin-1"))
        return await _send(send, 200, page(article, highlight).encode(), "text/html",
                           head_only=scope.get("method") == "HEAD")


async def _send(send, status: int, body: bytes, kind: str, head_only: bool = False):
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", f"{kind}; charset=utf-8".encode()),
                            (b"content-length", str(len(body)).encode()),
                            (b"cache-control", b"no-store"),
                            # the page is data to read: no script, nothing from outside
                            (b"content-security-policy",
                             b"default-src 'none'; style-src 'unsafe-inline'")]})
    await send({"type": "http.response.body", "body": b"" if head_only else body})

"""The article page: rendered from the Markdown, escaped, quotes located and highlighted."""

import asyncio

from chatbot.article_page import (
    ArticlePages,
    Shelf,
    article_html,
    link,
    locate,
    page,
    parse_highlight,
    units,
)
from chatbot.corpus import parse_markdown

from .conftest import CORPUS

ARTICLE = parse_markdown("""---
title: Cats & <Dogs>
publisher: Pet Press
medical_reviewer: Dr. A. Vet
date_posted: 2024-01-02
---

# Cats & <Dogs>

Cats sleep a lot. The tag <img src=x onerror=alert(1)> is not an element here. Feed them
twice a day.

## Care **basics**

Feed them twice a day. Signs of illness include:
- [a link](http://example.com/x.png)
- ![an image](http://example.com/y.png)
""", "pets")


def _flat(article):
    return [u for section in units(article) for block in section for u in block]


def test_every_citable_unit_has_an_anchor_and_text_is_escaped():
    rendered = article_html(ARTICLE)
    assert rendered.count('id="a-s') == len(_flat(ARTICLE)) == 5
    assert "<img" not in rendered and "&lt;img src=x onerror=alert(1)&gt;" in rendered
    assert "Cats &amp; &lt;Dogs&gt;" in rendered and "<Dogs>" not in rendered
    assert "<a " not in rendered and "<li>![an image](http://example.com/y.png)</li>" in rendered
    assert "Medically reviewed by Dr. A. Vet" in rendered and "Posted 2024-01-02" in rendered
    assert "<h2>Care **basics**</h2>" in rendered  # Markdown is not interpreted either


def test_a_quote_is_located_by_its_text_in_its_section():
    flat = _flat(ARTICLE)
    assert locate(ARTICLE, "Cats sleep a lot.") == (1,)
    # the same sentence twice: the cited section's wins, else the first
    assert locate(ARTICLE, "Feed them twice a day.", "Care **basics**") == (4,)
    assert locate(ARTICLE, "Feed them twice a day.") == (3,)
    assert locate(ARTICLE, flat[4].text) == (5,)  # a list with its intro
    assert locate(ARTICLE, "Cats sleep a lot. " + flat[1].text) == (1, 2)  # two units quoted
    assert locate(ARTICLE, "Not in the article.") == ()


def test_highlighted_units_are_marked_and_the_link_scrolls_to_the_first():
    rendered = article_html(ARTICLE, (1, 5))
    assert '<span class="unit" id="a-s1"><mark>Cats sleep a lot.</mark></span>' in rendered
    assert 'class="unit list quoted" id="a-s5"' in rendered
    assert rendered.count("<mark>") == 1
    assert link("pets", (4, 5)) == "/article/pets?hl=4,5#a-s4"
    assert link("pets", section=2) == "/article/pets#a-h2"


def test_only_numbers_are_read_from_the_query():
    assert parse_highlight("hl=3,4") == (3, 4)
    assert parse_highlight("hl=3,<script>,5&x=1") == (3, 5)
    assert parse_highlight("hl=" + ",".join(["1"] * 100)) == (1,) * 20
    assert parse_highlight("") == ()


def test_the_page_is_self_contained():
    html = page(ARTICLE)
    assert "<script" not in html and "http" not in html.replace("http://example.com", "")
    assert 'lang="en"' in html and "<title>Cats &amp; &lt;Dogs&gt;</title>" in html


def test_the_corpus_article_renders_every_sentence_a_citation_can_quote():
    shelf = Shelf.load(CORPUS)
    article = shelf.articles["ivig-aiha"]
    flat = _flat(article)
    assert all(locate(article, u.text) == (u.number,) or
               flat[locate(article, u.text)[0] - 1].text == u.text for u in flat)
    citation = {"article_id": "ivig-aiha", "quote": flat[10].text, "section": ""}
    assert shelf.citation_link(citation) == "/article/ivig-aiha?hl=11#a-s11"
    assert shelf.citation_link({**citation, "article_id": "elsewhere"}) is None


def test_an_edited_article_is_shown_as_edited_after_a_re_ingest(tmp_path):
    """The article a source opens follows the corpus folder: after an editor's change, the
    page shows the new text and finds the new quote (what re-ingested citations now quote)."""
    (tmp_path / "ivig-aiha.md").write_text((CORPUS / "ivig-aiha.md").read_text())
    shelf = Shelf.load(tmp_path, recheck_s=0)
    old = "However, the effects of IVIG are short-lived, lasting only around three weeks."
    assert any(u.text == old for u in _flat(shelf.articles["ivig-aiha"]))
    path = tmp_path / "ivig-aiha.md"
    path.write_text(path.read_text().replace("around three weeks", "around two months"))
    new = old.replace("three weeks", "two months")
    units = [u.text for u in _flat(shelf.articles["ivig-aiha"])]
    assert new in units and old not in units
    assert "hl=" in shelf.citation_link({"article_id": "ivig-aiha", "quote": new,
                                          "section": ""})


def _get(app, path: str, method: str = "GET", query: bytes = b""):
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    async def downstream(scope, receive, send):
        await send({"type": "http.response.start", "status": 299, "headers": []})
        await send({"type": "http.response.body", "body": b"gradio"})

    scope = {"type": "http", "path": path, "method": method, "query_string": query}
    asyncio.run(ArticlePages(downstream, app)(scope, receive, send))
    headers = dict(sent[0].get("headers", []))
    return sent[0]["status"], headers, sent[1]["body"]


def test_the_route_serves_known_articles_only_and_passes_everything_else_on():
    shelf = Shelf({"pets": ARTICLE})
    status, headers, body = _get(shelf, "/article/pets", query=b"hl=1")
    assert status == 200 and b"<mark>Cats sleep a lot.</mark>" in body
    assert headers[b"content-type"].startswith(b"text/html")
    assert b"default-src 'none'" in headers[b"content-security-policy"]
    assert _get(shelf, "/article/nope")[0] == 404
    assert _get(shelf, "/article/pets", method="POST")[0] == 404
    status, headers, body = _get(shelf, "/article/pets", method="HEAD")
    assert status == 200 and body == b"" and int(headers[b"content-length"]) > 0
    assert _get(shelf, "/")[0] == 299  # not ours: Gradio's

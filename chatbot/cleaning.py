"""Raw article exports (.txt scraped text, .html pages) -> Article, without the site's chrome."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from typing import ClassVar

from chatbot.corpus import Article, ArticleError, sections_from_lines

# Lines or paragraphs that belong to the website, not to the reviewed article.
CHROME_PATTERNS = tuple(
    re.compile(p, re.I)
    for p in (
        r"^connect with others who understand\.?$",
        r"^(sign up|log in|sign in)\b.*$",
        r"^about \w+team$",
        r"^powered by\b",
        r"recaptcha",
        r"^privacy policy$",
        r"terms of service",
        r"^all updates must be accompanied",
        r"we'd love to hear from you|we’d love to hear from you",
        r"directly to your inbox",
        r"^subscribe\b",
        r"thank you for subscribing",
        r"^become a member",
        r"share your (experience|story)",
        r"in the comments below",
        r"posting on your activities page",
        r"the social network for people",
        r"learn more about (him|her|them) here",
        r"^talk with others who understand$",
        r"^(advertisement|related articles?|read more|see more)$",
    )
)
BYLINE = {
    "medical_reviewer": re.compile(r"^medically reviewed by\s+(.+)$", re.I),
    "author": re.compile(r"^written by\s+(.+)$", re.I),
    "date_posted": re.compile(r"^(?:posted|updated|published) on\s+(.+)$", re.I),
}
PUBLISHER = re.compile(r"^about (\w+team)$", re.I)
BULLET = re.compile(r"^\s*[•·*\-–]\s+")


def is_chrome(line: str) -> bool:
    """True for a line of site furniture (sign-up, subscribe, reCAPTCHA, calls to comment...)."""
    text = line.strip()
    return any(p.search(text) for p in CHROME_PATTERNS)


def clean_text(raw: str, article_id: str, source: str = "") -> Article:
    """A scraped plain-text page -> Article: byline read into metadata, chrome dropped."""
    meta: dict[str, str] = {}
    paragraphs = _paragraphs(raw.replace("\r\n", "\n"))
    kept: list[list[str]] = []
    for para in paragraphs:
        for line in para:
            if match := PUBLISHER.match(line.strip()):
                meta.setdefault("publisher", match.group(1))
        lines = [
            line for line in para if not _take_byline(line, meta) and not is_chrome(line)
        ]
        if lines:
            kept.append(lines)
    return _assemble(kept, meta, article_id, source)


def clean_html(raw: str, article_id: str, source: str = "") -> Article:
    """An HTML page -> Article: headings, paragraphs and list items kept, chrome dropped."""
    parser = _HTMLToLines()
    parser.feed(raw)
    parser.close()
    return clean_text("\n".join(parser.lines), article_id, source)


def _paragraphs(text: str) -> list[list[str]]:
    paragraphs: list[list[str]] = []
    current: list[str] = []
    for line in text.split("\n"):
        if line.strip():
            current.append(line.rstrip())
        elif current:
            paragraphs.append(current)
            current = []
    if current:
        paragraphs.append(current)
    return paragraphs


def _take_byline(line: str, meta: dict[str, str]) -> bool:
    text = line.strip()
    for key, pattern in BYLINE.items():
        if match := pattern.match(text):
            value = match.group(1).strip()
            if key == "author":
                meta["authors"] = value
            elif key == "date_posted":
                meta[key] = _iso_date(value)
            else:
                meta[key] = value
            return True
    return False


def _assemble(kept: list[list[str]], meta: dict[str, str], article_id: str, source: str) -> Article:
    title = meta.get("title", "")
    lines: list[str] = []
    for para in kept:
        first = para[0].strip()
        if first.startswith("#"):
            level = len(first) - len(first.lstrip("#"))
            text = first.lstrip("#").strip()
            if level == 1 and not title:
                title = text
            else:
                lines.append("## " + text)
            lines.extend(_body_lines(para[1:]))
        elif len(para) == 1 and _looks_like_heading(first):
            if not title:
                title = first
            else:
                lines.append("## " + first)
        else:
            lines.extend(_body_lines(para))
        lines.append("")
    sections = tuple(s for s in sections_from_lines(lines) if s.blocks)
    if not title:
        raise ArticleError(f"{article_id}: no title found in the export.")
    if not sections:
        raise ArticleError(f"{article_id}: no article text left after removing site chrome.")
    return Article(
        article_id=article_id,
        title=title,
        sections=sections,
        publisher=meta.get("publisher", ""),
        authors=tuple(a.strip() for a in re.split(r"\s+and\s+|;", meta.get("authors", "")) if a),
        medical_reviewer=meta.get("medical_reviewer", ""),
        date_posted=meta.get("date_posted", ""),
        source=source,
    )


def _body_lines(lines: list[str]) -> list[str]:
    return ["- " + BULLET.sub("", line).strip() if BULLET.match(line) else line.strip()
            for line in lines]


def _looks_like_heading(line: str) -> bool:
    """A lone short line in Title Case without closing punctuation (a '?' is fine)."""
    if BULLET.match(line) or len(line) > 120 or line.endswith((".", ":", ";", ",")):
        return False
    words = re.findall(r"[A-Za-z][\w’'-]*", line)
    if not 1 <= len(words) <= 14:
        return False
    long_words = [w for w in words if len(w) > 3]
    capitalised = sum(1 for w in long_words if w[0].isupper())
    return bool(long_words) and capitalised / len(long_words) >= 0.6


def _iso_date(text: str) -> str:
    for fmt in ("%B %d, %Y", "%b %d, %Y", "%Y-%m-%d", "%d %B %Y"):
        try:
            return dt.datetime.strptime(text.strip(), fmt).date().isoformat()
        except ValueError:
            continue
    return text.strip()


class _HTMLToLines(HTMLParser):
    """Block elements become paragraphs; h1-h6 become '#' headings; li become bullets."""

    SKIP: ClassVar[set[str]] = set(
        "script style nav header footer form noscript svg button".split())
    BLOCKS: ClassVar[set[str]] = set(
        "p div section article li h1 h2 h3 h4 h5 h6 br ul ol main aside".split())

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self._text: list[str] = []
        self._skip_depth = 0
        self._prefix = ""

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self._skip_depth += 1
            return
        if tag in self.BLOCKS:
            self._flush()
            if tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
                self._prefix = "#" * int(tag[1]) + " "
            elif tag == "li":
                self._prefix = "• "

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self._skip_depth = max(0, self._skip_depth - 1)
            return
        if tag in self.BLOCKS:
            self._flush()

    def handle_data(self, data):
        if not self._skip_depth:
            self._text.append(data)

    def close(self):
        super().close()
        self._flush()

    def _flush(self):
        text = re.sub(r"\s+", " ", "".join(self._text)).strip()
        self._text = []
        if text:
            if self._prefix == "• ":
                # list items stay together with the paragraph that introduces them
                if self.lines and self.lines[-1] == "":
                    self.lines.pop()
                self.lines.append(self._prefix + text)
            else:
                self.lines.extend([self._prefix + text, ""])
        self._prefix = ""

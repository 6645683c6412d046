"""Articles and their sections: read from Markdown with front matter, or from raw exports."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

ARTICLE_SUFFIXES = (".md", ".txt", ".html", ".htm")
INTRODUCTION = "Introduction"


@dataclass(frozen=True)
class Section:
    """A heading and its blocks; a block is a paragraph, with any list it introduces attached."""

    heading: str
    blocks: tuple[str, ...]


@dataclass(frozen=True)
class Article:
    article_id: str
    title: str
    sections: tuple[Section, ...]
    publisher: str = ""
    authors: tuple[str, ...] = ()
    medical_reviewer: str = ""
    date_posted: str = ""
    source: str = ""
    # Other names patients use for the article's subject ("Rituxan", "CAD") and topics it
    # covers: editors' data that helps route a question to the right article.
    aliases: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """The title and every alias: what a question names when it is about this article."""
        return (self.title, *self.aliases)

    @property
    def body(self) -> str:
        """All block text, in order: what citations must quote verbatim."""
        return "\n\n".join(block for section in self.sections for block in section.blocks)

    def to_markdown(self) -> str:
        """Render as the reviewed Markdown format kept in `corpus/`."""
        meta = {
            "title": self.title,
            "publisher": self.publisher,
            "authors": list(self.authors),
            "medical_reviewer": self.medical_reviewer,
            "date_posted": self.date_posted,
            "source": self.source,
        }
        if self.aliases:
            meta["aliases"] = list(self.aliases)
        front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1000)
        parts = [f"---\n{front}---", f"# {self.title}"]
        for section in self.sections:
            if section.heading != INTRODUCTION:
                parts.append(f"## {section.heading}")
            parts.extend(section.blocks)
        return "\n\n".join(parts) + "\n"


class ArticleError(ValueError):
    """An article file that cannot be read; the message names the file and the problem."""


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "article"


def parse_markdown(text: str, article_id: str, source: str = "") -> Article:
    """Markdown with YAML front matter -> Article. `## ` headings start sections."""
    meta, body = _split_front_matter(text, article_id)
    title = str(meta.get("title") or "").strip()
    if not title:
        raise ArticleError(f"{article_id}: the front matter has no title.")
    sections = sections_from_lines(body.splitlines())
    if not sections:
        raise ArticleError(f"{article_id}: the article has no text under its front matter.")
    authors = _texts(meta.get("authors"))
    aliases = _texts(meta.get("aliases")) + _texts(meta.get("topics"))
    return Article(
        article_id=article_id,
        title=title,
        sections=sections,
        publisher=str(meta.get("publisher") or ""),
        authors=authors,
        medical_reviewer=str(meta.get("medical_reviewer") or ""),
        date_posted=_date_text(meta.get("date_posted")),
        source=str(meta.get("source") or source),
        aliases=aliases,
    )


def _texts(value) -> tuple[str, ...]:
    """A front-matter field that may be one text or a list of texts."""
    if not value:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value if str(v).strip())


def sections_from_lines(lines: list[str]) -> tuple[Section, ...]:
    """Group Markdown lines into sections of blocks; a list joins the paragraph before it."""
    sections: list[Section] = []
    heading = INTRODUCTION
    blocks: list[str] = []
    current: list[str] = []

    def close_block() -> None:
        if not current:
            return
        block = "\n".join(current)
        is_list = all(line.startswith("- ") for line in current)
        if is_list and blocks:
            blocks[-1] = blocks[-1] + "\n" + block
        else:
            blocks.append(block)
        current.clear()

    def close_section() -> None:
        close_block()
        if blocks:
            sections.append(Section(heading, tuple(blocks)))
        blocks.clear()

    for raw in lines:
        line = raw.strip()
        if line.startswith("# "):  # the title line; the title comes from the front matter
            close_block()
            continue
        if re.match(r"#{2,6} ", line):
            close_section()
            heading = line.lstrip("#").strip()
            continue
        if not line:
            close_block()
            continue
        if re.match(r"[-*•·]\s+", line):
            line = "- " + re.sub(r"^[-*•·]\s+", "", line)
        current.append(line)
    close_section()
    return tuple(sections)


# C0 and C1 control characters (NUL, backspace, escape, ...) and DEL, except tab and line
# breaks: never part of an article's text, and never quoted back to a patient.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def without_control_characters(text: str) -> str:
    """Text with control characters removed; CR and CRLF line ends read as LF."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def load_article(path: Path) -> Article:
    """Read one article file: reviewed Markdown, or a raw .txt/.html export that gets cleaned."""
    from chatbot.cleaning import clean_html, clean_text

    article_id = slugify(path.stem.removesuffix(".raw"))
    try:
        text = without_control_characters(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as err:
        raise ArticleError(f"{path.name}: cannot be read as UTF-8 text ({err}).") from err
    suffix = path.suffix.lower()
    if suffix == ".md":
        return parse_markdown(text, article_id, source=path.name)
    if suffix in (".html", ".htm"):
        return clean_html(text, article_id, source=path.name)
    if suffix == ".txt":
        return clean_text(text, article_id, source=path.name)
    raise ArticleError(f"{path.name}: unsupported file type (use {', '.join(ARTICLE_SUFFIXES)}).")


def article_paths(corpus_dir: Path) -> list[Path]:
    """Article files in a folder, in a stable order; READMEs are not articles."""
    return sorted(
        p
        for p in corpus_dir.iterdir()
        if p.is_file() and p.suffix.lower() in ARTICLE_SUFFIXES and p.stem.upper() != "README"
    )


def load_corpus(paths: list[Path]) -> tuple[list[Article], list[str]]:
    """Read every article; a bad file is reported by name and skipped, the rest still load."""
    articles, problems = [], []
    for path in paths:
        try:
            articles.append(load_article(path))
        except ArticleError as err:
            problems.append(str(err))
    return articles, problems


def _split_front_matter(text: str, article_id: str) -> tuple[dict, str]:
    match = re.match(r"\A---\s*\n(.*?)\n---\s*\n(.*)\Z", text, re.S)
    if not match:
        raise ArticleError(f"{article_id}: missing front matter (a '---' block at the top).")
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as err:
        raise ArticleError(f"{article_id}: the front matter is not valid YAML ({err}).") from err
    if not isinstance(meta, dict):
        raise ArticleError(f"{article_id}: the front matter must be 'key: value' lines.")
    return meta, match.group(2)


def _date_text(value) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value or "")

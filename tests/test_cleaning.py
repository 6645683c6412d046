"""Raw exports: site chrome never becomes a chunk, and no article sentence is lost."""

import pytest

from chatbot.chunking import chunk_article
from chatbot.cleaning import clean_html, clean_text, is_chrome
from chatbot.corpus import load_article
from chatbot.sentences import split_units

from .conftest import CORPUS, RAW_ARTICLE, squash

CHROME_LINES = [
    "Sign up Log in",
    "Connect with others who understand.",
    "Subscribe now to ask your question, get answers, and stay up to date on the latest articles.",
    "This site is protected by reCAPTCHA and the Google Privacy Policy and Terms of Service.",
    "Privacy Policy",
    "Thank you for subscribing!",
    "Become a member to get even more:",
    "We'd love to hear from you! Please share your name and email to post and read comments.",
    "All updates must be accompanied by text or a picture.",
]


@pytest.fixture(scope="module")
def raw_article():
    if not RAW_ARTICLE.exists():
        pytest.fail(f"the scraped source is missing at {RAW_ARTICLE}")
    return clean_text(RAW_ARTICLE.read_text(encoding="utf-8"), "ivig-aiha")


@pytest.mark.parametrize("line", CHROME_LINES)
def test_chrome_lines_are_recognised(line):
    assert is_chrome(line)


def test_article_sentences_are_not_chrome():
    reviewed = load_article(CORPUS / "ivig-aiha.md")
    for section in reviewed.sections:
        for block in section.blocks:
            for line in block.split("\n"):
                assert not is_chrome(line), line


def test_no_chrome_line_becomes_a_chunk(raw_article):
    chunk_text = "\n".join(c.text for c in chunk_article(raw_article))
    raw_lines = [line.strip() for line in RAW_ARTICLE.read_text().splitlines() if line.strip()]
    chrome = [line for line in raw_lines if is_chrome(line)]
    assert len(chrome) >= 15  # the export really carries chrome to remove
    for line in chrome:
        assert line not in chunk_text
    for phrase in ("share your experience", "reCAPTCHA", "Subscribe", "Log in",
                   "the social network for people", "Learn more about her here"):
        assert phrase.lower() not in chunk_text.lower()


def test_no_article_sentence_is_lost(raw_article):
    reviewed = load_article(CORPUS / "ivig-aiha.md")
    cleaned = squash("\n".join(c.text for c in chunk_article(raw_article)))
    units = [u for s in reviewed.sections for b in s.blocks for u in split_units(b)]
    assert len(units) > 50
    for unit in units:
        assert squash(unit) in cleaned, unit


def test_byline_becomes_metadata(raw_article):
    assert raw_article.title == "What Are IVIG Infusions? How Do They Help With AIHA Symptoms?"
    assert raw_article.medical_reviewer == "Madison Ragoonanan, Pharm.D."
    assert raw_article.authors == ("Emily Wagner, M.S.",)
    assert raw_article.date_posted == "2023-07-11"
    assert raw_article.publisher == "myAIHAteam"
    headings = [s.heading for s in raw_article.sections]
    assert "Potential Side Effects of Intravenous Immunoglobulin Therapy" in headings
    assert "Talk With Others Who Understand" not in headings


def test_html_export_keeps_headings_and_lists_and_drops_chrome():
    html = """<html><head><script>track()</script><style>p{}</style></head><body>
    <nav>Sign up Log in</nav>
    <h1>Cold Agglutinin Basics</h1>
    <p>Medically reviewed by A. Reviewer, M.D.</p><p>Posted on March 2, 2024</p>
    <h2>What Is It?</h2>
    <p>Cold agglutinin disease is rare. Symptoms can include:</p>
    <ul><li>Tiredness</li><li>Cold hands</li></ul>
    <p>Subscribe now to get the latest articles directly to your inbox.</p>
    <footer>Privacy Policy</footer></body></html>"""
    article = clean_html(html, "cad")
    assert article.title == "Cold Agglutinin Basics"
    assert article.date_posted == "2024-03-02"
    assert article.medical_reviewer == "A. Reviewer, M.D."
    assert [s.heading for s in article.sections] == ["What Is It?"]
    assert article.sections[0].blocks == (
        "Cold agglutinin disease is rare. Symptoms can include:\n- Tiredness\n- Cold hands",)
    assert "track" not in article.body and "Subscribe" not in article.body


def test_raw_export_file_loads_through_load_article(tmp_path):
    copy = tmp_path / "ivig-aiha-article.raw.txt"
    copy.write_text(RAW_ARTICLE.read_text(encoding="utf-8"), encoding="utf-8")
    article = load_article(copy)
    assert article.article_id == "ivig-aiha-article"
    assert len(article.sections) == 8

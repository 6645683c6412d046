"""Pure text parts: sentences, terms, chunking, corpus Markdown, citation formatting."""

import pytest

from chatbot.answer import ANSWERED, Answer, Citation, cited_numbers, join_cited
from chatbot.chunking import chunk_article, chunk_id
from chatbot.corpus import Article, ArticleError, Section, parse_markdown
from chatbot.sentences import split_sentences, split_units
from chatbot.terms import content_terms, stem

from .conftest import CORPUS


def test_sentences_respect_abbreviations_and_closing_brackets():
    text = ("Written by Emily Wagner, M.S. today. IVIG contains IgA (found in the tracts.) "
            "It’s also present in IVIG. Is it safe? Yes.")
    assert split_sentences(text) == [
        "Written by Emily Wagner, M.S. today.",
        "IVIG contains IgA (found in the tracts.)",
        "It’s also present in IVIG.",
        "Is it safe?",
        "Yes.",
    ]


def test_a_list_stays_with_the_sentence_that_introduces_it():
    block = "First point. Symptoms can include:\n- Fever\n- Chills"
    assert split_units(block) == ["First point.", "Symptoms can include:\n- Fever\n- Chills"]
    for unit in split_units(block):
        assert unit in block


def test_terms_meet_across_plurals_and_typographic_apostrophes():
    assert stem("headaches") == stem("headache")
    assert stem("rashes") == stem("rash")
    assert stem("infusions") == stem("infusion")
    assert content_terms("It can’t be done at home") == content_terms("it can't be done at home")


def _article(text: str) -> Article:
    return Article("a", "Title", (Section("Intro", (text,)),))


def test_chunk_ids_depend_on_content_only():
    one = chunk_article(_article("Same text."))[0]
    again = chunk_article(_article("Same text."))[0]
    other = chunk_article(_article("Other text."))[0]
    assert one.chunk_id == again.chunk_id == chunk_id("a", "Intro", "Same text.")
    assert one.chunk_id != other.chunk_id


def test_chunks_never_cross_sections_and_respect_the_size_limit():
    sentences = " ".join(f"Sentence number {i} is here." for i in range(60))
    article = Article("a", "T", (Section("One", (sentences, "Short.")), Section("Two", ("B.",))))
    chunks = chunk_article(article, max_chars=300)
    assert {c.section for c in chunks} == {"One", "Two"}
    assert all(len(c.text) <= 300 for c in chunks)
    assert all(c.text in sentences or c.text in ("Short.", "B.") or "Short." in c.text
               for c in chunks)
    assert [c.position for c in chunks] == list(range(len(chunks)))


def test_markdown_front_matter_and_sections():
    article = parse_markdown(
        "---\ntitle: T\npublisher: P\nauthors: [A B]\nmedical_reviewer: R\n"
        "date_posted: 2023-07-11\n---\n# T\n\nIntro text.\n\n## Part\n\nSay:\n- one\n- two\n",
        "t",
    )
    assert (article.title, article.publisher, article.authors) == ("T", "P", ("A B",))
    assert (article.medical_reviewer, article.date_posted) == ("R", "2023-07-11")
    assert [s.heading for s in article.sections] == ["Introduction", "Part"]
    assert article.sections[1].blocks == ("Say:\n- one\n- two",)


def test_markdown_without_front_matter_is_reported_by_name():
    with pytest.raises(ArticleError, match="broken: missing front matter"):
        parse_markdown("# Just a title\n\nText.", "broken")


def test_the_reviewed_article_has_its_metadata():
    from chatbot.corpus import load_article

    article = load_article(CORPUS / "ivig-aiha.md")
    assert article.publisher == "myAIHAteam"
    assert article.date_posted == "2023-07-11"
    assert article.medical_reviewer == "Madison Ragoonanan, Pharm.D."
    assert article.authors == ("Emily Wagner, M.S.",)
    assert "How Is Intravenous Immunoglobulin Treatment Given?" in [
        s.heading for s in article.sections]


def test_join_cited_puts_a_marker_after_every_quote():
    text = join_cited([("One.", 1), ("Two:\n- a\n- b", 2), ("Three.", 3)])
    assert text == "One. [1]\n\nTwo:\n- a\n- b [2]\n\nThree. [3]"
    assert cited_numbers(text) == [1, 2, 3]


def test_an_answer_cannot_cite_what_it_does_not_carry():
    citation = Citation(1, "Quote.", "S", "Article", "a:1")
    assert Answer(ANSWERED, "Quote. [1]", "d", (citation,)).to_dict()["citations"][0]["n"] == 1
    with pytest.raises(ValueError):
        Answer(ANSWERED, "Quote. [2]", "d", (citation,))
    with pytest.raises(ValueError):
        Answer(ANSWERED, "No citations.", "d", ())


def test_bm25_finds_exact_terms_and_fusion_rewards_agreement():
    from chatbot.lexical import LexicalIndex, reciprocal_rank_fusion

    docs = {"a": content_terms("FcRn controls antibodies"),
            "b": content_terms("antibodies from donors"),
            "c": content_terms("IgA is found in the gut")}
    index = LexicalIndex.build(docs)
    assert [cid for cid, _ in index.rank(content_terms("What is FcRn?"), 3)] == ["a"]
    assert {cid for cid, _ in index.rank(content_terms("antibodies"), 3)} == {"a", "b"}
    assert index.rank(content_terms("nothing matches"), 3) == []
    assert index.idf(stem("igA")) > index.idf(stem("antibodies"))
    fused = reciprocal_rank_fusion([["a", "b"], ["b", "c"]])
    assert fused[0][0] == "b"


def test_prose_after_a_list_in_the_same_block_is_kept():
    block = "Intro. Symptoms include:\n- Fever\n- Chills\nAfter the list. Last one."
    assert split_units(block) == ["Intro.", "Symptoms include:\n- Fever\n- Chills",
                                  "After the list.", "Last one."]
    assert split_units("- only\n- a list") == ["- only\n- a list"]

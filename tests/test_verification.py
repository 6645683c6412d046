"""The sentence verifier on literal strings (pure; a word-overlap stand-in for embeddings)."""

from chatbot.verification import best_support, cited_sentences, numbers_in

PASSAGE = ("One of the main benefits of IVIG is that it begins working in one to five days to "
           "treat AIHA. This is why IVIG is the preferred emergency treatment for people with "
           "severe hemolysis. It can’t be done at home because it isn’t as simple as taking a "
           "pill.")
TOPIC = frozenset({"ivig", "aiha"})


def similar(a: str, b: str) -> float:
    wa, wb = set(a.lower().split()), set(b.lower().split())
    return 2 * len(wa & wb) / (len(wa) + len(wb))


def check(sentence):
    return best_support(sentence, PASSAGE, similar, TOPIC)


def test_a_faithful_paraphrase_passes_and_quotes_the_article():
    support = check("IVIG begins working in one to five days to treat AIHA")
    assert support.ok
    assert support.quote.startswith("One of the main benefits")


def test_numbers_must_be_in_the_passage_in_any_spelling():
    assert numbers_in("1 to 5 days, 30% and three weeks") == {"1", "5", "30", "3"}
    assert "number(s) 50" in check("IVIG begins working in 50 days").reason
    assert check("IVIG begins working in 1 to 5 days to treat AIHA").ok


def test_negation_must_agree():
    assert "negation" in check("It can be done at home because it is simple").reason


def test_sweeping_claims_and_unrelated_sentences_fail():
    assert "claims more" in check("IVIG is the preferred emergency treatment for everyone").reason
    assert not check("IVIG cures AIHA").ok
    assert not check("Paris is the capital of France").ok


def test_sentences_and_their_markers():
    assert cited_sentences("One [1]. Two. Three [2][3] Four") == [
        ("One.", [1]), ("Two.", []), ("Three", [2, 3]), ("Four", [])]

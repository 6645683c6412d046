"""The clause-and-term verifier on literal strings, with the committed (fitted) thresholds, or
the code's defaults where one check is tried alone (`with_checks`)."""

import json
from dataclasses import replace

import pytest

from chatbot.answer import cited_sentences
from chatbot.claims import ClaimWords, clauses
from chatbot.verification import DEFAULT_VERIFIER, Evidence, Thresholds, Verifier

# Three paragraphs of the IVIG article, as a model would be given them.
SPEED = ("One of the main benefits of IVIG is that it begins working in one to five days to "
         "treat AIHA. On the other hand, medications like prednisone, rituximab, and "
         "immunosuppressants can take several days or even weeks to improve symptoms. This is "
         "why IVIG is the preferred emergency treatment for people with severe hemolysis.")
SIDE_EFFECTS = ("IVIG treatment is generally safe, and most people have few side effects. "
                "There is the potential to react to IVIG infusions if you’re receiving larger "
                "doses or haven’t had infusions that often — your body may not have had time to "
                "adjust to the treatment. Overall, around 25 percent of people receiving IVIG "
                "therapy experience side effects.")
BEFORE = ("If you experience these side effects during an IVIG infusion, your doctor can make "
          "some adjustments so you’re more comfortable. Before your infusion, they may give you "
          "nonsteroidal anti-inflammatory drugs (NSAIDs) like ibuprofen (Advil, Motrin) or "
          "medications like acetaminophen (Tylenol) to relieve aches and pains and reduce "
          "fever.")
HOME = ("However, the effects of IVIG are short-lived, lasting only around three weeks. "
        "Another downside of IVIG therapy is the need to go to the hospital or infusion center "
        "— it can’t be done at home because it isn’t as simple as taking a pill or giving "
        "yourself an injection.")
LIBRARY = frozenset("ivig aiha rituximab prednisone ibuprofen infusion hemolysis".split())
NAMES = frozenset({"ivig", "intravenous", "immunoglobulin"})


@pytest.fixture(scope="module")
def verifier():
    return Verifier()


def check(verifier, sentence, passage):
    return verifier.verify(sentence, Evidence(passage, LIBRARY, NAMES))


@pytest.mark.parametrize(("sentence", "passage"), [
    ("IVIG begins working in one to five days to treat AIHA.", SPEED),
    # paraphrases in other words
    ("About 25 percent of people who receive IVIG therapy get side effects.", SIDE_EFFECTS),
    ("Around 25 percent of people receiving IVIG therapy experience side effects.",
     SIDE_EFFECTS),
    ("IVIG can’t be done at home.", HOME),
])
def test_faithful_sentences_pass_and_quote_one_unit(verifier, sentence, passage):
    verdict = check(verifier, sentence, passage)
    assert verdict.ok, verdict.reason
    assert verdict.quote in passage and len(verdict.quote) < len(passage)


@pytest.mark.parametrize(("sentence", "passage", "why"), [
    # the examples: a subject swapped in from elsewhere in the passage
    ("Around 25 percent of people receiving rituximab experience side effects.", SIDE_EFFECTS,
     "rituximab"),
    ("Rituximab begins working in one to five days to treat AIHA.", SPEED, "rituximab"),
    # a quantifier widened from the quote's share
    ("Most people receiving IVIG therapy experience side effects.", SIDE_EFFECTS, ""),
    # a hedge hardened
    ("Your doctor is required to give you ibuprofen before an infusion.", BEFORE, ""),
    # advice appended in a clause of its own
    ("IVIG begins working in one to five days to treat AIHA, so you can skip your prednisone.",
     SPEED, ""),
    ("IVIG can be given at home.", HOME, ""),
    ("IVIG begins working in 50 days.", SPEED, "50"),
    ("IVIG begins working in five to nine days to treat AIHA.", SPEED, ""),
    ("IVIG cures AIHA for everyone.", SPEED, ""),
    ("Paris is the capital of France.", SPEED, ""),
    ("IVIG begins working in one to five days ![x](http://127.0.0.1:9/x.png).", SPEED,
     "markup"),
    ("IVIG begins working in one to five days <img src=x>.", SPEED, "markup"),
])
def test_misleading_sentences_are_rejected_with_a_reason(verifier, sentence, passage, why):
    verdict = check(verifier, sentence, passage)
    assert not verdict.ok
    assert why in verdict.reason


def test_a_clause_reads_strength_polarity_cause_and_numbers():
    words = ClaimWords.load()
    first, second = clauses("Most people may improve within 3 weeks, but it never goes away "
                            "completely", words)
    assert words.quantifier_levels[first.quantifier] == "most"
    assert words.modal_levels[first.modal] == "possible"
    assert ("3", "week") in first.quantities and not first.negated
    assert second.negated and words.modal_levels[second.modal] == "possible"  # inherited
    (share,) = clauses("Around 25 percent of people react", words)
    assert words.quantifier_levels[share.quantifier] == "some"
    (caused,) = clauses("It works because it blocks B cells", words)
    assert caused.causal and "b" in caused.words


def test_sentences_and_their_markers():
    assert cited_sentences("One [1]. Two. Three [2][3] Four") == [
        ("One.", [1]), ("Two.", []), ("Three", [2, 3]), ("Four", [])]


TIMING = ("If you have taken ibuprofen in the past 3 days, rituximab may not work as well, so "
          "your nurse may wait.")


def test_two_terms_that_trade_phrases_are_caught():
    """A swap across a comma: each term sits among the words the other had in the quote."""
    verdict = check(Verifier(), "If you have taken rituximab in the past 3 days, ibuprofen may "
                    "not work as well, so your nurse may wait.", TIMING)
    assert not verdict.ok and "trade places" in verdict.reason
    repeated = check(Verifier(), "If you have taken rituximab in the past 3 days, ibuprofen may "
                     "not work as well, so your nurse may wait to give ibuprofen.", TIMING)
    assert "trade places" in repeated.reason  # a term said twice: compared where first met
    assert check(Verifier(), "If you have taken ibuprofen in the past 3 days, rituximab may not "
                 "work as well.", TIMING).ok


def test_a_list_item_is_as_hedged_as_its_intro():
    passage = "Your doctor may suggest other treatments, including:\n- A tablet taken by mouth"
    verdict = check(Verifier(), "Your doctor will suggest a tablet taken by mouth.", passage)
    assert not verdict.ok and "surer" in verdict.reason


def test_readings_of_general_english():
    words = ClaimWords.load()
    (hedged,) = clauses("Walking helps prevent clots", words)
    assert words.modal_levels[hedged.modal] == "possible"  # "helps X" claims less than "X"
    (purpose,) = clauses("It is given with a steroid to help control inflammation", words)
    assert words.modal_levels[purpose.modal] == "assert"  # "to help" states a purpose
    (every_other,) = clauses("Get a shot every other year", words)
    assert "2" in every_other.numbers  # every other year is every 2 years
    (chance,) = clauses("There is a slim chance of a reaction", words)
    assert ("chance", 1) in chance.directions
    (noun,) = clauses("Get emergency help right away", words)
    assert words.modal_levels[noun.modal] == "assert"  # "help" alone hedges nothing
    _, after = clauses("Rituximab helps, and the anemia goes away for years", words)
    assert words.modal_levels[after.modal] == "assert"
    _, item = clauses("Your doctor may suggest: a tablet taken by mouth", words)
    assert words.modal_levels[item.modal] == "possible"  # read under its intro's "may"
    (turned,) = clauses("Before surgery, you are given a vaccine, ideally two weeks ahead",
                        words)
    assert turned.passive and turned.passive_segment == 1


def test_a_unit_with_a_or_without_a_number():
    words = ClaimWords.load()
    (month,) = clauses("Wait at least a month after stopping", words)
    assert ("1", "month") in month.quantities and not month.bare_units  # "a month" is one
    (twice,) = clauses("Take it twice a day", words)
    assert twice.quantities == {("2", "day")}  # "a" after a number is "per", not one more
    (both,) = clauses("Most respond within one to three weeks, many in the first week", words)
    assert ("3", "week") in both.quantities and both.bare_units == {"week"}
    passage = ("Many people see their hemoglobin start to rise within the first week, and most "
               "people who are going to respond do so within one to three weeks.")
    # the quote says "week" bare once and with a number once: either use is its own
    assert check(Verifier(), "Many people see their hemoglobin begin to rise within the first "
                 "week.", passage).ok
    waited = "Doctors usually wait at least one month after stopping steroids."
    assert check(Verifier(), "Doctors usually wait at least a month after stopping steroids.",
                 waited).ok
    assert "not what the quote says" in check(
        Verifier(), "Doctors usually wait at least a week after stopping steroids.",
        waited).reason  # a week is not one month
    assert "without the number" in check(
        Verifier(), "Doctors usually wait some months after stopping steroids.", waited).reason


def test_bounds_near_quantifiers_and_will():
    words = ClaimWords.load()
    levels = words.quantifier_levels
    (almost,) = clauses("Almost every red cell is coated", words)
    assert levels[almost.quantifier] == "almost all"  # not "all", not a bare "almost"
    (bound,) = clauses("If you take it for more than a few weeks, your glands make less",
                       words)
    # "more than a few weeks" bounds a span; the clause's amount is "less" only
    assert ("bound", 0) in bound.directions and ("amount", 0) not in bound.directions
    assert ("amount", 1) in bound.directions
    (compared,) = clauses("They affect vaccines much less than IVIG does", words)
    assert ("amount", 1) in compared.directions  # "less than" + a name compares amounts
    (hedged,) = clauses("When it can replace them, your level will fall", words)
    assert words.modal_levels[hedged.modal] == "possible"  # "will" sets no clause level...
    assert ("fall", words.assert_level) in hedged.verb_modals  # ...it says its verb plainly
    quote = ("When you take steroids for more than a few weeks, your adrenal glands make less "
             "of their own cortisol.")
    v = Verifier()
    assert "opposite direction" in check(v, quote.replace("make less", "make more"),
                                         quote).reason
    assert check(v, "Call your care team if a fever lasts longer than two days.",
                 "Call your care team if a fever lasts more than two days.").ok
    assert "opposite direction" in check(
        v, "Call your care team if a fever lasts less than two days.",
        "Call your care team if a fever lasts more than two days.").reason


@pytest.mark.parametrize(("sentence", "quote", "why"), [
    ("Doctors wait one month after starting steroids.",
     "Doctors wait one month after stopping steroids.", "onset"),
    ("Live vaccines are usually safe if you take prednisone.",
     "Live vaccines are usually avoided if you take prednisone.", "advisability"),
    ("Tell your care team at your next visit if you feel confused.",
     "Tell your care team right away if you feel confused.", "urgency"),
    ("Crossmatching is often easier in cold AIHA.",
     "Crossmatching is often harder in cold AIHA.", "difficulty"),
    ("The risk is highest in the first 2 years.", "The risk is lowest in the first 2 years.",
     "amount"),
])
def test_opposites_in_general_english(sentence, quote, why):
    verdict = check(Verifier(), sentence, quote)
    assert not verdict.ok and why in verdict.reason


def with_checks(**changes) -> Verifier:
    """The code's default thresholds (fixed, looser than the fitted ones) with `changes`: one
    check at a time, whatever the fit chose."""
    return Verifier(replace(Thresholds(), **changes))


def test_the_committed_thresholds_are_no_looser_than_the_fitted_edge():
    """The committed thresholds sit `margin` grid steps inside the edge the fit items allow
    (evals/fit_verifier.py): never looser on any threshold."""
    from evals.fit_verifier import GRID

    meta = json.loads(DEFAULT_VERIFIER.read_text())["meta"]
    edge, committed = meta["edge"]["thresholds"], Thresholds.load().to_dict()
    for name, values in GRID.items():
        assert values.index(committed[name]) <= values.index(edge[name]), name


def test_fitted_options_for_swaps_phrases_and_polarity():
    surgery = ("Recovery depends on the type of surgery. After laparoscopic surgery, most people "
               "stay in the hospital for 1 to 2 days. After open surgery, the stay is longer.")
    moved = "After open surgery, most people stay in the hospital for 1 to 2 days."
    assert "for the quote's 'laparoscopic'" in check(
        with_checks(swap_from_passage=True, passage_zipf=0.0), moved, surgery).reason
    assert check(with_checks(swap_from_passage=False, passage_zipf=0.0), moved, surgery).ok
    symptoms = "This can cause tiredness, weakness, dizziness and low blood pressure."
    added = ("This can cause tiredness, weakness, dizziness, low blood sugar, and low blood "
             "pressure.")
    assert "a phrase the quote does not say" in check(
        with_checks(phrase_support=0.67, general_budget=4), added, symptoms).reason
    cocoon = ("You can help protect the people you live with by staying up to date on your own "
              "vaccines.")
    turned = ("The people you live with can help protect you by staying up to date on your own "
              "vaccines.")
    in_order = dict(order_all_words=True)
    assert "order" in check(with_checks(order_repeated_persons=True, **in_order), turned,
                            cocoon).reason
    assert check(with_checks(order_repeated_persons=False, **in_order), turned, cocoon).ok
    assert check(with_checks(order_repeated_persons=True, **in_order), cocoon, cocoon).ok
    # one clause that repeats the quote's first clause most and its negated second one too
    both = "You take the tablets at the first sign of fever, and you never skip seeing a doctor."
    flipped = "You take the tablets at the first sign of fever and skip seeing a doctor."
    assert "negation differs" in check(with_checks(negation_everywhere=True), flipped,
                                       both).reason
    assert check(with_checks(negation_everywhere=False), flipped, both).ok


def test_once_opens_a_clause_but_not_once_a_day():
    words = ClaimWords.load()
    assert len(clauses("Side effects go away within two days, once the body has cleared it",
                       words)) == 2
    assert len(clauses("You take the tablets once a day for two weeks", words)) == 1


def test_hard_to_hedges_and_rather_than_does_not_negate():
    words = ClaimWords.load()
    (hard,) = clauses("A clear link is hard to prove", words)
    assert words.modal_levels[hard.modal] == "possible"
    assert "surer" in check(Verifier(), "A clear link has been confirmed.",
                            "A clear link is hard to confirm.").reason
    (instead,) = clauses("Take the missed dose rather than skipping it", words)
    assert not instead.negated  # "rather than" negates its phrase, not the clause's verb


def test_a_list_one_item_longer_than_the_quote():
    symptoms = "This can cause tiredness, weakness, dizziness and low blood pressure."
    added = ("This can cause tiredness, weakness, dizziness, low blood sugar, and low blood "
             "pressure.")
    loose = dict(phrase_support=0.0, general_budget=4)
    assert "a phrase the quote does not say" in check(
        with_checks(added_phrase=True, **loose), added, symptoms).reason
    assert check(with_checks(added_phrase=False, **loose), added, symptoms).ok
    assert check(with_checks(added_phrase=True, **loose),
                 "This can cause tiredness, weakness, and dizziness.", symptoms).ok


@pytest.mark.parametrize(("sentence", "quote", "why"), [
    # a direction said twice where the quote turns the second one round
    ("Infections can be more serious and may show more warning signs than usual.",
     "Infections can be more serious and may show fewer warning signs than usual.",
     "opposite direction"),
    # "will ... will" for "will ... may": the quote's hedge said plainly
    ("If you will be on a high dose, your doctor will prescribe an antibiotic.",
     "If you will be on a high dose, your doctor may prescribe an antibiotic.", "surer"),
    # one end of a range
    ("Hives happen in about 1 in 100 transfusions.",
     "Hives happen in about 1 to 3 in 100 transfusions.", "one end"),
    ("Anyone who is stable goes home the same day.",
     "Many people who are stable go home the same day.", "more than the quote"),
    # a clause that shares no content word still meets the quote's clause like it
    ("You will usually get a Hib vaccine, if you have had one before.",
     "You will usually get a Hib vaccine, if you have not had one before.", "negation"),
])
def test_second_fit_batch_readings(sentence, quote, why):
    verdict = check(with_checks(), sentence, quote)
    assert not verdict.ok and why in verdict.reason


def test_readings_that_still_pass():
    v = with_checks()
    assert check(v, "Hives happen in about 1 to 3 in 100 transfusions.",
                 "Hives and itching happen in about 1 to 3 in 100 transfusions.").ok
    assert check(v, "If you will be on a high dose, your doctor may prescribe an antibiotic.",
                 "If you will be on a high dose, your doctor may prescribe an antibiotic.").ok
    assert check(v, "Your doctor may prescribe an antibiotic if you are on a high dose.",
                 "If you are on a high dose, your doctor may prescribe an antibiotic.").ok
    # a range of its own, with an end another range of the quote shares
    assert check(v, "The dose is usually given over 2 to 5 days.",
                 "The usual dose is 1 to 2 grams per kilogram, usually given over 2 to 5 "
                 "days.").ok
    assert check(v, "A typical taper lasts a minimum of three to six months.",
                 "A typical taper lasts at least three to six months.").ok


@pytest.mark.parametrize(("sentence", "quote"), [
    # a hedge stays a hedge when the clause also says "will" about another verb (review)
    ("Rituximab causes a reaction during the infusion.",
     "Rituximab may cause a reaction during the infusion that the nurse will treat."),
    ("Steroids cause weight gain.", "Steroids may cause weight gain that will go away slowly."),
    ("Rituximab will cause a reaction during the infusion.",
     "Rituximab may cause a reaction during the infusion that the nurse will treat."),
    # "no more than" is one bound, not "more than"
    ("Call your doctor if the fever lasts more than 2 days.",
     "Call your doctor if the fever lasts no more than 2 days."),
    ("You can take at least 3 doses.", "You can take at most 3 doses."),
    ("You can have a minimum of 3 doses.", "You can have a maximum of 3 doses."),
    # "rather than" cannot cancel a real "not"
    ("Do not take the missed dose as soon as you remember.",
     "Take the missed dose as soon as you remember rather than skipping it."),
    # "a week" is one end of "1 to 3 weeks"
    ("Most people are in the hospital for a week.",
     "Most people are in the hospital for 1 to 3 weeks."),
])
def test_found_in_review(sentence, quote):
    for verifier in (Verifier(), with_checks()):
        assert not check(verifier, sentence, quote).ok


def test_a_bound_after_a_number_is_read():
    cw = ClaimWords.load()
    assert clauses("the wait is six months or more", cw)[0].directions == {("bound", 0)}
    assert clauses("20 mg or less a day", cw)[0].directions == {("bound", 1)}
    assert clauses("people aged 65 or older", cw)[0].directions == {("bound", 0)}
    assert clauses("you can eat more or less anything", cw)[0].directions == frozenset()
    assert clauses("20 mg a day or more", cw)[0].directions == {("bound", 0)}
    assert clauses("for a week or longer", cw)[0].directions == {("bound", 0)}
    # a bound before the number is read first: "and up to 6" is not "and up"
    assert clauses("2 tablets and up to 6", cw)[0].directions == {("bound", 1)}


@pytest.mark.parametrize(("sentence", "quote", "why"), [
    ("Doctors treat 20 milligrams or less of prednisone a day as a high dose.",
     "Doctors treat 20 milligrams or more of prednisone a day as a high dose.", "direction"),
    ("People without a spleen have a higher risk of clots.",
     "People without a spleen seem to have a higher risk of clots.", "surer"),
    ("Your first prescription will be for prednisone.",
     "There is a good chance your first prescription will be for prednisone.", "surer"),
    ("Infections set off hemolysis, which is what makes AIHA harder to control.",
     "Infections set off hemolysis and make AIHA harder to control.", "causal"),
])
def test_b8_fit_batch_readings(sentence, quote, why):
    verdict = Verifier(Thresholds()).verify(sentence, Evidence(quote, LIBRARY, NAMES))
    assert not verdict.ok and why in verdict.reason, verdict.reason


def test_the_same_sentences_pass_with_their_own_wording():
    for quote in ("Doctors treat 20 milligrams or more of prednisone a day as a high dose.",
                  "People without a spleen seem to have a higher risk of clots."):
        assert Verifier(Thresholds()).verify(quote, Evidence(quote, LIBRARY, NAMES)).ok


@pytest.mark.parametrize(("sentence", "quote"), [
    # found in review: phrases that read as a link or a hedge where they claim none
    ("The blood is collected so it goes to a lab.",
     "The blood is collected, which then goes to a lab."),
    ("This happens during a transfusion because of the blood.",
     "This is what happens during a transfusion of blood."),
    ("Rest is advised because you lose blood.",
     "Rest is advised, which makes sense as you lose blood."),
    ("You can take more than 2 tablets and up to 6 tablets a day.",
     "You can take 2 tablets and up to 6 tablets a day."),
    ("Symptoms probably get worse.", "Symptoms may seem to get worse."),
])
def test_b8_readings_found_in_review(sentence, quote):
    assert not Verifier(Thresholds()).verify(sentence, Evidence(quote, LIBRARY, NAMES)).ok


def test_a_bound_after_a_unit_vouches_for_at_least():
    verdict = Verifier(Thresholds()).verify("Take at least 20 mg a day.",
                                            Evidence("Take 20 mg a day or more.", LIBRARY, NAMES))
    assert verdict.ok, verdict.reason

"""Items that give each other away (content.exposure), from the seventh review's Norwegian pair:
the gloss item for *ledig* shows *forsinket* as a wrong option, and the typed cloze
nb-logistics-forsinket-cloze-1 asks for it."""
from __future__ import annotations

from content import exposure
from content.schema import Item

GLOSS = Item.model_validate({
    "id": "nb-logistics-ledig-gloss", "language": "nb", "track": "trade", "trade": "logistics",
    "skill": "vocabulary", "type": "multiple_choice", "cefr": "A2", "instructions": "Velg riktig ord.",
    "prompt": "Hvilket ord betyr «Som ingen bruker nå, og som du kan få»?",
    "options": [{"id": "a", "text": "tung"}, {"id": "b", "text": "forsinket"}, {"id": "c", "text": "ledig"},
                {"id": "d", "text": "skadet"}],
    "answers": ["c"], "vocab_key": "nb:logistics:ledig"})
TYPED = Item.model_validate({
    "id": "nb-logistics-forsinket-cloze-1", "language": "nb", "track": "trade", "trade": "logistics",
    "skill": "vocabulary", "type": "cloze_typed", "cefr": "A2", "instructions": "Skriv ordet som mangler.",
    "prompt": "Bilen med varene er ___ på grunn av snøvær.",
    "answers": ["forsinket", "forsinka", "sen", "for sen"], "lemma": "forsinket",
    "vocab_key": "nb:logistics:forsinket"})
GRAMMAR = Item.model_validate({
    "id": "nb-test-grammar", "language": "nb", "track": "b1", "theme": "work", "skill": "grammar",
    "type": "cloze_choice", "cefr": "A2", "prompt": "Jeg ___ jobbet her i to år.",
    "options": [{"id": "a", "text": "har"}, {"id": "b", "text": "er"}, {"id": "c", "text": "ble"}],
    "answers": ["a"]})


def test_a_typed_cloze_asks_for_every_accepted_answer_and_shows_none_of_them():
    assert exposure.asked_terms(TYPED) == {"forsinket", "forsinka", "sen", "for sen"}
    # Its lemma too: another form shown earlier gives the word away (round 10's nb note).
    plural = Item.model_validate({**TYPED.model_dump(), "id": "nb-y", "answers": ["oppskriftene"],
                                  "lemma": "oppskrift", "prompt": "Les ___ før du lager maten."})
    assert exposure.asked_terms(plural) == {"oppskriftene", "oppskrift"}
    assert "forsinket" not in exposure.shown_terms(TYPED)  # the gap is not shown as a word


def test_a_gap_that_shows_its_shape_asks_only_for_answers_of_that_shape():
    """Review 13 (en): *park* accepted beside *site* held a gap back once another item showed
    *park*, though ``f________`` asks for no such word."""
    shaped = TYPED.model_copy(update={"shape_letters": 1})
    assert shaped.shape == "f________"
    assert exposure.asked_terms(shaped) == {"forsinket"}  # *forsinka*, *sen*: another length


def test_a_wrong_option_shown_earlier_gives_a_later_gap_away_and_not_the_other_way():
    assert exposure.gives_away(exposure.asked_terms(TYPED), [exposure.shown_terms(GLOSS)])
    # The typed cloze shows nothing the gloss item asks for (a multiple-choice item asks for no gap word).
    assert exposure.asked_terms(GLOSS) == frozenset()
    assert not exposure.gives_away(exposure.asked_terms(GLOSS), [exposure.shown_terms(TYPED)])


def test_multi_word_answers_match_runs_of_words_and_case_follows_the_language():
    shown = exposure.shown_terms(Item.model_validate({
        **TYPED.model_dump(), "id": "nb-x", "prompt": "Toget var FOR SEN i dag, og ___ kom ikke.",
        "answers": ["bussen"]}))
    assert "for sen" in shown and "sen" in shown
    turkish = Item.model_validate({
        "id": "tr-x", "language": "tr", "track": "b1", "theme": "work", "skill": "vocabulary",
        "type": "cloze_typed", "cefr": "A2", "prompt": "___ gidiyor.", "answers": ["Kızılay'a"]})
    # Turkish I and İ fold to ı and i, not to English i.
    assert exposure.asked_terms(turkish) == {"kızılay'a"}
    assert "kızılay'a" in exposure.shown_terms(Item.model_validate({
        **turkish.model_dump(), "id": "tr-y", "prompt": "Bu otobüs KIZILAY'A ___.", "answers": ["gidiyor"]}))


def test_a_grammar_clozes_key_is_a_form_any_text_shows_and_is_not_counted():
    assert exposure.asked_terms(GRAMMAR) == frozenset()


def test_another_form_shown_earlier_gives_the_lemma_away():
    """Review 14 (en): an item that showed *parcels* could come before the gap asking for *parcel*."""
    base = {"language": "en", "track": "trade", "trade": "logistics", "skill": "vocabulary", "cefr": "A1"}
    gap = Item.model_validate({**base, "id": "en-logistics-parcel-cloze-1", "type": "cloze_typed",
                               "prompt": "The courier brought a ___ wrapped in brown paper.",
                               "answers": ["parcel", "packet"], "lemma": "parcel", "shape_letters": 1})
    shown = Item.model_validate({**base, "id": "en-logistics-sort-choice-1", "type": "cloze_choice",
                                 "prompt": "The parcels are ___ by postcode.", "answers": ["a"],
                                 "options": [{"id": "a", "text": "sorted"}, {"id": "b", "text": "loaded"}]})
    assert "parcel" in exposure.shown_terms(shown)
    assert exposure.gives_away(exposure.asked_terms(gap), [exposure.shown_terms(shown)])



def test_a_gloss_item_defines_its_key_and_offers_its_options():
    """Review 27 (nb): the gloss items for *dusj*, *sår* and *pårørende* show the same four
    options; once one has told what *dusj* means, the next is answered partly by elimination."""
    support = {"kind": "gloss", "glosses": {"en": "shower", "nb": "der du vasker deg med vann ovenfra"}}
    dusj = Item.model_validate({**GLOSS.model_dump(), "id": "nb-care-dusj-gloss", "support": support,
                                "options": [{"id": "a", "text": "dusj"}, {"id": "b", "text": "sår"},
                                            {"id": "c", "text": "pårørende"}, {"id": "d", "text": "sykehjem"}],
                                "answers": ["a"]})
    assert exposure.defined_terms(dusj) == {"dusj"}
    assert exposure.offered_terms(dusj) == {"dusj", "sår", "pårørende", "sykehjem"}
    # Not an asked term: every cloze of the set shows the set's words.
    assert exposure.asked_terms(dusj) == frozenset()
    # Other items define and offer nothing.
    assert exposure.defined_terms(TYPED) == exposure.offered_terms(GLOSS) == frozenset()


def test_a_grammar_gap_asks_for_no_word():
    """Review 29 (it): a typed grammar gap that names its verb (*essere*) was held back by any
    earlier item that showed a form of *essere*: a form seen elsewhere tells nothing here."""
    typed_grammar = Item.model_validate({
        "id": "it-health-029", "language": "it", "track": "b1", "theme": "health", "skill": "grammar",
        "type": "cloze_typed", "cefr": "B2", "instructions": "Scrivi la forma giusta di «essere».",
        "prompt": "Se fossi andato dal medico prima, adesso non ___ così male.", "answers": ["staresti"],
        "lemma": "stare"})
    assert exposure.asked_terms(typed_grammar) == frozenset()
    assert exposure.asked_terms(GRAMMAR) == frozenset()

"""Generated items against the flaws the December 2026 review found (issue 15).

Each test copies the reviewed item's sentence into a small vocabulary set of its
own: the bank's text changes, these fixtures do not.
"""
from __future__ import annotations

from typing import Any

from content.scoring import check_answer
from content.generate import generate_items, read_gaps
from content.notes import Note
from content.schema import Item, VocabularySet


def entry(lemma: str, pos: str, gloss: str, *examples: Any, cefr: str = "A2", **extra: Any) -> dict[str, Any]:
    return {"lemma": lemma, "pos": pos, "gloss": gloss, "cefr": cefr, "examples": list(examples), **extra}


def items_of(language: str, trade: str, *entries: dict[str, Any]) -> dict[str, Item]:
    data = {"language": language, "trade": trade, "title": "Review", "entries": list(entries)}
    return {item.id: item for item in generate_items(VocabularySet.model_validate(data))}


def options(item: Item) -> list[str]:
    return [option.text for option in item.options]


def key(item: Item) -> str:
    return {o.id: o.text for o in item.options}[item.answers[0]]


NB_CARE = (
    entry("trygg", "ADJ", "safe", "Det er viktig at beboerne føler seg trygge.", cefr="B1"),
    entry("forsiktig", "ADJ", "careful", "Vær forsiktig med den varme kaffen."),
    entry("urolig", "ADJ", "restless, uneasy", "Han er urolig om natta."),
    entry("forvirret", "ADJ", "confused", "Hun er ofte forvirret om morgenen.", cefr="B1"),
)


def test_nb_trygge_distractors_are_derived_in_the_keys_form():
    """nb-care-trygg-choice-1 offered 'forsiktig' and 'urolig' after 'beboerne føler seg': agreement gave
    the key away. Derived from the set, every option is now plural/definite like 'trygge'."""
    item = items_of("nb", "care", *NB_CARE)["nb-care-trygg-choice-1"]
    assert item.prompt == "Det er viktig at beboerne føler seg ___."
    assert options(item) == ["forsiktige", "trygge", "forvirrete", "urolige"]
    assert key(item) == "trygge" and item.c == 0.25


def test_nb_trygge_author_distractors_are_used_as_written():
    written = {"text": "Det er viktig at beboerne føler seg trygge.",
               "distractors": ["forsiktige", "urolige", "forvirrede"]}
    item = items_of("nb", "care", {**NB_CARE[0], "examples": [written]}, *NB_CARE[1:])["nb-care-trygg-choice-1"]
    assert sorted(options(item)) == ["forsiktige", "forvirrede", "trygge", "urolige"]
    assert key(item) == "trygge"


def test_capitals_follow_the_key():
    """nb-construction-tegning-choice-1 showed 'Betongen', 'Stigen' mid-sentence beside 'tegningen'."""
    items = items_of("nb", "construction",
                     entry("tegning", "NOUN", "drawing, plan", "Sjekk tegningen før du borer hull i veggen.",
                           "Tegningen ligger på bordet.", cefr="B1"),
                     entry("stige", "NOUN", "ladder", "Stigen står ved veggen."),
                     entry("betong", "NOUN", "concrete", "Betongen må tørke i to døgn."),
                     entry("hjelm", "NOUN", "helmet", "Hjelmen henger på kroken."))
    inside, first = items["nb-construction-tegning-choice-1"], items["nb-construction-tegning-choice-2"]
    assert sorted(options(inside)) == ["betongen", "hjelmen", "stigen", "tegningen"]
    assert sorted(options(first)) == ["Betongen", "Hjelmen", "Stigen", "Tegningen"]


def test_turkish_distractors_take_the_keys_suffixes_with_vowel_harmony():
    """tr-cleaning-leke-choice-1 offered 'Kovaya', 'arıza', 'bezler' for the accusative 'lekeyi'."""
    items = items_of("tr", "cleaning",
                     entry("leke", "NOUN", "stain", "Halıdaki lekeyi çıkarmak için özel bir sprey kullanıyoruz."),
                     entry("kova", "NOUN", "bucket", "Kovaya ılık su ve biraz deterjan koy."),
                     entry("arıza", "NOUN", "fault, breakdown", "Asansörde bir arıza var."),
                     entry("bez", "NOUN", "cloth", "Mavi bezler masalar için."))
    assert options(items["tr-cleaning-leke-choice-1"]) == ["kovayı", "arızayı", "lekeyi", "bezi"]
    assert options(items["tr-cleaning-kova-choice-1"]) == ["Arızaya", "Kovaya", "Beze", "Lekeye"]
    assert options(items["tr-cleaning-bez-choice-1"]) == ["arızalar", "kovalar", "lekeler", "bezler"]


def test_italian_choice_is_left_out_when_the_forms_cannot_be_derived():
    """it-care-farmaco-choice-1: 'i operatrice', 'i piaghe', 'i consegne'. None of these entries can be
    put in the masculine plural with confidence, so the example gets a typed cloze and no choice."""
    items = items_of("it", "care",
                     entry("farmaco", "NOUN", "medicine, drug", "L'infermiera distribuisce i farmaci alle nove."),
                     entry("operatrice", "NOUN", "care worker (woman)", "L'operatrice lava il signor Rossi."),
                     entry("piaga", "NOUN", "bedsore", "Controlla la piaga ogni giorno."),
                     entry("consegna", "NOUN", "handover", "La consegna è alle due."))
    assert "it-care-farmaco-choice-1" not in items
    assert items["it-care-farmaco-cloze-1"].answers == ("farmaci",)
    vocabulary = VocabularySet.model_validate({"language": "it", "trade": "care", "title": "x", "entries": [
        entry("farmaco", "NOUN", "medicine", "L'infermiera distribuisce i farmaci alle nove."),
        entry("piaga", "NOUN", "bedsore", "Controlla la piaga ogni giorno.")]})
    assert read_gaps(vocabulary, 0)[0].skipped == ("choice: 0 other entries can be put in the form 'farmaci'",)


def test_english_verb_distractors_in_the_participle():
    """en-logistics-dispatch-choice-1 had 'stack', 'Scan', 'unload' after 'All orders are'."""
    items = items_of("en", "logistics",
                     entry("dispatch", "VERB", "to send goods out", "All orders are dispatched within 24 hours.",
                           cefr="B2"),
                     entry("stack", "VERB", "to put things one on top of another", "Stack the boxes on the pallet."),
                     entry("scan", "VERB", "to read a barcode with a machine", "Scan every parcel at the door."))
    assert options(items["en-logistics-dispatch-choice-1"]) == ["dispatched", "stacked", "scanned"]


def test_near_synonyms_and_like_glosses_are_never_distractors():
    """nb-logistics-full-choice-1: 'Lageret er nesten tomt før jul' is right too (an antonym fits);
    en-cleaning-disinfectant: 'bleach' fits 'a chemical that kills bacteria'."""
    items = items_of("nb", "logistics",
                     entry("full", "ADJ", "containing as much as possible", "Lageret er nesten fullt før jul.",
                           near_synonyms=["tom"]),
                     entry("tom", "ADJ", "empty", "Hylla er tom."),
                     entry("tung", "ADJ", "heavy", "Pakken er tung."),
                     entry("kald", "ADJ", "cold", "Lageret er kaldt om vinteren."),
                     entry("skitten", "ADJ", "dirty", "Gulvet er skittent."))
    assert sorted(options(items["nb-logistics-full-choice-1"])) == ["fullt", "kaldt", "skittent", "tungt"]
    assert "fullt" not in options(items["nb-logistics-tom-choice-1"])  # the mark works both ways
    english = items_of("en", "cleaning",
                       entry("disinfectant", "NOUN", "a chemical that kills bacteria",
                             "Spray the disinfectant on the door handles."),
                       entry("bleach", "NOUN", "a strong chemical that kills germs", "Never mix bleach with acid."),
                       entry("mop", "NOUN", "a tool for washing floors", "Rinse the mop in clean water."),
                       entry("bucket", "NOUN", "an open container for water", "Fill the bucket with warm water."))
    assert options(english["en-cleaning-disinfectant-choice-1"]) == ["mop", "disinfectant", "bucket"]


def test_a_sentence_using_its_lemma_twice_makes_no_cloze():
    """nb-cleaning-klut-cloze-1: 'Bruk en blå ___ på pultene og en rød klut på toalettet.'"""
    sentence = "Bruk en blå klut på pultene og en rød klut på toalettet."
    items = items_of("nb", "cleaning", entry("klut", "NOUN", "cloth", sentence),
                     entry("mopp", "NOUN", "mop", "Moppen står i bøttekottet."),
                     entry("bøtte", "NOUN", "bucket", "Bøtta er full."),
                     entry("kost", "NOUN", "broom", "Kosten står bak døra."))
    assert not [i for i in items if i.startswith("nb-cleaning-klut-c")]
    vocabulary = VocabularySet.model_validate({"language": "nb", "trade": "cleaning", "title": "x", "entries": [
        entry("klut", "NOUN", "cloth", sentence)]})
    assert read_gaps(vocabulary, 0)[0].problem.text == ("'klut' occurs more than once (klut, klut): no cloze is made "
                                                        "from it; use it once")
    assert read_gaps(vocabulary, 0)[0].problem == Note("lemma_twice", {"lemma": "klut", "forms": ("klut", "klut")})


def test_typed_cloze_accepts_the_examples_accept_list_and_shows_its_cue():
    """it-care-attento-cloze-1 took only 'attenta'; en-construction-mix-cloze-1 only 'mixed'."""
    items = items_of("it", "care",
                     entry("attento", "ADJ", "careful",
                           {"text": "Stai attenta quando lo aiuti ad alzarsi dal letto.", "accept": ["attento"]}),
                     entry("stanco", "ADJ", "tired", "Sono stanco."),
                     entry("calmo", "ADJ", "calm", "Il signore è calmo."))
    typed = items["it-care-attento-cloze-1"]
    assert typed.answers == ("attenta", "attento")
    assert [check_answer(typed, text).score for text in ("attento", "Attenta.", "attente")] == [2, 2, 1]
    english = items_of("en", "construction",
                       entry("mix", "VERB", "to put things together and stir them",
                             {"text": "He mixed the cement with sand and water.", "cue": "yesterday"}))
    assert english["en-construction-mix-cloze-1"].prompt == "He ___ (yesterday) the cement with sand and water."


def test_a_plain_sentence_whose_verb_form_is_open_makes_no_typed_cloze():
    """it-care-accompagnare-cloze-1: '___ il signor Luigi in sala da pranzo' took only 'Accompagno'."""
    plain = entry("accompagnare", "VERB", "to take someone somewhere", "Accompagno il signor Luigi in sala da pranzo.")
    items = items_of("it", "care", plain, entry("lavare", "VERB", "to wash", "Devi lavare le mani."),
                     entry("vestire", "VERB", "to dress", "Aiuto il signore a vestire."))
    assert "it-care-accompagnare-cloze-1" not in items
    assert options(items["it-care-accompagnare-choice-1"]) == ["Lavo", "Vesto", "Accompagno"]
    fixed = {**plain, "examples": [{"text": "Io accompagno il signor Luigi in sala da pranzo."}]}
    reviewed = {**plain, "examples": [{"text": "Io accompagno il signor Luigi in sala da pranzo.",
                                       "distractors": ["lavo", "vesto"]}]}
    assert "it-care-accompagnare-cloze-1" not in items_of("it", "care", fixed)
    assert items_of("it", "care", reviewed)["it-care-accompagnare-cloze-1"].answers == ("accompagno",)


def test_twins_share_a_family_and_the_gloss_item_has_its_own():
    items = items_of("nb", "care", *NB_CARE)
    assert items["nb-care-trygg-cloze-1"].family == items["nb-care-trygg-choice-1"].family == "nb-care-trygg-1"
    assert items["nb-care-trygg-gloss"].family == "nb-care-trygg-gloss"
    assert all(item.family for item in items.values())


def test_no_gloss_item_whose_gloss_shows_the_word():
    """nb-childcare-lei-gloss asked 'Hva heter «sad (lei seg), fed up» på norsk?'; 'hammer', 'plank'
    and 'fragile' are the word itself or one letter from it."""
    items = items_of("nb", "childcare",
                     entry("lei", "ADJ", "sad (lei seg), fed up", "Hun er lei seg i dag."),
                     entry("hammer", "NOUN", "hammer", "Kan du gi meg hammeren?"),
                     entry("planke", "NOUN", "plank", "Planken er for kort."),
                     entry("redd", "ADJ", "afraid", "Han er redd for hunden."),
                     entry("sint", "ADJ", "angry", "Hun er sint."),
                     entry("sulten", "ADJ", "hungry", "Barna er sultne."))
    gloss_items = sorted(i for i in items if i.endswith("-gloss"))
    assert gloss_items == ["nb-childcare-redd-gloss", "nb-childcare-sint-gloss", "nb-childcare-sulten-gloss"]
    # The typed cloze shows no gloss that gives it away either.
    assert items["nb-childcare-hammer-cloze-1"].instructions == "Skriv ordet som mangler."
    assert items["nb-childcare-hammer-cloze-1"].support is None
    # Hints are shown apart from the instructions, in the learner's language (content.support).
    assert items["nb-childcare-redd-cloze-1"].instructions == "Skriv ordet som mangler."
    assert items["nb-childcare-redd-cloze-1"].support.glosses == {"en": "afraid"}


def test_an_instruction_that_holds_the_answer_gives_way_to_another():
    """Turkish 'uygun' is 'suitable': «Boşluğa uygun kelimeyi yazın» would show it (and
    «Eksik kelimeyi yazın», the other wording, shows 'eksik' on every other item: review 29);
    English 'sad' in the gloss of 'upset' is an accepted answer."""
    items = items_of("tr", "logistics",
                     entry("eksik", "ADJ", "incomplete", "Teslimatta iki koli eksik çıktı."),
                     entry("uygun", "ADJ", "suitable", "Bu kutu cam eşyalar için uygun değil."),
                     entry("ağır", "ADJ", "heavy", "Bu koli çok ağır."),
                     entry("hasarlı", "ADJ", "damaged", "Koli hasarlı geldi."))
    assert items["tr-logistics-uygun-cloze-1"].instructions == "Eksik kelimeyi yazın."
    assert items["tr-logistics-uygun-choice-1"].instructions == "Eksik kelimeyi seçin."
    assert items["tr-logistics-eksik-cloze-1"].instructions == "Boşluğa uygun kelimeyi yazın."
    assert items["tr-logistics-eksik-cloze-1"].support.glosses == {"en": "incomplete"}
    assert items["tr-logistics-ağır-cloze-1"].instructions == "Boşluğa uygun kelimeyi yazın."
    english = items_of("en", "childcare",
                       entry("upset", "ADJ", "sad or worried because something unpleasant has happened",
                             {"text": "Omar was upset because another boy took his car.", "accept": ["sad"]}))
    typed = english["en-childcare-upset-cloze-1"]
    assert typed.instructions == "Write the missing word." and typed.answers == ("upset", "sad")

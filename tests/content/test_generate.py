"""Items generated from vocabulary sets."""
from __future__ import annotations

import yaml

from content_helpers import GOOD_SET
from content import nlp
from content.bank import load_bank
from content.scoring import check_answer
from content.generate import generate_items
from content.schema import Item, VocabularySet


def vocabulary() -> VocabularySet:
    return VocabularySet.model_validate(yaml.safe_load(GOOD_SET))


def test_cloze_items_are_answerable_from_their_sentence():
    items = generate_items(vocabulary())
    clozes = [i for i in items if i.type in ("cloze_typed", "cloze_choice")]
    assert clozes
    for item in clozes:
        right = item.answers[0]
        text = right if item.type == "cloze_typed" else {o.id: o.text for o in item.options}[right]
        original = item.feedback
        assert item.prompt.count("___") == 1
        # Filling the blank gives back the original sentence (up to the capital of a first word).
        assert nlp.casefold("nb", item.prompt.replace("___", text)) == nlp.casefold("nb", original)
        assert nlp.is_form_of("nb", text, item.lemma)
        assert check_answer(item, right).correct


def test_hjelm_items_and_their_ids():
    by_id = {i.id: i for i in generate_items(vocabulary())}
    typed = by_id["nb-construction-hjelm-cloze-2"]
    assert typed.prompt == "___ ligger i bilen." and typed.answers == ("Hjelmen",)
    assert check_answer(typed, "hjelmen").score == 2 and check_answer(typed, "hjelm").score == 1
    choice = by_id["nb-construction-hjelm-choice-2"]
    assert all(o.text[0].isupper() for o in choice.options)  # the capital gives nothing away
    gloss = by_id["nb-construction-hjelm-gloss"]
    assert "helmet" in gloss.prompt
    assert {o.id: o.text for o in gloss.options}[gloss.answers[0]] == "hjelm"
    for item in by_id.values():
        assert (item.track, item.trade, item.skill, item.status) == ("trade", "construction",
                                                                      "vocabulary", "prior")
        assert item.vocab_key == f"nb:construction:{item.lemma}" and item.theme is None
        assert Item.model_validate(item.model_dump(mode="json")) == item


def test_distractors_never_equal_the_answer_and_share_the_part_of_speech():
    entries = {e.lemma: e for e in vocabulary().entries}
    for item in generate_items(vocabulary()):
        if not item.options:
            continue
        texts = [nlp.casefold("nb", o.text) for o in item.options]
        answer = {o.id: o.text for o in item.options}[item.answers[0]]
        assert len(set(texts)) == len(texts) and len(texts) >= 3
        assert sum(t == nlp.casefold("nb", answer) for t in texts) == 1
        if item.type == "multiple_choice":
            poses = {entries[o.text].pos for o in item.options}
            # 'bore' is the only verb: its distractors are the nearest nouns.
            assert poses == {"NOUN"} or item.lemma == "bore"


def test_generated_ids_are_stable_across_loads(small_bank):
    first = [i.model_dump(mode="json") for i in load_bank(small_bank).items]
    second = [i.model_dump(mode="json") for i in load_bank(small_bank).items]
    assert first == second
    assert [i["id"] for i in first] == [i["id"] for i in first if i] and len({i["id"] for i in first}) == len(first)


def test_entry_whose_lemma_is_missing_generates_no_cloze():
    data = yaml.safe_load(GOOD_SET)
    data["entries"][2]["examples"] = ["Vi spiser middag nå."]
    items = generate_items(VocabularySet.model_validate(data))
    assert not [i for i in items if i.id.startswith("nb-construction-stige-c")]
    assert any(i.id == "nb-construction-stige-gloss" for i in items)


def test_turkish_set_generates_clozes_from_inflected_forms():
    data = {"language": "tr", "trade": "kitchen", "title": "Mutfak", "entries": [
        {"lemma": "bıçak", "pos": "NOUN", "gloss": "knife", "cefr": "A2",
         "examples": ["Bıçağı dikkatli kullan."]},
        {"lemma": "tencere", "pos": "NOUN", "gloss": "pot", "cefr": "A2",
         "examples": ["Tencereyi ocağa koy."]},
        {"lemma": "tabak", "pos": "NOUN", "gloss": "plate", "cefr": "A1",
         "examples": ["Tabakları yıkadım."]},
        {"lemma": "yıkamak", "pos": "VERB", "gloss": "to wash", "cefr": "A1",
         "examples": ["Ellerini sık sık yıka."]},
    ]}
    by_id = {i.id: i for i in generate_items(VocabularySet.model_validate(data))}
    assert by_id["tr-kitchen-bıçak-cloze-1"].answers == ("Bıçağı",)
    assert by_id["tr-kitchen-tabak-cloze-1"].answers == ("Tabakları",)
    # "yıka" or "yıkayın": a plain sentence does not fix the person, so no typed gap ...
    assert "tr-kitchen-yıkamak-cloze-1" not in by_id
    assert check_answer(by_id["tr-kitchen-bıçak-cloze-1"], "BIÇAĞI").correct
    # ... until the author says what the gap accepts.
    data["entries"][3]["examples"] = [{"text": "Ellerini sık sık yıka.", "accept": ["yıkayın"]}]
    by_id = {i.id: i for i in generate_items(VocabularySet.model_validate(data))}
    assert by_id["tr-kitchen-yıkamak-cloze-1"].answers == ("yıka", "yıkayın")

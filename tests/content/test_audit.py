"""``b1engine content audit`` and the blocker flaws ``content check`` fails on (issue 15).

The fixtures copy the reviewed items' text (December 2026 review) into small banks.
"""
from __future__ import annotations

import json
from pathlib import Path

from api.cli import main
from content_helpers import write
from content.audit import audit, is_key_longest, item_flaws, twin_flaws, typed_flaws
from content.lint import check
from content.scoring import check_answer
from content.schema import Item

AUTHORED_IT = """
language: it
track: b1
theme: health
items:
  - id: it-health-005
    skill: grammar
    type: word_order
    cefr: A1
    options:
      - {id: a, text: Mia}
      - {id: b, text: figlia}
      - {id: c, text: è}
      - {id: d, text: malata}
      - {id: e, text: oggi}
    answers: [[a, b, c, d, e], [e, a, b, c, d]]
  - id: it-health-006
    skill: grammar
    type: word_order
    cefr: A1
    options:
      - {id: a, text: mia}
      - {id: b, text: figlia}
      - {id: c, text: è}
      - {id: d, text: malata}
      - {id: e, text: oggi}
    answers: [[a, b, c, d, e], [e, a, b, c, d], [a, b, e, c, d]]
"""

AUTHORED_NB = """
language: nb
track: b1
theme: work
items:
  - id: nb-work-012
    skill: vocabulary
    type: cloze_typed
    cefr: A2
    instructions: Skriv ordet som mangler.
    prompt: "Jeg får ___ den 20. hver måned. Pengene kommer på kontoen min."
    answers: [lønn, lønna, lønnen, penger, pengene]
    lemma: lønn
  - id: nb-work-013
    skill: vocabulary
    type: cloze_choice
    cefr: B1
    prompt: "Sjekk ___ før du borer hull i veggen."
    options:
      - {id: a, text: Betongen}
      - {id: b, text: tegningen}
      - {id: c, text: Avfall}
    answers: [b]
  - id: nb-work-014
    skill: vocabulary
    type: multiple_choice
    cefr: B2
    prompt: Du vil ikke jobbe i helgene. Hva sier du?
    options:
      - {id: a, text: Nei.}
      - {id: b, text: "Jeg vil gjerne snakke om turnusen min, for jeg ønsker å slippe helgevakter."}
      - {id: c, text: Glem det.}
    answers: [b]
  - id: nb-work-015
    skill: vocabulary
    type: multiple_choice
    cefr: A1
    prompt: Hva heter stedet der du jobber?
    options:
      - {id: a, text: arbeidsplass}
      - {id: b, text: sykehus}
      - {id: c, text: butikk}
    answers: [c]
"""

TRADE_TR = """
language: tr
track: trade
trade: cleaning
title: Temizlik
entries:
  - lemma: leke
    pos: NOUN
    gloss: stain
    cefr: A2
    examples:
      - text: Halıdaki lekeyi çıkarmak için özel bir sprey kullanıyoruz.
        distractors: [Kovaya, arıza, bezler, lekeleri]
        accept: [lekeleri]
  - lemma: kova
    pos: NOUN
    gloss: bucket
    cefr: A2
    examples:
      - Kovaya ılık su ve biraz deterjan koy.
  - lemma: arıza
    pos: NOUN
    gloss: fault, breakdown
    cefr: A2
    examples:
      - Asansörde bir arıza var.
  - lemma: bez
    pos: NOUN
    gloss: cloth
    cefr: A2
    examples:
      - Mavi bezler masalar için, kırmızı bezler tuvaletler için.
"""

TRADE_IT = """
language: it
track: trade
trade: care
title: Cura
entries:
  - lemma: farmaco
    pos: NOUN
    gloss: medicine, drug
    cefr: A2
    examples:
      - text: L'infermiera distribuisce i farmaci alle nove.
        distractors: [operatrice, piaghe, letti]
  - lemma: fragile
    pos: ADJ
    gloss: fragile
    cefr: A2
    examples:
      - Attenzione, questo pacco è fragile.
"""


def findings(path: Path) -> list[str]:
    return [str(f).removeprefix(f"{path}:") for f in check(path)]


def test_check_fails_on_capitals_mid_sentence_and_leaks_in_authored_items(tmp_path):
    """it-health-005 accepted «oggi Mia figlia è malata»; nb-construction-tegning put 'Betongen' inside
    a sentence; nb-work-012 accepted 'pengene', which the next sentence shows."""
    italian = write(tmp_path, "it/b1/health.yaml", AUTHORED_IT)
    assert findings(italian) == [
        "15: items[0].answers[1]: word-order alternative with a capital mid-sentence: accepted order 2 has "
        "'Mia' inside the sentence: write the token in lower case (the client capitalises the first word; "
        "a name: add it to it/allow.txt)"]
    norwegian = write(tmp_path, "nb/b1/work.yaml", AUTHORED_NB)
    assert findings(norwegian) == [
        "10: items[0].prompt: answer shown elsewhere in the item: the answer 'pengene' appears in the prompt",
        "19: items[1].options[0].text: capitalised option in a mid-sentence gap: 'Betongen' is capitalised "
        "inside the sentence (the key 'tegningen' is not)",
        "21: items[1].options[2].text: capitalised option in a mid-sentence gap: 'Avfall' is capitalised "
        "inside the sentence (the key 'tegningen' is not)"]


def test_a_name_may_stand_inside_the_sentence_a_sentence_capital_may_not():
    """en-health-005 accepted «today My daughter is ill»; «today Omar is ill» is right as it is."""
    def order(first: str) -> Item:
        texts = (first, "is", "ill", "today")
        return Item.model_validate({"id": "en-health-005", "language": "en", "track": "b1", "theme": "health",
                                    "skill": "grammar", "type": "word_order", "cefr": "A1",
                                    "options": [{"id": k, "text": t} for k, t in zip("abcd", texts)],
                                    "answers": [list("abcd"), list("dabc")]})
    assert [f.kind for f in item_flaws(order("My daughter"))] == ["order_capital"]
    assert [f.kind for f in item_flaws(order("Today"))] == ["order_capital"]
    assert item_flaws(order("Omar")) == item_flaws(order("John")) == item_flaws(order("I")) == []


def test_every_listed_word_order_is_accepted_without_a_capital():
    """The fix for it-health-005: tokens in lower case, every natural order listed."""
    item = Item.model_validate({"id": "it-health-006", "language": "it", "track": "b1", "theme": "health",
                                "skill": "grammar", "type": "word_order", "cefr": "A1",
                                "options": [{"id": k, "text": t} for k, t in zip("abcde", ("mia", "figlia", "è",
                                                                                           "malata", "oggi"))],
                                "answers": [list("abcde"), list("eabcd"), list("abecd")]})
    assert [check_answer(item, list(order)).score for order in ("abcde", "eabcd", "abecd", "abced")] == [1, 1, 1, 0]
    assert item_flaws(item) == []


def test_check_rejects_turkish_distractors_in_the_wrong_form_case_or_accepted(tmp_path):
    """tr-cleaning-leke-choice-1 offered 'Kovaya' (capital, dative), 'arıza' (bare), 'bezler' (plural)
    for the accusative 'lekeyi'; bez's example uses its lemma twice."""
    path = write(tmp_path, "tr/trade/cleaning.yaml", TRADE_TR)
    assert findings(path) == [
        "12: entries[0].examples[0].distractors[0]: 'Kovaya' is not cased like the key 'lekeyi' (the gap is "
        "inside the sentence)",
        "12: entries[0].examples[0].distractors[1]: 'arıza' is not in the form of the key 'lekeyi' (I)",
        "12: entries[0].examples[0].distractors[2]: 'bezler' is not in the form of the key 'lekeyi' (I)",
        "12: entries[0].examples[0].distractors[3]: 'lekeleri' is an accepted answer of this gap",
        "31: entries[3].examples[0]: 'bez' occurs more than once (bezler, bezler): no cloze is made from it; "
        "use it once"]


def test_check_rejects_italian_distractors_in_the_wrong_form_and_a_gloss_that_is_the_word(tmp_path):
    """it-care-farmaco-choice-1: 'i operatrice', 'i piaghe'; it-logistics-fragile: gloss 'fragile'."""
    path = write(tmp_path, "it/trade/care.yaml", TRADE_IT)
    assert findings(path) == [
        "12: entries[0].examples[0].distractors[0]: 'operatrice' is not in the form of the key 'farmaci' (m.pl)",
        "12: entries[0].examples[0].distractors[1]: 'piaghe' is not in the form of the key 'farmaci' (m.pl)",
        "15: entries[1].gloss: the gloss 'fragile' holds the lemma 'fragile': write a short English paraphrase"]


def test_audit_counts_flaws_and_key_longest_shares(tmp_path):
    write(tmp_path, "nb/b1/work.yaml", AUTHORED_NB)
    write(tmp_path, "tr/trade/cleaning.yaml", TRADE_TR)
    write(tmp_path, "it/trade/care.yaml", TRADE_IT)
    write(tmp_path, "it/b1/health.yaml", AUTHORED_IT)
    report = audit(tmp_path)
    nb, tr, it = (report["languages"][lang] for lang in ("nb", "tr", "it"))
    assert nb["key_longest"]["authored"] == {"items": 3, "key_longest": 2, "share": 0.6667}
    assert nb["key_longest"]["ids"]["authored"] == ["nb-work-013", "nb-work-014"]
    assert {name: flaw["ids"] for name, flaw in nb["flaws"].items() if flaw["count"]} == {
        "capital_mid_sentence": ["nb-work-013"], "leak": ["nb-work-012"]}
    assert nb["blockers"] == 2
    assert {name: flaw["ids"] for name, flaw in tr["flaws"].items() if flaw["count"]} == {
        "lemma_twice": ["tr-cleaning-bez-1"], "distractor": ["tr-cleaning-leke-1"]}
    assert {name: flaw["ids"] for name, flaw in it["flaws"].items() if flaw["count"]} == {
        "order_capital": ["it-health-005"], "gloss_leak": ["it-care-fragile"], "distractor": ["it-care-farmaco-1"],
        "no_choice": ["it-care-fragile-1"]}
    assert report["blockers"] == 2 + 2 + 3 and report["unreadable"] == []


def test_a_typed_gap_with_one_accepted_text_needs_a_form_cue_or_its_shape():
    base = {"id": "en-care-glove-cloze-1", "language": "en", "track": "trade", "trade": "care",
            "skill": "vocabulary", "cefr": "A2", "type": "cloze_typed", "answers": ["gloves"],
            "vocab_key": "en:care:glove"}
    plain = Item.model_validate({**base, "prompt": "Put on ___ before you wash Mr Brown."})
    assert [flaw.kind for flaw in typed_flaws(plain)] == ["typed_single"]
    assert typed_flaws(plain.model_copy(update={"shape_letters": 1})) == []
    assert typed_flaws(Item.model_validate({**base, "prompt": "Put on ___ (plural) before you wash Mr Brown."})) == []


def test_twins_without_a_family_are_reported():
    base = {"language": "en", "track": "b1", "theme": "work", "skill": "vocabulary", "cefr": "A2",
            "prompt": "Omar was ___ because another boy took his car."}
    typed = Item.model_validate({**base, "id": "en-work-001", "type": "cloze_typed", "answers": ["upset"]})
    choice = Item.model_validate({**base, "id": "en-work-002", "type": "cloze_choice", "answers": ["a"],
                                  "options": [{"id": "a", "text": "upset"}, {"id": "b", "text": "tidy"}]})
    assert [f.subject for f in twin_flaws([typed, choice])] == ["en-work-001", "en-work-002"]
    family = {"family": "en-work-upset"}
    assert twin_flaws([typed.model_copy(update=family), choice.model_copy(update=family)]) == []
    assert is_key_longest(choice) and not is_key_longest(choice.model_copy(update={"answers": ("b",)}))


def test_audit_command_prints_text_and_json(tmp_path, capsys):
    write(tmp_path, "nb/b1/work.yaml", AUTHORED_NB)
    assert main(["content", "audit", "--bank", str(tmp_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "nb: 4 items (4 authored, 0 generated), 2 with blocker flaws"
    assert "  key uniquely longest, authored: 2 of 3 choice items (67%)" in out
    assert "  BLOCKER leak (answer shown elsewhere in the item): 1: nb-work-012" in out
    assert out[-1] == "blocker flaws in all: 2"
    assert main(["content", "audit", "--json", "--bank", str(tmp_path)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["blockers"] == 2 and report["languages"]["nb"]["flaws"]["leak"]["ids"] == ["nb-work-012"]


def test_a_gloss_item_whose_wrong_option_its_readers_know_by_look_is_listed():
    """Review 28 (tr): *sipariş*, marked as a Persian look-alike, stayed a wrong option of the
    *tarif* gloss item, which Persian readers get: they rule it out without knowing *tarif*."""
    from content.audit import look_alike_option_flaws
    from content.generate import generate_items
    from content.schema import VocabularySet

    def entry(lemma: str, gloss: str, persian: str, marked: tuple[str, ...] = (), **extra) -> dict:
        return {"lemma": lemma, "pos": "NOUN", "gloss": gloss, "cefr": "A2", "glosses": {"fa": persian},
                "look_alike_for": list(marked), "examples": [f"Bu {lemma} çok güzel."], **extra}

    def flagged(*entries: dict) -> list[str]:
        kitchen = VocabularySet.model_validate({"language": "tr", "track": "trade", "trade": "kitchen",
                                                "title": "Mutfak", "entries": list(entries)})
        return [flaw.subject for flaw in look_alike_option_flaws(generate_items(kitchen))]

    words = [entry("sipariş", "order", "سفارش", ("fa",)), entry("fiyat", "price", "قیمت"),
             entry("masa", "table", "میز"), entry("çatal", "fork", "چنگال")]
    tarif = entry("tarif", "recipe", "دستور پخت", gloss_distractors=["sipariş", "fiyat", "masa"])
    assert "tr-kitchen-tarif-gloss" in flagged(tarif, *words)
    tarif["gloss_distractors"] = ["çatal", "fiyat", "masa"]
    assert "tr-kitchen-tarif-gloss" not in flagged(tarif, *words)
    # The look-alike's own gloss item is not served to Persian readers: nothing to list there.
    assert "tr-kitchen-sipariş-gloss" not in flagged(tarif, *words)

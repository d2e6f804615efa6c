"""Learners' own languages (content.support): glosses, hints, instructions and level descriptions
in the language a learner reads, and never English for one who did not choose it."""
from __future__ import annotations

import uuid

import pytest

from api_helpers import create_user, login
from content import support
from content.generate import generate_items
from content.schema import VocabularySet

#: A construction set whose words carry Arabic glosses and Norwegian definitions (inline, as an
#: author's set may; the bundled bank keeps them in gloss files).
WORDS = [
    ("hjelm", "NOUN", "helmet", "خوذة", "noe du har på hodet for å beskytte det",
     "Du må alltid bruke hjelm på byggeplassen.", ["hansker", "støvler", "briller"]),
    ("stige", "NOUN", "ladder", "سُلّم", "noe du klatrer opp på",
     "Han står på en stige og maler veggen.", ["hammer", "sag", "drill"]),
    ("sag", "NOUN", "saw", "منشار", "et verktøy som deler tre i to",
     "Hun deler planken med en sag.", ["hammer", "stige", "drill"]),
    ("hammer", "NOUN", "hammer", "مطرقة", "et verktøy du slår inn spiker med",
     "Jeg trenger en hammer til spikerne.", ["sag", "stige", "drill"]),
    ("drill", "NOUN", "power drill", "مثقاب", "en maskin som lager hull",
     "Vi lager hull i veggen med en drill.", ["sag", "stige", "hammer"]),
    ("hansker", "NOUN", "gloves", "قفازات", "noe du har på hendene",
     "Ta på deg hansker før du bærer plankene.", ["hjelm", "briller", "støvler"]),
]


def trade_bank():
    entries = [{"lemma": lemma, "pos": pos, "gloss": english, "cefr": "A2",
                "glosses": {"ar": arabic, "nb": definition},
                "examples": [{"text": sentence, "distractors": [d for d in wrong if d != lemma][:3]}]}
               for lemma, pos, english, arabic, definition, sentence, wrong in WORDS]
    vocabulary = VocabularySet.model_validate({"language": "nb", "track": "trade", "trade": "construction",
                                               "title": "Byggeplassen", "entries": entries})
    return generate_items(vocabulary)


@pytest.fixture
def trade_client(make_client):
    return make_client(bank=trade_bank(), drill_length=40)


def drill_items(client, headers, drills: int = 8) -> list[dict]:
    """Every exercise of a few drills on the construction trade (one item per word in a drill;
    the next drill asks the items not met yet), answered with nonsense. Eight: in a set of six
    words every item shows most of the others (:mod:`content.exposure`), so a drill holds two
    or three of them."""
    return [item for _ in range(drills) for item in one_drill(client, headers)]


def one_drill(client, headers, language: str = "nb") -> list[dict]:
    created = client.post("/v1/sessions", headers=headers,
                          json={"language": language, "mode": "drill", "track": "trade", "trade": "construction"})
    assert created.status_code == 201, created.text
    session_id = created.json()["id"]
    step, shown = client.get(f"/v1/sessions/{session_id}/next", headers=headers).json(), []
    while not step["done"]:
        item = step["item"]
        shown.append(item)
        answer = [o["id"] for o in item["options"]] if item["type"] == "word_order" else (
            "xyz" if item["type"] == "cloze_typed" else item["options"][0]["id"])
        reply = client.post(f"/v1/sessions/{session_id}/responses", headers=headers,
                            json={"item_id": item["id"], "answer": answer,
                                  "client_response_id": uuid.uuid4().hex})
        assert reply.status_code == 200, reply.text
        step = reply.json()["next"]
    return shown


def has_latin_english(text: str) -> bool:
    return any(word in text.lower().split() for word in ("helmet", "ladder", "saw", "gloves", "drill", "means"))


def test_support_languages_are_listed_and_a_learner_chooses_one(trade_client):
    listed = trade_client.get("/v1/support-languages")
    assert listed.status_code == 200
    codes = {row["code"]: row for row in listed.json()}
    assert codes["ar"]["direction"] == "rtl" and codes["ar"]["name"] == "العربية"
    assert "en" in codes and "nb" not in codes  # nb is a target language only
    create_user(trade_client, "amal", "learner")
    headers = login(trade_client, "amal")
    bad = trade_client.patch("/v1/learners/me", json={"support_language": "xx"}, headers=headers)
    assert bad.status_code == 422 and "choose one of" in bad.text and "ar" in bad.text
    choices = [choice["code"] for choice in trade_client.get("/v1/support-languages").json()]
    assert {k: bad.json()[k] for k in ("code", "language", "choices")} == {
        "code": "support_language_unknown", "language": "xx", "choices": choices}
    assert trade_client.patch("/v1/learners/me", json={"support_language": "ar"}, headers=headers).status_code == 204
    assert trade_client.get("/v1/learners/me", headers=headers).json()["support_language"] == "ar"
    assert trade_client.patch("/v1/learners/me", json={"support_language": None}, headers=headers).status_code == 204
    assert trade_client.get("/v1/learners/me", headers=headers).json()["support_language"] is None


def test_an_arabic_reader_gets_arabic_glosses_hints_and_instructions(trade_client):
    create_user(trade_client, "amal", "learner")
    headers = login(trade_client, "amal")
    trade_client.patch("/v1/learners/me", json={"support_language": "ar"}, headers=headers)
    shown = drill_items(trade_client, headers)
    arabic = {w[3] for w in WORDS}
    gloss_items = [i for i in shown if i["type"] == "multiple_choice"]
    typed = [i for i in shown if i["type"] == "cloze_typed"]
    assert gloss_items and typed
    for item in gloss_items:
        # The question holds the Arabic gloss, inside the Norwegian question.
        assert item["prompt"].startswith("Hva heter «") and any(a in item["prompt"] for a in arabic)
        assert not has_latin_english(item["prompt"])
    for item in typed:
        assert item["hint"]["language"] == "ar" and item["hint"]["direction"] == "rtl"
        assert item["hint"]["text"] in arabic
    languages = support.support_languages()
    for item in shown:
        translated = item["instructions_support"]
        expected = languages["ar"].instruction("nb", item["instructions"])
        assert translated is not None and translated["text"] == expected and translated["direction"] == "rtl"


def test_a_learner_without_a_support_language_gets_no_english(trade_client):
    create_user(trade_client, "ola", "learner")
    headers = login(trade_client, "ola")
    shown = drill_items(trade_client, headers)
    assert shown
    for item in shown:
        assert item["instructions_support"] is None
        assert not has_latin_english(" ".join(str(v) for v in item.values()))
        if item["type"] == "cloze_typed":
            # The hint is the Norwegian definition, never the English gloss.
            assert item["hint"]["language"] == "nb" and item["hint"]["text"] in {w[4] for w in WORDS}
    # Gloss items are for learners who read another language: none for this one.
    assert not [item for item in shown if item["type"] == "multiple_choice"]


def test_a_learner_who_chose_english_gets_english(trade_client):
    create_user(trade_client, "sam", "learner")
    headers = login(trade_client, "sam")
    trade_client.patch("/v1/learners/me", json={"support_language": "en"}, headers=headers)
    typed = [i for i in drill_items(trade_client, headers) if i["type"] == "cloze_typed"]
    english = {w[2] for w in WORDS if w[0] not in ("drill", "hammer")}
    # "power drill" and "hammer" would give the word away: those hints fall back to the definition.
    fallback = {w[4] for w in WORDS if w[0] in ("drill", "hammer")}
    assert typed and all((i["hint"]["language"] == "en" and i["hint"]["text"] in english)
                         or (i["hint"]["language"] == "nb" and i["hint"]["text"] in fallback)
                         for i in typed), [i["hint"] for i in typed]
    assert any(i["hint"]["language"] == "en" for i in typed)


def test_the_level_is_described_in_the_learners_language(trade_client):
    create_user(trade_client, "amal", "learner")
    headers = login(trade_client, "amal")
    trade_client.patch("/v1/learners/me", json={"support_language": "ar"}, headers=headers)
    drill_items(trade_client, headers)
    me = trade_client.get("/v1/learners/me", headers=headers).json()
    texts = {t["language"]: t for t in me["level_description"]}
    level = me["overall"]["level"]
    languages = support.support_languages()
    assert texts["nb"]["text"] == languages["nb"].levels[level]
    assert texts["ar"]["text"] == languages["ar"].levels[level] and texts["ar"]["direction"] == "rtl"


def test_a_teacher_sets_the_support_language_when_creating_a_learner(trade_client):
    create_user(trade_client, "tove", "teacher")
    headers = login(trade_client, "tove")
    class_id = trade_client.post("/v1/classes", json={"name": "Morgen", "language": "nb"},
                                 headers=headers).json()["id"]
    created = trade_client.post(f"/v1/classes/{class_id}/learners", headers=headers,
                                json={"display_name": "Amal Hassan", "support_language": "ar"})
    assert created.status_code == 201, created.text
    assert created.json()["support_language"] == "ar"
    bad = trade_client.post(f"/v1/classes/{class_id}/learners", headers=headers,
                            json={"display_name": "Ola", "support_language": "klingon"})
    assert bad.status_code == 422 and "choose one of" in bad.text
    listed = trade_client.get(f"/v1/classes/{class_id}/learners", headers=headers).json()
    assert [row["support_language"] for row in listed] == ["ar"]


def look_alike_bank(language: str, marked: list[str]):
    """``trade_bank``'s words as a set of ``language``, *stige* marked as a look-alike for ``marked``."""
    entries = [{"lemma": lemma, "pos": pos, "gloss": english, "cefr": "A2",
                "glosses": {"ar": arabic, language: definition},
                "look_alike_for": marked if lemma == "stige" else [],
                "examples": [{"text": sentence, "distractors": [d for d in wrong if d != lemma][:3]}]}
               for lemma, pos, english, arabic, definition, sentence, wrong in WORDS]
    vocabulary = VocabularySet.model_validate({"language": language, "track": "trade", "trade": "construction",
                                               "title": "Byggeplassen", "entries": entries})
    return generate_items(vocabulary)


def test_a_gloss_item_whose_word_looks_like_one_of_theirs_never_reaches_those_readers(make_client):
    """Review 24: an entry's ``look_alike_for`` keeps its gloss item from those readers (the
    service's pool asked only whether a gloss was there); its clozes still reach them."""
    client = make_client(bank=look_alike_bank("nb", ["ar"]), drill_length=40)
    shown = {}
    for name, code in (("amal", "ar"), ("olena", "uk")):
        create_user(client, name, "learner")
        headers = login(client, name)
        client.patch("/v1/learners/me", json={"support_language": code}, headers=headers)
        shown[code] = drill_items(client, headers)
    ladder = [w[3] for w in WORDS if w[0] == "stige"][0]
    cloze = [w[5].replace("stige", "___") for w in WORDS if w[0] == "stige"][0]
    gloss_prompts = [item["prompt"] for item in shown["ar"] if item["type"] == "multiple_choice"]
    assert gloss_prompts and not any(ladder in p for p in gloss_prompts)
    assert any(item["prompt"] == cloze for item in shown["ar"])
    definition = [w[4] for w in WORDS if w[0] == "stige"][0]
    assert any(definition in item["prompt"] for item in shown["uk"] if item["type"] == "multiple_choice")


def test_the_service_withholds_what_the_content_rules_withhold(make_client):
    """The service asked a pool of its own which gloss items a learner may get, and served the
    Italian ones to English readers, whom ``content.support.NO_GLOSS_ITEMS_FOR`` keeps them from."""
    client = make_client(bank=look_alike_bank("it", []), drill_length=40)
    for name, code, gets_gloss_items in (("sam", "en", False), ("amal", "ar", True)):
        create_user(client, name, "learner")
        headers = login(client, name)
        client.patch("/v1/learners/me", json={"support_language": code}, headers=headers)
        served = [item["type"] for _ in range(3) for item in one_drill(client, headers, "it")]
        assert ("multiple_choice" in served) == gets_gloss_items, (code, served)

"""Authoring vocabulary sets: check, preview, publish."""
from __future__ import annotations

from sqlmodel import select

from api.models import ItemRow

GOOD_SET = {
    "language": "nb", "track": "trade", "trade": "construction", "title": "Verktøy",
    "entries": [
        {"lemma": "hammer", "pos": "NOUN", "gloss": "hammer", "cefr": "A2",
         "examples": ["Kan du gi meg hammeren?"]},
        {"lemma": "stige", "pos": "NOUN", "gloss": "ladder", "cefr": "A2",
         "examples": ["Stigen står ved veggen."]},
        {"lemma": "sag", "pos": "NOUN", "gloss": "saw", "cefr": "A2",
         "examples": ["Sagen ligger i bilen."]},
        {"lemma": "bore", "pos": "VERB", "gloss": "to drill", "cefr": "B1",
         "examples": ["Vi må bore et hull i veggen."]},
    ],
}


def test_author_previews_then_publishes_items_as_live_pretest_items(client, people, db):
    headers = people["author"]["headers"]
    created = client.post("/v1/vocabulary-sets", json=GOOD_SET, headers=headers)
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["status"], body["language"], body["trade"], body["title"]) == (
        "draft", "nb", "construction", "Verktøy")
    assert len(body["items"]) >= len(GOOD_SET["entries"])
    assert all(item["answers"] for item in body["items"])  # the author sees the keys
    ids = [item["id"] for item in body["items"]]
    assert db.exec(select(ItemRow).where(ItemRow.id.in_(ids))).all() == []  # not live yet
    assert client.get(f"/v1/vocabulary-sets/{body['id']}", headers=headers).json()["items"] == body["items"]

    published = client.post(f"/v1/vocabulary-sets/{body['id']}/publish", headers=headers)
    assert published.status_code == 200 and published.json()["status"] == "published"
    rows = db.exec(select(ItemRow).where(ItemRow.id.in_(ids))).all()
    assert sorted(r.id for r in rows) == sorted(ids)
    assert all(r.live and r.status == "prior" and r.origin == "authored" and r.trade == "construction"
               and r.vocabulary_set_id == body["id"] for r in rows)
    again = client.post(f"/v1/vocabulary-sets/{body['id']}/publish", headers=headers)
    assert again.status_code == 200 and again.json()["published_at"] == published.json()["published_at"]


def test_bad_set_is_422_listing_every_problem_by_entry_and_field(client, people):
    bad = {**GOOD_SET, "entries": [
        GOOD_SET["entries"][0],
        {"lemma": "", "pos": "NOUN", "gloss": "nothing", "cefr": "A2", "examples": ["Ingenting her."]},
        {"lemma": "stige", "pos": "NOUN", "gloss": "ladder", "cefr": "Z9",
         "examples": ["Stigen står ved veggen."]},
    ]}
    response = client.post("/v1/vocabulary-sets", json=bad, headers=people["author"]["headers"])
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problems = response.json()["errors"]
    located = {p["field"] for p in problems}
    # Entries count from 1: the second entry's lemma, the third's level.
    assert {"body.entries[2].lemma", "body.entries[3].cefr"} <= located
    assert all(p["message"] for p in problems)
    assert response.json()["detail"].startswith(f"{len(problems)} problems in the vocabulary set")
    # Each with its code and values, for the page to say in the author's language.
    by_field = {p["field"]: (p["code"], p["values"]) for p in problems}
    assert by_field["body.entries[2].lemma"] == ("empty", {})
    assert by_field["body.entries[3].cefr"] == ("not_a_choice", {"choices": ["A1", "A2", "B1", "B2"]})


def test_the_word_checks_problems_carry_codes_and_the_values_their_sentences_need(client, people):
    kitchen = {"language": "nb", "track": "trade", "trade": "kitchen", "title": "Kjøkken", "entries": [
        {"lemma": "kniv", "pos": "NOUN", "gloss": "knife", "cefr": "A2",
         "examples": [{"text": "Legg kniven i vasken.", "distractors": ["Gaffelen", "kniven", "skjeen"]}]},
        {"lemma": "kniv", "pos": "NOUN", "gloss": "knife", "cefr": "A2",
         "examples": ["Vask kniven og kniven.", "Gaffelen er skitten."]},
        {"lemma": "gaffel", "pos": "NOUN", "gloss": "fork", "cefr": "A2",
         "examples": ["Gaffelen ligger ved sklabbenx."]},
    ]}
    response = client.post("/v1/vocabulary-sets", json=kitchen, headers=people["author"]["headers"])
    assert response.status_code == 422, response.text
    found = [(p["field"], p["code"], p["values"]) for p in response.json()["errors"]]
    assert found == [
        ("body.entries[1].examples[1].distractors[1]", "distractor_case_inside", {"text": "Gaffelen", "key": "kniven"}),
        ("body.entries[1].examples[1].distractors[2]", "distractor_accepted", {"text": "kniven"}),
        # Entries count from 1 in the sentence too, as in the field.
        ("body.entries[2].lemma", "entry_repeated", {"lemma": "kniv", "pos": "NOUN", "entry": 1}),
        ("body.entries[2].examples[2]", "lemma_not_found", {"lemma": "kniv"}),
        ("body.entries[2].examples[1]", "lemma_twice", {"lemma": "kniv", "forms": ["kniven", "kniven"]}),
        ("body.entries[3].examples[1]", "unknown_word", {"word": "sklabbenx", "language": "nb"}),
    ]
    messages = [p["message"] for p in response.json()["errors"]]
    assert messages[2] == "'kniv' (NOUN) is already entry 1"
    assert messages[4] == "'kniv' occurs more than once (kniven, kniven): no cloze is made from it; use it once"


def test_only_authors_author_and_only_their_own_sets(client, people):
    for role in ("learner", "teacher"):
        response = client.post("/v1/vocabulary-sets", json=GOOD_SET, headers=people[role]["headers"])
        assert response.status_code == 403
    set_id = client.post("/v1/vocabulary-sets", json=GOOD_SET,
                         headers=people["author"]["headers"]).json()["id"]
    from api_helpers import create_user, login

    create_user(client, "author2", "author")
    other = login(client, "author2")
    assert client.get(f"/v1/vocabulary-sets/{set_id}", headers=other).status_code == 404
    assert client.post(f"/v1/vocabulary-sets/{set_id}/publish", headers=other).status_code == 404
    assert client.get("/v1/vocabulary-sets/nope", headers=people["author"]["headers"]).status_code == 404
    # Authors cannot read learners' data.
    assert client.get(f"/v1/learners/{people['learner']['id']}",
                      headers=people["author"]["headers"]).status_code == 403
    assert client.get(f"/v1/classes/{people['class_id']}/ability-curves",
                      headers=people["author"]["headers"]).status_code == 403


#: The set of docs/api.md's walk-through: words that are not in the bundled construction bank.
DOC_SET = {
    "language": "nb", "track": "trade", "trade": "construction", "title": "Verktøy",
    "entries": [
        {"lemma": "skrutrekker", "pos": "NOUN", "gloss": "screwdriver", "cefr": "A2",
         "examples": [{"text": "Skru fast hylla med skrutrekkeren.",
                       "distractors": ["vateret", "sandpapiret", "malingen"]}]},
        {"lemma": "vater", "pos": "NOUN", "gloss": "spirit level", "cefr": "B1",
         "examples": ["Bruk vateret før du fester hylla."]},
        {"lemma": "slipe", "pos": "VERB", "gloss": "to sand", "cefr": "B1",
         "examples": ["Du må slipe planken før du maler den."]},
    ],
}


def test_words_already_in_the_bank_are_422_at_preview_and_the_doc_set_publishes(make_client):
    from api_helpers import create_user, login

    client = make_client(bank="real")
    create_user(client, "ada", "author")
    headers = login(client, "ada")
    clash = {**DOC_SET, "entries": [
        DOC_SET["entries"][0],
        {"lemma": "hammer", "pos": "NOUN", "gloss": "hammer", "cefr": "A2",
         "examples": ["Kan du gi meg hammeren?"]},
    ]}
    response = client.post("/v1/vocabulary-sets", json=clash, headers=headers)
    assert response.status_code == 422, response.text
    problems = response.json()["errors"]
    assert [p["field"] for p in problems] == ["body.entries[2].lemma"]
    assert "nb-construction-hammer-cloze-1" in problems[0]["message"]
    assert problems[0]["code"] == "in_bank" and problems[0]["values"]["lemma"] == "hammer"
    assert "nb-construction-hammer-cloze-1" in problems[0]["values"]["items"]

    created = client.post("/v1/vocabulary-sets", json=DOC_SET, headers=headers)
    assert created.status_code == 201, created.text
    assert {item["type"] for item in created.json()["items"]} >= {"cloze_typed", "cloze_choice",
                                                                    "multiple_choice"}
    published = client.post(f"/v1/vocabulary-sets/{created.json()['id']}/publish", headers=headers)
    assert published.status_code == 200, published.text
    assert published.json()["status"] == "published" and published.json()["published_at"]


def test_publish_is_409_when_the_bank_took_an_id_after_the_preview(client, people, db):
    from datetime import datetime, timezone

    from content.schema import Item

    from api.services import items as item_store
    from api_helpers import _item_data

    headers = people["author"]["headers"]
    body = client.post("/v1/vocabulary-sets", json=GOOD_SET, headers=headers).json()
    taken = Item.model_validate({**_item_data(1, "nb", "trade", "construction", 0.0),
                                 "id": body["items"][0]["id"]})
    db.add(ItemRow(**item_store.row_values(taken, "bank", datetime.now(timezone.utc), live=True)))
    db.commit()
    response = client.post(f"/v1/vocabulary-sets/{body['id']}/publish", headers=headers)
    assert response.status_code == 409 and response.json()["item_ids"] == [taken.id]
    assert client.get(f"/v1/vocabulary-sets/{body['id']}", headers=headers).json()["status"] == "draft"

"""The service on the real content bank: loading it, and a placement test through HTTP."""
from __future__ import annotations

import uuid

import numpy as np
import pytest

from api_helpers import Served, assert_no_answer_key, create_user, login, right_answer, wrong_answer

LEVELS = ("A1", "A2", "B1", "B2")


def test_real_bank_loads_idempotently_and_a_placement_ends_with_a_level(make_client):
    from content.bank import default_bank

    bank = {item.id: item.model_dump(mode="json") for item in default_bank().items}
    client = make_client(bank="real")
    health = client.get("/healthz").json()
    assert health["items"] == len(bank)
    again = make_client(bank="real")  # a second start loads nothing twice
    assert again.get("/healthz").json()["items"] == len(bank)
    # Twins (a typed cloze and its choice cloze from one sentence) share a family in the table,
    # so a session can keep them apart.
    from sqlmodel import Session, select

    from api.models import ItemRow

    with Session(client.app.state.db_engine) as db:
        families = dict(db.exec(select(ItemRow.id, ItemRow.family)).all())
    twins = {i: f for i, f in families.items() if i.endswith("-cloze-1")}
    assert twins and all(families[i.replace("-cloze-1", "-choice-1")] == f
                         for i, f in twins.items() if i.replace("-cloze-1", "-choice-1") in families)
    assert families == {i: item["family"] for i, item in bank.items()}

    create_user(client, "ayse", "learner", language="nb")
    headers = login(client, "ayse")
    session_id = client.post("/v1/sessions", headers=headers,
                             json={"language": "nb", "mode": "placement"}).json()["id"]
    rng = np.random.default_rng(3)
    served = Served(client, session_id)
    steps, types = 0, []
    while True:
        step = client.get(f"/v1/sessions/{session_id}/next", headers=headers).json()
        if step["done"]:
            assert_no_answer_key(step, bank)
            break
        truth = bank[served.bank_id(step["item"])]
        assert_no_answer_key(step, bank, truth["id"])
        assert truth["language"] == "nb" and truth["track"] == "b1"
        types.append(truth["type"])
        # A learner who knows A1-A2 material and half of B1.
        knows = {"A1": 0.95, "A2": 0.85, "B1": 0.5, "B2": 0.15}[truth["cefr"]]
        value = right_answer(truth) if rng.random() < knows else wrong_answer(truth)
        result = client.post(f"/v1/sessions/{session_id}/responses", headers=headers,
                             json={"item_id": step["item"]["id"], "answer": served.answer(truth, value),
                                   "response_ms": 5000,
                                   "client_response_id": uuid.uuid4().hex})
        assert result.status_code == 200, result.text
        steps += 1
    result = step["result"]
    assert result["level"] in LEVELS and result["items_answered"] == steps
    # The placement design (engine.design.PLACEMENT): classification at the cuts, every item
    # type asked (content balance), a level per skill with its probability.
    assert set(types) == {"multiple_choice", "cloze_choice", "cloze_typed", "word_order", "reading"}
    skills = result["skills"]
    assert set(skills) == {"functional", "grammar", "reading", "vocabulary"}
    assert sum(s["items"] for s in skills.values()) == steps
    assert all(s["level"] in LEVELS and 0.25 < s["probability"] <= 1 for s in skills.values())


def test_a_choice_items_options_may_show_its_words_a_typed_items_payload_may_not():
    """The leak check of every served payload: a choice item shows every option, the right one's
    word (its lemma) too; which option is right is the secret. A typed item's lemma is its answer."""
    from content.bank import default_bank

    bank = {item.id: item.model_dump(mode="json") for item in default_bank().items}
    choice = bank["nb-public_services-019"]  # "dagpenger" among "sykepenger" and "barnetrygd"
    assert choice["type"] == "cloze_choice" and choice["lemma"] in [o["text"] for o in choice["options"]]
    served = {"item": {"id": "opaque", "type": choice["type"], "prompt": choice["prompt"], "options": choice["options"]}}
    assert_no_answer_key(served, bank, choice["id"])
    typed = next(i for i in bank.values() if i["type"] == "cloze_typed" and i.get("lemma"))
    leaked = {"item": {"id": "opaque", "type": "cloze_typed", "prompt": typed["prompt"], "hint": typed["lemma"]}}
    with pytest.raises(AssertionError, match="answer key"):
        assert_no_answer_key(leaked, bank, typed["id"])
    with pytest.raises(AssertionError, match="secret field 'answers'"):
        assert_no_answer_key({"item": {**served["item"], "answers": choice["answers"]}}, bank, choice["id"])

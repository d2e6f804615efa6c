"""The learner flow: placement tests and drills through HTTP."""
from __future__ import annotations

import uuid

import pytest
from api_helpers import Served, assert_no_answer_key, right_answer, small_bank_data, wrong_answer
from sqlmodel import select

from api.models import ResponseRow

LEVELS = ("A1", "A2", "B1", "B2")
BANK = {item["id"]: item for item in small_bank_data()}
#: The simulated learner knows every item easier than this.
KNOWS_BELOW = 0.5


def start(client, headers, **body):
    body = {"language": "nb", "mode": "placement", "track": "b1", "trade": None, **body}
    response = client.post("/v1/sessions", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def answer(client, headers, session_id, item_id, value, client_id=None, response_ms=4200):
    return client.post(f"/v1/sessions/{session_id}/responses", headers=headers,
                       json={"item_id": item_id, "answer": value, "response_ms": response_ms,
                             "client_response_id": client_id or uuid.uuid4().hex})


def test_full_placement_ends_with_a_level_and_never_leaks_answers(client, people):
    headers = people["learner"]["headers"]
    created = start(client, headers)
    assert created["mode"] == "placement" and created["status"] == "active"
    seen = []
    payloads = [created]
    served = Served(client, created["id"])
    shown_orders = []
    while True:
        step = client.get(f"/v1/sessions/{created['id']}/next", headers=headers)
        assert step.status_code == 200
        payloads.append(step.json())
        if step.json()["done"]:
            break
        item = step.json()["item"]
        assert set(item) >= {"id", "type", "prompt", "options", "instructions"}
        truth = BANK[served.bank_id(item)]
        assert item["id"] not in seen, "an item was repeated within a session"
        assert item["id"] not in BANK, "a bank id was sent to the learner"
        seen.append(item["id"])
        if truth["options"]:
            texts = {o["id"]: o["text"] for o in truth["options"]}
            shown_orders.append([o["text"] for o in item["options"]] == [texts[o["id"]] for o in truth["options"]])
            assert not {o["id"] for o in item["options"]} & set(texts), "bank option ids sent"
        value = right_answer(truth) if truth["b"] < KNOWS_BELOW else wrong_answer(truth)
        result = answer(client, headers, created["id"], item["id"], served.answer(truth, value))
        assert result.status_code == 200, result.text
        body = result.json()
        # A placement test says nothing per answer: right and wrong look the same.
        assert body["items_answered"] == len(seen)
        assert {k for k, v in body.items() if v is not None} == {"items_answered", "done", "next"}
    # Authors write the right option first; the learner must not see the options as written.
    # The order is random per session, so the check is one that cannot flake:
    # with three options and n >= 4 items, all shown as written has probability <= 6**-4.
    assert len(shown_orders) >= 4 and not all(shown_orders)
    result = payloads[-1]["result"]
    assert result["level"] in LEVELS and result["items_answered"] == len(seen)
    assert 10 <= len(seen) <= 30
    # The learner knows items up to b = 0.5: the estimate lands near there, in A2/B1.
    assert -0.5 < result["theta"] < 1.5 and result["level"] in ("A2", "B1")
    me = client.get("/v1/learners/me", headers=headers)
    assert me.status_code == 200
    payloads.append(me.json())
    assert me.json()["overall"]["level"] in LEVELS and len(me.json()["history"]) == len(seen)
    assert sum(me.json()["overall"]["level_probabilities"].values()) == pytest.approx(1.0)
    assert set(me.json()["skills"]) <= {"vocabulary", "grammar", "reading", "functional"}
    session_view = client.get(f"/v1/sessions/{created['id']}", headers=headers).json()
    assert session_view["status"] == "done" and session_view["items_answered"] == len(seen)
    for payload in payloads:
        assert_no_answer_key(payload, BANK)
    again = client.get(f"/v1/sessions/{created['id']}/next", headers=headers).json()
    assert again == {"done": True, "item": None, "result": result}


def test_next_repeats_the_unanswered_item(client, people):
    headers = people["learner"]["headers"]
    session_id = start(client, headers)["id"]
    first = client.get(f"/v1/sessions/{session_id}/next", headers=headers).json()
    second = client.get(f"/v1/sessions/{session_id}/next", headers=headers).json()
    assert first == second and first["done"] is False


def test_retry_with_same_client_response_id_returns_first_result_and_records_once(client, people, db):
    headers = people["learner"]["headers"]
    session_id = start(client, headers)["id"]
    item = client.get(f"/v1/sessions/{session_id}/next", headers=headers).json()["item"]
    served = Served(client, session_id)
    truth = BANK[served.bank_id(item)]
    first = answer(client, headers, session_id, item["id"], served.answer(truth, right_answer(truth)), "phone-1")
    retry = answer(client, headers, session_id, item["id"], served.answer(truth, right_answer(truth)), "phone-1")
    # Even a retry carrying a different answer gets the first result back.
    changed = answer(client, headers, session_id, item["id"], served.answer(truth, wrong_answer(truth)),
                     "phone-1")
    assert first.status_code == retry.status_code == changed.status_code == 200
    assert first.json() == retry.json() == changed.json()
    rows = db.exec(select(ResponseRow).where(ResponseRow.session_id == session_id)).all()
    assert [(r.item_id, r.client_response_id, r.correct) for r in rows] == [(truth["id"], "phone-1", True)]
    assert client.get(f"/v1/sessions/{session_id}", headers=headers).json()["items_answered"] == 1
    following = client.get(f"/v1/sessions/{session_id}/next", headers=headers).json()["item"]
    assert following["id"] != item["id"]


@pytest.mark.parametrize("other", ["a retry", "another answer"])
def test_an_answer_planned_before_the_lock_yields_to_one_stored_meanwhile(client, people, db, monkeypatch,
                                                                         other):
    """An answer is planned (scored, the next item chosen) before the learner's lock; when
    another request stores an answer to the same item in between, the plan is dropped: a
    retry (same client_response_id) gets the first result, another answer a 409, and the
    session holds one answer and the state the first request wrote."""
    from sqlmodel import Session

    from api.models import LearningSession
    from api.services import sessions
    from api.services.served_items import served_item_id

    headers = people["learner"]["headers"]
    session_id = start(client, headers)["id"]
    item = client.get(f"/v1/sessions/{session_id}/next", headers=headers).json()["item"]
    served = Served(client, session_id)
    truth = BANK[served.bank_id(item)]
    value = served.answer(truth, right_answer(truth))
    planned, real_plan = [], sessions._plan
    meanwhile: dict = {}

    def plan_with_a_race(db_, row, state, bank_id, answer_, response_ms, client_response_id, settings, now):
        planned.append(client_response_id)
        if len(planned) == 1:  # this request has planned; another one answers the item first
            racer = "phone-1" if other == "a retry" else "phone-2"
            with Session(client.app.state.db_engine) as elsewhere:
                meanwhile["reply"] = sessions.record_response(
                    elsewhere, row.learner_id, row.id, served_item_id(state.key, bank_id), answer_,
                    response_ms, racer, settings, now)
        return real_plan(db_, row, state, bank_id, answer_, response_ms, client_response_id, settings, now)

    inserts, real_insert = [], sessions.store.record_answer

    def counted_insert(connection, values):
        inserts.append(values["client_response_id"])
        real_insert(connection, values)

    monkeypatch.setattr(sessions, "_plan", plan_with_a_race)
    monkeypatch.setattr(sessions.store, "record_answer", counted_insert)
    reply = answer(client, headers, session_id, item["id"], value, "phone-1")
    # Planned once here and once by the request that got in first; not planned again here,
    # and the stale plan not even tried against the unique constraints.
    assert planned == ["phone-1", "phone-1" if other == "a retry" else "phone-2"]
    assert inserts == planned[1:]
    first = meanwhile["reply"]
    if other == "a retry":
        assert reply.status_code == 200, reply.text
        assert reply.json()["next"]["item"]["id"] == first.next.item["id"]
        assert reply.json()["items_answered"] == first.result["items_answered"] == 1
    else:
        assert reply.status_code == 409, reply.text
        assert reply.json()["detail"].startswith(f"item '{item['id']}' was already answered in this session")
    rows = db.exec(select(ResponseRow).where(ResponseRow.session_id == session_id)).all()
    assert len(rows) == 1 and rows[0].item_id == truth["id"]
    state = db.get(LearningSession, session_id).state
    assert state["answered"] == 1 and served_item_id(state["key"], state["pending"]) == first.next.item["id"]


def test_answers_to_items_not_served_or_already_answered_are_409(client, people):
    headers = people["learner"]["headers"]
    session_id = start(client, headers)["id"]
    item = client.get(f"/v1/sessions/{session_id}/next", headers=headers).json()["item"]
    served = Served(client, session_id)
    truth = BANK[served.bank_id(item)]
    # A bank id, even the served item's own, is not an id this session served.
    never_served = next(i for i in BANK if i != truth["id"] and i.startswith("nb-test-b1"))
    for item_id in (never_served, truth["id"], "does-not-exist"):
        conflict = answer(client, headers, session_id, item_id, "a")
        assert conflict.status_code == 409
        assert conflict.headers["content-type"] == "application/problem+json"
        assert conflict.json()["detail"].startswith(f"item '{item_id}' was not served in this session: answer")
        assert conflict.json()["code"] == "item_not_waiting"
    if truth["options"]:
        unknown = answer(client, headers, session_id, item["id"],
                         truth["answers"][0] if truth["type"] != "word_order" else list(truth["answers"][0]))
        assert unknown.status_code == 422 and "served with" in unknown.json()["detail"]
    right = served.answer(truth, right_answer(truth))
    assert answer(client, headers, session_id, item["id"], right).status_code == 200
    twice = answer(client, headers, session_id, item["id"], right)
    assert twice.status_code == 409 and "already answered" in twice.json()["detail"]
    assert twice.json()["code"] == "item_not_waiting"


def test_sessions_of_other_learners_are_404_and_other_roles_403(client, people):
    mine = start(client, people["learner"]["headers"])["id"]
    item = client.get(f"/v1/sessions/{mine}/next", headers=people["learner"]["headers"]).json()["item"]
    other = people["learner2"]["headers"]
    assert client.get(f"/v1/sessions/{mine}", headers=other).status_code == 404
    assert client.get(f"/v1/sessions/{mine}/next", headers=other).status_code == 404
    assert answer(client, other, mine, item["id"], "x").status_code == 404
    for role in ("teacher", "author", "admin"):
        headers = people[role]["headers"]
        assert client.get(f"/v1/sessions/{mine}/next", headers=headers).status_code == 403
        assert client.post("/v1/sessions", headers=headers,
                           json={"language": "nb", "mode": "drill"}).status_code == 403
    assert client.get(f"/v1/sessions/{mine}/next").status_code == 401
    assert client.get("/v1/sessions/0123456789abcdef/next",
                      headers=people["learner"]["headers"]).status_code == 404


def test_session_request_validation(client, people):
    headers = people["learner"]["headers"]
    cases = [({"language": "nb", "mode": "placement", "track": "trade"}, "body",
              "trade is required when track is 'trade'"),
             ({"language": "xx", "mode": "placement"}, "body.language", None),
             ({"language": "nb", "mode": "exam"}, "body.mode", None),
             ({"language": "nb", "mode": "drill", "track": "trade", "trade": "piloting"},
              "body.trade", None)]
    for body, field, message in cases:
        response = client.post("/v1/sessions", json=body, headers=headers)
        assert response.status_code == 422, body
        assert response.json()["errors"][0]["field"] == field
        if message:
            assert message in response.json()["errors"][0]["message"]
    no_items = client.post("/v1/sessions", json={"language": "tr", "mode": "placement"}, headers=headers)
    assert no_items.status_code == 404 and "no exercises" in no_items.json()["detail"]
    session_id = start(client, headers)["id"]
    item = client.get(f"/v1/sessions/{session_id}/next", headers=headers).json()["item"]
    shape = ["a", "b"] if item["type"] != "word_order" else "a"
    wrong_shape = client.post(f"/v1/sessions/{session_id}/responses", headers=headers,
                              json={"item_id": item["id"], "answer": shape, "client_response_id": "x1"})
    assert wrong_shape.status_code == 422
    assert [e["field"] for e in wrong_shape.json()["errors"]] == ["body.answer"]
    bad = client.post(f"/v1/sessions/{session_id}/responses", headers=headers,
                      json={"item_id": item["id"], "answer": "a", "response_ms": -5})
    assert bad.status_code == 422
    assert sorted(e["field"] for e in bad.json()["errors"]) == ["body.client_response_id",
                                                                 "body.response_ms"]


def test_trade_drill_mixes_trade_and_b1_items_and_stops_at_its_length(client, people):
    headers = people["learner"]["headers"]
    created = start(client, headers, mode="drill", track="trade", trade="construction")
    served = []
    ids = Served(client, created["id"])
    while True:
        step = client.get(f"/v1/sessions/{created['id']}/next", headers=headers).json()
        if step["done"]:
            break
        served.append(ids.bank_id(step["item"]))
        truth = BANK[served[-1]]
        assert answer(client, headers, created["id"], step["item"]["id"],
                      ids.answer(truth, right_answer(truth))).status_code == 200
    assert len(served) == client.app.state.settings.drill_length
    tracks = [BANK[i]["track"] for i in served]
    assert tracks == ["trade", "b1"] * (len(served) // 2)
    assert step["result"]["correct"] == len(served)
    assert all(BANK[i]["language"] == "nb" for i in served)


#: What a learner's screen gets for an exercise: nothing else (no answers, feedback or parameters).
ITEM_KEYS = {"id", "type", "shape", "language", "skill", "cefr", "instructions", "prompt", "passage", "options",
             "hint", "instructions_support"}
RESULT_KEYS = {"score", "max_score", "correct", "feedback", "right_answer", "theta", "se", "level",
               "level_probabilities", "level_description", "items_answered", "done", "next"}


def test_contract_shapes_of_session_item_result_and_progress(client, people):
    headers = people["learner"]["headers"]
    created = client.post("/v1/sessions", headers=headers,
                          json={"language": "nb", "mode": "drill", "track": "trade", "trade": "construction"})
    assert created.status_code == 201
    assert created.headers["content-type"] == "application/json"
    body = created.json()
    assert (body["language"], body["mode"], body["track"], body["trade"], body["status"],
            body["items_answered"]) == ("nb", "drill", "trade", "construction", "active", 0)
    assert isinstance(body["id"], str) and body["id"]
    types = set()
    served = Served(client, body["id"])
    step = client.get(f"/v1/sessions/{body['id']}/next", headers=headers).json()
    while True:
        assert set(step) == {"done", "item", "result"}
        if step["done"]:
            assert step["item"] is None and set(step["result"]) >= {"theta", "se", "level",
                                                                   "level_probabilities", "items_answered"}
            break
        item = step["item"]
        assert set(item) == ITEM_KEYS and step["result"] is None
        types.add(item["type"])
        truth = BANK[served.bank_id(item)]
        assert all(set(option) == {"id", "text"} for option in item["options"])
        assert sorted(o["text"] for o in item["options"]) == sorted(o["text"] for o in truth["options"])
        assert (item["prompt"], item["instructions"]) == (truth["prompt"], truth["instructions"])
        result = answer(client, headers, body["id"], item["id"], served.answer(truth, right_answer(truth)))
        assert set(result.json()) == RESULT_KEYS
        r = result.json()
        assert (r["score"], r["max_score"], r["correct"], r["feedback"]) == (
            truth["max_score"], truth["max_score"], True, truth["feedback"])
        assert r["level"] in LEVELS and set(r["level_probabilities"]) == set(LEVELS)
        assert r["se"] > 0 and isinstance(r["theta"], float)
        # The reply serves what comes next; GET next then serves the same.
        step = r["next"]
        assert r["done"] is step["done"]
        assert client.get(f"/v1/sessions/{body['id']}/next", headers=headers).json() == step
    assert len(types) >= 3
    assert r["done"] is True
    me = client.get("/v1/learners/me", headers=headers).json()
    assert set(me) >= {"id", "username", "language", "overall", "skills", "history", "sessions", "reviews"}
    assert set(me["overall"]) >= {"theta", "se", "level", "level_probabilities"}
    assert all(set(facts) >= {"theta", "se", "level", "level_probabilities"} for facts in me["skills"].values())
    assert me["skills"] and set(me["skills"]) <= set(BANK[i]["skill"] for i in BANK)
    assert len(me["history"]) == body_answered(client, headers, body["id"])
    assert all(set(point) >= {"time", "theta", "se", "level"} for point in me["history"])
    assert [s["id"] for s in me["sessions"]] == [body["id"]]
    assert client.get("/v1/learners/me").status_code == 401


def body_answered(client, headers, session_id) -> int:
    return client.get(f"/v1/sessions/{session_id}", headers=headers).json()["items_answered"]


def test_a_placement_item_does_not_tell_its_level_a_drills_does(client, people):
    """The next item of an adaptive test follows the estimate: its level would rise after a right
    answer and fall after a wrong one. A placement test sends no level; a drill (which says
    right or wrong anyway) keeps it."""
    headers = people["learner"]["headers"]
    for mode, expect_level in (("placement", False), ("drill", True)):
        session_id = start(client, headers, mode=mode)["id"]
        served = Served(client, session_id)
        step = client.get(f"/v1/sessions/{session_id}/next", headers=headers).json()
        shown = 0
        while not step["done"] and shown < 6:
            item = step["item"]
            assert "cefr" in item  # the same shape in both modes
            assert (item["cefr"] in LEVELS) if expect_level else item["cefr"] is None, (mode, item)
            again = client.get(f"/v1/sessions/{session_id}/next", headers=headers).json()["item"]
            assert again == item  # served again, the same: still no level
            truth = BANK[served.bank_id(item)]
            value = right_answer(truth) if shown % 2 else wrong_answer(truth)
            reply = answer(client, headers, session_id, item["id"], served.answer(truth, value))
            assert reply.status_code == 200, reply.text
            step, shown = reply.json()["next"], shown + 1
        assert shown >= 2


def _problem(response, *phrases):
    assert response.status_code == 422, response.text
    body = response.json()
    assert [e["field"] for e in body["errors"]] == ["body.answer"]
    for phrase in phrases:
        assert phrase in body["detail"], body["detail"]


def test_badly_formed_answers_are_422_and_never_scored(client, people, db):
    """An empty typed answer, a word order that is not each served token once, an overlong typed
    text: a 422 that says what is wrong, nothing stored, the exercise still waiting."""
    from api.services.served_items import TYPED_ANSWER_MAX_CHARS

    headers = people["learner"]["headers"]
    session_id = start(client, headers)["id"]
    served = Served(client, session_id)
    step = client.get(f"/v1/sessions/{session_id}/next", headers=headers).json()
    checked = set()
    while not step["done"] and checked != {"cloze_typed", "word_order", "choice"}:
        item = step["item"]
        truth = BANK[served.bank_id(item)]
        before = body_answered(client, headers, session_id)
        if item["type"] == "cloze_typed":
            for empty in ("", "   ", "\u00a0 \u2003"):
                _problem(answer(client, headers, session_id, item["id"], empty), "empty")
            long = answer(client, headers, session_id, item["id"], "x" * (TYPED_ANSWER_MAX_CHARS + 1))
            _problem(long, f"{TYPED_ANSWER_MAX_CHARS + 1} characters", str(TYPED_ANSWER_MAX_CHARS))
            value = "x" * TYPED_ANSWER_MAX_CHARS  # the longest accepted: scored (wrong)
        elif item["type"] == "word_order":
            tokens = served.answer(truth, right_answer(truth))
            _problem(answer(client, headers, session_id, item["id"], tokens[:-1]),
                     f"each of the {len(tokens)} token ids", "1 missing")
            _problem(answer(client, headers, session_id, item["id"], [t for t in tokens for _ in (1, 2)]),
                     f"'{tokens[0]}' given 2 times")
            _problem(answer(client, headers, session_id, item["id"], [*tokens, tokens[0]]),
                     f"'{tokens[0]}' given 2 times")
            _problem(answer(client, headers, session_id, item["id"], []), f"{len(tokens)} missing")
            _problem(answer(client, headers, session_id, item["id"], [*tokens[:-1], "zzzzzzzzz"]),
                     "'zzzzzzzzz' is not a token id")
            value = tokens
        else:
            _problem(answer(client, headers, session_id, item["id"], "zzzzzzzzz"),
                     "'zzzzzzzzz' is not an option id")
            value = served.answer(truth, right_answer(truth))
        checked.add(item["type"] if item["type"] in ("cloze_typed", "word_order") else "choice")
        assert body_answered(client, headers, session_id) == before
        assert client.get(f"/v1/sessions/{session_id}/next", headers=headers).json()["item"] == item
        reply = answer(client, headers, session_id, item["id"], value)
        assert reply.status_code == 200, reply.text
        step = reply.json()["next"]
    assert checked == {"cloze_typed", "word_order", "choice"}
    stored = db.exec(select(ResponseRow.answer).where(ResponseRow.session_id == session_id)).all()
    assert "" not in stored and all(len(a) <= TYPED_ANSWER_MAX_CHARS for a in stored if isinstance(a, str))


@pytest.mark.parametrize("mode", ["placement", "drill"])
def test_a_client_response_id_reused_on_another_item_is_409_and_a_true_retry_still_repeats(
        client, people, db, mode):
    headers = people["learner"]["headers"]
    session_id = start(client, headers, mode=mode)["id"]
    served = Served(client, session_id)
    first_item = client.get(f"/v1/sessions/{session_id}/next", headers=headers).json()["item"]
    first_truth = BANK[served.bank_id(first_item)]
    first_value = served.answer(first_truth, right_answer(first_truth))
    first = answer(client, headers, session_id, first_item["id"], first_value, "phone-1")
    assert first.status_code == 200, first.text
    second_item = first.json()["next"]["item"]
    second_truth = BANK[served.bank_id(second_item)]
    second_value = served.answer(second_truth, right_answer(second_truth))
    reused = answer(client, headers, session_id, second_item["id"], second_value, "phone-1")
    assert reused.status_code == 409 and reused.json()["code"] == "client_response_id_reused", reused.text
    assert reused.json()["detail"].startswith("this client_response_id was already used for another item "
                                              f"('{first_item['id']}')")
    assert reused.headers["content-type"] == "application/problem+json"
    # Nothing recorded: the second item still waits for its answer.
    assert body_answered(client, headers, session_id) == 1
    assert client.get(f"/v1/sessions/{session_id}/next", headers=headers).json()["item"] == second_item
    # A true retry (same id, same item) still gets the first result.
    retry = answer(client, headers, session_id, first_item["id"], first_value, "phone-1")
    assert retry.status_code == 200 and retry.json()["items_answered"] == first.json()["items_answered"]
    assert {k: v for k, v in retry.json().items() if k != "next"} == \
        {k: v for k, v in first.json().items() if k != "next"}
    fresh = answer(client, headers, session_id, second_item["id"], second_value, "phone-2")
    assert fresh.status_code == 200 and fresh.json()["items_answered"] == 2
    # Both answered now: the first item's id on the second item is still no retry of it.
    crossed = answer(client, headers, session_id, second_item["id"], second_value, "phone-1")
    assert crossed.status_code == 409 and crossed.json()["detail"] == reused.json()["detail"]
    rows = db.exec(select(ResponseRow.item_id, ResponseRow.client_response_id)
                   .where(ResponseRow.session_id == session_id).order_by(ResponseRow.id)).all()
    assert [tuple(r) for r in rows] == [(first_truth["id"], "phone-1"), (second_truth["id"], "phone-2")]


def test_an_answer_to_a_finished_session_is_409_finished_unless_it_is_a_retry(client, people):
    headers = people["learner"]["headers"]
    session_id = start(client, headers, mode="drill")["id"]
    served = Served(client, session_id)
    step = client.get(f"/v1/sessions/{session_id}/next", headers=headers).json()
    while not step["done"]:
        item = step["item"]
        truth = BANK[served.bank_id(item)]
        last = (item, served.answer(truth, right_answer(truth)), uuid.uuid4().hex)
        reply = answer(client, headers, session_id, last[0]["id"], last[1], last[2])
        assert reply.status_code == 200, reply.text
        step, last_reply = reply.json()["next"], reply.json()
    assert client.get(f"/v1/sessions/{session_id}", headers=headers).json()["status"] == "done"
    item, value, client_id = last
    never_served = next(iter(BANK))
    for item_id, given, cid in ((never_served, "a", None), ("does-not-exist", "a", None),
                                (item["id"], value, None), (item["id"], value, "another-id")):
        finished = answer(client, headers, session_id, item_id, given, cid)
        assert finished.status_code == 409, finished.text
        assert finished.json()["detail"].startswith("this session has finished"), finished.json()["detail"]
        assert finished.json()["code"] == "session_finished"
        assert "GET /v1/sessions/" in finished.json()["detail"]
    # A retry of the last answer (same id, same item) still gets its first result.
    retry = answer(client, headers, session_id, item["id"], value, client_id)
    assert retry.status_code == 200 and retry.json() == last_reply


def test_each_answer_keeps_the_estimate_just_before_it(client, people, db):
    """What an item's fit judges an answer against (api/services/authoring.py): the session's
    estimate before the answer, the previous answer's after it; a placement's first, the prior."""
    headers = people["learner"]["headers"]
    session_id = start(client, headers)["id"]
    served = Served(client, session_id)
    for number in range(5):
        item = client.get(f"/v1/sessions/{session_id}/next", headers=headers).json()["item"]
        truth = BANK[served.bank_id(item)]
        value = right_answer(truth) if number % 2 == 0 else wrong_answer(truth)
        assert answer(client, headers, session_id, item["id"], served.answer(truth, value)).status_code == 200
    rows = db.exec(select(ResponseRow).where(ResponseRow.session_id == session_id).order_by(ResponseRow.id)).all()
    assert len(rows) == 5
    assert rows[0].theta_before == pytest.approx(0.0, abs=1e-9) and rows[0].se_before == pytest.approx(1.0, abs=1e-3)
    assert [(r.theta_before, r.se_before) for r in rows[1:]] == [(r.theta, r.se) for r in rows[:-1]]
    assert len({r.theta for r in rows}) == 5  # the estimate moved with every answer

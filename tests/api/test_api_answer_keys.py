"""Nothing a learner receives says anything about the key (issue 13).

A client that knows no language but reads everything it is sent — the first
option id in sorted order, token ids sorted, text read from the ids typed in
every gap, the option order predicted as the old service drew it — must be
placed A1 and score at chance in drills; over the whole bank, no served id,
order or field may be correlated with the key.
"""
from __future__ import annotations

import math
import random
import uuid
import zlib
from collections import Counter

import numpy as np
import pytest
from scipy import stats

from api.services import engine_adapter as adapter
from api.services import served_items
from api_helpers import START, Served, create_user, login, right_answer

#: Sessions per strategy in the placement test (seeded: the outcome is the same on every run).
PLACEMENTS_PER_STRATEGY = 4
STRATEGIES = ("first_sorted", "first_shown", "predicted_shuffle")
#: Keys per item in the bank-wide test.
KEYS_PER_ITEM = 4


@pytest.fixture
def seeded_keys(monkeypatch):
    """Session keys and seeds from a seeded generator, so the test is exact on every run."""
    rng = random.Random(20261206)
    monkeypatch.setattr(served_items, "new_key", lambda: rng.randbytes(served_items.KEY_BYTES).hex())
    from api.services import sessions

    monkeypatch.setattr(sessions.secrets, "randbits", rng.getrandbits)
    return rng


def blind_answer(item: dict, session_id: str, strategy: str):
    """An answer from the ids and the order alone: no knowledge of the language."""
    if item["type"] == "cloze_typed":
        return item["id"]  # "any text read from ids in every gap"
    ids = [o["id"] for o in item["options"]]
    if item["type"] == "word_order":
        return sorted(ids)
    if strategy == "first_sorted":
        return sorted(ids)[0]
    if strategy == "first_shown":
        return ids[0]
    # The old shuffle: seeded by crc32(session id) and crc32(item id), both known to the learner;
    # the author's first option is where the permutation put index 0.
    order = np.random.default_rng([zlib.crc32(session_id.encode()),
                                   zlib.crc32(item["id"].encode())]).permutation(len(ids))
    return ids[list(order).index(0)]


def take(client, headers, mode: str, answer_for, **body) -> tuple[dict, list[tuple[dict, dict]]]:
    """Run one session to its end; returns its result and (served item, reply) per answer."""
    created = client.post("/v1/sessions", headers=headers,
                          json={"language": "nb", "mode": mode, "track": "b1", "trade": None, **body})
    assert created.status_code == 201, created.text
    return finish(client, headers, created.json()["id"], answer_for)


def finish(client, headers, session_id: str, answer_for) -> tuple[dict, list[tuple[dict, dict]]]:
    step = client.get(f"/v1/sessions/{session_id}/next", headers=headers).json()
    replies = []
    while not step["done"]:
        item = step["item"]
        reply = client.post(f"/v1/sessions/{session_id}/responses", headers=headers,
                            json={"item_id": item["id"], "answer": answer_for(session_id, item),
                                  "client_response_id": uuid.uuid4().hex})
        assert reply.status_code == 200, reply.text
        replies.append((item, reply.json()))
        step = reply.json()["next"]
    return step["result"], replies


def test_a_client_that_knows_no_language_is_placed_a1_and_guesses_at_chance(make_client, seeded_keys):
    client = make_client(bank="real", drill_length=40)
    levels = Counter()
    for strategy in STRATEGIES:
        for number in range(PLACEMENTS_PER_STRATEGY):
            name = f"blind-{strategy}-{number}"
            create_user(client, name, "learner")
            result, _ = take(client, login(client, name), "placement",
                             lambda sid, item, s=strategy: blind_answer(item, sid, s))
            levels[result["level"]] += 1
    assert levels == {"A1": PLACEMENTS_PER_STRATEGY * len(STRATEGIES)}, levels

    # The harness can tell: a client that knows every key is placed at the top.
    create_user(client, "knows", "learner")
    headers = login(client, "knows")
    from content.bank import default_bank

    truth = {item.id: item.model_dump(mode="json") for item in default_bank().items}

    def knowing(session_id, item):
        served = Served(client, session_id)
        bank = truth[served.bank_id(item)]
        return served.answer(bank, right_answer(bank))

    result, _ = take(client, headers, "placement", knowing)
    assert result["level"] == "B2", result

    # Drills teach (feedback per answer), so the choice items' scores show the guessing rate.
    right, expected, answered = 0, 0.0, 0
    for strategy in STRATEGIES:
        create_user(client, f"drill-{strategy}", "learner")
        _, replies = take(client, login(client, f"drill-{strategy}"), "drill",
                          lambda sid, item, s=strategy: blind_answer(item, sid, s))
        for item, reply in replies:
            if item["type"] in ("multiple_choice", "cloze_choice", "reading"):
                right += int(reply["correct"])
                expected += 1 / len(item["options"])
                answered += 1
    assert answered >= 60
    # At chance: the count of right answers is what guessing among the options gives
    # (a binomial-like sum; 3 standard deviations, about sqrt(n * 2/9) for three options).
    assert abs(right - expected) <= 3 * np.sqrt(answered * 2 / 9), (right, expected, answered)


def _accepted_texts(item) -> list[str]:
    texts = [a for a in item.answers if isinstance(a, str)] if item.type == "cloze_typed" else []
    return [t.casefold() for t in texts + ([item.lemma] if item.lemma else []) if len(t) >= 2]


def test_no_served_id_order_or_field_is_correlated_with_the_key():
    from content.bank import default_bank

    rng = random.Random(13)
    keys = [rng.randbytes(served_items.KEY_BYTES).hex() for _ in range(KEYS_PER_ITEM)]
    id_rank: dict[int, Counter] = {}
    shown_at: dict[int, Counter] = {}
    orders_right, orders_chance, orders = 0, 0.0, 0
    for item in default_bank().items:
        leaks = _accepted_texts(item) + [item.id.casefold()]
        for key in keys:
            view = served_items.view(item, key)
            served_ids = [view["id"]] + [o["id"] for o in view["options"]]
            assert not any(text in served for text in leaks for served in served_ids), item.id
            assert item.id not in repr(view)
            if item.type in served_items.CHOICE_TYPES:
                to_served = served_items.option_ids(key, item.id, [o.id for o in item.options])
                served_key = to_served[item.answers[0]]
                n = len(item.options)
                id_rank.setdefault(n, Counter())[sorted(to_served.values()).index(served_key)] += 1
                shown_at.setdefault(n, Counter())[[o["id"] for o in view["options"]].index(served_key)] += 1
            elif item.type == "word_order":
                back = served_items.bank_answer(item, key, sorted(o["id"] for o in view["options"]))
                texts = {o.id: o.text for o in item.options}
                orders_right += any([texts[t] for t in back] == [texts[t] for t in order]
                                    for order in item.answers)
                orders_chance += len(item.answers) / math.factorial(len(item.options))
                orders += 1
    for counts in (id_rank, shown_at):
        for n, counter in counts.items():
            observed = [counter[i] for i in range(n)]
            if sum(observed) >= 20 * n:
                assert stats.chisquare(observed).pvalue > 1e-3, (n, observed)
    assert id_rank[3].total() > 1000
    # Sorting the served token ids gives an accepted order about as often as chance does.
    assert orders > 100 and orders_right <= max(5, 3 * orders_chance + 3), (orders_right, orders_chance)


def test_keys_sit_at_every_position_in_the_bank_itself():
    from content.bank import default_bank

    positions: dict[tuple[bool, int], Counter] = {}
    for item in default_bank().items:
        if item.type in served_items.CHOICE_TYPES:
            ids = [o.id for o in item.options]
            positions.setdefault((item.vocab_key is not None, len(ids)), Counter())[ids.index(item.answers[0])] += 1
    for (generated, n), counter in positions.items():
        observed = [counter[i] for i in range(n)]
        if sum(observed) >= 30 * n:
            # No position holds the key in more than half again its fair share.
            assert max(observed) <= 1.5 * sum(observed) / n, (generated, n, observed)


def test_placement_retakes_are_limited_and_a_teacher_can_allow_one(client, people, clock):
    headers = people["learner"]["headers"]
    body = {"language": "nb", "mode": "placement"}
    first = client.post("/v1/sessions", json=body, headers=headers)
    assert first.status_code == 201
    busy = client.post("/v1/sessions", json=body, headers=headers)
    assert busy.status_code == 409 and first.json()["id"] in busy.json()["detail"]
    assert busy.json()["session_id"] == first.json()["id"] and busy.json()["code"] == "placement_open"
    result, _ = finish(client, headers, first.json()["id"],
                       lambda sid, item: blind_answer(item, sid, "first_shown"))
    assert result["level"] in ("A1", "A2", "B1", "B2")
    clock.advance(days=1)
    refused = client.post("/v1/sessions", json=body, headers=headers)
    assert refused.status_code == 409 and "teacher" in refused.json()["detail"]
    assert refused.json()["code"] == "placement_too_soon" and refused.json()["available_from"]
    # A drill is always possible.
    assert client.post("/v1/sessions", json={"language": "nb", "mode": "drill"}, headers=headers).status_code == 201
    path = f"/v1/learners/{people['learner']['id']}/placement-retakes"
    assert client.post(path, headers=headers).status_code == 403
    assert client.post(path, headers=people["teacher2"]["headers"]).status_code == 404
    allowed = client.post(path, headers=people["teacher"]["headers"])
    assert allowed.status_code == 200 and allowed.json()["placement_retakes"] == 1
    assert client.post(path, headers=people["teacher"]["headers"]).json()["placement_retakes"] == 1
    assert client.post("/v1/sessions", json=body, headers=headers).status_code == 201
    assert client.post("/v1/sessions", json=body, headers=headers).status_code == 409  # used up
    clock.advance(days=client.app.state.settings.placement_retake_days)
    assert client.post("/v1/sessions", json=body, headers=headers).status_code == 201


def test_placement_says_nothing_per_answer_and_the_learner_sees_no_estimate_during_it(client, people):
    headers = people["learner"]["headers"]
    session_id = client.post("/v1/sessions", json={"language": "nb", "mode": "placement"},
                             headers=headers).json()["id"]
    item = client.get(f"/v1/sessions/{session_id}/next", headers=headers).json()["item"]
    reply = client.post(f"/v1/sessions/{session_id}/responses", headers=headers,
                        json={"item_id": item["id"], "answer": blind_answer(item, session_id, "first_shown"),
                              "client_response_id": "c-1"}).json()
    assert {k for k, v in reply.items() if v is not None} == {"items_answered", "done", "next"}
    mine = client.get("/v1/learners/me", headers=headers).json()
    assert mine["placement_in_progress"] is True
    assert (mine["overall"], mine["skills"], mine["history"]) == (None, {}, [])
    teacher = client.get(f"/v1/learners/{people['learner']['id']}", headers=people["teacher"]["headers"]).json()
    assert teacher["overall"] is not None and len(teacher["history"]) == 1
    export = client.get(f"/v1/learners/{people['learner']['id']}/export", headers=headers)
    assert export.status_code == 200
    served = Served(client, session_id)
    assert served.bank_id(item) not in export.text and '"key"' not in export.text
    answered = export.json()["tables"]["responses"][0]
    assert answered["exercise"]["prompt"] == item["prompt"] and "score" not in answered


def test_a_retaken_placement_asks_items_not_met_before(client, people, clock):
    headers = people["learner"]["headers"]
    first, _ = take(client, headers, "placement", lambda sid, item: blind_answer(item, sid, "first_shown"))
    clock.advance(days=client.app.state.settings.placement_retake_days)
    created = client.post("/v1/sessions", json={"language": "nb", "mode": "placement"}, headers=headers)
    from sqlmodel import Session, select

    from api.models import ResponseRow

    with Session(client.app.state.db_engine) as db:
        met = set(db.exec(select(ResponseRow.item_id)))
    served = Served(client, created.json()["id"])
    second, replies = finish(client, headers, created.json()["id"],
                             lambda sid, item: blind_answer(item, sid, "first_shown"))
    asked = [served.bank_id(item) for item, _ in replies]
    nb_pool = 48  # the small bank's nb B1-track items
    # Unmet items first, for as long as the pool has them.
    shortest = adapter.placement_design("nb").min_items
    assert len(met) >= shortest and len(asked) >= shortest
    assert not set(asked[: nb_pool - len(met)]) & met, (sorted(met), asked)

"""`b1engine content export` gives, for each item, exactly the answers the service accepts as right.

A sample of the real bank (every language, track, trade and item type, the
items with the most accepted answers first) is served through HTTP, and each
exported answer is posted as a learner's answer: every one must score full
marks. A drill of unlimited length serves its whole pool, so one drill per
language and trade serves every sampled B1-track and trade item; each time an
item is served it gets its next exported answer, until every answer was posted.
"""
from __future__ import annotations

import json
import uuid
from collections import defaultdict

import numpy as np
import pytest

from api.cli import main
from api_helpers import Served, create_user, login

#: Items per (language, track, trade, type) cell: the one with most answers, then random ones.
PER_CELL = 2


def exported_items(capsys) -> list[dict]:
    capsys.readouterr()
    assert main(["content", "export"]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]


def sample(items: list[dict], rng: np.random.Generator) -> list[dict]:
    cells = defaultdict(list)
    for item in items:
        cells[(item["language"], item["track"], item["trade"], item["type"])].append(item)
    chosen = []
    for key in sorted(cells, key=str):
        cell = sorted(cells[key], key=lambda i: (-len(i["answers"]), i["id"]))
        rest = [cell[i] for i in rng.permutation(len(cell) - 1) + 1][:PER_CELL - 1]
        chosen += [cell[0], *rest]
    return chosen


# About the scorer and the bank, not storage: on SQLite only (on PostgreSQL as well it took 74 s
# more of `make test`; every service path it uses runs on PostgreSQL in the other tests).
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_every_exported_answer_is_accepted_as_right(make_client, capsys, monkeypatch):
    from content import exposure
    from content.schema import Item

    # This test is about scoring: each drill here runs through the whole pool, and an item whose
    # answer other items show would come only before them (content.exposure), so rarely at all.
    monkeypatch.setattr(exposure, "asked_terms", lambda item: frozenset())  # nothing given away
    monkeypatch.setattr(exposure, "defined_terms", lambda item: frozenset())
    from content.support import servable

    # The learners read Arabic: a gloss item withheld from Arabic readers (its word looks like
    # an Arabic one, ``look_alike_for``) is never theirs.
    everything = [i for i in exported_items(capsys) if servable(Item.model_validate(i), "ar")]
    picked = sample(everything, np.random.default_rng(11))
    kinds = {(i["track"], i["type"]) for i in picked}
    assert {("b1", t) for t in ("multiple_choice", "cloze_choice", "cloze_typed", "word_order",
                                "reading")} <= kinds
    assert {("trade", t) for t in ("multiple_choice", "cloze_choice", "cloze_typed")} <= kinds
    assert any(i["vocab_key"] for i in picked), "no item generated from a vocabulary set"
    by_id = {i["id"]: i for i in picked}
    client = make_client(bank=[Item.model_validate(i) for i in picked], drill_length=10_000)

    trades = defaultdict(set)
    for item in picked:
        if item["trade"]:
            trades[item["language"]].add(item["trade"])
    accepted = defaultdict(set)  # item id -> indexes of its answers accepted as right
    served = defaultdict(int)
    for language in sorted(trades):
        create_user(client, f"learner-{language}", "learner", language=language)
        headers = login(client, f"learner-{language}")
        # Gloss items are served only to a learner who reads a support language.
        assert client.patch("/v1/learners/me", json={"support_language": "ar"},
                            headers=headers).status_code == 204
        for trade in sorted(trades[language]):
            pool = [i for i in picked if i["language"] == language
                    and (i["track"] == "b1" or i["trade"] == trade)]
            # A session serves one item per vocabulary entry and sentence (siblings give each
            # other away): the items of one entry take a drill each.
            siblings = max(sum(1 for j in pool if j["vocab_key"] and j["vocab_key"] == i["vocab_key"])
                           for i in pool)
            for _ in range(max(len(i["answers"]) for i in pool) * max(siblings, 1)):
                if all(len(accepted[i["id"]]) == len(i["answers"]) for i in pool):
                    break
                drill(client, headers, language, trade, by_id, served, accepted)
    missing = sorted(set(by_id) - set(accepted))
    assert not missing, f"sampled items never served: {missing[:10]}"
    for item_id, indexes in accepted.items():
        assert indexes == set(range(len(by_id[item_id]["answers"]))), item_id


def drill(client, headers, language, trade, by_id, served, accepted) -> None:
    """One drill to its end; each item gets its next exported answer (round robin)."""
    session = client.post("/v1/sessions", headers=headers,
                          json={"language": language, "mode": "drill", "track": "trade", "trade": trade})
    assert session.status_code == 201, session.text
    session_id = session.json()["id"]
    ids = Served(client, session_id)
    while True:
        step = client.get(f"/v1/sessions/{session_id}/next", headers=headers)
        assert step.status_code == 200, step.text
        if step.json()["done"]:
            return
        item = by_id[ids.bank_id(step.json()["item"])]
        index = served[item["id"]] % len(item["answers"])
        served[item["id"]] += 1
        answer = item["answers"][index]
        result = client.post(f"/v1/sessions/{session_id}/responses", headers=headers,
                             json={"item_id": step.json()["item"]["id"],
                                   "answer": ids.answer(item, answer), "response_ms": 3000,
                                   "client_response_id": uuid.uuid4().hex})
        assert result.status_code == 200, (item["id"], answer, result.text)
        body = result.json()
        assert body["correct"] is True, (item["id"], item["type"], answer, body)
        assert body["score"] == body["max_score"] == item["max_score"], (item["id"], body)
        accepted[item["id"]].add(index)

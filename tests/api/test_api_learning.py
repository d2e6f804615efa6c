"""Learning over time through HTTP: spaced review in drills, pathways, review dates, fitted growth."""
from __future__ import annotations

import uuid
from datetime import timedelta

from sqlmodel import Session, select

from api.models import GrowthFit, ItemRow, LearnerAbility, LearningSession, ResponseRow, utc
from api_helpers import START, Served, _item_data, right_answer, small_bank_data, wrong_answer

WORDS = ("kniv", "gryte", "stekepanne", "oppskrift", "kjøleskap", "oppvask")


def kitchen_items() -> list[dict]:
    """Two kitchen items per vocabulary entry, each carrying the entry's vocab_key."""
    out = []
    for k, word in enumerate(WORDS):
        for j in range(2):
            index = 2 * k + j
            data = _item_data(index, "nb", "trade", "kitchen", -1.0 + 0.15 * index)
            if data["type"] == "word_order":  # keep the test's answers simple: choice and typed items
                data = _item_data(index + 1, "nb", "trade", "kitchen", -1.0 + 0.15 * index)
                data["id"] = f"nb-test-kitchen-{index:03d}"
            data["vocab_key"] = f"nb:kitchen:{word}"
            out.append(data)
    return out


BANK_DATA = small_bank_data() + kitchen_items()
BANK = {item["id"]: item for item in BANK_DATA}


def _bank():
    from content.schema import Item

    return [Item.model_validate(d) for d in BANK_DATA]


def _start_drill(client, headers, **body):
    body = {"language": "nb", "mode": "drill", "track": "b1", "trade": None, **body}
    response = client.post("/v1/sessions", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _drill(client, headers, answer_for, **body) -> list[str]:
    """Run one drill to its end; ``answer_for(item)`` gives each answer. Returns the items served."""
    session_id = _start_drill(client, headers, **body)
    ids = Served(client, session_id)
    served = []
    while True:
        step = client.get(f"/v1/sessions/{session_id}/next", headers=headers).json()
        if step["done"]:
            return served
        truth = BANK[ids.bank_id(step["item"])]
        served.append(truth["id"])
        reply = client.post(f"/v1/sessions/{session_id}/responses", headers=headers,
                            json={"item_id": step["item"]["id"], "answer": ids.answer(truth, answer_for(truth)),
                                  "client_response_id": uuid.uuid4().hex})
        assert reply.status_code == 200, reply.text


def _set_pathway(client, people, learner="learner", who="teacher", **body):
    return client.put(f"/v1/classes/{people['class_id']}/learners/{people[learner]['id']}/pathway",
                      json=body, headers=people[who]["headers"])


def test_a_word_answered_wrong_comes_back_sooner_than_one_answered_right(make_client, clock):
    from api_helpers import create_user, login

    client = make_client(bank=_bank())
    teacher = create_user(client, "teacher", "teacher")
    t_headers = login(client, "teacher")
    class_id = client.post("/v1/classes", json={"name": "Kjøkken", "language": "nb"},
                           headers=t_headers).json()["id"]
    learner = client.post(f"/v1/classes/{class_id}/learners", headers=t_headers,
                          json={"username": "kokk", "password": "password-123"}).json()
    headers = login(client, learner["username"])
    assert client.put(f"/v1/classes/{class_id}/learners/{learner['id']}/pathway", headers=t_headers,
                      json={"trade": "kitchen", "trade_share": 1.0}).status_code == 200
    assert teacher["role"] == "teacher"

    # Drill 1: the first kitchen word is answered wrong, every other answer is right.
    wrong_key = {}

    def first_kitchen_wrong(item):
        if item.get("vocab_key") and not wrong_key:
            wrong_key["key"] = item["vocab_key"]
            return wrong_answer(item)
        return right_answer(item)

    first = _drill(client, headers, first_kitchen_wrong, track="trade", trade="kitchen")
    # The teacher's pathway (kitchen only) gives every new item from the trade, one per word.
    assert all(BANK[i]["trade"] == "kitchen" for i in first)
    keys = [BANK[i]["vocab_key"] for i in first]
    assert len(set(keys)) == len(keys) and wrong_key["key"] in keys
    right_keys = set(keys) - {wrong_key["key"]}

    reviews = {r["vocab_key"]: r for r in client.get("/v1/learners/me", headers=headers).json()["reviews"]}
    assert set(reviews) == set(keys)
    for key in right_keys:
        assert reviews[wrong_key["key"]]["due"] < reviews[key]["due"]
        assert reviews[key]["lapses"] == 0
    assert reviews[wrong_key["key"]]["lapses"] == 1
    assert reviews[wrong_key["key"]]["lemma"] == wrong_key["key"].split(":")[-1]

    # Five minutes later only the word answered wrong is due: the next drill starts with it,
    # and no word answered right comes back yet.
    clock.advance(minutes=5)
    second = _drill(client, headers, right_answer)
    assert BANK[second[0]]["vocab_key"] == wrong_key["key"]
    assert not {BANK[i].get("vocab_key") for i in second[1:]} & set(keys)

    # A day later every word is due; reviews come first but take at most their share of a drill.
    clock.advance(days=1)
    third = _drill(client, headers, right_answer)
    cap = int(client.app.state.settings.drill_review_share * client.app.state.settings.drill_length)
    reviewed = [i for i in third if BANK[i].get("vocab_key") in set(keys)]
    assert third[:cap] == reviewed[:cap] and len(reviewed) == cap


def test_pathway_is_set_by_the_teacher_of_the_class_only(client, people):
    ok = _set_pathway(client, people, trade="construction", trade_share=0.5)
    assert ok.status_code == 200, ok.text
    assert ok.json()["trade"] == "construction" and ok.json()["trade_share"] == 0.5
    assert ok.json()["set_by"] == people["teacher"]["id"]
    assert _set_pathway(client, people, who="admin", trade=None).json()["trade_share"] == 0.0
    for role, status in (("teacher2", 404), ("learner", 403), ("author", 403)):
        assert _set_pathway(client, people, who=role, trade="care").status_code == status, role
    anonymous = client.put(f"/v1/classes/{people['class_id']}/learners/{people['learner']['id']}/pathway",
                           json={"trade": "care"})
    assert anonymous.status_code == 401
    # A learner who is not in this class (or no learner at all) is a 404, like another class.
    for learner_id in (people["teacher"]["id"], 9999):
        missing = client.put(f"/v1/classes/{people['class_id']}/learners/{learner_id}/pathway",
                             json={"trade": "care"}, headers=people["teacher"]["headers"])
        assert missing.status_code == 404
        assert missing.headers["content-type"].startswith("application/problem+json")
    for body in ({"trade": "bakery"}, {"trade": "care", "trade_share": 1.5},
                 {"trade": None, "trade_share": 0.5}, {"trade": "care", "extra": 1}):
        assert _set_pathway(client, people, **body).status_code == 422, body


def test_a_pathways_trade_is_read_in_any_case_and_a_trade_without_a_share_is_the_trade_only(client, people):
    """QA report, issue 10: "Kitchen" was refused, and a trade sent with a share of 0 (the page's
    empty box) was kept as a trade giving no item: the B1 track only, silently."""
    capital = _set_pathway(client, people, trade=" Kitchen", trade_share=0.7)
    assert capital.status_code == 200, capital.text
    assert (capital.json()["trade"], capital.json()["trade_share"]) == ("kitchen", 0.7)
    # A trade without a share: the trade only (docs/api.md), whether left out or null.
    for body in ({"trade": "CARE"}, {"trade": "care", "trade_share": None}):
        chosen = _set_pathway(client, people, **body)
        assert (chosen.status_code, chosen.json()["trade"], chosen.json()["trade_share"]) == (200, "care", 1.0)
    # A share of 0 with a trade says the opposite of the trade: refused, naming the field.
    zero = _set_pathway(client, people, trade="kitchen", trade_share=0)
    assert zero.status_code == 422
    assert [e["field"] for e in zero.json()["errors"]] == ["body.trade_share"]
    assert zero.json()["errors"][0]["message"].startswith("the share from the trade must be above 0 with a trade")
    # ... and nothing was changed by it.
    kept = client.get(f"/v1/classes/{people['class_id']}/learners/{people['learner']['id']}/pathway",
                      headers=people["teacher"]["headers"]).json()
    assert (kept["trade"], kept["trade_share"]) == ("care", 1.0)
    # Every refusal says which field in words a teacher reads.
    unknown = _set_pathway(client, people, trade="bakery")
    assert unknown.json()["errors"] == [{"field": "body.trade", "message": (
        "Choose the trade from care, childcare, construction, kitchen, cleaning and logistics (small or "
        "capital letters), or null for the B1 track only.")}]
    too_much = _set_pathway(client, people, trade="care", trade_share=70)
    assert too_much.json()["errors"] == [{"field": "body.trade_share", "message": (
        "The share from the trade is a number from 0 to 1: 0.7 for 70 % of the new drill items from the trade.")}]
    no_trade = _set_pathway(client, people, trade=None, trade_share=0.5)
    assert no_trade.json()["errors"][0]["message"].startswith(
        "the share from the trade must be 0 or left out when no trade is chosen")
    assert _set_pathway(client, people, trade=None).json()["trade_share"] == 0.0


def test_drills_follow_the_pathway(client, people):
    headers = people["learner"]["headers"]
    assert _set_pathway(client, people, trade="construction", trade_share=1.0).status_code == 200
    served = _drill(client, headers, right_answer)  # asked for the B1 track: the pathway wins
    assert [BANK[i]["trade"] for i in served] == ["construction"] * len(served)
    assert _set_pathway(client, people, trade=None).status_code == 200
    served = _drill(client, headers, right_answer, track="trade", trade="construction")
    assert {BANK[i]["track"] for i in served} == {"b1"}
    # Without a pathway the learner's own choice of trade track blends half and half.
    served = _drill(client, people["learner2"]["headers"], right_answer, track="trade", trade="construction")
    assert sum(BANK[i]["track"] == "trade" for i in served) == len(served) // 2


def test_review_dates_are_shown_only_to_the_learner_themself(make_client, clock):
    from api_helpers import create_user, login

    client = make_client(bank=_bank())
    create_user(client, "teacher", "teacher")
    t_headers = login(client, "teacher")
    class_id = client.post("/v1/classes", json={"name": "K", "language": "nb"}, headers=t_headers).json()["id"]
    ids, logins = {}, {}
    for name in ("ali", "bea"):
        made = client.post(f"/v1/classes/{class_id}/learners", headers=t_headers,
                           json={"username": name, "password": "password-123"}).json()
        ids[name], logins[name] = made["id"], made["username"]
    client.put(f"/v1/classes/{class_id}/learners/{ids['ali']}/pathway", headers=t_headers,
               json={"trade": "kitchen", "trade_share": 1.0})
    ali = login(client, logins["ali"])
    served = _drill(client, ali, right_answer)
    mine = client.get("/v1/learners/me", headers=ali).json()["reviews"]
    assert {r["vocab_key"] for r in mine} == {BANK[i]["vocab_key"] for i in served}
    assert all(r["state"] in ("learning", "review", "relearning") for r in mine)
    assert [r["due"] for r in mine] == sorted(r["due"] for r in mine)
    assert client.get("/v1/learners/me", headers=login(client, logins["bea"])).json()["reviews"] == []
    # Other views of the learner carry no review list.
    assert client.get(f"/v1/learners/{ids['ali']}", headers=t_headers).json()["reviews"] == []


def _store_log(client, learners: list[int], language: str = "nb") -> None:
    """Twenty days of answers for each learner, rising ability, written straight to the tables."""
    import numpy as np

    rng = np.random.default_rng(11)
    with Session(client.app.state.db_engine) as db:
        items = list(db.exec(select(ItemRow).where(ItemRow.language == language)))
        for learner_id in learners:
            start = rng.normal(-0.5, 0.5)
            for day in range(0, 20, 2):
                session_id = uuid.uuid4().hex
                moment = START + timedelta(days=day)
                db.add(LearningSession(id=session_id, learner_id=learner_id, language=language, mode="drill",
                                       track="b1", state={}, created_at=moment, updated_at=moment))
                theta = start + 0.05 * day
                for k, row in enumerate(rng.choice(len(items), size=6, replace=False)):
                    item = items[int(row)]
                    p = 1 / (1 + np.exp(-item.a * (theta - item.b)))
                    score = int(rng.random() < p) * item.max_score
                    db.add(ResponseRow(session_id=session_id, learner_id=learner_id, item_id=item.id,
                                       client_response_id=f"c{k}", answer="x", score=score,
                                       max_score=item.max_score, correct=bool(score),
                                       answered_at=moment + timedelta(minutes=k), theta=0.0, se=1.0,
                                       level="A2", result={}))
        db.commit()


def test_per_language_growth_parameters_are_used_after_a_fit(client, people, settings, clock, capsys, monkeypatch):
    from api.cli import main
    from api.services import ability, growth_fits

    # About parameters per language, on three learners' logs: the service's floor is 30
    # (growth_fits.MIN_LEARNERS, tested in test_api_calibration.py).
    monkeypatch.setattr(growth_fits, "MIN_LEARNERS", 3)
    from engine.growth import GrowthParameters

    with Session(client.app.state.db_engine) as db:
        assert ability.growth_parameters(db, "nb") == GrowthParameters()
    from api_helpers import create_user

    extra = [create_user(client, f"logged{k}", "learner")["id"] for k in range(2)]
    _store_log(client, [people["learner2"]["id"], *extra])
    assert main(["growth", "fit", "--language", "nb", "--database-url", settings.database_url]) == 0
    assert "nb: 3 learners, 180 answers" in capsys.readouterr().out
    with Session(client.app.state.db_engine) as db:
        fit = db.get(GrowthFit, "nb")
        fitted = GrowthParameters.from_dict(fit.params)
        assert fitted != GrowthParameters() and fit.learners == 3 and fit.responses == 180
        assert ability.growth_parameters(db, "nb") == fitted
        assert ability.growth_parameters(db, "en") == GrowthParameters()  # per language
    # The next answer's growth state runs on the fitted parameters.
    clock.advance(days=30)
    _drill(client, people["learner"]["headers"], right_answer)
    assert client.get("/v1/learners/me", headers=people["learner"]["headers"]).status_code == 200
    with Session(client.app.state.db_engine) as db:
        stored = db.get(LearnerAbility, (people["learner"]["id"], "nb", ability.OVERALL))
        assert GrowthParameters.from_dict(stored.posterior["params"]) == fitted
    # Too few learners for a language: the fit is refused, naming why.
    assert main(["growth", "fit", "--language", "en", "--database-url", settings.database_url]) == 2
    assert "at least 3 needed" in capsys.readouterr().err


def _fold(db, learner_id, language):
    """The growth states by scope from the learner's stored answers, one update at a time."""
    from api.services import ability
    from engine.growth import GrowthState

    params = ability.growth_parameters(db, language)
    states = {}
    rows = db.exec(select(ResponseRow, ItemRow).join(ItemRow, ItemRow.id == ResponseRow.item_id)
                   .where(ResponseRow.learner_id == learner_id, ItemRow.language == language)
                   .order_by(ResponseRow.id)).all()
    for response, item in rows:
        for scope in (ability.OVERALL, item.skill):
            state = states.get(scope) or GrowthState.new(params)
            states[scope] = state.update(item.a, item.b, item.c,
                                         int(response.score >= response.max_score),
                                         ability.days_of(utc(response.answered_at)))
    return states, rows[-1][0].id


def test_growth_states_take_every_answer_once_when_read(client, people, clock):
    import numpy as np

    from api.services import ability
    from engine.growth import GrowthState

    headers, learner_id = people["learner"]["headers"], people["learner"]["id"]
    _drill(client, headers, right_answer)
    first = client.get("/v1/learners/me", headers=headers).json()
    clock.advance(days=2)
    _drill(client, headers, wrong_answer)
    # A second read with no new answers changes nothing; the answers since the first read
    # are applied after the ones before it.
    second = client.get("/v1/learners/me", headers=headers).json()
    assert client.get("/v1/learners/me", headers=headers).json() == second
    assert second["overall"]["theta"] < first["overall"]["theta"]
    with Session(client.app.state.db_engine) as db:
        expected, last_id = _fold(db, learner_id, "nb")
        stored = {row.scope: row for row in db.exec(
            select(LearnerAbility).where(LearnerAbility.learner_id == learner_id))}
        assert set(stored) == set(expected) and ability.OVERALL in stored
        for scope, state in expected.items():
            row = stored[scope]
            assert np.array_equal(GrowthState.from_dict(row.posterior).density, state.density)
            assert row.theta == state.estimate().theta and row.se == state.estimate().se
        assert stored[ability.OVERALL].through_response_id == last_id
    assert second["overall"]["updated_at"].startswith(str(START.date() + timedelta(days=2)))

"""An honest history: estimates kept as they were reported; re-estimates drawn and labelled apart."""
from __future__ import annotations

import uuid

import numpy as np
from sqlmodel import select

from api.models import ReportedEstimate
from api_helpers import Served, right_answer, small_bank_data, wrong_answer
from simulated_answers import simulate_responses

BANK = {item["id"]: item for item in small_bank_data()}
NB_B1 = sorted(i for i, item in BANK.items() if item["language"] == "nb" and item["track"] == "b1")


def answer_session(client, headers, mode, answers=None):
    """Answer a session (right on the easier half of the bank, wrong above it) until it ends or
    ``answers`` are given; returns what each reply said (the estimate after a drill answer, the
    result at the end)."""
    session_id = client.post("/v1/sessions", json={"language": "nb", "mode": mode}, headers=headers).json()["id"]
    served, told = Served(client, session_id), []
    step = client.get(f"/v1/sessions/{session_id}/next", headers=headers).json()
    while not step["done"] and (answers is None or len(told) < answers):
        truth = BANK[served.bank_id(step["item"])]
        given = right_answer(truth) if truth["b"] < 0.5 else wrong_answer(truth)
        reply = client.post(f"/v1/sessions/{session_id}/responses", headers=headers,
                            json={"item_id": step["item"]["id"], "answer": served.answer(truth, given),
                                  "client_response_id": uuid.uuid4().hex}).json()
        told.append(reply)
        step = reply["next"]
    return told, step


def points(series):
    return [(p["time"], p["theta"], p["se"], p["level"]) for p in series]


def test_what_was_reported_stays_as_it_was_through_a_calibration_and_its_rollback(client, people, db, clock):
    learner, teacher, admin = (people[k]["headers"] for k in ("learner", "teacher", "admin"))
    learner_id = people["learner"]["id"]
    _, end = answer_session(client, learner, "placement")
    assert end["done"]
    clock.advance(days=2)
    replies, _ = answer_session(client, learner, "drill", answers=4)
    # Kept as told: the placement's level at its end, each drill answer's estimate.
    told = [(end["result"]["theta"], end["result"]["se"], end["result"]["level"])] + [
        (r["theta"], r["se"], r["level"]) for r in replies]
    rows = db.exec(select(ReportedEstimate).where(ReportedEstimate.learner_id == learner_id)
                   .order_by(ReportedEstimate.id)).all()
    assert [(r.theta, r.se, r.level) for r in rows] == told
    assert [r.source for r in rows] == ["placement"] + ["drill"] * 4 and {r.parameters for r in rows} == {None}
    me = client.get("/v1/learners/me", headers=learner).json()
    assert [(p["theta"], p["se"], p["level"]) for p in me["reported"]] == told
    assert {p["kind"] for p in me["reported"]} == {"reported"} and {p["kind"] for p in me["history"]} == {
        "re-estimated"}
    curves = client.get(f"/v1/classes/{people['class_id']}/ability-curves", headers=teacher).json()
    (mine,) = [c for c in curves["learners"] if c["id"] == learner_id]
    assert [(p["theta"], p["se"], p["level"], p["kind"]) for p in mine["reported"]] == [
        (*t, "reported") for t in told]
    reported_before = points(me["reported"])

    # 400 other learners show the prior items' difficulties 0.7 too low (the simulation lowers
    # them in the bank first): a calibration corrects them.
    simulate_responses(db, NB_B1, np.random.default_rng(9))
    history_before = points(client.get("/v1/learners/me", headers=learner).json()["history"])
    run = client.post("/v1/calibrations", json={"language": "nb"}, headers=admin).json()
    run = client.get(f"/v1/calibrations/{run['id']}", headers=admin).json()
    assert run["result"]["applied"] and run["result"]["items_changed"] > 20
    after = client.get("/v1/learners/me", headers=learner).json()
    assert points(after["reported"]) == reported_before  # what was said stays said
    assert points(after["history"]) != history_before  # the re-estimate moves, and says so
    assert {p["parameters"] for p in after["history"]} == {run["id"]}
    assert {p["parameters"] for p in after["reported"]} == {None}
    export = client.get(f"/v1/learners/{learner_id}/export", headers=learner).json()
    (nb,) = export["ability_history"]
    assert nb["language"] == "nb" and len(nb["reported"]) == len(export["tables"]["reported_estimates"]) == 5
    assert points(nb["reported"]) == reported_before and points(nb["re_estimated"]) == points(after["history"])
    assert {p["kind"] for p in nb["re_estimated"]} == {"re-estimated"}

    rolled = client.post(f"/v1/calibrations/{run['id']}/rollback", headers=admin)
    assert rolled.status_code == 200
    back = client.get("/v1/learners/me", headers=learner).json()
    assert points(back["reported"]) == reported_before
    assert points(back["history"]) == history_before  # exactly what it was before the run
    assert {p["parameters"] for p in back["history"]} == {None}

    # Applied again, the version is live: new answers are reported under it.
    again = client.post("/v1/calibrations", json={"language": "nb"}, headers=admin).json()
    clock.advance(days=1)
    answer_session(client, learner, "drill", answers=1)
    latest = db.exec(select(ReportedEstimate).where(ReportedEstimate.learner_id == learner_id)
                     .order_by(ReportedEstimate.id.desc())).first()
    assert latest.parameters == again["id"]


def test_the_chart_draws_the_reported_line_and_the_re_estimate(client, people):
    answer_session(client, people["learner"]["headers"], "drill", answers=3)
    svg = client.get(f"/v1/classes/{people['class_id']}/ability-curves.svg",
                     headers=people["teacher"]["headers"])
    assert svg.status_code == 200
    text = svg.text
    from api import charts

    words = charts.words_for("en").texts
    assert words["chart_key_told"] in text and words["chart_key_re_estimate"] in text
    assert "stroke-dasharray" in text  # the dashed re-estimate


def test_a_learner_without_answers_has_both_series_empty(client, people):
    me = client.get("/v1/learners/me", headers=people["learner"]["headers"]).json()
    assert (me["reported"], me["history"]) == ([], [])
    export = client.get(f"/v1/learners/{people['learner']['id']}/export", headers=people["learner"]["headers"])
    assert export.json()["ability_history"] == []

"""Teacher views: learner progress, ability curves (JSON and SVG), alerts."""
from __future__ import annotations

import uuid
from datetime import timedelta
from xml.etree import ElementTree

import pytest

from api_helpers import START, Served, right_answer, small_bank_data

BANK = {item["id"]: item for item in small_bank_data()}


def play(client, headers, mode="placement", answers=4):
    session_id = client.post("/v1/sessions", json={"language": "nb", "mode": mode},
                             headers=headers).json()["id"]
    served = Served(client, session_id)
    for _ in range(answers):
        item = client.get(f"/v1/sessions/{session_id}/next", headers=headers).json()["item"]
        truth = BANK[served.bank_id(item)]
        client.post(f"/v1/sessions/{session_id}/responses", headers=headers,
                    json={"item_id": item["id"], "answer": served.answer(truth, right_answer(truth)),
                          "response_ms": 3000, "client_response_id": uuid.uuid4().hex})
    return session_id


def test_curves_hold_each_answer_overall_and_per_skill(client, people, clock):
    play(client, people["learner"]["headers"], answers=4)
    clock.advance(days=3)
    play(client, people["learner"]["headers"], mode="drill", answers=2)
    response = client.get(f"/v1/classes/{people['class_id']}/ability-curves",
                          headers=people["teacher"]["headers"])
    assert response.status_code == 200
    curves = response.json()
    assert curves["levels"] == ["A1", "A2", "B1", "B2"] and len(curves["cuts"]) == 3
    by_name = {learner["username"]: learner for learner in curves["learners"]}
    assert set(by_name) == {"learner", "learner2"}
    overall = by_name["learner"]["overall"]
    assert len(overall) == 6
    assert [p["time"][:10] for p in overall] == ["2026-09-01"] * 4 + ["2026-09-04"] * 2
    # All right answers: the learner ends above the population mean.
    assert overall[-1]["theta"] > overall[0]["theta"] > 0
    # The smoothed curve's last point is the filtered estimate the service kept answer by answer.
    progress = client.get(f"/v1/learners/{people['learner']['id']}",
                          headers=people["teacher"]["headers"]).json()
    assert overall[-1]["theta"] == pytest.approx(progress["overall"]["theta"], abs=1e-9)
    assert overall[-1]["se"] == pytest.approx(progress["overall"]["se"], abs=1e-9)
    assert sum(len(points) for points in by_name["learner"]["skills"].values()) == 6
    assert by_name["learner2"]["overall"] == []
    summary = curves["summary"]
    assert (summary["learners"], summary["assessed"]) == (2, 1)
    assert sum(summary["levels"].values()) == 1 and summary["mean_theta"] == overall[-1]["theta"]


def test_curves_svg_is_a_chart_with_cefr_bands(client, people):
    play(client, people["learner"]["headers"], answers=3)
    response = client.get(f"/v1/classes/{people['class_id']}/ability-curves.svg",
                          headers=people["teacher"]["headers"])
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/svg+xml"
    root = ElementTree.fromstring(response.content)
    assert root.tag.endswith("svg")
    texts = "".join(root.itertext())
    for label in ("A1", "A2", "B1", "B2", "learner", "Kveldsklasse"):
        assert label in texts
    assert float(root.attrib["width"].removesuffix("pt")) >= 900  # projector-sized


def test_alerts_inactive_no_progress_and_near_boundary(client, people, clock, monkeypatch):
    """The alert rules on given ability series (the series themselves are tested above)."""
    from api.services import ability

    learner, learner2 = people["learner"]["id"], people["learner2"]["id"]

    def point(day, theta, growth, se=0.3):
        return {"time": START + timedelta(days=day), "theta": theta, "se": se, "growth": growth,
                "level": "A2"}

    # Growth per day x 21 days: 0.504 > SE; 0.032 < SE. Last points 0.1 above A2/B1, 0.15 below A1/A2.
    given = {learner: {"overall": [point(0, -0.5, 0.024), point(25, 0.1, 0.024)]},
             learner2: {"overall": [point(0, -1.2, 0.05 / 33), point(33, -1.15, 0.05 / 33)]}}
    monkeypatch.setattr(ability, "series", lambda session, ids, language: given)
    clock.now = START + timedelta(days=35)
    response = client.get(f"/v1/classes/{people['class_id']}/alerts",
                          headers=people["teacher"]["headers"])
    assert response.status_code == 200
    found = sorted((a["username"], a["kind"]) for a in response.json()["alerts"])
    assert found == [("learner", "inactive"), ("learner", "near_boundary"),
                     ("learner2", "near_boundary"), ("learner2", "no_progress")]
    alerts = {(a["username"], a["kind"]): a for a in response.json()["alerts"]}
    assert alerts[("learner", "inactive")]["days_inactive"] == 10
    assert alerts[("learner", "near_boundary")]["boundary"] == "A2/B1"
    assert alerts[("learner", "near_boundary")]["message"] == "just reached B1"
    assert alerts[("learner2", "near_boundary")]["boundary"] == "A1/A2"
    assert alerts[("learner2", "near_boundary")]["message"] == "just below A2"
    assert alerts[("learner2", "no_progress")]["theta_gain"] == 0.032


def test_alerts_flag_learners_who_never_answered(client, people):
    alerts = client.get(f"/v1/classes/{people['class_id']}/alerts",
                        headers=people["teacher"]["headers"]).json()["alerts"]
    assert sorted((a["username"], a["kind"]) for a in alerts) == [("learner", "inactive"),
                                                                  ("learner2", "inactive")]


def test_teacher_reads_progress_of_own_learners_only(client, people):
    # A drill: during a placement test the learner's own view shows no estimate (tested in
    # test_api_answer_keys), so the two views would differ.
    play(client, people["learner"]["headers"], mode="drill", answers=2)
    path = f"/v1/learners/{people['learner']['id']}"
    mine = client.get(path, headers=people["teacher"]["headers"])
    assert mine.status_code == 200 and len(mine.json()["history"]) == 2
    assert client.get(path, headers=people["teacher2"]["headers"]).status_code == 404
    assert client.get(path, headers=people["learner2"]["headers"]).status_code == 404
    assert client.get(path, headers=people["learner"]["headers"]).json() == mine.json()
    assert client.get(path, headers=people["author"]["headers"]).status_code == 403
    assert client.get("/v1/learners/9999", headers=people["teacher"]["headers"]).status_code == 404
    assert client.get("/v1/learners/me", headers=people["teacher"]["headers"]).status_code == 403
    assert client.get("/v1/learners/me", headers=people["author"]["headers"]).status_code == 403
    assert client.get(path, headers=people["admin"]["headers"]).status_code == 200


def test_learner_progress_before_any_answer_is_empty(client, people):
    me = client.get("/v1/learners/me", headers=people["learner2"]["headers"]).json()
    assert (me["overall"], me["skills"], me["history"], me["sessions"]) == (None, {}, [], [])


def test_chart_text_is_drawn_as_written_never_as_math():
    """A class named ``$\\frac{$`` made matplotlib's math parser fail (500): names are literal."""
    from datetime import datetime, timezone

    from api.charts import class_chart_svg
    from api.services.curves import ClassChart, LearnerLine

    days = (datetime(2026, 9, 1, tzinfo=timezone.utc), datetime(2026, 9, 2, tzinfo=timezone.utc))
    svg = class_chart_svg(ClassChart("$\\frac{$ kveld\x07", (-1.0, 0.0, 1.0), ("A1", "A2", "B1", "B2"),
                                     (LearnerLine("ali$", days, (0.1, 0.2)),)))
    assert b"$\\frac{$ kveld" in svg and b"ali$" in svg and b"\x07" not in svg

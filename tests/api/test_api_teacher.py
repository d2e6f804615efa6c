"""Teacher views: learner progress, ability curves (JSON and SVG), alerts, the roster."""
from __future__ import annotations

import uuid
from datetime import timedelta
from xml.etree import ElementTree

import pytest

from api_helpers import Served, right_answer, small_bank_data

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


def _alerts(client, people):
    response = client.get(f"/v1/classes/{people['class_id']}/alerts", headers=people["teacher"]["headers"])
    assert response.status_code == 200, response.text
    return response.json()


def test_a_new_class_has_no_alerts_and_learners_who_never_start_are_flagged_after_ten_days(client, people, clock):
    assert _alerts(client, people)["alerts"] == []
    clock.advance(days=10)
    alerts = _alerts(client, people)["alerts"]
    assert [(a["username"], a["kind"], a["rank"], a["days_inactive"]) for a in alerts] == [
        ("learner", "inactive", 1, 10), ("learner2", "inactive", 2, 10)]
    assert alerts[0]["message"] == "has not started yet (no exercise in the 10 days since the account was created)"
    assert alerts[0]["action"].startswith("Contact them this week")
    assert alerts[0]["tone"] == "follow_up" and alerts[0]["display_name"] == "learner"


def test_inactive_is_judged_against_the_learners_own_rhythm_and_ranked(client, people, clock):
    headers = people["learner"]["headers"]
    play(client, headers, answers=4)
    for _ in range(2):
        clock.advance(days=2)
        play(client, headers, mode="drill", answers=3)
    # three days of practice in four: a rhythm of 3 a week (over at least a week); silent 9 days, then 11
    clock.advance(days=9)
    assert [a["username"] for a in _alerts(client, people)["alerts"]] == ["learner2"]
    clock.advance(days=2)
    body = _alerts(client, people)
    assert body["rules"]["inactive_min_days"] == 10 and body["rules"]["window_days"] == 42
    first, second = body["alerts"]
    # 11 days away from a learner who came every 2.3 days comes before 15 days of never starting
    assert (first["username"], first["kind"], first["days_inactive"], first["usual_per_week"]) == (
        "learner", "inactive", 11, 3.0)
    assert first["message"] == "no drill for 11 days; before that, about 3 a week"
    assert (second["username"], second["rank"], second["days_inactive"]) == ("learner2", 2, 15)


def _window(learners, gain, gain_se, span, answers, last, theta_end):
    """Window gains for ``learners`` as the engine would report them (tests choose the numbers)."""
    import numpy as np

    from engine.growth import WindowGains

    last = np.asarray(last, dtype=float)
    return WindowGains(learner=np.asarray(learners), answers=np.asarray(answers) + 1, start_days=last - span,
                       end_days=last, window_answers=np.asarray(answers), theta_start=np.asarray(theta_end) - gain,
                       se_start=np.full(len(learners), 0.3), theta_end=np.asarray(theta_end, dtype=float),
                       se_end=np.full(len(learners), 0.25), growth_end=np.zeros(len(learners)),
                       gain=np.asarray(gain, dtype=float), gain_se=np.asarray(gain_se, dtype=float))


def test_alerts_are_worded_in_the_pages_language_with_the_same_numbers(client, people, clock, monkeypatch):
    """``lang`` words each reason and action from the interface texts (api/i18n), the numbers with
    the language's decimal sign and minus; on a right-to-left page each signed number keeps its sign first (a left-to-right
    mark); the roster's alerts say the same; a language not offered is English."""
    import json
    from pathlib import Path

    i18n = Path(__file__).resolve().parents[2] / "api" / "i18n"
    texts = {code: json.loads((i18n / f"{code}.json").read_text(encoding="utf-8")) for code in ("fr", "ar")}
    _stub_progress(people, clock, monkeypatch)
    headers = people["teacher"]["headers"]

    def alerts(lang):
        reply = client.get(f"/v1/classes/{people['class_id']}/alerts?lang={lang}", headers=headers)
        assert reply.status_code == 200, reply.text
        return reply.json()["alerts"]

    stalled, fast = alerts("fr")  # French numbers: a decimal comma and a true minus
    assert stalled["message"] == texts["fr"]["alert_stalled"].format(
        weeks=6, days=18, gain="+0,0", low="\u22120,1", high="+0,2")
    assert fast["message"] == texts["fr"]["alert_fast"].format(weeks=6, gain="+1,5", low="+1,2")
    assert "pas de progrès" in stalled["message"] and "progrès rapides" in fast["message"]
    assert (stalled["action"], fast["action"]) == (texts["fr"]["alert_action_stalled"],
                                                   texts["fr"]["alert_action_fast"])
    mark = "\u200e"
    stalled_ar, _ = alerts("ar")
    assert stalled_ar["message"] == texts["ar"]["alert_stalled"].format(
        weeks=6, days=18, gain=mark + "+0.0", low=mark + "-0.1", high=mark + "+0.2")
    roster = client.get(f"/v1/classes/{people['class_id']}/roster?lang=fr", headers=headers).json()
    worded = {row["username"]: [alert["message"] for alert in row["alerts"]] for row in roster["learners"]}
    assert worded == {"learner": [stalled["message"]], "learner2": [fast["message"]]}
    english = alerts("pl")[0]
    assert english["message"].startswith("no clear progress in 6 weeks") and english["action"].startswith("Look at")


def _stub_progress(people, clock, monkeypatch):
    """Fifty days on, the engine's evidence replaced: ``learner`` gained 0.02 ± 0.1 logit in 42 days
    (stalled), ``learner2`` 1.5 ± 0.2 (fast)."""
    import numpy as np

    from api.services import engine_adapter
    from api.services.answer_log import days_of
    from engine.triage import Practice

    ids = np.array([people["learner"]["id"], people["learner2"]["id"]])
    clock.advance(days=50)
    now = days_of(clock.now)

    def gather(learner, days, a, b, c, score, learners, joined, at, params, rules):
        assert learners.tolist() == ids.tolist() and at == now
        practice = Practice(first=np.full(2, now - 49), last=np.full(2, now - 1), usual_per_week=np.full(2, 3.0),
                            practice_days=np.full(2, 20.0), days_since=np.array([18.0, 17.0]))
        return engine_adapter.Evidence(now=now, learners=ids, joined=joined, practice=practice,
                                       window=_window(ids, [0.02, 1.5], [0.1, 0.2], 42.0, [180, 170],
                                                      [now - 1] * 2, [-0.4, 0.3]))

    monkeypatch.setattr(engine_adapter, "gather", gather)


def test_progress_alerts_say_the_gain_in_levels_with_its_range(client, people, clock, monkeypatch):
    """The wording and the numbers of stalled and fast alerts, on gains the test chooses (the
    rules on real answers: tests/engine/test_triage.py, and the demo's in test_api_demo.py)."""
    _stub_progress(people, clock, monkeypatch)
    alerts = _alerts(client, people)["alerts"]
    assert [(a["username"], a["kind"], a["tone"]) for a in alerts] == [
        ("learner", "stalled", "follow_up"), ("learner2", "fast", "positive")]
    stalled, fast = alerts
    assert stalled["message"] == ("no clear progress in 6 weeks of practice (18 days with drills): +0.0 of a "
                                  "level, likely between -0.1 and +0.2")
    assert (stalled["gain"], stalled["gain_se"], stalled["window_days"]) == (0.02, 0.1, 42)
    assert stalled["probability"] == 0.931  # P(rate < 0.004/day) = Phi((0.168 - 0.02) / 0.1)
    assert fast["message"] == "fast progress: +1.5 levels in 6 weeks, likely at least +1.2"
    roster = client.get(f"/v1/classes/{people['class_id']}/roster", headers=people["teacher"]["headers"]).json()
    rows = {row["username"]: row for row in roster["learners"]}

    def given(alert):  # the alerts route leaves out the fields that do not apply (null in the roster)
        return {key: value for key, value in alert.items() if value is not None}

    assert [given(a) for a in rows["learner"]["alerts"]] == [stalled]
    assert [given(a) for a in rows["learner2"]["alerts"]] == [fast]
    assert rows["learner2"]["trend"] == {"since": (clock.now - timedelta(days=43)).isoformat().replace("+00:00", "Z"),
                                         "days": 42.0, "answers": 170, "gain": 1.5, "gain_se": 0.2,
                                         "gain_levels": 1.5, "low": 1.171, "high": 1.829}


def test_roster_gives_each_learner_level_trend_activity_and_alerts(client, people, clock):
    headers = people["teacher"]["headers"]
    path = f"/v1/classes/{people['class_id']}/roster"
    play(client, people["learner"]["headers"], answers=4)
    clock.advance(days=3)
    play(client, people["learner"]["headers"], mode="drill", answers=3)
    clock.advance(hours=30)
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    roster = response.json()
    assert roster["class"] == {"id": people["class_id"], "name": "Kveldsklasse", "language": "nb"}
    assert roster["window_days"] == 42
    active, silent = roster["learners"]
    assert (active["username"], silent["username"]) == ("learner", "learner2")
    assert (active["answers"], active["days_inactive"]) == (7, 1)
    assert active["first_activity"].startswith("2026-09-01") and active["last_activity"].startswith("2026-09-04")
    # the level and its probability are those of the level probabilities
    assert active["level"] in active["level_probabilities"]
    assert active["level_probability"] == active["level_probabilities"][active["level"]]
    assert sum(active["level_probabilities"].values()) == pytest.approx(1.0, abs=2e-3)
    # the trend: from the first answer (the window reaches back further), all right answers
    trend = active["trend"]
    assert (trend["answers"], trend["since"][:10]) == (6, "2026-09-01") and 3.0 <= trend["days"] < 3.1
    assert trend["gain_se"] > 0 and trend["low"] < trend["gain"] < trend["high"]
    assert active["practice_days_per_week"] is None  # two days of practice are no rhythm yet
    assert active["alerts"] == []
    # the roster's level is the learner's estimate at the last answer (the curves' last point)
    curves = client.get(f"/v1/classes/{people['class_id']}/ability-curves", headers=headers).json()
    last_point = curves["learners"][0]["overall"][-1]
    assert active["theta"] == round(last_point["theta"], 3) and active["level"] == last_point["level"]
    assert silent == {"id": people["learner2"]["id"], "username": "learner2", "display_name": "learner2",
                      "answers": 0, "first_activity": None, "last_activity": None, "days_inactive": None,
                      "practice_days_per_week": None, "theta": None, "se": None, "level": None,
                      "level_probability": None, "level_probabilities": {}, "trend": None, "alerts": []}


def _negative_zeros(value, path="") -> list[str]:
    """Where a JSON value holds -0.0 (a page shows it as "-0")."""
    import math

    if isinstance(value, float):
        return [path] if value == 0 and math.copysign(1.0, value) < 0 else []
    if isinstance(value, dict):
        return [found for key, item in value.items() for found in _negative_zeros(item, f"{path}.{key}")]
    if isinstance(value, list):
        return [found for index, item in enumerate(value) for found in _negative_zeros(item, f"{path}[{index}]")]
    return []


def test_roster_and_learner_page_give_the_same_level_dated_by_the_last_answer(client, people, clock):
    """QA report, issue 2: for a learner away for days the roster said "A1 — 71% sure" (the
    level at the last answer) while GET /v1/learners/{id}, which the printed report reads, gave
    the level carried forward to now (another theta, a larger SE) dated by the last answer."""
    teacher = people["teacher"]["headers"]
    play(client, people["learner"]["headers"], mode="drill", answers=4)  # no placement test open:
    clock.advance(days=3)  # the learner's own view shows the level too
    play(client, people["learner"]["headers"], mode="drill", answers=3)
    last_answer = clock.now
    for away in (12, 1):  # inactive, then a day later: the same values, still dated by the last answer
        clock.advance(days=away)
        row = client.get(f"/v1/classes/{people['class_id']}/roster", headers=teacher).json()["learners"][0]
        progress = client.get(f"/v1/learners/{people['learner']['id']}", headers=teacher).json()
        overall = progress["overall"]
        assert row["username"] == "learner" and row["days_inactive"] >= 12
        assert (row["theta"], row["se"]) == (round(overall["theta"], 3), round(overall["se"], 3))
        assert row["level"] == overall["level"]
        assert row["level_probabilities"] == {k: round(v, 3) for k, v in overall["level_probabilities"].items()}
        # Each value says its moment: the last answer, which the history's last point is at too.
        assert overall["updated_at"] == row["last_activity"] == last_answer.isoformat().replace("+00:00", "Z")
        assert progress["history"][-1]["time"] == overall["updated_at"]
        assert progress["history"][-1]["theta"] == overall["theta"]
        for skill in progress["skills"].values():
            assert skill["updated_at"] <= overall["updated_at"]
    # The learner reads the same level as their teacher.
    mine = client.get("/v1/learners/me", headers=people["learner"]["headers"]).json()
    assert mine["overall"] == overall


def test_roster_gives_no_trend_for_one_days_answers_and_no_negative_zero(client, people, clock):
    """QA report, issue 14: five answers of one day gave the trend {days: 0, gain: 0, gain_se: 0,
    low: -0, high: 0}, an interval of no width: a gain needs answers on more than one day."""
    teacher = people["teacher"]["headers"]
    play(client, people["learner"]["headers"], answers=5)
    clock.advance(hours=5)
    play(client, people["learner"]["headers"], mode="drill", answers=2)
    clock.advance(hours=1)
    roster = client.get(f"/v1/classes/{people['class_id']}/roster", headers=teacher).json()
    row = roster["learners"][0]
    assert (row["answers"], row["trend"]) == (7, None)
    assert _negative_zeros(roster) == []
    # A day later the answers span more than a day: a trend with an interval of some width.
    clock.advance(days=1)
    play(client, people["learner"]["headers"], mode="drill", answers=2)
    trend = client.get(f"/v1/classes/{people['class_id']}/roster", headers=teacher).json()["learners"][0]["trend"]
    assert trend["days"] >= 1.0 and trend["low"] < trend["high"]
    from api.services.alerts import rounded  # every rounded number of the roster and the alerts

    assert str(rounded(-0.0004, 3)) == "0.0" and rounded(-0.0006, 3) == -0.001


def test_roster_gives_the_last_answers_time_for_a_page_to_say_today_or_yesterday(client, people, clock):
    """QA report, issue 15: "Last active: today" for an answer at 23:52 read at 10:49 the next day.
    `days_inactive` counts whole 24-hour periods, as the inactive alert does (0 here); the page
    words `last_activity`, the answer's time to the second, in its reader's calendar."""
    clock.advance(hours=15, minutes=52)  # 2026-09-01 23:52Z
    play(client, people["learner"]["headers"], answers=2)
    clock.advance(hours=10, minutes=57)  # 2026-09-02 10:49Z
    row = client.get(f"/v1/classes/{people['class_id']}/roster",
                     headers=people["teacher"]["headers"]).json()["learners"][0]
    assert (row["last_activity"], row["days_inactive"]) == ("2026-09-01T23:52:00Z", 0)


def test_roster_gives_one_levels_width_for_a_page_to_say_gains_in_levels(client, people, clock):
    """The dashboard asked `ability-curves?limit=1` for the language's cuts only to turn the
    trend's logits into levels: the roster says one level's width itself, the one its
    `gain_levels` and the alerts divide by."""
    teacher = people["teacher"]["headers"]
    play(client, people["learner"]["headers"], answers=4)
    clock.advance(days=3)
    play(client, people["learner"]["headers"], mode="drill", answers=3)
    roster = client.get(f"/v1/classes/{people['class_id']}/roster", headers=teacher).json()
    cuts = client.get(f"/v1/classes/{people['class_id']}/ability-curves?limit=1", headers=teacher).json()["cuts"]
    assert roster["level_width"] == pytest.approx((cuts[-1] - cuts[0]) / (len(cuts) - 1)) and roster["level_width"] > 0
    trend = roster["learners"][0]["trend"]
    assert trend["gain_levels"] == pytest.approx(trend["gain"] / roster["level_width"], abs=0.006)
    described = client.get("/openapi.json").json()["components"]["schemas"]["ClassRoster"]["properties"]
    assert "level" in described["level_width"]["description"]


def test_a_learners_progress_says_each_standard_error_in_levels(client, people):
    """The teacher's learner page says each skill's "give or take" in levels: the progress reply
    carries the SE divided by one level's width of its language and skill (the roster's
    `level_width` for the overall scope), so the page asks for no cuts of its own."""
    teacher = people["teacher"]["headers"]
    play(client, people["learner"]["headers"], answers=6)
    roster = client.get(f"/v1/classes/{people['class_id']}/roster", headers=teacher).json()
    progress = client.get(f"/v1/learners/{people['learner']['id']}", headers=teacher).json()
    scopes = [progress["overall"], *progress["skills"].values()]
    assert len(scopes) >= 2
    for scope in scopes:
        assert scope["se_levels"] == pytest.approx(scope["se"] / roster["level_width"])
    described = client.get("/openapi.json").json()["components"]["schemas"]["AbilityOut"]["properties"]
    assert "level" in described["se_levels"]["description"]


def test_roster_is_only_for_the_classs_teacher(client, people):
    path = f"/v1/classes/{people['class_id']}/roster"
    assert client.get(path, headers=people["teacher2"]["headers"]).status_code == 404
    assert client.get(path, headers=people["learner"]["headers"]).status_code == 403
    assert client.get(path, headers=people["author"]["headers"]).status_code == 403
    assert client.get(path, headers=people["admin"]["headers"]).status_code == 200
    assert client.get("/v1/classes/9999/roster", headers=people["teacher"]["headers"]).status_code == 404
    assert client.get(path).status_code == 401


def test_the_apis_alert_kinds_are_the_engines_rules():
    from typing import get_args

    from api.schemas import AlertKind
    from engine.triage import KINDS

    assert get_args(AlertKind) == KINDS


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

"""Calibration runs: safe by default, dry runs, versions, rollback, the list of runs (seeded)."""
from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from sqlmodel import select

from api.models import CalibrationRun, ItemRow, LearningSession, ResponseRow
from api_helpers import START
from simulated_answers import ITEM_IDS, N_LEARNERS, PRIOR_OFFSET, simulate_responses


def calibrated_anchors(db):
    return {row.id: (row.a, row.b) for row in db.exec(select(ItemRow).where(ItemRow.id.in_(ITEM_IDS)))
            if row.status == "calibrated"}


def start(client, admin, **body):
    response = client.post("/v1/calibrations", json=body, headers=admin)
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "queued"
    done = client.get(f"/v1/calibrations/{response.json()['id']}", headers=admin).json()
    assert done["status"] == "done", done["error"]
    return done


def levels_of(db, learner_ids, now, language="nb"):
    """Each learner's stored growth states brought up to date (what a drill starts from and the
    learner's progress reads): θ and SE per scope, the estimate now and its level, and the curve."""
    from api.services import ability
    from api.services.engine_adapter import level_of

    out = {}
    for learner_id in learner_ids:
        rows = ability.catch_up(db, learner_id, language)
        db.commit()
        now_estimate = ability.estimate_now(rows[ability.OVERALL], now)
        curve = ability.series(db, [learner_id], language, per_skill=False)[learner_id][ability.OVERALL]
        out[learner_id] = ({scope: (row.theta, row.se) for scope, row in rows.items()},
                           float(now_estimate.theta), float(now_estimate.se),
                           level_of(float(now_estimate.theta), language),
                           [(p["theta"], p["level"]) for p in curve])
    return out


def test_calibration_recovers_difficulties_anchored_on_calibrated_items(client, people, db):
    anchors = calibrated_anchors(db)
    assert len(anchors) == 12
    truth, _ = simulate_responses(db, ITEM_IDS, np.random.default_rng(5))
    body = start(client, people["admin"]["headers"], language="nb")
    assert body["options"] == {"language": "nb", "min_learners": 50, "max_se": 0.3, "alpha": 0.05,
                               "dry_run": False}
    result = body["result"]
    assert result["applied"] and body["applied_at"] is not None
    (nb,) = result["languages"]
    assert (nb["answers"], nb["learners"], nb["population"]) == (N_LEARNERS * 20, N_LEARNERS, "estimated")
    # The easiest prior item (b = -1.76 for learners from N(0, 1)) is not precise enough yet.
    assert nb["decisions"] == {"anchor": 12, "too_few_learners": 0, "se_too_large": 1, "consistent": 0,
                               "changed": 7}
    changed = {entry["item_id"]: entry for entry in body["items"]}
    assert set(changed) == set(ITEM_IDS) - set(anchors) - {"nb-test-b1-007"}
    db.expire_all()
    for item_id in ITEM_IDS:
        row = db.get(ItemRow, item_id)
        if item_id in anchors or item_id not in changed:
            assert row.calibration_id is None and row.b == (anchors[item_id][1] if item_id in anchors
                                                           else pytest.approx(truth[item_id][1] - PRIOR_OFFSET))
            continue
        entry = changed[item_id]
        assert row.status == "calibrated" and row.calibration_id == body["id"]
        assert (row.a, row.b, row.c) == (entry["after"]["a"], entry["after"]["b"], entry["after"]["c"])
        assert entry["before"]["b"] == pytest.approx(truth[item_id][1] - PRIOR_OFFSET)
        assert 0 < entry["se_b"] < 0.3 and entry["p_value"] < 1e-4 and entry["learners"] == N_LEARNERS
        # within 3 of the calibrator's own standard errors, and better than the wrong prior
        assert abs(row.b - truth[item_id][1]) < 3 * entry["se_b"], (item_id, row.b, entry["se_b"])


def test_a_dry_run_says_what_would_change_and_changes_nothing(client, people, db):
    simulate_responses(db, ITEM_IDS, np.random.default_rng(5))
    before = {row.id: (row.a, row.b, row.c, row.status) for row in db.exec(select(ItemRow))}
    admin = people["admin"]["headers"]
    dry = start(client, admin, language="nb", dry_run=True)
    assert dry["dry_run"] and not dry["result"]["applied"] and dry["applied_at"] is None
    assert dry["result"]["items_changed"] == 7 and len(dry["items"]) == 7
    assert dry["result"]["message"].startswith("7 items would change (nb: 7);")
    assert all(entry["before"] != entry["after"] for entry in dry["items"])
    db.expire_all()
    assert {row.id: (row.a, row.b, row.c, row.status) for row in db.exec(select(ItemRow))} == before
    refused = client.post(f"/v1/calibrations/{dry['id']}/rollback", headers=admin)
    assert refused.status_code == 409 and "dry run" in refused.json()["detail"]
    # The real run then changes what the dry run said it would.
    real = start(client, admin, language="nb")
    assert [(i["item_id"], i["after"]) for i in real["items"]] == [(i["item_id"], i["after"]) for i in dry["items"]]


def test_a_rollback_restores_every_parameter_and_every_level_exactly(client, people, db, clock):
    _, learners = simulate_responses(db, ITEM_IDS, np.random.default_rng(7))
    watched = learners[::40]  # ten learners' progress, as their teacher would read it
    items_before = {row.id: (row.a, row.b, row.c, row.status, row.calibration_id) for row in db.exec(select(ItemRow))}
    levels_before = levels_of(db, watched, clock.now)
    admin = people["admin"]["headers"]
    run = start(client, admin, language="nb")
    assert run["result"]["items_changed"] == 8
    db.expire_all()
    levels_after = levels_of(db, watched, clock.now)
    assert levels_after != levels_before  # the items moved by 0.7: so do the estimates
    assert run["result"]["levels_changed"] == len(run["learners"])
    assert {entry["learner_id"] for entry in run["learners"]} <= set(learners)
    back = client.post(f"/v1/calibrations/{run['id']}/rollback", headers=admin)
    assert back.status_code == 200, back.text
    assert (back.json()["status"], back.json()["rolled_back_by"]) == ("rolled_back", "admin")
    db.expire_all()
    assert {row.id: (row.a, row.b, row.c, row.status, row.calibration_id)
            for row in db.exec(select(ItemRow))} == items_before
    assert levels_of(db, watched, clock.now) == levels_before  # exactly: the same floats
    again = client.post(f"/v1/calibrations/{run['id']}/rollback", headers=admin)
    assert again.status_code == 409 and "rolled back already" in again.json()["detail"]


def test_answers_that_agree_with_the_parameters_move_no_item_and_no_level(client, people, db, clock):
    _, learners = simulate_responses(db, ITEM_IDS, np.random.default_rng(11), offset=0.0)
    watched = learners[::40]
    levels_before = levels_of(db, watched, clock.now)
    run = start(client, people["admin"]["headers"], language="nb")
    (nb,) = run["result"]["languages"]
    assert (run["result"]["items_changed"], run["result"]["levels_changed"], run["learners"]) == (0, 0, [])
    assert nb["decisions"]["consistent"] == 8 and nb["reason"].startswith(
        "the answers agree with the current parameters of the 8 items precise enough to test")
    consistent, anchors = nb["reasons"]  # the same in parts, for a page to word in its language
    assert anchors == {"code": "anchors", "items": nb["decisions"]["anchor"]}
    assert (consistent["code"], consistent["items"], consistent["alpha"]) == ("consistent", 8, 0.05)
    assert 0.05 / 8 < consistent["smallest_p_value"] <= 1 and f"{consistent['smallest_p_value']:.3g}" in nb["reason"]
    db.expire_all()
    assert levels_of(db, watched, clock.now) == levels_before


def test_the_same_answers_are_not_tested_twice(client, people, db, clock):
    simulate_responses(db, ITEM_IDS, np.random.default_rng(5))
    admin = people["admin"]["headers"]
    first = start(client, admin, language="nb")
    assert first["result"]["items_changed"] == 7
    second = start(client, admin, language="nb")
    assert (second["result"]["items_changed"], second["items"], second["result"]["applied"]) == (0, [], False)
    assert second["result"]["languages"][0]["reason"].startswith(f"no answers since calibration {first['id']}")
    assert second["result"]["languages"][0]["reasons"] == [
        {"code": "tested_before", "run_id": first["id"], "applied_at": first["applied_at"]}]
    # Once rolled back, the same answers may be fitted again: the same items change, the same way.
    assert client.post(f"/v1/calibrations/{first['id']}/rollback", headers=admin).status_code == 200
    third = start(client, admin, language="nb")
    assert [(i["item_id"], i["after"]) for i in third["items"]] == [(i["item_id"], i["after"]) for i in first["items"]]
    # A later run stands on the third: rolling back the first again is refused, the third is not.
    later = client.post(f"/v1/calibrations/{first['id']}/rollback", headers=admin)
    assert later.status_code == 409
    assert client.post(f"/v1/calibrations/{third['id']}/rollback", headers=admin).status_code == 200


def test_runs_are_listed_newest_first_with_who_and_what(client, people, db, clock):
    admin = people["admin"]["headers"]
    first = start(client, admin)
    clock.advance(minutes=5)
    second = start(client, admin, language="nb", dry_run=True, min_learners=200, max_se=0.2)
    listed = client.get("/v1/calibrations", headers=admin)
    assert listed.status_code == 200
    runs = listed.json()
    assert [r["id"] for r in runs] == [second["id"], first["id"]]
    assert runs[0]["options"] == {"language": "nb", "min_learners": 200, "max_se": 0.2, "alpha": 0.05,
                                  "dry_run": True}
    assert runs[0]["requested_by"] == "admin" and runs[0]["dry_run"] and runs[1]["items_changed"] == 0
    assert runs[1]["message"] == "no answers yet: nothing to calibrate"
    # Every language with answers (none) or the one asked for (nb: none yet).
    assert (runs[0]["unchanged"], runs[1]["unchanged"]) == ([{"language": "nb", "reasons": [{"code": "no_answers"}]}], [])
    assert [r["id"] for r in client.get("/v1/calibrations", params={"limit": 1}, headers=admin).json()] == [
        second["id"]]
    assert client.get("/v1/calibrations", params={"limit": 0}, headers=admin).status_code == 422


def test_a_run_on_too_few_learners_says_which_item_came_closest(client, people, db):
    simulate_responses(db, ITEM_IDS, np.random.default_rng(3), learners=12)
    run = start(client, people["admin"]["headers"], language="nb")
    assert run["result"]["items_changed"] == 0
    (nb,) = run["result"]["languages"]
    assert nb["most_answered"] == {"item_id": "nb-test-b1-039", "answers": 12, "learners": 12}
    assert nb["reason"] == ("no item has answers from 50 learners yet; the item with the most has 12 answers "
                            "from 12 learners (nb-test-b1-039); 12 calibrated items were held as anchors")
    assert run["result"]["message"] == f"no item changed: nb: {nb['reason']}"
    reasons = [{"code": "too_few_learners", "min_learners": 50, "most_answered": nb["most_answered"]},
               {"code": "anchors", "items": 12}]
    assert nb["reasons"] == reasons
    (listed,) = client.get("/v1/calibrations", headers=people["admin"]["headers"]).json()
    assert listed["unchanged"] == [{"language": "nb", "reasons": reasons}]


def test_calibration_roles_options_and_unknown_runs(client, people):
    admin = people["admin"]["headers"]
    for role in ("teacher", "author", "learner"):
        assert client.post("/v1/calibrations", json={}, headers=people[role]["headers"]).status_code == 403
        assert client.get("/v1/calibrations", headers=people[role]["headers"]).status_code == 403
        assert client.post("/v1/calibrations/x/rollback", headers=people[role]["headers"]).status_code == 403
    assert client.get("/v1/calibrations/nope", headers=admin).status_code == 404
    assert client.post("/v1/calibrations/nope/rollback", headers=admin).status_code == 404
    cases = [({"min_responses": 5}, "body", "min_responses was replaced by min_learners"),
             ({"min_learners": 1}, "body.min_learners", "at least 50 on this server"),
             ({"min_learners": 20}, "body.min_learners", "at least 50 on this server"),
             ({"max_se": 1.0}, "body.max_se", "at most 0.3 on this server")]
    for body, field, words in cases:
        bad = client.post("/v1/calibrations", json=body, headers=admin)
        assert bad.status_code == 422, body
        (error,) = bad.json()["errors"]
        assert error["field"] == field and words in error["message"], (body, error)


@pytest.mark.parametrize(("body", "field", "words"), [
    ({"min_learners": "50"}, "body.min_learners", "Use a whole number."),
    ({"min_learners": 50.0}, "body.min_learners", "Use a whole number."),
    ({"min_learners": True}, "body.min_learners", "Use a whole number."),
    ({"max_se": "0.2"}, "body.max_se", "Use a number."),
    ({"dry_run": "yes"}, "body.dry_run", "Use true or false."),
    ({"dry_run": 1}, "body.dry_run", "Use true or false."),
    # The schema repeats none of the server's limits: the admin reads the server's own words.
    ({"min_learners": 0}, "body.min_learners", "at least 50 on this server"),
    ({"min_learners": -3}, "body.min_learners", "at least 50 on this server"),
    ({"max_se": 6.0}, "body.max_se", "at most 0.3 on this server"),
])
def test_calibration_options_are_taken_as_sent_and_limited_by_the_server_alone(client, people, body,
                                                                              field, words):
    bad = client.post("/v1/calibrations", json=body, headers=people["admin"]["headers"])
    assert bad.status_code == 422, bad.text
    (error,) = bad.json()["errors"]
    assert error["field"] == field and words in error["message"], error


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity"])
def test_a_max_se_that_is_no_finite_number_is_refused_saying_so(client, people, number):
    bad = client.post("/v1/calibrations", content=f'{{"max_se": {number}, "dry_run": true}}',
                      headers={**people["admin"]["headers"], "Content-Type": "application/json"})
    assert bad.status_code == 422, bad.text
    assert bad.json()["errors"] == [{"field": "body.max_se", "message": "Use a finite number such as "
                                     "0.3: NaN and Infinity are not accepted."}]
    assert not client.get("/v1/calibrations", headers=people["admin"]["headers"]).json()


@pytest.mark.parametrize("headers", [{}, {"Content-Type": "application/json"}])
def test_a_calibration_without_a_body_is_one_with_every_default(client, people, headers):
    admin = people["admin"]["headers"]
    run = client.post("/v1/calibrations", headers={**admin, **headers})
    assert run.status_code == 202, run.text
    assert run.json()["options"] == {"language": None, "min_learners": 50, "max_se": 0.3, "alpha": 0.05,
                                     "dry_run": False}


def test_the_server_sets_the_floor_of_the_rules(make_client, people):
    lenient = make_client(calibration_min_learners=10, calibration_max_se=0.5)
    from api_helpers import create_user, login

    create_user(lenient, "root2", "admin")
    headers = login(lenient, "root2")
    run = lenient.post("/v1/calibrations", json={"min_learners": 10, "max_se": 0.5}, headers=headers)
    assert run.status_code == 202 and run.json()["options"]["min_learners"] == 10


def test_calibration_counts_one_answer_per_learner_and_item_the_first(client, people, db):
    from api.services.calibrations import calibration_answers

    learner = people["learner"]["id"]
    for number, (score, hours) in enumerate(((0, 0), (1, 24), (1, 48))):  # a test, then retakes
        session_id = f"retake-{number}"
        db.add(LearningSession(id=session_id, learner_id=learner, language="nb", mode="placement",
                               track="b1", state={}, created_at=START, updated_at=START))
        db.flush()
        db.add(ResponseRow(session_id=session_id, learner_id=learner, item_id="nb-test-b1-010",
                           client_response_id=f"c{number}", answer=None, score=score, max_score=1,
                           correct=bool(score), answered_at=START + timedelta(hours=hours), theta=0.0,
                           se=1.0, level="A2", result={}))
    db.commit()
    answers = calibration_answers(db, "nb")
    assert (answers.learners.tolist(), answers.items.tolist(), answers.scores.tolist()) == (
        [f"u{learner}"], ["nb-test-b1-010"], [0])
    assert answers.per_item == {"nb-test-b1-010": (3, 1)}  # three answers, one learner


def test_a_run_from_before_versions_is_listed_and_cannot_be_rolled_back(client, people, db):
    db.add(CalibrationRun(id="old-run", requested_by=people["admin"]["id"], status="done",
                          options={"language": "nb", "min_responses": 5},
                          result={"responses": 795, "anchors": 0, "items_updated": 133, "items": []},
                          created_at=START, finished_at=START))
    db.commit()
    admin = people["admin"]["headers"]
    (old,) = client.get("/v1/calibrations", headers=admin).json()
    assert old["items_changed"] == 133 and "cannot be rolled back" in old["message"]
    assert old["unchanged"] is None  # its reasons were kept only in English words
    assert old["options"]["min_learners"] is None
    refused = client.post("/v1/calibrations/old-run/rollback", headers=admin)
    assert refused.status_code == 409 and "nothing to roll back" in refused.json()["detail"]


def test_the_demo_class_keeps_every_level_through_a_default_calibration(make_client, clock):
    """The issue's case: the 5-learner demo, a calibration with the defaults: nothing moves, and
    the result says why (docs/calibration.md has the figures)."""
    from sqlmodel import Session

    from api.services.demo import create_demo
    from api_helpers import create_user, login

    client = make_client(bank="real")
    db_engine = client.app.state.db_engine
    with Session(db_engine) as session:
        demo = create_demo(session, clock.now)
    assert demo is not None
    create_user(client, "root", "admin")
    admin = login(client, "root")
    token = client.post("/v1/auth/token", data={"username": demo.teacher[0], "password": demo.teacher[1]})
    teacher = {"Authorization": f"Bearer {token.json()['access_token']}"}

    def shown():
        curves = client.get(f"/v1/classes/{demo.class_id}/ability-curves", headers=teacher).json()
        progress = [client.get(f"/v1/learners/{c['id']}", headers=teacher).json() for c in curves["learners"]]
        return ([(p["username"], p["overall"]["theta"], p["overall"]["level"]) for p in progress],
                curves["summary"]["levels"], [(c["overall"], c["reported"]) for c in curves["learners"]])

    before = shown()
    assert len(before[0]) == 5 and sum(before[1].values()) == 5
    assert client.post("/v1/calibrations", json={"min_learners": 5}, headers=admin).status_code == 422
    for dry_run in (True, False):
        run = start(client, admin, dry_run=dry_run)
        assert (run["result"]["items_changed"], run["result"]["levels_changed"], run["items"]) == (0, 0, [])
        (nb,) = run["result"]["languages"]
        assert nb["learners"] == 5 and nb["most_answered"]["learners"] <= 5
        assert nb["reason"].startswith("no item has answers from 50 learners yet; the item with the most has ")
        assert nb["learners_evaluated"] == 5 and nb["largest_theta_change"] == 0.0
    assert shown() == before


def test_the_command_line_lists_shows_and_rolls_back_a_run(client, people, db, settings, capsys):
    from api.cli import main

    simulate_responses(db, ITEM_IDS, np.random.default_rng(5))
    before = {row.id: (row.a, row.b, row.c, row.status) for row in db.exec(select(ItemRow))}
    run = start(client, people["admin"]["headers"], language="nb")
    url = ["--database-url", settings.database_url]
    assert main(["calibrations", "list", *url]) == 0
    listed = capsys.readouterr().out
    assert run["id"] in listed and "by admin" in listed and "7 items changed (nb: 7)" in listed
    assert main(["calibrations", "show", run["id"], *url]) == 0
    assert f'"id": "{run["id"]}"' in capsys.readouterr().out
    assert main(["calibrations", "rollback", run["id"], *url]) == 0
    assert capsys.readouterr().out == f"rolled back {run['id']}: 7 items restored to their values before it\n"
    db.expire_all()
    assert {row.id: (row.a, row.b, row.c, row.status) for row in db.exec(select(ItemRow))} == before
    rolled = client.get(f"/v1/calibrations/{run['id']}", headers=people["admin"]["headers"]).json()
    assert (rolled["status"], rolled["rolled_back_by"]) == ("rolled_back", None)
    assert main(["calibrations", "rollback", run["id"], *url]) == 2
    assert "rolled back already" in capsys.readouterr().err
    assert main(["calibrations", "show", "nope", *url]) == 2


def _fit_growth(db, dry_run=False):
    """A growth fit stored now (real time, as the background runs stamp theirs)."""
    from datetime import UTC, datetime

    from api.services.growth_fits import fit_language

    fitted = fit_language(db, "nb", datetime.now(UTC), by="ops", dry_run=dry_run)
    db.expire_all()
    return fitted


def test_a_growth_fit_after_a_run_is_undone_first_then_every_level_comes_back(client, people, db, clock):
    """Issue 17's workflow: calibrate, then fit the growth model. Rolling back the run under the
    fit would rebuild the levels under a fit made on the run's items: refused, naming the fit;
    undone in order (the fit, then the run), every learner's θ, SE and level come back exactly."""
    from api.services import growth_fits

    _, learners = simulate_responses(db, ITEM_IDS, np.random.default_rng(5))
    watched = learners[::40]
    before = levels_of(db, watched, clock.now)
    admin = people["admin"]["headers"]
    run = start(client, admin, language="nb")
    assert run["result"]["items_changed"] == 7
    clock.advance(minutes=5)
    fit = _fit_growth(db)
    assert fit.id is not None and fit.replaces is None and fit.fitted_by == "ops"
    refused = client.post(f"/v1/calibrations/{run['id']}/rollback", headers=admin)
    assert refused.status_code == 409
    assert refused.json()["detail"] == (
        f"calibration '{run['id']}' is not the latest change of the nb parameters: roll back growth fit "
        f"{fit.id} of nb (fitted {fit.fitted_at:%Y-%m-%d %H:%M} UTC) first: b1engine growth rollback {fit.id}")
    assert (refused.json()["code"], refused.json()["later"]) == ("rollback_not_latest", str(fit.id))
    db.expire_all()
    assert db.get(ItemRow, run["items"][0]["item_id"]).calibration_id == run["id"]  # nothing was restored
    # Undone in order: the fit (the defaults are live again), then the run.
    growth_fits.rollback(db, fit.id, "ops", clock.now)
    back = client.post(f"/v1/calibrations/{run['id']}/rollback", headers=admin)
    assert back.status_code == 200, back.text
    db.expire_all()
    assert levels_of(db, watched, clock.now) == before  # exactly: the same floats


def test_a_rollback_after_a_growth_fit_gives_back_what_learners_saw(client, people, db, clock):
    """Fit, then a run, then its rollback: the growth states rebuilt after the rollback are the
    ones shown before the run (the fit started them afresh under its parameters)."""
    _, learners = simulate_responses(db, ITEM_IDS, np.random.default_rng(5))
    watched = learners[::40]
    levels_of(db, watched, clock.now)  # states built under the defaults, as learners answered
    fit = _fit_growth(db)
    assert fit.learners == N_LEARNERS and fit.levels_changed is not None
    clock.advance(minutes=5)
    before = levels_of(db, watched, clock.now)
    admin = people["admin"]["headers"]
    run = start(client, admin, language="nb")
    assert run["result"]["items_changed"] == 7
    db.expire_all()
    assert levels_of(db, watched, clock.now) != before
    assert client.post(f"/v1/calibrations/{run['id']}/rollback", headers=admin).status_code == 200
    db.expire_all()
    assert levels_of(db, watched, clock.now) == before  # θ, SE and level: the same floats
    # The fit stood under the run: it could not be rolled back before the run was.
    from api.errors import Conflict
    from api.services import growth_fits

    assert growth_fits.rollback(db, fit.id, "ops", clock.now).rolled_back_at is not None
    with pytest.raises(Conflict, match="rolled back already"):
        growth_fits.rollback(db, fit.id, "ops", clock.now)


def test_only_the_newest_run_of_a_language_can_be_rolled_back(client, people, db, clock):
    """Run A's items become anchors of run B: undoing A under B would leave B's items on a scale
    set by anchors that are gone. Refused, naming B; B first, then A."""
    simulate_responses(db, ITEM_IDS, np.random.default_rng(5))
    admin = people["admin"]["headers"]
    first = start(client, admin, language="nb")
    # Run B, as a later run writes it (stamped in real time, as runs are): another item changed on A's scale.
    from datetime import UTC, datetime

    applied = datetime.now(UTC) + timedelta(hours=1)
    other = db.exec(select(ItemRow).where(ItemRow.language == "nb", ItemRow.status == "prior",
                                          ItemRow.id.not_in(ITEM_IDS))).first()
    from api.models import CalibrationItemChange

    db.add(CalibrationRun(id="run-b", requested_by=people["admin"]["id"], status="done",
                          options={"language": "nb", "min_learners": 50, "max_se": 0.3, "alpha": 0.05},
                          result={"applied": True, "items_changed": 1, "levels_changed": 0, "message": "1 item"},
                          created_at=applied, finished_at=applied, applied_at=applied))
    db.flush()
    db.add(CalibrationItemChange(run_id="run-b", item_id=other.id, learners=60, a_before=other.a,
                                 b_before=other.b, c_before=other.c, status_before="prior", a_after=other.a,
                                 b_after=other.b + 0.5, c_after=other.c, se_a=0.1, se_b=0.1, p_value=1e-6))
    other.b, other.status, other.calibration_id = other.b + 0.5, "calibrated", "run-b"
    db.add(other)
    db.commit()
    refused = client.post(f"/v1/calibrations/{first['id']}/rollback", headers=admin)
    assert refused.status_code == 409
    assert refused.json()["detail"] == (
        f"calibration '{first['id']}' is not the latest change of the nb parameters: roll back calibration run "
        f"run-b (applied {applied:%Y-%m-%d %H:%M} UTC) first")
    assert refused.json()["later"] == "run-b"
    assert client.post("/v1/calibrations/run-b/rollback", headers=admin).status_code == 200
    assert client.post(f"/v1/calibrations/{first['id']}/rollback", headers=admin).status_code == 200


@pytest.mark.parametrize("fault", ["stale_parameters", "internal"])
def test_a_failed_run_names_its_cause_and_writes_nothing(client, people, db, monkeypatch, fault):
    """Between the fit and its writes another writer changed an item the fit read (a rollback, new
    content): the run fails as stale and writes nothing. Or a fault of ours: it fails as internal."""
    from sqlmodel import Session

    from api.models import CalibrationItemChange
    from api.services import calibrations

    simulate_responses(db, ITEM_IDS, np.random.default_rng(5))  # 7 items would change
    fit = calibrations._plan

    def fit_then_something_else(session, language, options):
        plan = fit(session, language, options)
        if fault == "internal":
            raise ValueError("a fault of ours")
        with Session(session.get_bind()) as other:  # another writer, between the fit and its writes
            row = other.get(ItemRow, next(iter(plan.read)))
            row.b += 0.5
            other.add(row)
            other.commit()
        return plan

    monkeypatch.setattr(calibrations, "_plan", fit_then_something_else)
    db.expire_all()
    before = {row.id: (row.a, row.b, row.c, row.status) for row in db.exec(select(ItemRow))}
    admin = people["admin"]["headers"]
    queued = client.post("/v1/calibrations", json={"language": "nb"}, headers=admin)
    assert queued.status_code == 202, queued.text
    run = client.get(f"/v1/calibrations/{queued.json()['id']}", headers=admin).json()
    assert (run["status"], run["error_code"], run["result"]) == ("failed", fault, None)
    assert ("changed while this run was fitting" if fault == "stale_parameters" else "internal error (ValueError)") \
        in run["error"]
    (listed,) = client.get("/v1/calibrations", headers=admin).json()
    assert (listed["error_code"], listed["message"]) == (fault, run["error"])
    db.expire_all()
    after = {row.id: (row.a, row.b, row.c, row.status) for row in db.exec(select(ItemRow))}
    assert sum(after[i] != before[i] for i in before) == (1 if fault == "stale_parameters" else 0)  # only the other's
    assert db.exec(select(CalibrationItemChange)).all() == []


def test_a_second_run_of_a_language_waits_for_the_first(client, people, db, clock):
    admin = people["admin"]["headers"]
    db.add(CalibrationRun(id="busy", requested_by=people["admin"]["id"], status="running",
                          options={"language": "nb"}, created_at=clock.now, started_at=clock.now))
    db.commit()
    for body in ({"language": "nb"}, {}):
        refused = client.post("/v1/calibrations", json=body, headers=admin)
        assert refused.status_code == 409, body
        assert refused.json()["detail"].startswith("a calibration run for nb is in progress (id busy, running since")
        assert {k: refused.json()[k] for k in ("code", "running", "since")} == {
            "code": "calibration_running", "running": "busy", "since": clock.now.isoformat()}
    # Another language is free; so is nb once the run is over (or lost: a day old).
    assert client.post("/v1/calibrations", json={"language": "en"}, headers=admin).status_code == 202
    clock.advance(hours=25)
    assert client.post("/v1/calibrations", json={"language": "nb"}, headers=admin).status_code == 202


def test_a_failed_run_says_why_it_cannot_be_rolled_back(client, people, db, clock):
    db.add(CalibrationRun(id="broken", requested_by=people["admin"]["id"], status="failed",
                          options={"language": "nb"}, error="internal error", created_at=clock.now))
    db.commit()
    refused = client.post("/v1/calibrations/broken/rollback", headers=people["admin"]["headers"])
    assert refused.status_code == 409
    assert refused.json()["detail"] == ("calibration 'broken' failed: only an applied run that changed items can "
                                        "be rolled back, and a failed run changed nothing")


def test_growth_fits_are_versions_with_a_dry_run_a_floor_and_a_rollback(client, people, db, settings, capsys,
                                                                        monkeypatch):
    from api.cli import main
    from api.models import GrowthFit
    from api.services import growth_fits

    assert growth_fits.MIN_LEARNERS == 30
    url = ["--database-url", settings.database_url]
    simulate_responses(db, ITEM_IDS, np.random.default_rng(5))
    monkeypatch.setattr(growth_fits, "MIN_LEARNERS", N_LEARNERS + 1)
    assert main(["growth", "fit", "--language", "nb", *url]) == 2
    assert (f"nb: not fitted: answers of {N_LEARNERS} learners, at least {N_LEARNERS + 1} needed"
            in capsys.readouterr().err)  # the language asked for and not fitted: a failure
    monkeypatch.undo()
    assert main(["growth", "fit", "--dry-run", *url]) == 0  # every language gets its line
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("nb: ") and "would store" in lines[0] and "learners' levels would change" in lines[0]
    assert any(line.startswith("en: not fitted: ") for line in lines)
    db.expire_all()
    assert db.get(GrowthFit, "nb") is None  # a dry run stores nothing
    assert main(["growth", "fit", "--language", "nb", *url]) == 0
    assert "stored as growth fit 1" in capsys.readouterr().out
    assert main(["growth", "list", *url]) == 0
    assert "   1  nb  " in capsys.readouterr().out
    assert main(["growth", "show", "1", *url]) == 0
    assert '"previous": null' in capsys.readouterr().out
    assert main(["growth", "rollback", "1", *url]) == 0
    assert capsys.readouterr().out.startswith("rolled back growth fit 1 of nb: the engine's defaults live again")
    db.expire_all()
    assert db.get(GrowthFit, "nb") is None
    assert main(["growth", "rollback", "1", *url]) == 2
    assert "rolled back already" in capsys.readouterr().err

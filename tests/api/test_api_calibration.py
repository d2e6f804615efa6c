"""Calibration runs: queued by an admin, executed after the reply, applied in one transaction."""
from __future__ import annotations

import numpy as np
from sqlmodel import select

from api.models import CalibrationRun, ItemRow, LearningSession, ResponseRow, User
from api_helpers import START

N_LEARNERS = 400
#: The prior difficulties of the non-anchor items are this far from the truth.
PRIOR_OFFSET = 0.7


def simulate_responses(db, item_ids, rng):
    """Learners with known abilities answer items with known difficulties (2PL)."""
    from engine.models import probability

    rows = {row.id: row for row in db.exec(select(ItemRow).where(ItemRow.id.in_(item_ids)))}
    truth = {}
    for item_id in item_ids:
        row = rows[item_id]
        truth[item_id] = (row.a, row.b)
        if row.status != "calibrated":
            row.b = row.b - PRIOR_OFFSET  # the stored prior is wrong; the truth is row.b + offset
            db.add(row)
    theta = rng.normal(0.0, 1.0, N_LEARNERS)
    a = np.array([truth[i][0] for i in item_ids])
    b = np.array([truth[i][1] for i in item_ids])
    right = rng.random((N_LEARNERS, len(item_ids))) < probability(theta, a, b)
    for learner in range(N_LEARNERS):
        user = User(username=f"sim{learner}", password_hash="-", role="learner", created_at=START)
        db.add(user)
        db.flush()
        session_id = f"sim-session-{learner}"
        db.add(LearningSession(id=session_id, learner_id=user.id, language="nb", mode="placement",
                               track="b1", state={}, created_at=START, updated_at=START))
        db.flush()
        for column, item_id in enumerate(item_ids):
            score = int(right[learner, column])
            db.add(ResponseRow(session_id=session_id, learner_id=user.id, item_id=item_id,
                               client_response_id=f"{learner}-{column}", answer=None, score=score,
                               max_score=1, correct=bool(score), answered_at=START, theta=0.0,
                               se=1.0, level="A2", result={}))
    db.commit()
    return truth


def test_calibration_recovers_difficulties_anchored_on_calibrated_items(client, people, db):
    item_ids = [f"nb-test-b1-{i:03d}" for i in range(6, 42, 3)] + [f"nb-test-b1-{i:03d}" for i in (7, 8)]
    anchors = {row.id: (row.a, row.b) for row in db.exec(select(ItemRow).where(ItemRow.id.in_(item_ids)))
               if row.status == "calibrated"}
    assert len(anchors) >= 8
    truth = simulate_responses(db, item_ids, np.random.default_rng(5))
    response = client.post("/v1/calibrations", json={"language": "nb", "min_responses": 30},
                           headers=people["admin"]["headers"])
    assert response.status_code == 202
    assert response.json()["status"] == "queued"
    status = client.get(f"/v1/calibrations/{response.json()['id']}", headers=people["admin"]["headers"])
    assert status.status_code == 200
    body = status.json()
    assert body["status"] == "done", body["error"]
    assert body["result"]["responses"] == N_LEARNERS * len(item_ids)
    assert body["result"]["anchors"] == len(anchors)
    updated = {entry["item_id"]: entry for entry in body["result"]["items"]}
    assert set(updated) == set(item_ids) - set(anchors)
    db.expire_all()
    for item_id in item_ids:
        row = db.get(ItemRow, item_id)
        if item_id in anchors:
            assert (row.a, row.b, row.calibration_id) == (*anchors[item_id], None)
        else:
            assert row.status == "calibrated" and row.calibration_id == body["id"]
            se_b = updated[item_id]["se_b"]
            assert 0 < se_b < 0.5, (item_id, se_b)
            # within 3 of the calibrator's own standard errors (an easy item's b is loosely determined)
            assert abs(row.b - truth[item_id][1]) < 3 * se_b, (item_id, row.b, se_b, truth[item_id])
            assert abs(row.b - truth[item_id][1]) < PRIOR_OFFSET, "no better than the wrong prior"


def test_calibration_roles_and_unknown_run(client, people):
    for role in ("teacher", "author", "learner"):
        assert client.post("/v1/calibrations", json={}, headers=people[role]["headers"]).status_code == 403
    assert client.get("/v1/calibrations/nope", headers=people["admin"]["headers"]).status_code == 404
    bad = client.post("/v1/calibrations", json={"min_responses": 0}, headers=people["admin"]["headers"])
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "body.min_responses"


def test_calibration_with_no_responses_finishes_and_changes_nothing(client, people, db):
    before = {row.id: (row.a, row.b) for row in db.exec(select(ItemRow))}
    run = client.post("/v1/calibrations", json={}, headers=people["admin"]["headers"]).json()
    done = client.get(f"/v1/calibrations/{run['id']}", headers=people["admin"]["headers"]).json()
    assert done["status"] == "done" and done["result"]["items_updated"] == 0
    db.expire_all()
    assert {row.id: (row.a, row.b) for row in db.exec(select(ItemRow))} == before
    assert db.get(CalibrationRun, run["id"]).finished_at is not None


def test_calibration_counts_one_answer_per_learner_and_item_the_first(client, people, db):
    from datetime import timedelta

    from api.services.calibrations import calibration_responses

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
    rows = [r for r in calibration_responses(db, "nb") if r[1] == "nb-test-b1-010"]
    assert rows == [(f"u{learner}", "nb-test-b1-010", 0, 1)]

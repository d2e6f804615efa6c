"""Simulated answers of many learners, written straight to the database (calibration and history tests)."""
from __future__ import annotations

from datetime import timedelta

import numpy as np
from sqlalchemy import insert
from sqlmodel import select

from api.models import ItemRow, LearningSession, ResponseRow, User
from api_helpers import START

N_LEARNERS = 400
#: The stored difficulties of the prior (non-calibrated) items are this far below the truth.
PRIOR_OFFSET = 0.7
#: Items every simulated learner answers: 12 calibrated ones (anchors: every third item of the
#: small bank is calibrated) and 8 with prior parameters.
ITEM_IDS = [f"nb-test-b1-{i:03d}" for i in range(6, 42, 3)] + [f"nb-test-b1-{i:03d}" for i in (7, 8, 10, 11, 13, 14,
                                                                                           16, 17)]


def simulate_responses(db, item_ids, rng, offset: float = PRIOR_OFFSET, learners: int = N_LEARNERS):
    """Learners from N(0, 1) answer every item by the 2PL at the items' true parameters; the
    stored b of each prior item is ``offset`` below its truth (a wrong prior)."""
    from engine.models import probability

    rows = {row.id: row for row in db.exec(select(ItemRow).where(ItemRow.id.in_(item_ids)))}
    truth = {}
    for item_id in item_ids:
        row = rows[item_id]
        truth[item_id] = (row.a, row.b)
        if row.status != "calibrated" and offset:
            row.b = row.b - offset
            db.add(row)
    theta = rng.normal(0.0, 1.0, learners)
    a = np.array([truth[i][0] for i in item_ids])
    b = np.array([truth[i][1] for i in item_ids])
    right = rng.random((learners, len(item_ids))) < probability(theta, a, b)
    users = [{"username": f"sim{n}", "login_key": f"sim{n}", "password_hash": "-", "role": "learner",
              "language": "nb", "created_at": START} for n in range(learners)]
    db.execute(insert(User), users)
    ids = {u.username: u.id for u in db.exec(select(User).where(User.username.like("sim%")))}
    db.execute(insert(LearningSession), [
        {"id": f"sim-session-{n}", "learner_id": ids[f"sim{n}"], "language": "nb", "mode": "placement",
         "track": "b1", "status": "done", "state": {}, "created_at": START, "updated_at": START}
        for n in range(learners)])
    db.execute(insert(ResponseRow), [
        {"session_id": f"sim-session-{n}", "learner_id": ids[f"sim{n}"], "item_id": item_id,
         "client_response_id": f"{n}-{column}", "answer": None, "score": int(right[n, column]), "max_score": 1,
         "correct": bool(right[n, column]), "answered_at": START + timedelta(minutes=column), "theta": 0.0,
         "se": 1.0, "level": "A2", "result": {}}
        for n in range(learners) for column, item_id in enumerate(item_ids)])
    db.commit()
    return truth, [ids[f"sim{n}"] for n in range(learners)]



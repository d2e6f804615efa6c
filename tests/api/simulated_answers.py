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




def simulate_class(db, school_class, names, item_ids, now, seed: int = 21, days: int = 28):
    """Learners called ``names`` in ``school_class`` with ``days`` of answers before ``now``, written
    straight to the database (a class of 25 in well under a second): each practises about twice a
    week, eight answers a day, right with the 2PL probability at a true ability that grows; every
    third learner stops twelve days before ``now`` (inactive). Each day's last estimate is kept as
    reported (a crude running estimate: what matters to the charts is that it exists). Returns
    the learners' ids."""
    from api.models import ReportedEstimate
    from api.services.classes import add_learner
    from engine.models import probability

    rng = np.random.default_rng(seed)
    rows = {row.id: row for row in db.exec(select(ItemRow).where(ItemRow.id.in_(item_ids)))}
    a = np.array([rows[i].a for i in item_ids])
    b = np.array([rows[i].b for i in item_ids])
    start = now - timedelta(days=days)
    ids = []
    for number, name in enumerate(names):
        learner = add_learner(db, school_class, f"chart{number}", "password-123", start, display_name=name)
        learner_id = learner.id
        ids.append(learner_id)
        theta0, growth = rng.normal(-1.0, 0.5), rng.uniform(0.0, 0.04)
        last_day = days - 12 if number % 3 == 0 else days
        practice = sorted(rng.choice(np.arange(0, last_day), size=max(2, last_day // 4), replace=False).tolist())
        responses, reported, answered = [], [], 0
        for day in practice:
            moment = start + timedelta(days=int(day), hours=10)
            session = f"chart-{learner_id}-{day}"  # a drill a day (an item once per session)
            db.add(LearningSession(id=session, learner_id=learner_id, language=school_class.language, mode="drill",
                                   track="b1", status="done", state={}, created_at=moment, updated_at=moment))
            chosen = rng.choice(len(item_ids), size=8, replace=False)
            truth = theta0 + growth * day
            right = rng.random(8) < probability(truth, a[chosen], b[chosen])
            for k, (column, ok) in enumerate(zip(chosen, right)):
                answered += 1
                responses.append({"session_id": session, "learner_id": learner_id,
                                  "item_id": item_ids[column], "client_response_id": f"c{learner_id}-{day}-{k}",
                                  "answer": None, "score": int(ok), "max_score": 1, "correct": bool(ok),
                                  "answered_at": moment + timedelta(minutes=k), "theta": float(truth),
                                  "se": 1.0 / np.sqrt(1 + 0.3 * answered), "level": "A2", "result": {}})
            estimate = float(truth + rng.normal(0, 0.2))
            reported.append({"learner_id": learner_id, "language": school_class.language,
                             "reported_at": moment + timedelta(minutes=8), "theta": estimate,
                             "se": float(1.0 / np.sqrt(1 + 0.3 * answered)), "level": "A2",
                             "parameters": None, "source": "drill"})
        db.commit()
        db.execute(insert(ResponseRow), responses)
        db.execute(insert(ReportedEstimate), reported)
        db.commit()
    return ids

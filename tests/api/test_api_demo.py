"""`serve --demo` data: accounts that log in, answers that fill the curves."""
from __future__ import annotations

from sqlmodel import Session, func, select

from api.models import ResponseRow
from api_helpers import START


def test_demo_fills_an_empty_database_once_and_its_accounts_work(client):
    from api.services.demo import create_demo

    now = START
    with Session(client.app.state.db_engine) as session:
        demo = create_demo(session, now, weeks=2)
        assert demo is not None
        assert create_demo(session, now, weeks=2) is None  # not on a database with users
        answers = session.exec(select(func.count()).select_from(ResponseRow)).one()
    assert answers == demo.answers > 5 * 10
    assert len({password for _, password in demo.learners} | {demo.teacher[1]}) == 6
    token = client.post("/v1/auth/token", data={"username": demo.teacher[0],
                                               "password": demo.teacher[1]}).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    curves = client.get(f"/v1/classes/{demo.class_id}/ability-curves", headers=headers).json()
    assert [len(learner["overall"]) > 0 for learner in curves["learners"]] == [True] * 5
    assert "demo-learner-5" in demo.describe() and demo.learners[4][1] in demo.describe()
    learner = client.post("/v1/auth/token", data={"username": demo.learners[0][0],
                                                 "password": demo.learners[0][1]})
    assert learner.status_code == 200

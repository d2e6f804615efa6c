"""Privacy: a learner's data exported in full, erased on request with answers kept anonymised."""
from __future__ import annotations

import re
import uuid
from datetime import timedelta

from sqlalchemy import select as sa_select
import pytest
from sqlmodel import Session, SQLModel, select

from api.models import (AnonymousResponse, ItemRow, LearnerAbility, LearningSession, ResponseRow,
                        ReviewState, User)
from api_helpers import START


def arrange_history(client, learner_id: int, answers: int = 3) -> str:
    """A session with answers, abilities and review states, written straight to the database."""
    session_id = uuid.uuid4().hex
    with Session(client.app.state.db_engine) as db:
        for index in range(answers):
            item_id = f"privacy-item-{index}"
            if db.get(ItemRow, item_id) is None:
                db.add(ItemRow(id=item_id, language="nb", track="b1", skill="grammar",
                               type="cloze_typed", cefr="A2", a=1.0, b=0.1 * index, status="prior",
                               origin="bank", live=False, content={}, content_hash="x",
                               updated_at=START))
        db.add(LearningSession(id=session_id, learner_id=learner_id, language="nb", mode="drill",
                               track="b1", state={"served": [], "pending": None, "answered": answers},
                               created_at=START, updated_at=START))
        db.flush()
        for index in range(answers):
            moment = START + timedelta(hours=index, minutes=17)
            response = ResponseRow(session_id=session_id, learner_id=learner_id,
                                   item_id=f"privacy-item-{index}", client_response_id=f"c{index}",
                                   answer=f"my typed answer {index}", score=index % 2, max_score=1,
                                   correct=bool(index % 2), response_ms=4000, answered_at=moment,
                                   theta=0.1, se=0.9, level="A2", result={"feedback": "ok"})
            db.add(response)
            db.add(ReviewState(learner_id=learner_id, vocab_key=f"nb:kitchen:ord{index}",
                               language="nb", card={"kind": "test"}, due=moment, state="learning",
                               reviews=1, lapses=0, last_review=moment))
        db.add(LearnerAbility(learner_id=learner_id, language="nb", scope="overall",
                              posterior={"kind": "test"}, theta=0.1, se=0.9, updated_at=START))
        db.commit()
    return session_id


def rows_referring_to(db: Session, user_id: int) -> dict[str, int]:
    out = {}
    for table in SQLModel.metadata.sorted_tables:
        for column in table.columns:
            if any(fk.column.table.name == "users" for fk in column.foreign_keys):
                count = len(db.exec(sa_select(table).where(column == user_id)).all())
                if count:
                    out[f"{table.name}.{column.name}"] = count
    return out


def test_export_holds_everything_for_the_learner_and_their_teacher(client, people):
    learner = people["learner"]
    session_id = arrange_history(client, learner["id"])
    mine = client.get(f"/v1/learners/{learner['id']}/export", headers=learner["headers"])
    assert mine.status_code == 200, mine.text
    data = mine.json()
    assert data["account"]["username"] == "learner" and "password_hash" not in mine.text
    assert data["class"]["name"] == "Kveldsklasse" and data["class"]["teacher"] == "teacher"
    tables = data["tables"]
    assert [s["id"] for s in tables["sessions"]] == [session_id]
    assert sorted(r["your_answer"] for r in tables["responses"]) == [f"my typed answer {i}" for i in range(3)]
    # What the learner saw and answered, not our ids, parameters or the engine's state.
    assert all(not {"item_id", "answer", "theta", "se", "result"} & set(r) for r in tables["responses"])
    # Named one by one: a column added to the answers fails here until it is judged ours or
    # theirs (the estimate before each answer was exported for a while).
    assert all(set(r) == {"id", "session_id", "learner_id", "client_response_id", "score", "max_score", "correct",
                          "response_ms", "answered_at", "exercise", "options", "your_answer"}
               for r in tables["responses"])
    assert all("state" not in s for s in tables["sessions"])
    assert [r["score"] for r in sorted(tables["responses"], key=lambda r: r["your_answer"])] == [0, 1, 0]
    assert len(tables["review_states"]) == 3 and len(tables["learner_abilities"]) == 1
    assert tables["class_learners"] == [{"learner_id": learner["id"], "class_id": people["class_id"]}]
    with Session(client.app.state.db_engine) as db:
        stored = rows_referring_to(db, learner["id"])
    exported = {name: len(rows) for name, rows in tables.items()}
    assert {name.split(".")[0]: n for name, n in stored.items()} == exported
    teacher = client.get(f"/v1/learners/{learner['id']}/export", headers=people["teacher"]["headers"])
    assert teacher.status_code == 200
    assert teacher.json()["tables"] == tables
    assert client.get(f"/v1/learners/{learner['id']}/export",
                      headers=people["author"]["headers"]).status_code == 403
    for who in ("teacher2", "learner2"):
        assert client.get(f"/v1/learners/{learner['id']}/export",
                          headers=people[who]["headers"]).status_code == 404, who


def test_erasure_removes_the_person_and_keeps_anonymous_answers(client, people):
    learner, other = people["learner"], people["learner2"]
    arrange_history(client, learner["id"])
    other_session = arrange_history(client, other["id"], answers=2)
    admin = people["admin"]["headers"]
    path = f"/v1/learners/{learner['id']}"
    assert client.delete(path, headers=people["teacher"]["headers"]).status_code == 403
    assert client.delete(path, headers=learner["headers"]).status_code == 403
    assert client.delete(f"/v1/learners/{people['teacher']['id']}", headers=admin).status_code == 404
    erased = client.delete(path, headers=admin)
    assert erased.status_code == 204 and erased.content == b""
    assert client.delete(path, headers=admin).status_code == 404
    assert client.get(path, headers=admin).status_code == 404
    assert client.get(f"{path}/export", headers=admin).status_code == 404
    assert client.get("/v1/auth/me", headers=learner["headers"]).status_code == 401
    assert client.post("/v1/auth/token", data={"username": "learner",
                                               "password": "password-123"}).status_code == 401
    listed = client.get(f"/v1/classes/{people['class_id']}/learners", headers=people["teacher"]["headers"])
    assert [l["username"] for l in listed.json()] == ["learner2"]
    with Session(client.app.state.db_engine) as db:
        assert db.get(User, learner["id"]) is None
        assert rows_referring_to(db, learner["id"]) == {}
        kept = db.exec(select(AnonymousResponse)).all()
        assert len(kept) == 3 and len({row.learner_key for row in kept}) == 1
        key = kept[0].learner_key
        assert re.fullmatch(r"[0-9a-f]{32}", key) and str(learner["id"]) != key
        assert sorted((row.item_id, row.score) for row in kept) == [
            ("privacy-item-0", 0), ("privacy-item-1", 1), ("privacy-item-2", 0)]
        assert {row.answered_on for row in kept} == {START.date()}
        # The other learner is untouched.
        assert len(db.exec(select(ResponseRow).where(ResponseRow.learner_id == other["id"])).all()) == 2
        assert db.get(LearningSession, other_session) is not None
        from api.services.calibrations import calibration_answers

        answers = calibration_answers(db, "nb")
    assert sorted(answers.learners.tolist()) == [f"a{key}"] * 3 + [f"u{other['id']}"] * 2


def test_login_back_off_per_username_and_address_holds_across_workers(make_client, clock):
    from api_helpers import create_user

    limits = dict(login_free_failures_per_account=2, login_free_failures_per_address=4)
    first, second = make_client(**limits), make_client(**limits)  # two apps: two "workers"
    create_user(first, "maria", "teacher")

    def attempt(client, username="maria", password="wrong-password"):
        return client.post("/v1/auth/token", data={"username": username, "password": password})

    assert [attempt(first).status_code for _ in range(2)] == [401, 401]  # free
    assert attempt(second).status_code == 401  # the third: the next attempt waits 5 s
    blocked = attempt(second, password="password-123")  # right password, but wait first
    assert blocked.status_code == 429
    assert blocked.headers["content-type"] == "application/problem+json"
    assert blocked.json()["status"] == 429 and blocked.json()["retry_after"] == 5
    assert blocked.headers["retry-after"] == "5"
    assert attempt(first, password="password-123").status_code == 429
    clock.advance(seconds=5)
    assert attempt(first, password="password-123").status_code == 200
    # Per address: many usernames from one client (the three failures above forgiven by now).
    clock.advance(minutes=10)
    codes = [attempt(first, username=f"guess-{i}").status_code for i in range(6)]
    assert codes == [401] * 5 + [429]
    assert "retry-after" in attempt(second, username="someone-else").headers


def test_a_token_of_an_erased_account_opens_nothing_of_a_new_account_with_its_id(client, people,
                                                                                  clock):
    """SQLite gives the highest erased row id to the next account: the erased learner's
    token, still unexpired, must not reach the newcomer's account or sessions."""
    from api_helpers import create_user, login

    gone = create_user(client, "leaving", "learner")
    old_token = login(client, "leaving")
    assert client.delete(f"/v1/learners/{gone['id']}", headers=people["admin"]["headers"]).status_code == 204
    clock.advance(minutes=5)
    from api.services.users import create_user as service_create

    with Session(client.app.state.db_engine) as db:
        newcomer = service_create(db, "arriving", "password-123", "learner", clock.now, language="nb")
        db.commit()
        newcomer_id = newcomer.id
    mine = login(client, "arriving")
    session_id = client.post("/v1/sessions", headers=mine,
                             json={"language": "nb", "mode": "placement"}).json()["id"]
    assert client.get(f"/v1/sessions/{session_id}/next", headers=mine).status_code == 200
    if newcomer_id == gone["id"]:  # the id was reused (SQLite)
        assert client.get("/v1/auth/me", headers=old_token).status_code == 401
    assert client.get(f"/v1/sessions/{session_id}/next", headers=old_token).status_code == 404
    item = client.get(f"/v1/sessions/{session_id}/next", headers=mine).json()["item"]
    answer = {"item_id": item["id"], "answer": "x", "client_response_id": "stolen"}
    assert client.post(f"/v1/sessions/{session_id}/responses", headers=old_token,
                       json=answer).status_code == 404
    assert client.get(f"/v1/learners/{newcomer_id}/export", headers=old_token).status_code == 401


@pytest.fixture
def sqlite_client(sqlite_template, settings, tmp_path):
    """A client on SQLite whatever the backend of the run: this test reads SQLite's files
    (PostgreSQL keeps dead rows until the operator's VACUUM, docs/operations.md)."""
    import shutil

    from fastapi.testclient import TestClient

    from api.main import create_app
    from api_helpers import small_bank

    path = tmp_path / "erase.db"
    shutil.copyfile(sqlite_template, path)
    app = create_app(settings.model_copy(update={"database_url": f"sqlite:///{path}"}),
                     bank_items=lambda _s: small_bank())
    with TestClient(app) as client:
        yield client, f"sqlite:///{path}"


def test_an_erased_learner_appears_nowhere_in_the_database_files(sqlite_client):
    from pathlib import Path

    from sqlalchemy.engine import make_url

    from api_helpers import create_user, login

    client, database_url = sqlite_client
    create_user(client, "admin", "admin")
    learner = create_user(client, "learner", "learner")
    people = {"admin": {"headers": login(client, "admin")}}
    name = "zygmunt-erasable"
    # A distinctive username and typed answer, written through the service like any other.
    with Session(client.app.state.db_engine) as db:
        user = db.get(User, learner["id"])
        user.username = name
        db.add(user)
        db.commit()
    arrange_history(client, learner["id"])
    path = Path(make_url(database_url).database)
    files = [path, path.with_name(path.name + "-wal")]
    assert any(name.encode() in f.read_bytes() for f in files if f.exists())
    assert client.delete(f"/v1/learners/{learner['id']}", headers=people["admin"]["headers"]).status_code == 204
    for f in [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]:
        if f.exists():
            data = f.read_bytes()
            assert name.encode() not in data and b"my typed answer" not in data, f.name


def _play(client, headers, session_id: str, answers: int | None = None) -> int:
    """Answer the session's exercises (right when easy, wrong when hard) until it is done or
    ``answers`` are given; returns the answers given."""
    from api_helpers import Served, right_answer, small_bank_data, wrong_answer

    bank = {item["id"]: item for item in small_bank_data()}
    served = Served(client, session_id)
    step = client.get(f"/v1/sessions/{session_id}/next", headers=headers).json()
    given = 0
    while not step["done"] and (answers is None or given < answers):
        truth = bank[served.bank_id(step["item"])]
        value = right_answer(truth) if truth["b"] < 0.5 else wrong_answer(truth)
        reply = client.post(f"/v1/sessions/{session_id}/responses", headers=headers,
                            json={"item_id": step["item"]["id"], "answer": served.answer(truth, value),
                                  "client_response_id": uuid.uuid4().hex})
        assert reply.status_code == 200, reply.text
        step, given = reply.json()["next"], given + 1
    return given


def test_a_learners_export_shows_no_estimate_while_a_placement_test_is_open(client, people):
    """During a placement test the estimate moves with every answer (up after a right one, down
    after a wrong one): the learner's export hides what their progress hides, until the test
    ends; their teacher's export, like the teacher's view, holds it."""
    learner, teacher = people["learner"], people["teacher"]["headers"]
    url = f"/v1/learners/{learner['id']}/export"
    drill = client.post("/v1/sessions", headers=learner["headers"],
                        json={"language": "nb", "mode": "drill"}).json()["id"]
    drilled = _play(client, learner["headers"], drill)
    placement = client.post("/v1/sessions", headers=learner["headers"],
                            json={"language": "nb", "mode": "placement"}).json()["id"]
    _play(client, learner["headers"], placement, answers=3)
    # The teacher's view brings the stored growth states up to date, placement answers included.
    assert client.get(f"/v1/learners/{learner['id']}", headers=teacher).json()["overall"] is not None
    me = client.get("/v1/learners/me", headers=learner["headers"]).json()
    assert me["placement_in_progress"] and me["overall"] is None and me["history"] == me["reported"] == []
    mine = client.get(url, headers=learner["headers"]).json()
    # The language's history says why it is empty.
    assert mine["ability_history"] == [{"language": "nb", "reported": [], "re_estimated": [],
                                        "placement_in_progress": True}]
    assert not [row for name in ("learner_abilities", "reported_estimates")
                for row in mine["tables"].get(name, []) if row["language"] == "nb"]
    assert len(mine["tables"]["responses"]) == drilled + 3  # the answers themselves stay
    theirs = client.get(url, headers=teacher).json()
    assert len(theirs["ability_history"][0]["re_estimated"]) == drilled + 3
    assert theirs["ability_history"][0]["placement_in_progress"] is False
    assert len(theirs["ability_history"][0]["reported"]) == drilled
    assert theirs["tables"]["learner_abilities"] and theirs["tables"]["reported_estimates"]
    # Once the test is over, the learner's export has everything again.
    placed = _play(client, learner["headers"], placement)
    after = client.get(url, headers=learner["headers"]).json()
    history = after["ability_history"][0]
    assert len(history["re_estimated"]) == drilled + 3 + placed and len(history["reported"]) == drilled + 1
    assert history["placement_in_progress"] is False
    assert after["tables"]["learner_abilities"] and after["tables"]["reported_estimates"]


def test_progress_curves_and_export_hide_estimates_by_one_rule(client, people, db, clock):
    """One rule, ``learners.estimates_hidden``: the learner's progress, both their charts and
    their export hide the estimate while a placement test is open; the teacher's do not."""
    from api.services import curves, learners, privacy

    learner = people["learner"]
    drill = client.post("/v1/sessions", headers=learner["headers"],
                        json={"language": "nb", "mode": "drill"}).json()["id"]
    _play(client, learner["headers"], drill)
    placement = client.post("/v1/sessions", headers=learner["headers"],
                            json={"language": "nb", "mode": "placement"}).json()["id"]
    _play(client, learner["headers"], placement, answers=2)
    user = db.get(User, learner["id"])
    for for_learner in (True, False):
        hidden = learners.estimates_hidden(db, learner["id"], "nb", for_learner)
        assert hidden is for_learner
        line = curves.learner_chart(db, user, clock(), for_learner=for_learner).lines[0]
        assert (line.re_theta == () and line.times == ()) is hidden
        skills = curves.skills_chart(db, user, clock(), for_learner=for_learner).lines
        assert all(skill.re_theta == () for skill in skills) is hidden
        assert (learners.progress(db, user, "nb", for_learner=for_learner).overall is None) is hidden
        (told,) = privacy.export(db, user, clock(), for_learner=for_learner).ability_history
        assert told.placement_in_progress is hidden and (told.re_estimated == []) is hidden
    assert not learners.estimates_hidden(db, learner["id"], None, True)  # no language: nothing to hide

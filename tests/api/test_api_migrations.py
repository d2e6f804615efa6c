"""Migrations keep what is stored: a database with answers upgraded to the newest schema."""
from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session

from api.db import make_engine, upgrade
from api.models import LearningSession, ResponseRow
from api_helpers import START


def test_growth_states_written_per_answer_start_at_the_last_answer_in_their_language(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0005_lean_answers")
    engine = make_engine(url)
    try:
        with engine.begin() as connection:  # the table as 0005 left it (the model has more columns)
            connection.execute(text("INSERT INTO users (id, username, password_hash, role, created_at)"
                                    " VALUES (1, 'ada', 'x', 'learner', :at)"), {"at": START})
            for language in ("nb", "en"):
                connection.execute(text(
                    "INSERT INTO items (id, language, track, skill, type, cefr, max_score, a, b, c, status,"
                    " origin, live, content, content_hash, updated_at) VALUES (:id, :language, 'b1',"
                    " 'grammar', 'multiple_choice', 'A2', 1, 1.0, 0.0, 0.0, 'prior', 'bank', 1, '{}', 'x',"
                    " :at)"), {"id": f"{language}-1", "language": language, "at": START})
        with Session(engine) as db:
            answers = ("nb", "en", "nb", "en", "en")  # a session each (one answer per item)
            for number, language in enumerate(answers, start=1):
                db.add(LearningSession(id=f"s-{number}", learner_id=1, language=language,
                                       mode="placement", track="b1", state={}, created_at=START,
                                       updated_at=START))
            db.flush()
            for number, language in enumerate(answers, start=1):
                db.add(ResponseRow(id=number, session_id=f"s-{number}", learner_id=1,
                                   item_id=f"{language}-1", client_response_id=f"c{number}",
                                   answer="a", score=1, max_score=1, correct=True, answered_at=START,
                                   theta=0.0, se=1.0, level="A2", result={}))
            db.commit()
        with engine.begin() as connection:
            for language, scope in (("nb", "overall"), ("nb", "grammar"), ("it", "overall")):
                connection.execute(text(
                    "INSERT INTO learner_abilities (learner_id, language, scope, posterior, theta, se,"
                    " updated_at) VALUES (1, :language, :scope, '{}', 0.5, 0.4, :at)"),
                    {"language": language, "scope": scope, "at": START})
        upgrade(url)
        with engine.connect() as connection:
            through = connection.execute(text(
                "SELECT language, scope, through_response_id, theta FROM learner_abilities"
                " ORDER BY language, scope")).all()
            indexes = {row[1] for row in connection.execute(text("PRAGMA index_list('responses')"))}
    finally:
        engine.dispose()
    # nb's last answer is response 3; no answers in it: 0. The states themselves are kept.
    assert [tuple(row) for row in through] == [("it", "overall", 0, 0.5), ("nb", "grammar", 3, 0.5),
                                               ("nb", "overall", 3, 0.5)]
    assert "ix_responses_session_id" not in indexes and "ix_responses_learner_id" in indexes


def test_open_sessions_get_a_random_key_and_users_a_retake_count(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0006_growth_catch_up")
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO users (id, username, password_hash, role, created_at)"
                                    " VALUES (1, 'ada', 'x', 'learner', :at)"), {"at": START})
            for number in (1, 2):
                connection.execute(text(
                    "INSERT INTO sessions (id, learner_id, language, mode, track, status, state,"
                    " created_at, updated_at) VALUES (:id, 1, 'nb', 'placement', 'b1', 'active',"
                    " :state, :at, :at)"),
                    {"id": f"s-{number}", "state": '{"seed": 12345, "served": ["nb-1"]}', "at": START})
        upgrade(url)
        with Session(engine) as db:
            states = [db.get(LearningSession, f"s-{n}").state for n in (1, 2)]
            retakes = db.exec(text("SELECT placement_retakes FROM users")).all()
    finally:
        engine.dispose()
    assert [len(state["key"]) for state in states] == [32, 32] and states[0]["key"] != states[1]["key"]
    assert all(state["seed"] != 12345 and state["served"] == ["nb-1"] for state in states)
    assert [tuple(row) for row in retakes] == [(0,)]

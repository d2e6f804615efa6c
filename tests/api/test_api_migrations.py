"""Migrations keep what is stored: a database with answers upgraded to the newest schema."""
from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session

from api.db import make_engine, upgrade
from api.models import LearningSession
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
            db.commit()
        with engine.begin() as connection:  # the table as 0005 left it (the model has more columns)
            for number, language in enumerate(answers, start=1):
                connection.execute(text(
                    "INSERT INTO responses (id, session_id, learner_id, item_id, client_response_id, answer,"
                    " score, max_score, correct, answered_at, theta, se, level, result) VALUES (:n, :session,"
                    " 1, :item, :client, '\"a\"', 1, 1, 1, :at, :theta, :se, 'A2', '{}')"),
                    {"n": number, "session": f"s-{number}", "item": f"{language}-1", "client": f"c{number}",
                     "at": START, "theta": number / 10, "se": 0.5 + number / 100})
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
            before = connection.execute(text("SELECT theta_before, se_before FROM responses ORDER BY id")).all()
    finally:
        engine.dispose()
    # nb's last answer is response 3; no answers in it: 0. The states themselves are kept.
    assert [tuple(row) for row in through] == [("it", "overall", 0, 0.5), ("nb", "grammar", 3, 0.5),
                                               ("nb", "overall", 3, 0.5)]
    # The learner's answers are found by (learner, item) since 0015, which also reads the items met.
    assert "ix_responses_session_id" not in indexes and "ix_responses_learner_item" in indexes
    assert "ix_responses_learner_id" not in indexes
    # Since 0016 each answer keeps the estimate before it: the previous answer's in its language
    # (nb: 1, 3; en: 2, 4, 5), the prior N(0, 1) for a language's first.
    assert [tuple(row) for row in before] == [(0.0, 1.0), (0.0, 1.0), (0.1, 0.51), (0.2, 0.52), (0.4, 0.54)]


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


def test_the_models_and_the_migrations_agree(tmp_path):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    upgrade(url)
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}),
                                           SQLModel.metadata)
    finally:
        engine.dispose()
    # items_version is the triggers' counter (migration 0004), not a model.
    assert [d for d in differences if not (d[0] == "remove_table" and d[1].name == "items_version")] == []


def _accounts_before_0012(tmp_path, usernames: list[str]) -> str:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0009_rate_counts")
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            for number, username in enumerate(usernames, start=1):
                connection.execute(text("INSERT INTO users (id, username, password_hash, role, created_at)"
                                        " VALUES (:id, :name, 'x', 'learner', :at)"),
                                   {"id": number, "name": username, "at": START})
            connection.execute(text("INSERT INTO login_failures (key, failed_at) VALUES ('k', :at)"), {"at": START})
    finally:
        engine.dispose()
    return url


def test_logins_are_keyed_case_blind_and_named_by_their_login(tmp_path):
    from api.services.users import by_login

    url = _accounts_before_0012(tmp_path, ["Ada", "bob.berg"])
    upgrade(url)
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text(
                "SELECT username, login_key, display_name, token_version, must_change_password, disabled_at"
                " FROM users ORDER BY id")).all()
            tables = {row[0] for row in connection.execute(text("SELECT name FROM sqlite_master"))}
        with Session(engine) as db:
            found = by_login(db, "ADA")
            assert found is not None and found.username == "Ada"
    finally:
        engine.dispose()
    assert [tuple(row) for row in rows] == [("Ada", "ada", "Ada", 0, 0, None),
                                            ("bob.berg", "bob.berg", "bob.berg", 0, 0, None)]
    assert "login_throttles" in tables and "login_failures" not in tables


def test_logins_that_differ_only_in_case_stop_the_upgrade_before_it_changes_anything(tmp_path):
    import pytest

    url = _accounts_before_0012(tmp_path, ["Ada", "ada", "carl"])
    with pytest.raises(RuntimeError) as stopped:
        upgrade(url)
    assert "'Ada' (id 1) and 'ada' (id 2)" in str(stopped.value) and "nothing was changed" in str(stopped.value)
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
            columns = {row[1] for row in connection.execute(text("PRAGMA table_info('users')"))}
    finally:
        engine.dispose()
    assert version == "0009_rate_counts" and "login_key" not in columns


def test_the_models_and_the_migrations_describe_the_same_tables(tmp_path):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    import api.models  # noqa: F401 - the tables

    url = f"sqlite:///{tmp_path / 'head.db'}"
    upgrade(url)
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    finally:
        engine.dispose()
    # items_version is the migrations' own (a counter kept by triggers, no model).
    assert [d for d in differences if not (d[0] == "remove_table" and d[1].name == "items_version")] == []


def test_calibration_runs_from_before_versions_are_kept(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0011_support_language")
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO users (id, username, login_key, display_name, password_hash,"
                                    " role, created_at) VALUES (1, 'root', 'root', 'root', 'x', 'admin', :at)"),
                               {"at": START})
            connection.execute(text(
                "INSERT INTO calibrations (id, requested_by, status, options, result, created_at) VALUES"
                " ('old', 1, 'done', '{\"min_responses\": 5}', '{\"items_updated\": 133}', :at)"), {"at": START})
        upgrade(url)
        with engine.connect() as connection:
            row = connection.execute(text("SELECT status, applied_at, rolled_back_at, result FROM calibrations")).one()
    finally:
        engine.dispose()
    assert tuple(row) == ("done", None, None, '{"items_updated": 133}')

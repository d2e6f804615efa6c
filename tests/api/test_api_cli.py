"""`b1engine db upgrade` and `b1engine users create` on the configured database."""
from __future__ import annotations

from sqlalchemy import inspect
from sqlmodel import Session, select

from api.cli import main
from api.db import make_engine
from api.models import User
from api.security import verify_password


def test_db_upgrade_creates_every_table(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'sub' / 'fresh.db'}"
    monkeypatch.setenv("B1ENGINE_DATABASE_URL", url)
    assert main(["db", "upgrade"]) == 0
    assert main(["db", "upgrade"]) == 0  # idempotent
    engine = make_engine(url)
    assert set(inspect(engine).get_table_names()) == {
        "alembic_version", "users", "classes", "class_learners", "items", "sessions", "responses",
        "learner_abilities", "vocabulary_sets", "calibrations", "bank_loads",
        "growth_fits", "review_states", "learner_pathways", "login_failures", "rate_counts", "anonymous_responses",
        "items_version"}
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()


def test_users_create_makes_a_working_account(database_url, monkeypatch, capsys):
    monkeypatch.setenv("B1ENGINE_DATABASE_URL", database_url)
    assert main(["users", "create", "--username", "ola", "--password", "hemmelig-123",
                 "--role", "author", "--language", "nb"]) == 0
    assert "created author 'ola'" in capsys.readouterr().out
    engine = make_engine(database_url)
    with Session(engine) as session:
        user = session.exec(select(User).where(User.username == "ola")).one()
        assert (user.role, user.language) == ("author", "nb")
        assert user.password_hash != "hemmelig-123"
        assert verify_password("hemmelig-123", user.password_hash)
    engine.dispose()
    assert main(["users", "create", "--username", "ola", "--password", "hemmelig-123",
                 "--role", "author"]) == 2
    assert "already taken" in capsys.readouterr().err
    assert main(["users", "create", "--username", "kari", "--password", "short",
                 "--role", "teacher"]) == 2
    assert "password: at least 8 characters" in capsys.readouterr().err

"""`b1engine db upgrade` and `b1engine users create` on the configured database."""
from __future__ import annotations

import pytest
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
        "learner_abilities", "vocabulary_sets", "calibrations", "calibration_item_changes",
        "calibration_level_changes", "reported_estimates", "bank_loads",
        "growth_fits", "growth_fit_versions", "review_states", "learner_pathways", "login_throttles", "rate_counts", "anonymous_responses",
        "items_version", "lti_registrations", "lti_deployments", "lti_keys", "lti_launch_states", "lti_accounts",
        "lti_contexts", "lti_resource_links", "lti_link_learners", "lti_grade_outbox"}
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()


def test_users_create_makes_a_working_account(database_url, monkeypatch, capsys):
    """The password from standard input or the terminal, never from the command line."""
    import io

    monkeypatch.setenv("B1ENGINE_DATABASE_URL", database_url)
    monkeypatch.setattr("sys.stdin", io.StringIO("hemmelig-123\n"))
    assert main(["users", "create", "--username", "Ola", "--display-name", "Ola Nordmann",
                 "--password-stdin", "--role", "author", "--language", "nb"]) == 0
    assert "created author 'Ola'" in capsys.readouterr().out
    engine = make_engine(database_url)
    with Session(engine) as session:
        user = session.exec(select(User).where(User.username == "Ola")).one()
        assert (user.role, user.language, user.display_name, user.login_key) == (
            "author", "nb", "Ola Nordmann", "ola")
        assert user.password_hash != "hemmelig-123"
        assert verify_password("hemmelig-123", user.password_hash)
    engine.dispose()
    monkeypatch.setattr("sys.stdin", io.StringIO("hemmelig-123\n"))
    assert main(["users", "create", "--username", "OLA", "--password-stdin", "--role", "author"]) == 2
    assert "already taken" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("12345678\n"))
    assert main(["users", "create", "--username", "kari", "--password-stdin", "--role", "teacher"]) == 2
    assert "leaked passwords" in capsys.readouterr().err


def test_users_create_refuses_a_password_on_the_command_line_and_asks_at_a_terminal(database_url, monkeypatch,
                                                                                   capsys):
    import argparse
    import io

    import pytest

    from api.commands import users as command

    monkeypatch.setenv("B1ENGINE_DATABASE_URL", database_url)
    with pytest.raises(SystemExit) as refused:
        main(["users", "create", "--username", "kari", "--password", "hemmelig-123", "--role", "teacher"])
    assert refused.value.code == 2 and "not taken on the command line" in capsys.readouterr().err
    # No terminal and no --password-stdin: nothing is created, and it says how.
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["users", "create", "--username", "kari", "--role", "teacher"]) == 2
    assert "--password-stdin" in capsys.readouterr().err

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    asked = iter(["Kari-sitt-passord", "Kari-sitt-passord"])
    args = argparse.Namespace(password_stdin=False)
    assert command.read_password(args, stdin=Terminal(), ask=lambda prompt: next(asked)) == "Kari-sitt-passord"
    mismatch = iter(["one-password-1", "another-one-2"])
    with pytest.raises(command._Stop):
        command.read_password(args, stdin=Terminal(), ask=lambda prompt: next(mismatch))
    # A one-time password, printed once, to be changed at the first login.
    assert main(["users", "create", "--username", "kari", "--role", "teacher", "--one-time-password"]) == 0
    printed = capsys.readouterr().out
    one_time = printed.rsplit(": ", 1)[1].strip()
    engine = make_engine(database_url)
    with Session(engine) as session:
        kari = session.exec(select(User).where(User.username == "kari")).one()
        assert kari.must_change_password and verify_password(one_time, kari.password_hash)
    engine.dispose()
    assert main(["users", "reset-password", "--username", "KARI"]) == 0
    again = capsys.readouterr().out.rsplit(": ", 1)[1].strip()
    engine = make_engine(database_url)
    with Session(engine) as session:
        kari = session.exec(select(User).where(User.username == "kari")).one()
        assert verify_password(again, kari.password_hash) and not verify_password(one_time, kari.password_hash)
    engine.dispose()


def test_calibration_and_growth_commands_name_the_database_and_refuse_a_missing_one(tmp_path, capsys):
    missing = tmp_path / "typo" / "school.db"
    for command in (["calibrations", "list"], ["calibrations", "show", "x"], ["calibrations", "rollback", "x"],
                    ["growth", "list"], ["growth", "show", "1"], ["growth", "rollback", "1"]):
        assert main([*command, "--database-url", f"sqlite:///{missing}"]) == 2, command
        err = capsys.readouterr().err.splitlines()
        assert err == [f"database: SQLite file {missing}",
                       (f"b1engine {command[0]}: no database at {missing}: check --database-url or "
                        "B1ENGINE_DATABASE_URL")], command
    assert not missing.parent.exists()  # nothing created


def test_command_failures_are_one_line_and_exit_2(tmp_path, capsys):
    for command in (["calibrations", "list", "--database-url", "nonsense"],
                    ["growth", "fit", "--database-url", "nonsense"],
                    ["calibrations", "list", "--database-url", "nonsense://x/y"],
                    ["calibrations", "list", "--database-url", "postgresql://b1@127.0.0.1:1/none"]):
        assert main(command) == 2, command
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) <= 2 and "Traceback" not in "".join(err), err
        assert err[-1].startswith(("b1engine calibrations: ", "b1engine growth: ")), err
    for limit in ("0", "-3"):
        with pytest.raises(SystemExit) as stopped:
            main(["calibrations", "list", "--limit", limit])
        assert stopped.value.code == 2 and "at least 1" in capsys.readouterr().err
    url = f"sqlite:///{tmp_path / 'school.db'}"
    assert main(["db", "upgrade", "--database-url", url]) == 0
    capsys.readouterr()
    assert main(["calibrations", "show", "nope", "--database-url", url]) == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "b1engine calibrations show: calibration 'nope' not found: b1engine calibrations list shows the runs")
    responses = tmp_path / "tiny.csv"
    responses.write_text("learner_id,item_id,score\nl1,i1,1\nl2,i1,0\n")
    out = tmp_path / "nonexistent" / "p.csv"
    assert main(["calibrate", str(responses), "--out", str(out), "--quiet"]) == 2
    assert capsys.readouterr().err == (f"b1engine calibrate: {out}: the folder of --out does not exist: "
                                       "create it or name another\n")


def test_a_closed_pipe_ends_a_command_with_one_line(tmp_path, monkeypatch, capsys):
    import api.cli

    def closed(args):
        raise BrokenPipeError(32, "Broken pipe")

    parser = api.cli.build_parser()
    monkeypatch.setattr(api.cli, "build_parser", lambda: parser)
    args = parser.parse_args(["calibrations", "list"])
    monkeypatch.setattr(parser, "parse_args", lambda argv: args)
    monkeypatch.setattr(args, "func", closed)
    assert main(["calibrations", "list"]) == 2
    assert capsys.readouterr().err == "b1engine calibrations: output closed before the end (broken pipe)\n"

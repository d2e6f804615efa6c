"""The service's commands (``serve``, ``db``, ``users``, ``growth``, ``calibrations``) and what they share."""
from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlmodel import Session


class CommandError(Exception):
    """A command cannot do what it was asked (a bad database URL, an unreachable server): the
    entry point prints the message as one line on standard error and exits 2."""


def announce_database(url: str) -> None:
    """Say which database a command is about to use, before it touches it (on standard
    error, so a command's own output stays clean for pipes). A command run from another
    folder or with another environment shows at once that it reached another database."""
    from api.db import describe_url

    print(f"database: {describe_url(url)}", file=sys.stderr, flush=True)


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1 (argparse names the option on error)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"at least 1, got {value}")
    return value


def open_database(database_url: str | None, existing: bool = False) -> Engine:
    """The engine of the database a command names (``--database-url``, else the server's
    setting), announced first and migrated; :class:`CommandError` for a URL that is not
    one or a server that does not answer. ``existing``: a command that only reads or
    undoes refuses a SQLite file that is not there (a typo would otherwise create an
    empty database and report that it holds nothing)."""
    from pathlib import Path

    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, DBAPIError

    from api.db import describe_url, is_sqlite, make_engine, upgrade
    from api.settings import Settings, absolute_database_url

    try:
        url = absolute_database_url(database_url) if database_url else Settings().database_url
        sqlite = is_sqlite(url)
    except ArgumentError:
        raise CommandError(f"not a database URL: {database_url!r} (e.g. sqlite:////path/to/b1engine.db or "
                           "postgresql://user@host/name)") from None
    announce_database(url)
    database = make_url(url).database
    if existing and sqlite and database and database != ":memory:" and not Path(database).is_file():
        raise CommandError(f"no database at {database}: check --database-url or B1ENGINE_DATABASE_URL")
    try:
        upgrade(url)
        return make_engine(url)
    except ArgumentError as error:  # a URL of no known database (nonsense://…)
        raise CommandError(f"not a database URL: {describe_url(url)} ({error})") from None
    except DBAPIError as error:  # the server does not answer, refuses the login, the file is not a database
        reason = str(error.orig or error).strip().splitlines()[0]
        raise CommandError(f"cannot open the database: {reason}") from None


@contextmanager
def database_session(database_url: str | None, existing: bool = False) -> Iterator[Session]:
    """A session on :func:`open_database`'s engine, which is disposed of afterwards."""
    from sqlmodel import Session

    db_engine = open_database(database_url, existing)
    try:
        with Session(db_engine) as db:
            yield db
    finally:
        db_engine.dispose()

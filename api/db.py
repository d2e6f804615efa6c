"""Database engine and schema migrations.

SQLite (the default) runs in WAL mode so readers never wait for the writer;
PostgreSQL is reached through psycopg 3 with the same code. The schema is
owned by Alembic (``api/migrations``); nothing here creates tables directly.
"""
from __future__ import annotations

import os
import re
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, create_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
#: Milliseconds a SQLite writer waits for the lock before giving up.
SQLITE_BUSY_TIMEOUT_MS = 30_000
#: Connections kept open per engine when the caller does not say (commands, tests).
DEFAULT_POOL_SIZE = 5
#: Connections beyond the pool for work outside requests (a background calibration);
#: they are closed when returned, so requests should never need them.
POOL_OVERFLOW = 4


def normalise_url(url: str) -> str:
    """Use psycopg 3 for ``postgresql://`` URLs (SQLAlchemy's default driver is psycopg2)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return url


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def describe_url(url: str) -> str:
    """Where the database is, for a person (never its password): ``SQLite file /abs/path``,
    ``PostgreSQL database school on db.internal:5432 as b1engine``."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        return "SQLite in memory" if not database or database == ":memory:" else f"SQLite file {database}"
    where = f"{parsed.host or 'localhost'}{f':{parsed.port}' if parsed.port else ''}"
    user = f" as {parsed.username}" if parsed.username else ""
    return f"{parsed.get_backend_name()} database {parsed.database} on {where}{user}".replace(
        "postgresql database", "PostgreSQL database")


def make_engine(url: str, pool_size: int = DEFAULT_POOL_SIZE) -> Engine:
    """An engine for ``url`` keeping ``pool_size`` connections open; creates the directory
    of a SQLite file if needed.

    The service runs as many request threads as it keeps connections
    (``B1ENGINE_DB_POOL_SIZE``), so a request never waits for one and none is
    opened and closed per request (a new PostgreSQL connection costs a process
    fork on the server).
    """
    url = normalise_url(url)
    pool = {"pool_size": pool_size, "max_overflow": POOL_OVERFLOW}
    if not is_sqlite(url):
        return create_engine(url, pool_pre_ping=True, **pool)
    database = make_url(url).database
    turns = None
    if database and database != ":memory:":
        _create_private(Path(database))
        turns = WriterTurns(SQLITE_BUSY_TIMEOUT_MS / 1000)
    else:
        pool = {}  # in-memory SQLite uses a single-connection pool
    db_engine = create_engine(url, connect_args={"check_same_thread": False,
                                              "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
                                              "factory": TurnTakingConnection}, **pool)

    @event.listens_for(db_engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record) -> None:  # pragma: no cover - trivial
        dbapi_connection.turns = turns
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Deleted rows are overwritten with zeros, not left in free pages (erasure erases).
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    if turns is not None:
        @event.listens_for(db_engine, "before_cursor_execute")
        def _write_in_turn(connection: Connection, _cursor: Any, statement: str, _parameters: Any,
                           _context: Any, _executemany: bool) -> None:
            # Python's sqlite3 would begin a deferred transaction right before this statement:
            # begin it here, in turn, as begin_write does.
            if _DML.match(statement):
                driver = connection.connection.driver_connection
                if isinstance(driver, TurnTakingConnection) and not driver.in_transaction:
                    driver.begin_in_turn()

    return db_engine


#: Statements before which Python's sqlite3 begins a transaction when none is open (its
#: "DML"); it runs everything else, reads included, outside one.
_DML = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)
#: Seconds between a waiting writer's attempts at SQLite's write lock.
WRITE_LOCK_POLL_S = 0.001


class WriterTurns:
    """Writers of one engine (a worker's request threads) take turns on a thread lock; the
    one whose turn it is asks SQLite for the write lock every millisecond.

    SQLite lets one writer in at a time; one that finds the lock taken sleeps in
    SQLite's busy handler in growing steps (1, 2, 5, 10, 15, 20, 25 ms ... then 100 ms
    at a time) however soon the lock is free. With the 2 x 4 request threads of two
    workers queueing there, those that had waited longest slept longest while newer
    ones got in: at 150 answers/s, ``BEGIN IMMEDIATE`` waited up to 0.94 s (p99 0.23 s)
    for transactions that hold the lock 2-3 ms. Here a thread of the process wakes the
    moment the turn is its, only one thread per process waits on SQLite, and it asks
    often enough that the lock never stays free long, whoever held it (another worker, a
    ``b1engine`` command, the ``sqlite3`` shell). After the busy timeout it gives up
    as SQLite would (``database is locked``).
    """

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._threads = threading.Lock()

    def begin(self, driver: sqlite3.Connection) -> None:
        """``BEGIN IMMEDIATE`` on ``driver`` in this thread's turn (kept until :meth:`end`)."""
        deadline = time.monotonic() + self.timeout
        if not self._threads.acquire(timeout=self.timeout):
            raise sqlite3.OperationalError("database is locked")
        try:
            _begin_immediate(driver, deadline)
        except BaseException:
            self._threads.release()
            raise

    def end(self) -> None:
        self._threads.release()


def _begin_immediate(driver: sqlite3.Connection, deadline: float) -> None:
    """``BEGIN IMMEDIATE``, tried every :data:`WRITE_LOCK_POLL_S` until ``deadline`` (the busy
    handler off meanwhile: it would sleep longer)."""
    driver.execute("PRAGMA busy_timeout=0")
    try:
        while True:
            try:
                driver.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if error.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() >= deadline:
                    raise
            time.sleep(WRITE_LOCK_POLL_S)
    finally:
        driver.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")


class TurnTakingConnection(sqlite3.Connection):
    """A sqlite3 connection whose write transactions begin in turn (:class:`WriterTurns`) and
    give the turn back when they end: commit, rollback, close (the pool rolls back every
    connection returned to it)."""

    turns: WriterTurns | None = None  # None: an in-memory database (one connection)
    _in_turn = False

    def begin_in_turn(self) -> None:
        if self.turns is None or self._in_turn:
            # In memory: no one else writes. Or the turn outlived a transaction that a
            # statement ended (``COMMIT`` sent as SQL): it is still this connection's.
            self.execute("BEGIN IMMEDIATE")
            return
        self.turns.begin(self)
        self._in_turn = True

    def _end_turn(self) -> None:
        if self._in_turn and not self.in_transaction:
            self._in_turn = False
            self.turns.end()  # type: ignore[union-attr]

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._end_turn()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._end_turn()

    def close(self) -> None:
        try:
            super().close()
        finally:
            if self._in_turn:
                self._in_turn = False
                self.turns.end()  # type: ignore[union-attr]


def _create_private(path: Path) -> None:
    """The SQLite file created readable by its owner only (0600; SQLite gives its ``-wal`` and
    ``-shm`` files the same mode), in a folder only the owner may list."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass


def begin_write(db: Session) -> Connection:
    """Start the session's transaction as a writer, where the database needs it (SQLite).

    PostgreSQL serialises writers with ``SELECT ... FOR UPDATE``; SQLite ignores
    that clause, and a transaction that read before another process committed
    cannot write afterwards (``SQLITE_BUSY_SNAPSHOT``, which no busy timeout
    cures). ``BEGIN IMMEDIATE`` takes the write lock first (in the writer's turn,
    :class:`WriterTurns`, waiting up to the busy timeout), so what it reads next is
    current and its writes cannot fail that way. Python's sqlite3 opens transactions
    only before writes, so none is open yet when a request's reads are done.

    Returns the session's connection, for statements run on it directly.
    """
    connection = db.connection()
    if connection.dialect.name == "sqlite":
        driver = connection.connection.driver_connection  # the sqlite3 connection
        if driver is None:
            raise RuntimeError("the session's SQLite connection is closed")
        if driver.in_transaction:
            pass
        elif isinstance(driver, TurnTakingConnection):
            try:
                driver.begin_in_turn()
            except sqlite3.OperationalError as error:  # as SQLAlchemy reports it (503)
                raise OperationalError("BEGIN IMMEDIATE", None, error) from error
        else:  # an engine not made by make_engine
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    return connection


def alembic_config(url: str):
    from alembic.config import Config

    config = Config(str(MIGRATIONS_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolation would read '%' in passwords as a placeholder.
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Apply the migrations up to ``revision`` (creates a SQLite file if needed)."""
    from alembic import command

    db_engine = make_engine(url)
    try:
        config = alembic_config(url)
        with db_engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        db_engine.dispose()

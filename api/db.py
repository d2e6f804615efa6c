"""Database engine and schema migrations.

SQLite (the default) runs in WAL mode so readers never wait for the writer;
PostgreSQL is reached through psycopg 3 with the same code. The schema is
owned by Alembic (``api/migrations``); nothing here creates tables directly.
"""
from __future__ import annotations

import os

from pathlib import Path

from sqlalchemy import Connection, Engine, event
from sqlalchemy.engine import make_url
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
    if database and database != ":memory:":
        _create_private(Path(database))
    else:
        pool = {}  # in-memory SQLite uses a single-connection pool
    db_engine = create_engine(url, connect_args={"check_same_thread": False,
                                              "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **pool)

    @event.listens_for(db_engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record) -> None:  # pragma: no cover - trivial
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Deleted rows are overwritten with zeros, not left in free pages (erasure erases).
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    return db_engine


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
    cures). ``BEGIN IMMEDIATE`` takes the write lock first (waiting up to the
    busy timeout), so what it reads next is current and its writes cannot fail
    that way. Python's sqlite3 opens transactions only before writes, so none
    is open yet when a request's reads are done.

    Returns the session's connection, for statements run on it directly.
    """
    connection = db.connection()
    if connection.dialect.name == "sqlite":
        driver = connection.connection.driver_connection  # the sqlite3 connection
        if driver is None:
            raise RuntimeError("the session's SQLite connection is closed")
        if not driver.in_transaction:
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

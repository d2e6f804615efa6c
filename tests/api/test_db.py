"""SQLite writers take turns (``api.db.WriterTurns``): a writer waiting for the lock gets it as
soon as it is free, and the turn is given back however a transaction ends."""
from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

from api import db as api_db
from api.db import begin_write, make_engine

#: SQLite's busy handler retries after 1, 3, 8, 18, 33, 53, 78, 103, 128, 178, 228, 328 and
#: 428 ms: a lock freed just after the 328 ms retry is seen ~100 ms late.
JUST_AFTER_A_RETRY_S = 0.335
#: A waiter that gets the lock later than this after it was freed slept in the busy handler.
PROMPT_S = 0.04


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'turns.db'}"
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, note TEXT)")
    engine.dispose()
    return url


def _delay_after_commit(holder, waiter) -> float:
    """Seconds between the holder's commit and the waiter's getting the write lock, the waiter
    having asked ``JUST_AFTER_A_RETRY_S`` before the commit."""
    asking, got = threading.Event(), {}

    def wait_for_lock() -> None:
        with Session(waiter) as db:
            db.connection()  # checked out before asking: only the lock is waited for
            asking.set()
            begin_write(db)
            got["at"] = time.perf_counter()
            db.commit()

    with Session(holder) as db:
        begin_write(db)
        thread = threading.Thread(target=wait_for_lock)
        thread.start()
        asking.wait()
        time.sleep(JUST_AFTER_A_RETRY_S)
        db.exec(text("INSERT INTO t (note) VALUES ('held')"))
        db.commit()
        committed = time.perf_counter()
    thread.join(timeout=10)
    return got["at"] - committed


@pytest.mark.parametrize("other", ["same engine", "another engine"])
def test_a_waiting_writer_gets_the_lock_as_soon_as_it_is_free(sqlite_url, other):
    """Another request thread of the worker, or another worker (its own engine)."""
    holder = make_engine(sqlite_url)
    waiter = holder if other == "same engine" else make_engine(sqlite_url)
    try:
        delays = [_delay_after_commit(holder, waiter) for _ in range(3)]
    finally:
        holder.dispose()
        waiter.dispose()
    # The quickest of three: a busy machine may delay one wake-up, never all three by 100 ms.
    assert min(delays) < PROMPT_S, delays


def _writes_promptly(url: str) -> bool:
    """Whether another worker (engine) can write within two seconds."""
    done = threading.Event()

    def write() -> None:
        engine = make_engine(url)
        try:
            with Session(engine) as db:
                db.exec(text("INSERT INTO t (note) VALUES ('other')"))
                db.commit()
            done.set()
        finally:
            engine.dispose()

    threading.Thread(target=write, daemon=True).start()
    return done.wait(2)


def test_the_turn_is_given_back_however_the_transaction_ends(sqlite_url, monkeypatch):
    # A writer waiting on a turn never given back would fail after this, not 30 s.
    monkeypatch.setattr(api_db, "SQLITE_BUSY_TIMEOUT_MS", 1000)
    engine = make_engine(sqlite_url)
    try:
        with Session(engine) as db:  # committed
            begin_write(db)
            db.exec(text("INSERT INTO t (id, note) VALUES (1, 'first')"))
            db.commit()
        with Session(engine) as db:  # rolled back after a failed write
            db.exec(text("INSERT INTO t (note) VALUES ('a')"))  # begins the write transaction
            with pytest.raises(IntegrityError):
                db.exec(text("INSERT INTO t (id, note) VALUES (1, 'again')"))
            db.rollback()
        with Session(engine) as db:  # closed with the transaction open: the pool rolls back
            begin_write(db)
        with engine.connect() as connection:  # a connection dropped (as after a disconnect)
            begin_write(Session(bind=connection))
            connection.invalidate()
        assert _writes_promptly(sqlite_url)
        for _ in range(3):  # this engine's threads too
            with Session(engine) as db:
                db.exec(text("INSERT INTO t (note) VALUES ('later')"))
                db.commit()
        with Session(engine) as db:
            notes = [note for (note,) in db.exec(text("SELECT note FROM t ORDER BY id"))]
    finally:
        engine.dispose()
    assert notes == ["first", "other", "later", "later", "later"]


def test_a_writer_gives_up_after_the_busy_timeout_as_sqlite_would(sqlite_url, monkeypatch):
    monkeypatch.setattr(api_db, "SQLITE_BUSY_TIMEOUT_MS", 300)
    holder, waiter = make_engine(sqlite_url), make_engine(sqlite_url)
    failures: list[tuple[OperationalError, float]] = []

    def wait(engine) -> None:
        with Session(engine) as db:
            started = time.monotonic()
            try:
                begin_write(db)
            except OperationalError as error:  # what the API answers 503 to
                failures.append((error, time.monotonic() - started))

    try:
        with Session(holder) as db:
            begin_write(db)
            # Another worker (waits on SQLite's lock), another thread of this one (on the turn).
            threads = [threading.Thread(target=wait, args=(engine,)) for engine in (waiter, holder)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=10)
            db.commit()
    finally:
        holder.dispose()
        waiter.dispose()
    assert len(failures) == 2
    for error, waited in failures:
        assert 0.25 < waited < 5
        assert isinstance(error.orig, sqlite3.OperationalError) and "database is locked" in str(error.orig)

"""Learning sessions: adaptive placement tests and drills.

A session's engine state (its grid posterior, the items served, the item
waiting for an answer) lives in the ``sessions`` row, so any worker can serve
the next request. Answers are recorded under two unique constraints,
``(session, client_response_id)`` and ``(session, item)``: a retry returns
the first result and a second answer to the same item cannot be stored.
"""
from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy import Connection, Row
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from api.db import begin_write
from api.errors import Conflict, InvalidInput, NotFound
from api.models import LearningSession, ResponseRow, User, utc
from api.services import ability, item_cache, pathways, reviews, served_items
from api.settings import Settings

# The statements of the two hot requests, built once (building one costs as much as running it).
_SESSIONS = LearningSession.__table__
_USERS = User.__table__
# Locks the learner's row (FOR NO KEY UPDATE: other tables' foreign-key checks stay free):
# all the requests that write a learner's answers and states queue there, whatever the
# session (see ability.catch_up).
_LOCK = (sa.select(_SESSIONS, item_cache.VERSION_COLUMN.label("cache_version"),
                   _USERS.c.created_at.label("learner_created_at"))
         .join_from(_SESSIONS, _USERS, _USERS.c.id == _SESSIONS.c.learner_id)
         .where(_SESSIONS.c.id == sa.bindparam("session_id"))
         .with_for_update(of=_USERS, key_share=True))
#: SET the columns named in the parameters (besides ``session_id_``).
_SAVE = _SESSIONS.update().where(_SESSIONS.c.id == sa.bindparam("session_id_"))
_RECORD = ResponseRow.__table__.insert()

#: Placement test length bounds and precision target (passed to the engine's stopping rule).
PLACEMENT_MIN_ITEMS = 10
PLACEMENT_MAX_ITEMS = 30
PLACEMENT_SE_TARGET = 0.35
#: Randomesque exposure control: pick at random among this many best items.
PLACEMENT_TOP_K = 3
#: Bits of the session's random seed (selection's randomesque draws; never sent).
SEED_BITS = 63


def start_session(session: Session, learner: User, language: str, mode: str, track: str,
                  trade: str | None, settings: Settings, now: datetime) -> dict[str, Any]:
    """A new placement test or drill, committed; its :func:`describe` (made before the commit,
    which would expire the row and cost a read to describe it after)."""
    trade_share = 0.0
    if mode == "placement":
        _check_placement_allowed(session, learner, language, settings, now)
    if mode == "drill":
        # The teacher's pathway for this learner, when set, decides the drill's track and blend.
        track, trade, trade_share = pathways.drill_plan(session, learner.id, track, trade)
    pool = _pool_rows(session, language, track, trade)
    if not pool:
        raise NotFound(f"no exercises for language '{language}', track '{track}'"
                       + (f", trade '{trade}'" if trade else ""))
    if mode == "drill":
        posterior = ability.starting_posterior(session, learner.id, language, now)
    else:
        posterior = ability.prior_posterior()
    session_id = uuid.uuid4().hex
    # The key and the seed are random and stay on the server: nothing the learner knows
    # (the session id, the items' ids) predicts the ids and order served or the items drawn.
    state = {"posterior": posterior.to_dict(), "served": [], "pending": None,
             "answered": 0, "seed": secrets.randbits(SEED_BITS), "key": served_items.new_key(),
             "trade_share": trade_share, "reviews": 0, "new": 0, "new_trade": 0}
    row = LearningSession(id=session_id, learner_id=learner.id, language=language, mode=mode,
                          track=track, trade=trade, state=state, created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    description = describe(row)
    session.commit()
    return description


def _check_placement_allowed(session: Session, learner: User, language: str, settings: Settings,
                             now: datetime) -> None:
    """One placement test per language every ``placement_retake_days``, unless a teacher allowed
    another (each allowance is used up by one test).

    Unlimited retakes over a bank of a few hundred items would let a learner meet the same
    items again and again; a test started and left counts too (it can be continued).
    """
    last = session.exec(select(LearningSession)
                        .where(LearningSession.learner_id == learner.id,
                               LearningSession.language == language,
                               LearningSession.mode == "placement")
                        .order_by(LearningSession.created_at.desc())).first()
    if last is None:
        return
    available = utc(last.created_at) + timedelta(days=settings.placement_retake_days)
    if now >= available:
        return
    if learner.placement_retakes > 0:
        learner.placement_retakes -= 1
        session.add(learner)
        return
    if last.status != "done":
        raise Conflict(f"a placement test in '{language}' is already in progress: continue "
                       f"session '{last.id}'", session_id=last.id)
    raise Conflict(f"a new placement test in '{language}' is possible from "
                   f"{available.date().isoformat()}; your teacher can allow one sooner",
                   available_from=available.isoformat())


def allow_placement_retake(session: Session, learner: User) -> int:
    """A teacher allows the learner one more placement test now (allowances do not pile up:
    at most one is open); returns the allowances open."""
    learner.placement_retakes = 1
    session.add(learner)
    session.commit()
    return learner.placement_retakes


def session_for_learner(session: Session, learner: User, session_id: str) -> LearningSession:
    """The learner's own session; 404 for anyone else's (ids of others reveal nothing)."""
    row = session.get(LearningSession, session_id)
    if row is None or row.learner_id != learner.id:
        raise NotFound(f"session '{session_id}' not found")
    return row


def sessions_of(session: Session, learner_id: int) -> list[LearningSession]:
    return list(session.exec(select(LearningSession).where(LearningSession.learner_id == learner_id)
                             .order_by(LearningSession.created_at)))


def _pool_rows(session: Session, language: str, track: str, trade: str | None) -> item_cache.Pool:
    """The live items a session may serve: only the columns selection needs (no content JSON),
    from the worker's cache (checked against the database's items version)."""
    return item_cache.pool(session, language, track, trade)


def _lock(session: Session, learner_id: int, session_id: str,
          created_before: datetime | None = None) -> tuple[Row, Connection]:
    """Read the learner's session row under a write lock, so a learner's requests serialise;
    404 for a session that is not theirs (the row is read once, under the lock).

    PostgreSQL: a lock on the learner's row (``FOR NO KEY UPDATE``), the one
    :func:`api.services.ability.catch_up` takes; SQLite: the database's write lock
    (``BEGIN IMMEDIATE``), as it has no row locks. The item cache's version comes
    with the row (one round trip for both). The row is read and written with SQL
    statements, not ORM objects: these two requests are most of the service's
    traffic, and the ORM's unit of work costs more than the rest of them.
    """
    connection = begin_write(session)
    found = connection.execute(_LOCK, {"session_id": session_id}).first()
    if (found is None or found.learner_id != learner_id
            or (created_before is not None and utc(found.learner_created_at) >= created_before)):
        session.rollback()
        raise NotFound(f"session '{session_id}' not found")
    item_cache.use_version(session, found.cache_version)
    return found, connection


def _save(connection: Connection, session_id: str, **values: Any) -> None:
    """Write columns of a locked session row (the caller commits)."""
    connection.execute(_SAVE, {"session_id_": session_id, **values})


def _public_item(row: item_cache.CachedItem, state: dict[str, Any]) -> dict[str, Any]:
    """What the learner sees: ids and option order drawn for this session (see
    :mod:`api.services.served_items`), the same on every request of the session."""
    return served_items.view(row.item, state["key"])


def next_item(session: Session, learner_id: int, session_id: str, settings: Settings,
              now: datetime, created_before: datetime | None = None) -> dict[str, Any]:
    """``{"done": False, "item": ...}`` or ``{"done": True, "result": ...}``.

    The item waiting for an answer is served again on a repeated call (a phone
    that lost the reply gets the same exercise). ``created_before``: the learner's
    account must be older than this (the caller authorised an account by id at a
    moment; an erased account's id may since belong to someone else).
    """
    row, connection = _lock(session, learner_id, session_id, created_before)
    return _advance(session, connection, row, dict(row.state), settings, now)


def _advance(session: Session, connection: Connection, row: Row, state: dict[str, Any],
             settings: Settings, now: datetime, posterior=None) -> dict[str, Any]:
    """What the learner does now, in a locked session with ``state`` (written, then committed
    when it changes): the result when done, else the pending item, else a new one chosen.
    ``posterior``: the state's, when the caller has it loaded already."""
    if row.status == "done":
        session.commit()
        return {"done": True, "result": row.result}
    if state["pending"] is not None:
        session.commit()
        return {"done": False,
                "item": _public_item(item_cache.item(session, state["pending"]), state)}
    pool = _pool_rows(session, row.language, row.track, row.trade)
    if posterior is None:
        posterior = ability.load_posterior(state["posterior"])
    chosen = _choose(session, row, state, posterior, pool, settings, now)
    if chosen is None:
        finished = _finish(session, row, state, now)
        _save(connection, row.id, state=state, updated_at=now, **finished)
        session.commit()
        return {"done": True, "result": finished["result"]}
    state["pending"] = chosen.id
    state["served"] = [*state["served"], chosen.id]
    served = _public_item(item_cache.item(session, chosen.id), state)
    _save(connection, row.id, state=state, updated_at=now)
    session.commit()
    return {"done": False, "item": served}


def _rng(state: dict[str, Any]) -> np.random.Generator:
    # Derived from the session and its position: reproducible, and no per-process state.
    return np.random.default_rng([state["seed"], len(state["served"])])


def _should_stop(row: Row, state: dict[str, Any], posterior, settings: Settings) -> bool:
    answered = state["answered"]
    if row.mode == "drill":
        return answered >= settings.drill_length
    from api.services.engine_calls import placement_should_stop

    return placement_should_stop(posterior, answered, PLACEMENT_MIN_ITEMS, PLACEMENT_MAX_ITEMS,
                                 PLACEMENT_SE_TARGET)


def _choose(session: Session, row: Row, state: dict[str, Any], posterior, pool: item_cache.Pool,
            settings: Settings, now: datetime) -> Any | None:
    """The next item, and the state's drill counters updated (``reviews``, ``new``, ``new_trade``)."""
    if _should_stop(row, state, posterior, settings):
        return None
    available = pool.unserved(state["served"])
    if row.mode == "drill":
        review = _due_review(session, row, state, posterior, pool, available, settings, now)
        if review is not None:
            state["reviews"] = state.get("reviews", 0) + 1
            return review
        available = _new_items(session, row, state, pool, available)
    else:
        available = _unmet_first(session, row.learner_id, pool, available)
    if not available.any():
        return None
    chosen = _select(row, state, posterior, pool, available, settings)
    if row.mode == "drill":
        state["new"] = state.get("new", 0) + 1
        state["new_trade"] = state.get("new_trade", 0) + int(chosen.track == "trade")
    return chosen


def _select(row: Row, state: dict[str, Any], posterior, pool: item_cache.Pool,
            available: np.ndarray, settings: Settings) -> Any:
    from api.services.engine_calls import select_item

    index = select_item(posterior, pool.a, pool.b, pool.c, available, mode=row.mode,
                        target=settings.drill_target_success, top_k=PLACEMENT_TOP_K,
                        rng=_rng(state))
    return pool[int(index)]


def _due_review(session: Session, row: Row, state: dict[str, Any], posterior,
                pool: item_cache.Pool, available: np.ndarray, settings: Settings,
                now: datetime) -> Any | None:
    """An item of the most overdue vocabulary entry, while reviews are under their share of the drill.

    Among that entry's items not yet served in this session, the one nearest the
    target success rate (an item met before is fine: the word is what is reviewed).
    """
    cap = int(np.floor(settings.drill_review_share * settings.drill_length))
    if state.get("reviews", 0) >= cap:
        return None
    keys = {r.vocab_key for r in pool if r.vocab_key}
    for key in reviews.due_keys(session, row.learner_id, row.language, now):
        if key not in keys:
            continue
        candidates = available & np.array([r.vocab_key == key for r in pool], dtype=bool)
        if candidates.any():
            return _select(row, state, posterior, pool, candidates, settings)
    return None


def _unmet_first(session: Session, learner_id: int, pool: item_cache.Pool,
                 available: np.ndarray) -> np.ndarray:
    """A retaken placement test asks items the learner has not met, while there are any: what
    was learnt about an item (from a drill's feedback, say) says nothing about the level."""
    seen = set(session.exec(select(ResponseRow.item_id).where(ResponseRow.learner_id == learner_id)))
    if not seen:
        return available
    fresh = available & np.array([r.id not in seen for r in pool], dtype=bool)
    return fresh if fresh.any() else available


def _new_items(session: Session, row: Row, state: dict[str, Any], pool: item_cache.Pool,
               available: np.ndarray) -> np.ndarray:
    """Items for the new part of a drill: the pathway's blend, unseen first, no early reviews.

    A vocabulary entry the learner already has a memory state for comes back
    only when due (as a review), never as a "new" item. The trade's share of
    new items follows the session's ``trade_share``: the next new item is from
    the trade while the trade's count is below its share of the new items.
    """
    scheduled = set(reviews.scheduled_keys(session, row.learner_id, row.language))
    if scheduled:
        unscheduled = available & np.array([r.vocab_key not in scheduled for r in pool], dtype=bool)
        if unscheduled.any():
            available = unscheduled
    available = _unmet_first(session, row.learner_id, pool, available)
    share = float(state.get("trade_share", 0.5 if row.track == "trade" else 0.0))
    if row.track == "trade":
        want_trade = state.get("new_trade", 0) < share * (state.get("new", 0) + 1) - 1e-9
        side = available & (pool.is_trade == want_trade)
        if side.any():
            available = side
    return available


def _finish(session: Session, row: Row, state: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The columns that close a session: status, result (the final estimate), finish time."""
    posterior = ability.load_posterior(state["posterior"])
    result = ability.summary(posterior, row.language)
    result["items_answered"] = state["answered"]
    result["mode"] = row.mode
    if row.mode == "drill":
        answers = list(session.exec(select(ResponseRow.correct).where(ResponseRow.session_id == row.id)))
        result["correct"] = sum(answers)
    return {"status": "done", "result": result, "finished_at": now}


def record_response(session: Session, learner_id: int, session_id: str, item_id: str, answer: Any,
                    response_ms: int | None, client_response_id: str,
                    settings: Settings, now: datetime,
                    created_before: datetime | None = None) -> dict[str, Any]:
    """Score an answer, update the estimates, and return the learner's feedback with what
    comes next (``next``: as :func:`next_item` would answer, the next item already chosen).

    Everything happens under the learner's lock, in one transaction: a retry waits for
    the first request and then returns what it recorded, with the session's ``next`` as
    it is now. Serving the next item in the same reply saves a phone a round trip per
    exercise; ``GET .../next`` then returns that same item.
    """
    from content.checking import check_answer

    row, connection = _lock(session, learner_id, session_id, created_before)
    state = dict(row.state)
    served_id = item_id
    item_id = served_items.bank_item_id(state["key"], state["served"], served_id) or ""
    if item_id != state["pending"]:
        # Not the item waiting for an answer: a retry of an answer already stored (its
        # first result), or a conflict. An answer to the pending item cannot have been
        # stored yet; a reused client_response_id then fails the unique constraint below.
        previous = _by_client_id(session, row.id, client_response_id)
        if previous is not None:
            return _with_next(previous.result, _advance(session, connection, row, state, settings, now))
    if item_id not in state["served"]:
        raise Conflict(f"item '{served_id}' was not served in this session", item_id=served_id)
    if item_id != state["pending"]:
        raise Conflict(f"item '{served_id}' was already answered in this session", item_id=served_id)
    item_row = item_cache.item(session, item_id)
    _check_answer_shape(item_row, answer)
    answer = served_items.bank_answer(item_row.item, state["key"], answer)
    checked = check_answer(item_row.item, answer)
    score = int(checked.score)

    posterior = ability.update_posterior(ability.load_posterior(state["posterior"]), item_row, score)
    state["posterior"] = posterior.to_dict()
    state["pending"] = None
    state["answered"] += 1
    facts = ability.summary(posterior, row.language)
    result = _answer_result(row.mode, checked, facts, state["answered"])
    try:
        connection.execute(_RECORD, dict(
            session_id=row.id, learner_id=row.learner_id, item_id=item_id,
            client_response_id=client_response_id, answer=answer, score=score,
            max_score=int(checked.max_score), correct=bool(checked.correct),
            response_ms=response_ms, answered_at=now, theta=facts["theta"], se=facts["se"],
            level=facts["level"], result=result))
    except IntegrityError:
        # A concurrent request stored this answer first: return what it recorded.
        session.rollback()
        previous = _by_client_id(session, row.id, client_response_id)
        if previous is not None:
            return _with_next(previous.result, next_item(session, learner_id, session_id, settings,
                                                         now, created_before))
        raise Conflict(f"item '{served_id}' was already answered in this session",
                       item_id=served_id) from None
    if item_row.vocab_key and row.mode == "drill":
        # Placement answers schedule no reviews: the review list would name the words a
        # placement test asked, and their lemmas are the keys of its typed items.
        reviews.record(session, row.learner_id, row.language, item_row.vocab_key, score,
                       int(checked.max_score), now)
    # Chosen after the answer's writes: a drill's reviews see this answer's memory state.
    return _with_next(result, _advance(session, connection, row, state, settings, now, posterior))


def _answer_result(mode: str, checked: Any, facts: dict[str, Any], answered: int) -> dict[str, Any]:
    """What an answer's reply says (and a retry repeats). A drill teaches: score, feedback
    and the new estimate. A placement test says nothing per answer, not even the
    estimate (its rise or fall would tell right from wrong): the level comes at the end."""
    if mode != "drill":
        return {"items_answered": answered}
    return {"score": int(checked.score), "max_score": int(checked.max_score),
            "correct": bool(checked.correct), "feedback": checked.feedback,
            "items_answered": answered, **facts}


def _with_next(result: dict[str, Any], step: dict[str, Any]) -> dict[str, Any]:
    """An answer's stored result with the session's next step; ``done`` is the step's (the
    stopping rule's verdict, or an item pool used up)."""
    return {**result, "done": step["done"], "next": step}


def _check_answer_shape(row: item_cache.CachedItem, answer: Any) -> None:
    """A list of token ids for word order, one string otherwise (422 before any scoring)."""
    if row.type == "word_order":
        if not isinstance(answer, list):
            raise InvalidInput("answer: a list of token ids for a word_order item", field="answer")
    elif not isinstance(answer, str):
        raise InvalidInput(f"answer: one string for a {row.type} item", field="answer")


def _by_client_id(session: Session, session_id: str, client_response_id: str) -> ResponseRow | None:
    return session.exec(select(ResponseRow).where(ResponseRow.session_id == session_id,
                                                  ResponseRow.client_response_id == client_response_id)
                        ).first()


def describe(row: LearningSession) -> dict[str, Any]:
    return {"id": row.id, "language": row.language, "mode": row.mode, "track": row.track,
            "trade": row.trade, "status": row.status, "items_answered": row.state.get("answered", 0),
            "created_at": utc(row.created_at)}

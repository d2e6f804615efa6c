"""Learning sessions: adaptive placement tests and drills, request by request.

Each function reads top to bottom: lock the learner's session row, decide
(scoring in :mod:`content.scoring`, the engine through
:mod:`api.services.engine_adapter`, what comes next in
:mod:`api.services.session_policy`), write (:mod:`api.services.session_store`),
and commit once, at the end; an answer is decided before the lock, on the row as
read, and again under it only if the row changed meanwhile (:func:`record_response`).
A session's state (:class:`SessionState`) lives in its row, so any worker can serve
the next request. Answers are recorded under two unique constraints, ``(session,
client_response_id)`` and ``(session, item)``: a retry returns the first result and
a second answer to the same item cannot be stored.
"""
from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import numpy as np
from sqlalchemy import Connection, Row
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session as Db

from api.errors import Conflict, InvalidInput, NotFound, Unauthorized
from api.models import LearningSession, ResponseRow, User, utc
from api.schemas import SessionOut
from api.security import REVOKED
from api.services import ability, item_cache, pathways, rate_limits, reported, reviews, served_items
from api.services import engine_adapter as adapter
from api.services import session_policy as policy
from api.services import session_store as store
from api.services.lti import grades as lti_grades
from api.services.rows import id_of
from api.services.session_state import AnswerResultDict, Mode, SessionResultDict, SessionState, Status
from api.settings import Settings
from content import support as content_support
from content.scoring import AnswerCheck, check_answer

#: Bits of the session's random seed (selection's randomesque draws; never sent).
SEED_BITS = 63


@dataclass(frozen=True)
class NextStep:
    """What the learner does now: an exercise (as served) or, when done, the result."""

    done: bool
    item: dict[str, Any] | None = None
    result: SessionResultDict | None = None


@dataclass(frozen=True)
class AnswerReply:
    """An answer's stored result (what a retry repeats) with the session's next step."""

    result: AnswerResultDict
    next: NextStep

    @property
    def done(self) -> bool:
        return self.next.done


def drill_design(settings: Settings) -> policy.DrillDesign:
    return policy.DrillDesign(length=settings.drill_length, target_success=settings.drill_target_success,
                              review_share=settings.drill_review_share)


def describe(row: LearningSession) -> SessionOut:
    """A session as its learner sees it (the API's shape: nothing more to say)."""
    return SessionOut(id=row.id, language=row.language, mode=row.mode, track=row.track,
                       trade=row.trade, status=row.status,
                       items_answered=int(row.state.get("answered", 0)), created_at=utc(row.created_at))


def start_session(db: Db, learner: User, language: str, mode: str, track: str, trade: str | None,
                  settings: Settings, now: datetime) -> SessionOut:
    """A new placement test or drill, committed; its view (made before the commit, which would
    expire the row and cost a read to describe it after)."""
    rate_limits.hit(db, settings, "session", id_of(learner), now)
    trade_share = 0.0
    if mode == Mode.PLACEMENT:
        _check_placement_allowed(db, learner, language, settings, now)
    else:
        # The teacher's pathway for this learner, when set, decides the drill's track and blend.
        track, trade, trade_share = pathways.drill_plan(db, id_of(learner), track, trade)
    if not item_cache.pool(db, language, track, trade):
        raise NotFound(f"no exercises for language '{language}', track '{track}'"
                       + (f", trade '{trade}'" if trade else "")
                       + ": choose another track or trade, or ask your teacher which ones your class uses",
                       code="no_exercises")
    posterior = (ability.starting_posterior(db, id_of(learner), language, now) if mode == Mode.DRILL
                 else adapter.prior_posterior())
    # The key and the seed are random and stay on the server: nothing the learner knows
    # (the session id, the items' ids) predicts the ids and order served or the items drawn.
    state = SessionState(posterior=posterior.to_dict(), key=served_items.new_key(),
                         seed=secrets.randbits(SEED_BITS), trade_share=trade_share,
                         support=learner.support_language)
    row = LearningSession(id=uuid.uuid4().hex, learner_id=id_of(learner), language=language, mode=mode,
                          track=track, trade=trade, state=dict(state.to_dict()), created_at=now,
                          updated_at=now)
    db.add(row)
    db.flush()
    view = describe(row)
    db.commit()
    return view


def _check_placement_allowed(db: Db, learner: User, language: str, settings: Settings,
                             now: datetime) -> None:
    """One placement test per language every ``placement_retake_days``, unless a teacher allowed
    another (each allowance is used up by one test).

    Unlimited retakes over a bank of a few hundred items would let a learner meet the same
    items again and again; a test started and left counts too (it can be continued).
    """
    last = store.latest_placement(db, id_of(learner), language)
    if last is None:
        return
    available = utc(last.created_at) + timedelta(days=settings.placement_retake_days)
    if now >= available:
        return
    if learner.placement_retakes > 0:
        learner.placement_retakes -= 1
        db.add(learner)
        return
    if last.status != Status.DONE:
        raise Conflict(f"a placement test in '{language}' is already in progress: continue "
                       f"session '{last.id}'", code="placement_open", session_id=last.id)
    raise Conflict(f"a new placement test in '{language}' is possible from "
                   f"{available.date().isoformat()}; your teacher can allow one sooner",
                   code="placement_too_soon", available_from=available.isoformat())


def allow_placement_retake(db: Db, learner: User) -> int:
    """A teacher allows the learner one more placement test now (allowances do not pile up:
    at most one is open); returns the allowances open."""
    learner.placement_retakes = 1
    db.add(learner)
    db.commit()
    return learner.placement_retakes


def session_for_learner(db: Db, learner: User, session_id: str) -> LearningSession:
    """The learner's own session; 404 for anyone else's (ids of others reveal nothing)."""
    row = db.get(LearningSession, session_id)
    if row is None or row.learner_id != learner.id:
        raise _not_found(session_id)
    return row


def _not_found(session_id: str) -> NotFound:
    """A session that is not the learner's (or none): the same 404 either way."""
    return NotFound(f"session '{session_id}' not found: check the id, or start a new session "
                    "(POST /v1/sessions)", code="session_not_found")


def sessions_of(db: Db, learner_id: int) -> list[LearningSession]:
    return store.sessions_of(db, learner_id)


def _locked(db: Db, learner_id: int, session_id: str, created_before: datetime | None,
            token_version: int | None = None) -> tuple[Row, Connection]:
    """The learner's session row under the write lock; 404 for a session that is not theirs
    (read once, under the lock). ``created_before``: the learner's account must be older
    (the caller authorised an account by id at a moment; an erased account's id may since
    belong to someone else). ``token_version``: the version the caller's token was issued
    under, which must still be the account's (401 otherwise: a new password, role or a
    disabled account revoked it); read with the lock, so the check costs no query."""
    row, connection = store.lock(db, session_id)
    return _theirs(db, row, learner_id, session_id, created_before, token_version), connection


def _read(db: Db, learner_id: int, session_id: str, created_before: datetime | None,
          token_version: int | None = None) -> Row:
    """The session row as :func:`_locked` checks it, read without the lock (to plan on)."""
    return _theirs(db, store.read(db, session_id), learner_id, session_id, created_before, token_version)


def _theirs(db: Db, row: Row | None, learner_id: int, session_id: str, created_before: datetime | None,
            token_version: int | None) -> Row:
    if (row is None or row.learner_id != learner_id
            or (created_before is not None and utc(row.learner_created_at) >= created_before)):
        db.rollback()
        raise _not_found(session_id)
    if token_version is not None and row.learner_token_version != token_version:
        db.rollback()
        raise Unauthorized(REVOKED)
    item_cache.use_version(db, row.cache_version)
    return row


def next_item(db: Db, learner_id: int, session_id: str, settings: Settings, now: datetime,
              created_before: datetime | None = None, token_version: int | None = None) -> NextStep:
    """The exercise waiting for an answer (served again on a repeated call: a phone that lost
    the reply gets the same exercise), a new one, or the result when done."""
    row, connection = _locked(db, learner_id, session_id, created_before, token_version)
    state = SessionState.from_dict(row.state, row.track)
    step = _write_next(db, connection, row, _choose(db, row, state, settings, now), now)
    db.commit()
    return step


@dataclass(frozen=True)
class _Chosen:
    """What the learner does next, chosen and not yet written (:func:`_choose`)."""

    step: NextStep
    #: The session's state to save: with the item served now, or at its end; None: unchanged.
    state: SessionState | None = None
    #: The session ends now, with this result.
    result: SessionResultDict | None = None


def _choose(db: Db, row: Row, state: SessionState, settings: Settings, now: datetime,
            posterior: adapter.GridPosterior | None = None,
            answer: tuple[str, bool] | None = None) -> _Chosen:
    """What the learner does now in a session with ``state`` (nothing is written). ``posterior``:
    the state's, when the caller has it loaded already; ``answer``: an answer not stored yet,
    (bank item id, full marks), which a result counts."""
    if row.status == Status.DONE:
        return _Chosen(NextStep(done=True, result=row.result))
    if state.pending is not None:
        return _Chosen(NextStep(done=False, item=_served(db, row, state, state.pending)))
    mode, drill = Mode(row.mode), drill_design(settings)
    posterior = posterior or adapter.GridPosterior.from_dict(state.posterior)
    facts = store.learner_facts(db, mode, row.learner_id, row.language,
                                store.reviews_open(state.reviews, drill), now)
    pool = item_cache.pool(db, row.language, row.track, row.trade)
    step = policy.next_step(mode, row.track, state, posterior, pool, facts,
                            adapter.placement_design(row.language), drill)
    if step.item is None:
        result = _result(db, row, step.state, posterior, answer)
        return _Chosen(NextStep(done=True, result=result), step.state, result)
    return _Chosen(NextStep(done=False, item=_served(db, row, step.state, step.item.id)), step.state)


def _write_next(db: Db, connection: Connection, row: Row, chosen: _Chosen, now: datetime) -> NextStep:
    """Write what :func:`_choose` chose into the locked session (the caller commits)."""
    if chosen.state is None:
        return chosen.step
    state = dict(chosen.state.to_dict())
    result = chosen.result
    if result is None:
        store.save(connection, row.id, state=state, updated_at=now)
        return chosen.step
    store.save(connection, row.id, state=state, updated_at=now, status=Status.DONE.value, result=result,
               finished_at=now)
    if row.mode == Mode.PLACEMENT:
        # The level a placement test tells, kept as told (a drill's were kept answer by answer).
        reported.record(db, connection, row.learner_id, row.language, "placement", result["theta"],
                        result["se"], result["level"], now)
    # Its score for the learning platform's gradebook, when the learner came through LTI.
    lti_grades.queue_result(db, row.learner_id, row.id, row.mode, row.language, result, now)
    return chosen.step


def _served(db: Db, row: Row, state: SessionState, bank_id: str) -> dict[str, Any]:
    """Item ``bank_id`` as the session shows it; a placement test's without its CEFR level
    (the adaptive choice follows the estimate: the level would tell right from wrong)."""
    return served_items.view(item_cache.item(db, bank_id).item, state.key, state.support,
                             with_level=row.mode == Mode.DRILL)


def _result(db: Db, row: Row, state: SessionState, posterior: adapter.GridPosterior,
            answer: tuple[str, bool] | None = None) -> SessionResultDict:
    """A finished session's result (:func:`result_of`), from its stored answers and ``answer``
    (the last, not stored yet), with what its level means in the learner's languages."""
    answers = store.session_answers(db, row.id) + ([answer] if answer is not None else [])
    result = result_of(db, Mode(row.mode), row.language, state.answered, posterior, answers)
    result["level_description"] = level_texts(result["level"], row.language, state.support)
    return result


def result_of(db: Db, mode: Mode, language: str, answered: int, posterior: adapter.GridPosterior,
              answers: list[tuple[str, bool]]) -> SessionResultDict:
    """A finished test's result: the final estimate, the answers, for a drill the right ones,
    for a placement test a level per skill. ``answers``: (bank item id, full marks), in order."""
    result: SessionResultDict = {**adapter.estimate_of(posterior, language).to_dict(),
                                 "items_answered": answered, "mode": mode.value}
    if mode == Mode.DRILL:
        result["correct"] = sum(right for _, right in answers)
    else:
        result["skills"] = _skill_levels(db, language, answers)
    return result


def _skill_levels(db: Db, language: str, answers: list[tuple[str, bool]]) -> dict[str, adapter.SkillLevelDict]:
    """The placement test's early skills mapping: a level per skill the test asked, from its
    answers and the items' parameters (those the test used, unless a calibration came between)."""
    items = [item_cache.item(db, item_id) for item_id, _ in answers]
    return adapter.skill_levels(np.array([i.a for i in items]), np.array([i.b for i in items]),
                                np.array([i.c for i in items]), np.array([r for _, r in answers]),
                                [i.skill for i in items], language)


def record_response(db: Db, learner_id: int, session_id: str, item_id: str, answer: Any,
                    response_ms: int | None, client_response_id: str, settings: Settings,
                    now: datetime, created_before: datetime | None = None,
                    token_version: int | None = None) -> AnswerReply:
    """Score an answer to the served ``item_id``, update the estimate, and return the reply with
    what comes next (as :func:`next_item` would answer, the next item already chosen).

    The answer is planned (scored, the next item chosen) on the session as read, then
    written under the learner's lock in one transaction, if the session is still as read;
    otherwise it is planned again under the lock. On SQLite the lock is the database's:
    what a request does while it holds it bounds the answers per second of every learner,
    and the plan is most of a request's work (measured: docs/operations.md, "Load"). A retry
    waits for the first request and then returns what it recorded, with the session's next
    step as it is now. Serving the next item in the same reply saves a phone a round trip
    per exercise; ``GET .../next`` then returns that same item.
    """
    seen = _read(db, learner_id, session_id, created_before, token_version)
    state = SessionState.from_dict(seen.state, seen.track)
    bank_id = served_items.bank_item_id(state.key, state.served, item_id)
    plan = (_plan(db, seen, state, bank_id, answer, response_ms, client_response_id, settings, now)
            if bank_id is not None and bank_id == state.pending else None)
    row, connection = _locked(db, learner_id, session_id, created_before, token_version)
    if plan is None or (row.state, row.status, row.cache_version) != (seen.state, seen.status, seen.cache_version):
        state = SessionState.from_dict(row.state, row.track)
        bank_id = served_items.bank_item_id(state.key, state.served, item_id)
        if bank_id is None or bank_id != state.pending:
            return _not_waiting(db, row, state, bank_id, learner_id, session_id, item_id, client_response_id,
                                settings, now, created_before)
        plan = _plan(db, row, state, bank_id, answer, response_ms, client_response_id, settings, now)
    # A new answer (a retry returned above, uncounted): counted against the learner's rate.
    rate_limits.hit(db, settings, "answer", learner_id, now)
    try:
        store.record_answer(connection, plan.stored)
    except IntegrityError:
        # A concurrent request stored this answer first: return what it recorded.
        db.rollback()
        previous = store.answer_by_client_id(db, row.id, client_response_id)
        if previous is not None and previous.item_id == plan.bank_id:
            return _replay(db, _stored_result(previous), learner_id, session_id, settings, now,
                           created_before)
        if previous is not None:
            raise _reused_client_id(state, previous.item_id, client_response_id) from None
        raise Conflict(f"item '{item_id}' was already answered in this session: ask for the next "
                       f"exercise (GET /v1/sessions/{session_id}/next)",
                       code="item_not_waiting", item_id=item_id) from None
    if row.mode == Mode.DRILL:
        # The estimate this reply tells the learner, kept as told (curves show it as reported).
        reported.record(db, connection, row.learner_id, row.language, "drill", plan.estimate.theta,
                        plan.estimate.se, plan.estimate.level, now)
        if plan.vocab_key:
            # Placement answers schedule no reviews: the review list would name the words a
            # placement test asked, and their lemmas are the keys of its typed items.
            reviews.record(db, row.learner_id, row.language, plan.vocab_key, plan.stored["score"],
                           plan.stored["max_score"], now)
    step = _write_next(db, connection, row, plan.then, now)
    db.commit()
    return AnswerReply(result=plan.result, next=step)


@dataclass(frozen=True)
class _Plan:
    """An answer scored, with what follows it chosen: nothing written yet (:func:`_plan`)."""

    bank_id: str
    #: The answer's row (:func:`api.services.session_store.record_answer`).
    stored: dict[str, Any]
    result: AnswerResultDict
    estimate: adapter.LevelEstimate
    vocab_key: str | None
    then: _Chosen


def _plan(db: Db, row: Row, state: SessionState, bank_id: str, answer: Any, response_ms: int | None,
          client_response_id: str, settings: Settings, now: datetime) -> _Plan:
    """Score the answer to the waiting item ``bank_id`` and choose what follows (no writes)."""
    cached = item_cache.item(db, bank_id)
    # In bank ids from here on (served ids mean nothing outside the session): scored and stored.
    answer = served_items.bank_answer(cached.item, state.key, answer_shape(cached.type, answer))
    # A gloss item's feedback shows the gloss in the learner's language (the score does not change).
    shown = content_support.localised(cached.item, state.support)
    checked = check_answer(shown, answer)
    before = adapter.GridPosterior.from_dict(state.posterior)
    # Stored with the answer: an item's fit judges each answer against the estimate before it.
    estimate_before = before.estimate()
    posterior = adapter.update_posterior(before, cached.a, cached.b, cached.c, checked.correct)
    state = state.answered_with(posterior.to_dict())
    estimate = adapter.estimate_of(posterior, row.language)
    result = answer_result(Mode(row.mode), checked, estimate, state.answered, row.language, state.support,
                           right=None if checked.correct else served_items.right_answer(shown, checked.expected))
    # Chosen before this answer is stored, which changes nothing the choice reads: a result
    # counts the answer given here; the learner's items met and a drill's review schedule
    # would gain this item and its word, which the session has served, so neither may
    # come again in it (item_cache.Pool.unserved).
    then = _choose(db, row, state, settings, now, posterior, (bank_id, bool(checked.correct)))
    stored = {"session_id": row.id, "learner_id": row.learner_id, "item_id": bank_id,
              "client_response_id": client_response_id, "answer": answer,
              "score": int(checked.score), "max_score": int(checked.max_score), "correct": bool(checked.correct),
              "response_ms": response_ms, "answered_at": now, "theta": estimate.theta, "se": estimate.se,
              "level": estimate.level, "theta_before": float(estimate_before.theta),
              "se_before": float(estimate_before.se), "result": result}
    return _Plan(bank_id, stored, result, estimate, cached.vocab_key, then)


def _not_waiting(db: Db, row: Row, state: SessionState, bank_id: str | None, learner_id: int, session_id: str,
                 item_id: str, client_response_id: str, settings: Settings, now: datetime,
                 created_before: datetime | None) -> AnswerReply:
    """An answer to an item that is not the one waiting (in the locked session): a retry of an
    answer already stored (its first result), or a conflict. An answer to the waiting item
    cannot have been stored yet; a reused client_response_id then fails the unique constraint."""
    previous = store.answer_by_client_id(db, row.id, client_response_id)
    if previous is not None and previous.item_id == bank_id:
        return _replay(db, _stored_result(previous), learner_id, session_id, settings, now, created_before)
    used_for = previous.item_id if previous is not None else None
    db.rollback()  # nothing to write: the learner's lock is released before the reply
    if row.status == Status.DONE:
        raise Conflict(f"this session has finished: its result is at GET /v1/sessions/{session_id}/next; "
                       "start a new session to go on (POST /v1/sessions)", code="session_finished",
                       item_id=item_id)
    if used_for is not None:
        raise _reused_client_id(state, used_for, client_response_id)
    waiting = f"answer the exercise waiting now (GET /v1/sessions/{session_id}/next)"
    raise (Conflict(f"item '{item_id}' was not served in this session: {waiting}", code="item_not_waiting",
                    item_id=item_id)
           if bank_id is None else
           Conflict(f"item '{item_id}' was already answered in this session: {waiting}",
                    code="item_not_waiting", item_id=item_id))


def _reused_client_id(state: SessionState, used_for: str, client_response_id: str) -> Conflict:
    """A ``client_response_id`` sent again with another item than ``used_for`` (the bank id it
    was recorded with): not a retry (a retry repeats its item), so the first answer's result
    is not this one's, and this answer is not recorded."""
    first = served_items.served_item_id(state.key, used_for)
    return Conflict(f"this client_response_id was already used for another item ('{first}'): send "
                    "each new answer with a new client_response_id", code="client_response_id_reused",
                    client_response_id=client_response_id, used_for_item=first)


def _stored_result(answer: ResponseRow) -> AnswerResultDict:
    # The column holds what _answer_result returned.
    return cast(AnswerResultDict, answer.result)


def _replay(db: Db, result: AnswerResultDict, learner_id: int, session_id: str, settings: Settings,
            now: datetime, created_before: datetime | None) -> AnswerReply:
    """A retried answer: its first result, with the session's next step as it is now (the
    token was checked when the session was first locked in this request)."""
    return AnswerReply(result=result, next=next_item(db, learner_id, session_id, settings, now,
                                                     created_before))


def answer_shape(item_type: str, answer: Any) -> Any:
    """A list of token ids for word order, one string otherwise (422 before any scoring)."""
    if item_type == "word_order":
        if not isinstance(answer, list):
            raise InvalidInput("answer: a list of token ids for a word_order item", field="answer")
    elif not isinstance(answer, str):
        raise InvalidInput(f"answer: one string for a {item_type} item", field="answer")
    return answer


def answer_result(mode: Mode, checked: AnswerCheck, estimate: adapter.LevelEstimate,
                   answered: int, language: str, support: str | None = None,
                   right: str | None = None) -> AnswerResultDict:
    """What an answer's reply says (and a retry repeats). A drill teaches: score, feedback,
    the right answer after a mistake (``right``) and the new estimate. A placement test says nothing per answer, not even the
    estimate (its rise or fall would tell right from wrong): the level comes at the end."""
    if mode != Mode.DRILL:
        return {"items_answered": answered}
    return {"score": int(checked.score), "max_score": int(checked.max_score),
            "correct": bool(checked.correct), "feedback": checked.feedback, "right_answer": right,
            "items_answered": answered, **estimate.to_dict(),
            "level_description": level_texts(estimate.level, language, support)}


def level_texts(level: str, language: str, support: str | None) -> list[content_support.LocalTextDict]:
    """What the level means, in the target language and the learner's support language."""
    return [text.to_dict() for text in content_support.level_descriptions(level, language, support)]

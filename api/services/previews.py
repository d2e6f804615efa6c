"""A teacher's preview: any placement test or drill, taken as a learner takes it, recording
nothing: no session, no answer, no estimate, no review is stored.

The preview's state (the engine's posterior, the items served, the answers'
scores) travels with the client between requests, as a token signed with the
server's secret (PyJWT, audience :data:`PREVIEW_AUDIENCE`: an access token is
never a preview state, nor the reverse), so any worker can serve the next
answer and nothing is written. It is signed, not encrypted: it shows the
teacher the bank ids and parameters of the items they were served, which the
content bank publishes anyway. Sending an earlier state again answers as it did
then: the next item is drawn from the state's own seed (:func:`api.services.session_policy.rng_for`),
so a retry is harmless, and nothing is there to undo.

The only writes are the per-minute request counts of :mod:`api.services.rate_limits`
(the teacher's account, as for a learner's sessions and answers).
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import jwt
from sqlmodel import Session as Db

from api.errors import Conflict, InvalidInput, NotFound
from api.models import User
from api.schemas import NextOut, PreviewAnswerOut, PreviewOut
from api.services import engine_adapter as adapter
from api.services import item_cache, rate_limits, served_items, sessions
from api.services import session_policy as policy
from api.services.pathways import DEFAULT_TRADE_SHARE
from api.services.rows import id_of
from api.services.session_state import Mode, SessionState, SessionStateDict
from api.settings import Settings
from content.scoring import check_answer

#: The audience of preview states (access tokens carry none, and PyJWT refuses a token with
#: an audience where none is expected).
PREVIEW_AUDIENCE = "b1engine:preview"
#: How long a preview's state is accepted after its last answer.
PREVIEW_LIFETIME = timedelta(hours=3)
#: Bits of the preview's random seed (as a session's).
SEED_BITS = 63


@dataclass(frozen=True)
class Preview:
    """What the signed state holds: the test, the session state, the answers' scores."""

    teacher_id: int
    language: str
    mode: Mode
    track: str
    trade: str | None
    state: SessionState
    answers: tuple[tuple[str, bool], ...] = ()

    def sign(self, settings: Settings, now: datetime) -> str:
        claims: dict[str, Any] = {
            "aud": PREVIEW_AUDIENCE, "sub": str(self.teacher_id), "iat": now,
            "exp": now + PREVIEW_LIFETIME, "language": self.language, "mode": self.mode.value,
            "track": self.track, "trade": self.trade, "state": dict(self.state.to_dict()),
            "answers": [[item_id, right] for item_id, right in self.answers]}
        return jwt.encode(claims, settings.signing_secret(), algorithm=settings.jwt_algorithm)

    @classmethod
    def read(cls, token: str, teacher: User, settings: Settings, now: datetime) -> Preview:
        """The preview a state token holds: 422 on ``state`` if it is not a valid one of this
        teacher's, or has expired."""
        try:
            claims = jwt.decode(token, settings.signing_secret(), algorithms=[settings.jwt_algorithm],
                                audience=PREVIEW_AUDIENCE, options={
                                    "require": ["aud", "sub", "exp", "state"], "verify_exp": False})
            expired = now.timestamp() >= float(claims["exp"])
            state: SessionStateDict = claims["state"]
            preview = cls(teacher_id=int(claims["sub"]), language=str(claims["language"]),
                          mode=Mode(claims["mode"]), track=str(claims["track"]), trade=claims["trade"],
                          state=SessionState.from_dict(state, str(claims["track"])),
                          answers=tuple((str(i), bool(r)) for i, r in claims["answers"]))
        except (jwt.InvalidTokenError, KeyError, ValueError, TypeError):
            raise InvalidInput("state: not a preview's state: send the `state` of the last reply",
                               field="state") from None
        if expired:
            raise InvalidInput("state: this preview has expired: start a new one", field="state")
        if preview.teacher_id != teacher.id:
            raise InvalidInput("state: this preview was started by another account", field="state")
        return preview


def _advance(db: Db, preview: Preview, posterior: adapter.GridPosterior,
             settings: Settings) -> tuple[Preview, NextOut]:
    """The next exercise, or the result when the test is over (the session's rules, with
    nothing known of the one taking it)."""
    pool = item_cache.pool(db, preview.language, preview.track, preview.trade)
    step = policy.next_step(preview.mode, preview.track, preview.state, posterior, pool,
                            policy.LearnerFacts(), adapter.placement_design(preview.language),
                            sessions.drill_design(settings))
    preview = replace(preview, state=step.state)
    if step.item is None:
        result = sessions.result_of(db, preview.mode, preview.language, step.state.answered, posterior,
                                    list(preview.answers))
        return preview, NextOut(done=True, result=dict(result))
    item = served_items.view(item_cache.item(db, step.item.id).item, step.state.key)
    return preview, NextOut(done=False, item=item)


def start(db: Db, teacher: User, language: str, mode: str, track: str, trade: str | None,
          settings: Settings, now: datetime) -> PreviewOut:
    """A new preview and its first exercise."""
    rate_limits.hit(db, settings, "session", id_of(teacher), now)
    if not item_cache.pool(db, language, track, trade):
        raise NotFound(f"no exercises for language '{language}', track '{track}'"
                       + (f", trade '{trade}'" if trade else "")
                       + ": choose another track or trade (`b1engine content stats` lists what the bank has)")
    posterior = adapter.prior_posterior()
    state = SessionState(posterior=posterior.to_dict(), key=served_items.new_key(),
                         seed=secrets.randbits(SEED_BITS),
                         trade_share=DEFAULT_TRADE_SHARE if track == "trade" else 0.0)
    preview = Preview(id_of(teacher), language, Mode(mode), track, trade, state)
    preview, step = _advance(db, preview, posterior, settings)
    db.commit()
    return PreviewOut(state=preview.sign(settings, now), language=language, mode=mode, track=track,
                      trade=trade, next=step)


def answer(db: Db, teacher: User, token: str, item_id: str, given: Any, settings: Settings,
           now: datetime) -> PreviewAnswerOut:
    """Score an answer to the preview's waiting exercise; the reply a learner would get, with
    the next exercise (or the result) and the next state."""
    preview = Preview.read(token, teacher, settings, now)
    state = preview.state
    bank_id = served_items.bank_item_id(state.key, state.served, item_id)
    if state.pending is None:
        raise Conflict("this preview is over: start a new one to take the test again")
    if bank_id != state.pending:
        raise Conflict(f"item '{item_id}' is not the exercise waiting for an answer in this preview",
                       item_id=item_id)
    rate_limits.hit(db, settings, "answer", id_of(teacher), now)
    cached = item_cache.item(db, bank_id)
    bank_answer = served_items.bank_answer(cached.item, state.key, sessions.answer_shape(cached.type, given))
    checked = check_answer(cached.item, bank_answer)
    posterior = adapter.update_posterior(adapter.GridPosterior.from_dict(state.posterior),
                                         cached.a, cached.b, cached.c, checked.correct)
    answered = state.answered_with(posterior.to_dict())
    result = sessions.answer_result(preview.mode, checked, adapter.estimate_of(posterior, preview.language),
                                    answered.answered, preview.language)
    preview = replace(preview, state=answered, answers=(*preview.answers, (bank_id, bool(checked.correct))))
    preview, step = _advance(db, preview, posterior, settings)
    db.commit()
    return PreviewAnswerOut(**result, done=step.done, next=step, state=preview.sign(settings, now))

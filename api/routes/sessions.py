from fastapi import APIRouter, Response

from api.deps import DbDep, Learner, NowDep, OwnSession, OwnSessionRef, SettingsDep
from api.routes import problems, reply
from api.schemas import NextOut, ResponseIn, ResponseOut, SessionCreate, SessionOut
from api.services import sessions

router = APIRouter(prefix="/v1/sessions", tags=["sessions"])


@router.post("", status_code=201, response_model=SessionOut, responses=problems(401, 403, 404, 422))
def start(body: SessionCreate, learner: Learner, db: DbDep, settings: SettingsDep,
          now: NowDep) -> SessionOut:
    """Start a placement test (adaptive, stops by the engine's rules; one per language every
    `placement_retake_days` unless a teacher allows another: 409 otherwise) or a drill
    (practice at ~75 % success)."""
    return sessions.start_session(db, learner, body.language, body.mode, body.track, body.trade,
                                  settings, now)


@router.get("/{session_id}", response_model=SessionOut, responses=problems(401, 403, 404))
def get(row: OwnSession) -> SessionOut:
    return sessions.describe(row)


@router.get("/{session_id}/next", response_model=NextOut, responses=problems(401, 403, 404))
def next_item(ref: OwnSessionRef, db: DbDep, settings: SettingsDep, now: NowDep) -> Response:
    """The next exercise (never its answers, feedback or parameters), or the result when done."""
    step = sessions.next_item(db, ref.claims.user_id, ref.session_id, settings, now,
                              created_before=ref.claims.created_before,
                              token_version=ref.claims.version)
    return reply(NextOut.model_validate(step, from_attributes=True))


@router.post("/{session_id}/responses", response_model=ResponseOut,
             responses=problems(401, 403, 404, 409, 422))
def respond(body: ResponseIn, ref: OwnSessionRef, db: DbDep, settings: SettingsDep,
            now: NowDep) -> Response:
    """Answer the served exercise with the ids it was served with. A drill's reply teaches
    (score, feedback, the new estimate); a placement test's says only that the answer is
    recorded. Both carry `next` (the next exercise or the result, as `GET next` would answer). Re-sending a `client_response_id` returns the
    first result, with `next` as it is now."""
    result = sessions.record_response(db, ref.claims.user_id, ref.session_id, body.item_id,
                                      body.answer, body.response_ms, body.client_response_id,
                                      settings, now, created_before=ref.claims.created_before,
                                      token_version=ref.claims.version)
    return reply(ResponseOut(**result.result, done=result.done,
                             next=NextOut.model_validate(result.next, from_attributes=True)))

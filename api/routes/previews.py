from fastapi import APIRouter

from api.deps import DbDep, NowDep, SettingsDep, Teacher
from api.routes import problems
from api.schemas import PreviewAnswerIn, PreviewAnswerOut, PreviewOut, SessionCreate
from api.services import previews

router = APIRouter(prefix="/v1/previews", tags=["previews"])


@router.post("", status_code=201, response_model=PreviewOut, responses=problems(401, 403, 404, 422, 429))
def start(body: SessionCreate, teacher: Teacher, db: DbDep, settings: SettingsDep,
          now: NowDep) -> PreviewOut:
    """Take any placement test or drill as a learner would, recording nothing (teachers and
    admins): no session, answer, estimate or review is stored. The reply's `state` goes
    with each answer."""
    return previews.start(db, teacher, body.language, body.mode, body.track, body.trade, settings, now)


@router.post("/answers", response_model=PreviewAnswerOut, responses=problems(401, 403, 409, 422, 429))
def answer(body: PreviewAnswerIn, teacher: Teacher, db: DbDep, settings: SettingsDep,
           now: NowDep) -> PreviewAnswerOut:
    """Answer the preview's exercise: the reply a learner would get (a placement test says
    nothing per answer; a drill teaches), the next exercise or the result, the next `state`."""
    return previews.answer(db, teacher, body.state, body.item_id, body.answer, settings, now)

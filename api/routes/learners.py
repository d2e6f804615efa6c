from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.deps import Learner, NowDep, SessionDep, Teacher
from api.errors import NotFound
from api.routes import problems
from api.schemas import Language, LearnerProgress
from api.services import classes, learners, users

router = APIRouter(prefix="/v1/learners", tags=["learners"])


@router.get("/me", response_model=LearnerProgress, responses=problems(401, 403))
def me(learner: Learner, session: SessionDep, now: NowDep,
       language: Annotated[Language | None, Query()] = None) -> LearnerProgress:
    """Overall and per-skill ability (theta, SE, CEFR level with probabilities) and history."""
    return LearnerProgress(**learners.progress(session, learner, now, language))


@router.get("/{learner_id}", response_model=LearnerProgress, responses=problems(401, 403, 404))
def one(learner_id: Annotated[int, Path(ge=1)], teacher: Teacher, session: SessionDep,
        now: NowDep) -> LearnerProgress:
    """A learner's progress, for the teacher of their class."""
    if not classes.teacher_can_see(session, teacher, learner_id):
        raise NotFound(f"learner {learner_id} not found")
    return LearnerProgress(**learners.progress(session, users.get_user(session, learner_id), now))

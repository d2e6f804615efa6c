from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.deps import Admin, CurrentUser, DbDep, Learner, NowDep, TaughtLearner, VisibleLearner
from api.routes import problems
from api.schemas import Language, LearnerExport, LearnerProgress, PlacementRetakesOut
from api.services import learners, privacy, sessions
from api.services.rows import id_of

router = APIRouter(prefix="/v1/learners", tags=["learners"])


@router.get("/me", response_model=LearnerProgress, responses=problems(401, 403))
def me(learner: Learner, db: DbDep, now: NowDep,
       language: Annotated[Language | None, Query()] = None) -> LearnerProgress:
    """Overall and per-skill ability (theta, SE, CEFR level with probabilities), history, and
    the learner's vocabulary review dates (``reviews``, soonest first)."""
    return learners.progress(db, learner, now, language, with_reviews=True, for_learner=True)


@router.get("/{learner_id}", response_model=LearnerProgress, responses=problems(401, 403, 404))
def one(learner: VisibleLearner, user: CurrentUser, db: DbDep, now: NowDep) -> LearnerProgress:
    """A learner's progress: for the learner themself and the teacher of their class.

    Any other learner id is a 404 (ids reveal nothing); authors get 403. The same rule as
    the export's (one dependency, ``VisibleLearner``).
    """
    return learners.progress(db, learner, now, for_learner=user.role == "learner")


@router.get("/{learner_id}/export", response_model=LearnerExport, response_model_by_alias=True,
            responses=problems(401, 403, 404))
def export(learner: VisibleLearner, db: DbDep, now: NowDep) -> LearnerExport:
    """Everything stored about the learner, as JSON (for the learner and the teacher of their class)."""
    return privacy.export(db, learner, now)


@router.post("/{learner_id}/placement-retakes", response_model=PlacementRetakesOut,
             responses=problems(401, 403, 404))
def allow_placement_retake(learner: TaughtLearner, db: DbDep) -> PlacementRetakesOut:
    """Allow the learner one more placement test before the retake interval is over (the
    teacher of their class, or an admin)."""
    return PlacementRetakesOut(learner_id=id_of(learner),
                               placement_retakes=sessions.allow_placement_retake(db, learner))


@router.delete("/{learner_id}", status_code=204, responses=problems(401, 403, 404))
def erase(learner_id: Annotated[int, Path(ge=1)], admin: Admin, db: DbDep) -> None:
    """Erase the learner: account, class membership, sessions, abilities, history. Their answers
    stay for calibration, anonymised (no link to the person). See docs/privacy.md."""
    privacy.erase(db, privacy.learner(db, learner_id))

from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.deps import Admin, CurrentUser, DbDep, Learner, NowDep, SettingsDep, TaughtLearner, VisibleLearner
from api.routes import problems
from api.schemas import (
    Language,
    LearnerActivity,
    LearnerExport,
    LearnerProgress,
    LearnerSettingsIn,
    OneTimePasswordOut,
    PlacementRetakesOut,
)
from api.services import activity, learners, privacy, sessions, users
from api.services.rows import id_of

router = APIRouter(prefix="/v1/learners", tags=["learners"])


#: One page of a learner's history: the latest points before a cursor (docs/api.md).
HistoryLimit = Annotated[int, Query(ge=1, le=learners.HISTORY_PAGE_MAX, description=(
    f"points in this page (default {learners.HISTORY_PAGE_DEFAULT}, at most {learners.HISTORY_PAGE_MAX})"))]
HistoryBefore = Annotated[int | None, Query(ge=0, le=2**31 - 1, description=(
    "the page ends before this point (`history_older` of the page after it); default: the latest"))]


@router.get("/me", response_model=LearnerProgress, responses=problems(401, 403, 422))
def me(learner: Learner, db: DbDep,
       language: Annotated[Language | None, Query()] = None,
       history_limit: HistoryLimit = learners.HISTORY_PAGE_DEFAULT,
       history_before: HistoryBefore = None) -> LearnerProgress:
    """Overall and per-skill ability (theta, SE, CEFR level with probabilities) at the last
    answer, dated by `updated_at`, history (one page: the latest points; `history_older` leads
    to the page before), and the learner's vocabulary review dates (``reviews``, soonest first)."""
    return learners.progress(db, learner, language, with_reviews=True, for_learner=True,
                             history_limit=history_limit, history_before=history_before)


@router.patch("/me", status_code=204, responses=problems(401, 403, 422))
def update_me(body: LearnerSettingsIn, learner: Learner, db: DbDep) -> None:
    """Set your support language: glosses, hints and instructions of your next sessions, and what
    your level means, in the language you read best (null: none)."""
    learners.set_support_language(db, learner, body.support_language)


@router.get("/{learner_id}", response_model=LearnerProgress, responses=problems(401, 403, 404, 422))
def one(learner: VisibleLearner, user: CurrentUser, db: DbDep,
        history_limit: HistoryLimit = learners.HISTORY_PAGE_DEFAULT,
        history_before: HistoryBefore = None) -> LearnerProgress:
    """A learner's progress: for the learner themself and the teacher of their class.

    Any other learner id is a 404 (ids reveal nothing); authors get 403. The same rule as
    the export's (one dependency, ``VisibleLearner``). The levels are those at the last answer,
    as the class's roster gives them; the history comes in pages, as in `GET /v1/learners/me`.
    """
    return learners.progress(db, learner, for_learner=user.role == "learner",
                             history_limit=history_limit, history_before=history_before)


@router.get("/{learner_id}/activity", response_model=LearnerActivity, responses=problems(401, 403, 404, 422))
def recent_activity(learner: VisibleLearner, db: DbDep, now: NowDep,
                    days: Annotated[int, Query(ge=1, le=activity.DAYS_MAX, description=(
                        f"the answers of this many days (default {activity.DAYS_DEFAULT})"))] = activity.DAYS_DEFAULT,
                    limit: Annotated[int, Query(ge=1, le=activity.ANSWERS_MAX, description=(
                        f"answers listed at most, newest first (default {activity.ANSWERS_DEFAULT})"))]
                    = activity.ANSWERS_DEFAULT) -> LearnerActivity:
    """The learner's answers of the last days in words (the exercise as they saw it, their answer,
    right or wrong; a placement test's answers without right or wrong) and the words due for
    review now. For the learner and the teacher of their class, as `GET /v1/learners/{id}`."""
    return activity.learner_activity(db, learner, now, days, limit)


@router.get("/{learner_id}/export", response_model=LearnerExport, response_model_by_alias=True,
            responses=problems(401, 403, 404))
def export(learner: VisibleLearner, user: CurrentUser, db: DbDep, now: NowDep) -> LearnerExport:
    """Everything stored about the learner, as JSON (for the learner and the teacher of their class).
    While a placement test is open, the learner's own export holds no estimate in its language,
    as `GET /v1/learners/me` shows none; the teacher's holds them."""
    return privacy.export(db, learner, now, for_learner=user.role == "learner")


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


@router.post("/{learner_id}/password-reset", response_model=OneTimePasswordOut,
             responses=problems(401, 403, 404, 422))
def reset_password(learner: TaughtLearner, db: DbDep, settings: SettingsDep) -> OneTimePasswordOut:
    """A one-time password for a learner of your class (returned only now): their tokens stop
    working, the waits on their login are lifted, and they choose a new password at their
    next login before anything else."""
    return users.reset_password(db, learner, settings)


@router.delete("/{learner_id}/login-lock", status_code=204, responses=problems(401, 403, 404, 422))
def lift_login_lock(learner: TaughtLearner, db: DbDep, settings: SettingsDep) -> None:
    """Lift the waits that failed logins put on a learner's username (the teacher of their
    class, or an admin; a learner cannot lift their own)."""
    users.lift_login_lock(db, learner, settings)

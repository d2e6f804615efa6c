from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.deps import Admin, DbDep, IdPath, InterfaceLanguage, NowDep, TaughtLearner, Teacher, TeacherClass
from api.routes import problems
from api.schemas import (
    ClassAlerts,
    ClassCreate,
    ClassCurves,
    ClassOut,
    ClassRoster,
    ClassTeacherIn,
    LearnerCreate,
    LearnerCreated,
    LearnerOut,
    PathwayIn,
    PathwayOut,
)
from api.services import alerts, classes, curves, pathways, roster

router = APIRouter(prefix="/v1/classes", tags=["classes"])


@router.post("", status_code=201, response_model=ClassOut, responses=problems(401, 403, 422))
def create_class(body: ClassCreate, teacher: Teacher, db: DbDep, now: NowDep) -> ClassOut:
    school_class = classes.create_class(db, teacher, body.name, body.language, now)
    return classes.describe(db, school_class)


@router.get("", response_model=list[ClassOut], responses=problems(401, 403))
def list_classes(teacher: Teacher, db: DbDep) -> list[ClassOut]:
    """The teacher's own classes (an admin: every class)."""
    return [classes.describe(db, c) for c in classes.classes_of(db, teacher)]


@router.get("/{class_id}", response_model=ClassOut, responses=problems(401, 403, 404))
def get_class(school_class: TeacherClass, db: DbDep) -> ClassOut:
    return classes.describe(db, school_class)


@router.post("/{class_id}/learners", status_code=201, response_model=LearnerCreated,
             responses=problems(401, 403, 404, 409, 422))
def add_learner(body: LearnerCreate, school_class: TeacherClass, db: DbDep,
                now: NowDep) -> LearnerCreated:
    """A learner account in the class: the login is `username` (or the display name's first
    word) followed by digits the server draws (`amina` -> `amina48`), so it is no one else's
    and says nothing about other accounts. Without a password a one-time one is returned
    (only now), to be changed at the first login. 409 only for a learner of the same
    display name already in this class."""
    return classes.create_learner(db, school_class, body.display_name, body.username, body.password, now,
                                  body.support_language)


@router.put("/{class_id}/learners/{learner_id}", response_model=LearnerOut,
            responses=problems(401, 403, 404, 422))
def move_learner(school_class: TeacherClass, learner: TaughtLearner, db: DbDep) -> LearnerOut:
    """Move a learner of one of your classes into this one (an admin: any learner into any
    class). Their language becomes the class's; their history stays theirs."""
    return classes.move_learner(db, school_class, learner)


@router.delete("/{class_id}/learners/{learner_id}", status_code=204,
               responses=problems(401, 403, 404, 422))
def remove_learner(learner_id: IdPath, school_class: TeacherClass, db: DbDep, now: NowDep) -> None:
    """Remove a learner from the class: their account is disabled (no login, tokens refused)
    and no teacher sees them. Nothing is erased; an admin can enable the account again or
    erase it (`DELETE /v1/learners/{id}`)."""
    classes.remove_learner(db, school_class, learner_id, now)


@router.put("/{class_id}/teacher", response_model=ClassOut, responses=problems(401, 403, 404, 422))
def hand_over(body: ClassTeacherIn, admin: Admin, school_class: TeacherClass, db: DbDep) -> ClassOut:
    """Give the class, with its learners, to another teacher (admins)."""
    return classes.hand_over(db, school_class, body.teacher_id)


@router.get("/{class_id}/learners", response_model=list[LearnerOut], responses=problems(401, 403, 404))
def list_learners(school_class: TeacherClass, db: DbDep) -> list[LearnerOut]:
    return [classes.describe_learner(u) for u in classes.learners_of(db, school_class)]


@router.put("/{class_id}/learners/{learner_id}/pathway", response_model=PathwayOut,
            responses=problems(401, 403, 404, 422))
def set_pathway(learner_id: Annotated[int, Path(ge=1)], body: PathwayIn, school_class: TeacherClass,
                teacher: Teacher, db: DbDep, now: NowDep) -> PathwayOut:
    """Set where a learner's drills take new items from: the B1 track, a trade, or a blend.

    Only the teacher of the class (404 for other classes and for learners not in it).
    Used from the learner's next drill on; due vocabulary reviews still come first.
    """
    row = pathways.set_pathway(db, school_class, learner_id, body.trade, body.trade_share,
                               teacher, now)
    return pathways.describe(row)


@router.get("/{class_id}/learners/{learner_id}/pathway", response_model=PathwayOut | None,
            responses=problems(401, 403, 404, 422))
def get_pathway(learner_id: IdPath, school_class: TeacherClass, db: DbDep) -> PathwayOut | None:
    """The learner's drill pathway as the teacher set it; null when none is set (the learner's
    drills then follow the track they choose). 404 for learners not in the class."""
    return pathways.pathway_in_class(db, school_class, learner_id)


@router.get("/{class_id}/ability-curves", response_model=ClassCurves, response_model_by_alias=True,
            responses=problems(401, 403, 404, 422))
def ability_curves(school_class: TeacherClass, db: DbDep, now: NowDep,
                   limit: Annotated[int, Query(ge=1, le=curves.CURVES_PAGE_MAX, description=(
                       f"learners in this page (default {curves.CURVES_PAGE_DEFAULT}, at most "
                       f"{curves.CURVES_PAGE_MAX})"))] = curves.CURVES_PAGE_DEFAULT,
                   cursor: Annotated[int | None, Query(ge=0, le=2**31 - 1, description=(
                       "`next_cursor` of the page before; default: the first page"))] = None) -> ClassCurves:
    """Per learner a time series (time, theta, SE, level) overall and per skill, and a class summary.

    In pages of learners (by id); the summary is always the whole class's."""
    return curves.class_curves(db, school_class, now, limit=limit, after=cursor)


@router.get("/{class_id}/alerts", response_model=ClassAlerts, response_model_exclude_none=True,
            responses=problems(401, 403, 404))
def class_alerts(school_class: TeacherClass, db: DbDep, now: NowDep,
                 lang: InterfaceLanguage = None) -> ClassAlerts:
    """The few learners to follow up, most urgent first, each with the reason in plain words and
    a suggested action (in the interface language `lang`): inactive (dropping out), stalled, slow;
    and fast progress, a positive note."""
    return alerts.class_alerts(db, school_class, now, lang)


@router.get("/{class_id}/roster", response_model=ClassRoster, response_model_by_alias=True,
            responses=problems(401, 403, 404))
def class_roster(school_class: TeacherClass, db: DbDep, now: NowDep,
                 lang: InterfaceLanguage = None) -> ClassRoster:
    """Every learner of the class for a dashboard: level and its probability, the trend over the
    last weeks with its uncertainty, last activity, open alerts (their words in the interface
    language `lang`). Only the class's teacher."""
    return roster.class_roster(db, school_class, now, lang)

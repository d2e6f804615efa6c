from typing import Annotated

from fastapi import APIRouter, Path, Response

from api import charts
from api.deps import DbDep, NowDep, SettingsDep, Teacher, TeacherClass
from api.routes import problems
from api.schemas import (
    ClassAlerts,
    ClassCreate,
    ClassCurves,
    ClassOut,
    LearnerCreate,
    LearnerOut,
    PathwayIn,
    PathwayOut,
)
from api.services import alerts, classes, curves, pathways

router = APIRouter(prefix="/v1/classes", tags=["classes"])


@router.post("", status_code=201, response_model=ClassOut, responses=problems(401, 403, 422))
def create_class(body: ClassCreate, teacher: Teacher, db: DbDep, now: NowDep) -> ClassOut:
    school_class = classes.create_class(db, teacher, body.name, body.language, now)
    return classes.describe(db, school_class)


@router.get("", response_model=list[ClassOut], responses=problems(401, 403))
def list_classes(teacher: Teacher, db: DbDep) -> list[ClassOut]:
    """The teacher's own classes."""
    return [classes.describe(db, c) for c in classes.classes_of(db, teacher)]


@router.get("/{class_id}", response_model=ClassOut, responses=problems(401, 403, 404))
def get_class(school_class: TeacherClass, db: DbDep) -> ClassOut:
    return classes.describe(db, school_class)


@router.post("/{class_id}/learners", status_code=201, response_model=LearnerOut,
             responses=problems(401, 403, 404, 409, 422))
def add_learner(body: LearnerCreate, school_class: TeacherClass, db: DbDep,
                now: NowDep) -> LearnerOut:
    learner = classes.add_learner(db, school_class, body.username, body.password, now)
    return classes.describe_learner(learner)


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


@router.get("/{class_id}/ability-curves", response_model=ClassCurves, response_model_by_alias=True,
            responses=problems(401, 403, 404))
def ability_curves(school_class: TeacherClass, db: DbDep, now: NowDep) -> ClassCurves:
    """Per learner a time series (time, theta, SE, level) overall and per skill, and a class summary."""
    return curves.class_curves(db, school_class, now)


@router.get("/{class_id}/ability-curves.svg", response_class=Response,
            responses={200: {"content": {"image/svg+xml": {}}}, **problems(401, 403, 404)})
def ability_curves_svg(school_class: TeacherClass, db: DbDep) -> Response:
    """The same curves as an SVG chart with CEFR bands."""
    svg = charts.class_chart_svg(curves.class_chart(db, school_class))
    return Response(content=svg, media_type="image/svg+xml")


@router.get("/{class_id}/alerts", response_model=ClassAlerts, response_model_exclude_none=True,
            responses=problems(401, 403, 404))
def class_alerts(school_class: TeacherClass, db: DbDep, settings: SettingsDep,
                 now: NowDep) -> ClassAlerts:
    """Learners to follow up: inactive, no progress, close to a level boundary."""
    return alerts.class_alerts(db, school_class, settings, now)

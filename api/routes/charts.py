"""The chart routes: each chart as an SVG file (a download) and as the JSON a page shows (the
same SVG with its title, description and table). Drawn by :mod:`api.charts` from the values of
:mod:`api.services.curves`; who may see what is ``deps``' (the class's teacher; a learner's
teacher and the learner themself)."""
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from api import charts
from api.deps import CurrentUser, DbDep, InterfaceLanguage, NowDep, TeacherClass, VisibleLearner
from api.routes import problems
from api.schemas import ChartOut
from api.services import curves

router = APIRouter(tags=["charts"])

Width = Annotated[int, Query(ge=charts.MIN_WIDTH, le=charts.MAX_WIDTH, description=(
    f"the width the chart is shown at, in CSS pixels (default {charts.DEFAULT_WIDTH}, a projector's): "
    f"a class's panels wrap to fit it, one column on a phone"))]
SVG: dict[int | str, dict[str, Any]] = {200: {"content": {"image/svg+xml": {}}}}


def _svg(content: bytes) -> Response:
    return Response(content=content, media_type="image/svg+xml")


@router.get("/v1/classes/{class_id}/ability-curves.svg", response_class=Response,
            responses={**SVG, **problems(401, 403, 404, 422)})
def class_curves_svg(school_class: TeacherClass, db: DbDep, now: NowDep,
                     width: Width = charts.DEFAULT_WIDTH, lang: InterfaceLanguage = None) -> Response:
    """The class's curves as an SVG chart: one small panel per learner (follow-ups first, then
    by level), CEFR levels in words, the B1 goal, the reported level solid and today's
    re-estimate dashed with the 90% band, an inactive learner's idle time shaded."""
    return _svg(charts.svg(charts.class_spec(curves.class_chart(db, school_class, now), width, charts.words_for(lang))))


@router.get("/v1/classes/{class_id}/ability-chart", response_model=ChartOut,
            responses=problems(401, 403, 404, 422))
def class_curves_chart(school_class: TeacherClass, db: DbDep, now: NowDep,
                       width: Width = charts.DEFAULT_WIDTH, lang: InterfaceLanguage = None) -> ChartOut:
    """The same chart as the `.svg`, with its title, description and values as a table."""
    return charts.chart_out(charts.class_spec(curves.class_chart(db, school_class, now), width, charts.words_for(lang)))


@router.get("/v1/learners/{learner_id}/ability-curve.svg", response_class=Response,
            responses={**SVG, **problems(401, 403, 404, 422)})
def learner_curve_svg(learner: VisibleLearner, user: CurrentUser, db: DbDep, now: NowDep,
                      width: Width = charts.DEFAULT_WIDTH, lang: InterfaceLanguage = None) -> Response:
    """A learner's level over time as an SVG chart (the learner themself and their teacher);
    the learner sees no estimate during a placement test."""
    chart = curves.learner_chart(db, learner, now, for_learner=user.role == "learner")
    return _svg(charts.svg(charts.learner_spec(chart, width, charts.words_for(lang))))


@router.get("/v1/learners/{learner_id}/ability-chart", response_model=ChartOut,
            responses=problems(401, 403, 404, 422))
def learner_curve_chart(learner: VisibleLearner, user: CurrentUser, db: DbDep, now: NowDep,
                        width: Width = charts.DEFAULT_WIDTH, lang: InterfaceLanguage = None) -> ChartOut:
    """The same chart as `ability-curve.svg`, with its title, description and values as a table."""
    chart = curves.learner_chart(db, learner, now, for_learner=user.role == "learner")
    return charts.chart_out(charts.learner_spec(chart, width, charts.words_for(lang)))


@router.get("/v1/learners/{learner_id}/skills-chart", response_model=ChartOut,
            responses=problems(401, 403, 404, 422))
def learner_skills_chart(learner: VisibleLearner, user: CurrentUser, db: DbDep, now: NowDep,
                         width: Width = charts.DEFAULT_WIDTH, lang: InterfaceLanguage = None) -> ChartOut:
    """A learner's level in each skill over time (a panel per skill, re-estimated from that
    skill's answers), with its title, description and values as a table; the learner sees no
    estimate during a placement test."""
    chart = curves.skills_chart(db, learner, now, for_learner=user.role == "learner")
    return charts.chart_out(charts.skills_spec(chart, width, charts.words_for(lang)))

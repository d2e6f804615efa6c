from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Path, Query, Request

from api.deps import Admin, DbDep, NowDep, SettingsDep
from api.routes import problems
from api.schemas import CalibrationCreate, CalibrationOut, CalibrationSummary
from api.services import calibrations

router = APIRouter(prefix="/v1/calibrations", tags=["calibration"])

RunId = Annotated[str, Path(max_length=36)]


@router.post("", status_code=202, response_model=CalibrationOut, responses=problems(401, 403, 422))
def start(admin: Admin, db: DbDep, settings: SettingsDep, now: NowDep, request: Request,
          background: BackgroundTasks, body: CalibrationCreate | None = None) -> CalibrationOut:
    """Queue a calibration of the item parameters on the stored answers; it runs after this reply.
    ``dry_run``: report what would change (items, learners' levels) and change nothing. No body
    at all is `{}`: every option at the server's default."""
    run = calibrations.create_run(db, admin, body if body is not None else CalibrationCreate(),
                                  settings, now)
    if settings.calibration_in_background:
        background.add_task(calibrations.run_after_reply, request.app.state.db_engine, run.id)
    return calibrations.describe(db, run)


@router.get("", response_model=list[CalibrationSummary], responses=problems(401, 403, 422))
def list_runs(admin: Admin, db: DbDep,
              limit: Annotated[int, Query(ge=1, le=500)] = calibrations.LIST_DEFAULT) -> list[CalibrationSummary]:
    """The latest runs, newest first: who asked, when, with what options, what each changed."""
    return calibrations.list_runs(db, limit)


@router.get("/{run_id}", response_model=CalibrationOut, responses=problems(401, 403, 404))
def status(run_id: RunId, admin: Admin, db: DbDep) -> CalibrationOut:
    """A run: its result, and every item and learner's level it changed (a dry run: would change)."""
    return calibrations.describe(db, calibrations.get_run(db, run_id))


@router.post("/{run_id}/rollback", response_model=CalibrationOut, responses=problems(401, 403, 404, 409))
def rollback(run_id: RunId, admin: Admin, db: DbDep, now: NowDep) -> CalibrationOut:
    """Restore every parameter the run changed, exactly; the learners' levels are then what they
    were before it. 409 for a dry run, a run that changed nothing, or one a later run built on."""
    return calibrations.rollback(db, run_id, admin, now)

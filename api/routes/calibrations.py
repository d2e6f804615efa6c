from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Path, Request

from api.deps import Admin, DbDep, NowDep, SettingsDep
from api.routes import problems
from api.schemas import CalibrationCreate, CalibrationOut
from api.services import calibrations

router = APIRouter(prefix="/v1/calibrations", tags=["calibration"])


@router.post("", status_code=202, response_model=CalibrationOut, responses=problems(401, 403, 422))
def start(body: CalibrationCreate, admin: Admin, db: DbDep, settings: SettingsDep,
          now: NowDep, request: Request, background: BackgroundTasks) -> CalibrationOut:
    """Queue a calibration of the item parameters on the stored responses; it runs after this reply."""
    run = calibrations.create_run(db, admin, body.model_dump(), now)
    if settings.calibration_in_background:
        background.add_task(calibrations.run_after_reply, request.app.state.db_engine, run.id)
    return calibrations.describe(run)


@router.get("/{run_id}", response_model=CalibrationOut, responses=problems(401, 403, 404))
def status(run_id: Annotated[str, Path(max_length=36)], admin: Admin,
           db: DbDep) -> CalibrationOut:
    return calibrations.describe(calibrations.get_run(db, run_id))

"""Calibration runs: fit item parameters on the stored responses, in the background.

A run is queued by the request and executed after the reply (never inside
it). It reads the responses in sparse long format (learner, item, score),
keeps the items already calibrated fixed as anchors so the new parameters
stay on the same scale, and writes every new parameter in one transaction:
a learner's next item sees either all old or all new parameters.
"""
from __future__ import annotations

import logging
import traceback
import uuid
from datetime import UTC, datetime
from typing import Any, NotRequired, TypedDict, cast

import anyio.to_thread
import numpy as np
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from api.errors import NotFound
from api.models import AnonymousResponse, CalibrationRun, ItemRow, ResponseRow, User, utc
from api.schemas import CalibrationCreate, CalibrationOut
from api.services import answer_log
from api.services import engine_adapter as adapter
from api.services.rows import id_of

logger = logging.getLogger("b1engine.calibration")
#: Least answers an item needs to be recalibrated, when a run's options do not say: the
#: request's own default (one home: the API's contract).
DEFAULT_MIN_RESPONSES: int = CalibrationCreate.model_fields["min_responses"].default


class CalibrationOptions(TypedDict, total=False):
    """The JSON form in ``calibrations.options`` (:class:`api.schemas.CalibrationCreate`)."""

    language: str | None
    min_responses: int


class CalibratedItem(TypedDict):
    item_id: str
    a: float
    b: float
    c: float
    se_b: float | None
    responses: int


class CalibrationResult(TypedDict):
    """The JSON form in ``calibrations.result``: what a finished run changed."""

    responses: int
    learners: NotRequired[int]
    anchors: int
    items_updated: int
    items: list[CalibratedItem]
    message: NotRequired[str]


def create_run(db: Session, admin: User, options: dict[str, Any], now: datetime) -> CalibrationRun:
    run = CalibrationRun(id=uuid.uuid4().hex, requested_by=id_of(admin), status="queued",
                         options=options, created_at=now)
    db.add(run)
    db.commit()
    db.refresh(run)
    return run


def get_run(db: Session, run_id: str) -> CalibrationRun:
    run = db.get(CalibrationRun, run_id)
    if run is None:
        raise NotFound(f"calibration '{run_id}' not found")
    return run


def describe(run: CalibrationRun) -> CalibrationOut:
    return CalibrationOut(id=run.id, status=run.status, options=run.options, result=run.result,
                          error=run.error, created_at=utc(run.created_at), started_at=utc(run.started_at),
                          finished_at=utc(run.finished_at))


def _now() -> datetime:
    # The background job has no request clock: it stamps real time.
    return datetime.now(UTC)


async def run_after_reply(db_engine: Engine, run_id: str) -> None:
    """:func:`run` on a thread of its own, not one of the request threads (a run takes
    minutes on a large log; requests must not wait for it)."""
    await anyio.to_thread.run_sync(run, db_engine, run_id, limiter=anyio.CapacityLimiter(1))


def run(db_engine: Engine, run_id: str) -> None:
    """Execute a queued run; records 'done' with results or 'failed' with the error."""
    with Session(db_engine) as db:
        job = db.get(CalibrationRun, run_id)
        if job is None or job.status != "queued":
            return
        job.status, job.started_at = "running", _now()
        db.add(job)
        db.commit()
        # The column holds CalibrationCreate.model_dump().
        options = cast(CalibrationOptions, dict(job.options))
    try:
        with Session(db_engine) as db:
            result = _calibrate(db, run_id, options)
            job = get_run(db, run_id)
            job.status, job.result, job.finished_at = "done", dict(result), _now()
            db.add(job)
            db.commit()  # parameters and status together: one transaction
    except Exception as error:  # noqa: BLE001 - a failed run must be reported, not lost
        logger.error("calibration %s failed: %s", run_id, traceback.format_exc())
        with Session(db_engine) as db:
            job = get_run(db, run_id)
            job.status, job.error, job.finished_at = "failed", f"{type(error).__name__}: {error}", _now()
            db.add(job)
            db.commit()


def calibration_responses(db: Session, language: str | None) -> list[tuple[str, str, int, int]]:
    """(learner, item, score, max_score) of every stored answer, erased learners' included.

    Learners are labelled ``u<id>``; an erased learner's anonymised answers
    (``anonymous_responses``) carry their random key instead, so they still
    count as one person's answers without pointing to anyone. One answer per
    learner and item, their first: an item met again (a retake, a review) was
    seen before, and a learner who takes many sessions must not weigh more.
    """
    statement = (select(ResponseRow.learner_id, ResponseRow.item_id, ResponseRow.score,
                        ResponseRow.max_score).join(ItemRow, col(ItemRow.id) == col(ResponseRow.item_id))
                 .order_by(col(ResponseRow.answered_at), col(ResponseRow.id)))
    anonymous = (select(AnonymousResponse.learner_key, AnonymousResponse.item_id,
                        AnonymousResponse.score, AnonymousResponse.max_score
                        ).join(ItemRow, col(ItemRow.id) == col(AnonymousResponse.item_id))
                 .order_by(col(AnonymousResponse.answered_on), col(AnonymousResponse.id)))
    if language:
        statement = statement.where(col(ItemRow.language) == language)
        anonymous = anonymous.where(col(ItemRow.language) == language)
    rows = [(f"u{learner}", item, score, top) for learner, item, score, top in db.exec(statement)]
    rows += [(f"a{key}", item, score, top) for key, item, score, top in db.exec(anonymous)]
    first: dict[tuple[str, str], tuple[str, str, int, int]] = {}
    for row in rows:
        first.setdefault((row[0], row[1]), row)
    return list(first.values())


def _calibrate(db: Session, run_id: str, options: CalibrationOptions) -> CalibrationResult:
    """Fit, then stage the new parameters on the session (the caller commits)."""
    rows = calibration_responses(db, options.get("language"))
    if not rows:
        return {"responses": 0, "items_updated": 0, "anchors": 0, "items": [],
                "message": "no responses to calibrate on"}
    learners = np.array([r[0] for r in rows])
    item_ids = np.array([r[1] for r in rows])
    scores = np.array([int(answer_log.right(r[2], r[3])) for r in rows])
    items = {row.id: row for row in db.exec(select(ItemRow).where(col(ItemRow.id).in_(set(item_ids.tolist()))))}
    counts = {item_id: int(n) for item_id, n in zip(*np.unique(item_ids, return_counts=True))}
    anchors = {i: (r.a, r.b, r.c) for i, r in items.items() if r.status == "calibrated"}
    fitted = adapter.fit_items(learners, item_ids, scores, anchors)
    updated: list[CalibratedItem] = []
    min_responses = options.get("min_responses", DEFAULT_MIN_RESPONSES)
    for item_id, params in fitted.items():
        row = items.get(item_id)
        if row is None or item_id in anchors or counts.get(item_id, 0) < min_responses:
            continue
        row.a, row.b, row.c = float(params["a"]), float(params["b"]), float(params.get("c", row.c))
        row.status, row.calibration_id = "calibrated", run_id
        db.add(row)
        updated.append({"item_id": item_id, "a": row.a, "b": row.b, "c": row.c,
                        "se_b": params.get("se_b"), "responses": counts[item_id]})
    return {"responses": len(rows), "learners": int(np.unique(learners).size),
            "anchors": len(anchors), "items_updated": len(updated), "items": updated}

"""Item-parameter versions: which calibration run's parameters are live in a language.

Every calibration run that wrote parameters is a version (``calibrations.applied_at``);
its changes, item by item with the values before, are in
``calibration_item_changes``, so a rollback restores them exactly. The live version
of a language is the latest applied run, not rolled back, that changed one of its
items; none (None) while every item has the content's own parameters. A reported
estimate records the version it was computed with (:mod:`api.services.reported`).
"""
from __future__ import annotations

from sqlmodel import Session, col, select

from api.models import CalibrationItemChange, CalibrationRun, ItemRow
from api.services import item_cache


def current(db: Session, language: str) -> str | None:
    """The id of the run whose parameters are live in ``language`` (None: the content's own).

    Cached with the items: applying and rolling back a run change items in the same
    transaction, which bumps the items' version (migration 0004)."""
    return item_cache.cached(db, ("parameter_version", language), lambda: _latest(db, language))


def _latest(db: Session, language: str) -> str | None:
    statement = (select(CalibrationRun.id)
                 .join(CalibrationItemChange, col(CalibrationItemChange.run_id) == col(CalibrationRun.id))
                 .join(ItemRow, col(ItemRow.id) == col(CalibrationItemChange.item_id))
                 .where(col(ItemRow.language) == language, col(CalibrationRun.applied_at).is_not(None),
                        col(CalibrationRun.rolled_back_at).is_(None))
                 .order_by(col(CalibrationRun.applied_at).desc(), col(CalibrationRun.id).desc())
                 .limit(1))
    return db.exec(statement).first()

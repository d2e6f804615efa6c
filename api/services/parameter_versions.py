"""Parameter versions: which calibration run's item parameters are live in a language, and
which change of a language's parameters stands last (the one a rollback may undo).

Every calibration run that wrote parameters is a version (``calibrations.applied_at``);
its changes, item by item with the values before, are in
``calibration_item_changes``, so a rollback restores them exactly. The live version
of a language is the latest applied run, not rolled back, that changed one of its
items; none (None) while every item has the content's own parameters. A reported
estimate records the version it was computed with (:mod:`api.services.reported`).

A language's learners are measured with two sets of parameters: the items' (calibration
runs) and the growth model's (growth fits, ``growth_fit_versions``). Each change of either
starts the language's growth states afresh, so a stored state is always all of a learner's
answers replayed under the parameters then live. Changes are undone as a stack, newest
first (:func:`latest_change`): undoing an older one under a newer would leave a combination
that was never live (a later run's items on a scale whose anchors are gone; a growth fit
made on items that are no longer there), and the learners' levels would not be what they were.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import sqlalchemy as sa
from sqlmodel import Session, col, select

from api.models import CalibrationItemChange, CalibrationRun, GrowthFitVersion, ItemRow, LearnerAbility, User, utc
from api.services import item_cache
from api.services.engine_adapter import GrowthParameters, GrowthState
from api.services.rows import table_of

_USERS = table_of(User)
_ABILITIES = table_of(LearnerAbility)
# Every learner's row, in id order, locked as answering and catch-up lock it (FOR NO KEY
# UPDATE; PostgreSQL): no growth state is written under the old parameters after a reset.
# SQLite: begin_write has the database's write lock already.
LOCK_LEARNERS = (sa.select(_USERS.c.id).where(_USERS.c.role == "learner").order_by(_USERS.c.id)
                 .with_for_update(key_share=True))


def current(db: Session, language: str) -> str | None:
    """The id of the run whose parameters are live in ``language`` (None: the content's own).

    Cached with the items: applying and rolling back a run change items in the same
    transaction, which bumps the items' version (migration 0004)."""
    return item_cache.cached(db, ("parameter_version", language), lambda: _latest(db, language))


def _runs_standing(language: str) -> sa.Select[str, datetime | None]:
    # SQLAlchemy's select: SQLModel's types two columns as a union of selects.
    return (sa.select(col(CalibrationRun.id), col(CalibrationRun.applied_at))
            .join(CalibrationItemChange, col(CalibrationItemChange.run_id) == col(CalibrationRun.id))
            .join(ItemRow, col(ItemRow.id) == col(CalibrationItemChange.item_id))
            .where(col(ItemRow.language) == language, col(CalibrationRun.applied_at).is_not(None),
                   col(CalibrationRun.rolled_back_at).is_(None))
            .order_by(col(CalibrationRun.applied_at).desc(), col(CalibrationRun.id).desc())
            .limit(1))


def _latest(db: Session, language: str) -> str | None:
    found = db.execute(_runs_standing(language)).first()
    return found[0] if found else None


@dataclass(frozen=True)
class StandingChange:
    """A change of a language's parameters that stands (applied, not rolled back)."""

    kind: Literal["calibration", "growth fit"]
    #: The calibration run's id, or the growth fit version's number.
    id: str
    language: str
    at: datetime

    def undo_first(self) -> str:
        """What to undo before an older change, in the words of the server's shell and the API."""
        when = f"{self.at:%Y-%m-%d %H:%M} UTC"
        if self.kind == "calibration":
            return f"roll back calibration run {self.id} (applied {when}) first"
        return (f"roll back growth fit {self.id} of {self.language} (fitted {when}) first: "
                f"b1engine growth rollback {self.id}")


def latest_change(db: Session, language: str) -> StandingChange | None:
    """The newest change of ``language``'s parameters that stands: the only one that may be undone."""
    run = db.execute(_runs_standing(language)).first()
    fit = db.exec(select(GrowthFitVersion.id, GrowthFitVersion.fitted_at)
                  .where(col(GrowthFitVersion.language) == language, col(GrowthFitVersion.rolled_back_at).is_(None))
                  .order_by(col(GrowthFitVersion.fitted_at).desc(), col(GrowthFitVersion.id).desc())
                  .limit(1)).first()
    changes = []
    if run is not None and run[1] is not None:
        changes.append(StandingChange("calibration", run[0], language, utc(run[1])))
    if fit is not None and fit[0] is not None:
        changes.append(StandingChange("growth fit", str(fit[0]), language, utc(fit[1])))
    # On a tie (the same clock tick) the growth fit counts as later: it is made on the items.
    return max(changes, key=lambda change: (change.at, change.kind == "growth fit"), default=None)


def reset_growth_states(connection: sa.Connection, language: str, params: GrowthParameters) -> None:
    """Start every learner's growth states in ``language`` afresh under ``params`` (the growth
    parameters live once the caller commits): the next read replays all their answers under the
    parameters then live (:func:`api.services.ability.catch_up`), exactly as a learner's first
    read does. The rows stay (their ``updated_at`` says which language a learner used last).
    The caller holds :data:`LOCK_LEARNERS`."""
    fresh = GrowthState.new(params)
    start = fresh.estimate()
    connection.execute(_ABILITIES.update().where(_ABILITIES.c.language == language).values(
        posterior=dict(fresh.to_dict()), theta=float(start.theta), se=float(start.se), through_response_id=0))

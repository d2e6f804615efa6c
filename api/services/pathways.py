"""A learner's drill pathway, set by the teacher of their class.

The pathway says where a drill's new items come from: the B1 track only
(``trade`` None), or a blend of one trade and the B1 track, ``trade_share``
of the new items from the trade (1.0: the trade only). A learner without a
pathway drills the track and trade they ask for when starting the drill
(the trade track then blends half and half). Due vocabulary reviews come
first either way (:mod:`api.services.reviews`).
"""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from api.errors import InvalidInput, NotFound
from api.models import ClassLearner, LearnerPathway, SchoolClass, User, utc
from api.schemas import PathwayOut
from api.services.rows import id_of

#: Share of new drill items from the trade when the learner chose the trade track themselves.
DEFAULT_TRADE_SHARE = 0.5
#: Share when a teacher sets a trade without saying how much of it: the trade only, as
#: "pathway: kitchen" reads (docs/api.md). A share of 0 with a trade is refused instead of
#: being kept as a trade that gives no item.
PATHWAY_TRADE_SHARE = 1.0


def _check_member(db: Session, school_class: SchoolClass, learner_id: int) -> None:
    membership = db.get(ClassLearner, learner_id)
    if membership is None or membership.class_id != school_class.id:
        raise NotFound(f"learner {learner_id} not found in class {school_class.id}: "
                       f"GET /v1/classes/{school_class.id}/learners lists its learners")


def pathway_share(trade: str | None, trade_share: float | None) -> float:
    """The share a pathway keeps: :data:`PATHWAY_TRADE_SHARE` for a trade given without one, 0
    without a trade; :class:`InvalidInput` (naming ``trade_share``) for a share that says the
    opposite of the trade."""
    if trade is None:
        if trade_share:
            raise InvalidInput("trade_share: the share from the trade must be 0 or left out when no trade "
                               "is chosen (trade null: every new item from the B1 track)", field="trade_share")
        return 0.0
    if trade_share is None:
        return PATHWAY_TRADE_SHARE
    if trade_share <= 0:
        raise InvalidInput(f"trade_share: the share from the trade must be above 0 with a trade ({trade}): "
                           "0.7 for 70 % of the new drill items, 1 for the trade only; for the B1 track "
                           "only, send trade null", field="trade_share")
    return float(trade_share)


def set_pathway(db: Session, school_class: SchoolClass, learner_id: int, trade: str | None,
                trade_share: float | None, teacher: User, now: datetime) -> LearnerPathway:
    """Set the pathway of a learner of ``school_class`` (404 for anyone not in it); the share as
    :func:`pathway_share` keeps it."""
    _check_member(db, school_class, learner_id)
    trade_share = pathway_share(trade, trade_share)
    teacher_id = id_of(teacher)
    row = db.get(LearnerPathway, learner_id)
    if row is None:
        row = LearnerPathway(learner_id=learner_id, set_by=teacher_id, updated_at=now)
    row.trade, row.trade_share, row.set_by, row.updated_at = trade, trade_share, teacher_id, now
    db.add(row)
    db.commit()
    db.refresh(row)
    return row


def pathway_in_class(db: Session, school_class: SchoolClass, learner_id: int) -> PathwayOut | None:
    """The pathway of a learner of ``school_class`` (None: none set; 404 for anyone not in it)."""
    _check_member(db, school_class, learner_id)
    row = get_pathway(db, learner_id)
    return describe(row) if row is not None else None


def get_pathway(db: Session, learner_id: int) -> LearnerPathway | None:
    return db.get(LearnerPathway, learner_id)


def describe(row: LearnerPathway) -> PathwayOut:
    return PathwayOut(learner_id=row.learner_id, trade=row.trade, trade_share=row.trade_share,
                      set_by=row.set_by, updated_at=utc(row.updated_at))


def drill_plan(db: Session, learner_id: int, track: str, trade: str | None
               ) -> tuple[str, str | None, float]:
    """(track, trade, trade share) of a new drill: the teacher's pathway if set, else the request's."""
    row = get_pathway(db, learner_id)
    if row is not None:
        if row.trade is None or row.trade_share <= 0:
            return "b1", None, 0.0
        return "trade", row.trade, float(row.trade_share)
    if track == "trade":
        return "trade", trade, DEFAULT_TRADE_SHARE
    return "b1", None, 0.0

"""A launch from start to end, for the route: validated, then the learner app or the teacher
dashboard opened (an instructor's launch also brings the roster up to date), or the
deep-linking picker shown."""
from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session

from api.errors import DomainError
from api.models import SchoolClass
from api.schemas import LtiRosterSyncOut
from api.services.lti import claims, deep_linking, launch, roster
from api.services.lti.platform import PlatformClient
from api.services.rows import id_of
from api.settings import Settings

logger = logging.getLogger("b1engine.lti")


def complete(db: Session, platforms: PlatformClient, id_token: str | None, state: str | None,
             cookie: str | None, settings: Settings, now: datetime) -> launch.Opened | deep_linking.Picker:
    """The launch's outcome (:class:`launch.LaunchRefused`, nothing created, when it is not valid)."""
    valid = launch.validate(db, platforms, id_token, state, cookie, now)
    if valid.message_type == claims.DEEP_LINKING_REQUEST:
        teacher, _ = launch.class_of_teacher_launch(db, valid, settings, now)
        return deep_linking.picker(valid, id_of(teacher), settings, now)
    opened = launch.open_launch(db, valid, settings, now)
    if opened.role == "teacher" and valid.memberships_url:
        school_class = db.get(SchoolClass, opened.class_id)
        try:
            if school_class is not None:
                roster.sync(db, platforms, school_class, now)
        except DomainError as error:
            # The dashboard opens all the same; the teacher can sync again from there.
            db.rollback()
            logger.warning("roster of class %s not synced at launch: %s", opened.class_id, error.detail)
    return opened


def sync_roster(db: Session, platforms: PlatformClient, school_class: SchoolClass, now: datetime) -> LtiRosterSyncOut:
    """A teacher's "sync roster": the class's learners from its LTI course."""
    return roster.sync(db, platforms, school_class, now)

"""Names and Role Provisioning Services (NRPS 2.0): the course's learners in the class before
they launch.

:func:`sync` reads the course's memberships (the URL an instructor's launch gave, with an
access token for the ``contextmembership.readonly`` scope; pages followed by their
``Link: rel="next"`` header, §2.4.2) and gives each active learner an account without a
password (the one their first launch opens) in the class. Only the name is kept, never the
e-mail. Members the platform no longer lists, or lists as inactive, are left as they are:
removing a learner is the teacher's act here (it disables the account).
"""
from __future__ import annotations

import logging
from datetime import datetime

import httpx
from sqlmodel import Session, col, select

from api.errors import InvalidInput, Unavailable
from api.models import ClassLearner, LtiContext, SchoolClass
from api.schemas import LtiRosterSyncOut
from api.services.lti import claims, keys
from api.services.lti.launch import platform_user
from api.services.lti.platform import PlatformClient, PlatformError
from api.services.lti.registrations import by_id
from api.services.rows import id_of

logger = logging.getLogger("b1engine.lti")
#: Pages of memberships read at most (a course of thousands, at the platforms' page sizes).
MAX_PAGES = 50


def _members(platforms: PlatformClient, url: str, token: str) -> list[dict]:
    members: list[dict] = []
    next_url: str | None = url
    for _ in range(MAX_PAGES):
        if next_url is None:
            break
        response = platforms.request("GET", next_url, headers={"Authorization": f"Bearer {token}",
                                                               "Accept": claims.MEDIA_MEMBERSHIPS})
        try:
            data = response.json()
        except ValueError:
            raise PlatformError(f"GET {next_url}: the reply is not JSON") from None
        found = data.get("members") if isinstance(data, dict) else None
        members.extend(m for m in found or [] if isinstance(m, dict))
        next_link = httpx.Response(200, headers=response.headers).links.get("next")
        next_url = next_link.get("url") if next_link else None
    return members


def sync(db: Session, platforms: PlatformClient, school_class: SchoolClass, now: datetime) -> LtiRosterSyncOut:
    """Bring the class's roster in line with its LTI course's learners (see the module's text). Commits."""
    contexts = list(db.exec(select(LtiContext).where(col(LtiContext.class_id) == school_class.id,
                                                     col(LtiContext.memberships_url).is_not(None))))
    if not contexts:
        raise InvalidInput("this class has no course in a learning platform that shares its roster "
                           "(NRPS): its learners appear as they open the activity")
    created = enrolled = present = skipped = 0
    for context in contexts:
        registration = by_id(db, context.registration_id)
        if registration is None or context.memberships_url is None:
            continue
        try:
            token = platforms.token(registration, (claims.SCOPE_MEMBERSHIPS,), keys.current(db, now), now)
            members = _members(platforms, context.memberships_url, token)
        except PlatformError as error:
            logger.warning("roster of class %s not read: %s", school_class.id, error)
            raise Unavailable(f"the learning platform did not give the roster ({error}): try again later") from None
        for member in members:
            roles = [r for r in member.get("roles", []) if isinstance(r, str)]
            subject = member.get("user_id")
            if (member.get("status", "Active") != "Active" or not isinstance(subject, str) or not subject
                    or claims.is_teaching(roles) or not claims.is_learning(roles)):
                skipped += 1
                continue
            name = member.get("name") if isinstance(member.get("name"), str) else None
            user, new = platform_user(db, registration.issuer, subject, name, "learner", school_class.language,
                                      now)
            created += new
            membership = db.get(ClassLearner, id_of(user))
            if user.role != "learner" or (membership is not None and membership.class_id != school_class.id):
                skipped += 1
            elif membership is None:
                db.add(ClassLearner(learner_id=id_of(user), class_id=id_of(school_class)))
                enrolled += 1
            else:
                present += 1
        db.flush()
    db.commit()
    return LtiRosterSyncOut(created=created, enrolled=enrolled, present=present, skipped=skipped)


"""FastAPI dependencies: database session, clock, current user, role checks, load-or-404."""
from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timezone
from typing import Annotated

from fastapi import Depends, Path, Query, Request
from fastapi.security import OAuth2PasswordBearer
from sqlmodel import Session

from api.errors import Forbidden, NotFound, Unauthorized
from api.models import LearningSession, SchoolClass, User, utc
from api.security import REVOKED, TokenClaims, decode_token
from api.services.lti.platform import PlatformClient
from api.settings import Settings

#: Largest id accepted in a path (the databases' integer columns are 32-bit on PostgreSQL).
MAX_ID = 2**31 - 1
#: An integer id in a path: 1 to MAX_ID, else 422 (not a database error).
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
#: The interface language of a reply's words (charts, alerts): English for anything not offered.
InterfaceLanguage = Annotated[str | None, Query(max_length=8, description=(
    "the interface language of the reply's words (a code of `GET /v1/support-languages`, or `en`; "
    "default English)"))]

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/v1/auth/token", auto_error=False)


# Dependencies that do no I/O are ``async def``: FastAPI runs a plain ``def`` dependency
# in the thread pool, a hop per dependency per request for nothing.


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The request's database session. Creating one does no I/O; closing it returns its
    connection to the pool (a rollback only if a route left a transaction open)."""
    db = Session(request.app.state.db_engine)
    try:
        yield db
    finally:
        db.close()


async def get_now() -> datetime:
    """The request's clock (overridden in tests)."""
    return datetime.now(timezone.utc)


async def client_address(request: Request) -> str:
    """The client's address: the peer, or what a trusted proxy said (uvicorn's proxy headers,
    ``B1ENGINE_TRUSTED_PROXIES``)."""
    return request.client.host if request.client else "unknown"


async def get_lti_platforms(request: Request) -> PlatformClient:
    """The process's HTTP client to the LTI platforms (made by the app's lifespan)."""
    return request.app.state.lti_platforms


SettingsDep = Annotated[Settings, Depends(get_settings)]
LtiPlatforms = Annotated[PlatformClient, Depends(get_lti_platforms)]
ClientAddress = Annotated[str, Depends(client_address)]
DbDep = Annotated[Session, Depends(get_session)]
NowDep = Annotated[datetime, Depends(get_now)]


#: Requests without a token.
NO_TOKEN = ("log in first: send the token from POST /v1/auth/token as "
            "'Authorization: Bearer <token>'")
#: A learner the caller may not see, or that does not exist (the same words: ids reveal nothing).
LEARNER_NOT_FOUND = ("learner {learner_id} not found: check the id in your class's list of learners "
                     "(GET /v1/classes/{{class_id}}/learners)")

#: Any call but the password change and ``me`` while the password is a one-time one.
CHANGE_PASSWORD_FIRST = ("change your password first (POST /v1/auth/password): it was set by "
                         "someone else, and only you should know it")


def get_account(db: DbDep, settings: SettingsDep, now: NowDep,
                token: Annotated[str | None, Depends(oauth2_scheme)]) -> User:
    """The token's account, whether or not its password must be changed first: valid,
    unexpired, issued under the account's current token version, not disabled."""
    if not token:
        raise Unauthorized(NO_TOKEN)
    claims = decode_token(token, settings.signing_secret(), settings.jwt_algorithm, now)
    user = db.get(User, claims.user_id)
    if user is None or utc(user.created_at) >= claims.created_before:
        raise Unauthorized("this token's account no longer exists: log in again (POST /v1/auth/token)")
    if user.disabled_at is not None:
        from api.services.users import DISABLED

        raise Unauthorized(DISABLED, code="account_disabled")
    if user.token_version != claims.version:
        raise Unauthorized(REVOKED)
    return user


Account = Annotated[User, Depends(get_account)]


async def get_current_user(user: Account) -> User:
    """The token's account, once its own password is set: a one-time password (a reset) opens
    nothing but the password change (403 saying so)."""
    if user.must_change_password:
        raise Forbidden(CHANGE_PASSWORD_FIRST)
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


def _check_role(role: str, roles: tuple[str, ...]) -> None:
    if role not in roles:
        raise Forbidden(f"this needs the role {' or '.join(roles)}, and your account is a {role}: "
                        "ask the school's administrator if you need it")


def require_role(*roles: str):
    async def check(user: CurrentUser) -> User:
        _check_role(user.role, roles)
        return user

    return check


async def learner_token(settings: SettingsDep, now: NowDep,
                        token: Annotated[str | None, Depends(oauth2_scheme)]) -> TokenClaims:
    """A valid learner token's claims, from the token alone: no database read, no thread hop.

    Only for routes that then lock one of the learner's sessions (``next`` and
    ``responses``, most of the traffic): the lock reads the session row and checks
    it is the token holder's (the session's learner, created before the token was
    issued, under the token's version), in the route's own transaction. An erased
    learner has no sessions left, so their token finds nothing there (404). The role
    and the one-time password flag are the ones signed into the token: a new role or
    a new password raises the account's token version, which revokes the token.
    """
    if not token:
        raise Unauthorized(NO_TOKEN)
    claims = decode_token(token, settings.signing_secret(), settings.jwt_algorithm, now)
    if claims.password_change_required:
        raise Forbidden(CHANGE_PASSWORD_FIRST)
    _check_role(claims.role, ("learner",))
    return claims


Learner = Annotated[User, Depends(require_role("learner"))]
Teacher = Annotated[User, Depends(require_role("teacher", "admin"))]
Author = Annotated[User, Depends(require_role("author", "admin"))]
Admin = Annotated[User, Depends(require_role("admin"))]


def load_teacher_class(db: DbDep, teacher: Teacher,
                       class_id: IdPath) -> SchoolClass:
    from api.services.classes import class_for_teacher

    return class_for_teacher(db, teacher, class_id)


def load_learner_session(db: DbDep, learner: Learner,
                         session_id: Annotated[str, Path(max_length=36)]) -> LearningSession:
    from api.services.sessions import session_for_learner

    return session_for_learner(db, learner, session_id)


def load_visible_learner(db: DbDep, user: CurrentUser,
                         learner_id: IdPath) -> User:
    """A learner account the caller may read: their own, or one in a class they teach (admins:
    any). Authors get 403; any other id is a 404, so ids reveal nothing."""
    from api.services.classes import teacher_can_see
    from api.services.privacy import learner

    if user.role == "author":
        raise Forbidden("authors cannot read learners' data: a teacher of the learner's class can")
    allowed = (user.id == learner_id if user.role == "learner"
               else teacher_can_see(db, user, learner_id))
    if not allowed:
        raise NotFound(LEARNER_NOT_FOUND.format(learner_id=learner_id))
    return learner(db, learner_id)


def load_taught_learner(db: DbDep, teacher: Teacher, learner_id: IdPath) -> User:
    """A learner in a class the caller teaches (admins: any learner); any other id is a 404."""
    from api.services.classes import teacher_can_see
    from api.services.privacy import learner

    if not teacher_can_see(db, teacher, learner_id):
        raise NotFound(LEARNER_NOT_FOUND.format(learner_id=learner_id))
    return learner(db, learner_id)


def load_any_user(db: DbDep, admin: Admin, user_id: IdPath) -> User:
    """Any account, for an admin (404 when there is none)."""
    from api.services.users import get_user

    return get_user(db, user_id)


class SessionRef:
    """A learner token's claims and the id of a session it names, not read yet: routes that
    lock the session row read it once, under the lock, and check ownership there (404)."""

    __slots__ = ("claims", "session_id")

    def __init__(self, claims: TokenClaims, session_id: str) -> None:
        self.claims, self.session_id = claims, session_id


async def learner_session_ref(claims: Annotated[TokenClaims, Depends(learner_token)],
                              session_id: Annotated[str, Path(max_length=36)]) -> SessionRef:
    return SessionRef(claims, session_id)


TeacherClass = Annotated[SchoolClass, Depends(load_teacher_class)]
VisibleLearner = Annotated[User, Depends(load_visible_learner)]
TaughtLearner = Annotated[User, Depends(load_taught_learner)]
AnyUser = Annotated[User, Depends(load_any_user)]
OwnSession = Annotated[LearningSession, Depends(load_learner_session)]
OwnSessionRef = Annotated[SessionRef, Depends(learner_session_ref)]

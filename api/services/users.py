"""Accounts: creation, login, lookup, and what an admin or the owner changes on them.

Every path that sets a password checks it against :mod:`api.services.passwords`.
Whatever revokes an account's tokens (a new password, a new role, disabling it)
raises its ``token_version``: tokens carry the version they were issued under and
an earlier one is refused (:mod:`api.deps`), with no list of revoked tokens to keep.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, func, or_, select

from api.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from api.models import ROLES, ClassLearner, LoginThrottle, SchoolClass, User, utc
from api.schemas import OneTimePasswordOut, Token, UserCreated, UserOut
from api.security import create_token, dummy_hash, hash_password, verify_password
from api.services import passwords, rate_limits
from api.services.rows import id_of
from api.services.usernames import check_display_name, check_login, login_key
from api.settings import Settings
from content import support as content_support
from content.catalog import LANGUAGES

#: Roles that may teach a class (``deps.Teacher``).
TEACHING_ROLES = ("teacher", "admin")
#: What a disabled account's owner is told once their password is proven right.
WRONG_LOGIN = ("wrong username or password: check both and try again; if you forgot your "
               "password, your teacher can give you a new one")
DISABLED = "this account is disabled: ask your teacher or the school's administrator"


def check_role_and_language(role: str, language: str | None) -> None:
    if role not in ROLES:
        raise InvalidInput(f"role: one of {', '.join(ROLES)}", field="role")
    if language is not None and language not in LANGUAGES:
        raise InvalidInput(f"language: one of {', '.join(LANGUAGES)}", field="language")


def check_support_language(code: str | None) -> None:
    """A learner's support language is one learners may choose (``content.support``), or None;
    anything else is a 422 that lists the choices."""
    choices = content_support.learner_languages()
    if code is not None and code not in choices:
        raise InvalidInput(f"support_language: '{code}' is not a support language; choose one of "
                           f"{', '.join(choices)}, or null for none", field="support_language",
                           code="support_language_unknown", language=code, choices=list(choices))


def by_login(db: Session, login: str) -> User | None:
    """The account this login opens, typed in any case (:func:`api.services.usernames.login_key`)."""
    return db.exec(select(User).where(col(User.login_key) == login_key(login))).first()


def create_user(db: Session, username: str, password: str, role: str, now: datetime,
                language: str | None = None, display_name: str | None = None,
                must_change_password: bool = False) -> User:
    """Create an account (flushed, not committed); :class:`Conflict` if the login is taken.

    For admins and the command line, who may know every login; a teacher's learners get
    theirs through :func:`api.services.classes.create_learner`, which never says "taken".
    """
    login = check_login(username)
    name = check_display_name(display_name) if display_name is not None else login
    check_role_and_language(role, language)
    passwords.check(password, names=(login, name))
    user = User(username=login, login_key=login_key(login), display_name=name,
                password_hash=hash_password(password), role=role, language=language, created_at=now,
                must_change_password=must_change_password)
    db.add(user)
    try:
        db.flush()
    except IntegrityError:
        db.rollback()
        raise Conflict(f"username '{login}' is already taken", field="username", code="username_taken",
                       username=login) from None
    return user


def create_account(db: Session, username: str, display_name: str | None, role: str,
                   language: str | None, password: str | None, now: datetime) -> UserCreated:
    """An admin's new account; commits. Without a password, a one-time one is made and
    returned (only now): the owner chooses their own at their first login."""
    one_time = passwords.one_time() if password is None else None
    user = create_user(db, username, password if password is not None else str(one_time), role, now,
                       language=language, display_name=display_name,
                       must_change_password=one_time is not None)
    db.commit()
    db.refresh(user)
    return UserCreated(**describe(user).model_dump(), one_time_password=one_time)


def authenticate(db: Session, username: str, password: str) -> User:
    """The account for a login and its password; 401 alike for an unknown login and a wrong
    password (the same Argon2 work either way), 403 for a disabled account (said only to
    whoever proved its password)."""
    user = by_login(db, username)
    if user is None:
        verify_password(password, dummy_hash())
        raise Unauthorized(WRONG_LOGIN, code="login_failed")
    if not password_matches(user, password):
        raise Unauthorized(WRONG_LOGIN, code="login_failed")
    if user.disabled_at is not None:
        raise Forbidden(DISABLED, code="account_disabled")
    return user


def password_matches(user: User, password: str) -> bool:
    return verify_password(password, user.password_hash)


def set_password(db: Session, user: User, password: str, *, one_time: bool,
                 field: str = "password") -> None:
    """A new password (checked against the policy); every earlier token is revoked. The
    caller commits. ``field``: the request's name for the password, which the policy's
    message names."""
    passwords.check(password, names=(user.username, user.display_name), field=field)
    user.password_hash = hash_password(password)
    user.must_change_password = one_time
    user.token_version += 1
    db.add(user)


def change_password(db: Session, user: User, new_password: str) -> User:
    """The owner's new password (the caller proved the current one); commits."""
    if password_matches(user, new_password):
        raise InvalidInput("new_password: choose a password other than the current one",
                           field="new_password", code="password_rejected")
    set_password(db, user, new_password, one_time=False, field="new_password")
    db.commit()
    db.refresh(user)
    return user


def reset_password(db: Session, user: User, settings: Settings) -> OneTimePasswordOut:
    """A one-time password for ``user`` (a teacher's learner, or any account for an admin);
    commits. Their tokens are revoked, the login back-off on them is lifted, and their next
    login must choose a new password before anything else."""
    one_time = passwords.one_time()
    set_password(db, user, one_time, one_time=True)
    _lift(db, user, settings)
    db.commit()
    return OneTimePasswordOut(user_id=id_of(user), username=user.username, one_time_password=one_time)


def account_key(login: str, settings: Settings) -> str:
    """The HMAC that names every login back-off of one login (``login_throttles.account_key``)."""
    return rate_limits.key(settings.signing_secret(), "login-throttle:account", login_key(login))


def _lift(db: Session, user: User, settings: Settings) -> None:
    db.exec(delete(LoginThrottle).where(
        col(LoginThrottle.account_key) == account_key(user.username, settings)))


def lift_login_lock(db: Session, user: User, settings: Settings) -> None:
    """Lift the login back-offs on ``user``'s login from every address (not the addresses'
    own, which other logins share); commits."""
    _lift(db, user, settings)
    db.commit()


def token_for(user: User, settings: Settings, now: datetime) -> Token:
    """An access token for ``user``, under their current token version."""
    expires = timedelta(minutes=settings.token_expiry_minutes)
    token = create_token(id_of(user), user.role, settings.signing_secret(), settings.jwt_algorithm,
                         expires, now, version=user.token_version,
                         password_change_required=user.must_change_password)
    return Token(access_token=token, expires_in=int(expires.total_seconds()),
                 password_change_required=user.must_change_password)


def describe(user: User) -> UserOut:
    """An account as the API shows it (never the password hash)."""
    return UserOut(id=id_of(user), username=user.username, display_name=user.display_name,
                   role=user.role, language=user.language, disabled=user.disabled_at is not None,
                   password_change_required=user.must_change_password,
                   created_at=utc(user.created_at), support_language=user.support_language)


def get_user(db: Session, user_id: int) -> User:
    user = db.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} not found: GET /v1/users lists the accounts")
    return user


def list_users(db: Session, role: str | None, offset: int, limit: int,
               search: str | None = None) -> list[UserOut]:
    """Accounts in id order (an admin's list), optionally of one role, optionally only those
    whose login or display name contains ``search``.

    The login is matched as logins are (:func:`login_key`: any case, width or digits), so
    "KARI" finds "kari"; the display name in any case of the ASCII letters (the database's
    own ``lower``). ``%`` and ``_`` are searched for as themselves."""
    statement = select(User).order_by(col(User.id)).offset(offset).limit(limit)
    if role is not None:
        statement = statement.where(col(User.role) == role)
    text = (search or "").strip()
    if text:
        statement = statement.where(or_(col(User.login_key).contains(login_key(text), autoescape=True),
                                        col(User.display_name).icontains(text, autoescape=True)))
    return [describe(user) for user in db.exec(statement)]


def _active_admins(db: Session) -> int:
    return db.exec(select(func.count()).select_from(User).where(
        col(User.role) == "admin", col(User.disabled_at).is_(None))).one()


def _leaving_checks(db: Session, user: User, role: str, disabling: bool) -> None:
    """What a new role or disabling would leave broken: 409 saying what to do first."""
    if user.role == "admin" and user.disabled_at is None and (role != "admin" or disabling) \
            and _active_admins(db) <= 1:
        raise Conflict(f"'{user.username}' is the only admin left: make another account admin first",
                       code="last_admin", username=user.username)
    if user.role in TEACHING_ROLES and role not in TEACHING_ROLES:
        classes = db.exec(select(func.count()).select_from(SchoolClass)
                          .where(col(SchoolClass.teacher_id) == user.id)).one()
        if classes:
            raise Conflict(f"'{user.username}' teaches {classes} class(es): hand them to another "
                           "teacher first (PUT /v1/classes/{class_id}/teacher)", code="teaches_classes",
                           username=user.username, classes=classes)
    if user.role == "learner" and role != "learner" and db.get(ClassLearner, user.id) is not None:
        raise Conflict(f"'{user.username}' is a learner in a class: remove them from it first",
                       code="learner_in_class", username=user.username)


def update_user(db: Session, user: User, now: datetime, *, role: str | None = None,
                disabled: bool | None = None, display_name: str | None = None,
                language: str | None = None) -> UserOut:
    """An admin's changes to an account (those given); commits. A new role or disabling
    revokes the account's tokens."""
    new_role = user.role if role is None else role
    check_role_and_language(new_role, language)
    _leaving_checks(db, user, new_role, disabling=bool(disabled))
    revoke = new_role != user.role
    user.role = new_role
    if disabled is not None and disabled != (user.disabled_at is not None):
        user.disabled_at = now if disabled else None
        revoke = revoke or disabled
    if display_name is not None:
        user.display_name = check_display_name(display_name)
    if language is not None:
        user.language = language
    if revoke:
        user.token_version += 1
    db.add(user)
    db.commit()
    db.refresh(user)
    return describe(user)

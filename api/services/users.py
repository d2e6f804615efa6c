"""Accounts: creation, login, lookup."""
from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from api.errors import Conflict, InvalidInput, NotFound, Unauthorized
from api.models import ROLES, User
from api.schemas import UserOut
from api.security import dummy_hash, hash_password, verify_password
from api.services.rows import id_of
from content.catalog import LANGUAGES

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9._@-]{3,64}$")
MIN_PASSWORD_LENGTH = 8


def check_new_user(username: str, password: str, role: str, language: str | None) -> None:
    if not USERNAME_PATTERN.match(username):
        raise InvalidInput("username: 3 to 64 characters among letters, digits and . _ @ -",
                           field="username")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"password: at least {MIN_PASSWORD_LENGTH} characters", field="password")
    if role not in ROLES:
        raise InvalidInput(f"role: one of {', '.join(ROLES)}", field="role")
    if language is not None and language not in LANGUAGES:
        raise InvalidInput(f"language: one of {', '.join(LANGUAGES)}", field="language")


def create_user(db: Session, username: str, password: str, role: str, now: datetime,
                language: str | None = None) -> User:
    """Create an account (commits); :class:`Conflict` if the username is taken."""
    check_new_user(username, password, role, language)
    user = User(username=username, password_hash=hash_password(password), role=role,
                language=language, created_at=now)
    db.add(user)
    try:
        db.flush()
    except IntegrityError:
        db.rollback()
        raise Conflict(f"username '{username}' is already taken") from None
    return user


def authenticate(db: Session, username: str, password: str) -> User:
    user = db.exec(select(User).where(col(User.username) == username)).first()
    if user is None:
        verify_password(password, dummy_hash())
        raise Unauthorized("wrong username or password")
    if not verify_password(password, user.password_hash):
        raise Unauthorized("wrong username or password")
    return user


def describe(user: User) -> UserOut:
    """An account as the API shows it (never the password hash)."""
    return UserOut(id=id_of(user), username=user.username, role=user.role, language=user.language)


def get_user(db: Session, user_id: int) -> User:
    user = db.get(User, user_id)
    if user is None:
        raise NotFound("no such user")
    return user

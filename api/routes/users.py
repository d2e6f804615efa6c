from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import Admin, AnyUser, DbDep, NowDep, SettingsDep
from api.routes import problems
from api.schemas import OneTimePasswordOut, Role, UserCreate, UserCreated, UserOut, UserUpdate
from api.services import users
from api.services.usernames import MAX_DISPLAY_NAME_LENGTH

router = APIRouter(prefix="/v1/users", tags=["users"])


@router.get("", response_model=list[UserOut], responses=problems(401, 403, 422))
def list_users(admin: Admin, db: DbDep, role: Annotated[Role | None, Query()] = None,
               offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
               limit: Annotated[int, Query(ge=1, le=500)] = 100,
               search: Annotated[str | None, Query(max_length=MAX_DISPLAY_NAME_LENGTH)] = None) -> list[UserOut]:
    """Every account (admins), in id order, optionally of one role; `offset` and `limit` page;
    `search`: only accounts whose login (matched as logins are, in any case) or display name
    contains it."""
    return users.list_users(db, role, offset, limit, search)


@router.post("", status_code=201, response_model=UserCreated, responses=problems(401, 403, 409, 422))
def create_user(body: UserCreate, admin: Admin, db: DbDep, now: NowDep) -> UserCreated:
    """A new account of any role with exactly this username (409 when taken). Without a
    password, a one-time one is returned (only now), to be changed at the first login."""
    return users.create_account(db, body.username, body.display_name, body.role, body.language,
                                body.password, now)


@router.get("/{user_id}", response_model=UserOut, responses=problems(401, 403, 404, 422))
def get_user(user: AnyUser) -> UserOut:
    return users.describe(user)


@router.patch("/{user_id}", response_model=UserOut, responses=problems(401, 403, 404, 409, 422))
def update_user(body: UserUpdate, user: AnyUser, db: DbDep, now: NowDep) -> UserOut:
    """Change an account's role, display name or language, or disable (`"disabled": true`)
    or enable it. A new role or disabling revokes its tokens. 409 when the change would
    leave no admin, classes without a teacher, or a class with a learner who is not one."""
    return users.update_user(db, user, now, role=body.role, disabled=body.disabled,
                             display_name=body.display_name, language=body.language)


@router.post("/{user_id}/password-reset", response_model=OneTimePasswordOut,
             responses=problems(401, 403, 404, 422))
def reset_password(user: AnyUser, db: DbDep, settings: SettingsDep) -> OneTimePasswordOut:
    """A one-time password for any account (returned only now); its tokens stop working and
    its login back-off is lifted. The owner must choose a new password at their next login."""
    return users.reset_password(db, user, settings)


@router.delete("/{user_id}/login-lock", status_code=204, responses=problems(401, 403, 404, 422))
def lift_login_lock(user: AnyUser, db: DbDep, settings: SettingsDep) -> None:
    """Lift the waits that failed logins put on this account's username, from every address."""
    users.lift_login_lock(db, user, settings)

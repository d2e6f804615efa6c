from typing import Annotated

from fastapi import APIRouter, Cookie, Depends, Request, Response
from fastapi.security import OAuth2PasswordRequestForm

from api.deps import Account, ClientAddress, DbDep, NowDep, SettingsDep
from api.routes import problems
from api.schemas import PasswordChange, Token, UserOut
from api.services import login_limits, users

router = APIRouter(prefix="/v1/auth", tags=["auth"])


@router.post("/token", response_model=Token, responses=problems(401, 403, 422, 429))
def login(form: Annotated[OAuth2PasswordRequestForm, Depends()], client_ip: ClientAddress,
          db: DbDep, settings: SettingsDep, now: NowDep, request: Request, response: Response,
          device: Annotated[str | None, Cookie(alias=login_limits.DEVICE_COOKIE)] = None) -> Token:
    """OAuth2 password flow: form fields `username` and `password` (the username in any case).

    Failed attempts slow further ones for that username from that address, and for that
    address (429 with `Retry-After`); a teacher can lift a learner's. A disabled account
    gets 403. `password_change_required`: the password was a one-time one, to be changed
    (`POST /v1/auth/password`) before anything else.

    A success also sets a device cookie (HttpOnly, sent only to `/v1/auth`, naming no one):
    a later login from this device for the same username is counted on its own, so an
    attack on the username from elsewhere never holds its owner off.
    """
    result = login_limits.login(db, form.username, form.password, client_ip, device, settings, now)
    response.set_cookie(login_limits.DEVICE_COOKIE, result.device_cookie,
                        max_age=login_limits.DEVICE_COOKIE_SECONDS, path=router.prefix, httponly=True,
                        samesite="strict", secure=request.url.scheme == "https")
    return result.token


@router.get("/me", response_model=UserOut, responses=problems(401))
def me(user: Account) -> UserOut:
    """The account the token belongs to (also while its password must be changed)."""
    return users.describe(user)


@router.post("/password", response_model=Token, responses=problems(401, 422, 429))
def change_password(body: PasswordChange, user: Account, client_ip: ClientAddress, db: DbDep,
                    settings: SettingsDep, now: NowDep) -> Token:
    """Change your own password (the current one proves it is you). Every token issued
    before stops working; the reply is a new token. A wrong current password counts as a
    failed login."""
    return login_limits.change_password(db, user, body.current_password, body.new_password,
                                        client_ip, settings, now)

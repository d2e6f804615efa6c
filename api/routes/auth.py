from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm

from api.deps import CurrentUser, DbDep, NowDep, SettingsDep
from api.routes import problems
from api.schemas import Token, UserOut
from api.security import create_token
from api.services import users
from api.services.login_limits import authenticate
from api.services.rows import id_of

router = APIRouter(prefix="/v1/auth", tags=["auth"])


@router.post("/token", response_model=Token, responses=problems(401, 422, 429))
def login(form: Annotated[OAuth2PasswordRequestForm, Depends()], request: Request,
          db: DbDep, settings: SettingsDep, now: NowDep) -> Token:
    """OAuth2 password flow: form fields `username` and `password`.

    Failed attempts are limited per username and per client address (429 with `Retry-After`).
    """
    client_ip = request.client.host if request.client else "unknown"
    user = authenticate(db, form.username, form.password, client_ip, settings, now)
    expires = timedelta(minutes=settings.token_expiry_minutes)
    token = create_token(id_of(user), user.role, settings.signing_secret(), settings.jwt_algorithm,
                         expires, now)
    return Token(access_token=token, expires_in=int(expires.total_seconds()))


@router.get("/me", response_model=UserOut, responses=problems(401))
def me(user: CurrentUser) -> UserOut:
    """The account the token belongs to."""
    return users.describe(user)

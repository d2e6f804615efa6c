"""The first admin of a new installation: the page the setup link opens, and the form it posts."""
from html import escape
from typing import Annotated

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse

from api.deps import DbDep, NowDep, SettingsDep
from api.routes import problems
from api.schemas import UserOut
from api.services import passwords, setup, users

router = APIRouter(tags=["setup"])

#: The page of the setup link: a plain form (no script, no style: the API's
#: Content-Security-Policy allows neither), posting to the route below.
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>B1 Engine: first admin account</title></head>
<body>
<h1>B1 Engine: create the first admin account</h1>
<p>This link works once: when the account exists, log in with it (<a href="/docs">API reference</a>).
The reply to this form is the new account, in JSON.</p>
<form method="post" action="/v1/setup/admin">
<input type="hidden" name="token" value="{token}">
<p><label>Username<br><input name="username" required minlength="3" maxlength="64"
 autocomplete="username"></label></p>
<p><label>Password (at least {min_length} characters)<br><input name="password" type="password" required
 minlength="{min_length}" autocomplete="new-password"></label></p>
<p><button type="submit">Create the admin account</button></p>
</form>
</body></html>
"""


@router.get("/setup", response_class=HTMLResponse, include_in_schema=False)
async def setup_page(token: Annotated[str, Query(max_length=2000)] = "") -> HTMLResponse:
    """The form the setup link opens (the token is checked when the form is sent)."""
    return HTMLResponse(PAGE.format(token=escape(token, quote=True), min_length=passwords.MIN_LENGTH))


@router.post("/v1/setup/admin", status_code=201, response_model=UserOut,
             responses=problems(401, 409, 422))
def create_first_admin(token: Annotated[str, Form(max_length=2000)],
                       username: Annotated[str, Form(max_length=256)],
                       password: Annotated[str, Form(max_length=256)],
                       db: DbDep, settings: SettingsDep, now: NowDep) -> UserOut:
    """Create the first admin account with the one-time token `b1engine serve` printed (form
    fields `token`, `username`, `password`). 409 once an admin exists."""
    admin = setup.create_first_admin(db, token, username, password, settings, now)
    return users.describe(admin)

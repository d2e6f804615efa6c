"""LTI 1.3 (docs/lti.md): the tool's public keys, OIDC login, launch, deep linking, roster sync.

The browser pages here open inside the learning platform's frame: their CSP names the
registered platforms in ``frame-ancestors`` (``api.middleware.LTI_PATHS``). A refusal is a
problem detail (403 for a launch the tool does not accept, 422 for a malformed one), shown
as a readable page to a browser that asks for HTML.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import ClientAddress, DbDep, LtiPlatforms, NowDep, SettingsDep, TeacherClass
from api.errors import DomainError
from api.routes import problems
from api.routes.pages import templates
from api.schemas import Jwks, LtiRosterSyncOut
from api.services.lti import deep_linking, flow, keys, launch, registrations

router = APIRouter(tags=["lti"])
#: Longest value taken from a platform's login or launch parameter (an id_token is a few kB).
MAX_PARAMETER = 8192
MAX_TOKEN = 64 * 1024


def frame_origins(db: DbDep) -> list[str]:
    """Who may frame the LTI pages: the registered platforms."""
    return registrations.platform_origins(db)


FrameOrigins = Annotated[list[str], Depends(frame_origins)]


def _page(request: Request, template: str, kind: str, data: dict[str, Any], origins: list[str],
          status: int = 200, form_action: str = "'self'", **context: Any) -> HTMLResponse:
    ancestors = " ".join(origins) or "'none'"
    csp = (f"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
           f"form-action {form_action}; base-uri 'none'; frame-ancestors {ancestors}")
    response = templates.TemplateResponse(request, f"lti/{template}.html",
                                          {"kind": kind, "data": data, **context}, status_code=status)
    response.headers["Content-Security-Policy"] = csp
    return response


def _refused(request: Request, error: DomainError, origins: list[str]) -> HTMLResponse:
    """A refusal as a page, for a browser (the platform's frame shows it)."""
    if "text/html" not in request.headers.get("accept", ""):
        raise error
    return _page(request, "error", "error", {}, origins, status=error.status, detail=error.detail,
                 code=error.status)


@router.get("/lti/jwks", response_model=Jwks)
def jwks(db: DbDep, settings: SettingsDep, now: NowDep) -> Jwks:
    """The tool's public keys (the platform's "public keyset URL"): the signing key and those
    rotated out within the grace period."""
    return Jwks(keys=keys.published(db, now, timedelta(days=settings.lti_key_grace_days)))


def _login(request: Request, db: DbDep, settings: SettingsDep, now: NowDep, origins: list[str],
           given: launch.LoginRequest, address: str) -> Response:
    try:
        redirect = launch.start_login(db, given, str(request.url_for("lti_launch")), address, settings, now)
    except DomainError as error:
        return _refused(request, error, origins)
    if launch.CHECK_COOKIE in request.cookies:
        # This browser kept the tool's cookie in this context before: straight to the platform.
        response: Response = RedirectResponse(redirect.url, status_code=302)
    else:
        query = {k: v for k, v in vars(given).items() if v is not None}
        new_window = str(request.url_for("lti_login").include_query_params(**query))
        response = _page(request, "check", "check", {"auth_url": redirect.url, "new_window_url": new_window,
                                                     "check_cookie": launch.CHECK_COOKIE}, origins)
    # SameSite=None: the platform's form post to /lti/launch is cross-site and must carry it.
    response.set_cookie(launch.state_cookie(redirect.state), redirect.state, max_age=redirect.expires_in,
                        path="/lti/", secure=True, httponly=True, samesite="none")
    response.set_cookie(launch.CHECK_COOKIE, "1", max_age=redirect.expires_in, path="/lti/", secure=True,
                        httponly=False, samesite="none")
    return response


Param = Annotated[str | None, Query(max_length=MAX_PARAMETER)]
FormParam = Annotated[str | None, Form(max_length=MAX_PARAMETER)]


@router.get("/lti/login", name="lti_login", include_in_schema=False)
def login_get(request: Request, db: DbDep, settings: SettingsDep, now: NowDep, origins: FrameOrigins,
              address: ClientAddress, iss: Param = None, login_hint: Param = None, target_link_uri: Param = None, client_id: Param = None,
              lti_deployment_id: Param = None, lti_message_hint: Param = None) -> Response:
    """OIDC third-party initiated login (LTI 1.3 Core §5.1.1): to the platform's authorisation
    endpoint with a new state and nonce."""
    return _login(request, db, settings, now, origins, launch.LoginRequest(
        iss, login_hint, target_link_uri, client_id, lti_deployment_id, lti_message_hint), address)


@router.post("/lti/login", include_in_schema=False)
def login_post(request: Request, db: DbDep, settings: SettingsDep, now: NowDep, origins: FrameOrigins,
               address: ClientAddress, iss: FormParam = None, login_hint: FormParam = None, target_link_uri: FormParam = None,
               client_id: FormParam = None, lti_deployment_id: FormParam = None,
               lti_message_hint: FormParam = None) -> Response:
    return _login(request, db, settings, now, origins, launch.LoginRequest(
        iss, login_hint, target_link_uri, client_id, lti_deployment_id, lti_message_hint), address)


@router.post("/lti/launch", name="lti_launch", include_in_schema=False)
def launch_post(request: Request, db: DbDep, platforms: LtiPlatforms, settings: SettingsDep, now: NowDep,
                origins: FrameOrigins, id_token: Annotated[str | None, Form(max_length=MAX_TOKEN)] = None,
                state: FormParam = None) -> Response:
    """The platform's form post (``id_token``, ``state``): the learner app, the teacher dashboard,
    or the deep-linking picker."""
    cookie = request.cookies.get(launch.state_cookie(state)) if state else None
    try:
        outcome = flow.complete(db, platforms, id_token, state, cookie, settings, now)
    except DomainError as error:
        return _refused(request, error, origins)
    if isinstance(outcome, deep_linking.Picker):
        return _page(request, "picker", "picker", {"ticket": outcome.ticket}, origins, choices=outcome.choices)
    return _page(request, "open", "open", {"token": outcome.token.access_token, "target": outcome.target},
                 origins)


@router.get("/lti/window", include_in_schema=False)
def window(request: Request, origins: FrameOrigins) -> Response:
    """The app opened in its own window from a framed launch (the token in the fragment)."""
    return _page(request, "window", "window", {}, origins)


@router.post("/lti/deep-link", include_in_schema=False)
def deep_link(request: Request, db: DbDep, settings: SettingsDep, now: NowDep, origins: FrameOrigins,
              ticket: Annotated[str, Form(max_length=MAX_PARAMETER)],
              choice: Annotated[str, Form(max_length=200)]) -> Response:
    """The picker's choice: a page that posts the signed ``LtiDeepLinkingResponse`` (form field
    ``JWT``) to the platform's return URL."""
    try:
        answer = deep_linking.response(db, ticket, choice, str(request.url_for("lti_launch")), settings, now)
    except DomainError as error:
        return _refused(request, error, origins)
    return _page(request, "post", "post", {"return_url": answer.return_url, "jwt": answer.jwt}, origins,
                 form_action=answer.return_origin, title=answer.title)


@router.post("/v1/classes/{class_id}/lti-roster", response_model=LtiRosterSyncOut,
             responses=problems(401, 403, 404, 422, 503))
def sync_roster(school_class: TeacherClass, db: DbDep, platforms: LtiPlatforms, now: NowDep) -> LtiRosterSyncOut:
    """Bring the class's roster in line with its course in the learning platform (LTI Names and
    Role Provisioning): each active learner gets an account without a password (opened by their
    first launch) in the class, before they launch. 422: the class has no such course; 503: the
    platform did not answer."""
    return flow.sync_roster(db, platforms, school_class, now)

"""OIDC login initiation and the launch: who the platform says is here, checked, and the
account and class they open.

The flow (LTI 1.3 Core §5.1, Security Framework §5.1.1):

1. The platform sends the browser to ``/lti/login`` (``iss``, ``login_hint``,
   ``target_link_uri``, maybe ``client_id``, ``lti_deployment_id``, ``lti_message_hint``).
   :func:`start_login` stores a random ``state`` and ``nonce`` (single use, minutes long) and
   answers where to send the browser: the platform's authorisation endpoint. The route puts
   ``state`` in a cookie (``SameSite=None; Secure``: it must come back in the platform's
   cross-site form post), binding the launch to this browser.
2. The platform posts an ``id_token`` and ``state`` to ``/lti/launch``.
   :func:`validate` checks, in this order, and refuses (403, nothing created) at the first
   failure: the state is this browser's (cookie) and unused and unexpired (it is used up
   now, whatever follows); the issuer is the state's platform and the audience holds our
   client id (``azp`` too, when there are several audiences); the RS256 signature, by the
   ``kid`` in its header, against the platform's JWKS; ``exp`` and ``iat`` against the
   request's clock with :data:`LEEWAY`; the ``nonce`` is the state's; LTI version 1.3.0;
   a known deployment; a resource-link or deep-linking message.
3. :func:`open_launch` maps what the token says to accounts: (issuer, ``sub``) to a user,
   made on the first launch (the ``name`` claim as display name, nothing else: never
   the e-mail); (issuer, deployment, context) to a class, made by the course's first
   instructor launch; the resource link's custom parameters (language, mode, track,
   trade) and its gradebook endpoints (AGS) are kept for the grades.
"""
from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import jwt
from sqlmodel import Session, col, delete, select

from api.errors import Conflict, Forbidden, InvalidInput
from api.models import (
    ClassLearner,
    LearnerPathway,
    LtiAccount,
    LtiContext,
    LtiLaunchState,
    LtiLinkLearner,
    LtiResourceLink,
    SchoolClass,
    User,
    utc,
)
from api.schemas import Token
from api.security import NO_PASSWORD
from api.services import rate_limits, users
from api.services.classes import class_name, free_login
from api.services.lti import claims
from api.services.lti.keys import ALGORITHM
from api.services.lti.platform import PlatformClient, PlatformError
from api.services.lti.registrations import Registration, by_id, for_issuer
from api.services.pathways import DEFAULT_TRADE_SHARE
from api.services.rows import id_of
from api.services.usernames import MAX_DISPLAY_NAME_LENGTH, check_display_name, login_key
from api.settings import Settings
from content.catalog import LANGUAGES, TRADES

#: Clock difference allowed between the platform and us for ``exp`` and ``iat``.
LEEWAY = timedelta(seconds=60)
#: A token issued longer ago than this is refused even if its ``exp`` is later (a replay
#: of an old, long-lived token).
MAX_TOKEN_AGE = timedelta(hours=1)
#: The cookie that carries a launch's state: its name ends with the state, so two launches
#: in one browser (two activities on one course page) do not overwrite each other's.
STATE_COOKIE_PREFIX = "b1lti-state-"
#: A readable cookie set beside the state: the check page's script sees whether the browser
#: keeps cookies in the platform's frame.
CHECK_COOKIE = "b1lti-check"
MODES = ("placement", "drill")
TRACKS = ("b1", "trade")
#: The name of a course's class when its context has no title or label that leaves one
#: (a blank name would leave the teacher nothing to click in their list of classes).
COURSE_FALLBACK = "Course"


class LaunchRefused(Forbidden):
    """A login or launch the tool does not accept (a bad or replayed token, an unknown
    platform or deployment, a browser without the launch's state)."""

    title = "LTI launch refused"


def state_cookie(state: str) -> str:
    return STATE_COOKIE_PREFIX + state


# ---------------------------------------------------------------------------------- login


@dataclass(frozen=True)
class LoginRequest:
    """Third-party initiated login's parameters (Core §5.1.1, as GET query or POST form)."""

    iss: str | None
    login_hint: str | None
    target_link_uri: str | None
    client_id: str | None = None
    lti_deployment_id: str | None = None
    lti_message_hint: str | None = None


@dataclass(frozen=True)
class LoginRedirect:
    """Where to send the browser (the platform's authorisation endpoint) and the state the
    browser must keep in a cookie."""

    url: str
    state: str
    expires_in: int


def _registration_for_login(db: Session, request: LoginRequest) -> Registration:
    if not request.iss or not request.login_hint or not request.target_link_uri:
        raise InvalidInput("an LTI login needs iss, login_hint and target_link_uri: open the activity "
                           "from the learning platform")
    found = for_issuer(db, request.iss, request.client_id)
    if request.lti_deployment_id and len(found) > 1:
        found = [r for r in found if request.lti_deployment_id in r.deployment_ids]
    if not found:
        raise LaunchRefused(f"the platform '{request.iss}' is not registered here"
                            + (f" with client id '{request.client_id}'" if request.client_id else "")
                            + ": the administrator registers it with `b1engine lti register`")
    if len(found) > 1:
        raise LaunchRefused(f"the platform '{request.iss}' has several registrations here and the login "
                            "names no client id: set the tool's client id in the login request")
    return found[0]


def start_login(db: Session, request: LoginRequest, launch_url: str, address: str, settings: Settings,
                now: datetime) -> LoginRedirect:
    """A new login: state and nonce stored (expired ones dropped), the platform's
    authorisation URL with the OIDC parameters (Core §5.1.1.2). Commits.

    Counted with the password logins from the client's address (429 past
    ``B1ENGINE_RATE_LOGINS_PER_MINUTE_PER_ADDRESS``): each stores a row until it expires."""
    registration = _registration_for_login(db, request)
    rate_limits.hit(db, settings, "login_address", address, now)
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    lifetime = timedelta(minutes=settings.lti_state_minutes)
    db.exec(delete(LtiLaunchState).where(col(LtiLaunchState.expires_at) < now))
    db.add(LtiLaunchState(state=state, nonce=nonce, registration_id=registration.id,
                          expires_at=now + lifetime))
    db.commit()
    params = {"scope": "openid", "response_type": "id_token", "response_mode": "form_post",
              "prompt": "none", "client_id": registration.client_id, "redirect_uri": launch_url,
              "login_hint": request.login_hint, "state": state, "nonce": nonce}
    if request.lti_message_hint:
        params["lti_message_hint"] = request.lti_message_hint
    separator = "&" if "?" in registration.auth_login_url else "?"
    return LoginRedirect(f"{registration.auth_login_url}{separator}{urlencode(params)}", state,
                         int(lifetime.total_seconds()))


# ---------------------------------------------------------------------------------- validation


@dataclass(frozen=True)
class Custom:
    """The activity's custom parameters: what it opens."""

    language: str | None = None
    mode: str = "placement"
    track: str = "b1"
    trade: str | None = None


@dataclass(frozen=True)
class ValidLaunch:
    """A verified id_token's claims, as the tool uses them."""

    registration: Registration
    deployment_id: str
    message_type: str
    subject: str
    name: str | None
    roles: tuple[str, ...]
    context_id: str | None
    context_title: str | None
    resource_link_id: str | None
    custom: Custom
    #: AGS: the link's line item, the course's line items, the scopes granted.
    lineitem: str | None = None
    lineitems: str | None = None
    ags_scopes: tuple[str, ...] = ()
    memberships_url: str | None = None
    #: Deep linking: where to post the response, and the platform's opaque data to return.
    deep_link_return_url: str | None = None
    deep_link_data: str | None = None
    deep_link_accept_types: tuple[str, ...] = field(default_factory=tuple)

    @property
    def teaching(self) -> bool:
        return claims.is_teaching(list(self.roles))


def _consume_state(db: Session, state: str, cookie: str | None, now: datetime) -> LtiLaunchState:
    """The launch's state, deleted (single use) and committed."""
    if cookie is None or not secrets.compare_digest(cookie, state):
        raise LaunchRefused("this launch did not start in this browser, or the browser blocked the tool's "
                            "cookies inside the platform's page: open the activity again, in a new window "
                            "if the platform offers one")
    row = db.get(LtiLaunchState, state)
    if row is None:
        raise LaunchRefused("this launch was used already or never started here: open the activity again")
    db.delete(row)
    db.commit()
    if utc(row.expires_at) < now:
        raise LaunchRefused("this launch took too long: open the activity again")
    return row


def _unverified(id_token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    try:
        return jwt.get_unverified_header(id_token), jwt.decode(id_token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise LaunchRefused("the id_token is not a JWT") from None


def _check_audience(payload: dict[str, Any], registration: Registration) -> None:
    audience = payload.get("aud")
    audiences = [audience] if isinstance(audience, str) else audience if isinstance(audience, list) else []
    if registration.client_id not in audiences:
        raise LaunchRefused(f"the id_token is not for this tool (its audience is not the client id "
                            f"'{registration.client_id}')")
    azp = payload.get("azp")
    if (len(audiences) > 1 or azp is not None) and azp != registration.client_id:
        raise LaunchRefused("the id_token's authorised party (azp) is not this tool's client id")


def _check_times(payload: dict[str, Any], now: datetime) -> None:
    try:
        expires = float(payload["exp"])
        issued = float(payload["iat"])
    except (KeyError, TypeError, ValueError):
        raise LaunchRefused("the id_token has no valid exp and iat") from None
    moment, leeway = now.timestamp(), LEEWAY.total_seconds()
    if moment > expires + leeway:
        raise LaunchRefused("the id_token has expired: open the activity again")
    if issued > moment + leeway:
        raise LaunchRefused("the id_token was issued in the future: the platform's clock is wrong")
    if issued < moment - MAX_TOKEN_AGE.total_seconds() - leeway:
        raise LaunchRefused("the id_token is too old: open the activity again")


def _verified(id_token: str, registration: Registration, platforms: PlatformClient) -> dict[str, Any]:
    header, _ = _unverified(id_token)
    if header.get("alg") != ALGORITHM:
        raise LaunchRefused(f"the id_token must be signed with {ALGORITHM}")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise LaunchRefused("the id_token's header names no key (kid)")
    try:
        key = platforms.platform_key(registration.jwks_url, kid)
    except PlatformError as error:
        raise LaunchRefused(f"the platform's public keys could not be read ({error}): try again") from None
    if key is None:
        raise LaunchRefused(f"the platform publishes no key '{kid}' at {registration.jwks_url}")
    try:
        # Times are checked against the request's clock (_check_times), the audience by hand.
        return jwt.decode(id_token, key=key, algorithms=[ALGORITHM],
                          options={"verify_exp": False, "verify_iat": False, "verify_nbf": False,
                                   "verify_aud": False, "verify_iss": False})
    except jwt.PyJWTError:
        raise LaunchRefused("the id_token's signature is not the platform's") from None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _custom(value: Any) -> Custom:
    given = value if isinstance(value, dict) else {}
    language = _text(given.get("language"))
    mode = _text(given.get("mode")) or "placement"
    trade = _text(given.get("trade"))
    track = _text(given.get("track")) or ("trade" if trade else "b1")
    if language is not None and language not in LANGUAGES:
        raise InvalidInput(f"custom parameter language: one of {', '.join(LANGUAGES)}, not '{language}'")
    if mode not in MODES:
        raise InvalidInput(f"custom parameter mode: placement or drill, not '{mode}'")
    if track not in TRACKS:
        raise InvalidInput(f"custom parameter track: b1 or trade, not '{track}'")
    if trade is not None and trade not in TRADES:
        raise InvalidInput(f"custom parameter trade: one of {', '.join(TRADES)}, not '{trade}'")
    if track == "trade" and trade is None:
        raise InvalidInput("custom parameter trade: name the trade of a trade track")
    return Custom(language, mode, track, trade if track == "trade" else None)


def _course_name(context: dict[str, Any]) -> str | None:
    """The name a course's context gives its class: its title, else its label, as
    :func:`api.services.classes.class_name` keeps a class's name (spaces trimmed and made one,
    no invisible characters); None when neither leaves one (a title of spaces only). A title
    longer than the rule allows is cut, not refused: the platform named the course, not us."""
    for key in ("title", "label"):
        text = _text(context.get(key))
        if text is None:
            continue
        try:
            return class_name(" ".join(unicodedata.normalize("NFC", text).split())[:MAX_DISPLAY_NAME_LENGTH])
        except InvalidInput:
            continue
    return None


def _name(payload: dict[str, Any]) -> str | None:
    name = _text(payload.get("name"))
    if name is None:
        parts = [_text(payload.get(key)) for key in ("given_name", "family_name")]
        name = " ".join(p for p in parts if p) or None
    return name


def validate(db: Session, platforms: PlatformClient, id_token: str | None, state: str | None,
             cookie: str | None, now: datetime) -> ValidLaunch:
    """The launch's claims once every check holds (see the module's text); :class:`LaunchRefused`
    at the first that fails. The state is used up (committed) whatever follows."""
    if not id_token or not state:
        raise InvalidInput("a launch is the learning platform's form post of id_token and state: open the "
                           "activity from the learning platform")
    row = _consume_state(db, state, cookie, now)
    registration = by_id(db, row.registration_id)
    _, unverified = _unverified(id_token)
    if registration is None or unverified.get("iss") != registration.issuer:
        raise LaunchRefused(f"the id_token's issuer '{unverified.get('iss')}' is not the platform this "
                            "launch started with (or is not registered here)")
    _check_audience(unverified, registration)
    payload = _verified(id_token, registration, platforms)
    _check_times(payload, now)
    nonce = payload.get("nonce")
    if not isinstance(nonce, str) or not secrets.compare_digest(nonce, row.nonce):
        raise LaunchRefused("the id_token's nonce is not this launch's (a replayed token)")
    if payload.get(claims.VERSION) != claims.LTI_VERSION:
        raise LaunchRefused(f"LTI version {claims.LTI_VERSION} only, not '{payload.get(claims.VERSION)}'")
    message_type = payload.get(claims.MESSAGE_TYPE)
    if message_type not in claims.LAUNCH_MESSAGES:
        raise LaunchRefused(f"the message type '{message_type}' is not one this tool takes "
                            f"({', '.join(claims.LAUNCH_MESSAGES)})")
    deployment_id = _text(payload.get(claims.DEPLOYMENT_ID))
    if deployment_id is None or deployment_id not in registration.deployment_ids:
        raise LaunchRefused(f"the deployment '{deployment_id}' of '{registration.issuer}' is not registered "
                            "here: the administrator adds it with `b1engine lti register --deployment-id`")
    subject = _text(payload.get("sub"))
    if subject is None:
        raise LaunchRefused("the launch names no user (sub): anonymous launches are not supported")
    return _launch_of(payload, registration, deployment_id, str(message_type), subject)


def _object(payload: dict[str, Any], name: str) -> dict[str, Any]:
    value = payload.get(name)
    return value if isinstance(value, dict) else {}


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def _launch_of(payload: dict[str, Any], registration: Registration, deployment_id: str, message_type: str,
               subject: str) -> ValidLaunch:
    context, link = _object(payload, claims.CONTEXT), _object(payload, claims.RESOURCE_LINK)
    ags, nrps = _object(payload, claims.AGS_ENDPOINT), _object(payload, claims.NRPS_SERVICE)
    deep = _object(payload, claims.DL_SETTINGS)
    if message_type == claims.DEEP_LINKING_REQUEST and not _text(deep.get("deep_link_return_url")):
        raise LaunchRefused("the deep-linking request has no deep_link_return_url")
    return ValidLaunch(
        registration=registration, deployment_id=deployment_id, message_type=message_type, subject=subject,
        name=_name(payload), roles=_strings(payload.get(claims.ROLES)),
        context_id=_text(context.get("id")), context_title=_course_name(context),
        resource_link_id=_text(link.get("id")), custom=_custom(payload.get(claims.CUSTOM)),
        lineitem=_text(ags.get("lineitem")), lineitems=_text(ags.get("lineitems")),
        ags_scopes=_strings(ags.get("scope")), memberships_url=_text(nrps.get("context_memberships_url")),
        deep_link_return_url=_text(deep.get("deep_link_return_url")), deep_link_data=_text(deep.get("data")),
        deep_link_accept_types=_strings(deep.get("accept_types")))


# ---------------------------------------------------------------------------------- accounts


@dataclass(frozen=True)
class Opened:
    """A launch's outcome: the account's access token and the page it opens."""

    user_id: int
    role: str
    class_id: int
    token: Token
    target: str


def _display_name(name: str | None, role: str) -> str:
    fallback = "Teacher" if role == "teacher" else "Learner"
    try:
        return check_display_name(name) if name else fallback
    except InvalidInput:
        return fallback


def platform_user(db: Session, issuer: str, subject: str, name: str | None, role: str, language: str | None,
                  now: datetime) -> tuple[User, bool]:
    """The account of the platform's user (issuer, subject) and whether it is new: made when
    there is none (no password: they sign in through the platform). Flushed, not committed."""
    mapped = db.get(LtiAccount, (issuer, subject))
    if mapped is not None:
        user = db.get(User, mapped.user_id)
        if user is not None:
            return user, False
    display = _display_name(name, role)
    try:
        login = free_login(db, display)
    except InvalidInput:
        login = free_login(db, "learner" if role == "learner" else "teacher")
    user = User(username=login, login_key=login_key(login), display_name=display, password_hash=NO_PASSWORD,
                role=role, language=language, created_at=now)
    db.add(user)
    db.flush()
    db.add(LtiAccount(issuer=issuer, subject=subject, user_id=id_of(user)))
    db.flush()
    return user, True


def _role(launch: ValidLaunch) -> str:
    if launch.teaching:
        return "teacher"
    if claims.is_learning(list(launch.roles)):
        return "learner"
    raise LaunchRefused("this tool opens for a course's learners and instructors; the platform gives you "
                        "neither role here")


def _check_account(user: User, role: str) -> None:
    if user.disabled_at is not None:
        raise LaunchRefused(users.DISABLED)
    if user.role == "admin" or (user.role in users.TEACHING_ROLES) != (role == "teacher"):
        raise LaunchRefused(f"your account here is a {user.role}'s and the platform says you are a {role} "
                            "in this course: ask the school's administrator")


def _class_for(db: Session, launch: ValidLaunch, teacher: User | None, settings: Settings,
               now: datetime) -> SchoolClass:
    """The course's class; the course's first instructor launch makes it (a learner's first
    launch before any instructor's is refused: a class needs its teacher)."""
    if launch.context_id is None:
        raise LaunchRefused("the launch names no course (context): place the activity in a course")
    key = (launch.registration.id, launch.deployment_id, launch.context_id)
    row = db.get(LtiContext, key)
    if row is not None:
        school_class = db.get(SchoolClass, row.class_id)
        if school_class is not None:
            if launch.memberships_url and row.memberships_url != launch.memberships_url:
                row.memberships_url = launch.memberships_url
                db.add(row)
            return school_class
    if teacher is None:
        raise Conflict("this course has no class here yet: its teacher opens the activity once first")
    school_class = SchoolClass(name=launch.context_title or COURSE_FALLBACK,
                               language=launch.custom.language or settings.lti_default_language,
                               teacher_id=id_of(teacher), created_at=now)
    db.add(school_class)
    db.flush()
    if row is None:
        db.add(LtiContext(registration_id=key[0], deployment_id=key[1], context_id=key[2],
                          class_id=id_of(school_class), memberships_url=launch.memberships_url))
    else:
        row.class_id, row.memberships_url = id_of(school_class), launch.memberships_url
        db.add(row)
    db.flush()
    return school_class


def _resource_link(db: Session, launch: ValidLaunch, school_class: SchoolClass) -> LtiResourceLink | None:
    """The activity's record (what it opens, where its grades go), kept up to date."""
    if launch.resource_link_id is None:
        return None
    link = db.exec(select(LtiResourceLink).where(
        col(LtiResourceLink.registration_id) == launch.registration.id,
        col(LtiResourceLink.deployment_id) == launch.deployment_id,
        col(LtiResourceLink.resource_link_id) == launch.resource_link_id)).first()
    grading = claims.SCOPE_SCORE in launch.ags_scopes
    values = {"class_id": id_of(school_class), "language": launch.custom.language or school_class.language,
              "mode": launch.custom.mode, "track": launch.custom.track, "trade": launch.custom.trade,
              "lineitem_url": launch.lineitem if grading else None,
              "lineitems_url": launch.lineitems if grading and claims.SCOPE_LINEITEM in launch.ags_scopes else None}
    if link is None:
        link = LtiResourceLink(registration_id=launch.registration.id, deployment_id=launch.deployment_id,
                               resource_link_id=launch.resource_link_id, class_id=id_of(school_class),
                               language=school_class.language, mode=launch.custom.mode, track=launch.custom.track)
    elif values["lineitem_url"] is None and link.lineitems_url == values["lineitems_url"]:
        # A line item found or made earlier stays (the platform gave none in this launch).
        values["lineitem_url"] = link.lineitem_url
    for name, value in values.items():
        setattr(link, name, value)
    db.add(link)
    db.flush()
    return link


def open_launch(db: Session, launch: ValidLaunch, settings: Settings, now: datetime) -> Opened:
    """The accounts and class of a verified launch (made on the first one), and the page it opens:
    the learner app for a learner, the teacher dashboard for a teacher. Commits."""
    role = _role(launch)
    issuer = launch.registration.issuer
    user, _ = platform_user(db, issuer, launch.subject, launch.name, role, launch.custom.language, now)
    _check_account(user, role)
    school_class = _class_for(db, launch, user if role == "teacher" else None, settings, now)
    if role == "learner":
        if db.get(ClassLearner, id_of(user)) is None:
            # A learner belongs to one class: their first course's (a teacher can move them).
            db.add(ClassLearner(learner_id=id_of(user), class_id=id_of(school_class)))
        if user.language is None:
            user.language = school_class.language
            db.add(user)
    link = _resource_link(db, launch, school_class)
    if link is not None and role == "learner" and db.get(LtiLinkLearner, (id_of(link), id_of(user))) is None:
        db.add(LtiLinkLearner(link_id=id_of(link), user_id=id_of(user)))
    if (link is not None and role == "learner" and link.track == "trade" and link.trade
            and db.get(LearnerPathway, id_of(user)) is None):
        # A trade activity ("Daily drill — care") sets the learner's drills to that trade, as
        # the course's teacher chose it, unless a teacher has set a pathway already.
        db.add(LearnerPathway(learner_id=id_of(user), trade=link.trade, trade_share=DEFAULT_TRADE_SHARE,
                              set_by=school_class.teacher_id, updated_at=now))
    token = users.token_for(user, settings, now)
    db.commit()
    target = f"/teach?class={id_of(school_class)}" if role == "teacher" else "/"
    if role == "learner" and link is not None and link.mode in ("placement", "drill"):
        target = f"/?activity={link.mode}"  # the learner app puts the course's activity first
    return Opened(id_of(user), role, id_of(school_class), token, target)


def class_of_teacher_launch(db: Session, launch: ValidLaunch, settings: Settings, now: datetime) -> tuple[User, SchoolClass]:
    """A deep-linking launch's teacher and the course's class (made on the first launch). Commits."""
    if _role(launch) != "teacher":
        raise LaunchRefused("only a course's instructors choose activities to place in it")
    user, _ = platform_user(db, launch.registration.issuer, launch.subject, launch.name, "teacher", None, now)
    _check_account(user, "teacher")
    school_class = _class_for(db, launch, user, settings, now)
    db.commit()
    return user, school_class

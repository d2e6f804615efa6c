"""Deep linking (LTI Deep Linking 2.0): a teacher picks what to place in their course.

A deep-linking launch (:func:`api.services.lti.launch.validate`, message
``LtiDeepLinkingRequest``) opens the picker: the tool's activities (:func:`choices`) and a
*ticket* — what the response needs (platform, deployment, return URL, the platform's
opaque ``data``), signed with the server's secret and short-lived, so the picker's form
carries it without a session. The chosen activity comes back with the ticket;
:func:`response` signs the ``LtiDeepLinkingResponse`` with the tool's key (§4.2): one
``ltiResourceLink`` content item whose custom parameters say what it opens and whose
``lineItem`` makes the gradebook column appear (§3.2.2).
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import jwt
from sqlmodel import Session

from api.errors import Forbidden, InvalidInput
from api.services.lti import claims, grades, keys
from api.services.lti.launch import ValidLaunch
from api.services.lti.registrations import by_id
from api.settings import Settings
from content.catalog import LANGUAGES, TRADES

#: How long a picker's ticket holds (a teacher reads the list and chooses).
TICKET_LIFETIME = timedelta(minutes=30)
#: How long the signed response holds (the browser posts it at once).
RESPONSE_LIFETIME = timedelta(minutes=5)
TICKET_AUDIENCE = "b1engine-deep-link"
#: Names of the target languages in the teacher's list (the code where none is given).
LANGUAGE_NAMES = {"nb": "Norwegian", "en": "English", "tr": "Turkish", "it": "Italian"}


@dataclass(frozen=True)
class Choice:
    """An activity a teacher may place: its id (in the picker's form), title and custom parameters."""

    id: str
    title: str
    language: str
    mode: str
    track: str = "b1"
    trade: str | None = None

    @property
    def language_name(self) -> str:
        return LANGUAGE_NAMES[self.language]

    def custom(self) -> dict[str, str]:
        values = {"language": self.language, "mode": self.mode, "track": self.track}
        if self.trade:
            values["trade"] = self.trade
        return values


def choices() -> list[Choice]:
    """Every activity: per language a placement test and a daily drill, and a drill per trade."""
    out: list[Choice] = []
    for language in LANGUAGES:
        name = LANGUAGE_NAMES.get(language, language)
        out.append(Choice(f"placement-{language}", f"Placement test — {name}", language, "placement"))
        out.append(Choice(f"drill-{language}", f"Daily drill — {name}", language, "drill"))
        out.extend(Choice(f"drill-{language}-{trade}", f"Daily drill — {name}, {trade}", language, "drill",
                          "trade", trade) for trade in TRADES)
    return out


@dataclass(frozen=True)
class Picker:
    """The picker's content: the activities and the ticket its form returns."""

    choices: list[Choice]
    ticket: str


def picker(launch: ValidLaunch, user_id: int, settings: Settings, now: datetime) -> Picker:
    """The picker for a verified deep-linking launch by a teacher (the caller checked the role)."""
    if launch.deep_link_return_url is None:
        raise InvalidInput("the deep-linking request has no return URL")
    if launch.deep_link_accept_types and "ltiResourceLink" not in launch.deep_link_accept_types:
        raise Forbidden("the platform accepts no LTI resource links here, which is all this tool offers")
    ticket = jwt.encode({"aud": TICKET_AUDIENCE, "reg": launch.registration.id, "dep": launch.deployment_id,
                         "ret": launch.deep_link_return_url, "data": launch.deep_link_data, "sub": str(user_id),
                         "iat": now, "exp": now + TICKET_LIFETIME},
                        settings.signing_secret(), algorithm=settings.jwt_algorithm)
    return Picker(choices(), ticket)


@dataclass(frozen=True)
class DeepLinkResponse:
    """Where the browser posts the signed response (form field ``JWT``), and the response."""

    return_url: str
    jwt: str
    title: str

    @property
    def return_origin(self) -> str:
        """The return URL's origin (what a page's CSP ``form-action`` names)."""
        parts = urlsplit(self.return_url)
        return f"{parts.scheme}://{parts.netloc}"


def _ticket(ticket: str, settings: Settings, now: datetime) -> dict[str, Any]:
    try:
        data = jwt.decode(ticket, settings.signing_secret(), algorithms=[settings.jwt_algorithm],
                          audience=TICKET_AUDIENCE, options={"verify_exp": False, "verify_iat": False})
    except jwt.PyJWTError:
        raise Forbidden("the activity list's ticket is not valid: open the activity picker again") from None
    if now.timestamp() > float(data.get("exp", 0)):
        raise Forbidden("the activity list was open too long: open the activity picker again")
    return data


def response(db: Session, ticket: str, choice_id: str, launch_url: str, settings: Settings,
             now: datetime) -> DeepLinkResponse:
    """The signed ``LtiDeepLinkingResponse`` placing the chosen activity (a 422 for an unknown one)."""
    data = _ticket(ticket, settings, now)
    chosen = next((c for c in choices() if c.id == choice_id), None)
    if chosen is None:
        raise InvalidInput(f"choice: '{choice_id}' is not one of the activities offered", field="choice")
    registration = by_id(db, int(data["reg"]))
    if registration is None or data["dep"] not in registration.deployment_ids:
        raise Forbidden("the platform or deployment is no longer registered here")
    item = {"type": "ltiResourceLink", "title": chosen.title, "url": launch_url, "custom": chosen.custom(),
            "lineItem": {"scoreMaximum": grades.score_maximum(chosen.mode),
                         "label": chosen.title, "resourceId": chosen.id, "tag": f"b1engine-{chosen.mode}"}}
    message: dict[str, Any] = {
        "iss": registration.client_id, "aud": [registration.issuer], "iat": now, "exp": now + RESPONSE_LIFETIME,
        "nonce": secrets.token_urlsafe(16), claims.DEPLOYMENT_ID: data["dep"],
        claims.MESSAGE_TYPE: claims.DEEP_LINKING_RESPONSE, claims.VERSION: claims.LTI_VERSION,
        claims.DL_CONTENT_ITEMS: [item]}
    if data.get("data"):
        message[claims.DL_DATA] = data["data"]
    key = keys.current(db, now)
    signed = jwt.encode(message, key.private_key, algorithm=keys.ALGORITHM, headers={"kid": key.kid})
    return DeepLinkResponse(str(data["ret"]), signed, chosen.title)

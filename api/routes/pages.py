"""The app's pages: server-rendered HTML shells (Jinja2) whose scripts call the JSON API.

A page carries no learner's data: its script reads the token from the tab's
``sessionStorage`` and asks the API, so roles, ownership and problem details are
the API's own. The server renders only the interface's words, in the language
the ``b1lang`` cookie names (set by the page's language picker and at login from
the learner's support language; not secret, not personal beyond the choice), or
without one, the first interface language the browser asks for (``Accept-Language``:
a learner's first page, the login, is in their phone's language), with
``<html lang dir>`` to match.

``templates/base.html`` is the frame every page extends (header, language
picker, the words for the scripts, ``static/app.js``): the teacher's and the
author's pages reuse it.
"""
from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Annotated, get_args

from fastapi import APIRouter, Cookie, Depends, Header, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from api.schemas import Language
from api.services import interface
from content.catalog import TRADES

ROOT = Path(__file__).resolve().parents[1]
STATIC_DIR = ROOT / "static"
#: The cookie holding the interface's language (a code of ``interface.choices()``).
LANGUAGE_COOKIE = "b1lang"

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=ROOT / "templates")


@cache
def static_url(name: str) -> str:
    """``/static/<name>?v=<hash of its content>``: browsers keep static files a day (middleware),
    and a new release's file has a new address."""
    digest = hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:10]
    return f"/static/{name}?v={digest}"


templates.env.globals["static"] = static_url
#: The languages a class can learn (the create-class form; the browser names them).
templates.env.globals["target_languages"] = get_args(Language)


def static_files() -> StaticFiles:
    """The app's scripts and styles, mounted at ``/static`` by :func:`api.main.create_app`."""
    return StaticFiles(directory=STATIC_DIR)


LanguageCookie = Annotated[str | None, Cookie(alias=LANGUAGE_COOKIE, max_length=16)]
#: Longer Accept-Language headers are not read (a browser sends a few dozen characters).
ACCEPT_LANGUAGE_MAX = 512


def accepted_languages(header: str) -> list[str]:
    """The primary language subtags of an ``Accept-Language`` header (RFC 9110 §12.5.4),
    most wanted first (by ``q``, then by order); ``q=0`` and ``*`` are not a wish."""
    wished: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, parameters = part.strip().partition(";")
        weight = 1.0
        name, _, value = parameters.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                weight = float(value)
            except ValueError:
                continue
        primary = tag.strip().split("-")[0].lower()
        if primary and primary != "*" and weight > 0:
            wished.append((-weight, position, primary))
    return [primary for _, _, primary in sorted(wished)]


def page_language(b1lang: LanguageCookie = None,
                  accept_language: Annotated[str | None, Header()] = None) -> str | None:
    """The interface language of a page: the saved choice (the cookie), else the first
    interface language the browser asks for, else None (the default, English)."""
    offered = {choice.code for choice in interface.choices()}
    if b1lang in offered:
        return b1lang
    for code in accepted_languages((accept_language or "")[:ACCEPT_LANGUAGE_MAX]):
        if code in offered:
            return code
    return None


PageLanguage = Annotated[str | None, Depends(page_language)]


def render(request: Request, page: str, language: str | None, script: str | None = None) -> HTMLResponse:
    """``templates/<page>.html`` in the interface language ``language``."""
    ui = interface.interface(language)
    return templates.TemplateResponse(request, f"{page}.html", {
        "page": page, "ui": ui, "t": ui.texts, "script": script, "trades": TRADES,
        "texts_json": json.dumps(dict(ui.texts), ensure_ascii=False)})


@router.get("/", response_class=HTMLResponse)
def home(request: Request, language: PageLanguage) -> HTMLResponse:
    """The learner's home: level now, the placement test, today's drill, today's goal."""
    return render(request, "home", language, "learner.js")


@router.get("/login", response_class=HTMLResponse)
def login(request: Request, language: PageLanguage) -> HTMLResponse:
    return render(request, "login", language, "learner.js")


@router.get("/password", response_class=HTMLResponse)
def password(request: Request, language: PageLanguage) -> HTMLResponse:
    """A new password, first thing after a one-time password."""
    return render(request, "password", language, "learner.js")


@router.get("/practice", response_class=HTMLResponse)
def practice(request: Request, language: PageLanguage) -> HTMLResponse:
    """A placement test or a drill (``?session=<id>``), one exercise at a time, then its result."""
    return render(request, "practice", language, "learner.js")


@router.get("/progress", response_class=HTMLResponse)
def progress(request: Request, language: PageLanguage) -> HTMLResponse:
    """Level over time, per skill, words due for review, today's goal."""
    return render(request, "progress", language, "learner.js")


@router.get("/author", response_class=HTMLResponse)
def author(request: Request, language: PageLanguage) -> HTMLResponse:
    """The author studio: own vocabulary sets, upload or edit one, preview, publish, retire."""
    return render(request, "author/studio", language, "author.js")


@router.get("/teach", response_class=HTMLResponse)
def teach(request: Request, language: PageLanguage) -> HTMLResponse:
    """The teacher dashboard: classes, a class's roster and follow-up list (``?class=<id>``),
    a learner's page (``?class=<id>&learner=<id>``)."""
    return render(request, "teach/dashboard", language, "teach.js")


@router.get("/teach/report", response_class=HTMLResponse)
def teach_report(request: Request, language: PageLanguage) -> HTMLResponse:
    """A learner's printable report (``?class=<id>&learner=<id>``): level per skill in words, the
    curve, what the level means, recent activity and due reviews, the date, the parameters."""
    return render(request, "teach/report", language, "report.js")


@router.get("/admin", response_class=HTMLResponse)
def admin(request: Request, language: PageLanguage) -> HTMLResponse:
    """The admin page: calibration runs (dry run, apply, roll back) and accounts. The page is
    the same for everyone; the API answers a non-admin's calls 403, shown as a message."""
    return render(request, "admin/admin", language, "admin.js")

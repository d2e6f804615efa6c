"""The app's pages: server-rendered HTML shells (Jinja2) whose scripts call the JSON API.

A page carries no learner's data: its script reads the token from the tab's
``sessionStorage`` and asks the API, so roles, ownership and problem details are
the API's own. The server renders only the interface's words, in the language
the ``b1lang`` cookie names (set by the page's language picker and at login from
the learner's support language; not secret, not personal beyond the choice),
with ``<html lang dir>`` to match.

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

from fastapi import APIRouter, Cookie, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from api.schemas import Language
from api.services import interface

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


def render(request: Request, page: str, language: str | None, script: str | None = None) -> HTMLResponse:
    """``templates/<page>.html`` in the interface language ``language``."""
    ui = interface.interface(language)
    return templates.TemplateResponse(request, f"{page}.html", {
        "page": page, "ui": ui, "t": ui.texts, "script": script,
        "texts_json": json.dumps(dict(ui.texts), ensure_ascii=False)})


@router.get("/", response_class=HTMLResponse)
def home(request: Request, b1lang: LanguageCookie = None) -> HTMLResponse:
    """The learner's home: level now, the placement test, today's drill, today's goal."""
    return render(request, "home", b1lang, "learner.js")


@router.get("/login", response_class=HTMLResponse)
def login(request: Request, b1lang: LanguageCookie = None) -> HTMLResponse:
    return render(request, "login", b1lang, "learner.js")


@router.get("/password", response_class=HTMLResponse)
def password(request: Request, b1lang: LanguageCookie = None) -> HTMLResponse:
    """A new password, first thing after a one-time password."""
    return render(request, "password", b1lang, "learner.js")


@router.get("/practice", response_class=HTMLResponse)
def practice(request: Request, b1lang: LanguageCookie = None) -> HTMLResponse:
    """A placement test or a drill (``?session=<id>``), one exercise at a time, then its result."""
    return render(request, "practice", b1lang, "learner.js")


@router.get("/progress", response_class=HTMLResponse)
def progress(request: Request, b1lang: LanguageCookie = None) -> HTMLResponse:
    """Level over time, per skill, words due for review, today's goal."""
    return render(request, "progress", b1lang, "learner.js")


@router.get("/author", response_class=HTMLResponse)
def author(request: Request, b1lang: LanguageCookie = None) -> HTMLResponse:
    """The author studio: own vocabulary sets, upload or edit one, preview, publish, retire."""
    return render(request, "author/studio", b1lang, "author.js")


@router.get("/teach", response_class=HTMLResponse)
def teach(request: Request, b1lang: LanguageCookie = None) -> HTMLResponse:
    """The teacher dashboard: classes, a class's roster and follow-up list (``?class=<id>``),
    a learner's page (``?class=<id>&learner=<id>``)."""
    return render(request, "teach/dashboard", b1lang, "teach.js")


@router.get("/teach/report", response_class=HTMLResponse)
def teach_report(request: Request, b1lang: LanguageCookie = None) -> HTMLResponse:
    """A learner's printable report (``?class=<id>&learner=<id>``): level per skill in words, the
    curve, what the level means, recent activity and due reviews, the date, the parameters."""
    return render(request, "teach/report", b1lang, "report.js")


@router.get("/admin", response_class=HTMLResponse)
def admin(request: Request, b1lang: LanguageCookie = None) -> HTMLResponse:
    """The admin page: calibration runs (dry run, apply, roll back) and accounts. The page is
    the same for everyone; the API answers a non-admin's calls 403, shown as a message."""
    return render(request, "admin/admin", b1lang, "admin.js")

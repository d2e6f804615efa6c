"""Domain errors and their rendering as RFC 9457 problem details.

Services raise :class:`DomainError` subclasses (they know nothing of HTTP);
one set of handlers turns those, FastAPI's validation errors and Starlette's
HTTP errors (404 for unknown paths, 405) into ``application/problem+json``.
"""
from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

PROBLEM_MEDIA_TYPE = "application/problem+json"
logger = logging.getLogger("b1engine.api")


class DomainError(Exception):
    """Base of every error a service reports to a caller."""

    status = 400
    title = "Bad request"

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions = extensions


class NotFound(DomainError):
    status = 404
    title = "Not found"


class Conflict(DomainError):
    status = 409
    title = "Conflict"


class Unauthorized(DomainError):
    status = 401
    title = "Not authenticated"


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"


class InvalidInput(DomainError):
    """Well-formed JSON whose content is wrong (e.g. a vocabulary set with problems)."""

    status = 422
    title = "Invalid input"


class TooManyRequests(DomainError):
    """Rate limited; ``retry_after`` seconds go into the ``Retry-After`` header."""

    status = 429
    title = "Too many requests"

    def __init__(self, detail: str, retry_after: int, **extensions: Any) -> None:
        super().__init__(detail, retry_after=retry_after, **extensions)
        self.retry_after = retry_after


class Unavailable(DomainError):
    status = 503
    title = "Service unavailable"


def loggable(text: object) -> str:
    """``text`` for one log line: control characters (NUL, BEL, ESC, newlines) escaped, so a
    request path or a name cannot forge log lines or drive a terminal."""
    return "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in str(text))


def error_titles() -> dict[int, str]:
    """Status -> title of every :class:`DomainError` class (the first class of each status),
    and of the framework's request validation (422): the routes' error documentation."""
    titles: dict[int, str] = {}
    pending = [DomainError]
    while pending:
        cls = pending.pop(0)
        titles.setdefault(cls.status, cls.title)
        pending.extend(cls.__subclasses__())
    return titles


def problem(status: int, title: str | None = None, detail: str | None = None,
            **extensions: Any) -> dict[str, Any]:
    """A problem-details body (RFC 9457 §3)."""
    body: dict[str, Any] = {"type": "about:blank",
                            "title": title or HTTPStatus(status).phrase,
                            "status": status}
    if detail is not None:
        body["detail"] = detail
    body.update(extensions)
    return body


def _location(loc: tuple | list) -> str:
    """``('body', 'entries', 0, 'lemma')`` -> ``body.entries[0].lemma``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def install(app) -> None:
    """Register the handlers on a FastAPI app."""
    from fastapi import Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse
    from sqlalchemy.exc import DataError, OperationalError
    from starlette.exceptions import HTTPException as StarletteHTTPException

    def respond(body: dict[str, Any], headers: dict[str, str] | None = None) -> JSONResponse:
        return JSONResponse(body, status_code=body["status"], media_type=PROBLEM_MEDIA_TYPE,
                            headers=headers)

    @app.exception_handler(DomainError)
    def _domain(request: Request, error: DomainError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
        if isinstance(error, TooManyRequests):
            headers = {"Retry-After": str(error.retry_after)}
        return respond(problem(error.status, error.title, error.detail,
                               instance=request.url.path, **error.extensions), headers)

    @app.exception_handler(RequestValidationError)
    def _validation(request: Request, error: RequestValidationError) -> JSONResponse:
        errors = [{"field": _location(e.get("loc", ())), "message": e.get("msg", ""),
                   "type": e.get("type", "")} for e in error.errors()]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return respond(problem(422, "Invalid request", detail, instance=request.url.path,
                               errors=errors))

    @app.exception_handler(OperationalError)
    def _database_down(request: Request, error: OperationalError) -> JSONResponse:
        # The database is unreachable or busy past its timeout: the client may retry.
        cause = error.orig if error.orig is not None else error
        logger.error("database error on %s %s: %s: %s", request.method, loggable(request.url.path),
                     cause.__class__.__name__, loggable(cause))
        return respond(problem(503, "Service unavailable", "database unavailable, retry later",
                               instance=request.url.path), {"Retry-After": "1"})

    def _unstorable(request: Request, error: Exception) -> JSONResponse:
        # A value the database cannot hold (NUL in text, an integer past 64 bits): bad input.
        return respond(problem(422, "Invalid request", "a value is out of range or contains "
                               "characters that cannot be stored", instance=request.url.path))

    app.add_exception_handler(DataError, _unstorable)
    app.add_exception_handler(OverflowError, _unstorable)

    @app.exception_handler(Exception)
    def _unexpected(request: Request, error: Exception) -> JSONResponse:
        # Logged with its traceback (never the request body); the client learns nothing more.
        logger.error("unexpected error on %s %s", request.method, loggable(request.url.path),
                     exc_info=error)
        return respond(problem(500, "Internal server error", None, instance=request.url.path))

    @app.exception_handler(StarletteHTTPException)
    def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        detail = error.detail if isinstance(error.detail, str) else None
        return respond(problem(error.status_code, None, detail, instance=request.url.path),
                       getattr(error, "headers", None))

"""Domain errors and their rendering as RFC 9457 problem details.

Services raise :class:`DomainError` subclasses (they know nothing of HTTP);
one set of handlers turns those, FastAPI's validation errors and Starlette's
HTTP errors (404 for unknown paths, 405) into ``application/problem+json``.
"""
from __future__ import annotations

from http import HTTPStatus
from typing import Any

PROBLEM_MEDIA_TYPE = "application/problem+json"


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


class Unavailable(DomainError):
    status = 503
    title = "Service unavailable"


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
    from starlette.exceptions import HTTPException as StarletteHTTPException

    def respond(body: dict[str, Any], headers: dict[str, str] | None = None) -> JSONResponse:
        return JSONResponse(body, status_code=body["status"], media_type=PROBLEM_MEDIA_TYPE,
                            headers=headers)

    @app.exception_handler(DomainError)
    def _domain(request: Request, error: DomainError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
        return respond(problem(error.status, error.title, error.detail,
                               instance=request.url.path, **error.extensions), headers)

    @app.exception_handler(RequestValidationError)
    def _validation(request: Request, error: RequestValidationError) -> JSONResponse:
        errors = [{"field": _location(e.get("loc", ())), "message": e.get("msg", ""),
                   "type": e.get("type", "")} for e in error.errors()]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return respond(problem(422, "Invalid request", detail, instance=request.url.path,
                               errors=errors))

    @app.exception_handler(StarletteHTTPException)
    def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        detail = error.detail if isinstance(error.detail, str) else None
        return respond(problem(error.status_code, None, detail, instance=request.url.path),
                       getattr(error, "headers", None))

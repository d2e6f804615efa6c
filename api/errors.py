"""Domain errors and their rendering as RFC 9457 problem details.

Services raise :class:`DomainError` subclasses (they know nothing of HTTP);
one set of handlers turns those, FastAPI's validation errors and Starlette's
HTTP errors (404 for unknown paths, 405) into ``application/problem+json``.

One shape for every error: ``type``, ``title``, ``status``, ``detail``,
``instance``, ``code``, and for bad input ``errors: [{field, message}]``.
``code`` is the problem's stable name for programs (``detail`` is English words
for people, and may be reworded): the status's (``not_found``, ``conflict``,
``invalid_input``, ``too_many_requests``…; :data:`STATUS_CODES`) unless the service names a narrower
problem (``placement_too_soon``, ``item_not_waiting``…; ``docs/api.md`` lists
them). A field is a
path where the value was sent: ``body.entries[4].examples[1]``,
``query.limit``, ``path.class_id``, ``body`` for the body as a whole. List
positions count from 1, as people count (the first entry is ``entries[1]``).
Messages are plain words that say what to send instead; pydantic's own texts
(``String should match pattern '^[a-z]+$'``) never reach a client
(:func:`plain_errors`).
"""
from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from http import HTTPStatus
from typing import Any

from content.notes import ENGLISH as CONTENT_NOTES

PROBLEM_MEDIA_TYPE = "application/problem+json"
logger = logging.getLogger("b1engine.api")


@dataclasses.dataclass(frozen=True)
class FieldProblem:
    """One bad value: where (a path, list positions from 1) and what to send instead.

    ``code`` and ``values``: the problem's stable name and the values its sentence needs,
    where it has one (:data:`FIELD_CODES`, :mod:`content.notes`), so a page can say it in
    its reader's language; ``message`` is the English.
    """

    field: str
    message: str
    code: str | None = None
    values: Mapping[str, Any] = dataclasses.field(default_factory=dict)


class DomainError(Exception):
    """Base of every error a service reports to a caller.

    ``errors``: the bad fields, named by their path in the request body (the web layer
    puts ``body.`` before them). ``field=`` is the short form for one field: the
    message is then ``detail`` without its ``"field: "`` prefix. ``code``: the
    problem's stable name when it is narrower than the status's (module notes).
    """

    status = 400
    title = "Bad request"

    def __init__(self, detail: str, errors: Iterable[FieldProblem] = (), *, code: str | None = None,
                 **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code
        field = extensions.pop("field", None)
        found = list(errors)
        if field is not None:
            found.insert(0, FieldProblem(str(field), _sentence(detail.removeprefix(f"{field}: "))))
        self.errors: tuple[FieldProblem, ...] = tuple(found)
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


#: The ``code`` of a problem no narrower name fits, by status: written out, not taken from
#: :class:`http.HTTPStatus` names, which change between Python versions (422, 413 in 3.13).
STATUS_CODES: Mapping[int, str] = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
    422: "invalid_input", 429: "too_many_requests", 500: "internal_error", 503: "unavailable",
}


def status_code(status: int) -> str:
    """The ``code`` of a problem of ``status`` that names nothing narrower (:data:`STATUS_CODES`)."""
    return STATUS_CODES.get(status) or HTTPStatus(status).name.lower()


def problem(status: int, title: str | None = None, detail: str | None = None,
            errors: Sequence[FieldProblem] = (), code: str | None = None, **extensions: Any) -> dict[str, Any]:
    """A problem-details body (RFC 9457 §3), with ``errors`` when fields are to blame; ``code``
    (an extension member) names the problem for programs, the status's name by default."""
    body: dict[str, Any] = {"type": "about:blank",
                            "title": title or HTTPStatus(status).phrase,
                            "status": status,
                            "code": code or status_code(status)}
    if detail is not None:
        body["detail"] = detail
    if errors:
        # code and values only where the problem has them (most are said only in words)
        body["errors"] = [{"field": e.field, "message": e.message,
                           **({"code": e.code, "values": dict(e.values)} if e.code else {})} for e in errors]
    body.update(extensions)
    return body


def _sentence(text: str) -> str:
    """``text`` ending with a full stop (its words as the service wrote them)."""
    text = text.strip()
    return text if not text or text[-1] in ".!?" else text + "."


# ---------------------------------------------------------------- validation in plain words

#: What to send, by pydantic error type, when the value had the wrong JSON type.
_WANTED = {
    "string_type": "text (a string in quotes)", "string_sub_type": "text (a string in quotes)",
    "int_type": "a whole number", "int_parsing": "a whole number", "int_from_float": "a whole number",
    "float_type": "a number", "float_parsing": "a number", "decimal_type": "a number",
    "decimal_parsing": "a number", "bool_type": "true or false", "bool_parsing": "true or false",
    "list_type": "a list ([...])", "tuple_type": "a list ([...])", "set_type": "a list ([...])",
    "dict_type": "an object ({...})", "model_type": "an object ({...})",
    "model_attributes_type": "an object ({...})", "dataclass_type": "an object ({...})",
    "none_required": "null", "datetime_type": "a date and time (e.g. 2026-09-01T08:00:00Z)",
    "datetime_parsing": "a date and time (e.g. 2026-09-01T08:00:00Z)",
    "datetime_from_date_parsing": "a date and time (e.g. 2026-09-01T08:00:00Z)",
    "date_type": "a date (e.g. 2026-09-01)", "date_parsing": "a date (e.g. 2026-09-01)",
    "date_from_datetime_parsing": "a date (e.g. 2026-09-01)", "uuid_type": "a UUID",
    "uuid_parsing": "a UUID", "url_type": "a web address (URL)", "url_parsing": "a web address (URL)",
    "bytes_type": "text (a string in quotes)", "json_type": "JSON",
}

#: Messages of the other pydantic error types; ``{name}`` fields come from the error's context.
_MESSAGES = {
    "missing": "Required: add this field.",
    "extra_forbidden": "Not a field of this request: remove it (or check its spelling).",
    "string_too_long": "Too long: use at most {max_length} characters.",
    "too_short": "Too few: give at least {min_length}.",
    "too_long": "Too many: give at most {max_length}.",
    "greater_than": "Use a number greater than {gt}.",
    "greater_than_equal": "Use a number of at least {ge}.",
    "less_than": "Use a number less than {lt}.",
    "less_than_equal": "Use a number of at most {le}.",
    "multiple_of": "Use a multiple of {multiple_of}.",
    "finite_number": "Use a finite number.",
    "literal_error": "Use one of {expected}.",
    "enum": "Use one of {expected}.",
    "union_tag_invalid": "Use one of {expected_tags} in '{discriminator}'.",
    "union_tag_not_found": "Add the field '{discriminator}'.",
    "string_unicode": "Use text in UTF-8.",
    "bytes_too_long": "Too long: use at most {max_length} characters.",
    "bytes_too_short": "Too short: use at least {min_length} characters.",
    "frozen_field": "This field cannot be changed: leave it out.",
}

#: Any other type: a pointer to the field's documentation, never pydantic's own text.
_FALLBACK = "This value is not accepted here: see the field in the API reference at /docs."


def _pattern_message(pattern: str) -> str:
    """A pattern of one character class (``^[A-Za-z0-9._-]+$``, ``^[a-z]{2,8}$``) in words;
    other patterns get the fallback (a regular expression is no explanation)."""
    match = re.fullmatch(r"\^\[([^\]\\^]+)\](\+|\*|\{\d+(?:,\d*)?\})\$", pattern)
    if match is None:
        return _FALLBACK
    ranges = {"a-z": "letters a–z", "A-Z": "letters A–Z", "0-9": "digits 0–9"}
    body, parts = match.group(1), []
    for found, words in ranges.items():
        if found in body:
            parts.append(words)
            body = body.replace(found, "")
    if re.search(r".-.", body):
        return _FALLBACK
    if "letters a–z" in parts and "letters A–Z" in parts:
        parts.remove("letters A–Z")
        parts[parts.index("letters a–z")] = "letters a–z (small or capital)"
    parts += [f"'{ch}'" for ch in body]
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"Use {listed} only."


def _message(error: Mapping[str, Any]) -> str:
    kind = error.get("type", "")
    context = error.get("ctx") or {}
    if kind in _WANTED:
        return f"Use {_WANTED[kind]}."
    if kind == "string_too_short":
        minimum = context.get("min_length", 1)
        return "Must not be empty." if minimum == 1 else f"Too short: use at least {minimum} characters."
    if kind == "string_pattern_mismatch":
        return _pattern_message(str(context.get("pattern", "")))
    if kind in ("value_error", "assertion_error"):
        # Our own validators' words (ValueError messages written for people).
        return _sentence(str(context.get("error", ""))) or _FALLBACK
    if kind in CONTENT_NOTES:  # the content schema's validators', with a code (content.notes)
        return _sentence(str(error.get("msg", ""))) or _FALLBACK
    if kind == "json_invalid":
        return "The body is not valid JSON: check its quotes, commas and brackets."
    if kind in _MESSAGES:
        try:
            return _MESSAGES[kind].format(**context)
        except (KeyError, IndexError, ValueError):
            return _FALLBACK
    return _FALLBACK


_MISSING = object()


def _walk(loc: Sequence[Any], root: Any, kind: str) -> tuple[list[Any], bool, Any]:
    """The steps of ``loc`` that are places in the input, whether a union's member
    names were among the others (pydantic puts ``'str'``, ``'list[str]'`` or a model's
    name in the location of each member's error; those are no place a client sent),
    and the value found there (``_MISSING`` when unknown)."""
    steps: list[Any] = []
    node, known, tagged = root, root is not _MISSING, False
    for index, step in enumerate(loc):
        last = index == len(loc) - 1
        if not known:
            steps.append(step)
        elif isinstance(step, int) and isinstance(node, list):
            steps.append(step)
            node = node[step] if -len(node) <= step < len(node) else _MISSING
            known = node is not _MISSING
        elif isinstance(node, Mapping) and (step in node or (last and kind == "missing")):
            steps.append(step)
            node = node.get(step, _MISSING)
            known = node is not _MISSING
        else:
            tagged = True  # a union member's name: not a place in the input
    return steps, tagged, node if known else _MISSING


def field_path(steps: Sequence[Any]) -> str:
    """``['entries', 3, 'examples', 0]`` -> ``entries[4].examples[1]`` (positions from 1)."""
    text = ""
    for step in steps:
        text += f"[{step + 1}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text


def plain_errors(errors: Iterable[Mapping[str, Any]], root: Any = _MISSING,
                 prefix: str = "") -> list[FieldProblem]:
    """Pydantic's errors (``ValidationError.errors()``) as :class:`FieldProblem`, in plain words.

    ``root`` is the validated input: with it, union members' names are dropped from the
    paths, and where a union's members disagree the messages are merged (an answer that
    is neither text nor a list: "Use text (a string in quotes) or a list ([...])."). Where
    the value had the type of one member, only that member's errors are kept.
    ``prefix`` goes before every path (``body``); the input as a whole is ``prefix`` itself
    (``""`` without one: a service's whole body, which the web layer names ``body``).
    """
    located: list[tuple[str, bool, Mapping[str, Any]]] = []
    for error in errors:
        kind = error.get("type", "")
        steps, tagged, value = _walk(tuple(error.get("loc", ())), root, kind)
        if kind == "too_short" and isinstance(value, (list, Mapping)) and \
                len(value) >= (error.get("ctx") or {}).get("min_length", 0):
            continue  # a by-product of errors inside the list: it is long enough
        path = field_path(steps)
        located.append((f"{prefix}.{path}" if prefix and path else (path or prefix), tagged, error))
    union_paths = [path for path, tagged, _ in located if tagged]
    constrained = {path for path, tagged, error in located
                   if tagged and error.get("type") not in _WANTED}

    def shadowed(path: str, tagged: bool, error: Mapping[str, Any]) -> bool:
        # A union member whose type the value did not have, beside one whose type it had
        # (that member's error is about what is inside the value, or about the value itself).
        return tagged and error.get("type") in _WANTED and (path in constrained or any(
            other.startswith((path + ".", path + "[")) for other in union_paths))

    merged: dict[str, list[str]] = {}
    wanted: dict[str, list[str]] = {}
    coded: dict[str, tuple[str, dict[str, Any]]] = {}
    for path, tagged, error in located:
        if shadowed(path, tagged, error):
            continue
        kind = error.get("type", "")
        if kind in _WANTED:
            wanted.setdefault(path, []).append(_WANTED[kind])
            merged.setdefault(path, [])
        else:
            messages = merged.setdefault(path, [])
            message = _message(error)
            if message not in messages:
                messages.append(message)
                found = _code(error)
                if found:
                    coded.setdefault(path, found)
    out = []
    for path, messages in merged.items():
        nouns = list(dict.fromkeys(wanted.get(path, [])))
        if nouns:
            messages = [f"Use {' or '.join(nouns)}.", *messages]
        # A code only for a problem said in one sentence (merged ones stay words).
        code, values = coded[path] if len(messages) == 1 and path in coded else (None, {})
        out.append(FieldProblem(path, " Or: ".join(messages), code, values))
    return out


#: The codes of the pydantic error types a page words in its reader's language
#: (``FieldProblem.code``), with the context values their sentences take.
FIELD_CODES = {"missing": ("missing", ()), "extra_forbidden": ("unknown_field", ()),
               "string_too_long": ("text_too_long", ("max_length",)),
               "too_short": ("too_few", ("min_length",)), "too_long": ("too_many", ("max_length",))}


def _code(error: Mapping[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """``error``'s code and values (:class:`FieldProblem`), or None for a problem said only in words."""
    kind = error.get("type", "")
    context = error.get("ctx") or {}
    if kind in CONTENT_NOTES:  # a content validator's own problem (content.notes)
        return kind, dict(context)
    if kind == "string_too_short":
        minimum = context.get("min_length", 1)
        return ("empty", {}) if minimum == 1 else ("text_too_short", {"min_length": minimum})
    if kind == "literal_error":
        # pydantic gives the choices as one English phrase ("'A1', 'A2' or 'B1'").
        return "not_a_choice", {"choices": re.findall(r"'([^']*)'", str(context.get("expected", "")))}
    if kind in FIELD_CODES:
        code, names = FIELD_CODES[kind]
        return code, {name: context[name] for name in names if name in context}
    return None


#: Where a request's values come from, as the framework's error locations begin.
SOURCES = ("body", "query", "path", "header", "cookie")


def request_errors(errors: Sequence[Mapping[str, Any]], body: Any) -> list[FieldProblem]:
    """The framework's request validation errors, each field named by where it was sent
    (``body.entries[4].lemma``, ``query.limit``)."""
    found: list[FieldProblem] = []
    for source in SOURCES:
        mine = [e for e in errors if tuple(e.get("loc", ()))[:1] == (source,)]
        if mine:
            root = body if source == "body" and body is not None else _MISSING
            found += plain_errors([{**e, "loc": tuple(e["loc"])[1:]} for e in mine], root, prefix=source)
    found += plain_errors([e for e in errors if tuple(e.get("loc", ()))[:1] not in
                           {(source,) for source in SOURCES}], prefix="body")
    return found


def summary(errors: Sequence[FieldProblem]) -> str:
    """The ``detail`` of a problem with bad fields: every field and what to do, on one line."""
    return "; ".join(f"{e.field}: {e.message}" for e in errors)


#: Plain ``detail`` of the framework's own HTTP errors, by status.
_FRAMEWORK_DETAILS = {
    400: "The request body could not be read: send JSON with 'Content-Type: application/json' "
         "(or form fields where the route takes a form, as POST /v1/auth/token does).",
    404: "There is nothing at {path}: check the address (the API's addresses are listed at /docs).",
}


def _http_detail(status: int, detail: Any, path: str, allow: str | None) -> str | None:
    """A plain ``detail`` for the framework's errors (its own texts: 'Not Found',
    'Method Not Allowed', 'There was an error parsing the body')."""
    if status == 405:
        allowed = f": use {allow}" if allow else ""
        return f"This address does not take this method{allowed}."
    if status in _FRAMEWORK_DETAILS:
        return _FRAMEWORK_DETAILS[status].format(path=path)
    return detail if isinstance(detail, str) and detail != HTTPStatus(status).phrase else None


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
        # A service names fields of the request body; the client reads where it sent them.
        fields = [dataclasses.replace(e, field=f"body.{e.field}" if e.field else "body") for e in error.errors]
        return respond(problem(error.status, error.title, error.detail, fields, error.code,
                               instance=request.url.path, **error.extensions), headers)

    @app.exception_handler(RequestValidationError)
    def _validation(request: Request, error: RequestValidationError) -> JSONResponse:
        found = request_errors(error.errors(), error.body)
        return respond(problem(422, InvalidInput.title, summary(found), found,
                               instance=request.url.path))

    @app.exception_handler(OperationalError)
    def _database_down(request: Request, error: OperationalError) -> JSONResponse:
        # The database is unreachable or busy past its timeout: the client may retry.
        cause = error.orig if error.orig is not None else error
        logger.error("database error on %s %s: %s: %s", request.method, loggable(request.url.path),
                     cause.__class__.__name__, loggable(cause))
        return respond(problem(503, "Service unavailable", "The database is unavailable: try again "
                               "in a moment.",
                               instance=request.url.path), {"Retry-After": "1"})

    def _unstorable(request: Request, error: Exception) -> JSONResponse:
        # A value the database cannot hold (NUL in text, an integer past 64 bits): bad input.
        return respond(problem(422, InvalidInput.title, "A value is out of range or contains "
                               "characters that cannot be stored: send smaller numbers and "
                               "printable text.", instance=request.url.path))

    app.add_exception_handler(DataError, _unstorable)
    app.add_exception_handler(OverflowError, _unstorable)

    @app.exception_handler(Exception)
    def _unexpected(request: Request, error: Exception) -> JSONResponse:
        # Logged with its traceback (never the request body); the client learns nothing more.
        logger.error("unexpected error on %s %s", request.method, loggable(request.url.path),
                     exc_info=error)
        return respond(problem(500, "Internal server error", "Something went wrong on the server: "
                               "try again; if it happens again, tell the service's administrator "
                               "(the server's log has the details).", instance=request.url.path))

    @app.exception_handler(StarletteHTTPException)
    def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        headers = dict(getattr(error, "headers", None) or {})
        if error.status_code == 405:
            # The router names the methods of the first route on the path only (POST of
            # POST /v1/classes, not GET): every route's, from the API's own paths.
            allowed = _methods_at(app, request.url.path)
            if allowed:
                headers["Allow"] = ", ".join(allowed)
        detail = _http_detail(error.status_code, error.detail, loggable(request.url.path),
                              headers.get("Allow"))
        return respond(problem(error.status_code, None, detail, instance=request.url.path),
                       headers or None)


def _methods_at(app, path: str) -> list[str]:
    """The methods of the API's routes whose path template matches ``path``."""
    templates = getattr(app.state, "path_methods", None)
    if templates is None:
        templates = [(re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$"),
                      [method.upper() for method in methods])
                     for template, methods in app.openapi().get("paths", {}).items()]
        app.state.path_methods = templates
    return sorted({method for pattern, methods in templates if pattern.match(path) for method in methods})

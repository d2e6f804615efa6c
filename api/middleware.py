"""Plain ASGI middleware (no per-request task): security headers and admission control.

HTTP response headers every reply carries:

- ``X-Content-Type-Options: nosniff`` — browsers keep the declared media type.
- ``X-Frame-Options: DENY`` and CSP ``frame-ancestors 'none'`` — no framing (clickjacking).
- ``Content-Security-Policy: default-src 'none'`` on API replies (JSON and SVG load nothing);
  the interactive docs (``/docs``, ``/redoc``) may load scripts, styles and images from this
  server only (Swagger UI and ReDoc are served from ``/docs/assets``), nothing from elsewhere.
- ``Referrer-Policy: no-referrer``.
- ``Cache-Control: no-store`` — learners' data and tokens stay out of shared caches (the docs'
  scripts and styles, the same for everyone, are kept a day).
- ``Strict-Transport-Security`` when ``B1ENGINE_HSTS_SECONDS`` is set (behind HTTPS only).
"""
from __future__ import annotations

from typing import Any

import anyio

#: Paths serving HTML that loads scripts and styles (FastAPI's docs pages), and where their
#: scripts and styles are served from (the app itself: no CDN).
DOCS_PATHS = ("/docs", "/redoc")
DOCS_ASSETS = "/docs/assets"
API_CSP = b"default-src 'none'; frame-ancestors 'none'"
#: The docs pages run one inline script each (Swagger UI's and ReDoc's start-up) and load
#: everything else from this server: a page that reached for a CDN would be refused.
DOCS_CSP = (b"default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
            b"img-src 'self' data:; worker-src 'self' blob:; frame-ancestors 'none'")
#: The app's pages (learner app, later the teacher's and the author's) and their static files.
#: Scripts, styles and images from this server only, no inline script (the pages' data sits in
#: ``<script type="application/json">``, which runs nothing); fetch to this server only.
APP_PATHS = ("/login", "/password", "/practice", "/progress", "/author", "/teach", "/teach/report",
             "/admin")
APP_STATIC = "/static"
APP_CSP = (b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
           b"connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
#: LTI's pages (``api/routes/lti.py``) open inside the learning platform's frame: they carry
#: their own CSP, whose ``frame-ancestors`` names the registered platforms, and no
#: ``X-Frame-Options`` (which cannot name them). A reply there without a CSP gets the API's.
LTI_PATHS = "/lti/"
#: Swagger UI and ReDoc (2.8 MB, 0.6 MB compressed) change only with the installed package:
#: a browser keeps them a day instead of loading them again with every visit to /docs.
ASSETS_CACHE = b"public, max-age=86400"


class SecurityHeaders:
    def __init__(self, app: Any, hsts_seconds: int = 0) -> None:
        self.app = app
        common = [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
                  (b"referrer-policy", b"no-referrer"), (b"cache-control", b"no-store")]
        if hsts_seconds > 0:
            common.append((b"strict-transport-security",
                           f"max-age={hsts_seconds}; includeSubDomains".encode()))
        self.api_headers = [*common, (b"content-security-policy", API_CSP)]
        self.docs_headers = [*common, (b"content-security-policy", DOCS_CSP)]
        self.assets_headers = [(k, ASSETS_CACHE if k == b"cache-control" else v) for k, v in self.docs_headers]
        self.app_headers = [*common, (b"content-security-policy", APP_CSP)]
        # Static files are named with their content's hash in the pages (``?v=``): kept a day.
        self.app_static_headers = [(k, ASSETS_CACHE if k == b"cache-control" else v) for k, v in self.app_headers]
        self.names = {name for name, _ in self.api_headers}
        self.lti_headers = [(k, v) for k, v in common if k != b"x-frame-options"]

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        extra = (self.assets_headers if path.startswith(DOCS_ASSETS + "/") else
                 self.docs_headers if path.startswith(DOCS_PATHS) else
                 self.app_static_headers if path.startswith(APP_STATIC + "/") else
                 self.app_headers if path == "/" or path in APP_PATHS else self.api_headers)

        lti = path.startswith(LTI_PATHS)

        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                given = message.get("headers", [])
                if lti:
                    own = [(k, v) for k, v in given if k.lower() == b"content-security-policy"]
                    headers = [(k, v) for k, v in given if k.lower() not in self.names]
                    message = {**message, "headers": headers + self.lti_headers
                               + (own or [(b"content-security-policy", API_CSP)])}
                else:
                    headers = [(k, v) for k, v in given if k.lower() not in self.names]
                    message = {**message, "headers": headers + extra}
            await send(message)

        await self.app(scope, receive, send_with_headers)


#: Requests that check a password: one Argon2 hash each (about 19 ms of CPU and 19 MiB).
PASSWORD_ROUTES = frozenset({("POST", "/v1/auth/token"), ("POST", "/v1/auth/password")})
#: Password checks a worker admits at once (:class:`AdmissionLimit`). Each keeps one core busy
#: (Argon2 runs outside the GIL): with about as many workers as cores, more at once would only
#: share the cores among logins, and take the places of the learners already in.
PASSWORD_CHECKS = 1


class AdmissionLimit:
    """At most ``limit`` requests inside the app at once per worker; the rest wait their turn
    (first come, first served) in the event loop, holding nothing. Of those inside, at most
    ``password_checks`` check a password (:data:`PASSWORD_ROUTES`).

    A request can hold its database connection across several thread hops (FastAPI runs
    each plain-``def`` dependency, the route and the response validation in the thread
    pool). With more requests inside than connections, every thread can end up waiting
    for a connection held by a request that waits for a thread: the pool times out.
    Admitting no more requests than the pool has connections makes that impossible, and
    keeps the threads from contending for the GIL.

    Logins wait in a line of their own before they queue for a place: when a class logs
    in at once, the learners already in (starting a test, answering) are not queued
    behind twenty password checks of their worker. Measured at 9:00 (40 learners, 2
    workers on 2 cores): with every place open to logins, session starts waited up to
    0.54 s for admission while the logins of their worker went first.
    """

    def __init__(self, app: Any, limit: int, password_checks: int = PASSWORD_CHECKS) -> None:
        self.app, self.limit = app, limit
        self.password_checks = min(password_checks, limit)
        self.semaphore: anyio.Semaphore | None = None
        self.password_semaphore: anyio.Semaphore | None = None

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.semaphore is None or self.password_semaphore is None:
            # Made in the event loop that serves the requests.
            self.semaphore = anyio.Semaphore(self.limit)
            self.password_semaphore = anyio.Semaphore(self.password_checks)
        places, password_places = self.semaphore, self.password_semaphore
        held: list[anyio.Semaphore] = []
        try:
            if (scope["method"], scope["path"]) in PASSWORD_ROUTES:
                await password_places.acquire()
                held.append(password_places)
            await places.acquire()
            held.append(places)

            async def send_and_leave(message: dict) -> None:
                # Leave once the reply is out: background tasks after it hold no place.
                await send(message)
                if message["type"] == "http.response.body" and not message.get("more_body"):
                    _release(held)

            await self.app(scope, receive, send_and_leave)
        finally:
            _release(held)


def _release(held: list[anyio.Semaphore]) -> None:
    while held:
        held.pop().release()


#: Routes whose body may be an upload (``max_upload_bytes``), by method and path.
UPLOAD_ROUTES = {("POST", "/v1/vocabulary-sets"), ("POST", "/v1/vocabulary-sets/file")}
#: Routes under a prefix that take an upload too: a vocabulary set's edit (``PUT .../{id}``).
UPLOAD_PREFIXES = (("PUT", "/v1/vocabulary-sets/"),)


def _problem(status: int, title: str, detail: str, path: str) -> tuple[dict, dict]:
    import json

    from api.errors import problem

    body = json.dumps(problem(status, title, detail, instance=path)).encode()
    start = {"type": "http.response.start", "status": status,
             "headers": [(b"content-type", b"application/problem+json"),
                         (b"content-length", str(len(body)).encode()), (b"connection", b"close")]}
    return start, {"type": "http.response.body", "body": body}


class BodyLimits:
    """Reads a request's headers' size and its whole body before anything else sees it.

    - request line and headers over ``max_header_bytes``: 431;
    - a declared ``Content-Length`` over the route's limit: 413 at once, the body unread;
      a chunked body is counted as it comes and refused (413) when it passes the limit;
    - a body not complete within ``read_timeout`` seconds: 408.

    The body is buffered here, outside :class:`AdmissionLimit`: a client that sends its
    body a byte a second holds a coroutine and a socket, never one of the few admission
    slots (a database connection each). The app then gets the body in one message.
    """

    def __init__(self, app: Any, max_body: int, max_upload: int, max_header: int,
                 read_timeout: float) -> None:
        self.app, self.max_body, self.max_upload = app, max_body, max_upload
        self.max_header, self.read_timeout = max_header, read_timeout

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header_bytes = len(scope.get("raw_path") or scope["path"].encode()) + len(scope.get("query_string", b""))
        header_bytes += sum(len(k) + len(v) + 4 for k, v in scope.get("headers", ()))
        path = scope["path"]
        if header_bytes > self.max_header:
            await self._refuse(send, path, 431, "Request header fields too large",
                               f"The request line and headers are {header_bytes} bytes; at most "
                               f"{self.max_header} are accepted: send fewer or shorter headers.")
            return
        route = (scope["method"], scope["path"])
        upload = route in UPLOAD_ROUTES or any(route[0] == method and route[1].startswith(prefix)
                                               for method, prefix in UPLOAD_PREFIXES)
        limit = self.max_upload if upload else self.max_body
        declared = dict(scope.get("headers", ())).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(send, path, 413, "Content too large",
                               f"The request body is {int(declared)} bytes; at most {limit} are accepted "
                               f"here: send less (a large vocabulary set as several sets).")
            return
        chunks: list[bytes] = []
        size = 0
        try:
            with anyio.fail_after(self.read_timeout):
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        return
                    chunk = message.get("body", b"")
                    size += len(chunk)
                    if size > limit:
                        await self._refuse(send, path, 413, "Content too large",
                                           f"The request body is more than {limit} bytes; at most {limit} "
                                           f"are accepted here: send less (a large vocabulary set as "
                                           f"several sets).")
                        return
                    chunks.append(chunk)
                    if not message.get("more_body"):
                        break
        except TimeoutError:
            await self._refuse(send, path, 408, "Request timeout",
                               f"The request body did not arrive within {self.read_timeout:g} s: send "
                               f"the request again.")
            return
        body, delivered = b"".join(chunks), False

        async def replay() -> dict:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    @staticmethod
    async def _refuse(send: Any, path: str, status: int, title: str, detail: str) -> None:
        start, body = _problem(status, title, detail, path)
        await send(start)
        await send(body)

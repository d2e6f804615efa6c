"""Plain ASGI middleware (no per-request task): security headers and admission control.

HTTP response headers every reply carries:

- ``X-Content-Type-Options: nosniff`` — browsers keep the declared media type.
- ``X-Frame-Options: DENY`` and CSP ``frame-ancestors 'none'`` — no framing (clickjacking).
- ``Content-Security-Policy: default-src 'none'`` on API replies (JSON and SVG load nothing);
  the interactive docs (``/docs``, ``/redoc``) keep only ``frame-ancestors``, as they load
  Swagger UI's scripts.
- ``Referrer-Policy: no-referrer``.
- ``Cache-Control: no-store`` — learners' data and tokens stay out of shared caches.
- ``Strict-Transport-Security`` when ``B1ENGINE_HSTS_SECONDS`` is set (behind HTTPS only).
"""
from __future__ import annotations

from typing import Any

import anyio

#: Paths serving HTML that loads scripts and styles (FastAPI's docs pages).
DOCS_PATHS = ("/docs", "/redoc")
API_CSP = b"default-src 'none'; frame-ancestors 'none'"
DOCS_CSP = b"frame-ancestors 'none'"


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
        self.names = {name for name, _ in self.api_headers}

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self.docs_headers if scope["path"].startswith(DOCS_PATHS) else self.api_headers

        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in self.names]
                message = {**message, "headers": headers + extra}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class AdmissionLimit:
    """At most ``limit`` requests inside the app at once per worker; the rest wait their turn
    (first come, first served) in the event loop, holding nothing.

    A request can hold its database connection across several thread hops (FastAPI runs
    each plain-``def`` dependency, the route and the response validation in the thread
    pool). With more requests inside than connections, every thread can end up waiting
    for a connection held by a request that waits for a thread: the pool times out.
    Admitting no more requests than the pool has connections makes that impossible, and
    keeps the threads from contending for the GIL.
    """

    def __init__(self, app: Any, limit: int) -> None:
        self.app, self.limit = app, limit
        self.semaphore: anyio.Semaphore | None = None

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.semaphore is None:  # made in the event loop that serves the requests
            self.semaphore = anyio.Semaphore(self.limit)
        semaphore = self.semaphore
        await semaphore.acquire()
        admitted = True

        async def send_and_leave(message: dict) -> None:
            # Leave once the reply is out: background tasks after it hold no slot.
            nonlocal admitted
            await send(message)
            if admitted and message["type"] == "http.response.body" and not message.get("more_body"):
                admitted = False
                semaphore.release()

        try:
            await self.app(scope, receive, send_and_leave)
        finally:
            if admitted:
                semaphore.release()


#: Routes whose body may be an upload (``max_upload_bytes``), by method and path.
UPLOAD_ROUTES = {("POST", "/v1/vocabulary-sets")}


def _problem(status: int, title: str, detail: str) -> tuple[dict, dict]:
    import json

    body = json.dumps({"type": "about:blank", "title": title, "status": status,
                       "detail": detail}).encode()
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
        if header_bytes > self.max_header:
            await self._refuse(send, 431, "Request header fields too large",
                               f"request line and headers: {header_bytes} bytes, at most {self.max_header}")
            return
        limit = self.max_upload if (scope["method"], scope["path"]) in UPLOAD_ROUTES else self.max_body
        declared = dict(scope.get("headers", ())).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(send, 413, "Content too large",
                               f"request body: {int(declared)} bytes, at most {limit} here")
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
                        await self._refuse(send, 413, "Content too large",
                                           f"request body: more than {limit} bytes, at most {limit} here")
                        return
                    chunks.append(chunk)
                    if not message.get("more_body"):
                        break
        except TimeoutError:
            await self._refuse(send, 408, "Request timeout",
                               f"the request body did not arrive within {self.read_timeout:g} s")
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
    async def _refuse(send: Any, status: int, title: str, detail: str) -> None:
        start, body = _problem(status, title, detail)
        await send(start)
        await send(body)

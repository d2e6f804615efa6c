"""HTTP response headers every reply carries (plain ASGI middleware: no per-request task).

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

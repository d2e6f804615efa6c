"""HTTP to the platforms (httpx): their public keys (JWKS) and OAuth2 access tokens.

One :class:`PlatformClient` per process (made by the app's lifespan and by the commands),
holding the connection pool and two caches:

- JWKS by URL, kept ``JWKS_TTL``; a token signed with a kid the cached set lacks makes
  one fetch (a platform rotated its key), not more.
- Access tokens by (token URL, client id, scopes), kept until shortly before they expire
  (AGS and NRPS calls come in bursts: one token serves a class's grades).

Tokens are asked for with the client-credentials grant and a client assertion: a JWT
the tool signs with its own key (LTI Advantage Security Framework §4.1, RFC 7523).
"""
from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import jwt
from jwt import PyJWK

from api.services.lti import claims
from api.services.lti.keys import ALGORITHM, SigningKey
from api.services.lti.registrations import Registration

#: How long a platform's key set is trusted before it is fetched again.
JWKS_TTL = 3600.0
#: A token is used until this long before it expires (a request must not carry one that
#: expires on the way).
TOKEN_MARGIN = 60.0
#: Lifetime of a client assertion (Security Framework: short; five minutes is common).
ASSERTION_LIFETIME = timedelta(minutes=5)
#: Seconds to connect to and hear from a platform (a launch waits on its JWKS).
TIMEOUT = httpx.Timeout(10.0, connect=5.0)


class PlatformError(Exception):
    """A platform did not answer as the specifications say (down, refused, malformed)."""


@dataclass(frozen=True)
class _Token:
    value: str
    expires: float  # time.monotonic()


class PlatformClient:
    """The process's HTTP client to the platforms and its caches (thread-safe)."""

    def __init__(self, transport: httpx.BaseTransport | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.http = httpx.Client(transport=transport, timeout=TIMEOUT, follow_redirects=False)
        self._clock = clock
        self._lock = threading.Lock()
        self._jwks: dict[str, tuple[float, dict[str, PyJWK]]] = {}
        self._tokens: dict[tuple[str, str, str], _Token] = {}

    def close(self) -> None:
        self.http.close()

    # ------------------------------------------------------------------ the platform's keys

    def platform_key(self, jwks_url: str, kid: str) -> PyJWK | None:
        """The platform's public key named ``kid``: from the cache, else fetched (once)."""
        with self._lock:
            cached = self._jwks.get(jwks_url)
        if cached is not None and self._clock() - cached[0] < JWKS_TTL and kid in cached[1]:
            return cached[1][kid]
        keys = self._fetch_jwks(jwks_url)
        with self._lock:
            self._jwks[jwks_url] = (self._clock(), keys)
        return keys.get(kid)

    def _fetch_jwks(self, url: str) -> dict[str, PyJWK]:
        data = self._json("GET", url, headers={"Accept": "application/json"})
        keys: dict[str, PyJWK] = {}
        for entry in data.get("keys", []) if isinstance(data, dict) else []:
            if not isinstance(entry, dict) or "kid" not in entry:
                continue
            try:
                keys[str(entry["kid"])] = PyJWK(entry)
            except jwt.PyJWTError:
                continue  # a key of a kind we do not use (the platform's encryption key, say)
        return keys

    # ------------------------------------------------------------------ access tokens

    def token(self, registration: Registration, scopes: tuple[str, ...], key: SigningKey,
              now: datetime) -> str:
        """An access token for ``scopes`` at the platform (cached until shortly before expiry)."""
        cache_key = (registration.auth_token_url, registration.client_id, " ".join(sorted(scopes)))
        with self._lock:
            cached = self._tokens.get(cache_key)
        if cached is not None and cached.expires - TOKEN_MARGIN > self._clock():
            return cached.value
        assertion = jwt.encode({"iss": registration.client_id, "sub": registration.client_id,
                                "aud": registration.auth_token_url, "iat": now,
                                "exp": now + ASSERTION_LIFETIME, "jti": secrets.token_urlsafe(16)},
                               key.private_key, algorithm=ALGORITHM, headers={"kid": key.kid})
        data = self._json("POST", registration.auth_token_url, data={
            "grant_type": "client_credentials", "client_assertion_type": claims.CLIENT_ASSERTION_TYPE,
            "client_assertion": assertion, "scope": cache_key[2]})
        value = data.get("access_token") if isinstance(data, dict) else None
        if not isinstance(value, str) or not value:
            raise PlatformError(f"{registration.auth_token_url} gave no access token")
        expires_in = data.get("expires_in", 3600)
        lifetime = float(expires_in) if isinstance(expires_in, (int, float)) else 3600.0
        with self._lock:
            self._tokens[cache_key] = _Token(value, self._clock() + lifetime)
        return value

    def forget_token(self, registration: Registration) -> None:
        """Drop the registration's cached tokens (the platform refused one: revoked early)."""
        with self._lock:
            for cache_key in [k for k in self._tokens if k[:2] == (registration.auth_token_url,
                                                                   registration.client_id)]:
                del self._tokens[cache_key]

    # ------------------------------------------------------------------ requests

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """A request to a platform; :class:`PlatformError` when it cannot be made or is refused."""
        try:
            response = self.http.request(method, url, **kwargs)
        except httpx.HTTPError as error:
            raise PlatformError(f"{method} {url}: {error.__class__.__name__}: {error}") from None
        if response.status_code >= 400:
            raise PlatformError(f"{method} {url}: HTTP {response.status_code}")
        return response

    def _json(self, method: str, url: str, **kwargs: Any) -> Any:
        response = self.request(method, url, **kwargs)
        try:
            return response.json()
        except ValueError:
            raise PlatformError(f"{method} {url}: the reply is not JSON") from None

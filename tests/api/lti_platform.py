"""A learning platform for the LTI tests, run in-process: real RS256 id_tokens, a JWKS, an
OAuth2 token endpoint that checks the tool's client assertion against the tool's own
``/lti/jwks``, line items, scores and memberships (AGS 2.0, NRPS 2.0).

Our own, with PyJWT and ``httpx.MockTransport`` (no sockets): ``lti1p3platform`` from the
registry is a Django-style platform that needs its own storage and web framework; what the
tests need is small, and written here every check is visible.
"""
from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

ISSUER = "https://lms.example.edu"
CLIENT_ID = "b1-tool-client"
DEPLOYMENT = "deployment-1"
CONTEXT = "course-101"
LTI = "https://purl.imsglobal.org/spec/lti/claim/"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
DL_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCOPE_MEMBERSHIPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"


def _key() -> Any:
    # 2048 bits: PyJWT refuses shorter RSA keys.
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class Score:
    lineitem: str
    body: dict[str, Any]


@dataclass
class FakePlatform:
    """The platform; ``down`` makes every request fail to connect."""

    tool_jwks: Callable[[], dict[str, Any]] = lambda: {"keys": []}
    down: bool = False
    key: Any = field(default_factory=_key)
    kid: str = "platform-key-1"
    members: list[dict[str, Any]] = field(default_factory=list)
    lineitems: dict[str, dict[str, Any]] = field(default_factory=dict)
    scores: list[Score] = field(default_factory=list)
    tokens: dict[str, str] = field(default_factory=dict)  # access token -> scopes
    token_requests: int = 0

    # ------------------------------------------------------------------ registration values

    base = ISSUER
    auth_login_url = ISSUER + "/auth"
    auth_token_url = ISSUER + "/token"
    jwks_url = ISSUER + "/jwks"
    memberships_url = ISSUER + "/courses/101/memberships"
    lineitems_url = ISSUER + "/courses/101/lineitems"

    def register(self, db, now: datetime) -> None:
        from api.services.lti.registrations import register

        register(db, ISSUER, CLIENT_ID, [DEPLOYMENT], self.auth_login_url, self.auth_token_url, self.jwks_url, now)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    # ------------------------------------------------------------------ id_tokens

    def id_token(self, nonce: str, sub: str, roles: list[str], now: datetime, *, key: Any = None,
                 kid: str | None = None, message_type: str = "LtiResourceLinkRequest",
                 link: str = "link-1", custom: dict[str, str] | None = None, ags: dict | None = None,
                 nrps: bool = False, deep_linking: dict | None = None, name: str | None = "Amina Yusuf",
                 **overrides: Any) -> str:
        claims: dict[str, Any] = {
            "iss": ISSUER, "aud": CLIENT_ID, "sub": sub, "iat": int(now.timestamp()),
            "exp": int((now + timedelta(minutes=5)).timestamp()), "nonce": nonce,
            "email": f"{sub}@lms.example.edu", "name": name,
            LTI + "message_type": message_type, LTI + "version": "1.3.0",
            LTI + "deployment_id": DEPLOYMENT, LTI + "target_link_uri": "https://testserver/lti/launch",
            LTI + "roles": roles, LTI + "context": {"id": CONTEXT, "label": "NO101", "title": "Norsk for voksne"},
            LTI + "custom": custom or {"language": "nb", "mode": "placement"}}
        if message_type == "LtiResourceLinkRequest":
            claims[LTI + "resource_link"] = {"id": link, "title": "Placement test"}
        if ags is not None:
            claims[AGS] = ags
        if nrps:
            claims[NRPS] = {"context_memberships_url": self.memberships_url, "service_versions": ["2.0"]}
        if deep_linking is not None:
            claims[DL_SETTINGS] = deep_linking
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(claims, key or self.key, algorithm="RS256", headers={"kid": kid or self.kid})

    # ------------------------------------------------------------------ HTTP

    def handle(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        url = str(request.url).split("?")[0]
        if url == self.jwks_url:
            jwk = RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
            return httpx.Response(200, json={"keys": [{**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}]})
        if url == self.auth_token_url and request.method == "POST":
            return self._token(request)
        scopes = self._bearer(request)
        if scopes is None:
            return httpx.Response(401, json={"error": "invalid token"})
        if url == self.memberships_url and SCOPE_MEMBERSHIPS in scopes:
            return self._memberships(request)
        if url == self.lineitems_url and SCOPE_LINEITEM in scopes:
            return self._lineitems(request)
        match = re.fullmatch(re.escape(self.lineitems_url) + r"/(\d+)/scores", url)
        if match and request.method == "POST" and SCOPE_SCORE in scopes:
            assert request.headers["content-type"] == "application/vnd.ims.lis.v1.score+json"
            self.scores.append(Score(url.removesuffix("/scores"), json.loads(request.content)))
            return httpx.Response(204)
        return httpx.Response(404)

    def _token(self, request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        self.token_requests += 1
        assert form["grant_type"] == "client_credentials"
        assert form["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        assertion = form["client_assertion"]
        kid = jwt.get_unverified_header(assertion)["kid"]
        keys = {k["kid"]: k for k in self.tool_jwks()["keys"]}
        if kid not in keys:
            return httpx.Response(400, json={"error": "invalid_client"})
        # Checked against the tool's published key; the times are the test clock's, not today's.
        claims = jwt.decode(assertion, jwt.PyJWK(keys[kid]).key, algorithms=["RS256"], audience=self.auth_token_url,
                            options={"verify_exp": False, "verify_iat": False})
        assert claims["iss"] == claims["sub"] == CLIENT_ID and claims["jti"]
        token = secrets.token_urlsafe(16)
        self.tokens[token] = form["scope"]
        return httpx.Response(200, json={"access_token": token, "token_type": "Bearer", "expires_in": 3600,
                                         "scope": form["scope"]})

    def _bearer(self, request: httpx.Request) -> str | None:
        given = request.headers.get("authorization", "")
        return self.tokens.get(given.removeprefix("Bearer ")) if given.startswith("Bearer ") else None

    def _memberships(self, request: httpx.Request) -> httpx.Response:
        # Two pages, the second named by a Link header (NRPS §2.4.2).
        page = parse_qs(urlsplit(str(request.url)).query).get("page", ["1"])[0]
        half = (len(self.members) + 1) // 2
        members = self.members[:half] if page == "1" else self.members[half:]
        headers = {"Link": f'<{self.memberships_url}?page=2>; rel="next"'} if page == "1" else {}
        return httpx.Response(200, headers=headers, json={
            "id": self.memberships_url, "context": {"id": CONTEXT}, "members": members})

    def _lineitems(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            body = json.loads(request.content)
            url = f"{self.lineitems_url}/{len(self.lineitems) + 1}"
            self.lineitems[url] = {**body, "id": url}
            return httpx.Response(201, json=self.lineitems[url])
        query = parse_qs(urlsplit(str(request.url)).query)
        found = [item for item in self.lineitems.values()
                 if item.get("resourceLinkId") == query.get("resource_link_id", [None])[0]
                 and item.get("tag") == query.get("tag", [None])[0]]
        return httpx.Response(200, json=found)

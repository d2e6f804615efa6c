"""Security: the role matrix route by route, object-level checks, token expiry, login rate
limits, passwords kept out of logs, CORS, security headers."""
from __future__ import annotations

import logging
import uuid

import pytest

from api_helpers import create_user, login

PUBLIC = "public"
ANY = ("learner", "teacher", "author", "admin")
TEACHERS = ("teacher", "admin")
AUTHORS = ("author", "admin")

#: Who may call each route: PUBLIC (no token) or the roles allowed; every other role gets 403.
#: A route missing here fails ``test_every_route_has_a_rule``: add its rule when you add it.
RULES: dict[tuple[str, str], str | tuple[str, ...]] = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/docs/oauth2-redirect"): PUBLIC,
    ("GET", "/redoc"): PUBLIC,
    # The first admin: the token in the form is the authorisation (tests/api/test_api_operators.py).
    ("GET", "/setup"): PUBLIC,
    ("POST", "/v1/setup/admin"): PUBLIC,
    ("POST", "/v1/auth/token"): PUBLIC,
    # The pages are shells: what they show comes from the API under the reader's own token.
    ("GET", "/"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    ("GET", "/password"): PUBLIC,
    ("GET", "/practice"): PUBLIC,
    ("GET", "/progress"): PUBLIC,
    ("GET", "/author"): PUBLIC,
    ("GET", "/teach"): PUBLIC,
    ("GET", "/teach/report"): PUBLIC,
    ("GET", "/admin"): PUBLIC,
    # A login page offers the languages before anyone signs in.
    ("GET", "/v1/support-languages"): PUBLIC,
    # LTI 1.3: the platform's signed id_token (after the login's state), the picker's signed
    # ticket, are the authorisation (tests/api/test_api_lti.py); the keys are public.
    ("GET", "/lti/jwks"): PUBLIC,
    ("GET", "/lti/login"): PUBLIC,
    ("POST", "/lti/login"): PUBLIC,
    ("POST", "/lti/launch"): PUBLIC,
    ("GET", "/lti/window"): PUBLIC,
    ("POST", "/lti/deep-link"): PUBLIC,
    ("POST", "/v1/classes/{class_id}/lti-roster"): TEACHERS,
    ("GET", "/v1/auth/me"): ANY,
    ("POST", "/v1/auth/password"): ANY,
    ("GET", "/v1/users"): ("admin",),
    ("POST", "/v1/users"): ("admin",),
    ("GET", "/v1/users/{user_id}"): ("admin",),
    ("PATCH", "/v1/users/{user_id}"): ("admin",),
    ("POST", "/v1/users/{user_id}/password-reset"): ("admin",),
    ("DELETE", "/v1/users/{user_id}/login-lock"): ("admin",),
    ("PUT", "/v1/classes/{class_id}/teacher"): ("admin",),
    ("PUT", "/v1/classes/{class_id}/learners/{learner_id}"): TEACHERS,
    ("DELETE", "/v1/classes/{class_id}/learners/{learner_id}"): TEACHERS,
    ("POST", "/v1/learners/{learner_id}/password-reset"): TEACHERS,
    ("DELETE", "/v1/learners/{learner_id}/login-lock"): TEACHERS,
    ("POST", "/v1/previews"): TEACHERS,
    ("POST", "/v1/previews/answers"): TEACHERS,
    ("POST", "/v1/classes"): TEACHERS,
    ("GET", "/v1/classes"): TEACHERS,
    ("GET", "/v1/classes/{class_id}"): TEACHERS,
    ("POST", "/v1/classes/{class_id}/learners"): TEACHERS,
    ("GET", "/v1/classes/{class_id}/learners"): TEACHERS,
    ("PUT", "/v1/classes/{class_id}/learners/{learner_id}/pathway"): TEACHERS,
    ("GET", "/v1/classes/{class_id}/learners/{learner_id}/pathway"): TEACHERS,
    ("GET", "/v1/classes/{class_id}/ability-curves"): TEACHERS,
    ("GET", "/v1/classes/{class_id}/ability-curves.svg"): TEACHERS,
    ("GET", "/v1/classes/{class_id}/ability-chart"): TEACHERS,
    ("GET", "/v1/classes/{class_id}/alerts"): TEACHERS,
    ("GET", "/v1/classes/{class_id}/roster"): TEACHERS,
    ("POST", "/v1/sessions"): ("learner",),
    ("GET", "/v1/sessions/{session_id}"): ("learner",),
    ("GET", "/v1/sessions/{session_id}/next"): ("learner",),
    ("POST", "/v1/sessions/{session_id}/responses"): ("learner",),
    ("GET", "/v1/learners/me"): ("learner",),
    ("PATCH", "/v1/learners/me"): ("learner",),
    ("GET", "/v1/learners/{learner_id}"): ("learner", "teacher", "admin"),
    ("GET", "/v1/learners/{learner_id}/export"): ("learner", "teacher", "admin"),
    ("GET", "/v1/learners/{learner_id}/ability-curve.svg"): ("learner", "teacher", "admin"),
    ("GET", "/v1/learners/{learner_id}/ability-chart"): ("learner", "teacher", "admin"),
    ("GET", "/v1/learners/{learner_id}/skills-chart"): ("learner", "teacher", "admin"),
    ("GET", "/v1/learners/{learner_id}/activity"): ("learner", "teacher", "admin"),
    ("DELETE", "/v1/learners/{learner_id}"): ("admin",),
    ("POST", "/v1/learners/{learner_id}/placement-retakes"): TEACHERS,
    ("POST", "/v1/vocabulary-sets"): AUTHORS,
    ("GET", "/v1/vocabulary-sets/{set_id}"): AUTHORS,
    ("POST", "/v1/vocabulary-sets/{set_id}/publish"): AUTHORS,
    ("GET", "/v1/vocabulary-sets"): AUTHORS,
    ("POST", "/v1/vocabulary-sets/file"): AUTHORS,
    ("PUT", "/v1/vocabulary-sets/{set_id}"): AUTHORS,
    ("POST", "/v1/vocabulary-sets/{set_id}/unpublish"): AUTHORS,
    ("POST", "/v1/vocabulary-sets/{set_id}/retire"): AUTHORS,
    ("GET", "/v1/vocabulary-sets/{set_id}/statistics"): AUTHORS,
    ("POST", "/v1/calibrations"): ("admin",),
    ("GET", "/v1/calibrations"): ("admin",),
    ("GET", "/v1/calibrations/{run_id}"): ("admin",),
    ("POST", "/v1/calibrations/{run_id}/rollback"): ("admin",),
}

#: A plausible body per route (so a 403 is about the role, never about the body).
BODIES = {
    "/v1/classes": {"name": "Ny klasse", "language": "nb"},
    "/v1/classes/{class_id}/learners": {"username": "new-learner", "password": "password-123"},
    # A wrong current password (422): the right one would change it and revoke the tokens.
    "/v1/auth/password": {"current_password": "not-the-password", "new_password": "another-one-2026"},
    "/v1/users": {"username": "new-account", "role": "author"},
    "/v1/users/{user_id}": {"display_name": "Nytt navn"},
    "/v1/previews": {"language": "nb", "mode": "placement"},
    "/v1/previews/answers": {"state": "x", "item_id": "x", "answer": "x"},
    "/v1/classes/{class_id}/learners/{learner_id}/pathway": {"trade": None},
    "/v1/sessions": {"language": "nb", "mode": "placement", "track": "b1", "trade": None},
    "/v1/sessions/{session_id}/responses": {"item_id": "nb-test-b1-000", "answer": "x",
                                            "client_response_id": "c-1"},
    "/v1/vocabulary-sets": {"language": "nb", "track": "b1", "entries": []},
    "/v1/calibrations": {"language": "nb", "dry_run": True},
    "/v1/learners/me": {"support_language": "ar"},
}


def app_routes(app) -> set[tuple[str, str]]:
    """(method, path) of every route the app serves, included routers flattened."""
    from fastapi.routing import iter_route_contexts

    out = set()
    for route in iter_route_contexts(app.routes):
        for method in route.methods or ():
            if method != "HEAD":
                out.add((method, route.path))
    return out


def add_session(client, people, who: str = "learner") -> str:
    """A placement session of ``who``, started through the API."""
    created = client.post("/v1/sessions", headers=people[who]["headers"],
                          json={"language": "nb", "mode": "placement"})
    assert created.status_code == 201, created.text
    return created.json()["id"]


def test_every_route_has_a_rule(client):
    routes = app_routes(client.app)
    assert routes - set(RULES) == set(), "routes without a rule in RULES"
    assert set(RULES) - routes == set(), "rules for routes that no longer exist"


def test_role_matrix_route_by_route(client, people):
    session_id = add_session(client, people)
    values = {"class_id": people["class_id"], "session_id": session_id,
              "learner_id": people["learner"]["id"], "user_id": people["author"]["id"],
              "set_id": "0" * 32, "run_id": "0" * 32}
    # The class handed to the teacher it has (the ids are known only now).
    bodies = {**BODIES, "/v1/classes/{class_id}/teacher": {"teacher_id": people["teacher"]["id"]}}
    for (method, template), allowed in sorted(RULES.items()):
        path = template.format(**values)
        body = bodies.get(template)
        anonymous = client.request(method, path, json=body)
        if allowed == PUBLIC:
            assert anonymous.status_code not in (401, 403), (method, template)
            continue
        assert anonymous.status_code == 401, (method, template, anonymous.status_code)
        assert anonymous.headers["www-authenticate"] == "Bearer"
        # The destructive route last in each role, so the other calls see the learner. A password
        # reset revokes the account's tokens, as a deletion ends it: their allowed calls are
        # tested in tests/api/test_api_accounts.py.
        for role in sorted(ANY, key=lambda r: r == "admin"):
            if role in allowed and (method == "DELETE" or template.endswith("/password-reset")):
                continue
            response = client.request(method, path, json=body, headers=people[role]["headers"])
            if role in allowed:
                assert response.status_code not in (401, 403), (method, template, role, response.text)
            else:
                assert response.status_code == 403, (method, template, role, response.status_code)
                assert response.headers["content-type"] == "application/problem+json"


def test_other_learners_sessions_and_data_are_404(client, people):
    mine = add_session(client, people)
    theirs = add_session(client, people, "learner2")
    headers = people["learner"]["headers"]
    assert client.get(f"/v1/sessions/{mine}", headers=headers).status_code == 200
    checks = [("GET", f"/v1/sessions/{theirs}", None),
              ("GET", f"/v1/sessions/{theirs}/next", None),
              ("POST", f"/v1/sessions/{theirs}/responses",
               {"item_id": "nb-test-b1-000", "answer": "x", "client_response_id": "c-1"}),
              ("GET", f"/v1/sessions/{uuid.uuid4().hex}", None),
              ("GET", f"/v1/learners/{people['learner2']['id']}", None),
              ("GET", f"/v1/learners/{people['learner2']['id']}/export", None),
              ("GET", f"/v1/learners/{people['teacher']['id']}", None)]
    for method, path, body in checks:
        response = client.request(method, path, json=body, headers=headers)
        assert response.status_code == 404, (method, path, response.status_code)
    # Another class's teacher sees neither the learner nor their export.
    other = people["teacher2"]["headers"]
    for path in (f"/v1/learners/{people['learner']['id']}",
                 f"/v1/learners/{people['learner']['id']}/export",
                 f"/v1/classes/{people['class_id']}"):
        assert client.get(path, headers=other).status_code == 404, path


def test_tokens_expire_on_the_request_clock(client, clock):
    create_user(client, "maria", "teacher")
    headers = login(client, "maria")
    lifetime = client.app.state.settings.token_expiry_minutes
    clock.advance(minutes=lifetime - 1)
    assert client.get("/v1/auth/me", headers=headers).status_code == 200
    clock.advance(minutes=1)
    expired = client.get("/v1/auth/me", headers=headers)
    assert expired.status_code == 401 and expired.json()["detail"].startswith("your login has expired: log in again")
    # A token signed with another secret is refused too.
    import jwt

    forged = jwt.encode({"sub": "1", "exp": 4_102_444_800}, "another-secret-" + "y" * 32,
                        algorithm="HS256")
    refused = client.get("/v1/auth/me", headers={"Authorization": f"Bearer {forged}"})
    assert refused.status_code == 401


def test_security_headers_on_every_reply(client, people):
    for path, headers in (("/healthz", {}), ("/v1/classes", people["teacher"]["headers"]),
                          ("/v1/classes", {}), ("/v1/nowhere", {})):
        response = client.get(path, headers=headers)
        assert response.headers["x-content-type-options"] == "nosniff", path
        assert response.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert "default-src 'none'" in response.headers["content-security-policy"]
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["cache-control"] == "no-store"
        assert "strict-transport-security" not in response.headers
    docs = client.get("/docs")
    # Scripts, styles and images from the service itself only (no CDN), no framing.
    assert docs.headers["content-security-policy"].startswith("default-src 'self'; ")
    assert docs.headers["content-security-policy"].endswith("frame-ancestors 'none'")


def test_hsts_when_configured(make_client):
    client = make_client(hsts_seconds=31_536_000)
    assert (client.get("/healthz").headers["strict-transport-security"]
            == "max-age=31536000; includeSubDomains")


def test_cors_closed_by_default_and_open_to_configured_origins(make_client):
    closed = make_client()
    preflight = {"Origin": "https://app.example.org", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization,content-type"}
    response = closed.options("/v1/sessions", headers=preflight)
    assert "access-control-allow-origin" not in response.headers
    simple = closed.get("/healthz", headers={"Origin": "https://app.example.org"})
    assert "access-control-allow-origin" not in simple.headers

    opened = make_client(cors_origins=["https://app.example.org"])
    allowed = opened.options("/v1/sessions", headers=preflight)
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://app.example.org"
    assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
    other = opened.options("/v1/sessions", headers={**preflight, "Origin": "https://evil.example"})
    assert other.headers.get("access-control-allow-origin") != "https://evil.example"
    assert (opened.get("/healthz", headers={"Origin": "https://app.example.org"})
            .headers["access-control-allow-origin"] == "https://app.example.org")


def test_unexpected_errors_are_problem_details_without_internals(make_client, monkeypatch, caplog):
    from fastapi.testclient import TestClient

    from api.services import health

    client = make_client()
    quiet = TestClient(client.app, raise_server_exceptions=False)

    def broken(_session):
        raise RuntimeError("secret internal state")

    monkeypatch.setattr("api.routes.health.check", broken)
    with caplog.at_level(logging.ERROR):
        response = quiet.get("/healthz")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "secret internal state" not in response.text
    assert response.json()["status"] == 500
    assert health  # the real check is untouched


def test_passwords_never_logged(client, people, caplog, capsys, database_url, monkeypatch):
    secret_login = "Correct-Horse-Battery-1"
    secret_new = "Another-Secret-Phrase-2"
    caplog.set_level(logging.DEBUG)
    create_user(client, "logger-test", "teacher", password=secret_login)
    assert client.post("/v1/auth/token", data={"username": "logger-test",
                                                "password": secret_login}).status_code == 200
    assert client.post("/v1/auth/token", data={"username": "logger-test",
                                                "password": secret_login + "x"}).status_code == 401
    made = client.post(f"/v1/classes/{people['class_id']}/learners", headers=people["teacher"]["headers"],
                       json={"username": "new-one", "password": secret_new})
    assert made.status_code == 201
    short = client.post(f"/v1/classes/{people['class_id']}/learners",
                        headers=people["teacher"]["headers"],
                        json={"username": "new-two", "password": "Sh0rt!"})
    assert short.status_code == 422 and "Sh0rt!" not in short.text
    from api.cli import main

    monkeypatch.setenv("B1ENGINE_DATABASE_URL", database_url)
    secret_cli = "Command-Line-Secret-3"
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(secret_cli + "\n"))
    assert main(["users", "create", "--username", "cli-user", "--password-stdin", "--role", "author"]) == 0
    printed = capsys.readouterr()
    logged = "\n".join(f"{r.getMessage()} {r.args!r}" for r in caplog.records)
    assert caplog.records, "expected some log records to check"
    for secret in (secret_login, secret_new, "Sh0rt!", secret_cli):
        assert secret not in logged and secret not in printed.out + printed.err


def test_one_visibility_rule_for_progress_and_export(client, people):
    """The progress page and the export answer alike for every caller and every id: both
    use the one visibility rule (an admin once got 200 for a teacher's id and 404 for its export)."""
    ids = [people[name]["id"] for name in ("learner", "learner2", "teacher", "admin", "author")] + [9999]
    for role in ("learner", "teacher", "teacher2", "admin", "author"):
        for learner_id in ids:
            progress = client.get(f"/v1/learners/{learner_id}", headers=people[role]["headers"])
            export = client.get(f"/v1/learners/{learner_id}/export", headers=people[role]["headers"])
            assert progress.status_code == export.status_code, (role, learner_id)


def test_not_yours_and_not_found_take_the_same_queries(client, people, db):
    """Timing told a teacher which ids are learners of other classes (two look-ups instead of
    one): both now take one query, the same one."""
    from sqlalchemy import event

    from api.models import User
    from api.services.classes import teacher_can_see

    other = people["teacher2"]
    teacher2 = db.get(User, other["id"])
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(client.app.state.db_engine, "before_cursor_execute", count)
    try:
        seen = {}
        for name, learner_id in (("elsewhere", people["learner"]["id"]), ("nobody", 999_999)):
            statements.clear()
            seen[name] = (teacher_can_see(db, teacher2, learner_id), list(statements))
    finally:
        event.remove(client.app.state.db_engine, "before_cursor_execute", count)
    assert seen["elsewhere"][0] is False and seen["nobody"][0] is False
    assert len(seen["elsewhere"][1]) == len(seen["nobody"][1]) == 1
    assert seen["elsewhere"][1] == seen["nobody"][1]

"""LTI 1.3 against a platform the tests run themselves (tests/api/lti_platform.py): launches,
deep linking, grades through the outbox, roster sync, and every refusal."""
from __future__ import annotations

import json
import re
import time
import uuid
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from api_helpers import Served, create_user, login, right_answer, small_bank, small_bank_data
from fastapi.testclient import TestClient
from lti_platform import (
    CLIENT_ID,
    DEPLOYMENT,
    INSTRUCTOR,
    ISSUER,
    LEARNER,
    LTI,
    SCOPE_LINEITEM,
    SCOPE_MEMBERSHIPS,
    SCOPE_SCORE,
    FakePlatform,
)
from sqlalchemy import func
from sqlmodel import Session, select

from api.models import LtiAccount, LtiGradeOutbox, User

DL_RESPONSE_ITEMS = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"


class Tool:
    """The tool (the app) and the platform, wired: the app reaches the platform through its
    transport, the platform checks client assertions against the app's /lti/jwks."""

    def __init__(self, settings, clock, platform: FakePlatform, **overrides) -> None:
        from api.deps import get_now
        from api.main import create_app

        self.platform, self.clock = platform, clock
        app = create_app(settings.model_copy(update={"lti_outbox_interval_seconds": 0, **overrides}),
                         bank_items=lambda _s: small_bank())
        app.dependency_overrides[get_now] = clock
        app.state.lti_transport = platform.transport()
        # https: the state cookie is Secure, and a browser sends it back over https only.
        self.client = TestClient(app, base_url="https://testserver")
        self.client.__enter__()
        platform.tool_jwks = lambda: self.client.get("/lti/jwks").json()

    def close(self) -> None:
        self.client.__exit__(None, None, None)

    def db(self) -> Session:
        return Session(self.client.app.state.db_engine)

    def login(self, sub: str, **params) -> tuple[str, str]:
        """The OIDC login; the state and nonce the tool sent to the platform's auth URL."""
        reply = self.client.get("/lti/login", params={
            "iss": ISSUER, "login_hint": sub, "target_link_uri": "https://testserver/lti/launch",
            "client_id": CLIENT_ID, "lti_deployment_id": DEPLOYMENT, **params}, follow_redirects=False)
        if reply.status_code == 302:
            auth_url = reply.headers["location"]
        else:
            assert reply.status_code == 200, reply.text
            auth_url = page_data(reply.text)["auth_url"]
        query = {k: v[0] for k, v in parse_qs(urlsplit(auth_url).query).items()}
        assert auth_url.startswith(self.platform.auth_login_url + "?")
        assert (query["response_type"], query["response_mode"], query["scope"], query["prompt"]) == (
            "id_token", "form_post", "openid", "none")
        assert query["client_id"] == CLIENT_ID and query["login_hint"] == sub
        assert query["redirect_uri"] == "https://testserver/lti/launch"
        return query["state"], query["nonce"]

    def launch(self, sub: str, roles: list[str], **claims):
        state, nonce = self.login(sub)
        token = self.platform.id_token(nonce, sub, roles, self.clock(), **claims)
        return self.client.post("/lti/launch", data={"id_token": token, "state": state})

    def opened(self, sub: str, roles: list[str], **claims) -> dict:
        reply = self.launch(sub, roles, **claims)
        assert reply.status_code == 200, reply.text
        return page_data(reply.text)

    def flush(self):
        from api.services.lti.grades import flush

        with self.db() as db:
            return flush(db, self.client.app.state.lti_platforms, self.clock())


def page_data(html: str) -> dict:
    found = re.search(r'<script type="application/json" id="lti-data">(.*?)</script>', html, re.DOTALL)
    assert found, html
    return json.loads(found.group(1))


def bearer(data: dict) -> dict[str, str]:
    return {"Authorization": f"Bearer {data['token']}"}


@pytest.fixture
def platform() -> FakePlatform:
    return FakePlatform()


@pytest.fixture
def tool(settings, clock, platform):
    made = Tool(settings, clock, platform)
    with made.db() as db:
        platform.register(db, clock())
    yield made
    made.close()


def counts(tool: Tool) -> tuple[int, int]:
    with tool.db() as db:
        return (db.exec(select(func.count()).select_from(User)).one(),
                db.exec(select(func.count()).select_from(LtiAccount)).one())


def test_the_jwks_publishes_the_signing_key_and_a_rotated_one_for_its_grace_period(tool, clock):
    from api.services.lti import keys

    first = tool.client.get("/lti/jwks")
    assert first.status_code == 200
    [key] = first.json()["keys"]
    assert (key["kty"], key["alg"], key["use"]) == ("RSA", "RS256", "sig") and "d" not in key
    with tool.db() as db:
        new_kid, retired = keys.rotate(db, clock())
    assert retired == [key["kid"]]
    assert [k["kid"] for k in tool.client.get("/lti/jwks").json()["keys"]] == [new_kid, key["kid"]]
    clock.advance(days=7, seconds=1)  # the grace period (B1ENGINE_LTI_KEY_GRACE_DAYS) is over
    assert [k["kid"] for k in tool.client.get("/lti/jwks").json()["keys"]] == [new_kid]


def test_the_lti_commands_register_list_rotate_and_flush(settings, monkeypatch, capsys):
    from api.cli import main

    monkeypatch.setenv("B1ENGINE_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("B1ENGINE_VAR_DIR", str(settings.var_dir))
    common = ["--issuer", ISSUER, "--client-id", CLIENT_ID, "--auth-login-url", f"{ISSUER}/auth",
              "--auth-token-url", f"{ISSUER}/token", "--jwks-url", f"{ISSUER}/jwks"]
    assert main(["lti", "register", *common, "--deployment-id", "d1"]) == 0
    assert main(["lti", "register", *common, "--deployment-id", "d2", "--deployment-id", "d3"]) == 0
    assert main(["lti", "register", *common[:4], "--deployment-id", "d1", "--auth-login-url", "http://lms/auth",
                 "--auth-token-url", f"{ISSUER}/token", "--jwks-url", f"{ISSUER}/jwks"]) == 2
    assert main(["lti", "rotate-key"]) == 0
    assert main(["lti", "list"]) == 0
    assert main(["lti", "flush"]) == 0
    out, err = capsys.readouterr()
    assert "registered platform https://lms.example.edu" in out
    assert "updated platform https://lms.example.edu (client id b1-tool-client, registration 1); deployments: d1, d2, d3" in out
    assert "auth_login_url: an https:// address" in err
    assert len(re.findall(r"^key \w+: made .*, (signing|retired .*)$", out, re.MULTILINE)) == 2
    assert "grades waiting to be sent: 0" in out and "grades delivered: 0" in out
    assert err.count("database: ") == 6


def test_a_teacher_launch_opens_the_dashboard_of_the_course_class_they_teach(tool, platform):
    # The first login in a browser: a page that checks the cookie was kept, else offers a new window.
    reply = tool.client.get("/lti/login", params={
        "iss": ISSUER, "login_hint": "u", "target_link_uri": "https://testserver/lti/launch"}, follow_redirects=False)
    assert reply.status_code == 200 and "Open B1 Engine in a new window" in reply.text
    check = page_data(reply.text)
    assert check["check_cookie"] == "b1lti-check" and check["auth_url"].startswith(FakePlatform.auth_login_url)
    assert check["new_window_url"].startswith("https://testserver/lti/login?iss=https")
    cookies = reply.headers.get_list("set-cookie")
    assert all("SameSite=none" in c and "Secure" in c for c in cookies), cookies
    assert any(c.startswith("b1lti-state-") and "HttpOnly" in c for c in cookies)
    # Every later login in this browser goes straight to the platform (302, in Tool.login).
    data = tool.opened("teacher-7", [INSTRUCTOR], name="Kari Nordmann")
    me = tool.client.get("/v1/auth/me", headers=bearer(data)).json()
    assert (me["role"], me["display_name"]) == ("teacher", "Kari Nordmann")
    [course] = tool.client.get("/v1/classes", headers=bearer(data)).json()
    assert (course["name"], course["language"], course["teacher_id"]) == ("Norsk for voksne", "nb", me["id"])
    assert data["target"] == f"/teach?class={course['id']}"
    # A second launch: the same account and class (and this browser now goes straight to the platform).
    again = tool.opened("teacher-7", [INSTRUCTOR], name="Kari Nordmann")
    assert tool.client.get("/v1/auth/me", headers=bearer(again)).json()["id"] == me["id"]
    assert counts(tool) == (1, 1)


@pytest.mark.parametrize(("context", "name"), [
    ({"id": "c-blank", "title": "   ", "label": "NO101"}, "NO101"),
    ({"id": "c-blank", "title": " \u3000 ", "label": "\u00a0"}, "Course"),
    ({"id": "c-blank", "title": "  Norsk   for\tvoksne "}, "Norsk for voksne"),
    ({"id": "c-blank", "title": "N" * 300}, "N" * 120),
])
def test_a_course_title_of_spaces_never_makes_a_class_without_a_name(tool, platform, context, name):
    """The course's title is kept by the class-name rule (trimmed, spaces made one); when
    nothing is left, the label names the class, else "Course"."""
    data = tool.opened("teacher-7", [INSTRUCTOR], **{LTI + "context": context})
    [course] = tool.client.get("/v1/classes", headers=bearer(data)).json()
    assert course["name"] == name


def test_a_learner_launch_opens_the_learner_app_with_an_account_in_the_class(tool, platform):
    teacher = tool.opened("teacher-7", [INSTRUCTOR])
    [course] = tool.client.get("/v1/classes", headers=bearer(teacher)).json()
    data = tool.opened("learner-1", [LEARNER], name="Amina Yusuf")
    assert data["target"] == "/?activity=placement"  # the activity's custom mode comes first
    me = tool.client.get("/v1/auth/me", headers=bearer(data)).json()
    assert (me["role"], me["display_name"], me["language"]) == ("learner", "Amina Yusuf", "nb")
    assert me["username"].startswith("Amina")
    learners = tool.client.get(f"/v1/classes/{course['id']}/learners", headers=bearer(teacher)).json()
    assert [learner["id"] for learner in learners] == [me["id"]]
    # The working token starts a placement test; the e-mail the platform sent is stored nowhere.
    started = tool.client.post("/v1/sessions", headers=bearer(data),
                               json={"language": "nb", "mode": "placement", "track": "b1", "trade": None})
    assert started.status_code == 201, started.text
    with tool.db() as db:
        user = db.get(User, me["id"])
        assert "lms.example.edu" not in json.dumps(user.model_dump(mode="json"))
        assert user.password_hash == "!no-password"
    # No password opens the account.
    assert tool.client.post("/v1/auth/token", data={"username": me["username"], "password": ""}).status_code in (
        401, 422)


def _refusals(tool: Tool, platform: FakePlatform):
    """(what, reply) for each launch the tool must refuse."""
    other_key = FakePlatform().key
    now = tool.clock()

    def with_token(**claims):
        return tool.launch("intruder", [LEARNER], **claims)

    yield "bad signature", with_token(key=other_key)
    yield "unknown kid", with_token(kid="not-published")
    yield "wrong audience", with_token(aud="another-tool")
    yield "several audiences without azp", with_token(aud=[CLIENT_ID, "another-tool"])
    yield "expired token", with_token(exp=int((now - timedelta(minutes=5)).timestamp()),
                                      iat=int((now - timedelta(minutes=10)).timestamp()))
    yield "issued in the future", with_token(iat=int((now + timedelta(minutes=10)).timestamp()))
    yield "unknown deployment", with_token(**{"https://purl.imsglobal.org/spec/lti/claim/deployment_id": "dep-x"})
    yield "wrong version", with_token(**{"https://purl.imsglobal.org/spec/lti/claim/version": "1.1"})
    yield "wrong message type", with_token(message_type="LtiSubmissionReviewRequest")
    yield "other issuer", with_token(iss="https://evil.example.com")
    yield "wrong nonce", tool.client.post("/lti/launch", data={
        "id_token": platform.id_token("a-nonce-of-another-launch", "intruder", [LEARNER], now),
        "state": tool.login("intruder")[0]})
    # Replayed: the same id_token and state a second time; the same token under a new state.
    state, nonce = tool.login("intruder")
    token = platform.id_token(nonce, "intruder", [LEARNER], now)
    first = tool.client.post("/lti/launch", data={"id_token": token, "state": state})
    assert first.status_code == 409  # valid, but the course has no class yet: nothing created either
    yield "replayed state", tool.client.post("/lti/launch", data={"id_token": token, "state": state})
    yield "replayed nonce", tool.client.post("/lti/launch", data={"id_token": token, "state": tool.login("intruder")[0]})
    state, nonce = tool.login("intruder")
    tool.client.cookies.clear()
    yield "state not this browser's", tool.client.post("/lti/launch", data={
        "id_token": platform.id_token(nonce, "intruder", [LEARNER], now), "state": state})
    yield "unknown issuer at login", tool.client.get("/lti/login", params={
        "iss": "https://evil.example.com", "login_hint": "x", "target_link_uri": "https://testserver/lti/launch"})


EXPECTED_REFUSALS = {
    "bad signature": "signature is not the platform's",
    "unknown kid": "publishes no key 'not-published'",
    "wrong audience": "not for this tool",
    "several audiences without azp": "authorised party (azp)",
    "expired token": "has expired",
    "issued in the future": "issued in the future",
    "unknown deployment": "deployment 'dep-x'",
    "wrong version": "LTI version 1.3.0 only",
    "wrong message type": "message type 'LtiSubmissionReviewRequest'",
    "other issuer": "issuer 'https://evil.example.com'",
    "wrong nonce": "nonce is not this launch's",
    "replayed state": "used already",
    "replayed nonce": "nonce is not this launch's",
    "state not this browser's": "did not start in this browser",
    "unknown issuer at login": "'https://evil.example.com' is not registered here",
}


def test_every_refused_launch_is_a_clear_403_and_creates_nothing(tool, platform):
    # A valid learner launch before the course's teacher made its class: told to wait, nothing made.
    waiting = tool.launch("learner-1", [LEARNER])
    assert waiting.status_code == 409
    assert waiting.json()["detail"] == "this course has no class here yet: its teacher opens the activity once first"
    assert counts(tool) == (0, 0)
    seen = {}
    for what, reply in _refusals(tool, platform):
        assert reply.status_code == 403, (what, reply.text)
        assert reply.headers["content-type"] == "application/problem+json", what
        assert reply.json()["title"] == "LTI launch refused"
        seen[what] = reply.json()["detail"]
    assert set(seen) == set(EXPECTED_REFUSALS)
    for what, words in EXPECTED_REFUSALS.items():
        assert words in seen[what], (what, seen[what])
    assert counts(tool) == (0, 0)
    # A post that is no launch at all: 422, saying what a launch is.
    empty = tool.client.post("/lti/launch", data={})
    assert empty.status_code == 422 and "form post of id_token and state" in empty.json()["detail"]
    # A browser is shown a page it can read, in the platform's frame.
    state, _ = tool.login("intruder")
    page = tool.client.post("/lti/launch", data={"id_token": "x.y.z", "state": state},
                            headers={"Accept": "text/html"})
    assert page.status_code == 403 and "B1 Engine could not open" in page.text
    assert "frame-ancestors https://lms.example.edu" in page.headers["content-security-policy"]
    assert "x-frame-options" not in page.headers


def test_deep_linking_returns_a_signed_resource_link_with_its_line_item(tool, platform):
    settings = {"deep_link_return_url": f"{ISSUER}/deep-link-return?course=101",
                "accept_types": ["ltiResourceLink"], "accept_presentation_document_targets": ["iframe"],
                "data": "opaque-platform-data"}
    picker = tool.launch("teacher-7", [INSTRUCTOR], message_type="LtiDeepLinkingRequest", deep_linking=settings)
    assert picker.status_code == 200, picker.text
    assert "Placement test — Norwegian" in picker.text and "Daily drill — Norwegian, care" in picker.text
    ticket = page_data(picker.text)["ticket"]
    posted = tool.client.post("/lti/deep-link", data={"ticket": ticket, "choice": "drill-nb-care"})
    assert posted.status_code == 200, posted.text
    data = page_data(posted.text)
    assert data["return_url"] == settings["deep_link_return_url"]
    assert "form-action https://lms.example.edu" in posted.headers["content-security-policy"]
    # The platform verifies the response with the tool's published keys.
    keys = {k["kid"]: k for k in tool.client.get("/lti/jwks").json()["keys"]}
    kid = jwt.get_unverified_header(data["jwt"])["kid"]
    message = jwt.decode(data["jwt"], jwt.PyJWK(keys[kid]).key, algorithms=["RS256"], audience=ISSUER,
                         options={"verify_exp": False, "verify_iat": False})
    lti = "https://purl.imsglobal.org/spec/lti/claim/"
    assert (message["iss"], message[lti + "message_type"], message[lti + "version"], message[lti + "deployment_id"]) \
        == (CLIENT_ID, "LtiDeepLinkingResponse", "1.3.0", DEPLOYMENT)
    assert message["https://purl.imsglobal.org/spec/lti-dl/claim/data"] == "opaque-platform-data"
    assert message[DL_RESPONSE_ITEMS] == [{
        "type": "ltiResourceLink", "title": "Daily drill — Norwegian, care", "url": "https://testserver/lti/launch",
        "custom": {"language": "nb", "mode": "drill", "track": "trade", "trade": "care"},
        "lineItem": {"scoreMaximum": 100.0, "label": "Daily drill — Norwegian, care", "resourceId": "drill-nb-care",
                     "tag": "b1engine-drill"}}]
    # An unknown choice, a forged ticket; a learner gets no picker.
    assert tool.client.post("/lti/deep-link", data={"ticket": ticket, "choice": "nope"}).status_code == 422
    assert tool.client.post("/lti/deep-link", data={"ticket": ticket + "x", "choice": "drill-nb"}).status_code == 403
    learner = tool.launch("learner-1", [LEARNER], message_type="LtiDeepLinkingRequest", deep_linking=settings)
    assert learner.status_code == 403 and "only a course's instructors" in learner.json()["detail"]


def _finish(tool: Tool, headers: dict, mode: str = "placement") -> dict:
    """A session of ``mode`` through the API, every answer right; its result."""
    truth = {item["id"]: item for item in small_bank_data()}
    created = tool.client.post("/v1/sessions", headers=headers,
                               json={"language": "nb", "mode": mode, "track": "b1", "trade": None})
    assert created.status_code == 201, created.text
    session_id = created.json()["id"]
    served = Served(tool.client, session_id)
    step = tool.client.get(f"/v1/sessions/{session_id}/next", headers=headers).json()
    while not step["done"]:
        item = truth[served.bank_id(step["item"])]
        reply = tool.client.post(f"/v1/sessions/{session_id}/responses", headers=headers, json={
            "item_id": step["item"]["id"], "answer": served.answer(item, right_answer(item)),
            "client_response_id": uuid.uuid4().hex})
        assert reply.status_code == 200, reply.text
        step = reply.json()["next"]
    return step["result"]


AGS_CLAIM = {"scope": [SCOPE_LINEITEM, SCOPE_SCORE], "lineitems": FakePlatform.lineitems_url}


def test_a_placement_test_sends_its_level_to_the_gradebook_once(tool, platform):
    from api.services.lti.grades import placement_score

    lineitem = f"{platform.lineitems_url}/7"
    tool.opened("teacher-7", [INSTRUCTOR])
    learner = tool.opened("learner-1", [LEARNER], ags={**AGS_CLAIM, "lineitem": lineitem})
    result = _finish(tool, bearer(learner))
    report = tool.flush()
    assert (report.delivered, report.failed, report.pending) == (1, 0, 0)
    [score] = platform.scores
    level = result["level"]
    assert score.lineitem == lineitem
    assert score.body == {
        "userId": "learner-1", "scoreGiven": placement_score(level)[0], "scoreMaximum": 4.0,
        "comment": f"CEFR level {level} (probability {result['level_probabilities'][level]:.2f})",
        "timestamp": "2026-09-01T08:00:00.000+00:00", "activityProgress": "Completed",
        "gradingProgress": "FullyGraded"}
    assert placement_score("A1") == (1.0, 4.0) and placement_score("B2") == (4.0, 4.0)
    assert tool.flush().delivered == 0 and len(platform.scores) == 1
    assert platform.token_requests == 1  # the token is cached until it expires
    # A drill activity: its right answers out of its answers, to its own column.
    drill_item = f"{platform.lineitems_url}/8"
    opened = tool.opened("learner-1", [LEARNER], link="link-drill", custom={"language": "nb", "mode": "drill"},
                         ags={**AGS_CLAIM, "lineitem": drill_item})
    assert opened["target"] == "/?activity=drill"
    drill = _finish(tool, bearer(learner), "drill")
    assert tool.flush().delivered == 1
    assert (platform.scores[1].lineitem, platform.scores[1].body["scoreGiven"], platform.scores[1].body["scoreMaximum"],
            platform.scores[1].body["comment"]) == (
        drill_item, float(drill["correct"]), 6.0, f"Drill: {drill['correct']} of 6 right; level now {drill['level']}")


def test_the_grade_outbox_survives_a_restart_while_the_platform_is_down(settings, clock, tool, platform):
    tool.opened("teacher-7", [INSTRUCTOR])
    learner = tool.opened("learner-1", [LEARNER], ags=AGS_CLAIM)  # no line item: made at the first grade
    _finish(tool, bearer(learner))
    platform.down = True
    report = tool.flush()
    assert (report.delivered, report.failed, report.pending) == (0, 1, 1)
    with tool.db() as db:
        [row] = db.exec(select(LtiGradeOutbox)).all()
        assert (row.attempts, row.delivered_at, "ConnectError" in row.last_error) == (1, None, True)
    tool.close()  # the tool stops with the grade unsent

    platform.down = False
    restarted = Tool(settings, clock, platform, lti_outbox_interval_seconds=0.05)
    try:
        deadline = time.monotonic() + 10
        while not platform.scores and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(platform.scores) == 1, "the restarted tool's outbox did not send the grade"
        time.sleep(0.2)  # more passes of the outbox: nothing is sent twice
        assert len(platform.scores) == 1
        [made] = platform.lineitems.values()
        assert (made["resourceLinkId"], made["tag"], made["scoreMaximum"]) == ("link-1", "b1engine-placement", 4.0)
        assert platform.scores[0].lineitem == made["id"]
        with restarted.db() as db:
            [row] = db.exec(select(LtiGradeOutbox)).all()
            assert row.delivered_at is not None and row.attempts == 1
    finally:
        restarted.close()


def test_a_roster_sync_puts_the_course_learners_in_the_class_before_they_launch(tool, platform):
    platform.members = [
        {"status": "Active", "user_id": "teacher-7", "name": "Kari Nordmann", "roles": [INSTRUCTOR]},
        {"status": "Active", "user_id": "learner-1", "name": "Amina Yusuf", "email": "amina@x.org", "roles": [LEARNER]},
        {"status": "Active", "user_id": "learner-2", "name": "Şükrü Yılmaz", "roles": ["Learner"]},
        {"status": "Inactive", "user_id": "learner-3", "name": "Left Early", "roles": [LEARNER]},
    ]
    teacher = tool.opened("teacher-7", [INSTRUCTOR], nrps=True)  # the instructor's launch syncs
    assert list(platform.tokens.values()) == [SCOPE_MEMBERSHIPS]  # the scope the roster needs, no more
    [course] = tool.client.get("/v1/classes", headers=bearer(teacher)).json()
    learners = tool.client.get(f"/v1/classes/{course['id']}/learners", headers=bearer(teacher)).json()
    assert sorted(learner["display_name"] for learner in learners) == ["Amina Yusuf", "Şükrü Yılmaz"]
    # The teacher's "sync roster": nothing new; a new member appears.
    platform.members.append({"status": "Active", "user_id": "learner-4", "name": "Mariam", "roles": [LEARNER]})
    synced = tool.client.post(f"/v1/classes/{course['id']}/lti-roster", headers=bearer(teacher))
    assert synced.status_code == 200, synced.text
    assert synced.json() == {"created": 1, "enrolled": 1, "present": 2, "skipped": 2}
    # A synced learner's first launch opens the account the roster made.
    data = tool.opened("learner-2", [LEARNER], name="Şükrü Yılmaz")
    me = tool.client.get("/v1/auth/me", headers=bearer(data)).json()
    assert me["id"] in {learner["id"] for learner in learners}
    assert counts(tool) == (4, 4)
    with tool.db() as db:
        assert all("x.org" not in json.dumps(u.model_dump(mode="json")) for u in db.exec(select(User)))
    # Another teacher cannot sync this class; a class without a course is told so; a platform down: 503.
    create_user(tool.client, "other", "teacher")
    other = login(tool.client, "other")
    assert tool.client.post(f"/v1/classes/{course['id']}/lti-roster", headers=other).status_code == 404
    own = tool.client.post("/v1/classes", json={"name": "Kveld", "language": "nb"}, headers=other).json()
    unlinked = tool.client.post(f"/v1/classes/{own['id']}/lti-roster", headers=other)
    assert unlinked.status_code == 422 and "no course in a learning platform" in unlinked.json()["detail"]
    platform.down = True
    assert tool.client.post(f"/v1/classes/{course['id']}/lti-roster", headers=bearer(teacher)).status_code == 503



def test_a_trade_activity_sets_the_learners_drills_to_its_trade_unless_a_teacher_chose(tool, platform):
    teacher = tool.opened("teacher-7", [INSTRUCTOR])
    [course] = tool.client.get("/v1/classes", headers=bearer(teacher)).json()
    care = {"language": "nb", "mode": "drill", "track": "trade", "trade": "care"}
    amina = tool.opened("learner-1", [LEARNER], link="link-care", custom=care)
    assert amina["target"] == "/?activity=drill"
    me = tool.client.get("/v1/auth/me", headers=bearer(amina)).json()
    pathway = tool.client.get(f"/v1/classes/{course['id']}/learners/{me['id']}/pathway", headers=bearer(teacher))
    assert (pathway.json()["trade"], pathway.json()["trade_share"]) == ("care", 0.5)
    # The teacher's own choice stands: a later launch of another trade's activity keeps it.
    chosen = tool.client.put(f"/v1/classes/{course['id']}/learners/{me['id']}/pathway", headers=bearer(teacher),
                             json={"trade": "kitchen", "trade_share": 0.3})
    assert chosen.status_code == 200, chosen.text
    tool.opened("learner-1", [LEARNER], link="link-cleaning", custom={**care, "trade": "cleaning"})
    pathway = tool.client.get(f"/v1/classes/{course['id']}/learners/{me['id']}/pathway", headers=bearer(teacher))
    assert (pathway.json()["trade"], pathway.json()["trade_share"]) == ("kitchen", 0.3)

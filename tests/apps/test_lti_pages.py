"""LTI launches in a real Chromium: the tool's login, cookie check, launch and hand-over pages
(``api/static/lti.js``), with the learning platform's pages played by Playwright's routing.

The platform is ``tests/api/lti_platform.py``'s: the browser's visit to its authorisation
endpoint is answered here with the page a platform sends, a form that posts a real signed
id_token to the tool; the tool reads the platform's keys through the in-process transport.
"""
from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))

from lti_platform import CLIENT_ID, DEPLOYMENT, INSTRUCTOR, ISSUER, LEARNER, FakePlatform
from page_helpers import App, serving

#: Where the platform's pages are (answered by Playwright's routing, never a real host).
PLATFORM_PAGES = "https://lms.test"
AUTH_URL = PLATFORM_PAGES + "/auth"
ROLES = {"teacher-7": [INSTRUCTOR], "learner-1": [LEARNER], "learner-2": [LEARNER]}
#: Where the platform takes the teacher's choice of activity (deep linking).
RETURN_URL = PLATFORM_PAGES + "/deep-link-return"


@pytest.fixture(scope="module")
def lti(tmp_path_factory, browser) -> Iterator[tuple[App, FakePlatform]]:
    """The tool served by uvicorn in a thread, registered with the fake platform."""
    import httpx
    from app_bank import app_bank
    from sqlmodel import Session

    from api.db import make_engine, upgrade
    from api.main import create_app
    from api.services.lti.registrations import register
    from api.settings import Settings

    folder = tmp_path_factory.mktemp("lti")
    url = f"sqlite:///{folder / 'lti.db'}"
    upgrade(url)
    platform = FakePlatform()
    engine = make_engine(url)
    with Session(engine) as db:
        register(db, ISSUER, CLIENT_ID, [DEPLOYMENT], AUTH_URL, platform.auth_token_url, platform.jwks_url,
                 datetime.now(UTC))
        db.commit()
    engine.dispose()
    settings = Settings(database_url=url, var_dir=folder / "var", jwt_secret="lti-pages-" + "x" * 40,
                        drill_length=6)
    bank = app_bank()
    application = create_app(settings, bank_items=lambda _s: bank)
    application.state.lti_transport = platform.transport()
    with serving(application) as base, httpx.Client(base_url=base, timeout=30) as client:
        platform.tool_jwks = lambda: client.get("/lti/jwks").json()
        yield App(base, browser, client, "unused"), platform


def _platform_pages(context, platform: FakePlatform, base: str) -> None:
    """Answer the browser's visits to the platform: its authorisation endpoint (a page that
    posts a signed id_token for the user it names to the tool's launch URL) and a course page
    that shows the tool in a frame, as Moodle and Canvas do."""

    def authorise(route) -> None:
        query = {k: v[0] for k, v in parse_qs(urlsplit(route.request.url).query).items()}
        assert query["client_id"] == CLIENT_ID and query["response_mode"] == "form_post"
        assert query["redirect_uri"] == f"{base}/lti/launch"
        user, hint = query["login_hint"], query.get("lti_message_hint")
        picking = hint == "deep-linking"  # the teacher adds an activity to the course
        token = platform.id_token(
            query["nonce"], user, ROLES[user], datetime.now(UTC), name=user.title(),
            message_type="LtiDeepLinkingRequest" if picking else "LtiResourceLinkRequest",
            deep_linking={"deep_link_return_url": RETURN_URL, "accept_types": ["ltiResourceLink"],
                          "accept_presentation_document_targets": ["iframe", "window"],
                          "data": "opaque-42"} if picking else None)
        body = (f'<!doctype html><html><body><form method="post" action="{query["redirect_uri"]}">'
                f'<input type="hidden" name="id_token" value="{token}">'
                f'<input type="hidden" name="state" value="{query["state"]}"></form>'
                "<script>document.forms[0].submit()</script></body></html>")
        route.fulfill(status=200, content_type="text/html", body=body)

    def course(route) -> None:
        user = parse_qs(urlsplit(route.request.url).query)["user"][0]
        login = f"{base}/lti/login?" + urlencode({"iss": ISSUER, "login_hint": user, "client_id": CLIENT_ID,
                                                  "target_link_uri": f"{base}/lti/launch",
                                                  "lti_deployment_id": DEPLOYMENT})
        route.fulfill(status=200, content_type="text/html",
                      body=f'<!doctype html><html><body><h1>Norsk for voksne</h1>'
                           f'<iframe id="tool" src="{login}" width="800" height="600"></iframe></body></html>')

    context.route(AUTH_URL + "*", authorise)
    context.route(PLATFORM_PAGES + "/course*", course)


def _launch(app: App, platform: FakePlatform, user: str, hint: str | None = None):
    """A platform's launch of ``user`` in a new browser (top level, as "open in a new window")."""
    page = app.page()
    _platform_pages(page.context, platform, app.base)
    query = {"iss": ISSUER, "login_hint": user, "client_id": CLIENT_ID, "target_link_uri": f"{app.base}/lti/launch"}
    page.goto(f"{app.base}/lti/login?" + urlencode({**query, **({"lti_message_hint": hint} if hint else {})}))
    return page


@pytest.fixture(scope="module")
def course(lti) -> int:
    """The course's teacher launches first (a class needs its teacher): the cookie check passes
    (first visit: the check page), the platform posts the id_token, the open page hands the token
    to the app: the teacher dashboard of the course's new class. Returns the class id."""
    app, platform = lti
    teacher = _launch(app, platform, "teacher-7")
    teacher.wait_for_url(re.compile(r"/teach\?class=\d+$"))
    assert teacher.evaluate("sessionStorage.getItem('b1.token')")
    class_id = int(teacher.url.rsplit("=", 1)[1])
    teacher.context.close()
    return class_id


def test_a_learner_launches_into_the_learner_app_with_the_activity_first(lti, course):
    app, platform = lti
    learner = _launch(app, platform, "learner-1")
    learner.wait_for_url(f"{app.base}/?activity=placement")
    learner.wait_for_selector("#greeting:has-text('Learner')")
    assert learner.evaluate("document.activeElement.id") == "start-placement"
    app.check(learner, "lti-learner-home")
    learner.click("#start-placement")
    learner.wait_for_selector("#exercise:not([hidden])")
    learner.context.close()


def test_inside_the_platforms_frame_the_app_opens_in_its_own_window(lti, course):
    app, platform = lti
    page = app.page(viewport={"width": 1280, "height": 800})
    # The platform's page is on a public address and the tool, here, on this machine's: Chromium
    # asks the user before a public page may reach a local one (Local Network Access). A real
    # platform and tool are both public; here the test grants it, as the user would.
    page.context.grant_permissions(["local-network-access"])
    _platform_pages(page.context, platform, app.base)
    page.goto(f"{PLATFORM_PAGES}/course?user=learner-2")
    frame = page.frame_locator("#tool")
    # Framed, the launch ends in one of two pages, and both open the app in its own window:
    # where the browser keeps the tool's cookies in frames, the launch page ("#framed": the
    # app's pages refuse to be framed); where it blocks them (Chromium's default here), the
    # cookie check page ("#blocked"), before the platform is even asked.
    frame.locator("#framed:not([hidden]), #blocked:not([hidden])").wait_for()
    blocked = frame.locator("#blocked:not([hidden])").count() == 1
    app.screenshot(page, "lti-framed-blocked" if blocked else "lti-framed")
    with page.expect_popup() as opened:
        frame.locator("#blocked a" if blocked else "#open-window").click()
    window = opened.value
    window.wait_for_url(f"{app.base}/?activity=placement")
    window.wait_for_selector("#greeting:has-text('Learner')")
    assert "token" not in window.url  # the token never stays in an address
    assert window.evaluate("sessionStorage.getItem('b1.token')")
    page.context.close()


def test_a_teacher_picks_an_activity_and_the_platform_gets_a_signed_link(lti, course):
    import jwt

    app, platform = lti
    page = _launch(app, platform, "teacher-7", hint="deep-linking")
    page.wait_for_selector("text=Choose an activity for your course")
    app.check(page, "lti-deep-linking")
    returned: list[dict[str, str]] = []

    def platform_receives(route) -> None:
        returned.append({k: v[0] for k, v in parse_qs(route.request.post_data or "").items()})
        route.fulfill(status=200, content_type="text/html", body="<h1>Activity added</h1>")

    page.context.route(RETURN_URL + "*", platform_receives)
    page.get_by_label("Placement test — Norwegian").check()
    page.click("button[type=submit]")
    page.wait_for_selector("text=Activity added")  # the post page sent itself to the platform
    keys = {k["kid"]: k for k in app.client.get("/lti/jwks").json()["keys"]}
    token = returned[0]["JWT"]
    message = jwt.decode(token, jwt.PyJWK(keys[jwt.get_unverified_header(token)["kid"]]).key, algorithms=["RS256"],
                         audience=ISSUER)
    [link] = message["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
    assert (link["type"], link["custom"]["mode"], link["lineItem"]["scoreMaximum"]) == (
        "ltiResourceLink", "placement", 4.0)  # the levels A1..B2 as 1..4
    assert message["https://purl.imsglobal.org/spec/lti-dl/claim/data"] == "opaque-42"
    page.context.close()


def test_a_refused_launch_is_a_readable_page_and_creates_no_account(lti):
    app, platform = lti
    page = app.page()
    _platform_pages(page.context, platform, app.base)
    page.goto(f"{app.base}/lti/login?" + urlencode({"iss": "https://unknown.example.org", "login_hint": "x",
                                                    "target_link_uri": f"{app.base}/lti/launch"}))
    assert page.locator("h1").first.inner_text()
    text = page.inner_text("body")
    assert "unknown.example.org" in text or "not registered" in text
    page.context.close()

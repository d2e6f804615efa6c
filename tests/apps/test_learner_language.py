"""The learner's pages in the learner's language, in Chromium: the first pages follow the phone
(``Accept-Language``) or a saved choice; the API's problems a learner meets are shown in the
page's words (a date in the page's language, never a language code, an ISO date or a session
id); any other problem stays the API's English, set apart so a right-to-left page does not
scramble it; quoted Norwegian inside Arabic instructions keeps its order; the greeting uses
the display name. Screenshots at 360 and 1280 px of the Arabic pages."""
from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

I18N = Path(__file__).resolve().parents[2] / "api" / "i18n"
ARABIC = json.loads((I18N / "ar.json").read_text(encoding="utf-8"))
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
#: A phone set to Arabic.
ARABIC_PHONE = {"extra_http_headers": {"Accept-Language": "ar-SA,ar;q=0.9,en;q=0.5"}}


def add_learner(app, username: str, *, display_name: str | None = None, support: str | None = None,
                password: str | None = None, one_time: bool = False) -> None:
    from sqlmodel import Session

    from api.db import make_engine
    from api.services.users import create_user

    engine = make_engine(app.database_url)
    with Session(engine) as db:
        user = create_user(db, username, password or app.password, "learner", datetime.now(UTC), language="nb",
                           display_name=display_name, must_change_password=one_time)
        user.support_language = support
        db.add(user)
        db.commit()
    engine.dispose()


def finish_placement(app, username: str) -> None:
    """A whole placement test by ``username`` through the API (the first option, the words as served)."""
    headers = app.token(username)
    session = app.client.post("/v1/sessions", headers=headers, json={"language": "nb", "mode": "placement"}).json()
    for number in range(60):
        step = app.client.get(f"/v1/sessions/{session['id']}/next", headers=headers).json()
        if step["done"]:
            return
        item = step["item"]
        options = [option["id"] for option in item.get("options") or []]
        answer = options if item["type"] == "word_order" else options[0] if options else "x"
        reply = app.client.post(f"/v1/sessions/{session['id']}/responses", headers=headers, json={
            "item_id": item["id"], "answer": answer, "client_response_id": f"{username}-{number}"})
        assert reply.status_code == 200, reply.text
    pytest.fail("the placement test did not end")


def error_text(page, selector: str) -> str:
    page.locator(f"{selector} p").first.wait_for()
    return page.inner_text(selector)


def test_the_login_page_follows_the_phone_and_a_saved_choice_wins(app):
    def html_lang(headers: dict[str, str], cookie: str | None = None) -> tuple[str, str]:
        reply = app.client.get("/login", headers={**headers, **({"Cookie": f"b1lang={cookie}"} if cookie else {})})
        return re.search(r'<html lang="(\w+)" dir="(\w+)"', reply.text).group(1, 2)

    assert html_lang({"Accept-Language": "ar"}) == ("ar", "rtl")
    # The first language the browser asks for that the interface has (by q, then by order).
    assert html_lang({"Accept-Language": "de-DE, nb;q=0.9, fa;q=0.7, ar;q=0.8"}) == ("ar", "rtl")
    assert html_lang({"Accept-Language": "fr-CA,*;q=0.5"}) == ("fr", "ltr")
    assert html_lang({"Accept-Language": "ar;q=0, de"}) == ("en", "ltr")
    assert html_lang({"Accept-Language": "ar;q=oops, uk"}) == ("uk", "ltr")
    assert html_lang({}) == ("en", "ltr")
    # The language picker's choice (the cookie) comes first; an unknown one is no choice.
    assert html_lang({"Accept-Language": "ar"}, "fr") == ("fr", "ltr")
    assert html_lang({"Accept-Language": "ar"}, "xx") == ("ar", "rtl")


def test_a_number_takes_its_words_plural_by_the_pages_language(app):
    """"1 words are due for review now": a text's plural choice is made by the page language's
    CLDR rules (Intl.PluralRules), decimals included ("1.0 levels", "+1 level")."""
    page = app.page()
    page.goto(f"{app.base}/login")
    t = "([key, values]) => window.B1.t(key, values)"
    assert page.evaluate(t, ["reviews_due", {"n": 1, "later": 0}]) == \
        "1 word is due for review now. Today's drill starts with it."
    assert page.evaluate(t, ["reviews_due", {"n": 2, "later": 1}]) == \
        "2 words are due for review now. Today's drill starts with them. 1 more word is due later."
    assert page.evaluate(t, ["teach_days_ago", {"days": 1}]) == "1 day ago"
    assert page.evaluate(t, ["teach_days_ago", {"days": 0}]) == "0 days ago"
    trend = {"low": "+0.2", "high": "+1.9"}
    assert page.evaluate(t, ["teach_trend_up", {"gain": "+1.0", **trend}]).startswith("rising: +1.0 levels (")
    assert page.evaluate(t, ["teach_trend_up", {"gain": "+1", **trend}]).startswith("rising: +1 level (")
    assert page.evaluate(t, ["teach_answers_summary", {"count": 1, "days": 7, "shown": 1}]) == \
        "1 answer in the last 7 days."
    assert page.evaluate(t, ["admin_rollback_question", {"when": "today", "items": 3}]).startswith(
        "Roll back the calibration from today? The 3 items it changed get their old values back, and")
    page.context.close()


def test_a_wrong_password_on_an_arabic_phone_is_said_in_arabic(app):
    page = app.page(**ARABIC_PHONE)
    page.goto(f"{app.base}/login")
    assert (page.get_attribute("html", "lang"), page.get_attribute("html", "dir")) == ("ar", "rtl")
    page.fill("#username", "ana")
    page.fill("#password", "wrong-password-1")
    page.click("button[type=submit]")
    assert error_text(page, "#form-error") == ARABIC["error_login_wrong"]
    assert not re.search(r"[A-Za-z]", page.inner_text("#form-error"))
    app.check(page, "login-arabic-wrong-password")
    # A login from a phone in Arabic makes no choice for the learner: only the picker does.
    app.log_in(page, "ana")
    page.wait_for_url(f"{app.base}/")
    page.wait_for_selector("#greeting:has-text('ana')")
    assert page.get_attribute("html", "lang") == "ar"
    assert app.client.get("/v1/learners/me", headers=app.token("ana")).json()["support_language"] is None
    page.context.close()


def test_a_new_learner_chooses_a_password_in_arabic(app):
    add_learner(app, "hawa", support="ar", password="given-pass-88", one_time=True)
    page = app.page(**ARABIC_PHONE)
    app.log_in(page, "hawa", "given-pass-88")
    page.wait_for_url(f"{app.base}/password")
    assert (page.get_attribute("html", "lang"), page.get_attribute("html", "dir")) == ("ar", "rtl")
    assert page.inner_text("h1") == ARABIC["password_title"]
    page.fill("#current-password", "given-pass-88")
    page.fill("#new-password", "password1")
    page.fill("#repeat-password", "password1")
    page.click("button[type=submit]")
    assert error_text(page, "#form-error") == ARABIC["error_password_rejected"]
    app.check(page, "password-arabic-rejected")
    page.fill("#current-password", "not-the-one-9")
    page.fill("#new-password", "my own garden words")
    page.fill("#repeat-password", "my own garden words")
    page.click("button[type=submit]")
    page.wait_for_function("t => document.querySelector('#form-error').textContent === t",
                           arg=ARABIC["error_password_current"])
    page.fill("#current-password", "given-pass-88")
    page.click("button[type=submit]")
    page.wait_for_url(f"{app.base}/")
    page.wait_for_selector("#greeting:has-text('hawa')")
    assert page.get_attribute("html", "lang") == "ar"
    page.context.close()


def test_the_password_page_follows_the_accounts_own_language(app):
    """A phone in English, an account whose support language is Arabic: the page asks the API
    for the account (``GET /v1/auth/me``) and, where it names its support language, reloads in
    it. Until that reply carries ``support_language``, the phone's language stands; here the
    reply is given with it, to check what the page does with it (once, no reload loop)."""
    add_learner(app, "idris", support="ar", password="given-pass-99", one_time=True)
    page = app.page()

    def with_support_language(route):
        reply = route.fetch()
        route.fulfill(response=reply, json={**reply.json(), "support_language": "ar"})

    page.route("**/v1/auth/me", with_support_language)
    loads: list[str] = []
    page.on("load", lambda p: loads.append(p.url))
    app.log_in(page, "idris", "given-pass-99")
    page.wait_for_url(f"{app.base}/password")
    page.wait_for_selector("html[lang=ar][dir=rtl]")
    page.wait_for_load_state("networkidle")
    assert page.inner_text("h1") == ARABIC["password_title"]
    assert sum(url.endswith("/password") for url in loads) == 2  # the page, then once in Arabic
    page.context.close()


def test_placement_problems_are_said_in_arabic_with_the_date_and_no_ids(app):
    finish_placement(app, "amina")
    page = app.signed_in("amina", "/", language="ar")
    page.wait_for_selector("#greeting:has-text('amina')")
    page.click("#start-placement")
    text = error_text(page, "#home-error")
    prefix = ARABIC["error_placement_wait"].split("{date}")[0]
    assert text.startswith(prefix), text
    assert not ISO_DATE.search(text) and "nb" not in text and not re.search(r"[A-Za-z]", text)
    date = page.inner_text("#home-error bdi")  # the date, isolated, as Arabic writes it
    available = app.client.post("/v1/sessions", headers=app.token("amina"),
                                json={"language": "nb", "mode": "placement"}).json()["available_from"]
    assert date == page.evaluate("iso => new Intl.DateTimeFormat('ar', {dateStyle: 'long', calendar: 'gregory'})"
                                 ".format(new Date(iso))", available)
    app.check(page, "home-arabic-placement-wait")
    page.context.close()

    # A test under way: the way to it, not its id.
    session = app.client.post("/v1/sessions", headers=app.token("sara"),
                              json={"language": "nb", "mode": "placement"}).json()
    page = app.signed_in("sara", "/", language="ar")
    page.wait_for_selector("#greeting:has-text('sara')")
    page.click("#start-placement")
    text = error_text(page, "#home-error")
    assert text == ARABIC["error_placement_open"]
    assert session["id"] not in text
    assert page.get_attribute("#continue", "href") == f"/practice?session={session['id']}"
    assert page.locator("#continue").is_visible()
    page.context.close()


def test_another_problem_stays_in_english_set_apart_from_the_arabic_page(app):
    page = app.page()
    page.context.add_cookies([{"name": "b1lang", "value": "ar", "url": app.base}])
    page.route("**/v1/learners/me*", lambda route: route.fulfill(
        status=400, content_type="application/problem+json",
        json={"type": "about:blank", "title": "Bad request", "status": 400,
              "detail": "history_limit: use at most 5000 points per page",
              "errors": [{"field": "query.history_limit", "message": "Use a number of at most 5000."},
                         {"field": "query.limit", "message": "Too many: give at most 50.", "code": "too_many",
                          "values": {"max_length": 50}},
                         {"field": "body.text", "message": "Not valid YAML.", "code": "file_yaml", "values": {}}]}))
    page.goto(f"{app.base}/login")
    token = app.token("olek")["Authorization"].removeprefix("Bearer ")
    page.evaluate("token => sessionStorage.setItem('b1.token', token)", token)
    page.goto(f"{app.base}/")
    lead = page.locator("#home-error p")
    lead.wait_for()
    assert (lead.get_attribute("lang"), lead.get_attribute("dir")) == ("en", "ltr")
    # A bad field without a code in English, set apart; one with a code in the page's language.
    items = page.locator("#home-error li")
    assert [items.nth(0).locator("span").get_attribute(name) for name in ("lang", "dir")] == ["en", "ltr"]
    assert items.nth(1).locator("[lang=en]").count() == 0
    texts = json.loads((Path(__file__).parents[2] / "api" / "i18n" / "ar.json").read_text(encoding="utf-8"))
    assert items.nth(1).inner_text() == texts["field_too_many"].replace("{max_length}", "50")
    # A code whose values did not all come: its English words, never "{line}".
    assert items.nth(2).inner_text() == "Not valid YAML."
    assert items.nth(2).locator("span").get_attribute("lang") == "en"
    # Read left to right: the colon after the field's name, not before it.
    assert page.evaluate("""() => {
        const text = document.querySelector('#home-error p').firstChild, range = document.createRange();
        const x = (i) => { range.setStart(text, i); range.setEnd(text, i + 1); return range.getBoundingClientRect().x; };
        const colon = text.data.indexOf(':');
        return x(0) < x(colon) && x(colon) < x(colon + 2);
    }""")
    page.context.close()


def test_norwegian_quoted_in_arabic_instructions_keeps_its_order(app):
    headers = app.token("ivo")
    session = app.client.post("/v1/sessions", headers=headers,
                              json={"language": "nb", "mode": "drill", "track": "b1", "trade": None}).json()
    step = app.client.get(f"/v1/sessions/{session['id']}/next", headers=headers).json()
    quote = "«Jeg kan ikke jobbe i helgen.»"
    instructions = f"هي تقول: {quote} انقل ما قالته إلى شخص آخر. رتّب الكلمات بالترتيب الصحيح."
    step["item"]["instructions"] = f"Hun sier: {quote} Fortell det videre. Sett ordene i riktig rekkefølge."
    step["item"]["instructions_support"] = {"text": instructions, "language": "ar", "direction": "rtl"}
    page = app.page()
    page.route(f"**/v1/sessions/{session['id']}/next", lambda route: route.fulfill(json=step))
    page.context.add_cookies([{"name": "b1lang", "value": "ar", "url": app.base}])
    page.goto(f"{app.base}/login")
    page.evaluate("token => sessionStorage.setItem('b1.token', token)",
                  headers["Authorization"].removeprefix("Bearer "))
    page.goto(f"{app.base}/practice?session={session['id']}")
    support = page.locator("#instructions-support")
    support.wait_for()
    assert support.inner_text() == instructions  # every word, as text
    isolated = page.locator("#instructions-support bdi")
    assert isolated.inner_text() == quote
    assert (isolated.get_attribute("dir"), isolated.get_attribute("lang")) == ("ltr", "nb")
    # Drawn left to right inside the right-to-left line: « first, the full stop before ».
    assert page.evaluate("""() => {
        const text = document.querySelector('#instructions-support bdi').firstChild, range = document.createRange();
        const x = (i) => { range.setStart(text, i); range.setEnd(text, i + 1); return range.getBoundingClientRect().x; };
        const n = text.data.length;
        return x(0) < x(1) && x(n - 3) < x(n - 2) && x(n - 2) < x(n - 1);
    }""")
    assert page.inner_text("#instructions bdi") == quote
    app.check(page, "drill-arabic-quoted-instructions")
    page.context.close()


def test_the_greeting_uses_the_display_name(app):
    add_learner(app, "amina41", display_name="أمينة يوسف", support="ar")
    page = app.signed_in("amina41", "/", language="ar")
    page.wait_for_selector("#greeting bdi")
    assert page.inner_text("#greeting bdi") == "أمينة يوسف"
    assert "amina41" not in page.inner_text("#greeting")
    app.check(page, "home-arabic-display-name")
    page.context.close()

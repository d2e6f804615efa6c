"""The teacher dashboard's edges in Chromium: the roster and the new accounts at a phone's width,
the roster's numbers (its trend as the alerts say it; the CSV's numbers as numbers), a learner's
page (names, level, a new placement test allowed), a class or learner that is not the teacher's.
The basic flows are in test_teacher_dashboard.py."""
from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from page_helpers import PHONE, WIDE

#: Days before today the class and its silent learner were made: past the inactive rule's ten days.
AGO = 12
#: A name as long as real ones are: the roster's row must still show every column beside it.
LONG_NAME = "Abdirahman Mohamed Abdullahi-Warsame Hassan"
SKILL_NAMES = ("Words", "Grammar", "Reading", "Everyday situations")


@pytest.fixture(scope="module")
def school(app):
    """tove's class: ana, named "Ana Lima" (answers today), and a learner with a long name made
    12 days ago, silent (an alert); nils, another teacher, and his class with olek."""
    from sqlmodel import Session, select

    from api.db import make_engine
    from api.models import User
    from api.services import classes
    from api.services.users import create_user

    engine = make_engine(app.database_url)
    now = datetime.now(UTC)
    then = now - timedelta(days=AGO)
    with Session(engine) as db:
        tove = db.exec(select(User).where(User.username == "tove")).one()
        ana = db.exec(select(User).where(User.username == "ana")).one()
        ana.display_name = "Ana Lima"
        db.add(ana)
        school_class = classes.create_class(db, tove, "Morning class", "nb", then)
        class_id = school_class.id
        classes.move_learner(db, school_class, ana)
        silent = classes.create_learner(db, school_class, LONG_NAME, None, None, then).id
        nils = create_user(db, "nils", app.password, "teacher", now, language="nb")
        other = classes.create_class(db, nils, "Nils's class", "nb", now)
        classes.move_learner(db, other, db.exec(select(User).where(User.username == "olek")).one())
        other_id = other.id
        db.commit()
        ana_id, olek_id = ana.id, db.exec(select(User).where(User.username == "olek")).one().id
    engine.dispose()
    app.drill_answers("ana", 6, "pages")
    return {"class_id": class_id, "other_id": other_id, "ana": ana_id, "olek": olek_id, "silent": silent}


def opened(app, path: str, viewport=None, roster=None, requests: list[str] | None = None, **options):
    """``path`` as tove (downloads allowed); ``roster``: a function that changes the roster's
    reply before the page reads it (values the small test bank cannot make); ``requests``: a
    list the page's request URLs are added to; ``options``: the browser context's (a time zone)."""
    token = app.token("tove")["Authorization"].removeprefix("Bearer ")
    page = app.page(viewport, accept_downloads=True, **options)
    page.add_init_script(f"sessionStorage.setItem('b1.token', {json.dumps(token)})")
    if requests is not None:
        page.on("request", lambda request: requests.append(request.url))
    if roster:
        def handle(route):
            reply = route.fetch()
            body = reply.json()
            roster(body)
            route.fulfill(response=reply, json=body)
        page.route("**/v1/classes/*/roster?*", handle)  # the roster asks in the page's language
    page.goto(app.base + path)
    return page


def level_width(app, class_id: int) -> float:
    """One CEFR level in logits for the class's language, from the cuts the API gives."""
    cuts = app.client.get(f"/v1/classes/{class_id}/ability-curves?limit=1", headers=app.token("tove")).json()["cuts"]
    return (cuts[-1] - cuts[0]) / (len(cuts) - 1)


def local_moment(zone: str, days_back: int, hour: int, minute: int) -> tuple[str, int]:
    """A moment ``days_back`` calendar days before today in time zone ``zone`` at hour:minute, as
    the roster writes it (ISO, UTC), with the whole 24-hour periods since then (its ``days_inactive``)."""
    from datetime import time
    from zoneinfo import ZoneInfo

    now = datetime.now(ZoneInfo(zone))
    then = datetime.combine(now.date() - timedelta(days=days_back), time(hour, minute), ZoneInfo(zone))
    return then.astimezone(UTC).isoformat().replace("+00:00", "Z"), int((now - then) / timedelta(days=1))


def signed(levels: float) -> str:
    """As the alerts write a share of a level (api/services/alerts.py)."""
    text = f"{levels:+.1f}"
    return "+0.0" if text == "-0.0" else text


def test_the_roster_says_the_trend_as_the_alerts_do_and_the_csv_keeps_numbers(app, school):
    def change(body):
        ana = next(r for r in body["learners"] if r["username"] == "ana")
        # The tester's learner: a gain too small for gain_levels (rounded to 0.0), an interval
        # whose ends the old ratio of rounded numbers got wrong.
        ana.update(theta=-0.923, se=0.41)
        ana["trend"] = {**(ana["trend"] or {"since": ana["last_activity"], "answers": 6}), "days": 30.0,
                        "gain": 0.004, "gain_se": 0.294, "gain_levels": 0.0, "low": -0.4, "high": 0.566}
        silent = next(r for r in body["learners"] if r["id"] == school["silent"])
        silent["display_name"] = "=HYPERLINK(\"http://x\")"

    requests: list[str] = []
    page = opened(app, f"/teach?class={school['class_id']}", WIDE, roster=change, requests=requests)
    page.wait_for_selector("#roster tbody tr")
    width = level_width(app, school["class_id"])
    # One level's width from the roster itself: no request for the curves' cuts alone.
    assert not [url for url in requests if "ability-curves" in url], requests
    trend = page.inner_text("#roster tbody tr:has-text('Ana Lima') td:nth-of-type(2)")
    assert f"between {signed(-0.4 / width)} and {signed(0.566 / width)}" in trend, trend
    assert f"unclear: {signed(0.004 / width)}" in trend, trend

    with page.expect_download() as download:
        page.click("#export")
    table = list(csv.DictReader(io.StringIO(download.value.path().read_text(encoding="utf-8-sig"))))
    ana = next(r for r in table if r["username"] == "ana")
    # Numbers as numbers: a spreadsheet reads -0.923, not the text '-0.923.
    assert (ana["theta"], ana["trend_low"], ana["trend_high"]) == ("-0.923", "-0.4", "0.566")
    assert float(ana["level_probability"]) > 0
    # A name is still kept from running as a formula.
    assert next(r for r in table if r["alerts"] == "inactive")["display_name"] == "'=HYPERLINK(\"http://x\")"
    page.context.close()


#: The reader's time zone in the next test: far from UTC, so a UTC date would be the wrong day.
READER_ZONE = "Pacific/Auckland"


def test_last_active_is_said_in_the_readers_calendar_not_in_24_hour_periods(app, school):
    """QA report: "Last active: today" for an answer at 23:52 read the next morning (the roster's
    `days_inactive` counts 24-hour periods, 0 then). The page compares `last_activity` with the
    reader's own calendar date: yesterday, or 3 days ago for an evening answer 3 days back."""
    late_yesterday, idle = local_moment(READER_ZONE, 1, 23, 52)
    three_days_back, idle_three = local_moment(READER_ZONE, 3, 23, 30)

    def change(body):
        ana = next(r for r in body["learners"] if r["username"] == "ana")
        ana.update(last_activity=late_yesterday, days_inactive=idle)
        silent = next(r for r in body["learners"] if r["id"] == school["silent"])
        silent.update(last_activity=three_days_back, days_inactive=idle_three)

    page = opened(app, f"/teach?class={school['class_id']}", WIDE, roster=change, timezone_id=READER_ZONE)
    page.wait_for_selector("#roster tbody tr")
    active = "td[data-label='Last active']"
    assert page.inner_text(f"#roster tbody tr:has-text('Ana Lima') {active}") == "yesterday"
    assert page.inner_text(f"#roster tr[data-learner='{school['silent']}'] {active}") == "3 days ago"
    # Sorted by last activity: the latest first, whatever the 24-hour counts say.
    page.click("button[data-sort=active]")
    assert "Ana Lima" in page.inner_text("#roster tbody tr:first-child")
    app.screenshot(page, "teach-roster-last-active")
    page.context.close()
    # In another language, the same day in its words.
    page = opened(app, f"/teach?class={school['class_id']}", PHONE, roster=change, timezone_id=READER_ZONE)
    page.context.add_cookies([{"name": "b1lang", "value": "fr", "url": app.base}])
    page.reload()
    page.wait_for_selector("#roster tbody tr")
    assert page.inner_text("#roster tbody tr:has-text('Ana Lima') td[data-label]:nth-of-type(3)") == "hier"
    page.context.close()


def test_an_empty_share_saves_the_trade_only(app, school):
    """The page sent an empty share box as 0 (a trade that gives no item, which the API refuses
    with 422): empty is null, the trade only (docs/api.md, pathways)."""
    sent: list[dict] = []
    page = opened(app, f"/teach?class={school['class_id']}&learner={school['ana']}", PHONE)
    page.on("request", lambda request: sent.append(request.post_data_json)
            if request.method == "PUT" and request.url.endswith("/pathway") else None)
    page.wait_for_selector("#learner-view:not([hidden])")
    assert "empty: the trade only" in page.inner_text("label[for=pathway-share]")
    page.select_option("#pathway-trade", "kitchen")
    page.fill("#pathway-share", "")
    page.click("#pathway-form button[type=submit]")
    page.wait_for_selector("#pathway-now:has-text('Now: Kitchen only.')")
    assert sent == [{"trade": "kitchen", "trade_share": None}]
    assert page.inner_text("#pathway-error") == ""
    path = f"/v1/classes/{school['class_id']}/learners/{school['ana']}/pathway"
    pathway = app.client.get(path, headers=app.token("tove")).json()
    assert (pathway["trade"], pathway["trade_share"]) == ("kitchen", 1.0)
    app.screenshot(page, "teach-pathway-trade-only")
    # Back to the B1 track only: no trade, no share.
    page.select_option("#pathway-trade", "")
    page.click("#pathway-form button[type=submit]")
    page.wait_for_selector("#pathway-now:has-text('B1 track only')")
    assert sent[-1] == {"trade": None, "trade_share": None}
    page.context.close()


def test_a_phone_shows_every_column_of_the_roster_without_scrolling_sideways(app, school):
    page = opened(app, f"/teach?class={school['class_id']}", PHONE)
    page.wait_for_selector("#roster tbody tr")
    wrap = page.locator("#roster").locator("xpath=..")
    assert wrap.evaluate("el => el.scrollWidth <= el.clientWidth"), "the roster scrolls sideways"
    for row in page.locator("#roster tbody tr").all():
        for cell in row.locator("th, td").all():
            box = cell.bounding_box()
            if box is None:  # an empty cell (no alert) is not shown on a phone
                continue
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (cell.inner_text(), box)
            assert box["width"] > PHONE["width"] / 2, (cell.inner_text(), box)  # no sliver of a column
    long = page.inner_text(f"#roster tr[data-learner='{school['silent']}']")
    assert all(words in long for words in (LONG_NAME, "no answers yet", "never", "inactive")), long
    ana = page.inner_text("#roster tbody tr:has-text('Ana Lima')")
    assert "% sure" in ana and "today" in ana, ana
    # Each cell shown says its column (the header row holds only the sort buttons on a phone).
    labels = page.eval_on_selector_all(f"#roster tr[data-learner='{school['silent']}'] td", """cells => cells
        .filter((cell) => cell.offsetParent !== null)
        .map((cell) => getComputedStyle(cell, "::before").content)""")
    assert labels == ['"Level"', '"Recent weeks"', '"Last active"', '"Alerts"'], labels
    # The sort buttons stay in sight and work.
    page.click("button[data-sort=level]")
    assert "Ana Lima" in page.inner_text("#roster tbody tr:last-child")
    app.check(page, "teach-roster-phone")
    page.context.close()


def test_new_accounts_show_each_password_on_one_line_on_a_phone(app, school):
    page = opened(app, f"/teach?class={school['class_id']}", PHONE)
    page.wait_for_selector("#roster tbody tr")
    for name in ("Fatuma Abdullahi Mohamed", "Oleksandr Shevchenko"):
        page.fill("#add-name", name)
        page.click("#add-form button[type=submit]")
        page.wait_for_selector(f"#created tbody tr:has-text('{name}')")
    wrap = page.locator("#created-table").locator("xpath=..")
    assert wrap.evaluate("el => el.scrollWidth <= el.clientWidth"), "the new accounts scroll sideways"
    for code in page.locator("#created-table code").all():
        assert code.evaluate("el => el.getClientRects().length") == 1, code.inner_text()
        box = code.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        assert code.evaluate("el => getComputedStyle(el).whiteSpace") == "nowrap"
    cell = page.locator("#created-table td:has(code)").first
    assert cell.get_attribute("data-label") == "One-time password"
    app.check(page, "teach-created-phone")
    page.context.close()


def test_a_name_typed_while_the_roster_reloads_is_kept_and_a_second_press_adds_no_one_twice(app, school):
    # The roster reload after an add is held back, as on a slow connection; the teacher types
    # the next name meanwhile. Before the fix the form was reset when the reload ended, which
    # wiped the name typed in between (and a CI run submitted an empty name).
    page = opened(app, f"/teach?class={school['class_id']}", PHONE)
    page.wait_for_selector("#roster tbody tr")
    # A gate in the page, opened by the test: no timing, no route handler to race with.
    page.evaluate("""() => {
      const send = window.fetch;
      window.held = 0;
      const gate = new Promise((open) => { window.openGate = open; });
      window.fetch = (url, options) => String(url).includes("/roster?")
        ? (window.held += 1, gate.then(() => send(url, options))) : send(url, options);
    }""")
    page.fill("#add-name", "Hawa Ahmed Yusuf")
    page.click("#add-form button[type=submit]")
    page.wait_for_selector("#created tbody tr:has-text('Hawa Ahmed Yusuf')")
    page.wait_for_function("() => window.held === 1")
    assert page.locator("#add-form button[type=submit]").is_disabled()
    page.fill("#add-name", "Dawit Tesfaye Haile")
    page.evaluate("() => window.openGate()")
    page.wait_for_selector("#add-form button[type=submit]:not([disabled])")
    assert page.input_value("#add-name") == "Dawit Tesfaye Haile"
    page.click("#add-form button[type=submit]")
    page.wait_for_selector("#created tbody tr:has-text('Dawit Tesfaye Haile')")
    page.wait_for_selector("#add-form button[type=submit]:not([disabled])")
    assert page.input_value("#add-name") == ""
    names = page.locator("#created tbody tr").all_inner_texts()
    assert sum("Hawa" in row for row in names) == 1 and sum("Dawit" in row for row in names) == 1, names
    page.context.close()


def test_a_learners_page_names_the_learner_and_allows_a_new_placement_test(app, school):
    from sqlmodel import Session

    from api.db import make_engine
    from api.models import User

    requests: list[str] = []
    page = opened(app, f"/teach?class={school['class_id']}&learner={school['ana']}", PHONE, requests=requests)
    page.wait_for_selector("#skills li")
    assert page.inner_text("h1") == "Ana Lima"
    assert page.inner_text("#learner-login") == "Username: ana"
    assert page.inner_text("#learner-level").startswith("Level now: ") and "% sure" in page.inner_text("#learner-level")
    assert page.title().startswith("Ana Lima")
    skills = page.locator("#skills li").all_inner_texts()
    assert skills and all(line.split(":")[0] in SKILL_NAMES for line in skills), skills
    # "give or take" is the 90 % spread of the reply's SE in levels; no request for cuts alone.
    progress = app.client.get(f"/v1/learners/{school['ana']}", headers=app.token("tove")).json()
    spreads = sorted(f"give or take {1.645 * s['se_levels']:.1f} levels" for s in progress["skills"].values())
    assert sorted(line[line.index("give or take"):].rstrip(")") for line in skills) == spreads, skills
    assert not [url for url in requests if "ability-curves" in url], requests

    page.click("#remove")
    assert page.inner_text("#remove-question").startswith("Remove Ana Lima from the class?")
    page.click("#remove-no")

    page.click("#allow-retake")
    page.wait_for_selector("#retake-done:not([hidden])")
    assert page.inner_text("#retake-done") == "Ana Lima can take a new placement test now, without waiting."
    engine = make_engine(app.database_url)
    with Session(engine) as db:
        assert db.get(User, school["ana"]).placement_retakes == 1
    engine.dispose()
    app.check(page, "teach-learner-retake")

    # A refusal is said beside the button, in the API's words, and no success stays shown.
    page.route("**/placement-retakes", lambda route: route.fulfill(
        status=404, content_type="application/problem+json",
        body=json.dumps({"title": "Not found", "status": 404, "detail": "learner 2 not found"})))
    page.click("#allow-retake")
    page.wait_for_selector("#retake-error:has-text('learner 2 not found')")
    assert page.locator("#retake-done").is_hidden()
    page.context.close()


@pytest.mark.parametrize("case", ["unknown", "another teacher's", "learner not in it"])
def test_a_class_or_learner_that_is_not_the_teachers_gets_a_plain_message(app, school, case):
    path, text, link = {
        "unknown": ("/teach?class=999", "This class was not found, or it is not one of yours.", "/teach"),
        "another teacher's": (f"/teach?class={school['other_id']}",
                              "This class was not found, or it is not one of yours.", "/teach"),
        "learner not in it": (f"/teach?class={school['class_id']}&learner={school['olek']}",
                              "This learner was not found in this class.", f"/teach?class={school['class_id']}"),
    }[case]
    page = opened(app, path, PHONE)
    page.wait_for_selector("#missing:not([hidden])")
    page.wait_for_load_state("networkidle")
    assert page.inner_text("#missing-text") == text
    assert page.get_attribute("#missing-link", "href") == link
    assert page.inner_text("#page-error") == ""
    # Nothing of a class's or learner's page: no roster, no forms, no chart being drawn.
    for view in ("#class-view", "#learner-view", "#classes-view"):
        assert page.locator(view).is_hidden(), view
    assert "Drawing the chart" not in page.inner_text("main") and "GET /v1" not in page.inner_text("main")
    if case == "unknown":
        app.check(page, "teach-class-missing")
    page.context.close()

"""The teacher dashboard in Chromium: a teacher sees the class roster and an alert, adds learners
one by one and from a CSV, exports the CSV, opens a learner's page; axe, the Tab walk,
screenshots, first load."""
from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from page_helpers import PHONE, SHOTS, first_load, tab_walk

#: Days before today the class and its two silent learners were made: past the inactive rule's
#: ten days (docs/growth.md, "Alerts"), so both are flagged.
AGO = 12


@pytest.fixture(scope="module")
def school(app):
    """tove's class: ana (answers today, a level) and two learners made 12 days ago, silent."""
    from sqlmodel import Session, select

    from api.db import make_engine
    from api.models import User
    from api.services import classes

    engine = make_engine(app.database_url)
    then = datetime.now(UTC) - timedelta(days=AGO)
    with Session(engine) as db:
        tove = db.exec(select(User).where(User.username == "tove")).one()
        ana = db.exec(select(User).where(User.username == "ana")).one()
        school_class = classes.create_class(db, tove, "Evening class", "nb", then)
        class_id = school_class.id
        classes.move_learner(db, school_class, ana)
        silent = [classes.create_learner(db, school_class, name, None, None, then).id
                  for name in ("Yusuf Ali", "Marta Nowak")]
        db.commit()
    engine.dispose()
    app.drill_answers("ana", 4, "teach")
    return {"class_id": class_id, "silent": silent}


def signed_in(app, path: str, viewport=None):
    """A page at ``path`` as tove, downloads allowed (the CSV export)."""
    return app.signed_in("tove", path, viewport, accept_downloads=True)


def test_a_teacher_sees_the_roster_and_an_alert_and_exports_the_csv(app, school):
    page = signed_in(app, "/teach")
    page.click("text=Evening class")
    page.wait_for_selector("#roster tbody tr")
    assert page.locator("#roster tbody tr").count() == 3
    ana = page.inner_text("#roster tbody tr:has-text('ana')")
    assert "% sure" in ana and "today" in ana
    silent = page.inner_text("#roster tbody tr:has-text('Yusuf Ali')")
    assert "no answers yet" in silent and "never" in silent
    alerts = page.locator("#alerts li[data-kind=inactive]")
    assert alerts.count() == 2
    assert "Suggested:" in alerts.first.inner_text()
    app.check(page, "teach-class")

    # Sorting by level puts the learner without answers first, then ana last; again reverses.
    page.click("button[data-sort=level]")
    assert "ana" in page.inner_text("#roster tbody tr:last-child")
    assert page.get_attribute("#roster th:has(button[data-sort=level])", "aria-sort") == "ascending"
    page.click("button[data-sort=level]")
    assert "ana" in page.inner_text("#roster tbody tr:first-child")

    with page.expect_download() as download:
        page.click("#export")
    text = download.value.path().read_text(encoding="utf-8-sig")
    table = list(csv.DictReader(io.StringIO(text)))
    assert sorted(r["display_name"] for r in table) == ["Marta Nowak", "Yusuf Ali", "ana"]
    row = next(r for r in table if r["username"] == "ana")
    assert row["answers"] == "4" and row["level"] in {"A1", "A2", "B1", "B2"}
    assert next(r for r in table if r["display_name"] == "Yusuf Ali")["alerts"] == "inactive"

    reached, controls = tab_walk(page, limit=120)
    assert set(controls) <= set(reached), sorted(set(controls) - set(reached))
    page.context.close()


def test_an_arabic_teacher_page_gives_the_alerts_reasons_and_actions_in_arabic(app, school):
    """The alerts' words come from the API in the page's language (api/services/alerts.py), the
    learner's name first on the right-to-left line."""
    from pathlib import Path

    arabic = json.loads((Path(__file__).resolve().parents[2] / "api" / "i18n" / "ar.json").read_text("utf-8"))
    page = app.signed_in("tove", f"/teach?class={school['class_id']}", PHONE, language="ar")
    alert = page.locator("#alerts li[data-kind=inactive]:has-text('Yusuf Ali')")
    alert.wait_for()
    reason, action = alert.locator("p").all_inner_texts()
    assert reason == arabic["teach_alert_line"].format(
        name="Yusuf Ali", message=arabic["alert_not_started"].format(idle=AGO))
    assert action == arabic["teach_action"].format(action=arabic["alert_action_inactive"])
    assert not any(english in reason + action for english in ("drill", "account", "Contact"))
    app.check(page, "teach-class-arabic")
    page.context.close()


def test_a_french_teacher_page_writes_numbers_the_french_way(app, school):
    """A decimal comma on a French page (app.js ``formatNumber``, the texts' number_decimal): the
    level per skill's "give or take" reads 0,4, not 0.4."""
    import re

    ana = app.client.get("/v1/auth/me", headers=app.token("ana")).json()["id"]
    page = app.signed_in("tove", f"/teach?class={school['class_id']}&learner={ana}", PHONE, language="fr")
    page.wait_for_selector("#skills li")
    skills = page.inner_text("#skills")
    assert re.search(r"\d,\d", skills) and not re.search(r"\d\.\d", skills), skills
    # Thousands in groups, by a narrow no-break space, in every text a count fills and in formatNumber;
    # the plural is chosen by the number, not by its written form.
    written = page.evaluate("""() => [window.B1.t('teach_answers_summary', {count: 1234, days: 7, shown: 50}),
        window.B1.t('teach_answers_summary', {count: 1, days: 7, shown: 1}),
        window.B1.formatNumber(-12345.25, 1), window.B1.formatNumber(999, 0), window.B1.formatNumber(1000000, 0)]""")
    assert written == ["1\u202f234 réponses dans les 7 derniers jours\u00a0; les 50 plus récentes sont affichées.",
                       "1 réponse dans les 7 derniers jours.", "−12\u202f345,3", "999", "1\u202f000\u202f000"]
    page.context.close()


def test_a_ukrainian_page_groups_thousands_and_agrees_with_them(app, school):
    """Ukrainian groups by a no-break space, and "1 234" takes the few form, "1 000" the many."""
    page = app.signed_in("tove", f"/teach?class={school['class_id']}", PHONE, language="uk")
    page.wait_for_selector("#roster tbody tr")
    written = page.evaluate("""() => [1234, 1000, 21].map(count =>
        window.B1.t('teach_answers_summary', {count, days: 7, shown: 50}).split(' за ')[0])""")
    assert written == ["1\u00a0234 відповіді", "1\u00a0000 відповідей", "21 відповідь"]
    page.context.close()


def test_a_teacher_adds_learners_one_by_one_and_from_a_csv(app, school):
    page = signed_in(app, f"/teach?class={school['class_id']}")
    page.wait_for_selector("#roster tbody tr")
    page.fill("#add-name", "Şükrü Yılmaz")
    page.select_option("#add-support", "uk")
    page.click("#add-form button[type=submit]")
    page.wait_for_selector("#created:not([hidden]) tbody tr")
    first = page.locator("#created tbody tr").first.inner_text()
    assert "Şükrü Yılmaz" in first and page.locator("#created code").first.inner_text().strip()

    file = '"Nowak, Ewa",pl\nAhmad Karimi,fa\n\nLeila Haddad,ar\n'
    page.set_input_files("#csv-file", files=[{"name": "class.csv", "mimeType": "text/csv", "buffer": file.encode()}])
    page.click("#csv-form button[type=submit]")
    page.wait_for_selector("#created tbody tr:nth-child(3)")
    # "pl" is no support language of the app: that line is refused, at its line, in the page's words.
    choices = app.client.get("/v1/support-languages").json()
    codes = sorted(choice["code"] for choice in choices)
    assert page.inner_text("#csv-error") == ("Line 1: pl is not a support language of the app. Write one of these "
                                             f"codes: {', '.join(codes[:-1])} or {codes[-1]}, or nothing.")
    assert page.locator("#created tbody tr").count() == 3
    page.wait_for_selector("#roster tbody tr:nth-child(6)")
    learners = app.client.get(f"/v1/classes/{school['class_id']}/learners", headers=app.token("tove")).json()
    assert {(x["display_name"], x["support_language"]) for x in learners} >= {
        ("Şükrü Yılmaz", "uk"), ("Ahmad Karimi", "fa"), ("Leila Haddad", "ar")}
    app.check(page, "teach-added")
    page.context.close()


def test_refused_lines_of_a_list_say_why_in_the_teachers_language(app, school):
    """An Arabic teacher uploads a list again (a name already in the class) with a name pasted
    with an invisible character: each refused line says why in Arabic, the name in its place."""
    texts = json.loads((Path(__file__).parents[2] / "api/i18n/ar.json").read_text(encoding="utf-8"))
    learners = app.client.get(f"/v1/classes/{school['class_id']}/learners", headers=app.token("tove")).json()
    yusuf = next(x for x in learners if x["display_name"] == "Yusuf Ali")
    page = app.signed_in("tove", f"/teach?class={school['class_id']}", PHONE, language="ar")
    page.wait_for_selector("#roster tbody tr")
    file = "Yusuf Ali,ar\nAmina\u200bYusuf,so\n"
    page.set_input_files("#csv-file", files=[{"name": "class.csv", "mimeType": "text/csv", "buffer": file.encode()}])
    page.click("#csv-form button[type=submit]")
    page.wait_for_selector("#csv-error li:nth-child(2)")
    lines = [li.inner_text() for li in page.locator("#csv-error li").all()]

    def line(number: int, key: str, **values: str) -> str:
        problem = texts[key]
        for name, value in values.items():
            problem = problem.replace("{" + name + "}", value)
        return texts["teach_csv_line"].replace("{line}", str(number)).replace("{problem}", problem)

    assert lines == [line(1, "error_name_in_class", name="Yusuf Ali", username=yusuf["username"]),
                     line(2, "error_name_invisible", character="U+200B")], lines
    assert page.locator("#csv-error li bdi").first.inner_text() == "1"  # each value isolated
    assert page.is_hidden("#created") or page.locator("#created tbody tr").count() == 0
    app.screenshot(page, "teach-csv-refused-ar")
    page.context.close()


def test_a_learners_page_draws_the_curve_in_cefr_words_with_the_goal(app, school):
    ana = app.client.get("/v1/auth/me", headers=app.token("ana")).json()["id"]
    page = signed_in(app, f"/teach?class={school['class_id']}&learner={ana}")
    # The server's chart (api/charts.py; its drawing is tested in tests/apps/test_charts.py):
    # its text names the levels and the goal, never θ; its values as a table.
    page.wait_for_selector("#curve img.chart-image")
    alt = page.get_attribute("#curve img.chart-image", "alt")
    assert all(level in alt for level in ("A1", "A2", "B1", "B2", "B1 goal")) and "θ" not in alt
    assert page.locator("#curve .chart-table tbody tr").count() == 1
    assert page.locator("#skills li").count() >= 1 and "% sure" in page.inner_text("#skills")
    page.select_option("#pathway-trade", "construction")
    page.click("#pathway-form button[type=submit]")
    page.wait_for_selector("#status:has-text('Pathway saved')")
    app.check(page, "teach-learner")
    reached, controls = tab_walk(page)
    assert set(controls) <= set(reached), sorted(set(controls) - set(reached))
    page.context.close()


def test_first_load_of_the_class_page(app, school):
    page = signed_in(app, f"/teach?class={school['class_id']}", PHONE)
    page.wait_for_selector("#roster tbody tr")
    measured = first_load(page)
    page.context.close()
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "first-load-teach.json").write_text(json.dumps(measured, indent=1))
    print("\nfirst load /teach?class:", json.dumps(measured))
    assert measured["bytes"] <= 150_000 and measured["load_ms"] < 1000

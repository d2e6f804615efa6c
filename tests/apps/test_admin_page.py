"""The admin page in Chromium: a teacher is told the page is not theirs; an admin tries a
calibration as a dry run and reads its result (here: why nothing changes) and the list of runs;
creates an account with a one-time password and disables it. axe, the Tab walk, screenshots."""
from __future__ import annotations

import pytest
from page_helpers import SHOTS, cold_load, tab_walk


@pytest.fixture(scope="module")
def admin(app):
    """An admin account, and a few drill answers by three learners for a calibration to read."""
    from datetime import UTC, datetime

    from sqlmodel import Session

    from api.db import make_engine
    from api.services.users import create_user

    engine = make_engine(app.database_url)
    with Session(engine) as db:
        create_user(db, "root", app.password, "admin", datetime.now(UTC), language="nb")
        db.commit()
    engine.dispose()
    for turn, name in enumerate(("ana", "amina", "sara")):
        headers = app.token(name)
        session = app.client.post("/v1/sessions", headers=headers,
                                  json={"language": "nb", "mode": "drill", "track": "b1", "trade": None}).json()
        for number in range(3):
            item = app.client.get(f"/v1/sessions/{session['id']}/next", headers=headers).json()["item"]
            options = [option["id"] for option in item.get("options") or []]
            # Different learners, different answers: some right, some wrong.
            answer = (options if item["type"] == "word_order" else options[(turn + number) % len(options)]
                      if options else "x")
            assert app.client.post(f"/v1/sessions/{session['id']}/responses", headers=headers, json={
                "item_id": item["id"], "answer": answer, "client_response_id": f"admin-{number}"}).status_code == 200
    return "root"


def signed_in(app, username: str, path: str = "/admin"):
    return app.signed_in(username, path)


def test_a_teacher_is_told_the_admin_page_is_not_theirs(app, admin):
    page = signed_in(app, "tove")
    page.wait_for_selector("#page-error p")
    assert page.inner_text("#page-error") == "This page is for administrators. Your account is not allowed to use it."
    assert page.is_hidden("#admin-view")
    app.check(page, "admin-not-allowed")
    page.context.close()


def test_an_admin_tries_a_calibration_and_reads_why_nothing_changes(app, admin):
    page = signed_in(app, admin)
    page.wait_for_selector("#admin-view:not([hidden])")
    assert page.is_visible("#runs-empty")
    page.select_option("#calibrate-language", "nb")
    page.click("#dry-run")
    page.wait_for_selector("#run:not([hidden])", timeout=60_000)
    assert page.inner_text("#run-title") == "Dry run: what would change"
    assert page.inner_text("#run-message").strip()
    languages = page.inner_text("#run-languages")
    assert languages.startswith("Norwegian") and "9 answer(s) from 3 learner(s)" in languages
    assert "Why nothing changes:" in languages
    assert page.is_hidden("#apply") and page.is_hidden("#run-items-wrap")  # nothing to apply
    page.wait_for_selector("#runs tbody tr")
    row = page.inner_text("#runs tbody tr")
    assert "root" in row and "Dry run" in row and "0 item(s), 0 level(s) changed" in row
    assert page.locator("#runs button.rollback").count() == 0  # a dry run changed nothing to roll back
    runs = app.client.get("/v1/calibrations", headers=app.token(admin)).json()
    assert [(r["dry_run"], r["status"], r["options"]["language"]) for r in runs] == [(True, "done", "nb")]
    app.check(page, "admin-calibration")
    reached, controls = tab_walk(page, limit=150)
    assert set(controls) <= set(reached), sorted(set(controls) - set(reached))
    page.context.close()


def test_an_admin_creates_an_account_and_disables_it(app, admin):
    page = signed_in(app, admin)
    page.wait_for_selector("#users tbody tr[data-user]")
    page.fill("#user-name", "mentor.kari")
    page.select_option("#user-role", "author")
    page.click("#user-form button[type=submit]")
    page.wait_for_selector("#user-created:not([hidden])")
    secret = page.inner_text("#user-password").strip()
    assert len(secret) >= 8 and "mentor.kari" in page.inner_text("#user-created-text")
    row = page.locator("#users tbody tr:has-text('mentor.kari')")
    assert row.locator("select").input_value() == "author"
    row.locator("button").click()
    page.wait_for_selector("#users tbody tr:has-text('mentor.kari'):has-text('disabled')")
    users = app.client.get("/v1/users?role=author", headers=app.token(admin)).json()
    assert [u["disabled"] for u in users if u["username"] == "mentor.kari"] == [True]
    # A refused change is said in words, and the control shows what holds.
    root = page.locator("#users tbody tr:has-text('root') select")
    root.select_option("teacher")
    page.wait_for_selector("#users-error p")
    assert root.input_value() == "admin"
    app.check(page, "admin-users")
    page.context.close()


def test_first_load_of_the_admin_page_is_small_and_fast(app, admin):
    import json

    measured = cold_load(app, admin, "/admin")
    (SHOTS / "first-load-admin.json").write_text(json.dumps(measured, indent=1))
    print("\nfirst load /admin:", json.dumps(measured))
    assert measured["bytes"] <= 150_000 and measured["load_ms"] < 1000, measured

"""The admin page in Chromium: a teacher is told the page is not theirs; an admin tries a
calibration as a dry run and reads its result (here: why nothing changes) and the list of runs
(ids, "no change", a rollback from the command line); a result's item table stacks on a phone;
creates an account with a one-time password and disables it; hundreds of accounts, a page at a
time, found by login or name; the navigation's link for admins. axe, the Tab walk, screenshots."""
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


def search_accounts(page, login: str) -> None:
    """The list searched for ``login``, waited for: a change made on the list shown before the
    search's reply arrived is lost with it (the reply clears the list's error too)."""
    page.fill("#users-query", login)
    page.press("#users-query", "Enter")
    page.wait_for_function("""login => {
      const rows = [...document.querySelectorAll('#users tbody tr')];
      return rows.length > 0 && rows.every((row) => row.querySelector('th').textContent.includes(login));
    }""", arg=login)


def signed_in(app, username: str, path: str = "/admin"):
    return app.signed_in(username, path)


def test_a_teacher_is_told_the_admin_page_is_not_theirs(app, admin):
    page = signed_in(app, "tove")
    page.wait_for_selector("#page-error p")
    assert page.inner_text("#page-error") == "This page is for administrators. Your account is not allowed to use it."
    assert page.is_hidden("#admin-view")
    assert page.is_hidden('nav a[href="/admin"]')  # the admins' link stays out of a teacher's sight
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
    assert languages.startswith("Norwegian") and "9 answers from 3 learners" in languages
    assert "Why nothing changes:" in languages
    assert page.is_hidden("#apply") and page.is_hidden("#run-items-wrap")  # nothing to apply
    page.wait_for_selector("#runs tbody tr")
    row = page.inner_text("#runs tbody tr")
    assert "root" in row and "Dry run, Norwegian Bokmål" in row and "nothing would change" in row
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
    search_accounts(page, "root")
    root = page.locator("#users tbody tr:has-text('root') select")
    root.select_option("teacher")
    page.wait_for_selector("#users-error p")
    assert root.input_value() == "admin"
    assert page.inner_text("#users-error") == (
        "root is the only active administrator. Make another account an administrator first.")
    app.check(page, "admin-users")
    page.context.close()


def test_a_refused_account_change_is_said_in_the_admins_language(app, admin):
    """A French admin creates an account whose login exists in another case, then tries to take
    the admin role from the only admin: each refusal in French, from the problem's code."""
    import json
    from pathlib import Path

    texts = json.loads((Path(__file__).parents[2] / "api/i18n/fr.json").read_text(encoding="utf-8"))
    made = app.client.post("/v1/users", headers=app.token(admin), json={"username": "ops.lea", "role": "author"})
    assert made.status_code == 201, made.text
    page = app.signed_in(admin, "/admin", language="fr")
    page.wait_for_selector("#users tbody tr[data-user]")
    page.fill("#user-name", "OPS.LEA")
    page.click("#user-form button[type=submit]")
    page.wait_for_selector("#user-error p")
    assert page.inner_text("#user-error") == texts["error_username_taken"].replace("{username}", "OPS.LEA")
    assert page.locator("#user-error bdi").inner_text() == "OPS.LEA"  # the login isolated, as typed
    search_accounts(page, "root")
    page.locator("#users tbody tr:has-text('root') select").select_option("teacher")
    page.wait_for_selector("#users-error p")
    assert page.inner_text("#users-error") == texts["error_last_admin"].replace("{username}", "root")
    app.screenshot(page, "admin-refused-fr")
    page.context.close()


def test_a_leaving_teachers_class_is_handed_to_another_then_the_role_can_change(app, admin):
    """The admin could not change a teacher's role while they taught a class, and only the API
    could hand the class over: now the admin page's Classes do, and the refusal points there."""
    from page_helpers import PHONE

    root = app.token(admin)
    for name in ("lars", "kari.nordmann"):
        made = app.client.post("/v1/users", headers=root, json={"username": name, "role": "teacher",
                                                                "password": app.password})
        assert made.status_code == 201, made.text
    kari = next(u for u in app.client.get("/v1/users?search=kari.nordmann", headers=root).json())
    made = app.client.post("/v1/classes", headers=app.token("lars"), json={"name": "Kveldsklasse B1", "language": "nb"})
    assert made.status_code == 201, made.text
    class_id = made.json()["id"]
    page = signed_in(app, admin)
    page.set_viewport_size(PHONE)
    page.wait_for_selector(f"#classes tr[data-class='{class_id}']")
    search_accounts(page, "lars")
    page.locator("#users tbody tr:has-text('lars') select").select_option("author")
    page.wait_for_selector("#users-error p")
    assert page.inner_text("#users-error") == (
        "lars still teaches a class. Hand it to another teacher first, under “Classes” on this page.")
    row = page.locator(f"#classes tr[data-class='{class_id}']")
    assert "Kveldsklasse B1" in row.inner_text() and "lars" in row.locator("td").first.inner_text()
    button = row.locator("button")
    assert button.is_disabled()  # the class's own teacher is chosen: nothing to hand over yet
    row.locator("select").select_option(label="kari.nordmann")
    assert button.is_enabled()
    button.click()
    page.wait_for_selector("#status:has-text('Kveldsklasse B1 now belongs to kari.nordmann.')")
    moved = next(c for c in app.client.get("/v1/classes", headers=root).json() if c["id"] == class_id)
    assert moved["teacher_id"] == kari["id"]
    page.wait_for_selector(f"#classes tr[data-class='{class_id}'] td:has-text('kari.nordmann')")
    # With no class left, lars may become an author.
    page.locator("#users tbody tr:has-text('lars') select").select_option("author")
    page.wait_for_selector("#status:has-text('lars saved.')")
    assert page.inner_text("#users-error") == ""
    app.check(page, "admin-classes")
    page.context.close()
    # Right to left: the class, its teacher and the list to hand it over, in Arabic.
    import json
    from pathlib import Path

    texts = json.loads((Path(__file__).parents[2] / "api/i18n/ar.json").read_text(encoding="utf-8"))
    page = app.signed_in(admin, "/admin", PHONE, language="ar")
    row = page.locator(f"#classes tr[data-class='{class_id}']")
    row.wait_for()
    assert page.inner_text("#classes-title") == texts["admin_classes"]
    assert row.locator("button").inner_text() == texts["admin_hand_over"]
    assert row.locator("select").get_attribute("aria-label") == texts["admin_hand_over_of"].replace(
        "{name}", "Kveldsklasse B1")
    app.screenshot(page, "admin-classes-ar")
    page.context.close()


def test_hundreds_of_accounts_a_page_at_a_time_found_by_name_and_a_new_one_in_sight(app, admin):
    """The QA report: with 700 accounts the list stopped at the 500th, the form under it at
    y = 77,700 px on a phone, and a new account was nowhere in the list."""
    from datetime import UTC, datetime

    from sqlmodel import Session

    from api.db import make_engine
    from api.services.users import create_user

    engine = make_engine(app.database_url)
    with Session(engine) as db:
        for number in range(120):
            create_user(db, f"bulk-{number:03}", app.password, "learner", datetime.now(UTC),
                        display_name=f"Bulk Learner {number:03}")
        db.commit()
    engine.dispose()
    total = len(app.client.get("/v1/users?limit=500", headers=app.token(admin)).json())
    assert total > 120
    page = signed_in(app, admin)
    page.wait_for_selector("#users tbody tr[data-user]")
    # The form before the list, and the page's parts one tap from the top.
    form, table = page.locator("#user-form").bounding_box(), page.locator("#users").bounding_box()
    assert form["y"] < table["y"]
    assert page.locator(".sections a[href='#users-title']").bounding_box()["y"] < 400
    page.click(".sections a[href='#users-title']")
    assert page.locator("#users-title").bounding_box()["y"] < 100  # scrolled to the accounts
    # A page at a time.
    assert page.locator("#users tbody tr").count() == 50
    assert page.inner_text("#users-range") == "Accounts 1–50"
    assert page.is_disabled("#users-previous") and page.is_enabled("#users-next")
    page.click("#users-next")
    page.wait_for_selector("#users-range:text('Accounts 51–100')")
    last_page = (total - 1) // 50 * 50
    while page.is_enabled("#users-next"):
        page.click("#users-next")
        page.wait_for_function("() => !document.querySelector('#users-range').textContent.includes('51–100')")
    page.wait_for_selector(f"#users-range:text('Accounts {last_page + 1}–{total}')")
    assert page.locator("#users tbody tr").count() == total - last_page
    page.click("#users-previous")
    page.wait_for_selector(f"#users-range:text('Accounts {last_page - 49}–{last_page}')")
    # Found by login (any case) or by display name, typing alone (no button), from page 1.
    page.fill("#users-query", "BULK-11")
    page.wait_for_selector("#users-range:text('Accounts 1–10')")
    assert page.locator("#users tbody tr").all_inner_texts()[0].startswith("bulk-110")
    assert page.is_hidden("#users-pager")
    page.fill("#users-query", "learner 042")
    page.wait_for_selector("#users tbody tr:has-text('bulk-042')")
    assert page.locator("#users tbody tr").count() == 1
    page.fill("#users-query", "nobody-at-all")
    page.wait_for_selector("#users-range:text('No account matches.')")
    assert page.locator("#users tbody tr").count() == 0
    page.fill("#users-query", "")
    page.select_option("#users-role", "admin")
    page.wait_for_selector("#users-range:text('Accounts 1–1')")
    assert page.inner_text("#users tbody tr").startswith("root")
    # A new account, created last of hundreds, is in the list at once, and can be disabled.
    page.fill("#user-name", "qa-new-teacher")
    page.select_option("#user-role", "teacher")
    page.click("#user-form button[type=submit]")
    page.wait_for_selector("#user-created:not([hidden])")
    row = page.locator("#users tbody tr:has-text('qa-new-teacher')")
    row.wait_for()
    assert page.locator("#users tbody tr").count() == 1 and row.locator("select").input_value() == "teacher"
    assert page.input_value("#users-query") == "qa-new-teacher" and page.input_value("#users-role") == ""
    row.locator("button").click()
    page.wait_for_selector("#users tbody tr:has-text('qa-new-teacher'):has-text('disabled')")
    made = app.client.get("/v1/users?search=qa-new-teacher", headers=app.token(admin)).json()
    assert [(u["username"], u["disabled"]) for u in made] == [("qa-new-teacher", True)]
    page.fill("#users-query", "bulk")
    page.wait_for_selector("#users-range:text('Accounts 1–50')")
    app.check(page, "admin-accounts-paged")
    page.context.close()


#: A run rolled back from the server's shell (`b1engine calibrations rollback`): no account named.
SHELL_ROLLBACK = {
    "id": "5e0c9a3b7d1f4e2a8b6c0d9e1f2a3b4c", "status": "rolled_back", "dry_run": False, "requested_by": "root",
    "options": {"language": "nb", "min_learners": 50, "max_se": 0.3, "alpha": 0.05, "dry_run": False},
    "created_at": "2026-11-02T09:15:00Z", "finished_at": "2026-11-02T09:16:00Z", "applied_at": "2026-11-02T09:16:00Z",
    "rolled_back_at": "2026-11-03T08:00:00Z", "rolled_back_by": None, "items_changed": 7, "levels_changed": 2,
    "message": "7 items changed (nb: 7); 2 learners' levels changed"}


def test_the_runs_say_no_change_name_a_shell_rollback_and_show_a_copyable_id(app, admin):
    import time

    headers = app.token(admin)
    run = app.client.post("/v1/calibrations", headers=headers, json={"language": "nb"}).json()
    for _ in range(300):
        run = app.client.get(f"/v1/calibrations/{run['id']}", headers=headers).json()
        if run["status"] in ("done", "failed"):
            break
        time.sleep(0.2)
    assert (run["dry_run"], run["status"], run["items_changed"]) == (False, "done", 0)
    page = signed_in(app, admin, path="/login")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])

    def with_shell_rollback(route):
        reply = route.fetch()
        route.fulfill(response=reply, json=[*reply.json(), SHELL_ROLLBACK])

    page.route("**/v1/calibrations?limit=50", with_shell_rollback)
    page.goto(f"{app.base}/admin")
    page.wait_for_selector(f"#runs tr[data-run='{SHELL_ROLLBACK['id']}']")
    applied = page.inner_text(f"#runs tr[data-run='{run['id']}']")
    assert "No change, Norwegian Bokmål." in applied and "Applied" not in applied and "0 items" not in applied
    # Why, in the page's words from the API's reasons: 9 answers of 3 learners, none from 50.
    most = run["result"]["languages"][0]["most_answered"]
    answers, learners = (f"{n} {word}{'s' if n != 1 else ''}" for n, word in
                         ((most["answers"], "answer"), (most["learners"], "learner")))
    assert (f"Norwegian Bokmål: No item has answers from 50 learners yet. The item with the most, "
            f"{most['item_id']}, has {answers} from {learners}.") in applied
    shell = page.locator(f"#runs tr[data-run='{SHELL_ROLLBACK['id']}']")
    assert "from the command line" in shell.inner_text() and "by —" not in shell.inner_text()
    assert "7 items, 2 learner levels changed" in shell.inner_text()
    # The id: its first characters in sight, all of it in the page, copied whole by its button.
    code = shell.locator("code.run-id")
    assert code.inner_text() == SHELL_ROLLBACK["id"]
    width = code.evaluate("node => [node.clientWidth, node.scrollWidth]")
    assert width[0] < width[1] and 40 < width[0] < 120, width
    shell.locator("button.copy-id").click()
    page.wait_for_selector(f"#status:text('Copied: {SHELL_ROLLBACK['id']}')")
    assert page.evaluate("navigator.clipboard.readText()") == SHELL_ROLLBACK["id"]
    app.check(page, "admin-runs")
    page.context.close()
    # Right to left: the id still shows its first characters, as the command line prints them.
    page = app.signed_in(admin, "/login", language="ar")
    page.route("**/v1/calibrations?limit=50", with_shell_rollback)
    page.goto(f"{app.base}/admin")
    code = page.locator(f"#runs tr[data-run='{SHELL_ROLLBACK['id']}'] code.run-id")
    code.wait_for()
    assert code.evaluate("node => getComputedStyle(node).direction") == "ltr"
    row = page.inner_text(f"#runs tr[data-run='{SHELL_ROLLBACK['id']}']")
    # The counts in Arabic, not once more in the server's English message.
    assert "سطر الأوامر" in row and "items changed" not in row
    # Why the applied run changed nothing: in Arabic, not in the server's English.
    why = page.inner_text(f"#runs tr[data-run='{run['id']}']")
    assert "لا يوجد بعد سؤال أجاب عنه 50 متعلمًا أو أكثر" in why and most["item_id"] in why, why
    # The id one unbroken left-to-right piece: broken at its hyphen, the line read "-nb" … "app-007".
    item = page.locator(f"#runs tr[data-run='{run['id']}'] bdi.item-id")
    assert item.inner_text() == most["item_id"]
    assert item.evaluate("node => [getComputedStyle(node).direction, node.getClientRects().length]") == ["ltr", 1]
    assert "No item" not in why and "no item" not in why
    app.screenshot(page, "admin-runs-ar")
    page.context.close()


@pytest.mark.parametrize(("language", "code"), [("en", "stale_parameters"), ("uk", "stale_parameters"),
                                                 ("uk", "internal"), ("uk", None)])
def test_a_failed_run_says_why_in_the_admins_language(app, admin, language, code):
    """A run that failed says its cause in the page's words; one without a named cause (a refusal,
    or a run that failed before causes had names), the server's English."""
    import json
    from pathlib import Path

    texts = json.loads((Path(__file__).parents[2] / f"api/i18n/{language}.json").read_text(encoding="utf-8"))
    english = "the parameters of 3 nb items changed while this run was fitting (e.g. nb-app-007: another run, ...)"
    failed = {**SHELL_ROLLBACK, "id": "f" * 32, "status": "failed", "applied_at": None, "rolled_back_at": None,
              "items_changed": None, "levels_changed": None, "message": english, "error_code": code}

    def with_a_failed_run(route):
        route.fulfill(response=route.fetch(), json=[failed])

    page = app.signed_in(admin, "/login", language=language)
    page.route("**/v1/calibrations?limit=50", with_a_failed_run)
    page.goto(f"{app.base}/admin")
    row = page.locator(f"#runs tr[data-run='{failed['id']}']")
    row.wait_for()
    why = row.locator("span.small").inner_text()
    assert why == (texts["admin_failed_stale" if code == "stale_parameters" else "admin_failed_internal"]
                   if code else english)
    page.context.close()


def test_the_rollback_confirmation_says_only_the_newest_change_can_be_undone(app, admin):
    """The rule the API holds to (docs/operations.md): a run is rolled back only while it is the
    newest change of its language; the confirmation says so before the click, in the page's language."""
    applied = {**SHELL_ROLLBACK, "id": "7f1e2d3c4b5a69788796a5b4c3d2e1f0", "status": "done", "rolled_back_at": None}

    def with_applied(route):
        reply = route.fetch()
        route.fulfill(response=reply, json=[applied, *reply.json()])

    for language, words in (("en", "Only the newest change for a language can be rolled back"),
                            ("fr", "Seul le dernier changement d'une langue peut être annulé")):
        page = app.signed_in(admin, "/login", language=language)
        page.route("**/v1/calibrations?limit=50", with_applied)
        page.goto(f"{app.base}/admin")
        page.click(f"#runs tr[data-run='{applied['id']}'] button.rollback")
        page.wait_for_selector("#rollback-confirm:not([hidden])")
        assert page.inner_text("#rollback-rule").startswith(words)
        assert "b1engine growth rollback" in page.inner_text("#rollback-rule")
        assert page.get_attribute("#rollback-confirm", "aria-describedby") == "rollback-rule"
        if language == "en":
            app.check(page, "admin-rollback-confirm")
        page.click("#rollback-no")
        assert page.is_hidden("#rollback-confirm")
        page.context.close()


#: A dry run that would change two items (a bank of thousands of answers, not this test's nine).
CHANGING_DRY_RUN = {
    "id": "9a8b7c6d5e4f30211203948576afbecd", "status": "done", "dry_run": True, "requested_by": "root",
    "options": {"language": "nb", "min_learners": 50, "max_se": 0.3, "alpha": 0.05, "dry_run": True},
    "created_at": "2026-11-04T10:00:00Z", "finished_at": "2026-11-04T10:01:00Z", "applied_at": None,
    "rolled_back_at": None, "rolled_back_by": None, "items_changed": 2, "levels_changed": 1,
    "message": "2 items would change (nb: 2); 1 learner's level would change", "started_at": "2026-11-04T10:00:01Z",
    "error": None, "result": None,
    "items": [{"item_id": f"nb-work-02{n}-cloze-choice", "language": "nb", "learners": 212 + n,
               "before": {"a": 1.0, "b": -0.5, "c": 0.25}, "after": {"a": 1.31, "b": 0.12, "c": 0.25},
               "se_a": 0.16, "se_b": 0.11, "p_value": 2.1e-09} for n in (4, 5)],
    "learners": [{"learner_id": 17, "username": "Amina48", "language": "nb", "theta_before": -0.02,
                  "theta_after": -0.09, "level_before": "B1", "level_after": "A2"}]}


def changing_dry_run(app, admin, language: str | None = None):
    """The admin page after a dry run that changes items and a level (CHANGING_DRY_RUN's reply)."""
    import json

    page = app.signed_in(admin, "/admin", language=language)
    page.wait_for_selector("#admin-view:not([hidden])")
    page.route("**/v1/calibrations", lambda route: route.fulfill(
        status=202, content_type="application/json", body=json.dumps(CHANGING_DRY_RUN))
        if route.request.method == "POST" else route.fallback())
    page.click("#dry-run")
    page.wait_for_selector("#run-learners tbody tr")
    return page


def test_a_dry_runs_items_stack_on_a_phone_every_value_in_sight_under_its_name(app, admin):
    """The QA report: at 360 px "Difficulty b" and "Discrimination a" hid behind a sideways scroll."""
    page = changing_dry_run(app, admin)
    assert page.is_visible("#apply")
    cells = page.locator("#run-items tbody tr").first.locator("th, td")
    for index in range(cells.count()):
        box = cells.nth(index).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360, (index, box)
    wrap = page.locator("#run-items-wrap .table-wrap").evaluate("node => [node.scrollWidth, node.clientWidth]")
    assert wrap[0] <= wrap[1], wrap  # nothing behind a sideways scroll
    labels = page.locator("#run-items tbody tr").first.locator("td").evaluate_all(
        "cells => cells.map(cell => getComputedStyle(cell, '::before').content)")
    assert labels == ['"Learners"', '"Difficulty b"', '"Discrimination a"']
    assert "-0.50 → 0.12 (±\u00a00.11)" in page.inner_text("#run-items tbody tr")
    page.set_viewport_size({"width": 1280, "height": 800})
    assert page.is_visible("#run-items thead")  # a wide screen keeps the table's columns
    app.check(page, "admin-dry-run-items")
    page.context.close()


def test_an_arabic_dry_run_reads_from_old_to_new_right_to_left(app, admin):
    """"old → new" was written with a right arrow on every page: on a right-to-left page the old
    value stands on the right, so the arrow pointed from the new value to the old one. The page's
    language chooses the arrow (change_from_to), each value isolated: the old value right of the
    arrow, the new one left of it, the arrow pointing left, for numbers and levels alike."""
    page = changing_dry_run(app, admin, language="ar")
    for cell in (page.locator("#run-items tbody tr").first.locator("td").nth(1),
                 page.locator("#run-learners tbody tr").first.locator("td")):
        assert "←" in cell.inner_text() and "→" not in cell.inner_text(), cell.inner_text()
        old, new = (cell.locator("bdi").nth(k).bounding_box() for k in (0, 1))
        assert new["x"] + new["width"] <= old["x"], (cell.inner_text(), old, new)
    assert page.locator("#run-learners tbody tr td bdi").all_inner_texts() == ["B1", "A2"]
    app.check(page, "admin-dry-run-arabic")
    page.context.close()


def test_an_admin_reaches_the_admin_page_from_the_teacher_dashboard(app, admin):
    page = signed_in(app, admin, path="/teach")
    page.wait_for_selector("nav a[href='/admin']", timeout=5000)
    assert page.get_attribute("nav a[href='/admin']", "aria-current") is None  # not the page shown
    app.screenshot(page, "teach-admin-nav")
    page.click("nav a[href='/admin']")
    page.wait_for_selector("#admin-view:not([hidden])")
    page.context.close()


def test_the_admin_page_names_itself_in_the_navigation_for_an_admin(app, admin):
    page = signed_in(app, admin)
    page.wait_for_selector("#admin-view:not([hidden])")
    link = page.locator("nav a[href='/admin']")
    assert link.count() == 1 and link.is_visible() and link.get_attribute("aria-current") == "page"
    assert link.inner_text() == "Administration"
    page.context.close()


def test_first_load_of_the_admin_page_is_small_and_fast(app, admin):
    import json

    measured = cold_load(app, admin, "/admin")
    (SHOTS / "first-load-admin.json").write_text(json.dumps(measured, indent=1))
    print("\nfirst load /admin:", json.dumps(measured))
    assert measured["bytes"] <= 150_000 and measured["load_ms"] < 1000, measured

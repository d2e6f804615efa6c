"""The learner app in a real Chromium: log in on a phone, a placement test to its level, a
Turkish drill typed with the on-screen letters, a dropped connection retried once, an
Arabic-support learner's right-to-left pages, progress, accessibility (axe-core and the
keyboard), screenshots at 360 and 1280 px, and each page's first load."""
from __future__ import annotations

import json
import re

import pytest
from page_helpers import PHONE, SHOTS, first_load, tab_walk

from content.schema import word_shape

LEVEL_SURE = re.compile(r"^(A1|A2|B1|B2) — \d{1,3}% sure$")


def answer_shown_item(page, typed: str = "garderoben") -> str:
    """Answer whatever exercise is on screen (the first option, the words as shown, a word);
    returns its type."""
    page.wait_for_selector("#exercise:not([hidden])")
    if page.locator("#order-words").count():
        kind = "word_order"
        while page.locator("#order-words button").count():
            page.locator("#order-words button").first.click()
    elif page.locator("#typed").count():
        kind = "cloze_typed"
        page.fill("#typed", typed)
    else:
        kind = "reading" if page.locator("#passage:not([hidden])").count() else "choice"
        page.locator(".option").first.click()
    page.click("#check")
    return kind


def test_a_learner_logs_in_on_a_phone_takes_the_placement_test_and_sees_a_level(app):
    page = app.page()
    page.goto(f"{app.base}/")
    page.wait_for_url(re.compile(r"/login"))  # no token: the login page
    app.check(page, "login")
    page.fill("#username", "ana")
    page.fill("#password", "wrong-password-1")
    page.click("button[type=submit]")
    error = page.locator("#form-error")
    error.wait_for(state="visible")
    assert "password" in error.inner_text().lower()  # the problem's detail, readable
    app.log_in(page, "ana")
    page.wait_for_url(f"{app.base}/")
    page.wait_for_selector("#greeting:has-text('ana')")
    assert page.inner_text("#level-now").startswith("No level yet")
    app.check(page, "home")
    page.click("#start-placement")
    page.wait_for_url(re.compile(r"/practice\?session="))
    seen: set[str] = set()
    for _ in range(40):
        page.wait_for_selector("#exercise:not([hidden]), #result:not([hidden])")
        if page.locator("#result:not([hidden])").count():
            break
        kind = page.evaluate("""() => document.querySelector('#order-words') ? 'word_order'
            : document.querySelector('#typed') ? 'cloze_typed'
            : !document.querySelector('#passage').hidden ? 'reading' : 'choice'""")
        if kind not in seen:
            seen.add(kind)
            app.check(page, f"placement-{kind.replace('_', '-')}")
        counter = page.inner_text("#counter")
        answer_shown_item(page)
        # Placement: no feedback after an answer, the next exercise comes at once.
        page.wait_for_function("c => document.querySelector('#counter').textContent !== c", arg=counter)
        assert page.locator("#feedback").is_hidden()
    result = page.locator("#result")
    assert result.is_visible()
    assert seen == {"choice", "cloze_typed", "word_order", "reading"}
    assert LEVEL_SURE.match(page.inner_text("#result-level")), page.inner_text("#result-level")
    skills = page.locator("#result-skills li").all_inner_texts()
    assert skills and all(re.search(r"(A1|A2|B1|B2) — \d+% sure", s) for s in skills)
    assert page.locator("#result-description p").count() >= 1  # what the level means
    app.check(page, "placement-result")
    # The level the page showed is the service's.
    me = app.client.get("/v1/learners/me", headers=app.token("ana")).json()
    assert page.inner_text("#result-level").startswith(me["overall"]["level"])
    page.context.close()


def test_a_turkish_learner_types_an_answer_with_the_on_screen_letters(app):
    page = app.page()
    app.log_in(page, "mehmet")
    page.wait_for_url(f"{app.base}/")
    page.click("#start-drill")
    page.wait_for_selector("#typed")
    keys = page.locator(".keys button[data-letter]").all_inner_texts()
    assert keys == ["ç", "ğ", "ı", "İ", "ö", "ş", "ü"]
    app.check(page, "drill-typed-turkish")

    # Capitals in Turkish rules: ı becomes I, İ stays İ (never an I with a dot lost or added).
    page.click(".keys button[aria-pressed]")
    assert page.locator(".keys button[data-letter]").all_inner_texts() == ["Ç", "Ğ", "I", "İ", "Ö", "Ş", "Ü"]
    page.click(".keys button[aria-pressed]")
    prompt = page.inner_text("#typed-prompt")
    from app_bank import SHOWN, TURKISH

    answer = next(word for word, text in TURKISH if text.replace("___", "").strip()[:8] in prompt)
    # The gap shows the answer's first letter and a slot per letter, and says so to a screen reader.
    shape = page.get_attribute("#typed-prompt [data-shape]", "data-shape")
    assert shape == word_shape(answer, SHOWN)
    # A screen reader hears every letter the gap shows (review 23: "cu" was said as "c").
    assert f"starts with “{answer[:SHOWN]}” and has {len(answer)} letters" in prompt
    page.click("#typed")
    for letter in answer:
        key = page.locator(f".keys button[data-letter='{letter}']")
        if key.count():
            key.click()  # the letter inserted at the caret, the caret after it
        else:
            page.keyboard.type(letter)
    assert page.input_value("#typed") == answer
    page.click("#check")
    page.wait_for_selector("#feedback:not([hidden])")
    assert page.inner_text("#feedback-title") == "Right!"
    app.check(page, "drill-feedback-right")
    # A wrong answer: the right one is shown, with the explanation.
    page.click("#next")
    page.wait_for_selector("#typed")
    page.fill("#typed", "yanlış")
    page.click("#check")
    page.wait_for_selector("#feedback:not([hidden]).bad")
    assert page.inner_text("#feedback-title") == "Not quite."
    assert page.inner_text("#right-answer").startswith("The right answer:")
    assert page.inner_text("#explanation").startswith("Doğru kelime:")
    app.check(page, "drill-feedback-wrong")
    # An answer with the letters typed plainly: partial credit, "almost", the right spelling.
    page.click("#next")
    page.wait_for_selector("#typed")
    prompt = page.inner_text("#typed-prompt")
    answer = next(word for word, text in TURKISH if text.replace("___", "").strip()[:8] in prompt)
    plain = answer.translate(str.maketrans("çğıİöşü", "cgiIosu"))
    page.fill("#typed", plain)
    page.click("#check")
    page.wait_for_selector("#feedback:not([hidden])")
    if plain != answer:
        assert page.inner_text("#feedback-title") == "Almost!"
        assert answer in page.inner_text("#right-answer")
        app.check(page, "drill-feedback-almost")
    while not page.locator("#result:not([hidden])").count():
        page.click("#next")
        page.wait_for_selector("#exercise:not([hidden]) #typed, #result:not([hidden])")
        if page.locator("#result:not([hidden])").count():
            break
        page.fill("#typed", "x")
        page.click("#check")
        page.wait_for_selector("#feedback:not([hidden])")
    assert re.match(r"^\d of 6 answers right\.$", page.inner_text("#result-summary"))
    app.check(page, "drill-result")
    # Today's goal: one drill, done.
    page.goto(f"{app.base}/progress")
    page.wait_for_selector("#goal strong")
    assert page.inner_text("#goal strong") == "Done!"
    page.wait_for_selector("#chart img.chart-image")
    assert page.locator("#skills li").count() >= 1
    app.check(page, "progress")
    page.context.close()


def test_the_start_buttons_wait_for_the_learners_data(app):
    """A tap on "start" before the page knows the learner's language started nothing and said
    nothing (the handler came with the data): the buttons are disabled until then."""
    page = app.page()
    # The learner's data held back on the home page until the test lets it through.
    page.add_init_script("""(() => {
      if (location.pathname !== "/") return;
      const send = window.fetch;
      const gate = new Promise((open) => { window.openGate = open; });
      window.fetch = (url, options) => String(url).includes("/v1/learners/me")
        ? gate.then(() => send(url, options)) : send(url, options);
    })()""")
    app.log_in(page, "sara")
    page.wait_for_url(f"{app.base}/")
    assert page.is_disabled("#start-drill") and page.is_disabled("#start-placement")
    page.evaluate("window.openGate()")
    page.click("#start-drill")  # waits until the button is enabled
    page.wait_for_url("**/practice?session=*")
    page.wait_for_selector("#exercise")
    page.context.close()


def test_a_typed_answer_stops_at_the_length_the_api_reads(app):
    """The API refuses a typed answer longer than TYPED_ANSWER_MAX_CHARS (422); the box takes no
    more, typed, pasted or from the on-screen letters, so a long answer is checked, not refused."""
    from api.services.served_items import TYPED_ANSWER_MAX_CHARS

    page = app.page()
    app.log_in(page, "mehmet")
    page.wait_for_url(f"{app.base}/")
    page.click("#start-drill")
    page.wait_for_selector("#typed")
    assert page.get_attribute("#typed", "maxlength") == str(TYPED_ANSWER_MAX_CHARS)
    page.click("#typed")
    page.keyboard.insert_text("ş" * (TYPED_ANSWER_MAX_CHARS + 50))  # as a paste
    assert page.input_value("#typed") == "ş" * TYPED_ANSWER_MAX_CHARS
    page.click(".keys button[data-letter='ç']")  # a full box takes no letter from the keys either
    assert page.input_value("#typed") == "ş" * TYPED_ANSWER_MAX_CHARS
    page.click("#check")
    page.wait_for_selector("#feedback:not([hidden])")
    assert page.inner_text("#feedback-title") == "Not quite." and page.inner_text("#practice-error") == ""
    page.context.close()


def test_a_dropped_connection_is_retried_with_the_same_id_and_counted_once(app):
    headers = app.token("olek")
    session = app.client.post("/v1/sessions", headers=headers,
                              json={"language": "nb", "mode": "drill", "track": "b1", "trade": None}).json()
    page = app.page()
    app.log_in(page, "olek")
    page.wait_for_url(f"{app.base}/")
    sent: list[dict] = []
    aborted: list[bool] = []

    def drop_the_first(route):
        sent.append(json.loads(route.request.post_data))
        if not aborted:
            aborted.append(True)
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/responses", drop_the_first)
    page.goto(f"{app.base}/practice?session={session['id']}")
    answer_shown_item(page)
    page.wait_for_selector("#feedback:not([hidden])")
    assert len(sent) == 2 and sent[0] == sent[1]  # the same answer, the same client_response_id
    assert page.locator("#connection").is_hidden()
    stored = app.client.get(f"/v1/sessions/{session['id']}", headers=headers).json()
    assert stored["items_answered"] == 1
    assert page.evaluate("localStorage.getItem('b1.pending')") is None
    # An answer left pending (the tab closed before the reply): sent again on the next visit.
    page.unroute("**/responses")
    page.click("#next")
    page.wait_for_selector("#exercise:not([hidden])")
    page.route("**/responses", lambda route: route.abort("internetdisconnected"))
    answer_shown_item(page)
    page.wait_for_selector("#connection:not([hidden])")
    pending = json.loads(page.evaluate("localStorage.getItem('b1.pending')"))
    assert pending["session"] == session["id"]
    page.unroute("**/responses")
    resent: list[dict] = []
    page.on("request", lambda r: resent.append(json.loads(r.post_data)) if r.url.endswith("/responses") else None)
    page.reload()
    page.wait_for_selector("#exercise:not([hidden]), #result:not([hidden])")
    assert resent[0]["client_response_id"] == pending["body"]["client_response_id"]
    stored = app.client.get(f"/v1/sessions/{session['id']}", headers=headers).json()
    assert stored["items_answered"] == 2
    page.context.close()


def test_an_arabic_support_learner_sees_a_right_to_left_interface(app):
    page = app.page()
    page.goto(f"{app.base}/login")
    assert page.get_attribute("html", "dir") == "ltr"
    page.select_option("#language", "ar")
    page.wait_for_selector("html[dir=rtl]")
    assert page.get_attribute("html", "lang") == "ar"
    assert page.inner_text("h1") == "تسجيل الدخول"
    app.check(page, "login-arabic")
    app.log_in(page, "amina")
    page.wait_for_url(f"{app.base}/")
    page.wait_for_selector("#greeting:has-text('amina')")
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.inner_text("#start-drill") == "ابدأ تمرين اليوم"
    assert page.locator("nav a").first.inner_text() == "الصفحة الرئيسية"
    app.check(page, "home-arabic")
    # The choice made before logging in is the learner's support language now.
    me = app.client.get("/v1/learners/me", headers=app.token("amina")).json()
    assert me["support_language"] == "ar"
    page.click("#start-drill")
    page.wait_for_selector("#exercise:not([hidden])")
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.get_attribute(".question", "lang") == "nb"  # the exercise in the language learnt
    app.check(page, "drill-arabic")
    page.context.close()


def test_an_activity_opened_from_the_learning_platform_comes_first(app):
    """An LTI launch of a placement activity opens ``/?activity=placement``: that card leads,
    its button is the main one and has the focus (a drill stays one tap away)."""
    page = app.page()
    app.log_in(page, "sara")
    page.wait_for_url(f"{app.base}/")
    page.goto(f"{app.base}/?activity=placement")
    page.wait_for_selector("#greeting:has-text('sara')")
    first_card_button = page.locator(".choices .card").first.locator("button")
    assert first_card_button.get_attribute("id") == "start-placement"
    assert "primary" in page.get_attribute("#start-placement", "class")
    assert "primary" not in (page.get_attribute("#start-drill", "class") or "")
    assert page.evaluate("document.activeElement.id") == "start-placement"
    page.context.close()


def test_a_one_time_password_is_changed_first(app):
    page = app.page()
    app.log_in(page, "newbie", "given-pass-77")
    page.wait_for_url(f"{app.base}/password")
    app.check(page, "password")
    page.fill("#current-password", "given-pass-77")
    page.fill("#new-password", "short")
    page.fill("#repeat-password", "short")
    page.click("button[type=submit]")
    # The policy's rule in the page's words (the API's English names the field and the rule).
    page.wait_for_selector("#form-error:has-text('Choose another password')")
    page.fill("#new-password", "my own garden words")
    page.fill("#repeat-password", "my own garden words")
    page.click("button[type=submit]")
    page.wait_for_url(f"{app.base}/")
    page.wait_for_selector("#greeting:has-text('newbie')")
    page.context.close()


def test_a_teacher_is_taken_to_the_teacher_dashboard(app):
    page = app.page()
    app.log_in(page, "tove")
    page.wait_for_url("**/teach")
    page.wait_for_selector("#classes-view:not([hidden])")
    page.context.close()


@pytest.mark.parametrize("path", ["/login", "/", "/progress", "/practice?session={session}"])
def test_every_control_is_reachable_by_keyboard(app, path):
    headers = app.token("sara")
    session = app.client.post("/v1/sessions", headers=headers,
                              json={"language": "nb", "mode": "drill", "track": "b1", "trade": None}).json()
    token = headers["Authorization"].removeprefix("Bearer ")
    page = app.page()
    page.add_init_script(f"sessionStorage.setItem('b1.token', {json.dumps(token)})")
    page.goto(app.base + path.format(session=session["id"]))
    page.wait_for_load_state("networkidle")
    reached, controls = tab_walk(page)
    assert set(controls) <= set(reached), sorted(set(controls) - set(reached))
    assert reached[0].startswith("A#.#main")  # the skip link first
    page.context.close()


def test_first_load_of_each_page_is_small_and_fast(app):
    """Each page in a new browser context (nothing cached): bytes over the wire and time to
    show, as the browser's Performance API measures them on loopback."""
    token = app.token("ivo")["Authorization"].removeprefix("Bearer ")
    session = app.client.post("/v1/sessions", headers=app.token("ivo"),
                              json={"language": "nb", "mode": "drill", "track": "b1", "trade": None}).json()
    figures = {}
    for path in ("/login", "/", "/practice?session=" + session["id"], "/progress", "/password"):
        page = app.page(PHONE)
        page.add_init_script(f"sessionStorage.setItem('b1.token', {json.dumps(token)})")
        page.goto(app.base + path, wait_until="load")
        page.wait_for_load_state("networkidle")
        figures[path.split("?")[0]] = first_load(page)
        page.context.close()
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "first-load.json").write_text(json.dumps(figures, indent=1))
    print("\nfirst loads:", json.dumps(figures))
    for path, measured in figures.items():
        assert measured["bytes"] <= 150_000, (path, measured)
        assert measured["load_ms"] < 1000 and measured["first_paint_ms"] < 1000, (path, measured)

"""The author studio in Chromium: an author uploads a CSV with an error, sees it at its entry and
field, fixes it in the form, previews and publishes; axe, the Tab walk, screenshots, first load."""
from __future__ import annotations

import json

from page_helpers import PHONE, SHOTS, first_load, tab_walk

#: Words the pages' small bank does not have; the second entry's level is wrong.
CSV = ("lemma,pos,gloss,example,cefr\n"
       "skrutrekker,NOUN,screwdriver,Skru fast hylla med skrutrekkeren.,A2\n"
       "vater,NOUN,spirit level,Bruk vateret før du fester hylla.,Z9\n"
       "slipe,VERB,to sand,Du må slipe planken før du maler den.,B1\n")


def test_an_author_uploads_a_csv_fixes_an_error_in_the_form_previews_and_publishes(app):
    page = app.page()
    app.log_in(page, "ada")
    page.wait_for_url("**/author")
    page.wait_for_selector("#sets-empty:not([hidden])")

    # Upload before a file is chosen: said so, at the field (it said the field's label).
    page.click("#upload-form button[type=submit]")
    assert page.inner_text("#upload-error") == "Choose a file first."
    assert page.evaluate("document.activeElement.id") == "upload-file"
    page.set_input_files("#upload-file", files=[{"name": "tools.csv", "mimeType": "text/csv",
                                                 "buffer": CSV.encode("utf-8")}])
    page.fill("#upload-title", "Verktøy")
    page.click("#upload-form button[type=submit]")
    # The problem at entry 2 (people's count), field "Level", and nowhere else.
    page.wait_for_selector("#e-2-cefr[aria-invalid=true]")
    problems = page.locator(".field-problem")
    assert problems.count() == 1
    assert page.locator("[data-field=e-2-cefr] .field-problem").inner_text().strip()
    assert page.locator("#e-1-cefr").get_attribute("aria-invalid") is None
    summary = page.inner_text("#set-problems")
    assert summary.startswith("1 problem:")
    assert "content/" not in page.inner_text("#editor") and ".yaml" not in page.inner_text("#editor")
    app.check(page, "author-problem")
    wide = page.evaluate("""() => Array.from(document.querySelectorAll('body *'))
        .filter(el => el.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
        .map(el => el.tagName + '#' + el.id + '.' + el.className + ' ' + Math.round(el.getBoundingClientRect().right))""")
    assert wide == [], wide  # nothing wider than the phone

    page.select_option("#e-2-cefr", "B1")
    page.click("#check-set")
    page.wait_for_selector("#preview:not([hidden]) .question")
    assert page.locator("#preview-items .question").count() >= 3
    assert page.locator("#preview-items .gap").count() >= 1  # a cloze drawn as the learner sees it
    assert page.locator(".field-problem").count() == 0
    page.click("#publish")
    page.wait_for_selector("#unpublish:not([hidden])")
    # The list of sets is fetched again after the set's own view: wait for it, not for the button.
    page.wait_for_function("() => document.querySelector('#sets').innerText.includes('published')")
    sets = app.client.get("/v1/vocabulary-sets", headers=app.token("ada")).json()["sets"]
    assert [(s["title"], s["status"], s["entries"]) for s in sets] == [("Verktøy", "published", 3)]
    app.check(page, "author-published")

    reached, controls = tab_walk(page, limit=200)
    assert set(controls) <= set(reached), sorted(set(controls) - set(reached))
    page.click("#show-stats")
    page.wait_for_selector("#stats:not([hidden]) tbody tr")
    app.check(page, "author-statistics")
    page.context.close()

    page = app.page(PHONE)
    page.goto(f"{app.base}/login")
    token = app.token("ada")["Authorization"].removeprefix("Bearer ")
    page.evaluate("token => sessionStorage.setItem('b1.token', token)", token)
    page.goto(f"{app.base}/author")
    page.wait_for_selector("#sets li")
    measured = first_load(page)
    page.context.close()
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "first-load-author.json").write_text(json.dumps(measured, indent=1))
    print("\nfirst load /author:", json.dumps(measured))
    assert measured["bytes"] <= 150_000 and measured["load_ms"] < 1000

"""The author studio in Chromium: an author uploads a CSV with an error, sees it at its entry and
field, fixes it in the form, previews and publishes, and later reads which exercise to check;
axe, the Tab walk, screenshots, first load."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from page_helpers import PHONE, SHOTS, first_load, tab_walk

#: Words the pages' small bank does not have; the second entry's level is wrong.
CSV = ("lemma,pos,gloss,example,cefr\n"
       "skrutrekker,NOUN,screwdriver,Skru fast hylla med skrutrekkeren.,A2\n"
       "vater,NOUN,spirit level,Bruk vateret før du fester hylla.,Z9\n"
       "slipe,VERB,to sand,Du må slipe planken før du maler den.,B1\n")


def _answers(app, fitting: str, mis_keyed: str, count: int = 40) -> None:
    """A learner's ``count`` answers to each of two items, stored as the service stores them
    (each with the estimate after it): the first answered as the model predicts from the
    estimate before each answer, the second right exactly when the model says it is likely
    wrong, as a wrong key scores it."""
    from sqlmodel import Session

    from api.db import make_engine
    from api.models import ItemRow, LearningSession, ResponseRow
    from api.services.users import create_user
    from calibration.fit import predictive_moments

    rng = np.random.default_rng(7)
    before = rng.normal(-0.5, 1.2, 2 * count + 1)  # the learner's estimate before each answer
    se = 0.4
    engine = make_engine(app.database_url)
    with Session(engine) as db:
        learner = create_user(db, "fit-learner", app.password, "learner", datetime.now(UTC), language="nb")
        items = {item_id: db.get(ItemRow, item_id) for item_id in (fitting, mis_keyed)}
        start = datetime(2026, 11, 2, 9, tzinfo=UTC)
        for n in range(2 * count):
            item_id = (fitting, mis_keyed)[n % 2]
            row = items[item_id]
            p = predictive_moments(before[n:n + 1], np.array([se]), np.array([row.a]), np.array([row.b]),
                                   np.array([row.c])).expected[0]
            right = bool(rng.random() < p) if item_id == fitting else bool(p < 0.5)
            moment = start + timedelta(hours=n)
            if n % 2 == 0:
                db.add(LearningSession(id=f"fit-{n // 2}", learner_id=learner.id, language="nb", mode="drill",
                                       track="trade", trade="construction", state={}, created_at=moment,
                                       updated_at=moment))
            db.add(ResponseRow(session_id=f"fit-{n // 2}", learner_id=learner.id, item_id=item_id,
                               client_response_id=f"fit-{n}", answer="x", score=int(right), max_score=1,
                               correct=right, answered_at=moment, theta=float(before[n + 1]), se=se, level="A2"))
        db.commit()
    engine.dispose()


def test_an_author_uploads_a_csv_fixes_an_error_in_the_form_previews_and_publishes(app):
    page = app.page()
    app.log_in(page, "ada")
    page.wait_for_url("**/author")
    page.wait_for_selector("#sets-empty:not([hidden])")
    # The languages and the trades by their names, not their codes.
    assert page.locator("#upload-language option").all_inner_texts() == ["Norwegian Bokmål", "Turkish", "Italian"]
    assert page.locator("#upload-trade option:checked").inner_text() == "Construction"

    # Upload before a file is chosen: said so, at the field (it said the field's label).
    page.click("#upload-form button[type=submit]")
    assert page.inner_text("#upload-error") == "Choose a file first."
    assert page.evaluate("document.activeElement.id") == "upload-file"
    # A CSV file without the set's title: said before anything is sent.
    page.set_input_files("#upload-file", files=[{"name": "tools.csv", "mimeType": "text/csv",
                                                 "buffer": CSV.encode("utf-8")}])
    page.click("#upload-form button[type=submit]")
    assert page.inner_text("#upload-error") == "A CSV file holds only the entries: type the set's title first."
    assert page.evaluate("document.activeElement.id") == "upload-title"
    page.fill("#upload-title", "Verktøy")
    # A row with an empty cell: its line and column, in the page's words.
    page.set_input_files("#upload-file", files=[{"name": "tools.csv", "mimeType": "text/csv",
                                                 "buffer": CSV.replace(",spirit level,", ",,").encode("utf-8")}])
    page.click("#upload-form button[type=submit]")
    page.wait_for_function("() => document.querySelector('#upload-error').innerText.includes('Line')")
    assert page.inner_text("#upload-error") == "Line 3 of the CSV file has nothing in the column “gloss”: fill it in."
    page.set_input_files("#upload-file", files=[{"name": "tools.csv", "mimeType": "text/csv",
                                                 "buffer": CSV.encode("utf-8")}])
    page.click("#upload-form button[type=submit]")
    # The problem at entry 2 (people's count), field "Level", and nowhere else.
    page.wait_for_selector("#e-2-cefr[aria-invalid=true]")
    problems = page.locator(".field-problem")
    assert problems.count() == 1
    # Said from its code: the choices joined with the page language's "or".
    assert page.locator("[data-field=e-2-cefr] .field-problem").inner_text() == "Use A1, A2, B1 or B2."
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
    # 40 answers to two of the set's exercises: one as the levels predict, one scored by a wrong key.
    published = app.client.get(f"/v1/vocabulary-sets/{sets[0]['id']}", headers=app.token("ada")).json()
    fitting, mis_keyed = (published["items"][k]["id"] for k in (0, 1))
    _answers(app, fitting, mis_keyed)
    page.click("#show-stats")
    page.wait_for_selector("#stats:not([hidden]) tbody tr")
    cells = page.eval_on_selector_all("#stats-table tbody tr", "rows => rows.map(r => r.lastElementChild.innerText)")
    assert cells == ["as expected", "check this exercise"] + ["–"] * (len(cells) - 2)
    assert page.locator("#stats-table td.misfit").count() == 1
    assert page.inner_text("#fit-help").startswith("Once an exercise has 30 answers, each answer is compared with "
                                                   "the chance of a right answer at the learner's level just before")
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


def test_an_authors_problems_are_said_in_the_page_language_with_the_words_whole(app):
    texts = json.loads((Path(__file__).parents[2] / "api" / "i18n" / "ar.json").read_text(encoding="utf-8"))

    def said(name_of_text: str, **values: str) -> str:
        text = texts[name_of_text]
        for name, value in values.items():
            text = text.replace("{" + name + "}", value)
        return text

    page = app.signed_in("ada", "/author", language="ar")
    page.wait_for_selector("#sets-empty:not([hidden]), #sets li")
    page.click("#new-set")
    page.wait_for_selector("#editor:not([hidden])")
    page.select_option("#set-trade", "kitchen")
    page.fill("#set-title", "Kjøkken")
    page.fill("#e-1-lemma", "kniv")
    page.fill("#e-1-gloss", "knife")
    page.fill("#e-1-x-1-text", "Legg kniven i vasken.")
    # A capital inside the sentence, and a right answer among the wrong options.
    page.fill("#e-1-x-1-distractors", "Gaffelen, kniven")
    page.click("#add-entry")
    page.fill("#e-2-lemma", "gaffel")
    page.fill("#e-2-gloss", "fork")
    page.fill("#e-2-x-1-text", "Gaffelen ligger ved sklabbenx.")  # a word no list knows
    page.click("#check-set")
    page.wait_for_selector("#e-2-x-1-text[aria-invalid=true]")

    distractors = page.locator("[data-field=e-1-x-1-distractors] .field-problem")
    assert distractors.all_inner_texts() == [
        said("field_distractor_case_inside", text="Gaffelen", key="kniven"),
        said("field_distractor_accepted", text="kniven")]
    sentence = page.locator("[data-field=e-2-x-1-text] .field-problem")
    assert sentence.all_inner_texts() == [said("field_unknown_word", word="sklabbenx")]
    # The learnt language's words stay whole in the right-to-left sentence; nothing is marked English.
    assert sentence.locator("bdi").all_inner_texts() == ["sklabbenx"]
    assert page.locator(".field-problem [lang=en], .field-problem[lang=en], #set-problems [lang=en]").count() == 0
    assert "problems in the vocabulary set" not in page.inner_text("#set-problems")
    # The words of the language learnt are written left to right in their language, here too.
    assert [page.get_attribute("#e-1-x-1-text", name) for name in ("lang", "dir")] == ["nb", "ltr"]
    assert [page.get_attribute("#e-1-gloss", name) for name in ("lang", "dir")] == ["en", "ltr"]
    app.check(page, "author-problems-ar")
    page.select_option("#set-language", "it")
    assert page.get_attribute("#e-2-lemma", "lang") == "it"

    # A field the form does not show (from a file) is listed above the entries, named by entry and key.
    yaml = ("language: nb\ntrack: trade\ntrade: kitchen\ntitle: Kjøkken\nentries:\n"
            "  - {lemma: kniv, pos: NOUN, gloss: knife, cefr: A2, examples: [Legg kniven i vasken.],\n"
            "     gloss_distractors: [gaffel]}\n")
    page.set_input_files("#upload-file", files=[{"name": "kitchen.yaml", "mimeType": "application/yaml",
                                                 "buffer": yaml.encode("utf-8")}])
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#set-problems li")
    assert page.locator(".field-problem").count() == 0
    assert page.locator("#set-problems li").all_inner_texts() == [
        said("author_unplaced", place=said("author_entry", n="1") + " (gloss_distractors)",
             problem=said("field_gloss_distractors_few"))]
    # A file that cannot be read: its line in the page's language.
    page.fill("#upload-title", "Kjøkken")
    page.set_input_files("#upload-file", files=[{"name": "kitchen.csv", "mimeType": "text/csv", "buffer": (
        "lemma,pos,gloss,example,cefr\nkniv,NOUN,knife,Legg kniven, gaffelen og skjeen i skuffen.,A2\n").encode()}])
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#upload-error p")
    assert page.inner_text("#upload-error") == said("field_csv_extra_cells", line="2")
    assert page.locator("#upload-error [lang=en]").count() == 0
    app.screenshot(page, "author-file-ar")
    wide = page.evaluate("""() => Array.from(document.querySelectorAll('body *'))
        .filter(el => el.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
        .map(el => el.tagName + '#' + el.id)""")
    assert wide == [], wide
    page.context.close()

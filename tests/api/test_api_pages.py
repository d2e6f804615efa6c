"""The pages as the server renders them (the browser tests are in tests/apps): the language
and direction, the words with their English fallback, the security policy, static files;
and the drill reply's right answer the pages show after a mistake."""
from __future__ import annotations

import json
import re

import pytest

from api.services import interface
from api.services.served_items import right_answer
from content.schema import Item

I18N = interface.I18N_DIR
PAGES = ["/", "/login", "/password", "/practice", "/progress", "/teach/report", "/admin"]


def test_every_interface_file_names_only_english_keys_and_english_has_every_word_the_pages_use():
    english = json.loads((I18N / "en.json").read_text(encoding="utf-8"))
    for path in I18N.glob("*.json"):
        assert set(json.loads(path.read_text(encoding="utf-8"))) <= set(english), path.name
    root = I18N.parent
    used = set()
    for script in (root / "static").glob("*.js"):
        used |= set(re.findall(r'\bt\("(\w+)"', script.read_text(encoding="utf-8")))
    for template in (root / "templates").rglob("*.html"):
        used |= set(re.findall(r"\bt\.(\w+)", template.read_text(encoding="utf-8")))
    prefixes = {key for key in used if key.endswith("_")}  # t("skill_" + skill): one per skill
    assert used - prefixes - set(english) == set()
    assert {f"skill_{skill}" for skill in ("vocabulary", "grammar", "reading", "functional")} <= set(english)


def test_every_english_text_is_used():
    """A text no page, template or server module uses is a text every translator and reviewer
    reads for nothing (six were left from the charts the pages once drew themselves)."""
    root = I18N.parent
    source = "\n".join(path.read_text(encoding="utf-8") for pattern in ("**/*.py", "templates/**/*.html", "static/*.js")
                       for path in root.glob(pattern))
    # Keys built from a prefix and a value: t("skill_" + skill), f"alert_{rule}", "admin_status_" + status,
    # `field_${problem.code}` (test_every_field_code_has_a_text checks those).
    prefixes = (set(re.findall(r"""["'](\w+_)["']\s*\+""", source)) | set(re.findall(r"""f["'](\w+_){""", source))
                | set(re.findall(r"""`(\w+_)\$\{""", source)))
    unused = [key for key in interface._read("en")
              if not re.search(rf"\b{key}\b", source) and not key.startswith(tuple(prefixes))]
    assert unused == []


def test_a_missing_word_falls_back_to_english_one_word_at_a_time(monkeypatch):
    read = interface._read
    # Dari without one of its words (the shipped file has them all: the next test).
    monkeypatch.setattr(interface, "_read", lambda code: {
        key: value for key, value in read(code).items() if (code, key) != ("fa", "password_rule")})
    interface.interface.cache_clear()
    try:
        dari = interface.interface("fa")
        assert (dari.language, dari.direction) == ("fa", "rtl")
        assert dari.texts["log_in"] == "ورود"
        assert dari.texts["password_rule"] == interface.interface("en").texts["password_rule"]
        unknown = interface.interface("xx")
        assert (unknown.language, unknown.direction) == ("en", "ltr")
    finally:
        interface.interface.cache_clear()


@pytest.mark.parametrize("code", sorted(path.stem for path in interface.I18N_DIR.glob("*.json") if path.stem != "en"))
def test_every_interface_we_ship_has_every_word(code):
    """A learner who reads Arabic, Dari, French, Somali, Tigrinya or Ukrainian sees no English on
    any page: every text of en.json is translated (with the same placeholders)."""
    english, texts = interface._read("en"), interface._read(code)
    assert set(english) - set(texts) == set()
    for key, text in english.items():
        assert placeholders(texts[key]) <= placeholders(text), key


def placeholders(text: str) -> set[str]:
    """The values a text takes: each {name}, and each {name, plural, ...} choice's number (app.js);
    a choice's branch ("one {word}") is no placeholder, the {names} inside one are."""
    branches = re.sub(r"(=\d+|\b(?:zero|one|two|few|many|other))\s*{", " ", text)
    return set(re.findall(r"{(\w+), plural,", text)) | set(re.findall(r"{(\w+)}", branches))


def test_a_choices_branches_are_not_taken_for_placeholders():
    assert placeholders("{n} {n, plural, one {word} other {words}} in {days} days") == {"n", "days"}
    assert placeholders("{n, plural, one {# answer in {days} days.} =0 {none} other {#}}") == {"n", "days"}


def test_every_field_code_has_a_text():
    """A bad field's problem is said in the page's language by its code (app.js
    fieldProblemNodes): a text for each code the service gives, and none for a code it never does."""
    from api.errors import FIELD_CODES
    from content.notes import ENGLISH

    codes = ({code for code, _ in FIELD_CODES.values()} | set(ENGLISH)
             | {"empty", "text_too_short", "not_a_choice"}  # api.errors._code
             | {"in_bank", "in_bank_items", "no_exercise", "file_type", "file_not_set"}  # api.services.authoring
             | {"file_yaml", "csv_differs"}  # content.bank, content.cli
             | {"csv_no_header", "csv_column_missing", "csv_extra_cells", "csv_empty_value"})  # calibration.io
    texts = {key.removeprefix("field_") for key in interface._read("en") if key.startswith("field_")}
    assert texts == codes


def test_plural_choices_are_only_in_texts_the_scripts_write():
    """app.js makes a text's plural choices ({n, plural, one {...} other {...}}); the server's
    templates, charts and alerts fill placeholders only, so a text with a choice is one no
    template or Python module uses, and every choice has an `other`."""
    root = interface.I18N_DIR.parent
    server = "\n".join(path.read_text(encoding="utf-8") for pattern in ("**/*.py", "templates/**/*.html")
                       for path in root.glob(pattern))
    for code in ["en", *sorted(path.stem for path in interface.I18N_DIR.glob("*.json") if path.stem != "en")]:
        for key, text in interface._read(code).items():
            if ", plural," in text:
                assert not re.search(rf"\b{key}\b", server), (code, key)
                assert re.search(r"\bother\s*{", text), (code, key)


@pytest.mark.parametrize("path", PAGES)
def test_a_page_is_rendered_in_the_cookies_language_under_a_strict_policy(client, path):
    page = client.get(path, headers={"Cookie": "b1lang=ar"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<html lang="ar" dir="rtl">' in page.text
    policy = page.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "unsafe-inline" not in policy
    assert page.headers["cache-control"] == "no-store"
    english = client.get(path)
    assert '<html lang="en" dir="ltr">' in english.text
    script = re.search(r'src="(/static/app\.js\?v=\w{10})"', english.text).group(1)
    static = client.get(script)
    assert static.status_code == 200 and static.headers["cache-control"] == "public, max-age=86400"


def test_the_words_for_the_scripts_cannot_close_their_script_element(client):
    page = client.get("/login")
    data = re.search(r'<script type="application/json" id="texts">(.*?)</script>', page.text, re.DOTALL).group(1)
    assert "<" not in data and json.loads(data)["log_in"] == "Log in"


def _item(**fields) -> Item:
    base = {"id": "nb-x-1", "language": "nb", "track": "b1", "theme": "work", "skill": "grammar",
            "cefr": "A2", "instructions": "Velg.", "prompt": "Jeg ___ her."}
    return Item.model_validate({**base, **fields})


def test_the_right_answer_reads_as_the_learner_would_write_it():
    choice = _item(type="multiple_choice", answers=["b"],
                   options=[{"id": "a", "text": "bor"}, {"id": "b", "text": "jobber"}])
    order = _item(type="word_order", prompt=None, answers=[["t2", "t1", "t3"]],
                  options=[{"id": "t1", "text": "jobber"}, {"id": "t2", "text": "jeg"}, {"id": "t3", "text": "her"}])
    typed = _item(type="cloze_typed", answers=["jobber", "arbeider"], lemma="jobbe")
    assert right_answer(choice) == "jobber"
    assert right_answer(order) == "jeg jobber her"
    assert right_answer(typed) == "jobber"
    assert right_answer(typed, expected="arbeider") == "arbeider"

"""The chart routes (api/routes/charts.py, drawn by api/charts.py): a class's curves for 30
learners with every name shown once and as text, the empty class, one learner's curve, who may
see which chart, and the page's JSON carrying the download's very bytes."""
from __future__ import annotations

from xml.etree import ElementTree

import pytest
from api_helpers import START, login
from simulated_answers import simulate_class

SVG = "{http://www.w3.org/2000/svg}"
NOW = START  # the test clock's: the routes' now
#: Names are user input: markup and matplotlib's math mode must come out as written.
ODD_NAMES = ("<script>alert(1)</script>", "$\\frac{$", "Şükrü & Leila")
ITEMS = [f"nb-test-b1-{i:03d}" for i in range(0, 40, 2)]


def _texts(document: bytes) -> list[str]:
    root = ElementTree.fromstring(document)
    return ["".join(node.itertext()) for node in root.iter(f"{SVG}text")]


@pytest.fixture
def big_class(client, people, db):
    from api.models import SchoolClass

    created = client.post("/v1/classes", json={"name": "Morning <b>class</b>", "language": "nb"},
                          headers=people["teacher"]["headers"])
    assert created.status_code == 201, created.text
    class_id = created.json()["id"]
    names = [*ODD_NAMES, *(f"Learner {n:02d}" for n in range(27))]
    simulate_class(db, db.get(SchoolClass, class_id), names, ITEMS, NOW)
    return {"id": class_id, "names": names}


def test_thirty_learners_each_get_a_panel_with_their_name_once_as_text(client, people, big_class):
    headers = people["teacher"]["headers"]
    reply = client.get(f"/v1/classes/{big_class['id']}/ability-curves.svg", headers=headers)
    assert reply.status_code == 200
    assert reply.headers["content-type"] == "image/svg+xml"
    document = reply.content
    assert b"<script" not in document and b"<b>" not in document  # escaped: text, never markup
    texts = _texts(document)
    for name in big_class["names"]:
        assert texts.count(name) == 1, name
    root = ElementTree.fromstring(document)
    panels = [g for g in root.iter(f"{SVG}g") if g.get("id", "").startswith("class-curves-panel-")]
    assert len(panels) == 30
    # Accessible: an image with a title and a description naming the levels, no θ anywhere.
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title.text == "Morning <b>class</b>: levels over time"
    assert all(level in desc.text for level in ("A1", "A2", "B1", "B2"))
    assert "θ" not in "".join(texts)
    assert {"A1", "A2", "B1", "B2", "dashed: re-estimated today", "solid: as reported to the learner",
            "B1 goal", "grey: no answers since"} <= set(texts)
    # Every third learner stopped twelve days ago: flagged inactive, in the panel's note.
    assert sum(text.startswith("inactive ·") for text in texts) >= 10
    # The same chart is the same bytes, and the page's JSON carries them.
    assert client.get(f"/v1/classes/{big_class['id']}/ability-curves.svg", headers=headers).content == document
    chart = client.get(f"/v1/classes/{big_class['id']}/ability-chart", headers=headers).json()
    assert chart["svg"].encode() == document
    assert chart["table"]["columns"][:2] == ["learner", "level now"]
    assert sorted(row[0] for row in chart["table"]["rows"]) == sorted(big_class["names"])
    # Follow-ups first: the learners with an alert lead the table (and the panels).
    flagged = [bool(row[5]) for row in chart["table"]["rows"]]
    assert sum(flagged) >= 10 and flagged == sorted(flagged, reverse=True)


def test_a_phone_gets_one_column(client, people, big_class):
    reply = client.get(f"/v1/classes/{big_class['id']}/ability-curves.svg?width=360",
                       headers=people["teacher"]["headers"])
    root = ElementTree.fromstring(reply.content)
    assert root.get("width") == "259.2pt"  # 360 px at 72 pt per 100 px
    assert client.get(f"/v1/classes/{big_class['id']}/ability-curves.svg?width=100",
                      headers=people["teacher"]["headers"]).status_code == 422


def test_an_empty_class_says_so(client, people):
    created = client.post("/v1/classes", json={"name": "Empty", "language": "nb"},
                          headers=people["teacher"]["headers"]).json()
    reply = client.get(f"/v1/classes/{created['id']}/ability-curves.svg", headers=people["teacher"]["headers"])
    assert reply.status_code == 200
    assert "no learners in this class yet" in _texts(reply.content)


def test_learners_without_answers_are_panels_that_say_so(client, people):
    reply = client.get(f"/v1/classes/{people['class_id']}/ability-curves.svg", headers=people["teacher"]["headers"])
    texts = _texts(reply.content)
    assert texts.count("learner") == 1 and texts.count("learner2") == 1
    assert texts.count("no answers yet") == 4  # each panel's note and its middle


def test_other_teachers_and_learners_get_404(client, people):
    class_id, learner_id = people["class_id"], people["learner"]["id"]
    for path in (f"/v1/classes/{class_id}/ability-curves.svg", f"/v1/classes/{class_id}/ability-chart",
                 f"/v1/learners/{learner_id}/ability-curve.svg", f"/v1/learners/{learner_id}/ability-chart"):
        assert client.get(path, headers=people["teacher2"]["headers"]).status_code == 404, path
    other = people["learner2"]["headers"]
    assert client.get(f"/v1/learners/{learner_id}/ability-chart", headers=other).status_code == 404
    assert client.get(f"/v1/classes/{class_id}/ability-chart", headers=other).status_code == 403


def test_one_learners_curve_for_the_learner_and_their_teacher(client, people, db):
    from api.models import SchoolClass

    simulate_class(db, db.get(SchoolClass, people["class_id"]), ["Ana Lima"], ITEMS, NOW)
    ana = next(x for x in client.get(f"/v1/classes/{people['class_id']}/learners",
                                     headers=people["teacher"]["headers"]).json() if x["display_name"] == "Ana Lima")
    own = client.get(f"/v1/learners/{ana['id']}/ability-chart?width=360", headers=login(client, ana["username"]))
    assert own.status_code == 200, own.text
    teacher = client.get(f"/v1/learners/{ana['id']}/ability-chart?width=360", headers=people["teacher"]["headers"])
    assert own.json() == teacher.json()  # one chart, whoever reads it
    chart = own.json()
    assert chart["title"] == "Ana Lima: level over time"
    assert len(chart["table"]["rows"]) == 1 and chart["table"]["rows"][0][1] in {"A1", "A2", "B1", "B2"}
    texts = _texts(chart["svg"].encode())
    assert {"A1", "A2", "B1", "B2", "B1 goal"} <= set(texts)
    svg = client.get(f"/v1/learners/{ana['id']}/ability-curve.svg?width=360", headers=people["teacher"]["headers"])
    assert svg.headers["content-type"] == "image/svg+xml" and svg.content == chart["svg"].encode()


def test_a_learners_level_in_each_skill_is_a_panel_per_skill(client, people, db):
    from api.models import SchoolClass
    from api_helpers import SKILLS

    simulate_class(db, db.get(SchoolClass, people["class_id"]), ["Ana Lima"], ITEMS, NOW)
    ana = next(x for x in client.get(f"/v1/classes/{people['class_id']}/learners",
                                     headers=people["teacher"]["headers"]).json() if x["display_name"] == "Ana Lima")
    own = client.get(f"/v1/learners/{ana['id']}/skills-chart?width=360", headers=login(client, ana["username"]))
    assert own.status_code == 200, own.text
    teacher = client.get(f"/v1/learners/{ana['id']}/skills-chart?width=360", headers=people["teacher"]["headers"])
    assert own.json() == teacher.json()
    chart = own.json()
    assert chart["title"] == "Ana Lima: level in each skill"
    # The pages' order and words; the answered skills (even item numbers) have a level now.
    answered = {SKILLS[i % len(SKILLS)] for i in range(0, 40, 2)}
    names = {"vocabulary": "Words", "grammar": "Grammar", "reading": "Reading", "functional": "Everyday situations"}
    assert [row[0] for row in chart["table"]["rows"]] == ["Words", "Grammar", "Reading", "Everyday situations"]
    for row in chart["table"]["rows"]:
        skill = next(key for key, name in names.items() if name == row[0])
        assert (row[1] in {"A1", "A2", "B1", "B2"}) == (skill in answered), row
    texts = _texts(chart["svg"].encode())
    assert {"Words", "Grammar", "Reading", "Everyday situations"} <= set(texts)
    assert "solid: as reported to the learner" not in " ".join(texts)  # nothing per skill was "told"
    other = people["teacher2"]["headers"]
    assert client.get(f"/v1/learners/{ana['id']}/skills-chart", headers=other).status_code == 404


@pytest.mark.parametrize("lang", ["ar", "fa", "fr", "uk", "so"])
def test_a_chart_speaks_the_pages_language(client, people, db, lang):
    """The same drawing with its words in the interface language (api/i18n chart_* texts):
    title, key, notes, skill names, the table; matplotlib measures every letter (no missing
    glyph: warnings are errors here)."""
    import json
    from pathlib import Path

    from api.models import SchoolClass

    texts = json.loads((Path(__file__).resolve().parents[2] / "api" / "i18n" / f"{lang}.json").read_text("utf-8"))
    simulate_class(db, db.get(SchoolClass, people["class_id"]), ["Ana Lima"], ITEMS, NOW)
    ana = next(x for x in client.get(f"/v1/classes/{people['class_id']}/learners",
                                     headers=people["teacher"]["headers"]).json() if x["display_name"] == "Ana Lima")
    chart = client.get(f"/v1/learners/{ana['id']}/skills-chart?lang={lang}",
                       headers=people["teacher"]["headers"]).json()
    assert chart["title"] == texts["chart_title_skills"].format(name="Ana Lima")
    assert chart["table"]["caption"] == texts["chart_table"]
    assert [row[0] for row in chart["table"]["rows"]] == [texts[f"skill_{s}"] for s in
                                                         ("vocabulary", "grammar", "reading", "functional")]
    drawn = set(_texts(chart["svg"].encode()))
    assert texts["chart_key_re_estimate"] in drawn and texts["skill_grammar"] in drawn


def test_tigrinya_pages_get_the_chart_drawn_in_english():
    from api import charts

    # No Ge'ez letters in matplotlib's font: the drawing's words stay English (the caption
    # beside it is the page's own, in Tigrinya).
    assert charts.words_for("ti").language == "en" and charts.words_for("xx").language == "en"
    assert charts.words_for("ar").language == "ar"

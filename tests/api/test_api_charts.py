"""The chart routes (api/routes/charts.py, drawn by api/charts.py): a class's curves for 30
learners with every name shown once and as text, the empty class, one learner's curve, who may
see which chart, and the page's JSON carrying the download's very bytes; every text inside the
drawing at any width (titles and keys wrapped, names and notes shortened at a word)."""
from __future__ import annotations

import io
from datetime import UTC, datetime
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
    from api import charts

    words = charts.words_for("en").texts
    assert {"A1", "A2", "B1", "B2", words["chart_key_re_estimate"], words["chart_key_told"],
            "B1 goal", words["chart_key_idle"]} <= set(texts)
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
    from api_helpers import SKILLS

    from api.models import SchoolClass

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
    from api import charts

    assert charts.words_for("en").texts["chart_key_told"] not in " ".join(texts)  # nothing per skill was "told"
    other = people["teacher2"]["headers"]
    assert client.get(f"/v1/learners/{ana['id']}/skills-chart", headers=other).status_code == 404


@pytest.mark.parametrize("lang", ["ar", "fa", "fr", "uk", "so", "ti"])
def test_a_chart_speaks_the_pages_language(client, people, db, lang):
    """The same drawing with its words in the interface language (api/i18n chart_* texts):
    title, key, notes, skill names, the table; matplotlib measures every letter (no missing
    glyph: warnings are errors here), Tigrinya's Ge'ez letters with the bundled Noto Sans
    Ethiopic."""
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


def test_geez_letters_are_measured_with_the_ethiopic_font_and_named_for_the_browser():
    """DejaVu Sans has no Ge'ez letters: without the bundled font matplotlib would measure each as
    an empty box (and warn), and fit a Tigrinya label wrongly. With it, Ge'ez is measured with
    Noto Sans Ethiopic's glyphs, and the SVG names that font after DejaVu for the browser."""
    from matplotlib import font_manager
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from api import charts

    found = font_manager.findfont(font_manager.FontProperties(family="Noto Sans Ethiopic"), fallback_to_default=False)
    assert found.startswith(str(charts.FONTS_DIR))
    ruler = charts._Ruler(FigureCanvasAgg(Figure()).get_renderer())
    one, two, word = (ruler.width(text, 11) for text in ("ሀ", "ሀሀ", "ዕላማ"))
    assert two == pytest.approx(2 * one) and word > one > 0
    assert charts.words_for("ti").language == "ti" and charts.words_for("xx").language == "en"
    figure = Figure(figsize=(2, 1))
    figure.text(0, 0, "ዕላማ B1")
    out = io.StringIO()
    figure.savefig(out, format="svg")
    assert "font-family: 'DejaVu Sans', 'Noto Sans Ethiopic'" in out.getvalue()


def _long_chart(class_name: str, learners: int, skills: bool = False):
    """A chart of long names (a learner's name, a class's name, one word longer than a phone);
    ``skills``: a learner's skills (the lines named by skill)."""
    from datetime import timedelta

    from api.services.curves import ClassChart, LearnerLine

    names = ("Fatima Abdirahman Mohamed Hassan-Warsame", "Oleksandra Volodymyrivna Shevchenko-Kovalenko",
             "Abdullahi_Mohamed_Abdirahman_Warsame_Hassan", "Ana")
    days = [NOW - timedelta(days=20 - day) for day in range(20)]

    def line(number: int) -> LearnerLine:
        theta = tuple(-1.2 + 0.12 * day for day in range(20))
        username = ("vocabulary", "grammar", "reading", "functional")[number] if skills else f"learner{number}"
        return LearnerLine(username=username, name=names[number % len(names)], times=tuple(days),
                           theta=theta, se=(0.3,) * 20, re_times=tuple(days), re_theta=theta, re_se=(0.2,) * 20,
                           alert=("inactive", "fast", None)[number % 3], alert_rank=1, last_active=days[-1])

    return ClassChart(class_name, (-1.0, 0.0, 1.0), ("A1", "A2", "B1", "B2"),
                      tuple(line(n) for n in range(learners)), NOW)


def _outside(figure) -> list[tuple[str, float, float, float, float]]:
    """Each text of ``figure`` that crosses its edge (matplotlib's extents, laid out as drawn)."""
    from matplotlib.text import Text

    figure.draw_without_rendering()
    renderer = figure.canvas.get_renderer()
    width, height = figure.bbox.width, figure.bbox.height
    crossing = []
    for text in figure.findobj(Text):
        if not text.get_visible() or not text.get_text():
            continue
        box = text.get_window_extent(renderer)
        if box.x0 < 0 or box.y0 < 0 or box.x1 > width or box.y1 > height:
            crossing.append((text.get_text(), box.x0, box.y0, box.x1, box.y1))
    return crossing


LONG_CLASS = "Norsk for voksne innvandrere – kveldsgruppe B (Bokmål), høsten 2026 i Drammen"


@pytest.mark.parametrize("width", [*range(320, 1281, 80), 360])
def test_no_text_crosses_the_charts_edge_at_any_width(width):
    """Titles wrap (then end with an ellipsis), the key's labels wrap, names and notes shorten:
    from the smallest width the API accepts to a projector's, every text is inside the figure
    (an SVG crops what crosses its edge)."""
    from api import charts

    assert charts.MIN_WIDTH == 320
    for spec in (charts.class_spec(_long_chart("Demo class (Bokmål)", 5), width),
                 charts.learner_spec(_long_chart("demo-learner-5", 1), width),
                 charts.class_spec(_long_chart(LONG_CLASS, 2), width),
                 charts.class_spec(_long_chart("Morgenklassen_bokmål_høsten_2026_gruppe_B_Drammen", 0), width)):
        assert _outside(charts.draw(spec)) == [], (spec.title, width)


@pytest.mark.parametrize("lang", ["fr", "uk", "ar"])
def test_no_text_crosses_the_charts_edge_in_longer_languages(lang):
    from api import charts

    words = charts.words_for(lang)
    for width in (charts.MIN_WIDTH, 640, 1280):
        for spec in (charts.class_spec(_long_chart(LONG_CLASS, 3), width, words),
                     charts.skills_spec(_long_chart("Oleksandra Volodymyrivna Shevchenko-Kovalenko", 4, skills=True),
                                         width, words)):
            assert _outside(charts.draw(spec)) == [], (lang, width)


def test_a_phones_chart_wraps_its_title_and_keeps_it_whole_in_the_svgs_title(client, people):
    """The QA report's chart: ``Demo class (Bokmål)`` at 320 px was drawn "…: levels ov" and cut."""
    headers = people["teacher"]["headers"]
    created = client.post("/v1/classes", json={"name": "Demo class (Bokmål)", "language": "nb"}, headers=headers)
    chart = client.get(f"/v1/classes/{created.json()['id']}/ability-chart?width=320", headers=headers).json()
    root = ElementTree.fromstring(chart["svg"])
    assert root.find(f"{SVG}title").text == chart["title"] == "Demo class (Bokmål): levels over time"
    texts = _texts(chart["svg"].encode())
    assert "Demo class (Bokmål):" in texts and "levels over time" in texts  # two lines, cut between words


def test_a_no_break_space_is_drawn_and_never_breaks_a_line():
    """French puts a no-break space before a colon or a percent sign: the chart keeps it (it was
    dropped as unprintable, gluing "90%") and breaks lines only at the other spaces."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from api import charts

    ruler = charts._Ruler(FigureCanvasAgg(Figure()).get_renderer())
    text = " ".join(["niveau\u00a0: sûr à 90\u202f%"] * 6)
    lines = ruler.wrap(text, ruler.width("niveau\u00a0: sûr à", 11), 11, lines=20)
    assert len(lines) > 6, lines
    assert not any(line.startswith((":", "%")) or line.endswith(("niveau", "90")) for line in lines), lines
    joined = " ".join(lines)
    assert joined.count("niveau\u00a0:") == joined.count("90\u202f%") == 6, lines
    words = charts.words_for("fr")
    spec = charts.learner_spec(_long_chart("Amal", 1), charts.MIN_WIDTH, words)
    drawn = _texts(charts.svg(spec))
    assert any("\u00a0" in text for text in drawn), drawn


def test_a_title_too_long_for_two_lines_ends_with_an_ellipsis_after_a_whole_word():
    from api import charts

    spec = charts.class_spec(_long_chart(LONG_CLASS, 1), charts.MIN_WIDTH)
    lines = [text for text in _texts(charts.svg(spec)) if len(text) > 3 and text.removesuffix("…") in LONG_CLASS]
    assert len(lines) == 2, lines
    assert lines[-1].endswith("…") and not lines[0].endswith("…"), lines
    shown = " ".join(lines).removesuffix("…")
    assert LONG_CLASS.startswith(shown) and LONG_CLASS[len(shown)] == " "  # a whole word, then the cut
    assert ElementTree.fromstring(charts.svg(spec)).find(f"{SVG}title").text == spec.title  # the whole title


def test_a_note_too_long_for_its_panel_keeps_its_date_whole():
    """"B2 now · last answer 31 Aug" in a projector's fifth of the width: "B2 now · last 31 Aug",
    never "… last answer 3…"; on a phone's whole width the long form. A flagged learner's note
    says the alert and the level, the date where it fits, never a cut "last…"."""
    from api import charts

    chart = _long_chart("Demo class", 6)
    for width, note in ((charts.MIN_WIDTH, "B2 now · last answer 31 Aug"), (1200, "B2 now · last 31 Aug")):
        texts = _texts(charts.svg(charts.class_spec(chart, width)))
        assert texts.count(note) == 2, (width, [t for t in texts if "now" in t])  # the two learners without alert
        assert not any(text.endswith("…") for text in texts if "B2" in text), width
        assert texts.count("fast progress · B2 · last 31 Aug" if width < 640 else "fast progress · B2") == 2, width


@pytest.mark.parametrize(("lang", "written"), [("en", "14 Nov"), ("fr", "14 nov."), ("uk", "14 лист."),
                                               ("ar", "14 نوفمبر"), ("fa", "نومبر 14"), ("so", "Nof 14"),
                                               ("ti", "14 ሕዳ")])
def test_a_charts_dates_name_the_month_in_its_language(lang, written):
    """Dates on a chart (its ticks, a learner's last answer) in the language's own short form, in
    its order (CLDR through Babel; the same locale as the pages' dates, the date_locale text).
    Before, every language but English read "14.11.". Late in the evening is still that day."""
    from api import charts

    assert charts.words_for(lang).day(datetime(2026, 11, 14, 23, 30, tzinfo=UTC)) == written

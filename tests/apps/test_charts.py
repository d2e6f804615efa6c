"""The charts in Chromium: a class of 25 simulated learners on the class page (25 panels, the key
never over the data, no text beyond the drawing's edge, axe, screenshots at 360 and 1280 px, first
load) and a learner's progress chart. The drawing itself is api/charts.py's; its routes are tested
in tests/api/test_api_charts.py."""
from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from page_helpers import PHONE, SHOTS, WIDE, assert_accessible, first_load

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))
from simulated_answers import simulate_class  # the API tests' helper, on the path above

NAMES = ("<script>x</script>", *(f"Learner {n:02d}" for n in range(24)))
ITEMS = [f"nb-app-{i:03d}" for i in range(25)]
#: The panels' and the key's boxes, measured in the chart's own document (the page shows it as
#: an image, so its inside is measured where it is drawn: a blank page of the same width).
BOXES = """() => {
  const box = (el) => { const r = el.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  const panels = Array.from(document.querySelectorAll('g[id^="class-curves-panel-"]'))
    .map(box);
  const [left, top, right, bottom] = box(document.querySelector('svg'));
  const outside = Array.from(document.querySelectorAll('text')).filter((t) => {
    const [l, u, r, d] = box(t);
    return l < left - 0.5 || u < top - 0.5 || r > right + 0.5 || d > bottom + 0.5;
  }).map((t) => t.textContent);
  return {key: box(document.getElementById('class-curves-key')), panels, outside,
          names: Array.from(document.querySelectorAll('text')).map((t) => t.textContent)};
}"""


@pytest.fixture(scope="module")
def curves_class(app):
    from sqlmodel import Session, select

    from api.db import make_engine
    from api.models import User
    from api.services import classes

    engine = make_engine(app.database_url)
    with Session(engine) as db:
        tove = db.exec(select(User).where(User.username == "tove")).one()
        school_class = classes.create_class(db, tove, "Class of 25", "nb", datetime.now(UTC))
        class_id = school_class.id
        simulate_class(db, school_class, NAMES, ITEMS, datetime.now(UTC))
    engine.dispose()
    return class_id


def _signed_in(app, username: str, path: str, viewport):
    return app.signed_in(username, path, viewport)


def _no_overlap(a, b) -> bool:
    return a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["360", "1280"])
def test_the_class_page_shows_25_panels_with_the_key_above_the_data(app, curves_class, viewport):
    page = _signed_in(app, "tove", f"/teach?class={curves_class}", viewport)
    page.wait_for_selector("#class-curves img.chart-image")
    measured = first_load(page)
    image = page.locator("#class-curves img.chart-image")
    assert image.evaluate("img => img.complete && img.naturalWidth > 0")
    alt = image.get_attribute("alt")
    assert all(level in alt for level in ("A1", "A2", "B1", "B2")) and "25" in alt
    assert page.locator("#class-curves .chart-table tbody tr").count() == 25
    svg = image.get_attribute("src")
    assert_accessible(page, f"teach-class-curves-{viewport['width']}")
    SHOTS.mkdir(parents=True, exist_ok=True)
    # The chart's card (the page's other parts have screenshots of their own: teach-class-*).
    page.locator("section:has(#class-curves)").screenshot(
        path=str(SHOTS / f"teach-class-curves-{viewport['width']}.png"))
    app.shots.append(f"teach-class-curves-{viewport['width']}.png")
    # Inside the chart: 25 panels, every name once, the key clear of every panel.
    from urllib.parse import unquote

    document = unquote(svg.split(",", 1)[1])
    blank = app.page({"width": viewport["width"], "height": 800})
    blank.set_content(f"<!doctype html><body style='margin:0'>{document}</body>")
    boxes = blank.evaluate(BOXES)
    blank.context.close()
    assert len(boxes["panels"]) == 25
    assert all(boxes["names"].count(name) == 1 for name in NAMES)
    assert all(_no_overlap(boxes["key"], panel) for panel in boxes["panels"])
    assert boxes["outside"] == []  # no word cut by the drawing's edge, in the browser's own fonts
    page.context.close()
    (SHOTS / f"first-load-teach-curves-{viewport['width']}.json").write_text(json.dumps(measured, indent=1))
    print(f"\nfirst load /teach?class (25 learners, {viewport['width']} px):", json.dumps(measured))
    assert measured["bytes"] <= 150_000 and measured["load_ms"] < 1000


def test_a_learners_progress_chart(app, curves_class):
    from sqlmodel import Session, select

    from api.db import make_engine
    from api.models import User

    engine = make_engine(app.database_url)
    with Session(engine) as db:
        learner = db.exec(select(User).where(User.username == "chart1")).one()
        username = learner.username
    engine.dispose()
    page = _signed_in(app, username, "/progress", PHONE)
    page.wait_for_selector("#chart img.chart-image")
    assert "B1 goal" in page.get_attribute("#chart img.chart-image", "alt")
    for viewport in (PHONE, WIDE):
        page.set_viewport_size(viewport)
        page.reload()
        page.wait_for_selector("#chart img.chart-image")
        page.wait_for_function("() => document.querySelector('#chart img.chart-image').complete")
        if viewport is PHONE:
            assert_accessible(page, "progress-chart")
        page.locator("#chart").screenshot(path=str(SHOTS / f"progress-chart-{viewport['width']}.png"))
        app.shots.append(f"progress-chart-{viewport['width']}.png")
        # Each skill over time, below the levels per skill: a panel per skill, the same renderer.
        page.wait_for_function("() => document.querySelector('#skills-chart img.chart-image')?.complete")
        alt = page.get_attribute("#skills-chart img.chart-image", "alt")
        assert "level in each skill" in alt and "Everyday situations" in alt
        page.locator("#skills-chart").screenshot(path=str(SHOTS / f"progress-skills-{viewport['width']}.png"))
        app.shots.append(f"progress-skills-{viewport['width']}.png")
    page.context.close()


def test_an_arabic_reader_gets_the_charts_words_in_arabic(app, curves_class):
    """The progress page in Arabic: the same drawings, their words (title, key, notes, skills)
    in Arabic, the page right to left."""
    page = app.signed_in("chart1", "/progress", PHONE, language="ar")
    page.wait_for_function("() => document.querySelector('#skills-chart img.chart-image')?.complete")
    assert page.get_attribute("html", "dir") == "rtl"
    alt = page.get_attribute("#skills-chart img.chart-image", "alt")
    assert "المهارة" in alt or "مهارة" in alt, alt
    app.check(page, "progress-arabic")
    page.context.close()


def test_a_tigrinya_reader_gets_the_charts_words_in_tigrinya(app, curves_class):
    """The progress page in Tigrinya: the drawings' words in Ge'ez letters (measured on the
    server with the bundled Noto Sans Ethiopic), the table's skill names too."""
    texts = json.loads((Path(__file__).resolve().parents[2] / "api" / "i18n" / "ti.json").read_text("utf-8"))
    page = app.signed_in("chart1", "/progress", PHONE, language="ti")
    page.wait_for_function("() => document.querySelector('#skills-chart img.chart-image')?.complete")
    name = app.client.get("/v1/auth/me", headers=app.token("chart1")).json()["display_name"]
    alt = page.get_attribute("#skills-chart img.chart-image", "alt")
    assert alt.startswith(texts["chart_title_skills"].format(name=name)), alt
    assert page.text_content("#skills-chart caption") == texts["chart_table"]
    app.check(page, "progress-tigrinya")
    page.context.close()


def _drawn_width(page, box: str) -> int:
    return int(page.get_attribute(box, "data-chart-width"))


def test_a_widened_window_gets_charts_drawn_for_its_width(app, curves_class):
    """A chart is drawn for its box's width, and again when the box widens by a tenth or more
    (app.js ``showChart``): the class's 25 panels wrap to the wide page instead of a phone's
    column blown up; the download is the newest drawing; the learner's caption stays."""
    from urllib.parse import unquote

    page = _signed_in(app, "tove", f"/teach?class={curves_class}", PHONE)
    page.wait_for_selector("#class-curves img.chart-image")
    narrow = _drawn_width(page, "#class-curves")
    first = page.get_attribute("#class-curves img.chart-image", "src")
    page.set_viewport_size(WIDE)
    page.wait_for_function("() => Number(document.querySelector('#class-curves').dataset.chartWidth) > 900")
    src = page.get_attribute("#class-curves img.chart-image", "src")
    assert narrow < 400 and src != first
    assert page.locator("#class-curves img.chart-image").count() == 1
    assert page.locator("#class-curves table.chart-table").count() == 1
    with page.expect_download() as download:
        page.click("#curves-download")
    assert download.value.path().read_text(encoding="utf-8") == unquote(src.split(",", 1)[1])
    wide = _drawn_width(page, "#class-curves")
    page.set_viewport_size({"width": 1240, "height": 800})  # a few pixels narrower: the same drawing
    page.wait_for_timeout(800)
    assert _drawn_width(page, "#class-curves") == wide
    page.context.close()

    page = app.signed_in("chart1", "/progress", PHONE)
    page.wait_for_selector("#chart figcaption")
    page.set_viewport_size(WIDE)
    page.wait_for_function("() => Number(document.querySelector('#chart').dataset.chartWidth) > 600")
    assert page.locator("#chart figcaption").count() == 1 and page.locator("#chart img.chart-image").count() == 1
    page.context.close()

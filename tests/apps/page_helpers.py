"""What the pages' tests share: a phone-sized page, logging in, the accessibility check
(axe-core), the keyboard walk, screenshots at 360 and 1280 px, first-load figures."""
from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "var" / "screenshots"
PHONE = {"width": 360, "height": 740}
WIDE = {"width": 1280, "height": 800}
#: axe-core's impacts that fail a page.
BLOCKING = ("serious", "critical")
#: True once every chart that follows its box's width is drawn for it (app.js ``showChart``
#: draws such a chart again when the width changes by a tenth or more; a printed report's does not).
CHARTS_FIT = """() => [...document.querySelectorAll('[data-chart-follows]')].every((box) => {
  const drawn = Number(box.dataset.chartWidth);
  const now = Math.max(320, Math.min(2560, Math.round(box.clientWidth)));
  return !box.clientWidth || Math.abs(now - drawn) < 0.1 * drawn;
})"""
#: Everything a keyboard can reach, as the tab walk counts it.
CONTROLS = "a[href], button, input, select, textarea, [tabindex]:not([tabindex='-1'])"


@contextmanager
def serving(application) -> Iterator[str]:
    """``application`` served by uvicorn in a thread on a free loopback port; yields its base URL
    and stops it afterwards."""
    import threading
    import time

    import uvicorn

    server = uvicorn.Server(uvicorn.Config(application, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the app did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@dataclass
class App:
    base: str
    browser: Any
    client: httpx.Client
    password: str
    shots: list[str] = field(default_factory=list)
    #: The app's database, for a test that needs rows the API cannot make (e.g. dated in the past).
    database_url: str = ""

    def page(self, viewport: dict | None = None, **options):
        """A new page in a new browser context (its own storage and cache), phone-sized."""
        context = self.browser.new_context(viewport=viewport or PHONE, **options)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    def token(self, username: str) -> dict[str, str]:
        reply = self.client.post("/v1/auth/token", data={"username": username, "password": self.password})
        reply.raise_for_status()
        return {"Authorization": f"Bearer {reply.json()['access_token']}"}

    def signed_in(self, username: str, path: str, viewport: dict | None = None, language: str | None = None,
                  **options):
        """A new page at ``path`` with ``username``'s token in the tab, as after a login (the login
        page's own tests are the learner app's); ``language``: the interface's cookie."""
        page = self.page(viewport, **options)
        if language:
            page.context.add_cookies([{"name": "b1lang", "value": language, "url": self.base}])
        page.goto(f"{self.base}/login")
        token = self.token(username)["Authorization"].removeprefix("Bearer ")
        page.evaluate("token => sessionStorage.setItem('b1.token', token)", token)
        page.goto(f"{self.base}{path}")
        return page

    def drill_answers(self, username: str, count: int, label: str) -> None:
        """``count`` answers of a B1-track drill by ``username`` (the first option, the words as
        served, or "x"), through the API; ``label`` names their client ids."""
        headers = self.token(username)
        session = self.client.post("/v1/sessions", headers=headers,
                                   json={"language": "nb", "mode": "drill", "track": "b1", "trade": None}).json()
        for number in range(count):
            item = self.client.get(f"/v1/sessions/{session['id']}/next", headers=headers).json()["item"]
            options = [option["id"] for option in item.get("options") or []]
            answer = options if item["type"] == "word_order" else options[0] if options else "x"
            reply = self.client.post(f"/v1/sessions/{session['id']}/responses", headers=headers, json={
                "item_id": item["id"], "answer": answer, "client_response_id": f"{label}-{number}"})
            assert reply.status_code == 200, reply.text

    def log_in(self, page, username: str, password: str | None = None) -> None:
        page.goto(f"{self.base}/login")
        page.fill("#username", username)
        page.fill("#password", password or self.password)
        page.click("button[type=submit]")

    def check(self, page, name: str) -> None:
        """No serious or critical axe-core violation; screenshots at 360 and 1280 px."""
        assert_accessible(page, name)
        self.screenshot(page, name)

    def screenshot(self, page, name: str) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        before = page.viewport_size
        for viewport in (PHONE, WIDE):
            page.set_viewport_size(viewport)
            page.wait_for_function(CHARTS_FIT, timeout=10_000)
            # Two frames after the resize: a full-page shot taken at once once showed a
            # right-to-left page's problem boxes at 1280 px without their text.
            page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
            path = SHOTS / f"{name}-{viewport['width']}.png"
            page.screenshot(path=str(path), full_page=True)
            self.shots.append(path.name)
        page.set_viewport_size(before)


def assert_accessible(page, name: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    blocking = [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
                for v in violations if v["impact"] in BLOCKING]
    assert blocking == [], f"{name}: {blocking}"


def tab_walk(page, limit: int = 80) -> tuple[list[str], list[str]]:
    """(the controls Tab reaches in order, every visible enabled control of the page)."""
    describe = """el => el === document.body ? null :
        el.tagName + '#' + (el.id || '') + '.' + (el.getAttribute('href') || el.getAttribute('name') ||
        el.getAttribute('value') || el.textContent.trim().slice(0, 20))"""
    page.focus("a.skip")  # the page's first control: the walk starts and ends there
    reached: list[str] = [page.evaluate("(" + describe + ")(document.activeElement)")]
    for _ in range(limit):
        page.keyboard.press("Tab")
        here = page.evaluate("(" + describe + ")(document.activeElement)")
        if here is None or (reached and here == reached[0]):
            break
        if here not in reached:
            reached.append(here)
    controls = page.evaluate("""() => Array.from(document.querySelectorAll(""" + json.dumps(CONTROLS) + """))
        .filter(el => !el.disabled && el.offsetParent !== null && el.getAttribute('tabindex') !== '-1')
        .filter(el => {  // a radio group is one Tab stop: its checked radio, else its first
            if (el.type !== 'radio') return true;
            const group = document.querySelectorAll('input[type=radio][name="' + el.name + '"]');
            return el === (Array.from(group).find(r => r.checked) || group[0]);
        })
        .map(""" + describe + """)""")
    return reached, controls


def cold_load(app, username: str, path: str, viewport: dict | None = None) -> dict[str, float]:
    """``path``'s first load for ``username`` in a new browser context (nothing cached, the
    token put in place before the page runs, as after a login), once the network is quiet."""
    import json

    token = app.token(username)["Authorization"].removeprefix("Bearer ")
    page = app.page(viewport)
    page.add_init_script(f"sessionStorage.setItem('b1.token', {json.dumps(token)})")
    page.goto(app.base + path, wait_until="load")
    page.wait_for_load_state("networkidle")
    measured = first_load(page)
    page.context.close()
    return measured


def first_load(page) -> dict[str, float]:
    """The page's first load as the browser measured it: bytes over the wire (headers and
    compressed bodies, every resource) and milliseconds to the first paint and to `load`."""
    return page.evaluate("""() => {
        const nav = performance.getEntriesByType('navigation')[0];
        const resources = performance.getEntriesByType('resource');
        const paint = performance.getEntriesByName('first-contentful-paint')[0];
        return {bytes: nav.transferSize + resources.reduce((sum, r) => sum + r.transferSize, 0),
                body_bytes: nav.encodedBodySize + resources.reduce((sum, r) => sum + r.encodedBodySize, 0),
                requests: 1 + resources.length,
                first_paint_ms: paint ? paint.startTime : null,
                load_ms: nav.loadEventEnd - nav.startTime};
    }""")

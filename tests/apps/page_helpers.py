"""What the pages' tests share: a phone-sized page, logging in, the accessibility check
(axe-core), the keyboard walk, screenshots at 360 and 1280 px, first-load figures."""
from __future__ import annotations

import json
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
#: Everything a keyboard can reach, as the tab walk counts it.
CONTROLS = "a[href], button, input, select, textarea, [tabindex]:not([tabindex='-1'])"


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

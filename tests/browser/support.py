"""What the browser tests share: a page on the map that sees only the live server, and small
readers of `window.__hgmap` (frontend/src/debug.js). Fixtures are in conftest.py."""

import math
import os
from pathlib import Path
from urllib.parse import urlsplit

from tests.conftest import TEST_PASSWORD

CHROMIUM = os.environ.get("HGMAP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TIMEOUT_MS = 20_000


class MapPage:
    """A fresh browser context on the map, with console errors collected."""

    def __init__(
        self,
        browser,
        base_url: str,
        user: str | None = None,
        enforce_csp: bool = False,
        phone_width: int | None = None,
        phone_height: int = 800,
    ):
        self.base_url = base_url.rstrip("/")
        self.host = urlsplit(self.base_url).netloc
        # A phone: its width, touch, and the mobile viewport meta honoured.
        device = (
            {"viewport": {"width": phone_width, "height": phone_height}, "is_mobile": True, "has_touch": True}
            if phone_width
            else {"viewport": {"width": 1280, "height": 800}}
        )
        # Playwright's string predicates (wait_for_function) are eval'd in the page, which our
        # Content-Security-Policy forbids; tests/browser/test_csp.py uses the pages under it.
        self.context = browser.new_context(**device, bypass_csp=not enforce_csp)
        self.context.set_default_timeout(TIMEOUT_MS)
        self.errors: list[str] = []
        if user:
            self.login(user)
        self.page = self.new_page()

    def login(self, username: str, password: str = TEST_PASSWORD) -> None:
        """Log this browser context in (the session cookie then rides on every page's requests)."""
        r = self.context.request.post(
            f"{self.base_url}/api/auth/login", data={"username": username, "password": password}
        )
        assert r.ok, f"login {username}: {r.status} {r.text()}"

    def new_page(self):
        page = self.context.new_page()
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))
        # Only the live server answers: no tile server, no CDN, nothing else.
        page.route("**/*", self._route)
        return page

    def _route(self, route):
        if urlsplit(route.request.url).netloc == self.host:
            route.continue_()
        else:
            route.abort()

    def _on_console(self, message):
        if message.type != "error":
            return
        source = message.location.get("url", "")
        # The browser logs each request we aborted above; those are ours, not the app's.
        if source and urlsplit(source).netloc not in ("", self.host):
            return
        self.errors.append(f"{message.text} ({source})")

    def open(self, fragment: str = "", page=None):
        page = page or self.page
        page.goto(f"{self.base_url}/{fragment}")
        wait_idle(page)
        return page

    def api(self, path: str) -> dict:
        response = self.context.request.get(f"{self.base_url}{path}")
        assert response.ok, f"{path}: {response.status} {response.text()}"
        return response.json()


def wait_idle(page):
    """Wait until the map is wired and no visible layer is loading."""
    page.wait_for_function("window.__hgmap !== undefined && window.__hgmap.idle")


def layer_state(page, layer_id: str) -> dict:
    return page.evaluate("(id) => window.__hgmap.layers[id]", layer_id)


def painted_pixels(page, pane: str) -> int:
    """Non-transparent pixels of the canvases of a Leaflet pane (the GeoJSON canvas, or the vector
    tiles' one canvas per tile): proof that something was drawn."""
    return page.evaluate(
        """(pane) => {
            let painted = 0;
            for (const canvas of document.querySelectorAll(`.leaflet-${pane}-pane canvas`)) {
                if (!canvas.width || !canvas.height) continue;
                const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
                for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted += 1;
            }
            return painted;
        }""",
        pane,
    )


def view(page) -> dict:
    return page.evaluate("window.__hgmap.view")


def click_at(page, lat: float, lon: float):
    """Click the map at a place (as a person would: through whatever is drawn on top)."""
    point = page.evaluate("([lat, lon]) => window.__hgmap.map.latLngToContainerPoint([lat, lon])", [lat, lon])
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])


def set_view(page, lat: float, lon: float, zoom: int):
    page.evaluate(
        "([lat, lon, zoom]) => { window.__hgmap.map.setView([lat, lon], zoom, {animate: false}); }",
        [lat, lon, zoom],
    )
    wait_idle(page)


def view_bbox(page) -> str:
    """The map's view as the API's `bbox` (minLon,minLat,maxLon,maxLat)."""
    return page.evaluate(
        "(() => { const b = window.__hgmap.map.getBounds();"
        " return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => v.toFixed(6)).join(','); })()"
    )


def tiles_bbox(urls: list[str]) -> str:
    """The union of the XYZ tiles requested at `urls` (…/{z}/{x}/{y}.mvt), with the tiles' 64/4096
    buffer, as the API's `bbox`: what those tiles may hold."""

    def lon(column: float, z: int) -> float:
        return column / 2**z * 360 - 180

    def lat(row: float, z: int) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / 2**z))))

    margin = 64 / 4096
    boxes = []
    for url in urls:
        z, x, y = (int(part) for part in urlsplit(url).path.removesuffix(".mvt").split("/")[-3:])
        boxes.append((lon(x - margin, z), lat(y + 1 + margin, z), lon(x + 1 + margin, z), lat(y - margin, z)))
    return ",".join(
        f"{v:.6f}"
        for v in (
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[2] for b in boxes),
            max(b[3] for b in boxes),
        )
    )


def vi_number(text: str) -> float:
    """A number as the map writes it in Vietnamese ("1.234,5", "93,4%", "−85 dBm") back to a float."""
    digits = text.replace("−", "-").replace(".", "").replace(",", ".")
    return float("".join(c for c in digits if c.isdigit() or c in "-."))


def format_vi(value: float, digits: int = 2) -> str:
    """`value` with Vietnamese separators and at most `digits` decimals (as Intl's vi-VN does)."""
    text = f"{value:,.{digits}f}"
    if digits:
        text = text.rstrip("0").rstrip(".")
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def answer_next_dialog(page, accept: bool = True) -> list[str]:
    """Answer the page's next confirm() (Playwright would dismiss it); the list gets its sentence."""
    said: list[str] = []

    def answer(dialog):
        said.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", answer)
    return said


# axe-core is a test-only npm package (frontend/package.json devDependencies); the app never serves
# it, so each test injects it (the test contexts bypass the Content-Security-Policy for that).
AXE_SCRIPT = Path(__file__).resolve().parents[2] / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")


def axe_findings(page, exclude: tuple[str, ...] = ()) -> list[str]:
    """axe-core's WCAG 2.0 and 2.1 A/AA violations of impact serious or critical on the page as it is now,
    one line per rule: its id, impact and the elements' selectors. `exclude`: selectors of
    elements that are not ours to fix (each caller says why)."""
    assert AXE_SCRIPT.is_file(), f"{AXE_SCRIPT} is missing: `make setup` installs it (npm ci in frontend/)"
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_SCRIPT))
    violations = page.evaluate(
        """async (exclude) => {
            const context = exclude.length ? { include: [document], exclude: exclude.map((s) => [s]) } : document;
            const result = await window.axe.run(context, {
              runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'],
            });
            return result.violations.map((v) => ({
              id: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target.join(' ')),
              why: v.nodes[0].failureSummary.split('\\n').slice(1, 2).join(' ').trim(),
            }));
        }""",
        list(exclude),
    )
    return [
        f"{v['id']} ({v['impact']}): {', '.join(v['targets'][:8])}{' …' if len(v['targets']) > 8 else ''}"
        f" — {v['why']}"
        for v in violations
        if v["impact"] in SERIOUS
    ]

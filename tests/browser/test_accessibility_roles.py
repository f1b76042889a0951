"""axe-core (WCAG 2 A and AA) on every page for every role that sees it differently — a visitor, the
administrator, a planner, an official of the province, an official limited to one district, an operator —
on a desktop and on a 390 px phone, and the account's forced password change: no finding of impact
serious or critical. (test_accessibility.py opens popups, panels and dialogs on top of these.)"""

import pytest

from tests.browser.support import MapPage, axe_findings, wait_idle
from tests.conftest import TEST_PASSWORD, new_account

pytestmark = pytest.mark.browser

ROLES = (None, "admin1", "planner1", "official1", "official934", "viettel1")
PHONE_PX = 390


def _ready_map(page):
    wait_idle(page)


def _ready_dashboard(page):
    page.wait_for_function("window.__hgdash !== undefined && window.__hgdash.idle")


def _ready_upload(page):
    page.locator("#hg-upload-crs option").first.wait_for(state="attached")


def _ready_challenge(page):
    page.wait_for_function("window.__hgchallenge && window.__hgchallenge.ready")


def _ready_docs(page):
    page.locator(".swagger-ui .opblock").first.wait_for()


PAGES = {
    "": _ready_map,
    "dashboard": _ready_dashboard,
    "upload": _ready_upload,
    "challenge": _ready_challenge,
    "docs": _ready_docs,
}
# Swagger UI (third-party React) nests each operation's buttons inside its summary button
# (nested-interactive); that markup is not ours (test_accessibility.py says the same).
NOT_OURS = {"docs": (".opblock-summary-control",)}


@pytest.mark.parametrize("path", list(PAGES))
@pytest.mark.parametrize("user", ROLES, ids=lambda u: u or "visitor")
def test_every_page_for_every_role_on_a_desktop_and_a_phone(chromium, live_server_url, tokens, path, user):
    findings = []
    for width in (None, PHONE_PX):
        probe = MapPage(chromium, live_server_url, user=user, phone_width=width)
        try:
            page = probe.page
            page.goto(f"{probe.base_url}/{path}")
            PAGES[path](page)
            findings += [f"{width or 'desktop'}: {f}" for f in axe_findings(page, NOT_OURS.get(path, ()))]
        finally:
            probe.context.close()
    assert not findings, f"/{path} as {user or 'visitor'}: " + "; ".join(findings)


@pytest.mark.parametrize("width", [None, PHONE_PX], ids=["desktop", "phone"])
def test_the_forced_password_change(chromium, live_server_url, engine, width):
    username = f"axe.doimk{width or ''}"
    new_account(engine, username, must_change_password=True)
    probe = MapPage(chromium, live_server_url, phone_width=width)
    try:
        probe.login(username, TEST_PASSWORD)
        page = probe.open()
        page.locator("#hg-password-dialog[open]").wait_for()
        findings = axe_findings(page)
        assert not findings, "; ".join(findings)
    finally:
        probe.context.close()

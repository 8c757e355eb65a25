"""Every page a person opens, on a desktop and on a 390-px phone: nothing is fetched from off the machine
(the docs included), no console error or failed request (favicon included), no sideways scrolling."""
from urllib.parse import urlparse

import pytest

from tests.integration.analytics.test_analytics_api import enterprises  # noqa: F401  (SQL-inserted firms)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("enterprises")]

PAGES = ["/map", "/map?enterprises=cluster", "/analytics", "/sites/finder", "/docs"]
VIEWPORTS = {"desktop": (1366, 768), "phone": (390, 844)}


@pytest.mark.parametrize("view", list(VIEWPORTS))
@pytest.mark.parametrize("path", PAGES)
def test_page_stays_on_the_machine_without_errors(browser, live_server, path, view):
    width, height = VIEWPORTS[view]
    context = browser.new_context(viewport={"width": width, "height": height},
                                  is_mobile=view == "phone", has_touch=view == "phone")
    page = context.new_page()
    hosts, errors = set(), []
    page.on("request", lambda r: hosts.add(urlparse(r.url).hostname) if r.url.startswith("http") else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    try:
        page.goto(live_server + path)
        page.wait_for_load_state("networkidle")
        if path == "/docs":  # the documentation actually rendered from the local bundle
            page.wait_for_selector(".swagger-ui .info .title", timeout=15000)
            assert "Qingpu" in page.inner_text("body")
        assert hosts <= {"127.0.0.1"}, hosts
        assert not errors, errors
        if view == "phone":
            assert page.evaluate("document.documentElement.scrollWidth") <= width
    finally:
        context.close()


def test_favicon_is_served(live_server):
    import urllib.request

    with urllib.request.urlopen(live_server + "/favicon.ico") as res:
        assert res.status == 200 and res.headers["content-type"] == "image/x-icon"
        assert res.read(4) == b"\x00\x00\x01\x00"

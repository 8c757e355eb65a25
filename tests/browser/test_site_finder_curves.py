"""/sites/finder in headless Chromium: every transform drawn as a small SVG curve that follows its inputs; after a
search the peer and chain rows show the scale set from the candidates and whether each criterion separates the
top, and the stability report says which criteria decide the top 5."""
import pytest

from tests.browser.signin import sign_in
from tests.integration.sites.test_site_counts import demo  # noqa: F401  (300 sites, 600 firms of eight industries)

pytestmark = pytest.mark.browser


def _sign_in(page, live_server):
    page.goto(f"{live_server}/sites/finder")
    sign_in(page, "count-staff", "pw-for-count-staff-9", "investment")


def _points(page, cid):
    return page.locator(f".crit[data-id='{cid}'] svg.curve-svg polyline").get_attribute("points")


def test_curves_follow_the_inputs_and_the_search(page, live_server, demo):  # noqa: F811
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _sign_in(page, live_server)
    rows = page.locator(".crit")
    assert rows.count() == 6 and page.locator(".crit svg.curve-svg polyline").count() == 4  # two set from data
    # the station curve falls from 1 at 500 m to 0 at 5000 m: its first point high, its last low
    pts = [tuple(map(float, p.split(","))) for p in _points(page, "station").split()]
    assert pts[0][1] < pts[-1][1]
    assert "m" in page.locator(".crit[data-id='station'] svg.curve-svg").inner_html()
    before = _points(page, "station")
    page.fill(".crit[data-id='station'] .p2", "9000")
    assert _points(page, "station") != before
    # the peer and chain scales come from the data by default: inputs off until the search says what they are
    assert page.locator(".crit[data-id='chain'] .scale-data").is_checked()
    assert page.locator(".crit[data-id='chain'] .p1").is_disabled()
    page.select_option("select[name=industry]", "newmat")
    page.click("#run")
    page.wait_for_selector("#ranked tbody tr")
    page.wait_for_selector(".deciding")
    assert page.locator(".crit svg.curve-svg polyline").count() == 6
    chain = page.locator(".crit[data-id='chain'] .sep").inner_text()
    assert "scale from the candidates' counts within 5000 m" in chain and "top" in chain
    assert page.locator(".crit[data-id='chain'] svg.curve-svg line[stroke='#d95f0e']").count() >= 2  # percentiles
    best = float(page.locator(".crit[data-id='chain'] .p1").input_value())
    assert best > 0  # the scale the search used, shown in the disabled inputs
    for cid in ("station", "highway", "same_industry", "zone_fit", "price"):
        assert "top" in page.locator(f".crit[data-id='{cid}'] .sep").inner_text()
    deciding = page.locator(".deciding").inner_text()
    assert "What decides the top 5" in deciding and ("decided by" in deciding or "no single criterion" in deciding)
    assert errors == []


def test_curves_fit_a_phone(browser, live_server, demo):  # noqa: F811
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        _sign_in(page, live_server)
        assert page.locator(".crit svg.curve-svg").count() == 6
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()

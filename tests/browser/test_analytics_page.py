"""The /analytics page in headless Chromium: charts and map layers are drawn from the API."""
import pytest

from tests.browser.signin import sign_in
from tests.conftest import ROLE_PASSWORD
from tests.integration.analytics.test_analytics_api import enterprises  # noqa: F401  (SQL-inserted firms)

pytestmark = pytest.mark.browser


def _open(page, live_server):
    page.goto(f"{live_server}/analytics")
    page.wait_for_function("window.analyticsState && (window.analyticsState.ready || window.analyticsState.errors.length)",
                           timeout=60000)
    return page.evaluate("window.analyticsState")


def test_analytics_page_draws_choropleth_hotspots_and_charts(page, live_server, enterprises):  # noqa: F811
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    external = []
    page.on("request", lambda req: external.append(req.url) if not req.url.startswith((live_server, "data:")) else None)
    state = _open(page, live_server)
    assert state["errors"] == [] and errors == []
    assert external == []  # Leaflet and Chart.js come from /vendor, no CDN
    # map layers
    assert state["layers"]["zones"] >= 7 and page.locator("path.zone-choropleth").count() == state["layers"]["zones"]
    assert state["layers"]["hotspotsSignificant"] > 0
    assert page.locator("path.hotspot-cell").count() == state["layers"]["hotspotsSignificant"]
    assert state["layers"]["hexbins"] > 0 and state["layers"]["density"] is True
    legend = page.locator(".hotspot-legend").inner_text()
    assert "FDR: Benjamini-Hochberg" in legend and "9999 permutations" in legend
    # charts: Chart.js instances bound to the two canvases, with data
    assert state["charts"]["lq"] >= 7
    assert state["charts"]["targets"] == 0  # public role: output-based progress is withheld, and listed why
    assert page.evaluate("Chart.getChart('lq-chart').data.datasets[0].data.length") == state["charts"]["lq"]
    assert page.locator("#targets-unmeasured li").count() == state["charts"]["targetsUnmeasured"]
    assert "synthetic" in page.locator("#synthetic-note").inner_text()
    # switching the zone colouring to density redraws the choropleth
    page.select_option("#zone-metric", "density")
    assert page.locator("path.zone-choropleth").count() == state["layers"]["zones"]


def test_investment_staff_sign_in_and_see_progress_bars_toward_the_targets(page, live_server, enterprises,  # noqa: F811
                                                                           investment_auth):
    state = _open(page, live_server)
    assert state["charts"]["targets"] == 0
    sign_in(page, "test-investment", ROLE_PASSWORD, "investment", reloads=True)  # the investment_auth user
    page.wait_for_function("window.analyticsState && window.analyticsState.ready", timeout=60000)
    state = page.evaluate("window.analyticsState")
    assert state["errors"] == [] and "test-investment" in page.locator("#who").inner_text()
    assert "role investment" in page.locator("#status").inner_text()
    assert state["charts"]["targets"] >= 5  # the output-based targets (proxies)
    bars = page.evaluate("Chart.getChart('targets-chart').data.datasets[0].data")
    assert len(bars) == state["charts"]["targets"] and all(b >= 0 for b in bars)
    unmeasured = page.locator("#targets-unmeasured").inner_text()
    assert "每万人发明专利拥有量" in unmeasured and "not measurable" in unmeasured


def test_public_map_offers_the_hexbin_and_hotspot_overlays(page, live_server, enterprises):  # noqa: F811
    page.add_init_script("window.__errors = []; window.addEventListener('error', e => window.__errors.push(e.message));")
    page.goto(f"{live_server}/map")
    page.wait_for_function("window.qpMap !== undefined || window.__errors.length > 0", timeout=30000)
    errors = page.evaluate("window.__errors")
    assert errors == [] and page.evaluate("window.qpMap !== undefined"), errors
    labels = page.locator(".leaflet-control-layers-overlays label")
    hot = labels.filter(has_text="Benjamini-Hochberg")
    hexes = labels.filter(has_text="H3 cell")
    assert hot.count() == 1 and hexes.count() == 1  # the legend title states the FDR
    before = page.locator("path.leaflet-interactive").count()
    with page.expect_response(lambda r: "/analytics/hotspots" in r.url) as hot_response:
        hot.locator("input").check()
    significant = hot_response.value.json()["features"]
    assert significant and all(f["properties"]["class"] != "not_significant" for f in significant)
    page.wait_for_function(f"document.querySelectorAll('path.leaflet-interactive').length >= {before + len(significant)}",
                           timeout=30000)

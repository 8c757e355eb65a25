"""The /analytics page in headless Chromium against the real server: one story driven by two pickers.

What the page draws (window.analyticsState, the DOM, the Chart.js instances) is compared with what the
API and the database say for the same filters.
"""
import json
import urllib.request
from urllib.parse import urlparse

import pytest
from sqlalchemy import text

from app.analytics.store import industry_family
from tests.browser.signin import sign_in
from tests.conftest import ROLE_PASSWORD
from tests.integration.analytics.test_analytics_api import enterprises  # noqa: F401  (SQL-inserted firms)

pytestmark = pytest.mark.browser

READY = "window.analyticsState && (window.analyticsState.ready || window.analyticsState.errors.length)"
VIEWPORTS = {"desktop": (1366, 768), "phone": (390, 844)}


def _wait(page, **filters):
    cond = " && ".join(f"window.analyticsState.filters.{k} === {json.dumps(v)}" for k, v in filters.items())
    page.wait_for_function(READY + (f" && (window.analyticsState.errors.length || ({cond}))" if cond else ""),
                           timeout=90000)
    state = page.evaluate("window.analyticsState")
    assert state["errors"] == [], state["errors"]
    return state


def _open(page, live_server, query=""):
    page.goto(f"{live_server}/analytics{query}")
    return _wait(page)


def _api(live_server, path, headers=None):
    req = urllib.request.Request(live_server + path, headers={"Accept": "application/json", **(headers or {})})
    with urllib.request.urlopen(req, timeout=120) as res:
        return json.load(res)


def _sql_count(engine, industry=None, zone=None):
    terms, params = [], {}
    if industry:
        terms.append("plan_industry = ANY(:inds)")
        params["inds"] = industry_family(industry)
    if zone:
        terms.append(":zone = ANY(zones)")
        params["zone"] = zone
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM enterprises" + (" WHERE " + " AND ".join(terms) if terms else "")),
                            params).scalar()


def _watch(page, live_server):
    """Requests leaving the machine, console errors and failed responses of the page."""
    seen = {"hosts": set(), "errors": [], "api": []}
    page.on("request", lambda r: seen["hosts"].add(urlparse(r.url).hostname) if r.url.startswith("http") else None)
    page.on("request", lambda r: seen["api"].append(r.url) if "/analytics/" in r.url or "/collections/" in r.url else None)
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("console", lambda m: seen["errors"].append(m.text) if m.type == "error" else None)
    page.on("response", lambda r: seen["errors"].append(f"{r.status} {r.url}") if r.status >= 400 else None)
    return seen


def test_choosing_biomedicine_filters_enterprises_hexbins_hotspots_and_density_alike(page, live_server, engine,
                                                                                      enterprises):  # noqa: F811
    seen = _watch(page, live_server)
    everything = _open(page, live_server)
    total = _sql_count(engine)
    assert everything["layers"]["enterprises"] == everything["layers"]["hexbinFirms"] == total
    seen["api"].clear()
    page.select_option("#industry", "biomed")  # 生物医药
    assert page.locator("#industry option:checked").inner_text().startswith("生物医药")
    state = _wait(page, industry="biomed")
    # every view asked the API for biomedicine ...
    for path in ("/analytics/zones", "/analytics/hexbins", "/analytics/hotspots", "/analytics/density",
                 "/analytics/targets"):
        asked = [u for u in seen["api"] if urlparse(u).path == path]
        assert asked and all("plan_industry=biomed" in u for u in asked), (path, asked)
    assert any("/collections/enterprises/items" in u and "biomed" in u for u in seen["api"])
    # ... and draws what the API (and the database) says for it
    firms = _sql_count(engine, "biomed")
    assert 0 < firms < total
    hexbins = _api(live_server, "/analytics/hexbins?resolution=8&plan_industry=biomed")
    hotspots = _api(live_server, "/analytics/hotspots?resolution=8&plan_industry=biomed")
    density = _api(live_server, "/analytics/density?format=overlay&plan_industry=biomed")
    assert state["layers"]["enterprises"] == firms
    assert state["layers"]["hexbins"] == len(hexbins["features"]) and state["layers"]["hexbinFirms"] == firms
    assert sum(f["properties"]["count"] for f in hexbins["features"]) == firms
    significant = [f for f in hotspots["features"] if f["properties"]["class"] != "not_significant"]
    assert state["layers"]["hotspots"] == len(significant)
    assert page.locator("path.hotspot-cell").count() == len(significant)
    assert state["layers"]["densityFirms"] == density["metadata"]["firms"] == firms
    # the hex-bin layer, switched on, draws the API's cells
    page.locator(".leaflet-control-layers-overlays label", has_text="Firms per hex cell").locator("input").check()
    assert page.locator("path.hexbin-cell").count() == len(hexbins["features"])
    # the zones are coloured by the LQ of biomedicine, as the API computes it
    assert state["layers"]["zoneColouring"] == "lq"
    zones = _api(live_server, "/analytics/zones?plan_industry=biomed")
    core = next(f for f in zones["features"] if f["id"] == "core")["properties"]
    row = page.locator("#zones-table tbody tr[data-zone=core]").inner_text()
    assert core["name_zh"] in row and f"{core['selected_industry']['lq']:.2f}" in row
    assert str(core["selected_industry"]["lq_counts"]["district_industry"]) in row
    assert ("可靠 reliable" if core["selected_industry"]["lq_reliable"] else "不可靠 unreliable") in row
    assert page.evaluate("Chart.getChart('lq-chart').data.datasets[0].data.length") == state["charts"]["lq"] > 0
    # and the zone picker narrows every view to the firms inside the zone
    seen["api"].clear()
    page.select_option("#zone", "core")
    state = _wait(page, industry="biomed", zone="core")
    in_core = _sql_count(engine, "biomed", "core")
    assert 0 < in_core < firms
    assert state["layers"]["enterprises"] == state["layers"]["hexbinFirms"] == state["layers"]["densityFirms"] == in_core
    assert all("zone=core" in u for u in seen["api"] if "/analytics/" in u)
    assert "zone=core" in page.url and "industry=biomed" in page.url  # a link shows the same view
    assert seen["hosts"] <= {"127.0.0.1"} and seen["errors"] == [], seen


def test_lq_and_hotspots_have_separate_palettes_and_every_drawn_layer_a_legend(page, live_server, enterprises):  # noqa: F811
    state = _open(page, live_server, "?industry=ic")
    legend = page.locator("#legend-panel")  # beside the map on a desktop (in a fold-away box on the map on a phone)
    text_ = legend.inner_text()
    assert "区位熵 LQ" in text_ and "about the district average" in text_ and "unreliable" in text_
    assert "hot spot" in text_ and "after false-discovery correction" in text_ and "gi_z" not in text_
    assert "企业 enterprises" in text_
    config = page.evaluate("window.QINGPU_ANALYTICS")
    lq_colours = {c["colour"].lower() for c in config["lqClasses"]}
    assert not lq_colours & {c.lower() for c in config["hotColours"].values()}
    # one legend part per layer on the map; switching a layer off takes its legend away
    assert legend.locator(".legend-part").count() == 3  # zones, hotspots, enterprises
    page.locator(".leaflet-control-layers-overlays label", has_text="Density surface").locator("input").check()
    assert legend.locator(".legend-density").count() == 1 and "家/km²" in legend.locator(".legend-density").inner_text()
    page.locator(".leaflet-control-layers-overlays label", has_text="Hot and cold spots").locator("input").uncheck()
    assert legend.locator(".legend-hotspots").count() == 0
    # zone names are written on the map
    labels = page.locator(".zone-label span")
    assert state["layers"]["labels"] >= 5 and "新兴产业创新制造核" in labels.all_inner_texts()
    # the significance note, in words
    assert "false-discovery correction" in page.locator("#significance-note").inner_text()
    assert "false-discovery correction" in page.locator("#note-fdr").inner_text()
    assert "synthetic" in page.locator("#synthetic-note").inner_text()
    # the 产业链 section follows the page's industry too
    assert page.input_value("#chain-industry") == "ic"


def test_zone_table_is_sortable_and_reads_names_not_ids(page, live_server, enterprises):  # noqa: F811
    _open(page, live_server, "?industry=ic")
    zones = _api(live_server, "/analytics/zones?plan_industry=ic")
    rows = page.locator("#zones-table tbody tr")
    assert rows.count() == len(zones["features"])
    cells = page.locator("#zones-table tbody td:first-child").all_inner_texts()
    ids = {f["id"] for f in zones["features"]}
    assert not any(c.strip() in ids for c in cells) and any("新兴产业创新制造核" in c for c in cells)
    assert "True" not in page.locator("#zones-table").inner_text() and "False" not in page.locator("#zones-table").inner_text()
    page.click("#zones-table th[data-key=lq]")
    lq = [f["properties"]["selected_industry"]["lq"] for f in zones["features"]]
    expected = sorted((v for v in lq if v is not None), reverse=True)
    shown = page.locator("#zones-table tbody tr td:nth-child(6)").all_inner_texts()
    assert [float(s) for s in shown[:len(expected)]] == pytest.approx([round(v, 2) for v in expected], abs=0.006)
    assert page.get_attribute("#zones-table th[data-key=lq]", "aria-sort") == "descending"
    page.click("#zones-table th[data-key=lq]")
    assert page.get_attribute("#zones-table th[data-key=lq]", "aria-sort") == "ascending"


def test_the_public_sees_no_empty_targets_chart_but_the_reason_and_the_targets(page, live_server, enterprises):  # noqa: F811
    state = _open(page, live_server)
    assert state["charts"]["targetsShown"] is False
    assert page.locator("#targets-figure").is_hidden() and page.locator("#targets-chart").is_hidden()
    reason = page.locator("#targets-hidden")
    assert reason.is_visible() and "sign in" in reason.inner_text().lower() and "investment" in reason.inner_text()
    public = _api(live_server, "/analytics/targets")
    table = page.locator("#targets-table tbody tr")
    assert table.count() == len(public["targets"])
    assert "160 亿元" in page.locator("#targets-table").inner_text()  # the plan's own figure is public


def test_investment_staff_see_actual_values_a_100_percent_line_and_values_on_the_bars(page, live_server, enterprises,  # noqa: F811
                                                                                      investment_auth):
    _open(page, live_server)
    sign_in(page, "test-investment", ROLE_PASSWORD, "investment", reloads=True)
    state = _wait(page)
    staff = _api(live_server, "/analytics/targets", investment_auth)
    measured = [t for t in staff["targets"] if t["progress"] is not None]
    assert state["charts"]["targetsShown"] is True and page.locator("#targets-chart").is_visible()
    assert page.locator("#targets-hidden").is_hidden()
    chart = page.evaluate("""(() => { const c = Chart.getChart('targets-chart');
        return {data: c.data.datasets[0].data, labels: c.options.plugins.valueLabels.labels,
                ref: c.options.plugins.refLine.value, max: c.scales.x.max}; })()""")
    assert chart["data"] == pytest.approx([100 * t["progress"] for t in measured])
    assert chart["ref"] == 100 and chart["max"] >= max(chart["data"])  # the 100 % line and every bar in view
    for label, t in zip(chart["labels"], measured):
        assert f"{100 * t['progress']:.0f} %" in label.replace(",", "") and t["unit"] in label
    assert "role: 招商人员 investment staff" in page.locator("#status").inner_text()
    assert "上海时间 (Asia/Shanghai)" in page.locator("#status").inner_text()


@pytest.mark.parametrize("view,role", [("desktop", "public"), ("phone", "public"), ("phone", "investment"),
                                       ("desktop", "planner")])
def test_page_stays_on_the_machine_fits_the_screen_and_logs_no_error(browser, live_server, enterprises, tmp_path,  # noqa: F811
                                                                     view, role, request):
    if role != "public":
        request.getfixturevalue(f"{role}_auth")  # the test-<role> user exists
    width, height = VIEWPORTS[view]
    context = browser.new_context(viewport={"width": width, "height": height}, is_mobile=view == "phone",
                                  has_touch=view == "phone")
    page = context.new_page()
    seen = _watch(page, live_server)
    try:
        state = _open(page, live_server, "?industry=biomed")
        if role != "public":
            sign_in(page, f"test-{role}", ROLE_PASSWORD, role, reloads=True)
            state = _wait(page, industry="biomed")
        assert state["layers"]["enterprises"] > 0 and state["charts"]["lq"] > 0
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        if view == "phone":  # the map comes first, the pickers right after it
            top = page.evaluate("id => document.getElementById(id).getBoundingClientRect().top", "analytics-map")
            controls = page.evaluate("id => document.getElementById(id).getBoundingClientRect().top", "controls")
            assert top < controls and top < height / 4
        page.screenshot(path=str(tmp_path / f"analytics-{view}-{role}.png"), full_page=True)
        assert seen["hosts"] <= {"127.0.0.1"}, seen["hosts"]
        assert seen["errors"] == [], seen["errors"]
    finally:
        context.close()


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

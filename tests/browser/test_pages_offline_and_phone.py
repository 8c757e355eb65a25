"""Every page a person opens, on a desktop and on a 390-px phone: nothing is fetched from off the machine
(the docs included), no console error or failed request (favicon included), no sideways scrolling."""
import json
import math
import re
import urllib.parse
import urllib.request
from urllib.parse import urlparse

import mapbox_vector_tile
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
    with urllib.request.urlopen(live_server + "/favicon.ico") as res:
        assert res.status == 200 and res.headers["content-type"] == "image/x-icon"
        assert res.read(4) == b"\x00\x00\x01\x00"


def _api(live_server):
    def get(path):
        with urllib.request.urlopen(urllib.request.Request(live_server + path, headers={"Accept": "application/geo+json"})) as r:
            return json.load(r)
    return get


def _open_cluster_popup(page):
    """A click on the map at a cluster's label (a point inside the cluster): the popup lists what is there."""
    return page.evaluate("""() => { const l = window.qpConfig.labels.find(x => x.cls === 'cluster');
        const ll = L.latLng(l.lat, l.lon);
        window.qpMap.fire('click', {latlng: ll, layerPoint: window.qpMap.latLngToLayerPoint(ll),
                                    containerPoint: window.qpMap.latLngToContainerPoint(ll)});
        return l.id; }""")


def test_cluster_popup_names_kind_towns_and_industries_in_both_languages(browser, live_server):
    from plan.industries import PLAN_INDUSTRY_BY_ID

    get = _api(live_server)
    towns = {str(f["id"]): f["properties"] for f in get("/collections/towns/items?limit=1000")["features"]}
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    try:
        page.goto(live_server + "/map")
        page.wait_for_function("window.qpMap !== undefined")
        zone_id = _open_cluster_popup(page)
        assert zone_id
        zone = get(f"/collections/zones/items/{zone_id}")["properties"]
        text_zh = page.locator(".leaflet-popup-content").inner_text()
        assert zone["name_zh"] in text_zh and "组团" in text_zh
        for t in zone["member_towns"]:
            assert towns[t]["name_zh"] in text_zh and t not in text_zh
        for i in zone["target_industries"]:
            assert PLAN_INDUSTRY_BY_ID[i].zh in text_zh
        assert "True" not in text_zh and "显示顺序" not in text_zh and "+00:00" not in text_zh
        page.click("#qp-lang")
        text_en = page.locator(".leaflet-popup-content").inner_text()
        assert zone["name_en"] in text_en and "cluster" in text_en and "Towns" in text_en
        for t in zone["member_towns"]:
            assert towns[t]["name_en"] in text_en
        for i in zone["target_industries"]:
            assert PLAN_INDUSTRY_BY_ID[i].en in text_en
        assert "所含镇街" not in text_en
    finally:
        context.close()


def _recorded_page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    return context, page, requests


def _overlays_follow_the_filter(page, requests, get, query: str) -> None:
    """Hotspots and density draw what their API gives for ``query``; every hex-bin tile is asked with it."""
    for oid, api in (("analytics_hotspots", f"/analytics/hotspots?resolution=8&only=significant&{query}"),
                     ("analytics_density", f"/analytics/density?format=contours&{query}")):
        page.evaluate(f"() => {{ window.qpMap.addLayer(window.qpOverlays['{oid}'].layer); }}")
        page.wait_for_function(f"window.qpOverlays['{oid}'].data !== null")
        n = page.evaluate(f"() => window.qpOverlays['{oid}'].data.features.length")
        assert n == len(get(api)["features"]), oid
        assert any(api.split("?")[0] in u and query in u for u in requests), oid
    page.evaluate("() => { window.qpMap.addLayer(window.qpOverlays['analytics_hexbins'].layer); }")
    page.wait_for_load_state("networkidle")
    hex_tiles = [u for u in requests if "/analytics/hexbins/tiles/WebMercatorQuad/" in u and "tilejson" not in u]
    assert hex_tiles and all(query in u for u in hex_tiles)


def test_choosing_biomedicine_filters_enterprises_hexbins_hotspots_and_density(browser, live_server):
    get = _api(live_server)
    context, page, requests = _recorded_page(browser)
    try:
        page.goto(live_server + "/map")
        page.wait_for_function("window.qpMap !== undefined")
        page.select_option("#qp-industry", "biomed")
        page.wait_for_function("window.qpEnterpriseCount !== undefined && window.qpState.industry === 'biomed'")
        page.wait_for_load_state("networkidle")
        cql = urllib.parse.quote("plan_industry IN ('biomed')")
        expected = get(f"/collections/enterprises/items?limit=1&filter={cql}")["numberMatched"]
        assert 0 < expected < get("/collections/enterprises/items?limit=1")["numberMatched"]
        drawn = page.evaluate("() => window.qpEnterprises.getLayers().length")
        assert page.evaluate("window.qpEnterpriseCount") == expected == drawn
        assert "industry=biomed" in page.url  # the link shows the same map
        _overlays_follow_the_filter(page, requests, get, "plan_industry=biomed")
    finally:
        context.close()


def _lat(n: int, ty: int) -> float:
    return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * ty / n))))


def test_choosing_a_zone_on_the_tiled_map_filters_enterprise_tiles_hexbins_hotspots_and_density(browser, live_server):
    """The zone picker reaches every layer of /map: the enterprise vector tiles, the hex-bin tiles, the
    hotspot and density overlays all ask with the zone, and the count shown is the API's count of the
    zone's firms."""
    get = _api(live_server)
    context, page, requests = _recorded_page(browser)
    try:
        page.goto(live_server + "/map?enterprises=tiles")
        page.wait_for_function("window.qpMap !== undefined")
        page.wait_for_load_state("networkidle")
        page.select_option("#qp-zone", "core")
        page.wait_for_function("window.qpEnterpriseCount !== undefined && window.qpState.zone === 'core'")
        page.wait_for_load_state("networkidle")
        cql = urllib.parse.quote("zones IN ('core')")
        expected = get(f"/collections/enterprises/items?limit=1&filter={cql}")["numberMatched"]
        assert 0 < expected < get("/collections/enterprises/items?limit=1")["numberMatched"]
        assert page.evaluate("window.qpEnterpriseCount") == expected
        assert "zone=core" in page.url  # the link shows the same map
        ent_tiles = [u for u in requests if "/tiles/WebMercatorQuad/" in u and "collections=enterprises" in u]
        assert ent_tiles and any("zone=core" in u for u in ent_tiles)
        # each tile drawn after the choice counts exactly the zone's firms inside it (items API, same box)
        counted = 0
        for url in [u for u in ent_tiles if "zone=core" in u]:
            z, x, y = map(int, re.search(r"/WebMercatorQuad/(\d+)/(\d+)/(\d+)", url).groups())
            with urllib.request.urlopen(url) as r:
                feats = mapbox_vector_tile.decode(r.read()).get("enterprises", {"features": []})["features"]
            n = 2 ** z
            box = f"{x / n * 360 - 180},{_lat(n, y + 1)},{(x + 1) / n * 360 - 180},{_lat(n, y)}"
            want = get(f"/collections/enterprises/items?limit=1&bbox={box}&filter={cql}")["numberMatched"]
            assert sum(f["properties"]["point_count"] for f in feats) == want, url
            counted += want
        assert counted > 0
        _overlays_follow_the_filter(page, requests, get, "zone=core")
        # a link naming the zone and no view opens on the zone: all of it in view, closer than the district
        from shapely.geometry import shape

        west, south, east, north = shape(get("/collections/zones/items/core")["geometry"]).bounds
        page.goto(live_server + "/map?enterprises=tiles")
        page.wait_for_load_state("networkidle")
        district_zoom = page.evaluate("window.qpMap.getZoom()")
        page.goto(live_server + "/map?enterprises=tiles&zone=core")
        page.wait_for_load_state("networkidle")
        page.wait_for_function(f"window.qpMap.getZoom() > {district_zoom}", timeout=5000)
        view = page.evaluate("() => { const b = window.qpMap.getBounds(); "
                             "return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; }")
        assert view[0] <= west and view[1] <= south and view[2] >= east and view[3] >= north, view
    finally:
        context.close()

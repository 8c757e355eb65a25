"""The public map in headless Chromium: it loads from 127.0.0.1 only, shows the layout and the
enterprises, searches, switches language and fits a 390-px phone."""
import json
import urllib.request

import pytest

from layers.registry import MAP_OVERLAYS
from tests.integration.ogc.ogc_seed import seed_enterprises

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module", autouse=True)
def seeded(engine):
    return seed_enterprises(engine)


def open_map(page, live_server, path="/map"):
    requests, errors = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    # Console errors, except failed loads: those are checked by URL (the browser's favicon probe may 404).
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and "Failed to load" not in m.text else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400
            and not r.url.endswith("/favicon.ico") else None)
    page.goto(live_server + path)
    page.wait_for_load_state("networkidle")
    return requests, errors


def test_map_loads_everything_from_the_app_itself(page, live_server):
    requests, errors = open_map(page, live_server)
    assert requests and all(u.startswith(live_server + "/") for u in requests), \
        [u for u in requests if not u.startswith(live_server)]
    assert not errors, errors
    switcher = page.locator(".leaflet-control-layers").inner_text()
    for label in ("青浦区", "镇街", "一核", "一线", "组团", "园区", "轨交17号线车站", "企业"):
        assert label in switcher, label
    assert page.locator(".leaflet-control-scale").is_visible()
    assert page.locator("#qp-legend").is_visible()


def test_enterprises_are_clustered_at_moderate_counts(page, live_server):
    requests, _ = open_map(page, live_server)
    assert any("/collections/enterprises/items" in u for u in requests)
    page.wait_for_selector(".qp-count")
    total = page.evaluate("""() => { let n = 0; document.querySelectorAll('.qp-count span')
        .forEach(s => n += parseInt(s.textContent)); return n; }""")
    assert total > 100


def test_many_enterprises_come_as_vector_tiles(page, live_server):
    # Above CLUSTER_MAX enterprises the map switches to vector tiles; enterprises=tiles forces it here.
    requests, errors = open_map(page, live_server, "/map?enterprises=tiles")
    tiles = [u for u in requests if "/tiles/WebMercatorQuad/" in u and "collections=enterprises" in u]
    assert tiles and not errors, errors
    assert page.locator("canvas.leaflet-tile").count() > 0


def test_search_finds_a_town_and_an_enterprise_and_zooms(page, live_server):
    open_map(page, live_server)
    before = page.evaluate("() => window.qpMap.getZoom()")
    page.fill("#qp-search-input", "华新")
    page.wait_for_selector("#qp-search-results li")
    results = page.locator("#qp-search-results li").all_inner_texts()
    assert any("华新镇" in r for r in results) and any("华新智慧物流测试企业" in r for r in results)
    page.locator("#qp-search-results li", has_text="华新智慧物流测试企业").click()
    page.wait_for_timeout(600)
    assert page.evaluate("() => window.qpMap.getZoom()") > before
    assert "华新智慧物流测试企业" in page.locator(".leaflet-popup-content").inner_text()


def test_language_toggle_switches_to_english(page, live_server):
    open_map(page, live_server)
    page.click("#qp-lang")
    assert page.locator("#qp-header h1").inner_text().strip() == "Qingpu strategic emerging industries layout"
    assert "Enterprises" in page.locator(".leaflet-control-layers").inner_text()


def test_registry_overlays_appear_and_load_when_switched_on(page, live_server):
    # The registry declares its overlays itself: what /map shows does not depend on what was imported.
    overlays = [o for o in MAP_OVERLAYS if o.get("least_role", "public") == "public"]
    assert {o["id"] for o in overlays} >= {"analytics_hexbins", "analytics_hotspots"}
    first = overlays[0]
    requests, _ = open_map(page, live_server)
    path = first["url"].split("?")[0]
    assert not any(path in u for u in requests)  # fetched only when switched on
    page.locator(".leaflet-control-layers label", has_text=first["title_zh"]).locator("input").check()
    page.wait_for_load_state("networkidle")
    assert any(path in u for u in requests)


def test_phone_layout_keeps_the_map_usable(browser, live_server, tmp_path):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1)
    page = context.new_page()
    try:
        open_map(page, live_server)
        assert page.locator(".leaflet-control-layers-expanded").count() == 0  # switcher collapsed to an icon
        assert page.evaluate("() => document.getElementById('qp-legend').open") is False
        boxes = {sel: page.locator(sel).bounding_box() for sel in ("#qp-header", "#qp-search", "#qp-legend",
                                                                  ".leaflet-control-layers", ".leaflet-control-zoom")}
        for sel, box in boxes.items():
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390, sel
        def overlap(a, b):
            return not (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                        or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])
        names = list(boxes)
        clashes = [(a, b) for i, a in enumerate(names) for b in names[i + 1:] if overlap(boxes[a], boxes[b])]
        assert not clashes, clashes
        page.screenshot(path=str(tmp_path / "map-390.png"))
        page.fill("#qp-search-input", "西岑")
        page.wait_for_selector("#qp-search-results li")
        assert page.locator("#qp-search-results").is_visible()
    finally:
        context.close()


def test_vector_tile_enterprise_popup_at_detail_zoom(page, live_server):
    from tests.integration.ogc.ogc_seed import NAMED

    uscc, name, lon, lat = NAMED[0][:4]
    open_map(page, live_server, "/map?enterprises=tiles")
    page.evaluate(f"() => {{ window.qpMap.setView([{lat}, {lon}], 17, {{animate: false}}); }}")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)
    point = page.evaluate(f"() => {{ const p = window.qpMap.latLngToContainerPoint([{lat}, {lon}]); "
                          f"const r = window.qpMap.getContainer().getBoundingClientRect(); "
                          f"return [p.x + r.left, p.y + r.top]; }}")
    page.mouse.click(*point)  # on the point, which lies inside a park polygon drawn above the tiles
    page.wait_for_selector(".leaflet-popup-content")
    assert name in page.locator(".leaflet-popup-content").inner_text()


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("width, height", [(1366, 768), (390, 844)])
def test_the_core_and_every_cluster_are_named_on_the_map_without_overlap(browser, live_server, width, height, lang):
    """On opening, the map names the core and each of the five clusters (moving a label beside its point
    when the first place is taken), and no two shown labels overlap, on a desktop and on a phone."""
    with urllib.request.urlopen(live_server + "/collections/zones/items?limit=100") as r:
        zones = json.load(r)["features"]
    wanted = {f["properties"][f"name_{lang}"] for f in zones if f["properties"]["kind"] in ("core", "cluster")
              and not f["properties"].get("parent_zone")}
    assert len(wanted) >= 6
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        page.goto(live_server + f"/map?lang={lang}")
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(300)
        shown = page.evaluate("""lang => [...document.querySelectorAll('.qp-label')]
            .filter(el => el.dataset.shown === '1' && getComputedStyle(el).visibility !== 'hidden')
            .map(el => { const r = el.getBoundingClientRect();
                         return {text: el.querySelector('.lang-' + lang).textContent,
                                 box: [r.left, r.top, r.right, r.bottom]}; })""", lang)
    finally:
        context.close()
    names = {s["text"] for s in shown}
    assert wanted <= names, wanted - names
    boxes = [s["box"] for s in shown]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)

"""A MapLibre GL JS page on another origin draws the layers from /styles/default (CORS, style, TileJSON, tiles)."""
import functools
import http.server
import threading

import pytest

from layers.registry import CLUSTER_COLOURS, ZONE_KIND_COLOURS
from tests.integration.ogc.ogc_seed import seed_enterprises

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>District portal</title><link rel="icon" href="data:,">
<link rel="stylesheet" href="{api}/vendor/maplibre/maplibre-gl.css">
<script src="{api}/vendor/maplibre/maplibre-gl.js"></script>
<style>html, body, #map {{ margin: 0; height: 100%; }}</style></head>
<body><div id="map"></div>
<script>
  window.map = new maplibregl.Map({{container: "map", style: "{api}/styles/default",
                                    center: [121.1, 31.15], zoom: 11}});
  map.on("error", (e) => console.error("map error: " + (e.error && e.error.message)));
  map.once("idle", () => {{ window.__ready = true; }});
</script></body></html>
"""


@pytest.fixture
def portal(live_server, tmp_path):
    """A static site on a second loopback address: its own origin, as a district portal would be."""
    (tmp_path / "index.html").write_text(PAGE.format(api=live_server), encoding="utf-8")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.2", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.2:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_maplibre_on_another_origin_renders_zones_and_enterprises(browser, portal, live_server, engine):
    seed_enterprises(engine)
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url} {r.failure}"))
    try:
        page.goto(f"{portal}/index.html")
        assert page.evaluate("location.origin") != live_server
        page.wait_for_function("window.__ready === true", timeout=30000)
        drawn = page.evaluate("""() => {
            const counts = {};
            for (const f of map.queryRenderedFeatures()) counts[f.sourceLayer] = (counts[f.sourceLayer] || 0) + 1;
            return counts;
        }""")
        kinds = page.evaluate("""() => [...new Set(map.queryRenderedFeatures({layers: ['zones-fill', 'zones-fill-own']})
                                                    .map(f => f.properties.kind))].sort()""")
        # the colour MapLibre evaluated for each zone it drew: its cluster's own, else its kind's
        colours = page.evaluate("""() => Object.fromEntries(map.queryRenderedFeatures({layers: ['zones-fill', 'zones-fill-own']})
            .map(f => { const c = f.layer.paint['fill-color'];
                        return [f.properties.id, [c.r, c.g, c.b].map(v => Math.round(v * 255))]; }))""")
        kinds_of = page.evaluate("""() => Object.fromEntries(map.queryRenderedFeatures({layers: ['zones-fill', 'zones-fill-own']})
            .map(f => [f.properties.id, f.properties.kind]))""")
        page.screenshot(path="/tmp/qingpu-maplibre-portal.png")
    finally:
        context.close()
    assert problems == []
    assert drawn.get("zones", 0) > 0 and drawn.get("enterprises", 0) > 0
    assert "cluster" in kinds and "core" in kinds
    def rgb(hex_colour):
        return [int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]
    assert set(CLUSTER_COLOURS) <= set(colours)
    for zone_id, got in colours.items():
        assert got == rgb(CLUSTER_COLOURS.get(zone_id) or ZONE_KIND_COLOURS[kinds_of[zone_id]]), zone_id

"""H3 hex bins as vector tiles, against the real PostGIS test database and in headless Chromium.

Enterprises are inserted with SQL here (uscc prefix 91310118HXT…) and removed afterwards. Expected
values come from /analytics/hexbins (the GeoJSON of the same cells) and from shapely on the cell
polygons, so rows other modules leave behind do not break these tests.
"""
import math
import urllib.request

import h3
import mapbox_vector_tile
import numpy as np
import pytest
import shapely
from shapely.geometry import shape
from sqlalchemy import text

from app.core.store import bump_version
from app.core.users import add_user
from layers.registry import HEX_CLASS_COLOURS

PREFIX = "91310118HXT"
CLUSTER = (121.118, 31.158)  # 青浦新城
EMPTY_SPOT = (120.905, 31.012)  # a corner of the district with no planted firms
TILES = "/analytics/hexbins/tiles/WebMercatorQuad"
MVT = "application/vnd.mapbox-vector-tile"


def insert(conn, rows) -> None:
    conn.execute(text(
        "INSERT INTO enterprises (uscc, name, industry_code, plan_industry, employees, output_value, established, "
        "precision, source_crs, synthetic, geom) VALUES (:uscc, :name, '3973', :industry, :employees, :output, 2020, "
        "'exact', 'wgs84', true, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))"),
        [{**r, "uscc": f"{PREFIX}{r['i']:07d}", "name": f"六边形测试企业{r['i']}"} for r in rows])
    bump_version(conn, "enterprises")


@pytest.fixture(scope="module")
def firms(engine):
    rng = np.random.default_rng(7)
    rows = []
    for i in range(400):
        if i < 200:
            lon, lat = rng.normal(CLUSTER[0], 0.012), rng.normal(CLUSTER[1], 0.012)
        else:
            lon, lat = rng.uniform(120.95, 121.28), rng.uniform(31.0, 31.25)
        rows.append({"i": i, "lon": float(lon), "lat": float(lat), "industry": "ic" if i % 3 == 0 else "biomed",
                     "employees": int(rng.integers(5, 900)), "output": float(rng.integers(100, 50000))})
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM enterprises WHERE uscc LIKE :p"), {"p": PREFIX + "%"})
        insert(conn, rows)
    yield rows
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM enterprises WHERE uscc LIKE :p"), {"p": PREFIX + "%"})
        bump_version(conn, "enterprises")


@pytest.fixture(scope="module")
def investor(engine, client):
    add_user(engine, "hex_investor", "investment", "hexbin-pass-1")
    token = client.post("/auth/token", data={"username": "hex_investor", "password": "hexbin-pass-1"}).json()
    return {"Authorization": f"Bearer {token['access_token']}"}


def tile_of(lon, lat, z):
    n = 2 ** z
    return z, int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


def tile_box(z, x, y, margin=0.0):
    """The tile (grown by margin, a fraction of its size) as a lon/lat box, computed here independently."""
    n = 2 ** z

    def lon(tx):
        return tx / n * 360 - 180

    def lat(ty):
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * ty / n))))
    return shapely.box(lon(x - margin), lat(y + 1 + margin), lon(x + 1 + margin), lat(y - margin))


def cells_of(res) -> dict:
    assert res.status_code == 200, res.text
    assert res.headers["content-type"] == MVT
    layers = mapbox_vector_tile.decode(res.content) if res.content else {}
    assert set(layers) <= {"hexbins"}
    features = layers.get("hexbins", {}).get("features", [])
    cells = {f["properties"]["h3"]: f["properties"] for f in features}
    assert len(cells) == len(features)  # one feature per cell
    return cells


def geojson_cells(client, resolution, headers=None, **filters) -> dict:
    query = "&".join([f"resolution={resolution}", *(f"{k}={v}" for k, v in filters.items())])
    body = client.get(f"/analytics/hexbins?{query}", headers=headers or {}).json()
    return {f["properties"]["h3"]: f for f in body["features"]}


# -- the tiles carry the GeoJSON's cells -----------------------------------------------------------
@pytest.mark.parametrize("zoom, resolution", [(10, 7), (11, 7), (12, 8), (13, 8), (14, 9), (15, 9)])
def test_tile_cells_and_counts_equal_the_geojson(client, firms, zoom, resolution):
    z, x, y = tile_of(*CLUSTER, zoom)
    res = client.get(f"{TILES}/{z}/{x}/{y}")
    assert res.headers["x-h3-resolution"] == str(resolution)  # chosen by zoom
    tile = cells_of(res)
    geo = geojson_cells(client, resolution)
    assert tile, "the planted cluster must show"
    assert all(h3.get_resolution(c) == resolution for c in tile)
    for cell, props in tile.items():
        expected = geo[cell]["properties"]
        assert (props["count"], props["employees"], props["band"]) == \
               (expected["count"], expected["employees"], expected["band"]), cell
        assert props["band_class"] == expected["band_class"]
    # every GeoJSON cell meeting the tile is in it; none beyond the tile's buffer (64 of 4096 units)
    inner, outer = tile_box(z, x, y), tile_box(z, x, y, 64 / 4096)
    meeting = {c for c, f in geo.items() if shape(f["geometry"]).intersection(inner).area > 1e-12}
    assert meeting <= set(tile)
    assert all(shape(geo[c]["geometry"]).intersects(outer) for c in tile)


def test_explicit_resolution_and_plan_industry_filter(client, engine, firms):
    z, x, y = tile_of(*CLUSTER, 12)
    res = client.get(f"{TILES}/{z}/{x}/{y}?resolution=9&plan_industry=ic")
    assert res.headers["x-h3-resolution"] == "9"
    tile = cells_of(res)
    geo = geojson_cells(client, 9, plan_industry="ic")
    assert tile and {c: p["count"] for c, p in tile.items()} == {c: geo[c]["properties"]["count"] for c in tile}
    with engine.connect() as conn:  # and independently of the GeoJSON: h3 of every ic row
        rows = conn.execute(text("SELECT ST_X(geom), ST_Y(geom) FROM enterprises WHERE plan_industry = 'ic'")).all()
    per_cell = {}
    for lon, lat in rows:
        c = h3.latlng_to_cell(lat, lon, 9)
        per_cell[c] = per_cell.get(c, 0) + 1
    assert {c: p["count"] for c, p in tile.items()} == {c: per_cell[c] for c in tile}
    unfiltered = cells_of(client.get(f"{TILES}/{z}/{x}/{y}?resolution=9"))
    assert sum(p["count"] for p in unfiltered.values()) > sum(p["count"] for p in tile.values())


def test_zone_filter_bins_only_the_zones_firms(client, engine, firms):
    """`zone=` bins the firms whose zones hold it: equal to /analytics/hexbins?zone= and to an independent
    h3 binning of those rows."""
    from app.enterprises.assignment import assign_all

    z, x, y = tile_of(*CLUSTER, 12)
    with engine.begin() as conn:  # the planted firms were inserted without their zones
        assign_all(conn)
    with engine.connect() as conn:
        zone = conn.execute(text("SELECT z FROM enterprises, unnest(zones) z GROUP BY z ORDER BY count(*) DESC, z LIMIT 1"
                                 )).scalar_one()
        rows = conn.execute(text("SELECT ST_X(geom), ST_Y(geom) FROM enterprises WHERE :z = ANY(zones)"), {"z": zone}).all()
    tile = cells_of(client.get(f"{TILES}/{z}/{x}/{y}?resolution=9&zone={zone}"))
    geo = geojson_cells(client, 9, zone=zone)
    assert tile and {c: p["count"] for c, p in tile.items()} == {c: geo[c]["properties"]["count"] for c in tile}
    per_cell = {}
    for lon, lat in rows:
        c = h3.latlng_to_cell(lat, lon, 9)
        per_cell[c] = per_cell.get(c, 0) + 1
    assert {c: p["count"] for c, p in tile.items()} == {c: per_cell[c] for c in tile}
    body = client.get(f"{TILES}/tilejson.json?zone={zone}").json()
    assert body["tiles"][0].endswith(f"?zone={zone}")


# -- roles -----------------------------------------------------------------------------------------
def test_public_tiles_carry_no_output_value_and_investment_tiles_do(client, firms, investor):
    z, x, y = tile_of(*CLUSTER, 13)
    public = client.get(f"{TILES}/{z}/{x}/{y}")
    cells = cells_of(public)
    assert cells and all(set(p) == {"h3", "count", "employees", "band", "band_class"} for p in cells.values())
    assert public.headers["cache-control"].startswith("public")
    assert "output_value" not in client.get(f"{TILES}/tilejson.json").json()["vector_layers"][0]["fields"]
    staff = client.get(f"{TILES}/{z}/{x}/{y}", headers=investor)
    seen = cells_of(staff)
    assert staff.headers["cache-control"].startswith("private") and "Authorization" in staff.headers["vary"]
    assert staff.headers["etag"] != public.headers["etag"]
    geo = geojson_cells(client, 8, headers=investor)
    for cell, props in seen.items():
        assert props["output_value"] == pytest.approx(geo[cell]["properties"]["output_value"], abs=0.01)
    tilejson = client.get(f"{TILES}/tilejson.json", headers=investor).json()
    assert "output_value" in tilejson["vector_layers"][0]["fields"]


def test_tilejson_names_the_tiles_and_the_resolution_rule(client):
    body = client.get(f"{TILES}/tilejson.json?plan_industry=ic").json()
    assert body["tilejson"] == "3.0.0" and body["vector_layers"][0]["id"] == "hexbins"
    assert body["tiles"][0].endswith(f"{TILES}/{{z}}/{{x}}/{{y}}?plan_industry=ic")
    rule = body["resolution"]["by_zoom"]
    assert [(r["minzoom"], r["maxzoom"], r["resolution"]) for r in rule] == [(0, 11, 7), (12, 13, 8), (14, 22, 9)]
    fixed = client.get(f"{TILES}/tilejson.json?resolution=9").json()
    assert fixed["resolution"] == 9 and fixed["tiles"][0].endswith("?resolution=9")


# -- freshness -------------------------------------------------------------------------------------
def test_an_insert_and_version_bump_changes_the_next_tile(client, engine, firms):
    z, x, y = tile_of(*EMPTY_SPOT, 14)
    url = f"{TILES}/{z}/{x}/{y}"
    cell = h3.latlng_to_cell(EMPTY_SPOT[1], EMPTY_SPOT[0], 9)
    first = client.get(url)
    before = cells_of(first).get(cell, {}).get("count", 0)
    assert client.get(url, headers={"If-None-Match": first.headers["etag"]}).status_code == 304
    try:
        with engine.begin() as conn:
            insert(conn, [{"i": 9000 + k, "lon": EMPTY_SPOT[0], "lat": EMPTY_SPOT[1], "industry": "ic",
                           "employees": 7, "output": 1.0} for k in range(3)])
        after = client.get(url, headers={"If-None-Match": first.headers["etag"]})
        assert after.status_code == 200 and after.headers["etag"] != first.headers["etag"]
        assert cells_of(after)[cell]["count"] == before + 3
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM enterprises WHERE uscc LIKE :p"), {"p": PREFIX + "0009%"})
            bump_version(conn, "enterprises")
    assert cells_of(client.get(url)).get(cell, {}).get("count", 0) == before


def test_a_write_here_refreshes_the_tile_in_another_server_process(live_server, engine, firms):
    z, x, y = tile_of(*EMPTY_SPOT, 13)
    url = f"{live_server}{TILES}/{z}/{x}/{y}"
    cell = h3.latlng_to_cell(EMPTY_SPOT[1], EMPTY_SPOT[0], 8)

    def fetch():
        with urllib.request.urlopen(url, timeout=30) as r:
            body = r.read()
        return (mapbox_vector_tile.decode(body).get("hexbins", {}).get("features", []) if body else [])

    def count():
        return next((f["properties"]["count"] for f in fetch() if f["properties"]["h3"] == cell), 0)
    before = count()
    assert count() == before  # now cached in the server process
    try:
        with engine.begin() as conn:
            insert(conn, [{"i": 9100 + k, "lon": EMPTY_SPOT[0], "lat": EMPTY_SPOT[1], "industry": "ic",
                           "employees": 1, "output": 1.0} for k in range(2)])
        assert count() == before + 2
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM enterprises WHERE uscc LIKE :p"), {"p": PREFIX + "0009%"})
            bump_version(conn, "enterprises")


# -- bad input -------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", [
    f"{TILES}/23/0/0", f"{TILES}/3/8/0", f"{TILES}/3/0/8", f"{TILES}/-1/0/0", f"{TILES}/a/0/0", f"{TILES}/1/0/0.5",
    f"{TILES}/12/3425/1675?resolution=6", f"{TILES}/12/3425/1675?resolution=x",
    f"{TILES}/12/3425/1675?plan_industry=steel", f"{TILES}/12/3425/1675?colour=red",
    f"{TILES}/12/3425/1675?zone=nowhere", f"{TILES}/12/3425/1675?zone=a%20b", f"{TILES}/tilejson.json?zone=nowhere",
    f"{TILES}/tilejson.json?resolution=10"])
def test_bad_parameters_are_a_400_problem_and_change_nothing(client, engine, path):
    with engine.connect() as conn:
        before = conn.execute(text("SELECT version FROM data_versions WHERE collection = 'enterprises'")).scalar()
    res = client.get(path)
    assert res.status_code == 400, res.text
    assert res.headers["content-type"].startswith("application/problem+json")
    assert res.json()["detail"]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version FROM data_versions WHERE collection = 'enterprises'")).scalar() == before


# -- the map ---------------------------------------------------------------------------------------
@pytest.mark.browser
def test_map_hexbin_overlay_draws_cells_from_the_tiles(page, live_server, firms):
    requests, errors = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400
            and not r.url.endswith("/favicon.ico") else None)
    page.goto(f"{live_server}/map")
    page.wait_for_load_state("networkidle")
    assert not any(TILES in u for u in requests)  # fetched only when switched on
    page.locator(".leaflet-control-layers label", has_text="企业密度 H3").locator("input").check()
    page.wait_for_load_state("networkidle")
    page.wait_for_selector(".leaflet-qp-tiled-overlays-pane path")
    tiles = [u for u in requests if TILES in u]
    assert tiles and all(u.startswith(live_server + "/") for u in requests), \
        [u for u in requests if not u.startswith(live_server)]
    assert not any("/analytics/hexbins?" in u for u in requests)  # tiles, not the GeoJSON
    fills = page.evaluate("() => Array.from(document.querySelectorAll('.leaflet-qp-tiled-overlays-pane path'))"
                          ".map(p => p.getAttribute('fill'))")
    assert len(fills) > 5 and {f.upper() for f in fills} <= set(HEX_CLASS_COLOURS) and len(set(fills)) > 1
    # the legend shows the quantile classes of the resolution in view, as the TileJSON gives them
    zoom = page.evaluate("() => window.qpMap.getZoom()")
    meta = client_json(live_server, f"{TILES}/tilejson.json")
    rule = next(r for r in meta["resolution"]["by_zoom"] if r["minzoom"] <= zoom <= r["maxzoom"])
    # the legend is drawn when the TileJSON arrives, which may be after the first tiles
    page.wait_for_selector(".qp-overlay-legend[data-overlay=analytics_hexbins] i")
    legend = page.locator(".qp-overlay-legend[data-overlay=analytics_hexbins]").inner_text()
    assert all(label in legend for label in meta["classes"][str(rule["resolution"])]["labels"]), legend
    # a cell takes a hover tooltip, and a click opens a popup with its count and employees
    point = page.evaluate("""() => {
        for (const p of document.querySelectorAll('.leaflet-qp-tiled-overlays-pane path')) {
          const b = p.getBoundingClientRect(), cx = b.left + b.width / 2, cy = b.top + b.height / 2;
          if (b.width > 8 && document.elementFromPoint(cx, cy) === p) { return [cx, cy]; }
        }
        return null; }""")
    assert point, "no cell is clickable"
    page.mouse.move(*point)  # hovering shows the count and employees
    page.wait_for_selector(".qp-cell-tip")
    assert "家企业" in page.locator(".qp-cell-tip").inner_text()
    page.mouse.click(*point)
    page.wait_for_selector(".leaflet-popup-content")
    popup = page.locator(".leaflet-popup-content").inner_text()
    assert "企业数" in popup and "从业人员" in popup and "产值" not in popup
    assert not errors, errors


def client_json(base, path):
    import json
    import urllib.request

    with urllib.request.urlopen(base + path) as res:
        return json.load(res)


def test_hex_classes_are_quantiles_with_their_breaks_in_the_meta(client, firms):
    body = client.get("/analytics/hexbins?resolution=8").json()
    classes = body["metadata"]["classes"]
    counts = [f["properties"]["count"] for f in body["features"]]
    assert classes["lower"][0] == min(counts) and classes["upper"][-1] == max(counts)
    for f in body["features"]:  # each cell in the class whose breaks hold its count
        p = f["properties"]
        i = classes["labels"].index(p["band"])
        assert classes["lower"][i] <= p["count"] <= classes["upper"][i]
        assert HEX_CLASS_COLOURS[p["band_class"]] == classes["colours"][i]
    # quantiles: the top class is a minority (the fixed 1/2-4/5-9/10-49/50+ bands put half the cells in the top one)
    shares = [sum(1 for c in counts if lo <= c <= hi) / len(counts) for lo, hi in zip(classes["lower"], classes["upper"])]
    assert len(shares) >= 2 and shares[-1] <= 0.4, shares

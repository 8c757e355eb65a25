"""A reference layer imported from a GeoPackage in EPSG:4549 appears in the editor, and a dragged vertex
snaps to it: the boundary the editor sends and saves holds exactly the reference vertex as served."""
import json

import geopandas as gpd
import pytest
from shapely.geometry import LineString
from sqlalchemy import text

from app.core.users import add_user
from app.reference.importer import import_reference_report
from tests.browser.signin import sign_in

ZONE = "park-xujing-industrial"
INWARD_M = 60  # the reference line starts this far inside the park from one of its vertices


@pytest.fixture
def reference_road(engine, tmp_path):
    """A planned road (EPSG:4549) starting 60 m inside the park from the park vertex farthest from every
    other outline (so nothing else is within snapping distance); yields (park vertex, road start) in lon/lat."""
    with engine.connect() as conn:
        row = conn.execute(text("""
            WITH p AS (SELECT ST_Transform(geom, 4549) g FROM zones WHERE id = :id),
                 v AS (SELECT (ST_DumpPoints(p.g)).geom pt, ST_Centroid(p.g) c FROM p),
                 s AS (SELECT pt, ST_Translate(pt, (ST_X(c) - ST_X(pt)) * :m / ST_Distance(pt, c),
                                                   (ST_Y(c) - ST_Y(pt)) * :m / ST_Distance(pt, c)) start FROM v),
                 others AS (SELECT ST_Transform(ST_Boundary(geom), 4549) b FROM zones WHERE id <> :id
                            UNION ALL SELECT ST_Transform(ST_Boundary(geom), 4549) FROM towns
                            UNION ALL SELECT ST_Transform(ST_Boundary(geom), 4549) FROM district)
            SELECT ST_X(pt), ST_Y(pt), ST_X(start), ST_Y(start),
                   (SELECT min(ST_Distance(s.start, o.b)) FROM others o) AS clear
            FROM s ORDER BY clear DESC LIMIT 1"""), {"id": ZONE, "m": INWARD_M}).one()
        vx, vy = conn.execute(text("SELECT ST_X(g), ST_Y(g) FROM (SELECT ST_Transform(ST_SetSRID(ST_Point(:x, :y), "
                                   "4549), 4326) g) s"), {"x": row[0], "y": row[1]}).one()
    assert row[4] > 150, "no park vertex is clear of other outlines"
    # Eastwards from its start, so a pointer released just west of the start is nearest the start itself.
    road = LineString([(row[2], row[3]), (row[2] + 250, row[3] + 20), (row[2] + 500, row[3] - 30)])
    path = tmp_path / "planned_roads.gpkg"
    gpd.GeoDataFrame({"名称": ["规划支路"]}, geometry=[road], crs=4549).to_file(path, driver="GPKG")
    import_reference_report(engine, path, "planned-roads", title="规划道路 Planned roads", kind="road")
    yield (vx, vy)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM reference_layers WHERE name = 'planned-roads'"))


def _pixel(page, lon, lat):
    return page.evaluate("""([lon, lat]) => {
        const m = window.QingpuEditor.map, p = m.latLngToContainerPoint([lat, lon]);
        const r = m.getContainer().getBoundingClientRect();
        return [r.left + p.x, r.top + p.y]; }""", [lon, lat])


def test_a_vertex_dragged_near_a_reference_road_lands_on_its_vertex(live_server, page, engine, reference_road, client):
    add_user(engine, "snap-ui", "planner", "snap-to-the-road-1")
    park_vertex = reference_road
    token = client.post("/auth/token", data={"username": "snap-ui", "password": "snap-to-the-road-1"}).json()
    served = client.get("/collections/reference_lines/items?layer=planned-roads",
                        headers={"Authorization": f"Bearer {token['access_token']}"}).json()["features"]
    start = served[0]["geometry"]["coordinates"][0][0]  # the road's first vertex, as the API serves it

    page.goto(f"{live_server}/edit?zone={ZONE}")
    sign_in(page, "snap-ui", "snap-to-the-road-1", "planner")
    page.wait_for_selector("#history li.version")
    # The layer is listed in the map's layer switcher and drawn.
    page.wait_for_function("window.QingpuEditor.referenceLoaded === 1")
    page.wait_for_selector(".leaflet-control-layers-overlays :text('规划道路 Planned roads')")
    page.evaluate("([lon, lat]) => window.QingpuEditor.map.setView([lat, lon], 17, {animate: false})", park_vertex)
    page.click("#edit-vertices")
    page.wait_for_selector(".leaflet-marker-icon.marker-icon:not(.marker-icon-middle)")
    assert page.locator("#snap").is_checked()

    x, y = _pixel(page, *park_vertex)
    tx, ty = _pixel(page, *start)
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move((x + tx) / 2, (y + ty) / 2, steps=6)
    page.mouse.move(tx - 5, ty + 2, steps=6)  # a few pixels off the road's end: snapping does the rest
    page.mouse.up()

    sent = []
    page.on("request", lambda r: sent.append(r.post_data) if "dryRun=true" in r.url else None)
    page.click("#preview")
    page.wait_for_selector("#impact table")
    rings = json.loads(sent[0])["geometry"]["coordinates"]
    vertices = [tuple(p) for poly in (rings if isinstance(rings[0][0][0], list) else [rings]) for ring in poly for p in ring]
    assert tuple(start) in vertices  # exactly the reference vertex, not merely near it
    assert tuple(park_vertex) not in vertices

    page.fill("#comment", "界面测试：吸附到规划道路")
    page.click("#save")
    page.wait_for_selector("#message:has-text('Saved as version')")
    with engine.connect() as conn:
        stored = conn.execute(text(
            "SELECT count(*) FROM (SELECT (ST_DumpPoints(geom)).geom p FROM zones WHERE id = :id) v "
            "WHERE ST_X(p) = :x AND ST_Y(p) = :y"), {"id": ZONE, "x": start[0], "y": start[1]}).scalar_one()
        ref = conn.execute(text("SELECT ST_AsText(ST_StartPoint(ST_GeometryN(geom, 1))) FROM reference_features "
                                "WHERE layer = 'planned-roads'")).scalar_one()
    assert stored >= 1 and ref == f"POINT({start[0]} {start[1]})"

    # Leave the park as it was for the other tests.
    res = client.get(f"/collections/zones/items/{ZONE}/versions")
    first = [v for v in res.json()["versions"] if "吸附" not in v["comment"]][-1]["version"]
    tag = client.get(f"/collections/zones/items/{ZONE}").headers["etag"]
    undo = client.post(f"/collections/zones/items/{ZONE}/rollback", json={"version": first, "comment": "test cleanup"},
                       headers={"Authorization": f"Bearer {token['access_token']}", "If-Match": tag})
    assert undo.status_code == 200

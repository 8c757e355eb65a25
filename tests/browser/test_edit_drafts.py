"""Drafts in the editor, in Chromium: a planner makes a draft, moves the boundary the logistics and software
clusters share (dragging their common vertex, the second one snapping to the first), sees the moving
enterprises listed and drawn, is asked to confirm the large change, and publishes; the public map shows the
new boundary after publishing and not before."""
import json
import urllib.request

import pytest
from sqlalchemy import text

from app.core.users import add_user
from app.enterprises.assignment import assign_all
from tests.browser.signin import sign_in

GROWS, SHRINKS = "cluster-logistics", "cluster-software"
FIRMS = 4


def _shared_vertex(engine):
    """A vertex the two clusters share (away from the district border), and a point 1.2 km into the
    software cluster from it (lon/lat)."""
    with engine.connect() as conn:
        return conn.execute(text("""
            WITH g AS (SELECT a.geom ag, s.geom sg, (SELECT geom FROM district LIMIT 1) d
                       FROM zones a, zones s WHERE a.id = :g AND s.id = :s),
                 v AS (SELECT (ST_DumpPoints(ag)).geom p, sg, d FROM g),
                 shared AS (SELECT p, sg FROM v WHERE ST_Intersects(p, ST_Boundary(sg))
                            AND NOT ST_DWithin(p::geography, ST_Boundary(d)::geography, 500)),
                 m AS (SELECT ST_Transform(p, 4549) p, ST_Transform(ST_PointOnSurface(sg), 4549) c FROM shared)
            SELECT ST_X(ST_Transform(p, 4326)), ST_Y(ST_Transform(p, 4326)),
                   ST_X(t), ST_Y(t) FROM (SELECT p, ST_Transform(ST_Translate(p, (ST_X(c) - ST_X(p)) * 1200 /
                       ST_Distance(p, c), (ST_Y(c) - ST_Y(p)) * 1200 / ST_Distance(p, c)), 4326) t FROM m) q
            ORDER BY ST_X(p) LIMIT 1"""), {"g": GROWS, "s": SHRINKS}).one()


def _pixel(page, lon, lat):
    return page.evaluate("""([lon, lat]) => {
        const m = window.QingpuEditor.map, p = m.latLngToContainerPoint([lat, lon]);
        const r = m.getContainer().getBoundingClientRect();
        return [r.left + p.x, r.top + p.y]; }""", [lon, lat])


def _drag(page, frm, to, offset=(0, 0)):
    x, y = _pixel(page, *frm)
    tx, ty = _pixel(page, *to)
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move((x + tx) / 2, (y + ty) / 2, steps=6)
    page.mouse.move(tx + offset[0], ty + offset[1], steps=6)
    page.mouse.up()


def _open_zone(page, zone, around):
    page.select_option("#zone-select", zone)
    page.wait_for_function("z => window.QingpuEditor.state.zone && window.QingpuEditor.state.zone.id === z", arg=zone)
    page.wait_for_selector("#zone-info:has-text('in draft')")
    page.evaluate("([lon, lat]) => window.QingpuEditor.map.setView([lat, lon], 14, {animate: false})", around)
    page.click("#edit-vertices")
    page.wait_for_selector(".leaflet-marker-icon.marker-icon:not(.marker-icon-middle)")


def _public_map(live_server) -> str:
    with urllib.request.urlopen(f"{live_server}/map") as res:
        return res.read().decode()


@pytest.fixture
def gained_firms(engine):
    made = []

    def place(region_geojson):
        with engine.begin() as conn:
            pts = conn.execute(text("SELECT ST_X(g), ST_Y(g) FROM (SELECT (ST_Dump(ST_GeneratePoints("
                                    "ST_GeomFromGeoJSON(:r), :n, 3))).geom g) p"), {"r": region_geojson, "n": FIRMS}).all()
            for i, (x, y) in enumerate(pts, start=1):
                conn.execute(text(
                    "INSERT INTO enterprises (uscc, name, industry_code, plan_industry, precision, source_crs, geom) "
                    "VALUES (:u, :n, '5429', 'logistics', 'exact', 'wgs84', ST_SetSRID(ST_MakePoint(:x, :y), 4326))"),
                    {"u": f"E6DRAFTUI0000000{i:02d}", "n": f"方案界面测试物流{i}", "x": x, "y": y})
                made.append(f"方案界面测试物流{i}")
            assign_all(conn)
        return made
    yield place
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM enterprises WHERE uscc LIKE 'E6DRAFTUI%'"))
        assign_all(conn)


def test_a_planner_moves_a_shared_boundary_in_a_draft_and_publishes(live_server, page, engine, client, gained_firms):
    add_user(engine, "draft-ui", "planner", "publish-the-plan-1")
    token = client.post("/auth/token", data={"username": "draft-ui", "password": "publish-the-plan-1"}).json()
    auth = {"Authorization": f"Bearer {token['access_token']}"}
    versions = {z: client.get(f"/collections/zones/items/{z}").json()["properties"]["version"] for z in (GROWS, SHRINKS)}
    px, py, tx, ty = _shared_vertex(engine)

    page.goto(f"{live_server}/edit")
    sign_in(page, "draft-ui", "publish-the-plan-1", "planner")
    page.wait_for_selector("#draft-box:not([hidden])")
    page.fill("#draft-name", "界面测试方案：物流组团西扩")
    page.click("#draft-new")
    page.wait_for_selector("#draft-info:has-text('Editing draft')")
    draft_id = int(page.locator("#draft-select").input_value())

    # 1. The logistics cluster's shared vertex goes 1.2 km into the software cluster.
    _open_zone(page, GROWS, (px, py))
    _drag(page, (px, py), (tx, ty))
    page.click("#save")
    page.wait_for_selector("#message:has-text('Saved in draft')")
    draft_items = f"/collections/zones.draft-{draft_id}/items"
    grown = client.get(f"{draft_items}/{GROWS}", headers=auth).json()["geometry"]
    ring = [tuple(p) for poly in grown["coordinates"] for r in poly for p in r]
    assert (px, py) not in ring
    moved_to = min(ring, key=lambda p: (p[0] - tx) ** 2 + (p[1] - ty) ** 2)

    # 2. The software cluster's copy of that vertex is dragged near the new one and snaps onto it exactly.
    _open_zone(page, SHRINKS, (px, py))
    page.wait_for_timeout(300)
    _drag(page, (px, py), moved_to, offset=(4, -3))
    page.click("#save")
    page.wait_for_selector("#message:has-text('Saved in draft')")
    shrunk = client.get(f"{draft_items}/{SHRINKS}", headers=auth).json()["geometry"]
    assert moved_to in [tuple(p) for poly in shrunk["coordinates"] for r in poly for p in r]

    # Firms in the area that changed hands, then the comparison lists and draws them.
    with engine.connect() as conn:
        region = conn.execute(text("SELECT ST_AsGeoJSON(ST_Difference(ST_GeomFromGeoJSON(:a), geom)) FROM zones "
                                   "WHERE id = :g"), {"a": json.dumps(grown), "g": GROWS}).scalar_one()
    names = gained_firms(region)
    page.click("#draft-compare")
    page.wait_for_selector(f"#impact tr.firm:has-text('{names[0]}')")
    listed = page.locator("#impact tr.firm").all_inner_texts()
    for name in names:
        row = next(t for t in listed if name in t)
        # primary zone from → to, by name (徐泾/赵巷 also lie in the expo cluster, which counted them before)
        assert row.rstrip().endswith("→ 智慧物流组团") and "cluster-" not in row
    assert page.evaluate("window.QingpuEditor.movingDrawn") >= FIRMS

    before_publish = _public_map(live_server)
    moved_text = f"{moved_to[0]}, {moved_to[1]}"
    assert moved_text not in before_publish  # the public map does not show the draft
    assert client.get(f"/collections/zones/items/{GROWS}").json()["properties"]["version"] == versions[GROWS]

    # 3. Publishing asks first, naming the large change, then publishes.
    page.click("#draft-publish")
    page.wait_for_selector("#confirm[open]")
    assert "Confirm a large change" in page.locator("#confirm-title").inner_text()
    body = page.locator("#confirm-body").inner_text()
    assert "Large change" in body and "智慧物流组团" in body
    page.click("#confirm-ok")
    page.wait_for_selector("#message:has-text('Published draft')")
    assert moved_text in _public_map(live_server)
    published = client.get(f"/collections/zones/items/{GROWS}").json()
    assert published["properties"]["version"] == versions[GROWS] + 1
    with engine.connect() as conn:
        primary = dict(conn.execute(text("SELECT name, primary_zone FROM enterprises WHERE uscc LIKE 'E6DRAFTUI%'")).all())
    assert set(primary.values()) == {GROWS}

    # Leave the two clusters as they were for the other tests.
    for zone in (GROWS, SHRINKS):
        tag = client.get(f"/collections/zones/items/{zone}").headers["etag"]
        undo = client.post(f"/collections/zones/items/{zone}/rollback", headers={**auth, "If-Match": tag},
                           json={"version": versions[zone], "comment": "test cleanup"})
        assert undo.status_code == 200, undo.text

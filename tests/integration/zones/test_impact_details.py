"""details=true on zone edits: the enterprises a change moves by name (checked against PostGIS), the gained
and lost areas, and overlaps between clusters the change creates."""
import json

import pytest
from shapely.geometry import shape
from sqlalchemy import text

from app.enterprises.assignment import assign_all
from app.zones.store import apply_change, current, etag

GROWS, SHRINKS = "cluster-logistics", "cluster-software"  # neighbours along a 9.8 km border


@pytest.fixture
def border_firms(engine):
    """Three firms in 徐泾/赵巷 within 800 m of the border with the logistics cluster, and the region they lie in."""
    with engine.begin() as conn:
        region = conn.execute(text("""
            WITH b AS (SELECT ST_LineMerge(ST_Intersection(ST_Boundary(a.geom), ST_Boundary(s.geom))) line,
                              s.geom sg FROM zones a, zones s WHERE a.id = :g AND s.id = :s)
            SELECT ST_AsGeoJSON(ST_Intersection(sg, ST_Buffer(ST_PointOnSurface(line)::geography, 800)::geometry), 7)
            FROM b"""), {"g": GROWS, "s": SHRINKS}).scalar_one()
        points = conn.execute(text("SELECT ST_X(g), ST_Y(g) FROM (SELECT (ST_Dump(ST_GeneratePoints("
                                   "ST_GeomFromGeoJSON(:r), 3, 7))).geom g) p"), {"r": region}).all()
        for i, (x, y) in enumerate(points, start=1):
            conn.execute(text(
                "INSERT INTO enterprises (uscc, name, industry_code, plan_industry, precision, source_crs, geom) "
                "VALUES (:u, :n, '5429', 'logistics', 'exact', 'wgs84', ST_SetSRID(ST_MakePoint(:x, :y), 4326))"),
                {"u": f"E5BORDER00000000{i:02d}", "n": f"边界物流测试{i}", "x": x, "y": y})
        assign_all(conn)
    yield shape(json.loads(region))
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM enterprises WHERE uscc LIKE 'E5BORDER%'"))
        assign_all(conn)


def test_a_preview_names_the_moving_firms_and_warns_of_the_new_overlap(client, engine, planner_auth, border_firms):
    res = client.get(f"/collections/zones/items/{GROWS}")
    feature, tag = res.json(), res.headers["etag"]
    grown = shape(feature["geometry"]).union(border_firms)
    body = {"type": "Feature", "geometry": grown.__geo_interface__, "properties": feature["properties"],
            "comment": "preview"}
    res = client.put(f"/collections/zones/items/{GROWS}?dryRun=true&details=true", json=body,
                     headers={**planner_auth, "If-Match": tag})
    assert res.status_code == 200, res.text
    details = res.json()["details"]
    moving = {f["uscc"]: f for f in details["enterprises"]}
    with engine.connect() as conn:  # PostGIS on its own: which firms does the grown zone contain newly?
        expected = set(conn.execute(text(
            "SELECT uscc FROM enterprises WHERE ST_Contains(ST_GeomFromGeoJSON(:g), geom) "
            "AND NOT (:z = ANY(zones))"), {"g": json.dumps(grown.__geo_interface__), "z": GROWS}).scalars())
        version = conn.execute(text("SELECT version FROM zones WHERE id = :z"), {"z": GROWS}).scalar_one()
    # the three border firms, and any other test's firm that happens to lie in the region
    assert {f"E5BORDER00000000{i:02d}" for i in range(1, 4)} <= expected
    assert set(moving) == expected
    firm = moving["E5BORDER0000000001"]
    assert firm["name"] == "边界物流测试1" and firm["direction"] == "in"
    assert SHRINKS in firm["zones_before"] and GROWS not in firm["zones_before"] and GROWS in firm["zones_after"]
    assert firm["primary_after"] == GROWS and firm["reason"]  # a logistics firm counts first in the logistics cluster
    assert details["members_after"] - details["members_before"] == len(expected)
    assert shape(details["gained"]).area == pytest.approx(border_firms.difference(shape(feature["geometry"])).area,
                                                          rel=1e-3)
    # 徐泾 and 赵巷 are in the expo cluster too: the grown cluster now overlaps both more.
    overlaps = {o["zone"]: o for o in details["new_overlaps"]}
    assert set(overlaps) == {SHRINKS, "cluster-expo"}
    gained_km2 = res.json()["area"]["gained_km2"]
    assert gained_km2 > 0.5
    assert overlaps[SHRINKS]["after_km2"] - overlaps[SHRINKS]["before_km2"] == pytest.approx(gained_km2, rel=0.01)
    assert details["zone_names"][SHRINKS] == "软件信息服务组团"
    with engine.connect() as conn:  # a preview writes nothing
        assert conn.execute(text("SELECT version FROM zones WHERE id = :z"), {"z": GROWS}).scalar_one() == version


def test_details_must_be_a_word(client, planner_auth):
    res = client.get(f"/collections/zones/items/{GROWS}")
    res = client.put(f"/collections/zones/items/{GROWS}?dryRun=true&details=maybe", json=res.json(),
                     headers={**planner_auth, "If-Match": res.headers["etag"]})
    assert res.status_code == 400 and "details must be true or false" in res.json()["detail"]


def test_a_dry_run_reports_what_the_save_does_without_writing_an_enterprise(engine, border_firms):
    def change(conn, dry_run):
        state = current(conn, GROWS)
        grown = state.geom.union(border_firms)
        return apply_change(conn, "update", GROWS, "tester", "grow", dict(state.attrs), grown,
                            if_match=etag(GROWS, state.version), details=True, dry_run=dry_run)

    def zones_of_the_border_firms(conn):  # as stored, inside the change's transaction
        return conn.execute(text("SELECT count(*) FILTER (WHERE :z = ANY(zones)), count(*) FILTER (WHERE "
                                 "updated_at = now()) FROM enterprises WHERE uscc LIKE 'E5BORDER%'"),
                            {"z": GROWS}).one()
    with engine.connect() as conn:
        with conn.begin() as tx:
            preview = change(conn, dry_run=True)
            assert tuple(zones_of_the_border_firms(conn)) == (0, 0)  # not written
            tx.rollback()
        with conn.begin() as tx:
            saved = change(conn, dry_run=False)
            assert tuple(zones_of_the_border_firms(conn)) == (3, 3)
            tx.rollback()
    assert preview["enterprises"] == saved["enterprises"] and preview["area"] == saved["area"]
    assert preview["details"] == saved["details"]
    assert {f"E5BORDER00000000{i:02d}" for i in range(1, 4)} <= {f["uscc"] for f in preview["details"]["enterprises"]}

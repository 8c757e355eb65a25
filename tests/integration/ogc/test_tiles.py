"""Vector tiles: they decode with mapbox-vector-tile, carry only the role's fields, revalidate by ETag
and are never older than the last edit."""
import math

import mapbox_vector_tile
import pytest
from sqlalchemy import text

from app.core.store import bump_version
from tests.integration.ogc.ogc_seed import NAMED, SECRET_OUTPUT, seed_enterprises


@pytest.fixture(scope="module", autouse=True)
def seeded(engine):
    return seed_enterprises(engine)


@pytest.fixture(scope="module")
def investor(client, engine):
    from app.core.users import add_user

    add_user(engine, "tile-investor", "investment", "investor-pass-2")
    token = client.post("/auth/token", data={"username": "tile-investor", "password": "investor-pass-2"}).json()
    return {"Authorization": f"Bearer {token['access_token']}"}


def tile_of(lon, lat, z):
    n = 2 ** z
    return z, int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


def decode(res):
    assert res.status_code == 200, res.text
    assert res.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    return mapbox_vector_tile.decode(res.content)


HUAXIN = NAMED[0]


@pytest.mark.parametrize("cid", ["district", "towns", "zones", "corridor_routes", "stations", "enterprises"])
def test_every_collection_has_tiles_that_decode(client, cid):
    z, x, y = tile_of(121.12, 31.16, 10)
    layers = decode(client.get(f"/collections/{cid}/tiles/WebMercatorQuad/{z}/{x}/{y}"))
    assert list(layers) == [cid] and layers[cid]["features"]
    assert layers[cid]["extent"] == 4096


def test_detail_tile_has_the_enterprise_with_public_fields_only(client, investor):
    z, x, y = tile_of(HUAXIN[2], HUAXIN[3], 16)
    url = f"/collections/enterprises/tiles/WebMercatorQuad/{z}/{x}/{y}"
    public = decode(client.get(url))["enterprises"]["features"]
    mine = [f for f in public if f["properties"]["id"] == HUAXIN[0]]
    assert mine and mine[0]["properties"]["name"] == HUAXIN[1]
    assert all("output_value" not in f["properties"] for f in public)
    res = client.get(url, headers=investor)
    seen = [f for f in decode(res)["enterprises"]["features"] if f["properties"]["id"] == HUAXIN[0]]
    assert seen[0]["properties"]["output_value"] == SECRET_OUTPUT
    assert res.headers["cache-control"].startswith("private")


def test_low_zoom_tiles_merge_points_and_count_them_all(client, seeded):
    total = 0
    for z, x, y in [tile_of(121.0, 31.1, 6)]:
        feats = decode(client.get(f"/collections/enterprises/tiles/WebMercatorQuad/{z}/{x}/{y}"))["enterprises"]["features"]
        assert all(set(f["properties"]) == {"point_count"} for f in feats)
        total += sum(f["properties"]["point_count"] for f in feats)
    with client.app.state.engine.connect() as conn:
        assert total == conn.execute(text("SELECT count(*) FROM enterprises")).scalar_one()


def test_plan_industry_filter_counts_only_that_family_at_low_and_high_zoom(client, engine):
    from plan.site_rules import industry_family

    with engine.begin() as conn:  # some biomedicine firms (the seed has no plan industry), undone at the end
        conn.execute(text("UPDATE enterprises SET plan_industry = 'biomed' WHERE uscc = :u OR uscc LIKE '%3'"),
                     {"u": HUAXIN[0]})
        bump_version(conn, "enterprises")
        want = conn.execute(text("SELECT count(*) FROM enterprises WHERE plan_industry = ANY(:i)"),
                            {"i": list(industry_family("biomed"))}).scalar_one()
    try:
        assert 1 < want < 200
        z, x, y = tile_of(121.0, 31.1, 6)
        layers = decode(client.get(f"/tiles/WebMercatorQuad/{z}/{x}/{y}?collections=enterprises,zones&plan_industry=biomed"))
        assert sum(f["properties"]["point_count"] for f in layers["enterprises"]["features"]) == want
        assert layers["zones"]["features"]  # layers without the field stay whole
        z, x, y = tile_of(HUAXIN[2], HUAXIN[3], 16)
        url = f"/collections/enterprises/tiles/WebMercatorQuad/{z}/{x}/{y}"
        found = decode(client.get(url + "?plan_industry=biomed"))["enterprises"]["features"]
        assert HUAXIN[0] in {f["properties"]["id"] for f in found}
        assert {f["properties"]["plan_industry"] for f in found} == {"biomed"}
        assert not decode(client.get(url + "?plan_industry=expo")).get("enterprises")
    finally:
        with engine.begin() as conn:
            conn.execute(text("UPDATE enterprises SET plan_industry = NULL WHERE uscc LIKE 'T%'"))
            bump_version(conn, "enterprises")


def test_zone_filter_counts_the_zones_firms_and_follows_a_reassignment(client, engine):
    """`zone=` keeps the points whose zones hold it, at low zoom (counted cells) and at detail zoom; when
    assignments change without any point moving (what a zone edit does), the filtered counts follow."""
    def in_zone(conn):
        return conn.execute(text("SELECT count(*) FROM enterprises WHERE 'core' = ANY(zones)")).scalar_one()

    z, x, y = tile_of(121.0, 31.1, 6)
    url = f"/tiles/WebMercatorQuad/{z}/{x}/{y}?collections=enterprises,zones&zone=core"
    with engine.connect() as conn:
        want = in_zone(conn)
        everyone = conn.execute(text("SELECT count(*) FROM enterprises")).scalar_one()
    assert 0 < want < everyone
    layers = decode(client.get(url))
    assert sum(f["properties"]["point_count"] for f in layers["enterprises"]["features"]) == want
    assert layers["zones"]["features"]  # layers without `zones` stay whole
    hz, hx, hy = tile_of(HUAXIN[2], HUAXIN[3], 16)
    with engine.connect() as conn:
        huaxin_zones = conn.execute(text("SELECT zones FROM enterprises WHERE uscc = :u"), {"u": HUAXIN[0]}).scalar_one()
    assert huaxin_zones, "the seeded firm in 华新镇 lies in some zone"
    detail = f"/collections/enterprises/tiles/WebMercatorQuad/{hz}/{hx}/{hy}"
    ids = {f["properties"]["id"] for f in decode(client.get(f"{detail}?zone={huaxin_zones[0]}"))["enterprises"]["features"]}
    assert HUAXIN[0] in ids
    assert HUAXIN[0] not in {f["properties"]["id"] for f in
                             decode(client.get(f"{detail}?zone=core")).get("enterprises", {"features": []})["features"]}
    with engine.begin() as conn:  # assignments change, no point moves: the points version stays
        conn.execute(text("UPDATE enterprises SET zones = array_remove(zones, 'core') WHERE uscc IN "
                          "(SELECT uscc FROM enterprises WHERE 'core' = ANY(zones) ORDER BY uscc LIMIT 2)"))
        bump_version(conn, "enterprises")
    try:
        layers = decode(client.get(url))
        assert sum(f["properties"]["point_count"] for f in layers["enterprises"]["features"]) == want - 2
    finally:
        with engine.begin() as conn:
            from app.enterprises.assignment import assign_all
            assign_all(conn)
    bad = client.get(url.replace("zone=core", "zone=nowhere"))
    assert bad.status_code == 400 and bad.headers["content-type"].startswith("application/problem+json")
    assert "cluster-expo" in bad.json()["detail"]


def test_multi_layer_tile_holds_one_layer_per_collection(client):
    z, x, y = tile_of(121.12, 31.16, 11)
    layers = decode(client.get(f"/tiles/WebMercatorQuad/{z}/{x}/{y}?collections=zones,stations,enterprises"))
    assert set(layers) == {"zones", "stations", "enterprises"}


def test_public_tiles_are_cacheable_and_revalidate_with_etag(client):
    z, x, y = tile_of(121.12, 31.16, 12)
    url = f"/collections/zones/tiles/WebMercatorQuad/{z}/{x}/{y}"
    res = client.get(url)
    assert res.headers["cache-control"].startswith("public")
    again = client.get(url, headers={"If-None-Match": res.headers["etag"]})
    assert again.status_code == 304 and not again.content


def test_an_edit_is_visible_in_the_next_tile(client, engine):
    """The tile is cached; an edit that bumps the data version must show up at once."""
    z, x, y = tile_of(HUAXIN[2], HUAXIN[3], 17)
    url = f"/collections/enterprises/tiles/WebMercatorQuad/{z}/{x}/{y}"
    before = decode(client.get(url))["enterprises"]["features"]
    etag = client.get(url).headers["etag"]
    assert [f["properties"]["name"] for f in before if f["properties"]["id"] == HUAXIN[0]] == [HUAXIN[1]]
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE enterprises SET name = '改名后的企业' WHERE uscc = :u"), {"u": HUAXIN[0]})
            bump_version(conn, "enterprises")
        res = client.get(url, headers={"If-None-Match": etag})
        assert res.status_code == 200 and res.headers["etag"] != etag
        after = decode(res)["enterprises"]["features"]
        assert [f["properties"]["name"] for f in after if f["properties"]["id"] == HUAXIN[0]] == ["改名后的企业"]
    finally:
        with engine.begin() as conn:
            conn.execute(text("UPDATE enterprises SET name = :n WHERE uscc = :u"), {"n": HUAXIN[1], "u": HUAXIN[0]})
            bump_version(conn, "enterprises")


def test_low_zoom_counts_follow_an_insert(client, engine):
    z, x, y = tile_of(121.0, 31.1, 6)
    url = f"/collections/enterprises/tiles/WebMercatorQuad/{z}/{x}/{y}"
    def count():
        return sum(f["properties"]["point_count"] for f in decode(client.get(url))["enterprises"]["features"])
    before = count()
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO enterprises (uscc, name, industry_code, precision, source_crs, geom) "
                              "VALUES ('X00000000000000001', '临时企业', '3901', 'exact', 'wgs84', "
                              "ST_SetSRID(ST_MakePoint(121.1, 31.15), 4326))"))
            bump_version(conn, "enterprises")
        assert count() == before + 1
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM enterprises WHERE uscc = 'X00000000000000001'"))
            bump_version(conn, "enterprises")
    assert count() == before


def test_tilejson_documents(client):
    doc = client.get("/collections/enterprises/tiles/WebMercatorQuad/tilejson.json").json()
    assert doc["tilejson"] == "3.0.0" and doc["tiles"][0].endswith("/collections/enterprises/tiles/WebMercatorQuad/{z}/{x}/{y}")
    assert "output_value" not in doc["vector_layers"][0]["fields"]
    multi = client.get("/tiles/WebMercatorQuad/tilejson.json?collections=zones,enterprises").json()
    assert [v["id"] for v in multi["vector_layers"]] == ["zones", "enterprises"]


@pytest.mark.parametrize("url, status", [
    ("/collections/enterprises/tiles/WebMercatorQuad/3/8/0", 404),
    ("/collections/enterprises/tiles/WebMercatorQuad/23/0/0", 404),
    ("/collections/nosuch/tiles/WebMercatorQuad/3/1/1", 404),
    ("/collections/enterprises/tiles/WebMercatorQuad/3/1/1?foo=1", 400),
    ("/collections/enterprises/tiles/WebMercatorQuad/3/1/1?plan_industry=nosuch", 400),
    ("/tiles/WebMercatorQuad/3/1/1?collections=zones,nosuch", 404),
    ("/collections/sites/tiles/WebMercatorQuad/3/1/1", 404),  # investment-only collection, hidden from the public
])
def test_bad_tile_requests(client, url, status):
    res = client.get(url)
    if "sites" in url and "sites" not in __import__("layers.registry", fromlist=["LAYERS"]).LAYERS:
        pytest.skip("the sites collection is not registered")
    assert res.status_code == status and res.headers["content-type"].startswith("application/problem+json")


def test_another_process_serves_the_edit_at_once(live_server, engine):
    """The live server is a separate process with its own tile cache: the edit made here must reach it."""
    import httpx

    z, x, y = tile_of(NAMED[1][2], NAMED[1][3], 17)
    url = f"{live_server}/collections/enterprises/tiles/WebMercatorQuad/{z}/{x}/{y}"
    def names():
        return [f["properties"]["name"] for f in decode(httpx.get(url))["enterprises"]["features"]
                         if f["properties"]["id"] == NAMED[1][0]]
    assert names() == [NAMED[1][1]] and names() == [NAMED[1][1]]  # second one from its cache
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE enterprises SET name = '跨进程改名' WHERE uscc = :u"), {"u": NAMED[1][0]})
            bump_version(conn, "enterprises")
        assert names() == ["跨进程改名"]
    finally:
        with engine.begin() as conn:
            conn.execute(text("UPDATE enterprises SET name = :n WHERE uscc = :u"), {"n": NAMED[1][1], "u": NAMED[1][0]})
            bump_version(conn, "enterprises")


def test_a_zone_edit_keeps_low_zoom_point_tiles_and_a_moved_point_shows_at_once(client, engine, planner_auth):
    """Low-zoom point counts key on the points version: a zone edit (assignments only) keeps the tile, its
    ETag and the pyramid; moving an enterprise by plain SQL (no app code bumping anything) changes the tile."""
    z, x, y = tile_of(HUAXIN[2], HUAXIN[3], 11)
    url = f"/collections/enterprises/tiles/WebMercatorQuad/{z}/{x}/{y}"
    detail = "/collections/enterprises/tiles/WebMercatorQuad/{}/{}/{}".format(*tile_of(HUAXIN[2], HUAXIN[3], 16))
    first = client.get(url)
    counts = sum(f["properties"]["point_count"] for f in decode(first)["enterprises"]["features"])
    detail_etag = client.get(detail).headers["etag"]
    grids = client.app.state.tile_grids
    pyramid = grids._grids[("enterprises", None, None)][1]
    zone = client.get("/collections/zones/items/core")
    feature = zone.json()
    res = client.put("/collections/zones/items/core", json={**feature, "comment": "tile check"},
                     headers={**planner_auth, "If-Match": zone.headers["etag"]})
    assert res.status_code == 200, res.text
    again = client.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304  # same points: same tile, same tag
    assert grids._grids[("enterprises", None, None)][1] is pyramid  # not rebuilt
    assert client.get(detail).headers["etag"] != detail_etag  # detail tiles carry primary_zone: new tag
    try:
        with engine.begin() as conn:  # far away: leaves this tile
            conn.execute(text("UPDATE enterprises SET geom = ST_SetSRID(ST_MakePoint(120.9, 31.25), 4326) "
                              "WHERE uscc = :u"), {"u": HUAXIN[0]})
        moved = client.get(url, headers={"If-None-Match": first.headers["etag"]})
        assert moved.status_code == 200
        assert sum(f["properties"]["point_count"] for f in decode(moved)["enterprises"]["features"]) == counts - 1
    finally:
        with engine.begin() as conn:
            conn.execute(text("UPDATE enterprises SET geom = ST_SetSRID(ST_MakePoint(:x, :y), 4326) WHERE uscc = :u"),
                         {"x": HUAXIN[2], "y": HUAXIN[3], "u": HUAXIN[0]})
    assert sum(f["properties"]["point_count"] for f in decode(client.get(url))["enterprises"]["features"]) == counts


def test_every_point_layer_table_bumps_its_points_version(engine):
    """The low-zoom tiles of every Point layer trust `<layer>:points`: its table must carry the trigger."""
    from layers.registry import LAYERS

    with engine.connect() as conn:  # tgtype bits: 4 INSERT, 8 DELETE, 16 UPDATE, 32 TRUNCATE
        events = dict(conn.execute(text(
            "SELECT c.relname, bit_or(t.tgtype::int & 60) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_proc p ON p.oid = t.tgfoid WHERE p.proname IN ('bump_points_version', 'log_points_written', "
            "'log_points_updated') AND t.tgtype::int & 1 = 0 GROUP BY c.relname")).all())
    points = {layer.table for layer in LAYERS.values() if layer.geometry_type == "Point"}
    assert points and all(events.get(table) == 60 for table in points), events


def _district_count(client, query=""):
    """Points counted in the zoom-6 tile that holds the whole district (118.1–123.8° E)."""
    z, x, y = tile_of(121.1, 31.1, 6)
    features = decode(client.get(f"/collections/enterprises/tiles/WebMercatorQuad/{z}/{x}/{y}{query}"))
    return sum(f["properties"]["point_count"] for f in features.get("enterprises", {}).get("features", []))


def _fresh_pyramid(engine, industries=None):
    from app.core.store import points_version_key
    from app.ogc.features import point_coordinates
    from app.ogc.tiles import POINT_DETAIL_ZOOM
    from gis.point_grid import PointGrid
    from layers.registry import LAYERS

    with engine.connect() as conn:
        _, lon, lat = point_coordinates(conn, LAYERS["enterprises"], points_version_key("enterprises"), industries)
    return PointGrid.build(lon, lat, POINT_DETAIL_ZOOM - 1)


def test_moved_added_and_removed_enterprises_update_the_pyramids_in_place(client, engine):
    """Changes made by plain SQL (no app code) are logged by the table's triggers: each pyramid, the whole
    layer's and an industry's, is adjusted from the log, not built again, and equals one built from every
    point; a version the log does not cover (a bump by hand, a statement of more than 20,000 points) makes
    the process read every point again."""
    everyone, biomed = _district_count(client), _district_count(client, "?plan_industry=biomed")
    grids = client.app.state.tile_grids
    builds, updates = grids.builds, grids.updates
    extra = ("T99999999999999991", "T99999999999999992")
    insert = ("INSERT INTO enterprises (uscc, name, industry_code, plan_industry, precision, source_crs, geom) "
              "VALUES (:u, '日志测试企业', '2761', :p, 'exact', 'wgs84', ST_SetSRID(ST_MakePoint(:x, :y), 4326))")
    try:
        with engine.begin() as conn:
            conn.execute(text(insert), {"u": extra[0], "p": "biomed", "x": 121.05, "y": 31.15})
            conn.execute(text(insert), {"u": extra[1], "p": None, "x": 121.10, "y": 31.05})
        with engine.begin() as conn:
            conn.execute(text("UPDATE enterprises SET geom = ST_SetSRID(ST_MakePoint(121.0, 31.2), 4326) "
                              "WHERE uscc = :u"), {"u": HUAXIN[0]})
            conn.execute(text("UPDATE enterprises SET plan_industry = 'biomed' WHERE uscc = :u"), {"u": extra[1]})
            conn.execute(text("DELETE FROM enterprises WHERE uscc = :u"), {"u": extra[0]})
        assert _district_count(client) == everyone + 1
        assert _district_count(client, "?plan_industry=biomed") == biomed + 1
        assert (grids.builds, grids.updates) == (builds, updates + 2)  # both pyramids adjusted, none rebuilt
        for industries, key in ((None, None), (("biomed",), ("biomed",))):
            from plan.site_rules import industry_family

            held = grids._grids[("enterprises", key and tuple(industry_family("biomed")), None)][1]
            fresh = _fresh_pyramid(engine, key and tuple(industry_family("biomed")))
            for z in range(len(fresh.keys)):
                assert held.keys[z].tolist() == fresh.keys[z].tolist() and \
                    held.counts[z].tolist() == fresh.counts[z].tolist(), f"zoom {z}"

        with engine.begin() as conn:  # a bump nobody logged: rebuilt, still right
            conn.execute(text("UPDATE data_versions SET version = version + 1 WHERE collection = 'enterprises:points'"))
        assert _district_count(client) == everyone + 1
        assert grids.builds == builds + 1
        with engine.begin() as conn:  # 20,001 points in one statement: too many to log
            conn.execute(text(
                "INSERT INTO enterprises (uscc, name, industry_code, precision, source_crs, geom) "
                "SELECT 'L' || lpad(i::text, 17, '0'), '批量' || i, '2761', 'exact', 'wgs84', "
                "ST_SetSRID(ST_MakePoint(121.0 + i * 1e-6, 31.1), 4326) FROM generate_series(1, 20001) i"))
            assert conn.execute(text(
                "SELECT count(*) FROM point_changes WHERE collection = 'enterprises:points' AND version = "
                "(SELECT version FROM data_versions WHERE collection = 'enterprises:points')")).scalar() == 0
        assert _district_count(client) == everyone + 1 + 20001
        assert grids.builds == builds + 2
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM enterprises WHERE uscc LIKE 'L%' OR uscc = ANY(:u)"), {"u": list(extra)})
            conn.execute(text("UPDATE enterprises SET geom = ST_SetSRID(ST_MakePoint(:x, :y), 4326) WHERE uscc = :u"),
                         {"x": HUAXIN[2], "y": HUAXIN[3], "u": HUAXIN[0]})
    assert _district_count(client) == everyone


def test_a_re_assignment_logs_no_point_change(engine):
    """Zone edits and bulk re-assignments rewrite assignment columns only: nothing reaches the log."""
    from app.enterprises.assignment import assign_all

    with engine.begin() as conn:
        before = conn.execute(text("SELECT count(*), max(version) FROM point_changes")).one()
        conn.execute(text("UPDATE enterprises SET zones = '{}', primary_zone = NULL WHERE uscc LIKE 'T%'"))
        assign_all(conn)
        assert conn.execute(text("SELECT count(*), max(version) FROM point_changes")).one() == before

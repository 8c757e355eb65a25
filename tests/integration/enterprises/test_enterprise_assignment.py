"""Zone assignment in PostGIS: overlapping clusters, zone edits, and the enterprises collection."""
import pytest
from shapely import wkb as shapely_wkb
from sqlalchemy import text

from app.core.store import lock_layout
from app.enterprises.assignment import (
    LOCK_WAIT_BEFORE_CHECK,
    _planner,
    assign_all,
    lock_enterprises,
    preview_zone_change,
    reassign_changed_area,
)
from app.enterprises.importer import import_enterprises
from tests.integration.enterprises.test_import_enterprises import (
    codes,
    csv_bytes,
    leave_enterprises_as_found,
)

HUAXIN_CLUSTERS = ["cluster-expo", "cluster-logistics", "cluster-manufacturing"]


@pytest.fixture(scope="module", autouse=True)
def _clean_up(engine):
    yield from leave_enterprises_as_found(engine)


@pytest.fixture(scope="module")
def triple_point(engine):
    """A point of 华新镇 inside all three clusters that list it, away from parks and the corridor."""
    with engine.connect() as conn:
        lon, lat = conn.execute(text(
            "WITH shared AS (SELECT ST_Intersection(ST_Intersection(a.geom, b.geom), c.geom) AS g "
            "FROM zones a, zones b, zones c WHERE a.id = 'cluster-expo' AND b.id = 'cluster-logistics' "
            "AND c.id = 'cluster-manufacturing'), others AS (SELECT ST_Union(geom) AS g FROM zones "
            "WHERE id NOT IN ('cluster-expo', 'cluster-logistics', 'cluster-manufacturing')) "
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(ST_Difference(shared.g, others.g)) AS p "
            "FROM shared, others) q")).one()
    return lon, lat


@pytest.fixture(scope="module")
def huaxin_firms(engine, triple_point):
    """A logistics firm (all three clusters target logistics) and an exhibition firm there."""
    logistics, expo = codes(201, 2)
    lon, lat = triple_point
    data = csv_bytes([[logistics, "华新快递", "6020", lon, lat, "", "", "", ""],
                      [expo, "华新会展服务", "7281", lon, lat, "", "", "", ""]])
    assert import_enterprises(engine, data, "huaxin.csv").inserted == 2
    return logistics, expo


def stored(engine_or_conn, uscc):
    sql = text("SELECT zones, primary_zone, primary_reason FROM enterprises WHERE uscc = :u")
    if hasattr(engine_or_conn, "connect"):
        with engine_or_conn.connect() as conn:
            return conn.execute(sql, {"u": uscc}).one()
    return engine_or_conn.execute(sql, {"u": uscc}).one()


def test_an_enterprise_in_the_triple_part_of_huaxin_is_in_all_three_clusters(engine, huaxin_firms):
    logistics, expo = huaxin_firms
    zones, primary, reason = stored(engine, logistics)
    assert sorted(zones) == HUAXIN_CLUSTERS
    # All three target logistics: the smallest cluster wins, and the reason says so.
    with engine.connect() as conn:
        smallest = conn.execute(text("SELECT id FROM zones WHERE id = ANY(:z) ORDER BY area_km2 LIMIT 1"),
                                {"z": HUAXIN_CLUSTERS}).scalar_one()
    assert primary == smallest
    assert "logistics fits" in reason and "most specific of 3 containing zones" in reason
    zones, primary, reason = stored(engine, expo)
    assert sorted(zones) == HUAXIN_CLUSTERS and primary == "cluster-expo"
    assert "expo fits 商贸会展组团 (cluster); the only fitting one of 3 containing zones" == reason


@pytest.mark.parametrize("zone", HUAXIN_CLUSTERS)
def test_each_of_the_three_clusters_lists_it_through_the_zones_filter(client, huaxin_firms, zone):
    ids = {f["id"] for f in client.get(f"/collections/enterprises/items?zones={zone}&limit=1000").json()["features"]}
    assert set(huaxin_firms) <= ids


def test_property_filters_on_plan_industry_town_and_primary_zone(client, huaxin_firms):
    logistics, expo = huaxin_firms
    by_industry = client.get("/collections/enterprises/items?plan_industry=expo&limit=1000").json()["features"]
    assert expo in {f["id"] for f in by_industry} and logistics not in {f["id"] for f in by_industry}
    assert all(f["properties"]["plan_industry"] == "expo" for f in by_industry)
    by_town = client.get("/collections/enterprises/items?town=huaxin&limit=1000").json()["features"]
    assert {logistics, expo} <= {f["id"] for f in by_town}
    assert all(f["properties"]["town"] == "huaxin" for f in by_town)
    by_primary = client.get("/collections/enterprises/items?primary_zone=cluster-expo&limit=1000").json()["features"]
    assert expo in {f["id"] for f in by_primary} and logistics not in {f["id"] for f in by_primary}


def test_output_value_is_confidential(client, engine, huaxin_firms, investment_auth):
    logistics, _ = huaxin_firms
    with engine.begin() as conn:
        conn.execute(text("UPDATE enterprises SET output_value = 4321.5 WHERE uscc = :u"), {"u": logistics})
    public_items = client.get("/collections/enterprises/items?limit=5").json()["features"]
    assert public_items and all("output_value" not in f["properties"] for f in public_items)
    public_one = client.get(f"/collections/enterprises/items/{logistics}").json()
    assert "output_value" not in public_one["properties"] and public_one["properties"]["name"] == "华新快递"
    assert "4321.5" not in client.get(f"/collections/enterprises/items/{logistics}?f=html").text
    assert client.get("/collections/enterprises/items?output_value=4321.5").status_code == 400
    auth = investment_auth
    staff_one = client.get(f"/collections/enterprises/items/{logistics}", headers=auth).json()
    assert staff_one["properties"]["output_value"] == 4321.5
    staff_items = client.get("/collections/enterprises/items?limit=5", headers=auth).json()["features"]
    assert all("output_value" in f["properties"] for f in staff_items)


def _shrunk(conn, zone_id, lon, lat, radius_m=1500):
    """The zone's geometry with a hole cut around a point (a typical boundary edit)."""
    return bytes(conn.execute(text(
        "SELECT ST_AsBinary(ST_Multi(ST_Difference(geom, ST_Buffer(ST_SetSRID(ST_MakePoint(:x, :y), 4326)"
        "::geography, :r)::geometry))) FROM zones WHERE id = :id"), {"x": lon, "y": lat, "r": radius_m,
                                                                   "id": zone_id}).scalar_one())


def test_a_zone_edit_reassigns_only_the_changed_area_and_preview_matches(engine, huaxin_firms, triple_point):
    logistics, expo = huaxin_firms
    with engine.connect() as conn:
        trans = conn.begin()
        try:
            old = bytes(conn.execute(text("SELECT ST_AsBinary(geom) FROM zones WHERE id = 'cluster-logistics'"))
                        .scalar_one())
            new = _shrunk(conn, "cluster-logistics", *triple_point)
            version_before = conn.execute(text("SELECT version FROM data_versions WHERE collection = 'enterprises'")
                                          ).scalar_one()
            preview = preview_zone_change(conn, "cluster-logistics", new)
            assert stored(conn, logistics)[1] == "cluster-logistics"  # the preview wrote nothing
            conn.execute(text("UPDATE zones SET geom = ST_SetSRID(ST_GeomFromWKB(:g), 4326) "
                              "WHERE id = 'cluster-logistics'"), {"g": new})
            impact = reassign_changed_area(conn, old, new)
            assert impact == preview
            assert {logistics, expo} <= set(impact["left"]["cluster-logistics"])
            moved = {c["uscc"]: c for c in impact["primary_changed"]}
            assert moved[logistics]["from"] == "cluster-logistics" and moved[logistics]["to"] == "cluster-expo"
            assert moved[logistics]["name"] == "华新快递" and "logistics fits 商贸会展组团" in moved[logistics]["reason"]
            assert expo not in moved  # still primary in cluster-expo
            zones, primary, _ = stored(conn, logistics)
            assert sorted(zones) == ["cluster-expo", "cluster-manufacturing"] and primary == "cluster-expo"
            # Only enterprises inside the removed disc can have changed.
            disc = shapely_wkb.loads(old).difference(shapely_wkb.loads(new))
            from shapely.geometry import Point
            for uscc in impact["left"]["cluster-logistics"]:
                x, y = conn.execute(text("SELECT ST_X(geom), ST_Y(geom) FROM enterprises WHERE uscc = :u"),
                                    {"u": uscc}).one()
                assert disc.buffer(1e-9).covers(Point(x, y))
            assert conn.execute(text("SELECT version FROM data_versions WHERE collection = 'enterprises'")
                                ).scalar_one() > version_before
            # Putting the zone back restores the assignment.
            conn.execute(text("UPDATE zones SET geom = ST_SetSRID(ST_GeomFromWKB(:g), 4326) "
                              "WHERE id = 'cluster-logistics'"), {"g": old})
            back = reassign_changed_area(conn, new, old)
            assert {logistics, expo} <= set(back["entered"]["cluster-logistics"])
            assert stored(conn, logistics)[1] == "cluster-logistics"
        finally:
            trans.rollback()


def test_deleting_a_zone_preview_lists_everyone_who_leaves(engine, huaxin_firms):
    logistics, expo = huaxin_firms
    with engine.connect() as conn:
        impact = preview_zone_change(conn, "cluster-expo", None)
        members = {r[0] for r in conn.execute(text("SELECT uscc FROM enterprises WHERE 'cluster-expo' = ANY(zones)"))}
    assert set(impact["left"]["cluster-expo"]) == members
    assert {c["uscc"] for c in impact["primary_changed"]} >= {expo}
    assert not impact["entered"]
    with pytest.raises(LookupError):
        with engine.connect() as conn:
            preview_zone_change(conn, "no-such-zone", None)


def test_assign_all_repairs_a_stale_assignment(engine, huaxin_firms):
    logistics, _ = huaxin_firms
    with engine.connect() as conn:
        trans = conn.begin()
        try:
            assign_all(conn)  # rows other suites inserted without an assignment
            conn.execute(text("UPDATE enterprises SET zones = '{}', primary_zone = NULL WHERE uscc = :u"),
                         {"u": logistics})
            assert assign_all(conn) == 1
            assert sorted(stored(conn, logistics)[0]) == HUAXIN_CLUSTERS
            assert assign_all(conn) == 0
        finally:
            trans.rollback()


def test_assign_all_rewrites_exactly_the_rows_whose_zones_primary_or_reason_are_stale(engine, huaxin_firms):
    """Only the stale rows are written (found by comparing placements before anything is sent back), and
    each kind of staleness is seen: a reason alone, a primary zone alone, a missing reason, lost zones."""
    logistics, other = huaxin_firms
    with engine.connect() as conn:
        trans = conn.begin()
        try:
            assign_all(conn)
            right = {u: tuple(stored(conn, u)) for u in (logistics, other)}
            written_before = _written(conn)[0]
            conn.execute(text("UPDATE enterprises SET primary_reason = 'stale' WHERE uscc = :u"), {"u": logistics})
            conn.execute(text("UPDATE enterprises SET primary_zone = 'cluster-green' WHERE uscc = :u"), {"u": other})
            assert assign_all(conn) == 2
            assert {u: tuple(stored(conn, u)) for u in right} == right
            assert _written(conn)[0] == written_before + 4  # two stale-making writes, two repairs: nothing else
            conn.execute(text("UPDATE enterprises SET primary_reason = NULL, zones = '{}' WHERE uscc = :u"),
                         {"u": logistics})
            assert assign_all(conn) == 1
            assert tuple(stored(conn, logistics)) == right[logistics]
        finally:
            trans.rollback()


def test_an_edit_that_changes_which_cluster_is_smaller_reassigns_far_from_the_edit(engine, huaxin_firms):
    """Growing 智慧物流组团 in the far south-west makes it larger than 商贸会展组团: the firm in 华新镇,
    nowhere near the changed area, must move its primary zone by the area tie-break."""
    logistics, _ = huaxin_firms
    with engine.connect() as conn:
        trans = conn.begin()
        try:
            old = bytes(conn.execute(text("SELECT ST_AsBinary(geom) FROM zones WHERE id = 'cluster-logistics'"))
                        .scalar_one())
            new = bytes(conn.execute(text(
                "SELECT ST_AsBinary(ST_Multi(ST_Union(a.geom, b.geom))) FROM zones a, zones b "
                "WHERE a.id = 'cluster-logistics' AND b.id = 'cluster-green'")).scalar_one())
            preview = preview_zone_change(conn, "cluster-logistics", new)
            conn.execute(text("UPDATE zones SET geom = ST_SetSRID(ST_GeomFromWKB(:g), 4326) "
                              "WHERE id = 'cluster-logistics'"), {"g": new})
            impact = reassign_changed_area(conn, old, new, zone_id="cluster-logistics")
            assert impact == preview
            moved = {c["uscc"]: c for c in impact["primary_changed"]}
            assert moved[logistics]["to"] == "cluster-expo"
            assert stored(conn, logistics)[1] == "cluster-expo"
        finally:
            trans.rollback()


def test_creating_and_deleting_a_zone_reassigns_its_area(engine, huaxin_firms, triple_point):
    logistics, expo = huaxin_firms
    lon, lat = triple_point
    with engine.connect() as conn:
        trans = conn.begin()
        try:
            geom = bytes(conn.execute(text(
                "SELECT ST_AsBinary(ST_Multi(ST_Buffer(ST_SetSRID(ST_MakePoint(:x, :y), 4326)::geography, 400)"
                "::geometry))"), {"x": lon, "y": lat}).scalar_one())
            preview = preview_zone_change(conn, "park-test-express", geom, kind="park", name_zh="快递测试园",
                                          target_industries=["logistics"])
            conn.execute(text(
                "INSERT INTO zones (id, kind, name_zh, name_en, target_industries, geom) VALUES ('park-test-express', "
                "'park', '快递测试园', 'Express test park', '{logistics}', ST_SetSRID(ST_GeomFromWKB(:g), 4326))"),
                {"g": geom})
            created = reassign_changed_area(conn, None, geom)
            assert created == preview
            assert {logistics, expo} <= set(created["entered"]["park-test-express"])
            moved = {c["uscc"]: c for c in created["primary_changed"]}
            assert moved[logistics]["to"] == "park-test-express" and expo not in moved  # expo does not fit it
            conn.execute(text("DELETE FROM zones WHERE id = 'park-test-express'"))
            deleted = reassign_changed_area(conn, geom, None)
            assert {logistics, expo} <= set(deleted["left"]["park-test-express"])
            assert stored(conn, logistics)[1] == "cluster-logistics"
        finally:
            trans.rollback()


def test_new_targets_recorded_in_zone_history_reassign_every_member(engine, huaxin_firms):
    """An edit that retargets 智慧物流组团 to aviation (same boundary) moves nobody's membership, but the
    express firm no longer fits it; the zone's previous version in history tells the re-assignment so."""
    logistics, expo = huaxin_firms
    with engine.connect() as conn:
        trans = conn.begin()
        try:
            geom = bytes(conn.execute(text("SELECT ST_AsBinary(geom) FROM zones WHERE id = 'cluster-logistics'"))
                         .scalar_one())
            conn.execute(text("UPDATE zones SET target_industries = '{aviation}', version = version + 1 "
                              "WHERE id = 'cluster-logistics'"))
            conn.execute(text(
                "INSERT INTO zone_versions (zone_id, version, action, comment, author, kind, name_zh, name_en, "
                "target_industries, target_phrases, member_towns, parent_zone, schematic, description, rank, geom) "
                "SELECT id, version, 'update', 'targets only', 'test', kind, name_zh, name_en, target_industries, "
                "target_phrases, member_towns, parent_zone, schematic, description, rank, geom FROM zones "
                "WHERE id = 'cluster-logistics'"))
            impact = reassign_changed_area(conn, geom, geom, zone_id="cluster-logistics")
            moved = {c["uscc"]: c for c in impact["primary_changed"]}
            assert moved[logistics]["from"] == "cluster-logistics" and moved[logistics]["to"] == "cluster-expo"
            assert not impact["entered"] and not impact["left"]
        finally:
            trans.rollback()


SEED = """
INSERT INTO enterprises (uscc, name, industry_code, plan_industry, precision, source_crs, synthetic, geom)
SELECT 'S' || lpad(i::text, 17, '0'), '抽样企业' || i, '3900',
       (SELECT id FROM plan_industries ORDER BY id OFFSET (i % (SELECT count(*) FROM plan_industries)) LIMIT 1),
       'exact', 'wgs84', true, ST_SetSRID(ST_MakePoint(120.853 + random() * 0.466, 30.941 + random() * 0.353), 4326)
FROM generate_series(1, 3000) AS i
"""

# The rule of gis.assign written out in SQL: fitting zones first, then park < core < cluster < corridor,
# then the smaller area, then the id.
RECOMPUTE = """
SELECT e.uscc,
       COALESCE(array_agg(z.id ORDER BY z.id) FILTER (WHERE z.id IS NOT NULL), '{}'),
       (array_agg(z.id ORDER BY (z.target_industries @> ARRAY[e.plan_industry]
                                 OR z.target_industries @> ARRAY[p.parent]) IS NOT TRUE,
                  array_position(ARRAY['park', 'core', 'cluster', 'corridor'], z.kind), z.area_km2, z.id))[1]
FROM enterprises e
LEFT JOIN plan_industries p ON p.id = e.plan_industry
LEFT JOIN zones z ON ST_Contains(z.geom, e.geom)
WHERE e.uscc LIKE 'S%'
GROUP BY e.uscc
"""


def test_assign_all_equals_a_postgis_recomputation_and_is_idempotent(engine):
    with engine.connect() as conn:
        trans = conn.begin()
        try:
            conn.execute(text(SEED))
            version = conn.execute(text("SELECT version FROM data_versions WHERE collection = 'enterprises'")).scalar()
            assert assign_all(conn) >= 3000
            after = conn.execute(text("SELECT version FROM data_versions WHERE collection = 'enterprises'")).scalar()
            assert after == (version or 0) + 1
            expected = {u: (sorted(zones), primary) for u, zones, primary in conn.execute(text(RECOMPUTE))}
            got = {u: (sorted(zones), primary) for u, zones, primary in conn.execute(text(
                "SELECT uscc, zones, primary_zone FROM enterprises WHERE uscc LIKE 'S%'"))}
            assert got == expected
            inside = sum(1 for zones, _ in got.values() if zones)
            assert 300 < inside < 3000  # the sample covers zones and the land between them
            assert sum(1 for zones, _ in got.values() if len(zones) > 1) > 0  # and overlaps
            assert all(r for (r,) in conn.execute(text(
                "SELECT primary_reason FROM enterprises WHERE uscc LIKE 'S%'")))
            assert assign_all(conn) == 0
            assert conn.execute(text(
                "SELECT version FROM data_versions WHERE collection = 'enterprises'")).scalar() == after
            assert {u: (sorted(z), p) for u, z, p in conn.execute(text(
                "SELECT uscc, zones, primary_zone FROM enterprises WHERE uscc LIKE 'S%'"))} == expected
        finally:
            trans.rollback()


def _written(conn) -> tuple[int, int]:
    """(rows updated, of them heap-only) in enterprises by this transaction so far."""
    row = conn.execute(text("SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables "
                            "WHERE relname = 'enterprises'")).first()
    return (int(row[0]), int(row[1])) if row else (0, 0)


@pytest.mark.parametrize("edit", ["bulge", "redraw"])
def test_a_big_edit_and_a_whole_zone_redraw_equal_postgis_and_touch_no_index(engine, edit):
    """3,000 enterprises over the district; the core gets a 3 km bulge, or is redrawn as a disc elsewhere.
    Afterwards every enterprise's zones and primary zone equal a PostGIS recomputation with the rule
    written in SQL, the rows were rewritten as heap-only tuples (no index entry added: the assignment
    columns carry no index), and the points version — which low-zoom tiles key on — did not move."""
    from app.zones.store import apply_change, current

    with engine.begin() as conn:  # committed, as a loaded table is: its old row versions are dead
        conn.execute(text(SEED))
        assign_all(conn)
    with engine.connect() as conn:
        trans = conn.begin()
        try:
            shape = {
                "bulge": "SELECT ST_AsBinary(ST_Union(z.geom, ST_Buffer(ST_ClosestPoint(ST_Boundary(z.geom), "
                         "ST_Centroid(c.geom))::geography, 3000)::geometry)) FROM zones z, zones c "
                         "WHERE z.id = 'cluster-logistics' AND c.id = 'core'",
                "redraw": "SELECT ST_AsBinary(ST_Buffer(ST_SetSRID(ST_MakePoint(121.05, 31.12), 4326)::geography, "
                          "2500)::geometry)",
            }[edit]
            zone = "cluster-logistics" if edit == "bulge" else "cluster-software"
            new = shapely_wkb.loads(bytes(conn.execute(text(shape)).scalar_one()))
            state = current(conn, zone)
            children = conn.execute(text("SELECT count(*) FROM zones WHERE parent_zone = :z"), {"z": zone}).scalar()
            assert children == 0
            points = conn.execute(text("SELECT version FROM data_versions WHERE collection = 'enterprises:points'")
                                  ).scalar()
            before = _written(conn)
            impact = _apply(conn, apply_change, zone, state, new, edit)
            moved = sum(len(v) for v in impact["enterprises"]["entered"].values()) + \
                sum(len(v) for v in impact["enterprises"]["left"].values())
            assert moved > 20
            upd, hot = (a - b for a, b in zip(_written(conn), before))
            assert upd >= moved // 2 and hot == upd
            expected = {u: (sorted(zones), primary) for u, zones, primary in conn.execute(text(RECOMPUTE))}
            got = {u: (sorted(zones), primary) for u, zones, primary in conn.execute(text(
                "SELECT uscc, zones, primary_zone FROM enterprises WHERE uscc LIKE 'S%'"))}
            assert got == expected
            assert conn.execute(text("SELECT version FROM data_versions WHERE collection = 'enterprises:points'")
                                ).scalar() == points
        finally:
            trans.rollback()
            with engine.begin() as conn:
                conn.execute(text("DELETE FROM enterprises WHERE uscc LIKE 'S%'"))


def _apply(conn, apply_change, zone, state, geom, comment):
    from app.zones.store import etag

    return apply_change(conn, "update", zone, "tester", comment, dict(state.attrs), geom,
                        if_match=etag(zone, state.version))


def test_planner_settings_hold_inside_the_block_and_are_put_back_after_it(engine):
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL work_mem = '7MB'"))
        before = conn.execute(text("SELECT current_setting('jit'), current_setting('enable_seqscan')")).one()
        with _planner(conn, enable_seqscan="off", work_mem="3MB"):
            inside = conn.execute(text("SELECT current_setting('enable_seqscan'), current_setting('work_mem')")).one()
        after = conn.execute(text("SELECT current_setting('jit'), current_setting('enable_seqscan'), "
                                  "current_setting('work_mem')")).one()
    assert tuple(inside) == ("off", "3MB")
    assert tuple(after) == (*before, "7MB")


def test_a_writer_of_assignments_waits_briefly_before_the_check_that_cancels_autovacuum(engine):
    """Autovacuum of enterprises holds a lock the re-assignment's lock waits for until the deadlock check
    cancels the vacuum; as the app's role on the project's cluster, that check comes after 50 ms for the
    writer's transaction alone, not after the server's 1 s (a typical edit took 1.13 s behind autovacuum, 0.20 s with it:
    bench/bench_edit_autovacuum.py)."""
    with engine.connect() as conn:
        assert not conn.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar()
        server = conn.execute(text("SELECT current_setting('deadlock_timeout')")).scalar()
        conn.rollback()
        with conn.begin():
            lock_layout(conn)
            lock_enterprises(conn)
            held = conn.execute(text("SELECT current_setting('deadlock_timeout')")).scalar()
        after = conn.execute(text("SELECT current_setting('deadlock_timeout')")).scalar()
    assert (server, held, after) == ("1s", LOCK_WAIT_BEFORE_CHECK, "1s")


def test_a_credit_code_of_other_characters_is_read_the_slow_way_and_placed_alike(engine, huaxin_firms, triple_point):
    # Written past the importer's checks: 18 characters, one of them a full-width digit (three bytes),
    # which the fixed-width binary read cannot carry.
    logistics, _ = huaxin_firms
    odd = "９" + logistics[1:]
    with engine.connect() as conn:
        trans = conn.begin()
        try:
            conn.execute(text("INSERT INTO enterprises (uscc, name, industry_code, plan_industry, precision, "
                              "source_crs, zones, primary_zone, primary_reason, geom) SELECT :odd, name || '（副本）', "
                              "industry_code, plan_industry, precision, source_crs, zones, primary_zone, primary_reason, "
                              "geom FROM enterprises WHERE uscc = :u"), {"odd": odd, "u": logistics})
            old = bytes(conn.execute(text("SELECT ST_AsBinary(geom) FROM zones WHERE id = 'cluster-logistics'"))
                        .scalar_one())
            new = _shrunk(conn, "cluster-logistics", *triple_point)
            conn.execute(text("UPDATE zones SET geom = ST_SetSRID(ST_GeomFromWKB(:g), 4326) "
                              "WHERE id = 'cluster-logistics'"), {"g": new})
            impact = reassign_changed_area(conn, old, new)
            assert {logistics, odd} <= set(impact["left"]["cluster-logistics"])
            moved = {c["uscc"]: c for c in impact["primary_changed"]}
            assert moved[odd]["to"] == moved[logistics]["to"] == "cluster-expo"
            assert moved[odd]["name"] == "华新快递（副本）"
            assert stored(conn, odd) == stored(conn, logistics)
        finally:
            trans.rollback()

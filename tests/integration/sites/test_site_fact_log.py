"""After a write to the sites, a search's facts catch up from the write log (migration 0013) by reading
only the sites written, and what it then holds and answers equals a full rebuild: each case below
compares the caught-up copy with one read afresh from every site, and the search's answer with the
answer after this process forgot everything."""
import pytest
from sqlalchemy import text

from app.sites import facts as site_facts
from app.sites import store as q
from app.sites.search import clear_caches
from tests.integration.sites.test_site_counts import demo  # noqa: F401  (sites and firms seeded for counting)
from tests.integration.sites.test_site_facts import _search

BODIES = [
    {"profile": {"industry": "newmat"}, "limit": 500, "sensitivity": False},  # every candidate listed
    {"profile": {"industry": "equip"}, "constraints": {"max_station_m": 8000}, "limit": 20},
    {"constraints": {"any_land_use": True, "zones": ["core", "cluster-green", "park-xicen"]},
     "profile": {"industry": "ic"},
     "limit": 500, "sensitivity": False},
]


def _held(engine):
    with engine.connect() as conn:
        return site_facts.load(conn)


def _answers(client):
    return [_search(client, b) for b in BODIES]


def _check_caught_up(client, engine, write, read_at_most: int):
    """Warm every store, run ``write`` (plain SQL, one transaction), search: the copy was caught up by
    reading at most ``read_at_most`` sites, equals a full read, and every answer equals a first search's."""
    _answers(client)
    before = _held(engine)
    with engine.begin() as conn:
        write(conn)
    after = _answers(client)
    held = _held(engine)
    assert held.stamp != before.stamp and held.prev_stamp is not None, "caught up from the log, not rebuilt"
    assert held.read_rows <= read_at_most
    with engine.connect() as conn:
        stamp, cols = q.site_facts(conn)
    assert stamp == held.stamp
    assert held.as_rows() == site_facts.SiteFacts(cols, stamp).as_rows()
    clear_caches()
    assert _answers(client) == after
    return after


def _site(engine, offset: int = 0) -> str:
    with engine.connect() as conn:
        return conn.execute(text("SELECT id FROM sites ORDER BY id OFFSET :o LIMIT 1"), {"o": offset}).scalar_one()


def test_an_edited_site_is_read_again_alone(client, engine, demo):  # noqa: F811
    sid = _site(engine, 7)
    after = _check_caught_up(client, engine, lambda c: c.execute(text(
        "UPDATE sites SET price = 1.5, availability = 'available', land_use = 'M1' WHERE id = :i"), {"i": sid}), 1)
    listed = next(r for r in after[0]["results"] if r["id"] == sid)
    assert listed["price"] == 1.5 and listed["availability"] == "available"


def test_a_moved_site_gets_new_distances_zones_and_neighbour_counts(client, engine, demo):  # noqa: F811
    sid = _site(engine, 11)
    with engine.connect() as conn:
        old = conn.execute(text("SELECT x, station_m FROM sites WHERE id = :i"), {"i": sid}).one()
    # 3 km east: the measuring point moves (trigger), the layout-derived columns are recomputed by the search
    _check_caught_up(client, engine, lambda c: c.execute(text(
        "UPDATE sites SET geom = ST_Translate(geom, 0.03, 0) WHERE id = :i"), {"i": sid}), 1)
    with engine.connect() as conn:
        new = conn.execute(text("SELECT x, station_m FROM sites WHERE id = :i"), {"i": sid}).one()
    assert new[0] > old[0] + 2000 and new[1] != old[1]


def test_an_added_a_deleted_and_a_renamed_site(client, engine, demo):  # noqa: F811
    gone, renamed, model = _site(engine, 3), _site(engine, 5), _site(engine, 9)
    with engine.connect() as conn:
        total = conn.execute(text("SELECT count(*) FROM sites")).scalar_one()

    def write(conn):
        conn.execute(text("DELETE FROM sites WHERE id = :i"), {"i": gone})
        conn.execute(text("UPDATE sites SET id = id || '-R' WHERE id = :i"), {"i": renamed})
        conn.execute(text(
            "INSERT INTO sites (id, name, kind, land_use, availability, area_m2, far_max, price, source_crs, synthetic, geom) "
            "SELECT 'AAA-NEW-1', name, kind, land_use, availability, area_m2, far_max, price, source_crs, true, "
            "ST_Translate(geom, 0.004, 0.004) FROM sites WHERE id = :i"), {"i": model})

    after = _check_caught_up(client, engine, write, 2)  # the renamed and the new site; the deleted one is dropped
    assert after[0]["total_sites"] == total
    ids = set(_held(engine).id)
    assert gone not in ids and renamed not in ids and renamed + "-R" in ids and "AAA-NEW-1" in ids


def test_a_zone_boundary_change_reaches_the_sites_zones(client, engine, demo):  # noqa: F811
    with engine.connect() as conn:
        zone, g = conn.execute(text(
            "SELECT z.id, ST_AsEWKB(z.geom) FROM zones z JOIN sites s ON z.id = ANY(s.zones) "
            "WHERE z.kind = 'park' GROUP BY z.id, z.geom ORDER BY count(*) DESC, z.id LIMIT 1")).one()
        inside = conn.execute(text("SELECT count(*) FROM sites WHERE :z = ANY(zones)"), {"z": zone}).scalar_one()
        total = conn.execute(text("SELECT count(*) FROM sites")).scalar_one()
    try:  # the park shrunk to a tenth of its width: most of its sites leave it
        _check_caught_up(client, engine, lambda c: c.execute(text(
            "UPDATE zones SET geom = ST_Multi(ST_Buffer(geom, -0.004)) WHERE id = :z"), {"z": zone}), total)
        with engine.connect() as conn:
            now = conn.execute(text("SELECT count(*) FROM sites WHERE :z = ANY(zones)"), {"z": zone}).scalar_one()
        assert now < inside
    finally:
        with engine.begin() as conn:
            conn.execute(text("UPDATE zones SET geom = :g WHERE id = :z"), {"g": g, "z": zone})
        _answers(client)


def test_too_many_changes_or_a_lost_log_read_every_site(client, engine, demo, monkeypatch):  # noqa: F811
    _answers(client)
    with engine.connect() as conn:
        total = conn.execute(text("SELECT count(*) FROM sites")).scalar_one()
    monkeypatch.setattr(site_facts, "CATCH_UP_LIMIT", 2)
    with engine.begin() as conn:
        conn.execute(text("UPDATE sites SET price = price + 1 WHERE id IN (SELECT id FROM sites ORDER BY id LIMIT 3)"))
    after = _answers(client)
    assert _held(engine).read_rows == total and _held(engine).prev_stamp is None
    monkeypatch.setattr(site_facts, "CATCH_UP_LIMIT", 20_000)
    with engine.begin() as conn:  # the held version's own log row gone (as when pruned): no catching up
        conn.execute(text("DELETE FROM site_fact_log WHERE version = :v"), {"v": _held(engine).stamp[0]})
        conn.execute(text("UPDATE sites SET price = price - 1 WHERE id IN (SELECT id FROM sites ORDER BY id LIMIT 3)"))
    again = _answers(client)
    assert _held(engine).read_rows == total and _held(engine).prev_stamp is None
    assert [r["results"] for r in again] != [r["results"] for r in after]  # the prices went back
    clear_caches()
    assert _answers(client) == again


@pytest.mark.parametrize("statement", ["TRUNCATE sites CASCADE", "DELETE FROM sites"])
def test_the_log_marks_bulk_writes_as_everything(engine, demo, statement):  # noqa: F811
    with engine.connect() as conn:  # in a transaction rolled back: the demo sites stay
        tx = conn.begin()
        try:
            conn.execute(text("UPDATE sites SET price = price WHERE id = (SELECT min(id) FROM sites)"))
            conn.execute(text(statement))
            rows = conn.execute(text("SELECT everything, cardinality(ids) FROM site_fact_log "
                                     "ORDER BY version DESC LIMIT 2")).all()
        finally:
            tx.rollback()
    assert rows[1] == (False, 1)
    assert rows[0] == ((True, None) if statement.startswith("TRUNCATE") else (False, 300))


TRUE_ZONES = ("SELECT s.id, coalesce((SELECT array_agg(z.id ORDER BY z.rank, z.id) FROM zones z "
              "WHERE ST_Intersects(z.geom, ST_PointOnSurface(s.geom))), '{}') FROM sites s")


def _zones(engine, sql: str = "SELECT id, zones FROM sites") -> dict:
    with engine.connect() as conn:
        return {r[0]: list(r[1]) for r in conn.execute(text(sql))}


def _refreshed(client) -> int:
    from tests.integration.sites.test_site_facts import _headers

    res = client.post("/sites/search", json=BODIES[0], headers=_headers(client))
    assert res.status_code == 200, res.text
    return res.json()["refreshed_sites"]


@pytest.mark.parametrize("edit", ["shrink", "rerank", "add", "remove"])
def test_a_zone_edit_rewrites_only_the_sites_whose_zones_change(client, engine, demo, edit):  # noqa: F811
    """Against every site's zones computed afresh from the zones table: equal, and only the sites whose
    zones differ were written (the rest of the table is not recomputed)."""
    _answers(client)  # current with the layout
    before = _zones(engine)
    with engine.connect() as conn:
        zone = conn.execute(text(
            "SELECT z.id, z.kind, z.rank FROM zones z JOIN sites s ON z.id = ANY(s.zones) WHERE z.kind = 'park' "
            "GROUP BY z.id ORDER BY count(*) DESC, z.id LIMIT 1")).scalar_one()
        saved = conn.execute(text("SELECT * FROM zones WHERE id = :z"), {"z": zone}).mappings().one()
        children = list(conn.execute(text("SELECT id FROM zones WHERE parent_zone = :z"), {"z": zone}).scalars())
    edits = {  # each in plain SQL, as a migration or a repair would; the edit API writes the same columns
        "shrink": ("UPDATE zones SET geom = ST_Multi(ST_Buffer(geom, -0.003)) WHERE id = :z", {}),
        "rerank": ("UPDATE zones SET rank = -5 WHERE id = :z", {}),
        "add": ("INSERT INTO zones (id, kind, name_zh, name_en, rank, geom) SELECT 'test-added-park', 'park', "
                "'新增园区', 'Added park', 1, ST_Multi(ST_Buffer(ST_Centroid(geom), 0.02)) FROM zones WHERE id = :z", {}),
        "remove": ("DELETE FROM zones WHERE id = :z", {}),
    }
    sql, extra = edits[edit]
    try:
        with engine.begin() as conn:
            conn.execute(text(sql), {"z": zone, **extra})
        refreshed = _refreshed(client)
        truth, now = _zones(engine, TRUE_ZONES), _zones(engine)
        assert now == truth
        moved = sum(before[s] != truth[s] for s in truth)
        assert refreshed == moved and 0 < moved < len(truth)
        assert _refreshed(client) == 0
        answers = [_search(client, b) for b in BODIES[:2]]  # the third names the zone removed
        clear_caches()
        assert [_search(client, b) for b in BODIES[:2]] == answers
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM zones WHERE id = 'test-added-park'"))
            if conn.execute(text("SELECT 1 FROM zones WHERE id = :z"), {"z": zone}).first():
                conn.execute(text("UPDATE zones SET geom = :geom, rank = :rank WHERE id = :z"), {**saved, "z": zone})
            else:
                cols = [c for c in saved.keys() if c != "area_km2"]  # generated
                conn.execute(text(f"INSERT INTO zones ({', '.join(cols)}) VALUES ({', '.join(':' + c for c in cols)})"),
                             dict(saved))
                conn.execute(text("UPDATE zones SET parent_zone = :z WHERE id = ANY(:c)"), {"z": zone, "c": children})
        _refreshed(client)
    assert _zones(engine) == before


def test_a_corridor_edit_recomputes_every_sites_corridor_distance(client, engine, demo):  # noqa: F811
    _answers(client)
    distance = ("SELECT s.id, round(ST_Distance(ST_Transform(s.geom, 4549), (SELECT ST_Union(ST_Transform(geom, 4549)) "
                "FROM zones WHERE kind = 'corridor'))::numeric, 3) FROM sites s")
    with engine.connect() as conn:
        corridor, g = conn.execute(text("SELECT id, ST_AsEWKB(geom) FROM zones WHERE kind = 'corridor' LIMIT 1")).one()
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE zones SET geom = ST_Multi(ST_Translate(geom, 0.01, 0)) WHERE id = :z"),
                         {"z": corridor})
        assert _refreshed(client) > 0
        with engine.connect() as conn:
            truth = dict(conn.execute(text(distance)).all())
            held = dict(conn.execute(text("SELECT id, round(corridor_m::numeric, 3) FROM sites")).all())
        assert held == truth
    finally:
        with engine.begin() as conn:
            conn.execute(text("UPDATE zones SET geom = :g WHERE id = :z"), {"g": g, "z": corridor})
        _refreshed(client)


def test_moved_added_and_removed_firms_adjust_the_counts_held(client, engine, demo):  # noqa: F811
    """Firms moved, added and deleted in plain SQL (the enterprises' change log, migration 0014): the next
    searches make their counters from the held points and the log, adjust the counts held, and answer as
    a process that read every firm afresh."""
    from app.sites import search

    _answers(client)
    with engine.connect() as conn:
        top = conn.execute(text("SELECT x, y FROM sites ORDER BY id LIMIT 1")).one()
        near = conn.execute(text("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform(ST_SetSRID(ST_MakePoint(:x, :y), "
                                 "4549), 4326) AS p) t"), {"x": top[0] + 300, "y": top[1]}).one()
    with engine.begin() as conn:
        conn.execute(text("UPDATE enterprises SET geom = ST_Translate(geom, 0.01, -0.005) WHERE uscc IN "
                          "(SELECT uscc FROM enterprises WHERE uscc LIKE 'TSTCNT%' ORDER BY uscc LIMIT 40)"))
        conn.execute(text("DELETE FROM enterprises WHERE uscc IN (SELECT uscc FROM enterprises "
                          "WHERE uscc LIKE 'TSTCNT%' ORDER BY uscc DESC LIMIT 25)"))
        for n, industry in enumerate(["newmat", "equip", "ic", "eco"]):  # beside a site: counted for sure
            conn.execute(text("INSERT INTO enterprises (uscc, name, industry_code, plan_industry, precision, "
                              "source_crs, geom) VALUES (:u, '移动测试企业', '3985', :i, 'exact', 'wgs84', "
                              "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))"),
                         {"u": f"TSTCNT9{n:011d}", "i": industry, "lon": near[0], "lat": near[1]})
    after = _answers(client)
    made = list(search._LATEST_COUNTERS.values())
    assert made and all(c.from_log for c in made)  # every industry set searched was caught up from the log
    clear_caches()
    assert _answers(client) == after


def test_a_version_the_log_does_not_cover_makes_the_counters_from_every_firm(client, engine, demo):  # noqa: F811
    """A move followed by a bump of the points' counter nobody logged (as a TRUNCATE or a statement too big
    to log leaves it): the next search cannot trust the log, counts from every firm again, and answers as a
    process that read every firm afresh."""
    from app.sites import search

    _answers(client)
    with engine.begin() as conn:
        conn.execute(text("UPDATE enterprises SET geom = ST_Translate(geom, 0.004, 0.002) WHERE uscc IN "
                          "(SELECT uscc FROM enterprises WHERE uscc LIKE 'TSTCNT%' ORDER BY uscc LIMIT 30)"))
    with engine.begin() as conn:
        conn.execute(text("UPDATE data_versions SET version = version + 1, changed_at = clock_timestamp() "
                          "WHERE collection = 'enterprises:points'"))
    after = _answers(client)
    made = list(search._LATEST_COUNTERS.values())
    assert made and not any(c.from_log for c in made)
    clear_caches()
    assert _answers(client) == after

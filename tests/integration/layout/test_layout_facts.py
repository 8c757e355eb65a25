"""The shared facts (district, towns, zone versions, data versions) each come from one store
function, and a missing district fails the same way everywhere: one clear error naming the fix."""
import pytest
from shapely.geometry import shape
from sqlalchemy import text

from app.analytics import store as analytics_store
from app.core.errors import MissingLayout
from app.core.store import bump_version, data_versions, district_geometry, town_geometries
from app.enterprises.importer import load_places
from app.zones.store import record_zone_version
from layers.qingpu import TOWNS


def test_the_stored_district_is_what_the_district_collection_serves(engine, client):
    served = client.get("/collections/district/items").json()["features"]
    with engine.connect() as conn:
        stored = district_geometry(conn)
    assert len(served) == 1
    assert shape(served[0]["geometry"]).symmetric_difference(stored).area < 1e-12


def test_towns_are_the_eleven_of_the_plan(engine):
    with engine.connect() as conn:
        towns = town_geometries(conn)
    assert sorted(towns) == sorted(t.code for t in TOWNS)


def test_data_versions_count_every_bump_and_read_zero_for_unknown_collections(engine):
    with engine.begin() as conn:
        before = data_versions(conn, ["zones", "no-such-collection"])
        bump_version(conn, "zones")
        after = data_versions(conn, ["zones", "no-such-collection"])
        conn.rollback()
    assert after == {"zones": before["zones"] + 1, "no-such-collection": 0}


def test_a_recorded_zone_version_copies_the_zone_as_it_stands(engine):
    with engine.connect() as conn, conn.begin():
        current = conn.execute(text("SELECT version, name_zh FROM zones WHERE id = 'core'")).one()
        conn.execute(text("UPDATE zones SET version = version + 1, updated_by = 'system:test' WHERE id = 'core'"))
        recorded = record_zone_version(conn, "core", "update", "a test")
        row = conn.execute(text("SELECT author, name_zh, action, geom IS NOT NULL FROM zone_versions "
                                "WHERE zone_id = 'core' AND version = :v"), {"v": recorded}).one()
        conn.rollback()
    assert recorded == current.version + 1
    assert tuple(row) == ("system:test", current.name_zh, "update", True)


@pytest.fixture
def without_district(engine):
    """The district deleted for the test, restored byte for byte afterwards."""
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS district_saved AS SELECT * FROM district"))
        conn.execute(text("DELETE FROM district"))
    try:
        yield
    finally:
        with engine.begin() as conn:
            cols = ", ".join(conn.execute(text(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'district' "
                "AND is_generated = 'NEVER' ORDER BY ordinal_position")).scalars())
            conn.execute(text(f"INSERT INTO district ({cols}) SELECT {cols} FROM district_saved"))
            conn.execute(text("DROP TABLE district_saved"))


def test_every_reader_of_a_missing_district_raises_the_one_error(engine, without_district):
    with engine.connect() as conn:
        for read in (district_geometry, load_places, analytics_store.district_outline):
            with pytest.raises(MissingLayout, match="qingpu layout load"):
                read(conn)


def test_a_missing_district_answers_problem_json_naming_the_fix(client, investment_auth, without_district):
    # A seed no other test asks for, so the answer is computed now, not read from the cache.
    r = client.get("/analytics/hotspots?resolution=7&seed=424242", headers=investment_auth)
    assert r.status_code == 503
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "qingpu layout load" in r.json()["detail"]

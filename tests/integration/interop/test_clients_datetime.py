"""`datetime` through the real clients: GDAL's OAPIF driver (pyogrio) and OWSLib, against the live server."""
from datetime import timedelta

import pyogrio
from owslib.ogcapi.features import Features
from sqlalchemy import text


def _times(engine):
    with engine.connect() as conn:
        return dict(conn.execute(text("SELECT id, updated_at FROM zones")).all())


def _z(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_gdal_turns_a_date_filter_into_datetime_and_gets_the_right_zones(live_server, engine):
    times = _times(engine)
    first, last = min(times.values()), max(times.values())
    url = f"OAPIF:{live_server}/collections/zones"
    after = pyogrio.read_dataframe(url, where=f"updated_at >= '{_z(first - timedelta(seconds=1))}'")
    assert set(after["id"]) == set(times)
    before = pyogrio.read_dataframe(url, where=f"updated_at <= '{_z(first - timedelta(days=1))}'")
    assert len(before) == 0
    within = pyogrio.read_dataframe(url, where=f"updated_at >= '{_z(first - timedelta(seconds=1))}' AND "
                                               f"updated_at <= '{_z(last + timedelta(seconds=1))}'")
    assert set(within["id"]) == set(times)


def test_owslib_datetime_intervals(live_server, engine):
    times = _times(engine)
    first, last = min(times.values()), max(times.values())
    api = Features(live_server)
    every = api.collection_items("zones", datetime_=f"{_z(first - timedelta(seconds=1))}/..", limit=1000)
    assert {f["id"] for f in every["features"]} == set(times)
    none = api.collection_items("zones", datetime_=f"../{_z(first - timedelta(days=1))}", limit=1000)
    assert none["features"] == [] and none["numberMatched"] == 0
    closed = api.collection_items("zones", datetime_=f"{_z(first - timedelta(seconds=1))}/"
                                                     f"{_z(last + timedelta(seconds=1))}", limit=1000)
    assert len(closed["features"]) == len(times)


def test_qgis_style_open_bounds_with_year_0000_and_9999(client, engine):
    times = _times(engine)
    res = client.get("/collections/zones/items?limit=1000&datetime=0000-01-01T00:00:00Z%2F9999-12-31T00:00:00Z")
    assert res.status_code == 200 and len(res.json()["features"]) == len(times)

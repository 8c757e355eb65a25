"""Real clients: GDAL's OAPIF driver (through pyogrio) and OWSLib read every collection over HTTP
(the live server is a separate uvicorn process)."""
import pyogrio
import pytest
from owslib.ogcapi.features import Features

from tests.integration.ogc.ogc_seed import NAMED, seed_enterprises

PUBLIC = ["district", "towns", "zones", "corridor_routes", "stations", "enterprises"]


@pytest.fixture(scope="module", autouse=True)
def seeded(engine):
    return seed_enterprises(engine)


def test_gdal_lists_every_public_collection(live_server):
    names = {name for name, _ in pyogrio.list_layers(f"OAPIF:{live_server}")}
    assert set(PUBLIC) <= names


@pytest.mark.parametrize("cid", PUBLIC)
def test_gdal_reads_every_collection(live_server, cid, engine):
    from sqlalchemy import text

    df = pyogrio.read_dataframe(f"OAPIF:{live_server}/collections/{cid}")
    with engine.connect() as conn:
        expected = conn.execute(text(f"SELECT count(*) FROM {cid}")).scalar_one()
    assert len(df) == expected > 0
    assert df.crs is not None and df.crs.to_epsg() in (4326, None) or df.crs.name.endswith("CRS84")


def test_gdal_bbox_filter(live_server):
    df = pyogrio.read_dataframe(f"OAPIF:{live_server}/collections/stations", bbox=(120.95, 31.06, 120.97, 31.08))
    assert list(df["name_zh"]) == ["西岑"]


def test_gdal_attribute_filter(live_server):
    df = pyogrio.read_dataframe(f"OAPIF:{live_server}/collections/enterprises",
                                where="employees > 100 AND name LIKE '%测试企业'")
    assert list(df["name"]) == [NAMED[0][1]]
    zones = pyogrio.read_dataframe(f"OAPIF:{live_server}/collections/zones", where="kind = 'cluster'")
    assert len(zones) == 5


def test_gdal_never_sees_output_value_without_a_token(live_server):
    info = pyogrio.read_info(f"OAPIF:{live_server}/collections/enterprises")
    assert "output_value" not in info["fields"] and "name" in info["fields"]


def test_owslib_reads_collections_and_items(live_server):
    api = Features(live_server)
    ids = [c["id"] for c in api.collections()["collections"]]
    assert set(PUBLIC) <= set(ids)
    towns = api.collection_items("towns", limit=20)
    assert towns["numberReturned"] == 11
    stations = api.collection_items("stations", bbox=[120.95, 31.06, 120.97, 31.08])
    assert [f["properties"]["name_zh"] for f in stations["features"]] == ["西岑"]
    queryables = api.collection_queryables("enterprises")
    assert "employees" in queryables["properties"] and "output_value" not in queryables["properties"]

"""Exports: GeoJSON, GeoPackage and CSV with the items' filters and the role's fields."""
import csv
import io
import json
from urllib.parse import quote

import pyogrio
import pytest

from tests.integration.ogc.ogc_seed import NAMED, SECRET_OUTPUT, seed_enterprises


@pytest.fixture(scope="module", autouse=True)
def seeded(engine):
    return seed_enterprises(engine)


@pytest.fixture(scope="module")
def investor(client, engine):
    from app.core.users import add_user

    add_user(engine, "export-investor", "investment", "investor-pass-3")
    token = client.post("/auth/token", data={"username": "export-investor", "password": "investor-pass-3"}).json()
    return {"Authorization": f"Bearer {token['access_token']}"}


FILTER = "filter=" + quote("uscc LIKE 'T%' AND employees >= 15")


def test_geojson_export_streams_every_match(client, engine):
    res = client.get(f"/collections/enterprises/export?format=geojson&{FILTER}")
    assert res.status_code == 200 and "attachment" in res.headers["content-disposition"]
    body = json.loads(res.content)
    expected = client.get(f"/collections/enterprises/items?limit=1&{FILTER}").json()["numberMatched"]
    assert len(body["features"]) == expected > 0
    assert all(f["properties"]["employees"] >= 15 for f in body["features"])
    assert all("output_value" not in f["properties"] for f in body["features"])


def test_gpkg_export_opens_in_gdal_with_chinese_names(client, tmp_path):
    res = client.get("/collections/towns/export?format=gpkg")
    assert res.status_code == 200
    path = tmp_path / "towns.gpkg"
    path.write_bytes(res.content)
    df = pyogrio.read_dataframe(path)
    assert len(df) == 11 and "华新镇" in set(df["name_zh"])
    assert df.crs.to_epsg() == 4326
    minx, miny, maxx, maxy = df.total_bounds
    assert 120.8 < minx < maxx < 121.4 and 30.9 < miny < maxy < 31.35


def test_gpkg_export_in_4549(client, tmp_path):
    res = client.get("/collections/stations/export?format=gpkg&crs=" + quote("http://www.opengis.net/def/crs/EPSG/0/4549"))
    path = tmp_path / "stations.gpkg"
    path.write_bytes(res.content)
    df = pyogrio.read_dataframe(path)
    assert df.crs.to_epsg() == 4549
    assert 550_000 < df.geometry.x.min() < 650_000  # easting in metres stored as x


def test_csv_export_has_bom_for_excel(client):
    res = client.get(f"/collections/enterprises/export?format=csv&{FILTER}")
    assert res.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(res.content.decode("utf-8-sig"))))
    assert rows and {"华新智慧物流测试企业"} <= {r["name"] for r in rows}
    assert "output_value" not in rows[0]


def test_public_exports_never_carry_output_value_but_investors_do(client, investor, tmp_path):
    for fmt in ("geojson", "csv", "gpkg"):
        res = client.get(f"/collections/enterprises/export?format={fmt}")
        assert res.status_code == 200
        if fmt == "gpkg":
            path = tmp_path / "e.gpkg"
            path.write_bytes(res.content)
            assert "output_value" not in pyogrio.read_info(path)["fields"]
        else:
            assert b"output_value" not in res.content and str(SECRET_OUTPUT).encode() not in res.content
    res = client.get("/collections/enterprises/export?format=csv&filter=" + quote(f"uscc = '{NAMED[0][0]}'"),
                     headers=investor)
    row = next(csv.DictReader(io.StringIO(res.content.decode("utf-8-sig"))))
    assert float(row["output_value"]) == SECRET_OUTPUT


@pytest.mark.parametrize("query, fragment", [
    ("format=shp", "format 'shp'"),
    ("format=csv&limit=5", "unknown query parameter"),
    ("filter=" + quote("employees >>"), "CQL2"),
    ("filter=" + quote("output_value > 0"), "not a queryable"),
])
def test_bad_export_requests(client, query, fragment):
    res = client.get(f"/collections/enterprises/export?{query}")
    assert res.status_code == 400 and fragment in res.json()["detail"]


def test_gpkg_export_in_batches_keeps_every_row_and_nulls(client, engine, tmp_path, monkeypatch):
    from sqlalchemy import text

    from app.ogc import exports

    monkeypatch.setattr(exports, "GPKG_BATCH", 40)  # several appends for the ~300 seeded rows
    with engine.begin() as conn:
        conn.execute(text("UPDATE enterprises SET employees = NULL WHERE uscc = :u"), {"u": NAMED[2][0]})
    try:
        res = client.get("/collections/enterprises/export?format=gpkg&filter=" + quote("uscc LIKE 'T%'"))
        path = tmp_path / "batched.gpkg"
        path.write_bytes(res.content)
        df = pyogrio.read_dataframe(path)
        with engine.connect() as conn:
            assert len(df) == conn.execute(text("SELECT count(*) FROM enterprises WHERE uscc LIKE 'T%'")).scalar_one()
        row = df[df["id"] == NAMED[2][0]].iloc[0]
        assert row["employees"] != row["employees"] or row["employees"] is None  # null, not 0
        assert df[df["id"] == NAMED[0][0]].iloc[0]["employees"] == NAMED[0][4]
    finally:
        with engine.begin() as conn:
            conn.execute(text("UPDATE enterprises SET employees = :e WHERE uscc = :u"), {"e": NAMED[2][4], "u": NAMED[2][0]})

"""OGC API – Features Parts 2 and 3 through HTTP: CQL2 filters, queryables, sortby, properties, CRS,
numberMatched, CSV, role rules and the 400 problems."""
import csv
import io
import json
from urllib.parse import quote

import pytest

from tests.integration.ogc.ogc_seed import NAMED, SECRET_OUTPUT, seed_enterprises


@pytest.fixture(scope="module", autouse=True)
def seeded(engine):
    return seed_enterprises(engine)


@pytest.fixture(scope="module")
def investor(client, engine):
    from app.core.users import add_user

    add_user(engine, "ogc-investor", "investment", "investor-pass-1")
    token = client.post("/auth/token", data={"username": "ogc-investor", "password": "investor-pass-1"}).json()
    return {"Authorization": f"Bearer {token['access_token']}"}


def items(client, cid, query="", headers=None):
    res = client.get(f"/collections/{cid}/items?{query}", headers=headers or {})
    assert res.status_code == 200, res.text
    return res.json()


def test_conformance_declares_parts_2_and_3(client):
    classes = client.get("/conformance").json()["conformsTo"]
    for suffix in ("ogcapi-features-2/1.0/conf/crs", "ogcapi-features-3/1.0/conf/filter", "cql2/1.0/conf/cql2-text",
                   "cql2/1.0/conf/cql2-json", "cql2/1.0/conf/basic-spatial-functions"):
        assert any(c.endswith(suffix) for c in classes), suffix


def test_queryables_are_a_json_schema_without_confidential_fields_for_the_public(client, investor):
    res = client.get("/collections/enterprises/queryables")
    assert res.status_code == 200 and res.headers["content-type"].startswith("application/schema+json")
    body = res.json()
    assert body["type"] == "object" and body["additionalProperties"] is False
    assert body["properties"]["geometry"]["format"] == "geometry-point"
    assert body["properties"]["employees"]["type"] == "integer"
    assert "output_value" not in body["properties"]
    assert "output_value" in client.get("/collections/enterprises/queryables", headers=investor).json()["properties"]


def test_cql2_text_filter_selects_matching_enterprises(client):
    body = items(client, "enterprises", "filter=" + quote("name LIKE '%测试企业' AND employees > 100"))
    names = sorted(f["properties"]["name"] for f in body["features"])
    assert names == ["华新智慧物流测试企业"]
    assert body["numberMatched"] == 1


def test_cql2_json_filter_and_in_between(client):
    doc = {"op": "and", "args": [{"op": "in", "args": [{"property": "uscc"}, [n[0] for n in NAMED]]},
                                 {"op": "between", "args": [{"property": "established"}, 1990, 2015]}]}
    body = items(client, "enterprises", "filter-lang=cql2-json&filter=" + quote(json.dumps(doc)))
    assert sorted(f["id"] for f in body["features"]) == [NAMED[0][0], NAMED[2][0]]


def test_spatial_filter_with_wkt_and_with_lat_lon_filter_crs(client):
    box = "POLYGON((120.95 31.06, 120.97 31.06, 120.97 31.09, 120.95 31.09, 120.95 31.06))"
    body = items(client, "enterprises", "filter=" + quote(f"S_WITHIN(geometry, {box}) AND name LIKE '西岑%'"))
    assert [f["id"] for f in body["features"]] == [NAMED[1][0]]
    # The same box in EPSG:4326 is written latitude first.
    box_latlon = "POLYGON((31.06 120.95, 31.06 120.97, 31.09 120.97, 31.09 120.95, 31.06 120.95))"
    body = items(client, "enterprises", "filter-crs=" + quote("http://www.opengis.net/def/crs/EPSG/0/4326")
                 + "&filter=" + quote(f"S_INTERSECTS(geometry, {box_latlon}) AND name LIKE '西岑%'"))
    assert [f["id"] for f in body["features"]] == [NAMED[1][0]]


def test_array_queryable_in_filter_and_property_parameter(client):
    with_core = items(client, "enterprises", "zones=core&limit=1000")["features"]
    via_cql = items(client, "enterprises", "limit=1000&filter=" + quote("zones = 'core'"))["features"]
    assert with_core and sorted(f["id"] for f in with_core) == sorted(f["id"] for f in via_cql)


def test_sortby_and_properties(client):
    body = items(client, "enterprises", "sortby=-employees,%2Bname&properties=name,employees&limit=5")
    employees = [f["properties"]["employees"] for f in body["features"]]
    assert employees == sorted(employees, reverse=True) and employees[0] == 420
    assert set(body["features"][0]["properties"]) == {"name", "employees"}


def test_crs_epsg_4326_swaps_axes_and_sets_content_crs(client):
    uri = "http://www.opengis.net/def/crs/EPSG/0/4326"
    res = client.get(f"/collections/stations/items?crs={quote(uri)}&filter=" + quote("name_zh = '西岑'"))
    assert res.headers["content-crs"] == f"<{uri}>"
    lat, lon = res.json()["features"][0]["geometry"]["coordinates"]
    assert abs(lat - 31.073) < 0.002 and abs(lon - 120.960) < 0.002
    default = client.get("/collections/stations/items?filter=" + quote("name_zh = '西岑'"))
    assert default.headers["content-crs"] == "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"


def test_crs_4549_is_metres_northing_first_and_bbox_crs_round_trips(client):
    uri = "http://www.opengis.net/def/crs/EPSG/0/4549"
    feat = items(client, "stations", f"crs={quote(uri)}&filter=" + quote("name_zh = '西岑'"))["features"][0]
    north, east = feat["geometry"]["coordinates"]
    assert 3_400_000 < north < 3_500_000 and 550_000 < east < 650_000
    bbox = f"{north - 200},{east - 200},{north + 200},{east + 200}"
    body = items(client, "stations", f"bbox={bbox}&bbox-crs={quote(uri)}")
    assert [f["properties"]["name_zh"] for f in body["features"]] == ["西岑"]


def test_bbox_in_4326_is_lat_lon(client):
    body = items(client, "stations", "bbox=31.06,120.95,31.08,120.97&bbox-crs=EPSG:4326")
    assert [f["properties"]["name_zh"] for f in body["features"]] == ["西岑"]


def test_number_matched_is_exact_and_paging_covers_everything(client, seeded):
    body = items(client, "enterprises", "limit=100&filter=" + quote("uscc LIKE 'T%'"))
    assert body["numberMatched"] == seeded
    seen, url = set(), "/collections/enterprises/items?limit=120&filter=" + quote("uscc LIKE 'T%'")
    while url:
        page = client.get(url).json()
        seen |= {f["id"] for f in page["features"]}
        nxt = [link["href"] for link in page["links"] if link["rel"] == "next"]
        url = nxt[0].replace("http://testserver", "") if nxt else None
    assert len(seen) == seeded


def test_csv_has_bom_and_chinese_text(client):
    res = client.get("/collections/towns/items?f=csv")
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/csv")
    assert res.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(res.content.decode("utf-8-sig"))))
    assert len(rows) == 11 and "华新镇" in {r["name_zh"] for r in rows}
    assert rows[0]["geometry_wkt"].startswith("MULTIPOLYGON")


def test_public_never_receives_output_value_from_items(client, investor):
    public = items(client, "enterprises", "limit=1000")
    assert public["features"] and all("output_value" not in f["properties"] for f in public["features"])
    one = client.get(f"/collections/enterprises/items/{NAMED[0][0]}").json()
    assert "output_value" not in one["properties"]
    csv_text = client.get("/collections/enterprises/items?f=csv&limit=1000").content.decode("utf-8-sig")
    assert "output_value" not in csv_text and str(SECRET_OUTPUT) not in csv_text
    res = client.get("/collections/enterprises/items?properties=output_value")
    assert res.status_code == 400
    res = client.get("/collections/enterprises/items?sortby=output_value")
    assert res.status_code == 400
    seen = client.get(f"/collections/enterprises/items/{NAMED[0][0]}", headers=investor).json()
    assert seen["properties"]["output_value"] == SECRET_OUTPUT


@pytest.mark.parametrize("query, fragment", [
    ("frobnicate=1", "unknown query parameter"),
    ("filter=" + quote("employees >"), "at character 12"),
    ("filter=" + quote("name LIKE"), "CQL2 filter error"),
    ("filter-lang=cql2-json&filter=" + quote('{"op": "=", "args": [{"property": "nope"}, 1]}'), "/args/0"),
    ("filter-lang=cql3&filter=a", "filter-lang"),
    ("filter=" + quote("output_value > 1"), "not a queryable"),
    ("bbox=121,31,121.1", "four numbers"),
    ("bbox=121.2,31,121.1,31.2", "minimum exceeds"),
    ("bbox=a,b,c,d", "four numbers"),
    ("bbox=200,31,201,32", "outside"),
    ("crs=EPSG:3857", "crs 'EPSG:3857' is not supported"),
    ("bbox-crs=EPSG:9999&bbox=1,2,3,4", "bbox-crs"),
    ("filter-crs=urn:nothing&filter=" + quote("employees > 1"), "filter-crs"),
    ("sortby=nosuch", "sortby"),
    ("properties=nosuch", "unknown property"),
    ("employees=lots", "must be of type integer"),
])
def test_bad_requests_are_400_problems(client, query, fragment):
    res = client.get(f"/collections/enterprises/items?{query}")
    assert res.status_code == 400, res.text
    assert res.headers["content-type"].startswith("application/problem+json")
    assert fragment in res.json()["detail"]


def test_a_bad_filter_reports_its_position_as_a_member(client):
    body = client.get("/collections/enterprises/items?filter=" + quote("employees > 5 AND")).json()
    assert body["position"] == 18

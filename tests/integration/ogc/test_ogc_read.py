"""OGC API – Features (read) over the layout, through the app's HTTP interface."""
import pytest

COLLECTIONS = ["district", "towns", "zones", "corridor_routes", "stations"]


def test_landing_links_to_conformance_and_collections(client):
    body = client.get("/").json()
    rels = {link["rel"] for link in body["links"]}
    assert {"self", "conformance", "data", "service-desc"} <= rels


def test_conformance_declares_core_and_geojson(client):
    classes = client.get("/conformance").json()["conformsTo"]
    assert any(c.endswith("/conf/core") for c in classes)
    assert any(c.endswith("/conf/geojson") for c in classes)


def test_collections_lists_the_layout_layers_with_extent(client):
    body = client.get("/collections").json()
    ids = [c["id"] for c in body["collections"]]
    for cid in COLLECTIONS:
        assert cid in ids
    towns = next(c for c in body["collections"] if c["id"] == "towns")
    minx, miny, maxx, maxy = towns["extent"]["spatial"]["bbox"][0]
    assert 120.8 < minx < maxx < 121.4 and 30.9 < miny < maxy < 31.35


@pytest.mark.parametrize("cid", COLLECTIONS)
def test_items_are_geojson_features(client, cid):
    res = client.get(f"/collections/{cid}/items")
    assert res.status_code == 200
    assert res.headers["content-type"].startswith("application/geo+json")
    body = res.json()
    assert body["type"] == "FeatureCollection"
    assert body["numberReturned"] == len(body["features"]) > 0
    assert body["numberMatched"] >= body["numberReturned"]


def test_paging_with_next_and_prev_links_walks_all_towns(client):
    seen, url = [], "/collections/towns/items?limit=4"
    while url:
        body = client.get(url).json()
        seen += [f["id"] for f in body["features"]]
        nxt = [link["href"] for link in body["links"] if link["rel"] == "next"]
        url = nxt[0].replace("http://testserver", "") if nxt else None
    assert len(seen) == len(set(seen)) == 11
    second = client.get("/collections/towns/items?limit=4&offset=4").json()
    assert any(link["rel"] == "prev" for link in second["links"])


def test_bbox_selects_the_features_it_touches(client):
    # A small box around 西岑 station (far west) holds that station and not 虹桥火车站.
    body = client.get("/collections/stations/items?bbox=120.95,31.06,120.97,31.08").json()
    names = [f["properties"]["name_zh"] for f in body["features"]]
    assert names == ["西岑"]


def test_property_filter_on_kind_and_array_membership(client):
    clusters = client.get("/collections/zones/items?kind=cluster").json()["features"]
    assert len(clusters) == 5
    with_huaxin = client.get("/collections/zones/items?member_towns=huaxin").json()["features"]
    assert sorted(f["id"] for f in with_huaxin) == ["cluster-expo", "cluster-logistics", "cluster-manufacturing"]


def test_single_item_and_missing_item(client):
    core = client.get("/collections/zones/items/core")
    assert core.status_code == 200 and core.json()["properties"]["kind"] == "core"
    missing = client.get("/collections/zones/items/nope")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("query, fragment", [
    ("foo=1", "unknown query parameter"),
    ("bbox=1,2,3", "four numbers"),
    ("bbox=121.2,31,121.1,31.2", "minimum exceeds"),
    ("limit=0", "limit must be between"),
    ("limit=abc", "whole number"),
    ("f=xml", "unknown format"),
])
def test_bad_parameters_are_400_problems(client, query, fragment):
    res = client.get(f"/collections/towns/items?{query}")
    assert res.status_code == 400
    assert res.headers["content-type"].startswith("application/problem+json")
    assert fragment in res.json()["detail"]


def test_html_for_browsers(client):
    res = client.get("/collections/zones/items", headers={"accept": "text/html,application/xhtml+xml"})
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/html")
    assert "新兴产业创新制造核" in res.text
    assert "/vendor/leaflet/leaflet.js" in res.text


@pytest.mark.parametrize("crs, lat_first", [("http://www.opengis.net/def/crs/OGC/1.3/CRS84", "false"),
                                            ("http://www.opengis.net/def/crs/EPSG/0/4326", "true")])
def test_html_map_reads_the_axis_order_of_the_crs(client, crs, lat_first):
    res = client.get(f"/collections/stations/items?f=html&crs={crs}")
    assert res.status_code == 200 and f"var latFirst = {lat_first};" in res.text


def test_html_in_metres_says_it_has_no_map(client):
    res = client.get("/collections/stations/items?f=html&crs=http://www.opengis.net/def/crs/EPSG/0/4549")
    assert res.status_code == 200 and "no map for this crs" in res.text and "items-map" not in res.text

"""Name search over towns, zones, stations and enterprises, as the caller's role sees them."""
import pytest

from tests.integration.ogc.ogc_seed import NAMED, seed_enterprises


@pytest.fixture(scope="module", autouse=True)
def seeded(engine):
    return seed_enterprises(engine)


def test_search_finds_places_and_enterprises_in_both_languages(client):
    body = client.get("/search", params={"q": "华新"}).json()
    hits = {(f["properties"]["collection"], f["properties"]["name_zh"]) for f in body["features"]}
    assert ("towns", "华新镇") in hits and ("enterprises", NAMED[0][1]) in hits
    english = client.get("/search", params={"q": "xicen"}).json()["features"]
    assert any(f["properties"]["name_zh"] == "西岑" for f in english)  # case-insensitive, English names


def test_exact_names_come_first_and_results_carry_a_point_and_bbox(client):
    first = client.get("/search", params={"q": "西岑"}).json()["features"][0]
    assert first["properties"]["name_zh"] == "西岑"
    assert first["geometry"]["type"] == "Point" and len(first["bbox"]) == 4


def test_search_never_shows_what_the_role_may_not_see(client):
    body = client.get("/search", params={"q": "测试企业", "limit": 50}).json()
    assert body["features"] and all(set(f["properties"]) == {"collection", "fid", "name_zh", "name_en", "layer_zh",
                                                             "layer_en"} for f in body["features"])
    assert all(f["properties"]["collection"] != "sites" for f in body["features"])


def test_like_wildcards_in_the_query_are_literal(client):
    assert client.get("/search", params={"q": "%"}).json()["features"] == []


@pytest.mark.parametrize("query, fragment", [("", "q must name"), ("q=a&limit=0", "limit must be between"),
                                              ("q=a&foo=1", "unknown query parameter")])
def test_bad_searches_are_400(client, query, fragment):
    res = client.get(f"/search?{query}")
    assert res.status_code == 400 and fragment in res.json()["detail"]

"""What browsers and standard clients rely on beyond Part 1 basics: CORS, HEAD, OPTIONS, datetime, limits."""
from datetime import timedelta

import pytest
from sqlalchemy import text

OTHER = "http://portal.example.org"


@pytest.mark.parametrize("path", ["/collections/zones/items", "/collections/zones/tiles/WebMercatorQuad/10/857/418",
                                  "/tiles/WebMercatorQuad/tilejson.json", "/collections/nosuch/items",
                                  "/collections/zones/export?format=csv"])
def test_reads_from_another_origin_are_allowed_without_credentials(client, path):
    res = client.get(path, headers={"Origin": OTHER})
    assert res.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in res.headers
    exposed = {h.strip().lower() for h in res.headers["access-control-expose-headers"].split(",")}
    assert {"etag", "content-crs", "location", "link"} <= exposed


@pytest.mark.parametrize("path", ["/collections/zones/items/core", "/collections/zones/tiles/WebMercatorQuad/1/1/1",
                                  "/no/such/route"])
def test_preflight_is_answered_on_every_route(client, path):
    res = client.options(path, headers={"Origin": OTHER, "Access-Control-Request-Method": "PUT",
                                        "Access-Control-Request-Headers": "authorization, if-match, content-type"})
    assert res.status_code == 204
    allowed = {h.strip().lower() for h in res.headers["access-control-allow-headers"].split(",")}
    assert {"authorization", "if-match", "content-type", "x-change-comment"} <= allowed
    assert "PUT" in res.headers["access-control-allow-methods"]


def test_configured_origins_get_credentials(database_url):
    from fastapi.testclient import TestClient

    from app.core.settings import load_settings
    from app.main import create_app

    settings = load_settings().with_database(database_url).model_copy(
        update={"cors_origins": "https://gis.qingpu.example", "cors_any_origin": False})
    with TestClient(create_app(settings)) as c:
        res = c.get("/collections", headers={"Origin": "https://gis.qingpu.example"})
        assert res.headers["access-control-allow-origin"] == "https://gis.qingpu.example"
        assert res.headers["access-control-allow-credentials"] == "true"
        other = c.get("/collections", headers={"Origin": OTHER})
        assert "access-control-allow-origin" not in other.headers


@pytest.mark.parametrize("path", ["/", "/collections/zones/items?limit=2", "/collections/zones/items/core",
                                  "/collections/zones/tiles/WebMercatorQuad/10/857/418"])
def test_head_answers_like_get_without_a_body(client, path):
    got, head = client.get(path), client.head(path)
    assert head.status_code == got.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]


def test_plain_options_lists_the_methods_of_a_path(client):
    res = client.options("/collections/towns/items/x/versions")
    assert res.status_code == 404
    res = client.options("/collections/zones/items/core/versions")
    assert res.status_code == 204
    assert {m.strip() for m in res.headers["allow"].split(",")} == {"GET", "HEAD", "OPTIONS"}
    assert {m.strip() for m in client.options("/auth/token").headers["allow"].split(",")} == {"POST", "OPTIONS"}


def test_limit_above_the_maximum_is_served_at_the_maximum(client, app):
    res = client.get("/collections/towns/items?limit=20000")
    assert res.status_code == 200
    assert res.json()["numberReturned"] == 11
    assert app.state.settings.max_items_limit == 10000
    assert client.get("/collections/towns/items?limit=0").status_code == 400


def test_items_and_item_carry_a_time_stamp(client):
    assert client.get("/collections/towns/items").json()["timeStamp"].endswith("Z")
    assert client.get("/collections/zones/items/core").json()["timeStamp"].endswith("Z")


def _zone_times(engine):
    with engine.connect() as conn:
        return dict(conn.execute(text("SELECT id, updated_at FROM zones")).all())


def _ids(client, query):
    res = client.get(f"/collections/zones/items?limit=1000&datetime={query}")
    assert res.status_code == 200, res.text
    return {f["id"] for f in res.json()["features"]}


def _z(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def test_zones_declare_their_temporal_extent(client, engine):
    times = _zone_times(engine)
    interval = client.get("/collections/zones").json()["extent"]["temporal"]["interval"][0]
    assert interval[0] == min(times.values()).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert interval[1] == max(times.values()).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_datetime_instants_and_intervals_over_plain_http(client, engine):
    times = _zone_times(engine)
    first, last = min(times.values()), max(times.values())
    every = set(times)
    assert _ids(client, f"{_z(first)}/..") == every
    assert _ids(client, f"../{_z(last)}") == every
    assert _ids(client, f"{_z(first)}/{_z(last)}") == every
    assert _ids(client, f"../{_z(first - timedelta(seconds=1))}") == set()
    assert _ids(client, f"{_z(last + timedelta(seconds=1))}/..") == set()
    assert _ids(client, _z(last)) == {i for i, t in times.items() if t == last}
    assert _ids(client, last.astimezone().date().isoformat()) >= set() and \
        _ids(client, f"{first.date().isoformat()}/{last.date().isoformat()}") == every


def test_a_datetime_property_filter_takes_a_time_and_refuses_words(client, engine):
    times = _zone_times(engine)
    core = times["core"]
    same = _z(core).replace(".", "%2E")
    res = client.get(f"/collections/zones/items?updated_at={same}")
    assert res.status_code == 200 and "core" in {f["id"] for f in res.json()["features"]}
    bad = client.get("/collections/zones/items?updated_at=%C2%BFf")
    assert bad.status_code == 400 and "updated_at must be of type datetime" in bad.json()["detail"]


@pytest.mark.parametrize("value, fragment", [("yesterday", "RFC 3339"), ("2026-01-02/2026-01-01", "starts after"),
                                             ("..", "cannot be open"), ("a/b/c", "more than one")])
def test_bad_datetime_is_a_400_problem(client, value, fragment):
    res = client.get(f"/collections/zones/items?datetime={value}")
    assert res.status_code == 400
    assert res.headers["content-type"].startswith("application/problem+json")
    assert fragment in res.json()["detail"]


def test_datetime_on_a_collection_without_time_is_refused(client):
    res = client.get("/collections/towns/items?datetime=2026-01-01")
    assert res.status_code == 400 and "datetime" in res.json()["detail"]


def _allow_set(res):
    return {m.strip() for m in res.headers["allow"].split(",")}


def test_options_on_zone_items_tells_each_role_what_it_may_do(client, planner_auth, investment_auth):
    assert "POST" in _allow_set(client.options("/collections/zones/items", headers=planner_auth))
    assert "POST" not in _allow_set(client.options("/collections/zones/items"))
    assert "POST" not in _allow_set(client.options("/collections/zones/items", headers=investment_auth))
    assert {"PUT", "PATCH", "DELETE"} <= _allow_set(client.options("/collections/zones/items/core", headers=planner_auth))
    assert _allow_set(client.options("/collections/zones/items/core")) == {"GET", "HEAD", "OPTIONS"}
    assert "POST" not in _allow_set(client.options("/collections/towns/items", headers=planner_auth))


def test_conformance_declares_part_4(client):
    classes = client.get("/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete" in classes
    assert "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update" in classes


def test_allow_and_etag_go_out_with_the_case_qgis_compares(live_server):
    import http.client
    from urllib.parse import urlparse

    u = urlparse(live_server)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    conn.request("OPTIONS", "/collections/zones/items/unknown_id")
    first = conn.getresponse()
    first.read()
    assert "Allow" in [name for name, _ in first.getheaders()]
    conn.request("GET", "/collections/zones/items/core")
    res = conn.getresponse()
    res.read()
    assert "ETag" in [name for name, _ in res.getheaders()]


def test_a_bbox_with_heights_is_read_as_its_flat_box(client):
    flat = client.get("/collections/stations/items?bbox=120.95,31.06,120.97,31.08").json()
    high = client.get("/collections/stations/items?bbox=120.95,31.06,-10,120.97,31.08,100").json()
    assert [f["id"] for f in high["features"]] == [f["id"] for f in flat["features"]] != []
    assert client.get("/collections/stations/items?bbox=120.95,31.06,10,120.97,31.08,-10").status_code == 400

"""Hostile input is refused at the edge with a 4xx problem naming what is wrong, and changes nothing."""
import pytest
from sqlalchemy import text

PROBLEM = "application/problem+json"
NOTS = "NOT " * 1500 + "kind = 'core'"
DEEP_CQL2_JSON = '{"op":"not","args":[' * 300 + '{"op":"=","args":[{"property":"kind"},"core"]}' + "]}" * 300
DEEP_BODY = b'{"a":' * 5000 + b"1" + b"}" * 5000

# (name, method, path, keyword arguments of the request, status, a word the detail must contain)
CASES = [
    ("NUL in search", "get", "/search", {"params": {"q": "华\x00新"}}, 400, "q"),
    ("NUL in filter", "get", "/collections/zones/items", {"params": {"filter": "kind = 'c\x00'"}}, 400, "filter"),
    ("NUL in item id", "get", "/collections/zones/items/co%00re", {}, 400, "path"),
    ("NUL in login", "post", "/auth/token", {"data": {"username": "a\x00b", "password": "x"}}, 400, "username"),
    ("1,500 NOTs", "get", "/collections/zones/items", {"params": {"filter": NOTS}}, 400, "deeply"),
    ("deep cql2-json", "get", "/collections/zones/items",
     {"params": {"filter": DEEP_CQL2_JSON, "filter-lang": "cql2-json"}}, 400, "deeply"),
    ("array = number", "get", "/collections/enterprises/items", {"params": {"filter": "zones = 1"}}, 400, "zones"),
    ("BBOX(nan)", "get", "/collections/zones/items",
     {"params": {"filter": "S_INTERSECTS(geometry, BBOX(nan,31,121.1,31.1))"}}, 400, "finite"),
    ("bbox=nan", "get", "/collections/zones/items", {"params": {"bbox": "nan,31,121.1,31.1"}}, 400, "finite"),
    ("NUL in a JSON body", "put", "/collections/zones/items/core",
     {"content": b'{"type": "Feature", "properties": {"name_en": "a\\u0000b"}, "geometry": null}',
      "headers": {"Content-Type": "application/geo+json"}}, 400, "name_en"),
    ("deep JSON body", "post", "/sites/search", {"content": DEEP_BODY, "headers": {"Content-Type": "application/json"}},
     400, "deeply"),
    ("NaN in a JSON body", "post", "/collections/zones/items/core/rollback",
     {"content": b'{"version": NaN, "comment": "x"}', "headers": {"Content-Type": "application/json"}}, 400, "NaN"),
    ("body over the limit", "put", "/collections/zones/items/core",
     {"content": b" " * (10 * 2**20 + 1), "headers": {"Content-Type": "application/geo+json"}}, 413, "limit"),
    ("rollback with a list", "post", "/collections/zones/items/core/rollback",
     {"content": b"[1]", "headers": {"Content-Type": "application/json"}}, 400, "object"),
]


def _fingerprint(engine):
    with engine.connect() as conn:
        return conn.execute(text(
            "SELECT (SELECT count(*) FROM zone_versions), (SELECT md5(string_agg(z.id || z.version, ',' ORDER BY z.id)) "
            "FROM zones z), (SELECT md5(coalesce(string_agg(uscc || name || array_to_string(zones, ','), ',' "
            "ORDER BY uscc), '')) FROM enterprises)")).one()


@pytest.mark.parametrize("name,method,path,kwargs,status,word", CASES, ids=[c[0] for c in CASES])
def test_hostile_input_is_a_4xx_problem_and_changes_nothing(client, engine, planner_auth, name, method, path,
                                                            kwargs, status, word):
    before = _fingerprint(engine)
    headers = {**planner_auth, "If-Match": client.get("/collections/zones/items/core").headers["etag"],
               **kwargs.pop("headers", {})} if method != "get" and "auth" not in path else kwargs.pop("headers", {})
    res = getattr(client, "request")(method.upper(), path, headers=headers, **kwargs)
    assert res.status_code == status, res.text[:300]
    assert res.headers["content-type"] == PROBLEM
    body = res.json()
    assert word in body["detail"] and body["requestId"] == res.headers["x-request-id"]
    assert _fingerprint(engine) == before


HEADER = "uscc,name,industry_code,lon,lat\n"
BAD_FILES = {
    "garbage": bytes(range(256)) * 20,
    "utf16": (HEADER + "91310118MA1K000001,测试,5429,121.1,31.1\n").encode("utf-16"),
    "ten-megabyte-field": (HEADER + "91310118MA1K000001," + "x" * (10 * 2**20) + ",5429,121.1,31.1\n").encode(),
}


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_an_undecodable_csv_is_a_422_problem_about_that_file(client, engine, investment_auth, kind):
    before = _fingerprint(engine)
    res = client.post("/enterprises/import", files={"file": (f"{kind}.csv", BAD_FILES[kind], "text/csv")},
                      headers=investment_auth)
    assert res.status_code == 422, res.text[:300]
    assert res.headers["content-type"] == PROBLEM
    body = res.json()
    assert body["file"] == f"{kind}.csv" and body["rejections"] and body["requestId"]
    assert _fingerprint(engine) == before

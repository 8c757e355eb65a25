"""POST /sites/search against the real PostGIS test database: the hand-computed three-site example,
constraint funnel, validation errors, roles, saved searches, exports and briefs."""
import csv
import io

import pyogrio
import pytest
import shapely
from shapely.geometry import box
from sqlalchemy import text

from app.core.users import add_user
from app.sites.importer import write_sites
from gis.crs import from_measure, lonlat_to_measure
from layers.qingpu import LINE17_STATIONS
from tests.conftest import bearer_headers

STATION = next(s for s in LINE17_STATIONS if s.name_zh == "青浦新城")
SX, SY = lonlat_to_measure(STATION.lon, STATION.lat)
# Squares of 100 m north of the station: edge distances 550, 1500 and 3000 m.
OFFSETS = {"TEST-A": 600, "TEST-B": 1550, "TEST-C": 3050}
PRICES = {"TEST-A": 150.0, "TEST-B": 100.0, "TEST-C": 260.0}
# 量子 research builds on R&D land (plan/land_use.py), so the sites are RD and the default land-use rule keeps them
# 量子信息 has no industry code of its own, so no imported or demo enterprise can carry it
INDUSTRY = "quantum"
FIRMS = [("TEST-A", 300, -200), ("TEST-A", -300, -200), ("TEST-B", 300, 200)]

CRITERIA = [
    {"id": "station", "weight": 50, "transform": {"type": "linear", "best": 500, "worst": 5000}},
    {"id": "same_industry", "weight": 20, "radius_m": 1000,
     "transform": {"type": "threshold", "threshold": 2, "better": "above"}},
    {"id": "price", "weight": 30, "transform": {"type": "ideal", "ideal": 100, "tolerance": 100}},
]
SEARCH = {"profile": {"industry": INDUSTRY}, "criteria": CRITERIA}


def _square(dy: float):
    return from_measure(box(SX - 50, SY + dy - 50, SX + 50, SY + dy + 50))


def _site(sid: str) -> dict:
    return {"id": sid, "name": f"测试地块 {sid}", "kind": "parcel", "land_use": "RD", "availability": "available",
            "area_m2": None, "far_max": 1.5, "price": PRICES[sid], "address": None, "note": None,
            "geom": _square(OFFSETS[sid]), "source_crs": "wgs84", "synthetic": False}


@pytest.fixture(scope="module")
def world(engine):
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM sites; DELETE FROM saved_searches"))
        conn.execute(text("DELETE FROM enterprises WHERE uscc LIKE 'TSTSITE%' OR plan_industry = :i"), {"i": INDUSTRY})
        write_sites(conn, [_site(s) for s in OFFSETS])
        for n, (sid, dx, dy) in enumerate(FIRMS):
            lon, lat = from_measure(shapely.Point(SX + dx, SY + OFFSETS[sid] + dy)).coords[0]
            conn.execute(text(
                "INSERT INTO enterprises (uscc, name, industry_code, plan_industry, precision, source_crs, geom) "
                "VALUES (:u, :n, '7340', :i, 'exact', 'wgs84', ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))"),
                {"u": f"TSTSITE{n:011d}", "n": f"量子测试企业{n}", "i": INDUSTRY, "lon": lon, "lat": lat})
    add_user(engine, "site-staff", "investment", "pw-for-site-staff-9")
    add_user(engine, "site-public", "public", "pw-for-site-public-9")
    yield
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM enterprises WHERE uscc LIKE 'TSTSITE%'"))


@pytest.fixture(scope="module")
def staff(client, world):
    return bearer_headers(client, "site-staff", "pw-for-site-staff-9")


def search(client, staff, body, status=200):
    res = client.post("/sites/search", json=body, headers=staff)
    assert res.status_code == status, res.text
    return res.json()


def test_hand_computed_three_site_example(client, staff):
    body = search(client, staff, SEARCH)
    # station: linear 1 at 500 m, 0 at 5000 m -> (5000 - d) / 4500
    # same industry within 1000 m: threshold >= 2 firms -> 1, else 0
    # price: ideal 100 万元/亩, tolerance 100 -> 1 - |p - 100| / 100, at least 0
    expected = {
        "TEST-A": 50 * (5000 - 550) / 4500 + 20 * 1 + 30 * (1 - 50 / 100),
        "TEST-B": 50 * (5000 - 1500) / 4500 + 20 * 0 + 30 * 1,
        "TEST-C": 50 * (5000 - 3000) / 4500 + 20 * 0 + 30 * 0,
    }
    assert [r["id"] for r in body["results"]] == ["TEST-A", "TEST-B", "TEST-C"]
    for r in body["results"]:
        assert r["score"] == pytest.approx(expected[r["id"]], abs=0.01)
        by = {c["id"]: c for c in r["criteria"]}
        assert by["station"]["raw"] == pytest.approx(OFFSETS[r["id"]] - 50, abs=0.5)
        assert by["station"]["note"].endswith("青浦新城")
        assert by["price"]["raw"] == PRICES[r["id"]]
        assert sum(c["contribution"] for c in r["criteria"]) == pytest.approx(r["score"], abs=0.01)
        assert by["station"]["weight"] == 50 and by["same_industry"]["weight"] == 20
    a, b = body["results"][0], body["results"][1]
    assert {c["id"]: c["raw"] for c in a["criteria"]}["same_industry"] == 2
    assert {c["id"]: c["raw"] for c in b["criteria"]}["same_industry"] == 1
    assert a["why_below"] is None
    why = b["why_below"]
    assert [d["criterion"] for d in why["decisive"]] == ["same_industry", "station"]
    assert why["offsets"][0]["criterion"] == "price" and why["offsets"][0]["points"] == pytest.approx(-15, abs=0.01)
    assert a["area_mu"] == pytest.approx(10000 / 666.67, abs=0.05)


def test_rankings_are_reproducible(client, staff):
    first = search(client, staff, SEARCH)
    second = search(client, staff, SEARCH)
    strip = lambda b: [(r["id"], r["score"], r["criteria"]) for r in b["results"]]  # noqa: E731
    assert strip(first) == strip(second)
    assert first["sensitivity"] == second["sensitivity"]
    assert first["sensitivity"]["sites"][0]["id"] == "TEST-A"


def test_constraints_apply_in_order_with_counts(client, staff):
    body = search(client, staff, {**SEARCH, "constraints": {"availability": ["available"], "max_station_m": 2000,
                                                            "area": {"min": 10, "max": 20}}})
    assert [(f["constraint"], f["remaining"]) for f in body["funnel"]] == [
        ("availability", 3), ("industry_land_use", 3), ("area", 3), ("max_station_m", 2)]
    assert [r["id"] for r in body["results"]] == ["TEST-A", "TEST-B"]
    met = {m["constraint"]: m["value"] for m in body["results"][1]["constraints_met"]}
    assert met["max_station_m"].startswith("1500 m to 青浦新城")


def test_impossible_constraint_returns_empty_list_and_names_it(client, staff):
    body = search(client, staff, {**SEARCH, "constraints": {"availability": ["available"],
                                                            "area": {"min": 5000, "unit": "mu"}, "max_station_m": 2000}})
    assert body["results"] == [] and body["count"] == 0
    assert body["emptied_by"]["constraint"] == "area"
    assert "5000" in body["emptied_by"]["message"] and "3 site(s)" in body["emptied_by"]["message"]
    assert [f["remaining"] for f in body["funnel"]] == [3, 3, 0, 0]


def test_profile_that_the_intensity_rule_cannot_meet_empties_the_list(client, staff):
    # quantum: 1000 万元/亩; 5000 万元 supports 5 亩, the land need is 12 亩
    body = search(client, staff, {**SEARCH, "profile": {"industry": INDUSTRY, "investment_wan": 5000,
                                                        "land_need_mu": 12}})
    assert body["emptied_by"]["constraint"] == "profile_area"
    assert "impossible" in body["profile"]["rule"]
    fits = search(client, staff, {**SEARCH, "profile": {"industry": INDUSTRY, "investment_wan": 16000,
                                                        "land_need_mu": 12}})
    assert fits["profile"]["max_area_mu"] == 16.0 and fits["count"] == 3


def test_excluded_area_removes_the_site_inside_it(client, staff):
    poly = shapely.geometry.mapping(_square(OFFSETS["TEST-A"]).buffer(0.001))
    body = search(client, staff, {**SEARCH, "constraints": {"exclude": poly}})
    assert [r["id"] for r in body["results"]] == ["TEST-B", "TEST-C"]
    assert body["funnel"] == [
        {"constraint": "industry_land_use", "label": "land use 量子信息 may build on: RD 研发用地, C65 科研设计用地",
         "remaining": 3},
        {"constraint": "exclude", "label": "outside the excluded areas", "remaining": 2}]


@pytest.mark.parametrize("body, words", [
    ({**SEARCH, "criteria": [{**CRITERIA[0], "weight": 40}, *CRITERIA[1:]]}, "sum to 100"),
    ({**SEARCH, "constraints": {"area": {"min": -5}}}, "must not be negative"),
    ({**SEARCH, "constraints": {"zones": ["cluster-moon"]}}, "unknown zone 'cluster-moon'"),
    ({**SEARCH, "profile": {"industry": "unobtainium"}}, "unknown industry 'unobtainium'"),
    ({**SEARCH, "constraints": {"land_uses": ["X9"]}}, "unknown land use"),
    ({"criteria": CRITERIA}, "need the investor's industry"),
])
def test_bad_requests_are_400_problems_with_a_clear_message(client, staff, body, words):
    res = client.post("/sites/search", json=body, headers=staff)
    assert res.status_code == 400
    assert res.headers["content-type"].startswith("application/problem+json")
    assert words in res.json()["detail"]


def test_public_gets_401_without_token_and_403_with_a_public_token(client, world):
    assert client.post("/sites/search", json=SEARCH).status_code == 401
    public = bearer_headers(client, "site-public", "pw-for-site-public-9")
    res = client.post("/sites/search", json=SEARCH, headers=public)
    assert res.status_code == 403 and res.headers["content-type"].startswith("application/problem+json")
    assert client.get("/sites/searches", headers=public).status_code == 403
    assert client.get("/collections/sites/items").status_code == 404


def test_sites_collection_for_investment_staff(client, staff):
    body = client.get("/collections/sites/items", headers=staff).json()
    props = {f["id"]: f["properties"] for f in body["features"]}
    assert set(props) == {"TEST-A", "TEST-B", "TEST-C"}
    assert props["TEST-A"]["price_unit"] == "万元/亩" and props["TEST-A"]["station_id"]


def test_saved_search_reruns_on_current_data(client, staff, engine):
    saved = client.post("/sites/searches", json={"name": "quantum near 青浦新城", "search": SEARCH}, headers=staff)
    assert saved.status_code == 201, saved.text
    sid = saved.json()["id"]
    dup = client.post("/sites/searches", json={"name": "quantum near 青浦新城", "search": SEARCH}, headers=staff)
    assert dup.status_code == 409
    bad = client.post("/sites/searches", json={"name": "bad", "search": {**SEARCH, "profile": {"industry": "x"}}},
                      headers=staff)
    assert bad.status_code == 400
    listed = client.get("/sites/searches", headers=staff).json()["searches"]
    assert [s["name"] for s in listed] == ["quantum near 青浦新城"]
    before = client.get(f"/sites/searches/{sid}/run", headers=staff).json()
    assert [r["id"] for r in before["results"]] == ["TEST-A", "TEST-B", "TEST-C"]
    with engine.begin() as conn:
        conn.execute(text("UPDATE sites SET price = 100 WHERE id = 'TEST-C'"))
    try:
        after = client.get(f"/sites/searches/{sid}/run", headers=staff).json()
        c = next(r for r in after["results"] if r["id"] == "TEST-C")
        assert c["score"] == pytest.approx(50 * (5000 - 3000) / 4500 + 30, abs=0.01)
    finally:
        with engine.begin() as conn:
            conn.execute(text("UPDATE sites SET price = 260 WHERE id = 'TEST-C'"))


def test_moving_a_station_is_reflected_in_the_next_search(client, staff, engine):
    with engine.begin() as conn:
        old = conn.execute(text("SELECT id, ST_AsText(geom) FROM stations WHERE name_zh = '青浦新城'")).one()
        lon, lat = from_measure(shapely.Point(SX, SY + 1550)).coords[0]
        conn.execute(text("UPDATE stations SET geom = ST_SetSRID(ST_MakePoint(:x, :y), 4326) WHERE id = :i"),
                     {"x": lon, "y": lat, "i": old[0]})
    try:
        body = search(client, staff, SEARCH)
        b = next(r for r in body["results"] if r["id"] == "TEST-B")
        assert b["station_m"] == pytest.approx(0, abs=1)
        assert body["refreshed_sites"] >= 3
    finally:
        with engine.begin() as conn:
            conn.execute(text("UPDATE stations SET geom = ST_GeomFromText(:g, 4326) WHERE id = :i"),
                         {"g": old[1], "i": old[0]})
    assert search(client, staff, SEARCH)["results"][1]["station_m"] == pytest.approx(1500, abs=1)


def test_shortlist_exports_csv_with_bom_and_geopackage(client, staff, tmp_path):
    res = client.post("/sites/export", json={"search": SEARCH, "ids": ["TEST-C", "TEST-A"], "format": "csv"},
                      headers=staff)
    assert res.status_code == 200 and res.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(res.content.decode("utf-8-sig"))))
    assert rows[0][0] == "排名 rank" and [r[1] for r in rows[1:]] == ["TEST-A", "TEST-C"]
    gpkg = client.post("/sites/export", json={"search": SEARCH, "format": "gpkg"}, headers=staff)
    assert gpkg.status_code == 200
    path = tmp_path / "shortlist.gpkg"
    path.write_bytes(gpkg.content)
    df = pyogrio.read_dataframe(path)
    assert list(df["id"]) == ["TEST-A", "TEST-B", "TEST-C"] and df.crs.to_epsg() == 4326
    assert df.geometry.iloc[0].intersects(_square(OFFSETS["TEST-A"]))
    assert client.post("/sites/export", json={"search": SEARCH, "ids": ["NOPE"]}, headers=staff).status_code == 400


def test_brief_of_a_searched_site_has_a_map_and_no_internal_numbers(client, staff):
    res = client.post("/sites/brief", json={"search": SEARCH, "site_id": "TEST-B"}, headers=staff)
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/html")
    html = res.text
    assert "<svg" in html and "青浦新城" in html and "测试地块 TEST-B" in html
    assert "量子信息" in html  # the investor's industry from the search, by name
    assert "ranks higher" not in html and "score" not in html.lower()  # an investor's brief, not the ranking
    assert client.post("/sites/brief", json={"search": SEARCH, "site_id": "NOPE"}, headers=staff).status_code == 404


def test_the_documented_example_is_a_valid_search(client, staff):
    from app.sites.spec import EXAMPLE

    body = search(client, staff, EXAMPLE)
    assert [f["constraint"] for f in body["funnel"]] == [
        "kinds", "availability", "land_uses", "zones", "area", "profile_area", "max_station_m", "max_highway_m"]
    assert body["profile"]["max_area_mu"] == 50.0 and body["profile"]["min_area_mu"] == 40.0


def test_zero_weight_criteria_need_no_industry(client, staff):
    body = search(client, staff, {"criteria": [
        {"id": "station", "weight": 70}, {"id": "price", "weight": 30}, {"id": "chain", "weight": 0}]})
    assert [r["id"] for r in body["results"]][0] == "TEST-A" and body["count"] == 3


def test_saved_searches_belong_to_their_author_unless_shared(client, staff, engine):
    add_user(engine, "site-colleague", "investment", "pw-for-site-colleague-9")
    colleague = bearer_headers(client, "site-colleague", "pw-for-site-colleague-9")
    mine = client.post("/sites/searches", json={"name": "private shortlist", "search": SEARCH}, headers=staff)
    assert mine.status_code == 201 and mine.json()["shared"] is False
    sid = mine.json()["id"]
    # Another investment user neither lists, runs, shares nor deletes it: it does not exist for them.
    assert sid not in [s["id"] for s in client.get("/sites/searches", headers=colleague).json()["searches"]]
    assert client.get(f"/sites/searches/{sid}/run", headers=colleague).status_code == 404
    assert client.delete(f"/sites/searches/{sid}", headers=colleague).status_code == 404
    assert client.patch(f"/sites/searches/{sid}", json={"shared": True}, headers=colleague).status_code == 404
    # Shared on purpose by its author: now listed and runnable, but still only the author's to delete.
    assert client.patch(f"/sites/searches/{sid}", json={"shared": True}, headers=staff).status_code == 200
    listed = {s["id"]: s for s in client.get("/sites/searches", headers=colleague).json()["searches"]}
    assert listed[sid]["shared"] is True and listed[sid]["mine"] is False
    assert client.get(f"/sites/searches/{sid}/run", headers=colleague).status_code == 200
    assert client.delete(f"/sites/searches/{sid}", headers=colleague).status_code == 403
    assert client.delete(f"/sites/searches/{sid}", headers=staff).status_code == 204
    assert client.get(f"/sites/searches/{sid}/run", headers=staff).status_code == 404

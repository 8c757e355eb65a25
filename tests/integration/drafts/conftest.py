"""Users and firms of the draft tests (their own, so other tests' planners see none of these drafts)."""
import json

import pytest
from sqlalchemy import text

from app.core.store import bump_version
from app.core.users import add_user
from app.enterprises.assignment import reassign_usccs

PASSWORD = "drafts-test-passphrase-9"
# uscc, name, lon, lat, plan industry: inside 华新镇 (cluster-logistics today) and inside 重固镇
HUAXIN = [("D13HUAXIN000000001", "方案测试华新物流一", 121.212, 31.230, "logistics"),
          ("D13HUAXIN000000002", "方案测试华新物流二", 121.225, 31.240, "logistics"),
          ("D13HUAXIN000000003", "方案测试华新装备三", 121.205, 31.222, "equip")]
CHONGGU = [("D13CHONGGU00000001", "方案测试重固物流一", 121.165, 31.205, "logistics")]


@pytest.fixture(scope="session")
def drafts_users(client, engine):
    out = {}
    for name, role in (("draft-owner", "planner"), ("draft-colleague", "planner"), ("draft-stranger", "planner"),
                       ("draft-investor", "investment")):
        add_user(engine, name, role, PASSWORD)
        res = client.post("/auth/token", data={"username": name, "password": PASSWORD})
        assert res.status_code == 200, res.text
        out[name] = {"Authorization": f"Bearer {res.json()['access_token']}"}
    return out


@pytest.fixture(scope="module")
def draft_firms(engine):
    """Four firms placed by the project's rule; removed again afterwards."""
    firms = HUAXIN + CHONGGU
    with engine.begin() as conn:
        for uscc, name, lon, lat, industry in firms:
            conn.execute(text(
                "INSERT INTO enterprises (uscc, name, industry_code, plan_industry, precision, source_crs, geom) "
                "VALUES (:u, :n, '5429', :i, 'exact', 'wgs84', ST_SetSRID(ST_MakePoint(:x, :y), 4326)) "
                "ON CONFLICT (uscc) DO NOTHING"), {"u": uscc, "n": name, "i": industry, "x": lon, "y": lat})
        reassign_usccs(conn, [f[0] for f in firms])
    yield firms
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM enterprises WHERE uscc = ANY(:u)"), {"u": [f[0] for f in firms]})
        bump_version(conn, "enterprises")


def town_geojson(engine, code: str) -> dict:
    with engine.connect() as conn:
        return json.loads(conn.execute(text("SELECT ST_AsGeoJSON(geom) FROM towns WHERE code = :c"),
                                       {"c": code}).scalar_one())


def zone_state(engine, zone_id: str):
    with engine.connect() as conn:
        return conn.execute(text("SELECT version, md5(ST_AsBinary(geom)) AS geom, name_en FROM zones WHERE id = :id"),
                            {"id": zone_id}).one()


def new_draft(client, headers, name="测试方案", **extra) -> dict:
    res = client.post("/drafts", json={"name": name, **extra}, headers=headers)
    assert res.status_code == 201, res.text
    assert res.headers["location"].endswith(f"/drafts/{res.json()['id']}")
    return res.json()


def owslib_features(url: str, headers: dict):
    """An OWSLib Features client with these headers. OWSLib 0.35 copies them into its module-wide
    REQUEST_HEADERS (every later client in the process would send our token); keep them to this client."""
    import owslib.ogcapi as ogcapi
    from owslib.ogcapi.features import Features

    saved = dict(ogcapi.REQUEST_HEADERS)
    try:
        api = Features(url, headers=dict(headers))
        api.headers = dict(api.headers)
    finally:
        ogcapi.REQUEST_HEADERS.clear()
        ogcapi.REQUEST_HEADERS.update(saved)
    return api

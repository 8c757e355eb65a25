"""Name search over places and enterprises: short and long text, Chinese and English, roles."""
import pytest
from sqlalchemy import text

FIRMS = [("S0SEARCH0000000001", "青浦搜索测试光电有限公司", 121.12, 31.16),
         ("S0SEARCH0000000002", "Xicen Search Test Photonics", 120.96, 31.075)]


@pytest.fixture(scope="module")
def firms(engine):
    with engine.begin() as conn:
        for uscc, name, lon, lat in FIRMS:
            conn.execute(text(
                "INSERT INTO enterprises (uscc, name, industry_code, precision, source_crs, geom) VALUES "
                "(:u, :n, '3976', 'exact', 'wgs84', ST_SetSRID(ST_MakePoint(:x, :y), 4326)) ON CONFLICT DO NOTHING"),
                {"u": uscc, "n": name, "x": lon, "y": lat})
    yield
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM enterprises WHERE uscc LIKE 'S0SEARCH%'"))


def _names(client, q):
    res = client.get("/search", params={"q": q})
    assert res.status_code == 200
    return [f["properties"]["name_zh"] for f in res.json()["features"]]


@pytest.mark.parametrize("q", ["光电", "搜索测试光电", "search test", "PHOTONICS"])
def test_enterprises_are_found_by_short_and_long_parts_of_their_name(client, firms, q):
    names = _names(client, q)
    assert any("光电" in n or "Photonics" in n for n in names), names


def test_places_come_before_enterprises_and_exact_names_first(client, firms):
    names = _names(client, "华新镇")
    assert names[0] == "华新镇"


def test_the_name_index_exists(engine):
    with engine.connect() as conn:
        assert conn.execute(text("SELECT to_regclass('enterprises_name_trgm_idx')")).scalar() is not None


def test_empty_query_is_a_400(client):
    assert client.get("/search?q=").status_code == 400

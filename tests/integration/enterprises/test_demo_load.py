"""`qingpu demo load`: named enterprises plus a reproducible synthetic population."""
import pytest
from sqlalchemy import text

from app.enterprises.demo import load_demo
from app.enterprises.importer import import_enterprises
from gis.uscc import validate_uscc
from layers.named_enterprises import NAMED_ENTERPRISES
from tests.integration.enterprises.test_import_enterprises import (
    codes,
    csv_bytes,
    leave_enterprises_as_found,
)

ROWS = ("SELECT uscc, name, industry_code, plan_industry, employees, output_value, established, town, zones, "
        "primary_zone, primary_reason, precision, synthetic, ST_AsText(geom) FROM enterprises WHERE synthetic "
        "ORDER BY uscc")


@pytest.fixture(scope="module", autouse=True)
def _clean_up(engine):
    yield from leave_enterprises_as_found(engine)


def demo_rows(engine):
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(ROWS))]


def test_same_seed_same_rows_other_seed_other_rows_and_imports_survive(engine):
    real, = codes(301, 1)
    import_enterprises(engine, csv_bytes([[real, "真实企业", "3973", "121.12", "31.16", "", "", "", ""]]), "r.csv")
    first = load_demo(engine, 300, seed=5)
    rows = demo_rows(engine)
    assert first.named == len(NAMED_ENTERPRISES) and first.synthetic == 300
    assert len(rows) == 300 + len(NAMED_ENTERPRISES)
    load_demo(engine, 300, seed=5)
    assert demo_rows(engine) == rows
    load_demo(engine, 300, seed=6)
    other = demo_rows(engine)
    assert len(other) == len(rows) and other != rows
    with engine.connect() as conn:
        assert conn.execute(text("SELECT name, synthetic FROM enterprises WHERE uscc = :u"), {"u": real}).one() == \
            ("真实企业", False)


def test_demo_rows_are_valid_flagged_and_follow_the_zone_targets(engine):
    load_demo(engine, 600, seed=11)
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT e.uscc, e.name, e.precision, e.synthetic, e.plan_industry, z.target_industries, "
            "ST_Covers(d.geom, e.geom) FROM enterprises e LEFT JOIN zones z ON z.id = e.primary_zone, district d "
            "WHERE e.synthetic")).all()
    assert all(validate_uscc(r[0]) is None and r[3] and r[6] for r in rows)
    named = {r[1]: r[2] for r in rows if r[1] in {n.name for n in NAMED_ENTERPRISES}}
    assert len(named) == len(NAMED_ENTERPRISES) and set(named.values()) <= {"address", "town"}
    population = [r for r in rows if r[1].startswith("示例")]
    in_zone = [r for r in population if r[5] is not None]
    fitting = [r for r in in_zone if r[4] in r[5]]
    # ~80 % of each home zone's firms are drawn from its targets; assignment keeps most of them there.
    assert len(fitting) / len(in_zone) > 0.6
    with engine.connect() as conn:
        expo = conn.execute(text("SELECT plan_industry, zones, primary_zone FROM enterprises "
                                 "WHERE name = '国家会展中心（上海）'")).one()
    assert expo[0] == "expo" and expo[2] == "park-necc" and "cluster-expo" in expo[1]


def test_a_named_enterprise_says_how_it_was_placed(client, engine):
    load_demo(engine, 50, seed=3)
    body = client.get("/collections/enterprises/items?synthetic=true&precision=address&limit=100").json()
    huawei = next(f for f in body["features"] if f["properties"]["name"] == "华为青浦研发中心")
    props = huawei["properties"]
    assert props["synthetic"] is True and props["precision"] == "address" and props["primary_zone"] == "park-xicen"
    assert "西岑科创中心" in props["note"] and "approximate" in props["note"]

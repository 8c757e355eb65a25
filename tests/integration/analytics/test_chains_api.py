"""/analytics/chains and its 招商 target list against direct PostGIS counts.

Firms of the 生物医药 chain (and a few outside it) are inserted with SQL (uscc prefix 91310118CHN…) and placed in
zones by the project's assignment; every expectation here is counted afresh with its own SQL — ST_Contains of each
zone's geometry and a LIKE on the link's classes — over the whole table, so rows other modules leave behind do not
break it. The XLSX is read back with openpyxl and the CSV with the csv module.
"""
import csv
import io

import numpy as np
import openpyxl
import pytest
from sqlalchemy import text

from app.core.store import bump_version
from app.enterprises.assignment import reassign_usccs
from plan.chains import CHAINS

PREFIX = "91310118CHN"
# (town seat, codes to draw from, firms): a targeted cluster with a thin and an absent link, others mixed
PLACES = [
    ((121.090, 31.240), ["2710", "2720", "2761", "7340", "3581"], 30),  # 白鹤镇: 现代制造业组团
    ((121.220, 31.235), ["2720", "2761", "3581", "5151"], 18),          # 华新镇: three clusters
    ((121.045, 31.010), ["2720", "2740", "2710"], 14),                  # 练塘镇: 绿色制造组团
    ((121.125, 31.145), ["2761", "3581", "7340", "7452", "2770"], 20),  # 夏阳街道: the core
    ((121.265, 31.175), ["3973", "6513"], 8),                           # 徐泾镇: firms outside the chain
]
LINKS = CHAINS["biomed"]


@pytest.fixture(scope="module")
def chain_firms(engine):
    rng = np.random.default_rng(15)
    rows, i = [], 0
    for (lon, lat), codes, n in PLACES:
        for _ in range(n):
            i += 1
            rows.append({"uscc": f"{PREFIX}{i:07d}", "name": f"链测试企业{i:03d}", "code": str(rng.choice(codes)),
                         "employees": int(rng.integers(3, 900)), "output": float(rng.integers(100, 50000)),
                         "lon": lon + float(rng.uniform(-0.006, 0.006)), "lat": lat + float(rng.uniform(-0.006, 0.006))})
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM enterprises WHERE uscc LIKE :p"), {"p": PREFIX + "%"})
        conn.execute(text(
            "INSERT INTO enterprises (uscc, name, industry_code, employees, output_value, precision, source_crs, "
            "synthetic, geom) VALUES (:uscc, :name, :code, :employees, :output, 'exact', 'wgs84', false, "
            "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))"), rows)
        reassign_usccs(conn, [r["uscc"] for r in rows])
        bump_version(conn, "enterprises")
    yield rows
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM enterprises WHERE uscc LIKE :p"), {"p": PREFIX + "%"})
        bump_version(conn, "enterprises")


def _patterns(link) -> list[str]:
    return [c + "%" for c in link.codes]


def _sql_counts(conn) -> dict:
    """(zone, link) -> (firms, employees, output), counted by ST_Contains on the zone geometries."""
    out = {}
    for link in LINKS:
        for zone, firms, employees, output in conn.execute(text(
                "SELECT z.id, count(e.uscc), coalesce(sum(e.employees), 0), coalesce(sum(e.output_value), 0) "
                "FROM zones z LEFT JOIN enterprises e ON ST_Contains(z.geom, e.geom) "
                "AND e.industry_code LIKE ANY(:p) GROUP BY z.id"), {"p": _patterns(link)}).all():
            out[(zone, link.id)] = (int(firms), int(employees), float(output))
    return out


def _sql_district(conn) -> dict:
    return {link.id: int(conn.execute(text("SELECT count(*) FROM enterprises WHERE industry_code LIKE ANY(:p)"),
                                      {"p": _patterns(link)}).scalar()) for link in LINKS}


def _sql_gaps(conn, counts, district) -> set:
    """The gaps by the rule the response states, from the SQL counts."""
    targets = dict(conn.execute(text("SELECT id, target_industries FROM zones")).all())
    total = sum(district.values())
    gaps = set()
    for zone, t in targets.items():
        chain = sum(counts[(zone, link.id)][0] for link in LINKS)
        if not ("biomed" in (t or []) or chain >= 5):
            continue
        for link in LINKS:
            n = counts[(zone, link.id)][0]
            expected = chain * district[link.id] / total if total else 0
            if n == 0:
                gaps.add((zone, link.id, "absent"))
            elif n < 0.5 * expected:
                gaps.add((zone, link.id, "thin"))
    return gaps


def test_chain_counts_equal_a_direct_postgis_count(client, engine, chain_firms):
    body = client.get("/analytics/chains?industry=biomed").json()
    with engine.connect() as conn:
        counts = _sql_counts(conn)
        district = _sql_district(conn)
    assert body["industry"] == "biomed" and body["industry_zh"] == "生物医药"
    assert {z["zone"] for z in body["zones"]} == {zone for zone, _ in counts}
    for zone in body["zones"]:
        for link in zone["links"]:
            assert (link["firms"], link["employees"]) == counts[(zone["zone"], link["link"])][:2], (zone["zone"], link)
        assert zone["firms"] == sum(link["firms"] for link in zone["links"])
    assert {d["link"]: d["firms"] for d in body["district"]["links"]} == district
    # the fixture's firms are really in the counts: the targeted manufacturing cluster has our 30 (and more)
    manufacturing = next(z for z in body["zones"] if z["zone"] == "cluster-manufacturing")
    assert manufacturing["targets_industry"] is True and manufacturing["firms"] >= 30
    # a pharmaceutical wholesaler (5151, no plan industry) sits in the distribution link by its class
    assert body["district"]["links"][[k.id for k in LINKS].index("distribution")]["firms"] >= 1


def test_leading_firms_are_the_largest_by_employees(client, engine, chain_firms):
    body = client.get("/analytics/chains?industry=biomed&kind=cluster").json()
    assert {z["kind"] for z in body["zones"]} == {"cluster"} and len(body["zones"]) == 5
    with engine.connect() as conn:
        for zone in body["zones"]:
            for link in zone["links"]:
                expected = [r[0] for r in conn.execute(text(
                    "SELECT e.name FROM enterprises e JOIN zones z ON z.id = :z AND ST_Contains(z.geom, e.geom) "
                    "WHERE e.industry_code LIKE ANY(:p) "
                    "ORDER BY coalesce(e.employees, 0) DESC, e.name COLLATE \"C\", e.uscc LIMIT 3"),
                    {"z": zone["zone"], "p": _patterns(next(k for k in LINKS if k.id == link["link"]))}).all()]
                assert [ld["name"] for ld in link["leaders"]] == expected


def test_gaps_follow_the_stated_rule(client, engine, chain_firms):
    body = client.get("/analytics/chains?industry=biomed").json()
    with engine.connect() as conn:
        counts = _sql_counts(conn)
        gaps = _sql_gaps(conn, counts, _sql_district(conn))
    assert {(g["zone"], g["link"], g["gap"]) for g in body["gaps"]} == gaps
    assert gaps  # the fixture leaves the targeted clusters without 智慧医疗 (class 84): at least that gap
    assert ("cluster-manufacturing", "healthcare", "absent") in gaps or counts[("cluster-manufacturing", "healthcare")][0]
    rule = body["rule"]
    assert "缺失" in rule["zh"] and "thin" in rule["en"] and rule["thin_ratio"] == 0.5 and rule["min_chain_firms"] == 5
    # targeted zones first in the list
    flags = [g["targets_industry"] for g in body["gaps"]]
    assert flags == sorted(flags, reverse=True)


def _has_key(obj, key) -> bool:
    if isinstance(obj, dict):
        return key in obj or any(_has_key(v, key) for v in obj.values())
    return isinstance(obj, list) and any(_has_key(v, key) for v in obj)


def test_output_value_is_confidential(client, engine, chain_firms, investment_auth):
    public = client.get("/analytics/chains?industry=biomed").json()
    assert "confidential" in public.pop("metadata")["output_value"]
    assert not _has_key(public, "output_value")
    staff = client.get("/analytics/chains?industry=biomed", headers=investment_auth).json()
    with engine.connect() as conn:
        counts = _sql_counts(conn)
    for zone in staff["zones"]:
        for link in zone["links"]:
            assert link["output_value"] == pytest.approx(counts[(zone["zone"], link["link"])][2], abs=0.1)


def test_gap_list_exports_as_xlsx_and_csv_with_the_same_numbers(client, engine, chain_firms):
    body = client.get("/analytics/chains?industry=biomed&kind=cluster").json()
    res = client.get("/analytics/chains/gaps?industry=biomed&kind=cluster&format=xlsx")
    assert res.status_code == 200
    assert res.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert 'filename="chain-gaps-biomed-cluster.xlsx"' in res.headers["content-disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(res.content))
    assert wb.sheetnames == ["招商目标 targets", "各分区环节 links per zone", "说明 about"]
    ws = wb["招商目标 targets"]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, [c.value for c in r])) for r in ws.iter_rows(min_row=2)]
    assert len(rows) == len(body["gaps"]) > 0
    with engine.connect() as conn:
        counts = _sql_counts(conn)
        names = {r[0]: r[1] for r in conn.execute(text("SELECT name_zh, id FROM zones")).all()}
        district = _sql_district(conn)
    link_by_name = {k.zh: k.id for k in LINKS}
    for row, gap in zip(rows, body["gaps"]):
        zone, link = names[row["分区 Zone"]], link_by_name[row["环节 Link"]]
        assert (zone, link) == (gap["zone"], gap["link"])
        assert row["分区该环节企业 Firms in the link here"] == counts[(zone, link)][0]
        assert row["全区该环节企业 Firms in the link, district"] == district[link]
        assert row["缺口 Gap"] == {"absent": "缺失 absent", "thin": "薄弱 thin"}[gap["gap"]]  # words, not codes
        assert isinstance(row["分区该链企业 Chain firms here"], int)
        assert row["行业代码 GB/T 4754-2017 classes"] == " ".join(gap["codes"])
    code_cells = [r[13] for r in ws.iter_rows(min_row=2)]
    assert all(c.number_format == "@" and isinstance(c.value, str) for c in code_cells)  # 5151 stays text
    per_zone = wb["各分区环节 links per zone"]
    assert per_zone.max_row - 1 == sum(len(z["links"]) for z in body["zones"])
    about = {r[0].value: r[1].value for r in wb["说明 about"].iter_rows()}
    assert "北京时间" in next(k for k in about if k.startswith("生成时间")) and about["缺口规则"] == body["rule"]["zh"]

    res = client.get("/analytics/chains/gaps?industry=biomed&kind=cluster&format=csv")
    assert res.status_code == 200 and res.content.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(res.content.decode("utf-8-sig"))))
    assert table[0] == header and len(table) - 1 == len(rows)
    assert [int(r[9]) for r in table[1:]] == [r["分区该环节企业 Firms in the link here"] for r in rows]


@pytest.mark.parametrize("query, names", [
    ("industry=nope", "industry"), ("industry=biomed&kind=planet", "kind"), ("industry=biomed&colour=red", "colour"),
    ("industry=it", "industry"),  # an umbrella without a chain of its own
])
def test_bad_parameters_are_400_problems(client, query, names):
    for path in ("/analytics/chains", "/analytics/chains/gaps"):
        res = client.get(f"{path}?{query}")
        assert res.status_code == 400 and res.headers["content-type"].startswith("application/problem+json")
        assert names in res.json()["detail"]
    res = client.get("/analytics/chains/gaps?industry=biomed&format=pdf")
    assert res.status_code == 400 and "format" in res.json()["detail"]

"""Importing enterprise lists into the real PostGIS: encodings, coordinate systems, rejections."""
import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import text

from app.core.users import add_user
from app.enterprises.importer import import_enterprises
from gis.crs import wgs84_to_bd09, wgs84_to_gcj02
from gis.uscc import check_character, make_uscc
from tests.conftest import shared_file

HEADERS_ZH = ["统一社会信用代码", "企业名称", "行业代码", "经度", "纬度", "地址", "从业人员", "产值（万元）", "成立年份"]
QINGPU = Path(sys.executable).with_name("qingpu")


def codes(seed, n):
    rng = np.random.default_rng(seed)
    return [make_uscc(rng) for _ in range(n)]


def csv_bytes(rows, headers=HEADERS_ZH, encoding="utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def snapshot(engine):
    """Row count and a checksum of everything stored about enterprises."""
    with engine.connect() as conn:
        return conn.execute(text(
            "SELECT count(*), md5(coalesce(string_agg(e::text, '|' ORDER BY uscc), '')) FROM enterprises e")).one(), \
            conn.execute(text("SELECT count(*) FROM import_batches")).scalar_one()


def stations_in_qingpu():
    data = json.loads(shared_file("transit/metro_line17_stations_wgs84.geojson").read_text(encoding="utf-8"))
    return [(f["properties"]["name"], *f["geometry"]["coordinates"]) for f in data["features"]
            if f["properties"]["in_qingpu"]]


def distances_m(engine, truth: dict[str, tuple[float, float]]) -> dict[str, float]:
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT e.uscc, ST_Distance(e.geom::geography, ST_SetSRID(ST_MakePoint(t.lon, t.lat), 4326)::geography) "
            "FROM enterprises e JOIN unnest(CAST(:u AS text[]), CAST(:x AS float8[]), CAST(:y AS float8[])) "
            "AS t(uscc, lon, lat) ON t.uscc = e.uscc"),
            {"u": list(truth), "x": [v[0] for v in truth.values()], "y": [v[1] for v in truth.values()]}).all()
    return dict(rows)


def leave_enterprises_as_found(engine):
    """Generator for module fixtures: afterwards, remove the enterprises and import batches a test
    module added, so suites that count enterprises see only their own."""
    with engine.connect() as conn:
        before = set(conn.execute(text("SELECT uscc FROM enterprises")).scalars())
        last_batch = conn.execute(text("SELECT coalesce(max(id), 0) FROM import_batches")).scalar_one()
    yield
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM enterprises WHERE NOT (uscc = ANY(:keep))"), {"keep": list(before)})
        conn.execute(text("DELETE FROM import_batches WHERE id > :last"), {"last": last_batch})


@pytest.fixture(scope="module", autouse=True)
def _clean_up(engine):
    yield from leave_enterprises_as_found(engine)


def run_cli(database_url, *args):
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run([str(QINGPU), *args], capture_output=True, text=True, env=env, timeout=120)


def test_gbk_csv_with_gcj02_coordinates_lands_within_10_m_of_the_truth(engine, database_url, tmp_path):
    stations = stations_in_qingpu()
    ids = codes(101, len(stations))
    rows, truth = [], {}
    for code, (name, lon, lat) in zip(ids, stations):
        glon, glat = wgs84_to_gcj02(lon, lat)
        rows.append([code, f"{name}站旁物流公司", "5920", f"{glon:.6f}", f"{glat:.6f}", "", "35", "820.5", "2012"])
        truth[code] = (lon, lat)
    path = tmp_path / "gcj02_gbk.csv"
    path.write_bytes(csv_bytes(rows, encoding="gbk"))
    res = run_cli(database_url, "import", "enterprises", str(path), "--crs", "gcj02")
    assert res.returncode == 0, res.stderr
    assert f"{len(rows)} new" in res.stdout and "GB18030/GBK" in res.stdout
    dist = distances_m(engine, truth)
    assert len(dist) == len(rows)
    assert max(dist.values()) < 10.0
    with engine.connect() as conn:
        crs = conn.execute(text("SELECT DISTINCT source_crs, precision FROM enterprises WHERE uscc = ANY(:u)"),
                           {"u": ids}).all()
    assert crs == [("gcj02", "exact")]


def test_bd09_csv_through_the_api_lands_within_10_m(client, engine, investment_auth):
    stations = stations_in_qingpu()
    ids = codes(102, len(stations))
    rows, truth = [], {}
    for code, (name, lon, lat) in zip(ids, stations):
        blon, blat = wgs84_to_bd09(lon, lat)
        rows.append([code, f"{name} Software Ltd", "6513", blon, blat, "", "", "", ""])
        truth[code] = (lon, lat)
    headers = ["uscc", "name", "industry_code", "lon", "lat", "address", "employees", "output_value", "established"]
    res = client.post("/enterprises/import", headers=investment_auth, data={"crs": "bd09"},
                      files={"file": ("baidu.csv", csv_bytes(rows, headers), "text/csv")})
    assert res.status_code == 200, res.text
    report = res.json()
    assert report["loaded"] and report["inserted"] == len(rows) and report["source_crs"] == "bd09"
    assert max(distances_m(engine, truth).values()) < 10.0


def test_the_import_api_needs_the_investment_role(client, engine):
    before = snapshot(engine)
    res = client.post("/enterprises/import", files={"file": ("a.csv", csv_bytes([]), "text/csv")})
    assert res.status_code == 401 and res.headers["content-type"].startswith("application/problem+json")
    add_user(engine, "ent_public", "public", "public-pass-1")
    token = client.post("/auth/token", data={"username": "ent_public", "password": "public-pass-1"}).json()
    res = client.post("/enterprises/import", headers={"Authorization": f"Bearer {token['access_token']}"},
                      files={"file": ("a.csv", csv_bytes([]), "text/csv")})
    assert res.status_code == 403
    assert snapshot(engine) == before


def _bad_file_rows():
    """One good row, then one row per kind of mistake; returns rows and {row number: fragment}."""
    good, dup, other, bad_check, outside, unknown = codes(103, 6)
    wrong = bad_check[:17] + ("1" if check_character(bad_check[:17]) != "1" else "2")
    rows = [
        [good, "好企业", "3973", "121.12", "31.16", "", "", "", ""],                   # row 2
        [wrong, "校验位错", "3973", "121.12", "31.16", "", "", "", ""],                # row 3
        [outside, "区外企业", "3973", "121.50", "31.16", "", "", "", ""],              # row 4
        [unknown, "未知行业", "9999", "121.12", "31.16", "", "", "", ""],              # row 5
        [good, "重复代码", "3973", "121.13", "31.17", "", "", "", ""],                 # row 6
        [other, "无位置", "3973", "", "", "", "", "", ""],                             # row 7
    ]
    expected = {3: "check character", 4: "outside 青浦区", 5: "unknown industry code", 6: "already on row 2",
                7: "no location"}
    return rows, expected, good


def test_bad_rows_are_each_reported_and_nothing_is_written(client, engine, investment_auth):
    rows, expected, _ = _bad_file_rows()
    before = snapshot(engine)
    res = client.post("/enterprises/import", headers=investment_auth,
                      files={"file": ("bad.csv", csv_bytes(rows), "text/csv")})
    assert res.status_code == 422 and res.headers["content-type"].startswith("application/problem+json")
    body = res.json()
    found = {r["row"]: r["reason"] for r in body["rejections"]}
    assert set(found) == set(expected)
    for row, fragment in expected.items():
        assert fragment in found[row]
    assert body["loaded"] is False and body["accepted"] == 1
    assert snapshot(engine) == before


def test_the_cli_prints_every_rejection_writes_the_report_and_exits_non_zero(database_url, engine, tmp_path):
    rows, expected, _ = _bad_file_rows()
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes(rows, encoding="gbk"))
    before = snapshot(engine)
    res = run_cli(database_url, "import", "enterprises", str(path), "--report", str(tmp_path / "rejected.csv"))
    assert res.returncode == 1
    err_lines = [line for line in res.stderr.splitlines() if line.startswith("qingpu: error:")]
    assert len(err_lines) == 1 and "nothing was imported" in err_lines[0]
    for row, fragment in expected.items():
        assert any(line.startswith(f"row {row} ") and fragment in line for line in res.stdout.splitlines())
    with open(tmp_path / "rejected.csv", encoding="utf-8-sig") as f:
        reported = list(csv.DictReader(f))
    assert {int(r["row"]) for r in reported} == set(expected)
    assert snapshot(engine) == before


def test_partial_loads_the_valid_rows_and_dry_run_writes_nothing(engine):
    rows, expected, good = _bad_file_rows()
    data = csv_bytes(rows)
    before = snapshot(engine)
    dry = import_enterprises(engine, data, "bad.csv", dry_run=True, partial=True)
    assert dry.accepted == 1 and not dry.loaded and snapshot(engine) == before
    report = import_enterprises(engine, data, "bad.csv", partial=True)
    assert report.loaded and report.inserted == 1 and report.rejected_rows == len(expected)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM enterprises WHERE uscc = :u"), {"u": good}).scalar_one() == "好企业"


def test_broken_encoding_is_reported_on_its_row(client, engine, investment_auth):
    ok1, broken, ok2 = codes(104, 3)
    data = csv_bytes([[ok1, "华新物流", "5920", "121.22", "31.23", "", "", "", ""]], encoding="gbk")
    data += f"{broken},".encode("gbk") + b"\xff\xfe\x80\x80" + b",5920,121.22,31.23,,,,\r\n"
    data += f"{ok2},重固物流,5920,121.16,31.21,,,,\r\n".encode("gbk")
    before = snapshot(engine)
    res = client.post("/enterprises/import", headers=investment_auth,
                      files={"file": ("broken.csv", data, "text/csv")})
    assert res.status_code == 422
    (rejection,) = res.json()["rejections"]
    assert rejection["row"] == 3 and "broken encoding" in rejection["reason"]
    assert snapshot(engine) == before


@pytest.mark.parametrize("name, data, fragment", [
    ("empty.csv", b"", "is empty"),
    ("blank.csv", b"\r\n\r\n", "is empty"),
    ("no_code.csv", "企业名称,行业代码,经度,纬度\n甲,3973,121.1,31.1\n".encode("gbk"),
     "missing required column 统一社会信用代码"),
    ("no_place.csv", "统一社会信用代码,企业名称,行业代码\nX,甲,3973\n".encode(), "missing location"),
    ("list.pdf", b"%PDF-1.4", "unsupported file type"),
])
def test_file_level_problems_are_reported_and_change_nothing(client, engine, investment_auth, name, data, fragment):
    before = snapshot(engine)
    res = client.post("/enterprises/import", headers=investment_auth, files={"file": (name, data, "text/csv")})
    assert res.status_code == 422 and res.headers["content-type"].startswith("application/problem+json")
    reasons = [r["reason"] for r in res.json()["rejections"]]
    assert any(fragment in r for r in reasons), reasons
    assert snapshot(engine) == before


def test_upsert_by_credit_code_keeps_what_an_empty_cell_does_not_restate(engine):
    code, = codes(105, 1)
    first = csv_bytes([[code, "旧名称", "3973", "121.12", "31.16", "盈浦街道某路1号", "120", "5000", "2010"]])
    assert import_enterprises(engine, first, "a.csv").inserted == 1
    second = csv_bytes([[code, "新名称", "6513", "121.121", "31.161", "", "", "", ""]])
    report = import_enterprises(engine, second, "b.csv")
    assert (report.inserted, report.updated) == (0, 1)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT name, plan_industry, employees, output_value, established, address "
                                "FROM enterprises WHERE uscc = :u"), {"u": code}).one()
    assert tuple(row) == ("新名称", "software", 120, 5000.0, 2010, "盈浦街道某路1号")


def test_an_address_only_row_is_placed_at_its_town(engine):
    code, located = codes(106, 2)
    data = csv_bytes([[code, "华新镇某物流", "6020", "", "", "上海市青浦区华新镇华志路88号", "", "", ""]])
    report = import_enterprises(engine, data, "addr.csv")
    assert report.loaded and report.by_precision == {"town": 1}
    with engine.connect() as conn:
        town, precision, inside = conn.execute(text(
            "SELECT e.town, e.precision, ST_Covers(t.geom, e.geom) FROM enterprises e JOIN towns t "
            "ON t.code = e.town WHERE e.uscc = :u"), {"u": code}).one()
    assert (town, precision, inside) == ("huaxin", "town", True)


def test_xlsx_geojson_and_geopackage_import(engine, tmp_path):
    import geopandas as gpd
    from openpyxl import Workbook
    from shapely.geometry import Point

    x_code, j_code, g_code = codes(107, 3)
    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS_ZH)
    sheet.append([x_code, "表格企业", 3973, 121.12, 31.16, None, 80, 1200.5, 2018])
    buf = io.BytesIO()
    book.save(buf)
    assert import_enterprises(engine, buf.getvalue(), "list.xlsx").inserted == 1

    glon, glat = wgs84_to_gcj02(121.22, 31.23)
    feature = {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {
        "type": "Point", "coordinates": [glon, glat]}, "properties": {"uscc": j_code, "name": "GeoJSON 企业",
                                                                       "industry_code": "G5920"}}]}
    report = import_enterprises(engine, json.dumps(feature, ensure_ascii=False).encode(), "list.geojson", crs="gcj02")
    assert report.inserted == 1 and report.source_crs == "gcj02"

    frame = gpd.GeoDataFrame({"统一社会信用代码": [g_code], "企业名称": ["包企业"], "行业代码": ["2761"]},
                             geometry=[Point(121.14, 31.2)], crs=4326).to_crs(4549)
    frame.to_file(tmp_path / "list.gpkg", driver="GPKG", engine="pyogrio")
    report = import_enterprises(engine, (tmp_path / "list.gpkg").read_bytes(), "list.gpkg")
    assert report.inserted == 1
    truth = {x_code: (121.12, 31.16), j_code: (121.22, 31.23), g_code: (121.14, 31.2)}
    assert max(distances_m(engine, truth).values()) < 1.0


def test_dry_run_through_the_api_reports_without_writing(client, engine, investment_auth):
    code, = codes(108, 1)
    before = snapshot(engine)
    res = client.post("/enterprises/import", headers=investment_auth, data={"dryRun": "true", "crs": "gcj02"},
                      files={"file": ("dry.csv", csv_bytes([[code, "试运行", "3973", "121.12", "31.16",
                                                             "", "", "", ""]]), "text/csv")})
    assert res.status_code == 200
    body = res.json()
    assert body["dry_run"] and not body["loaded"] and body["accepted"] == 1 and body["inserted"] == 0
    assert snapshot(engine) == before
    by_query = client.post("/enterprises/import?dryRun=true&crs=gcj02", headers=investment_auth,
                           files={"file": ("dry.csv", csv_bytes([[code, "试运行", "3973", "121.12", "31.16",
                                                                  "", "", "", ""]]), "text/csv")})
    assert by_query.status_code == 200 and by_query.json()["dry_run"] and by_query.json()["source_crs"] == "gcj02"
    assert snapshot(engine) == before
    bad = client.post("/enterprises/import", headers=investment_auth, data={"crs": "wgs-84"},
                      files={"file": ("dry.csv", b"x", "text/csv")})
    assert bad.status_code == 400 and "crs must be one of" in bad.json()["detail"]

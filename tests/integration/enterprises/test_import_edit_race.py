"""An enterprise import racing a zone edit: assignments are always computed against the boundaries
committed with them (both take the layout lock, app.core.store.lock_layout), so after any interleaving
every enterprise's stored zones equal a PostGIS ST_Contains recomputation. And `qingpu check
assignments` finds and repairs a stored assignment that disagrees with PostGIS."""
from __future__ import annotations

import threading

import numpy as np
import pytest
from shapely.geometry import MultiPolygon, box
from sqlalchemy import text

from app.enterprises.assignment import check_assignments
from app.enterprises.importer import write_enterprises
from app.zones.store import apply_change
from gis.enterprise_rows import EnterpriseRow
from gis.uscc import make_uscc

ZONE = "race-test-cluster"
N = 2000
TRIALS = 20


@pytest.fixture
def race_world(engine):
    with engine.connect() as conn:
        x, y = conn.execute(text("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(ST_Union(geom)) p "
                                 "FROM district) d")).one()
    half = 0.008
    # The two boundaries the edit switches between: the same box moved east by its own half width.
    boxes = [MultiPolygon([box(x - half, y - half, x + half, y + half)]),
             MultiPolygon([box(x, y - half, x + 2 * half, y + half)])]
    attrs = {"kind": "cluster", "name_zh": "竞态测试组团", "name_en": "Race test cluster", "target_industries": [],
             "target_phrases": [], "member_towns": [], "parent_zone": None, "schematic": True,
             "description": "", "rank": 90}
    with engine.begin() as conn:
        apply_change(conn, "create", ZONE, "race-test", "race test zone", attrs, boxes[0])
    rng = np.random.default_rng(7)
    usccs = []
    while len(usccs) < N:
        code = make_uscc(rng)
        if code not in usccs:
            usccs.append(code)
    yield {"boxes": boxes, "attrs": attrs, "usccs": usccs, "x": x, "y": y, "half": half, "rng": rng}
    with engine.begin() as conn:
        apply_change(conn, "delete", ZONE, "race-test", "race test over", if_match="*")
        conn.execute(text("DELETE FROM enterprises WHERE uscc = ANY(:u)"), {"u": usccs})


def _records(world, trial: int) -> list[EnterpriseRow]:
    rng, x, y, half = world["rng"], world["x"], world["y"], world["half"]
    lon = rng.uniform(x - half, x + 2 * half, N)
    lat = rng.uniform(y - half * 0.9, y + half * 0.9, N)
    return [EnterpriseRow(row=i + 1, uscc=u, name=f"竞态测试企业{trial}-{i}", industry_code="3399", plan_industry=None,
                          lon=round(float(lon[i]), 7), lat=round(float(lat[i]), 7), town=None, precision="exact",
                          source_crs="wgs84") for i, u in enumerate(world["usccs"])]


def test_import_racing_a_zone_edit_leaves_assignments_equal_to_postgis(engine, race_world):
    for trial in range(TRIALS):
        records = _records(race_world, trial)
        geom = race_world["boxes"][(trial + 1) % 2]
        start = threading.Barrier(2)
        errors: list[BaseException] = []

        def do_import():
            try:
                start.wait()
                with engine.begin() as conn:
                    write_enterprises(conn, records)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        def do_edit():
            try:
                start.wait()
                with engine.begin() as conn:
                    apply_change(conn, "update", ZONE, "race-test", f"race trial {trial}", race_world["attrs"], geom,
                                 if_match="*")
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)

        threads = [threading.Thread(target=do_import), threading.Thread(target=do_edit)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert not errors, errors
        with engine.connect() as conn:
            report = check_assignments(conn, only=race_world["usccs"])
            inside = conn.execute(text("SELECT count(*) FROM enterprises WHERE uscc = ANY(:u) AND :z = ANY(zones)"),
                                  {"u": race_world["usccs"], "z": ZONE}).scalar_one()
        assert report["checked"] == N
        assert report["mismatched"] == [], f"trial {trial}: {len(report['mismatched'])} enterprises in stale zones"
        assert 0 < inside < N  # the boundary really cuts through the imported points


def test_check_assignments_reports_and_repairs(engine, race_world, database_url, capsys, monkeypatch):
    from app.cli.main import main

    with engine.begin() as conn:
        write_enterprises(conn, _records(race_world, 0)[:50])
    victim = race_world["usccs"][0]
    with engine.begin() as conn:  # corrupt one stored assignment behind the application's back
        conn.execute(text("UPDATE enterprises SET zones = '{no-such-zone}' WHERE uscc = :u"), {"u": victim})
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["check", "assignments"]) == 1
    captured = capsys.readouterr()
    assert f"{victim} " in captured.out and "stored no-such-zone" in captured.out
    assert "1 with stored zones unlike PostGIS" in captured.err and "--repair" in captured.err
    with engine.begin() as conn:
        report = check_assignments(conn, repair=True, only=race_world["usccs"][:50])
    assert [m["uscc"] for m in report["mismatched"]] == [victim] and report["repaired"] == 1
    with engine.connect() as conn:
        assert check_assignments(conn, only=race_world["usccs"][:50])["mismatched"] == []
        zones = conn.execute(text("SELECT zones FROM enterprises WHERE uscc = :u"), {"u": victim}).scalar_one()
    assert "no-such-zone" not in zones

"""Real clients against the real server: GDAL's OAPIF driver, headless Chromium on /map, the CLI."""
import subprocess
import sys

import pyogrio
from sqlalchemy import text

LAYOUT = ["district", "towns", "zones", "corridor_routes", "stations"]


def test_gdal_oapif_lists_the_collections_and_reads_every_feature(live_server, engine):
    layers = {name for name, _ in pyogrio.list_layers(f"OAPIF:{live_server}/")}
    assert set(LAYOUT) <= layers
    for cid in LAYOUT:
        frame = pyogrio.read_dataframe(f"OAPIF:{live_server}/", layer=cid)
        table = {"district": "district", "corridor_routes": "corridor_routes"}.get(cid, cid)
        with engine.connect() as conn:
            expected = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
        assert len(frame) == expected > 0, cid
        assert frame.geometry.notna().all() and frame.crs.is_geographic and "WGS 84" in frame.crs.name


def test_public_map_draws_the_layout_from_local_assets_only(live_server, page):
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(f"{live_server}/map")
    page.wait_for_selector(".leaflet-overlay-pane svg path")
    paths = page.locator(".leaflet-overlay-pane svg path").count()
    # district 1 + towns 11 + zones 22 + routes 4 (stations are circle markers, also paths)
    assert paths >= 1 + 11 + 22 + 4 + 13
    overlays = page.locator(".leaflet-control-layers-overlays label").all_text_contents()
    for title in ("District", "Towns", "Corridor routes", "Line 17"):
        assert any(title in label for label in overlays), title
    assert page.locator("#qp-legend").is_visible()
    assert "一核" in page.locator("#qp-legend").inner_text()
    assert page.locator(".leaflet-control-scale").is_visible()
    page.click("#qp-lang")
    assert "Core" in page.locator("#qp-legend").inner_text()
    outside = [u for u in requests if not u.startswith(live_server) and not u.startswith("data:")]
    assert outside == [], f"requests left the server: {outside[:3]}"


def test_cli_errors_are_one_line_and_non_zero(tmp_path):
    bad = tmp_path / "nope.geojson"
    res = subprocess.run([sys.executable, "-m", "app.cli.main", "import", "towns", str(bad)], capture_output=True, text=True)
    assert res.returncode != 0
    assert res.stderr.strip().count("\n") == 0 and "no such file" in res.stderr

"""The planner's editor in headless Chromium, driven with real mouse actions."""
import json
import urllib.request

import pytest
from shapely.geometry import shape as shapely_shape
from sqlalchemy import text

from app.core.users import add_user
from gis.partition import as_multipolygon
from tests.browser.signin import sign_in

ZONE = "park-xujing-industrial"


@pytest.fixture(scope="module")
def planner(engine):
    add_user(engine, "editor-ui", "planner", "drag-the-vertex-1")
    return "editor-ui", "drag-the-vertex-1"


def _zone_row(engine):
    with engine.connect() as conn:
        return conn.execute(text("SELECT version, md5(ST_AsBinary(geom)), area_km2 FROM zones WHERE id = :id"),
                            {"id": ZONE}).one()


def _sign_in_and_open(page, live_server, planner):
    page.goto(f"{live_server}/edit?zone={ZONE}")
    sign_in(page, planner[0], planner[1], "planner")
    page.wait_for_selector("#history li.version")


def test_planner_drags_a_vertex_previews_saves_and_rolls_back(live_server, page, engine, planner):
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    before = _zone_row(engine)
    _sign_in_and_open(page, live_server, planner)
    assert not page.locator("#save").is_disabled()

    page.click("#edit-vertices")
    vertex = page.locator(".leaflet-marker-icon.marker-icon:not(.marker-icon-middle)").first
    vertex.wait_for()
    box = vertex.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 25, y + 15, steps=8)
    page.mouse.move(x + 50, y + 30, steps=8)
    page.mouse.up()

    page.click("#preview")
    page.wait_for_selector("#impact table")
    assert "Preview only" in page.locator("#message").inner_text()
    assert _zone_row(engine) == before  # a preview saves nothing

    page.fill("#comment", "界面测试：移动一个顶点")
    page.click("#save")
    page.wait_for_selector("#message:has-text('Saved as version')")
    assert not page.locator("#confirm").is_visible()  # a small change saves without asking
    after = _zone_row(engine)
    assert after[0] == before[0] + 1 and after[1] != before[1]
    page.wait_for_selector(f"#history li.version:has-text('v{after[0]}')")
    newest = page.locator("#history li.version").first.inner_text()
    assert "界面测试" in newest and "北京时间" in newest  # local time, marked as such

    page.fill("#comment", "界面测试：回滚")
    page.locator(f"#history li.version:has-text('v{before[0]} ') button.rollback").click()
    # The rollback is previewed (areas, firms) and confirmed before anything changes.
    page.wait_for_selector("#confirm[open]")
    assert "Roll back to version" in page.locator("#confirm-body").inner_text()
    assert _zone_row(engine)[0] == after[0]
    page.click("#confirm-ok")
    page.wait_for_selector("#message:has-text('Rolled back')")
    restored = _zone_row(engine)
    assert restored[1] == before[1] and restored[0] == after[0] + 1
    outside = [u for u in requests if not u.startswith(live_server)]
    assert outside == []


def test_editor_refuses_to_save_without_a_comment(live_server, page, engine, planner):
    before = _zone_row(engine)
    _sign_in_and_open(page, live_server, planner)
    sent = []
    page.on("request", lambda r: sent.append(r.post_data) if "dryRun=true" in r.url else None)
    page.click("#preview")  # nothing moved: the browser sends the boundary back exactly as it read it
    page.wait_for_selector("#impact table")
    assert "(+0.000 / −0.000)" in page.locator("#impact").inner_text()
    with urllib.request.urlopen(f"{live_server}/collections/zones/items/{ZONE}") as res:
        served = shapely_shape(json.loads(res.read())["geometry"])
    returned = shapely_shape(json.loads(sent[0])["geometry"])
    assert as_multipolygon(returned).equals_exact(as_multipolygon(served), 0)
    page.click("#save")
    assert "comment is required" in page.locator("#message").inner_text()
    assert _zone_row(engine) == before


def test_the_editor_refuses_a_non_planner_and_signs_out(live_server, page, engine, planner):
    add_user(engine, "editor-ui-staff", "investment", "not-a-planner-1")
    page.goto(f"{live_server}/edit?zone={ZONE}")
    page.fill("#login-form input[name=username]", "editor-ui-staff")
    page.fill("#login-form input[name=password]", "not-a-planner-1")
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#signin-message:has-text('招商人员 investment staff')")
    assert "规划人员 planner" in page.locator("#signin-message").inner_text()  # what the page needs, in words
    assert "Not signed in" in page.locator("#who").inner_text()
    assert page.evaluate("sessionStorage.getItem('qingpu_token')") is None
    sign_in(page, planner[0], planner[1], "planner")
    page.wait_for_selector("#history li.version")
    assert page.locator("#edit-vertices").is_enabled()
    page.click("#logout")
    page.wait_for_selector("#who:has-text('Not signed in')")
    assert page.locator("#login-form").is_visible() and page.locator("#edit-vertices").is_disabled()
    assert page.evaluate("sessionStorage.getItem('qingpu_token')") is None


def test_a_boundary_file_replacing_most_of_a_zone_asks_first(live_server, page, engine, planner, tmp_path):
    """A planner reads a new boundary from a Shapefile in EPSG:4549; it shrinks the park by far more than
    20 %, so saving asks for a confirmation, and cancelling saves nothing."""
    import geopandas as gpd

    before = _zone_row(engine)
    with engine.connect() as conn:
        x, y = conn.execute(text("SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Transform(ST_PointOnSurface(geom), 4549) c "
                                 "FROM zones WHERE id = :id) s"), {"id": ZONE}).one()
    from shapely.geometry import Point
    folder = tmp_path / "shp"
    folder.mkdir()
    gpd.GeoDataFrame({"name": ["小地块"]}, geometry=[Point(x, y).buffer(150)], crs=4549).to_file(folder / "small.shp")
    _sign_in_and_open(page, live_server, planner)
    page.click("#upload-box summary")
    page.set_input_files("#upload-file", sorted(str(p) for p in folder.iterdir()))
    page.click("#upload")
    page.wait_for_selector("#message:has-text('EPSG:4549')")
    page.fill("#comment", "界面测试：上传边界")
    page.click("#save")
    page.wait_for_selector("#confirm[open]")
    assert "Confirm a large change" in page.locator("#confirm-title").inner_text()
    text_ = page.locator("#confirm-body").inner_text()
    assert "%" in text_ and "20 %" in text_
    assert _zone_row(engine) == before  # nothing saved while the dialog is open
    page.click("#confirm-cancel")
    page.wait_for_selector("#message:has-text('Not saved')")
    assert _zone_row(engine) == before

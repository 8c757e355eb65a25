"""In headless Chromium: two ticked sites of a search open side by side on /sites/compare (desktop and phone,
no horizontal scroll), and a brief shared from the finder opens from its link in a browser that never signed in."""
import os
from pathlib import Path

import pytest
from sqlalchemy import text

from app.core.users import add_user
from app.sites.importer import load_demo_sites
from gis.site_scoring import CRITERIA_INFO, DEFAULT_CRITERIA
from tests.browser.signin import sign_in

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("QINGPU_SCREENSHOTS", "/tmp/qingpu-screens"))


@pytest.fixture(scope="module")
def demo(engine):
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM sites"))
    load_demo_sites(engine, count=150, seed=3)
    add_user(engine, "compare-staff", "investment", "pw-for-compare-staff-9")
    yield
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM briefs; DELETE FROM sites WHERE synthetic"))


def _search_and_tick(page, live_server, n=2):
    page.goto(f"{live_server}/sites/finder")
    sign_in(page, "compare-staff", "pw-for-compare-staff-9", "investment")
    page.select_option("select[name=industry]", "newmat")
    page.click("#run")
    page.wait_for_selector("#ranked tbody tr")
    rows = page.locator("#ranked tbody tr")
    names = []
    for i in range(n):
        rows.nth(i).locator("input.pick").check()
        names.append(rows.nth(i).locator("td").nth(3).inner_text())
    return names


def _no_horizontal_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_two_ticked_sites_compare_side_by_side_on_desktop_and_phone(browser, live_server, demo):
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    names = _search_and_tick(page, live_server)
    with context.expect_page() as popup:
        page.click("#compare-picked")
    cmp = popup.value
    cmp.wait_for_selector("table.side tbody tr")
    heads = [h.inner_text() for h in cmp.locator("table.side thead th").all()][1:]
    assert len(heads) == 2 and all(n in h for n, h in zip(names, heads))
    labels = [t.inner_text() for t in cmp.locator("table.side th.label").all()]
    for c in DEFAULT_CRITERIA:
        assert CRITERIA_INFO[c.id][0] in labels, c.id
    for fact in ("最近轨交17号线车站", "价格", "投资强度", "规划目标产业"):
        assert fact in labels, fact
    every_row = cmp.locator("table.side tbody tr:not(.sec)")
    assert all(r.locator("td").count() == 2 for r in every_row.all())
    assert _no_horizontal_scroll(cmp)
    cmp.screenshot(path=str(SHOTS / "compare-1366.png"), full_page=False)
    with cmp.expect_download() as dl:
        cmp.click("#xlsx")
    assert dl.value.suggested_filename.endswith(".xlsx")
    # the phone: the same comparison as one card per site, nothing wider than the screen
    cmp.set_viewport_size({"width": 390, "height": 844})
    cmp.wait_for_selector(".cards .card")
    assert cmp.locator(".cards .card").count() == 2 and cmp.locator("table.side").is_hidden()
    assert _no_horizontal_scroll(cmp)
    cmp.screenshot(path=str(SHOTS / "compare-390.png"), full_page=False)
    context.close()


def test_a_brief_shared_from_the_finder_opens_without_signing_in(browser, live_server, demo):
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    names = _search_and_tick(page, live_server, 2)  # the second ticked site is compared inside the brief
    page.locator("#ranked tbody tr").nth(0).locator("button.brief").click()
    page.wait_for_selector("#brief-panel .b-share")
    with page.expect_download() as dl:
        page.click("#brief-panel .b-pdf")
    assert Path(dl.value.path()).read_bytes().startswith(b"%PDF")
    page.click("#brief-panel .b-share")
    url = page.locator("#brief-panel input.share-url").input_value()
    assert "/sites/briefs/shared/" in url
    context.close()

    stranger = browser.new_context(viewport={"width": 390, "height": 844})  # no token, no storage
    investor = stranger.new_page()
    res = investor.goto(url)
    assert res.status == 200
    assert names[0] in investor.locator("h1").inner_text()
    assert investor.locator("figure svg").count() == 2
    assert "备选地块比较" in investor.inner_text("body") and names[1] in investor.inner_text("table.compare")
    assert _no_horizontal_scroll(investor)
    investor.screenshot(path=str(SHOTS / "brief-shared-390.png"), full_page=False)
    investor.screenshot(path=str(SHOTS / "brief-shared-390-full.png"), full_page=True)
    stranger.close()


def test_map_and_table_are_linked_both_ways(page, live_server, demo):
    _search_and_tick(page, live_server, 0)
    rows = page.locator("#ranked tbody tr")
    third = rows.nth(2)
    sid = third.get_attribute("data-id")
    third.locator("td").nth(3).click()  # a row -> the map moves to that site and opens its popup
    page.wait_for_selector(".leaflet-popup-content")
    assert third.locator("td").nth(3).inner_text() in page.inner_text(".leaflet-popup-content")
    assert "sel" in third.get_attribute("class")
    page.wait_for_function("""(id) => { const f = window.siteFinder, b = f.siteLayers[id].getBounds();
        return f.map.getZoom() >= 13 && f.map.getBounds().intersects(b); }""", arg=sid, timeout=5000)  # shows it
    # the map -> the table: a click on the first site's polygon selects its row
    page.evaluate("() => { const g = window.siteFinder.siteLayers[document.querySelector('#ranked tbody tr').dataset.id];"
                  " g.eachLayer((l) => l.fire('click', {latlng: g.getBounds().getCenter()}, true)); }")
    assert "sel" in (rows.nth(0).get_attribute("class") or "")
    assert "sel" not in (third.get_attribute("class") or "")

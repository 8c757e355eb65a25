"""/sites/finder in headless Chromium: sign in, search, see ranked rows and polygons on the map."""
import pytest
from sqlalchemy import text

from app.core.users import add_user
from app.sites.importer import load_demo_sites
from tests.browser.signin import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo(engine):
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM sites"))
    load_demo_sites(engine, count=150, seed=3)
    add_user(engine, "finder-staff", "investment", "pw-for-finder-staff-9")
    yield
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM sites WHERE synthetic"))


def _sign_in(page, live_server):
    page.goto(f"{live_server}/sites/finder")
    sign_in(page, "finder-staff", "pw-for-finder-staff-9", "investment")


def test_sign_in_search_and_see_ranked_rows(page, live_server, demo):
    _sign_in(page, live_server)
    page.select_option("select[name=industry]", "newmat")
    page.fill("input[name=area_min]", "10")
    page.click("#run")
    page.wait_for_selector("#ranked tbody tr")
    rows = page.locator("#ranked tbody tr")
    assert rows.count() > 3
    ranks = [int(rows.nth(i).locator("td").nth(1).inner_text()) for i in range(rows.count())]
    assert ranks == list(range(1, len(ranks) + 1))
    scores = [float(rows.nth(i).locator("td").nth(9).inner_text()) for i in range(rows.count())]
    assert scores == sorted(scores, reverse=True)
    assert "ranks higher by" in rows.nth(1).locator("td.why").inner_text()
    assert page.locator("#sites-map path.leaflet-interactive").count() >= rows.count()
    assert "meet the constraints" in page.inner_text("#status")
    assert page.locator("#stability table tr").count() == 6  # header + top 5
    # tick the first two rows and export them as CSV
    rows.nth(0).locator("input.pick").check()
    rows.nth(1).locator("input.pick").check()
    with page.expect_download() as download:
        page.click("#export-csv")
    data = open(download.value.path(), "rb").read()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").strip().splitlines()
    first_ids = [rows.nth(i).locator("td").nth(2).inner_text() for i in range(2)]
    assert len(lines) == 3 and [line.split(",")[1] for line in lines[1:]] == first_ids


def test_impossible_search_says_which_constraint_emptied_it(page, live_server, demo):
    _sign_in(page, live_server)
    page.select_option("select[name=industry]", "ic")
    page.fill("input[name=area_min]", "100000")
    page.click("#run")
    page.wait_for_selector("#status.error")
    assert "No site: no site meets 'area 100000–∞ 亩'" in page.inner_text("#status")
    assert page.locator("#ranked").count() == 0


def test_an_area_drawn_on_the_map_excludes_the_sites_in_it(page, live_server, demo):
    _sign_in(page, live_server)
    page.select_option("select[name=industry]", "newmat")
    page.click("#run")
    page.wait_for_selector("#ranked tbody tr")
    first = page.locator("#ranked tbody tr").nth(0).locator("td").nth(2).inner_text()
    assert page.locator(".leaflet-pm-toolbar").count() > 0  # the drawing tools are there
    # an exclusion polygon over the first site's bounds, added as the drawing tool would add it
    page.evaluate("""(id) => {
        const b = window.siteFinder.siteLayers[id].getBounds().pad(0.5);
        window.siteFinder.excluded.addLayer(L.rectangle(b));
    }""", first)
    page.click("#run")
    page.wait_for_function("(id) => !document.querySelector('#ranked tbody').innerText.includes(id)", arg=first)
    assert "outside the excluded areas" in page.inner_text("#funnel")


def test_one_sign_in_serves_every_page_of_the_tab(page, live_server, demo):
    _sign_in(page, live_server)
    for path in ("/analytics", "/edit"):  # one token key: the other pages know who is signed in
        page.goto(f"{live_server}{path}")
        page.wait_for_selector("#who:has-text('Signed in as finder-staff · 招商人员 investment staff')")
    # ... and the editor says this role cannot edit there, and offers no edit
    assert "this page needs 规划人员 planner" in page.locator("#who").inner_text()
    page.select_option("#zone-select", "core")
    assert page.locator("#edit-vertices").is_disabled()
    page.click("#logout")
    page.goto(f"{live_server}/sites/finder")
    page.wait_for_selector("#who:has-text('Not signed in')")
    assert page.locator("#login-form").is_visible()

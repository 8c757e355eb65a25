"""The 产业链 section of /analytics in headless Chromium: per cluster the links present, the firms and the gaps,
as PostGIS counts them; the target list downloads as XLSX from the page."""
import io

import openpyxl
import pytest
from sqlalchemy import text

from tests.integration.analytics.test_chains_api import LINKS, _sql_counts, chain_firms  # noqa: F401

pytestmark = pytest.mark.browser


def _open(page, url):
    page.goto(f"{url}/analytics")
    page.wait_for_function("window.chainState && window.chainState.ready", timeout=60000)
    return page.evaluate("window.chainState")


def test_chain_section_shows_links_firms_and_gaps_per_cluster(page, live_server, engine, chain_firms):  # noqa: F811
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    state = _open(page, live_server)
    assert state["errors"] == [] and errors == []
    with engine.connect() as conn:
        counts = _sql_counts(conn)
        clusters = conn.execute(text("SELECT id, name_zh FROM zones WHERE kind = 'cluster' ORDER BY rank, id")).all()
    cards = page.locator("article.chain-zone")
    assert cards.count() == len(clusters) == 5
    for zone_id, name in clusters:
        card = page.locator(f"article.chain-zone[data-zone='{zone_id}']")
        assert name in card.locator("h3").inner_text()  # the cluster's name, not its id
        present = 0
        for link in LINKS:
            n = counts[(zone_id, link.id)][0]
            row = card.locator(f"tr[data-link='{link.id}']")
            assert link.zh in row.inner_text()
            assert int(row.locator("td.firms").inner_text()) == n, (zone_id, link.id)
            status = row.locator("td").last.inner_text()
            assert status in ("已有 present", "薄弱 thin", "缺失 absent")
            assert (status == "缺失 absent") == (n == 0)
            present += n > 0
        assert f"{present} / {len(LINKS)}" in card.locator(".chain-summary").inner_text()
    # the targeted manufacturing cluster names its gaps in words, with the plan's words for the link
    manufacturing = page.locator("article.chain-zone[data-zone='cluster-manufacturing']")
    assert "规划目标产业" in manufacturing.locator(".chain-summary").inner_text()
    gaps = manufacturing.locator("ul.chain-gaps li")
    absent = [link for link in LINKS if counts[("cluster-manufacturing", link.id)][0] == 0]
    assert gaps.count() >= len(absent) >= 1
    text_of_gaps = manufacturing.locator("ul.chain-gaps").inner_text()
    for link in absent:
        assert f"缺失 absent: {link.zh}" in text_of_gaps
    assert "规划 The plan: 「" in text_of_gaps
    # the leading firm (most employees) of the cluster's largest link is shown by name
    with engine.connect() as conn:
        top = conn.execute(text(
            "SELECT e.name FROM enterprises e JOIN zones z ON z.id = 'cluster-manufacturing' "
            "AND ST_Contains(z.geom, e.geom) WHERE e.industry_code LIKE ANY(:p) "
            "ORDER BY coalesce(e.employees, 0) DESC, e.name COLLATE \"C\" LIMIT 1"),
            {"p": [c + "%" for c in LINKS[2].codes]}).scalar()
    assert top in manufacturing.locator(f"tr[data-link='{LINKS[2].id}'] td.leaders").inner_text()
    assert "全区均无企业" in text_of_gaps or "全区有" in text_of_gaps

    # the target list downloads from the page and holds the page's gaps
    with page.expect_download() as info:
        page.click("#chain-xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(open(info.value.path(), "rb").read()))
    assert wb["招商目标 targets"].max_row - 1 == state["gaps"] > 0

    # switching to the core redraws one card
    page.select_option("#chain-kind", "core")
    page.wait_for_function("window.chainState.ready && Object.keys(window.chainState.zones).length === 1")
    assert list(page.evaluate("window.chainState.zones")) == ["core"]


def test_chain_section_fits_a_phone(browser, live_server, chain_firms):  # noqa: F811
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        state = _open(page, live_server)
        assert state["errors"] == []
        page.wait_for_function("window.analyticsState && window.analyticsState.ready", timeout=60000)
        page.wait_for_timeout(800)  # Chart.js settles its canvases after the first draw
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        box = page.locator("article.chain-zone").first.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    finally:
        context.close()

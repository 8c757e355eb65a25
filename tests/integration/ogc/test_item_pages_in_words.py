"""The HTML item pages read as words: names of towns, zones and industries instead of their ids, booleans
as words, lists joined, times in Asia/Shanghai to the minute (never UTC), field titles not column names."""
import re

from sqlalchemy import text

from plan.industries import PLAN_INDUSTRY_BY_ID


def _cells(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html.split('<table class="data">', 1)[1].split("</table>", 1)[0])


def test_a_cluster_page_names_its_towns_industries_and_local_time(client, engine):
    with engine.connect() as conn:
        towns, targets, parent = conn.execute(text(
            "SELECT member_towns, target_industries, parent_zone FROM zones WHERE id = 'cluster-expo'")).one()
        town_names = dict(conn.execute(text("SELECT code, name_zh FROM towns")).all())
    res = client.get("/collections/zones/items/cluster-expo?f=html")
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/html")
    cells = _cells(res.text)
    for code in towns:
        assert town_names[code] in cells
    for ind in targets:
        assert PLAN_INDUSTRY_BY_ID[ind].zh in cells
    words = set(re.findall(r"[A-Za-z0-9_\-]+", cells))
    assert not set(towns) & words, "town codes shown"
    assert not set(targets) & words, "industry ids shown"
    assert "cluster-expo" not in cells and "True" not in words and "False" not in words
    assert "['" not in cells and "+00:00" not in cells and not re.search(r"\d{2}:\d{2}:\d{2}", cells)
    assert "北京时间" in cells  # the zone's update time, local, to the minute
    assert "组团" in cells  # the kind in words
    assert "member_towns" not in res.text.split('<table class="data">', 1)[1]


def test_the_zones_list_page_reads_names_not_ids(client, engine):
    with engine.connect() as conn:
        codes = set(conn.execute(text("SELECT code FROM towns")).scalars())
    res = client.get("/collections/zones/items?f=html&limit=50")
    assert res.status_code == 200
    cells = _cells(res.text)
    assert not codes & set(re.findall(r"[A-Za-z0-9_\-]+", cells))
    assert "青浦" in cells and "北京时间" in cells

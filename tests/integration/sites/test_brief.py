"""Investor briefs as PDF and HTML, their share links, and side-by-side comparisons (JSON and XLSX), against
the real PostGIS test database; the PDF is read back with PDFium (first page rendered to PNG, text extracted)."""
import io
import re
from datetime import datetime, timedelta, timezone

import numpy as np
import openpyxl
import pypdfium2
import pytest
import shapely
from shapely.geometry import box
from sqlalchemy import text

from app.core.users import add_user
from app.sites.importer import write_sites
from gis.crs import from_measure, lonlat_to_measure
from layers.qingpu import LINE17_STATIONS
from tests.conftest import bearer_headers

STATION = next(s for s in LINE17_STATIONS if s.name_zh == "青浦新城")
SX, SY = lonlat_to_measure(STATION.lon, STATION.lat)
SITES = {"TBRIEF-A": ("青浦新城北侧新材料地块", 600, 80.0), "TBRIEF-B": ("=HYPERLINK(\"x\") 东侧地块", 1500, 95.0),
         "TBRIEF-C": ("汇金路西侧地块", 2600, 120.0)}
SEARCH = {"profile": {"industry": "newmat"}, "constraints": {"kinds": ["parcel"]}, "limit": 20}
FIRMS = [("上海示范新材料有限公司", "newmat", 420, 300, 200), ("青浦精密装备有限公司", "equip", 260, -400, 300),
         ("远处新材料有限公司", "newmat", 999, 9000, 9000)]


def _site(sid: str) -> dict:
    name, dy, price = SITES[sid]
    geom = from_measure(box(SX - 90, SY + dy - 90, SX + 90, SY + dy + 90))
    return {"id": sid, "name": name, "kind": "parcel", "land_use": "M1", "availability": "available", "area_m2": None,
            "far_max": 2.0, "price": price, "address": None, "note": None, "geom": geom, "source_crs": "wgs84",
            "synthetic": False}


@pytest.fixture(scope="module")
def world(engine):
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM sites"))
        conn.execute(text("DELETE FROM enterprises WHERE uscc LIKE 'TSTBRIEF%'"))
        write_sites(conn, [_site(s) for s in SITES])
        for n, (name, ind, emp, dx, dy) in enumerate(FIRMS):
            lon, lat = from_measure(shapely.Point(SX + dx, SY + 600 + dy)).coords[0]
            conn.execute(text(
                "INSERT INTO enterprises (uscc, name, industry_code, plan_industry, employees, precision, source_crs, "
                "geom) VALUES (:u, :n, '2651', :i, :e, 'exact', 'wgs84', ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))"),
                {"u": f"TSTBRIEF{n:010d}", "n": name, "i": ind, "e": emp, "lon": lon, "lat": lat})
        conn.execute(text("UPDATE enterprises e SET zones = coalesce((SELECT array_agg(z.id) FROM zones z "
                          "WHERE ST_Intersects(z.geom, e.geom)), '{}') WHERE uscc LIKE 'TSTBRIEF%'"))
    add_user(engine, "brief-staff", "investment", "pw-for-brief-staff-9")
    add_user(engine, "brief-other", "investment", "pw-for-brief-other-9")
    yield
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM briefs; DELETE FROM sites WHERE id LIKE 'TBRIEF-%'"))
        conn.execute(text("DELETE FROM enterprises WHERE uscc LIKE 'TSTBRIEF%'"))


@pytest.fixture(scope="module")
def staff(client, world):
    return bearer_headers(client, "brief-staff", "pw-for-brief-staff-9")


@pytest.fixture(scope="module")
def other(client, world):
    return bearer_headers(client, "brief-other", "pw-for-brief-other-9")


def _pdf_text(data: bytes) -> tuple[str, pypdfium2.PdfDocument]:
    doc = pypdfium2.PdfDocument(data)
    return "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc))), doc


ENGLISH_WORDS = {"software", "logistics", "aviation", "quantum", "beidou", "agri"}  # ids that are words in English


def _internal_words(engine, lang: str = "zh") -> list[str]:
    """Ids an investor must never see: sites', zones', stations', plan industries', firms' registry numbers."""
    with engine.connect() as conn:
        zones = list(conn.execute(text("SELECT id FROM zones")).scalars())
        stations = list(conn.execute(text("SELECT id FROM stations")).scalars())
        industries = list(conn.execute(text("SELECT id FROM plan_industries")).scalars())
    short = {"it", "ai", "rs", "6g", "iot", "eco", "nev", "core", "corridor", "trade", "expo"}  # also English words
    if lang == "en":
        short |= ENGLISH_WORDS
    return [*SITES, *stations, *(i for i in zones + industries if i not in short), "TSTBRIEF"]


FORBIDDEN = ("score", "得分", "总分", "排名", "rank", "/100", "/work", ".py", "site_rules", "layers/", "plan/",
             "weight", "权重")


def _assert_investor_clean(content: str, engine, lang: str = "zh") -> None:
    low = content.lower()
    for word in FORBIDDEN:
        assert word not in low, word
    for ident in _internal_words(engine, lang):
        assert not re.search(rf"(?<![\w-]){re.escape(ident.lower())}(?![\w-])", low), ident


def test_brief_downloads_as_a_pdf_whose_first_page_shows_the_site(client, staff, engine, tmp_path):
    res = client.post("/sites/brief?format=pdf", json={"search": SEARCH, "site_id": "TBRIEF-A"}, headers=staff)
    assert res.status_code == 200, res.text
    assert res.headers["content-type"] == "application/pdf" and res.content.startswith(b"%PDF")
    assert "attachment" in res.headers["content-disposition"]
    words, doc = _pdf_text(res.content)
    png = tmp_path / "brief-page-1.png"
    image = doc[0].render(scale=1.5).to_pil()
    image.save(png)
    pixels = np.asarray(image.convert("RGB"), dtype=int)
    inked = (pixels.sum(axis=2) < 600).mean()  # share of the page that is not (near) white
    assert 0.05 < inked < 0.9, inked
    assert len(np.unique(pixels.reshape(-1, 3) // 32, axis=0)) > 12  # a coloured map, not just text
    first = doc[0].get_textpage().get_text_range()
    assert "青浦新城北侧新材料地块" in first and "招商地块简报" in first
    assert "新材料" in first and "亩" in first and "m²" in first and "北京时间" in first
    for fact in ("青浦新城", "投资强度", "亩均税收", "容积率", "单位能耗", "规划政策", "联系方式", "未测算",
                 "上海示范新材料有限公司", "新兴产业创新制造核"):
        assert fact in words, fact
    assert "远处新材料有限公司" not in words  # 9 km away: not "nearby"
    # the 新材料 chain in the site's zone: the link of the 2651 firm placed beside it is present
    from plan.chains import CHAINS, link_of
    assert "产业链" in words and all(link.zh in words for link in CHAINS["newmat"])
    chain_rows = [line for line in words.splitlines() if link_of("newmat", "2651").zh in line]
    assert any("已有" in line for line in chain_rows) or "已有" in words
    _assert_investor_clean(words, engine)


def test_brief_in_english_and_its_html_hold_no_internal_id_score_or_path(client, staff, engine):
    res = client.post("/sites/brief?format=pdf", json={"search": SEARCH, "site_id": "TBRIEF-A", "lang": "en",
                                                       "compare": ["TBRIEF-C"]}, headers=staff)
    words, _doc = _pdf_text(res.content)
    assert "Site brief for investors" in words and "New materials" in words and "Beijing time" in words
    assert "Candidate sites compared" in words and "汇金路西侧地块" in words
    _assert_investor_clean(words, engine, "en")
    html = client.post("/sites/brief", json={"search": SEARCH, "site_id": "TBRIEF-A", "compare": ["TBRIEF-B"]},
                       headers=staff).text
    assert "<svg" in html and "备选地块比较" in html
    visible = re.sub(r"<style>.*?</style>|<[^>]+>", " ", html, flags=re.S)
    _assert_investor_clean(visible, engine)
    markup = re.sub(r"<style>.*?</style>", "", html, flags=re.S).replace("font-weight", "")
    _assert_investor_clean(markup, engine)  # attributes and links too


def test_contact_block_and_standard_land_indicators_come_from_the_settings(client, staff, app):
    settings = app.state.settings
    before = (settings.brief_contact, settings.standard_land)
    try:
        settings.brief_contact = "青浦区投资促进服务中心 | 电话 021-5972 0000"
        settings.standard_land = {"*": {"tax_wan_per_mu": 55}, "newmat": {"energy_tce_per_wan": 0.12}}
        html = client.post("/sites/brief", json={"industry": "新材料", "site_id": "TBRIEF-A"}, headers=staff).text
    finally:
        settings.brief_contact, settings.standard_land = before
    assert "电话 021-5972 0000" in html
    assert "不低于 55 万元/亩·年" in html and "≤ 0.12 吨标准煤/万元" in html


def test_brief_needs_staff_and_rejects_bad_input(client, staff):
    assert client.post("/sites/brief", json={"site_id": "TBRIEF-A"}).status_code == 401
    assert client.post("/sites/brief", json={"site_id": "NOPE"}, headers=staff).status_code == 404
    bad = [{"site_id": "TBRIEF-A", "lang": "fr"}, {"site_id": "TBRIEF-A", "compare": ["TBRIEF-A"]},
           {"site_id": "TBRIEF-A", "industry": "steel"}, {"site_id": "TBRIEF-A", "compare": ["a", "b", "c", "d"]}]
    for body in bad:
        res = client.post("/sites/brief", json=body, headers=staff)
        assert res.status_code == 400 and res.headers["content-type"].startswith("application/problem+json"), body


def test_brief_opens_from_a_link_without_signing_in_only_while_shared(client, staff, other, engine):
    saved = client.post("/sites/briefs", json={"site_id": "TBRIEF-A", "industry": "newmat"}, headers=staff)
    assert saved.status_code == 201, saved.text
    b = saved.json()
    assert not b["shared"]
    assert client.get(b["html"]).status_code == 401  # a saved brief is not public
    assert client.get(b["html"], headers=other).status_code == 404  # nor another officer's
    assert client.get(b["html"], headers=staff).status_code == 200
    assert client.put(f"{b['html']}/share", json={"days": 7}, headers=other).status_code == 404
    for days in (0, 365, "x"):
        assert client.put(f"{b['html']}/share", json={"days": days}, headers=staff).status_code == 400

    s = client.put(f"{b['html']}/share", json={"days": 7}, headers=staff).json()
    path = s["share_url"].split("testserver", 1)[1]
    token = path.rsplit("/", 1)[1]
    assert len(token) >= 40 and s["shared"] and "北京时间" in s["share_expires_local"]
    with engine.connect() as conn:  # only its hash is stored
        assert conn.execute(text("SELECT count(*) FROM briefs WHERE share_hash = :t"), {"t": token}).scalar() == 0
    page = client.get(path)
    assert page.status_code == 200 and "青浦新城北侧新材料地块" in page.text
    assert page.headers["cache-control"] == "no-store" and page.headers["referrer-policy"] == "no-referrer"
    pdf = client.get(f"{path}?format=pdf&lang=en")
    assert pdf.status_code == 200 and "Site brief for investors" in _pdf_text(pdf.content)[0]
    assert client.get(path[:-3] + "abc").status_code == 404  # a guessed token
    assert client.get("/sites/briefs/shared/short").status_code == 404

    s2 = client.put(f"{b['html']}/share", headers=staff).json()  # sharing again replaces the link
    assert client.get(path).status_code == 404
    path2 = s2["share_url"].split("testserver", 1)[1]
    assert client.get(path2).status_code == 200
    assert client.delete(f"{b['html']}/share", headers=staff).status_code == 204
    assert client.get(path2).status_code == 404  # revoked

    path3 = client.put(f"{b['html']}/share", headers=staff).json()["share_url"].split("testserver", 1)[1]
    with engine.begin() as conn:  # time passes: the link expires
        conn.execute(text("UPDATE briefs SET share_expires_at = :t WHERE id = :i"),
                     {"t": datetime.now(timezone.utc) - timedelta(minutes=1), "i": b["id"]})
    res = client.get(path3)
    assert res.status_code == 404 and "expired" in res.json()["detail"]
    listed = client.get("/sites/briefs", headers=staff).json()["briefs"]
    assert [x["id"] for x in listed] == [b["id"]] and not listed[0]["shared"]
    assert client.get("/sites/briefs", headers=other).json()["briefs"] == []
    assert client.delete(b["html"], headers=staff).status_code == 204
    assert client.get(b["html"], headers=staff).status_code == 404


CRITERIA = [
    {"id": "station", "weight": 40, "transform": {"type": "linear", "best": 500, "worst": 5000}},
    {"id": "same_industry", "weight": 20, "radius_m": 2000, "transform": {"type": "linear", "best": 3, "worst": 0}},
    {"id": "zone_fit", "weight": 20, "transform": {"type": "linear", "best": 1, "worst": 0}},
    {"id": "price", "weight": 20, "transform": {"type": "ideal", "ideal": 90, "tolerance": 60}},
]


def test_two_sites_compare_side_by_side_in_json_and_xlsx_with_every_criterion(client, staff):
    search = {**SEARCH, "criteria": CRITERIA}
    body = {"search": search, "site_ids": ["TBRIEF-A", "TBRIEF-B"]}
    res = client.post("/sites/compare", json=body, headers=staff)
    assert res.status_code == 200, res.text
    table = res.json()
    assert table["ids"] == ["TBRIEF-A", "TBRIEF-B"]
    labels = {r["label"] for s in table["sections"] for r in s["rows"]}
    from gis.site_scoring import CRITERIA_INFO
    for c in CRITERIA:
        assert CRITERIA_INFO[c["id"]][0] in labels, c["id"]
    titles = [s["title"] for s in table["sections"]]
    assert titles[0].startswith("评分准则") and "硬约束（均满足）" in titles and "标准地控制指标" in titles
    for s in table["sections"]:
        assert all(len(r["values"]) == 2 for r in s["rows"])
    station = next(r for s in table["sections"] for r in s["rows"] if r["label"] == "最近轨交17号线车站")
    assert station["values"][0].startswith("青浦新城") and station["values"][0] != station["values"][1]

    x = client.post("/sites/compare?format=xlsx", json=body, headers=staff)
    assert x.status_code == 200 and x.headers["content-disposition"].endswith('.xlsx"')
    ws = openpyxl.load_workbook(io.BytesIO(x.content)).active
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows[0][1].startswith("青浦新城北侧新材料地块") and rows[0][2].startswith("'=HYPERLINK")  # no formula
    by_label = {r[0]: r[1:] for r in rows[1:] if r[0]}
    for c in CRITERIA:
        values = by_label[CRITERIA_INFO[c["id"]][0]]
        assert len(values) == 2 and all(v for v in values), c["id"]
    assert by_label["价格"] == ["80 万元/亩", "95 万元/亩"]


def test_compare_rejects_bad_requests(client, staff):
    assert client.post("/sites/compare", json={"search": SEARCH, "site_ids": ["TBRIEF-A", "TBRIEF-B"]}).status_code == 401
    for ids in (["TBRIEF-A"], ["TBRIEF-A", "TBRIEF-A"], ["TBRIEF-A", "NOPE"], ["a", "b", "c", "d", "e"]):
        res = client.post("/sites/compare", json={"search": SEARCH, "site_ids": ids}, headers=staff)
        assert res.status_code == 400, ids
    assert client.get("/sites/compare").status_code == 200  # the page shell; its data needs a token

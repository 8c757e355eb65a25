"""What an investor brief says, in Chinese or English, assembled from the site, the layout and the firms.

Everything here is words and measured facts: no internal id (of a site, zone, station or industry), no
score or rank of a search, no file path. Tests read the rendered HTML and PDF for those.
"""
from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from shapely.geometry import shape

from app.analytics import store as analytics_store
from app.briefs import store
from app.core.settings import Settings
from gis.brief_svg import MapData, district_map, local_map
from gis.chains import ChainFirm, ChainZone, chain_codes, chain_profile
from gis.crs import SQM_PER_MU, to_measure
from gis.metrics import MIN_COUNT, lq
from plan.chains import CHAINS
from plan.industries import PLAN_INDUSTRY_BY_ID
from plan.policies import INDUSTRY_POLICY, MEASURES, PLAN_TITLE, ZONE_POLICY
from plan.site_rules import AVAILABILITY, LAND_USES, SITE_KINDS, chain_of, industry_family, min_intensity

LOCAL = ZoneInfo("Asia/Shanghai")
NEAR_RADIUS_M = 3000
LEADERS = 8
HUB_STATION = "虹桥火车站"  # the Hongqiao hub: rail, air and Line 17

W = {  # words of the brief, per language
    "zh": {
        "title": "招商地块简报", "district": "青浦区", "prepared": "编制时间", "tz": "北京时间 UTC+8",
        "for": "面向产业", "any_industry": "未指定产业", "demo": "示例数据：本地块及周边企业为演示用合成数据",
        "location": "区位", "address": "地址", "town": "所在镇街", "zones": "所在规划分区",
        "map_district": "区位图：青浦区全域", "map_local": "周边图", "site": "本地块", "station": "轨交17号线车站",
        "outside": "青浦区外", "core": "一核（新兴产业创新制造核）", "cluster": "组团", "corridor": "一线（数字干线）",
        "park": "产业园区", "transport": "交通距离（直线）", "near_station": "最近轨交17号线车站",
        "hub": "虹桥枢纽（虹桥火车站）", "highway": "高速／沪青平公路", "corridor_d": "长三角数字干线",
        "land": "土地与物业", "kind": "类型", "land_use": "用地性质", "area": "面积", "floor_area": "建筑面积",
        "far": "容积率上限", "price": "价格", "availability": "供应状态", "no_price": "面议",
        "indicators": "标准地控制指标", "intensity": "投资强度", "tax": "亩均税收", "far_ind": "容积率",
        "energy": "单位能耗", "not_set": "未设定，以出让文件为准", "at_least": "不低于",
        "intensity_note": "本系统按产业设定的工作值，出让时以区标准地指标为准",
        "profile": "所在分区产业概况", "targets": "规划目标产业", "firms_by_industry": "分区内企业（按产业）",
        "firms": "家", "employees": "从业人员", "people": "人", "industry": "产业", "count": "企业数",
        "lq": "集聚程度", "leaders": "周边龙头企业（3 公里内，按从业人员）", "name": "企业", "distance": "距离",
        "no_leaders": "3 公里内暂无相关产业企业记录", "unclassified": "其他产业",
        "policy": "规划政策", "policy_zone": "分区定位", "policy_industry": "产业方向", "policy_measures": "要素保障",
        "source": "出处", "compare": "备选地块比较", "contact": "联系方式", "method": "方法与说明",
        "not_measured": "未测算的内容", "page": "页",
        "kinds": {"core": "一核", "corridor": "一线", "cluster": "组团", "park": "产业园区"},
        "chain": "产业链", "chain_in": "本分区的产业链环节", "stage": "环节位置", "link": "环节", "chain_status": "现状",
        "status": {"present": "已有", "thin": "薄弱（企业数不足全区结构应有的一半）", "absent": "缺失：招商方向"},
    },
    "en": {
        "title": "Site brief for investors", "district": "Qingpu District", "prepared": "Prepared",
        "tz": "Beijing time, UTC+8", "for": "For the industry", "any_industry": "no industry given",
        "demo": "Demo data: this site and the firms around it are synthetic, for demonstration",
        "location": "Location", "address": "Address", "town": "Town / subdistrict", "zones": "Planning zones",
        "map_district": "The site in Qingpu District", "map_local": "Surroundings", "site": "This site",
        "station": "Metro Line 17 station", "outside": "outside Qingpu", "core": "Core (innovation & manufacturing)",
        "cluster": "Industrial cluster", "corridor": "Digital corridor", "park": "Industrial park",
        "transport": "Transport (straight-line distances)", "near_station": "Nearest Metro Line 17 station",
        "hub": "Hongqiao hub (Hongqiao Railway Station)", "highway": "Expressway / Huqingping Road",
        "corridor_d": "Yangtze Delta Digital Corridor", "land": "Land and property", "kind": "Kind",
        "land_use": "Land use", "area": "Area", "floor_area": "Floor area", "far": "Maximum plot ratio (FAR)",
        "price": "Price", "availability": "Availability", "no_price": "on request",
        "indicators": "Standard-land (标准地) indicators", "intensity": "Investment intensity",
        "tax": "Tax per mu", "far_ind": "Plot ratio", "energy": "Energy use", "not_set": "not set; the grant "
        "documents decide", "at_least": "at least", "intensity_note": "this tool's working figure per industry; "
        "the district's standard-land terms decide at grant",
        "profile": "The zone and its industries", "targets": "Target industries in the plan",
        "firms_by_industry": "Firms in the zone by industry", "firms": "firms", "employees": "Employees",
        "people": "", "industry": "Industry", "count": "Firms", "lq": "Concentration",
        "leaders": "Leading firms nearby (within 3 km, by employees)", "name": "Firm", "distance": "Distance",
        "no_leaders": "no firm of these industries on record within 3 km", "unclassified": "other industries",
        "policy": "Plan policy", "policy_zone": "The zone's role", "policy_industry": "The industry's direction",
        "policy_measures": "Land and resources", "source": "Source", "compare": "Candidate sites compared",
        "contact": "Contact", "method": "Method and notes", "not_measured": "Not measured", "page": "page",
        "kinds": {"core": "core", "corridor": "corridor", "cluster": "cluster", "park": "park"},
        "chain": "Industry chain (产业链)", "chain_in": "The chain's links in this zone", "stage": "Stage",
        "link": "Link", "chain_status": "Status",
        "status": {"present": "present", "thin": "thin (under half the firms the district's mix would give)",
                   "absent": "missing: a target for investment promotion"},
    },
}

METHOD = {
    "zh": ["距离为 CGCS2000 高斯-克吕格投影（EPSG:4549）下地块边界到设施的直线距离，不是道路距离或通行时间。",
           "所在分区按地块内一点判定；分区范围为规划示意范围，以区规划部门正式图件为准。",
           "企业数与从业人员来自本系统登记的企业名录；集聚程度为区位商（分区内该产业企业占比 ÷ 全区占比），"
           "企业少于 {min} 家时不作判断。",
           "规划政策摘自{plan}，原文为准。"],
    "en": ["Distances are straight lines from the site's edge in CGCS2000 / Gauss-Kruger (EPSG:4549), not road "
           "distances or travel times.",
           "The zone is the one holding a point inside the site; zone outlines are schematic; the district's "
           "official plans prevail.",
           "Firm and employee counts come from the enterprise register held by this tool; concentration is the "
           "location quotient (the industry's share of the zone's firms over its share in the district), not "
           "judged below {min} firms.",
           "Policy text is quoted from the {plan}; the original prevails."],
}
NOT_MEASURED = {
    "zh": ["水、电、气、通信等市政配套容量", "地质、土壤与环境状况", "防洪与内涝风险", "道路通行时间与公共交通班次",
           "周边企业的实际产值与税收", "出让条件与审批时限"],
    "en": ["capacity of water, power, gas and telecoms", "geology, soil and environmental condition",
           "flood and waterlogging risk", "travel times and public-transport frequency",
           "actual output and tax of the firms nearby", "grant conditions and approval times"],
}


UNITS_EN = {"万元/亩": "× 10,000 yuan per mu (万元/亩)", "元/m²/天": "yuan per m² per day (元/m²/天)"}


def industry_name(ind: str | None, lang: str) -> str:
    if ind is None or ind not in PLAN_INDUSTRY_BY_ID:
        return W[lang]["unclassified"]
    p = PLAN_INDUSTRY_BY_ID[ind]
    return p.zh if lang == "zh" else f"{p.en} ({p.zh})"


def zone_name(z: dict, lang: str) -> str:
    return z["name_zh"] if lang == "zh" else f"{z['name_en']} ({z['name_zh']})"


def distance_words(m: float | None, lang: str) -> str:
    if m is None:
        return "—"
    if m < 50:
        return "紧邻" if lang == "zh" else "adjacent"
    if m < 1000:
        return f"{m:.0f} 米" if lang == "zh" else f"{m:.0f} m"
    return f"{m / 1000:.1f} 公里" if lang == "zh" else f"{m / 1000:.1f} km"


def lq_words(n_zi: int, n_z: int, n_i: int, n: int, lang: str) -> str:
    value = lq(n_zi, n_z, n_i, n)
    zh = lang == "zh"
    if value is None:
        return "全区暂无该产业企业，无法比较" if zh else "no firm of this industry in the district: nothing to compare"
    if n_zi < MIN_COUNT:
        return (f"分区内仅 {n_zi} 家，数量过少，不作判断" if zh
                else f"only {n_zi} firm(s) in the zone, too few to judge")
    if value >= 1.5:
        word = ("明显集聚", "clearly concentrated")
    elif value >= 1.1:
        word = ("较为集聚", "somewhat concentrated")
    elif value > 0.9:
        word = ("与全区平均相当", "about the district average")
    else:
        word = ("低于全区平均", "below the district average")
    return (f"{word[0]}：该产业在分区企业中的占比是全区的 {value:.1f} 倍（{n_zi} 家）" if zh
            else f"{word[1]}: the industry's share of the zone's firms is {value:.1f} × its district share "
                 f"({n_zi} firms)")


def local_time(now: datetime, lang: str) -> str:
    return f"{now.astimezone(LOCAL):%Y-%m-%d %H:%M}（{W[lang]['tz']}）" if lang == "zh" else \
        f"{now.astimezone(LOCAL):%Y-%m-%d %H:%M} ({W[lang]['tz']})"


def _indicators(site: dict, industry: str | None, settings: Settings, lang: str,
                notes: bool = True) -> list[tuple[str, str]]:
    w = W[lang]
    conf = {**settings.standard_land.get("*", {}), **(settings.standard_land.get(industry, {}) if industry else {})}
    rows = []
    intensity = conf.get("investment_wan_per_mu") or (min_intensity(industry) if industry else None)
    if intensity:
        note = "" if "investment_wan_per_mu" in conf or not notes else f"（{w['intensity_note']}）" if lang == "zh" \
            else f" ({w['intensity_note']})"
        unit = "万元/亩" if lang == "zh" else UNITS_EN["万元/亩"]
        rows.append((w["intensity"], f"{w['at_least']} {intensity:g} {unit}" + note))
    else:
        rows.append((w["intensity"], w["not_set"]))
    tax = conf.get("tax_wan_per_mu")
    tax_unit = "万元/亩·年" if lang == "zh" else "× 10,000 yuan per mu per year"
    rows.append((w["tax"], f"{w['at_least']} {tax:g} {tax_unit}" if tax else w["not_set"]))
    far_min, far_max = conf.get("far_min"), site.get("far_max")
    if far_min and far_max:
        far = f"{far_min:g} – {far_max:g}"
    elif far_max:
        far = f"≤ {far_max:g}"
    elif far_min:
        far = f"≥ {far_min:g}"
    else:
        far = w["not_set"]
    rows.append((w["far_ind"], far))
    energy = conf.get("energy_tce_per_wan")
    rows.append((w["energy"], (f"≤ {energy:g} 吨标准煤/万元" if lang == "zh" else f"≤ {energy:g} tce per 10,000 yuan")
                 if energy else w["not_set"]))
    return rows


def _land(site: dict, lang: str) -> list[tuple[str, str]]:
    w, zh = W[lang], lang == "zh"
    kind = SITE_KINDS.get(site["kind"], (site["kind"], site["kind"]))
    use = LAND_USES.get(site["land_use"], (site["land_use"], site["land_use"]))
    avail = AVAILABILITY.get(site["availability"], (site["availability"], site["availability"]))
    area_label = w["floor_area"] if site["kind"] == "building" else w["area"]
    area = f"{site['area_mu']:.1f} 亩（{site['area_m2']:,.0f} m²）" if zh else \
        f"{site['area_mu']:.1f} mu ({site['area_m2']:,.0f} m²; 1 mu = {SQM_PER_MU:g} m²)"
    unit = site["price_unit"] if zh else UNITS_EN.get(site["price_unit"], site["price_unit"])
    price = (f"{site['price']:g} {unit}" if site["price"] is not None else w["no_price"])
    rows = [(w["kind"], kind[0] if zh else f"{kind[1]} ({kind[0]})"),
            (w["land_use"], f"{use[0]}（{site['land_use']}）" if zh else f"{use[1]} ({use[0]}, {site['land_use']})"),
            (area_label, area)]
    if site.get("far_max"):
        rows.append((w["far"], f"{site['far_max']:g}"))
    rows += [(w["price"], price), (w["availability"], avail[0] if zh else f"{avail[1]} ({avail[0]})")]
    return rows


def _containing(site: dict, zones: dict[str, dict]) -> list[dict]:
    return [zones[z] for z in site["zones"] if z in zones]


def _profile(conn, site: dict, industry: str | None, zones: dict[str, dict], lang: str) -> list[dict]:
    """Per containing zone (parks first, then clusters, core, corridor): its targets by name, its firms
    by industry, and the investor's industry's concentration in words."""
    inside = sorted(_containing(site, zones), key=lambda z: ("park", "cluster", "core", "corridor").index(z["kind"]))
    counts = store.zone_industry_counts(conn, [z["id"] for z in inside])
    district = store.district_industry_counts(conn)
    n_all = sum(district.values())
    family = set(industry_family(industry)) if industry else set()
    out = []
    for z in inside:
        rows = counts[z["id"]]
        n_z = sum(r[1] for r in rows)
        top = [{"industry": industry_name(ind, lang), "firms": n, "employees": emp} for ind, n, emp in rows
               if ind is not None][:6]
        entry = {"name": zone_name(z, lang), "kind": W[lang]["kinds"][z["kind"]],
                 "targets": [industry_name(t, lang) for t in z["target_industries"]],
                 "firms": n_z, "top": top, "lq": None}
        if industry:
            n_zi = sum(r[1] for r in rows if r[0] in family)
            n_i = sum(v for k, v in district.items() if k in family)
            entry["lq"] = lq_words(n_zi, n_z, n_i, n_all, lang)
        out.append(entry)
    return out


def _chain(conn, site: dict, industry: str | None, zones: dict[str, dict], lang: str) -> dict | None:
    """The investor's 产业链 in the site's most specific zone: each link's firms and whether it is present,
    thin or missing (the rule of /analytics/chains, gis/chains.py). None when the industry has no chain."""
    if not industry or industry not in CHAINS:
        return None
    inside = sorted(_containing(site, zones), key=lambda z: ("park", "cluster", "core", "corridor").index(z["kind"]))
    if not inside:
        return None
    firms = [ChainFirm(uscc=r[0], name=r[1], industry_code=r[2], employees=r[3], zones=tuple(r[4] or ()))
             for r in analytics_store.chain_firms(conn, chain_codes(industry), False)]
    czones = [ChainZone(z["id"], z["kind"], z["name_zh"], z["name_en"], tuple(z["target_industries"])) for z in inside]
    profile = chain_profile(industry, firms, czones)
    row = next((z for z in profile["zones"] if z["in_scope"]), profile["zones"][0])
    zh = lang == "zh"
    zone = zones[row["zone"]]
    return {"zone": zone_name(zone, lang), "industry": industry_name(industry, lang),
            "links": [{"stage": r["stage_zh"] if zh else r["stage_en"], "link": r["link_zh"] if zh else r["link_en"],
                       "firms": r["firms"], "status": W[lang]["status"][r["status"]]} for r in row["links"]]}


def _leaders(conn, site: dict, industry: str | None, lang: str) -> list[dict]:
    wanted = None
    if industry:
        up, down = chain_of(industry)
        wanted = sorted({i for k in (industry, *up, *down) for i in industry_family(k)})
    rows = store.leading_firms_near(conn, site["geometry"], wanted, NEAR_RADIUS_M, LEADERS)
    return [{"name": r["name"], "industry": industry_name(r["plan_industry"], lang), "employees": r["employees"],
             "distance": distance_words(r["d"], lang)} for r in rows]


def _policy(site: dict, industry: str | None, zones: dict[str, dict], lang: str) -> list[dict]:
    seen, out = set(), []
    for z in _containing(site, zones):
        key = z["id"] if z["id"] in ZONE_POLICY else z.get("parent_zone")
        if key in ZONE_POLICY and key not in seen:
            seen.add(key)
            p = ZONE_POLICY[key]
            out.append({"heading": f"{W[lang]['policy_zone']} · {zone_name(zones[key], lang)}",
                        "text": p.zh if lang == "zh" else p.en, "section": p.section})
    if industry:
        p = INDUSTRY_POLICY.get(industry) or INDUSTRY_POLICY.get(PLAN_INDUSTRY_BY_ID[industry].parent or "")
        if p:
            out.append({"heading": f"{W[lang]['policy_industry']} · {industry_name(industry, lang)}",
                        "text": p.zh if lang == "zh" else p.en, "section": p.section})
    out.append({"heading": W[lang]["policy_measures"], "text": MEASURES.zh if lang == "zh" else MEASURES.en,
                "section": MEASURES.section})
    return out


def _transport(site: dict, site_m, layers: dict, lang: str) -> tuple[list[tuple[str, str]], dict]:
    w = W[lang]
    hub = next((s for s in layers["stations"] if s["name_zh"] == HUB_STATION), None)
    station = next((s for s in layers["stations"] if s["name_zh"] == site.get("station_name")), None)
    st_name = (station["name_zh"] if lang == "zh" else f"{station['name_en']} ({station['name_zh']})") if station \
        else "—"
    hub_m = hub["geom"].distance(site_m) if hub else None
    rows = [(w["near_station"], f"{st_name} · {distance_words(site['station_m'], lang)}"),
            (w["hub"], distance_words(hub_m, lang)),
            (w["highway"], distance_words(site["highway_m"], lang)),
            (w["corridor_d"], distance_words(site["corridor_m"], lang))]
    return rows, {"station_m": site["station_m"], "hub_m": hub_m, "highway_m": site["highway_m"],
                  "corridor_m": site["corridor_m"]}


def _maps(site: dict, site_m, layers: dict, zones: dict, lang: str) -> tuple[str, str]:
    w = W[lang]
    label = lambda r: r["name_zh"] if lang == "zh" else r["name_en"]  # noqa: E731
    labels = {"district": w["district"], "site": w["site"], "station": w["station"], "outside": w["outside"],
              **{k: w[k] for k in ("core", "cluster", "corridor", "park")},
              **{label(r): label(r) for r in layers["routes"]}}
    routes = [(label(r), r["mode"], r["geom"]) for r in layers["routes"]]
    stations = [(label(s), s["geom"]) for s in layers["stations"]]
    everywhere = [(label(z), z["kind"], z["geom"]) for z in layers["zones"]]
    name = site["name"]
    big = MapData(layers["district"], site_m, name, everywhere, routes, stations, layers["towns"])
    near = [(label(z), z["kind"], z["geom"]) for z in layers["zones"] if z["kind"] != "corridor"]
    small = MapData(layers["district"], site_m, name, near, routes, stations)
    return district_map(big, labels), local_map(small, labels)


def site_town(site_m, towns) -> str | None:
    p = site_m.representative_point()
    return next((name for name, geom in towns if geom.contains(p)), None)


def build_brief(conn, site: dict, industry: str | None, lang: str, settings: Settings, now: datetime,
                compare: list[dict] | None = None, layers: dict | None = None) -> dict:
    """The brief of one site (``site`` as from store.sites) for an investor of ``industry``."""
    layers = layers or store.map_layers(conn)
    zones = {z["id"]: z for z in layers["zones"]}
    site_m = to_measure(shape(json.loads(site["geometry"])))
    w = W[lang]
    district_svg, local_svg = _maps(site, site_m, layers, zones, lang)
    transport, _distances = _transport(site, site_m, layers, lang)
    town = site_town(site_m, layers["towns"])
    location = [(w["address"], site["address"])] if site.get("address") else []
    location += [(w["town"], town or "—"),
                 (w["zones"], "；".join(zone_name(z, lang) for z in _containing(site, zones)) or "—")]
    plan_title = PLAN_TITLE[0] if lang == "zh" else PLAN_TITLE[1]
    return {
        "lang": lang, "w": w, "name": site["name"], "synthetic": site["synthetic"],
        "industry": industry_name(industry, lang) if industry else w["any_industry"],
        "made": local_time(now, lang), "district_svg": district_svg, "local_svg": local_svg,
        "location": location, "transport": transport, "land": _land(site, lang),
        "indicators": _indicators(site, industry, settings, lang),
        "profile": _profile(conn, site, industry, zones, lang), "leaders": _leaders(conn, site, industry, lang),
        "chain": _chain(conn, site, industry, zones, lang),
        "policy": _policy(site, industry, zones, lang),
        "contact": [line.strip() for line in settings.brief_contact.split("|") if line.strip()],
        "method": [m.format(min=MIN_COUNT, plan=plan_title) for m in METHOD[lang]],
        "not_measured": NOT_MEASURED[lang], "compare": compare,
    }


def compare_facts(conn, sites: list[dict], industry: str | None, lang: str, settings: Settings,
                  layers: dict | None = None) -> dict:
    """Side-by-side facts of 2–4 sites (no scores): rows of (label, [value per site]) by section."""
    layers = layers or store.map_layers(conn)
    zones = {z["id"]: z for z in layers["zones"]}
    w = W[lang]
    cols = []
    for s in sites:
        site_m = to_measure(shape(json.loads(s["geometry"])))
        transport, _d = _transport(s, site_m, layers, lang)
        profile = _profile(conn, s, industry, zones, lang)
        zone_rows = [(w["zones"], "；".join(zone_name(z, lang) for z in _containing(s, zones)) or "—"),
                     (w["town"], site_town(site_m, layers["towns"]) or "—")]
        main = profile[0] if profile else None
        if main:
            zone_rows.append((w["targets"], "、".join(main["targets"]) if lang == "zh" else ", ".join(main["targets"])))
            zone_rows.append((w["firms_by_industry"], "；".join(f"{t['industry']} {t['firms']}" for t in main["top"][:3])))
            if main["lq"]:
                zone_rows.append((w["lq"], main["lq"]))
        cols.append({"name": s["name"], "sections": [(w["land"], _land(s, lang)), (w["transport"], transport),
                                                      (w["profile"], zone_rows),
                                                      (w["indicators"], _indicators(s, industry, settings, lang, notes=False))]})
    return {"sites": [c["name"] for c in cols], "sections": _align(cols)}


def _align(cols: list[dict]) -> list[dict]:
    """Rows present in any site, with '—' where a site has no value for them."""
    out = []
    for k, (title, _rows) in enumerate(cols[0]["sections"]):
        labels: list[str] = []
        for c in cols:
            for label, _v in c["sections"][k][1]:
                if label not in labels:
                    labels.append(label)
        rows = [{"label": label, "values": [dict(c["sections"][k][1]).get(label, "—") for c in cols]}
                for label in labels]
        out.append({"title": title, "rows": rows})
    return out

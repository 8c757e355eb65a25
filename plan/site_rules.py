"""Authored tables for the site finder: site vocabularies, the 标准地 investment-intensity rule and a
supply-chain table of the plan industries.

ASSUMPTIONS (this project's, to be replaced by the district's official tables when they are given):
- Investment intensity. Shanghai and Zhejiang grant industrial land as 标准地: every parcel comes with
  control indicators, among them a minimum fixed-asset investment per 亩 that depends on the industry
  (Shanghai 《产业用地指南》, Zhejiang 《标准地》 rules). The numbers below are not copied from any official
  table; they are set in the range such tables publish for the Yangtze delta (a few hundred to about
  1,500 万元/亩, highest for chips, lowest for logistics and agricultural services) so that the rule can be
  applied and explained. The rule: a project investing I 万元 in industry k supports at most
  I / MIN_INTENSITY[k] 亩 of land (a larger grant would fall below the minimum intensity), and it needs at
  least its stated land need, or, when none is stated, the area the investment supports.
- Supply chain. Upstream = industries whose products the investor buys; downstream = industries that buy
  the investor's products. The pairs are this project's reading of common industrial chains among the
  plan's own industries (e.g. 新材料 -> 集成电路 / 高端装备 / 新能源汽车; 集成电路 -> 人工智能 / 物联网).
"""
from __future__ import annotations

from plan.industries import PLAN_INDUSTRY_BY_ID

SITE_KINDS = {"parcel": ("地块", "Land parcel"), "building": ("厂房/楼宇", "Vacant building")}

# Land-use classes as Shanghai's control plans write them (M1/M2 industrial, RD 研发, C65 科研设计).
LAND_USES = {
    "M1": ("一类工业用地", "Industrial, class 1 (light, clean)"),
    "M2": ("二类工业用地", "Industrial, class 2"),
    "RD": ("研发用地", "Research and development"),
    "C65": ("科研设计用地", "Scientific research and design"),
    "B": ("商业用地", "Commercial"),
    "W": ("仓储用地", "Warehousing"),
}
# Chinese spellings accepted on import.
LAND_USE_ALIASES = {zh: code for code, (zh, _en) in LAND_USES.items()} | {
    "工业": "M1", "工业用地": "M1", "研发": "RD", "商业": "B", "仓储": "W", "物流仓储": "W"}

AVAILABILITY = {
    "available": ("可供", "Available"),
    "reserved": ("已预留", "Reserved"),
    "negotiating": ("洽谈中", "Under negotiation"),
}
AVAILABILITY_ALIASES = {zh: k for k, (zh, _en) in AVAILABILITY.items()} | {
    "可供应": "available", "预留": "reserved", "under negotiation": "negotiating", "洽谈": "negotiating"}

PRICE_UNITS = {"parcel": "万元/亩", "building": "元/m²/天"}

# Minimum fixed-asset investment intensity, 万元 per 亩 (see ASSUMPTIONS above).
MIN_INTENSITY_WAN_PER_MU: dict[str, float] = {
    "it": 1000, "ic": 1500, "ai": 800, "software": 600, "iot": 800,
    "equip": 700, "beidou_rs": 600, "beidou": 600, "rs": 600,
    "biomed": 900, "newmat": 700, "aviation": 800, "nev": 800, "newenergy": 700, "eco": 500,
    "6g": 1000, "nextchip": 1500, "nextsatnav": 600, "precision_med": 900, "quantum": 1000,
    "expo": 400, "logistics": 350, "trade": 400, "iiot": 600, "agri": 200,
}

# plan industry -> (upstream industries, downstream industries)
SUPPLY_CHAIN: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "it": (("ic", "software"), ("iiot", "trade")),
    "ic": (("newmat", "equip"), ("it", "ai", "iot", "nev", "beidou", "6g")),
    "ai": (("ic", "software"), ("equip", "nev", "iiot")),
    "software": (("it",), ("iiot", "trade", "logistics", "beidou")),
    "iot": (("ic",), ("equip", "logistics", "iiot")),
    "equip": (("newmat", "ic", "iot"), ("aviation", "nev", "logistics")),
    "beidou_rs": (("ic", "software", "aviation"), ("logistics", "nev", "agri", "eco")),
    "beidou": (("ic", "software"), ("logistics", "nev", "aviation")),
    "rs": (("aviation", "software"), ("agri", "eco")),
    "biomed": (("newmat", "equip"), ("precision_med", "logistics")),
    "newmat": (("eco",), ("ic", "equip", "aviation", "nev", "newenergy", "biomed")),
    "aviation": (("newmat", "equip", "ic"), ("logistics", "rs")),
    "nev": (("newenergy", "newmat", "ic", "equip"), ("logistics", "trade")),
    "newenergy": (("newmat", "equip"), ("nev", "eco")),
    "eco": (("equip",), ("newmat", "newenergy")),
    "6g": (("ic",), ("iot", "it")),
    "nextchip": (("newmat", "equip"), ("ic", "ai")),
    "nextsatnav": (("ic",), ("beidou",)),
    "precision_med": (("biomed", "ai"), ()),
    "quantum": (("ic",), ("it", "software")),
    "expo": (("logistics", "software"), ("trade",)),
    "logistics": (("equip", "iot", "software"), ("trade", "expo")),
    "trade": (("logistics", "expo"), ()),
    "iiot": (("software", "iot", "it"), ("equip",)),
    "agri": (("rs", "iot"), ("trade", "logistics")),
}


def min_intensity(industry: str) -> float:
    """万元/亩 for a plan industry (its umbrella's value when it has none of its own)."""
    if industry in MIN_INTENSITY_WAN_PER_MU:
        return MIN_INTENSITY_WAN_PER_MU[industry]
    parent = PLAN_INDUSTRY_BY_ID[industry].parent
    return MIN_INTENSITY_WAN_PER_MU[parent]


def chain_of(industry: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(upstream, downstream) plan industries of ``industry``."""
    return SUPPLY_CHAIN.get(industry, ((), ()))


def industry_family(industry: str) -> tuple[str, ...]:
    """The industry and its children: an umbrella's firms count as the umbrella's own."""
    return (industry, *(p for p, v in PLAN_INDUSTRY_BY_ID.items() if v.parent == industry))

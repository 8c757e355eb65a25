"""The plan's industry system ("3+5+X" plus the platform economy) and its mapping from
national industry codes (GB/T 4754-2017 国民经济行业分类).

Plan industries are identified by short ascii ids. The three leading clusters have umbrella
records ("it", "equip", "beidou_rs"); their members carry the umbrella as ``parent``.
Decisions beyond the plan's own list:
- 物联网 gets its own id ("iot") under 高端信息技术: the core and the corridor both target it and
  GB/T 4754-2017 has classes for it (6532 物联网技术服务, 3983 传感器).
- 新一代信息技术 (the core's "1+X" cluster) and 5G resolve to the umbrella "it"; 大数据 resolves to
  "software" (its classes 6450 / 6550 sit in the 软件和信息服务业 the plan counts).
- 节能环保 ("eco") is its own id, a child of 新能源, because cluster 5 targets it.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

__all__ = [
    "PlanIndustry", "PLAN_INDUSTRIES", "PLAN_INDUSTRY_BY_ID", "TARGET_ALIASES", "resolve_targets",
    "children_of", "SECTIONS", "DIVISIONS", "MAPPING", "normalize_industry_code", "section_of",
    "is_known_code", "plan_industry_for",
]


@dataclass(frozen=True)
class PlanIndustry:
    """One industry of the plan."""

    id: str
    zh: str
    en: str
    group: str  # leading | key | pioneer | platform
    parent: str | None = None


PLAN_INDUSTRIES: list[PlanIndustry] = [
    # 3 leading clusters
    PlanIndustry("it", "高端信息技术", "High-end information technology", "leading"),
    PlanIndustry("ic", "集成电路", "Integrated circuits", "leading", "it"),
    PlanIndustry("ai", "人工智能", "Artificial intelligence", "leading", "it"),
    PlanIndustry("software", "软件信息", "Software and information services", "leading", "it"),
    PlanIndustry("iot", "物联网", "Internet of Things", "leading", "it"),
    PlanIndustry("equip", "高端装备制造", "High-end equipment manufacturing", "leading"),
    PlanIndustry("beidou_rs", "北斗+遥感", "BeiDou navigation and remote sensing", "leading"),
    PlanIndustry("beidou", "北斗导航", "BeiDou satellite navigation", "leading", "beidou_rs"),
    PlanIndustry("rs", "高分遥感", "High-resolution remote sensing", "leading", "beidou_rs"),
    # 5 key industries
    PlanIndustry("biomed", "生物医药", "Biomedicine", "key"),
    PlanIndustry("newmat", "新材料", "New materials", "key"),
    PlanIndustry("aviation", "航空", "Aviation (general aviation)", "key"),
    PlanIndustry("nev", "新能源汽车", "New-energy vehicles", "key"),
    PlanIndustry("newenergy", "新能源", "New energy (incl. hydrogen)", "key"),
    PlanIndustry("eco", "节能环保", "Energy saving and environmental protection", "key", "newenergy"),
    # X: pioneer industries
    PlanIndustry("6g", "6G通信", "6G communications", "pioneer"),
    PlanIndustry("nextchip", "下一代芯片", "Next-generation chips", "pioneer"),
    PlanIndustry("nextsatnav", "新一代卫星导航", "Next-generation satellite navigation", "pioneer"),
    PlanIndustry("precision_med", "精准医疗", "Precision medicine", "pioneer"),
    PlanIndustry("quantum", "量子信息", "Quantum information", "pioneer"),
    # platform economy
    PlanIndustry("expo", "会展", "Exhibitions and conventions", "platform"),
    PlanIndustry("logistics", "物流", "Logistics", "platform"),
    PlanIndustry("trade", "商贸", "Trade and commerce", "platform"),
    PlanIndustry("iiot", "工业互联网", "Industrial internet", "platform"),
    PlanIndustry("agri", "现代农业服务", "Modern agricultural services", "platform"),
]
PLAN_INDUSTRY_BY_ID = {p.id: p for p in PLAN_INDUSTRIES}


def children_of(industry_id: str) -> list[str]:
    """Ids whose parent is ``industry_id`` (empty for a leaf)."""
    return [p.id for p in PLAN_INDUSTRIES if p.parent == industry_id]


# Target phrases of LAYOUT-FACTS.md / the plan -> plan-industry ids. Every plan industry's
# Chinese name is added below as an alias of itself.
TARGET_ALIASES: dict[str, tuple[str, ...]] = {
    # core 一核
    "新一代信息技术": ("it",),
    "5G": ("it",),  # no dedicated plan industry; counted under the 高端信息技术 cluster
    "大数据": ("software",),
    "高端装备": ("equip",),
    "民用航空": ("aviation",),
    "智能制造": ("equip",),
    # corridor 一线
    "软件信息": ("software",),
    "北斗导航": ("beidou",),
    # cluster 1 软件信息服务组团
    "数字商贸业": ("trade",),
    "信息服务业": ("software",),
    "北斗导航产业": ("beidou",),
    # cluster 2 智慧物流组团
    "智慧物流平台": ("logistics",),
    "大会展": ("expo",),
    "大物流": ("logistics",),
    "智能物流设备研发制造": ("equip", "logistics"),
    "无人机配送": ("logistics", "aviation"),
    # cluster 3 现代制造业和生产性服务业组团
    "汽车零部件": ("equip",),
    "交通运输零部件": ("equip",),
    "高端医疗器械": ("biomed",),
    "生命健康设备": ("biomed",),
    "生产性服务业": ("logistics", "software", "iiot"),
    # cluster 4 商贸会展组团
    "会展服务": ("expo",),
    "跨境电子商务": ("trade",),
    "进口商品展示/交易/仓储": ("expo", "trade", "logistics"),
    "跨境数字贸易": ("trade",),
    # cluster 5 绿色制造组团
    "回收再利用": ("eco",),
    # other wording used in the plan
    "软件和信息服务业": ("software",),
    "北斗": ("beidou",),
    "遥感": ("rs",),
    "通用航空": ("aviation",),
    "氢能": ("newenergy",),
    "新能源及节能环保": ("newenergy", "eco"),
    "电子商务": ("trade",),
}
for _p in PLAN_INDUSTRIES:
    TARGET_ALIASES.setdefault(_p.zh, (_p.id,))


def resolve_targets(phrases) -> list[str]:
    """Plan-industry ids for target phrases (order kept, duplicates dropped).

    A phrase may also be a plan-industry id. Raises KeyError naming the first unknown phrase.
    """
    if isinstance(phrases, str):
        phrases = [phrases]
    out: list[str] = []
    for phrase in phrases:
        key = phrase.strip()
        if key in PLAN_INDUSTRY_BY_ID:
            ids: tuple[str, ...] = (key,)
        elif key in TARGET_ALIASES:
            ids = TARGET_ALIASES[key]
        else:
            raise KeyError(f"unknown target industry phrase: {phrase!r}")
        out.extend(i for i in ids if i not in out)
    return out


# GB/T 4754-2017: 20 sections (门类) A-T with their division (大类) ranges.
SECTIONS: dict[str, tuple[str, int, int]] = {
    "A": ("农、林、牧、渔业", 1, 5),
    "B": ("采矿业", 6, 12),
    "C": ("制造业", 13, 43),
    "D": ("电力、热力、燃气及水生产和供应业", 44, 46),
    "E": ("建筑业", 47, 50),
    "F": ("批发和零售业", 51, 52),
    "G": ("交通运输、仓储和邮政业", 53, 60),
    "H": ("住宿和餐饮业", 61, 62),
    "I": ("信息传输、软件和信息技术服务业", 63, 65),
    "J": ("金融业", 66, 69),
    "K": ("房地产业", 70, 70),
    "L": ("租赁和商务服务业", 71, 72),
    "M": ("科学研究和技术服务业", 73, 75),
    "N": ("水利、环境和公共设施管理业", 76, 79),
    "O": ("居民服务、修理和其他服务业", 80, 82),
    "P": ("教育", 83, 83),
    "Q": ("卫生和社会工作", 84, 85),
    "R": ("文化、体育和娱乐业", 86, 90),
    "S": ("公共管理、社会保障和社会组织", 91, 96),
    "T": ("国际组织", 97, 97),
}

# GB/T 4754-2017 divisions (大类). In the 2017 edition they run 01-97 without gaps.
DIVISIONS: dict[str, str] = {
    "01": "农业", "02": "林业", "03": "畜牧业", "04": "渔业",
    "05": "农、林、牧、渔专业及辅助性活动",
    "06": "煤炭开采和洗选业", "07": "石油和天然气开采业", "08": "黑色金属矿采选业",
    "09": "有色金属矿采选业", "10": "非金属矿采选业", "11": "开采专业及辅助性活动", "12": "其他采矿业",
    "13": "农副食品加工业", "14": "食品制造业", "15": "酒、饮料和精制茶制造业", "16": "烟草制品业",
    "17": "纺织业", "18": "纺织服装、服饰业", "19": "皮革、毛皮、羽毛及其制品和制鞋业",
    "20": "木材加工和木、竹、藤、棕、草制品业", "21": "家具制造业", "22": "造纸和纸制品业",
    "23": "印刷和记录媒介复制业", "24": "文教、工美、体育和娱乐用品制造业",
    "25": "石油、煤炭及其他燃料加工业", "26": "化学原料和化学制品制造业", "27": "医药制造业",
    "28": "化学纤维制造业", "29": "橡胶和塑料制品业", "30": "非金属矿物制品业",
    "31": "黑色金属冶炼和压延加工业", "32": "有色金属冶炼和压延加工业", "33": "金属制品业",
    "34": "通用设备制造业", "35": "专用设备制造业", "36": "汽车制造业",
    "37": "铁路、船舶、航空航天和其他运输设备制造业", "38": "电气机械和器材制造业",
    "39": "计算机、通信和其他电子设备制造业", "40": "仪器仪表制造业", "41": "其他制造业",
    "42": "废弃资源综合利用业", "43": "金属制品、机械和设备修理业",
    "44": "电力、热力生产和供应业", "45": "燃气生产和供应业", "46": "水的生产和供应业",
    "47": "房屋建筑业", "48": "土木工程建筑业", "49": "建筑安装业", "50": "建筑装饰、装修和其他建筑业",
    "51": "批发业", "52": "零售业",
    "53": "铁路运输业", "54": "道路运输业", "55": "水上运输业", "56": "航空运输业", "57": "管道运输业",
    "58": "多式联运和运输代理业", "59": "装卸搬运和仓储业", "60": "邮政业",
    "61": "住宿业", "62": "餐饮业",
    "63": "电信、广播电视和卫星传输服务", "64": "互联网和相关服务", "65": "软件和信息技术服务业",
    "66": "货币金融服务", "67": "资本市场服务", "68": "保险业", "69": "其他金融业",
    "70": "房地产业",
    "71": "租赁业", "72": "商务服务业",
    "73": "研究和试验发展", "74": "专业技术服务业", "75": "科技推广和应用服务业",
    "76": "水利管理业", "77": "生态保护和环境治理业", "78": "公共设施管理业", "79": "土地管理业",
    "80": "居民服务业", "81": "机动车、电子产品和日用产品修理业", "82": "其他服务业",
    "83": "教育",
    "84": "卫生", "85": "社会工作",
    "86": "新闻和出版业", "87": "广播、电视、电影和录音制作业", "88": "文化艺术业", "89": "体育",
    "90": "娱乐业",
    "91": "中国共产党机关", "92": "国家机构", "93": "人民政协、民主党派", "94": "社会保障",
    "95": "群众团体、社会团体和其他成员组织", "96": "基层群众自治组织及其他组织",
    "97": "国际组织",
}

# Code prefix (2-digit division, 3-digit group or 4-digit class) -> plan industry; longest wins.
# GB/T 4754-2017 has no class for 人工智能: "ai" is reached only through 3964 服务消费机器人制造
# here; AI firms registered under software classes are recognised from their names elsewhere.
# The pioneer industries (6G, 下一代芯片, ...) have no class of their own and are not mapped.
MAPPING: dict[str, str] = {
    # 高端信息技术
    "391": "it",          # 计算机制造
    "392": "it",          # 通信设备制造 (5G equipment)
    "631": "it",          # 电信 (5G networks)
    "397": "ic",          # 电子器件制造 (3972 半导体分立器件, 3973 集成电路制造, ...)
    "3562": "ic",         # 半导体器件专用设备制造
    "6520": "ic",         # 集成电路设计
    "64": "software",     # 互联网和相关服务
    "65": "software",     # 软件和信息技术服务业 (651 软件开发, 654 运维, 655 信息处理和存储, 656 咨询)
    "6532": "iot",        # 物联网技术服务
    "3983": "iot",        # 敏感元件及传感器制造
    "3964": "ai",         # 服务消费机器人制造
    # 北斗 + 遥感
    "4023": "beidou",     # 导航、测绘、气象及海洋专用仪器制造
    "744": "beidou",      # 测绘地理信息服务
    "7441": "rs",         # 遥感测绘服务
    "6571": "rs",         # 地理遥感信息服务
    # 高端装备 (incl. 汽车零部件 and 交通运输零部件, which cluster 3 targets as 高端装备)
    "34": "equip",        # 通用设备制造业 (incl. 3491 工业机器人, 3493 增材制造装备)
    "35": "equip",        # 专用设备制造业
    "367": "equip",       # 汽车零部件及配件制造
    "371": "equip",       # 铁路运输设备制造
    "372": "equip",       # 城市轨道交通设备制造
    "373": "equip",       # 船舶及相关装置制造
    # 生物医药 (incl. 高端医疗器械)
    "27": "biomed",       # 医药制造业
    "358": "biomed",      # 医疗仪器设备及器械制造
    "7340": "biomed",     # 医学研究和试验发展
    "7512": "biomed",     # 生物技术推广服务
    # 新材料
    "265": "newmat",      # 合成材料制造
    "306": "newmat",      # 玻璃纤维和玻璃纤维增强塑料制品制造 (composites)
    "3091": "newmat",     # 石墨及碳素制品制造
    "3240": "newmat",     # 有色金属合金制造
    "3985": "newmat",     # 电子专用材料制造
    "7513": "newmat",     # 新材料技术推广服务
    # 航空
    "374": "aviation",    # 航空、航天器及设备制造
    "562": "aviation",    # 通用航空服务
    "3963": "aviation",   # 智能无人飞行器制造
    # 新能源汽车
    "3612": "nev",        # 新能源车整车制造
    # 新能源 (incl. 氢能: fuel cells fall in 3849 其他电池制造)
    "3415": "newenergy",  # 风能原动设备制造
    "3825": "newenergy",  # 光伏设备及元器件制造
    "384": "newenergy",   # 电池制造 (lithium-ion storage, fuel cells)
    "4415": "newenergy",  # 风力发电
    "4416": "newenergy",  # 太阳能发电
    "4417": "newenergy",  # 生物质能发电
    "7515": "newenergy",  # 新能源技术推广服务
    # 节能环保 / 回收再利用
    "42": "eco",          # 废弃资源综合利用业
    "4620": "eco",        # 污水处理及其再生利用
    "772": "eco",         # 环境治理业
    "3591": "eco",        # 环境保护专用设备制造
    "7514": "eco",        # 节能技术推广服务
    "7516": "eco",        # 环保技术推广服务
    # platform economy
    "728": "expo",        # 会议、展览及相关服务 (7281-7289)
    "543": "logistics",   # 道路货物运输 (not the whole of 54: buses and taxis are not logistics)
    "58": "logistics",    # 多式联运和运输代理业
    "59": "logistics",    # 装卸搬运和仓储业
    "60": "logistics",    # 邮政业 (602 快递服务)
    "51": "trade",        # 批发业
    "52": "trade",        # 零售业
    "5292": "trade",      # 互联网零售
    "6432": "trade",      # 互联网生活服务平台
    "6431": "iiot",       # 互联网生产服务平台
    "05": "agri",         # 农、林、牧、渔专业及辅助性活动
    "7511": "agri",       # 农林牧渔技术推广服务
}


def normalize_industry_code(code) -> str:
    """Canonical 2-4 digit code without the section letter.

    Accepts "C3974", "3974", " 3974 ", full-width digits and ints. An int loses leading zeros,
    so only a one-digit int is padded ("5" -> "05"); pass codes such as "0511" as strings.
    Raises ValueError with the reason when the code is malformed.
    """
    if isinstance(code, bool) or not isinstance(code, (str, int)):
        raise ValueError(f"industry code must be a string or an integer, got {type(code).__name__}")
    if isinstance(code, int):
        if code < 0:
            raise ValueError(f"industry code must not be negative: {code}")
        text = f"{code:02d}"
    else:
        text = unicodedata.normalize("NFKC", code).strip().upper()
    if not text:
        raise ValueError("industry code is empty")
    letter = ""
    if text[0].isalpha():
        letter, text = text[0], text[1:].strip()
        if letter not in SECTIONS:
            raise ValueError(f"unknown section letter {letter!r} (expected A-T)")
    if not (text.isascii() and text.isdigit()):
        raise ValueError(f"industry code {code!r} must be digits after an optional section letter")
    if not 2 <= len(text) <= 4:
        raise ValueError(f"industry code {code!r} must have 2 to 4 digits, found {len(text)}")
    if letter and text[:2] in DIVISIONS and section_of(text) != letter:
        raise ValueError(
            f"section letter {letter!r} does not match division {text[:2]} (section {section_of(text)})"
        )
    return text


def section_of(code) -> str | None:
    """Section letter (A-T) of a normalised or raw code, None when its division is unknown."""
    digits = code if isinstance(code, str) and code.isdigit() else normalize_industry_code(code)
    division = int(digits[:2])
    for letter, (_name, first, last) in SECTIONS.items():
        if first <= division <= last:
            return letter
    return None


def is_known_code(code) -> bool:
    """True when ``code`` is well-formed and its division exists in GB/T 4754-2017."""
    try:
        return normalize_industry_code(code)[:2] in DIVISIONS
    except ValueError:
        return False


def plan_industry_for(code) -> str | None:
    """Plan-industry id for a national industry code by longest-prefix match, None if unmapped.

    Raises ValueError for a malformed code.
    """
    digits = normalize_industry_code(code)
    for n in range(len(digits), 1, -1):
        hit = MAPPING.get(digits[:n])
        if hit is not None:
            return hit
    return None

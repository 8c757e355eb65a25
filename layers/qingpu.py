"""The default Qingpu layout, authored from shared/plan/LAYOUT-FACTS.md.

Everything here is schematic unless stated: town seats are good to about 1.5 km, station
positions to about 100 m, routes are hand-drawn polylines through known places, and park
positions are approximate (the plan names parks but gives no sites).
"""
from __future__ import annotations

from dataclasses import dataclass

DISTRICT_ADCODE = "310118"
DISTRICT_NAME_ZH = "青浦区"
DISTRICT_NAME_EN = "Qingpu District"


@dataclass(frozen=True)
class Town:
    code: str
    name_zh: str
    name_en: str
    kind: str  # town | subdistrict
    seat: tuple[float, float]  # lon, lat (WGS84), about 1.5 km


TOWNS: tuple[Town, ...] = (
    Town("xiayang", "夏阳街道", "Xiayang Subdistrict", "subdistrict", (121.125, 31.145)),
    Town("yingpu", "盈浦街道", "Yingpu Subdistrict", "subdistrict", (121.110, 31.160)),
    Town("xianghuaqiao", "香花桥街道", "Xianghuaqiao Subdistrict", "subdistrict", (121.130, 31.195)),
    Town("zhujiajiao", "朱家角镇", "Zhujiajiao Town", "town", (121.055, 31.110)),
    Town("liantang", "练塘镇", "Liantang Town", "town", (121.045, 31.010)),
    Town("jinze", "金泽镇", "Jinze Town", "town", (120.920, 31.040)),
    Town("zhaoxiang", "赵巷镇", "Zhaoxiang Town", "town", (121.195, 31.160)),
    Town("xujing", "徐泾镇", "Xujing Town", "town", (121.265, 31.175)),
    Town("huaxin", "华新镇", "Huaxin Town", "town", (121.220, 31.235)),
    Town("chonggu", "重固镇", "Chonggu Town", "town", (121.165, 31.215)),
    Town("baihe", "白鹤镇", "Baihe Town", "town", (121.090, 31.240)),
)


@dataclass(frozen=True)
class Station:
    seq: int
    name_zh: str
    name_en: str
    lon: float
    lat: float
    former_name: str | None = None


LINE17_STATIONS: tuple[Station, ...] = (
    Station(1, "虹桥火车站", "Hongqiao Railway Station", 121.314, 31.196),
    Station(2, "国家会展中心", "National Exhibition and Convention Center", 121.289, 31.194, "诸光路"),
    Station(3, "蟠龙路", "Panlong Road", 121.274, 31.188),
    Station(4, "徐盈路", "Xuying Road", 121.250, 31.180),
    Station(5, "徐泾北城", "Xujing Beicheng", 121.237, 31.178),
    Station(6, "嘉松中路", "Middle Jiasong Road", 121.220, 31.166),
    Station(7, "赵巷", "Zhaoxiang", 121.188, 31.163),
    Station(8, "汇金路", "Huijin Road", 121.147, 31.163),
    Station(9, "青浦新城", "Qingpu Xincheng", 121.121, 31.161),
    Station(10, "漕盈路", "Caoying Road", 121.092, 31.162),
    Station(11, "淀山湖大道", "Dianshanhu Avenue", 121.078, 31.136),
    Station(12, "朱家角", "Zhujiajiao", 121.045, 31.103),
    Station(13, "东方绿舟", "Oriental Land", 121.015, 31.101),
    Station(14, "西岑", "Xicen", 120.960, 31.073),
)
STATION_PRECISION_M = 100.0


@dataclass(frozen=True)
class Route:
    id: str
    name_zh: str
    name_en: str
    mode: str
    half_width_m: float
    points: tuple[tuple[float, float], ...]
    schematic: bool = True


# G50, 沪青平公路 and 崧泽大道 are drawn by hand through the places they are known to pass
# (good to a kilometre or two); Line 17 joins its stations in order.
CORRIDOR_ROUTES: tuple[Route, ...] = (
    Route("line17", "轨交17号线", "Metro Line 17", "metro", 1000.0,
          tuple((s.lon, s.lat) for s in LINE17_STATIONS)),
    Route("g50", "G50沪渝高速", "G50 Shanghai–Chongqing Expressway", "expressway", 1000.0,
          ((121.318, 31.186), (121.262, 31.170), (121.200, 31.152), (121.140, 31.133),
           (121.080, 31.118), (121.030, 31.092), (120.965, 31.062), (120.905, 31.035), (120.860, 31.022))),
    Route("huqingping", "沪青平公路", "Huqingping Highway (G318)", "highway", 800.0,
          ((121.318, 31.180), (121.255, 31.163), (121.190, 31.148), (121.130, 31.138),
           (121.070, 31.112), (121.000, 31.083), (120.930, 31.050), (120.870, 31.032))),
    Route("songze", "崧泽大道", "Songze Avenue", "avenue", 800.0,
          ((121.300, 31.205), (121.240, 31.197), (121.180, 31.190), (121.120, 31.180), (121.065, 31.172))),
)


@dataclass(frozen=True)
class ZoneSpec:
    id: str
    kind: str
    name_zh: str
    name_en: str
    targets: tuple[str, ...]  # the plan's own phrases; plan.industries resolves them
    member_towns: tuple[str, ...] = ()
    description: str = ""
    rank: int = 100


CORE = ZoneSpec(
    "core", "core", "新兴产业创新制造核", "Emerging-industry innovation and manufacturing core",
    ("新一代信息技术", "5G", "物联网", "大数据", "人工智能", "高端装备", "民用航空", "智能制造", "生物医药", "新能源", "新材料"),
    ("xiayang", "yingpu", "xianghuaqiao"),
    "一核：依托青浦新城和青浦工业园区。Schematic: starts as the three subdistricts of the new town.", 10)

CORRIDOR = ZoneSpec(
    "corridor", "corridor", "长三角数字干线", "Yangtze Delta Digital Corridor",
    ("物联网", "集成电路", "人工智能", "软件信息", "北斗导航", "高分遥感", "智能制造"), (),
    "一线：依托G50高速、沪青平公路、轨交17号线、崧泽大道，串联虹桥国际开放枢纽、青浦新城和一体化示范区。"
    " Derived from its four schematic routes and their half-widths, clipped to the district.", 20)

CLUSTERS: tuple[ZoneSpec, ...] = (
    ZoneSpec("cluster-software", "cluster", "软件信息服务组团", "Software and information services cluster",
             ("数字商贸业", "信息服务业", "北斗导航产业"), ("xujing", "zhaoxiang"), rank=31),
    ZoneSpec("cluster-logistics", "cluster", "智慧物流组团", "Smart logistics cluster",
             ("智慧物流平台", "智能物流设备研发制造", "无人机配送"), ("huaxin", "chonggu"), rank=32),
    ZoneSpec("cluster-manufacturing", "cluster", "现代制造业和生产性服务业组团",
             "Modern manufacturing and producer services cluster",
             ("汽车零部件", "交通运输零部件", "高端医疗器械", "生产性服务业"), ("huaxin", "baihe", "chonggu"), rank=33),
    ZoneSpec("cluster-expo", "cluster", "商贸会展组团", "Trade and exhibition cluster",
             ("会展服务", "跨境电子商务", "进口商品展示/交易/仓储", "跨境数字贸易"), ("xujing", "zhaoxiang", "huaxin"),
             "含国家会展中心、西虹桥商务区。", 34),
    ZoneSpec("cluster-green", "cluster", "绿色制造组团", "Green manufacturing cluster",
             ("节能环保", "新材料", "新能源", "回收再利用"), ("liantang", "zhujiajiao", "jinze"),
             "含环淀山湖创新绿核、水乡客厅、西岑科创中心。", 35),
)


@dataclass(frozen=True)
class ParkSpec:
    id: str
    name_zh: str
    name_en: str
    parent: str  # the zone it lies in
    lon: float
    lat: float
    radius_m: float
    targets: tuple[str, ...] = ()
    note: str = "Approximate position and extent; the plan gives no site."


PARKS: tuple[ParkSpec, ...] = (
    ParkSpec("park-civil-aviation", "民用航空产业园", "Civil Aviation Industrial Park", "core",
             121.150, 31.180, 900, ("民用航空",)),
    ParkSpec("park-biomedicine", "生物医药产业基地", "Biomedicine Industrial Base", "core",
             121.140, 31.200, 800, ("生物医药",)),
    ParkSpec("park-new-materials", "国家新型工业化产业示范基地（新材料·青浦）",
             "National New-Industrialisation Demonstration Base (New Materials, Qingpu)", "core",
             121.105, 31.190, 900, ("新材料",)),
    ParkSpec("park-new-city-cbd", "青浦新城中央商务区", "Qingpu New City Central Business District", "core",
             121.118, 31.152, 700, ("生产性服务业",)),
    ParkSpec("park-xicen", "西岑科创中心", "Xicen Science and Innovation Center", "corridor",
             120.962, 31.076, 900, ("软件信息", "人工智能", "集成电路")),
    ParkSpec("park-shixi-software", "市西软件信息园", "Shixi Software and Information Park", "corridor",
             121.150, 31.163, 600, ("软件信息",)),
    ParkSpec("park-university-science", "新城大学科技园", "New City University Science Park", "corridor",
             121.125, 31.166, 500, ("软件信息", "人工智能")),
    ParkSpec("park-beidou", "北斗西虹桥基地", "Beidou West Hongqiao Base", "corridor",
             121.270, 31.186, 700, ("北斗导航",)),
    ParkSpec("park-remote-sensing", "高分遥感产业化基地", "High-resolution Remote Sensing Industrialisation Base",
             "corridor", 121.230, 31.172, 600, ("高分遥感",),
             "The plan names it as a node of the corridor without a site: placed on the corridor near 徐泾北城."),
    ParkSpec("park-xujing-industrial", "徐泾工业园区", "Xujing Industrial Park", "corridor",
             121.252, 31.170, 700, ("智能制造",)),
    ParkSpec("park-huaxin-industrial", "华新工业园区", "Huaxin Industrial Park", "cluster-manufacturing",
             121.215, 31.228, 900, ("汽车零部件", "智能物流设备研发制造")),
    ParkSpec("park-zhujiajiao-industrial", "朱家角工业园区", "Zhujiajiao Industrial Park", "corridor",
             121.040, 31.118, 800, ("新材料", "智能制造")),
    ParkSpec("park-liantang-industrial", "练塘工业园区", "Liantang Industrial Park", "cluster-green",
             121.050, 31.020, 800, ("节能环保", "新能源")),
    ParkSpec("park-necc", "国家会展中心（上海）", "National Exhibition and Convention Center (Shanghai)",
             "cluster-expo", 121.298, 31.191, 700, ("会展服务",)),
    ParkSpec("park-west-hongqiao", "西虹桥商务区", "West Hongqiao Business District", "cluster-expo",
             121.282, 31.202, 900, ("跨境电子商务", "会展服务", "跨境数字贸易")),
)

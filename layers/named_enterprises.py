"""Enterprises the plan names, for the demo data set, placed approximately.

The plan (shared/plan, chapter 空间布局 and the industry chapters) names these enterprises;
it states a place for only a few of them. Each entry says where it is put and why:
- ``place`` is a park id of layers.qingpu.PARKS or a town code of layers.qingpu.TOWNS, and
  ``offset_m`` (east, north) keeps neighbours from sitting on one point;
- ``precision`` is 'address' when the plan states the place (西岑科创中心, 国家会展中心,
  the 华新镇/重固镇 express-logistics cluster) and 'town' when we chose the most likely cluster
  from the enterprise's industry.
Their credit codes, staff and output are not public here, so the demo generates them and the
rows are flagged synthetic: the names are real, the records are not.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NamedEnterprise:
    name: str
    industry_code: str  # GB/T 4754-2017 class we judge most likely
    place: str  # park id or town code
    precision: str  # address | town
    basis: str  # what the plan says, or why this place
    offset_m: tuple[float, float] = (0.0, 0.0)


NAMED_ENTERPRISES: tuple[NamedEnterprise, ...] = (
    NamedEnterprise("华为青浦研发中心", "6520", "park-xicen", "address",
                    "plan: 华为青浦研发中心 at 西岑科创中心 (金泽镇), chip design"),
    NamedEnterprise("网易文创产业园", "6422", "park-xicen", "town",
                    "plan names 网易文创产业园 beside 华为青浦研发中心; placed near 西岑", (700.0, -400.0)),
    NamedEnterprise("国家会展中心（上海）", "7289", "park-necc", "address",
                    "plan: 国家会展中心 at the east end of the corridor (徐泾镇)"),
    NamedEnterprise("申通快递", "6020", "huaxin", "address",
                    "plan: 华新镇、重固镇快递物流头部企业集聚", (-600.0, 300.0)),
    NamedEnterprise("中通快递", "6020", "huaxin", "address",
                    "plan: 华新镇、重固镇快递物流头部企业集聚", (500.0, -300.0)),
    NamedEnterprise("圆通速递", "6020", "huaxin", "address",
                    "plan: 华新镇、重固镇快递物流头部企业集聚", (200.0, 600.0)),
    NamedEnterprise("韵达快递", "6020", "chonggu", "address",
                    "plan: 华新镇、重固镇快递物流头部企业集聚", (400.0, 200.0)),
    NamedEnterprise("德邦物流", "5431", "chonggu", "address",
                    "plan: 华新镇、重固镇快递物流头部企业集聚", (-500.0, -300.0)),
    NamedEnterprise("安能物流", "5431", "huaxin", "town",
                    "plan names it among the logistics unicorns; placed in 智慧物流组团", (-300.0, -700.0)),
    NamedEnterprise("壹米滴答", "5431", "chonggu", "town",
                    "plan names it among the logistics unicorns; placed in 智慧物流组团", (800.0, -600.0)),
    NamedEnterprise("中石化氢能", "7515", "huaxin", "town",
                    "plan: hydrogen in Qingpu's logistics scenes; placed in 智慧物流组团", (900.0, 500.0)),
    NamedEnterprise("紫光宏茂微电子", "3973", "xianghuaqiao", "town",
                    "plan: a leading enterprise of the core (青浦工业园区); site not given", (300.0, -500.0)),
    NamedEnterprise("晶盟硅", "3985", "xianghuaqiao", "town",
                    "plan: a leading enterprise of the core (青浦工业园区); site not given", (-400.0, -200.0)),
    NamedEnterprise("美的（库卡）", "3491", "park-civil-aviation", "town",
                    "plan: 高端装备 leader; placed in the core's industrial park", (-600.0, 500.0)),
    NamedEnterprise("中核建", "3599", "park-civil-aviation", "town",
                    "plan: 高端装备 leader; placed in the core's industrial park", (500.0, 600.0)),
    NamedEnterprise("威马汽车", "3612", "yingpu", "town",
                    "plan names it among the 科技小巨人 results; placed in the core", (600.0, 800.0)),
    NamedEnterprise("安踏", "5132", "xujing", "town",
                    "plan names it among major projects landed; placed in 商贸会展组团", (-700.0, 400.0)),
    NamedEnterprise("震坤行", "6431", "xujing", "town",
                    "plan: industrial e-commerce platform (unicorn); placed in 商贸会展组团", (600.0, -500.0)),
    NamedEnterprise("辰光医疗", "3581", "park-biomedicine", "town",
                    "plan: MRI RF coils (生物医药); placed in 生物医药产业基地", (200.0, -200.0)),
    NamedEnterprise("上药杏灵", "2740", "park-biomedicine", "town",
                    "plan: modern traditional Chinese medicine; placed in 生物医药产业基地", (-300.0, 200.0)),
    NamedEnterprise("绿谷生命园", "2710", "park-biomedicine", "town",
                    "plan: 绿谷生命园 (traditional Chinese medicine); placed in 生物医药产业基地", (300.0, 350.0)),
    NamedEnterprise("泰特尔新材料", "2651", "park-new-materials", "town",
                    "plan: new-materials project; placed in the 新材料 demonstration base", (-300.0, 300.0)),
    NamedEnterprise("晖晓新材料", "3091", "park-new-materials", "town",
                    "plan: new-materials project; placed in the 新材料 demonstration base", (300.0, -300.0)),
    NamedEnterprise("杜尔涂装", "2641", "park-new-materials", "town",
                    "plan: counted with the new-materials leaders; coatings (2641) map to no plan industry",
                    (400.0, 400.0)),
    NamedEnterprise("金发科技", "2651", "park-new-materials", "town",
                    "plan: new-materials leader; placed in the 新材料 demonstration base", (-400.0, -350.0)),
    NamedEnterprise("康恒节能环保", "3591", "park-liantang-industrial", "town",
                    "plan: 节能环保 project; placed in 绿色制造组团", (-300.0, 200.0)),
    NamedEnterprise("华诗达环保科技", "7516", "park-liantang-industrial", "town",
                    "plan: 节能环保 project; placed in 绿色制造组团", (300.0, -250.0)),
    NamedEnterprise("巴安水务", "4620", "park-liantang-industrial", "town",
                    "plan: 节能环保 project (water treatment); placed in 绿色制造组团", (100.0, 400.0)),
)

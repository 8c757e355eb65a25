"""Which land uses each plan industry may build on.

This is the default hard constraint of the site search: a project of industry k is shown only sites whose
land use is in ``allowed_land_uses(k)``. A planner may override it on purpose (e.g. a request that names its
own ``land_uses``, or a parcel whose use is to be changed), but the override is then the planner's decision,
not the default.

The codes are exactly the keys of ``plan.site_rules.LAND_USES`` (M1, M2, RD, C65, B, W): the vocabulary sites
are imported with. This module imports nothing, not even that table; the tests check that every code used
here exists there.

How the codes relate to the classifications cited in SOURCES (our reading; the district's control plans win
over this table wherever they say otherwise):
- M1 / M2 工业用地: GB 50137-2011 M1 一类 (no real disturbance to housing or public environment), M2 二类
  (some disturbance or pollution); in the 2023 national guide 1001 工业用地 (100101 / 100102). There is no M3 code
  here: heavy-polluting class-3 industry does not fit a district inside the 长三角生态绿色一体化发展示范区 and the
  site table has no such land.
- W 仓储用地: GB 50137-2011 W1-W3 物流仓储用地; the guide's 1101 物流仓储用地. Stand-alone logistics belongs here.
  A factory's own stores are part of its industrial land (GB 50137-2011 counts a works' 库房 as 工业用地), so
  manufacturing is never sent to W.
- B 商业用地: GB 50137-2011 B1 商业设施 and B2 商务设施 (B29 covers 贸易、设计、咨询等技术服务办公); the guide's
  0901 商业用地 and 0902 商务金融用地. Used for office-type firms (software, platforms, data services) and for
  exhibitions, trade and e-commerce. Never the only use of a manufacturing industry.
- RD 研发用地: this project's code for research-and-development land for industry, Shanghai's 工业研发 /
  研发总部类 industrial land and the counterpart of the 新型产业用地 other cities write M0 (Shenzhen). Neither
  GB 50137-2011 nor the national guide has such a class; LAND_USES has no M0, so RD carries that meaning here.
  R&D-led manufacturing and office-like technology firms may build on it.
- C65 科研设计用地: Shanghai's control-plan class for research and design institutes (GB 50137-2011 A35 科研用地,
  the guide's 科研用地 under 公共管理与公共服务用地). Allowed only where the plan names research institutes as the
  carriers: the pioneer industries, "以科研院所、企业研究中心以及产学研协同创新平台为推进主体" (plan, 四).

Land the site table has no code for is left out on purpose and noted where it matters: airports and airstrips
(general-aviation flying), utility land (power generation), farmland and 农业设施建设用地 (agricultural services).
"""

from __future__ import annotations

__all__ = ["ALLOWED_LAND_USES", "SOURCES", "PARENT", "MANUFACTURING", "allowed_land_uses"]

SOURCES: tuple[str, ...] = (
    "《国土空间调查、规划、用途管制用地用海分类指南》(自然资源部, 2023年11月, 自然资发〔2023〕234号): "
    "1001 工业用地, 1101 物流仓储用地, 0901 商业用地, 0902 商务金融用地, 科研用地",
    "GB 50137-2011《城市用地分类与规划建设用地标准》: M1/M2/M3 工业用地, W1/W2/W3 物流仓储用地, "
    "B1 商业设施用地, B2 商务设施用地, A35 科研用地",
    "《上海市控制性详细规划技术准则》(2016年修订版): C65 科研设计用地; Shanghai's 工业研发 / 研发总部类产业用地 "
    "(this project's RD), the counterpart of 新型产业用地 (M0, Shenzhen)",
    "《青浦区战略性新兴产业、先导产业、平台经济发展“十四五”规划》(青府办发〔2021〕63号): "
    "三 (industry tasks), 四 (pioneer industries led by 科研院所), 六 (clusters), "
    "七(三) “探索产业用地容积率、建筑高度、复合功能……推动不同产业用地类型合理转换”",
)

# Plan industry -> umbrella (mirrors the ``parent`` of plan.industries.PLAN_INDUSTRIES; a test keeps them equal).
PARENT: dict[str, str] = {
    "ic": "it", "ai": "it", "software": "it", "iot": "it",
    "beidou": "beidou_rs", "rs": "beidou_rs",
    "eco": "newenergy",
}

# Industries that make things: they must be allowed industrial land (M1 or M2) and are never sent to W.
MANUFACTURING: frozenset[str] = frozenset({
    "it", "ic", "iot", "equip", "beidou_rs", "beidou", "biomed", "newmat", "aviation", "nev", "newenergy", "eco",
    "nextchip", "nextsatnav", "precision_med",
})

# Per industry, most typical land use first.
ALLOWED_LAND_USES: dict[str, tuple[str, ...]] = {
    # --- 高端信息技术 ---------------------------------------------------------------------------------
    # wafer fabs use hazardous gases and chemicals (M2); packaging/testing (M1); design is R&D (RD).
    # Plan 三(一)1: "聚焦集成电路研发设计", "做大做强封装测试产业".
    "ic": ("M1", "M2", "RD"),
    # chips, software, robots and smart hardware (3964): R&D first, light manufacturing, offices (B2-type).
    # Plan 三(一)2: "人工智能芯片研发", "人工智能软件开发", "人工智能硬件与产品研发应用".
    "ai": ("RD", "M1", "B"),
    # software and information services are office work: R&D land or commercial office (GB 50137 B29).
    "software": ("RD", "B"),
    # sensors (3983) are light manufacturing; IoT services (6532) are offices.
    "iot": ("M1", "RD", "B"),
    # umbrella: any of its members' uses (computers, telecom equipment and networks also fall here).
    "it": ("M1", "M2", "RD", "B"),
    # --- 高端装备制造 ---------------------------------------------------------------------------------
    # machining, welding and painting can disturb (M2); "研发、设计和制造" (plan 一(一)3) -> RD.
    "equip": ("M1", "M2", "RD"),
    # --- 北斗 + 遥感 ---------------------------------------------------------------------------------
    # "上游基础元器件产业，中游定位装置产业和下游运营服务产业" (plan 三(三)1): devices (M1), R&D, operators (B).
    "beidou": ("M1", "RD", "B"),
    # remote-sensing data processing and application services are office work (6571, 7441).
    "rs": ("RD", "B"),
    "beidou_rs": ("M1", "RD", "B"),
    # --- 5 key industries -------------------------------------------------------------------------------
    # APIs and biologics may be class 2 (M2); devices M1; "研发和生产服务" (plan 三(四)) -> RD.
    "biomed": ("M1", "M2", "RD"),
    # polymers and metal materials are often class 2; "新材料研发创新基地" (plan 三(五)) -> RD.
    "newmat": ("M2", "M1", "RD"),
    # parts and MRO hangars on industrial land; flying itself needs airport land, which LAND_USES lacks.
    "aviation": ("M1", "M2", "RD"),
    # vehicle assembly and painting (M2), parts (M1), "关键技术研发" (plan 三(七)) -> RD.
    "nev": ("M2", "M1", "RD"),
    # batteries, fuel cells and equipment; power plants need utility land, which LAND_USES lacks.
    "newenergy": ("M1", "M2", "RD"),
    # recycling and treatment equipment, often class 2; "技术研发、装备研制、应用推广" (plan 六, cluster 5).
    "eco": ("M2", "M1", "RD"),
    # --- X: pioneer industries: "以科研院所、企业研究中心以及产学研协同创新平台为推进主体" (plan 四) --------
    "6g": ("RD", "C65"),
    # "前瞻研究下一代智能芯片" plus "前沿材料产业": research first, pilot lines on clean industrial land.
    "nextchip": ("RD", "C65", "M1"),
    # "卫星导航基础构件及终端设备研究和载荷研制" (plan 四 3): research and small-batch assembly.
    "nextsatnav": ("RD", "C65", "M1"),
    # "设备、器械、试剂研发制造企业" (plan 四 4).
    "precision_med": ("RD", "C65", "M1"),
    # "探索建立量子科技领域实验室" (plan 四 5).
    "quantum": ("RD", "C65"),
    # --- platform economy -------------------------------------------------------------------------------
    # exhibitions are commercial here (GB 50137 puts public 会展中心 under A21; 国家会展中心 runs commercially).
    "expo": ("B",),
    # stand-alone logistics is warehousing land only (GB 50137 W, the guide's 1101); no industrial land.
    "logistics": ("W",),
    # trade and e-commerce: commercial; "进口商品展示、交易、仓储" (plan 六, cluster 4) adds warehousing.
    "trade": ("B", "W"),
    # industrial-internet platforms (6431) are office and R&D work.
    "iiot": ("RD", "B"),
    # service platforms (农技、农资、农机服务, 农产品线上销售, plan 五(二)5): offices, agri-input and produce stores,
    # technical extension labs. Field facilities belong on farmland / 农业设施建设用地, which LAND_USES lacks.
    "agri": ("B", "W", "RD"),
}


def allowed_land_uses(industry: str) -> tuple[str, ...]:
    """Land-use codes a project of ``industry`` may build on by default.

    A child missing from the table falls back to its umbrella (``PARENT``); an unknown industry gets ().
    """
    seen: set[str] = set()
    while industry and industry not in seen:
        if industry in ALLOWED_LAND_USES:
            return ALLOWED_LAND_USES[industry]
        seen.add(industry)
        industry = PARENT.get(industry, "")
    return ()

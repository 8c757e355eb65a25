"""The plan's 2025 monitoring targets (LAYOUT-FACTS.md, "Plan targets for 2025"; the plan text is
青府办发〔2021〕63号), and how far each can be measured from the enterprise table.

``measure`` says what the service can compute from enterprises:
- "output_sum": Σ output_value of the firms in ``plan_industries`` (万元 → 亿元). A proxy: the
  table holds one output figure per firm, not "sales" or "above-scale manufacturing output", and
  no time series, so growth-rate targets are compared with the level they imply for 2025.
- "output_share": the same sum as a share of all firms' output (proxy for the share of
  strategic emerging manufacturing in industrial output above scale).
- None: the enterprise table cannot measure it (no high-tech or 小巨人 flags, no patents).
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Target", "TARGETS", "TARGET_YEAR", "SOURCE", "implied_target"]

TARGET_YEAR = 2025
SOURCE = "青浦区战略性新兴产业发展“十四五”规划 (青府办发〔2021〕63号), via ../shared/plan/LAYOUT-FACTS.md"
# Strategic emerging manufacturing: the 3 leading clusters and the 5 key industries (and children).
STRATEGIC = ("it", "ic", "ai", "software", "iot", "equip", "beidou_rs", "beidou", "rs",
             "biomed", "newmat", "aviation", "nev", "newenergy", "eco")


@dataclass(frozen=True)
class Target:
    id: str
    indicator_zh: str
    indicator_en: str
    unit: str                       # unit of base and target
    base: float | None
    base_year: int | None
    target: float | None            # level in ``unit`` (None for pure growth targets)
    growth_per_year: float | None   # e.g. 0.15 for "+15 % a year"
    plan_industries: tuple[str, ...]
    measure: str | None
    note: str = ""
    source: str = SOURCE


TARGETS: tuple[Target, ...] = (
    Target("strategic_output_share", "战略性新兴产业制造业产值占规上工业总产值比重",
           "Strategic emerging manufacturing output, share of industrial output above scale", "%",
           24.7, 2020, 30.0, None, STRATEGIC, "output_share",
           "2020 base 392.4 亿元 = 24.7 %; measured as the plan industries' share of all firms' output (proxy)."),
    Target("high_tech_enterprises", "高新技术企业数", "High-tech enterprises", "firms", 758, 2020, 1000, None, (),
           None, "Needs a high-tech certification flag the enterprise table does not hold."),
    Target("little_giants", "科技小巨人企业数", "科技小巨人 enterprises", "firms", 126, 2020, 300, None, (), None,
           "Needs the 科技小巨人 list, which the enterprise table does not hold."),
    Target("software_sales", "软件和信息服务业营业收入", "Software and information services sales", "亿元",
           829.9, 2020, None, 0.15, ("software",), "output_sum",
           "+15 % a year from 829.9 亿元; compared with the implied 2025 level, using output_value as a proxy for sales."),
    Target("ic_growth", "集成电路产业增速", "Integrated circuits growth", "% a year", None, None, None, 0.20,
           ("ic",), None, "A growth rate with no stated base: needs a time series of output, which the table lacks."),
    Target("ai_growth", "人工智能产业增速", "Artificial intelligence growth", "% a year", None, None, None, 0.15,
           ("ai",), None, "A growth rate with no stated base: needs a time series of output, which the table lacks."),
    Target("beidou_revenue", "北斗导航产业营业收入", "BeiDou navigation revenue", "亿元", None, None, 100.0, None,
           ("beidou",), "output_sum", "output_value as a proxy for revenue."),
    Target("biomed_output", "生物医药制造业产值 (规上)", "Biomedicine manufacturing output (above scale)", "亿元",
           None, None, 160.0, None, ("biomed", "precision_med"), "output_sum",
           "All biomedicine firms' output_value; the table does not say which are above scale."),
    Target("newmat_output", "新材料产业产值", "New materials output", "亿元", 132.61, 2019, 200.0, 0.07,
           ("newmat",), "output_sum", "Base year 2019; target 200 亿元 and over 7 % a year."),
    Target("nev_output", "新能源汽车制造业产值", "New-energy vehicle manufacturing output", "亿元", None, None, 150.0,
           None, ("nev",), "output_sum"),
    Target("newenergy_eco_output", "新能源及节能环保产业产值", "New energy and energy saving output", "亿元", None, None,
           100.0, None, ("newenergy", "eco"), "output_sum"),
    Target("invention_patents", "每万人发明专利拥有量", "Invention patents per 10,000 people", "patents per 10,000",
           None, None, 30.0, None, (), None, "Patents and population are not enterprise data."),
)


def implied_target(t: Target) -> float | None:
    """The 2025 level a target asks for: its stated level, or base × (1 + growth)^(years)."""
    if t.target is not None:
        return t.target
    if t.base is not None and t.growth_per_year is not None and t.base_year is not None:
        return t.base * (1 + t.growth_per_year) ** (TARGET_YEAR - t.base_year)
    return None

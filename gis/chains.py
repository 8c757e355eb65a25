"""产业链 profiles: per zone, the firms and employees of each link of a plan industry's chain, the leading
firms, and the gaps (links absent or thin) — pure computation over rows handed in by the caller.

A firm belongs to a link by its GB/T 4754-2017 class (plan.chains.link_of: the longest listed prefix), not by
its plan industry: a pharmaceutical wholesaler (5151) is in the 生物医药 chain's distribution link although it
is no 生物医药 firm itself. A firm counts in every zone that contains it (zones overlap) and once in the district.

The gap rule (GAP_RULE states it for the user):
- a zone is *in scope* for a chain when its plan targets the industry (or the industry's parent), or when it
  holds at least MIN_CHAIN_FIRMS firms of the chain; other zones list no gaps;
- in a zone in scope, a link is *absent* when the zone has no firm in it, and *thin* when it has fewer than
  THIN_RATIO of the firms it would hold if its chain had the district's mix of links
  (expected = zone chain firms × district link firms / district chain firms).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from plan.chains import CHAINS, STAGES, ChainLink, link_of
from plan.industries import PLAN_INDUSTRY_BY_ID

__all__ = ["ChainFirm", "ChainZone", "MIN_CHAIN_FIRMS", "THIN_RATIO", "LEADERS", "GAP_RULE", "chain_profile",
           "chain_codes"]

MIN_CHAIN_FIRMS = 5
THIN_RATIO = 0.5
LEADERS = 3

GAP_RULE = {
    "zh": (f"分区规划目标含该产业（或其上级产业），或区内该链企业不少于 {MIN_CHAIN_FIRMS} 家时，才列出缺口。"
           f"该分区某环节无企业为「缺失」；企业数低于按全区环节结构推算的期望数的 {THIN_RATIO:.0%} 为「薄弱」"
           "（期望数 = 分区该链企业数 × 全区该环节企业数 ÷ 全区该链企业数）。企业按国民经济行业分类（GB/T 4754-2017）"
           "小类归入环节；一家企业计入包含它的每个分区。"),
    "en": (f"Gaps are listed for a zone whose plan targets the industry (or its parent) or that holds at least "
           f"{MIN_CHAIN_FIRMS} firms of the chain. A link is absent when the zone has no firm in it, thin when it has "
           f"fewer than {THIN_RATIO:.0%} of the firms expected from the district's mix of links (expected = the "
           "zone's chain firms × the district's firms in the link ÷ the district's chain firms). Firms are placed in "
           "links by their GB/T 4754-2017 class; a firm counts in every zone that contains it."),
}


@dataclass(frozen=True)
class ChainFirm:
    uscc: str
    name: str
    industry_code: str
    employees: int | None
    zones: tuple[str, ...]
    output_value: float | None = None  # 万元, confidential: the caller passes it only for roles that may see it


@dataclass(frozen=True)
class ChainZone:
    id: str
    kind: str
    name_zh: str
    name_en: str
    target_industries: tuple[str, ...]


def chain_codes(industry: str) -> list[str]:
    """Every class prefix listed in the industry's chain (for a SQL prefilter)."""
    return sorted({code for link in CHAINS[industry] for code in link.codes})


def _targets(zone: ChainZone, industry: str) -> bool:
    parent = PLAN_INDUSTRY_BY_ID[industry].parent if industry in PLAN_INDUSTRY_BY_ID else None
    return industry in zone.target_industries or (parent is not None and parent in zone.target_industries)


def _leaders(firms: list[ChainFirm], n: int) -> list[dict]:
    ranked = sorted(firms, key=lambda f: (-(f.employees or 0), f.name, f.uscc))[:n]
    return [{"uscc": f.uscc, "name": f.name, "industry_code": f.industry_code, "employees": f.employees,
             "zones": list(f.zones)} for f in ranked]


def _tally(firms: list[ChainFirm], include_output: bool) -> dict:
    out = {"firms": len(firms), "employees": int(sum(f.employees or 0 for f in firms))}
    if include_output:
        out["output_value"] = round(sum(f.output_value or 0.0 for f in firms), 1)
    return out


def _link_head(link: ChainLink) -> dict:
    zh, en = STAGES[link.stage]
    return {"link": link.id, "link_zh": link.zh, "link_en": link.en, "stage": link.stage, "stage_zh": zh,
            "stage_en": en, "codes": list(link.codes), "plan_note": link.plan_note}


def chain_profile(industry: str, firms: Iterable[ChainFirm], zones: Sequence[ChainZone], *,
                  include_output: bool = False, leaders: int = LEADERS) -> dict:
    """The chain of ``industry`` in the district and in each zone, with the gaps (see the module docstring).

    Firms outside every link of the chain are ignored. Gaps come sorted: zones that target the industry first,
    absent before thin, then by stage order.
    """
    links = CHAINS[industry]
    by_link: dict[str, list[ChainFirm]] = {link.id: [] for link in links}
    for firm in firms:
        link = link_of(industry, firm.industry_code)
        if link is not None:
            by_link[link.id].append(firm)
    district_total = sum(len(v) for v in by_link.values())
    district_links = [{**_link_head(link), **_tally(by_link[link.id], include_output),
                       "leaders": _leaders(by_link[link.id], leaders)} for link in links]
    district = {"firms": district_total,
                "employees": sum(d["employees"] for d in district_links), "links": district_links}

    zone_rows, gaps = [], []
    stage_rank = {s: i for i, s in enumerate(STAGES)}
    for zone in zones:
        members = {link.id: [f for f in by_link[link.id] if zone.id in f.zones] for link in links}
        chain_firms = sum(len(v) for v in members.values())
        targeted = _targets(zone, industry)
        in_scope = targeted or chain_firms >= MIN_CHAIN_FIRMS
        rows = []
        for link, dl in zip(links, district_links):
            n = len(members[link.id])
            expected = chain_firms * dl["firms"] / district_total if district_total else 0.0
            if n == 0:
                status = "absent"
            elif n < THIN_RATIO * expected:
                status = "thin"
            else:
                status = "present"
            row = {**_link_head(link), **_tally(members[link.id], include_output), "expected": round(expected, 2),
                   "district_firms": dl["firms"],
                   "share_of_district": round(n / dl["firms"], 4) if dl["firms"] else None,
                   "status": status, "leaders": _leaders(members[link.id], leaders)}
            rows.append(row)
            if in_scope and status != "present":
                gaps.append({"zone": zone.id, "zone_kind": zone.kind, "zone_zh": zone.name_zh, "zone_en": zone.name_en,
                             "targets_industry": targeted, "zone_chain_firms": chain_firms,
                             **{k: row[k] for k in ("link", "link_zh", "link_en", "stage", "stage_zh", "stage_en",
                                                    "codes", "plan_note", "firms", "employees", "expected",
                                                    "district_firms")},
                             "gap": status,
                             # where the district already has firms of the link: the first address for 招商
                             "district_leaders": [ld for ld in dl["leaders"] if zone.id not in ld["zones"]]})
        zone_rows.append({"zone": zone.id, "kind": zone.kind, "name_zh": zone.name_zh, "name_en": zone.name_en,
                          "targets_industry": targeted, "in_scope": in_scope, "firms": chain_firms,
                          "employees": sum(r["employees"] for r in rows),
                          "links_present": sum(r["firms"] > 0 for r in rows), "links": rows})
    gaps.sort(key=lambda g: (not g["targets_industry"], g["gap"] != "absent", stage_rank[g["stage"]],
                             g["zone_kind"], g["zone"]))
    return {"industry": industry, "district": district, "zones": zone_rows, "gaps": gaps,
            "rule": {**GAP_RULE, "min_chain_firms": MIN_CHAIN_FIRMS, "thin_ratio": THIN_RATIO, "leaders": leaders}}

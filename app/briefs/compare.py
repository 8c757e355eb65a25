"""Two to four ranked sites side by side for investment staff: every criterion of the search (value in
words, points against the weight), every hard constraint it met, then the facts an investor brief shows
(land, distances, the zone's profile, 标准地 indicators). The investor-facing version (in a brief) leaves
out the criteria, points and ranks: ``content.compare_facts`` alone."""
from __future__ import annotations

from app.briefs.content import compare_facts

CRITERIA_TITLE = {"zh": "评分准则（原始值 · 得分 / 权重）", "en": "Criteria (value · points / weight)"}
CONSTRAINTS_TITLE = {"zh": "硬约束（均满足）", "en": "Hard constraints (all met)"}
TOTAL = {"zh": "总分 · 排名", "en": "Total · rank"}


def staff_table(conn, ranked: list[dict], details: dict[str, dict], industry: str | None, lang: str,
                settings, layers: dict) -> dict:
    """``ranked``: the sites' search results in the order asked; ``details``: store.sites of them."""
    criteria_rows = [{"label": TOTAL[lang], "values": [f"{r['score']:.1f} / 100 · #{r['rank']}" for r in ranked]}]
    for j, c in enumerate(ranked[0]["criteria"]):
        criteria_rows.append({"label": c["label"], "values": [
            f"{r['criteria'][j]['note']} · {r['criteria'][j]['contribution']:.1f} / {r['criteria'][j]['weight']:g}"
            for r in ranked]})
    constraint_rows = [{"label": m["label"], "values": [r["constraints_met"][k]["value"] for r in ranked]}
                       for k, m in enumerate(ranked[0]["constraints_met"])]
    facts = compare_facts(conn, [details[r["id"]] for r in ranked], industry, lang, settings, layers)
    sections = [{"title": CRITERIA_TITLE[lang], "rows": criteria_rows}]
    if constraint_rows:
        sections.append({"title": CONSTRAINTS_TITLE[lang], "rows": constraint_rows})
    return {"sites": [f"{r['name']}（{r['id']}）" if lang == "zh" else f"{r['name']} ({r['id']})" for r in ranked],
            "ids": [r["id"] for r in ranked], "sections": sections + facts["sections"],
            "geometries": [r["geometry"] for r in ranked]}

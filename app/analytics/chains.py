"""/analytics/chains: the 产业链 of a plan industry per zone (links, firms, employees, leaders, gaps) and its
gap list as a 招商 target list (XLSX, CSV).

The chains are plan.chains; the computation and the gap rule are gis.chains; the SQL is app.analytics.store.
Role rules are the enterprise items' (via analytics.routes._run): output_value sums (万元, confidential) appear
only for roles that may see the enterprises' output_value; the exports never carry them.
"""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from app.analytics import store as data
from app.analytics.chain_export import gaps_csv, gaps_xlsx
from app.analytics.routes import _run
from app.core.auth import Principal, current_principal
from app.core.params import choice, parse_query
from gis.chains import ChainFirm, ChainZone, chain_codes, chain_profile
from plan.chains import CHAINS, SOURCES, STAGES
from plan.industries import PLAN_INDUSTRY_BY_ID

router = APIRouter(tags=["analytics"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KINDS = ("core", "corridor", "cluster", "park")


def _industry(raw: str) -> str:
    if raw not in CHAINS:
        raise ValueError(f"no 产业链 is defined for {raw!r}; use one of {', '.join(CHAINS)}")
    return raw


CHAIN_PARAMS = {"industry": (_industry, "biomed"), "kind": (choice(*KINDS), None)}
EXPORT_PARAMS = {**CHAIN_PARAMS, "format": (choice("xlsx", "csv"), "xlsx")}
DOCS = {"industry": f"a plan industry with a chain: {', '.join(CHAINS)} (default biomed)",
        "kind": "only zones of this kind: core, corridor, cluster, park", "format": "xlsx (default) or csv"}


def _openapi(names) -> dict:
    return {"parameters": [{"name": n, "in": "query", "required": False, "schema": {"type": "string"},
                            "description": DOCS[n]} for n in names]}


def _compute(conn, params, show_output):
    industry = params["industry"]
    firms = [ChainFirm(uscc=r[0], name=r[1], industry_code=r[2], employees=r[3], zones=tuple(r[4] or ()),
                       output_value=r[5]) for r in data.chain_firms(conn, chain_codes(industry), show_output)]
    zones = [ChainZone(id=r[0], kind=r[1], name_zh=r[2], name_en=r[3], target_industries=tuple(r[4] or ()))
             for r in data.chain_zones(conn) if params["kind"] in (None, r[1])]
    profile = chain_profile(industry, firms, zones, include_output=show_output)
    names = {r[0]: (r[2], r[3]) for r in data.chain_zones(conn)}
    for leader in _all_leaders(profile):  # zone names beside ids, for pages and exports
        leader["zones_zh"] = [names[z][0] for z in leader["zones"] if z in names]
        leader["zones_en"] = [names[z][1] for z in leader["zones"] if z in names]
    p = PLAN_INDUSTRY_BY_ID[industry]
    profile.update({"industry_zh": p.zh, "industry_en": p.en, "stages": [
        {"id": s, "zh": zh, "en": en} for s, (zh, en) in STAGES.items()], "sources": list(SOURCES)})
    return {"profile": profile, "meta": {"synthetic": data.synthetic_summary(conn),
                                         "output_value": "sums in 万元, shown to investment staff and above"
                                         if show_output else "confidential: not shown to this role"}}


def _all_leaders(profile: dict):
    for link in profile["district"]["links"]:
        yield from link["leaders"]
    for zone in profile["zones"]:
        for link in zone["links"]:
            yield from link["leaders"]
    for gap in profile["gaps"]:
        yield from gap["district_leaders"]


@router.get("/analytics/chains", summary="产业链 per zone: firms and employees per link, leading firms, gaps",
            openapi_extra=_openapi(CHAIN_PARAMS))
def analytics_chains(request: Request, principal: Principal = Depends(current_principal)):
    params = parse_query(request, CHAIN_PARAMS)
    value, meta = _run(request, principal, "chains", params, _compute)
    return JSONResponse({**value["profile"], "metadata": meta})


@router.get("/analytics/chains/gaps", summary="The chain's gaps as a 招商 target list (XLSX or CSV)",
            openapi_extra={**_openapi(EXPORT_PARAMS),
                           "responses": {"200": {"content": {XLSX: {}, "text/csv": {}}}}})
def analytics_chain_gaps(request: Request, principal: Principal = Depends(current_principal)):
    params = parse_query(request, EXPORT_PARAMS)
    spec = {k: v for k, v in params.items() if k != "format"}
    value, meta = _run(request, principal, "chains", spec, _compute)
    profile = value["profile"]
    stem = f"chain-gaps-{profile['industry']}" + (f"-{params['kind']}" if params["kind"] else "")
    if params["format"] == "csv":
        return Response(gaps_csv(profile), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{stem}.csv"'})
    return Response(gaps_xlsx(profile, meta), media_type=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{stem}.xlsx"'})


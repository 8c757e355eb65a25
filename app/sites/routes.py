"""Site finder routes: search, exports, saved searches and the /sites/finder page (briefs and comparisons:
app/briefs).

Role: investment or above for everything but the page shell (which asks for a token itself).
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError

from app.core.auth import Principal, requires
from app.core.db import reader
from app.core.errors import Problem, bad_request, not_found
from app.core.http import templates
from app.sites.export import shortlist_csv, shortlist_gpkg
from app.sites.search import run_search
from app.sites.spec import SearchIn, check_search
from app.sites.store import (
    delete_saved_search,
    save_search_row,
    saved_search,
    saved_search_owner,
    saved_search_rows,
    share_saved_search,
    zone_table,
)
from gis.site_scoring import CRITERIA_INFO, DEFAULT_CRITERIA
from plan.industries import PLAN_INDUSTRIES
from plan.site_rules import (
    AVAILABILITY,
    LAND_USES,
    MIN_INTENSITY_WAN_PER_MU,
    SITE_KINDS,
)

router = APIRouter(tags=["site finder"])
STAFF = requires("investment")
EXPORT_LIMIT = 500


class ExportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    search: SearchIn
    ids: list[str] | None = Field(default=None, description="the shortlist; all ranked sites when omitted")
    format: Literal["csv", "gpkg"] = "csv"


class SavedIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    search: SearchIn
    shared: bool = Field(default=False, description="let other staff list and run it (it stays yours to change)")


class SharedIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    shared: bool


@router.post("/sites/search", summary="Rank sites for an investor: constraints, weighted criteria, explanations")
def search(body: SearchIn, request: Request, _p: Principal = Depends(STAFF)):
    # already plain JSON types: rendered as it is, without FastAPI's generic encoder walking every value again
    # (a quarter of a warm broad search at 100,000 sites)
    return JSONResponse(run_search(reader(request, _p), body, request.app.state.engine))


def _ranked(request: Request, principal: Principal, search: SearchIn, ids: list[str] | None) -> list[dict]:
    result = run_search(reader(request, principal), search.model_copy(update={"limit": EXPORT_LIMIT, "sensitivity": False}),
                        request.app.state.engine)
    ranked = result["results"]
    if ids is None:
        return ranked
    wanted = set(ids)
    chosen = [r for r in ranked if r["id"] in wanted]
    missing = wanted - {r["id"] for r in chosen}
    if missing:
        raise bad_request(f"site(s) {', '.join(sorted(missing))} are not among the ranked results of this search")
    return chosen


@router.post("/sites/export", summary="The shortlist as CSV (UTF-8 with BOM) or GeoPackage")
def export(body: ExportIn, request: Request, _p: Principal = Depends(STAFF)):
    rows = _ranked(request, _p, body.search, body.ids)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M")
    if body.format == "csv":
        return Response(shortlist_csv(rows), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="sites-shortlist-{stamp}.csv"'})
    return Response(shortlist_gpkg(rows), media_type="application/geopackage+sqlite3",
                    headers={"Content-Disposition": f'attachment; filename="sites-shortlist-{stamp}.gpkg"'})


@router.post("/sites/searches", status_code=201, summary="Save a search by name (it re-runs on current data)")
def save_search(body: SavedIn, request: Request, principal: Principal = Depends(STAFF)):
    engine = request.app.state.engine
    with engine.connect() as conn:
        check_search(body.search, set(zone_table(conn)))
    try:
        with engine.begin() as conn:
            row = save_search_row(conn, body.name.strip(), principal.name, body.search.model_dump_json(),
                                  body.shared)
    except IntegrityError:
        raise Problem(409, "Conflict", f"you already have a saved search named {body.name.strip()!r}; choose another name")
    return JSONResponse({"id": row[0], "name": body.name.strip(), "owner": principal.name, "shared": body.shared,
                         "created_at": row[1].isoformat(), "run": f"/sites/searches/{row[0]}/run"}, status_code=201)


@router.get("/sites/searches", summary="Your saved searches and those others shared")
def list_searches(request: Request, principal: Principal = Depends(STAFF)):
    with request.app.state.engine.connect() as conn:
        rows = saved_search_rows(conn, principal.name)
    return {"searches": [{"id": r[0], "name": r[1], "owner": r[2], "created_at": r[3].isoformat(), "search": r[4],
                          "shared": r[5], "mine": r[2] == principal.name, "run": f"/sites/searches/{r[0]}/run"}
                         for r in rows]}


@router.get("/sites/searches/{search_id}/run", summary="Re-run a saved search on the current data")
def run_saved(search_id: int, request: Request, principal: Principal = Depends(STAFF)):
    with request.app.state.engine.connect() as conn:
        row = saved_search(conn, search_id, principal.name)
    if row is None:
        raise not_found(f"no saved search {search_id}")
    body = SearchIn.model_validate(row[1] if isinstance(row[1], dict) else json.loads(row[1]))
    result = run_search(reader(request, principal), body, request.app.state.engine)
    result["saved_search"] = {"id": search_id, "name": row[0]}
    return result


def _own_search(conn, search_id: int, principal: Principal) -> None:
    owner = saved_search_owner(conn, search_id, principal.name)
    if owner is None:
        raise not_found(f"no saved search {search_id}")
    if owner != principal.name:
        raise Problem(403, "Forbidden", f"saved search {search_id} is {owner}'s; only its author may change it")


@router.patch("/sites/searches/{search_id}", summary="Share a saved search with other staff, or stop sharing it")
def share_saved(search_id: int, body: SharedIn, request: Request, principal: Principal = Depends(STAFF)):
    with request.app.state.engine.begin() as conn:
        _own_search(conn, search_id, principal)
        share_saved_search(conn, search_id, body.shared)
    return {"id": search_id, "shared": body.shared}


@router.delete("/sites/searches/{search_id}", status_code=204, summary="Delete one of your saved searches")
def delete_saved(search_id: int, request: Request, principal: Principal = Depends(STAFF)):
    with request.app.state.engine.begin() as conn:
        _own_search(conn, search_id, principal)
        delete_saved_search(conn, search_id)
    return Response(status_code=204)


@router.get("/sites/finder", response_class=HTMLResponse, summary="The site finder page for investment staff")
def finder(request: Request):
    with reader(request).connect() as conn:
        zones = zone_table(conn)
    return templates.TemplateResponse(request, "sites_finder.html", {
        "zones": zones, "industries": PLAN_INDUSTRIES, "uses": LAND_USES, "availability": AVAILABILITY,
        "kinds": SITE_KINDS, "criteria": [c.as_dict() for c in DEFAULT_CRITERIA], "info": CRITERIA_INFO,
        "intensity": MIN_INTENSITY_WAN_PER_MU})

"""Investor briefs (HTML page and PDF), their share links, and side-by-side comparisons of sites.

- ``POST /sites/brief[?format=pdf]``: a brief of a site for an investor's industry (staff).
- ``/sites/briefs``: briefs saved by their author; ``PUT /sites/briefs/{id}/share`` makes an unguessable link
  with an expiry, ``DELETE`` on it revokes; ``GET /sites/briefs/shared/{token}`` opens it without signing in.
- ``POST /sites/compare[?format=xlsx]`` and the page ``GET /sites/compare``: 2–4 ranked sites side by side.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta, timezone
from typing import Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from app.briefs import store
from app.briefs.compare import staff_table
from app.briefs.content import LOCAL, build_brief, compare_facts, local_time
from app.briefs.render import brief_html, brief_pdf, compare_xlsx
from app.core.auth import Principal, requires
from app.core.errors import Problem, bad_request, not_found
from app.core.http import templates
from app.sites.search import run_search
from app.sites.spec import SearchIn, resolve_industry

router = APIRouter(tags=["site briefs"])
STAFF = requires("investment")
MAX_SHARE_DAYS = 90
RANKED_LIMIT = 500
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}


class BriefIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    site_id: str = Field(min_length=1, max_length=200)
    search: SearchIn | None = Field(default=None, description="the search it came from: its profile.industry is "
                                    "the investor's industry unless `industry` is given")
    industry: str | None = Field(default=None, description="plan industry id or Chinese name")
    lang: Literal["zh", "en"] = "zh"
    compare: list[str] = Field(default_factory=list, max_length=3, description="up to 3 other sites shown beside it")


class ShareIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    days: int | None = Field(default=None, ge=1, le=MAX_SHARE_DAYS, description="how long the link works")


class CompareIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    search: SearchIn
    site_ids: list[str] = Field(min_length=2, max_length=4)
    lang: Literal["zh", "en"] = "zh"


def _industry(body: BriefIn) -> str | None:
    if body.industry:
        return resolve_industry(body.industry)
    if body.search and body.search.profile.industry:
        return resolve_industry(body.search.profile.industry)
    return None


def _check_compare(site_id: str, compare: list[str]) -> None:
    if site_id in compare or len(set(compare)) != len(compare):
        raise bad_request("compare must name other sites than the brief's, each once")


def _render(request: Request, site_id: str, industry: str | None, lang: str, compare: list[str], fmt: str,
            links: dict | None = None, headers: dict | None = None) -> Response:
    settings = request.app.state.settings
    with request.app.state.engine.begin() as conn:
        details = store.sites(conn, [site_id, *compare])
        missing = [s for s in [site_id, *compare] if s not in details]
        if missing:
            raise not_found(f"no site {', '.join(missing)}")
        layers = store.map_layers(conn)
        table = (compare_facts(conn, [details[s] for s in [site_id, *compare]], industry, lang, settings, layers)
                 if compare else None)
        brief = build_brief(conn, details[site_id], industry, lang, settings, datetime.now(timezone.utc), table,
                            layers)
    if fmt == "pdf":
        name = quote(f"{brief['name']}-{'简报' if lang == 'zh' else 'brief'}.pdf")
        return Response(brief_pdf(brief), media_type="application/pdf", headers={
            **(headers or {}), "Content-Disposition": f"attachment; filename=\"site-brief.pdf\"; filename*=UTF-8''{name}"})
    return HTMLResponse(brief_html(brief, links=links), headers=headers)


@router.post("/sites/brief", summary="An investor brief of a site: HTML, or PDF with format=pdf")
def brief(body: BriefIn, request: Request, format: Literal["html", "pdf"] = Query("html"),
          _p: Principal = Depends(STAFF)):
    _check_compare(body.site_id, body.compare)
    return _render(request, body.site_id, _industry(body), body.lang, body.compare, format)


def _brief_json(row: dict, site_names: dict[str, str], url: str | None = None) -> dict:
    shared = row["share_expires_at"] is not None and row["share_expires_at"] > datetime.now(timezone.utc)
    out = {"id": row["id"], "site_id": row["site_id"], "site_name": site_names.get(row["site_id"]),
           "industry": row["industry"], "lang": row["lang"], "compare": list(row["compare"]),
           "created_at": row["created_at"].isoformat(), "html": f"/sites/briefs/{row['id']}",
           "pdf": f"/sites/briefs/{row['id']}?format=pdf", "shared": shared,
           "share_expires_at": row["share_expires_at"].isoformat() if shared else None,
           "share_expires_local": local_time(row["share_expires_at"], "zh") if shared else None}
    if url:
        out["share_url"] = url
    return out


@router.post("/sites/briefs", status_code=201, summary="Save a brief (yours alone until you share it)")
def save_brief(body: BriefIn, request: Request, principal: Principal = Depends(STAFF)):
    _check_compare(body.site_id, body.compare)
    industry = _industry(body)
    with request.app.state.engine.begin() as conn:
        details = store.sites(conn, [body.site_id, *body.compare])
        missing = [s for s in [body.site_id, *body.compare] if s not in details]
        if missing:
            raise not_found(f"no site {', '.join(missing)}")
        row = store.insert_brief(conn, principal.name, body.site_id, industry, body.lang, body.compare)
    return JSONResponse(_brief_json(row, {k: v["name"] for k, v in details.items()}), status_code=201)


@router.get("/sites/briefs", summary="Your saved briefs and whether each is shared")
def list_briefs(request: Request, principal: Principal = Depends(STAFF)):
    with request.app.state.engine.begin() as conn:
        rows = store.own_briefs(conn, principal.name)
        names = {k: v["name"] for k, v in store.sites(conn, sorted({r["site_id"] for r in rows})).items()}
    return {"briefs": [_brief_json(r, names) for r in rows]}


def _own(request: Request, brief_id: int, principal: Principal, lock: bool = False, conn=None) -> dict:
    if conn is None:
        with request.app.state.engine.connect() as c:
            row = store.own_brief(c, brief_id, principal.name)
    else:
        row = store.own_brief(conn, brief_id, principal.name, lock)
    if row is None:
        raise not_found(f"you have no saved brief {brief_id}")
    return row


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@router.get("/sites/briefs/shared/{token}", response_class=HTMLResponse,
            summary="A shared brief: opens without signing in while its link is live")
def shared(token: str, request: Request, format: Literal["html", "pdf"] = Query("html"),
           lang: Literal["zh", "en"] | None = Query(None)):
    row = None
    if 20 <= len(token) <= 100:
        with request.app.state.engine.connect() as conn:
            row = store.shared_brief(conn, _token_hash(token), datetime.now(timezone.utc))
    if row is None:
        raise Problem(404, "Not found", "this brief link is not valid: it may have expired or been withdrawn; "
                      "ask the sender for a new one", headers=PRIVATE)
    use = lang or row["lang"]
    base = f"/sites/briefs/shared/{token}"
    links = {"pdf": f"{base}?format=pdf&lang={use}", "other_lang": f"{base}?lang={'en' if use == 'zh' else 'zh'}"}
    return _render(request, row["site_id"], row["industry"], use, list(row["compare"]), format, links, PRIVATE)


@router.get("/sites/briefs/{brief_id}", response_class=HTMLResponse, summary="One of your saved briefs")
def saved(brief_id: int, request: Request, format: Literal["html", "pdf"] = Query("html"),
          lang: Literal["zh", "en"] | None = Query(None), principal: Principal = Depends(STAFF)):
    row = _own(request, brief_id, principal)
    return _render(request, row["site_id"], row["industry"], lang or row["lang"], list(row["compare"]), format,
                   headers={"Cache-Control": "no-store"})


@router.put("/sites/briefs/{brief_id}/share", summary="Share a brief: a new unguessable link with an expiry "
            "(any earlier link stops working)")
def share(brief_id: int, request: Request, body: ShareIn | None = None, principal: Principal = Depends(STAFF)):
    days = (body.days if body and body.days else None) or min(request.app.state.settings.share_days, MAX_SHARE_DAYS)
    token = secrets.token_urlsafe(32)
    expires = datetime.now(timezone.utc) + timedelta(days=days)
    with request.app.state.engine.begin() as conn:
        row = _own(request, brief_id, principal, lock=True, conn=conn)
        store.set_share(conn, brief_id, _token_hash(token), expires)
        row = store.own_brief(conn, brief_id, principal.name)
        names = {k: v["name"] for k, v in store.sites(conn, [row["site_id"]]).items()}
    url = str(request.base_url).rstrip("/") + f"/sites/briefs/shared/{token}"
    return JSONResponse(_brief_json(row, names, url), headers={"Cache-Control": "no-store"})


@router.delete("/sites/briefs/{brief_id}/share", status_code=204, summary="Withdraw a brief's share link")
def unshare(brief_id: int, request: Request, principal: Principal = Depends(STAFF)):
    with request.app.state.engine.begin() as conn:
        _own(request, brief_id, principal, lock=True, conn=conn)
        store.set_share(conn, brief_id, None, None)
    return Response(status_code=204)


@router.delete("/sites/briefs/{brief_id}", status_code=204, summary="Delete one of your saved briefs")
def delete(brief_id: int, request: Request, principal: Principal = Depends(STAFF)):
    with request.app.state.engine.begin() as conn:
        _own(request, brief_id, principal, lock=True, conn=conn)
        store.delete_brief(conn, brief_id)
    return Response(status_code=204)


@router.post("/sites/compare", summary="2–4 ranked sites side by side: JSON, or XLSX with format=xlsx")
def compare(body: CompareIn, request: Request, format: Literal["json", "xlsx"] = Query("json"),
            _p: Principal = Depends(STAFF)):
    if len(set(body.site_ids)) != len(body.site_ids):
        raise bad_request("site_ids must name each site once")
    engine = request.app.state.engine
    result = run_search(engine, body.search.model_copy(update={"limit": RANKED_LIMIT, "sensitivity": False}))
    by_id = {r["id"]: r for r in result["results"]}
    missing = [s for s in body.site_ids if s not in by_id]
    if missing:
        raise bad_request(f"site(s) {', '.join(missing)} are not among the ranked results of this search")
    ranked = [by_id[s] for s in body.site_ids]
    industry = resolve_industry(body.search.profile.industry) if body.search.profile.industry else None
    with engine.begin() as conn:
        details = store.sites(conn, body.site_ids)
        table = staff_table(conn, ranked, details, industry, body.lang, request.app.state.settings,
                            store.map_layers(conn))
    if format == "xlsx":
        stamp = datetime.now(LOCAL).strftime("%Y%m%d-%H%M")
        return Response(compare_xlsx(table, "比较 Compare"), headers={
            "Content-Disposition": f'attachment; filename="sites-compare-{stamp}.xlsx"'},
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return {"made": local_time(datetime.now(timezone.utc), body.lang), **table}


@router.get("/sites/compare", response_class=HTMLResponse, summary="The side-by-side comparison page (staff)")
def compare_page(request: Request):
    return templates.TemplateResponse(request, "sites_compare.html", {})

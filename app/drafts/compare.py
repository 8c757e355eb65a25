"""Comparing a draft with the published plan (or with another draft), and publishing it.

Against the published plan the "after" side is what publishing would leave: the published zones
with the draft's changed zones applied (a zone the draft did not touch stays as published). Against
another draft both sides are the drafts as they stand.

Enterprises: every enterprise inside (or on the boundary of) a changed zone's old or new outline is
placed on both sides by the project's one rule (gis.assign.assign_points), so the lists of firms
entering and leaving, and primary-zone changes with their reasons, are what publishing will store.
Zone metrics reuse gis.metrics (the /analytics/zones figures) and plan.targets (2025 targets).
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timezone
from itertools import combinations
from zoneinfo import ZoneInfo as ZoneInfoTz

import numpy as np
from fastapi import Request
from fastapi.responses import JSONResponse, Response
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from app.analytics.store import district_tally, industry_family
from app.core.cells import safe_cell
from app.core.errors import Conflict, RuleViolation, bad_request
from app.core.http import templates
from app.core.store import bump_version, district_geometry
from app.drafts import store
from app.enterprises.assignment import reassign_usccs
from gis.assign import ZoneInfo, assign_points
from gis.change_svg import change_map_svg
from gis.crs import SQM_PER_MU, area_km2, lonlat_to_measure, to_measure
from gis.metrics import tally_firms, zone_metrics
from gis.zone_rules import area_change
from plan.industries import PLAN_INDUSTRIES
from plan.targets import TARGETS

OVERLAP_EPS_KM2 = 0.001  # below this two clusters are taken not to overlap (rounding of shared edges)
_GROUPS = {p.id: industry_family(p.id)[1:] for p in PLAN_INDUSTRIES if industry_family(p.id)[1:]}


@dataclass
class Side:
    label: str
    zones: dict[str, tuple[dict, BaseGeometry, float]]  # id -> (attributes, geometry, area_km2)

    def infos(self) -> list[ZoneInfo]:
        return [ZoneInfo(zid, a["name_zh"], a["kind"], area, tuple(a["target_industries"] or ()), g)
                for zid, (a, g, area) in sorted(self.zones.items())]


def _published_side(conn) -> Side:
    return Side("published", {z.id: (z.attrs, z.geom, z.area_km2) for z in store.published_zones(conn).values()})


def _draft_side(conn, draft: store.Draft) -> Side:
    return Side(f"draft {draft.id}", {z.id: (z.attrs, z.geom, z.area_km2)
                                      for z in store.draft_zones(conn, draft.id).values()})


def _as_published_side(conn, draft: store.Draft, published: Side) -> Side:
    zones = dict(published.zones)
    for z in store.changed_zones(conn, draft.id):
        if z.deleted:
            zones.pop(z.id, None)
        else:
            zones[z.id] = (z.attrs, z.geom, z.area_km2)
    return Side(f"draft {draft.id}", zones)


def _differs(a, b) -> bool:
    return a is None or b is None or a[0] != b[0] or a[1].wkb != b[1].wkb


def _mu(km2: float) -> float:
    return round(km2 * 1e6 / SQM_PER_MU, 2)


def _area(before: BaseGeometry | None, after: BaseGeometry | None) -> dict:
    out = area_change(before, after)
    for k in list(out):
        out[k.replace("_km2", "_mu")] = _mu(out[k])
    return out


def _metrics(rows, sides: list[tuple[str, list, list[str], dict[str, float]]], district) -> dict[str, dict[str, dict]]:
    """gis.metrics.zone_metrics of the zones of each side — (label, placements of the candidate
    enterprises, zone ids, areas) — in one call (its district part is the costly one). Every member of
    those zones is a candidate. Returns {label: {zone: metrics}}."""
    keys = [(label, z) for label, _p, ids, _a in sides for z in ids]
    if not keys:
        return {label: {} for label, *_ in sides}
    index = {k: i for i, k in enumerate(keys)}
    member_firm, member_zone = [], []
    for label, placements, ids, _areas in sides:
        wanted = set(ids)
        for i, p in enumerate(placements):
            for z in p.zones:
                if z in wanted:
                    member_firm.append(i)
                    member_zone.append(index[(label, z)])
    names = [f"{label}\t{z}" for label, z in keys]
    zone_tally, _ = tally_firms([r.plan_industry for r in rows], [r.employees for r in rows],
                                [r.output_value for r in rows], [r.established for r in rows],
                                member_firm, member_zone, names)
    areas = {f"{label}\t{z}": side_areas[z] for label, _p, ids, side_areas in sides for z in ids}
    result = zone_metrics(zone_tally, district, areas, include_output=True, groups=_GROUPS)
    out: dict[str, dict[str, dict]] = {label: {} for label, *_ in sides}
    for m in result["zones"]:
        label, zone = m["zone"].split("\t", 1)
        out[label][zone] = {**m, "zone": zone}
    return out


def _summary(m: dict | None) -> dict | None:
    if m is None:
        return None
    return {"area_km2": m["area_km2"], "firms": m["firms"], "employees": m["employees"],
            "density_per_km2": m["density_per_km2"], "hhi": m["hhi"], "output_value": m.get("output_value"),
            "industries": [{k: e.get(k) for k in ("industry", "firms", "share", "lq", "lq_reliable", "output_value",
                                                   "density_per_km2")} for e in m["industries"] if not e["group"]]}


def _targets(rows, placements, zone_id: str) -> dict[str, dict]:
    """Each measurable 2025 target's firms and output (亿元) inside the zone: its contribution."""
    out = {}
    inside = [i for i, p in enumerate(placements) if zone_id in p.zones]
    for t in TARGETS:
        if t.measure is None or not t.plan_industries:
            continue
        hit = [i for i in inside if rows[i].plan_industry in t.plan_industries]
        out[t.id] = {"firms": len(hit), "output_yi": round(sum(float(rows[i].output_value or 0) for i in hit) / 1e4, 4)}
    return out


def _overlaps(before: Side, after: Side, changed: set[str]) -> list[dict]:
    """Overlaps between clusters that involve a changed cluster: created, removed or resized."""
    def clusters(side):
        return {z: g for z, (a, g, _) in side.zones.items() if a["kind"] == "cluster"}
    b, a = clusters(before), clusters(after)
    out = []
    for x, y in combinations(sorted(set(b) | set(a)), 2):
        if x not in changed and y not in changed:
            continue
        before_km2 = area_km2(b[x].intersection(b[y])) if x in b and y in b else 0.0
        after_km2 = area_km2(a[x].intersection(a[y])) if x in a and y in a else 0.0
        if before_km2 < OVERLAP_EPS_KM2 and after_km2 >= OVERLAP_EPS_KM2:
            what = "created"
        elif before_km2 >= OVERLAP_EPS_KM2 and after_km2 < OVERLAP_EPS_KM2:
            what = "removed"
        elif abs(after_km2 - before_km2) >= OVERLAP_EPS_KM2:
            what = "grown" if after_km2 > before_km2 else "shrunk"
        else:
            continue
        overlap = a[x].intersection(a[y]) if what != "removed" else b[x].intersection(b[y])
        out.append({"zones": [x, y], "change": what, "before_km2": round(before_km2, 6),
                    "after_km2": round(after_km2, 6), "before_mu": _mu(before_km2), "after_mu": _mu(after_km2),
                    "geometry": mapping(overlap) if not overlap.is_empty else None})
    return out


def compare(conn, draft: store.Draft, against: store.Draft | None, *, validate: bool = True) -> dict:
    published = _published_side(conn)
    if against is None:
        before, after = published, _as_published_side(conn, draft, published)
    else:
        before, after = _draft_side(conn, against), _draft_side(conn, draft)
    ids = sorted(set(before.zones) | set(after.zones))
    changed = [z for z in ids if _differs(before.zones.get(z), after.zones.get(z))]
    geoms = [side.zones[z][1].wkb for z in changed for side in (before, after) if z in side.zones]
    rows = store.enterprises_within(conn, geoms)
    x = np.fromiter((r.lon for r in rows), float, len(rows))
    y = np.fromiter((r.lat for r in rows), float, len(rows))
    industries = [r.plan_industry for r in rows]
    placed_before = list(assign_points(x, y, industries, before.infos()))
    placed_after = list(assign_points(x, y, industries, after.infos()))
    names = {z: (after.zones.get(z) or before.zones.get(z))[0]["name_zh"] for z in ids}

    moving, primary_changes = [], []
    entered: dict[str, list] = {z: [] for z in changed}
    left: dict[str, list] = {z: [] for z in changed}
    for r, pb, pa in zip(rows, placed_before, placed_after):
        if pb.zones == pa.zones and pb.primary == pa.primary:
            continue  # (a reason may still read differently, e.g. a renamed zone: publishing stores it)
        firm = {"uscc": r.uscc, "name": r.name, "lon": round(r.lon, 6), "lat": round(r.lat, 6)}
        gained, lost = sorted(set(pa.zones) - set(pb.zones)), sorted(set(pb.zones) - set(pa.zones))
        for z in gained:
            entered.setdefault(z, []).append({"uscc": r.uscc, "name": r.name})
        for z in lost:
            left.setdefault(z, []).append({"uscc": r.uscc, "name": r.name})
        entry = {**firm, "zones_before": list(pb.zones), "zones_after": list(pa.zones), "entered": gained,
                 "left": lost, "primary_before": pb.primary, "primary_after": pa.primary,
                 "primary_name_before": names.get(pb.primary), "primary_name_after": names.get(pa.primary),
                 "reason_before": pb.reason, "reason_after": pa.reason}
        moving.append(entry)
        if pb.primary != pa.primary:
            primary_changes.append(entry)

    metrics = _metrics(rows, [("before", placed_before, [z for z in changed if z in before.zones],
                               {z: before.zones[z][2] for z in before.zones}),
                              ("after", placed_after, [z for z in changed if z in after.zones],
                               {z: after.zones[z][2] for z in after.zones})], district_tally(conn))
    metrics_before, metrics_after = metrics["before"], metrics["after"]
    zones = []
    for z in changed:
        b, a = before.zones.get(z), after.zones.get(z)
        kind = "created" if b is None else "deleted" if a is None else (
            "boundary" if b[1].wkb != a[1].wkb else "attributes")
        gained = a[1].difference(b[1]) if a and b else (a[1] if a else None)
        lost = b[1].difference(a[1]) if a and b else (b[1] if b else None)
        zones.append({
            "zone": z, "name_zh": names[z], "kind": (a or b)[0]["kind"], "change": kind,
            "attributes_changed": {k: {"before": b[0][k], "after": a[0][k]} for k in a[0] if b and a[0][k] != b[0][k]}
            if a and b else {},
            "area": _area(b[1] if b else None, a[1] if a else None),
            "gained": mapping(gained) if gained is not None and not gained.is_empty else None,
            "lost": mapping(lost) if lost is not None and not lost.is_empty else None,
            "enterprises": {"entered": entered.get(z, []), "left": left.get(z, [])},
            "metrics": {"before": _summary(metrics_before.get(z)), "after": _summary(metrics_after.get(z))},
            "targets": {"before": _targets(rows, placed_before, z) if b else None,
                        "after": _targets(rows, placed_after, z) if a else None},
        })
    shapes = {z: (before.zones[z][1] if z in before.zones else None, after.zones[z][1] if z in after.zones else None)
              for z in changed}
    validation = []
    if validate:
        for z, (attrs, geom, _) in sorted(after.zones.items()):
            found = store.violations(conn, draft.id, z, attrs, geom, as_published=against is None)
            validation.append({"zone": z, "name_zh": attrs["name_zh"], "valid": not found,
                               "violations": [v.as_dict() for v in found]})
    conflicts = store.conflicts(conn, draft.id) if draft.status == "open" else []
    return {
        "draft": {"id": draft.id, "name": draft.name, "owner": draft.owner, "status": draft.status,
                  "based_at": draft.based_at.isoformat()},
        "against": "published" if against is None else {"id": against.id, "name": against.name},
        "summary": {"zones_changed": len(changed), "enterprises_moving": len(moving),
                    "primary_changes": len(primary_changes),
                    "valid": all(v["valid"] for v in validation), "conflicts": len(conflicts),
                    "publishable": against is None and draft.status == "open" and not conflicts
                    and all(v["valid"] for v in validation) and bool(changed)},
        "zones": zones,
        "enterprises": moving,
        "primary_changes": primary_changes,
        "overlaps": _overlaps(before, after, set(changed)),
        "validation": validation,
        "conflicts": conflicts,
        "zone_names": names,
        "candidates": [r.uscc for r in rows],
        "_shapes": shapes,
        "_district": district_geometry(conn),
        "units": {"area": "km² and 亩 (1 亩 = 666.67 m²), measured in EPSG:4549",
                  "output": "万元 in metrics; 亿元 in targets"},
    }


def draft_zone_metrics(conn, draft: store.Draft) -> dict:
    """/analytics/zones for the layout publishing the draft would leave: every enterprise placed by the
    project's rule against those zones, the metrics of gis.metrics (output values included: planners)."""
    published = _published_side(conn)
    after = _as_published_side(conn, draft, published)
    rows = store.enterprises_within(conn, [g.wkb for _a, g, _ar in after.zones.values()])
    x = np.fromiter((r.lon for r in rows), float, len(rows))
    y = np.fromiter((r.lat for r in rows), float, len(rows))
    placed = list(assign_points(x, y, [r.plan_industry for r in rows], after.infos()))
    ids = sorted(after.zones)
    metrics = _metrics(rows, [("after", placed, ids, {z: after.zones[z][2] for z in ids})], district_tally(conn))["after"]
    features = []
    for z in sorted(ids, key=lambda i: (after.zones[i][0]["rank"], i)):
        attrs, geom, _area_km2 = after.zones[z]
        props = {k: attrs[k] for k in ("kind", "name_zh", "name_en", "target_industries", "parent_zone", "schematic")}
        props.update(metrics[z])
        for entry in props["industries"]:
            entry["targeted"] = entry["industry"] in attrs["target_industries"]
        features.append({"type": "Feature", "id": z, "geometry": mapping(geom), "properties": props})
    return {"type": "FeatureCollection", "features": features,
            "metadata": {"draft": draft.id, "name": draft.name, "not_published": True,
                         "zones": "the published zones with the draft's changes applied",
                         "definitions": "as /analytics/zones; firms placed against the draft's zones"}}


def render(request: Request, result: dict):
    """JSON (default), a printable HTML report (f=html) or a workbook (f=xlsx)."""
    fmt = request.query_params.get("f", "json")
    if fmt not in ("json", "html", "xlsx"):
        raise bad_request(f"unknown format f={fmt}; use json, html or xlsx", field="f")
    body = {k: v for k, v in result.items() if k != "candidates" and not k.startswith("_")}
    if fmt == "html":
        return templates.TemplateResponse(request, "draft_compare.html", {
            "r": body, "svg": _svg(result), "now": _local(datetime.now(timezone.utc)), "local": _local,
            "change_words": CHANGE_WORDS, "overlap_words": OVERLAP_WORDS, "target_names": TARGET_NAMES})
    if fmt == "xlsx":
        name = f"draft-{result['draft']['id']}-compare.xlsx"
        return Response(compare_workbook(body), media_type=XLSX,
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    return JSONResponse(body)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHANGE_WORDS = {"created": "新建 created", "deleted": "删除 deleted", "boundary": "边界调整 boundary changed",
                "attributes": "属性修改 attributes changed"}
OVERLAP_WORDS = {"created": "新增重叠 overlap created", "removed": "重叠消除 overlap removed",
                 "grown": "重叠扩大 overlap grown", "shrunk": "重叠缩小 overlap shrunk"}
TARGET_NAMES = {t.id: f"{t.indicator_zh} {t.indicator_en}" for t in TARGETS}
SHANGHAI = ZoneInfoTz("Asia/Shanghai")


def _local(value) -> str:
    """A time in Asia/Shanghai, marked as such."""
    if value is None:
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") + " 北京时间 (UTC+8)"


def _svg(result: dict) -> str:
    names = result["zone_names"]
    before = [(names[z], to_measure(b)) for z, (b, _a) in result["_shapes"].items() if b is not None]
    after = [(names[z], to_measure(a)) for z, (_b, a) in result["_shapes"].items() if a is not None]
    gained = [to_measure(shape(z["gained"])) for z in result["zones"] if z["gained"]]
    lost = [to_measure(shape(z["lost"])) for z in result["zones"] if z["lost"]]
    xs, ys = lonlat_to_measure(np.array([e["lon"] for e in result["enterprises"]], float),
                               np.array([e["lat"] for e in result["enterprises"]], float))
    firms = [(e["name"], float(x), float(y)) for e, x, y in zip(result["enterprises"], np.atleast_1d(xs),
                                                                np.atleast_1d(ys))]
    return change_map_svg(to_measure(result["_district"]), before, after, gained, lost, firms)


def compare_workbook(body: dict) -> bytes:
    """The comparison as an XLSX workbook: every text a text cell (credit codes stay text)."""
    wb = Workbook()
    names = body["zone_names"]

    def sheet(ws, header, rows):
        ws.append(header)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append([safe_cell(v) for v in row])
        for col in ws.iter_cols(min_row=2):
            for cell in col:
                if isinstance(cell.value, str):
                    cell.number_format = "@"
        for i, _ in enumerate(header, start=1):
            ws.column_dimensions[get_column_letter(i)].width = 18
        ws.freeze_panes = "A2"

    ws = wb.active
    ws.title = "概要 summary"
    d, s = body["draft"], body["summary"]
    against = "已发布方案 published plan" if body["against"] == "published" else f"方案 draft {body['against']['id']}"
    sheet(ws, ["项目 item", "值 value"], [
        ("方案 draft", f"{d['id']} «{d['name']}»"), ("对比 against", against), ("所有人 owner", d["owner"]),
        ("基于 based on (北京时间)", _local(d["based_at"])), ("变更分区 zones changed", s["zones_changed"]),
        ("变动企业 enterprises moving", s["enterprises_moving"]), ("主分区变化 primary changes", s["primary_changes"]),
        ("规则 zone rules", "全部通过 all pass" if s["valid"] else "有问题 problems: see 校验 sheet"),
        ("冲突 conflicts", s["conflicts"]), ("可发布 publishable", "是 yes" if s["publishable"] else "否 no")])
    sheet(wb.create_sheet("分区 zones"),
          ["分区 zone", "名称 name", "变更 change", "原面积 before km²", "方案面积 after km²", "增加 gained km²",
           "减少 lost km²", "增加 gained 亩", "减少 lost 亩", "原企业 firms before", "方案企业 firms after",
           "迁入 entering", "迁出 leaving", "原密度 density before /km²", "方案密度 density after /km²"],
          [(z["zone"], z["name_zh"], CHANGE_WORDS[z["change"]], z["area"]["before_km2"], z["area"]["after_km2"],
            z["area"]["gained_km2"], z["area"]["lost_km2"], z["area"]["gained_mu"], z["area"]["lost_mu"],
            (z["metrics"]["before"] or {}).get("firms"), (z["metrics"]["after"] or {}).get("firms"),
            len(z["enterprises"]["entered"]), len(z["enterprises"]["left"]),
            (z["metrics"]["before"] or {}).get("density_per_km2"), (z["metrics"]["after"] or {}).get("density_per_km2"))
           for z in body["zones"]])
    sheet(wb.create_sheet("企业 enterprises"),
          ["统一社会信用代码 uscc", "企业名称 name", "迁入 enters", "迁出 leaves", "原主分区 primary before",
           "方案主分区 primary after", "原依据 reason before", "方案依据 reason after", "经度 lon", "纬度 lat"],
          [(e["uscc"], e["name"], "、".join(names.get(z, z) for z in e["entered"]),
            "、".join(names.get(z, z) for z in e["left"]), names.get(e["primary_before"], "—"),
            names.get(e["primary_after"], "—"), e["reason_before"], e["reason_after"], e["lon"], e["lat"])
           for e in body["enterprises"]])
    sheet(wb.create_sheet("重叠 overlaps"),
          ["组团 cluster", "组团 cluster", "变化 change", "原重叠 before km²", "方案重叠 after km²", "原 before 亩",
           "方案 after 亩"],
          [(names.get(o["zones"][0]), names.get(o["zones"][1]), OVERLAP_WORDS[o["change"]], o["before_km2"],
            o["after_km2"], o["before_mu"], o["after_mu"]) for o in body["overlaps"]])
    sheet(wb.create_sheet("校验 validation"), ["分区 zone", "名称 name", "结果 result", "问题 problems"],
          [(v["zone"], v["name_zh"], "通过 passes" if v["valid"] else "不通过 fails",
            "; ".join(f"{x['rule']}: {x['message']}" for x in v["violations"])) for v in body["validation"]])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def publish(conn, draft: store.Draft, author: str, comment: str | None, keep: bool) -> dict:
    """Publish the draft in the caller's transaction (which holds lock_layout): refuse on conflicts
    (409) or broken zone rules (422), else write every change as a new zone version and re-assign
    the enterprises the change can move. Returns the versions written and the enterprises moved."""
    conflicts = store.conflicts(conn, draft.id)
    if conflicts:
        names = ", ".join(f"{c['zone']} ({c['name_zh']}): {c['what']}" for c in conflicts)
        raise Conflict(f"the published plan changed since draft {draft.id} was made or last rebased: {names}; "
                       f"POST /drafts/{draft.id}/rebase to take those changes, then compare and publish again",
                       title="Draft out of date", conflicts=conflicts, zones=[c["zone"] for c in conflicts])
    result = compare(conn, draft, None)
    if not result["zones"]:
        raise Conflict(f"draft {draft.id} changes nothing: there is nothing to publish")
    broken = [v for v in result["validation"] if not v["valid"]]
    if broken:
        detail = "; ".join(f"{v['zone']}: " + ", ".join(f"{x['rule']}: {x['message']}" for x in v["violations"])
                           for v in broken)
        raise RuleViolation(f"draft {draft.id} breaks the zone rules: {detail}", title="Zone rules violated",
                            violations=broken)
    note = f"published from draft {draft.id} «{draft.name}» by {author}"
    full_comment = f"{comment} ({note})" if comment else note
    written = store.publish_changes(conn, draft, author, full_comment, {z["zone"] for z in result["zones"]})
    reassigned = reassign_usccs(conn, result["candidates"]) if result["candidates"] else 0
    bump_version(conn, "zones", "enterprises")
    summary = {"draft": draft.id, "comment": full_comment,
               "versions": [{"zone": w["zone"], "action": w["action"], "version": w["version"]} for w in written],
               "enterprises_reassigned": reassigned, "enterprises": result["enterprises"],
               "primary_changes": result["primary_changes"], "kept_open": keep}
    store.mark_published(conn, draft, author, keep, {k: summary[k] for k in ("versions", "enterprises_reassigned")})
    return summary

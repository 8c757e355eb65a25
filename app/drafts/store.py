"""Drafts (方案) in PostGIS: a planner's copy of the zones, its change log, rebase and publish.

A draft holds a copy of every zone (draft_zones). ``base_version`` is the published version a copy
was taken from, so publishing can tell which published zones changed since the draft was made or
last rebased; ``changed`` marks the zones the draft itself changed; a deleted zone keeps its row
(``deleted``) so that compare and publish see it. Every change is appended to draft_changes.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from shapely import wkb as shapely_wkb
from shapely.geometry.base import BaseGeometry
from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.core.errors import Conflict, NotFound
from app.core.store import MULTI, bump_version, lock_layout, polygon_wkb
from app.zones.store import ATTRIBUTES, commit_validated_change, violations_for
from gis.zone_rules import Violation

_COLUMNS = ", ".join(ATTRIBUTES)


def collection_id(draft_id: int) -> str:
    """The OGC collection id of a draft's zones (also its key in data_versions)."""
    return f"zones.draft-{draft_id}"


def source_sql(draft_id: int) -> str:
    """SQL standing in for the zones table: the draft's live (not deleted) zones. draft_id is an int."""
    return (f"(SELECT id, {_COLUMNS}, geom, area_km2, version, updated_at, updated_by, base_version, changed, "
            f"CASE WHEN NOT changed THEN 'unchanged' WHEN base_version IS NULL THEN 'created' ELSE 'changed' END "
            f"AS draft_state FROM draft_zones WHERE draft_id = {int(draft_id)} AND NOT deleted)")


@dataclass
class Draft:
    id: int
    name: str
    description: str
    owner: str
    shared_with: list[str]
    status: str
    source_draft: int | None
    created_at: datetime
    updated_at: datetime
    based_at: datetime
    published_at: datetime | None
    published_by: str | None

    def may_see(self, user: str | None) -> bool:
        return user is not None and (user == self.owner or user in self.shared_with)

    def as_dict(self) -> dict:
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        for k in ("created_at", "updated_at", "based_at", "published_at"):
            d[k] = d[k].isoformat() if d[k] is not None else None
        d["collection"] = collection_id(self.id)
        return d


_DRAFT_COLS = ("id, name, description, owner, shared_with, status, source_draft, created_at, updated_at, "
               "based_at, published_at, published_by")


def _draft(row) -> Draft:
    m = dict(row._mapping)
    m["shared_with"] = list(m["shared_with"] or [])
    return Draft(**m)


def get_draft(conn: Connection, draft_id: int, lock: bool = False) -> Draft | None:
    row = conn.execute(text(f"SELECT {_DRAFT_COLS} FROM drafts WHERE id = :id" + (" FOR UPDATE" if lock else "")),
                       {"id": draft_id}).first()
    return _draft(row) if row else None


def visible_draft(conn: Connection, draft_id: int, user: str | None, lock: bool = False) -> Draft:
    """The draft if ``user`` owns it or it is shared with them; NotFound otherwise (never a 403:
    whether someone else's draft exists is not for others to learn)."""
    draft = get_draft(conn, draft_id, lock=lock)
    if draft is None or not draft.may_see(user):
        raise NotFound(f"no draft {draft_id}; see /drafts for yours")
    return draft


def drafts_of(conn: Connection, user: str, statuses: tuple[str, ...] = ("open",)) -> list[Draft]:
    rows = conn.execute(text(
        f"SELECT {_DRAFT_COLS} FROM drafts WHERE (owner = :u OR :u = ANY(shared_with)) AND status = ANY(:s) "
        f"ORDER BY id"), {"u": user, "s": list(statuses)}).all()
    return [_draft(r) for r in rows]


def log_change(conn: Connection, draft_id: int, author: str, action: str, zone_id: str | None = None,
               detail: dict | None = None) -> None:
    conn.execute(text("INSERT INTO draft_changes (draft_id, author, action, zone_id, detail) "
                      "VALUES (:d, :a, :act, :z, CAST(:det AS jsonb))"),
                 {"d": draft_id, "a": author, "act": action, "z": zone_id, "det": json.dumps(detail or {})})
    conn.execute(text("UPDATE drafts SET updated_at = now() WHERE id = :d"), {"d": draft_id})
    bump_version(conn, collection_id(draft_id))


def changes(conn: Connection, draft_id: int) -> list[dict]:
    rows = conn.execute(text("SELECT id, at, author, action, zone_id, detail FROM draft_changes "
                             "WHERE draft_id = :d ORDER BY id"), {"d": draft_id}).all()
    return [{"id": r.id, "at": r.at.isoformat(), "author": r.author, "action": r.action, "zone": r.zone_id,
             "detail": r.detail} for r in rows]


def create_draft(conn: Connection, name: str, description: str, owner: str, source: Draft | None) -> Draft:
    """A new draft holding a copy of the published zones, or of ``source``'s zones (with its changes)."""
    draft_id = conn.execute(text(
        "INSERT INTO drafts (name, description, owner, source_draft, based_at) VALUES (:n, :d, :o, :s, "
        "coalesce((SELECT based_at FROM drafts WHERE id = :s), now())) RETURNING id"),
        {"n": name, "d": description, "o": owner, "s": source.id if source else None}).scalar_one()
    if source is None:
        # Read the published zones under the layout lock, so the copy is one committed state.
        lock_layout(conn)
        conn.execute(text(
            f"INSERT INTO draft_zones (draft_id, id, {_COLUMNS}, geom, version, base_version, updated_by) "
            f"SELECT :d, id, {_COLUMNS}, geom, 1, version, :o FROM zones"), {"d": draft_id, "o": owner})
    else:
        conn.execute(text(
            f"INSERT INTO draft_zones (draft_id, id, {_COLUMNS}, geom, version, base_version, changed, deleted, "
            f"updated_by, updated_at) SELECT :d, id, {_COLUMNS}, geom, version, base_version, changed, deleted, "
            f"updated_by, updated_at FROM draft_zones WHERE draft_id = :s"), {"d": draft_id, "s": source.id})
    log_change(conn, draft_id, owner, "create",
               detail={"from": f"draft {source.id}" if source else "published", "name": name})
    return get_draft(conn, draft_id)


def update_draft(conn: Connection, draft: Draft, author: str, **fields) -> Draft:
    sets = {k: v for k, v in fields.items() if v is not None}
    if sets:
        conn.execute(text(f"UPDATE drafts SET {', '.join(f'{k} = :{k}' for k in sets)}, updated_at = now() "
                          f"WHERE id = :id"), {**sets, "id": draft.id})
        log_change(conn, draft.id, author, "edit draft", detail={k: v for k, v in sets.items()})
    return get_draft(conn, draft.id)


# -- the draft's zones -------------------------------------------------------------------------------
@dataclass
class DraftZone:
    id: str
    attrs: dict
    geom: BaseGeometry
    version: int
    base_version: int | None
    changed: bool
    deleted: bool
    area_km2: float


def _zone_row(row) -> DraftZone:
    m = row._mapping
    return DraftZone(m["id"], {a: (list(m[a]) if isinstance(m[a], tuple) else m[a]) for a in ATTRIBUTES},
                     shapely_wkb.loads(bytes(m["wkb"])), m["version"], m["base_version"], m["changed"], m["deleted"],
                     float(m["area_km2"]))


def draft_zones(conn: Connection, draft_id: int, include_deleted: bool = False) -> dict[str, DraftZone]:
    rows = conn.execute(text(
        f"SELECT id, {_COLUMNS}, ST_AsBinary(geom) AS wkb, version, base_version, changed, deleted, area_km2 "
        f"FROM draft_zones WHERE draft_id = :d" + ("" if include_deleted else " AND NOT deleted") + " ORDER BY id"),
        {"d": draft_id}).all()
    return {r.id: _zone_row(r) for r in rows}


def draft_zone(conn: Connection, draft_id: int, zone_id: str, lock: bool = False) -> DraftZone | None:
    row = conn.execute(text(
        f"SELECT id, {_COLUMNS}, ST_AsBinary(geom) AS wkb, version, base_version, changed, deleted, area_km2 "
        f"FROM draft_zones WHERE draft_id = :d AND id = :z" + (" FOR UPDATE" if lock else "")),
        {"d": draft_id, "z": zone_id}).first()
    return _zone_row(row) if row else None


def violations(conn: Connection, draft_id: int, zone_id: str, attrs: dict, geom: BaseGeometry,
               as_published: bool = False) -> list[Violation]:
    """The zone rules of app.zones, for this zone among the draft's zones as they stand in the caller's
    transaction (``as_published``: among the zones publishing the draft would leave)."""
    source = publish_source_sql(draft_id) if as_published else source_sql(draft_id)
    return violations_for(conn, zone_id, attrs, geom, source=source)


def _feature_detail(attrs: dict | None, geom: BaseGeometry | None) -> dict | None:
    if attrs is None:
        return None
    return {"properties": attrs, "geometry": geom.__geo_interface__ if geom is not None else None}


def write_zone(conn: Connection, draft_id: int, zone_id: str, attrs: dict, geom: BaseGeometry, author: str,
               action: str) -> DraftZone:
    """Create (or re-create a deleted) or change a zone of the draft; logs the change."""
    before = draft_zone(conn, draft_id, zone_id, lock=True)
    params = {**attrs, "d": draft_id, "z": zone_id, "g": polygon_wkb(geom), "a": author}
    if before is None:
        conn.execute(text(
            f"INSERT INTO draft_zones (draft_id, id, {_COLUMNS}, geom, version, base_version, changed, updated_by) "
            f"VALUES (:d, :z, {', '.join(':' + a for a in ATTRIBUTES)}, {MULTI.format(name='g')}, 1, NULL, true, :a)"),
            params)
    else:
        sets = ", ".join(f"{a} = :{a}" for a in ATTRIBUTES)
        conn.execute(text(
            f"UPDATE draft_zones SET {sets}, geom = {MULTI.format(name='g')}, version = version + 1, changed = true, "
            f"deleted = false, updated_at = now(), updated_by = :a WHERE draft_id = :d AND id = :z"), params)
    after = draft_zone(conn, draft_id, zone_id)
    log_change(conn, draft_id, author, action, zone_id, {
        "before": None if before is None or before.deleted else _feature_detail(before.attrs, before.geom),
        "after": _feature_detail(after.attrs, after.geom)})
    return after


def delete_zone(conn: Connection, draft_id: int, zone_id: str, author: str) -> None:
    before = draft_zone(conn, draft_id, zone_id, lock=True)
    if before is None or before.deleted:
        raise NotFound(f"no zone '{zone_id}' in draft {draft_id}")
    children = conn.execute(text("SELECT id FROM draft_zones WHERE draft_id = :d AND parent_zone = :z AND NOT deleted"),
                            {"d": draft_id, "z": zone_id}).scalars().all()
    if children:
        raise Conflict(f"zone '{zone_id}' holds parks ({', '.join(children)}) in this draft; move or delete them first")
    if before.base_version is None:  # created in this draft: nothing to publish, forget it
        conn.execute(text("DELETE FROM draft_zones WHERE draft_id = :d AND id = :z"), {"d": draft_id, "z": zone_id})
    else:
        conn.execute(text("UPDATE draft_zones SET deleted = true, changed = true, version = version + 1, "
                          "updated_at = now(), updated_by = :a WHERE draft_id = :d AND id = :z"),
                     {"d": draft_id, "z": zone_id, "a": author})
    log_change(conn, draft_id, author, "delete", zone_id, {"before": _feature_detail(before.attrs, before.geom),
                                                            "after": None})


# -- the published side ------------------------------------------------------------------------------
@dataclass
class PublishedZone:
    id: str
    attrs: dict
    geom: BaseGeometry
    version: int
    area_km2: float


def published_zones(conn: Connection) -> dict[str, PublishedZone]:
    rows = conn.execute(text(
        f"SELECT id, {_COLUMNS}, ST_AsBinary(geom) AS wkb, version, area_km2 FROM zones ORDER BY id")).all()
    return {r.id: PublishedZone(r.id, {a: (list(v) if isinstance(v := r._mapping[a], tuple) else v) for a in ATTRIBUTES},
                                shapely_wkb.loads(bytes(r.wkb)), r.version, float(r.area_km2)) for r in rows}


def publish_source_sql(draft_id: int) -> str:
    """SQL standing in for the zones table as publishing the draft would leave it: the published zones
    with the draft's changes applied (its changed zones replace theirs, its deletions remove them)."""
    d = int(draft_id)
    return (f"(SELECT id, {_COLUMNS}, geom, version FROM draft_zones WHERE draft_id = {d} AND changed "
            f"AND NOT deleted UNION ALL SELECT id, {_COLUMNS}, geom, version FROM zones WHERE id NOT IN "
            f"(SELECT id FROM draft_zones WHERE draft_id = {d} AND changed))")


def published_names(conn: Connection, ids: list[str]) -> dict[str, str]:
    return dict(conn.execute(text("SELECT id, name_zh FROM zones WHERE id = ANY(:i)"), {"i": ids}).all())


def conflicts(conn: Connection, draft_id: int) -> list[dict]:
    """Published zones that changed since the draft was made or last rebased: changed or deleted
    (version differs from the copy's base), created (no copy), or a zone the draft creates whose id
    the published layout now uses."""
    rows = conn.execute(text("""
        SELECT coalesce(z.id, d.id) AS id, coalesce(z.name_zh, d.name_zh) AS name_zh, d.base_version,
               z.version AS published_version, d.changed, d.deleted,
               (SELECT max(v.created_at) FROM zone_versions v WHERE v.zone_id = coalesce(z.id, d.id)) AS changed_at,
               (SELECT v.author FROM zone_versions v WHERE v.zone_id = coalesce(z.id, d.id)
                ORDER BY v.version DESC LIMIT 1) AS changed_by
        FROM (SELECT * FROM draft_zones WHERE draft_id = :d) d FULL JOIN zones z ON z.id = d.id
        WHERE (d.id IS NULL) OR (d.base_version IS NULL AND z.id IS NOT NULL)
           OR (d.base_version IS NOT NULL AND z.id IS NULL)
           OR (d.base_version IS NOT NULL AND d.base_version <> z.version)
        ORDER BY 1"""), {"d": draft_id}).all()
    out = []
    for r in rows:
        if r.base_version is None and r.published_version is None:
            continue
        if r.published_version is None:
            what = "deleted in the published plan"
        elif r.base_version is None and r.changed is None:
            what = "created in the published plan"
        elif r.base_version is None:
            what = "created in the published plan with the id of a zone this draft creates"
        else:
            what = f"changed in the published plan (version {r.base_version} → {r.published_version})"
        out.append({"zone": r.id, "name_zh": r.name_zh, "what": what, "draft_base_version": r.base_version,
                    "published_version": r.published_version, "changed_in_draft": bool(r.changed),
                    "published_changed_at": r.changed_at.isoformat() if r.changed_at else None,
                    "published_changed_by": r.changed_by})
    return out


def _take_published(conn: Connection, draft_id: int, zone_id: str) -> None:
    """The draft's copy of a zone becomes the published zone again (or goes, when it was deleted there);
    its version keeps counting up, so an old ETag never matches the new copy."""
    before = draft_zone(conn, draft_id, zone_id)
    conn.execute(text("DELETE FROM draft_zones WHERE draft_id = :d AND id = :z"), {"d": draft_id, "z": zone_id})
    conn.execute(text(
        f"INSERT INTO draft_zones (draft_id, id, {_COLUMNS}, geom, version, base_version, updated_by) "
        f"SELECT :d, id, {_COLUMNS}, geom, :v, version, updated_by FROM zones WHERE id = :z"),
        {"d": draft_id, "z": zone_id, "v": before.version + 1 if before else 1})


def rebase(conn: Connection, draft: Draft, author: str, take_published: set[str]) -> dict:
    """Take the published changes into the draft: zones the draft did not change (and those named in
    ``take_published``) become the published zone again; zones both changed keep the draft's version
    on the new base. Returns what happened to each zone."""
    lock_layout(conn)
    found = conflicts(conn, draft.id)
    taken, kept = [], []
    for c in found:
        zid = c["zone"]
        if c["changed_in_draft"] and zid not in take_published:
            # Keep the draft's version; it now stands on the published one (or creates it again).
            conn.execute(text("UPDATE draft_zones SET base_version = (SELECT version FROM zones WHERE id = :z) "
                              "WHERE draft_id = :d AND id = :z"), {"d": draft.id, "z": zid})
            kept.append(zid)
            continue
        _take_published(conn, draft.id, zid)
        taken.append(zid)
    for zid in take_published - {c["zone"] for c in found}:
        row = draft_zone(conn, draft.id, zid)
        if row is None or not row.changed:
            continue
        _take_published(conn, draft.id, zid)
        taken.append(zid)
    conn.execute(text("UPDATE drafts SET based_at = now() WHERE id = :d"), {"d": draft.id})
    result = {"taken_from_published": sorted(taken), "kept_from_draft": sorted(kept), "conflicts": found}
    log_change(conn, draft.id, author, "rebase", detail=result)
    return result


def changed_zones(conn: Connection, draft_id: int) -> list[DraftZone]:
    return [z for z in draft_zones(conn, draft_id, include_deleted=True).values() if z.changed]


def publish_changes(conn: Connection, draft: Draft, author: str, comment: str, only: set[str]) -> list[dict]:
    """Write the draft's changed zones named in ``only`` (those that differ from the published ones) to
    the published layout, already validated as a whole by the caller under lock_layout, each as a new
    version whose comment names the draft. Creates go first (parents before their parks), then
    changes, then deletions, so parent references hold."""
    rows = [z for z in changed_zones(conn, draft.id) if z.id in only]
    creates = [z for z in rows if not z.deleted and z.base_version is None]
    updates = [z for z in rows if not z.deleted and z.base_version is not None]
    deletes = [z for z in rows if z.deleted and z.base_version is not None]
    ordered, pending = [], list(creates)
    while pending:  # parents before children among the new zones
        ready = [z for z in pending if z.attrs.get("parent_zone") not in {p.id for p in pending}]
        ready = ready or pending[:1]
        ordered += ready
        pending = [z for z in pending if z not in ready]
    written = []
    for z in ordered:
        written.append(commit_validated_change(conn, "create", z.id, author, comment, z.attrs, z.geom))
    for z in updates:
        written.append(commit_validated_change(conn, "update", z.id, author, comment, z.attrs, z.geom))
    for z in deletes:
        written.append(commit_validated_change(conn, "delete", z.id, author, comment))
    return written


def mark_published(conn: Connection, draft: Draft, author: str, keep: bool, result: dict) -> None:
    """After publishing: the draft is a record (status published), or with ``keep`` stays open on the
    new published layout (its copies are the published zones again, nothing changed)."""
    if keep:
        conn.execute(text("DELETE FROM draft_zones WHERE draft_id = :d"), {"d": draft.id})
        conn.execute(text(
            f"INSERT INTO draft_zones (draft_id, id, {_COLUMNS}, geom, version, base_version, updated_by) "
            f"SELECT :d, id, {_COLUMNS}, geom, 1, version, updated_by FROM zones"), {"d": draft.id})
        conn.execute(text("UPDATE drafts SET based_at = now(), published_at = now(), published_by = :a "
                          "WHERE id = :d"), {"d": draft.id, "a": author})
    else:
        conn.execute(text("UPDATE drafts SET status = 'published', published_at = now(), published_by = :a "
                          "WHERE id = :d"), {"d": draft.id, "a": author})
    log_change(conn, draft.id, author, "publish", detail=result)


def set_status(conn: Connection, draft: Draft, author: str, status: str) -> None:
    conn.execute(text("UPDATE drafts SET status = :s WHERE id = :d"), {"d": draft.id, "s": status})
    log_change(conn, draft.id, author, "discard" if status == "discarded" else status)


# -- enterprises for a comparison -------------------------------------------------------------------
def enterprises_within(conn: Connection, geoms_wkb: list[bytes]) -> list:
    """uscc, name, lon, lat, plan_industry, employees, output_value, established of every enterprise in
    (or on the boundary of) any of the geometries: all that a change of those zones can move."""
    if not geoms_wkb:
        return []
    return conn.execute(text(
        "WITH g AS (SELECT ST_Subdivide(ST_SetSRID(ST_GeomFromWKB(w), 4326), 128) AS piece "
        "FROM unnest(CAST(:g AS bytea[])) AS w) "
        "SELECT DISTINCT ON (e.uscc) e.uscc, e.name, ST_X(e.geom) AS lon, ST_Y(e.geom) AS lat, e.plan_industry, "
        "e.employees, e.output_value, e.established FROM enterprises e JOIN g ON ST_Intersects(e.geom, g.piece) "
        "ORDER BY e.uscc"), {"g": geoms_wkb}).all()


def stored_placements(conn: Connection, usccs: list[str]) -> dict[str, tuple]:
    rows = conn.execute(text("SELECT uscc, zones, primary_zone, primary_reason FROM enterprises "
                             "WHERE uscc = ANY(CAST(:u AS text[]))"), {"u": usccs}).all()
    return {r.uscc: (tuple(r.zones or ()), r.primary_zone, r.primary_reason) for r in rows}

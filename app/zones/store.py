"""Zone changes in PostGIS: optimistic locking, immutable versions, re-assignment, history."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from shapely import wkb as shapely_wkb
from shapely.geometry.base import BaseGeometry
from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.core.errors import Conflict, NotFound, PreconditionFailed, PreconditionRequired, RuleViolation
from app.core.http import tag_matches
from app.core.store import MULTI, bump_version, district_geometry, lock_layout, polygon_wkb, town_codes
from app.enterprises.assignment import reassign_changed_area
from gis.zone_rules import Violation, area_change, validate_zone

ATTRIBUTES = ("kind", "name_zh", "name_en", "target_industries", "target_phrases", "member_towns", "parent_zone",
              "schematic", "description", "rank")
_COLUMNS = ", ".join(ATTRIBUTES)


def etag(zone_id: str, version: int) -> str:
    return f'"zone-{zone_id}-v{version}"'


@dataclass
class ZoneState:
    id: str
    version: int
    attrs: dict
    geom: BaseGeometry | None


def current(conn: Connection, zone_id: str, lock: bool = False, source: str = "zones") -> ZoneState | None:
    """The zone as stored; ``source`` may name another set of zones with the same columns (a draft's)."""
    row = conn.execute(text(f"SELECT version, {_COLUMNS}, ST_AsBinary(geom) FROM {source} z WHERE id = :id"
                            + (" FOR UPDATE" if lock else "")), {"id": zone_id}).first()
    if row is None:
        return None
    m = row._mapping
    return ZoneState(zone_id, m["version"], {a: m[a] for a in ATTRIBUTES}, shapely_wkb.loads(bytes(row[-1])))


def violations_for(conn: Connection, zone_id: str, attrs: dict, geom: BaseGeometry | None,
                   source: str = "zones") -> list[Violation]:
    """The zone rules for this zone among the zones of ``source`` (the live zones, or a draft's)."""
    parent = None
    known = town_codes(conn)
    unknown = [t for t in attrs.get("member_towns") or () if t not in known]
    if unknown:
        return [Violation("member-towns", f"member_towns names unknown towns: {', '.join(unknown)}; "
                                          f"use town codes from /collections/towns")]
    if attrs.get("parent_zone") == zone_id:
        return [Violation("parent-self", f"zone '{zone_id}' cannot be its own parent_zone")]
    if attrs.get("parent_zone"):
        # Walk up from the new parent: reaching this zone again would close a cycle.
        seen, up = {zone_id}, attrs["parent_zone"]
        while up is not None:
            if up in seen:
                return [Violation("parent-cycle", f"parent_zone '{attrs['parent_zone']}' would make a cycle of "
                                                  f"parents through zone '{zone_id}'")]
            seen.add(up)
            up = conn.execute(text(f"SELECT parent_zone FROM {source} z WHERE id = :id"), {"id": up}).scalar()
        p = current(conn, attrs["parent_zone"], source=source)
        if p is None:
            return [Violation("park-parent", f"parent_zone '{attrs['parent_zone']}' does not exist")]
        parent = (p.id, p.attrs["kind"], p.geom)
    children = {cid: shapely_wkb.loads(bytes(g)) for cid, g in conn.execute(text(
        f"SELECT id, ST_AsBinary(geom) FROM {source} z WHERE parent_zone = :id AND id <> :id"), {"id": zone_id})}
    return validate_zone(geom, attrs["kind"], district_geometry(conn), parent, children)


def precondition(state: ZoneState | None, zone_id: str, if_match: str | None) -> None:
    if state is None:
        raise NotFound(f"no zone '{zone_id}'")
    if if_match is None:
        raise PreconditionRequired(
            "send If-Match with the zone's ETag (from GET /collections/zones/items/{id}) to change it",
            current_version=state.version, etag=etag(zone_id, state.version))
    if not tag_matches(etag(zone_id, state.version), if_match):
        raise PreconditionFailed(
            f"zone '{zone_id}' has changed since you read it: it is now version {state.version}",
            current_version=state.version, etag=etag(zone_id, state.version),
            current={"properties": _jsonable(state.attrs), "geometry": state.geom.__geo_interface__})


def _jsonable(attrs: dict) -> dict:
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in attrs.items()}


def record_zone_version(conn: Connection, zone_id: str, action: str, comment: str, author: str | None = None,
                        rolled_back_to: int | None = None, deleted: bool = False) -> int:
    """Copy the zone's row as it stands into its immutable history (the one writer of zone_versions).

    ``author`` None keeps the row's ``updated_by``; ``deleted`` records the version after the current
    one, without geometry, before the caller deletes the row. Returns the version recorded."""
    version = "version + 1" if deleted else "version"
    geom = "NULL" if deleted else "geom"
    return conn.execute(text(
        f"INSERT INTO zone_versions (zone_id, version, action, comment, author, rolled_back_to, {_COLUMNS}, geom) "
        f"SELECT id, {version}, :action, :comment, coalesce(:author, updated_by), :rb, {_COLUMNS}, {geom} "
        f"FROM zones WHERE id = :id RETURNING version"),
        {"id": zone_id, "action": action, "comment": comment, "author": author, "rb": rolled_back_to}).scalar_one()


def zone_exists(conn: Connection, zone_id: str) -> bool:
    return conn.execute(text("SELECT 1 FROM zones WHERE id = :id"), {"id": zone_id}).first() is not None


def zone_geometry_if_untouched(conn: Connection, zone_id: str) -> BaseGeometry | None:
    """The zone's geometry while only the system has written it (no person's version), else None."""
    row = conn.execute(text(
        "SELECT ST_AsBinary(geom) FROM zones z WHERE id = :id AND NOT EXISTS (SELECT 1 FROM zone_versions v "
        "WHERE v.zone_id = z.id AND v.author NOT LIKE 'system%')"), {"id": zone_id}).first()
    return shapely_wkb.loads(bytes(row[0])) if row else None


def replace_zone_geometry(conn: Connection, zone_id: str, geom_wkb: bytes, author: str, comment: str) -> int:
    """A system write of a zone's outline (the attributes stay), recorded as a new version."""
    conn.execute(text(f"UPDATE zones SET geom = {MULTI.format(name='g')}, version = version + 1, "
                      f"updated_at = now(), updated_by = :author WHERE id = :id"),
                 {"g": geom_wkb, "id": zone_id, "author": author})
    return record_zone_version(conn, zone_id, "update", comment)


def _next_version(conn: Connection, zone_id: str) -> int:
    return conn.execute(text("SELECT coalesce(max(version), 0) + 1 FROM zone_versions WHERE zone_id = :id"),
                        {"id": zone_id}).scalar_one()


def _refuse(violations: list[Violation]) -> None:
    if violations:
        raise RuleViolation("; ".join(f"{v.rule}: {v.message}" for v in violations),
                            title="Zone rules violated", violations=[v.as_dict() for v in violations])


def _write(conn: Connection, zone_id: str, attrs: dict, geom: BaseGeometry, version: int, author: str,
           insert: bool) -> None:
    params = {**attrs, "id": zone_id, "g": polygon_wkb(geom), "version": version, "author": author}
    if insert:
        conn.execute(text(f"INSERT INTO zones (id, {_COLUMNS}, geom, version, updated_by) VALUES (:id, "
                          f"{', '.join(':' + a for a in ATTRIBUTES)}, {MULTI.format(name='g')}, :version, :author)"),
                     params)
    else:
        sets = ", ".join(f"{a} = :{a}" for a in ATTRIBUTES)
        conn.execute(text(f"UPDATE zones SET {sets}, geom = {MULTI.format(name='g')}, version = :version, "
                          f"updated_at = now(), updated_by = :author WHERE id = :id"), params)


def apply_change(conn: Connection, action: str, zone_id: str, author: str, comment: str,
                 attrs: dict | None = None, geom: BaseGeometry | None = None, if_match: str | None = None,
                 rollback_to: int | None = None, details: bool = False, dry_run: bool = False) -> dict:
    """Create, update, delete or roll back a zone inside the caller's transaction.

    Returns the impact: area before/after and the enterprises that enter or leave zones or
    change primary zone. The caller commits, or rolls back for a dry run; with ``dry_run`` the
    enterprises' new placements are computed and reported but not written (the zone row is, for the
    caller to roll back): a preview then leaves no rolled-back row versions on thousands of pages for
    the save that follows it to step over.
    """
    lock_layout(conn)  # before reading any zone: see app.core.store.lock_layout
    state = current(conn, zone_id, lock=True)
    before = state.geom if state else None
    if action == "create":
        if state is not None:
            raise Conflict(f"zone '{zone_id}' exists; update it with PUT or PATCH")
        attrs = {**attrs}
        _refuse(violations_for(conn, zone_id, attrs, geom))
        version = _next_version(conn, zone_id)
        _write(conn, zone_id, attrs, geom, version, author, insert=True)
        record_zone_version(conn, zone_id, "create", comment, author)
    else:
        precondition(state, zone_id, if_match)
        if action == "delete":
            children = conn.execute(text("SELECT id FROM zones WHERE parent_zone = :id"), {"id": zone_id}).scalars().all()
            if children:
                raise Conflict(f"zone '{zone_id}' holds parks ({', '.join(children)}); "
                               f"move or delete them first")
            record_zone_version(conn, zone_id, "delete", comment, author, deleted=True)
            conn.execute(text("DELETE FROM zones WHERE id = :id"), {"id": zone_id})
        else:
            if action == "rollback":
                attrs, geom = version_state(conn, zone_id, rollback_to)
            _refuse(violations_for(conn, zone_id, attrs, geom))
            _write(conn, zone_id, attrs, geom, state.version + 1, author, insert=False)
            if action == "rollback":
                # Copy the old geometry byte for byte, so the rollback restores it exactly.
                conn.execute(text("UPDATE zones SET geom = (SELECT geom FROM zone_versions WHERE zone_id = :id "
                                  "AND version = :v) WHERE id = :id"), {"id": zone_id, "v": rollback_to})
            record_zone_version(conn, zone_id, action, comment, author, rolled_back_to=rollback_to)
    after_row = current(conn, zone_id)
    after = after_row.geom if after_row else None
    moved = reassign_changed_area(conn, before.wkb if before is not None else None,
                                  after.wkb if after is not None else None, zone_id=zone_id, write=not dry_run)
    bump_version(conn, "zones", "enterprises")
    impact = {"zone": zone_id, "action": action,
              "version": after_row.version if after_row else state.version + 1,
              "etag": etag(zone_id, after_row.version) if after_row else None,
              "area": area_change(before, after), "enterprises": moved}
    if details:
        kind = (after_row or state).attrs["kind"]
        impact["details"] = impact_details(conn, zone_id, kind, before, after, moved, written=not dry_run)
    return impact


# -- what a change does, for the editor's preview ----------------------------------------------------
MOVES_LISTED = 5000  # enterprises named in a preview; the counts stay complete
OVERLAP_NOTICE_KM2 = 0.01  # growth of an overlap between two clusters worth a warning (digitising noise below)


def impact_details(conn: Connection, zone_id: str, kind: str, before: BaseGeometry | None,
                   after: BaseGeometry | None, moved: dict, written: bool = True) -> dict:
    """Inside the change's transaction, after it was written (``written`` false: the enterprises still
    hold their placements from before, a dry run's): the gained and lost areas (GeoJSON),
    each moving enterprise by name with its position and its zones and primary zone before → after,
    the zone's members before and after, and overlaps with other clusters that grew."""
    empty = "SRID=4326;MULTIPOLYGON EMPTY"
    params = {"b": before.wkb if before is not None else None, "a": after.wkb if after is not None else None,
              "id": zone_id}
    row = conn.execute(text(f"""
        WITH g AS (SELECT coalesce(ST_SetSRID(ST_GeomFromWKB(:b), 4326), '{empty}'::geometry) b,
                          coalesce(ST_SetSRID(ST_GeomFromWKB(:a), 4326), '{empty}'::geometry) a)
        SELECT ST_AsGeoJSON(ST_Difference(a, b), 7), ST_AsGeoJSON(ST_Difference(b, a), 7) FROM g""",
                            ), params).one()
    names = dict(conn.execute(text("SELECT id, name_zh FROM zones")).all())
    entered, left = moved.get("entered", {}), moved.get("left", {})
    primary = {c["uscc"]: c for c in moved.get("primary_changed", [])}
    ids = sorted({u for lst in (*entered.values(), *left.values()) for u in lst} | set(primary))
    rows = conn.execute(text(
        "SELECT uscc, name, ST_X(geom), ST_Y(geom), zones, primary_zone FROM enterprises "
        "WHERE uscc = ANY(CAST(:ids AS text[])) ORDER BY uscc LIMIT :n"),
        {"ids": ids, "n": MOVES_LISTED}).all()
    gained_by: dict[str, set[str]] = {}  # each firm's zones entered / left (built once: lists are long)
    lost_by: dict[str, set[str]] = {}
    for moves, by in ((entered, gained_by), (left, lost_by)):
        for z, lst in moves.items():
            for u in lst:
                by.setdefault(u, set()).add(z)
    firms = []
    for uscc, name, lon, lat, zones_stored, primary_stored in rows:
        gained, lost = gained_by.get(uscc, set()), lost_by.get(uscc, set())
        if written:
            now = list(zones_stored or ())
            was = sorted((set(now) - gained) | lost)
        else:
            was = sorted(zones_stored or ())
            now = sorted((set(was) - lost) | gained)
        change = primary.get(uscc)
        firms.append({"uscc": uscc, "name": name, "lon": lon, "lat": lat, "zones_before": was, "zones_after": sorted(now),
                      "primary_before": change["from"] if change else primary_stored,
                      "primary_after": change["to"] if change else primary_stored,
                      "reason": change["reason"] if change else None,
                      "direction": "in" if uscc in gained_by and uscc not in lost_by else
                                   "out" if uscc in lost_by and uscc not in gained_by else "both"
                                   if uscc in gained_by else "primary"})
    members_stored = conn.execute(text("SELECT count(*) FROM enterprises WHERE :id = ANY(zones)"),
                                  {"id": zone_id}).scalar_one()
    net = len(entered.get(zone_id, ())) - len(left.get(zone_id, ()))
    members_before, members_after = (members_stored - net, members_stored) if written else \
        (members_stored, members_stored + net)
    overlaps = []
    if kind == "cluster":
        for other, other_name, before_km2, after_km2 in conn.execute(text(f"""
                WITH g AS (SELECT coalesce(ST_SetSRID(ST_GeomFromWKB(:b), 4326), '{empty}'::geometry) b,
                                  coalesce(ST_SetSRID(ST_GeomFromWKB(:a), 4326), '{empty}'::geometry) a)
                SELECT z.id, z.name_zh, ST_Area(ST_Transform(ST_Intersection(z.geom, g.b), 4549)) / 1e6,
                       ST_Area(ST_Transform(ST_Intersection(z.geom, g.a), 4549)) / 1e6
                FROM zones z, g WHERE z.kind = 'cluster' AND z.id <> :id AND (z.geom && g.a OR z.geom && g.b)
                ORDER BY z.id"""), params):
            if after_km2 - before_km2 > OVERLAP_NOTICE_KM2:
                overlaps.append({"zone": other, "name_zh": other_name, "before_km2": round(before_km2, 4),
                                 "after_km2": round(after_km2, 4)})
    return {"gained": json.loads(row[0]), "lost": json.loads(row[1]), "enterprises": firms,
            "listed": len(firms), "moving": len(ids), "members_before": members_before, "members_after": members_after,
            "new_overlaps": overlaps, "zone_names": names}


def commit_validated_change(conn: Connection, action: str, zone_id: str, author: str, comment: str,
                            attrs: dict | None = None, geom: BaseGeometry | None = None) -> dict:
    """Write one zone change that the caller has already validated as part of a whole (a draft being
    published), recording its new version; the caller holds lock_layout and re-assigns enterprises.

    Returns {"zone", "action", "version", "before", "after"} (geometries as shapely, None when absent)."""
    state = current(conn, zone_id, lock=True)
    before = state.geom if state else None
    if action == "create":
        if state is not None:
            raise Conflict(f"zone '{zone_id}' exists in the published layout")
        version = _next_version(conn, zone_id)
        _write(conn, zone_id, attrs, geom, version, author, insert=True)
        record_zone_version(conn, zone_id, "create", comment, author)
    elif state is None:
        raise NotFound(f"no zone '{zone_id}' in the published layout")
    elif action == "delete":
        version = record_zone_version(conn, zone_id, "delete", comment, author, deleted=True)
        conn.execute(text("DELETE FROM zones WHERE id = :id"), {"id": zone_id})
    else:
        version = state.version + 1
        _write(conn, zone_id, attrs, geom, version, author, insert=False)
        record_zone_version(conn, zone_id, action, comment, author)
    after = current(conn, zone_id)
    bump_version(conn, "zones")
    return {"zone": zone_id, "action": action, "version": version, "before": before,
            "after": after.geom if after else None}


# -- history --------------------------------------------------------------------------------------
def version_state(conn: Connection, zone_id: str, version: int) -> tuple[dict, BaseGeometry]:
    row = conn.execute(text(f"SELECT action, {_COLUMNS}, ST_AsBinary(geom) FROM zone_versions "
                            f"WHERE zone_id = :id AND version = :v"), {"id": zone_id, "v": version}).first()
    if row is None:
        raise NotFound(f"zone '{zone_id}' has no version {version}")
    if row[-1] is None:
        raise Conflict(f"version {version} of zone '{zone_id}' is its deletion; pick another")
    m = row._mapping
    return {a: m[a] for a in ATTRIBUTES}, shapely_wkb.loads(bytes(row[-1]))


def latest_version(conn: Connection, zone_id: str) -> int | None:
    return conn.execute(text("SELECT max(version) FROM zone_versions WHERE zone_id = :id"), {"id": zone_id}).scalar()


def list_versions(conn: Connection, zone_id: str) -> list[dict]:
    rows = conn.execute(text(
        "SELECT version, action, author, created_at, comment, area_km2, rolled_back_to FROM zone_versions "
        "WHERE zone_id = :id ORDER BY version"), {"id": zone_id}).all()
    return [{"version": r.version, "action": r.action, "author": r.author, "created_at": r.created_at.isoformat(),
             "comment": r.comment, "area_km2": r.area_km2, "rolled_back_to": r.rolled_back_to} for r in rows]


def version_feature(conn: Connection, zone_id: str, version: int) -> dict:
    row = conn.execute(text(
        f"SELECT version, action, author, created_at, comment, area_km2, rolled_back_to, {_COLUMNS}, "
        f"ST_AsGeoJSON(geom, 7) AS g FROM zone_versions WHERE zone_id = :id AND version = :v"),
        {"id": zone_id, "v": version}).first()
    if row is None:
        raise NotFound(f"zone '{zone_id}' has no version {version}")

    m = dict(row._mapping)
    geometry = json.loads(m.pop("g")) if m["g"] is not None else None
    m["created_at"] = m["created_at"].isoformat()
    return {"type": "Feature", "id": f"{zone_id}@{version}", "geometry": geometry,
            "properties": {"zone": zone_id, **{k: (list(v) if isinstance(v, tuple) else v) for k, v in m.items()}}}


def diff_versions(conn: Connection, zone_id: str, v_from: int, v_to: int) -> dict:
    """Area gained and lost between two versions, and the enterprises (as they stand now) in
    the gained and lost areas — those the change moved into or out of the zone."""

    for v in (v_from, v_to):
        if conn.execute(text("SELECT 1 FROM zone_versions WHERE zone_id = :id AND version = :v"),
                        {"id": zone_id, "v": v}).first() is None:
            raise NotFound(f"zone '{zone_id}' has no version {v}")
    row = conn.execute(text("""
        WITH a AS (SELECT coalesce(geom, 'SRID=4326;MULTIPOLYGON EMPTY'::geometry) g FROM zone_versions
                   WHERE zone_id = :id AND version = :f),
             b AS (SELECT coalesce(geom, 'SRID=4326;MULTIPOLYGON EMPTY'::geometry) g FROM zone_versions
                   WHERE zone_id = :id AND version = :t)
        SELECT ST_AsGeoJSON(ST_Difference(b.g, a.g), 7), ST_AsGeoJSON(ST_Difference(a.g, b.g), 7),
               ST_Area(ST_Transform(ST_Difference(b.g, a.g), 4549)) / 1e6,
               ST_Area(ST_Transform(ST_Difference(a.g, b.g), 4549)) / 1e6,
               ST_Area(ST_Transform(a.g, 4549)) / 1e6, ST_Area(ST_Transform(b.g, 4549)) / 1e6,
               ST_AsBinary(ST_Difference(b.g, a.g)), ST_AsBinary(ST_Difference(a.g, b.g))
        FROM a, b"""), {"id": zone_id, "f": v_from, "t": v_to}).one()

    def firms_in(area_wkb) -> list[dict]:
        return [{"uscc": u, "name": n} for u, n in conn.execute(text(
            "SELECT uscc, name FROM enterprises WHERE ST_Intersects(geom, ST_GeomFromWKB(:g, 4326)) ORDER BY uscc"),
            {"g": bytes(area_wkb)})]

    return {"zone": zone_id, "from": v_from, "to": v_to,
            "area": {"before_km2": round(row[4], 6), "after_km2": round(row[5], 6),
                     "gained_km2": round(row[2], 6), "lost_km2": round(row[3], 6)},
            "gained": json.loads(row[0]), "lost": json.loads(row[1]),
            "enterprises": {"entered": firms_in(row[6]), "left": firms_in(row[7])}}


def zones_as_of(conn: Connection, when: datetime) -> list[dict]:
    """Every zone as it stood at `when`: its latest version at that time, unless that was a deletion."""

    rows = conn.execute(text(f"""
        SELECT DISTINCT ON (zone_id) zone_id, version, action, created_at, author, area_km2, {_COLUMNS},
               ST_AsGeoJSON(geom, 7) AS g
        FROM zone_versions WHERE created_at <= :t ORDER BY zone_id, version DESC"""), {"t": when}).all()
    features = []
    for r in rows:
        m = dict(r._mapping)
        if m["action"] == "delete":
            continue
        geometry = json.loads(m.pop("g"))
        zone_id = m.pop("zone_id")
        props = {k: (list(v) if isinstance(v, tuple) else v) for k, v in m.items() if k not in ("action",)}
        props["updated_at"] = props.pop("created_at").isoformat()
        props["updated_by"] = props.pop("author")
        features.append({"type": "Feature", "id": zone_id, "geometry": geometry, "properties": props})
    features.sort(key=lambda f: (f["properties"]["rank"], f["id"]))
    return features

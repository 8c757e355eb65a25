"""The sites' facts in memory: the hard constraints, their funnel and the candidates' numbers without
scanning the sites table on every search.

The funnel used to be one SQL scan of every site (0.17 s at 100,000 sites on a quiet moment, up to
1.5 s under load: most of a broad search). What it reads changes only when a site is written, so each
process keeps one copy of those columns per database, keyed on the stamp of `sites:facts` (bumped by
a trigger on every statement that writes sites, migration 0012, including the search's own refresh of
the layout-derived columns), and a search checks that stamp with one index probe. The constraints are
the same comparisons the SQL made, on the same float64 values; a missing value (NaN here, NULL there)
meets no constraint. Only the drawn exclusion still asks PostGIS (by the spatial index) which sites it
touches.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy.engine import Connection

from app.core.cache import LruCache
from app.sites import store as q
from app.sites.spec import SearchIn, area_m2_range, exclusion_geometry
from gis.crs import SQM_PER_MU
from gis.site_scoring import ids_ascending
from plan.industries import PLAN_INDUSTRY_BY_ID
from plan.land_use import allowed_land_uses
from plan.site_rules import AVAILABILITY, LAND_USES, SITE_KINDS


class _Codes:
    """A text column as small integer codes (comparisons on 100,000 codes instead of strings)."""

    def __init__(self, values):
        codes, names = pd.factorize(np.asarray(values, dtype=object))
        self.codes = codes.astype(np.int32)
        self.names = [str(n) for n in names]
        self.index = {n: i for i, n in enumerate(self.names)}

    def merged(self, merge, other: "_Codes") -> "_Codes":
        """These codes and ``other``'s combined by ``merge(codes, other_codes)`` (in one set of names)."""
        out = _Codes.__new__(_Codes)
        out.names, out.index = list(self.names), dict(self.index)
        for name in other.names:
            if name not in out.index:
                out.index[name] = len(out.names)
                out.names.append(name)
        recode = np.array([out.index[name] for name in other.names], dtype=np.int32)
        out.codes = merge(self.codes, recode[other.codes] if len(other.codes) else np.zeros(0, dtype=np.int32))
        return out

    def isin(self, values) -> np.ndarray:
        wanted = [self.index[v] for v in values if v in self.index]
        return np.isin(self.codes, wanted) if wanted else np.zeros(len(self.codes), dtype=bool)


class SiteFacts:
    """Every site's kind, availability, land use, area, price, distances, measuring point and zones,
    rows in site-id order (code points)."""

    def __init__(self, cols: dict, stamp: tuple = (0, None)):
        self.stamp = stamp
        # set by ``updated``: the stamp of the copy this one was made from, and for each row here the row of
        # the same site and measuring point there (-1: a site added or moved since), so per-site stores
        # keep what they measured
        self.prev_stamp: tuple | None = None
        self.prev_rows: np.ndarray | None = None
        self.read_rows = len(cols["id"])  # how many sites were read from the database to make this copy
        ids = np.asarray(cols["id"], dtype=object)
        n = len(ids)
        order = np.arange(n) if ids_ascending(ids) else np.argsort(ids.astype(str), kind="stable")
        self.n = n
        self.id = ids[order]
        self._id_text = None  # made on the first exclusion look-up
        building = np.asarray(cols["building"], dtype=bool)[order] if n else np.zeros(0, dtype=bool)
        self.kind = np.where(building, "building", "parcel").astype(object)
        self.kind_codes = _Codes(self.kind)
        self.availability = _Codes(np.asarray(cols["availability"], dtype=object)[order] if n else [])
        self.land_use = _Codes(np.asarray(cols["land_use"], dtype=object)[order] if n else [])
        for name in ("area_m2", "price", "station_m", "highway_m", "corridor_m", "x", "y"):
            setattr(self, name, np.asarray(cols[name], dtype=float)[order] if n else np.zeros(0))
        self.xy = np.column_stack([self.x, self.y])
        # zones: the few distinct combinations, each split once
        combo, texts = pd.factorize(np.asarray(cols["zones"], dtype=object)[order] if n else np.array([], dtype=object))
        lists = [t.split(",") if t else [] for t in texts]
        names = sorted({z for zs in lists for z in zs})
        self._zone_index = {z: k for k, z in enumerate(names)}
        per_combo = np.zeros((len(lists), len(names)), dtype=bool)
        for k, zs in enumerate(lists):
            per_combo[k, [self._zone_index[z] for z in zs]] = True
        self._in_zone = per_combo[combo] if len(lists) else np.zeros((n, 0), dtype=bool)  # site x zone

    def in_any_zone(self, zones) -> np.ndarray:
        """Sites lying in any of ``zones`` (the SQL's ``zones && :zones``)."""
        cols = [self._zone_index[z] for z in zones if z in self._zone_index]
        return self._in_zone[:, cols].any(axis=1) if cols else np.zeros(self.n, dtype=bool)

    def as_rows(self) -> list[tuple]:
        """Every site as the search sees it, in row order (zones sorted): to compare two copies."""
        zone_of = {k: z for z, k in self._zone_index.items()}
        cols = (self.area_m2, self.price, self.station_m, self.highway_m, self.corridor_m, self.x, self.y)
        return [(str(self.id[i]), str(self.kind[i]), self.kind_codes.names[self.kind_codes.codes[i]],
                 self.availability.names[self.availability.codes[i]], self.land_use.names[self.land_use.codes[i]],
                 tuple(None if np.isnan(c[i]) else float(c[i]) for c in cols),
                 sorted(zone_of[k] for k in np.flatnonzero(self._in_zone[i]))) for i in range(self.n)]

    def _text(self) -> np.ndarray:
        if self._id_text is None:
            self._id_text = self.id.astype(str)
        return self._id_text

    def rows_of(self, ids) -> np.ndarray:
        """Row indices of those of the given site ids that are present."""
        text = self._text()
        ids = np.asarray(list(ids), dtype=str)
        rows = np.searchsorted(text, ids)
        ok = rows < self.n
        ok[ok] = text[rows[ok]] == ids[ok]
        return rows[ok]

    def updated(self, stamp: tuple, written: list[str], cols: dict) -> "SiteFacts":
        """A new copy: this one without the sites in ``written`` (ids written since: changed, added or
        deleted), with ``cols`` (the current rows of those of them that still exist) merged in, in id order.
        Every array is this one's with a few rows replaced (or deleted and inserted), so the cost is a few
        copies of 100,000 numbers rather than a read and a rebuild of every site."""
        fresh = SiteFacts(cols, stamp)
        drop = np.unique(self.rows_of(written))
        out = SiteFacts.__new__(SiteFacts)
        out.stamp, out.prev_stamp, out.read_rows = stamp, self.stamp, fresh.n
        same = self.rows_of(fresh._text()) if len(drop) == fresh.n else None
        in_place = same is not None and len(same) == fresh.n  # sites edited: none added, deleted or renamed
        if in_place:

            def merge(old, new):
                if len(new) == 0 or np.array_equal(old[same], new, equal_nan=old.dtype.kind == "f"):
                    return old  # unchanged: shared (no copy of a copy is ever written to)
                old = old.copy()
                old[same] = new
                return old

            out.id, out._id_text = self.id, self._text()
        else:
            kept_text = np.delete(self._text(), drop)
            at = np.searchsorted(kept_text, fresh._text())  # every written id was dropped: no equal ids remain

            def merge(old, new):
                return np.insert(np.delete(old, drop, axis=0), at, new, axis=0)

            out.id = merge(self.id, fresh.id)
            wide = np.result_type(kept_text, fresh._text())  # ids longer than any held must not be cut short
            out._id_text = np.insert(kept_text if wide == kept_text.dtype else kept_text.astype(wide), at,
                                     fresh._text())
        out.n = len(out.id)
        if in_place:  # rows unchanged; a site whose measuring point did not move keeps its neighbour counts
            out.prev_rows = np.arange(self.n)
            out.prev_rows[same[(self.x[same] != fresh.x) | (self.y[same] != fresh.y)]] = -1
        else:
            out.prev_rows = merge(np.arange(self.n), np.full(fresh.n, -1))
        out.kind = merge(self.kind, fresh.kind)
        for name in ("kind_codes", "availability", "land_use"):
            setattr(out, name, getattr(self, name).merged(merge, getattr(fresh, name)))
        for name in ("area_m2", "price", "station_m", "highway_m", "corridor_m", "x", "y"):
            setattr(out, name, merge(getattr(self, name), getattr(fresh, name)))
        out.xy = self.xy if out.x is self.x and out.y is self.y else np.column_stack([out.x, out.y])
        out._zone_index = dict(self._zone_index)
        for z in fresh._zone_index:
            out._zone_index.setdefault(z, len(out._zone_index))
        width = len(out._zone_index)
        old_zones = self._in_zone
        if width > old_zones.shape[1]:  # a zone no held site lay in
            old_zones = np.zeros((self.n, width), dtype=bool)
            old_zones[:, :self._in_zone.shape[1]] = self._in_zone
        new_zones = np.zeros((fresh.n, width), dtype=bool)
        for z, k in fresh._zone_index.items():
            new_zones[:, out._zone_index[z]] = fresh._in_zone[:, k]
        out._in_zone = merge(old_zones, new_zones)
        return out


@dataclass
class Step:
    """One hard constraint: ``test`` is (operation, column, value), evaluated by ``SiteFacts``."""

    id: str
    label: str
    test: tuple


_CACHE = LruCache(max_entries=4)  # one copy per database (and stamp); a new stamp is a new key
_LATEST: dict[str, "SiteFacts"] = {}  # per database: the last copy made, which the next one starts from
# Up to this many sites written since the copy held, a search reads just those (a few ms) and merges them
# in; more, and it reads every site again (about 0.3 s at 100,000 sites; the merge costs the same at any size).
CATCH_UP_LIMIT = 20_000


def load(conn: Connection) -> SiteFacts:
    """The facts as of this transaction: from this process's copy when the stamp is unchanged; after a
    write, that copy with the written sites read again (``site_fact_log``, migration 0013); otherwise
    every site read."""
    where = conn.engine.url.render_as_string(hide_password=True)
    stamp = q.facts_stamp(conn)
    held = _CACHE.get((where, stamp))
    if held is not None:
        return held
    facts = None
    base = _LATEST.get(where)
    if base is not None and base.stamp[1] is not None:
        changes = q.site_fact_changes(conn, base.stamp, CATCH_UP_LIMIT)
        if changes is not None:  # the stamp read with the rows and the log: a write in between is a new key
            new_stamp, written, cols = changes
            facts = base if new_stamp == base.stamp else base.updated(new_stamp, written, cols)
    if facts is None:
        new_stamp, cols = q.site_facts(conn)
        facts = SiteFacts(cols, new_stamp)
    _CACHE.put((where, facts.stamp), facts)
    _LATEST[where] = facts  # any copy is a sound start: the log says what changed since its own stamp
    return facts


def clear_cache() -> None:
    _CACHE.clear()
    _LATEST.clear()


def constraint_steps(body: SearchIn, area_window: tuple[float | None, float | None] | None,
                     industry: str | None = None) -> list[Step]:
    """The active hard constraints, in the order they are applied."""
    c = body.constraints
    steps: list[Step] = []
    if c.kinds:
        steps.append(Step("kinds", "kind: " + ", ".join(SITE_KINDS[k][0] for k in c.kinds), ("in", "kind", list(c.kinds))))
    if c.availability:
        steps.append(Step("availability", "availability: " + ", ".join(AVAILABILITY[a][0] for a in c.availability),
                          ("in", "availability", list(c.availability))))
    if c.land_uses:
        steps.append(Step("land_uses", "land use: " + ", ".join(f"{u} {LAND_USES[u][0]}" for u in c.land_uses),
                          ("in", "land_use", list(c.land_uses))))
    elif industry and not c.any_land_use:  # the default: land use follows the investor's industry
        uses = allowed_land_uses(industry)
        steps.append(Step("industry_land_use", f"land use {PLAN_INDUSTRY_BY_ID[industry].zh} may build on: "
                          + ", ".join(f"{u} {LAND_USES[u][0]}" for u in uses), ("in", "land_use", list(uses))))
    if c.zones:
        steps.append(Step("zones", "in zone(s): " + ", ".join(c.zones), ("zones", "zones", list(c.zones))))
    if c.area and (c.area.min is not None or c.area.max is not None):
        unit = "亩" if c.area.unit == "mu" else "m²"
        label = f"area {c.area.min or 0:g}–" + (f"{c.area.max:g}" if c.area.max is not None else "∞") + f" {unit}"
        steps.append(Step("area", label, ("range", "area_m2", area_m2_range(c.area))))
    if area_window and (area_window[0] is not None or area_window[1] is not None):
        lo, hi = area_window
        label = (f"investor profile (标准地 intensity rule): {lo or 0:.1f}–"
                 + (f"{hi:.1f}" if hi is not None else "∞") + " 亩")
        steps.append(Step("profile_area", label, ("range", "area_m2", (
            lo * SQM_PER_MU if lo is not None else None, hi * SQM_PER_MU if hi is not None else None))))
    for key, col, label in (("max_station_m", "station_m", "Line 17 station"),
                            ("max_highway_m", "highway_m", "G50 / Huqingping highway"),
                            ("max_corridor_m", "corridor_m", "the digital corridor")):
        value = getattr(c, key)
        if value is not None:
            steps.append(Step(key, f"within {value:g} m of {label}", ("at_most", col, value)))
    if c.exclude is not None:
        steps.append(Step("exclude", "outside the excluded areas", ("outside", "geom", exclusion_geometry(c.exclude).wkb)))
    return steps


def _meets(conn: Connection, facts: SiteFacts, test: tuple) -> np.ndarray:
    op, col, value = test
    if op == "in":
        return {"kind": facts.kind_codes, "availability": facts.availability, "land_use": facts.land_use}[col].isin(value)
    if op == "zones":
        return facts.in_any_zone(value)
    x = getattr(facts, col, None)
    if op == "range":
        lo, hi = value
        ok = np.ones(facts.n, dtype=bool)
        if lo is not None:
            ok &= x >= lo
        if hi is not None:
            ok &= x <= hi
        return ok
    if op == "at_most":
        return x <= value
    if op == "outside":
        ok = np.ones(facts.n, dtype=bool)
        ok[facts.rows_of(q.sites_intersecting(conn, value))] = False
        return ok
    raise ValueError(f"unknown constraint operation {op!r}")


def funnel_and_candidates(conn: Connection, facts: SiteFacts, steps: list[Step],
                          fit_full: list[str], fit_half: list[str]):
    """The total, the number of sites left after each constraint in order, and the columns of the sites
    that meet them all (in site-id order). ``fit_full`` / ``fit_half``: the zones whose targets fit the
    investor's industry fully / in part (zone fit 1 / 0.5)."""
    ok = np.ones(facts.n, dtype=bool)
    remaining = []
    for step in steps:
        ok &= _meets(conn, facts, step.test)
        remaining.append(int(ok.sum()))
    rows = np.flatnonzero(ok)
    fit = np.where(facts.in_any_zone(fit_full), 1.0, np.where(facts.in_any_zone(fit_half), 0.5, 0.0))
    cand = {"row": rows, "id": facts.id[rows], "kind": facts.kind[rows], "zone_fit": fit[rows]}
    for name in ("price", "station_m", "highway_m", "x", "y"):
        cand[name] = getattr(facts, name)[rows]
    return facts.n, remaining, cand

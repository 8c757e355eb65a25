"""The layout the sites' layout-derived columns were computed against, so that a zone edit recomputes
only the sites whose zones it changes.

Revision ID: 0015_site_layout
Revises: 0014_point_changes

Before, every site carried the fingerprint of the whole layout in `layout_stamp`, so any zone edit made
all 100,000 sites stale and the next search recomputed every one (20-35 s). Now `site_layout` holds the
fingerprint the table as a whole is current with and `site_layout_zones` the zones (rank, kind, outline)
it was computed from. A site is stale when its own `layout_stamp` is NULL (new, or its geometry changed)
or when the layout's fingerprint differs from `site_layout`'s. After an edit of zones other than the
corridor, the search recomputes the zones of just the sites whose point on surface lies in the old or
the new outline of a changed zone but not in both (all of a re-ranked zone's), and writes only those
whose zones differ; a change of stations, routes or a corridor zone still recomputes every site
(app/sites/store.py). Recorded here when every site is current with the layout (by the fingerprint the
sites were stamped with until this revision); otherwise at the next refresh, and until then staleness is
judged as before. The fingerprint now also covers each zone's rank and kind, so the first refresh after
this revision finds no zone changed against the recorded ones and rewrites no site.
"""
from alembic import op

revision = "0015_site_layout"
down_revision = "0014_point_changes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    CREATE TABLE site_layout (
        one boolean PRIMARY KEY DEFAULT true CHECK (one),
        fingerprint text NOT NULL,   -- of the whole layout (zones, Line 17 stations, routes)
        rest text NOT NULL           -- of the stations and routes alone
    );
    CREATE TABLE site_layout_zones (
        id text PRIMARY KEY,
        rank integer NOT NULL,
        kind text NOT NULL,
        geom geometry(MultiPolygon, 4326) NOT NULL
    );
    WITH parts AS (
      SELECT coalesce((SELECT string_agg(id || ':' || md5(ST_AsBinary(geom)), '|' ORDER BY id) FROM zones), '') AS z,
        coalesce((SELECT string_agg(id || ':' || md5(ST_AsBinary(geom)), '|' ORDER BY id) FROM stations
                  WHERE line = '17'), '')
        || '#' || coalesce((SELECT string_agg(id || ':' || mode || ':' || md5(ST_AsBinary(geom)), '|' ORDER BY id)
                            FROM corridor_routes), '') AS r),
    fp AS (SELECT md5(z || '#' || r) AS fingerprint, md5(r) AS rest FROM parts)
    INSERT INTO site_layout (one, fingerprint, rest) SELECT true, fingerprint, rest FROM fp
      WHERE EXISTS (SELECT 1 FROM sites)
        AND NOT EXISTS (SELECT 1 FROM sites WHERE layout_stamp IS DISTINCT FROM fp.fingerprint);
    INSERT INTO site_layout_zones (id, rank, kind, geom)
      SELECT id, rank, kind, geom FROM zones WHERE EXISTS (SELECT 1 FROM site_layout);
    """)


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS site_layout, site_layout_zones")

"""Fast re-assignment and tiles that survive zone edits.

Revision ID: 0011_fast_assignment
Revises: 0010_briefs

- Enterprises' zone assignment (zones, primary_zone, primary_reason) is no longer indexed and the
  table keeps half of each page free (fillfactor 50): re-assigning rows then rewrites them as
  heap-only tuples (HOT) on the same page, touching none of the table's indexes. A zone edit that
  moves 67,000 memberships, or a re-assignment of every enterprise, costs heap writes only, instead
  of new entries in every index (trigram, gist, btrees) for every changed row. Readers that filtered
  on the two indexes (a zone's members) scan instead, or go by the zone's geometry (gist).
  Existing pages keep their old fill until rewritten (`VACUUM FULL enterprises` once, off hours).
- A second data version per point layer, `<layer>:points`, bumped by a statement trigger whenever
  a statement may change the layer's positions or plan industries (INSERT, DELETE, TRUNCATE, UPDATE
  OF geom / plan_industry). The low-zoom point-count tiles and their pyramid key on it, so a zone
  edit (which rewrites assignments only) leaves them warm in every process.
"""
from alembic import op

revision = "0011_fast_assignment"
down_revision = "0010_briefs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    DROP INDEX IF EXISTS enterprises_zones_idx;
    DROP INDEX IF EXISTS enterprises_primary_zone_idx;
    ALTER TABLE enterprises SET (fillfactor = 50);
    CREATE FUNCTION bump_points_version() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO data_versions (collection, version, changed_at) VALUES (TG_ARGV[0], 1, now())
        ON CONFLICT (collection) DO UPDATE SET version = data_versions.version + 1, changed_at = now();
        RETURN NULL;
    END $$;
    CREATE TRIGGER enterprises_points_changed AFTER INSERT OR DELETE OR UPDATE OF geom, plan_industry
        ON enterprises FOR EACH STATEMENT EXECUTE FUNCTION bump_points_version('enterprises:points');
    CREATE TRIGGER enterprises_points_truncated AFTER TRUNCATE
        ON enterprises FOR EACH STATEMENT EXECUTE FUNCTION bump_points_version('enterprises:points');
    CREATE TRIGGER stations_points_changed AFTER INSERT OR DELETE OR UPDATE OF geom
        ON stations FOR EACH STATEMENT EXECUTE FUNCTION bump_points_version('stations:points');
    CREATE TRIGGER stations_points_truncated AFTER TRUNCATE
        ON stations FOR EACH STATEMENT EXECUTE FUNCTION bump_points_version('stations:points');
    """)


def downgrade() -> None:
    op.execute("""
    DROP TRIGGER IF EXISTS enterprises_points_changed ON enterprises;
    DROP TRIGGER IF EXISTS enterprises_points_truncated ON enterprises;
    DROP TRIGGER IF EXISTS stations_points_changed ON stations;
    DROP TRIGGER IF EXISTS stations_points_truncated ON stations;
    DROP FUNCTION IF EXISTS bump_points_version();
    ALTER TABLE enterprises RESET (fillfactor);
    CREATE INDEX IF NOT EXISTS enterprises_primary_zone_idx ON enterprises (primary_zone);
    CREATE INDEX IF NOT EXISTS enterprises_zones_idx ON enterprises USING gin (zones);
    """)

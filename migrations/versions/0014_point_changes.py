"""A log of the enterprises' point changes, so each process updates its low-zoom pyramid in place.

Revision ID: 0014_point_changes
Revises: 0013_site_fact_log

`enterprises:points` (0011) is still bumped once per statement that may move a point or change its plan
industry; now the same triggers also write what moved into `point_changes`, under the version they bump:
a row of -1 at the old position and industry, +1 at the new one, and a header row (delta 0) saying that
this version's changes are all there. A process holding the pyramid of version v then reads the rows of
versions after v (app.ogc.features.point_changes_since) and adjusts its counts (gis.point_grid), instead
of reading a million points again; a version without a header (a statement of more than 20,000 changed
points, a TRUNCATE, a bump by hand) makes it rebuild as before. So nothing can be missed: an unlogged
change is an unknown one.

- INSERT and DELETE: statement triggers with the statement's rows as a transition table.
- UPDATE: a row trigger only on rows whose point or industry really changed (UPDATE OF geom, plan_industry
  … WHEN …), logging them as pending (version NULL), then the statement trigger stamps them with the
  version it bumps (it counts the rows in a transaction-local setting and stops writing them past the
  limit). Transition tables cannot be used here: they are not allowed with a column list, and
  without one every re-assignment (a zone edit's 67,000 rows, a million in a bulk one) would copy its old
  and new rows for nothing.
- Any statement trigger that bumps the version adopts the pending rows of its transaction (an INSERT … ON
  CONFLICT DO UPDATE fires the INSERT statement trigger too).
- The log keeps the last 500 versions; a process further behind rebuilds.
"""
from alembic import op

revision = "0014_point_changes"
down_revision = "0013_site_fact_log"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    CREATE TABLE point_changes (
        collection text NOT NULL,
        version bigint,                     -- NULL while the statement that logged it runs
        delta smallint NOT NULL CHECK (delta IN (-1, 0, 1)),  -- 0: the version's header
        lon double precision,
        lat double precision,
        plan_industry text
    );
    CREATE INDEX point_changes_version_idx ON point_changes (collection, version);

    -- Bump the points version of collection c for a statement that logs `logged` rows of its own; adopt
    -- the transaction's pending rows. Returns the new version, or its negative when the statement is too
    -- big to log (then nothing of it is kept and no header is written: readers rebuild).
    CREATE FUNCTION log_point_version(c text, logged bigint) RETURNS bigint LANGUAGE plpgsql AS $$
    DECLARE
        v bigint;
        pending bigint;
    BEGIN
        INSERT INTO data_versions (collection, version, changed_at) VALUES (c, 1, now())
        ON CONFLICT (collection) DO UPDATE SET version = data_versions.version + 1, changed_at = now()
        RETURNING version INTO v;
        -- Rows the row trigger met in this statement (it stops logging past the limit but goes on counting).
        pending := 2 * coalesce(nullif(current_setting('qingpu.points_moved', true), ''), '0')::bigint;
        PERFORM set_config('qingpu.points_moved', '0', true);
        IF logged + pending <= 20000 THEN
            IF pending > 0 THEN
                UPDATE point_changes SET version = v WHERE collection = c AND version IS NULL;
            END IF;
            INSERT INTO point_changes (collection, version, delta) VALUES (c, v, 0);
        ELSE
            DELETE FROM point_changes WHERE collection = c AND version IS NULL;
            v := -v;
        END IF;
        DELETE FROM point_changes WHERE collection = c AND version < abs(v) - 500;
        RETURN v;
    END $$;

    -- INSERT and DELETE: the statement's rows, as the transition table `added` or `removed` (plpgsql plans
    -- a query when it first runs, so the branch not taken never looks for the other table).
    CREATE FUNCTION log_points_written() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE v bigint;
    BEGIN
        IF TG_OP = 'INSERT' THEN
            v := log_point_version(TG_ARGV[0], (SELECT count(*) FROM added));
            IF v > 0 THEN
                INSERT INTO point_changes (collection, version, delta, lon, lat, plan_industry)
                SELECT TG_ARGV[0], v, 1, ST_X(geom), ST_Y(geom), plan_industry FROM added;
            END IF;
        ELSE
            v := log_point_version(TG_ARGV[0], (SELECT count(*) FROM removed));
            IF v > 0 THEN
                INSERT INTO point_changes (collection, version, delta, lon, lat, plan_industry)
                SELECT TG_ARGV[0], v, -1, ST_X(geom), ST_Y(geom), plan_industry FROM removed;
            END IF;
        END IF;
        RETURN NULL;
    END $$;

    CREATE FUNCTION log_points_updated() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM log_point_version(TG_ARGV[0], 0);
        RETURN NULL;
    END $$;

    CREATE FUNCTION log_point_moved() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE n bigint;
    BEGIN
        n := coalesce(nullif(current_setting('qingpu.points_moved', true), ''), '0')::bigint + 1;
        PERFORM set_config('qingpu.points_moved', n::text, true);
        IF n <= 10000 THEN  -- past that the statement is not logged at all: stop writing rows for nothing
            INSERT INTO point_changes (collection, version, delta, lon, lat, plan_industry) VALUES
                (TG_ARGV[0], NULL, -1, ST_X(OLD.geom), ST_Y(OLD.geom), OLD.plan_industry),
                (TG_ARGV[0], NULL, 1, ST_X(NEW.geom), ST_Y(NEW.geom), NEW.plan_industry);
        END IF;
        RETURN NULL;
    END $$;

    DROP TRIGGER enterprises_points_changed ON enterprises;
    CREATE TRIGGER enterprises_points_inserted AFTER INSERT ON enterprises REFERENCING NEW TABLE AS added
        FOR EACH STATEMENT EXECUTE FUNCTION log_points_written('enterprises:points');
    CREATE TRIGGER enterprises_points_deleted AFTER DELETE ON enterprises REFERENCING OLD TABLE AS removed
        FOR EACH STATEMENT EXECUTE FUNCTION log_points_written('enterprises:points');
    CREATE TRIGGER enterprises_point_moved AFTER UPDATE OF geom, plan_industry ON enterprises FOR EACH ROW
        WHEN (OLD.geom IS DISTINCT FROM NEW.geom OR OLD.plan_industry IS DISTINCT FROM NEW.plan_industry)
        EXECUTE FUNCTION log_point_moved('enterprises:points');
    CREATE TRIGGER enterprises_points_updated AFTER UPDATE OF geom, plan_industry ON enterprises
        FOR EACH STATEMENT EXECUTE FUNCTION log_points_updated('enterprises:points');
    -- (enterprises_points_truncated of 0011 stays: it bumps without a header, so readers rebuild.)
    """)


def downgrade() -> None:
    op.execute("""
    DROP TRIGGER IF EXISTS enterprises_points_inserted ON enterprises;
    DROP TRIGGER IF EXISTS enterprises_points_deleted ON enterprises;
    DROP TRIGGER IF EXISTS enterprises_point_moved ON enterprises;
    DROP TRIGGER IF EXISTS enterprises_points_updated ON enterprises;
    CREATE TRIGGER enterprises_points_changed AFTER INSERT OR DELETE OR UPDATE OF geom, plan_industry
        ON enterprises FOR EACH STATEMENT EXECUTE FUNCTION bump_points_version('enterprises:points');
    DROP FUNCTION IF EXISTS log_points_written(), log_points_updated(), log_point_moved();
    DROP FUNCTION IF EXISTS log_point_version(text, bigint);
    DROP TABLE IF EXISTS point_changes;
    """)

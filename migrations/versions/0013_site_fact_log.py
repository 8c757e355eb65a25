"""A log of which sites each write changed, so that a search's in-memory site facts catch up by
reading those sites only.

Revision ID: 0013_site_fact_log
Revises: 0012_site_facts_version

0012's statement triggers bumped `sites:facts` on every write to sites, and every process then read all
100,000 sites again (0.8 s for the first search after a one-site edit). The same triggers now also record,
in the same transaction and under the bump's row lock (so versions are logged in commit order), the
version they made and the ids the statement wrote (from its transition tables: old and new ids of an
UPDATE, so a renamed id counts as both). A statement writing more than 5,000 rows, and a TRUNCATE, is
logged as `everything` (a reader rebuilds in full). A reader holding version v reads the ids of every log
row after v, in the statement that reads those sites and the version; it trusts the log only when the
row of v itself (version and changed_at) is still there, which also tells a re-created database apart.
Rows more than 2,000 versions old are pruned now and then by the writers.
"""
from alembic import op

revision = "0013_site_fact_log"
down_revision = "0012_site_facts_version"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    CREATE TABLE site_fact_log (
        version bigint PRIMARY KEY,
        changed_at timestamptz NOT NULL,
        everything boolean NOT NULL,
        ids text[]   -- the sites the statement wrote (old and new ids); NULL when everything
    );

    CREATE FUNCTION log_site_facts() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE v bigint; at timestamptz; written text[]; n bigint;
    BEGIN
        INSERT INTO data_versions (collection, version, changed_at) VALUES ('sites:facts', 1, now())
        ON CONFLICT (collection) DO UPDATE SET version = data_versions.version + 1, changed_at = now()
        RETURNING version, changed_at INTO v, at;
        IF TG_OP = 'TRUNCATE' THEN
            n := 5001;
        ELSIF TG_OP = 'DELETE' THEN
            SELECT count(*) INTO n FROM (SELECT 1 FROM old_rows LIMIT 5001) t;
        ELSE
            SELECT count(*) INTO n FROM (SELECT 1 FROM new_rows LIMIT 5001) t;
        END IF;
        IF n > 5000 THEN
            INSERT INTO site_fact_log VALUES (v, at, true, NULL);
        ELSE
            IF TG_OP = 'INSERT' THEN
                SELECT array_agg(id) INTO written FROM new_rows;
            ELSIF TG_OP = 'UPDATE' THEN
                SELECT array_agg(id) INTO written FROM (SELECT id FROM old_rows UNION SELECT id FROM new_rows) u;
            ELSE
                SELECT array_agg(id) INTO written FROM old_rows;
            END IF;
            INSERT INTO site_fact_log VALUES (v, at, false, coalesce(written, '{}'));
        END IF;
        IF v % 200 = 0 THEN
            DELETE FROM site_fact_log WHERE version <= v - 2000;
        END IF;
        RETURN NULL;
    END $$;

    DROP TRIGGER IF EXISTS sites_facts_changed ON sites;
    DROP TRIGGER IF EXISTS sites_facts_truncated ON sites;
    CREATE TRIGGER sites_facts_inserted AFTER INSERT ON sites REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION log_site_facts();
    CREATE TRIGGER sites_facts_updated AFTER UPDATE ON sites REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION log_site_facts();
    CREATE TRIGGER sites_facts_deleted AFTER DELETE ON sites REFERENCING OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION log_site_facts();
    CREATE TRIGGER sites_facts_truncated AFTER TRUNCATE ON sites
        FOR EACH STATEMENT EXECUTE FUNCTION log_site_facts();
    """)


def downgrade() -> None:
    op.execute("""
    DROP TRIGGER IF EXISTS sites_facts_inserted ON sites;
    DROP TRIGGER IF EXISTS sites_facts_updated ON sites;
    DROP TRIGGER IF EXISTS sites_facts_deleted ON sites;
    DROP TRIGGER IF EXISTS sites_facts_truncated ON sites;
    DROP FUNCTION IF EXISTS log_site_facts();
    DROP TABLE IF EXISTS site_fact_log;
    CREATE TRIGGER sites_facts_changed AFTER INSERT OR DELETE OR UPDATE
        ON sites FOR EACH STATEMENT EXECUTE FUNCTION bump_points_version('sites:facts');
    CREATE TRIGGER sites_facts_truncated AFTER TRUNCATE
        ON sites FOR EACH STATEMENT EXECUTE FUNCTION bump_points_version('sites:facts');
    """)

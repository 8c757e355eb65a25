"""Zone history: every committed change of a zone is an immutable version.

Revision ID: 0004_zone_history
Revises: 0003_enterprises
"""
from alembic import op

revision = "0004_zone_history"
down_revision = "0003_enterprises"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    CREATE TABLE zone_versions (
        zone_id text NOT NULL,
        version integer NOT NULL,
        action text NOT NULL CHECK (action IN ('load', 'create', 'update', 'delete', 'rollback')),
        comment text NOT NULL CHECK (length(btrim(comment)) > 0),
        author text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        rolled_back_to integer,
        kind text NOT NULL,
        name_zh text NOT NULL,
        name_en text NOT NULL,
        target_industries text[] NOT NULL,
        target_phrases text[] NOT NULL,
        member_towns text[] NOT NULL,
        parent_zone text,
        schematic boolean NOT NULL,
        description text NOT NULL,
        rank integer NOT NULL,
        geom geometry(MultiPolygon, 4326),          -- NULL for a delete
        area_km2 double precision GENERATED ALWAYS AS (ST_Area(ST_Transform(geom, 4549)) / 1e6) STORED,
        PRIMARY KEY (zone_id, version)
    );
    CREATE INDEX zone_versions_time_idx ON zone_versions (zone_id, created_at);
    -- Versions are immutable: no update, no delete.
    CREATE FUNCTION zone_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'zone versions are immutable'; END $$;
    CREATE TRIGGER zone_versions_no_change BEFORE UPDATE OR DELETE ON zone_versions
        FOR EACH ROW EXECUTE FUNCTION zone_versions_immutable();
    -- The first version of every zone that exists now.
    INSERT INTO zone_versions (zone_id, version, action, comment, author, kind, name_zh, name_en,
        target_industries, target_phrases, member_towns, parent_zone, schematic, description, rank, geom)
    SELECT id, version, 'load', 'default layout', updated_by, kind, name_zh, name_en, target_industries,
        target_phrases, member_towns, parent_zone, schematic, description, rank, geom FROM zones;
    """)


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS zone_versions; DROP FUNCTION IF EXISTS zone_versions_immutable()")

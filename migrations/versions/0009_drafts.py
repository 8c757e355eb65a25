"""Planning drafts (方案): a named copy of the layout's zones that planners change before publishing.

Revision ID: 0009_drafts
Revises: 0008_reference_layers

- drafts: who owns it, whom it is shared with, whether it is open, published or discarded, and when
  it was made or last rebased on the published layout (based_at).
- draft_zones: the draft's copy of every zone. base_version is the published version the copy was
  taken from (NULL for a zone the draft creates); changed says the draft changed it; deleted keeps
  the row (and its last geometry) of a zone the draft deletes, so compare and publish see it.
- draft_changes: every change of a draft (who, when, what), append-only.
"""
from alembic import op

revision = "0009_drafts"
down_revision = "0008_reference_layers"
branch_labels = None
depends_on = None

AREA_KM2 = "double precision GENERATED ALWAYS AS (ST_Area(ST_Transform(geom, 4549)) / 1e6) STORED"


def upgrade() -> None:
    op.execute(f"""
    CREATE TABLE drafts (
        id serial PRIMARY KEY,
        name text NOT NULL CHECK (length(btrim(name)) > 0),
        description text NOT NULL DEFAULT '',
        owner text NOT NULL,
        shared_with text[] NOT NULL DEFAULT '{{}}',
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'published', 'discarded')),
        source_draft integer REFERENCES drafts(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        based_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz,
        published_by text
    );
    CREATE INDEX drafts_owner_idx ON drafts (owner);
    CREATE TABLE draft_zones (
        draft_id integer NOT NULL REFERENCES drafts(id) ON DELETE CASCADE,
        id text NOT NULL CHECK (id ~ '^[a-z0-9][a-z0-9_-]*$'),
        kind text NOT NULL CHECK (kind IN ('core', 'corridor', 'cluster', 'park')),
        name_zh text NOT NULL,
        name_en text NOT NULL,
        target_industries text[] NOT NULL DEFAULT '{{}}',
        target_phrases text[] NOT NULL DEFAULT '{{}}',
        member_towns text[] NOT NULL DEFAULT '{{}}',
        parent_zone text,
        schematic boolean NOT NULL DEFAULT false,
        description text NOT NULL DEFAULT '',
        rank integer NOT NULL DEFAULT 60,
        geom geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom)),
        area_km2 {AREA_KM2},
        version integer NOT NULL DEFAULT 1,
        base_version integer,
        changed boolean NOT NULL DEFAULT false,
        deleted boolean NOT NULL DEFAULT false,
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by text NOT NULL,
        PRIMARY KEY (draft_id, id)
    );
    CREATE INDEX draft_zones_geom_idx ON draft_zones USING gist (geom);
    CREATE TABLE draft_changes (
        id bigserial PRIMARY KEY,
        draft_id integer NOT NULL REFERENCES drafts(id) ON DELETE CASCADE,
        at timestamptz NOT NULL DEFAULT clock_timestamp(),
        author text NOT NULL,
        action text NOT NULL,
        zone_id text,
        detail jsonb NOT NULL DEFAULT '{{}}'
    );
    CREATE INDEX draft_changes_draft_idx ON draft_changes (draft_id, id);
    CREATE FUNCTION draft_changes_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'draft changes are append-only'; END $$;
    CREATE TRIGGER draft_changes_no_update BEFORE UPDATE ON draft_changes
        FOR EACH ROW EXECUTE FUNCTION draft_changes_append_only();
    """)


def downgrade() -> None:
    op.execute("""
    DROP TABLE IF EXISTS draft_changes, draft_zones, drafts;
    DROP FUNCTION IF EXISTS draft_changes_append_only();
    """)

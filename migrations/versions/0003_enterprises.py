"""Enterprises, placed by point and assigned to every zone that contains them.

Revision ID: 0003_enterprises
Revises: 0002_users
"""
from alembic import op

revision = "0003_enterprises"
down_revision = "0002_users"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    -- One row per import that loaded something: where the rows came from and what happened.
    CREATE TABLE import_batches (
        id serial PRIMARY KEY,
        file_name text NOT NULL,
        format text NOT NULL,
        encoding text,
        source_crs text NOT NULL,
        rows_total integer NOT NULL,
        rows_rejected integer NOT NULL,
        inserted integer NOT NULL,
        updated integer NOT NULL,
        partial boolean NOT NULL,
        imported_by text NOT NULL,
        imported_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE enterprises (
        uscc text PRIMARY KEY CHECK (length(uscc) = 18),
        name text NOT NULL,
        industry_code text NOT NULL,
        plan_industry text REFERENCES plan_industries(id),
        employees integer CHECK (employees >= 0),
        output_value double precision CHECK (output_value >= 0),   -- 万元, confidential
        established integer CHECK (established BETWEEN 1800 AND 2100),
        address text,
        town text,
        precision text NOT NULL CHECK (precision IN ('exact', 'address', 'town')),
        source_crs text NOT NULL CHECK (source_crs IN ('wgs84', 'cgcs2000', 'gcj02', 'bd09')),
        synthetic boolean NOT NULL DEFAULT false,
        note text,                                                  -- e.g. how a demo placement was made
        batch_id integer REFERENCES import_batches(id) ON DELETE SET NULL,
        zones text[] NOT NULL DEFAULT '{}',
        primary_zone text,
        primary_reason text,
        geom geometry(Point, 4326) NOT NULL,
        imported_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX enterprises_geom_idx ON enterprises USING gist (geom);
    CREATE INDEX enterprises_plan_industry_idx ON enterprises (plan_industry);
    CREATE INDEX enterprises_primary_zone_idx ON enterprises (primary_zone);
    CREATE INDEX enterprises_zones_idx ON enterprises USING gin (zones);
    CREATE INDEX enterprises_town_idx ON enterprises (town);
    """)


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS enterprises, import_batches")

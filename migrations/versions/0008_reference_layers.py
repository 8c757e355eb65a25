"""Reference layers for planners: roads, rivers, parcels, 控规 plots imported from files.

Revision ID: 0008_reference_layers
Revises: 0007_hardening

- reference_layers: one row per imported layer (its name, title, kind, where it came from).
- reference_features: the layer's lines and polygons in WGS84 on the served 1e-7° grid (so a vertex
  a client snaps to is exactly the stored one), with the file's other attributes as JSON.
- reference_lines / reference_areas: the features by dimension, the two collections of
  layers/registry.py (a collection has one geometry type; a layer's file may hold both).
"""
from alembic import op

revision = "0008_reference_layers"
down_revision = "0007_hardening"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    CREATE TABLE reference_layers (
        name text PRIMARY KEY CHECK (name ~ '^[[:alnum:]_-]{1,60}$'),
        title text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('road', 'river', 'parcel', 'plot', 'other')),
        source_file text NOT NULL,
        source_crs text NOT NULL,
        features integer NOT NULL,
        imported_at timestamptz NOT NULL DEFAULT now(),
        imported_by text NOT NULL
    );
    CREATE TABLE reference_features (
        id bigserial PRIMARY KEY,
        layer text NOT NULL REFERENCES reference_layers (name) ON DELETE CASCADE,
        row_number integer NOT NULL,
        name text,
        properties jsonb NOT NULL DEFAULT '{}',
        geom geometry(Geometry, 4326) NOT NULL
            CHECK (ST_Dimension(geom) IN (1, 2) AND ST_IsValid(geom) AND NOT ST_IsEmpty(geom))
    );
    CREATE INDEX reference_features_geom_idx ON reference_features USING gist (geom);
    CREATE INDEX reference_features_layer_idx ON reference_features (layer);
    CREATE VIEW reference_lines AS
        SELECT f.id, f.layer, l.title AS layer_title, l.kind, f.name, f.properties, f.geom
        FROM reference_features f JOIN reference_layers l ON l.name = f.layer WHERE ST_Dimension(f.geom) = 1;
    CREATE VIEW reference_areas AS
        SELECT f.id, f.layer, l.title AS layer_title, l.kind, f.name, f.properties, f.geom
        FROM reference_features f JOIN reference_layers l ON l.name = f.layer WHERE ST_Dimension(f.geom) = 2;
    """)


def downgrade() -> None:
    op.execute("""
    DROP VIEW IF EXISTS reference_lines, reference_areas;
    DROP TABLE IF EXISTS reference_features, reference_layers;
    """)

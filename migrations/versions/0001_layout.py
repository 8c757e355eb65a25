"""The layout: district, towns, zones, corridor routes, stations, plan industries.

Revision ID: 0001_layout
Revises:
"""
from alembic import op

revision = "0001_layout"
down_revision = None
branch_labels = None
depends_on = None

# Areas and lengths are measured in EPSG:4549 (CGCS2000 / 3-degree GK CM 120E) and kept as
# generated columns, so they can never disagree with the stored geometry.
AREA_KM2 = "double precision GENERATED ALWAYS AS (ST_Area(ST_Transform(geom, 4549)) / 1e6) STORED"
LENGTH_KM = "double precision GENERATED ALWAYS AS (ST_Length(ST_Transform(geom, 4549)) / 1e3) STORED"


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.execute(f"""
    CREATE TABLE district (
        adcode text PRIMARY KEY,
        name_zh text NOT NULL,
        name_en text NOT NULL,
        source text NOT NULL,
        source_crs text NOT NULL,
        geom geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom)),
        area_km2 {AREA_KM2}
    );
    CREATE TABLE towns (
        code text PRIMARY KEY,
        name_zh text NOT NULL UNIQUE,
        name_en text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('town', 'subdistrict')),
        schematic boolean NOT NULL,
        source text NOT NULL,
        seat geometry(Point, 4326),
        geom geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom)),
        area_km2 {AREA_KM2},
        updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX towns_geom_idx ON towns USING gist (geom);
    CREATE TABLE plan_industries (
        id text PRIMARY KEY,
        name_zh text NOT NULL,
        name_en text NOT NULL,
        grp text NOT NULL,
        parent text,
        rank integer NOT NULL
    );
    CREATE TABLE zones (
        id text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9_-]*$'),
        kind text NOT NULL CHECK (kind IN ('core', 'corridor', 'cluster', 'park')),
        name_zh text NOT NULL,
        name_en text NOT NULL,
        target_industries text[] NOT NULL DEFAULT '{{}}',
        target_phrases text[] NOT NULL DEFAULT '{{}}',
        member_towns text[] NOT NULL DEFAULT '{{}}',
        parent_zone text REFERENCES zones(id) ON DELETE SET NULL,
        schematic boolean NOT NULL DEFAULT true,
        description text NOT NULL DEFAULT '',
        rank integer NOT NULL DEFAULT 100,
        geom geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom)),
        area_km2 {AREA_KM2},
        version integer NOT NULL DEFAULT 1,
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by text NOT NULL DEFAULT 'system'
    );
    CREATE INDEX zones_geom_idx ON zones USING gist (geom);
    CREATE INDEX zones_kind_idx ON zones (kind);
    CREATE TABLE corridor_routes (
        id text PRIMARY KEY,
        name_zh text NOT NULL,
        name_en text NOT NULL,
        mode text NOT NULL CHECK (mode IN ('expressway', 'highway', 'metro', 'avenue')),
        schematic boolean NOT NULL,
        half_width_m double precision NOT NULL CHECK (half_width_m > 0),
        geom geometry(LineString, 4326) NOT NULL CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom)),
        length_km {LENGTH_KM}
    );
    CREATE INDEX corridor_routes_geom_idx ON corridor_routes USING gist (geom);
    CREATE TABLE stations (
        id text PRIMARY KEY,
        line text NOT NULL,
        seq integer NOT NULL,
        name_zh text NOT NULL,
        name_en text NOT NULL,
        former_name text,
        in_qingpu boolean NOT NULL,
        precision_m double precision NOT NULL,
        geom geometry(Point, 4326) NOT NULL,
        UNIQUE (line, seq)
    );
    CREATE INDEX stations_geom_idx ON stations USING gist (geom);
    -- One counter per collection, bumped by every write: caches (tiles, analytics) key on it.
    CREATE TABLE data_versions (
        collection text PRIMARY KEY,
        version bigint NOT NULL DEFAULT 0,
        changed_at timestamptz NOT NULL DEFAULT now()
    );
    """)


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS data_versions, stations, corridor_routes, zones, plan_industries, towns, district")

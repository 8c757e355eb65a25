"""Sites for investment promotion (land parcels and vacant buildings) and saved site searches.

Revision ID: 0005_sites
Revises: 0004_zone_history

Layout-derived columns (zones, nearest Line 17 station, distances to the highways and the corridor)
are a cache: `layout_stamp` records the fingerprint of the layout they were computed from, and the
site search recomputes stale rows before it answers (app/sites_query.py). A trigger keeps the
geometry-derived columns (area of parcels, measuring point) in step with the geometry.
"""
from alembic import op

revision = "0005_sites"
down_revision = "0004_zone_history"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    CREATE TABLE sites (
        id text PRIMARY KEY CHECK (length(btrim(id)) > 0),
        name text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('parcel', 'building')),
        land_use text NOT NULL,
        availability text NOT NULL CHECK (availability IN ('available', 'reserved', 'negotiating')),
        -- parcels: land area from the polygon in EPSG:4549 (set by the trigger); buildings: floor area
        area_m2 double precision NOT NULL CHECK (area_m2 > 0),
        area_mu double precision GENERATED ALWAYS AS (area_m2 / 666.67) STORED,
        far_max double precision CHECK (far_max > 0),
        price double precision CHECK (price >= 0),   -- parcels 万元/亩, buildings 元/m²/day
        price_unit text GENERATED ALWAYS AS (CASE WHEN kind = 'parcel' THEN '万元/亩' ELSE '元/m²/天' END) STORED,
        address text,
        note text,
        source_crs text NOT NULL CHECK (source_crs IN ('wgs84', 'cgcs2000', 'gcj02', 'bd09')),
        synthetic boolean NOT NULL DEFAULT false,
        -- parcels: the land polygon; buildings: the footprint
        geom geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom)),
        x double precision,   -- EPSG:4549 point on surface, for distances and neighbour counts
        y double precision,
        zones text[] NOT NULL DEFAULT '{}',
        station_id text,
        station_m double precision,
        highway_m double precision,
        corridor_m double precision,
        layout_stamp text,
        imported_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX sites_geom_idx ON sites USING gist (geom);
    CREATE INDEX sites_zones_idx ON sites USING gin (zones);
    CREATE INDEX sites_filter_idx ON sites (availability, kind, land_use);
    CREATE INDEX sites_area_idx ON sites (area_m2);
    CREATE INDEX sites_layout_stamp_idx ON sites (layout_stamp);  -- finds stale rows without a scan

    CREATE FUNCTION sites_measure() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE m geometry;
    BEGIN
        m := ST_Transform(NEW.geom, 4549);
        IF NEW.kind = 'parcel' THEN
            NEW.area_m2 := ST_Area(m);
        END IF;
        m := ST_PointOnSurface(m);
        NEW.x := ST_X(m);
        NEW.y := ST_Y(m);
        IF TG_OP = 'UPDATE' AND NEW.geom IS DISTINCT FROM OLD.geom THEN
            NEW.layout_stamp := NULL;   -- derived distances and zones must be recomputed
        END IF;
        RETURN NEW;
    END $$;
    -- only when what it derives from is written: the layout refresh rewrites 100,000s of rows
    CREATE TRIGGER sites_measure BEFORE INSERT OR UPDATE OF geom, kind, area_m2 ON sites
        FOR EACH ROW EXECUTE FUNCTION sites_measure();

    CREATE TABLE saved_searches (
        id bigserial PRIMARY KEY,
        name text NOT NULL CHECK (length(btrim(name)) > 0),
        owner text NOT NULL,
        body jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (owner, name)
    );
    """)


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS saved_searches, sites; DROP FUNCTION IF EXISTS sites_measure()")

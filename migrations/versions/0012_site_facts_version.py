"""A data version of the sites' rows, for the site search's in-memory copy of their facts.

Revision ID: 0012_site_facts_version
Revises: 0011_fast_assignment

`sites:facts` is bumped by a statement trigger on every statement that may change a site (INSERT,
UPDATE, DELETE, TRUNCATE), including the search's own refresh of the layout-derived columns and any
write that bypasses the importer. The search keeps the facts it filters and scores on (kind, land use,
availability, area, price, distances, zones, measuring point) in memory keyed on this version and its
changed_at (app/sites/facts.py), so a search no longer scans the table. Reuses bump_points_version()
of 0011, which takes the collection to bump as its argument.
"""
from alembic import op

revision = "0012_site_facts_version"
down_revision = "0011_fast_assignment"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    CREATE TRIGGER sites_facts_changed AFTER INSERT OR DELETE OR UPDATE
        ON sites FOR EACH STATEMENT EXECUTE FUNCTION bump_points_version('sites:facts');
    CREATE TRIGGER sites_facts_truncated AFTER TRUNCATE
        ON sites FOR EACH STATEMENT EXECUTE FUNCTION bump_points_version('sites:facts');
    """)


def downgrade() -> None:
    op.execute("""
    DROP TRIGGER IF EXISTS sites_facts_changed ON sites;
    DROP TRIGGER IF EXISTS sites_facts_truncated ON sites;
    DELETE FROM data_versions WHERE collection = 'sites:facts';
    """)

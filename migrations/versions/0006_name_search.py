"""Trigram index on enterprise names for /search.

Revision ID: 0006_name_search
Revises: 0005_sites
"""
from alembic import op

revision = "0006_name_search"
down_revision = "0005_sites"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # pg_trgm is a trusted extension: the database owner may create it. It hashes CJK trigrams,
    # so Chinese names of three characters or more are found through the index.
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE INDEX IF NOT EXISTS enterprises_name_trgm_idx ON enterprises USING gin (name gin_trgm_ops)")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS enterprises_name_trgm_idx")

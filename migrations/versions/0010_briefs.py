"""Saved investor briefs and their share links.

Revision ID: 0010_briefs
Revises: 0009_drafts

A brief is a site seen for one investor industry, in one language, optionally beside up to three other
sites; it is rendered from the current data each time it is opened. It is its author's alone until they
share it: sharing stores only the SHA-256 of an unguessable token (the link shows it once), with an
expiry; sharing again replaces the token, revoking clears it.
"""
from alembic import op

revision = "0010_briefs"
down_revision = "0009_drafts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    CREATE TABLE briefs (
        id bigserial PRIMARY KEY,
        owner text NOT NULL,
        site_id text NOT NULL,
        industry text REFERENCES plan_industries(id),
        lang text NOT NULL DEFAULT 'zh' CHECK (lang IN ('zh', 'en')),
        compare text[] NOT NULL DEFAULT '{}' CHECK (cardinality(compare) <= 3),
        created_at timestamptz NOT NULL DEFAULT now(),
        share_hash text UNIQUE,
        shared_at timestamptz,
        share_expires_at timestamptz,
        CHECK ((share_hash IS NULL) = (share_expires_at IS NULL))
    );
    CREATE INDEX briefs_owner_idx ON briefs (owner, id);
    """)


def downgrade() -> None:
    op.execute("DROP TABLE briefs")

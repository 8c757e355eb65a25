"""Hardening: tokens that die with their user, the database's own signing key, login attempts,
saved searches private unless shared.

Revision ID: 0007_hardening
Revises: 0006_name_search

- users.token_generation: every token carries the generation it was issued under; disabling a
  user, changing their role or password, or logging out bumps it, so older tokens are refused.
- signing_key: one row, generated on first use, so a token from another database never verifies
  (QINGPU_SECRET_KEY, when set, still overrides it).
- login_attempts: failed sign-ins by user name and client address, read by the throttle in every
  worker alike.
- saved_searches.shared: a saved search is its author's alone unless they share it.
"""
from alembic import op

revision = "0007_hardening"
down_revision = "0006_name_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    ALTER TABLE users ADD COLUMN token_generation integer NOT NULL DEFAULT 0;
    CREATE TABLE signing_key (
        id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
        key text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE login_attempts (
        id bigserial PRIMARY KEY,
        username text NOT NULL,
        address text NOT NULL,
        at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX login_attempts_user_idx ON login_attempts (username, at);
    CREATE INDEX login_attempts_address_idx ON login_attempts (address, at);
    ALTER TABLE saved_searches ADD COLUMN shared boolean NOT NULL DEFAULT false;
    """)


def downgrade() -> None:
    op.execute("""
    ALTER TABLE saved_searches DROP COLUMN IF EXISTS shared;
    DROP TABLE IF EXISTS login_attempts, signing_key;
    ALTER TABLE users DROP COLUMN IF EXISTS token_generation;
    """)

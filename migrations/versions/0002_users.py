"""Users and roles.

Revision ID: 0002_users
Revises: 0001_layout
"""
from alembic import op

revision = "0002_users"
down_revision = "0001_layout"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    CREATE TABLE users (
        name text PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9_.@-]{2,64}$'),
        password_hash text NOT NULL,
        role text NOT NULL CHECK (role IN ('public', 'investment', 'planner', 'admin')),
        created_at timestamptz NOT NULL DEFAULT now(),
        disabled boolean NOT NULL DEFAULT false
    );
    """)


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS users")

from alembic import context
from sqlalchemy import create_engine, pool

from app.core.db import database_url
from app.core.settings import load_settings

config = context.config


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    if not url:

        url = database_url(load_settings())
    connectable = create_engine(url, poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=None)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()

"""Alembic migrations against PostGIS."""

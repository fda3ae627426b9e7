"""Alembic environment shipped inside the package (no alembic.ini at the repo root)."""

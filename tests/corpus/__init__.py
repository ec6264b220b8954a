"""A corpus of real-world schema changes, re-expressed from public projects' Alembic histories, and its rows."""

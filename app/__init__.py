"""stockdata: Japanese stock-market data from J-Quants, kept in a relational database."""

from pathlib import Path

__version__ = "0.1.0"

PROJECT_ROOT = Path(__file__).resolve().parent.parent
"""The checkout that holds ``app/``, ``alembic.ini`` and ``alembic/``."""

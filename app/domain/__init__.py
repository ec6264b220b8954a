"""Domain entities and rules; this package imports nothing from SQLAlchemy or the outer layers."""

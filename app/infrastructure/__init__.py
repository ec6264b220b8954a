"""Adapters to the outside world: the database, its models and migrations."""

"""Benchmarks: what ``stockdata migrate`` costs over plain ``alembic``, printed as ratios (``python -m benchmarks``)."""

"""The ``stockdata`` command line (placeholder until the migrate group lands)."""

import click


@click.group()
def cli() -> None:
    """stockdata: Japanese stock-market data in a relational database."""

"""Errors shared by every layer of the application."""

from __future__ import annotations


class StockdataError(Exception):
    """Base of every expected failure; the CLI prints its message and exits with ``exit_code``."""

    exit_code: int = 1


class ConfigurationError(StockdataError):
    """A setting is missing or malformed (the message names the variable; passwords are masked)."""

    exit_code = 3

"""``from app.infrastructure.database.migration import safe``: every operation a revision calls is the function,
whichever of the package's modules were imported first (the operations are loaded on first use, and ``backfill``
shares its name with its module)."""

from __future__ import annotations

import subprocess
import sys

import pytest

MODULES = ("backfill", "columns", "constraints", "indexes", "keys", "progress")
CHECK = """
import importlib, inspect, sys
for module in sys.argv[1:]:
    importlib.import_module(f"app.infrastructure.database.migration.safe.{module}")
from app.infrastructure.database.migration import safe
print(" ".join(name for name in safe.__all__ if not inspect.isfunction(getattr(safe, name))))
"""


@pytest.mark.parametrize("first", [(), *((module,) for module in MODULES), MODULES])
def test_every_operation_is_a_function_whatever_was_imported_first(first: tuple[str, ...]) -> None:
    completed = subprocess.run([sys.executable, "-c", CHECK, *first], capture_output=True, text=True, check=True)

    assert completed.stdout.split() == []

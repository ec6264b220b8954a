"""The console scripts installed beside the running interpreter."""

from __future__ import annotations

import sys
from pathlib import Path

ALEMBIC = Path(sys.executable).with_name("alembic")
STOCKDATA = Path(sys.executable).with_name("stockdata")

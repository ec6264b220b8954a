"""The ``stockdata`` command line (:mod:`.main`).

Importing it first makes the garbage collector run less often, before the command line imports anything heavy, as
mypy does: a command imports SQLAlchemy, Alembic and the revisions, a few hundred thousand objects that all live
until it exits, and with CPython's default threshold (a collection every 700 new objects) the collector traverses
them again and again while there is nothing to collect. This is about 3 % of an upgrade's instructions; the peak
memory does not change.
"""

import gc
import platform

if platform.python_implementation() == "CPython":
    gc.set_threshold(200_000, 30, 30)

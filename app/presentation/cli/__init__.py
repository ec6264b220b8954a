"""The ``stockdata`` command line (:mod:`.main`), and how its process runs the interpreter.

Importing it first makes the garbage collector run less often, before the command line imports anything heavy, as
mypy does: a command imports SQLAlchemy, Alembic and the revisions, a few hundred thousand objects that all live
until it exits, and with CPython's default threshold (a collection every 700 new objects) the collector traverses
them again and again while there is nothing to collect. This is about 3 % of an upgrade's instructions.
"""

import gc
import platform
import types
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

if platform.python_implementation() == "CPython":
    gc.set_threshold(200_000, 30, 30)


def _call(function: Callable[[], T]) -> T:
    return function()


# CPython keeps the Python frames of a thread in chunks of 16 KiB and frees a chunk as soon as the stack returns
# out of it (python/cpython#142183; 3.13 and 3.14 keep one spare since March 2026): a command whose calls keep
# crossing a chunk's end maps and unmaps memory each time, about 2,500 times in `stockdata migrate upgrade` on 3.11
# (20 ms of system time). This frame declares a value stack of 4,200 slots that it never uses (the interpreter uses
# only what the bytecode needs), so CPython gives it a 64 KiB chunk of its own, and the command runs in the 30 KiB
# left over it.
_call_with_room = types.FunctionType(_call.__code__.replace(co_stacksize=4200), _call.__globals__)


def with_room(function: Callable[[], T]) -> T:
    """``function()``, called on a frame stack with room, so that the command does not keep allocating stack."""
    result: T = _call_with_room(function)
    return result

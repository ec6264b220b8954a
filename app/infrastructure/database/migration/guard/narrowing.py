"""Type changes that hold less than the column holds now: shorter strings, smaller integers, fewer digits.

Each narrowing comes with the rows it hits, as a condition on the column: values longer than the new length,
outside the new integer range, with more digits before the point than fit, or (exact numerics) that would be
rounded to fewer decimals.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import Float, Integer, Numeric, String, func, or_
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import TableClause
from sqlalchemy.types import BigInteger, SmallInteger, TypeEngine

Condition = Callable[[TableClause], ColumnElement[bool]]
"""The rows hit, on a table clause holding the column."""


def narrowings(
    old: TypeEngine[object] | None, new: TypeEngine[object], column: str
) -> Iterator[tuple[str, str, bool, Condition]]:
    """``(change, unit, destroys, rows hit)`` for each way ``new`` holds less than ``old``: length, range, digits.

    A change between kinds (text to number, say) is not a narrowing: the database casts, or refuses, by itself.
    """
    change = f"{_type_name(old)} → {_type_name(new)}"
    if isinstance(new, String) and isinstance(old, String):
        limit = new.length
        if limit is not None and (old.length is None or old.length > limit):
            yield change, "too-long value", False, lambda t: func.length(t.c[column]) > limit
        return
    if not isinstance(old, Integer | Numeric) or not isinstance(new, Integer | Numeric):
        return
    new_digits, new_scale = _digits(new)
    old_digits, old_scale = _digits(old)
    if new_digits is not None and (old_digits is None or old_digits > new_digits):
        if isinstance(new, Integer):
            low, high = -(2 ** (_bits(new) - 1)), 2 ** (_bits(new) - 1) - 1
            yield change, "out-of-range value", False, lambda t: or_(t.c[column] < low, t.c[column] > high)
        else:
            bound = 10**new_digits
            yield change, "too-large value", False, lambda t: func.abs(t.c[column]) >= bound
    if new_scale is not None and _is_exact(old) and (old_scale is None or old_scale > new_scale):
        scale = new_scale
        yield change, "rounded value", True, lambda t: t.c[column] != func.round(t.c[column], scale)


def _bits(kind: TypeEngine[Any]) -> int:
    if isinstance(kind, SmallInteger):
        return 16
    return 64 if isinstance(kind, BigInteger) else 32


def _digits(kind: TypeEngine[object] | None) -> tuple[int | None, int | None]:
    """Digits before the decimal point and after it that ``kind`` holds; ``None`` where unbounded or unknown."""
    if isinstance(kind, Integer):
        return {16: 4, 32: 9, 64: 18}[_bits(kind)], 0
    if isinstance(kind, Numeric) and not isinstance(kind, Float) and kind.precision is not None:
        scale = kind.scale or 0
        return kind.precision - scale, scale
    return None, None


def _is_exact(kind: TypeEngine[object] | None) -> bool:
    """Numeric but not floating point: a cast to fewer decimals rounds."""
    return isinstance(kind, Numeric) and not isinstance(kind, Float)


def _type_name(kind: TypeEngine[object] | None) -> str:
    if kind is None:
        return "?"
    try:
        return str(kind.compile())
    except Exception:  # a dialect-only type the default dialect cannot compile
        return type(kind).__name__

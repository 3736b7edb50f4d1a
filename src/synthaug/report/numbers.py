"""Numbers as a reader sees them: never ``None`` or ``NaN``, never an interval from too few seeds.

>>> number(None), number(float("nan")), number(0.12345, ".2f")
('-', '-', '0.12')
>>> interval(-2.8, 12.9, n_seeds=5)
'95% CI [-2.8, +12.9]'
>>> interval(1.3, 1.3, n_seeds=2)
'too few seeds to tell (2 of the 5 an interval needs)'
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["MIN_SEEDS_FOR_INTERVAL", "MISSING", "finite", "interval", "number", "percent", "signed"]

#: An interval over seeds is printed only from this many seeds; with fewer, the page says
#: "too few seeds to tell" (a t interval over 2 seeds is either huge or, by luck, zero-width).
MIN_SEEDS_FOR_INTERVAL = 5
#: What a missing or undefined value prints as.
MISSING = "-"


def finite(value: Any) -> bool:
    """Whether ``value`` is a real, finite number (not None, NaN, infinite, text or a bool)."""
    if isinstance(value, bool) or value is None:
        return False
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def number(value: Any, spec: str = ".3g", missing: str = MISSING) -> str:
    """``format(value, spec)``, or ``missing`` for None, NaN, infinity or a non-number."""
    return format(float(value), spec) if finite(value) else missing


def signed(value: Any, digits: int = 1, missing: str = MISSING) -> str:
    """A difference with its sign, e.g. ``+1.3`` / ``-0.4`` (``missing`` when undefined).

    A non-zero value that would round to zero gets up to two more digits, so that its sign is
    visible and matches the reading (``+0.008`` -> ``+0.01``, never ``-0.0``); zero is ``0.0``.

    >>> signed(1.26), signed(0.0077), signed(-0.04), signed(0.0)
    ('+1.3', '+0.01', '-0.04', '0.0')
    """
    if not finite(value):
        return missing
    v = float(value)
    if v == 0:
        return format(0.0, f".{digits}f")
    for d in range(digits, digits + 3):
        if round(abs(v), d) > 0:
            return format(v, f"+.{d}f")
    return format(v, f"+.{digits + 2}f")


def percent(value: Any, digits: int = 1, missing: str = MISSING) -> str:
    """A share in [0, 1] as a percentage, e.g. ``0.125`` -> ``12.5%``."""
    return f"{100 * float(value):.{digits}f}%" if finite(value) else missing


def interval(
    low: Any, high: Any, n_seeds: int, digits: int = 1, level: int = 95, signs: bool = True
) -> str:
    """``95% CI [low, high]`` (with signs, for differences, unless ``signs=False``), or why
    there is none.

    With fewer than :data:`MIN_SEEDS_FOR_INTERVAL` seeds: "too few seeds to tell". An interval
    that is undefined, inverted or of zero width (every seed gave the same value) is never
    printed as one: the last reads "no spread over N seeds".
    """
    if n_seeds < MIN_SEEDS_FOR_INTERVAL:
        return (
            f"too few seeds to tell ({n_seeds} of the {MIN_SEEDS_FOR_INTERVAL} an interval needs)"
        )
    if not (finite(low) and finite(high)) or float(low) > float(high):
        return f"no interval ({MISSING})"
    if signs:
        lo, hi = signed(low, digits), signed(high, digits)
    else:
        lo, hi = format(float(low), f".{digits}f"), format(float(high), f".{digits}f")
    if lo == hi:
        return f"no spread over {n_seeds} seeds"
    return f"{level}% CI [{lo}, {hi}]"

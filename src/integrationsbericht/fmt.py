"""German number and date formatting for everything a person reads (babel, locale de_DE)."""

from __future__ import annotations

import datetime as _dt
import math
from decimal import ROUND_HALF_UP, Decimal

from babel.dates import format_date
from babel.numbers import format_decimal

LOCALE = "de_DE"
MINUS = "\u2212"  # typographic minus sign for signed changes


def _is_missing(x) -> bool:
    if x is None:
        return True
    try:
        return bool(math.isnan(float(x)))
    except (TypeError, ValueError):
        return False


def round_half_up(x, decimals: int = 0) -> Decimal:
    """Commercial rounding as in official statistics (13,05 → 13,1), free of binary artefacts."""
    quantum = Decimal(1).scaleb(-decimals)
    value = Decimal(repr(float(x))).quantize(quantum, rounding=ROUND_HALF_UP)
    return value if value != 0 else abs(value)  # no "-0,0"


def number(x, decimals: int = 0, missing: str = ".") -> str:
    """``333090`` → ``"333.090"``; ``13.07, 1`` → ``"13,1"``. Missing values give the symbol ``.``."""
    if _is_missing(x):
        return missing
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    text = format_decimal(round_half_up(x, decimals), format=pattern, locale=LOCALE)
    return text.replace("-", MINUS, 1) if text.startswith("-") else text


def percent(x, decimals: int = 1, missing: str = ".") -> str:
    """A value already in percent: ``16.42`` → ``"16,4 %"``."""
    if _is_missing(x):
        return missing
    return f"{number(x, decimals)} %"


def signed(x, decimals: int = 1, missing: str = ".") -> str:
    """A change with explicit sign: ``+1,2`` / ``−0,4`` / ``±0,0``."""
    if _is_missing(x):
        return missing
    value = round_half_up(x, decimals)
    body = number(abs(value), decimals)
    if value > 0:
        return f"+{body}"
    if value < 0:
        return f"{MINUS}{body}"
    return f"±{body}"


def pp(x, decimals: int = 1, missing: str = ".", long: bool = False) -> str:
    """Percentage points: ``2.34`` → ``"+2,3 Prozentpunkte"`` (long) or ``"+2,3 Pp."``."""
    if _is_missing(x):
        return missing
    unit = "Prozentpunkte" if long else "Pp."
    return f"{signed(x, decimals)} {unit}"


def date(d: _dt.date | _dt.datetime | str) -> str:
    """``2015-12-31`` → ``"31.12.2015"``. Strings already in German form pass through."""
    if isinstance(d, str):
        try:
            d = _dt.date.fromisoformat(d)
        except ValueError:
            return d
    return format_date(d, format="dd.MM.yyyy", locale=LOCALE)


def date_long(d: _dt.date | _dt.datetime) -> str:
    """``2015-12-31`` → ``"31. Dezember 2015"``."""
    return format_date(d, format="d. MMMM yyyy", locale=LOCALE)


def value(x, unit: str | None, decimals: int = 0, missing: str = ".") -> str:
    """Format a value by its catalogue unit (``%``, ``Anzahl``, ``je 1.000`` …)."""
    if unit in ("%", "Prozent"):
        return percent(x, decimals, missing=missing)
    return number(x, decimals, missing=missing)


def file_size(path) -> str:
    """A download's size as the site shows it: "575 KB", "1,7 MB"."""
    from pathlib import Path

    n = Path(path).stat().st_size
    if n >= 1024 * 1024:
        return f"{number(n / 1024 / 1024, 1)} MB"
    return f"{number(max(1, round(n / 1024)))} KB"

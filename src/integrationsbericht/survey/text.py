"""German wording of survey results: shares with margins of error, n, small-cell symbols."""

from __future__ import annotations

import math

import pandas as pd

from .. import fmt

DECIMALS = 0


def _nan(x) -> bool:
    return x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x))


def share(row, decimals: int = DECIMALS) -> str:
    """``"34 %"``, ``"(12 %)"`` (n 10–29) or ``"/"`` (n < 10)."""
    if row["flag"] == "/" or _nan(row["share"]):
        return "/"
    txt = fmt.percent(row["share"], decimals)
    return f"({txt})" if row["flag"] == "()" else txt


def number(value, flag: str, decimals: int = DECIMALS) -> str:
    if flag == "/" or _nan(value):
        return "/"
    txt = fmt.number(value, decimals)
    return f"({txt})" if flag == "()" else txt


def ci(row, decimals: int = DECIMALS) -> str:
    """``"32–36 %"`` or ``"/"``."""
    if row["flag"] == "/" or _nan(row["ci_low"]):
        return "/"
    return f"{fmt.number(row['ci_low'], decimals)}–{fmt.number(row['ci_high'], decimals)} %"


def with_ci(row, decimals: int = DECIMALS) -> str:
    """``"34 % (95-%-Konfidenzintervall: 32–36 %; n = 2.440)"``."""
    if row["flag"] == "/":
        return f"/ (zu wenige Antworten: n = {fmt.number(row['n'])})"
    return f"{share(row, decimals)} (95-%-Konfidenzintervall: {ci(row, decimals)}; n = {fmt.number(row['n'])})"


def p_value(p: float) -> str:
    if _nan(p):
        return "–"
    if p < 0.001:
        return "p < 0,001"
    return f"p = {fmt.number(p, 3)}"


def test_p(rows: pd.DataFrame) -> float:
    """The p-value printed for a comparison: Rao–Scott, corrected for multiple testing."""
    col = "p_adjusted" if "p_adjusted" in rows else "p_value"
    vals = rows[col].dropna()
    return float(vals.iloc[0]) if len(vals) else float("nan")


def is_significant(rows: pd.DataFrame) -> bool:
    if "significant" in rows:
        return bool(rows["significant"].fillna(False).astype(bool).any())
    p = test_p(rows)
    return not _nan(p) and p < 0.05


def difference_note(rows: pd.DataFrame, what: str) -> str:
    """One sentence on whether the groups in ``rows`` (one comparison, one category) differ."""
    rows = rows[rows["flag"] != "/"]
    if len(rows) < 2:
        return f"Für {what} sind zu wenige Gruppen ausreichend besetzt, um sie zu vergleichen."
    p = test_p(rows)
    hi = rows.loc[rows["share"].idxmax()]
    lo = rows.loc[rows["share"].idxmin()]
    span = (f"von {share(lo)} ({lo['group_value']}) bis {share(hi)} ({hi['group_value']})")
    if _nan(p):
        return f"Bei {what} reichen die Anteile {span} (ohne Signifikanztest)."
    if is_significant(rows):
        return (f"Bei {what} unterscheiden sich die Gruppen statistisch signifikant ({p_value(p)}, "
                f"korrigiert für die Zahl der Vergleiche): die Anteile reichen {span}.")
    return (f"Bei {what} sind die Unterschiede zwischen den Gruppen nicht statistisch signifikant "
            f"({p_value(p)}, korrigiert für die Zahl der Vergleiche; Anteile {span}).")

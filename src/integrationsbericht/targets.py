"""Targets and early warning: status of each indicator against its target (``config/ziele.yml``).

Status rules (also in ``docs/indikatoren.md`` and in the report):

* **erreicht** – the latest value up to the report year meets the target;
* **auf Kurs** – not yet met, but the linear trend (least squares) of the values of the last
  five years (latest year and the four before it; at least two values) reaches the target by
  the target year;
* **nicht auf Kurs** – neither; also when the target year has passed without the target met;
* **kein Zielwert** – no target is set for the indicator.

Two further states say plainly when the data cannot decide: **keine Daten** (a target, but no
value) and **Trend nicht bestimmbar** (a target not met, and only one value in the last five
years).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from . import fmt
from . import german as de
from .errors import ConfigError

ERREICHT = "erreicht"
AUF_KURS = "auf Kurs"
NICHT_AUF_KURS = "nicht auf Kurs"
KEIN_ZIELWERT = "kein Zielwert"
KEINE_DATEN = "keine Daten"
TREND_OFFEN = "Trend nicht bestimmbar"
STATUSES = (ERREICHT, AUF_KURS, NICHT_AUF_KURS, KEIN_ZIELWERT, KEINE_DATEN, TREND_OFFEN)
# Text symbols so that the status never depends on colour
SYMBOL = {
    ERREICHT: "✓",
    AUF_KURS: "↗",
    NICHT_AUF_KURS: "✗",
    KEIN_ZIELWERT: "–",
    KEINE_DATEN: "?",
    TREND_OFFEN: "?",
}
TREND_YEARS = 5

RULE_TEXT = (
    "„Erreicht“: Der neueste Wert bis zum Berichtsjahr erfüllt das Ziel. „Auf Kurs“: Das Ziel ist "
    "noch nicht erreicht, aber der lineare Trend der Werte der letzten fünf Jahre (neuestes Jahr "
    "und die vier Jahre davor, mindestens zwei Werte) erreicht den Zielwert bis zum Zieljahr. "
    "„Nicht auf Kurs“: Der Trend erreicht den Zielwert nicht rechtzeitig, oder das Zieljahr ist "
    "verstrichen. „Kein Zielwert“: Für den Indikator ist kein Ziel festgelegt. „Keine Daten“ bzw. "
    "„Trend nicht bestimmbar“: Es liegt kein Wert bzw. nur ein Wert aus den letzten fünf Jahren vor."
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Target(_Strict):
    indicator: str
    group: str = "insgesamt"
    operator: str = Field(pattern=r"^(<=|>=)$")
    value: float
    year: int = Field(ge=1990, le=2100)
    absolute: bool = False
    text: str | None = None
    basis: str | None = None

    def met(self, x: float) -> bool:
        v = abs(x) if self.absolute else x
        return v <= self.value + 1e-9 if self.operator == "<=" else v >= self.value - 1e-9

    def describe(self, unit: str = "%", decimals: int = 1) -> str:
        if self.text:
            return self.text
        op = "höchstens" if self.operator == "<=" else "mindestens"
        val = fmt.number(self.value, decimals) + (" Pp." if self.group.startswith("abstand_") else f" {unit}")
        return f"{op} {val} bis {self.year}"


class TargetFile(_Strict):
    example: bool = True
    status_text: str = "Beispielziele – vom Rat zu beschließen"
    targets: list[Target] = []


def load_targets(path: str | Path) -> TargetFile:
    """Read ``ziele.yml``; a missing file means no targets. :class:`ConfigError` on errors."""
    from .config import load_model

    path = Path(path)
    if not path.exists():
        return TargetFile(example=False, status_text="", targets=[])
    return load_model(path, TargetFile, "Die Zieldatei")


def targets_for(edition) -> TargetFile:
    """The targets an edition shows. Example targets (``example: true``, not set by the
    council) belong to the demo only: a real edition shows no targets until the council has
    set them and the file says so (``example: false``)."""
    tf = load_targets(edition.path(edition.config.targets))
    if tf.example and not getattr(edition, "demo", False):
        return TargetFile(example=False, status_text="", targets=[])
    return tf


@dataclass
class Status:
    status: str
    current: float | None = None
    current_year: int | None = None
    projected: float | None = None
    slope: float | None = None
    trend_years: list[int] = field(default_factory=list)

    @property
    def symbol(self) -> str:
        return SYMBOL[self.status]


def evaluate(values: pd.Series | dict, target: Target | None, report_year: int) -> Status:
    """Status of one series (``{year: value}``) against ``target`` up to ``report_year``."""
    s = pd.Series(values, dtype="float64") if isinstance(values, dict) else values.astype("float64")
    s.index = [int(y) for y in s.index]
    s = s[(s.index <= report_year) & s.notna()].sort_index()
    if target is None:
        if s.empty:
            return Status(KEIN_ZIELWERT)
        return Status(KEIN_ZIELWERT, float(s.iloc[-1]), int(s.index[-1]))
    if s.empty:
        return Status(KEINE_DATEN)
    cur_year, cur = int(s.index[-1]), float(s.iloc[-1])
    if target.met(cur):
        return Status(ERREICHT, cur, cur_year)
    window = s[s.index > cur_year - TREND_YEARS]
    if cur_year >= target.year or report_year >= target.year:
        return Status(NICHT_AUF_KURS, cur, cur_year, trend_years=list(window.index))
    if len(window) < 2:
        return Status(TREND_OFFEN, cur, cur_year, trend_years=list(window.index))
    slope, intercept = np.polyfit(np.array(window.index, dtype=float), window.to_numpy(), 1)
    projected = float(slope * target.year + intercept)
    status = AUF_KURS if target.met(projected) else NICHT_AUF_KURS
    return Status(status, cur, cur_year, projected, float(slope), list(window.index))


def overview(df: pd.DataFrame, catalogue, targets: TargetFile, ags: str, year: int) -> pd.DataFrame:
    """One row per target, then one per primary indicator without a target ("kein Zielwert").

    Columns: ``indicator, group, Indikator, Ziel, Zieljahr, Stand, Aktueller Wert, Trend bis
    Zieljahr, Status, Symbol``; the numbers are German-formatted text.
    """
    rows = []
    with_target = set()
    for t in targets.targets:
        if t.indicator not in catalogue:
            raise ConfigError(f"Die Zieldatei nennt den unbekannten Indikator „{t.indicator}“.")
        ind = catalogue.get(t.indicator)
        sub = df[(df["indicator"] == t.indicator) & (df["ags"] == ags) & (df["group"] == t.group)]
        series = sub.set_index("year")["value"] if not sub.empty else pd.Series(dtype="float64")
        st = evaluate(series, t, year)
        unit = "Pp." if t.group.startswith("abstand_") else ind.unit
        rows.append(_row(ind, catalogue, t.group, t, st, unit))
        with_target.add((t.indicator, t.group))
    for ind in catalogue.indicators:
        if not ind.primary or any(i == ind.id for i, _g in with_target):
            continue
        g = "insgesamt" if "insgesamt" in ind.groups else next(iter(ind.groups))
        sub = df[(df["indicator"] == ind.id) & (df["ags"] == ags) & (df["group"] == g)]
        st = evaluate(sub.set_index("year")["value"] if not sub.empty else pd.Series(dtype="float64"), None, year)
        rows.append(_row(ind, catalogue, g, None, st, ind.unit))
    return pd.DataFrame(rows)


def _row(ind, catalogue, group, target, st: Status, unit: str) -> dict:
    dec = ind.decimals
    fmtv = (lambda x: fmt.pp(x, dec)) if unit == "Pp." else (lambda x: fmt.value(x, unit, dec))
    name = ind.title
    if group != "insgesamt":
        name += f" ({catalogue.group_label(ind, group)})"
    return {
        "indicator": ind.id,
        "group": group,
        "Indikator": name,
        "Ziel": target.describe(unit, dec) if target else "–",
        "Zieljahr": str(target.year) if target else "–",
        "Stand": str(st.current_year) if st.current_year else "–",
        "Aktueller Wert": fmtv(st.current) if st.current is not None else "keine Daten",
        "Trend bis Zieljahr": fmtv(st.projected) if st.projected is not None else "–",
        "Status": st.status,
        "Symbol": st.symbol,
    }


def findings(df: pd.DataFrame, catalogue, ags: str, year: int, min_pp: float = 1.0) -> list[str]:
    """Notable developments as prompts for discussion: gaps that widened or narrowed by at least
    ``min_pp`` percentage points over five years, and reversed trends (the latest change runs
    against the five-year change)."""
    out = []
    sub = df[(df["ags"] == ags) & (df["year"] <= year) & df["value"].notna()]
    for ind in catalogue.indicators:
        if not ind.primary:
            continue
        for group in sorted(set(sub.loc[sub["indicator"] == ind.id, "group"])):
            r = sub[(sub["indicator"] == ind.id) & (sub["group"] == group)].sort_values("year")
            if r.empty:
                continue
            last = r.iloc[-1]
            y = int(last["year"])
            c5, c1 = last["change_5y"], last["change_1y"]
            label = ind.title + ("" if group == "insgesamt" else f" ({catalogue.group_label(ind, group)})")
            if group.startswith("abstand_") and not pd.isna(c5):
                before = last["value"] - c5
                delta = abs(last["value"]) - abs(before)
                if abs(delta) >= min_pp:
                    word = "größer" if delta > 0 else "kleiner"
                    out.append(
                        f"{label}: Der Abstand ist von {y - 5} bis {y} um {de.points(delta, 1, 'akk')} "
                        f"{word} geworden, von {de.points(before, 1, 'dat')} auf "
                        f"{de.points(last['value'], 1, 'akk')}."
                    )
            elif not group.startswith("abstand_") and not pd.isna(c5) and not pd.isna(c1):
                if c1 * c5 < 0 and abs(c1) > 0 and abs(c5) > 0:
                    # plain German: "Seit 2020 ist der Wert um 1.307 gestiegen, im letzten Jahr
                    # aber um 351 gesunken."
                    out.append(
                        f"{label}: Trendumkehr. Seit {y - 5} ist der Wert {de.change(c5, ind.unit, ind.decimals)}, "
                        f"im letzten Jahr aber {de.change(c1, ind.unit, ind.decimals)}."
                    )
    return out


def status_legend() -> str:
    return " · ".join(f"{SYMBOL[s]} {s}" for s in (ERREICHT, AUF_KURS, NICHT_AUF_KURS, KEIN_ZIELWERT))

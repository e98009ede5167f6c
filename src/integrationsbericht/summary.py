"""Key figures for the start page ("Das Wichtigste in Kürze"), from the indicator table.

Which figures appear is configured in ``config/kennzahlen.yml``; nothing here is written by
hand: every number comes from the indicator table of the edition.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from pydantic import BaseModel, ConfigDict

from . import fmt, german
from .errors import ConfigError


class KeyFigureSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    indicator: str
    group: str = "insgesamt"


class KeyFigureConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key_figures: list[KeyFigureSpec]
    survey_items: list[str] = []


def load_config(path: Path) -> KeyFigureConfig:
    """The whole ``config/kennzahlen.yml`` (key figures and the survey items of the start page)."""
    from .config import load_model

    return load_model(path, KeyFigureConfig, "Die Liste der Kennzahlen")


def load_spec(path: Path) -> list[KeyFigureSpec]:
    return load_config(path).key_figures


@dataclass
class KeyFigure:
    indicator: str
    group: str
    label: str  # "Ausländeranteil (insgesamt)"
    unit: str
    decimals: int
    field: str
    period: str | None
    value: float | None
    change_5y: float | None
    land: float | None
    bund: float | None
    land_period: str | None = None
    bund_period: str | None = None

    def formatted(self, x) -> str:
        return fmt.value(x, self.unit, self.decimals)

    def compared(self, x, period: str | None) -> str:
        """A comparison value; with its year in brackets where the comparison region's latest
        value is older than the city's (e.g. a download with Kreise only for the newest year)."""
        text = self.formatted(x)
        if x is not None and period and self.period and period[-4:] != self.period[-4:]:
            text += f" ({period[-4:]})"
        return text

    def change_text(self) -> str:
        if self.change_5y is None or pd.isna(self.change_5y):
            return "."
        if self.unit == "%":
            return fmt.pp(self.change_5y, self.decimals)
        return fmt.signed(self.change_5y, self.decimals)


def _value(row) -> float | None:
    if row is None:
        return None
    v = row["value"]
    return None if pd.isna(v) else float(v)


def key_figures(table: pd.DataFrame, catalogue, edition, spec: list[KeyFigureSpec]) -> list[KeyFigure]:
    """One :class:`KeyFigure` per configured entry; value ``None`` where the data lack it.

    An indicator that is not current for the report year (see ``indicators.currency``) is left
    out, as in the chapters: the annex "Datengrundlage" names it."""
    from .indicators import current_ids

    land = edition.role("land")["ags"].tolist()
    bund = edition.role("bund")["ags"].tolist()
    current = current_ids(table, catalogue, edition.ags, edition.year)
    out = []
    for s in spec:
        if s.indicator not in catalogue:
            raise ConfigError(
                f"Kennzahl '{s.indicator}' steht nicht im Indikatorenkatalog.",
                file=edition.path("config/kennzahlen.yml"),
            )
        if s.indicator not in current and not table[table["indicator"] == s.indicator].empty:
            continue
        ind = catalogue.get(s.indicator)
        own = _latest(table, s.indicator, edition.ags, s.group, edition.year)
        period = own["period"] if own is not None else None
        year = int(own["year"]) if own is not None else None
        # the short title keeps the one-page table readable; the full label goes to the data
        label = ind.title
        glabel = catalogue.group_label(ind, s.group)
        if s.group != "insgesamt":
            label = f"{label} ({glabel})"
        out.append(
            KeyFigure(
                indicator=s.indicator,
                group=s.group,
                label=label,
                unit=ind.unit,
                decimals=ind.decimals,
                field=ind.field,
                period=period,
                value=_value(own),
                change_5y=None if own is None or pd.isna(own["change_5y"]) else float(own["change_5y"]),
                land=_value(lrow := _at(table, s.indicator, land, s.group, year)),
                bund=_value(brow := _at(table, s.indicator, bund, s.group, year)),
                land_period=None if lrow is None else str(lrow["period"]),
                bund_period=None if brow is None else str(brow["period"]),
            )
        )
    return out


def _latest(table, indicator, ags, group, year):
    m = (
        (table["indicator"] == indicator)
        & (table["ags"] == ags)
        & (table["group"] == group)
        & (table["year"] <= year)
        & table["value"].notna()
    )
    rows = table[m].sort_values("year")
    return None if rows.empty else rows.iloc[-1]


# How many years a comparison value (Land, Bund) may be older than the city's own value; it is
# then shown with its year. Older comparisons are left out (".": not in the data).
COMPARISON_MAX_LAG = 2


def _at(table, indicator, ags_list, group, year):
    """The comparison region's value for ``year`` or, where the data lack it (downloads with
    Kreise only for the newest period), its latest value up to :data:`COMPARISON_MAX_LAG`
    years earlier that lies on the same side of a series break."""
    if not ags_list or year is None:
        return None
    m = (
        (table["indicator"] == indicator)
        & (table["ags"] == ags_list[0])
        & (table["group"] == group)
        & (table["year"] <= year)
        & (table["year"] >= year - COMPARISON_MAX_LAG)
        & table["value"].notna()
    )
    rows = table[m].sort_values(["year", "period"], kind="stable")
    if rows.empty:
        return None
    best = rows.iloc[-1]
    if int(best["year"]) != year and "break" in table.columns:
        # a break between the comparison year and the city's year makes them incomparable
        own_breaks = table[
            (table["indicator"] == indicator) & (table["group"] == group)
            & (table["year"] > int(best["year"])) & (table["year"] <= year)
            & table["break"].fillna(False).astype(bool)
        ]
        if not own_breaks.empty:
            return None
    return best


def key_figure_table(figures: list[KeyFigure], edition) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(display table with German formats, data table with plain numbers) for the start page."""
    land_name = edition.role("land")["name"].iloc[0] if not edition.role("land").empty else "Land"
    bund_name = edition.role("bund")["name"].iloc[0] if not edition.role("bund").empty else "Deutschland"
    shown, data = [], []
    for f in figures:
        shown.append(
            {
                "Kennzahl": f.label,
                # the year keeps the one-page table narrow; the exact reference date
                # (31.12., 30.06. …) is in the data table and the indicator annex
                "Jahr": f.period[-4:] if f.period else ".",
                edition.city: f.formatted(f.value),
                "Veränderung in 5 Jahren": f.change_text(),
                land_name: f.compared(f.land, f.land_period),
                bund_name: f.compared(f.bund, f.bund_period),
            }
        )
        data.append(
            {
                "indicator": f.indicator,
                "group": f.group,
                "label": f.label,
                "period": f.period,
                "unit": f.unit,
                "value": f.value,
                "change_5y": f.change_5y,
                "land": f.land,
                "land_period": f.land_period,
                "bund": f.bund,
                "bund_period": f.bund_period,
            }
        )
    table = pd.DataFrame(shown)
    # A year column only where some figure is older than the report year (otherwise the
    # caption's "neuester Stand bis <Jahr>" says it, and the label column gets the room).
    if not table.empty and (table["Jahr"] == str(edition.year)).all():
        table = table.drop(columns="Jahr")
    # A column of "." tells a reader nothing: without a comparable value five years earlier for
    # most figures (e.g. across the Zensus 2011 break) the change column is left out; the
    # chapters describe the development where it can be compared.
    known = sum(f.change_5y is not None and not pd.isna(f.change_5y) for f in figures)
    if not table.empty and known * 2 < len(figures):
        table = table.drop(columns="Veränderung in 5 Jahren")
    return table, pd.DataFrame(data)


def missing_text(figures: list[KeyFigure], region: str) -> str | None:
    missing = [f.label for f in figures if f.value is None]
    if not missing:
        return None
    return (
        f"{german.capitalize(german.place(region).prep('für'))} liegen in der amtlichen Statistik keine Angaben vor zu: "
        + "; ".join(missing)
        + ". Diese Kennzahlen sind in der Tabelle mit einem Punkt gekennzeichnet."
    )


# --------------------------------------------------------------------------- start page lines


def target_line(counts: dict[str, int]) -> str | None:
    """One sentence on the council's targets by status, with the verbs agreeing with the
    numbers: "Eines von sechs Zielen ist erreicht, zwei sind auf Kurs, drei sind nicht auf
    Kurs." ``None`` without targets (then the start page says nothing about targets)."""
    from . import german as de

    total = sum(v for k, v in counts.items() if k != "kein Zielwert")
    if total == 0:
        return None
    parts = []
    for status in ("erreicht", "auf Kurs", "nicht auf Kurs"):
        k = counts.get(status, 0)
        if not parts:
            parts.append(de.count_of(k, total, "Ziel", predicate=status))
        elif k:
            parts.append(f"{de.standalone(k)} {'ist' if k == 1 else 'sind'} {status}")
    rest = total - sum(counts.get(s, 0) for s in ("erreicht", "auf Kurs", "nicht auf Kurs"))
    if rest:
        parts.append(f"für {de.standalone(rest, case='akk')} ist noch keine Aussage möglich")
    return de.capitalize(de.join(parts)) + "."


def target_table(counts: dict[str, int]) -> pd.DataFrame:
    """Traffic-light overview: status (with a symbol, so it is not told by colour alone) and count."""
    symbols = {"erreicht": "●●● erreicht", "auf Kurs": "●●○ auf Kurs",
               "nicht auf Kurs": "●○○ nicht auf Kurs", "kein Zielwert": "○○○ kein Zielwert"}
    return pd.DataFrame({"Status": [symbols.get(k, k) for k in counts],
                         "Zahl der Ziele": [int(v) for v in counts.values()]})


def survey_sentence(res, items: list[str], city: str) -> str | None:
    """The survey in plain sentences: how many took part, and the configured headline results
    as statements ("93 % der Befragten fühlen sich in Bielefeld sehr oder eher wohl"), each with
    its 95 % confidence interval and n."""
    from .survey.text import ci, share

    n = res.diagnostics.get("n")
    if not n:
        return None

    bits = []
    cb = res.codebook
    for item in items:
        it = cb.by_name.get(item)
        if it is None:
            continue
        summ = cb.summary(it)
        label = summ.label if summ else "ja"
        try:
            row = res.cell(item, label)
        except KeyError:
            continue
        if row["flag"] == "/":
            bits.append(f"zu „{it.text}“ liegen zu wenige Antworten vor")
            continue
        interval = ("95-%-Konfidenzintervall: " if not bits else "") + german.keep_unit(ci(row))
        detail = f"({interval}; n{german.NBSP}={german.NBSP}{fmt.number(row['n'])})"
        if it.statement:
            bits.append(f"{german.keep_unit(share(row))} der Befragten {it.statement} {detail}")
        else:
            bits.append(f"bei „{it.text}“ wählten {german.keep_unit(share(row))} der Befragten die Antwort „{label}“ {detail}")
    text = f"An der Befragung haben {fmt.number(n)} Menschen {german.place(city).at} teilgenommen."
    if not bits:
        return text
    return f"{text} {german.capitalize('; '.join(bits))}."


def data_sources_text(edition) -> str:
    """„Zahlen der amtlichen Statistik, einer repräsentativen Befragung … und Daten der
    Stadtbezirke“ — only what this edition really has; "repräsentativ" only for weighted results."""
    import json

    proc = edition.processed_dir
    sources = ["Zahlen der amtlichen Statistik"]
    diag_file = proc / "survey" / "diagnostics.json"
    if diag_file.exists():
        weighted = json.loads(diag_file.read_text(encoding="utf-8")).get("weighting", {}).get("weighted")
        sources.append(
            "einer repräsentativen Befragung der Bevölkerung"
            if weighted
            else "einer (ungewichteten) Befragung der Bevölkerung"
        )
    if (proc / "districts" / "indicators.parquet").exists():
        sources.append("Daten der Stadtbezirke")
    return sources[0] if len(sources) == 1 else ", ".join(sources[:-1]) + " und " + sources[-1]

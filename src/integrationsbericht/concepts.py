"""One story per concept: when two sources give a value for one concept, the report shows the
newest, most local one as the headline, explains the definitions once and never contradicts
itself across chapters.

Migration background ("Migrationshintergrund") comes from two sources: the Zensus 2011 (a
one-off value for 9 May 2011) and, where the city delivers it, its population register (the
district extract, every year). The register value is newer and more local; it is the headline
in the population chapter, the district chapter and the findings alike. Nationality
("Ausländer*innen") and immigration history ("Einwanderungsgeschichte", asked in the survey)
are different concepts; :data:`DEFINITIONS` explains all three once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import german as de

DEFINITIONS = (
    "**Ausländer*innen** sind Menschen ohne deutsche Staatsangehörigkeit; wer neben der "
    "deutschen eine weitere Staatsangehörigkeit hat, zählt als Deutsche*r. "
    "**Menschen mit Migrationshintergrund** sind Ausländer*innen, Eingebürgerte, "
    "(Spät-)Aussiedler*innen und ihre Kinder; der Begriff schließt also viele Deutsche ein. "
    "**Menschen mit Einwanderungsgeschichte** sind in der Befragung alle, die selbst "
    "zugewandert sind oder von denen mindestens ein Elternteil zugewandert ist. Die drei "
    "Begriffe beschreiben unterschiedlich große Gruppen; ihre Anteile sind deshalb nicht "
    "gleich und nicht gegeneinander aufzurechnen."
)


@dataclass
class Value:
    value: float
    period: str
    source: str  # "register" | "zensus"
    decimals: int = 1


def _register(edition) -> Value | None:
    path = Path(edition.processed_dir) / "districts" / "indicators.parquet"
    if not path.exists():
        return None
    d = pd.read_parquet(path)
    sel = d[(d["indicator"] == "migrationshintergrund_anteil") & (d["group"] == "insgesamt")
            & (d["bezirk"] == "Gesamtstadt") & d["value"].notna()]
    if sel.empty:
        return None
    row = sel.sort_values("year").iloc[-1]
    return Value(float(row["value"]), str(row["period"]), "register", int(row.get("decimals", 1)))


def _zensus(table: pd.DataFrame, ags: str) -> Value | None:
    sel = table[(table["indicator"] == "migrationshintergrund_anteil") & (table["ags"] == ags)
                & (table["group"] == "insgesamt") & table["value"].notna()]
    if sel.empty:
        return None
    row = sel.sort_values("year").iloc[-1]
    return Value(float(row["value"]), str(row["period"]), "zensus", int(row.get("decimals", 1)))


def migration_background(edition, table: pd.DataFrame) -> tuple[Value | None, Value | None]:
    """(headline, older reference): the register value as headline where it exists, the
    Zensus 2011 value as reference; without a register only the Zensus value."""
    reg, zen = _register(edition), _zensus(table, edition.ags)
    return (reg, zen) if reg is not None else (zen, None)


def migration_background_text(edition, table: pd.DataFrame) -> str | None:
    """The population chapter's paragraph: the newest value first, the Zensus 2011 value as
    an older value of another source, and why the two differ."""
    head, ref = migration_background(edition, table)
    if head is None or head.source != "register":
        return None
    when = f"am {head.period}" if "." in head.period else f"im Jahr {head.period}"
    text = (f"Nach dem Melderegister der Stadt hatten {when} {de.percent(head.value, head.decimals)} "
            f"der Einwohner*innen {edition.place.form('gen')} einen Migrationshintergrund. Das Kapitel "
            "„Stadtbezirke“ zeigt, wie sich dieser Anteil über die Stadt verteilt.")
    if ref is not None:
        text += (f" Der Zensus 2011 hatte für den 9. Mai 2011 einen Anteil von "
                 f"{de.percent(ref.value, ref.decimals)} ermittelt. Er wird nicht fortgeschrieben und "
                 "grenzt den Migrationshintergrund aus einer Befragung der Haushalte ab, das "
                 "Melderegister aus den gespeicherten Angaben zu Staatsangehörigkeit, Einbürgerung "
                 "und Geburtsort; beide Werte sind deshalb nicht direkt vergleichbar, und die "
                 "Entwicklung seit 2011 lässt sich aus ihnen nicht ablesen.")
    return text


__all__ = ["DEFINITIONS", "Value", "migration_background", "migration_background_text"]

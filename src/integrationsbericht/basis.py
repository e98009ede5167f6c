"""Reader-facing wording for the annex "Datengrundlage": one plain German line for each
indicator that is not current and each chapter that has no inputs in this edition — what is
missing, since when, and where it would come from. The report never prints absence anywhere
else; these lines are where a reader learns about it.

The facts (latest period per indicator, whether it is current, which inputs a chapter lacks)
come from the pipeline and the indicator status; this module only words them.
"""

from __future__ import annotations

from . import german as de

# Where each kind of input comes from, as the end of "Grundlage wäre …" / "… fehlt".
# (phrase, plural?) – the verb agrees with it: "Grundlage wäre eine Befragung", "… wären die Tabellen".
SOURCES = {
    "genesis": ("die Tabellen der amtlichen Statistik aus der Regionaldatenbank Deutschland", True),
    "survey": ("eine repräsentative Befragung der Bevölkerung", False),
    "districts": ("ein Auszug aus dem Melderegister nach Stadtbezirken", False),
    "measures": ("die Tabelle der Verwaltung zum Umsetzungsstand der Maßnahmen", False),
    "previous": ("die Kennzahlen der vorigen Ausgabe", True),
    "findings": ("mindestens ein Befund aus aktuellen Daten nach den Regeln des Monitorings oder "
                 "ein Text der Verwaltung mit Handlungsempfehlungen", False),
}


DATABASES = {
    "regionalstatistik": "der Regionaldatenbank Deutschland",
    "genesis-online": "von GENESIS-Online, der Datenbank des Statistischen Bundesamtes",
}


def indicator_line(title: str, latest: str | int | None, report_year: int,
                   tables: list[str] | None = None, database: str | None = None) -> str:
    """``"Einbürgerungsquote: neuester Wert von 2011; für den Bericht 2015 fehlen neuere Werte.
    Sie kämen aus der Tabelle 12511-01-01-4 der Regionaldatenbank Deutschland."``

    ``database`` is the catalogue's database of the tables (``regionalstatistik`` when None).
    """
    where = ""
    if tables:
        noun = "der Tabelle" if len(tables) == 1 else "den Tabellen"
        db = DATABASES.get(database or "regionalstatistik", DATABASES["regionalstatistik"])
        where = f" Sie kämen aus {noun} {de.join(list(tables))} {db}."
    if latest is None:
        return f"{title}: Für den Bericht {report_year} liegen keine Werte vor.{where}"
    return (f"{title}: neuester Wert von {latest}; für den Bericht {report_year} fehlen neuere Werte."
            + where)


def chapter_line(title: str, missing: list[str]) -> str:
    """``"Zusammenleben und Zugehörigkeit: entfällt in dieser Ausgabe; Grundlage wäre eine
    repräsentative Befragung der Bevölkerung."``"""
    parts = [SOURCES.get(m, (m, False)) for m in missing]
    plural = len(parts) > 1 or any(p for _t, p in parts)
    what = de.join([t for t, _p in parts])
    return f"{title}: entfällt in dieser Ausgabe; Grundlage {'wären' if plural else 'wäre'} {what}."


def stale_chapter_line(title: str, report_year: int) -> str:
    """``"Rechtliche Integration: entfällt in dieser Ausgabe; für keinen Indikator des Kapitels
    liegen Werte vor, die für den Bericht 2025 aktuell genug sind (einzeln unten)."``"""
    return (f"{title}: entfällt in dieser Ausgabe; für keinen Indikator des Kapitels liegen Werte "
            f"vor, die für den Bericht {report_year} aktuell genug sind (einzeln unten).")


def dropped_chapter_lines(edition) -> list[str]:
    """One line per chapter (not appendix) this edition leaves out, from the pipeline's record
    ``dropped_chapters.json`` in the edition's processed folder."""
    import json
    from pathlib import Path

    path = Path(edition.processed_dir) / "dropped_chapters.json"
    if not path.is_file():
        return []
    lines = []
    for d in json.loads(path.read_text(encoding="utf-8")):
        if d.get("part") != "chapters" or not d.get("title"):
            continue
        if d.get("stale"):
            lines.append(stale_chapter_line(d["title"], int(edition.year)))
        else:
            lines.append(chapter_line(d["title"], list(d.get("missing") or [])))
    return lines


__all__ = ["SOURCES", "indicator_line", "chapter_line", "stale_chapter_line", "dropped_chapter_lines"]

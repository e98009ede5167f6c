"""Reader for the district register extract (``register/bezirke.csv``).

The extract holds aggregated resident counts as a city statistics office delivers them:
one row per cell of reference date × district × age group × sex × nationality × migration
background. The schema is fixed in ``docs/DEVELOPMENT.md`` ("Register extract") and
documented for users in ``docs/bezirke.md``.

Every problem a user can cause is an :class:`~integrationsbericht.errors.InputError` with a
German message naming file, line and column and what was expected.
"""

from __future__ import annotations

import datetime as _dt
import re
from pathlib import Path

import pandas as pd

from .. import fmt
from ..errors import InputError

CITY_TOTAL = "Gesamtstadt"

AGE_GROUPS = (
    "unter 6",
    "6 bis unter 18",
    "18 bis unter 30",
    "30 bis unter 45",
    "45 bis unter 65",
    "65 und älter",
)
SEXES = ("männlich", "weiblich")
NATIONALITIES = ("deutsch", "ausländisch")
MIGRATION = ("ja", "nein")

CATEGORIES: dict[str, tuple[str, ...]] = {
    "altersgruppe": AGE_GROUPS,
    "geschlecht": SEXES,
    "staatsangehoerigkeit": NATIONALITIES,
    "migrationshintergrund": MIGRATION,
}
CELL_KEYS = ["stichtag", "bezirk", *CATEGORIES]
COLUMNS = [*CELL_KEYS, "anzahl"]

_DATE_RE = re.compile(r"^(\d{2})\.(\d{2})\.(\d{4})$")
_INT_RE = re.compile(r"^\d+$")


def _list(values) -> str:
    return ", ".join(f"'{v}'" for v in values)


def _read_raw(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise InputError("Registerauszug nicht gefunden.", file=path)
    from .encoding import decode_text

    text, _enc = decode_text(path.read_bytes(), path, fallback=None)
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise InputError("Die Datei ist leer; erwartet wird eine Kopfzeile.", file=path, line=1)
    header = [h.strip() for h in lines[0].split(";")]
    if len(header) == 1 and "," in lines[0]:
        raise InputError(
            "Die Kopfzeile enthält kein Semikolon; erwartet wird ein Semikolon als Trennzeichen.",
            file=path,
            line=1,
        )
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise InputError(
            f"Spalte '{missing[0]}' fehlt in der Kopfzeile. Erwartet werden die Spalten "
            f"{_list(COLUMNS)}.",
            file=path,
            line=1,
            column=missing[0],
        )
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise InputError(
            f"Spalte '{dupes[0]}' kommt in der Kopfzeile mehrfach vor.", file=path, line=1,
            column=dupes[0],
        )
    from .csvfile import records

    rows = []
    for number, cells in records(lines[1:], delimiter=";", path=path, first_line=2, multiline=False):
        if not any(c.strip() for c in cells):
            continue
        cells = [c.strip() for c in cells]
        if len(cells) != len(header):
            raise InputError(
                f"Die Zeile hat {len(cells)} Felder, die Kopfzeile {len(header)}.",
                file=path,
                line=number,
            )
        rows.append([*cells, number])
    if not rows:
        raise InputError("Die Datei enthält keine Datenzeilen.", file=path, line=2)
    df = pd.DataFrame(rows, columns=[*header, "line"])
    return df[[*COLUMNS, "line"]]


def read_register(path: str | Path, districts: list[str]) -> pd.DataFrame:
    """Read and validate a register extract.

    ``districts`` is the edition's district list (``config/bezirke.yml``). Returns the
    district rows with columns ``stichtag`` (str, ``31.12.2025``), ``datum`` (date), ``jahr``
    (int), ``bezirk``, ``altersgruppe``, ``geschlecht``, ``staatsangehoerigkeit``,
    ``migrationshintergrund``, ``anzahl`` (int64) and ``line`` (1-based line in the file).
    City-total rows (``bezirk`` = ``Gesamtstadt``), if present, are checked against the sum of
    the districts and then left out (their number is ``df.attrs["city_rows"]``).
    Cells missing from the extract count as 0; a district without any row for a reference
    date is an error.
    """
    path = Path(path)
    df = _read_raw(path)

    # reference date
    for row in df.itertuples(index=False):
        m = _DATE_RE.match(row.stichtag)
        ok = False
        if m:
            try:
                _dt.date(int(m[3]), int(m[2]), int(m[1]))
                ok = True
            except ValueError:
                ok = False
        if not ok:
            raise InputError(
                f"Ungültiger Stichtag '{row.stichtag}'; erwartet wird ein Datum der Form "
                "TT.MM.JJJJ (z. B. 31.12.2025).",
                file=path,
                line=row.line,
                column="stichtag",
            )

    # district names
    allowed = set(districts) | {CITY_TOTAL}
    bad = df[~df["bezirk"].isin(allowed)]
    if len(bad):
        row = bad.iloc[0]
        raise InputError(
            f"Unbekannter Stadtbezirk '{row['bezirk']}'. Erwartet wird einer von "
            f"{_list(districts)} oder '{CITY_TOTAL}' (Liste in config/bezirke.yml).",
            file=path,
            line=int(row["line"]),
            column="bezirk",
        )

    # categories
    for col, values in CATEGORIES.items():
        bad = df[~df[col].isin(values)]
        if len(bad):
            row = bad.iloc[0]
            raise InputError(
                f"Unbekannte Kategorie '{row[col]}' in Spalte '{col}'. Erwartet wird einer "
                f"von {_list(values)}.",
                file=path,
                line=int(row["line"]),
                column=col,
            )

    # counts: non-negative integers
    for row in df.itertuples(index=False):
        value = row.anzahl
        if _INT_RE.match(value):
            continue
        if re.fullmatch(r"[-−]\s*\d+([.,]\d+)?", value):
            what = f"Negative Anzahl '{value}'"
        elif value == "":
            what = "Leeres Feld"
        else:
            what = f"'{value}' ist keine ganze Zahl"
        raise InputError(
            f"{what} in Spalte 'anzahl'; erwartet wird eine ganze Zahl ab 0 ohne "
            "Tausenderpunkt (z. B. 1234).",
            file=path,
            line=row.line,
            column="anzahl",
        )
    df["anzahl"] = df["anzahl"].astype("int64")

    # duplicate cells
    dup = df[df.duplicated(CELL_KEYS, keep=False)]
    if len(dup):
        first, second = dup["line"].iloc[0], dup["line"].iloc[1]
        cell = " / ".join(str(dup[c].iloc[0]) for c in CELL_KEYS)
        raise InputError(
            f"Die Zelle ({cell}) kommt doppelt vor, auch in Zeile {first}; jede Kombination "
            "aus Stichtag, Bezirk, Altersgruppe, Geschlecht, Staatsangehörigkeit und "
            "Migrationshintergrund darf nur einmal vorkommen.",
            file=path,
            line=int(second),
            column="anzahl",
        )

    df["datum"] = pd.to_datetime(df["stichtag"], format="%d.%m.%Y").dt.date
    df["jahr"] = pd.to_datetime(df["stichtag"], format="%d.%m.%Y").dt.year.astype("int64")

    is_city = df["bezirk"] == CITY_TOTAL
    city = df[is_city].reset_index(drop=True)
    dist = df[~is_city].reset_index(drop=True)

    # every district present for every reference date
    for stichtag, block in dist.groupby("stichtag", sort=False):
        absent = [d for d in districts if d not in set(block["bezirk"])]
        if absent:
            raise InputError(
                f"Für den Stichtag {stichtag} fehlen die Stadtbezirke {_list(absent)}; "
                "erwartet werden Zeilen für alle Bezirke aus config/bezirke.yml.",
                file=path,
                column="bezirk",
            )
    stichtage_city = set(city["stichtag"])
    only_city = stichtage_city - set(dist["stichtag"])
    if only_city:
        row = city[city["stichtag"].isin(only_city)].iloc[0]
        raise InputError(
            f"Für den Stichtag {row['stichtag']} gibt es nur Zeilen für '{CITY_TOTAL}', "
            "keine für die Stadtbezirke.",
            file=path,
            line=int(row["line"]),
            column="bezirk",
        )

    if len(city):
        _check_against_city_rows(dist, city, path)

    cols = ["stichtag", "datum", "jahr", "bezirk", *CATEGORIES, "anzahl", "line"]
    dist = dist[cols]
    dist.attrs["city_rows"] = int(len(city))
    dist.attrs["path"] = str(path)
    return dist


def _check_against_city_rows(dist: pd.DataFrame, city: pd.DataFrame, path: Path) -> None:
    """Each city-total row must equal the sum of the district rows of the same cell."""
    keys = ["stichtag", *CATEGORIES]
    sums = dist.groupby(keys, sort=False)["anzahl"].sum()
    for row in city.itertuples(index=False):
        key = tuple(getattr(row, k) for k in keys)
        total = int(sums.get(key, 0))
        if total != row.anzahl:
            cell = " / ".join(key)
            raise InputError(
                f"Die Summe der Stadtbezirke ({fmt.number(total)}) ergibt nicht den Wert der "
                f"Gesamtstadt ({fmt.number(row.anzahl)}) für {cell}. Erwartet wird, dass die "
                "Bezirke sich genau zur Gesamtstadt addieren.",
                file=path,
                line=row.line,
                column="anzahl",
            )
    # city-total for a stichtag must cover all district cells with counts
    city_keys = set(city[keys].itertuples(index=False, name=None))
    for stichtag in city["stichtag"].unique():
        block = sums[sums.index.get_level_values(0) == stichtag]
        for key, value in block.items():
            if value > 0 and key not in city_keys:
                raise InputError(
                    f"Für {' / '.join(key)} haben die Stadtbezirke zusammen "
                    f"{fmt.number(value)} Personen, es fehlt aber die Zeile der Gesamtstadt.",
                    file=path,
                    column="bezirk",
                )

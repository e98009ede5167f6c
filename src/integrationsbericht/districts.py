"""District (Stadtbezirk) indicators: from a register extract or from Köln's open data.

The district step produces one long table, ``<processed>/districts/indicators.parquet``:

| column | meaning |
|---|---|
| ``indicator``, ``label``, ``unit``, ``decimals`` | indicator id and how to show it |
| ``bezirk``, ``bezirk_nr`` | district name and number; the city itself is ``Gesamtstadt`` / 0 |
| ``period`` (``31.12.2025``), ``year`` | reference date |
| ``group`` | ``insgesamt`` or a breakdown (age group, origin region …) |
| ``value`` | the indicator value (NaN where suppressed) |
| ``numerator``, ``denominator`` | counts behind a share (numerator NaN where suppressed) |
| ``flag`` | official symbol: ``.`` suppressed (small count), ``-`` exactly zero, else missing |
| ``source`` | where the numbers come from |

Small counts are suppressed as in ``DOMAIN.md``: a count from 1 to ``min_count − 1`` is not
shown, nor a share whose numerator (or the complement) is such a count; where only one district
of a row would be suppressed, the next smallest is suppressed too, so that the city total does
not give it away.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import fmt
from .escaping import md
from .config import DistrictConfig, resolve
from .errors import ConfigError, InputError
from .sources.register import AGE_GROUPS, CITY_TOTAL, read_register

INDICATOR_COLUMNS = [
    "indicator", "label", "unit", "decimals", "bezirk", "bezirk_nr", "period", "year",
    "group", "value", "numerator", "denominator", "flag", "source",
]

# id → (label, unit, decimals); the catalogue of district indicators
INDICATORS: dict[str, tuple[str, str, int]] = {
    "bevoelkerung": ("Einwohner*innen", "Anzahl", 0),
    "auslaenderanteil": ("Anteil Ausländer*innen", "%", 1),
    "migrationshintergrund_anteil": ("Anteil mit Migrationshintergrund", "%", 1),
    "deutsche_mh_anteil": ("Anteil Deutsche mit Migrationshintergrund", "%", 1),
    "anteil_unter_18": ("Anteil unter 18 Jahren", "%", 1),
    "anteil_65_plus": ("Anteil 65 Jahre und älter", "%", 1),
    "altersanteil": ("Anteil der Altersgruppe", "%", 1),
    "auslaender_herkunft": ("Ausländer*innen nach Herkunftsregion (Anteil)", "%", 1),
}


# --------------------------------------------------------------------------- district lists


@dataclass(frozen=True)
class District:
    nr: int
    name: str

    @property
    def slug(self) -> str:
        return slug(self.name)

    @property
    def anchor(self) -> str:
        """HTML id of the district's profile heading, e.g. ``bezirk-joellenbeck``."""
        return f"bezirk-{self.slug}"


def slug(name: str) -> str:
    """``Jöllenbeck`` → ``joellenbeck``; ``Mülheim`` → ``muelheim`` (for ids and file names)."""
    s = name.casefold()
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        s = s.replace(a, b)
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", s).strip("-")


def normalize_name(name: str) -> str:
    """A comparison key for district names: case, umlauts, 'Stadtbezirk' prefix, spacing."""
    s = slug(str(name))
    s = re.sub(r"^(stadtbezirk|bezirk|stb)-", "", s)
    return s


def load_districts(ags: str, path: str | Path | None = None) -> list[District]:
    """The district list of a city from ``config/bezirke.yml`` (ordered by number)."""
    from .config import load_yaml

    path = resolve(path or "config/bezirke.yml")
    raw = load_yaml(path, "Die Liste der Stadtbezirke")
    entry = raw.get(str(ags))
    if not isinstance(entry, dict) or not isinstance(entry.get("bezirke"), list):
        known = ", ".join(f"{k} ({v.get('stadt', '?')})" for k, v in raw.items()
                          if isinstance(v, dict))
        raise ConfigError(
            f"Für den Regionalschlüssel {ags} sind keine Stadtbezirke eingetragen "
            f"(vorhanden: {known}). Erwartet wird ein Block '\"{ags}\": {{stadt: …, bezirke: "
            "[{nr: 1, name: …}, …]}'.",
            file=path,
        )
    out: list[District] = []
    for i, item in enumerate(entry["bezirke"], start=1):
        if not isinstance(item, dict) or "nr" not in item or "name" not in item:
            raise ConfigError(
                f"Eintrag {i} der Stadtbezirke von {ags} braucht 'nr' und 'name'.", file=path
            )
        try:
            nr = int(item["nr"])
        except (TypeError, ValueError):
            raise ConfigError(
                f"Eintrag {i} der Stadtbezirke von {ags}: 'nr' muss eine ganze Zahl sein, "
                f"gefunden {item['nr']!r}.", file=path) from None
        out.append(District(nr, str(item["name"]).strip()))
    for attr in ("nr", "name"):
        values = [getattr(d, attr) for d in out]
        dup = sorted({v for v in values if values.count(v) > 1}, key=str)
        if dup:
            raise ConfigError(f"Stadtbezirke von {ags}: '{attr}' {dup[0]} kommt doppelt vor.",
                              file=path)
    return sorted(out, key=lambda d: d.nr)


# --------------------------------------------------------------------------- indicator rows


def _rows(indicator: str, frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """Complete indicator rows from a frame with bezirk, period, year, group, num, den."""
    label, unit, decimals = INDICATORS[indicator]
    out = frame.copy()
    out["indicator"], out["label"], out["unit"], out["decimals"] = indicator, label, unit, decimals
    if unit == "%":
        den = out["denominator"].astype("float64")
        out["value"] = np.where(den > 0, out["numerator"] / den.where(den > 0) * 100, np.nan)
    else:
        out["value"] = out["numerator"].astype("float64")
    out["source"] = source
    out["flag"] = pd.Series(pd.NA, index=out.index, dtype="string")
    return out


def _finish(parts: list[pd.DataFrame], districts: list[District]) -> pd.DataFrame:
    table = pd.concat(parts, ignore_index=True)
    numbers = {d.name: d.nr for d in districts} | {CITY_TOTAL: 0}
    table["bezirk_nr"] = table["bezirk"].map(numbers).astype("int64")
    table["numerator"] = table["numerator"].astype("float64")
    table["denominator"] = table["denominator"].astype("float64")
    table["year"] = table["year"].astype("int64")
    table["decimals"] = table["decimals"].astype("int64")
    for col in ("indicator", "label", "unit", "bezirk", "period", "group", "source"):
        table[col] = table[col].astype("string")
    order = {k: i for i, k in enumerate(INDICATORS)}
    first_seen = table.groupby("indicator", sort=False)["group"].transform(
        lambda s: pd.Series(pd.factorize(s)[0], index=s.index))
    age_start = table["group"].str.extract(r"^(unter )?(\d+)")
    group_key = np.where(age_start[1].notna() & age_start[0].isna(),
                         pd.to_numeric(age_start[1], errors="coerce"),
                         np.where(age_start[0].notna(), -1, first_seen))
    table = table.assign(_o=table["indicator"].map(order), _g=group_key).sort_values(
        ["_o", "year", "_g", "bezirk_nr"], kind="stable"
    ).drop(columns=["_o", "_g"])
    return table[INDICATOR_COLUMNS].reset_index(drop=True)


def indicators_from_register(
    register: pd.DataFrame, districts: list[District], source: str = "Einwohnermelderegister"
) -> pd.DataFrame:
    """District indicator table (unsuppressed) from :func:`read_register` output.

    The city (``Gesamtstadt``) is the sum of the districts.
    """
    df = register.copy()
    df.attrs = {}
    city = df.assign(bezirk=CITY_TOTAL)
    df = pd.concat([df, city], ignore_index=True)
    keys = ["bezirk", "stichtag", "jahr"]
    df["foreign"] = np.where(df["staatsangehoerigkeit"] == "ausländisch", df["anzahl"], 0)
    df["mh"] = np.where(df["migrationshintergrund"] == "ja", df["anzahl"], 0)
    df["u18"] = df["altersgruppe"].isin(AGE_GROUPS[:2])
    df["o65"] = df["altersgruppe"] == AGE_GROUPS[-1]

    def agg(frame: pd.DataFrame, col: str, group: str) -> pd.DataFrame:
        g = frame.groupby(keys, sort=False).agg(numerator=(col, "sum"),
                                                 denominator=("anzahl", "sum")).reset_index()
        return g.assign(group=group)

    def tidy(g: pd.DataFrame) -> pd.DataFrame:
        return g.rename(columns={"stichtag": "period", "jahr": "year"})

    parts = []
    total = agg(df, "anzahl", "insgesamt")
    parts.append(_rows("bevoelkerung", tidy(total), source))
    u18 = df[df["u18"]]
    for ind, col in (("auslaenderanteil", "foreign"), ("migrationshintergrund_anteil", "mh")):
        parts.append(_rows(ind, tidy(agg(df, col, "insgesamt")), source))
        parts.append(_rows(ind, tidy(agg(u18, col, "unter 18")), source))
    for ind, mask in (("anteil_unter_18", "u18"), ("anteil_65_plus", "o65")):
        num = df.groupby(keys, sort=False).apply(
            lambda b, m=mask: b.loc[b[m], "anzahl"].sum(), include_groups=False
        ).rename("numerator")
        g = total.drop(columns="numerator").merge(num.reset_index(), on=keys)
        parts.append(_rows(ind, tidy(g), source))
    by_age = df.groupby([*keys, "altersgruppe"], sort=False)["anzahl"].sum().rename("numerator")
    g = by_age.reset_index().merge(total[[*keys, "denominator"]], on=keys)
    g = g.rename(columns={"altersgruppe": "group"})
    parts.append(_rows("altersanteil", tidy(g), source))
    return _finish(parts, districts)


# --------------------------------------------------------------------------- Köln open data

KOELN_SOURCE = "Stadt Köln, Offene Daten: Bevölkerung in den Stadtbezirken (CC BY Stadt Köln)"
_KOELN_COLUMNS = ["id", "tab_id", "tabelle", "jahr", "raum_id", "raum", "zei_id", "zeile", "zahl"]
_KOELN_TABLES = {
    "Einwohner in Köln": "005",
    "Einwohner mit Migrationshintergrund": "030",
    "Einwohner nach Alter": "020",
}
_KOELN_UNDER_18 = ("00 - < 03", "03 - < 06", "06 - < 10", "10 - < 15", "15 - < 18")
_KOELN_65_PLUS = ("65 - < 75", "75 und älter")
_KOELN_ORIGINS = ("Afrika", "Amerika", "Asien", "Europäische Union", "Türkei",
                  "Übriges Europa", "Sonstige")


def read_koeln_opendata(path: str | Path, districts: list[District] | None = None) -> pd.DataFrame:
    """Köln's open-data population table (KoelnAPI long format) → district indicator table.

    Uses the tables "Einwohner in Köln", "Einwohner mit Migrationshintergrund" and "Einwohner
    nach Alter" for the city (``raum_id`` 000, shown as ``Gesamtstadt``) and the Stadtbezirke
    (``raum_id`` 001–009); Stadtteile are ignored. Districts are matched to ``districts`` by
    number and name; a mismatch is an :class:`InputError`. The reference date is 31.12. of
    ``jahr``. Unsuppressed; see :func:`suppress`.
    """
    from .sources.csvfile import read_text_csv

    path = Path(path)
    raw = read_text_csv(
        path,
        expected="Kölner Offene Daten im Langformat, Komma als Trennzeichen",
        missing="Datei mit den Kölner Bevölkerungsdaten nicht gefunden.",
    )
    missing = [c for c in _KOELN_COLUMNS if c not in raw.columns]
    if missing:
        raise InputError(
            f"Spalte '{missing[0]}' fehlt; erwartet wird das Langformat der Kölner Offenen Daten "
            f"mit den Spalten {', '.join(_KOELN_COLUMNS)}.",
            file=path, line=1, column=missing[0],
        )
    raw["line"] = np.arange(len(raw)) + 2
    for name in _KOELN_TABLES:
        if not (raw["tabelle"] == name).any():
            raise InputError(f"Die Tabelle '{name}' fehlt in der Datei (Spalte 'tabelle').",
                             file=path, column="tabelle")
    df = raw[raw["tabelle"].isin(list(_KOELN_TABLES))].copy()
    # city (000) and districts (001-009): raum_id with two leading zeros
    df = df[df["raum_id"].str.fullmatch(r"00\d")]
    zahl = pd.to_numeric(df["zahl"].str.strip(), errors="coerce")
    bad = df[zahl.isna() | (zahl < 0) | (zahl % 1 != 0)]
    if len(bad):
        row = bad.iloc[0]
        raise InputError(f"'{row['zahl']}' ist keine Anzahl; erwartet wird eine ganze Zahl ab 0.",
                         file=path, line=int(row["line"]), column="zahl")
    df["zahl"] = zahl.astype("int64")
    bad = df[~df["jahr"].str.fullmatch(r"\d{4}")]
    if len(bad):
        row = bad.iloc[0]
        raise InputError(f"Ungültiges Jahr '{row['jahr']}'; erwartet wird JJJJ.",
                         file=path, line=int(row["line"]), column="jahr")

    df["nr"] = df["raum_id"].astype(int)
    if districts is None:
        districts = [District(nr, name) for nr, name in
                     df[df["nr"] > 0].drop_duplicates("nr")[["nr", "raum"]].itertuples(index=False)]
    _match_koeln(df, districts, path)
    names = {d.nr: d.name for d in districts} | {0: CITY_TOTAL}
    df["bezirk"] = df["nr"].map(names)
    df["year"] = df["jahr"].astype(int)
    df["period"] = "31.12." + df["jahr"]
    dup = df[df.duplicated(["tabelle", "year", "nr", "zeile"], keep=False)]
    if len(dup):
        row = dup.iloc[1]
        raise InputError(f"Der Wert für {row['tabelle']} / {row['raum']} / {row['jahr']} / "
                         f"{row['zeile']} kommt doppelt vor.", file=path, line=int(row["line"]))
    keys = ["bezirk", "period", "year"]

    def series(tab: str, zeilen) -> pd.Series:
        x = df[(df["tabelle"] == tab) & df["zeile"].isin(list(zeilen))]
        return x.groupby(keys)["zahl"].sum()

    def need(tab: str, zeile: str) -> pd.Series:
        s = series(tab, [zeile])
        if s.empty:
            raise InputError(f"In der Tabelle '{tab}' fehlt die Zeile '{zeile}' "
                             "(Spalte 'zeile').", file=path, column="zeile")
        return s

    pop = need("Einwohner in Köln", "Einwohner")
    ages = df[df["tabelle"] == "Einwohner nach Alter"]
    age_total = ages.groupby(keys)["zahl"].sum()

    def frame(num: pd.Series, den: pd.Series, group: str = "insgesamt") -> pd.DataFrame:
        j = pd.concat([num.rename("numerator"), den.rename("denominator")], axis=1, join="inner")
        return j.reset_index().assign(group=group)

    parts = [_rows("bevoelkerung", frame(pop, pop), KOELN_SOURCE)]
    mh_tab = "Einwohner mit Migrationshintergrund"
    parts.append(_rows("auslaenderanteil", frame(need(mh_tab, "Ausländer"), pop), KOELN_SOURCE))
    parts.append(_rows("migrationshintergrund_anteil",
                       frame(need(mh_tab, "Einwohner mit Migrationshintergrund"), pop),
                       KOELN_SOURCE))
    parts.append(_rows("deutsche_mh_anteil",
                       frame(need(mh_tab, "Deutsche mit Migrationshintergrund"), pop),
                       KOELN_SOURCE))
    for zeile in _KOELN_UNDER_18 + _KOELN_65_PLUS:
        need("Einwohner nach Alter", zeile)
    parts.append(_rows("anteil_unter_18", frame(series("Einwohner nach Alter", _KOELN_UNDER_18),
                                                age_total), KOELN_SOURCE))
    parts.append(_rows("anteil_65_plus", frame(series("Einwohner nach Alter", _KOELN_65_PLUS),
                                               age_total), KOELN_SOURCE))
    for zeile in sorted(ages["zeile"].unique()):
        m = re.fullmatch(r"(\d+) - < (\d+)", zeile)
        label = f"{int(m[1])} bis unter {int(m[2])}" if m else zeile
        parts.append(_rows("altersanteil", frame(series("Einwohner nach Alter", [zeile]),
                                                 age_total, label), KOELN_SOURCE))
    foreigners = need(mh_tab, "Ausländer")
    for origin in _KOELN_ORIGINS:
        s = series(mh_tab, [origin])
        if not s.empty:
            parts.append(_rows("auslaender_herkunft", frame(s, foreigners, origin), KOELN_SOURCE))
    return _finish(parts, districts)


def _match_koeln(df: pd.DataFrame, districts: list[District], path: Path) -> None:
    """The file's districts (number + name) must be exactly the configured ones."""
    found = df[df["nr"] > 0].drop_duplicates("nr")[["nr", "raum", "line"]]
    by_nr = {d.nr: d for d in districts}
    for row in found.itertuples(index=False):
        d = by_nr.get(row.nr)
        if d is None or normalize_name(d.name) != normalize_name(row.raum):
            expected = f"'{d.name}'" if d else "keiner (Nummer nicht in config/bezirke.yml)"
            raise InputError(
                f"Stadtbezirk Nr. {row.nr} heißt in der Datei '{row.raum}', erwartet: {expected}.",
                file=path, line=int(row.line), column="raum",
            )
    absent = sorted(set(by_nr) - set(found["nr"]))
    if absent:
        raise InputError(
            "Die Stadtbezirke " + ", ".join(f"{n} ({by_nr[n].name})" for n in absent)
            + " fehlen in der Datei.", file=path, column="raum_id",
        )
    if not (df["nr"] == 0).any():
        raise InputError("Die Zeilen der Gesamtstadt (raum_id 000) fehlen.", file=path,
                         column="raum_id")


# --------------------------------------------------------------------------- suppression


def suppress(table: pd.DataFrame, min_count: int = 3) -> pd.DataFrame:
    """Apply small-count suppression to an indicator table (returns a copy).

    Primary: a count (``unit`` Anzahl) or a share's numerator, or the complement
    ``denominator − numerator``, between 1 and ``min_count − 1`` → ``value`` and
    ``numerator`` NaN, ``flag`` ``.``. Secondary: if exactly one district of an
    (indicator, period, group) row is suppressed, the district with the next smallest
    numerator is suppressed as well (the city total would reveal it otherwise).
    A numerator of exactly 0 is shown with ``flag`` ``-``.
    """
    t = table.copy()
    num = t["numerator"]
    comp = t["denominator"] - num
    small = (num > 0) & (num < min_count)
    small |= (t["unit"] == "%") & (comp > 0) & (comp < min_count)
    is_district = t["bezirk"] != CITY_TOTAL
    secondary = pd.Series(False, index=t.index)
    for _, block in t[is_district].groupby(["indicator", "period", "group"], sort=False):
        hit = small.loc[block.index]
        if hit.sum() == 1:
            rest = block.loc[~hit, "numerator"]
            rest = rest[rest > 0]
            if len(rest):
                secondary.loc[rest.idxmin()] = True
    hidden = small | secondary
    t.loc[hidden, ["value", "numerator"]] = np.nan
    t.loc[hidden, "flag"] = "."
    t.loc[~hidden & (num == 0), "flag"] = "-"
    return t


# --------------------------------------------------------------------------- checks


def check_city_total(
    register_df: pd.DataFrame,
    city_population: float,
    tolerance: float = 0,
    *,
    stichtag: str | None = None,
    source: str = "GENESIS",
) -> dict:
    """Compare the districts' sum with the official (GENESIS) population of the city.

    ``tolerance`` is the allowed relative difference (0 = exact, 0.01 = 1 %). Uses the latest
    reference date unless ``stichtag`` is given. Raises :class:`InputError` naming the register
    file; returns ``{"stichtag", "bezirke", "amtlich", "differenz"}``.
    """
    path = register_df.attrs.get("path")
    if stichtag is None:
        stichtag = register_df.sort_values("datum")["stichtag"].iloc[-1]
    block = register_df[register_df["stichtag"] == stichtag]
    if block.empty:
        raise InputError(f"Der Registerauszug enthält keinen Stichtag {stichtag}.", file=path,
                         column="stichtag")
    total = int(block["anzahl"].sum())
    diff = total - float(city_population)
    allowed = tolerance * float(city_population)
    if abs(diff) > allowed + 1e-9:
        allowed_text = "keine" if tolerance == 0 else fmt.percent(tolerance * 100, 1)
        raise InputError(
            f"Die Stadtbezirke ergeben zum {stichtag} zusammen {fmt.number(total)} "
            f"Einwohner*innen, die amtliche Bevölkerungszahl ({source}) ist aber "
            f"{fmt.number(city_population)} (Abweichung {fmt.signed(diff, 0)}, erlaubt: "
            f"{allowed_text}). Erwartet wird, dass sich die Bezirke zur Gesamtstadt addieren.",
            file=path,
            column="anzahl",
            hint="Stichtag und Gebietsstand des Registerauszugs prüfen; eine bekannte Differenz "
            "zwischen Register und amtlicher Fortschreibung lässt sich mit "
            "'districts.city_total_tolerance' in der Konfiguration zulassen.",
        )
    return {"stichtag": stichtag, "bezirke": total, "amtlich": float(city_population),
            "differenz": diff}


# --------------------------------------------------------------------------- pipeline stage


def _districts_file(edition) -> Path:
    """The district list of the edition's report project (``--project``), else the repo's."""
    rel = _cfg(edition).districts_file or "config/bezirke.yml"
    return edition.path(rel) if hasattr(edition, "path") else resolve(rel)


def _cfg(edition) -> DistrictConfig:
    return edition.config.districts


def input_path(edition) -> Path:
    return Path(edition.data_dir) / _cfg(edition).file


def has_input(edition) -> bool:
    """Whether the edition has district input (otherwise the chapter is left out)."""
    return input_path(edition).is_file()


def geometry_path(edition) -> Path | None:
    geo = _cfg(edition).geometry
    return Path(edition.data_dir) / geo if geo else None


def load_source(edition) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Read the edition's district input → (unsuppressed indicator table, register or None)."""
    cfg = _cfg(edition)
    districts = load_districts(edition.ags, _districts_file(edition))
    path = input_path(edition)
    if cfg.format == "koeln_opendata":
        return read_koeln_opendata(path, districts), None
    register = read_register(path, [d.name for d in districts])
    source = "Demodaten (generiert)" if edition.demo else "Einwohnermelderegister"
    return indicators_from_register(register, districts, source=source), register


def official_population(edition, stichtag: str) -> tuple[float, str] | None:
    """The edition's GENESIS population on ``stichtag`` from the processed indicator table.

    Looks for ``<processed>/indicators.parquet`` (indicator ``bevoelkerung``, group
    ``insgesamt``); returns ``None`` when that table or the date is not there.
    """
    path = Path(edition.processed_dir) / "indicators.parquet"
    if not path.is_file():
        return None
    t = pd.read_parquet(path)
    need = {"indicator", "ags", "period", "value"}
    if not need <= set(t.columns):
        return None
    year = stichtag[-4:]
    sel = t[(t["indicator"] == "bevoelkerung") & (t["ags"].astype(str) == str(edition.ags))]
    if "group" in sel.columns:
        sel = sel[sel["group"] == "insgesamt"]
    sel = sel[sel["period"].astype(str).isin([stichtag, year])]
    sel = sel[sel["value"].notna()]
    if sel.empty:
        return None
    return float(sel["value"].iloc[0]), "GENESIS"


def _official_from_genesis(edition, stichtag: str) -> tuple[float, str] | None:
    """Fallback: the configured population table among the raw GENESIS files."""

    gdir = Path(edition.data_dir) / "genesis"
    if not gdir.is_dir():
        return None
    code = edition.config.comparison.population_table
    from .ingest import read_tables

    tables = read_tables(edition.data_dir, mapping=edition.genesis_mapping)  # every layout and vintage, merged per table
    if code in tables:
        df = tables[code]["frame"]
        for col, val in edition.config.comparison.population_where.items():
            if col in df.columns:
                df = df[df[col] == val]
        sel = df[(df["ags"] == str(edition.ags)) & (df["year"] == int(stichtag[-4:]))]
        sel = sel.dropna(subset=["value"])
        if sel.empty:
            return None
        return float(sel["value"].iloc[0]), f"GENESIS {code}"
    return None


def _city_check(edition, register: pd.DataFrame) -> dict | None:
    latest_date = register.sort_values("datum")["stichtag"].iloc[-1]
    if not latest_date.startswith("31.12."):
        return None  # GENESIS population is as of 31.12.
    official = official_population(edition, latest_date) or _official_from_genesis(
        edition, latest_date)
    if official is None:
        return None
    return check_city_total(register, official[0], _cfg(edition).city_total_tolerance,
                            stichtag=latest_date, source=official[1])


def check(edition) -> dict:
    """Validate the district input (and, for a register extract, the city total); no output."""
    table, register = load_source(edition)
    geo = geometry_path(edition)
    if geo is not None:
        from .maps import read_geometry

        read_geometry(geo, load_districts(edition.ags, _districts_file(edition)),
                      number=_cfg(edition).geometry_number, name=_cfg(edition).geometry_name)
    return {"rows": len(table),
            "city_total_check": _city_check(edition, register) if register is not None else None}


def prepare(edition, out_dir: Path) -> dict:
    """Pipeline stage: district input → ``out_dir/districts/indicators.parquet`` + ``meta.json``.

    ``edition`` needs ``.config`` (``EditionConfig``), ``.data_dir``, ``.processed_dir``,
    ``.ags``, ``.demo`` and ``.city``. Raises :class:`InputError`/:class:`ConfigError` on bad
    input. Returns a summary dict (paths, periods, districts, city-total check).
    """
    cfg = _cfg(edition)
    out = Path(out_dir) / "districts"
    out.mkdir(parents=True, exist_ok=True)
    table, register = load_source(edition)
    upto = table[table["year"] <= int(edition.year)]
    if upto.empty:
        raise InputError(
            f"Die Daten nach Stadtbezirken beginnen erst nach dem Berichtsjahr {edition.year} "
            f"(erster Stichtag: {table.sort_values('year')['period'].iloc[0]}).",
            file=input_path(edition))
    table = upto
    check = _city_check(edition, register) if register is not None else None
    table = suppress(table, cfg.min_count)
    target = out / "indicators.parquet"
    tmp = target.with_suffix(".parquet.tmp")
    table.to_parquet(tmp, index=False)
    tmp.replace(target)
    districts = load_districts(edition.ags, _districts_file(edition))
    geo = geometry_path(edition)
    if geo is not None and not geo.is_file():
        raise InputError("Geometriedatei der Stadtbezirke nicht gefunden.", file=geo,
                         hint="Pfad 'districts.geometry' ist relativ zum Datenordner.")
    meta = {
        "format": cfg.format,
        "input": str(input_path(edition)),
        "geometry": str(geo) if geo else None,
        "geometry_number": cfg.geometry_number,
        "geometry_name": cfg.geometry_name,
        "tiles": str(edition.path(cfg.tiles) if hasattr(edition, "path") else resolve(cfg.tiles)),
        "ags": edition.ags,
        "districts": [asdict(d) | {"anchor": d.anchor} for d in districts],
        "periods": sorted(table["period"].unique().tolist(), key=lambda p: p[-4:] + p[3:5]),
        "key_indicators": list(cfg.key_indicators),
        "min_count": cfg.min_count,
        "city_total_check": check,
    }
    (out / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2,
                                              sort_keys=True), encoding="utf-8")
    return {"indicators": target, "meta": out / "meta.json", **{
        k: meta[k] for k in ("format", "periods", "city_total_check")},
        "districts": len(districts)}


def load_prepared(processed_dir: Path) -> tuple[pd.DataFrame, dict]:
    """Read what :func:`prepare` wrote (for the chapter notebook)."""
    base = Path(processed_dir) / "districts"
    table = pd.read_parquet(base / "indicators.parquet")
    meta = json.loads((base / "meta.json").read_text(encoding="utf-8"))
    return table, meta


def latest(table: pd.DataFrame, indicator: str, group: str = "insgesamt",
           period: str | None = None) -> pd.DataFrame:
    """Rows of one indicator/group for one period (default: latest), ordered by district nr."""
    sel = table[(table["indicator"] == indicator) & (table["group"] == group)]
    if sel.empty:
        return sel
    if period is None:
        period = sel.sort_values("year")["period"].iloc[-1]
    return sel[sel["period"] == period].sort_values("bezirk_nr")


# --------------------------------------------------------------------------- survey


def survey_by_district(estimates: pd.DataFrame, districts: list[District]) -> pd.DataFrame:
    """Survey estimates whose ``group`` is a district (``Mitte`` or ``bezirk:Mitte`` …).

    Keeps the survey engineer's suppression (``flag``/``share``) as it is; adds ``bezirk``.
    """
    keys = {normalize_name(d.name): d.name for d in districts}
    g = estimates["group"].astype(str).str.replace(r"^[^:=]+[:=]\s*", "", regex=True)
    bezirk = g.map(lambda s: keys.get(normalize_name(s)))
    out = estimates.assign(bezirk=bezirk)
    return out[out["bezirk"].notna()].reset_index(drop=True)



# --------------------------------------------------------------------------- chapter helpers


def shown(value, flag, unit: str, decimals: int) -> str:
    """A value as printed: German format, or its symbol (``.`` suppressed, ``-`` zero)."""
    if pd.isna(value):
        return "." if pd.isna(flag) else str(flag)
    if not pd.isna(flag) and flag == "-":
        return "–"
    return fmt.value(value, unit, decimals)


def overview_table(table: pd.DataFrame, districts: list[District], indicators: list[str],
                   period: str | None = None) -> pd.DataFrame:
    """One row per district (name linked to its profile) plus the city; key indicators as text."""
    rows = {d.name: {"Stadtbezirk": f"[{md(d.name)}](#{d.anchor})"} for d in districts}
    rows[CITY_TOTAL] = {"Stadtbezirk": CITY_TOTAL}
    for ind in ["bevoelkerung", *indicators]:
        sel = latest(table, ind, period=period)
        if sel.empty:
            continue
        head = sel["label"].iloc[0]
        for r in sel.itertuples(index=False):
            rows[r.bezirk][head] = shown(r.value, r.flag, r.unit, int(r.decimals))
    out = pd.DataFrame([rows[d.name] for d in districts] + [rows[CITY_TOTAL]])
    out.attrs["markdown_columns"] = ["Stadtbezirk"]  # links built here; names escaped above
    return out


def profile_table(table: pd.DataFrame, district: str, indicators: list[str],
                  period: str | None = None) -> pd.DataFrame:
    """Key figures of one district next to the city, with the gap in percentage points."""
    out = []
    for ind in ["bevoelkerung", *indicators]:
        sel = latest(table, ind, period=period).set_index("bezirk")
        if sel.empty or district not in sel.index:
            continue
        d, c = sel.loc[district], sel.loc[CITY_TOTAL]
        unit, dec = str(d["unit"]), int(d["decimals"])
        if unit != "%":
            gap = "x"  # not meaningful for counts
        elif pd.isna(d["value"]) or pd.isna(c["value"]):
            gap = "."
        else:
            gap = fmt.pp(d["value"] - c["value"], dec)
        out.append({"Kennzahl": d["label"], district: shown(d["value"], d["flag"], unit, dec),
                    CITY_TOTAL: shown(c["value"], c["flag"], unit, dec),
                    "Abstand zur Gesamtstadt": gap})
    return pd.DataFrame(out)


def age_chart(table: pd.DataFrame, district: str, period: str | None = None):
    """Small chart: age structure of a district (bars) against the city (markers).

    Returns ``(figure, data)``; data has Altersgruppe, district and city shares (NaN where
    suppressed) for the figure's data table.
    """
    import matplotlib.pyplot as plt

    from .figures import GREY, PALETTE, german_axis

    ages = table[table["indicator"] == "altersanteil"]
    if period is None:
        period = ages.sort_values("year")["period"].iloc[-1]
    ages = ages[ages["period"] == period]
    groups = list(dict.fromkeys(ages["group"]))
    dv = ages[ages["bezirk"] == district].set_index("group")["value"].reindex(groups)
    cv = ages[ages["bezirk"] == CITY_TOTAL].set_index("group")["value"].reindex(groups)
    fig, ax = plt.subplots(figsize=(6.0, 0.32 * len(groups) + 1.0), layout="constrained")
    y = np.arange(len(groups))[::-1]
    ax.barh(y, dv.fillna(0).to_numpy(), color=PALETTE[0], height=0.6, label=district)
    ax.plot(cv.to_numpy(), y, linestyle="none", marker="D", color=GREY, markersize=5,
            label=f"{CITY_TOTAL} (Raute)")
    for yi, v, c in zip(y, dv, cv, strict=True):
        # the value label sits right of both the bar and the city's diamond (never over it)
        x = max(0 if pd.isna(v) else v, 0 if pd.isna(c) else c)
        ax.annotate("." if pd.isna(v) else fmt.percent(v, 1), xy=(x, yi), xytext=(6, 0),
                    textcoords="offset points", va="center", fontsize=8)
    ax.set_yticks(y, groups)
    ax.set_xlabel(f"Anteil an der Bevölkerung, {period}")
    german_axis(ax, "x", 0, percent=True)
    ax.set_xlim(0, max(dv.max(skipna=True), cv.max(skipna=True)) * 1.25)
    from .figures import legend_below

    legend_below(fig, ncol=2)
    data = pd.DataFrame({"Altersgruppe": groups, district: dv.round(1).to_numpy(),
                         CITY_TOTAL: cv.round(1).to_numpy()})
    return fig, data


def survey_table(estimates: pd.DataFrame, districts: list[District], items: list[str]) -> pd.DataFrame:
    """One row per district, one column per key survey item (its summary category, e.g.
    "wohl (1–2)"), values as published: German percent, "(…)" for 10–29 cases, "/" below 10."""
    from .survey.estimates import display_value

    est = survey_by_district(estimates, districts)
    est = est[est["item"].isin(items) & (est["kind"] == "summary")]
    if est.empty:
        return pd.DataFrame()
    order = {d.name: i for i, d in enumerate(districts)}
    cols = {}
    for item in items:
        sub = est[est["item"] == item]
        if sub.empty:
            continue
        label = f"{sub['item_text'].iloc[0]} – {sub['category'].iloc[0]}"
        cols[label] = {
            r["bezirk"]: display_value(r["share"], r["flag"] if isinstance(r["flag"], str) else "")
            for _, r in sub.iterrows()
        }
    table = pd.DataFrame(cols)
    table.index.name = "Stadtbezirk"
    table = table.reset_index()
    table["_o"] = table["Stadtbezirk"].map(order)
    return table.sort_values("_o").drop(columns="_o").fillna("/").reset_index(drop=True)

"""Indicator catalogue (``config/indikatoren.yml``) → long indicator table.

The catalogue describes every indicator declaratively; this module evaluates it generically.
A new ratio indicator needs one catalogue entry and no new code.

Catalogue entry (YAML; keys English, texts German)::

    - id: auslaenderanteil
      title: Ausländeranteil
      field: bevoelkerung                # chapter the indicator belongs to
      unit: "%"                          # "%", "Anzahl", "je 1.000" …
      decimals: 1
      multiplier: 100
      definition: "Ausländer*innen ÷ Bevölkerung × 100"
      numerator:                         # one entry per table; years = what the table covers
        - {table: 12411-03-02-4, years: [1995, 2010], where: {h1: "Ausländer(innen)", h2: "{sex}", rowdim: "{age}"}}
        - {table: 12411-03-03-4, years: [2011, null], where: {…}, note: "ab 2011: Zensus 2011"}
      denominator: [...]                 # optional; missing → value = numerator × multiplier
      groups:
        insgesamt: {params: {sex: Insgesamt, age: Insgesamt}}
        weiblich:  {params: {sex: weiblich, age: Insgesamt}}
        deutsch:   {combine: {insgesamt: 1, auslaendisch: -1}}   # numerator and denominator

Cell selection (``where``/``minus``): keys are columns of the GENESIS reader output (``h1``,
``h2`` …, ``rowdim``, ``column``); a value is a label or a list of labels (cells are summed);
``where`` may also be a list of such mappings (summed). ``minus`` cells are subtracted.
``{name}`` is replaced by the group's parameter ``name``; a parameter may be a mapping
``{<table code>: value}`` where tables label the same thing differently. ``lag: -1`` takes the
table's value from the previous year (e.g. the foreign population on 31.12. of the previous
year as the denominator of the naturalisation rate).

Where one series is spread over several tables, each source carries its year range; the
result marks the first year of every new source as a series break (``break`` + ``note``).
"""

from __future__ import annotations

import json
import logging
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .errors import ConfigError, InputError
from .project import DEFAULTS

log = logging.getLogger(__name__)

# Columns of the long indicator table (and of downloads/indikatoren.csv), in order.
COLUMNS = [
    "indicator",
    "label",
    "field",
    "ags",
    "region",
    "role",
    "period",
    "year",
    "group",
    "group_label",
    "value",
    "unit",
    "decimals",
    "flag",
    "numerator",
    "denominator",
    "change_1y",
    "change_5y",
    "change_10y",
    "break",
    "note",
    "source",
]

GAP_UNIT = "Pp."
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_FULL_PLACEHOLDER = re.compile(r"^\{(\w+)\}$")


def _norm(text: Any) -> str:
    """Labels compare with whitespace collapsed (GENESIS headers contain double spaces)."""
    return " ".join(str(text).split())


# --------------------------------------------------------------------------- catalogue model


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


Label = str | list[str]
Selection = dict[str, Any]


class Source(_Strict):
    """Cells of one GENESIS table that make up a numerator or denominator."""

    table: str
    years: tuple[int | None, int | None] = (None, None)
    where: Selection | list[Selection]
    minus: Selection | list[Selection] | None = None
    lag: int = Field(default=0, ge=-10, le=0)
    note: str | None = None
    # which database holds the table (for "integrationsbericht fetch"); None: regionalstatistik
    database: Literal["regionalstatistik", "genesis-online"] | None = None

    @field_validator("table", mode="before")
    @classmethod
    def _table_str(cls, v):
        return str(v).strip()

    def covers(self, year: int) -> bool:
        lo, hi = self.years
        return (lo is None or year >= lo) and (hi is None or year <= hi)


class Group(_Strict):
    label: str | None = None
    params: dict[str, Any] = {}
    numerator: list[Source] | None = None
    denominator: list[Source] | None = None
    combine: dict[str, float] | None = None


class Gap(_Strict):
    group: str = "auslaendisch"
    reference: str = "deutsch"
    label: str | None = None


class Target(_Strict):
    """A target for one indicator (see :mod:`integrationsbericht.targets`)."""

    group: str = "insgesamt"
    operator: str = Field(pattern=r"^(<=|>=)$")
    value: float
    year: int
    absolute: bool = False  # compare |value| (for gaps in either direction)
    text: str | None = None
    basis: str | None = None


class Indicator(_Strict):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    title: str
    label: str | None = None
    field: str
    unit: str
    decimals: int = Field(default=1, ge=0, le=4)
    multiplier: float = 1.0
    definition: str
    numerator_text: str | None = None
    denominator_text: str | None = None
    reference_date: str | None = None
    notes: list[str] = []
    limitations: list[str] = []
    numerator: list[Source] = []
    denominator: list[Source] | None = None
    groups: dict[str, Group] = {"insgesamt": Group()}
    gap: Gap | bool | None = None
    target: Target | None = None
    primary: bool = True  # shown with charts in its chapter (False: table/annex only)
    # Editorial: why the indicator matters ("Bedeutung", printed after the definition), its
    # weight when the findings are ranked, and which direction is good for integration
    # (higher/lower; none where a change is neither good nor bad, e.g. immigration).
    relevance: str | None = None
    # what the chapter's introduction names for this indicator, as an accusative noun phrase
    # ("die Arbeitslosigkeit"); only indicators the edition shows are named
    topic: str | None = None
    # the indicator as the subject of the finding sentence (nominative singular, with article):
    # "der Anteil der Ausländer*innen an der Bevölkerung"
    subject: str | None = None
    weight: float = Field(default=1.0, ge=0, le=10)
    better: Literal["higher", "lower"] | None = None
    # currency: current when the latest period >= report year - max_age (None: catalogue default)
    max_age: int | None = Field(default=None, ge=0, le=50)
    one_off: bool = False  # a single survey (e.g. Zensus): always shown with its own date

    @model_validator(mode="after")
    def _check_groups(self):
        for name, g in self.groups.items():
            if not re.fullmatch(r"[a-z0-9_]+", name):
                raise ValueError(f"Gruppe '{name}': nur a–z, 0–9 und _ erlaubt")
            if g.combine:
                unknown = [k for k in g.combine if k not in self.groups or self.groups[k].combine]
                if unknown:
                    raise ValueError(
                        f"Gruppe '{name}': combine verweist auf unbekannte oder selbst "
                        f"zusammengesetzte Gruppen {unknown}"
                    )
            elif not (g.numerator or self.numerator):
                raise ValueError(f"Gruppe '{name}': kein Zähler (numerator) angegeben")
        return self

    @property
    def display_label(self) -> str:
        return self.label or self.title

    def gap_spec(self) -> Gap | None:
        if self.gap is False:
            return None
        if isinstance(self.gap, Gap):
            return self.gap
        if self.unit != "%" or "auslaendisch" not in self.groups:
            return None
        if "deutsch" in self.groups:
            return Gap(group="auslaendisch", reference="deutsch")
        if "insgesamt" in self.groups:
            return Gap(group="auslaendisch", reference="insgesamt")
        return None

    def group_sources(self, group: str) -> tuple[list[Source], list[Source] | None]:
        g = self.groups[group]
        return (g.numerator or self.numerator), (g.denominator or self.denominator)

    def tables(self) -> list[str]:
        codes: list[str] = []
        srcs = list(self.numerator) + list(self.denominator or [])
        for g in self.groups.values():
            srcs += list(g.numerator or []) + list(g.denominator or [])
        for s in srcs:
            if s.table not in codes:
                codes.append(s.table)
        return codes


class SeriesBreak(_Strict):
    """A break declared once for several tables (e.g. the Zensus 2022 basis from 31.12.2022)."""

    year: int
    tables: list[str]
    note: str

    @field_validator("tables", mode="before")
    @classmethod
    def _codes(cls, v):
        return [str(x).strip() for x in (v or [])]


def _split_sources(sources: list[Source] | None, brk: SeriesBreak) -> list[Source] | None:
    """Split every source of a break table whose year range spans the break year."""
    if not sources:
        return sources
    out: list[Source] = []
    for src in sources:
        lo, hi = src.years
        if src.table in brk.tables and (lo is None or lo < brk.year) and (hi is None or hi >= brk.year):
            out.append(src.model_copy(update={"years": (lo, brk.year - 1)}))
            out.append(src.model_copy(update={"years": (brk.year, hi), "note": brk.note}))
        else:
            out.append(src)
    return out


class Catalogue(_Strict):
    version: int = 1
    breaks: list[SeriesBreak] = []  # series breaks declared once (see config/indikatoren.yml)
    max_age: int = Field(default=2, ge=0, le=50)  # k: current when latest period >= year - k
    fields: dict[str, str] = {}
    # where the texts on relevance ("Bedeutung") come from; printed with them
    relevance_source: str | None = None
    group_labels: dict[str, str] = {}
    indicators: list[Indicator]

    @model_validator(mode="after")
    def _apply_breaks(self):
        for brk in self.breaks:
            for ind in self.indicators:
                ind.numerator = _split_sources(ind.numerator, brk) or []
                ind.denominator = _split_sources(ind.denominator, brk)
                for g in ind.groups.values():
                    g.numerator = _split_sources(g.numerator, brk)
                    g.denominator = _split_sources(g.denominator, brk)
        return self

    @model_validator(mode="after")
    def _unique(self):
        seen = set()
        for ind in self.indicators:
            if ind.id in seen:
                raise ValueError(f"Indikator-ID '{ind.id}' kommt mehrfach vor")
            seen.add(ind.id)
        self.databases()  # one database per table
        return self

    def databases(self) -> dict[str, str]:
        """``{table code: database}``; a table without ``database:`` is in the Regionaldatenbank."""
        given: dict[str, str] = {}
        codes: list[str] = []
        for ind in self.indicators:
            srcs = list(ind.numerator) + list(ind.denominator or [])
            for g in ind.groups.values():
                srcs += list(g.numerator or []) + list(g.denominator or [])
            for s in srcs:
                codes.append(s.table)
                if s.database is None:
                    continue
                if given.setdefault(s.table, s.database) != s.database:
                    raise ValueError(
                        f"Tabelle {s.table}: unterschiedliche Datenbanken angegeben "
                        f"({given[s.table]} und {s.database})"
                    )
        return {c: given.get(c, "regionalstatistik") for c in sorted(set(codes))}

    def get(self, ident: str) -> Indicator:
        for ind in self.indicators:
            if ind.id == ident:
                return ind
        raise KeyError(ident)

    def __contains__(self, ident: str) -> bool:
        return any(i.id == ident for i in self.indicators)

    def by_field(self, field: str) -> list[Indicator]:
        return [i for i in self.indicators if i.field == field]

    def group_label(self, ind: Indicator, group: str) -> str:
        g = ind.groups.get(group)
        if g is not None and g.label:
            return g.label
        if group.startswith("abstand_"):
            gap = ind.gap_spec()
            if gap and gap.label:
                return gap.label
            a, _, b = group.removeprefix("abstand_").partition("_")
            return (
                f"Abstand {self.group_labels.get(a, a)} − {self.group_labels.get(b, b)}"
            )
        return self.group_labels.get(group, group)


DEFAULT_CATALOGUE = DEFAULTS / "config" / "indikatoren.yml"


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """Read and validate the indicator catalogue; :class:`ConfigError` with German text."""
    from .config import load_yaml

    path = Path(path) if path else DEFAULT_CATALOGUE
    return catalogue_from_dict(load_yaml(path, "Der Indikatorenkatalog"), file=path)


def catalogue_from_dict(raw: dict, file: str | Path | None = None) -> Catalogue:
    from .config import validate

    if not isinstance(raw, dict):
        raise ConfigError("Der Indikatorenkatalog muss eine Zuordnung sein.", file=file)
    # keys starting with "x-" hold YAML anchors (shared lists) and are not part of the model
    raw = {k: v for k, v in raw.items() if not str(k).startswith("x-")}
    return validate(Catalogue, raw, file, "Der Indikatorenkatalog")


def _as_catalogue(catalogue) -> Catalogue:
    if isinstance(catalogue, Catalogue):
        return catalogue
    if isinstance(catalogue, dict):
        return catalogue_from_dict(catalogue)
    return load_catalogue(catalogue)


# --------------------------------------------------------------------------- table access


def required_tables(catalogue=None) -> dict[str, list[str]]:
    """Table codes per indicator id: ``{"auslaenderanteil": ["12411-03-02-4", …], …}``."""
    cat = _as_catalogue(catalogue)
    return {ind.id: ind.tables() for ind in cat.indicators}


def all_tables(catalogue=None) -> list[str]:
    """Every table code the catalogue uses, sorted."""
    return sorted({c for codes in required_tables(catalogue).values() for c in codes})


@dataclass
class _Table:
    code: str
    n: int
    ags: np.ndarray
    year: np.ndarray
    period: np.ndarray
    value: np.ndarray
    flag: np.ndarray
    cols: dict[str, pd.Series]  # normalised label columns (filtered to the regions)
    labels: dict[str, set[str]]  # every label of the whole table, per column
    names: dict[str, str]


def _index_tables(tables: dict[str, pd.DataFrame], regions: list[str]) -> dict[str, _Table]:
    out: dict[str, _Table] = {}
    for key, df in tables.items():
        meta = getattr(df, "attrs", {}).get("meta") or {}
        code = str(meta.get("code") or key)
        sub = df[df["ags"].astype(str).isin(regions)].reset_index(drop=True)
        label_cols = [
            c
            for c in df.columns
            if re.fullmatch(r"h\d+|rowdim\d*|column|measure|[A-Z][A-Z0-9]*(?:[-_][A-Z0-9]+)*", c)
        ]
        labels = {c: {_norm(v) for v in df[c].dropna().unique()} for c in label_cols}
        cols = {c: sub[c].astype(object).fillna("").map(_norm) for c in label_cols}
        flag = sub["flag"].astype(object)
        flag = flag.where(flag.notna(), None).to_numpy(dtype=object)
        names = dict(zip(sub["ags"].astype(str), sub["region"].astype(str)))
        out[code] = _Table(
            code=code,
            n=len(sub),
            ags=sub["ags"].astype(str).to_numpy(dtype=object),
            year=sub["year"].astype("int64").to_numpy(),
            period=sub["period"].astype(str).to_numpy(dtype=object),
            value=sub["value"].astype("float64").to_numpy(),
            flag=flag,
            cols=cols,
            labels=labels,
            names=names,
        )
    return out


class _Problem(Exception):
    """An indicator that cannot be computed from the given tables (reported, not raised)."""


def _resolve(value, params: dict, table: str):
    """Substitute ``{param}`` placeholders; a param may be a per-table mapping."""

    def lookup(name):
        if name not in params:
            raise _Problem(f"Parameter „{name}“ ist für diese Gruppe nicht angegeben")
        v = params[name]
        if isinstance(v, dict):
            if table in v:
                return v[table]
            if "default" in v:
                return v["default"]
            raise _Problem(f"Parameter „{name}“ hat keinen Wert für Tabelle {table}")
        return v

    if isinstance(value, list):
        out = []
        for item in value:
            r = _resolve(item, params, table)
            out.extend(r if isinstance(r, list) else [r])
        return out
    if not isinstance(value, str):
        return str(value)
    m = _FULL_PLACEHOLDER.match(value)
    if m:
        return lookup(m.group(1))
    return _PLACEHOLDER.sub(lambda mm: str(lookup(mm.group(1))), value)


# Internal series: {(ags, year): (period, value, flag)}; NaN values always carry a symbol.
Cell = tuple[str, float, str | None]


def _nan_flag(*flags) -> str:
    for f in flags:
        if f and f != "-":
            return f
    return "."


def _select(t: _Table, sel: dict, params: dict) -> dict[tuple[str, int], Cell]:
    """Sum the selected cells per (ags, year)."""
    mask = np.ones(t.n, dtype=bool)
    n_cells = 1
    for key, raw in sel.items():
        if key not in t.labels:
            raise _Problem(f"Tabelle {t.code} hat keine Spalte „{key}“")
        wanted = _resolve(raw, params, t.code)
        wanted = [_norm(w) for w in (wanted if isinstance(wanted, list) else [wanted])]
        unknown = [w for w in wanted if w not in t.labels[key]]
        if unknown:
            have = ", ".join(f"„{v}“" for v in sorted(t.labels[key])[:12])
            raise _Problem(
                f"Tabelle {t.code}: „{unknown[0]}“ kommt in Spalte {key} nicht vor (vorhanden: {have})"
            )
        n_cells *= len(set(wanted))
        mask &= t.cols[key].isin(wanted).to_numpy()
    acc: dict[tuple[str, int], list] = {}
    for i in np.flatnonzero(mask):
        k = (t.ags[i], int(t.year[i]))
        v, f = float(t.value[i]), t.flag[i]
        a = acc.get(k)
        if a is None:
            # period, sum, n, nan flag, all "-"
            acc[k] = [t.period[i], 0.0 if math.isnan(v) else v, 1, f if math.isnan(v) else None, f == "-"]
            if math.isnan(v):
                acc[k][1] = math.nan
            continue
        a[0] = t.period[i]
        a[1] = a[1] + v
        a[2] += 1
        if math.isnan(v) and a[3] is None:
            a[3] = f
        a[4] = a[4] and f == "-"
    out: dict[tuple[str, int], Cell] = {}
    for k, (period, total, n, nflag, dash) in acc.items():
        if n < n_cells:  # a cell is missing for this region/year: incomplete, no number
            out[k] = (period, math.nan, ".")
        elif math.isnan(total):
            out[k] = (period, math.nan, _nan_flag(nflag))
        else:
            out[k] = (period, total, "-" if dash else None)
    return out


def _combine(parts: list[tuple[float, dict]]) -> dict[tuple[str, int], Cell]:
    """Σ coef × part per (ags, year); a key missing in one part gives NaN with ``.``."""
    if len(parts) == 1 and parts[0][0] == 1.0:
        return dict(parts[0][1])
    keys = sorted(set().union(*(p.keys() for _, p in parts)))
    out: dict[tuple[str, int], Cell] = {}
    for k in keys:
        period = None
        total = 0.0
        flags = []
        dash = True
        missing = False
        for coef, part in parts:
            c = part.get(k)
            if c is None:
                missing = True
                continue
            period = period or c[0]
            total += coef * c[1]
            flags.append(c[2])
            dash = dash and c[2] == "-"
        if missing:
            out[k] = (period, math.nan, ".")
        elif math.isnan(total):
            out[k] = (period, math.nan, _nan_flag(*flags))
        else:
            out[k] = (period, total, "-" if dash else None)
    return out


def _eval_source(src: Source, t: _Table, params: dict) -> dict[tuple[str, int], Cell]:
    wheres = src.where if isinstance(src.where, list) else [src.where]
    parts = [(1.0, _select(t, w, params)) for w in wheres]
    if src.minus:
        minus = src.minus if isinstance(src.minus, list) else [src.minus]
        for m in minus:
            merged = {**(wheres[0] if len(wheres) == 1 else {}), **m}
            parts.append((-1.0, _select(t, merged, params)))
    res = _combine(parts)
    return {(a, y - src.lag): c for (a, y), c in res.items() if src.covers(y)}


@dataclass
class _Series:
    cells: dict[tuple[str, int], Cell]
    src: dict[tuple[str, int], int]  # index of the source used
    table: dict[tuple[str, int], str]


def _eval_series(
    sources: list[Source], tabs: dict[str, _Table], params: dict, missing: list[str]
) -> _Series | None:
    """The series of one numerator/denominator: per year the first source that has it."""
    year_src: dict[int, int] = {}
    evaluated: dict[int, dict] = {}
    for k, src in enumerate(sources):
        t = tabs.get(src.table)
        if t is None:
            missing.append(src.table)
            continue
        part = _eval_source(src, t, params)
        evaluated[k] = part
        for _, y in part:
            year_src.setdefault(y, k)
    if not year_src:
        return None
    cells, srcs, tables = {}, {}, {}
    for k, part in evaluated.items():
        for key, c in part.items():
            if year_src[key[1]] == k:
                cells[key] = c
                srcs[key] = k
                tables[key] = sources[k].table
    return _Series(cells, srcs, tables)


# --------------------------------------------------------------------------- compute


def _missing_message(ind: Indicator, codes: list[str]) -> str:
    codes = sorted(set(codes))
    if len(codes) == 1:
        return (
            f"Indikator „{ind.title}“ ({ind.id}): Die Tabelle {codes[0]} fehlt in den Daten; "
            "der Indikator wird nicht berechnet."
        )
    return (
        f"Indikator „{ind.title}“ ({ind.id}): Die Tabellen {', '.join(codes)} fehlen in den "
        "Daten; der Indikator wird nicht berechnet."
    )


def availability(catalogue, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per indicator: which of its tables are present. Columns ``indicator, title, field,
    tables, missing, available, message`` (German message where something is missing).

    An indicator counts as available when every group has at least one source of its
    numerator (and denominator) present; missing tables of other periods are listed.
    """
    cat = _as_catalogue(catalogue)
    present = set()
    for key, df in tables.items():
        meta = getattr(df, "attrs", {}).get("meta") or {}
        present.add(str(meta.get("code") or key))
    rows = []
    for ind in cat.indicators:
        codes = ind.tables()
        missing = [c for c in codes if c not in present]
        ok = True
        for gname, g in ind.groups.items():
            if g.combine:
                continue
            num, den = ind.group_sources(gname)
            if not any(s.table in present for s in num):
                ok = False
            if den and not any(s.table in present for s in den):
                ok = False
        if not ok:
            message = _missing_message(ind, missing)
        elif missing:
            message = (
                f"Indikator „{ind.title}“: Für einen Teil der Zeitreihe fehlen die Tabellen "
                f"{', '.join(missing)}."
            )
        else:
            message = ""
        rows.append(
            {
                "indicator": ind.id,
                "title": ind.title,
                "field": ind.field,
                "tables": ", ".join(codes),
                "missing": ", ".join(missing),
                "available": ok,
                "message": message,
            }
        )
    return pd.DataFrame(rows)


@dataclass
class _GroupData:
    num: _Series
    den: _Series | None


def _combine_series(combine: dict[str, float], base: dict[str, _GroupData], which: str) -> _Series | None:
    parts = []
    for k, c in combine.items():
        s = getattr(base[k], which)
        if s is None:
            return None
        parts.append((c, s.cells))
    first = getattr(base[next(iter(combine))], which)
    cells = _combine(parts)
    return _Series(cells, {k: first.src.get(k, -1) for k in cells}, {k: first.table.get(k) for k in cells})


def _rows(ind: Indicator, gname: str, data: _GroupData, num_src, den_src) -> list[dict]:
    """Indicator values of one group (sorted by region, year), with series breaks."""
    has_den = data.den is not None
    keys = sorted(k for k in data.num.cells if not has_den or k in data.den.cells)
    rows = []
    prev: dict[str, tuple[int, int]] = {}
    for key in keys:
        ags, year = key
        period, n, nflag = data.num.cells[key]
        if has_den:
            _, d, dflag = data.den.cells[key]
            if math.isnan(n):
                value, flag = math.nan, _nan_flag(nflag)
            elif math.isnan(d):
                value, flag = math.nan, _nan_flag(dflag)
            elif d == 0:
                value, flag = math.nan, "x"
            else:
                value, flag = n / d * ind.multiplier, ("-" if nflag == "-" else None)
        else:
            d, dflag = math.nan, None
            value = n * ind.multiplier
            flag = _nan_flag(nflag) if math.isnan(n) else ("-" if nflag == "-" else None)
        ns = data.num.src.get(key, -1)
        ds = data.den.src.get(key, -1) if has_den else -1
        note = ""
        brk = False
        p = prev.get(ags)
        if p is not None and p != (ns, ds):
            brk = True
            texts = []
            if ns != p[0] and 0 <= ns < len(num_src):
                s = num_src[ns]
                prev_table = num_src[p[0]].table if 0 <= p[0] < len(num_src) else "?"
                texts.append(s.note or f"ab {year} aus Tabelle {s.table} (vorher {prev_table})")
            if has_den and ds != p[1] and den_src and 0 <= ds < len(den_src):
                s = den_src[ds]
                if s.note:
                    texts.append(s.note)
                elif s.table != data.num.table.get(key):
                    texts.append(f"Bezugsgröße ab {year} aus Tabelle {s.table}")
            note = "Reihenbruch: " + "; ".join(dict.fromkeys(texts)) if texts else "Reihenbruch"
        prev[ags] = (ns, ds)
        tabs_used = [data.num.table.get(key)]
        if has_den and data.den.table.get(key) not in tabs_used:
            tabs_used.append(data.den.table.get(key))
        rows.append(
            {
                "ags": ags,
                "year": year,
                "period": period,
                "group": gname,
                "value": value,
                "flag": flag,
                "unit": ind.unit,
                "numerator": n,
                "denominator": d if has_den else math.nan,
                "break": brk,
                "note": note,
                "source": " + ".join(t for t in tabs_used if t),
            }
        )
    return rows


def compute(
    catalogue,
    tables: dict[str, pd.DataFrame],
    regions: list[str],
    year: int,
    *,
    indicators: list[str] | None = None,
    upto: bool = True,
) -> pd.DataFrame:
    """Evaluate the catalogue on GENESIS reader frames (keyed by table code).

    Returns the long indicator table (:data:`COLUMNS`), one row per indicator × region ×
    period × group, for periods up to ``year`` (every period read with ``upto=False``: the
    download table carries them all, see :func:`prepare`); gap rows (group ``abstand_<a>_<b>``, unit
    ``Pp.``) are added where the indicator defines one. Indicators whose tables are missing
    produce no rows; their German messages are in ``df.attrs["problems"]`` (and are logged).
    """
    cat = _as_catalogue(catalogue)
    regions = [str(r) for r in regions]
    tabs = _index_tables(tables, regions)
    names: dict[str, str] = {}
    for t in tabs.values():
        for a, r in t.names.items():
            names.setdefault(a, _short_name(r))
    problems: list[str] = []
    frames = []
    for ind in cat.indicators:
        if indicators is not None and ind.id not in indicators:
            continue
        try:
            rows = _compute_indicator(ind, tabs, problems)
        except _Problem as exc:
            problems.append(f"Indikator „{ind.title}“ ({ind.id}): {exc}")
            continue
        if not rows:
            continue
        per_group = pd.DataFrame(rows)
        if not (per_group["year"] <= year).any():
            problems.append(
                f"Indikator „{ind.title}“ ({ind.id}): keine Werte bis zum Berichtsjahr {year}."
            )
            if upto:
                continue
        if upto:
            per_group = per_group[per_group["year"] <= year]
        per_group = _complete_regions(per_group, regions)
        per_group = _add_gap(cat, ind, per_group)
        frames.append(per_group.assign(
            indicator=ind.id,
            label=ind.display_label,
            field=ind.field,
            decimals=ind.decimals,
            group_label=per_group["group"].map(lambda g: cat.group_label(ind, g)),
        ))
    for p in dict.fromkeys(problems):
        log.warning(p)
    if frames:
        out = pd.concat(frames, ignore_index=True)
    else:
        out = pd.DataFrame({c: [] for c in COLUMNS})
    out["region"] = out["ags"].map(lambda a: names.get(a, a))
    out["role"] = None
    out = _add_changes(out)
    out = _order(out, cat)
    out.attrs["problems"] = list(dict.fromkeys(problems))
    return out


def _short_name(region: str) -> str:
    try:
        from .sources.genesis import short_region_name

        return short_region_name(region)
    except ImportError:  # pragma: no cover
        return region.split(",")[0].strip()


def _compute_indicator(ind: Indicator, tabs, problems) -> list[dict]:
    base: dict[str, _GroupData] = {}
    local: list[str] = []
    for gname, g in ind.groups.items():
        if g.combine:
            continue
        num_src, den_src = ind.group_sources(gname)
        missing: list[str] = []
        num = _eval_series(num_src, tabs, g.params, missing)
        den = _eval_series(den_src, tabs, g.params, missing) if den_src else None
        if num is None or (den_src and den is None):
            if missing:
                local.append(_missing_message(ind, missing))
            else:
                local.append(
                    f"Indikator „{ind.title}“ ({ind.id}), Gruppe {gname}: Die Tabellen enthalten "
                    "keine Werte für die gewählten Regionen und Zeiträume."
                )
            continue
        base[gname] = _GroupData(num, den)
    for m in local:
        if m not in problems:
            problems.append(m)
    rows: list[dict] = []
    for gname, g in ind.groups.items():
        if g.combine:
            if not all(k in base for k in g.combine):
                continue
            ref = next(iter(g.combine))
            ref_data = base[ref]
            num = _combine_series(g.combine, base, "num")
            den = _combine_series(g.combine, base, "den") if ref_data.den is not None else None
            data = _GroupData(num, den)
            num_src, den_src = ind.group_sources(ref)
        elif gname in base:
            data = base[gname]
            num_src, den_src = ind.group_sources(gname)
        else:
            continue
        rows.extend(_rows(ind, gname, data, num_src, den_src))
    return rows


def _complete_regions(df: pd.DataFrame, regions: list[str]) -> pd.DataFrame:
    """Every requested region gets a row for every (group, year) of the indicator: regions
    absent from the table get value NaN with flag ``.`` (unknown), never a number."""
    keys = df[["group", "year"]].drop_duplicates()
    full = keys.merge(pd.DataFrame({"ags": regions}), how="cross")
    out = full.merge(df, on=["group", "year", "ags"], how="left")
    fill = out["value"].isna() & out["flag"].isna()
    out.loc[fill, "flag"] = "."
    # period/unit/source for filled rows from the same group-year
    for col in ("period", "unit", "source"):
        ref = df.groupby(["group", "year"])[col].first()
        out[col] = out[col].fillna(
            pd.Series(list(zip(out["group"], out["year"]))).map(ref).set_axis(out.index)
        )
    out["break"] = out["break"].fillna(False).astype(bool)
    out["note"] = out["note"].fillna("")
    return out


def _add_gap(cat: Catalogue, ind: Indicator, df: pd.DataFrame) -> pd.DataFrame:
    gap = ind.gap_spec()
    if gap is None or gap.group not in set(df["group"]) or gap.reference not in set(df["group"]):
        return df
    a = df[df["group"] == gap.group].set_index(["ags", "year"])
    b = df[df["group"] == gap.reference].set_index(["ags", "year"])
    idx = a.index.intersection(b.index)
    if len(idx) == 0:
        return df
    a, b = a.loc[idx], b.loc[idx]
    value = a["value"] - b["value"]
    flag = np.where(value.isna(), a["flag"].where(a["value"].isna(), b["flag"]).fillna("."), None)
    g = pd.DataFrame(
        {
            "value": value,
            "flag": pd.Series(flag, index=value.index, dtype=object).where(pd.notna(flag), None),
            "period": a["period"],
            "unit": GAP_UNIT,
            "group": f"abstand_{gap.group}_{gap.reference}",
            "numerator": np.nan,
            "denominator": np.nan,
            "break": a["break"] | b["break"],
            "note": a["note"].where(a["note"] != "", b["note"]),
            "source": a["source"],
        }
    ).reset_index()
    # the first year of the gap series itself is no break
    first = g.groupby("ags")["year"].transform("min") == g["year"]
    g.loc[first, "break"] = False
    g.loc[first, "note"] = ""
    return pd.concat([df, g], ignore_index=True)


def _add_changes(df: pd.DataFrame) -> pd.DataFrame:
    if df.empty:
        for k in (1, 5, 10):
            df[f"change_{k}y"] = []
        return df
    key = df.set_index(["indicator", "ags", "group", "year"])["value"]
    key = key[~key.index.duplicated()]
    for k in (1, 5, 10):
        prev_idx = pd.MultiIndex.from_arrays(
            [df["indicator"], df["ags"], df["group"], df["year"] - k]
        )
        prev = key.reindex(prev_idx).to_numpy()
        df[f"change_{k}y"] = df["value"].to_numpy() - prev
    # No change is computed across a series break (new source or method in (year − k, year]):
    # the two values are not comparable.
    if "break" in df.columns and df["break"].fillna(False).astype(bool).any():
        breaks: dict[tuple, list[int]] = {}
        hit = df[df["break"].fillna(False).astype(bool)]
        for ind, ags, grp, yr in zip(hit["indicator"], hit["ags"], hit["group"], hit["year"]):
            breaks.setdefault((ind, ags, grp), []).append(int(yr))
        for k in (1, 5, 10):
            col = f"change_{k}y"
            crossed = [
                any(y - k < b <= y for b in breaks.get((ind, ags, grp), ()))
                for ind, ags, grp, y in zip(df["indicator"], df["ags"], df["group"], df["year"])
            ]
            df.loc[pd.Series(crossed, index=df.index), col] = np.nan
    return df


def _order(df: pd.DataFrame, cat: Catalogue) -> pd.DataFrame:
    order = {ind.id: i for i, ind in enumerate(cat.indicators)}
    gorder = {}
    for ind in cat.indicators:
        for j, g in enumerate(ind.groups):
            gorder[(ind.id, g)] = j
    df = df.assign(
        _io=df["indicator"].map(order),
        _go=[gorder.get((i, g), 999) for i, g in zip(df["indicator"], df["group"])],
    )
    df = df.sort_values(["_io", "ags", "_go", "group", "year"], kind="stable")
    for c in COLUMNS:
        if c not in df:
            df[c] = None
    df = df[COLUMNS].reset_index(drop=True)
    df["year"] = df["year"].astype("int64")
    for c in ("value", "numerator", "denominator", "change_1y", "change_5y", "change_10y"):
        df[c] = pd.to_numeric(df[c], errors="coerce").astype("float64")
    df["break"] = df["break"].fillna(False).astype(bool)
    for c in ("indicator", "label", "field", "ags", "region", "role", "period", "group",
              "group_label", "unit", "flag", "note", "source"):
        df[c] = df[c].astype(object).where(df[c].notna(), None)
    return df


# --------------------------------------------------------------------------- pipeline glue


def load_tables(genesis_dir: str | Path, codes: list[str] | None = None) -> dict[str, pd.DataFrame]:
    """Processed tables ``<code>.parquet`` from ``genesis_dir`` (metadata from ``<code>.json``)."""
    genesis_dir = Path(genesis_dir)
    out: dict[str, pd.DataFrame] = {}
    if not genesis_dir.is_dir():
        return out
    for p in sorted(genesis_dir.glob("*.parquet")):
        code = p.stem
        if codes is not None and code not in codes:
            continue
        df = pd.read_parquet(p)
        meta_path = p.with_suffix(".json")
        meta = dict(df.attrs.get("meta") or {})
        if meta_path.exists():
            try:
                meta.update(json.loads(meta_path.read_text(encoding="utf-8")))
            except json.JSONDecodeError:
                raise InputError("Die Metadaten der Tabelle sind kein gültiges JSON.", file=meta_path) from None
        meta.setdefault("code", code)
        df.attrs["meta"] = meta
        out[str(meta["code"])] = df
    return out


def catalogue_for(edition) -> Catalogue:
    """The edition's catalogue (``indicators:`` in the edition config, relative to the project)."""
    cfg = getattr(edition, "config", None)
    if cfg is None:
        return load_catalogue(DEFAULT_CATALOGUE)
    if hasattr(edition, "path"):
        return load_catalogue(edition.path(cfg.indicators))
    from .config import resolve

    return load_catalogue(resolve(cfg.indicators))


def prepare(edition) -> pd.DataFrame:
    """Compute the indicator table for an edition and write ``indicators.parquet``.

    Reads ``edition.processed_dir / "genesis" / <code>.parquet``; also writes
    ``indicators_status.json`` (per indicator: available, missing tables, German message).
    """
    cat = catalogue_for(edition)
    genesis_dir = Path(edition.processed_dir) / "genesis"
    tables = load_tables(genesis_dir, all_tables(cat))
    regions_df = edition.regions
    regions = list(dict.fromkeys(str(a) for a in regions_df["ags"]))
    everything = compute(cat, tables, regions, int(edition.year), upto=False)
    later = everything[everything["year"] > int(edition.year)].reset_index(drop=True)
    df = everything[everything["year"] <= int(edition.year)].reset_index(drop=True)
    df.attrs = dict(everything.attrs)
    roles = dict(zip(regions_df["ags"].astype(str), regions_df["role"]))
    names = dict(zip(regions_df["ags"].astype(str), regions_df["name"]))
    for part in (df, later):
        part["role"] = part["ags"].map(roles)
        part["region"] = [names.get(a) or r for a, r in zip(part["ags"], part["region"])]
    out = Path(edition.processed_dir)
    out.mkdir(parents=True, exist_ok=True)
    problems = df.attrs.get("problems", [])
    df.attrs = {}
    later.attrs = {}
    df.to_parquet(out / "indicators.parquet", index=False)
    # periods after the report year: not in the chapters, but in the download table
    later.to_parquet(out / LATER_FILE, index=False)
    status = availability(cat, tables)
    status_records = status.to_dict(orient="records")
    own = str(regions_df.loc[regions_df["role"] == "kreis", "ags"].iloc[0]) if (regions_df["role"] == "kreis").any() else regions[0]
    cur = [
        {**r, "latest_year": None if pd.isna(r["latest_year"]) else int(r["latest_year"]),
         "latest_period": None if pd.isna(r["latest_period"]) else str(r["latest_period"])}
        for r in currency(df, cat, own, int(edition.year)).to_dict(orient="records")
    ]
    (out / "indicators_status.json").write_text(
        json.dumps({"indicators": status_records, "problems": problems, "currency": cur}, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
        encoding="utf-8",
    )
    df.attrs["problems"] = problems
    return df


def currency(df: pd.DataFrame, catalogue, ags: str, year: int) -> pd.DataFrame:
    """Per catalogue indicator: its latest period for ``ags`` and whether it is current.

    An indicator is current when its latest period with a value is at least ``year - k``
    (``k`` = the indicator's ``max_age``, default the catalogue's ``max_age``, 2); a one-off
    indicator (``one_off: true``, e.g. the Zensus 2011) is always shown with its own date.
    Columns ``indicator, title, field, latest_period, latest_year, max_age, one_off, current,
    tables, line`` (``line``: one plain German sentence for the annex "Datengrundlage").
    """
    cat = _as_catalogue(catalogue)
    rows = []
    own = df[(df["ags"].astype(str) == str(ags)) & df["value"].notna()] if len(df) else df
    for ind in cat.indicators:
        k = ind.max_age if ind.max_age is not None else cat.max_age
        r = own[own["indicator"] == ind.id] if len(own) else own
        if len(r):
            last = r.sort_values(["year", "period"], kind="stable").iloc[-1]
            ly, lp = int(last["year"]), str(last["period"])
        else:
            ly, lp = None, None
        current = ly is not None and (ind.one_off or ly >= year - k)
        tables = ", ".join(ind.tables())
        if ly is None:
            line = (
                f"{ind.title}: Die Daten enthalten keine Werte (Tabelle {tables}); der Indikator "
                "fehlt in den Kapiteln."
            )
        elif current:
            line = f"{ind.title}: neuester Stand {lp} (Tabelle {tables})."
        else:
            line = (
                f"{ind.title}: neuester Stand {lp} (Tabelle {tables}) – älter als {year - k}, "
                f"daher nicht in den Kapiteln des Berichts {year}."
            )
        rows.append(
            {
                "indicator": ind.id,
                "title": ind.title,
                "field": ind.field,
                "latest_period": lp,
                "latest_year": ly,
                "max_age": k,
                "one_off": ind.one_off,
                "current": bool(current),
                "tables": tables,
                "line": line,
            }
        )
    return pd.DataFrame(rows)


def current_ids(df: pd.DataFrame, catalogue, ags: str, year: int) -> set[str]:
    """The ids of the indicators that are current for ``ags`` in ``year`` (see :func:`currency`);
    the chapters, the key figures and the findings show only these."""
    cur = currency(df, catalogue, ags, year)
    return set(cur.loc[cur["current"], "indicator"]) if len(cur) else set()


def is_current(edition, indicator: str) -> bool:
    """Whether ``indicator`` is current for the edition (see :func:`currency`)."""
    status = load_status(edition)
    for rec in status.get("currency", []):
        if rec["indicator"] == indicator:
            return bool(rec["current"])
    return True


LATER_FILE = "indicators_after_report_year.parquet"


def with_later_periods(edition, table: pd.DataFrame) -> pd.DataFrame:
    """``table`` (periods up to the report year) plus the periods after the report year that
    :func:`prepare` read: the download table ``indikatoren.csv`` carries every period read."""
    path = Path(edition.processed_dir) / LATER_FILE
    later = pd.read_parquet(path) if path.exists() else None
    if later is None or later.empty:
        return table
    return pd.concat([table, later[[c for c in table.columns if c in later.columns]]], ignore_index=True)


def load(edition) -> pd.DataFrame:
    """The indicator table written by :func:`prepare` (for notebooks)."""
    path = Path(edition.processed_dir) / "indicators.parquet"
    if not path.exists():
        raise InputError(
            "Die Indikatorentabelle fehlt; bitte zuerst „integrationsbericht build“ ausführen.",
            file=path,
        )
    return pd.read_parquet(path)


def load_status(edition) -> dict:
    path = Path(edition.processed_dir) / "indicators_status.json"
    if not path.exists():
        return {"indicators": [], "problems": [], "currency": []}
    return json.loads(path.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- export


EXPORT_COLUMNS = [
    "indicator", "label", "ags", "region", "role", "period", "year", "group", "group_label",
    "value", "unit", "flag", "change_1y", "change_5y", "change_10y", "break", "note", "source",
]


def _fmt_num(x, decimals: int) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    v = round(float(x), decimals) + 0.0
    return f"{v:.{decimals}f}"


def export_frame(df: pd.DataFrame, catalogue=None) -> pd.DataFrame:
    """The download table: values as fixed-precision text (decimals of the catalogue + 2 for
    computed ratios), empty where not available (the symbol is in ``flag``)."""
    prec: dict[str, int] = {}
    if catalogue is not None:
        for ind in _as_catalogue(catalogue).indicators:
            prec[ind.id] = ind.decimals + (2 if (ind.denominator or ind.multiplier != 1) else 0)
    out = df.copy()
    if not prec:
        # from the table itself: published decimals, +2 for computed ratios
        computed = out["denominator"].notna() | (out["unit"] == GAP_UNIT)
        digits = out["decimals"].fillna(2).astype(int) + np.where(computed, 2, 0)
        key = out["indicator"]
        prec = dict(pd.Series(digits.to_numpy(), index=key.to_numpy()).groupby(level=0).max())
    for c in ("value", "change_1y", "change_5y", "change_10y"):
        out[c] = [_fmt_num(v, int(prec.get(i, 4))) for v, i in zip(out[c], out["indicator"])]
    out["break"] = out["break"].map(lambda b: "ja" if b else "")
    out = out.sort_values(["indicator", "ags", "group", "year"], kind="stable")
    cols = [c for c in EXPORT_COLUMNS if c in out.columns]
    out = out[cols].fillna("").astype(str).reset_index(drop=True)
    return out


def explanations(catalogue=None) -> pd.DataFrame:
    """Sheet "Erläuterungen": one row per column of the data sheet (German headers, with the
    contract CSV's column name), the symbols, and one row per indicator."""
    from .exports import GERMAN_HEADERS, SYMBOLS

    cat = _as_catalogue(catalogue)
    columns = [
        ("indicator", "Kennung des Indikators (siehe unten)"),
        ("ags", "Amtlicher Regionalschlüssel (DG = Deutschland)"),
        ("period", "Stichtag oder Berichtsjahr wie in der Quelle"),
        ("group", "Bevölkerungsgruppe (insgesamt, deutsch, auslaendisch …); abstand_… = Differenz in Prozentpunkten"),
        ("value", "Wert als Zahl; leer, wenn kein Wert vorliegt (Zeichen in der Spalte Zeichen)"),
        ("flag", "Zeichen der amtlichen Statistik, siehe unten; leer, wenn keines zutrifft"),
        ("change_1y", "Veränderung gegenüber 1, 5, 10 Jahren zuvor (bei Anteilen in Prozentpunkten)"),
        ("break", "ja = Reihenbruch (neue Quelle oder Methode ab diesem Zeitraum), siehe Hinweis"),
        ("source", "GENESIS-Tabellen (Regionaldatenbank Deutschland)"),
    ]
    rows = [{"Begriff": f"{GERMAN_HEADERS[c]} ({c} in indikatoren.csv)", "Erläuterung": t} for c, t in columns]
    rows += [{"Begriff": sym, "Erläuterung": text} for sym, text in SYMBOLS]
    for ind in cat.indicators:
        rows.append({"Begriff": ind.id, "Erläuterung": f"{ind.title}: {ind.definition}"})
    return pd.DataFrame(rows)


def _numeric_export(out: pd.DataFrame) -> pd.DataFrame:
    """The download table with numbers as numbers (for Excel and the German CSV)."""
    num = out.copy()
    for c in ("value", "change_1y", "change_5y", "change_10y"):
        num[c] = pd.to_numeric(num[c].replace("", np.nan), errors="coerce")
    num["year"] = pd.to_numeric(num["year"], errors="coerce").astype("Int64")
    return num


def export(df: pd.DataFrame, downloads_dir: str | Path, catalogue=None) -> dict[str, Path]:
    """Write the contract ``indikatoren.csv`` (unchanged format), ``indikatoren.xlsx`` (sheets
    "Daten", "Erläuterungen"; numbers as numbers) and ``indikatoren_de.csv`` (for German Excel)."""
    from .escaping import neutralise_formulas
    from .exports import write_csv, write_xlsx

    downloads_dir = Path(downloads_dir)
    downloads_dir.mkdir(parents=True, exist_ok=True)
    out = export_frame(df, catalogue)
    csv_path = downloads_dir / "indikatoren.csv"
    neutralise_formulas(out).to_csv(csv_path, index=False, encoding="utf-8", lineterminator="\n")
    num = _numeric_export(out)
    xlsx_path = write_xlsx(
        {"Daten": num, "Erläuterungen": explanations(catalogue)}, downloads_dir / "indikatoren.xlsx"
    )
    de_path = write_csv(num, downloads_dir / "indikatoren_de.csv")
    return {"csv": csv_path, "xlsx": xlsx_path, "csv_de": de_path}


# --------------------------------------------------------------------------- queries


def series(df: pd.DataFrame, indicator: str, ags: str, group: str = "insgesamt") -> pd.DataFrame:
    """Rows of one indicator/region/group, sorted by year."""
    m = (df["indicator"] == indicator) & (df["ags"] == ags) & (df["group"] == group)
    return df[m].sort_values("year").reset_index(drop=True)


def latest(df: pd.DataFrame, indicator: str, ags: str, group: str = "insgesamt"):
    """The latest row with a value (a pandas Series) or ``None``."""
    s = series(df, indicator, ags, group)
    s = s[s["value"].notna()]
    return None if s.empty else s.iloc[-1]


def table_meta(edition) -> dict[str, dict]:
    """Metadata of the processed GENESIS tables (``<code>.json``: title, stand, copyright …)."""
    gdir = Path(edition.processed_dir) / "genesis"
    out: dict[str, dict] = {}
    if not gdir.is_dir():
        return out
    for p in sorted(gdir.glob("*.json")):
        try:
            meta = json.loads(p.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            continue
        out[str(meta.get("code") or p.stem)] = meta
    return out


def source_years(ind: Indicator) -> list[tuple[str, str]]:
    """(table code, German year range) for every source of an indicator, in catalogue order."""
    out: list[tuple[str, str]] = []
    srcs = list(ind.numerator) + list(ind.denominator or [])
    for g in ind.groups.values():
        srcs += list(g.numerator or []) + list(g.denominator or [])
    for s in srcs:
        lo, hi = s.years
        if lo is None and hi is None:
            rng = ""
        elif lo is None:
            rng = f"bis {hi}"
        elif hi is None:
            rng = f"ab {lo}"
        elif lo == hi:
            rng = str(lo)
        else:
            rng = f"{lo}–{hi}"
        if s.lag:
            rng = (rng + ", " if rng else "") + "Vorjahreswert"
        item = (s.table, rng)
        if item not in out:
            out.append(item)
    return out

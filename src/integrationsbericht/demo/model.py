"""Parametric population model behind the demo data (a city shaped like Bielefeld).

Nothing here is read from official statistics: every number comes from the parameters below
(smooth trends with refugee-year jumps) plus seeded noise. Only plain arithmetic and
``random.Random.random()`` are used, so the output is identical across platforms and Python
versions (``random()`` is guaranteed reproducible for a given seed).

The model works on *units*: the nine listed Kreise plus three "rest" units (rest of
Regierungsbezirk Detmold, rest of Nordrhein-Westfalen, rest of Germany). The published regions
DG, 05 and 057 are sums of units, so every total in the demo files is internally consistent.

Public helpers for other demo generators (e.g. the district register extract):
``population(ags, year, seed=...)`` and ``population_register_groups(ags, year, seed=...)``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

FIRST_YEAR = 2011
LAST_YEAR = 2025
YEARS = tuple(range(FIRST_YEAR, LAST_YEAR + 1))
DEFAULT_SEED = 2025

# ---------------------------------------------------------------------------------------------
# Regions (names exactly as written in the Regionaldatenbank exports)


@dataclass(frozen=True)
class Region:
    ags: str
    name: str
    level: int  # 0 Bund, 1 Land, 2 Regierungsbezirk, 3 Kreis / kreisfreie Stadt

    @property
    def label(self) -> str:
        """Region name with the export's indentation (two spaces per level)."""
        return " " * (2 * self.level) + self.name


REGIONS: tuple[Region, ...] = (
    Region("DG", "Deutschland", 0),
    Region("05", "Nordrhein-Westfalen", 1),
    Region("05116", "Mönchengladbach, Kreisfreie Stadt", 3),
    Region("05124", "Wuppertal, Kreisfreie Stadt", 3),
    Region("05314", "Bonn, Kreisfreie Stadt", 3),
    Region("05513", "Gelsenkirchen, Kreisfreie Stadt", 3),
    Region("05515", "Münster, Kreisfreie Stadt", 3),
    Region("057", "Detmold, Regierungsbezirk", 2),
    Region("05711", "Bielefeld, Kreisfreie Stadt", 3),
    Region("05754", "Gütersloh, Kreis", 3),
    Region("05758", "Herford, Kreis", 3),
    Region("05911", "Bochum, Kreisfreie Stadt", 3),
)
REGION_BY_AGS = {r.ags: r for r in REGIONS}
KREISE = tuple(r.ags for r in REGIONS if r.level == 3)

# Units: the listed Kreise plus the unlisted remainder of each aggregate.
REST_057, REST_05, REST_DG = "R057", "R05", "RDG"
UNITS = KREISE + (REST_057, REST_05, REST_DG)
MEMBERS: dict[str, tuple[str, ...]] = {
    **{k: (k,) for k in KREISE},
    "057": ("05711", "05754", "05758", REST_057),
    "05": KREISE + (REST_057, REST_05),
    "DG": UNITS,
}
KREISFREI = {"05711", "05515", "05314", "05911", "05124", "05513", "05116"}


@dataclass(frozen=True)
class UnitParams:
    pop11: int  # population 31.12.2011
    pop25: int  # population 31.12.2025
    f11: float  # foreign share 2011
    f25: float  # foreign share 2025
    area: float  # km²
    mh11: float  # Zensus 2011 share with migration background
    birth: float  # live births per 10,000
    death: float  # deaths per 10,000
    commute: float  # employees at workplace / employees at residence
    emp_d: float  # employment rate (SVB / pop 15-65) of Germans 2011
    emp_a: float  # employment rate of foreigners 2011
    unemp: float  # unemployment rate of Germans 2011
    gap: float  # unemployment rate foreigners / Germans
    sgb_d: float  # SGB II rate of Germans under 65, 2011
    sgb_a: float  # SGB II rate of foreigners under 65, 2011
    no_hsa: float  # share of school leavers without Hauptschulabschluss
    gym_a: float  # Gymnasium share among foreign pupils (total share is ~0.26)
    u3care11: float  # childcare rate under 3, 2011
    u3care25: float  # childcare rate under 3, 2025
    origin: float  # share of children in day care with a foreign-born parent, 2011
    centre: float  # catchment factor for schools (pupils from surrounding Kreise)
    students: float  # extra weight of ages 18-30 (university towns)


PARAMS: dict[str, UnitParams] = {
    "05711": UnitParams(328_000, 340_000, 0.120, 0.200, 258.8, 0.33, 93, 106, 1.24, 0.54, 0.33,
                        0.072, 2.6, 0.095, 0.33, 0.062, 0.100, 0.22, 0.36, 0.40, 1.06, 1.20),
    "05515": UnitParams(296_000, 322_000, 0.070, 0.112, 303.3, 0.22, 92, 90, 1.45, 0.52, 0.36,
                        0.055, 2.3, 0.070, 0.26, 0.045, 0.140, 0.30, 0.48, 0.28, 1.08, 1.40),
    "05314": UnitParams(306_000, 336_000, 0.130, 0.205, 141.1, 0.30, 101, 92, 1.55, 0.53, 0.37,
                        0.062, 2.2, 0.080, 0.28, 0.050, 0.130, 0.30, 0.45, 0.38, 1.08, 1.25),
    "05911": UnitParams(362_000, 364_000, 0.072, 0.135, 145.7, 0.24, 82, 119, 1.05, 0.52, 0.30,
                        0.095, 2.7, 0.110, 0.38, 0.070, 0.090, 0.20, 0.33, 0.36, 1.04, 1.15),
    "05124": UnitParams(343_000, 356_000, 0.150, 0.232, 168.4, 0.37, 94, 121, 0.95, 0.53, 0.33,
                        0.092, 2.4, 0.120, 0.34, 0.072, 0.095, 0.18, 0.30, 0.50, 1.00, 1.05),
    "05513": UnitParams(257_000, 262_000, 0.118, 0.242, 104.9, 0.34, 96, 124, 0.95, 0.48, 0.26,
                        0.125, 2.3, 0.160, 0.42, 0.085, 0.075, 0.14, 0.26, 0.48, 1.00, 1.00),
    "05116": UnitParams(256_000, 262_000, 0.100, 0.172, 170.5, 0.28, 90, 118, 0.95, 0.53, 0.34,
                        0.092, 2.3, 0.120, 0.33, 0.066, 0.095, 0.18, 0.30, 0.42, 1.00, 1.00),
    "05754": UnitParams(354_000, 368_000, 0.090, 0.152, 969.0, 0.27, 101, 94, 1.05, 0.58, 0.46,
                        0.045, 2.3, 0.045, 0.20, 0.052, 0.110, 0.20, 0.34, 0.33, 0.98, 0.95),
    "05758": UnitParams(249_000, 251_000, 0.070, 0.121, 450.0, 0.26, 88, 116, 0.85, 0.57, 0.40,
                        0.055, 2.4, 0.060, 0.25, 0.055, 0.110, 0.20, 0.33, 0.32, 0.97, 0.95),
    REST_057: UnitParams(1_098_000, 1_103_000, 0.055, 0.105, 5128.0, 0.22, 88, 113, 0.98, 0.58,
                         0.43, 0.050, 2.3, 0.050, 0.22, 0.055, 0.120, 0.20, 0.32, 0.26, 0.99, 0.95),
    REST_05: UnitParams(13_700_000, 14_150_000, 0.100, 0.165, 26270.0, 0.245, 90, 108, 1.0, 0.56,
                        0.37, 0.075, 2.4, 0.085, 0.30, 0.058, 0.120, 0.20, 0.34, 0.34, 1.0, 1.0),
    REST_DG: UnitParams(62_800_000, 65_200_000, 0.075, 0.140, 323478.0, 0.18, 85, 112, 1.0, 0.58,
                        0.40, 0.055, 2.2, 0.065, 0.24, 0.058, 0.130, 0.30, 0.40, 0.27, 1.0, 1.0),
}

# ---------------------------------------------------------------------------------------------
# Time shapes

# Share of the 2011→2025 rise in the foreign share that happens in each year; the refugee
# years 2015/16 and 2022 carry the big jumps. Sums to 1.
_RISE = {2012: .04, 2013: .05, 2014: .06, 2015: .16, 2016: .10, 2017: .05, 2018: .04,
         2019: .04, 2020: .02, 2021: .03, 2022: .20, 2023: .10, 2024: .06, 2025: .05}
# Strength of refugee immigration in a year (0…1).
REFUGEE = {2014: 0.3, 2015: 1.0, 2016: 0.5, 2022: 0.8, 2023: 0.3}


def rise(year: int) -> float:
    """Cumulative share (0 in 2011, 1 in 2025) of the long-run rise."""
    return sum(v for y, v in _RISE.items() if y <= year)


def trend(year: int) -> float:
    """Linear time index: 0 in 2011, 1 in 2025."""
    return (year - FIRST_YEAR) / (LAST_YEAR - FIRST_YEAR)


def refugee(year: int) -> float:
    return REFUGEE.get(year, 0.0)


def refugee_after(year: int) -> float:
    """Lagged effect of refugee immigration on labour market and benefits (0…1)."""
    lag = {2015: .2, 2016: .8, 2017: 1.0, 2018: .8, 2019: .6, 2020: .6, 2021: .5,
           2022: .7, 2023: 1.0, 2024: .9, 2025: .7}
    return lag.get(year, 0.0)


# ---------------------------------------------------------------------------------------------
# Deterministic noise and integer apportionment


def rng(seed: int, *key: object) -> random.Random:
    """A generator for one named quantity; str seeds hash with SHA-512 (stable across versions)."""
    return random.Random("|".join([str(seed), *map(str, key)]))


def noise(seed: int, *key: object) -> float:
    """Uniform noise in [-1, 1] for one named quantity."""
    return 2.0 * rng(seed, *key).random() - 1.0


def apportion(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder, stable)."""
    s = sum(weights)
    if total <= 0 or s <= 0:
        return [0] * len(weights)
    exact = [total * w / s for w in weights]
    base = [int(x) for x in exact]
    rest = total - sum(base)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - base[i]), i))
    for i in order[:rest]:
        base[i] += 1
    return base


def rnd(x: float) -> int:
    """Round half up to an integer (deterministic, no banker's rounding)."""
    return int(x + 0.5) if x >= 0 else -int(-x + 0.5)


# ---------------------------------------------------------------------------------------------
# Population by age group (21, as in table 12411-03-03) × sex × nationality

AGE_GROUPS = (
    "unter 3 Jahre", "3 bis unter 6 Jahre", "6 bis unter 10 Jahre", "10 bis unter 15 Jahre",
    "15 bis unter 18 Jahre", "18 bis unter 20 Jahre", "20 bis unter 25 Jahre",
    "25 bis unter 30 Jahre", "30 bis unter 35 Jahre", "35 bis unter 40 Jahre",
    "40 bis unter 45 Jahre", "45 bis unter 50 Jahre", "50 bis unter 55 Jahre",
    "55 bis unter 60 Jahre", "60 bis unter 65 Jahre", "65 bis unter 70 Jahre",
    "70 bis unter 75 Jahre", "75 bis unter 80 Jahre", "80 bis unter 85 Jahre",
    "85 bis unter 90 Jahre", "90 Jahre und mehr",
)
AGE_BOUNDS = ((0, 3), (3, 6), (6, 10), (10, 15), (15, 18), (18, 20), (20, 25), (25, 30),
              (30, 35), (35, 40), (40, 45), (45, 50), (50, 55), (55, 60), (60, 65), (65, 70),
              (70, 75), (75, 80), (80, 85), (85, 90), (90, 100))
SEXES = ("männlich", "weiblich")
NATIONALITIES = ("deutsch", "ausländisch")

_BASE_D = (2.6, 2.6, 3.5, 4.6, 3.0, 2.2, 5.6, 5.8, 5.5, 5.4, 6.2, 8.2, 8.2, 7.1, 6.3, 5.3, 5.0,
           5.9, 3.8, 2.2, 0.9)
_BASE_A = (2.6, 2.5, 3.2, 3.8, 2.8, 2.8, 8.5, 11.0, 11.0, 10.0, 9.0, 8.0, 6.5, 5.0, 4.0, 3.2,
           2.6, 1.8, 1.0, 0.5, 0.2)
# Ageing of the German population 2011→2025 (relative change of each group's weight).
_DRIFT_D = (0.10, 0.10, 0.05, 0.0, 0.0, 0.0, -0.05, 0.0, 0.05, 0.05, -0.10, -0.25, -0.10, 0.15,
            0.25, 0.25, 0.10, -0.10, 0.20, 0.30, 0.40)
_MALE_D = (0.513, 0.513, 0.513, 0.513, 0.513, 0.513, 0.505, 0.505, 0.505, 0.505, 0.505, 0.497,
           0.497, 0.497, 0.497, 0.47, 0.47, 0.43, 0.43, 0.33, 0.25)
_MALE_A = (0.52, 0.52, 0.52, 0.52, 0.53, 0.56, 0.56, 0.55, 0.53, 0.52, 0.52, 0.52, 0.52, 0.52,
           0.52, 0.50, 0.50, 0.50, 0.48, 0.45, 0.40)


def _totals(unit: str, year: int, seed: int) -> tuple[int, int]:
    """(population, foreigners) of a unit on 31.12. of ``year`` (2010…2025)."""
    p = PARAMS[unit]
    if year < FIRST_YEAR:
        pop, foreign = _totals(unit, FIRST_YEAR, seed)
        return rnd(pop * 0.997), rnd(foreign * 0.975)
    h = 0.5 * rise(year) + 0.5 * trend(year)
    pop = p.pop11 + (p.pop25 - p.pop11) * h
    pop *= 1.0 + 0.0008 * noise(seed, "pop", unit, year)
    share = p.f11 + (p.f25 - p.f11) * rise(year) + 0.001 * noise(seed, "fshare", unit, year)
    return rnd(pop), rnd(pop * share)


def _age_weights(unit: str, year: int, nat: str, seed: int) -> list[float]:
    p = PARAMS[unit]
    t = trend(year)
    out = []
    for i, (lo, _hi) in enumerate(AGE_BOUNDS):
        if nat == "deutsch":
            w = _BASE_D[i] * (1.0 + _DRIFT_D[i] * t)
        else:
            w = _BASE_A[i]
            if lo < 18:
                w *= 1.0 + 0.45 * rise(year) + 0.10 * refugee(year)
            elif lo < 30:
                w *= 1.0 + 0.15 * rise(year)
            elif lo >= 60:
                w *= 1.0 + 0.50 * t
        if 18 <= lo < 30:
            w *= p.students
        w *= 1.0 + 0.02 * noise(seed, "age", unit, year, nat, i)
        out.append(w)
    return out


@lru_cache(maxsize=None)
def cells(unit: str, year: int, seed: int = DEFAULT_SEED) -> dict[tuple[str, str, str], int]:
    """Population of one unit: {(age group, sex, nationality): count} on 31.12. of ``year``."""
    pop, foreign = _totals(unit, year, seed)
    result: dict[tuple[str, str, str], int] = {}
    for nat, total in (("deutsch", pop - foreign), ("ausländisch", foreign)):
        male = _MALE_D if nat == "deutsch" else _MALE_A
        weights: list[float] = []
        for i, w in enumerate(_age_weights(unit, year, nat, seed)):
            m = male[i]
            if nat == "ausländisch" and 15 <= AGE_BOUNDS[i][0] < 45:
                m += 0.04 * rise(year)
            weights += [w * m, w * (1.0 - m)]
        counts = apportion(total, weights)
        for i, age in enumerate(AGE_GROUPS):
            result[(age, "männlich", nat)] = counts[2 * i]
            result[(age, "weiblich", nat)] = counts[2 * i + 1]
    return result


def members(ags: str) -> tuple[str, ...]:
    """Units that make up a published region (or a unit itself)."""
    return MEMBERS.get(ags, (ags,))


@lru_cache(maxsize=None)
def region_cells(ags: str, year: int, seed: int = DEFAULT_SEED) -> dict[tuple[str, str, str], int]:
    """Population cells of a published region (sum over its units); treat as read-only."""
    total: dict[tuple[str, str, str], int] = {}
    for unit in members(ags):
        for key, n in cells(unit, year, seed).items():
            total[key] = total.get(key, 0) + n
    return total


def count(ags: str, year: int, *, ages: tuple[int, int] = (0, 200), sex: str | None = None,
          nat: str | None = None, seed: int = DEFAULT_SEED) -> int:
    """Population of a region or unit within an age range [lo, hi) (group bounds) on 31.12."""
    return _count(ags, year, tuple(ages), sex, nat, seed)


@lru_cache(maxsize=None)
def _count(ags: str, year: int, ages: tuple[int, int], sex: str | None, nat: str | None, seed: int) -> int:
    lo, hi = ages
    n = 0
    for (age, s, na), v in region_cells(ags, year, seed).items():
        a_lo, a_hi = AGE_BOUNDS[AGE_GROUPS.index(age)]
        if a_lo >= lo and a_hi <= hi and (sex is None or s == sex) and (nat is None or na == nat):
            n += v
    return n


def population(ags: str, year: int, *, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Demo population on 31.12.``year`` by age group (21) × sex × nationality.

    Columns ``altersgruppe`` (labels of table 12411-03-03), ``geschlecht`` (``männlich``,
    ``weiblich``), ``staatsangehoerigkeit`` (``deutsch``, ``ausländisch``), ``anzahl``.
    The numbers are exactly those written to the demo GENESIS files for the same seed.
    """
    _check(ags, year)
    rows = [(a, s, n, v) for (a, s, n), v in region_cells(ags, year, seed).items()]
    df = pd.DataFrame(rows, columns=["altersgruppe", "geschlecht", "staatsangehoerigkeit", "anzahl"])
    df["anzahl"] = df["anzahl"].astype("int64")
    return df


REGISTER_AGE_GROUPS = {
    "unter 6": (0, 6), "6 bis unter 18": (6, 18), "18 bis unter 30": (18, 30),
    "30 bis unter 45": (30, 45), "45 bis unter 65": (45, 65), "65 und älter": (65, 200),
}


def population_register_groups(ags: str, year: int, *, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Like :func:`population`, aggregated to the six age groups of the register extract."""
    _check(ags, year)
    rows = []
    for label, bounds in REGISTER_AGE_GROUPS.items():
        for sex in SEXES:
            for nat in NATIONALITIES:
                rows.append((label, sex, nat, count(ags, year, ages=bounds, sex=sex, nat=nat,
                                                    seed=seed)))
    df = pd.DataFrame(rows, columns=["altersgruppe", "geschlecht", "staatsangehoerigkeit", "anzahl"])
    df["anzahl"] = df["anzahl"].astype("int64")
    return df


def _check(ags: str, year: int) -> None:
    if ags not in REGION_BY_AGS:
        known = ", ".join(r.ags for r in REGIONS)
        raise ValueError(f"Für den Regionalschlüssel {ags!r} gibt es keine Demodaten (vorhanden: {known}).")
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"Demodaten gibt es nur für die Jahre {FIRST_YEAR} bis {LAST_YEAR}, nicht für {year}.")

"""Demo GENESIS exports: one CSV per table code, in the layout of the real Regionaldatenbank export.

The numbers come from :mod:`integrationsbericht.demo.model` (parameters + seeded noise), never
from official files. The layout (title block, header rows, period placement, indentation,
decimal comma, symbols, footer with notes, licence and ``Stand:`` line, encoding) follows the
real export of each table code, so the GENESIS reader and one indicator catalogue work for both.

Public entry point: :func:`write_genesis_demo`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from . import model as m
from .model import AGE_BOUNDS, AGE_GROUPS, FIRST_YEAR, LAST_YEAR, REGIONS, YEARS, apportion, rnd

DEMO_NOTE = "Demodaten – erzeugt von integrationsbericht, keine amtlichen Zahlen"
DEMO_NOTE_LATIN1 = "Demodaten - erzeugt von integrationsbericht, keine amtlichen Zahlen"
COPYRIGHT = (
    "© Projekt integrationsbericht (Demodaten), 2026.",
    "Dieses Werk ist lizenziert unter der MIT-Lizenz",
    "des Projekts integrationsbericht.",
)
STAND = "Stand: 01.07.2026 / 00:00:00"
FOOTER_SEP = "__________"

Number = int | float | str


# ---------------------------------------------------------------------------------------------
# Formatting


def fmt_int(n: int) -> str:
    """Integer as in the exports: ``-`` for exactly zero."""
    return "-" if n == 0 else str(n)


def fmt_dec(x: float, digits: int = 1) -> str:
    """Decimal comma, fixed digits (``-14,6``)."""
    s = f"{x:.{digits}f}"
    if s.lstrip("-").strip("0.") == "":
        s = s.lstrip("-")
    return s.replace(".", ",")


def _cell(v: Number) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, float):
        return fmt_dec(v)
    return fmt_int(v)


def _rate(num: float, den: float, factor: float = 100.0) -> float | str:
    return "." if den <= 0 else num / den * factor


# ---------------------------------------------------------------------------------------------
# Table specification and file assembly


@dataclass(frozen=True)
class Spec:
    code: str
    filename: str
    title: tuple[str, ...]
    header: tuple[tuple[str, ...], ...]  # full rows, including the leading label columns
    notes_head: str  # first notes line as in the real file, with doubled quotes
    encoding: str = "utf-8"
    period_line: str | None = None  # period line of the title block (Zensus tables)


def _ncols(spec: Spec) -> int:
    return max(len(r) for r in spec.header)


def _assemble(spec: Spec, body: list[str], notes: Iterable[str] = ()) -> str:
    pad = ";" * (_ncols(spec) - 1)
    lines = [f"GENESIS-Tabelle: {spec.code}"]
    lines += [t + pad for t in spec.title]
    if spec.period_line is not None:
        lines.append(spec.period_line + pad)
    lines += [";".join(r) for r in spec.header]
    lines += body
    note = DEMO_NOTE if spec.encoding == "utf-8" else DEMO_NOTE_LATIN1
    note_lines = [spec.notes_head, note, *notes]
    lines.append(FOOTER_SEP)
    lines.append('"' + "\n".join(note_lines) + '"')
    lines.append('"' + "\n".join(COPYRIGHT) + '"')
    lines.append(STAND)
    return "\n".join(lines) + "\n"


def _row(*cells: Number) -> str:
    return ";".join(_cell(c) for c in cells)


def _period_line(spec: Spec, period: str) -> str:
    return period + ";" * (_ncols(spec) - 1)


def _stichtag(day: str, year: int) -> str:
    return f"{day}.{year}"


def _desc(years: Iterable[int] = YEARS) -> list[int]:
    return sorted(years, reverse=True)


# ---------------------------------------------------------------------------------------------
# Unit-level quantities (cached), summed to regions


def _sum(ags: str, fn: Callable[[str, int, int], dict[str, float]], year: int, seed: int) -> dict[str, float]:
    total: dict[str, float] = {}
    for unit in m.members(ags):
        for k, v in fn(unit, year, seed).items():
            total[k] = total.get(k, 0) + v
    return total


def _pop(unit: str, year: int, seed: int, lo: int = 0, hi: int = 200, nat: str | None = None,
         sex: str | None = None) -> int:
    return m.count(unit, year, ages=(lo, hi), nat=nat, sex=sex, seed=seed)


@lru_cache(maxsize=None)
def _vital(unit: str, year: int, seed: int) -> dict[str, float]:
    """Births, deaths, naturalisations, moves of one unit in ``year``."""
    p = m.PARAMS[unit]
    pop0, pop1 = _pop(unit, year - 1, seed), _pop(unit, year, seed)
    a0 = _pop(unit, year - 1, seed, nat="ausländisch")
    a1 = _pop(unit, year, seed, nat="ausländisch")
    avg = (pop0 + pop1) / 2
    bump = {2012: .02, 2013: .03, 2014: .05, 2015: .07, 2016: .10, 2017: .10, 2018: .10,
            2019: .09, 2020: .08, 2021: .10, 2022: .04, 2024: -.03, 2025: -.04}.get(year, 0.0)
    excess = {2020: .03, 2021: .05, 2022: .08}.get(year, 0.0)
    births = rnd(avg * p.birth * (1 + bump + 0.015 * m.noise(seed, "births", unit, year)) / 10000)
    deaths = rnd(avg * p.death * (1 + excess + 0.005 * m.trend(year)
                                  + 0.015 * m.noise(seed, "deaths", unit, year)) / 10000)
    saldo = pop1 - pop0 - (births - deaths)

    rate = 0.012 * (1 + 0.1 * m.noise(seed, "natrate", unit))
    rate *= {2020: .9, 2022: 1.15, 2023: 1.35, 2024: 2.0, 2025: 2.2}.get(year, 1.0)
    naturalised = rnd(a0 * rate)
    saldo_a = a1 - a0 + naturalised - rnd(a0 * 0.009)
    saldo_d = saldo - saldo_a

    r = m.refugee(year)
    zu_a = rnd(a0 * (0.11 + 0.10 * r) * (1 + 0.05 * m.noise(seed, "zu_a", unit, year)))
    zu_a = max(zu_a, rnd(saldo_a / 0.7) + 1)
    fo_a = zu_a - saldo_a
    zu_d = rnd((pop0 - a0) * 0.032 * (1 + 0.03 * m.noise(seed, "zu_d", unit, year)))
    zu_d = max(zu_d, rnd(saldo_d / 0.5) + 1)
    fo_d = zu_d - saldo_d
    return {
        "pop_avg": avg, "births": births, "deaths": deaths, "naturalised": naturalised,
        "zu_d": zu_d, "fo_d": fo_d, "zu_a": zu_a, "fo_a": fo_a,
        "zuA_d": rnd(zu_d * 0.045), "foA_d": rnd(fo_d * 0.05),
        "zuA_a": rnd(zu_a * (0.55 + 0.15 * r)), "foA_a": rnd(fo_a * 0.45),
    }


_CONTINENTS = ("Afrika", "Amerika", "Asien", "Australien und Ozeanien", "Europa",
               "Staatenlos, unbekannt, ungeklärt, ohne Angabe")


@lru_cache(maxsize=None)
def _naturalisations(unit: str, year: int, seed: int) -> dict[str, float]:
    total = int(_vital(unit, year, seed)["naturalised"])
    t = m.rise(year)
    w = [0.11 + 0.02 * t, 0.05 - 0.01 * t, 0.25 + 0.22 * t, 0.002, 0.55 - 0.22 * t, 0.02]
    w = [x * (1 + 0.15 * m.noise(seed, "cont", unit, year, i)) for i, x in enumerate(w)]
    return dict(zip(_CONTINENTS, apportion(total, w)))


def _split_sex(n: int, male: float) -> tuple[int, int]:
    mm = rnd(n * male)
    return mm, n - mm


@lru_cache(maxsize=None)
def _employment(unit: str, year: int, seed: int) -> dict[str, float]:
    """SV-Beschäftigte on 30.06. at place of residence and at workplace."""
    p = m.PARAMS[unit]
    t, late = m.trend(year), m.refugee_after(year)
    w_d = _pop(unit, year, seed, 15, 65, "deutsch")
    w_a = _pop(unit, year, seed, 15, 65, "ausländisch")
    e_d = p.emp_d + 0.065 * t - (0.005 if year == 2020 else 0.0)
    e_a = p.emp_a + 0.11 * t - 0.04 * late - (0.01 if year == 2020 else 0.0)
    e_d *= 1 + 0.004 * m.noise(seed, "emp_d", unit, year)
    e_a *= 1 + 0.01 * m.noise(seed, "emp_a", unit, year)
    out: dict[str, float] = {}
    d_m, d_w = _split_sex(rnd(w_d * e_d), 0.535 - 0.01 * t)
    a_m, a_w = _split_sex(rnd(w_a * e_a), 0.63 - 0.01 * t)
    c_d, c_a = p.commute, 1 + (p.commute - 1) * 0.8
    for place, fd, fa in (("wo", 1.0, 1.0), ("ao", c_d, c_a)):
        out[f"{place}_a_m"], out[f"{place}_a_w"] = rnd(a_m * fa), rnd(a_w * fa)
        out[f"{place}_m"] = rnd(d_m * fd) + out[f"{place}_a_m"]
        out[f"{place}_w"] = rnd(d_w * fd) + out[f"{place}_a_w"]
    return out


@lru_cache(maxsize=None)
def _unemployment(unit: str, year: int, seed: int) -> dict[str, float]:
    """Registered unemployed (annual average) and the civilian labour force behind the rates."""
    p = m.PARAMS[unit]
    t = m.trend(year)
    level = {2011: 1.0, 2012: .98, 2013: 1.0, 2014: .98, 2015: .95, 2016: .90, 2017: .85,
             2018: .80, 2019: .77, 2020: .90, 2021: .88, 2022: .82, 2023: .86, 2024: .90,
             2025: .93}[year]
    lf_d = _pop(unit, year, seed, 15, 65, "deutsch") * 0.80
    lf_a = _pop(unit, year, seed, 15, 65, "ausländisch") * 0.66
    u_d = p.unemp * level * (1 + 0.02 * m.noise(seed, "u_d", unit, year))
    u_a = u_d * p.gap * (1 + 0.10 * m.refugee_after(year)) * (1 + 0.03 * m.noise(seed, "u_a", unit, year))
    al_d, al_a = rnd(lf_d * u_d), rnd(lf_a * u_a)
    al = al_d + al_a
    al_1525 = rnd(al * (0.085 + 0.004 * m.noise(seed, "al1525", unit, year)))
    return {
        "al": al, "al_a": al_a, "lf": lf_d + lf_a, "lf_a": lf_a,
        "al_m": rnd(al * 0.555), "lf_m": (lf_d + lf_a) * 0.535,
        "al_sb": rnd(al * (0.065 + 0.01 * t)), "al_1520": rnd(al_1525 * 0.2), "al_1525": al_1525,
        "lf_1525": (lf_d + lf_a) * 0.105,
        "al_5565": rnd(al * (0.17 + 0.05 * t) * (1 + 0.08 * m.noise(seed, "al5565", unit))
                       * (1 + 0.02 * m.noise(seed, "al5565", unit, year))),
        "al_lz": rnd(al * (0.38 + 0.03 * t + (0.05 if year == 2021 else 0.0))
                     * (1 + 0.10 * m.noise(seed, "allz", unit)) * (1 + 0.02 * m.noise(seed, "allz", unit, year))),
    }


@lru_cache(maxsize=None)
def _sgb2(unit: str, year: int, seed: int) -> dict[str, float]:
    """Persons receiving SGB II benefits on 31.12."""
    p = m.PARAMS[unit]
    t = m.trend(year)
    u65_d = _pop(unit, year, seed, 0, 65, "deutsch")
    u65_a = _pop(unit, year, seed, 0, 65, "ausländisch")
    r_d = p.sgb_d * (1 - 0.12 * t) * (1 + 0.01 * m.noise(seed, "sgb_d", unit, year))
    r_a = p.sgb_a * (1 + 0.3 * m.refugee_after(year)) * (1 + 0.02 * m.noise(seed, "sgb_a", unit, year))
    rlb_a = rnd(u65_a * r_a)
    rlb = rnd(u65_d * r_d) + rlb_a
    nef = rnd(rlb * 0.27)
    elb = rlb - nef
    ages = apportion(elb, [0.12, 0.56, 0.10, 0.22 + 0.02 * t])
    elb_w, nef_w = rnd(elb * 0.51), rnd(nef * 0.485)
    return {"bg": rnd(rlb * 1.045), "rlb": rlb, "rlb_a": rlb_a, "rlb_w": elb_w + nef_w,
            "elb": elb, "elb_w": elb_w, "elb_u25": ages[0], "elb_2550": ages[1],
            "elb_5055": ages[2], "elb_55": ages[3], "nef": nef, "nef_w": nef_w,
            "nef_u15": rnd(nef * 0.96)}


@lru_cache(maxsize=None)
def _kita(unit: str, year: int, seed: int) -> dict[str, float]:
    """Children in day care on 01.03. (population of 31.12. of the previous year)."""
    p = m.PARAMS[unit]
    t = m.trend(year)
    y0 = year - 1
    u3 = _pop(unit, y0, seed, 0, 3)
    a36 = _pop(unit, y0, seed, 3, 6)
    a614 = _pop(unit, y0, seed, 6, 10) + rnd(_pop(unit, y0, seed, 10, 15) * 0.8)
    q3 = (p.u3care11 + (p.u3care25 - p.u3care11) * t) * (1 + 0.02 * m.noise(seed, "q3", unit, year))
    q36 = 0.925 + 0.015 * t + 0.01 * m.noise(seed, "q36", unit, year)
    q614 = 0.04 if unit in m.KREISFREI else 0.03
    care = {"u3": rnd(u3 * q3), "36": rnd(a36 * q36), "614": rnd(a614 * q614)}
    tp_share = {"u3": 0.25, "36": 0.015, "614": 0.05}
    out: dict[str, float] = {}
    origin = p.origin + 0.12 * m.rise(year)
    for row in ("te", "tp", "ins"):
        for k in care:
            tp = rnd(care[k] * tp_share[k])
            te = care[k] - tp + rnd(tp * 0.05)  # children in both forms of care
            out[f"{row}_{k}"] = {"te": te, "tp": tp, "ins": care[k]}[row]
        n = out[f"{row}_u3"] + out[f"{row}_36"] + out[f"{row}_614"]
        out[f"{row}_n"] = n
        out[f"{row}_origin"] = rnd(n * origin * (1.03 if row == "te" else 0.8 if row == "tp" else 1.0))
        out[f"{row}_meal"] = rnd(n * (0.80 if row != "tp" else 0.85))
    return out


_SCHOOL_TYPES = ("Vorschulbereich", "Grundschulen", "Schulartunabhängige Orientierungsstufe",
                 "Hauptschulen", "Schularten mit mehreren Bildungsgängen", "Realschulen",
                 "Gymnasien", "Integrierte Gesamtschulen", "Freie Waldorfschulen",
                 "Sonderschulen/Förderschulen", "Abendschulen und Kollegs")
_SCHOOL_SIZE = (60, 250, 1, 180, 350, 520, 880, 950, 380, 130, 450)
_SCHOOL_FEMALE = (0.41, 0.49, 0.5, 0.42, 0.47, 0.48, 0.53, 0.49, 0.50, 0.36, 0.49)
_GRADE7 = (0.0, 0.0, 0.0, 0.17, 0.2, 0.17, 0.12, 0.12, 0.08, 0.1, 0.0)
_GRADE11 = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.14, 0.06, 0.08, 0.0, 0.0)
# symbols for cells that do not exist (Vorschule and Grundschule have no grade 7, …)
_X7 = {0, 1, 2, 10}
_X11 = {0, 1, 2, 3, 4, 5, 10}


def _school_shares(foreign: bool, year: int, gym_a: float) -> list[float]:
    t = m.trend(year)
    sek = 0.0 if year < 2012 else min(1.0, (year - 2011) / 5)
    if not foreign:
        return [0.003, 0.31, 0.0, 0.045 - 0.035 * t, 0.04 * sek, 0.15 - 0.05 * t, 0.26,
                0.12 + 0.07 * t, 0.01, 0.05 - 0.01 * t, 0.012]
    return [0.005, 0.35, 0.0, 0.12 - 0.09 * t, 0.05 * sek, 0.17 - 0.05 * t, gym_a + 0.02 * t,
            0.16 + 0.09 * t, 0.001, 0.07 - 0.01 * t, 0.03]


@lru_cache(maxsize=None)
def _schools(unit: str, year: int, seed: int) -> dict[str, float]:
    p = m.PARAMS[unit]
    pupils = rnd(_pop(unit, year, seed, 6, 18) * 0.95 * p.centre)
    foreign = rnd(_pop(unit, year, seed, 6, 18, "ausländisch") * 0.93 * p.centre)
    noisy = lambda ws, tag: [w * (1 + 0.03 * m.noise(seed, tag, unit, year, i)) for i, w in enumerate(ws)]  # noqa: E731
    total = apportion(pupils, noisy(_school_shares(False, year, p.gym_a), "st"))
    fo = apportion(foreign, noisy(_school_shares(True, year, p.gym_a), "sa"))
    out: dict[str, float] = {}
    for i, _name in enumerate(_SCHOOL_TYPES):
        n = max(total[i], fo[i])
        out[f"n{i}"] = n
        out[f"a{i}"] = fo[i]
        out[f"w{i}"] = rnd(n * _SCHOOL_FEMALE[i])
        out[f"s{i}"] = 0 if n == 0 else max(1, rnd(n / _SCHOOL_SIZE[i]))
        out[f"g7_{i}"] = rnd(n * _GRADE7[i])
        out[f"g11_{i}"] = rnd(n * _GRADE11[i])
    return out


@lru_cache(maxsize=None)
def _leavers(unit: str, year: int, seed: int) -> dict[str, float]:
    """School leavers of the school year ending in ``year`` by qualification."""
    p = m.PARAMS[unit]
    t = m.trend(year)
    total = rnd(_pop(unit, year, seed, 15, 18) / 3 * 1.02 * p.centre)
    no_hsa = p.no_hsa * (1 + 0.12 * m.refugee_after(year)) * (1 + 0.05 * m.noise(seed, "ohne", unit, year))
    nrw = unit != m.REST_DG
    fhr = 0.0 if (nrw and year >= 2013) else 0.003
    w = [no_hsa, 0.13 - 0.01 * t, 0.40 - 0.02 * t, fhr]
    w.append(1.0 - sum(w))
    parts = apportion(total, w)
    female = (0.38, 0.40, 0.48, 0.50, 0.56)
    out = {"n": total}
    for k, n, f in zip(("ohne", "hsa", "ma", "fhr", "ahr"), parts, female):
        out[k] = n
        out[k + "_w"] = rnd(n * f)
    out["dar"] = rnd(out["ma"] * 0.08)
    out["dar_w"] = rnd(out["dar"] * 0.5)
    out["n_w"] = sum(out[k + "_w"] for k in ("ohne", "hsa", "ma", "fhr", "ahr"))
    return out


_VOC_TYPES = ("Berufsschulen", " darunter: Berufsschulen (Schüler o. Ausb.vertrag)",
              "Berufsaufbauschulen", "Berufsfachschulen", "Fachoberschulen", "Fachgymnasien",
              "Berufsober- / Technische Oberschulen", "Fachschulen",
              "Fachakademien / Berufsakademien")
_VOC_SHARE = (0.60, 0.0, 0.001, 0.18, 0.05, 0.06, 0.01, 0.09, 0.009)
_VOC_SIZE = (1300, 1, 100, 230, 75, 150, 200, 250, 300)
_VOC_FEMALE = (0.38, 0.34, 0.4, 0.50, 0.65, 0.60, 0.45, 0.52, 0.6)
_VOC_NOT_NRW = {2, 6, 8}  # school types that do not exist in Nordrhein-Westfalen (x)


@lru_cache(maxsize=None)
def _vocational(unit: str, year: int, seed: int) -> dict[str, float]:
    p = m.PARAMS[unit]
    young = _pop(unit, year, seed, 18, 25)
    young_a = _pop(unit, year, seed, 18, 25, "ausländisch")
    centre = 1.0 + (p.centre - 1.0) * 8
    total = rnd(young * 0.45 * centre)
    fshare = young_a / young * (0.55 + 0.2 * m.refugee_after(year))
    shares = [0.0 if (i in _VOC_NOT_NRW and unit != m.REST_DG) else s for i, s in enumerate(_VOC_SHARE)]
    parts = apportion(total, [s * (1 + 0.05 * m.noise(seed, "voc", unit, year, i)) for i, s in enumerate(shares)])
    out: dict[str, float] = {}
    for i, n in enumerate(parts):
        if i == 1:
            n = rnd(parts[0] * (0.07 + 0.03 * m.refugee_after(year)))
            a = rnd(n * 0.45)
        else:
            a = rnd(n * fshare * (1.3 if i == 3 else 1.0))
        out[f"n{i}"], out[f"a{i}"], out[f"w{i}"] = n, a, rnd(n * _VOC_FEMALE[i])
        out[f"s{i}"] = 0 if n == 0 else max(1, rnd(n / _VOC_SIZE[i]))
    return out


@lru_cache(maxsize=None)
def _zensus(unit: str, seed: int) -> dict[str, float]:
    """Zensus 09.05.2011: population by sex × nationality and private households by age × MH."""
    p = m.PARAMS[unit]
    cells = m.cells(unit, FIRST_YEAR, seed)
    out: dict[str, float] = {}
    for sex in m.SEXES:
        for nat in m.NATIONALITIES:
            out[f"z_{sex}_{nat}"] = rnd(sum(v for (a, s, n), v in cells.items() if s == sex and n == nat) * 0.993)
    mh_d = (p.mh11 - p.f11) / (1 - p.f11)
    factor = (1.9, 1.6, 1.2, 1.1, 0.85, 0.75, 0.6, 0.45, 0.4)
    for j in range(9):
        lo, hi = 10 * j, (200 if j == 8 else 10 * (j + 1))
        d = sum(v for (a, s, n), v in cells.items()
                if n == "deutsch" and lo <= AGE_BOUNDS[AGE_GROUPS.index(a)][0] < hi)
        fo = sum(v for (a, s, n), v in cells.items()
                 if n == "ausländisch" and lo <= AGE_BOUNDS[AGE_GROUPS.index(a)][0] < hi)
        share = min(0.9, mh_d * factor[j] * (1 + 0.05 * m.noise(seed, "mh", unit, j)))
        with_mh = d * 0.985 * share
        out[f"h{j}_ohne"] = 10 * rnd(d * 0.985 * (1 - share) / 10)
        out[f"h{j}_mit"] = 10 * rnd(with_mh / 10)
        out[f"h{j}_a"] = 10 * rnd(fo * 0.985 / 10)
    # mean age by sex (group midpoints; 90+ counted as 93)
    for sex in (None, *m.SEXES):
        num = den = 0.0
        for (a, s, n), v in cells.items():
            if sex is None or s == sex:
                lo, hi = AGE_BOUNDS[AGE_GROUPS.index(a)]
                num += v * (93.0 if lo == 90 else (lo + hi) / 2)
                den += v
        out[f"agesum_{sex or 'all'}"], out[f"agen_{sex or 'all'}"] = num, den
    return out


# ---------------------------------------------------------------------------------------------
# The tables

_POP_TITLE3 = "Fortschreibung des Bevölkerungsstandes"


def _t_12411_01_01(seed: int) -> tuple[Spec, list[str], list[str]]:
    years = _desc()
    spec = Spec(
        "12411-01-01-4", "12411-01-01-4_00.csv",
        ("Bevölkerungsstand: Bevölkerung nach Geschlecht", "- Stichtag 31.12. -",
         "regionale Tiefe: Kreise und krfr. Städte", _POP_TITLE3, "Bevölkerungsstand (Anzahl)"),
        (("", "", *[_stichtag("31.12", y) for y in years for _ in range(3)]),
         ("", "", *["Insgesamt", "männlich", "weiblich"] * len(years))),
        'zu  ""gesamter Tabelle"":',
    )
    body = []
    for r in REGIONS:
        vals: list[Number] = []
        for y in years:
            mm = m.count(r.ags, y, sex="männlich", seed=seed)
            ww = m.count(r.ags, y, sex="weiblich", seed=seed)
            vals += [mm + ww, mm, ww]
        body.append(_row(r.ags, r.label, *vals))
    return spec, body, ["ab dem Berichtsjahr 2011: nach dem Zensus 2011"]


_AGES_17 = (
    ("unter 3 Jahre", 0, 3), ("3 bis unter 6 Jahre", 3, 6), ("6 bis unter 10 Jahre", 6, 10),
    ("10 bis unter 15 Jahre", 10, 15), ("15 bis unter 18 Jahre", 15, 18),
    ("18 bis unter 20 Jahre", 18, 20), ("20 bis unter 25 Jahre", 20, 25),
    ("25 bis unter 30 Jahre", 25, 30), ("30 bis unter 35 Jahre", 30, 35),
    ("35 bis unter 40 Jahre", 35, 40), ("40 bis unter 45 Jahre", 40, 45),
    ("45 bis unter 50 Jahre", 45, 50), ("50 bis unter 55 Jahre", 50, 55),
    ("55 bis unter 60 Jahre", 55, 60), ("60 bis unter 65 Jahre", 60, 65),
    ("65 bis unter 75 Jahre", 65, 75), ("75 Jahre und mehr", 75, 200),
)


def _t_12411_02_03(seed: int) -> tuple[Spec, list[str], list[str]]:
    spec = Spec(
        "12411-02-03-4", "12411-02-03-4_00.csv",
        ("Bevölkerungsstand: Bevölkerung nach Geschlecht", "und Altersgruppen (17) - Stichtag 31.12. -",
         "regionale Tiefe: Kreise und krfr. Städte", _POP_TITLE3, "Bevölkerungsstand (Anzahl)"),
        (("", "", "", "", "Insgesamt", "männlich", "weiblich"),),
        'zu ""gesamter Tabelle"":',
    )
    body = []
    for y in _desc():
        period = _stichtag("31.12", y)
        for r in REGIONS:
            for label, lo, hi in (*_AGES_17, ("Insgesamt", 0, 200)):
                mm = m.count(r.ags, y, ages=(lo, hi), sex="männlich", seed=seed)
                ww = m.count(r.ags, y, ages=(lo, hi), sex="weiblich", seed=seed)
                body.append(_row(period, r.ags, r.label, label, mm + ww, mm, ww))
    return spec, body, ["Berichtsjahr (ab 2011): Ergebnisse auf Grundlage des Zensus", "2011"]


def _t_12411_03_03(seed: int) -> tuple[Spec, list[str], list[str]]:
    spec = Spec(
        "12411-03-03-4", "12411-03-03-4_00.csv",
        ("Bevölkerungsstand: Bevölkerung nach Geschlecht, Nationalität",
         "und Altersgruppen (21) - Stichtag 31.12. - (ab 2011)",
         "regionale Tiefe: Kreise und krfr. Städte", _POP_TITLE3, "Bevölkerungsstand (Anzahl)"),
        (("", "", "", "", "Insgesamt", "Insgesamt", "Insgesamt", "Deutsche", "Deutsche", "Deutsche",
          "Ausländer(innen)", "Ausländer(innen)", "Ausländer(innen)"),
         ("", "", "", "", *["Insgesamt", "männlich", "weiblich"] * 3)),
        'zu ""gesamte Tabelle"":',
    )
    body = []
    for y in _desc():
        period = _stichtag("31.12", y)
        for r in REGIONS:
            cells = m.region_cells(r.ags, y, seed)
            for age in (*AGE_GROUPS, "Insgesamt"):
                def c(sex: str, nat: str) -> int:
                    if age == "Insgesamt":
                        return sum(v for (a, s, n), v in cells.items() if s == sex and n == nat)
                    return cells[(age, sex, nat)]
                dm, dw = c("männlich", "deutsch"), c("weiblich", "deutsch")
                am, aw = c("männlich", "ausländisch"), c("weiblich", "ausländisch")
                body.append(_row(period, r.ags, r.label, age, dm + dw + am + aw, dm + am, dw + aw,
                                 dm + dw, dm, dw, am + aw, am, aw))
    return spec, body, ["Berichtsjahr ab 2011: Ergebnisse auf Grundlage des Zensus", "2011"]


def _t_12111_01_01(seed: int) -> tuple[Spec, list[str], list[str]]:
    b = "Bevölkerung"
    spec = Spec(
        "12111-01-01-4", "12111-01-01-4_00.csv",
        ("Zensus 2011, Bevölkerung nach Geschlecht und Nationalität", "- Stichtag 09.05.2011 -",
         "regionale Tiefe: Kreise und krfr. Städte", "Zensus 2011"),
        (("", "", *[b] * 9),
         ("", "", "Insgesamt", "Insgesamt", "Insgesamt", "Deutsche", "Deutsche", "Deutsche",
          "Ausländer(innen)", "Ausländer(innen)", "Ausländer(innen)"),
         ("", "", *["Insgesamt", "männlich", "weiblich"] * 3),
         ("", "", *["Anzahl"] * 9)),
        'zu ""gesamte Tabelle"":', period_line="09.05.2011",
    )
    body = []
    for r in REGIONS:
        z = _sum(r.ags, lambda u, y, s: _zensus(u, s), FIRST_YEAR, seed)
        dm, dw = z["z_männlich_deutsch"], z["z_weiblich_deutsch"]
        am, aw = z["z_männlich_ausländisch"], z["z_weiblich_ausländisch"]
        body.append(_row(r.ags, r.label, int(dm + dw + am + aw), int(dm + am), int(dw + aw),
                         int(dm + dw), int(dm), int(dw), int(am + aw), int(am), int(aw)))
    return spec, body, []


_AGES_10 = ("unter 10 Jahre", "10 bis unter 20 Jahre", "20 bis unter 30 Jahre",
            "30 bis unter 40 Jahre", "40 bis unter 50 Jahre", "50 bis unter 60 Jahre",
            "60 bis unter 70 Jahre", "70 bis unter 80 Jahre", "80 Jahre und mehr")
_ZENSUS_UNRELIABLE = 350  # Kreis cells below this (sample-based) are published as "/"


def _t_12111_07_01(seed: int) -> tuple[Spec, list[str], list[str]]:
    h = "Bevölkerung in privaten Haushalten"
    spec = Spec(
        "12111-07-01-4", "12111-07-01-4_00.csv",
        ("Zensus 2011, Bevölkerung nach Nationalität,", "Migrationshintergrund und Altersjahren",
         "- 09.05.2011 - regionale Tiefe: Kreise und krfr. Städte", "Zensus 2011"),
        (("", "", "", h, h, h, h, h),
         ("", "", "", "", "Nationalität", "Deutsche", "Deutsche", "Ausländer(innen)"),
         ("", "", "", "", "Deutsche", "Migrationshintergrund", "Migrationshintergrund", ""),
         ("", "", "", "", "", "Personen ohne Migrationshintergrund",
          "Personen mit Migrationshintergrund", ""),
         ("", "", "", *["Anzahl"] * 5)),
        'zu ""gesamte Tabelle"":', period_line="09.05.2011",
    )
    body = []
    for r in REGIONS:
        z = _sum(r.ags, lambda u, y, s: _zensus(u, s), FIRST_YEAR, seed)
        tot = {"ohne": 0, "mit": 0, "a": 0}
        for j, label in enumerate((*_AGES_10, "Insgesamt")):
            if label == "Insgesamt":
                ohne, mit, a = tot["ohne"], tot["mit"], tot["a"]
            else:
                ohne, mit, a = (int(z[f"h{j}_{k}"]) for k in ("ohne", "mit", "a"))
                tot["ohne"] += ohne
                tot["mit"] += mit
                tot["a"] += a
            shown = [ohne + mit + a, ohne + mit, ohne, mit, a]
            if r.level == 3:
                shown = [v if v >= _ZENSUS_UNRELIABLE else "/" for v in shown]
            body.append(_row(r.ags, r.label, label, *shown))
    return spec, body, []


def _t_ai_z1(seed: int) -> tuple[Spec, list[str], list[str]]:
    spec = Spec(
        "AI-Z1-2011", "AI-Z1-2011_00.csv",
        ("Regionalatlas Deutschland", 'Indikatoren des Themenbereichs "Zensus 2011"',
         "Bevölkerung - Durchschnittsalter - Migrationshintergrund", "Regionalatlas Deutschland"),
        (("", "", "", "Durchschnittsalter Gesamtbevölkerung", "Durchschnittsalter weibliche Bevölkerung",
          "Durchschnittsalter männliche Bevölkerung",
          "Anteil Personen mit MHG an der Gesamtbevölkerung", "Anteil Personen mit MHG 0 bis 19 Jahre",
          "Anteil Personen mit MHG 20 bis 59 Jahre", "Anteil Personen mit MHG 60 Jahre und älter"),
         ("", "", "", "Anzahl", "Anzahl", "Anzahl", "Prozent", "Prozent", "Prozent", "Prozent")),
        'zu ""gesamte Tabelle"":',
    )
    body = []
    for r in REGIONS:
        z = _sum(r.ags, lambda u, y, s: _zensus(u, s), FIRST_YEAR, seed)

        def mh(js: range) -> float:
            mig = sum(z[f"h{j}_mit"] + z[f"h{j}_a"] for j in js)
            allp = sum(z[f"h{j}_mit"] + z[f"h{j}_a"] + z[f"h{j}_ohne"] for j in js)
            return mig / allp * 100

        body.append(_row(
            "09.05.2011", r.ags, r.label,
            z["agesum_all"] / z["agen_all"], z["agesum_weiblich"] / z["agen_weiblich"],
            z["agesum_männlich"] / z["agen_männlich"],
            mh(range(9)), mh(range(0, 2)), mh(range(2, 6)), mh(range(6, 9))))
    return spec, body, ["Anteile auf Grundlage der Bevölkerung in privaten Haushalten",
                        "(Tabelle 12111-07-01-4 der Demodaten)"]


def _t_12511(seed: int) -> tuple[Spec, list[str], list[str]]:
    e = "Einbürgerungen von Ausländern"
    k = "Kontinente (einschl. staatenlos etc.)"
    spec = Spec(
        "12511-01-01-4", "12511-01-01-4.csv",
        ("Einbürgerungen von Ausländern nach Kontinenten",
         "- Jahr - regionale Tiefe: Kreise und krfr. Städte", "Einbürgerungsstatistik"),
        (("", "", "", *[e] * 7), ("", "", "", *[k] * 7),
         ("", "", "", "Insgesamt", *_CONTINENTS), ("", "", "", *["Anzahl"] * 7)),
        'zu ""gesamte Tabelle"":', encoding="iso-8859-1",
    )
    body = []
    for y in _desc():
        for r in REGIONS:
            n = _sum(r.ags, _naturalisations, y, seed)
            parts = [int(n[c]) for c in _CONTINENTS]
            body.append(_row(str(y), r.ags, r.label, sum(parts), *parts))
    return spec, body, []


def _t_12711(seed: int) -> tuple[Spec, list[str], list[str]]:
    groups = ("Zuzüge über die Gemeindegrenzen", "Zuzüge aus dem  Ausland über die Gemeindegrenzen",
              "Fortzüge über die Gemeindegrenzen", "Fortzüge ins Ausland über Gemeindegrenzen")
    spec = Spec(
        "12711-03-02-4", "12711-03-02-4_00.csv",
        ("Zu- und Fortzüge nach Nationalität (über die", "Gemeindegrenzen und Grenzen des Bundesgebietes)",
         "- Jahressumme - regionale Tiefe: Kreise und krfr. Städte", "Wanderungsstatistik"),
        (("", "", "", "", *[g for g in groups for _ in range(3)]),
         ("", "", "", "", *["Geschlecht"] * 12),
         ("", "", "", "", *["Insgesamt", "männlich", "weiblich"] * 4),
         ("", "", "", "", *["Anzahl"] * 12)),
        'zu ""gesamte Tabelle"":',
    )
    male = {"zu_d": 0.49, "zuA_d": 0.52, "fo_d": 0.50, "foA_d": 0.53,
            "zu_a": 0.60, "zuA_a": 0.62, "fo_a": 0.62, "foA_a": 0.64}
    body = []
    for y in _desc():
        for r in REGIONS:
            # split by sex per unit, then sum (keeps männlich + weiblich = Insgesamt everywhere)
            split: dict[str, int] = {}
            for unit in m.members(r.ags):
                v = _vital(unit, y, seed)
                for key, share in male.items():
                    bonus = 0.08 * m.refugee(y) if key.endswith("_a") and key.startswith("zu") else 0.0
                    mm, ww = _split_sex(int(v[key]), share + bonus)
                    split[key + "_m"] = split.get(key + "_m", 0) + mm
                    split[key + "_w"] = split.get(key + "_w", 0) + ww
            rows = {}
            for nat in ("d", "a"):
                vals = []
                for flow in ("zu", "zuA", "fo", "foA"):
                    mm, ww = split[f"{flow}_{nat}_m"], split[f"{flow}_{nat}_w"]
                    vals += [mm + ww, mm, ww]
                rows[nat] = vals
            both = [a + b for a, b in zip(rows["d"], rows["a"])]
            for label, vals in (("Deutsche", rows["d"]), ("Ausländer(innen)", rows["a"]), ("Insgesamt", both)):
                body.append(_row(str(y), r.ags, r.label, label, *vals))
    return spec, body, ["Zuzüge und Fortzüge über die Gemeindegrenzen schließen Umzüge zwischen",
                        "den Kreisen eines Landes ein."]


def _t_13111(seed: int, place: str) -> tuple[Spec, list[str], list[str]]:
    ort = "Arbeitsort" if place == "ao" else "Wohnort"
    code = "13111-01-03-4" if place == "ao" else "13111-02-02-4"
    spec = Spec(
        code, f"{code}_00.csv",
        (f"Sozialversicherungspflichtig Beschäftigte am {ort}",
         "nach Geschlecht und Nationalität - Stichtag 30.06." + ("-" if place == "ao" else " -"),
         "regionale Tiefe: Kreise und krfr. Städte", "Sozialversicherungspflichtig Beschäftigte",
         f"Sozialversicherungspfl. Beschäftigte ({ort}) (Anzahl)"),
        (("", "", "", *["Nationalität"] * 6),
         ("", "", "", "Insgesamt", "Insgesamt", "Insgesamt", "Ausländer(innen)", "Ausländer(innen)",
          "Ausländer(innen)"),
         ("", "", "", *["Geschlecht"] * 6),
         ("", "", "", *["Insgesamt", "männlich", "weiblich"] * 2)),
        'zu ""gesamte Tabelle"":',
    )
    body = []
    for y in _desc():
        for r in REGIONS:
            e = _sum(r.ags, _employment, y, seed)
            mm, ww = int(e[f"{place}_m"]), int(e[f"{place}_w"])
            am, aw = int(e[f"{place}_a_m"]), int(e[f"{place}_a_w"])
            body.append(_row(_stichtag("30.06", y), r.ags, r.label, mm + ww, mm, ww, am + aw, am, aw))
    return spec, body, []


def _t_13211(seed: int) -> tuple[Spec, list[str], list[str]]:
    q_abh = "Arbeitslosenquote bez. abh. zivile Erwerbspers."
    q_all = "Arbeitslosenquote bez. auf alle zivile Erwerbsp."
    spec = Spec(
        "13211-02-05-4", "13211-02-05-4_00.csv",
        ("Arbeitslose nach ausgewählten Personengruppen sowie", "Arbeitslosenquoten - Jahresdurchschnitt -",
         "regionale Tiefe: Kreise und krfr. Städte", "Arbeitsmarktstatistik der Bundesagentur für Arbeit"),
        (("", "", "", *["Arbeitslose"] * 7, q_abh, *[q_all] * 5),
         ("", "", "", "", "Ausländer", "schwerbehindert", "15 bis unter 20 Jahre", "15 bis unter 25 Jahre",
          "55 bis unter 65 Jahre", "langzeitarbeitslos", "", "", "Männer", "Frauen", "Ausländer",
          "15 bis unter 25 Jahre"),
         ("", "", "", *["Anzahl"] * 7, *["Prozent"] * 6)),
        'zu ""gesamte Tabelle"":',
    )
    body = []
    for y in _desc():
        for r in REGIONS:
            u = _sum(r.ags, _unemployment, y, seed)
            counts = [int(u[k]) for k in ("al", "al_a", "al_sb", "al_1520", "al_1525", "al_5565", "al_lz")]
            if r.level == 2:  # the Regierungsbezirk has no published rates
                rates: list[Number] = ["."] * 6
            else:
                rates = [_rate(u["al"], u["lf"] * 0.895), _rate(u["al"], u["lf"]),
                         _rate(u["al_m"], u["lf_m"]), _rate(u["al"] - u["al_m"], u["lf"] - u["lf_m"]),
                         _rate(u["al_a"], u["lf_a"]), _rate(u["al_1525"], u["lf_1525"])]
            body.append(_row(str(y), r.ags, r.label, *counts, *rates))
    return spec, body, ["Quelle der Struktur: Arbeitsmarktstatistik der Bundesagentur für Arbeit (BA)."]


def _t_ai008(seed: int) -> tuple[Spec, list[str], list[str]]:
    spec = Spec(
        "AI008-1", "AI008-1_00.csv",
        ("Regionalatlas Deutschland", 'Indikatoren des Themenbereichs "Arbeitslosigkeit"',
         "Regionalatlas Deutschland"),
        (("", "", "", "Arbeitslosenquote", "Anteil Arbeitslose 15-24 Jahre an Arbeitsl. insg.",
          "Anteil Arbeitslose 55-64 Jahre an Arbeitsl. insg.",
          "Anteil Langzeitarbeitslose an Arbeitslosen insg.",
          "Anteil arbeitslose Ausländer an Arbeitslosen insg."),
         ("", "", "", *["Prozent"] * 5)),
        'zu ""gesamte Tabelle"":',
    )
    body = []
    for y in YEARS:
        for r in REGIONS:
            u = _sum(r.ags, _unemployment, y, seed)
            body.append(_row(str(y), r.ags, r.label, _rate(u["al"], u["lf"]), _rate(u["al_1525"], u["al"]),
                             _rate(u["al_5565"], u["al"]), _rate(u["al_lz"], u["al"]),
                             _rate(u["al_a"], u["al"])))
    return spec, body, ["Arbeitslosenquote bezogen auf alle zivilen Erwerbspersonen; Zähler",
                        "wie in Tabelle 13211-02-05-4 der Demodaten"]


def _t_ai002(seed: int) -> tuple[Spec, list[str], list[str]]:
    spec = Spec(
        "AI002-1", "AI002-1_00.csv",
        ("Regionalatlas Deutschland", 'Indikatoren des Themenbereichs "Bevölkerung"',
         "Regionalatlas Deutschland"),
        (("", "", "", "Bevölkerungsdichte (Einwohner je qkm)",
          "Zunahme(+)/Abnahme(-) der Bevölkerung je 10.000 EW", "Anteil Ausländer an der Gesamtbevölkerung",
          "Lebendgeborene je 10.000 Einwohner", "Gestorbene je 10.000 Einwohner",
          "Geburten-/Gestorbenenüberschuss je 10.000 Einw.", "Wanderungssaldo je 10.000 Einwohner"),
         ("", "", "", "Anzahl", "Anzahl", "Prozent", "Anzahl", "Anzahl", "Anzahl", "Anzahl")),
        'zu ""gesamte Tabelle"":',
    )
    body = []
    for y in YEARS:
        for r in REGIONS:
            pop = m.count(r.ags, y, seed=seed)
            foreign = m.count(r.ags, y, nat="ausländisch", seed=seed)
            area = sum(m.PARAMS[u].area for u in m.members(r.ags))
            v = _sum(r.ags, _vital, y, seed)
            avg = v["pop_avg"]
            saldo = v["zu_d"] + v["zu_a"] - v["fo_d"] - v["fo_a"]
            growth: Number = "x" if y == FIRST_YEAR else (pop - m.count(r.ags, y - 1, seed=seed)) / avg * 10000
            body.append(_row(str(y), r.ags, r.label, pop / area, growth, foreign / pop * 100,
                             v["births"] / avg * 10000, v["deaths"] / avg * 10000,
                             (v["births"] - v["deaths"]) / avg * 10000, saldo / avg * 10000))
    return spec, body, ["Ausländeranteil: Ausländer(innen) je 100 Einwohner am 31.12.",
                        "(Tabelle 12411-03-03-4 der Demodaten); Raten je 10.000 Einwohner",
                        "bezogen auf die mittlere Bevölkerung des Jahres",
                        "2011: Veränderung wegen des Zensus 2011 nicht sinnvoll (x)"]


def _t_21111_01_03(seed: int) -> tuple[Spec, list[str], list[str]]:
    s = "Schüler(innen) an allgemein bildenden Schulen"
    k = "Klassenstufe / Jahrgangsstufe / Schulbesuchsjahr"
    spec = Spec(
        "21111-01-03-4", "21111-01-03-4_00.csv",
        ("Allgemeinbildende Schulen: Schulen, Schüler nach Schulart", "- Stichtag: Schuljahresbeginn -",
         "regionale Tiefe: Kreise und krfr. Städte", "Statistik der allgemein bildenden Schulen"),
        (("", "", "", "Allgemein bildende Schulen", s, s, s, s, s),
         ("", "", "", "", "Geschlecht", "Geschlecht", "Nationalität", k, k),
         ("", "", "", "", "Insgesamt", "weiblich", "Ausländer(innen)", "7. Klassenstufe",
          "11. Jahrgangsstufe / Einführungsphase"),
         ("", "", "", *["Anzahl"] * 6)),
        'zu ""gesamte Tabelle"":',
    )
    return spec, _blocks_by_period_line(spec, lambda y: _school_rows(y, seed)), []


def _school_rows(year: int, seed: int) -> list[str]:
    body = []
    for r in REGIONS:
        v = _sum(r.ags, _schools, year, seed)
        tot = [0, 0, 0, 0, 0]
        for i, name in enumerate(_SCHOOL_TYPES):
            if i == 2:  # no Orientierungsstufe in NRW demo regions (Berlin/Brandenburg only)
                body.append(_row(r.ags, r.label, name, *["x"] * 6))
                continue
            vals = [int(v[f"n{i}"]), int(v[f"w{i}"]), int(v[f"a{i}"]), int(v[f"g7_{i}"]), int(v[f"g11_{i}"])]
            for j, x in enumerate(vals):
                tot[j] += x
            shown: list[Number] = [int(v[f"s{i}"]), *vals[:3],
                                   "x" if i in _X7 else vals[3], "x" if i in _X11 else vals[4]]
            body.append(_row(r.ags, r.label, name, *shown))
        body.append(_row(r.ags, r.label, "Insgesamt", "x", *tot))
    return body


def _blocks_by_period_line(spec: Spec, rows: Callable[[int], list[str]]) -> list[str]:
    """Tables whose period stands on a line of its own: the newest period's line sits in the
    title block (as in the real export), every further block is preceded by its period line."""
    years = _desc()
    body: list[str] = []
    for k, y in enumerate(years):
        if k > 0:
            body.append(_period_line(spec, str(y)))
        body += rows(y)
    return body


def _t_21111_02_06(seed: int) -> tuple[Spec, list[str], list[str]]:
    labels = ("Insgesamt", "ohne Hauptschulabschluss", "mit Hauptschulabschluss", "mit Mittlerem Abschluss",
              "dar. schulischer Teil der Fachhochschulreife", "mit Fachhochschulreife",
              "mit allgemeiner Hochschulreife")
    spec = Spec(
        "21111-02-06-4", "21111-02-06-4.csv",
        ("Allgemeinbildende Schulen: Absolventen/Abgänger", "nach dem Schulabschluss - Schuljahr -",
         "regionale Tiefe: Kreise und krfr. Städte", "Statistik der allgemein bildenden Schulen",
         "Absolventen/Abgänger (Anzahl)"),
        (("", "", "", *["Schulabschluss"] * 14),
         ("", "", "", *[lab for lab in labels for _ in range(2)]),
         ("", "", "", *["Insgesamt", "weiblich"] * 7)),
        'zu ""gesamte Tabelle"":', encoding="iso-8859-1",
    )
    body = []
    for y in _desc():
        for r in REGIONS:
            v = _sum(r.ags, _leavers, y, seed)
            vals = []
            for k in ("n", "ohne", "hsa", "ma", "dar", "fhr", "ahr"):
                vals += [int(v[k]), int(v[k + "_w"])]
            body.append(_row(str(y), r.ags, r.label, *vals))
    return spec, body, ["Nordrhein-Westfalen: ab 2012/13 ohne Schülerinnen und Schüler, die",
                        "ausschließlich den schulischen Teil der Fachhochschulreife erlangt haben."]


def _t_21121(seed: int) -> tuple[Spec, list[str], list[str]]:
    s = "Schüler(innen) an beruflichen Schulen"
    spec = Spec(
        "21121-01-05-4", "21121-01-05-4_00.csv",
        ("Berufliche Schulen: Schulen und Schüler nach Schulart", "- Stichtag: Schuljahresbeginn -",
         "regionale Tiefe: Kreise und krfr. Städte", "Statistik der beruflichen Schulen"),
        (("", "", "", "Berufliche Schulen", s, s, s),
         ("", "", "", "", "Geschlecht", "Geschlecht", "Nationalität"),
         ("", "", "", "", "Insgesamt", "weiblich", "Ausländer(innen)"),
         ("", "", "", *["Anzahl"] * 4)),
        'zu ""gesamte Tabelle"":',
    )

    def rows(y: int) -> list[str]:
        body = []
        for r in REGIONS:
            v = _sum(r.ags, _vocational, y, seed)
            nrw = r.ags != "DG"
            tot = [0, 0, 0]
            for i, name in enumerate(_VOC_TYPES):
                vals = [int(v[f"n{i}"]), int(v[f"w{i}"]), int(v[f"a{i}"])]
                if nrw and i in _VOC_NOT_NRW:
                    body.append(_row(r.ags, r.label, name, *["x"] * 4))
                    continue
                if i != 1:
                    tot = [a + b for a, b in zip(tot, vals)]
                body.append(_row(r.ags, r.label, name, "x" if i == 1 else int(v[f"s{i}"]), *vals))
            body.append(_row(r.ags, r.label, "Insgesamt", "x", *tot))
        return body

    return spec, _blocks_by_period_line(spec, rows), ["zu Beginn des Schuljahres"]


def _t_22543(seed: int) -> tuple[Spec, list[str], list[str]]:
    b = "Betreute Kinder"
    spec = Spec(
        "22543-01-02-4", "22543-01-02-4_00.csv",
        ("Statistik der öffentl. geförd. Kindertagespflege,", "nach Art der Kindertagesbetreuung - Stichtag -",
         "regional Tiefe: Kreise und krfr. Städte - ab 2011 -", "Statistik der öffentl. geförd. Kindertagespflege"),
        (("", "", "", "", b, b, b, b, "Kinder, Herkunft mind. 1 Elternteil ausländisch",
          "Kinder mit Mittagsverpflegung"),
         ("", "", "", "", "", "Altersgruppe", "Altersgruppe", "Altersgruppe", "", ""),
         ("", "", "", "", "", "unter 3 Jahre", "3 bis unter 6 Jahre", "6 bis unter 14 Jahre", "", ""),
         ("", "", "", "", *["Anzahl"] * 6)),
        'zu ""Tabelle gesamt""',
    )
    body = []
    for y in _desc():
        for r in REGIONS:
            v = _sum(r.ags, _kita, y, seed)
            for row, label in (("te", "Tageseinrichtung"), ("tp", "Tagespflege"),
                               ("ins", "Insgesamt (ohne Doppelzählungen)")):
                body.append(_row(_stichtag("01.03", y), r.ags, r.label, label,
                                 *[int(v[f"{row}_{k}"]) for k in ("n", "u3", "36", "614", "origin", "meal")]))
    return spec, body, ["Stichtag 01.03.; Altersgruppen nach dem Alter am Stichtag"]


def _t_22811(seed: int) -> tuple[Spec, list[str], list[str]]:
    d = "dar.: Regelleistungsberechtigte nach dem SGB II"
    elb = "erwerbsf. Leistungsberech. (Arbeitslosengeld II)"
    nef = "nicht erwerbsf. Leistungsberech. (Sozialgeld)"
    spec = Spec(
        "22811-02-02-4", "22811-02-02-4_00.csv",
        ("Sozialberichterstattung in der amtlichen Statistik,",
         "Regelleistungsberechtigte nach dem SGB II- Stichtag 31.12. -",
         "regionale Tiefe: Kreise und krfr. Städte", "Sozialberichterstattung in der amtlichen Statistik"),
        (("", "", "", "Personen in Bedarfsgemeinschaften nach dem SGB II", *[d] * 12),
         ("", "", "", "", "insgesamt", "insgesamt", "insgesamt", *[elb] * 6, *[nef] * 3),
         ("", "", "", "", "Insgesamt", "Ausländer(innen)", "weiblich", "zusammen", "weiblich", "unter 25 Jahre",
          "25 bis unter 50 Jahre", "50 bis unter 55 Jahre", "55 Jahre und mehr", "zusammen", "weiblich",
          "unter 15 Jahre"),
         ("", "", "", *["Anzahl"] * 13)),
        'zu ""Tabelle insgesamt""',
    )
    keys = ("bg", "rlb", "rlb_a", "rlb_w", "elb", "elb_w", "elb_u25", "elb_2550", "elb_5055", "elb_55",
            "nef", "nef_w", "nef_u15")
    body = []
    for y in _desc():
        for r in REGIONS:
            v = _sum(r.ags, _sgb2, y, seed)
            body.append(_row(_stichtag("31.12", y), r.ags, r.label, *[int(v[k]) for k in keys]))
    return spec, body, []


TABLES: dict[str, Callable[[int], tuple[Spec, list[str], list[str]]]] = {
    "12411-01-01-4": _t_12411_01_01,
    "12411-02-03-4": _t_12411_02_03,
    "12411-03-03-4": _t_12411_03_03,
    "12111-01-01-4": _t_12111_01_01,
    "12111-07-01-4": _t_12111_07_01,
    "AI-Z1-2011": _t_ai_z1,
    "12511-01-01-4": _t_12511,
    "12711-03-02-4": _t_12711,
    "13111-01-03-4": lambda seed: _t_13111(seed, "ao"),
    "13111-02-02-4": lambda seed: _t_13111(seed, "wo"),
    "13211-02-05-4": _t_13211,
    "21111-01-03-4": _t_21111_01_03,
    "21111-02-06-4": _t_21111_02_06,
    "21121-01-05-4": _t_21121,
    "22543-01-02-4": _t_22543,
    "22811-02-02-4": _t_22811,
    "AI002-1": _t_ai002,
    "AI008-1": _t_ai008,
}

# Tables whose newest period stands on its own line in the title block.
_PERIOD_IN_TITLE = {"21111-01-03-4", "21121-01-05-4"}


def render_table(code: str, *, seed: int = m.DEFAULT_SEED) -> tuple[str, str, str]:
    """(file name, text, encoding) of one demo table."""
    spec, body, notes = TABLES[code](seed)
    if code in _PERIOD_IN_TITLE:
        spec = Spec(spec.code, spec.filename, spec.title, spec.header, spec.notes_head, spec.encoding,
                    period_line=str(LAST_YEAR))
    return spec.filename, _assemble(spec, body, notes), spec.encoding


def write_genesis_demo(out_dir: Path, *, seed: int = m.DEFAULT_SEED) -> list[Path]:
    """Write all demo GENESIS tables into ``out_dir``; same seed → byte-identical files."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for code in TABLES:
        name, text, encoding = render_table(code, seed=seed)
        path = out_dir / name
        data = text.encode(encoding)
        if not path.exists() or path.read_bytes() != data:
            path.write_bytes(data)
        written.append(path)
    return written


__all__ = ["DEMO_NOTE", "TABLES", "render_table", "write_genesis_demo", "FIRST_YEAR", "LAST_YEAR"]

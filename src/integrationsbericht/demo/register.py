"""Demo register extract for Bielefeld's 10 Stadtbezirke (``register/bezirke.csv``).

DEMODATEN: generated, not real figures. The city totals per age group × sex × nationality are
exactly those of the demo GENESIS population for 05711 (``demo.model``), so the districts add
up to the official demo population. District sizes follow the real 2020 table of Statistik
Bielefeld (population = moves across the city boundary ÷ rate per 1,000 × 1,000, rounded to
hundreds; see ``tests/test_districts_demo.py``); the contrasts between districts (foreign share,
migration background, age profile) are plausible invented parameters.
"""

from __future__ import annotations

from pathlib import Path

from . import model

AGS = "05711"
YEARS = (2021, 2022, 2023, 2024, 2025)

# Inhabitants 2020 by district, from zuzug_abs ÷ zuzug_je_1000_ew × 1000 (rounded to hundreds).
DISTRICT_SIZES_2020: dict[str, int] = {
    "Mitte": 81500,
    "Schildesche": 42500,
    "Gadderbaum": 10400,
    "Brackwede": 40800,
    "Dornberg": 19600,
    "Jöllenbeck": 22400,
    "Heepen": 47400,
    "Stieghorst": 32100,
    "Sennestadt": 22000,
    "Senne": 21100,
}

# Invented contrasts (relative to the city): foreign share, German migration background share,
# and age profile (weights on the six register age groups).
_FOREIGN = {"Mitte": 1.55, "Schildesche": 0.85, "Gadderbaum": 0.75, "Brackwede": 1.1,
            "Dornberg": 0.45, "Jöllenbeck": 0.5, "Heepen": 0.9, "Stieghorst": 1.05,
            "Sennestadt": 1.3, "Senne": 0.55}
_GERMAN_MH = {"Mitte": 1.25, "Schildesche": 0.95, "Gadderbaum": 0.8, "Brackwede": 1.1,
              "Dornberg": 0.6, "Jöllenbeck": 0.75, "Heepen": 1.05, "Stieghorst": 1.15,
              "Sennestadt": 1.45, "Senne": 0.7}
_AGE = {  # unter 6, 6–18, 18–30, 30–45, 45–65, 65+
    "Mitte": (0.9, 0.8, 1.45, 1.15, 0.9, 0.8),
    "Schildesche": (1.0, 0.95, 1.15, 1.0, 0.95, 1.0),
    "Gadderbaum": (0.9, 0.95, 0.95, 0.95, 1.05, 1.15),
    "Brackwede": (1.05, 1.05, 0.95, 1.0, 1.0, 1.0),
    "Dornberg": (0.95, 1.1, 0.8, 0.85, 1.1, 1.25),
    "Jöllenbeck": (1.05, 1.15, 0.75, 0.95, 1.15, 1.05),
    "Heepen": (1.1, 1.1, 0.85, 1.0, 1.05, 1.0),
    "Stieghorst": (1.1, 1.1, 0.9, 1.0, 1.0, 1.0),
    "Sennestadt": (1.15, 1.15, 0.85, 0.95, 0.95, 1.1),
    "Senne": (1.0, 1.1, 0.75, 0.95, 1.15, 1.1),
}
# Share of Germans with a migration background by age group (city level, invented).
_GERMAN_MH_BY_AGE = (0.42, 0.38, 0.30, 0.27, 0.20, 0.12)
# Foreigners all count as having a migration background (register definition).

HEADER = ["stichtag", "bezirk", "altersgruppe", "geschlecht", "staatsangehoerigkeit",
          "migrationshintergrund", "anzahl"]


def _district_cells(year: int, seed: int) -> list[tuple[str, str, str, str, str, int]]:
    """Rows (bezirk, altersgruppe, geschlecht, staatsangehoerigkeit, mh, anzahl) for ``year``."""
    city = model.population_register_groups(AGS, year, seed=seed)
    ages = list(model.REGISTER_AGE_GROUPS)
    names = list(DISTRICT_SIZES_2020)
    total_size = sum(DISTRICT_SIZES_2020.values())
    size = {d: DISTRICT_SIZES_2020[d] / total_size for d in names}
    # normalise the foreign factor so that the districts' weighted mean is 1
    mean_f = sum(size[d] * _FOREIGN[d] for d in names)
    total = int(city["anzahl"].sum())
    p_foreign = int(city.loc[city["staatsangehoerigkeit"] == "ausländisch", "anzahl"].sum()) / total
    age_share = [int(city.loc[city["altersgruppe"] == a, "anzahl"].sum()) / total for a in ages]
    # factors that keep each district's total at its size: foreign vs German, age profile
    f_foreign = {d: _FOREIGN[d] / mean_f for d in names}
    f_german = {d: (1.0 - p_foreign * f_foreign[d]) / (1.0 - p_foreign) for d in names}
    age_norm = {d: sum(s * w for s, w in zip(age_share, _AGE[d], strict=True)) for d in names}
    rows = []
    by_district: dict[tuple[str, str, str, str], int] = {}
    for cell in city.itertuples(index=False):
        a = ages.index(cell.altersgruppe)
        weights = []
        for d in names:
            nat = f_foreign[d] if cell.staatsangehoerigkeit == "ausländisch" else f_german[d]
            drift = 1.0 + 0.01 * model.noise(seed, "bezirk", d, year)
            weights.append(size[d] * nat * _AGE[d][a] / age_norm[d] * drift)
        for d, n in zip(names, model.apportion(int(cell.anzahl), weights), strict=True):
            by_district[(d, cell.altersgruppe, cell.geschlecht, cell.staatsangehoerigkeit)] = n
    for d in names:
        for a, age in enumerate(ages):
            for sex in model.SEXES:
                for nat in model.NATIONALITIES:
                    n = by_district[(d, age, sex, nat)]
                    if nat == "ausländisch":
                        mh = n
                    else:
                        share = min(0.9, _GERMAN_MH_BY_AGE[a] * _GERMAN_MH[d]
                                    * (1.0 + 0.02 * model.noise(seed, "mh", d, year, age, sex)))
                        mh = model.rnd(n * share)
                    rows.append((d, age, sex, nat, "ja", mh))
                    rows.append((d, age, sex, nat, "nein", n - mh))
    return rows


def write_register_demo(out_dir: Path, *, seed: int = model.DEFAULT_SEED) -> list[Path]:
    """Write ``out_dir/register/bezirke.csv`` (31.12.2021 … 31.12.2025, districts and
    ``Gesamtstadt`` rows); deterministic for a given ``seed``. Returns the written paths."""
    target = Path(out_dir) / "register" / "bezirke.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    lines = [";".join(HEADER)]
    for year in YEARS:
        stichtag = f"31.12.{year}"
        rows = _district_cells(year, seed)
        city: dict[tuple[str, str, str, str], int] = {}
        for d, age, sex, nat, mh, n in rows:
            lines.append(";".join([stichtag, d, age, sex, nat, mh, str(n)]))
            city[(age, sex, nat, mh)] = city.get((age, sex, nat, mh), 0) + n
        for (age, sex, nat, mh), n in city.items():
            lines.append(";".join([stichtag, "Gesamtstadt", age, sex, nat, mh, str(n)]))
    tmp = target.with_suffix(".csv.tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")
    tmp.replace(target)
    return [target]

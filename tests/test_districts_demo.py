"""Demo register extract: sizes from the real 2020 table, city totals = demo GENESIS, stable."""

from __future__ import annotations

import csv
import hashlib

import pandas as pd
import pytest

from integrationsbericht import districts as D
from integrationsbericht.demo import model
from integrationsbericht.demo.register import DISTRICT_SIZES_2020, YEARS, write_register_demo
from integrationsbericht.errors import InputError
from integrationsbericht.sources.register import read_register
from test_districts import _edition

TABLE = "bielefeld/bielefeld_interaktiv_wanderung_stadtgrenze_2020_stadtbezirke.csv"


def _num(s: str) -> float:
    return float(s.replace(".", "").replace(",", "."))


def test_district_sizes_follow_real_2020_table(shared_data):
    """population = absolute moves ÷ rate per 1,000 × 1,000, from in- and out-moves."""
    with open(shared_data / TABLE, encoding="utf-8", newline="") as fh:
        rows = {r["stadtbezirk"]: r for r in csv.DictReader(fh, delimiter=";")}
    assert set(DISTRICT_SIZES_2020) == set(rows) - {"Gesamtstadt"}
    for name, size in DISTRICT_SIZES_2020.items():
        r = rows[name]
        estimates = []
        for kind in ("zuzug", "fortzug"):
            absolute, rate = _num(r[f"{kind}_abs"]), _num(r[f"{kind}_je_1000_ew"])
            # the rate is rounded to 0.1: the population lies in this interval
            estimates.append((absolute / (rate + 0.05) * 1000, absolute / (rate - 0.05) * 1000))
        lo = max(e[0] for e in estimates)
        hi = min(e[1] for e in estimates)
        assert lo <= hi, name
        assert lo - 50 <= size <= hi + 50, (name, size, lo, hi)
    city = rows["Gesamtstadt"]
    city_pop = _num(city["zuzug_abs"]) / _num(city["zuzug_je_1000_ew"]) * 1000
    assert sum(DISTRICT_SIZES_2020.values()) == pytest.approx(city_pop, rel=0.005)


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory):
    return write_register_demo(tmp_path_factory.mktemp("demo"), seed=model.DEFAULT_SEED)[0]


def test_demo_reads_and_matches_demo_genesis(demo_file):
    names = [d.name for d in D.load_districts("05711")]
    reg = read_register(demo_file, names)  # also checks districts = Gesamtstadt rows
    assert sorted(reg["jahr"].unique()) == list(YEARS)
    assert set(reg["bezirk"]) == set(names)
    for year in (YEARS[0], YEARS[-1]):
        city = model.population_register_groups("05711", year)
        got = (reg[reg["jahr"] == year]
               .groupby(["altersgruppe", "geschlecht", "staatsangehoerigkeit"])["anzahl"].sum())
        want = city.set_index(["altersgruppe", "geschlecht", "staatsangehoerigkeit"])["anzahl"]
        pd.testing.assert_series_equal(got.sort_index(), want.sort_index(), check_names=False)
        assert D.check_city_total(reg, int(model.population("05711", year)["anzahl"].sum()),
                                  stichtag=f"31.12.{year}")["differenz"] == 0
    # foreigners all have a migration background
    assert reg.loc[(reg["staatsangehoerigkeit"] == "ausländisch")
                   & (reg["migrationshintergrund"] == "nein"), "anzahl"].sum() == 0


def test_demo_contrasts_and_sizes(demo_file):
    ds = D.load_districts("05711")
    t = D.indicators_from_register(read_register(demo_file, [d.name for d in ds]), ds)
    share = D.latest(t, "auslaenderanteil").set_index("bezirk")["value"]
    assert share["Mitte"] > share["Gesamtstadt"] + 5 > share["Dornberg"] + 10
    pop = D.latest(t, "bevoelkerung").set_index("bezirk")["value"]
    total = sum(DISTRICT_SIZES_2020.values())
    for name, size in DISTRICT_SIZES_2020.items():
        assert pop[name] / pop["Gesamtstadt"] == pytest.approx(size / total, rel=0.03)


def test_demo_is_deterministic(tmp_path, demo_file):
    again = write_register_demo(tmp_path, seed=model.DEFAULT_SEED)[0]
    digest = lambda p: hashlib.sha256(p.read_bytes()).hexdigest()  # noqa: E731
    assert digest(again) == digest(demo_file)
    other = write_register_demo(tmp_path / "b", seed=7)[0]
    assert digest(other) != digest(demo_file)


def test_prepare_checks_city_total_against_genesis(tmp_path, demo_file):
    ed = _edition(tmp_path, demo_file.parent.parent)
    official = int(model.population("05711", 2025)["anzahl"].sum())
    ind = pd.DataFrame({"indicator": ["bevoelkerung"], "ags": ["05711"], "period": ["31.12.2025"],
                        "group": ["insgesamt"], "value": [float(official)]})
    ind.to_parquet(ed.processed_dir / "indicators.parquet")
    info = D.prepare(ed, ed.processed_dir)
    assert info["city_total_check"]["differenz"] == 0
    t = pd.read_parquet(info["indicators"])
    assert set(t["bezirk"]) == {d.name for d in D.load_districts("05711")} | {"Gesamtstadt"}
    ind.assign(value=official + 120.0).to_parquet(ed.processed_dir / "indicators.parquet")
    with pytest.raises(InputError, match="Abweichung −120"):
        D.prepare(ed, ed.processed_dir)

"""Indicators on the real GENESIS exports in ../shared/data (never copied into the repository).

Checks: published values (Regionalatlas AI002-1, AI008-1, AI-Z1-2011; 13211-02-05), ratios
recomputed by hand from the raw cells (read here with the csv module, independent of the
reader), joined series with marked breaks, comparison regions, the report-year cut-off.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pandas as pd
import pytest

from integrationsbericht import indicators as ind
from integrationsbericht.sources.genesis import read_genesis

BIELEFELD, MUENSTER, DORTMUND, KOELN = "05711", "05515", "05913", "05315"
REGIONS = [BIELEFELD, MUENSTER, DORTMUND, KOELN, "05", "057", "DG"]
YEAR = 2015


@pytest.fixture(scope="module")
def tables(shared_data: Path) -> dict[str, pd.DataFrame]:
    cat = ind.load_catalogue()
    wanted = set(ind.all_tables(cat)) | {"AI002-1", "AI008-1", "AI-Z1-2011"}
    out = {}
    for f in sorted((shared_data / "genesis").glob("*.csv")):
        with open(f, "rb") as fh:
            code = fh.readline().decode("latin-1").split(":", 1)[1].split(";")[0].strip()
        if code in wanted:
            df = read_genesis(f)
            out[df.attrs["meta"]["code"]] = df
    return out


@pytest.fixture(scope="module")
def result(tables) -> pd.DataFrame:
    return ind.compute(ind.load_catalogue(), tables, REGIONS, YEAR)


def value(df, indicator, ags, year, group="insgesamt"):
    m = (df.indicator == indicator) & (df.ags == ags) & (df.year == year) & (df.group == group)
    rows = df[m]
    assert len(rows) == 1, (indicator, ags, year, group, len(rows))
    return rows.iloc[0]


def raw_row(shared_data: Path, filename: str, *keys: str) -> list[str]:
    """The cells of the raw data line whose leading cells equal ``keys`` (region name ignored)."""
    path = shared_data / "genesis" / filename
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("iso-8859-1")
    for cells in csv.reader(text.splitlines(), delimiter=";"):
        lead = [c.strip() for c in cells[: len(keys)]]
        # period;AGS;name;… or AGS;name;rowdim;…
        if len(keys) == 2 and lead == list(keys):
            return cells
        if len(keys) == 3 and lead[:3] == list(keys):
            return cells
    raise AssertionError(f"{keys} not in {filename}")


def num(cell: str) -> float:
    return float(cell.strip().replace(",", "."))


# ----------------------------------------------------------------------------- published values


@pytest.mark.parametrize("ags", [BIELEFELD, MUENSTER, DORTMUND, "05", "DG"])
@pytest.mark.parametrize("year", [2010, 2015])
def test_auslaenderanteil_matches_regionalatlas(result, tables, ags, year):
    ai = tables["AI002-1"]
    pub = ai[(ai.h1 == "Anteil Ausländer an der Gesamtbevölkerung") & (ai.ags == ags) & (ai.year == year)]
    assert len(pub) == 1
    ours = value(result, "auslaenderanteil", ags, year)["value"]
    assert round(ours, 1) == pytest.approx(pub.value.iloc[0], abs=1e-9)


def test_bielefeld_2015_auslaenderanteil_is_13_1(result):
    row = value(result, "auslaenderanteil", BIELEFELD, 2015)
    assert row["value"] == pytest.approx(43548 / 333090 * 100)
    assert row["numerator"] == 43548 and row["denominator"] == 333090
    assert row["unit"] == "%" and row["source"] == "12411-03-03-4"


@pytest.mark.parametrize("ags", [BIELEFELD, MUENSTER, DORTMUND])
def test_arbeitslosenquote_matches_13211_02_05_and_ai008(result, tables, shared_data, ags):
    cells = raw_row(shared_data, "13211-02-05-4_00.csv", "2015", ags)
    # columns: period;AGS;name; 7 counts; abh.; alle zivile; Männer; Frauen; Ausländer; 15–25
    assert value(result, "arbeitslosenquote", ags, 2015)["value"] == num(cells[11])
    assert value(result, "arbeitslosenquote", ags, 2015, "auslaendisch")["value"] == num(cells[14])
    ai = tables["AI008-1"]
    pub = ai[(ai.h1 == "Arbeitslosenquote") & (ai.ags == ags) & (ai.year == 2015)].value.iloc[0]
    assert value(result, "arbeitslosenquote", ags, 2015)["value"] == pytest.approx(pub)


def test_bielefeld_arbeitslosenquote_auslaender_2015_is_24_6(result):
    assert value(result, "arbeitslosenquote", BIELEFELD, 2015, "auslaendisch")["value"] == 24.6
    gap = value(result, "arbeitslosenquote", BIELEFELD, 2015, "abstand_auslaendisch_insgesamt")
    assert gap["value"] == pytest.approx(24.6 - 9.4) and gap["unit"] == "Pp."


@pytest.mark.parametrize(
    "ags, group, column",
    [
        (BIELEFELD, "insgesamt", "Anteil Personen mit MHG an der Gesamtbevölkerung"),
        (BIELEFELD, "alter_unter_20", "Anteil Personen mit MHG 0 bis 19 Jahre"),
        (BIELEFELD, "alter_ab_60", "Anteil Personen mit MHG 60 Jahre und älter"),
        (MUENSTER, "insgesamt", "Anteil Personen mit MHG an der Gesamtbevölkerung"),
        (DORTMUND, "alter_20_60", "Anteil Personen mit MHG 20 bis 59 Jahre"),
    ],
)
def test_migrationshintergrund_matches_ai_z1(result, tables, ags, group, column):
    ai = tables["AI-Z1-2011"]
    pub = ai[(ai.h1 == column) & (ai.ags == ags)].value.iloc[0]
    assert round(value(result, "migrationshintergrund_anteil", ags, 2011, group)["value"], 1) == pub


# ----------------------------------------------------------------------------- hand recomputation


def test_beschaeftigungsquote_recomputed_from_raw_cells(result, shared_data):
    for ags in (BIELEFELD, DORTMUND):
        emp = raw_row(shared_data, "13111-02-02-4_00.csv", "30.06.2015", ags)
        emp_total, emp_foreign = num(emp[3]), num(emp[6])
        ages = [
            "15 bis unter 18 Jahre", "18 bis unter 20 Jahre", "20 bis unter 25 Jahre",
            "25 bis unter 30 Jahre", "30 bis unter 35 Jahre", "35 bis unter 40 Jahre",
            "40 bis unter 45 Jahre", "45 bis unter 50 Jahre", "50 bis unter 55 Jahre",
            "55 bis unter 60 Jahre", "60 bis unter 65 Jahre",
        ]
        pop_total = pop_german = pop_foreign = 0.0
        for age in ages:
            cells = raw_row_age(shared_data, "12411-03-03-4_00.csv", "31.12.2015", ags, age)
            pop_total += num(cells[4])
            pop_german += num(cells[7])
            pop_foreign += num(cells[10])
        assert value(result, "beschaeftigungsquote", ags, 2015)["value"] == pytest.approx(
            emp_total / pop_total * 100
        )
        assert value(result, "beschaeftigungsquote", ags, 2015, "auslaendisch")["value"] == pytest.approx(
            emp_foreign / pop_foreign * 100
        )
        # Deutsche = Insgesamt − Ausländer (the table has no German column)
        de = value(result, "beschaeftigungsquote", ags, 2015, "deutsch")
        assert de["value"] == pytest.approx((emp_total - emp_foreign) / pop_german * 100)
        gap = value(result, "beschaeftigungsquote", ags, 2015, "abstand_auslaendisch_deutsch")
        assert gap["value"] == pytest.approx(
            emp_foreign / pop_foreign * 100 - (emp_total - emp_foreign) / pop_german * 100
        )


def raw_row_age(shared_data, filename, period, ags, age):
    path = shared_data / "genesis" / filename
    for cells in csv.reader(path.read_text(encoding="utf-8").splitlines(), delimiter=";"):
        if len(cells) > 4 and cells[0] == period and cells[1] == ags and cells[3] == age:
            return cells
    raise AssertionError((filename, period, ags, age))


def test_einbuergerungsquote_uses_previous_year_denominator(result, shared_data):
    nat = raw_row(shared_data, "12511-01-01-4.csv", "2011", BIELEFELD)
    foreign_2010 = raw_row_age(shared_data, "12411-03-02-4_00.csv", "31.12.2010", BIELEFELD, "Insgesamt")
    row = value(result, "einbuergerungsquote", BIELEFELD, 2011)
    assert row["value"] == pytest.approx(num(nat[3]) / num(foreign_2010[10]) * 100)
    # no quota where the previous year's population is not in the data
    assert result[(result.indicator == "einbuergerungsquote") & (result.ags == BIELEFELD)].year.tolist() == [2011]


def test_sgb2_quote_recomputed(result, shared_data):
    sgb = raw_row(shared_data, "22811-02-02-4_00.csv", "31.12.2015", MUENSTER)
    total, foreign = num(sgb[4]), num(sgb[5])
    path = shared_data / "genesis" / "12411-03-03-4_00.csv"
    rows = [
        c for c in csv.reader(path.read_text(encoding="utf-8").splitlines(), delimiter=";")
        if len(c) > 4 and c[0] == "31.12.2015" and c[1] == MUENSTER
    ]
    under65 = [c for c in rows if c[3] not in ("Insgesamt",) and not c[3].startswith(("65", "7", "8", "9"))]
    assert len(under65) == 15
    pop = sum(num(c[4]) for c in under65)
    pop_foreign = sum(num(c[10]) for c in under65)
    assert value(result, "sgb2_quote", MUENSTER, 2015)["value"] == pytest.approx(total / pop * 100)
    assert value(result, "sgb2_quote", MUENSTER, 2015, "auslaendisch")["value"] == pytest.approx(
        foreign / pop_foreign * 100
    )


def test_school_indicators_recomputed(result, shared_data):
    gym = raw_row(shared_data, "21111-01-03-4_00.csv", BIELEFELD, "Bielefeld, Kreisfreie Stadt", "Gymnasien")
    allp = raw_row(shared_data, "21111-01-03-4_00.csv", BIELEFELD, "Bielefeld, Kreisfreie Stadt", "Insgesamt")
    # AGS;name;Schulart; Schulen; Schüler insgesamt; weiblich; Ausländer; …
    assert value(result, "schueler_gymnasium_anteil", BIELEFELD, 2015, "auslaendisch")["value"] == pytest.approx(
        num(gym[6]) / num(allp[6]) * 100
    )
    assert value(result, "schueler_gymnasium_anteil", BIELEFELD, 2015, "deutsch")["value"] == pytest.approx(
        (num(gym[4]) - num(gym[6])) / (num(allp[4]) - num(allp[6])) * 100
    )
    leav = raw_row(shared_data, "21111-02-06-4.csv", "2015", BIELEFELD)
    assert value(result, "abgaenger_ohne_abschluss", BIELEFELD, 2015)["value"] == pytest.approx(
        num(leav[5]) / num(leav[3]) * 100
    )
    # no nationality split in 21111-02-06: no such groups, the catalogue says so
    groups = set(result[result.indicator == "abgaenger_ohne_abschluss"].group)
    assert "auslaendisch" not in groups
    assert ind.load_catalogue().get("abgaenger_ohne_abschluss").limitations


# ----------------------------------------------------------------------------- joined series


def test_arbeitslosenquote_joined_over_four_files_with_breaks(result):
    s = ind.series(result, "arbeitslosenquote", BIELEFELD)
    assert s.year.tolist() == list(range(2001, 2016))
    by_year = dict(zip(s.year, s.value))
    assert by_year[2003] == 13.1  # 13211-02-02
    assert by_year[2007] == 10.7  # 13211-02-03
    assert by_year[2008] == 9.7  # 13211-02-04
    assert by_year[2015] == 9.4  # 13211-02-05
    assert s[s["break"]].year.tolist() == [2006, 2008, 2009]
    assert all(s[s["break"]].note.str.startswith("Reihenbruch"))
    # the foreigners' rate exists only from 2009; the "-" cells before are not turned into 0
    f = ind.series(result, "arbeitslosenquote", BIELEFELD, "auslaendisch")
    assert f.year.min() == 2009 and (f.value > 0).all()


def test_kita_series_joined_with_break(result):
    s = ind.series(result, "kita_anteil_auslaendische_herkunft", BIELEFELD)
    assert s.year.tolist() == list(range(2007, 2016))
    assert s[s["break"]].year.tolist() == [2011]
    row = s[s.year == 2011].iloc[0]
    assert row["value"] == pytest.approx(5336 / 11226 * 100)
    assert s[s.year == 2010].iloc[0]["value"] == pytest.approx(5190 / 11029 * 100)


def test_population_uses_what_exists(result):
    total = ind.series(result, "bevoelkerung", BIELEFELD)
    assert total.year.min() == 1995 and total.year.max() == 2015
    assert total[total["break"]].year.tolist() == [2011]  # Zensus 2011
    foreign = ind.series(result, "bevoelkerung", BIELEFELD, "auslaendisch")
    assert foreign.year.tolist() == [2010, 2015]
    assert foreign.value.tolist() == [38585, 43548]


def test_changes_and_year_cutoff(result):
    assert result.year.max() <= YEAR
    s = ind.series(result, "bevoelkerung", BIELEFELD).set_index("year")
    assert s.loc[2015, "change_1y"] == 333090 - 329782
    assert s.loc[2010, "change_5y"] == s.loc[2010, "value"] - s.loc[2005, "value"]
    # the Zensus 2011 break lies between 2010 and 2015: no change across it
    assert bool(s.loc[2011, "break"])
    assert math.isnan(s.loc[2015, "change_5y"]) and math.isnan(s.loc[2015, "change_10y"])
    assert math.isnan(s.loc[2011, "change_1y"])
    a = ind.series(result, "auslaenderanteil", BIELEFELD).set_index("year")
    assert math.isnan(a.loc[2015, "change_1y"])  # 2014 not in the data: no invented change
    assert math.isnan(a.loc[2015, "change_5y"])  # 2010 → 2015 crosses the 2011 break


def test_all_comparison_regions_present(result):
    latest = result[(result.indicator == "auslaenderanteil") & (result.group == "insgesamt") & (result.year == 2015)]
    assert sorted(latest.ags) == sorted(REGIONS)
    assert latest.value.notna().all()
    assert set(latest[latest.ags == "057"].region) == {"Detmold"}


def test_other_year_for_another_city(tables):
    """Any Kreis, any year in the data: Dortmund 2012 gets the series up to 2012 only."""
    df = ind.compute(ind.load_catalogue(), tables, [DORTMUND, "05", "DG"], 2012)
    assert df.year.max() == 2012
    assert value(df, "arbeitslosenquote", DORTMUND, 2012)["value"] == pytest.approx(
        tables["AI008-1"].query("h1 == 'Arbeitslosenquote' and ags == @DORTMUND and year == 2012").value.iloc[0]
    )
    assert ind.series(df, "auslaenderanteil", DORTMUND).year.tolist() == [2010]

"""A line chart is a time series only with at least three comparable points."""

from __future__ import annotations

import pandas as pd

from integrationsbericht import charts


def _rows(years, breaks=()):
    return pd.DataFrame([{"indicator": "x", "ags": "05711", "group": "insgesamt", "year": y,
                          "period": f"31.12.{y}", "value": 10.0 + i, "unit": "%", "decimals": 1,
                          "label": "Anteil", "flag": None, "note": None, "break": y in breaks}
                         for i, y in enumerate(years)])


def test_comparable_points_count_the_longest_stretch_without_a_break():
    assert charts.comparable_points(_rows([2010, 2015], breaks={2015})) == 1
    assert charts.comparable_points(_rows([2005, 2010, 2015], breaks={2011, 2015})) == 2
    assert charts.comparable_points(_rows([2011, 2013, 2015], breaks={2011})) == 3


def test_no_chart_from_two_points_across_the_census_break():
    regions = pd.DataFrame([{"ags": "05711", "name": "Bielefeld", "role": "kreis"}])
    assert charts.timeseries(_rows([2010, 2015], breaks={2015}), "x", regions, roles=("kreis",)) is None
    assert charts.group_timeseries(_rows([2010, 2015], breaks={2015}), "x", "05711", ["insgesamt"],
                                   {"insgesamt": "insgesamt"}, region_name="Bielefeld") is None
    c = charts.timeseries(_rows([2013, 2014, 2015]), "x", regions, roles=("kreis",))
    assert c is not None
    import matplotlib.pyplot as plt

    plt.close(c.fig)


def test_break_footnote_names_each_break_once_without_repeating_its_year():
    rows = pd.DataFrame({"year": [2008, 2011, 2022, 2023], "break": [True, True, True, True],
                         "note": ["Reihenbruch", "Reihenbruch: Zensus 2011.",
                                  "Reihenbruch: ab 31.12.2022 Fortschreibung auf Grundlage des Zensus 2022",
                                  "Reihenbruch: ab 31.12.2022 Fortschreibung auf Grundlage des Zensus 2022"]})
    assert charts.break_footnote(rows) == (
        " Reihenbruch (senkrechte Linie): neue Quelle (ab 2008); Zensus 2011;"
        " ab 31.12.2022 Fortschreibung auf Grundlage des Zensus 2022.")
    assert charts.break_footnote(rows.assign(**{"break": False})) == ""

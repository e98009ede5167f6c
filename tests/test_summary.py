"""Start page: key figures equal the indicator table; target and survey lines."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from integrationsbericht import summary
from integrationsbericht.indicators import catalogue_from_dict

SRC = [{"table": "t", "where": {"h1": "x"}}]


def _edition():
    regions = pd.DataFrame([{"ags": "05711", "name": "Bielefeld", "role": "kreis"},
                            {"ags": "05", "name": "Nordrhein-Westfalen", "role": "land"},
                            {"ags": "DG", "name": "Deutschland", "role": "bund"}])
    return SimpleNamespace(ags="05711", year=2024, city="Bielefeld", regions=regions,
                           role=lambda r: regions[regions["role"] == r], path=lambda p: p)


def test_key_figures_equal_the_indicator_table():
    cat = catalogue_from_dict({"indicators": [{
        "id": "auslaenderanteil", "title": "Ausländeranteil", "field": "bevoelkerung", "unit": "%",
        "decimals": 1, "definition": "d", "numerator": SRC}]})
    rows = []
    for ags, base in (("05711", 13.0), ("05", 12.0), ("DG", 11.0)):
        for y in range(2018, 2026):
            rows.append({"indicator": "auslaenderanteil", "ags": ags, "group": "insgesamt", "year": y,
                         "period": f"31.12.{y}", "value": base + (y - 2018) * 0.7,
                         "change_5y": 3.5 if y >= 2023 else None})
    table = pd.DataFrame(rows)
    ed = _edition()
    (kf,) = summary.key_figures(table, cat, ed, [summary.KeyFigureSpec(indicator="auslaenderanteil")])
    own = table[(table["ags"] == "05711") & (table["year"] == 2024)].iloc[0]  # report year, not 2025
    assert kf.period == "31.12.2024" and kf.value == own["value"]
    assert kf.land == table[(table["ags"] == "05") & (table["year"] == 2024)]["value"].iloc[0]
    assert kf.bund == table[(table["ags"] == "DG") & (table["year"] == 2024)]["value"].iloc[0]
    shown, data = summary.key_figure_table([kf], ed)
    assert shown.iloc[0]["Bielefeld"] == "17,2 %"
    assert shown.iloc[0]["Veränderung in 5 Jahren"] == "+3,5 Pp."
    assert data.iloc[0]["value"] == own["value"]
    # without a comparable value five years before for most figures, no column of "."
    import dataclasses

    unknown = dataclasses.replace(kf, change_5y=None)
    shown, _ = summary.key_figure_table([kf, unknown, unknown], ed)
    assert "Veränderung in 5 Jahren" not in shown.columns



def test_comparison_from_an_earlier_year_is_shown_with_its_year():
    """Today's download of a table may hold only the Kreise for the newest year (12411-01-01-4,
    31.12.2024): Land and Bund are then compared with their latest value (with its year), not
    printed as "." (unknown or secret) -- but never across a series break."""
    cat = catalogue_from_dict({"indicators": [{
        "id": "bevoelkerung", "title": "Bevölkerung", "field": "bevoelkerung", "unit": "Personen",
        "decimals": 0, "definition": "d", "numerator": SRC}]})
    rows = [
        {"ags": "05711", "year": 2023, "value": 331519.0, "break": True},
        {"ags": "05711", "year": 2024, "value": 331605.0, "break": False},
        {"ags": "05", "year": 2022, "value": 18139116.0, "break": True},
        {"ags": "05", "year": 2023, "value": 18190422.0, "break": False},
        {"ags": "DG", "year": 2021, "value": 83237124.0, "break": False},
    ]
    table = pd.DataFrame([{**r, "indicator": "bevoelkerung", "group": "insgesamt",
                           "period": f"31.12.{r['year']}", "change_5y": None} for r in rows])
    ed = _edition()
    (kf,) = summary.key_figures(table, cat, ed, [summary.KeyFigureSpec(indicator="bevoelkerung")])
    assert kf.period == "31.12.2024" and kf.value == 331605.0
    assert kf.land == 18190422.0 and kf.land_period == "31.12.2023"
    # Deutschland's latest value (2021) lies before the Zensus 2022 break: not comparable
    assert kf.bund is None
    shown, data = summary.key_figure_table([kf], ed)
    assert shown.iloc[0]["Nordrhein-Westfalen"] == "18.190.422 (2023)"
    assert shown.iloc[0]["Deutschland"] == "."
    assert data.iloc[0]["land_period"] == "31.12.2023"
    # a comparison value of the city's own year carries no year
    same = table.assign(year=table["year"].where(table["ags"] != "05", 2024))
    same["period"] = "31.12." + same["year"].astype(str)
    same = same.drop_duplicates(["ags", "year"], keep="last")
    (kf2,) = summary.key_figures(same, cat, ed, [summary.KeyFigureSpec(indicator="bevoelkerung")])
    assert kf2.compared(kf2.land, kf2.land_period) == "18.190.422"


def test_target_line_and_table():
    assert summary.target_line({"erreicht": 0, "auf Kurs": 0, "nicht auf Kurs": 0, "kein Zielwert": 4}) is None
    counts = {"erreicht": 1, "auf Kurs": 2, "nicht auf Kurs": 3, "kein Zielwert": 0}
    S = "\u00a0"
    assert summary.target_line(counts) == (
        f"Eines von sechs{S}Zielen ist erreicht, zwei sind auf Kurs und drei sind nicht auf Kurs.")
    assert summary.target_line({"erreicht": 0, "auf Kurs": 0, "nicht auf Kurs": 1, "keine Daten": 1}) == (
        f"Keines von zwei{S}Zielen ist erreicht, eines ist nicht auf Kurs und für eines ist noch keine "
        "Aussage möglich.")
    t = summary.target_table(counts)
    assert t["Zahl der Ziele"].tolist() == [1, 2, 3, 0]
    assert t["Status"].iloc[2].startswith("●○○")  # not told by colour alone


def test_kennzahlen_config_lists_survey_items():
    from integrationsbericht.project import DEFAULTS

    cfg = summary.load_config(DEFAULTS / "config" / "kennzahlen.yml")
    assert cfg.key_figures and cfg.survey_items == ["f01_wohl", "f05_diskr"]


def test_survey_sentence_states_results_in_plain_german():
    from integrationsbericht.project import DEFAULTS
    from integrationsbericht.survey.codebook import load_codebook

    cb = load_codebook(DEFAULTS / "config" / "befragung_codebuch.yml")
    cells = {("f01_wohl", "wohl (1–2)"): {"share": 93.2, "ci_low": 92.1, "ci_high": 94.0, "n": 2439, "flag": ""},
             ("f05_diskr", "mindestens einmal"): {"share": 37.0, "ci_low": 35.0, "ci_high": 39.0, "n": 2500,
                                                  "flag": ""}}
    res = SimpleNamespace(diagnostics={"n": 2500}, codebook=cb, cell=lambda item, label: cells[(item, label)])
    text = summary.survey_sentence(res, ["f01_wohl", "f05_diskr"], "Bielefeld").replace("\u00a0", " ")
    assert text == (
        "An der Befragung haben 2.500 Menschen in Bielefeld teilgenommen. 93 % der Befragten fühlen sich "
        "in Bielefeld sehr oder eher wohl (95-%-Konfidenzintervall: 92–94 %; n = 2.439); 37 % der Befragten "
        "haben sich in den letzten zwölf Monaten in ihrem Alltag in Bielefeld mindestens einmal "
        "diskriminiert gefühlt (35–39 %; n = 2.500).")

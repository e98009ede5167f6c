"""Target status logic on constructed series: erreicht, auf Kurs, nicht auf Kurs, kein Zielwert
(plus keine Daten / Trend nicht bestimmbar), and the shipped example targets."""

from __future__ import annotations

import pandas as pd
import pytest

from integrationsbericht import indicators as ind
from integrationsbericht import targets as tg
from integrationsbericht.errors import ConfigError
from integrationsbericht.project import DEFAULTS


def target(**kw) -> tg.Target:
    base = dict(indicator="x", group="insgesamt", operator="<=", value=10.0, year=2030)
    base.update(kw)
    return tg.Target(**base)


def test_erreicht():
    st = tg.evaluate({2020: 14.0, 2021: 12.0, 2022: 9.5}, target(), 2022)
    assert st.status == tg.ERREICHT and st.current == 9.5 and st.current_year == 2022


def test_auf_kurs_by_linear_trend_of_last_five_years():
    # falls by 1 per year: 2025 → 15, projected 2030 → 10 (reaches ≤ 10 exactly)
    series = {2021: 19.0, 2022: 18.0, 2023: 17.0, 2024: 16.0, 2025: 15.0}
    st = tg.evaluate(series, target(), 2025)
    assert st.status == tg.AUF_KURS
    assert st.projected == pytest.approx(10.0) and st.slope == pytest.approx(-1.0)
    assert st.trend_years == [2021, 2022, 2023, 2024, 2025]


def test_nicht_auf_kurs_when_trend_too_slow():
    series = {2021: 19.0, 2022: 18.8, 2023: 18.6, 2024: 18.4, 2025: 18.2}
    st = tg.evaluate(series, target(), 2025)
    assert st.status == tg.NICHT_AUF_KURS and st.projected == pytest.approx(17.2)


def test_only_last_five_years_count():
    # a steep fall long ago does not put a flat recent series on course
    series = {2010: 60.0, 2015: 40.0, 2021: 20.0, 2022: 20.0, 2023: 20.0, 2024: 20.0, 2025: 20.0}
    assert tg.evaluate(series, target(), 2025).status == tg.NICHT_AUF_KURS


def test_values_after_report_year_are_ignored():
    series = {2021: 19.0, 2022: 18.0, 2023: 5.0}
    st = tg.evaluate(series, target(), 2022)
    assert st.current_year == 2022 and st.status != tg.ERREICHT


def test_greater_equal_and_absolute_gap():
    up = {2022: 30.0, 2023: 32.0, 2024: 34.0}
    assert tg.evaluate(up, target(operator=">=", value=40, year=2027), 2024).status == tg.AUF_KURS
    assert tg.evaluate(up, target(operator=">=", value=40, year=2026), 2024).status == tg.NICHT_AUF_KURS
    gap = {2023: -14.0, 2024: -12.0}  # gap shrinks towards 0
    assert tg.evaluate(gap, target(absolute=True, value=10, year=2030), 2024).status == tg.AUF_KURS
    assert tg.evaluate({2024: -9.0}, target(absolute=True, value=10), 2024).status == tg.ERREICHT


def test_kein_zielwert_keine_daten_trend_offen_and_deadline():
    assert tg.evaluate({2024: 5.0}, None, 2024).status == tg.KEIN_ZIELWERT
    assert tg.evaluate({}, target(), 2024).status == tg.KEINE_DATEN
    assert tg.evaluate({2024: 15.0}, target(), 2024).status == tg.TREND_OFFEN
    # target year passed without reaching the target
    assert tg.evaluate({2029: 20.0, 2030: 12.0}, target(year=2030), 2031).status == tg.NICHT_AUF_KURS


def test_shipped_example_targets_are_valid_and_marked_as_examples(project_root):
    tf = tg.load_targets(DEFAULTS / "config" / "ziele.yml")
    assert tf.example and "Rat" in tf.status_text
    cat = ind.load_catalogue()
    assert len(tf.targets) >= 4
    for t in tf.targets:
        ind_ = cat.get(t.indicator)
        assert t.group in ind_.groups or t.group.startswith("abstand_")
        assert t.basis  # each follows a priority of the integration concept


def test_overview_lists_every_primary_indicator(project_root):
    cat = ind.load_catalogue()
    tf = tg.load_targets(DEFAULTS / "config" / "ziele.yml")
    rows = []
    for y, v in [(2021, -19.0), (2022, -17.0), (2023, -15.0), (2024, -13.0), (2025, -11.0)]:
        rows.append({"indicator": "beschaeftigungsquote", "ags": "05711", "group": "abstand_auslaendisch_deutsch",
                     "year": y, "value": v, "change_1y": None, "change_5y": None})
    df = pd.DataFrame(rows)
    ov = tg.overview(df, cat, tf, "05711", 2025).set_index(["indicator", "group"])
    assert ov.loc[("beschaeftigungsquote", "abstand_auslaendisch_deutsch"), "Status"] == tg.AUF_KURS
    assert ov.loc[("arbeitslosenquote", "abstand_auslaendisch_insgesamt"), "Status"] == tg.KEINE_DATEN
    assert ov.loc[("auslaenderanteil", "insgesamt"), "Status"] == tg.KEIN_ZIELWERT
    assert ov.loc[("beschaeftigungsquote", "abstand_auslaendisch_deutsch"), "Aktueller Wert"] == "−11,0 Pp."


def test_bad_target_file(tmp_path):
    p = tmp_path / "ziele.yml"
    p.write_text("targets:\n  - {indicator: x, operator: '<', value: 1, year: 2030}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="Zieldatei ist ungültig"):
        tg.load_targets(p)
    assert tg.load_targets(tmp_path / "fehlt.yml").targets == []


def test_findings_widening_gap_and_reversal():
    cat = ind.load_catalogue()
    df = pd.DataFrame([
        {"indicator": "sgb2_quote", "ags": "05711", "group": "abstand_auslaendisch_deutsch", "year": 2025,
         "value": 26.0, "change_1y": 0.5, "change_5y": 3.0},
        {"indicator": "arbeitslosenquote", "ags": "05711", "group": "insgesamt", "year": 2025,
         "value": 8.0, "change_1y": 0.4, "change_5y": -2.0},
    ])
    f = tg.findings(df, cat, "05711", 2025)
    f = [x.replace("\u00a0", " ") for x in f]
    assert any(x.startswith("SGB-II-Quote") and "Der Abstand ist von 2020 bis 2025 um 3,0 Prozentpunkte größer "
               "geworden, von 23,0 Prozentpunkten auf 26,0 Prozentpunkte." in x for x in f), f
    assert "Arbeitslosenquote: Trendumkehr. Seit 2020 ist der Wert um 2,0 Prozentpunkte gesunken, im letzten " \
        "Jahr aber um 0,4 Prozentpunkte gestiegen." in f, f

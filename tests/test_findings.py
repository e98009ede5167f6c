"""Findings rules: each fires on a constructed case and stays silent on its counter-case."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pathlib import Path

from integrationsbericht import findings
from integrationsbericht.errors import InputError
from integrationsbericht.indicators import catalogue_from_dict

SRC = [{"table": "t", "where": {"h1": "x"}}]
AGS = "05711"


def catalogue():
    return catalogue_from_dict({
        "fields": {"arbeit-lebensunterhalt": "Arbeit und Lebensunterhalt"},
        "group_labels": {"insgesamt": "insgesamt", "deutsch": "Deutsche", "auslaendisch": "Ausländer*innen"},
        "indicators": [{
            "id": "sgb2_quote", "title": "SGB-II-Quote", "field": "arbeit-lebensunterhalt", "unit": "%",
            "decimals": 1, "definition": "d", "numerator": SRC,
            "groups": {"insgesamt": {}, "deutsch": {}, "auslaendisch": {}},
        }],
    })


def table(series: dict[str, list[float]], years=range(2015, 2026), breaks: dict[int, bool] | None = None):
    rows = []
    for group, values in series.items():
        for y, v in zip(years, values):
            rows.append({"indicator": "sgb2_quote", "ags": AGS, "group": group, "year": y,
                         "period": f"31.12.{y}", "value": v, "unit": "%",
                         "break": bool((breaks or {}).get(y, False))})
    return pd.DataFrame(rows)


def with_gap(foreign, german):
    gap = [a - b for a, b in zip(foreign, german)]
    return table({"auslaendisch": foreign, "deutsch": german, "abstand_auslaendisch_deutsch": gap})


RULES = findings.load_rules()


def test_config_loads_and_rejects_typos(tmp_path):
    assert RULES.gap_widened.years == 5
    bad = tmp_path / "befunde.yml"
    bad.write_text("gap_widened: {yeras: 5}\n", encoding="utf-8")
    with pytest.raises(Exception, match="yeras"):
        findings.load_rules(bad)


def test_gap_widened_fires_with_numbers():
    foreign = [30, 30, 30, 30, 30, 30, 31, 32, 33, 34, 35.0]
    german = [10] * 11
    out = findings.gap_changes(with_gap(foreign, german), catalogue(), AGS, 2025, RULES)
    assert [f.rule for f in out] == ["gap_widened"]
    f = out[0]
    text = f.text.replace("\u00a0", " ")
    assert ("Der Abstand zwischen Ausländer*innen und Deutschen ist in fünf Jahren größer geworden, "
            "von 20,0 Prozentpunkten im Jahr 2020 auf 25,0 Prozentpunkte im Jahr 2025") in text
    assert "für Ausländer*innen bei 35,0 %, für Deutsche bei 10,0 %" in text
    assert f.positive is False
    assert f.href() == "arbeit-lebensunterhalt.html#ind-sgb2-quote"
    assert f.href(from_root=True) == "report/arbeit-lebensunterhalt.html#ind-sgb2-quote"
    assert "[Mehr in „Arbeit“](arbeit-lebensunterhalt.html#ind-sgb2-quote)" in f.markdown(titles={"arbeit-lebensunterhalt": "Arbeit"})


def test_gap_narrowed_fires_and_stable_gap_is_silent():
    narrowing = with_gap([30] * 6 + [29, 28, 27, 26, 25.0], [10] * 11)
    out = findings.gap_changes(narrowing, catalogue(), AGS, 2025, RULES)
    assert [f.rule for f in out] == ["gap_narrowed"]
    assert "kleiner geworden" in out[0].text and out[0].positive is True
    stable = with_gap([30] * 10 + [30.5], [10] * 11)  # +0.5 pp. < threshold 1.0
    assert findings.gap_changes(stable, catalogue(), AGS, 2025, RULES) == []


def test_gap_across_series_break_is_not_compared():
    df = with_gap([30] * 6 + [31, 32, 33, 34, 35.0], [10] * 11)
    df.loc[(df["year"] == 2023), "break"] = True
    assert findings.gap_changes(df, catalogue(), AGS, 2025, RULES) == []


def test_trend_reversal_fires_and_steady_trend_is_silent():
    # rises 2018→2023 by 3 pp., falls 2023→2025 by 1 pp.
    up_down = [10, 10, 10, 10, 11, 11.5, 12, 12.5, 13, 12.5, 12.0]
    out = findings.trend_reversals(table({"insgesamt": up_down}), catalogue(), AGS, 2025, RULES)
    assert len(out) == 1
    text = out[0].text.replace("\u00a0", " ")
    assert "Von 2018 bis 2023 ist der Wert gestiegen, von 10,0 % auf 13,0 %." in text
    assert "Seitdem ist er wieder gesunken, auf 12,0 % im Jahr 2025." in text
    steady = list(np.linspace(10, 15, 11))
    assert findings.trend_reversals(table({"insgesamt": steady}), catalogue(), AGS, 2025, RULES) == []
    tiny = [10, 10, 10, 10, 11, 11.5, 12, 12.5, 13, 12.9, 12.8]  # turn of 0.2 pp. < 0.5
    assert findings.trend_reversals(table({"insgesamt": tiny}), catalogue(), AGS, 2025, RULES) == []


def _status(status):
    return pd.DataFrame([{"indicator": "sgb2_quote", "group": "abstand_auslaendisch_deutsch",
                          "status": status, "value": 25.0, "year": 2025, "target": 15.0,
                          "operator": "<=", "target_year": 2030, "text": None}])


def test_target_off_course_fires_only_for_that_status():
    out = findings.target_findings(_status("nicht auf Kurs"), catalogue(), RULES)
    assert len(out) == 1
    assert ("Mit 25,0 Prozentpunkten im Jahr 2025 ist das Ziel von höchstens 15,0 Prozentpunkten "
            "bis 2030 nicht auf Kurs") in out[0].text.replace("\u00a0", " ")
    for ok in ("erreicht", "auf Kurs", "kein Zielwert"):
        assert findings.target_findings(_status(ok), catalogue(), RULES) == []
    counts = findings.target_counts(pd.concat([_status("erreicht"), _status("nicht auf Kurs"),
                                               _status("nicht auf Kurs")]))
    assert counts == {"erreicht": 1, "auf Kurs": 0, "nicht auf Kurs": 2, "kein Zielwert": 0}


def _districts(values: dict[str, float]):
    return pd.DataFrame([{"indicator": "auslaenderanteil", "label": "Anteil Ausländer*innen", "unit": "%",
                          "decimals": 1, "bezirk": b, "period": "31.12.2025", "year": 2025,
                          "group": "insgesamt", "value": v, "flag": None} for b, v in values.items()])


def test_district_extremes_fire_and_even_city_is_silent():
    out = findings.district_extremes(_districts({"Gesamtstadt": 20.0, "Mitte": 31.0, "Dornberg": 8.0,
                                                 "Senne": 19.0, "Heepen": np.nan}), RULES)
    assert len(out) == 1
    t = out[0].text
    t = t.replace("\u00a0", " ")
    assert "Gegenüber 20,0 % in der Gesamtstadt lag der Wert" in t
    assert "in Mitte mit 31,0 % am höchsten und in Dornberg mit 8,0 % am niedrigsten." in t
    assert out[0].href() == "stadtbezirke.html#fig-karte-auslaenderanteil"
    even = _districts({"Gesamtstadt": 20.0, "Mitte": 23.0, "Dornberg": 17.5})
    assert findings.district_extremes(even, RULES) == []


def _survey(share_a, share_b, significant, flag_b=""):
    base = {"item": "f05_diskr", "item_text": "Diskriminiert gefühlt?", "block": 5, "type": "frequency",
            "group_var": "einwanderungsgeschichte", "category": "mindestens einmal", "kind": "summary"}
    return pd.DataFrame([
        {**base, "group": "EG: mit", "group_value": "mit Einwanderungsgeschichte", "share": share_a,
         "flag": "", "significant": significant, "n": 800},
        {**base, "group": "EG: ohne", "group_value": "ohne Einwanderungsgeschichte", "share": share_b,
         "flag": flag_b, "significant": significant, "n": 1500},
    ])


def test_survey_difference_fires_only_when_significant_and_large():
    out = findings.survey_group_differences(_survey(57.4, 21.6, True), RULES)
    assert len(out) == 1
    assert out[0].text.replace("\u00a0", " ") == (
        "Befragung: Bei „Diskriminiert gefühlt?“ wählten 57 % der Befragten mit Einwanderungsgeschichte"
        " die Antwort „mindestens einmal“, gegenüber 22 % der Befragten ohne Einwanderungsgeschichte."
        " Der Unterschied ist statistisch signifikant, auch nach Korrektur für die Zahl der Vergleiche.")
    assert "57\u00a0% der Befragten" in out[0].text  # never broken before the unit
    said = _survey(57.4, 21.6, True).assign(statement="haben sich mindestens einmal diskriminiert gefühlt")
    assert findings.survey_group_differences(said, RULES)[0].text.replace("\u00a0", " ").startswith(
        "Befragung: 57 % der Befragten mit Einwanderungsgeschichte haben sich mindestens einmal"
        " diskriminiert gefühlt, gegenüber 22 % der Befragten ohne Einwanderungsgeschichte. Der Unterschied")
    assert out[0].chapter == "diskriminierung" and out[0].anchor == "fig-dk-eg"
    assert findings.survey_group_differences(_survey(57.4, 21.6, False), RULES) == []
    assert findings.survey_group_differences(_survey(30.0, 25.0, True), RULES) == []
    # a suppressed group never counts
    sup = _survey(57.4, np.nan, True, flag_b="/")
    assert findings.survey_group_differences(sup, RULES) == []


def test_link_only_to_chapters_in_the_edition():
    f = findings.Finding("gap_widened", "arbeit-lebensunterhalt", "Satz.", 1.0,
                         chapter="arbeit-lebensunterhalt", anchor="fig-x")
    assert f.markdown(available={"arbeit-lebensunterhalt"}, titles={"arbeit-lebensunterhalt": "Arbeit"}) == \
        "Satz. [Abbildung in „Arbeit“](arbeit-lebensunterhalt.html#fig-x)"
    assert f.markdown(available={"bevoelkerung"}) == "Satz."


def test_top_limits_per_indicator_and_rule():
    items = [findings.Finding(r, "t", f"{r}{i}", s, key=k)
             for r, i, s, k in [("a", 1, 9, "x"), ("a", 2, 8, "x"), ("a", 3, 7, "y"), ("a", 4, 6, "z"),
                                ("b", 5, 5, "w")]]
    best = findings.top(items, 3, per_key=1, per_rule=2)
    assert [f.text for f in best] == ["a1", "a3", "b5"]


def test_recommendations_skeleton_and_reading(tmp_path):
    items = findings.gap_changes(with_gap([30] * 6 + [31, 32, 33, 34, 35.0], [10] * 11),
                                 catalogue(), AGS, 2025, RULES)
    md = findings.recommendations_skeleton(items, 2025)
    assert "status: entwurf" in md and "Von der Verwaltung auszufüllen" in md
    assert "## arbeit-lebensunterhalt" in md and items[0].text in md
    p = tmp_path / "handlungsempfehlungen-2025.md"
    p.write_text(md, encoding="utf-8")
    rec = findings.read_recommendations(p)
    assert rec.status == "entwurf"
    assert rec.body.splitlines()[2].startswith("### ")  # headings shifted below the chapter's ##
    assert findings.read_recommendations(tmp_path / "fehlt.md") is None
    p.write_text("---\nausgabe: 2025\nstatus: fertig\n---\n\nText\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        findings.read_recommendations(p)
    assert err.value.line == 3 and "fertig" in str(err.value)


def test_demo_recommendations_are_marked_as_example():

    rec = findings.read_recommendations(Path(__file__).resolve().parents[1] / "report" / "handlungsempfehlungen-2025.md")
    assert rec.status == "beispiel"


def test_target_status_from_targets_module():
    from integrationsbericht import targets

    tf = targets.TargetFile(example=False, targets=[targets.Target(
        indicator="sgb2_quote", group="abstand_auslaendisch_deutsch", operator="<=", value=15.0, year=2030)])
    widening = with_gap([30] * 6 + [31, 32, 33, 34, 35.0], [10] * 11)
    st = findings.target_status(tf, widening, catalogue(), AGS, 2025)
    assert st.loc[0, "status"] == "nicht auf Kurs" and st.loc[0, "value"] == 25.0
    assert len(findings.target_findings(st, catalogue(), RULES)) == 1
    reached = with_gap([20] * 11, [10] * 11)
    st = findings.target_status(tf, reached, catalogue(), AGS, 2025)
    assert st.loc[0, "status"] == "erreicht"
    assert findings.target_findings(st, catalogue(), RULES) == []


def test_top_includes_a_positive_finding_where_there_is_one():
    items = [findings.Finding("a", "t", f"a{i}", 10 - i, key=f"k{i}", positive=False) for i in range(4)]
    items.append(findings.Finding("b", "t", "gut", 0.5, key="g", positive=True))
    best = findings.top(items, 3, per_key=1, per_rule=3, min_positive=1)
    assert [f.text for f in best] == ["a0", "a1", "gut"]
    assert [f.text for f in findings.top(items, 3, per_key=1, per_rule=3)] == ["a0", "a1", "a2"]


def _counts_catalogue(weight=1.0, better="higher"):
    return catalogue_from_dict({
        "fields": {"rechtliche-integration": "Rechtliche Integration"},
        "indicators": [{"id": "einbuergerungen", "title": "Einbürgerungen", "field": "rechtliche-integration",
                        "unit": "Anzahl", "decimals": 0, "definition": "d", "numerator": SRC,
                        "weight": weight, "better": better, "groups": {"insgesamt": {}}}],
    })


def _counts(values, breaks=None):
    df = table({"insgesamt": values}, breaks=breaks)
    df["indicator"] = "einbuergerungen"
    df["unit"] = "Anzahl"
    return df


def test_strong_change_finds_a_tripling_in_plain_german_and_weights_it():
    values = [700, 700, 700, 700, 700, 780, 900, 1200, 1700, 2100, 2345.0]
    out = findings.strong_changes(_counts(values), _counts_catalogue(), AGS, 2025, RULES)
    assert len(out) == 1
    f = out[0]
    assert f.text.replace("\u00a0", " ") == (
        "Einbürgerungen: Die Zahl hat sich in fünf Jahren verdreifacht, "
        "von 780 im Jahr 2020 auf 2.345 im Jahr 2025.")
    assert f.positive is True and f.rule == "strong_change"
    heavy = findings.strong_changes(_counts(values), _counts_catalogue(weight=3.0), AGS, 2025, RULES)
    assert heavy[0].score == pytest.approx(3 * f.score)
    # a small change, a change across a series break and a missing base year stay silent
    assert findings.strong_changes(_counts([1000] * 10 + [1100.0]), _counts_catalogue(), AGS, 2025, RULES) == []
    assert findings.strong_changes(_counts(values, breaks={2023: True}), _counts_catalogue(), AGS, 2025, RULES) == []
    assert findings.strong_changes(_counts([np.nan] * 6 + values[6:]), _counts_catalogue(), AGS, 2025, RULES) == []


def test_strong_change_without_a_good_direction_is_neutral_and_moderate_changes_in_percent():
    values = [1000] * 6 + [1100, 1200, 1300, 1350, 1400.0]
    out = findings.strong_changes(_counts(values), _counts_catalogue(better=None), AGS, 2025, RULES)
    assert out[0].positive is None
    assert "ist in fünf Jahren um 40 % gestiegen, von 1.000 im Jahr 2020 auf 1.400 im Jahr 2025" in \
        out[0].text.replace("\u00a0", " ")


def test_trend_reversal_of_a_count_and_of_a_balance_name_their_subject():
    cat = _counts_catalogue(better=None)
    up_down = [100, 100, 100, 100, 100, 100, 130, 160, 200, 170, 150.0]
    text = findings.trend_reversals(_counts(up_down), cat, AGS, 2025, RULES)[0].text.replace("\u00a0", " ")
    assert "Von 2018 bis 2023 ist die Zahl gestiegen, von 100 auf 200. Seitdem ist sie wieder gesunken" in text
    balance = [-400, -400, -400, -400, -400, -400, -481, -900, -2730, -1500, -766.0]
    text = findings.trend_reversals(_counts(balance), cat, AGS, 2025, RULES)[0].text.replace("\u00a0", " ")
    assert "ist der Saldo gesunken, von −400 auf −2.730. Seitdem ist er wieder gestiegen, auf −766" in text

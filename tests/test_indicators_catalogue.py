"""Catalogue mechanics on small hand-made tables (reader output format): a new ratio needs only a
catalogue entry, missing tables, symbols, joined series, lags, gaps, export determinism."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from integrationsbericht import indicators as ind
from integrationsbericht.errors import ConfigError


def table(code: str, rows: list[tuple]) -> pd.DataFrame:
    """rows: (ags, period, h1, rowdim, value, flag)."""
    df = pd.DataFrame(
        [
            {
                "ags": a, "region": {"05711": "Bielefeld, Kreisfreie Stadt", "05": "Nordrhein-Westfalen", "DG": "Deutschland"}[a],
                "period": p, "year": int(p[-4:]), "value": v, "flag": f, "h1": h1, "rowdim": r,
                "unit": "Anzahl", "column": h1, "quality": None, "line": i + 10,
            }
            for i, (a, p, h1, r, v, f) in enumerate(rows)
        ]
    )
    df.attrs["meta"] = {"code": code, "title": f"Testtabelle {code}", "stand": "01.01.2020"}
    return df


POP_OLD = table("T-POP-A", [
    ("05711", "31.12.2009", "Insgesamt", "Insgesamt", 1000.0, None),
    ("05711", "31.12.2009", "Ausländer", "Insgesamt", 100.0, None),
    ("05711", "31.12.2010", "Insgesamt", "Insgesamt", 1000.0, None),
    ("05711", "31.12.2010", "Ausländer", "Insgesamt", 110.0, None),
    ("05", "31.12.2010", "Insgesamt", "Insgesamt", 5000.0, None),
    ("05", "31.12.2010", "Ausländer", "Insgesamt", 400.0, None),
])
POP_NEW = table("T-POP-B", [
    ("05711", "31.12.2011", "Insgesamt", "Insgesamt", 1100.0, None),
    ("05711", "31.12.2011", "Ausländer", "Insgesamt", 132.0, None),
    ("05711", "31.12.2012", "Insgesamt", "Insgesamt", 1100.0, None),
    ("05711", "31.12.2012", "Ausländer", "Insgesamt", float("nan"), "."),
    ("05", "31.12.2011", "Insgesamt", "Insgesamt", 5000.0, None),
    ("05", "31.12.2011", "Ausländer", "Insgesamt", 0.0, "-"),
])
NAT = table("T-NAT", [
    ("05711", "2011", "Einbürgerungen", "Insgesamt", 11.0, None),
    ("05711", "2012", "Einbürgerungen", "Insgesamt", 12.0, None),
    ("05", "2011", "Einbürgerungen", "Insgesamt", 8.0, None),
])

SHARE = {
    "id": "anteil_test",
    "title": "Testanteil",
    "field": "bevoelkerung",
    "unit": "%",
    "decimals": 1,
    "multiplier": 100,
    "definition": "Ausländer ÷ Insgesamt × 100",
    "numerator": [
        {"table": "T-POP-A", "years": [None, 2010], "where": {"h1": "Ausländer", "rowdim": "Insgesamt"}},
        {"table": "T-POP-B", "years": [2011, None], "where": {"h1": "Ausländer", "rowdim": "Insgesamt"}, "note": "neue Tabelle ab 2011"},
    ],
    "denominator": [
        {"table": "T-POP-A", "years": [None, 2010], "where": {"h1": "Insgesamt", "rowdim": "Insgesamt"}},
        {"table": "T-POP-B", "years": [2011, None], "where": {"h1": "Insgesamt", "rowdim": "Insgesamt"}},
    ],
}


def catalogue(*entries) -> ind.Catalogue:
    return ind.catalogue_from_dict({"indicators": list(entries)})


TABLES = {"T-POP-A": POP_OLD, "T-POP-B": POP_NEW, "T-NAT": NAT}


def row(df, indicator, ags, year, group="insgesamt"):
    r = df[(df.indicator == indicator) & (df.ags == ags) & (df.year == year) & (df.group == group)]
    assert len(r) == 1
    return r.iloc[0]


def test_new_ratio_needs_only_a_catalogue_entry():
    quote = {
        "id": "quote_test",
        "title": "Testquote",
        "field": "rechtliche-integration",
        "unit": "%",
        "decimals": 2,
        "multiplier": 100,
        "definition": "Einbürgerungen ÷ Ausländer am 31.12. des Vorjahres × 100",
        "numerator": [{"table": "T-NAT", "where": {"h1": "Einbürgerungen"}}],
        "denominator": [
            {"table": "T-POP-A", "years": [None, 2010], "lag": -1, "where": {"h1": "Ausländer", "rowdim": "Insgesamt"}},
            {"table": "T-POP-B", "years": [2011, None], "lag": -1, "where": {"h1": "Ausländer", "rowdim": "Insgesamt"}},
        ],
    }
    df = ind.compute(catalogue(SHARE, quote), TABLES, ["05711", "05"], 2020)
    # 2011: 11 naturalisations ÷ 110 foreigners on 31.12.2010
    assert row(df, "quote_test", "05711", 2011)["value"] == pytest.approx(10.0)
    # 2012: denominator 31.12.2011 from the other table → break marked
    r = row(df, "quote_test", "05711", 2012)
    assert r["value"] == pytest.approx(12 / 132 * 100)
    assert bool(r["break"]) and "T-POP-B" in r["note"]
    assert row(df, "quote_test", "05", 2011)["value"] == pytest.approx(8 / 400 * 100)
    assert ind.required_tables(catalogue(SHARE, quote))["quote_test"] == ["T-NAT", "T-POP-A", "T-POP-B"]


def test_joined_series_symbols_and_breaks():
    df = ind.compute(catalogue(SHARE), TABLES, ["05711", "05"], 2020)
    s = ind.series(df, "anteil_test", "05711")
    assert s.year.tolist() == [2009, 2010, 2011, 2012]
    assert s.value.iloc[:3].tolist() == pytest.approx([10.0, 11.0, 12.0])
    assert s["break"].tolist() == [False, False, True, False]
    assert s.note.iloc[2] == "Reihenbruch: neue Tabelle ab 2011"
    # "." in the numerator: no value, the symbol is kept
    assert math.isnan(s.value.iloc[3]) and s.flag.iloc[3] == "."
    # "-" (nothing) gives exactly 0 with the symbol
    nrw = row(df, "anteil_test", "05", 2011)
    assert nrw["value"] == 0.0 and nrw["flag"] == "-"
    # NRW has no 2009 in the table: the row exists, without a number, marked "."
    missing = row(df, "anteil_test", "05", 2009)
    assert math.isnan(missing["value"]) and missing["flag"] == "."
    # changes: 1 year and none invented across a missing value
    # 2011 starts a new table: no change is computed across the break
    assert math.isnan(row(df, "anteil_test", "05711", 2011)["change_1y"])
    assert math.isnan(row(df, "anteil_test", "05711", 2012)["change_1y"])


def test_year_cutoff():
    df = ind.compute(catalogue(SHARE), TABLES, ["05711"], 2010)
    assert df.year.max() == 2010
    # every period read, for the download table (indikatoren.csv carries them all); the values
    # up to the report year are the same either way
    full = ind.compute(catalogue(SHARE), TABLES, ["05711"], 2010, upto=False)
    assert full.year.max() > 2010
    upto = full[full.year <= 2010].reset_index(drop=True)
    pd.testing.assert_frame_equal(upto[df.columns], df.reset_index(drop=True), check_dtype=False)


def test_missing_table_gives_message_and_no_values():
    tables = {"T-POP-A": POP_OLD, "T-POP-B": POP_NEW}  # T-NAT missing
    entry = {
        "id": "einb", "title": "Einbürgerungen", "field": "rechtliche-integration", "unit": "Anzahl",
        "decimals": 0, "definition": "Einbürgerungen im Jahr",
        "numerator": [{"table": "T-NAT", "where": {"h1": "Einbürgerungen"}}],
    }
    df = ind.compute(catalogue(SHARE, entry), tables, ["05711"], 2020)
    assert df[df.indicator == "einb"].empty
    assert not df[df.indicator == "anteil_test"].empty
    problems = df.attrs["problems"]
    assert any("T-NAT fehlt" in p and "Einbürgerungen" in p for p in problems)
    av = ind.availability(catalogue(SHARE, entry), tables).set_index("indicator")
    assert not av.loc["einb", "available"] and "T-NAT" in av.loc["einb", "message"]
    assert av.loc["anteil_test", "available"]


def test_unknown_label_is_reported_not_guessed():
    bad = dict(SHARE, id="falsch", numerator=[{"table": "T-POP-A", "where": {"h1": "Auslaender"}}], denominator=None)
    df = ind.compute(catalogue(bad), TABLES, ["05711"], 2020)
    assert df.empty
    assert "„Auslaender“ kommt in Spalte h1 nicht vor" in df.attrs["problems"][0]


def test_combined_group_and_gap():
    entry = dict(
        SHARE,
        id="kombi",
        numerator=[{"table": "T-POP-B", "where": {"h1": "{num}", "rowdim": "Insgesamt"}}],
        denominator=[{"table": "T-POP-B", "where": {"h1": "{den}", "rowdim": "Insgesamt"}}],
        groups={
            "insgesamt": {"params": {"num": "Ausländer", "den": "Insgesamt"}},
            "auslaendisch": {"params": {"num": "Ausländer", "den": "Ausländer"}},
            "deutsch": {"combine": {"insgesamt": 1, "auslaendisch": -1}},
        },
    )
    df = ind.compute(catalogue(entry), TABLES, ["05711"], 2011)
    de = row(df, "kombi", "05711", 2011, "deutsch")
    # numerator and denominator are combined separately: (132 − 132) ÷ (1100 − 132)
    assert de["numerator"] == 0 and de["denominator"] == 968 and de["value"] == 0.0
    gap = row(df, "kombi", "05711", 2011, "abstand_auslaendisch_deutsch")
    assert gap["unit"] == "Pp." and gap["value"] == pytest.approx(100.0)
    counts = dict(
        id="zahl", title="Zahl", field="bevoelkerung", unit="Anzahl", decimals=0, definition="Anzahl",
        numerator=[{"table": "T-POP-B", "where": {"h1": "{nat}", "rowdim": "Insgesamt"}}],
        groups={
            "insgesamt": {"params": {"nat": "Insgesamt"}},
            "auslaendisch": {"params": {"nat": "Ausländer"}},
            "deutsch": {"combine": {"insgesamt": 1, "auslaendisch": -1}},
        },
    )
    df = ind.compute(catalogue(counts), TABLES, ["05711"], 2012)
    assert row(df, "zahl", "05711", 2011, "deutsch")["value"] == 968
    nan = row(df, "zahl", "05711", 2012, "deutsch")  # Ausländer "." → no difference either
    assert math.isnan(nan["value"]) and nan["flag"] == "."
    assert df[df.group.str.startswith("abstand")].empty  # no gap for counts


def test_invalid_catalogue_raises_german_config_error():
    with pytest.raises(ConfigError, match="Indikatorenkatalog ist ungültig"):
        ind.catalogue_from_dict({"indicators": [{"id": "x", "title": "X"}]})
    with pytest.raises(ConfigError, match="mehrfach"):
        ind.catalogue_from_dict({"indicators": [SHARE, SHARE]})


def test_export_is_deterministic_and_contract_shaped(tmp_path):
    df = ind.compute(catalogue(SHARE), TABLES, ["05711", "05"], 2020)
    a = ind.export(df, tmp_path / "a")
    b = ind.export(df.sample(frac=1, random_state=1), tmp_path / "b")
    assert a["csv"].read_bytes() == b["csv"].read_bytes()
    assert a["xlsx"].read_bytes() == b["xlsx"].read_bytes()
    out = pd.read_csv(a["csv"], dtype=str, keep_default_na=False)
    for col in ("indicator", "label", "ags", "region", "period", "group", "value", "unit", "flag", "source"):
        assert col in out.columns
    r = out[(out.ags == "05711") & (out.year == "2010")].iloc[0]
    assert r["value"] == "11.000" and r["unit"] == "%"
    empty = out[(out.ags == "05711") & (out.year == "2012")].iloc[0]
    assert empty["value"] == "" and empty["flag"] == "."
    sheets = pd.read_excel(a["xlsx"], sheet_name=None)
    assert list(sheets) == ["Daten", "Erläuterungen"] and len(sheets["Daten"]) == len(out)


def test_shipped_catalogue_has_all_required_indicators():
    cat = ind.load_catalogue()
    required = [
        "bevoelkerung", "auslaenderanteil", "migrationshintergrund_anteil", "einbuergerungen",
        "einbuergerungsquote", "zuzuege_ausland", "wanderungssaldo", "beschaeftigungsquote",
        "arbeitslosenquote", "sgb2_quote", "kita_anteil_auslaendische_herkunft",
        "betreuungsquote_u3", "betreuungsquote_3_6", "schueler_gymnasium_anteil",
        "abgaenger_ohne_abschluss", "berufsschueler_auslaenderanteil",
    ]
    for ident in required:
        assert ident in cat, ident
    assert set(cat.fields) >= {i.field for i in cat.indicators}
    assert "13211-02-02-4" in ind.required_tables(cat)["arbeitslosenquote"]

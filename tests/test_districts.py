"""District indicators: Köln open data against the source file, suppression, prepare()."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from integrationsbericht import districts as D
from integrationsbericht.config import EditionConfig
from integrationsbericht.errors import ConfigError, InputError

KOELN = ["Innenstadt", "Rodenkirchen", "Lindenthal", "Ehrenfeld", "Nippes", "Chorweiler", "Porz",
         "Kalk", "Mülheim"]


@pytest.fixture(scope="module")
def koeln_raw(shared_data) -> dict:
    """The source file read independently: {(tabelle, jahr, raum, zeile): zahl}."""
    out = {}
    with open(shared_data / "koeln" / "bevoelkerung.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["raum_id"].startswith("00"):  # city and Stadtbezirke, not Stadtteile
                out[(row["tabelle"], int(row["jahr"]), row["raum"], row["zeile"])] = float(
                    row["zahl"])
    return out


@pytest.fixture(scope="module")
def koeln_table(shared_data) -> pd.DataFrame:
    return D.read_koeln_opendata(shared_data / "koeln" / "bevoelkerung.csv",
                                 D.load_districts("05315"))


def test_district_lists():
    assert [d.name for d in D.load_districts("05315")] == KOELN
    biel = D.load_districts("05711")
    assert len(biel) == 10 and biel[0].name == "Mitte" and biel[-1].nr == 10
    assert D.District(6, "Jöllenbeck").anchor == "bezirk-joellenbeck"
    with pytest.raises(ConfigError, match="keine Stadtbezirke"):
        D.load_districts("05515")


def test_koeln_figures_match_source(koeln_table, koeln_raw):
    t = koeln_table
    assert set(t["bezirk"]) == {*KOELN, "Gesamtstadt"}
    assert sorted(t["year"].unique()) == list(range(2005, 2013))
    mh = "Einwohner mit Migrationshintergrund"
    for year in range(2005, 2013):
        for name, raum in [(n, n) for n in KOELN] + [("Gesamtstadt", "Stadt Köln")]:
            pop = koeln_raw[("Einwohner in Köln", year, raum, "Einwohner")]
            row = t[(t["bezirk"] == name) & (t["year"] == year) & (t["group"] == "insgesamt")]
            val = row.set_index("indicator")["value"]
            assert val["bevoelkerung"] == pop
            assert val["migrationshintergrund_anteil"] == pytest.approx(
                koeln_raw[(mh, year, raum, mh)] / pop * 100)
            assert val["auslaenderanteil"] == pytest.approx(
                koeln_raw[(mh, year, raum, "Ausländer")] / pop * 100)
    # published-style spot checks, 31.12.2012
    k = t[(t["year"] == 2012) & (t["group"] == "insgesamt")].set_index(["indicator", "bezirk"])
    assert k.loc[("bevoelkerung", "Gesamtstadt"), "value"] == 1044555
    assert round(k.loc[("auslaenderanteil", "Kalk"), "value"], 1) == 25.5
    assert round(k.loc[("migrationshintergrund_anteil", "Chorweiler"), "value"], 1) == 45.0
    assert (t["period"] == "31.12.2012").sum() == (t["year"] == 2012).sum()


def test_koeln_age_shares_sum_to_100(koeln_table):
    a = koeln_table[koeln_table["indicator"] == "altersanteil"]
    sums = a.groupby(["bezirk", "year"])["value"].sum()
    assert np.allclose(sums, 100)
    assert a["group"].iloc[0] == "0 bis unter 3"  # natural age order, not lexical


def test_koeln_district_mismatch_is_clear(tmp_path, shared_data):
    src = (shared_data / "koeln" / "bevoelkerung.csv").read_text(encoding="utf-8")
    bad = tmp_path / "bevoelkerung.csv"
    bad.write_text(src.replace(",Porz,", ",Porz-Wahn,"), encoding="utf-8")
    with pytest.raises(InputError, match="Nr. 7 heißt in der Datei 'Porz-Wahn', erwartet: 'Porz'"):
        D.read_koeln_opendata(bad, D.load_districts("05315"))


def _table(values: dict[str, tuple[float, float]], unit: str = "%") -> pd.DataFrame:
    """Indicator rows for one indicator: {bezirk: (numerator, denominator)}."""
    rows = []
    for i, (b, (num, den)) in enumerate(values.items()):
        rows.append({"indicator": "x", "label": "x", "unit": unit, "decimals": 1, "bezirk": b,
                     "bezirk_nr": i, "period": "31.12.2025", "year": 2025, "group": "insgesamt",
                     "value": (num / den * 100 if den else np.nan) if unit == "%" else num, "numerator": num,
                     "denominator": den, "flag": pd.NA, "source": "Test"})
    return pd.DataFrame(rows)


def test_suppression_rule():
    t = _table({"Gesamtstadt": (58, 1000), "A": (2, 100), "B": (5, 300), "C": (51, 600),
                "D": (0, 0)})
    s = D.suppress(t, 3).set_index("bezirk")
    # primary: 2 < 3; secondary: B, the next smallest, so that A cannot be recomputed
    assert s.loc["A", "flag"] == "." and np.isnan(s.loc["A", "value"])
    assert np.isnan(s.loc["A", "numerator"])
    assert s.loc["B", "flag"] == "." and np.isnan(s.loc["B", "value"])
    assert pd.isna(s.loc["C", "flag"]) and s.loc["C", "value"] == pytest.approx(8.5)
    assert s.loc["D", "flag"] == "-"
    assert pd.isna(s.loc["Gesamtstadt", "flag"])
    # complement: 299 of 300 reveals the one person who is not
    s2 = D.suppress(_table({"A": (299, 300), "B": (150, 300), "C": (100, 300)}), 3)
    assert s2["flag"].fillna("").tolist().count(".") == 2 and s2["flag"].iloc[0] == "."
    # counts: 1 and 2 hidden, 3 shown; threshold configurable
    s3 = D.suppress(_table({"A": (1, 1), "B": (2, 2), "C": (3, 3)}, unit="Anzahl"), 3)
    assert s3["flag"].fillna("").tolist() == [".", ".", ""]
    s4 = D.suppress(_table({"A": (1, 1), "B": (2, 2), "C": (3, 3)}, unit="Anzahl"), 4)
    assert s4["value"].isna().all()


def _edition(tmp_path: Path, data_dir: Path, **districts) -> SimpleNamespace:
    cfg = EditionConfig.model_validate({"ags": districts.pop("ags", "05711"),
                                        "year": districts.pop("year", 2025),
                                        "districts": districts})
    processed = tmp_path / "processed" / cfg.ags
    processed.mkdir(parents=True)
    return SimpleNamespace(config=cfg, data_dir=data_dir, processed_dir=processed, ags=cfg.ags,
                           year=cfg.year, demo=True, city="Test")


def test_prepare_koeln(tmp_path, shared_data):
    ed = _edition(tmp_path, shared_data, ags="05315", year=2012, format="koeln_opendata",
                  file="koeln/bevoelkerung.csv", geometry="koeln/stadtbezirke.geojson")
    assert D.has_input(ed)
    info = D.prepare(ed, ed.processed_dir)
    t = pd.read_parquet(info["indicators"])
    meta = json.loads(info["meta"].read_text(encoding="utf-8"))
    assert info["districts"] == 9 and len(meta["districts"]) == 9
    assert meta["periods"][-1] == "31.12.2012" and meta["periods"][0] == "31.12.2005"
    assert meta["geometry"].endswith("stadtbezirke.geojson")
    assert list(t.columns) == D.INDICATOR_COLUMNS
    assert t["flag"].isin([".", "-"]).sum() == 0 or (t.loc[t["flag"] == ".", "value"].isna().all())
    ed2 = _edition(tmp_path / "x", tmp_path, ags="05315")
    assert not D.has_input(ed2)

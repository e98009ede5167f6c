"""Maps: Köln choropleth from the real GeoJSON (9 districts), Bielefeld tile map (10 tiles)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from matplotlib.patches import Rectangle

from integrationsbericht import districts as D
from integrationsbericht import maps as M
from integrationsbericht.config import resolve
from integrationsbericht.errors import ConfigError, InputError


@pytest.fixture(scope="module")
def koeln(shared_data):
    ds = D.load_districts("05315")
    geo = M.read_geometry(shared_data / "koeln" / "stadtbezirke.geojson", ds)
    t = D.suppress(D.read_koeln_opendata(shared_data / "koeln" / "bevoelkerung.csv", ds))
    v = D.latest(t, "migrationshintergrund_anteil")
    return ds, geo, v[v["bezirk"] != "Gesamtstadt"]


def _labels(fig):
    return [t.get_text() for t in fig.axes[0].texts]


def test_koeln_choropleth_has_nine_labelled_districts(koeln, tmp_path):
    ds, geo, v = koeln
    assert len(geo) == 9 and geo["bezirk"].tolist() == [d.name for d in ds]
    assert geo.crs.to_epsg() == 25832
    fig = M.choropleth(geo, v, unit="%", decimals=1, legend_title="Anteil")
    labels = _labels(fig)
    assert len(labels) == 9
    assert "Kalk\n48,1 %" in labels and "Lindenthal\n21,7 %" in labels
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend[0] == "45,0 % bis unter 50,0 %" and legend[-1] == "20,0 % bis unter 25,0 %"
    paths = M.save_deterministic(fig, tmp_path / "a")
    fig2 = M.choropleth(geo, v, unit="%", decimals=1, legend_title="Anteil")
    paths2 = M.save_deterministic(fig2, tmp_path / "b")
    assert paths["svg"].read_bytes() == paths2["svg"].read_bytes()
    assert paths["png"].read_bytes() == paths2["png"].read_bytes()
    alt = M.alt_text(v, "Anteil mit Migrationshintergrund", "%", 1, "31.12.2012", "Köln")
    assert "9 Stadtbezirke" in alt and "Kalk (48,1 %)" in alt and "Lindenthal (21,7 %)" in alt
    table = M.map_table(v, "%", 1)
    assert len(table) == 9 and table.loc[table["Bezirk"] == "Kalk", "Anzeige"].item() == "48,1 %"


def test_geometry_mismatch_fails_clearly(shared_data, tmp_path):
    src = json.loads((shared_data / "koeln" / "stadtbezirke.geojson").read_text(encoding="utf-8"))
    for f in src["features"]:
        if f["properties"]["STB_NAME"] == "Porz":
            f["properties"]["STB_NAME"] = "Bonn"
    bad = tmp_path / "bad.geojson"
    bad.write_text(json.dumps(src), encoding="utf-8")
    with pytest.raises(InputError, match="Bezirksnummer 7 heißt hier 'Bonn'.*'Porz'"):
        M.read_geometry(bad, D.load_districts("05315"))
    src["features"] = [f for f in src["features"] if f["properties"]["STB_NR"] != "9"]
    bad.write_text(json.dumps(src).replace('"Bonn"', '"Porz"'), encoding="utf-8")
    with pytest.raises(InputError, match="fehlen die Stadtbezirke Mülheim"):
        M.read_geometry(bad, D.load_districts("05315"))


def test_bielefeld_tile_map_has_ten_tiles_and_marks_suppressed():
    ds = D.load_districts("05711")
    tiles = M.load_tiles(resolve("config/bezirke_kacheln.yml"), "05711", ds)
    v = pd.DataFrame({"bezirk": [d.name for d in ds], "bezirk_nr": [d.nr for d in ds],
                      "value": np.linspace(8.0, 30.0, 10), "flag": pd.NA})
    v.loc[2, ["value", "flag"]] = [np.nan, "."]
    fig = M.tile_map(tiles, v, unit="%", decimals=1, legend_title="Test")
    squares = [p for p in fig.axes[0].patches if isinstance(p, Rectangle)]
    assert len(squares) == 10
    labels = _labels(fig)
    assert len(labels) == 10 and "Gadderbaum\n." in labels and "Mitte\n8,0 %" in labels
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend[-1].startswith(". = unterdrückt")
    alt = M.alt_text(v, "Test", "%", 1, "31.12.2025", "Bielefeld", tiles=True)
    assert alt.startswith("Kachelkarte") and "1 Wert(e)" in alt


def test_tile_grid_errors(tmp_path):
    ds = D.load_districts("05711")
    bad = tmp_path / "k.yml"
    bad.write_text('"05711": {Mitte: [0, 0], Senne: [0, 0]}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="dieselbe Kachel|es fehlen"):
        M.load_tiles(bad, "05711", ds)
    bad.write_text('"05711": {Mitte: [0, 0], Sennestadt: [0, 1], Nord: [1, 1]}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="'Nord' ist kein Stadtbezirk"):
        M.load_tiles(bad, "05711", ds)


def test_classes_cover_values():
    b = M.classes(pd.Series([21.7, 48.1, 33.0]))
    assert b[0] <= 21.7 and b[-1] > 48.1 and 4 <= len(b) - 1 <= 7

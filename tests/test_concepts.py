"""One story per concept: the register's migration background is the headline, the Zensus
2011 value an older reference of another source."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from integrationsbericht import concepts, german


def _table(value=32.8):
    return pd.DataFrame([{"indicator": "migrationshintergrund_anteil", "ags": "05711", "group": "insgesamt",
                          "year": 2011, "period": "09.05.2011", "value": value, "decimals": 1}])


def _edition(tmp_path, register: float | None):
    proc = tmp_path / "processed"
    (proc / "districts").mkdir(parents=True)
    if register is not None:
        pd.DataFrame([{"indicator": "migrationshintergrund_anteil", "group": "insgesamt", "bezirk": "Gesamtstadt",
                       "year": 2025, "period": "31.12.2025", "value": register, "decimals": 1}]).to_parquet(
            proc / "districts" / "indicators.parquet")
    return SimpleNamespace(processed_dir=proc, ags="05711", city="Bielefeld", place=german.place("Bielefeld"))


def test_register_value_is_the_headline_and_zensus_the_reference(tmp_path):
    ed = _edition(tmp_path, 39.7)
    head, ref = concepts.migration_background(ed, _table())
    assert (head.source, head.value, ref.source, ref.value) == ("register", 39.7, "zensus", 32.8)
    text = concepts.migration_background_text(ed, _table()).replace("\u00a0", " ")
    assert text.startswith("Nach dem Melderegister der Stadt hatten am 31.12.2025 39,7 % der Einwohner*innen")
    assert "Zensus 2011 hatte für den 9. Mai 2011 einen Anteil von 32,8 %" in text
    assert "nicht direkt vergleichbar" in text


def test_without_register_the_zensus_section_stays(tmp_path):
    ed = _edition(tmp_path, None)
    head, ref = concepts.migration_background(ed, _table())
    assert head.source == "zensus" and ref is None
    assert concepts.migration_background_text(ed, _table()) is None

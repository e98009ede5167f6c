"""A 2025 report from last decade's and today's downloads side by side (real data).

The data folder is built in a temporary directory from symlinks to ../shared/data/genesis/ and
../shared/data/genesis-aktuell/ (never in the repository). One lean build for Bielefeld (HTML,
pandoc); a Landkreis goes through the same resolve/ingest/indicator steps without rendering.
Values are checked against the raw rows.
"""

from __future__ import annotations

import html
import math
import re

import pandas as pd
import pytest

pytestmark = pytest.mark.shared


def _mixed_folder(shared_data, root):
    g = root / "daten" / "genesis"
    g.mkdir(parents=True)
    for sub in ("genesis", "genesis-aktuell"):
        for p in sorted((shared_data / sub).iterdir()):
            if p.suffix.lower() in (".csv", ".zip"):
                (g / p.name).symlink_to(p)
    return root / "daten"


@pytest.fixture(scope="module")
def mixed(shared_data, tmp_path_factory):
    return _mixed_folder(shared_data, tmp_path_factory.mktemp("gemischt"))


@pytest.fixture(scope="module")
def book_2025(mixed, tmp_path_factory):
    from integrationsbericht.pipeline import build

    tmp = tmp_path_factory.mktemp("book-2025")
    lines: list[str] = []
    res = build(
        data_dir=mixed,
        ags="05711",
        year=2025,
        renderer="pandoc",
        formats=("html",),
        out=tmp / "_book",
        build_root=tmp / "build",
        processed_root=tmp / "processed",
        log=lines.append,
    )
    return res, tmp / "_book", lines


def _text(path) -> str:
    """Visible text of an HTML page (tags removed, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8")))


def _value(ind: pd.DataFrame, indicator, period, group="insgesamt", ags="05711"):
    r = ind[(ind.indicator == indicator) & (ind.ags == ags) & (ind.period == period) & (ind.group == group)]
    assert len(r) == 1, (indicator, period, group, len(r))
    return r.iloc[0]


def test_2025_edition_from_mixed_vintages(book_2025, shared_data):
    _res, out, lines = book_2025
    ind = pd.read_csv(out / "downloads" / "indikatoren.csv", dtype={"ags": str, "period": str})
    # population on the Zensus 2022 basis (ffcsv-new wins over ffcsv-old for 31.12.2023)
    pop23 = _value(ind, "bevoelkerung", "31.12.2023")
    assert float(pop23["value"]) == 331519.0  # not 338410 (Zensus 2011 basis)
    assert bool(pop23["break"]) and "Zensus 2022" in pop23["note"]
    assert math.isnan(pop23["change_1y"])  # no change across the Zensus 2022 break
    assert float(_value(ind, "bevoelkerung", "31.12.2024")["value"]) == 331605.0
    assert float(_value(ind, "bevoelkerung", "31.12.2024", "weiblich")["value"]) == 170594.0
    # every period read is kept: 2015 (Zensus 2011 basis) is still there
    assert float(_value(ind, "bevoelkerung", "31.12.2015")["value"]) == 333090.0
    # unemployment rates of the 2023 and 2025 classic "Tabelle:" downloads (raw rows)
    assert float(_value(ind, "arbeitslosenquote", "2023")["value"]) == 8.2
    assert float(_value(ind, "arbeitslosenquote", "2023", "auslaendisch")["value"]) == 21.5
    assert float(_value(ind, "arbeitslosenquote", "2025")["value"]) == 9.1
    assert float(_value(ind, "arbeitslosenquote", "2025", "auslaendisch")["value"]) == 21.4
    assert float(_value(ind, "arbeitslosenquote", "2025", "weiblich")["value"]) == 8.7
    # pupils 2023 (classic CSV with new labels "ausländisch", "Schülerinnen und Schüler …")
    raw = (shared_data / "genesis-aktuell/21111-01-03-4_2023_regio-web_classic-GENESIS-Tabelle_latin1.csv").read_bytes().decode("latin-1")
    rows = {l.split(";")[3]: l.split(";") for l in raw.splitlines() if l.startswith("2023;05711;")}
    share = 100 * float(rows["Gymnasien"][5]) / float(rows["Insgesamt"][5])
    assert float(_value(ind, "schueler_gymnasium_anteil", "2023")["value"]) == pytest.approx(share, abs=5e-4)
    # the build log names the replaced values and the unpublished period
    log = "\n".join(lines)
    assert "noch nicht veröffentlicht" in log and "30.06.2025" in log
    assert "durch einen neueren Export geändert" in log
    # stale indicators are not in the chapters but have a line in the annex
    annex = _text(out / "report" / "anhang-indikatoren.html")
    assert "Datengrundlage" in annex and "Ausländeranteil: neuester Wert von 2015" in annex
    # chapters none of whose indicators is current, and "Befunde" without a single current
    # finding, are left out and named there -- never printed as an introduction alone
    for name, title in (("rechtliche-integration", "Rechtliche Integration"),
                        ("fruehkindliche-bildung", "Frühkindliche Bildung"),
                        ("befunde-empfehlungen", "Befunde")):
        assert not (out / "report" / f"{name}.html").exists(), name
        assert f"{title}: entfällt in dieser Ausgabe" in annex, title
    assert "Schule und Ausbildung: entfällt" not in annex  # has current indicators (2023)
    assert (out / "report" / "schule-ausbildung.html").exists()
    # the annex lists the values a newer export changed (Zensus 2022 basis for 31.12.2023)
    assert "Durch neuere Exporte geänderte Werte" in annex
    i = annex.index("Durch neuere Exporte geänderte Werte")
    assert "338.410" in annex[i:] and "331.519" in annex[i:]
    # key figures: the 2024 download holds Kreise only; Land and Bund are compared with their
    # 31.12.2023 values (raw rows of the Zensus-2022-basis file), marked with their year
    start = _text(out / "index.html")
    assert "18.017.520 (2023)" in start and "83.456.045 (2023)" in start
    chapter = _text(out / "report" / "bevoelkerung.html")
    assert "331.605" in chapter  # latest population, 31.12.2024
    assert "Zensus 2022" in chapter  # the break is named at the chart
    assert "nicht verfügbar" not in chapter
    # the stale foreigners' share (latest 2015) is not printed in the 2025 chapter
    assert "Der Anteil der Ausländer*innen an der Bevölkerung betrug" not in chapter
    assert "Ausländeranteil nach Geschlecht und Alter" not in chapter
    # nothing internal reaches a reader, export file names included (they stay in the log)
    from publication_scan import scan

    assert scan(out) == []


@pytest.fixture(scope="module")
def book_guetersloh(mixed, book_2025, tmp_path_factory):
    """The same build for a Landkreis (Gütersloh), no change needed; it shares the parsed-table
    cache of the Bielefeld build (as a second region of one batch does)."""
    from integrationsbericht.pipeline import build

    tmp = tmp_path_factory.mktemp("book-2025-gt")
    processed = book_2025[1].parent / "processed"
    res = build(data_dir=mixed, ags="05754", year=2025, renderer="pandoc", formats=("html",),
                out=tmp / "_book", build_root=tmp / "build", processed_root=processed)
    return res, tmp / "_book"


def test_another_kreis_same_build(book_guetersloh, mixed):
    """A Landkreis (Gütersloh): the same mixed-vintage 2025 report, values from the raw rows."""
    from integrationsbericht import indicators

    res, out = book_guetersloh
    assert res.edition.region_name.startswith("Gütersloh")
    raw = (mixed / "genesis" / "12411-01-01-4_2024_regio-api_ffcsv-new_en.csv").read_text(encoding="utf-8-sig")
    total = next(
        float(l.split(";")[13]) for l in raw.splitlines() if ";05754;" in l and ";;Total;" in l
    )
    ind = pd.read_csv(out / "downloads" / "indikatoren.csv", dtype={"ags": str, "period": str})
    assert float(_value(ind, "bevoelkerung", "31.12.2024", ags="05754")["value"]) == total
    status = indicators.load_status(res.edition)
    cur = {c["indicator"]: c for c in status["currency"]}
    assert cur["bevoelkerung"]["current"] and cur["bevoelkerung"]["latest_period"] == "31.12.2024"
    assert not cur["auslaenderanteil"]["current"]
    assert cur["migrationshintergrund_anteil"]["current"]  # one-off (Zensus 2011)
    # the rendered report: the newest population in chapter 1, the Kreis named, nothing internal
    chapter = _text(out / "report" / "bevoelkerung.html")
    assert f"{int(total):,}".replace(",", ".") in chapter
    start = _text(out / "index.html")
    # the Kreis is the subject; the publisher stays the configured office (Impressum, footer)
    assert f"lebten im Kreis Gütersloh {int(total):,} Menschen".replace(",", ".") in start
    # Land and Bund: the 2024 download holds Kreise only; the comparison is their latest value
    # (31.12.2023, Zensus 2022 basis) with its year, never "." for a value that exists
    assert re.search(r"Nordrhein-Westfalen.*?\(2023\)", start, re.S)
    annex = _text(out / "report" / "anhang-indikatoren.html")
    assert "Ausländeranteil: neuester Wert von 2015" in annex
    # the site icon carries the Kreis's own initial, not the "K" of "Kreis"
    assert ">G</text>" in (out / "_assets" / "favicon.svg").read_text(encoding="utf-8")
    from publication_scan import scan

    assert scan(out) == []

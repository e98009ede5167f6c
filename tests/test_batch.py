"""Many regions in one run on a local Dask cluster: three reports and the overview, a re-run
that does nothing, and a batch in which one region fails while the others publish.

The regions come from ../shared/data (GENESIS exports of 2017/18, report year 2015): the Kreis
Gütersloh (a Landkreis) and the kreisfreien Städte Bielefeld and Dortmund. The numbers of the
overview are checked against the raw GENESIS file.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from integrationsbericht.sources.genesis import read_genesis

pytestmark = [pytest.mark.e2e, pytest.mark.shared]

PROJECT = Path(__file__).resolve().parents[1]
REGIONS = ["05754", "05711", "05913"]


def _run(*args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "integrationsbericht", "build", *args],
        cwd=PROJECT, capture_output=True, text=True, timeout=timeout,
    )


def _digest(folder: Path) -> dict[str, str]:
    return {str(f.relative_to(folder)): hashlib.sha256(f.read_bytes()).hexdigest()
            for f in sorted(folder.rglob("*")) if f.is_file() and f.suffix != ".log"
            and f.name not in ("batch.json", "batch.csv")}


class _Table(HTMLParser):
    """Rows of the overview table as lists of cell texts, and every link."""

    def __init__(self):
        super().__init__()
        self.rows, self.links, self._row, self._cell, self.in_table = [], [], None, None, False
        self.sortable = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and "ib-sortable" in (a.get("class") or ""):
            self.in_table = self.sortable = True
        if tag == "a":
            self.links.append(a.get("href"))
        if self.in_table and tag == "tr":
            self._row = []
        if self.in_table and tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "table":
            self.in_table = False
        if self.in_table and tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        if self.in_table and tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


@pytest.fixture(scope="module")
def batch(tmp_path_factory, shared_data):
    out = tmp_path_factory.mktemp("stapel") / "berichte"
    first = _run("--data", str(shared_data), "--year", "2015", "--renderer", "pandoc",
                 "--ags", ",".join(REGIONS), "--workers", "2", "--out", str(out))
    return {"out": out, "first": first, "data": shared_data}


def test_three_regions_build_on_a_local_dask_cluster(batch):
    run, out = batch["first"], batch["out"]
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Dask: lokal (2 Prozesse)" in run.stdout
    assert "Traceback" not in run.stdout + run.stderr
    for ags in REGIONS:
        assert (out / ags / "index.html").is_file()
        assert len(list((out / ags).glob("Integrationsbericht_*_2015.pdf"))) == 1
    summary = json.loads((out / "batch.json").read_text(encoding="utf-8"))
    assert [r["ags"] for r in summary["regionen"]] == REGIONS
    for row in summary["regionen"]:
        assert row["status"] == "erzeugt", row
        assert row["seconds"] > 0 and set(row["timings"]) == {"daten", "kapitel", "rendern"}
        assert Path(row["out"]) == out / row["ags"]
    with open(out / "batch.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    assert [r["AGS"] for r in rows] == REGIONS
    assert {r["Status"] for r in rows} == {"erzeugt"}
    assert rows[0]["Region"] == "Kreis Gütersloh"


def test_overview_lists_every_region_with_numbers_from_the_raw_files(batch):
    out = batch["out"]
    html = (out / "index.html").read_text(encoding="utf-8")
    assert '<html lang="de">' in html
    page = _Table()
    page.feed(html)
    assert page.sortable
    for ags in REGIONS:
        assert f"{ags}/index.html" in page.links
        assert any(re.fullmatch(rf"{ags}/Integrationsbericht_.*_2015\.pdf", h or "") for h in page.links)
    header, body = page.rows[0], page.rows[1:]
    assert header[:3] == ["Region", "Art", "Bevölkerung"]
    by_name = {r[0]: r for r in body}
    assert by_name["Kreis Gütersloh"][1] == "Kreis"
    assert by_name["Bielefeld"][1] == "Kreisfreie Stadt"
    assert "Nordrhein-Westfalen (zum Vergleich)" in by_name  # the Land's row under the table
    # population on 31.12.2015, straight from the GENESIS export
    raw = read_genesis(batch["data"] / "genesis" / "12411-01-01-4_00.csv")
    cell = raw[(raw["ags"] == "05711") & (raw["period"] == "31.12.2015") & (raw["GES"] == "insgesamt")]
    population = int(cell["value"].iloc[0])
    assert by_name["Bielefeld"][2] == f"{population:,}".replace(",", ".")  # 333.090
    with open(out / "downloads" / "uebersicht.csv", encoding="utf-8-sig", newline="") as fh:
        table = {r["AGS"]: r for r in csv.DictReader(fh, delimiter=";")}
    assert int(table["05711"]["Bevölkerung"]) == population
    assert table["05711"]["Bevölkerung: Stand"] == "31.12.2015"
    assert (out / "downloads" / "uebersicht.xlsx").stat().st_size > 0


def test_rerun_without_changes_does_nothing(batch):
    out = batch["out"]
    before = _digest(out)
    again = _run("--data", str(batch["data"]), "--year", "2015", "--renderer", "pandoc",
                 "--ags", ",".join(REGIONS), "--workers", "2", "--out", str(out))
    assert again.returncode == 0, again.stdout + again.stderr
    assert "3 von 3 Regionen sind aktuell" in again.stdout
    assert "Dask:" not in again.stdout  # no cluster started
    assert _digest(out) == before
    summary = json.loads((out / "batch.json").read_text(encoding="utf-8"))
    assert {r["status"] for r in summary["regionen"]} == {"unverändert"}


def test_a_failing_region_does_not_stop_the_others(tmp_path, shared_data):
    """05354, the Kreis Aachen dissolved in 2009, is still in the long series but has no
    population since: its build fails (twice), Bielefeld and Dortmund publish."""
    out = tmp_path / "berichte"
    listing = tmp_path / "kreise.txt"
    listing.write_text("# Testlauf\n05711\n05354  # aufgelöst\n05913\n", encoding="utf-8")
    run = _run("--data", str(shared_data), "--year", "2015", "--renderer", "pandoc", "--format", "html",
               "--ags-file", str(listing), "--workers", "2", "--out", str(out))
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Fehlgeschlagen: 05354" in run.stdout
    assert "Traceback" not in run.stdout + run.stderr
    for ags in ("05711", "05913"):
        assert (out / ags / "index.html").is_file()
    assert not (out / "05354").exists()
    summary = {r["ags"]: r for r in json.loads((out / "batch.json").read_text(encoding="utf-8"))["regionen"]}
    failed = summary["05354"]
    assert failed["status"] == "fehlgeschlagen" and failed["attempt"] == 2
    assert "Bevölkerungsdaten" in failed["error"]
    assert summary["05711"]["status"] == summary["05913"]["status"] == "erzeugt"
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "Ohne Bericht" in html and "(05354)" in html


def test_batch_folder_with_foreign_files_is_refused_before_any_work(tmp_path, shared_data):
    out = tmp_path / "berichte"
    out.mkdir()
    own = out / "notizen.txt"
    own.write_text("meine Notizen", encoding="utf-8")
    run = _run("--data", str(shared_data), "--year", "2015", "--ags", "05711,05913", "--out", str(out))
    assert run.returncode == 1
    assert "nicht von integrationsbericht" in run.stdout and "notizen.txt" in run.stdout
    assert own.read_text(encoding="utf-8") == "meine Notizen"
    assert sorted(p.name for p in out.iterdir()) == ["notizen.txt"]


def test_region_lists_are_checked(tmp_path, shared_data):
    listing = tmp_path / "kreise.txt"
    listing.write_text("05711\n5711\n", encoding="utf-8")
    run = _run("--data", str(shared_data), "--ags-file", str(listing), "--out", str(tmp_path / "x"))
    assert run.returncode == 1
    assert "Zeile 2" in run.stdout and "fünf Ziffern" in run.stdout
    empty = _run("--ags", "", "--out", str(tmp_path / "y"))
    assert empty.returncode == 1 and "--ags ist leer" in empty.stdout
    binary = tmp_path / "kreise.bin"
    binary.write_bytes(b"05711\n\x00\x01\x02")
    run = _run("--ags-file", str(binary), "--out", str(tmp_path / "z"))
    assert run.returncode == 1 and "Null-Bytes" in run.stdout and "Zeile 2" in run.stdout
    assert "Unerwarteter Fehler" not in run.stdout


def test_land_takes_every_current_kreis_from_the_data(shared_data):
    from integrationsbericht.batch.regions import land_regions

    notes = []
    found = land_regions("05", config_path=PROJECT / "config" / "edition.yml", data_dir=shared_data,
                         year=2015, project_root=PROJECT, log=notes.append)
    codes = [r.ags for r in found]
    assert len(codes) == 53  # the 53 Kreise and kreisfreien Städte of Nordrhein-Westfalen
    assert "05354" not in codes and {"05711", "05754", "05334"} <= set(codes)
    assert any("05354" in n for n in notes)


def test_overview_in_a_browser_sorts_and_passes_axe(batch):
    """The overview in Chromium: no console errors, axe-core without serious or critical
    violations, and the sort buttons order the regions (aria-sort tells the direction)."""
    from test_browser import AXE, AXE_TAGS, CHROMIUM, CHROMIUM_ARGS, _missing

    if not CHROMIUM.exists() or not AXE.is_file():
        _missing("Chromium oder axe-core fehlt")
    playwright = pytest.importorskip("playwright.sync_api", reason="Python-Paket playwright fehlt.")
    with playwright.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto((batch["out"] / "index.html").as_uri(), wait_until="load")
            assert errors == []
            page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
            result = page.evaluate(
                "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
            serious = [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")]
            assert serious == []

            def names():
                return page.eval_on_selector_all("table.ib-sortable tbody th", "els => els.map(e => e.textContent.trim())")

            button = page.get_by_role("button", name="Bevölkerung")
            button.click()
            assert page.get_attribute("table.ib-sortable thead th:nth-child(3)", "aria-sort") == "ascending"
            assert names() == ["Bielefeld", "Kreis Gütersloh", "Dortmund"]  # 333.090 < 360.642 < 586.181
            button.click()
            assert page.get_attribute("table.ib-sortable thead th:nth-child(3)", "aria-sort") == "descending"
            assert names() == ["Dortmund", "Kreis Gütersloh", "Bielefeld"]
            page.get_by_role("button", name="Region").click()
            assert names() == ["Bielefeld", "Dortmund", "Kreis Gütersloh"]
            assert page.is_visible(".ib-sort-hint")
        finally:
            browser.close()


def test_ctrl_c_keeps_finished_regions_published(tmp_path, shared_data):
    """Ctrl-C after the first region: exit 130, that region published and named in batch.json,
    the others not started or left unpublished."""
    import os
    import signal
    import time

    out = tmp_path / "berichte"
    proc = subprocess.Popen(
        [sys.executable, "-m", "integrationsbericht", "build", "--data", str(shared_data), "--year", "2015",
         "--renderer", "pandoc", "--format", "html", "--ags", "05711,05913,05754", "--workers", "1",
         "--out", str(out)],
        cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline = time.monotonic() + 600
        done = []
        while time.monotonic() < deadline and not done:
            time.sleep(1)
            try:
                rows = json.loads((out / "batch.json").read_text(encoding="utf-8"))["regionen"]
            except (OSError, ValueError):
                continue
            done = [r["ags"] for r in rows if r["status"] == "erzeugt"]
        assert done, "keine Region fertig"
        os.kill(proc.pid, signal.SIGINT)
        output, _ = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, output
    assert "Abgebrochen. Fertige Regionen sind veröffentlicht" in output
    assert "Traceback" not in output
    rows = {r["ags"]: r for r in json.loads((out / "batch.json").read_text(encoding="utf-8"))["regionen"]}
    for ags in done:
        assert rows[ags]["status"] == "erzeugt"
        assert (out / ags / "index.html").is_file()
    for ags, row in rows.items():
        if row["status"] == "offen" and (out / ags).exists():
            assert (out / ags / "index.html").is_file()  # published whole or not at all

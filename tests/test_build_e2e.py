"""End-to-end: whole editions built with the pandoc renderer, checked like a reader would.

One build from the real data in ../shared/data (Bielefeld, 2015) and one from the project's own
demo data. Numbers are checked against published values, the PDF's text is parsed and the
HTML pages are checked for their navigation.
"""

from __future__ import annotations

import csv
import hashlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

pytestmark = pytest.mark.e2e

PROJECT = Path(__file__).resolve().parents[1]


def _pages(out: Path) -> list[Path]:
    return sorted(p for p in out.rglob("*.html") if "files" not in p.relative_to(out).parts)


def _links(page: Path) -> set[Path]:
    html = page.read_text(encoding="utf-8")
    targets = set()
    for href in re.findall(r'href="([^"#?]+\.html)(?:#[^"]*)?"', html):
        if href.startswith(("http:", "https:")):
            continue
        targets.add((page.parent / href).resolve())
    return targets


def _tree_digest(folder: Path) -> str:
    h = hashlib.sha256()
    for f in sorted(p for p in folder.rglob("*") if p.is_file()):
        h.update(str(f.relative_to(folder)).encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def _indicator_rows(out: Path) -> list[dict]:
    with open(out / "downloads" / "indikatoren.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def shared_build(shared_book):
    return shared_book


@pytest.fixture(scope="module")
def demo_build(demo_book):
    return demo_book


def test_shared_build_outputs(shared_build):
    out = shared_build.out
    assert (out / "index.html").is_file()
    assert (out / "report" / "bevoelkerung.html").is_file()
    pdfs = list(out.glob("*.pdf"))
    assert [p.name for p in pdfs] == ["Integrationsbericht_Bielefeld_2015.pdf"]
    assert (out / "downloads" / "indikatoren.csv").is_file()
    assert (out / "downloads" / "indikatoren.xlsx").is_file()


def test_shared_auslaenderanteil_matches_published(shared_build):
    rows = [
        r
        for r in _indicator_rows(shared_build.out)
        if r["indicator"] == "auslaenderanteil"
        and r["ags"] == "05711"
        and r["group"] == "insgesamt"
        and r["period"].endswith("2015")
    ]
    assert rows, "auslaenderanteil for 05711/2015 missing in indikatoren.csv"
    # Published in Regionalatlas AI002-1: 13,1 % (43.548 of 333.090)
    assert float(rows[0]["value"]) == pytest.approx(13.1, abs=0.05)


def test_shared_pdf_text(shared_build):
    pdf = shared_build.out / "Integrationsbericht_Bielefeld_2015.pdf"
    text = "\n".join(page.extract_text() or "" for page in PdfReader(pdf).pages)
    assert "Bevölkerung und Zuwanderung" in text
    assert "13,1" in text
    assert "Bielefeld" in text
    assert "Demodaten" not in text


def test_html_pages_link_to_each_other(shared_build):
    out = shared_build.out
    pages = _pages(out)
    assert len(pages) >= 3
    for page in pages:
        linked = _links(page)
        missing = [p.relative_to(out) for p in pages if p.resolve() not in linked and p != page]
        assert not missing, f"{page.relative_to(out)} does not link to {missing}"
        html = page.read_text(encoding="utf-8")
        assert 'lang="de"' in html


def test_demo_build_marks_every_page(demo_build):
    out = demo_build.out
    pages = _pages(out)
    assert pages
    for page in pages:
        assert "Demodaten" in page.read_text(encoding="utf-8"), page
    pdfs = list(out.glob("*.pdf"))
    assert len(pdfs) == 1 and pdfs[0].name == "Integrationsbericht_Bielefeld_2025.pdf"
    first = PdfReader(pdfs[0]).pages[0].extract_text()
    assert "Demodaten" in first


# -- bad input: clear German message, non-zero exit, previous output untouched ---------------
def _cli(*args: str, cwd: Path = PROJECT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "integrationsbericht", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.fixture(scope="module")
def small_project(tmp_path_factory, shared_data):
    """A copy of the report project with two chapters, already built once (HTML only)."""
    root = tmp_path_factory.mktemp("project")
    for name in ("config", "report"):
        shutil.copytree(PROJECT / name, root / name)
    import yaml

    from integrationsbericht.project import DEFAULTS

    # the project's own copy of one chapter (it overrides the packaged one) and a table of
    # contents that keeps only two chapters
    (root / "notebooks").mkdir()
    shutil.copyfile(DEFAULTS / "notebooks" / "bevoelkerung.ipynb", root / "notebooks" / "bevoelkerung.ipynb")
    quarto = {"book": {"chapters": ["index.ipynb", "report/bevoelkerung.ipynb"], "appendices": [],
                       "remove": ["*"]}}
    (root / "_quarto.yml").write_text(yaml.safe_dump(quarto, allow_unicode=True), encoding="utf-8")
    # texts people wrote for this edition: a foreword and one chapter's interpretation
    texte = root / "report" / "texte"
    texte.mkdir(parents=True, exist_ok=True)
    (texte / "vorwort.md").write_text("<!-- Entwurf -->\nLiebe Leser*innen, dieser Bericht zeigt die "
                                      "Lage im Jahr 2015.\n", encoding="utf-8")
    (texte / "bevoelkerung.md").write_text("## Einordnung\n\nDie Zuwanderung des Jahres 2015 prägt "
                                           "dieses Kapitel.\n", encoding="utf-8")
    out = root / "_book"
    res = _cli(
        "build", "--project", str(root), "--data", str(shared_data), "--year", "2015",
        "--renderer", "pandoc", "--format", "html", "--out", str(out),
    )
    assert res.returncode == 0, res.stdout + res.stderr
    assert (out / "index.html").exists()
    return root


def test_analysts_texts_follow_the_chapter_title_in_both_renderers(small_project):
    """The foreword and a chapter's text sit right under the chapter title: in the pandoc
    website and in the executed notebooks of the staged book that Quarto renders."""
    import json
    import re

    index = (small_project / "_book" / "index.html").read_text(encoding="utf-8")
    chapter = (small_project / "_book" / "report" / "bevoelkerung.html").read_text(encoding="utf-8")
    title = index.index("Das Wichtigste in Kürze</h1>")
    foreword = index.index("Liebe Leser*innen, dieser Bericht zeigt die Lage im Jahr 2015.")
    assert title < foreword < index.index("Der Integrationsbericht 2015 zeigt")
    assert "Entwurf" not in index  # comments are not printed
    assert re.search(r"<h3[^>]*>Einordnung</h3>\s*<p>Die Zuwanderung des Jahres 2015 prägt", chapter)  # unnumbered
    staged = next((small_project / "build").glob("05711-2015*/report/bevoelkerung.ipynb"))
    # in reading order (Markdown cells and Markdown outputs): the title, then the text
    parts = []
    for c in json.loads(staged.read_text(encoding="utf-8"))["cells"]:
        if c["cell_type"] == "markdown":
            parts.append("".join(c["source"]))
        parts += ["".join(o["data"]["text/markdown"]) for o in c.get("outputs", [])
                  if "text/markdown" in o.get("data", {})]
    first = next(i for i, p in enumerate(parts) if p.startswith("# "))
    assert parts[first].startswith("# Bevölkerung und Zuwanderung")
    assert parts[first + 1] == "### Einordnung {.unnumbered}\n\nDie Zuwanderung des Jahres 2015 prägt dieses Kapitel."


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--data", "/nonexistent/daten"], "Datenordner existiert nicht"),
        (["--ags", "09999"], "Regionalschlüssel 09999"),
        (["--year", "2030"], "Berichtsjahr 2030"),
    ],
    ids=["missing-data-folder", "wrong-ags", "year-without-data"],
)
def test_bad_input_keeps_previous_output(small_project, shared_data, args, expected):
    out = small_project / "_book"
    before = _tree_digest(out)
    full = ["build", "--project", str(small_project), "--renderer", "pandoc", "--format", "html",
            "--out", str(out)]
    if "--data" not in args:
        full += ["--data", str(shared_data)]
    if "--year" not in args:
        full += ["--year", "2015"]
    res = _cli(*full, *args)
    text = res.stdout + res.stderr
    assert res.returncode != 0
    assert expected in text, text
    assert "Traceback" not in text
    assert "unverändert" in text
    assert _tree_digest(out) == before


def test_broken_notebook_keeps_previous_output(small_project, shared_data):
    out = small_project / "_book"
    before = _tree_digest(out)
    nb = small_project / "notebooks" / "bevoelkerung.ipynb"
    original = nb.read_text(encoding="utf-8")
    import nbformat

    broken = nbformat.reads(original, as_version=4)
    broken.cells.append(nbformat.v4.new_code_cell("raise ValueError('Absichtlich kaputt')"))
    nb.write_text(nbformat.writes(broken), encoding="utf-8")
    try:
        res = _cli(
            "build", "--project", str(small_project), "--data", str(shared_data), "--year", "2015",
            "--renderer", "pandoc", "--format", "html", "--out", str(out),
        )
    finally:
        nb.write_text(original, encoding="utf-8")
    text = res.stdout + res.stderr
    assert res.returncode != 0
    assert "Kapitel 'bevoelkerung' ist fehlgeschlagen" in text, text
    assert "Absichtlich kaputt" in text
    assert "Traceback" not in text
    assert _tree_digest(out) == before


def test_broken_raw_file_is_named_and_previous_output_kept(small_project, shared_data, tmp_path):
    """A broken GENESIS export next to the real ones: file and line in German, no traceback."""
    data = tmp_path / "daten"
    shutil.copytree(shared_data / "genesis", data / "genesis")
    shutil.copyfile(PROJECT / "tests" / "data" / "genesis" / "unknown_symbol.csv", data / "genesis" / "kaputt.csv")
    out = small_project / "_book"
    before = _tree_digest(out)
    res = _cli(
        "build", "--project", str(small_project), "--data", str(data), "--year", "2015",
        "--renderer", "pandoc", "--format", "html", "--out", str(out),
    )
    text = res.stdout + res.stderr
    assert res.returncode == 1
    assert "kaputt.csv" in text and "Zeile" in text and "Unbekanntes Zeichen" in text, text
    assert "Traceback" not in text
    assert _tree_digest(out) == before


def test_any_kreis_and_several_regions_in_one_call(small_project, shared_data, tmp_path):
    """A Landkreis and a kreisfreie Stadt in one call: one report per region, each with its own
    name, its own comparison regions and its own numbers."""
    out = tmp_path / "site"
    res = _cli(
        "build", "--project", str(small_project), "--data", str(shared_data), "--year", "2015",
        "--ags", "05754,05711", "--renderer", "pandoc", "--format", "html", "--out", str(out),
    )
    assert res.returncode == 0, res.stdout + res.stderr
    assert "2 von 2 Berichten liegen vor" in res.stdout
    guetersloh = (out / "05754" / "index.html").read_text(encoding="utf-8")
    # the report's content is Gütersloh's; the footer names the configured publisher (the office
    # that makes the report), which may be another city's
    main = guetersloh.split("<main")[-1].split("</main>")[0]
    assert "Gütersloh" in main and "Bielefeld" not in main
    rows = _indicator_rows(out / "05754")
    own = [r for r in rows if r["ags"] == "05754" and r["indicator"] == "bevoelkerung" and r["group"] == "insgesamt"]
    assert own and own[-1]["period"].endswith("2015")
    comparison = {r["ags"] for r in rows if r["role"] == "vergleich"}
    assert comparison and all(len(a) == 5 and a != "05711" for a in comparison)
    assert (out / "05711" / "index.html").is_file()

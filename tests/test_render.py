"""Renderer tests: a small staging project built here, rendered with pandoc + Typst."""

from __future__ import annotations

import hashlib
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import pikepdf  # noqa: E402
import pytest  # noqa: E402
import yaml  # noqa: E402
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from integrationsbericht.errors import BuildError, ConfigError  # noqa: E402
from integrationsbericht.render import render, which_renderer  # noqa: E402
from integrationsbericht.render import quarto as quarto_mod  # noqa: E402
from integrationsbericht.render.pandoc import contrast_ratio  # noqa: E402
from integrationsbericht.render.book import notebook_markdown  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
from integrationsbericht.project import DEFAULTS  # noqa: E402
PDF_NAME = "Integrationsbericht_Teststadt_2025.pdf"
CHAPTERS = ["index.ipynb", "report/bevoelkerung.ipynb", "report/arbeit.ipynb"]
APPENDICES = ["report/zeichenerklaerung.qmd", "report/impressum.qmd", "report/barrierefreiheit.qmd"]
TITLES = ["Das Wichtigste in Kürze", "Bevölkerung und Zuwanderung", "Arbeit und Lebensunterhalt",
          "Zeichenerklärung", "Impressum", "Erklärung zur Barrierefreiheit"]
LEGAL = {"imprint_contact": "Stadt Teststadt, Kommunales Integrationszentrum \\\nRathausplatz 1, 12345 "
                            "Teststadt \\\nE-Mail: [integration@teststadt.example](mailto:integration@teststadt.example)",
         "imprint_date": "15.03.2026", "accessibility_status": "Dieser Bericht ist teilweise vereinbar.",
         "accessibility_barriers": "Diagramme sind Bilder.",
         "accessibility_feedback": "E-Mail: [integration@teststadt.example](mailto:integration@teststadt.example)",
         "accessibility_enforcement": "[Schlichtungsstelle nach § 16 BGG](https://www.schlichtungsstelle-bgg.de)"}


def _md_output(text: str):
    return new_output("display_data", data={"text/markdown": text, "text/plain": "<IPython.Markdown>"})


def _figure(path: Path, values) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(5, 2.5), dpi=80)
    ax.plot([2013, 2014, 2015], values, color="#1f4e79")
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)


def _vector_figure(base: Path, values) -> None:
    """A figure saved like the chapter helper does: SVG (PDF), PNG and phone PNG (website)."""
    from integrationsbericht import figures

    figures.setup_style()
    fig, ax = plt.subplots(figsize=(7, 3))
    ax.plot([2013, 2014, 2015], values, color="#1f4e79")
    figures.save(fig, base)


def _notebook(path: Path, cells) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


def make_stage(root: Path, demo: bool = True, **meta_overrides) -> Path:
    stage = root / "stage"
    stage.mkdir()
    config = yaml.safe_load((DEFAULTS / "_quarto.yml").read_text(encoding="utf-8"))
    config["book"]["chapters"] = CHAPTERS
    config["book"]["appendices"] = APPENDICES
    config["book"]["title"] = "Integrationsbericht 2025"
    config["book"]["subtitle"] = "Zahlen, Befragung und Stadtbezirke"
    (stage / "_quarto.yml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    meta = {
        "title": "Integrationsbericht",
        "city": "Teststadt", "year": 2025, "ags": "05711", "stand": "31.12.2025",
        "publisher": "Stadt Teststadt, Kommunales Integrationszentrum", "demo": demo,
        "pdf_name": PDF_NAME, "logo": None, "primary_color": "#1f4e79", "accent_color": "#b8d0e6",
        "text_color": "#1a1a1a", "font": "Liberation Sans",
        "sources": [{"code": "12411-03-03-4", "title": "Bevölkerung", "stand": "31.12.2015"}],
        **LEGAL,
    }
    meta.update(meta_overrides)
    (stage / "_edition.yml").write_text(yaml.safe_dump({"edition": meta}, allow_unicode=True),
                                        encoding="utf-8")
    shutil.copytree(DEFAULTS / "templates", stage / "templates")
    (stage / "report").mkdir()
    for page in APPENDICES:
        shutil.copyfile(DEFAULTS / page, stage / page)

    _figure(stage / "files/index/kern.png", [12.1, 12.6, 13.1])
    _notebook(stage / "index.ipynb", [
        new_markdown_cell("# Das Wichtigste in Kürze {.unnumbered}\n\nDer Anteil der Ausländer*innen stieg auf 13,1 %."),
        new_code_cell("ch.figure(...)", outputs=[_md_output(
            '![Ausländeranteil 2013 bis 2015](files/index/kern.png){#fig-kern '
            'fig-alt="Liniendiagramm: Ausländeranteil steigt von 12,1 % (2013) auf 13,1 % (2015)."}')]),
    ])
    _vector_figure(stage / "report/files/bevoelkerung/anteil", [1.0, 2.0, 3.0])
    (stage / "report/files/bevoelkerung/anteil.csv").write_text("jahr,wert\n2015,13.1\n", encoding="utf-8")
    _notebook(stage / "report/bevoelkerung.ipynb", [
        new_code_cell("x = 1", metadata={"tags": ["parameters"]}),
        new_markdown_cell(
            "# Bevölkerung und Zuwanderung\n\n"
            "Wie @fig-anteil zeigt, wächst die Zahl; Details in @tbl-kennzahlen und im "
            "Abschnitt [Bezirke](#bezirk-mitte). Vorsicht vor <script>alert('x')</script> im Text.[^q]\n\n"
            "[^q]: Quelle: Regionaldatenbank Deutschland, Tabelle 12411-03-03-4."),
        new_code_cell("ch.figure(...)", outputs=[
            new_output("stream", name="stdout", text="DEBUG-AUSGABE-DARF-NICHT-ERSCHEINEN\n"),
            _md_output(
                '![Ausländeranteil in Teststadt](files/bevoelkerung/anteil.svg){#fig-anteil '
                'fig-alt="Balken steigen von 1 auf 3 Prozent." ib-png="files/bevoelkerung/anteil.png" '
                'ib-mobile="files/bevoelkerung/anteil-mobil.png"}\n\n'
                "::: {.ib-data}\n"
                "Daten zur Abbildung: [CSV](files/bevoelkerung/anteil.csv)\n\n"
                "| Jahr | Wert |\n|---:|---:|\n| 2015 | 13,1 |\n"
                ":::\n"),
            new_output("execute_result", data={"text/plain": "PLAIN-TEXT-DARF-NICHT-ERSCHEINEN"},
                       execution_count=1),
        ]),
        new_code_cell("ch.table(...)", outputs=[_md_output(
            "| Merkmal | Anzahl |\n|---|--:|\n| Einwohner*innen | 333.090 |\n| Ausländer*innen | 43.548 |\n\n"
            ": Kennzahlen 31.12.2015 {#tbl-kennzahlen}\n")]),
        new_markdown_cell(
            "::: {.callout-note}\n## Zur Definition\nAusländer*innen sind Personen ohne deutsche "
            "Staatsangehörigkeit.\n:::\n\n::: {.callout-warning}\n## Zeitreihenbruch\n"
            "Ab 2011 Zensus-Basis.\n:::\n\n## Mitte {#bezirk-mitte}\n\n- Punkt eins\n- Punkt zwei\n"),
    ])
    _figure(stage / "report/files/arbeit/quote.png", [8.0, 7.5, 7.0])
    _notebook(stage / "report/arbeit.ipynb", [
        new_markdown_cell("# Arbeit und Lebensunterhalt\n\nSiehe auch @fig-anteil und "
                          "[Bevölkerung](bevoelkerung.ipynb#bezirk-mitte)."),
        new_code_cell("", outputs=[_md_output(
            '![Arbeitslosenquote](files/arbeit/quote.png){#fig-quote fig-alt="Linie fällt von 8 auf 7 Prozent."}\n\n'
            "Die Quote sinkt (@fig-quote).")]),
    ])
    (stage / "downloads").mkdir()
    (stage / "downloads/indikatoren.csv").write_text("indicator,ags,period,group,value\n", encoding="utf-8")
    return stage


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("render")
    stage = make_stage(root)
    out = root / "out"
    out.mkdir()
    messages: list[str] = []
    render(stage, out, renderer="pandoc", log=messages.append)
    return stage, out, messages


def _pages():
    return [c.replace(".ipynb", ".html").replace(".qmd", ".html") for c in CHAPTERS + APPENDICES]


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs, self.imgs, self.current, self.details = [], [], [], 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and "href" in a:
            self.hrefs.append(a["href"])
            if a.get("aria-current") == "page":
                self.current.append(a["href"])
        if tag == "img":
            self.imgs.append(a)
        if tag == "details":
            self.details += 1


def _parse(path: Path) -> _Links:
    p = _Links()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def test_every_page_exists_and_links_to_every_other(built):
    _, out, messages = built
    pages = _pages()
    for page in pages:
        path = out / page
        assert path.is_file(), page
        parsed = _parse(path)
        base = Path(page).parent
        targets = {str((base / h.split("#")[0])).replace("\\", "/") for h in parsed.hrefs if not h.startswith("#")}
        targets = {re.sub(r"(^|/)[^/]+/\.\./", r"\1", t) for t in targets}
        targets = {t[2:] if t.startswith("./") else t for t in targets}
        for other in pages:
            assert other in targets, f"{page} verlinkt {other} nicht"
        assert len(parsed.current) == 1 and parsed.current[0].endswith(Path(page).name)
        for img in parsed.imgs:
            assert (out / base / img["src"]).resolve().is_file(), img["src"]
    assert any("Renderer: pandoc" in m for m in messages)


def test_html_content(built):
    _, out, _ = built
    html = (out / "report/bevoelkerung.html").read_text(encoding="utf-8")
    assert '<html lang="de">' in html
    assert 'href="#inhalt"' in html and 'id="inhalt"' in html
    assert "<header" in html and "<nav" in html and "<main" in html and "<footer" in html
    assert "Demodaten" in html
    # figure numbering is global over the report: the index page holds Abbildung 1
    assert "Abbildung 2:" in html and ">Abbildung 2</a>" in html
    assert "Tabelle 1:" in html and ">Tabelle 1</a>" in html
    assert 'alt="Balken steigen von 1 auf 3 Prozent."' in html
    assert "<details" in html and "<summary>Daten zur Abbildung</summary>" in html
    assert 'class="callout callout-note"' in html and 'class="callout callout-warning"' in html
    assert "Zur Definition" in html
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert "DEBUG-AUSGABE" not in html and "PLAIN-TEXT" not in html and "ch.figure" not in html
    assert '<th scope="col"' in html
    assert Integrationsbericht_pdf_link(html)
    assert 'href="../downloads/indikatoren.csv"' in html
    arbeit = (out / "report/arbeit.html").read_text(encoding="utf-8")
    assert 'href="bevoelkerung.html#fig-anteil">Abbildung 2</a>' in arbeit
    assert 'href="bevoelkerung.html#bezirk-mitte"' in arbeit
    assert "Abbildung 3:" in arbeit
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Abbildung 1:" in index
    impressum = (out / "report/impressum.html").read_text(encoding="utf-8")
    assert "Stadt Teststadt, Kommunales Integrationszentrum" in impressum
    assert "dl-de/by-2-0" in impressum and "{{<" not in impressum
    assert "Rathausplatz 1, 12345 Teststadt" in impressum and "15.03.2026" in impressum
    assert 'href="mailto:integration@teststadt.example"' in impressum
    assert 'href="barrierefreiheit.html"' in impressum
    bitv = (out / "report/barrierefreiheit.html").read_text(encoding="utf-8")
    assert "Erklärung zur Barrierefreiheit" in bitv and "BITV 2.0" in bitv and "{{<" not in bitv
    assert 'href="mailto:integration@teststadt.example"' in bitv  # feedback contact
    assert 'href="https://www.schlichtungsstelle-bgg.de"' in bitv and "15.03.2026" in bitv
    # favicon on every page
    assert 'rel="icon" href="../_assets/favicon.svg"' in html
    assert (out / "_assets/favicon.svg").is_file() and (out / "_assets/favicon.png").is_file()
    # the figure: PNG on screens, the narrower phone rendition on small screens
    assert ('<picture><source media="(max-width: 40em)" srcset="files/bevoelkerung/anteil-mobil.png">'
            '<img src="files/bevoelkerung/anteil.png" alt="Balken steigen von 1 auf 3 Prozent."') in html
    # a table's caption stays outside its scrolling area (visible), with the table's anchor
    m = re.search(r'<div id="tbl-kennzahlen" class="ib-table">\s*<div class="ib-table-caption">(.*?)</div>\s*'
                  r'<div class="table-scroll"[^>]*>\s*<table', html, re.S)
    assert m and "Tabelle 1:" in m.group(1) and "Kennzahlen 31.12.2015" in m.group(1)
    for word in ("Figure", "Table ", "Contents", "Appendix", "Download PDF"):
        assert word not in html
    assert (out / "report/files/bevoelkerung/anteil.csv").is_file()
    assert (out / "downloads/indikatoren.csv").is_file()
    search = (out / "_assets/search-index.js").read_text(encoding="utf-8")
    assert "Bevölkerung und Zuwanderung" in search and "Siehe auch Abbildung 2" in search
    assert "</script>" not in search  # cannot end a script element


def Integrationsbericht_pdf_link(html: str) -> bool:
    return f'href="../{PDF_NAME}"' in html


def test_pdf_text_metadata_outline(built):
    _, out, _ = built
    pdfs = sorted(p.name for p in out.rglob("*.pdf"))
    assert pdfs == [PDF_NAME]
    reader = PdfReader(out / PDF_NAME)
    text = "\n".join(page.extract_text() for page in reader.pages)
    for title in TITLES:
        assert title in text
    assert "Abbildung 2: Ausländeranteil in Teststadt" in text
    assert "Abbildung 2" in text and "Tabelle 1" in text
    assert "Demodaten" in text and "Stand der Daten: 31.12.2025" in text and "Inhalt" in text
    assert "DEBUG-AUSGABE" not in text and "Daten zur Abbildung" not in text
    assert "<script>alert(" in text  # printed literally, never interpreted
    assert reader.metadata.title == "Integrationsbericht 2025 – Teststadt"
    outline = [item.title for item in reader.outline if not isinstance(item, list)]
    assert [t for t in outline if any(t.endswith(x) for x in TITLES)] == outline
    for title in TITLES:
        assert any(t.endswith(title) for t in outline), title
    assert outline[0] == "Inhalt" or outline[0].endswith(TITLES[0])


def test_pdf_takes_the_vector_figure(built):
    """A figure from the chapter helper is set from its SVG in the PDF (no raster image of it);
    plain PNG figures stay images."""
    _, out, _ = built
    reader = PdfReader(out / PDF_NAME)
    with pikepdf.open(out / PDF_NAME) as pdf:
        for page, text_page in zip(pdf.pages, reader.pages):
            text = text_page.extract_text() or ""
            if "Abbildung 2: Ausländeranteil in Teststadt" in text:
                assert not list(page.get_images()), "the SVG figure was embedded as a raster image"
            if "Abbildung 3: Arbeitslosenquote" in text:
                assert list(page.get_images())


def test_pdf_is_tagged_with_alt_text_and_embedded_fonts(built):
    _, out, _ = built
    with pikepdf.open(out / PDF_NAME) as pdf:
        root = pdf.Root
        assert str(root.Lang).startswith("de")
        assert bool(root.MarkInfo.Marked) is True
        assert "/StructTreeRoot" in root
        figures: list = []

        def walk(node, depth=0):
            if depth > 200:
                return
            if isinstance(node, pikepdf.Dictionary):
                if node.get("/S") == "/Figure":
                    figures.append(node)
                kids = node.get("/K")
                if kids is not None:
                    walk(kids, depth + 1)
            elif isinstance(node, pikepdf.Array):
                for k in node:
                    walk(k, depth + 1)

        walk(root.StructTreeRoot)
        alts = [str(f.get("/Alt", "")) for f in figures]
        assert len(figures) >= 3 and all(alts), alts
        assert any("Balken steigen von 1 auf 3 Prozent." in a for a in alts)
        fonts = 0
        for page in pdf.pages:
            for font in (page.Resources.get("/Font") or {}).values():
                fonts += 1
                desc = font.get("/FontDescriptor")
                if desc is None and "/DescendantFonts" in font:
                    desc = font.DescendantFonts[0].FontDescriptor
                assert desc is not None and any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3"))
        assert fonts > 0


def test_render_is_deterministic(built, tmp_path):
    stage, out, _ = built
    out2 = tmp_path / "out2"
    out2.mkdir()
    render(stage, out2, renderer="pandoc")

    def digest(folder: Path) -> dict[str, str]:
        return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(folder.rglob("*")) if p.is_file()}

    assert digest(out) == digest(out2)


def test_notebook_markdown_ignores_code_and_plain_outputs(tmp_path):
    path = tmp_path / "nb.ipynb"
    _notebook(path, [
        new_markdown_cell("# Titel"),
        new_code_cell("print('x')", outputs=[new_output("stream", name="stdout", text="STDOUT"),
                                             _md_output("**fett**")]),
    ])
    md = notebook_markdown(path)
    assert "# Titel" in md and "**fett**" in md
    assert "STDOUT" not in md and "print" not in md and "IPython" not in md


def test_unknown_reference_is_a_german_build_error(tmp_path):
    stage = make_stage(tmp_path)
    nb = nbformat.read(stage / "report/arbeit.ipynb", as_version=4)
    nb.cells[0].source += " Vergleiche @fig-gibt-es-nicht."
    nbformat.write(nb, stage / "report/arbeit.ipynb")
    (tmp_path / "o").mkdir()
    with pytest.raises(BuildError, match="fig-gibt-es-nicht"):
        render(stage, tmp_path / "o", renderer="pandoc", formats={"html"})


def test_missing_figure_file_names_the_chapter(tmp_path):
    stage = make_stage(tmp_path)
    (stage / "report/files/arbeit/quote.png").unlink()
    (tmp_path / "o").mkdir()
    with pytest.raises(BuildError, match="report/arbeit.ipynb"):
        render(stage, tmp_path / "o", renderer="pandoc", formats={"html"})


def test_figure_without_alt_text_is_rejected(tmp_path):
    stage = make_stage(tmp_path)
    nb = nbformat.read(stage / "report/arbeit.ipynb", as_version=4)
    out = nb.cells[1].outputs[0]
    out["data"]["text/markdown"] = out["data"]["text/markdown"].replace(
        'fig-alt="Linie fällt von 8 auf 7 Prozent."', "")
    nbformat.write(nb, stage / "report/arbeit.ipynb")
    (tmp_path / "o").mkdir()
    with pytest.raises(BuildError, match="Alternativtext"):
        render(stage, tmp_path / "o", renderer="pandoc", formats={"pdf"})


def test_low_contrast_colour_is_rejected(tmp_path):
    stage = make_stage(tmp_path, primary_color="#9fc5e8")
    (tmp_path / "o").mkdir()
    with pytest.raises(ConfigError, match="Kontrast"):
        render(stage, tmp_path / "o", renderer="pandoc", formats={"html"})
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)


def _fake_quarto(tmp_path: Path, version: str) -> str:
    """An executable `quarto` that answers `quarto --version` like the real one."""
    path = tmp_path / version / "quarto"
    path.parent.mkdir(parents=True)
    path.write_text(f"#!/bin/sh\necho {version}\n", encoding="utf-8")
    path.chmod(0o755)
    return str(path)


def test_renderer_selection(monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert which_renderer("auto") == "pandoc"
    assert which_renderer("pandoc") == "pandoc"
    with pytest.raises(BuildError, match="Quarto"):
        which_renderer("quarto")
    with pytest.raises(ConfigError, match="Renderer"):
        which_renderer("latex")
    for version in ("1.9.20", "1.9.38", "1.10.18"):
        fake = _fake_quarto(tmp_path, version)
        monkeypatch.setattr(shutil, "which", lambda name, fake=fake: fake if name == "quarto" else None)
        assert which_renderer("auto") == "quarto"
        assert which_renderer("quarto") == "quarto"


def test_older_quarto_is_a_german_error_naming_both_versions(monkeypatch, tmp_path):
    fake = _fake_quarto(tmp_path, "1.9.17")
    monkeypatch.setattr(shutil, "which", lambda name: fake if name == "quarto" else None)
    assert which_renderer("auto") == "pandoc"  # an old Quarto is not picked automatically
    with pytest.raises(BuildError) as err:
        which_renderer("quarto")
    assert "Quarto 1.9.17 ist zu alt" in str(err.value) and "1.9.20 oder neuer" in str(err.value)


def test_quarto_command_and_pdf_collection(tmp_path):
    cmd = quarto_mod.quarto_command("quarto", tmp_path / "s", tmp_path / "o", {"html", "pdf"})
    assert cmd == ["quarto", "render", str(tmp_path / "s"), "--output-dir", str(tmp_path / "o")]
    assert quarto_mod.quarto_command("q", Path("s"), Path("o"), {"pdf"})[-2:] == ["--to", "typst"]
    assert quarto_mod.quarto_command("q", Path("s"), Path("o"), {"html"})[-2:] == ["--to", "html"]
    (tmp_path / "Integrationsbericht.pdf").write_bytes(b"%PDF-1.7")
    assert quarto_mod.collect_pdf(tmp_path, PDF_NAME).name == PDF_NAME
    assert sorted(p.name for p in tmp_path.glob("*.pdf")) == [PDF_NAME]
    (tmp_path / "zweites.pdf").write_bytes(b"%PDF-1.7")
    with pytest.raises(BuildError, match="mehrere"):
        quarto_mod.collect_pdf(tmp_path, PDF_NAME)


def test_quarto_yml_lists_the_report_and_uses_shared_templates():
    config = yaml.safe_load((DEFAULTS / "_quarto.yml").read_text(encoding="utf-8"))
    assert config["project"]["type"] == "book"
    assert config["metadata-files"] == ["_edition.yml"]
    assert config["book"]["chapters"][0] == "index.ipynb"
    assert "report/impressum.qmd" in config["book"]["appendices"]
    assert "report/barrierefreiheit.qmd" in config["book"]["appendices"]
    assert config["filters"] == ["templates/filters/integrationsbericht.lua"]
    partials = config["format"]["typst"]["template-partials"]
    assert partials == ["templates/typst/typst-template.typ", "templates/typst/typst-show.typ"]
    for path in [*partials, *config["filters"], "templates/quarto.scss", "templates/html/quarto-extra.css"]:
        assert (DEFAULTS / path).is_file(), path
    # the pandoc renderer includes the very same partials
    book = (DEFAULTS / "templates/typst/pandoc-book.typ").read_text(encoding="utf-8")
    assert "$typst-template.typ()$" in book and "$typst-show.typ()$" in book


@pytest.mark.browser
def test_offline_search_and_no_js_reading(built):
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("/usr/bin/chromium fehlt")
    from playwright.sync_api import sync_playwright

    _, out, _ = built
    url = (out / "report/arbeit.html").as_uri()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page()
        page.goto(url)
        page.fill("#ib-search", "Zensus")
        page.wait_for_selector("#ib-search-results a")
        first = page.locator("#ib-search-results a").first
        assert "Bevölkerung und Zuwanderung" in first.inner_text()
        first.click()
        page.wait_for_url("**/bevoelkerung.html")
        nojs = browser.new_page(java_script_enabled=False)
        nojs.goto(url)
        assert not nojs.locator("#ib-search-box").is_visible()
        assert nojs.locator("main h1").inner_text().endswith("Arbeit und Lebensunterhalt")
        browser.close()


def test_same_section_title_in_two_chapters_gives_one_valid_pdf(tmp_path):
    stage = make_stage(tmp_path)
    nb = nbformat.read(stage / "report/arbeit.ipynb", as_version=4)
    nb.cells.append(new_markdown_cell("## Mitte {#bezirk-mitte}\n\nAuch hier: [Mitte](#bezirk-mitte) und "
                                      "[dort](bevoelkerung.ipynb#bezirk-mitte)."))
    nbformat.write(nb, stage / "report/arbeit.ipynb")
    out = tmp_path / "o"
    out.mkdir()
    render(stage, out, renderer="pandoc", formats={"pdf", "html"})
    reader = PdfReader(out / PDF_NAME)
    titles = []

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                titles.append(item.title)

    walk(reader.outline)
    assert "1.1 Mitte" in titles and "2.1 Mitte" in titles
    # the HTML pages keep their own ids
    assert 'id="bezirk-mitte"' in (out / "report/arbeit.html").read_text(encoding="utf-8")


def test_logo_is_sized_by_its_aspect_ratio(tmp_path):
    from integrationsbericht.render.pandoc import logo_box

    wide = tmp_path / "wide.svg"
    wide.write_text('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 360 80"/>', encoding="utf-8")
    assert logo_box(wide) == {"width": 216, "height": 48}
    square = tmp_path / "square.svg"
    square.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="64px" height="64px"/>', encoding="utf-8")
    assert logo_box(square) == {"width": 48, "height": 48}
    very_wide = tmp_path / "banner.png"
    from PIL import Image

    Image.new("RGB", (1000, 100), "white").save(very_wide)
    assert logo_box(very_wide) == {"width": 240, "height": 24}
    (tmp_path / "s").mkdir()
    stage = make_stage(tmp_path / "s", logo="logo.svg")
    shutil.copyfile(REPO / "config/branding/logo.svg", stage / "logo.svg")
    out = tmp_path / "o"
    out.mkdir()
    render(stage, out, renderer="pandoc", formats={"html"})
    html = (out / "index.html").read_text(encoding="utf-8")
    assert 'width="216" height="48"' in html


def test_quarto_stage_gets_the_edition_colours_and_logo(tmp_path):
    from integrationsbericht.render.book import load_book

    stage = make_stage(tmp_path, primary_color="#00508c", accent_color="#b4004b")
    project = load_book(stage)
    quarto_mod.prepare_stage(project)
    css = (stage / "_ib-edition.css").read_text(encoding="utf-8")
    assert "--ib-primary: #00508c;" in css and "--ib-accent: #b4004b;" in css
    assert "--bs-link-color-rgb: 0, 80, 140;" in css
    config = yaml.safe_load((stage / "_quarto.yml").read_text(encoding="utf-8"))
    assert "_ib-edition.css" in config["format"]["html"]["css"]
    assert "templates/html/quarto-extra.css" in config["format"]["html"]["css"]
    logo = config["book"]["sidebar"]["logo"]
    assert (stage / logo).is_file() and config["book"]["sidebar"]["logo-alt"] == "Logo Teststadt"
    assert "Demodaten" in config["book"]["page-footer"]["left"]
    # the PDF's name and the downloads of the pandoc site; the logo also on the PDF title page
    assert config["book"]["output-file"] + ".pdf" == PDF_NAME
    assert config["book"]["page-footer"]["right"] == [
        {"text": "Bericht als PDF", "href": PDF_NAME},
        {"text": "Indikatoren (CSV)", "href": "downloads/indikatoren.csv"}]
    assert yaml.safe_load((stage / "_edition.yml").read_text(encoding="utf-8"))["edition"]["logo"] == logo
    # the same favicon as the pandoc website
    assert config["book"]["favicon"] == "assets/favicon.svg"
    assert "#00508c" in (stage / "assets/favicon.svg").read_text(encoding="utf-8")
    # the shared Lua filter turns figure images into <picture> with the phone rendition and
    # the shared CSS keeps wide tables scrolling with their caption outside (Quarto path)
    lua = (stage / "templates/filters/integrationsbericht.lua").read_text(encoding="utf-8")
    assert "{ Image = quarto_image }" in lua and 'media="(max-width: 40em)"' in lua
    extra = (stage / "templates/html/quarto-extra.css").read_text(encoding="utf-8")
    assert ".quarto-float-tbl" in extra and "overflow-x: auto" in extra
    scss = (DEFAULTS / "templates/quarto.scss").read_text(encoding="utf-8")
    assert "var(--ib-primary" in scss
    # running it twice changes nothing
    before = (stage / "_quarto.yml").read_text(encoding="utf-8")
    quarto_mod.prepare_stage(load_book(stage))
    assert (stage / "_quarto.yml").read_text(encoding="utf-8") == before


def test_conditional_content_only_in_its_format(tmp_path):
    stage = make_stage(tmp_path)
    nb = nbformat.read(stage / "report/arbeit.ipynb", as_version=4)
    nb.cells.append(new_markdown_cell(
        '::: {.content-visible when-format="html"}\nNUR-AUF-DER-WEBSITE\n:::\n\n'
        '::: {.content-hidden when-format="html"}\nNUR-IM-PDF\n:::\n'))
    nbformat.write(nb, stage / "report/arbeit.ipynb")
    out = tmp_path / "o"
    out.mkdir()
    render(stage, out, renderer="pandoc", formats={"pdf", "html"})
    html = (out / "report/arbeit.html").read_text(encoding="utf-8")
    assert "NUR-AUF-DER-WEBSITE" in html and "NUR-IM-PDF" not in html
    text = "".join(page.extract_text() or "" for page in PdfReader(out / PDF_NAME).pages)
    assert "NUR-IM-PDF" in text and "NUR-AUF-DER-WEBSITE" not in text


def test_chapter_title_only_in_an_output_is_a_german_error(tmp_path):
    """Quarto takes a notebook's title from its Markdown cells only; both renderers insist."""
    stage = make_stage(tmp_path)
    nb = nbformat.read(stage / "report/arbeit.ipynb", as_version=4)
    nb.cells[0] = new_code_cell("ch.md(...)", outputs=[_md_output("# Arbeit und Lebensunterhalt\n\nText.")])
    nbformat.write(nb, stage / "report/arbeit.ipynb")
    out = tmp_path / "o"
    with pytest.raises(BuildError, match="report/arbeit.ipynb.*Markdown-Zelle"):
        render(stage, out, renderer="pandoc", formats={"html"})


def test_edition_metadata_outside_its_key_is_a_german_error(tmp_path):
    stage = make_stage(tmp_path)
    meta = yaml.safe_load((stage / "_edition.yml").read_text(encoding="utf-8"))["edition"]
    (stage / "_edition.yml").write_text(yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError, match="edition:"):
        render(stage, tmp_path / "o", renderer="pandoc", formats={"html"})


def test_pdf_table_columns_fit_numbers_and_header_words():
    """The Lua filter sizes PDF columns from their content: a number never shares its space
    with the next column ("2025340.049") and a header word is never split ("Biele-feld")."""
    from integrationsbericht.render.pandoc import run_pandoc

    md = ("| Indikator | Ziel | Stand | Aktueller Wert | Bielefeld | Status |\n"
          "|:---|:---|---:|---:|---:|:---|\n"
          "| Arbeitslosenquote (Abstand Ausländer\\*innen − insgesamt) | Arbeitslosenquote der "
          "Ausländer\\*innen höchstens 8 Prozentpunkte über der Quote insgesamt bis 2030 | 2025 | "
          "340.049 | +31,6 Pp. | nicht auf Kurs |\n")
    typ = run_pandoc(["-f", "markdown", "-t", "typst", "--lua-filter",
                      str(DEFAULTS / "templates/filters/integrationsbericht.lua")], md, "Test")
    widths = [float(w) for w in re.search(r"columns: \(([^)]*)\)", typ).group(1).replace("%", "").split(",")]
    assert abs(sum(widths) - 100) < 0.5
    page_pt, inset = 462, 11
    pt = [w / 100 * page_pt - inset for w in widths]
    assert pt[2] >= 4 * 6.0 and pt[3] >= 14 * 6.6 / 2  # "2025"; header words "Aktueller", "Wert"
    assert pt[3] >= 7 * 6.0 and pt[4] >= len("Bielefeld") * 6.6  # "340.049"; "Bielefeld" whole
    assert pt[4] >= len("+31,6 Pp.") * 6.0  # a number with its unit stays on one line
    assert pt[0] > pt[2] and pt[1] > pt[2]  # long texts get the remaining width


def test_pdf_table_too_wide_for_its_words_is_set_smaller_and_hyphenates_its_header():
    """Seven columns whose header words do not fit side by side at 9.5 pt ("mit
    Einwanderungsgeschichte" next to "ohne Einwanderungsgeschichte"): the table is set smaller,
    its long header words may hyphenate, and no column is narrower than what it must hold."""
    from integrationsbericht.render.pandoc import run_pandoc

    md = ("| Frage | Antwort | insgesamt | mit Einwanderungsgeschichte | ohne Einwanderungsgeschichte"
          " | Unterschied | n |\n|:---|:---|---:|---:|---:|:---|---:|\n"
          "| Die Vielfalt der Menschen in Bielefeld ist eine Bereicherung. | Zustimmung (1–2) | 79 % |"
          " 86 % | 73 % | signifikant (p < 0,001) | 2.439 |\n")
    lua = str(DEFAULTS / "templates/filters/integrationsbericht.lua")
    typ = run_pandoc(["-f", "markdown", "-t", "typst", "--lua-filter", lua], md, "Test")
    size = float(re.search(r"#show table: set text\(size: ([\d.]+)pt\)", typ).group(1))
    assert 8.0 <= size < 9.5
    assert "#show table.cell.where(y: 0): set text(hyphenate: true)" in typ
    widths = [float(w) for w in re.search(r"columns: \(([^)]*)\)", typ).group(1).replace("%", "").split(",")]
    pt = [w / 100 * 462 - 11 for w in widths]
    scale = size / 9.5
    assert all(p >= 11 * 6.6 * scale - 0.5 for p in pt[3:5])  # a hyphenated header piece
    assert pt[6] >= len("2.439") * 6.0 * scale - 0.5 and pt[2] >= len("insgesamt") * 6.6 * scale - 0.5
    # narrow tables keep the normal size and rule
    small = run_pandoc(["-f", "markdown", "-t", "typst", "--lua-filter", lua],
                       "| A | B |\n|:--|--:|\n| x | 1 |\n", "Test")
    assert "#show table: set text" not in small

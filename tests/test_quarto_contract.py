"""The Quarto path without Quarto: the staged Quarto project of the demo edition (session
fixture ``demo_book``) checked against the rules Quarto's own source enforces.

Quarto cannot be installed where the team builds, so these tests read what Quarto will read –
the staged ``_quarto.yml``, the metadata file ``_edition.yml``, the executed chapter notebooks
and the Typst template partials – and compare it with facts taken from the quarto-cli source
(tags v1.9.38 and v1.10.18; each fact below names its file). ``docs/render.md`` describes the
contract; a real Quarto run is checked separately (``test_real_quarto_renders_the_same_report``,
skipped without Quarto).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import pytest
import typst
import yaml
from pypdf import PdfReader

from integrationsbericht.render.book import first_heading

DATA = Path(__file__).resolve().parent / "data" / "quarto"

# quarto-cli src/format/typst/format-typst.ts (v1.9.20 … v1.10.18): the partials of Quarto's
# Typst template (src/resources/formats/typst/pandoc/quarto/template.typ). A project's
# template-partials must be among them, else Quarto stops ("only supports the following
# partials", src/command/render/pandoc.ts).
QUARTO_TYPST_PARTIALS = {
    "numbering.typ", "definitions.typ", "typst-template.typ", "page.typ", "typst-show.typ",
    "notes.typ", "biblio.typ",
}
# Variables our typst-show.typ may take from Quarto: the ones Quarto's own typst-show.typ
# (src/resources/formats/typst/pandoc/quarto/typst-show.typ) and the orange-book book format
# (src/resources/extension-subtrees/orange-book/_extensions/orange-book/typst-show.typ) read
# as plain values. For a book Quarto sets title and subtitle from `book:`
# (src/project/types/book/book-render.ts, withBookTitleMetadata). Not allowed, for example:
# `logo` (a map since Quarto 1.8: format-typst.ts resolveLogo, typst-brand-yaml.lua), `brand`.
QUARTO_SCALAR_VARIABLES = {"title", "subtitle", "lang"}
# What Quarto's Typst book filter emits before the first appendix (orange-book.lua, v1.9.38
# and v1.10.18): the appendix call, then an unnumbered level-1 heading with the localised
# title (language: section-title-appendices).
QUARTO_APPENDIX_TYPST = '#show: appendices.with("{t}", hide-parent: true)\n#heading(level: 1, numbering: none)[{t}]'

# A request to another server that a page view makes by itself: a stylesheet/preload/icon
# <link href>, any src= (scripts, images, frames), a CSS @import or url(). Links (<a href>)
# are not requests.
URL_IN_ASSET = re.compile(
    r"""<link\b[^>]*\bhref\s*=\s*["']?\s*(?:https?:)?//"""
    r"""|<[a-z]+\b[^>]*\bsrc\s*=\s*["']?\s*(?:https?:)?//"""
    r"""|@import\s+(?:url\()?\s*["']?\s*(?:https?:)?//"""
    r"""|\burl\(\s*["']?\s*(?:https?:)?//""",
    re.IGNORECASE,
)


def _document_keys() -> set[str]:
    lines = (DATA / "document-keys.txt").read_text(encoding="utf-8").splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


@pytest.fixture(scope="module")
def staged(demo_book):
    """The staged Quarto project of the demo edition (the pipeline's build folder)."""
    ed = demo_book.edition
    root = Path(demo_book.out).parent / "build"  # build_root of the fixture (tests/conftest.py)
    stages = [p for p in sorted(root.glob(f"{ed.ags}-{ed.year}*")) if (p / "_quarto.yml").is_file()]
    assert len(stages) == 1, stages
    return demo_book, stages[0]


def _yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _chapters(stage: Path) -> list[str]:
    book = _yaml(stage / "_quarto.yml")["book"]
    return list(book.get("chapters") or []) + list(book.get("appendices") or [])


def _source_heading(stage: Path, source: str):
    """The first heading as Quarto's book code reads it: Markdown and raw cells only."""
    path = stage / source
    if source.endswith(".ipynb"):
        nb = nbformat.read(path, as_version=4)
        text = "\n\n".join(c.source for c in nb.cells if c.cell_type in ("markdown", "raw"))
    else:
        text = path.read_text(encoding="utf-8")
    return first_heading(text)


def test_edition_metadata_uses_no_key_that_quarto_reserves(staged):
    result, stage = staged
    config = _yaml(stage / "_quarto.yml")
    reserved = _document_keys()
    assert {"title", "subtitle", "logo", "lang"} <= reserved  # the list is the real one
    for name in config.get("metadata-files") or []:
        meta = _yaml(stage / name)
        clash = sorted(set(meta) & reserved)
        assert not clash, f"{name} belegt Schlüssel, die Quarto selbst auswertet: {clash}"
    edition = _yaml(stage / "_edition.yml")
    assert list(edition) == ["edition"]
    assert edition["edition"]["city"] == result.edition.city
    # in a book a document-level title/subtitle would replace every chapter's own title
    for key in ("title", "subtitle", "logo", "author", "date"):
        assert key not in config, f"_quarto.yml setzt {key} auf oberster Ebene"


def test_book_title_subtitle_and_pdf_name_come_from_book(staged):
    result, stage = staged
    ed = result.edition
    book = _yaml(stage / "_quarto.yml")["book"]
    assert book["title"] == f"{ed.config.title} {ed.year}"
    assert book["subtitle"] == ed.config.subtitle
    assert book["output-file"] + ".pdf" == ed.pdf_name
    pdf = PdfReader(Path(result.out) / ed.pdf_name)
    assert pdf.metadata.title == f"{book['title']} – {ed.city}"


def test_chapter_outputs_carry_only_text_markdown(staged):
    """Quarto shows every output, and of several MIME types picks one by its own priority
    (src/core/jupyter/display-data.ts, displayDataMimeType); a text/plain-only output (the
    repr of a returned string) becomes a code block. So: one MIME type, text/markdown."""
    _, stage = staged
    bad = []
    for source in _chapters(stage):
        if not source.endswith(".ipynb"):
            continue
        nb = nbformat.read(stage / source, as_version=4)
        for i, cell in enumerate(nb.cells):
            for out in cell.get("outputs", []):
                kinds = sorted(out.get("data", {}))
                if out.get("output_type") != "display_data" or kinds != ["text/markdown"]:
                    bad.append((source, i, out.get("output_type"), kinds or out.get("name")))
    assert not bad, f"{len(bad)} Ausgaben mit anderem Typ als nur text/markdown, z. B. {bad[:3]}"


def test_chapter_titles_stand_in_markdown_cells_and_the_summary_is_unnumbered(staged):
    """Quarto's book navigation and chapter numbers come from each notebook's first heading
    in Markdown cells only (src/core/jupyter/jupyter-filters.ts markdownFromNotebookJSON,
    src/core/pandoc/pandoc-partition.ts); `{.unnumbered}` leaves a chapter without a number,
    and all of its sections too (src/resources/filters/quarto-pre/book-numbering.lua)."""
    result, stage = staged
    nav = (Path(result.out) / "index.html").read_text(encoding="utf-8")
    for source in _chapters(stage):
        heading = _source_heading(stage, source)
        assert heading is not None and heading[0] == 1, f"{source}: kein Titel in einer Markdown-Zelle"
        _, title, classes = heading
        assert title in nav, f"{source}: Titel „{title}“ nicht in der Navigation"
        if source == "index.ipynb":
            assert "unnumbered" in classes, "Das Wichtigste in Kürze muss {.unnumbered} sein"
        else:
            assert "unnumbered" not in classes, source
    # the pandoc PDF numbers the same way: the summary without a number, chapters from 1
    main = _yaml(stage / "_quarto.yml")["book"]["chapters"]
    pdf = PdfReader(Path(result.out) / result.edition.pdf_name)
    top = [i.title for i in pdf.outline if not isinstance(i, list) and i.title != "Inhalt"]
    assert not re.match(r"^\d", top[0]) and re.match(r"^1 ", top[1]), top[:2]
    assert [t for t in top if re.match(r"^\d", t)][-1].startswith(f"{len(main) - 1} ")


def _variables(template: str) -> set[str]:
    """Pandoc template variables ($x$, $if(x)$, $for(x)$), without partial calls and keywords."""
    names = set()
    for m in re.finditer(r"\$(?:(?:if|elseif|for)\()?([A-Za-z][A-Za-z0-9_.-]*)\)?\$", template):
        name = m.group(1)
        if name not in ("else", "endif", "endfor", "sep", "body", "it") and not name.endswith(".typ"):
            names.add(name)
    return names


def test_typst_partials_exist_in_quarto_and_use_only_known_variables(staged):
    _, stage = staged
    config = _yaml(stage / "_quarto.yml")
    partials = config["format"]["typst"]["template-partials"]
    assert {Path(p).name for p in partials} <= QUARTO_TYPST_PARTIALS, partials
    pandoc_book = (stage / "templates/typst/pandoc-book.typ").read_text(encoding="utf-8")
    calls = set(re.findall(r"\$([A-Za-z0-9_.-]+\.typ)\(\)\$", pandoc_book))
    assert calls and calls <= QUARTO_TYPST_PARTIALS, calls
    edition_keys = set(_yaml(stage / "_edition.yml").get("edition") or {})
    for partial in partials:
        used = _variables((stage / partial).read_text(encoding="utf-8"))
        unknown = sorted(
            v for v in used
            if v not in QUARTO_SCALAR_VARIABLES
            and not (v.startswith("edition.") and v.split(".", 1)[1] in edition_keys)
        )
        assert not unknown, f"{partial}: Variablen, die Quarto nicht oder anders füllt: {unknown}"


def test_quarto_appendix_divider_gives_the_same_bookmarks(staged, tmp_path):
    """The Typst that Quarto's book filter writes before the appendices, set with the staged
    template: the bookmarks are the chapters and lettered appendices, as in the pandoc PDF."""
    result, stage = staged
    title = _yaml(stage / "_quarto.yml")["language"]["section-title-appendices"]
    shutil.copyfile(stage / "templates/typst/typst-template.typ", tmp_path / "typst-template.typ")
    body = (
        '#import "typst-template.typ": *\n'
        "#show: doc => integrationsbericht(title: [Bericht 2025], city: [Teststadt], doc)\n"
        "#heading(level: 1, numbering: none)[Das Wichtigste in Kürze]\n"
        "#heading(level: 2, numbering: none)[Was auffällt]\n\nText.\n\n= Bevölkerung\n\n== Stand\n\nText.\n\n"
        + QUARTO_APPENDIX_TYPST.format(t=title)
        + "\n\n= Zeichenerklärung\n\nText.\n\n= Impressum\n\nText.\n"
    )
    (tmp_path / "book.typ").write_text(body, encoding="utf-8")
    (tmp_path / "book.pdf").write_bytes(typst.compile(str(tmp_path / "book.typ"), pdf_standards=["ua-1"]))
    outline = _top_bookmarks(tmp_path / "book.pdf")
    assert outline == ["Das Wichtigste in Kürze", "1 Bevölkerung", "A Zeichenerklärung", "B Impressum"]
    # the pandoc renderer makes the same appendix call
    pdf_top = _top_bookmarks(Path(result.out) / result.edition.pdf_name)
    assert title not in pdf_top and any(t.startswith("A ") for t in pdf_top)


def test_no_third_party_requests_in_theme_or_output(staged):
    """Bootswatch "cosmo" @imports Google Fonts unless $web-font-path is false
    (quarto-cli src/resources/formats/html/bootstrap/themes/cosmo.scss)."""
    result, stage = staged
    config = _yaml(stage / "_quarto.yml")
    html = config["format"]["html"]
    themes = html["theme"] if isinstance(html["theme"], list) else [html["theme"]]
    assert "cosmo" in themes
    own = [stage / t for t in themes if t.endswith(".scss")]
    assert own, "kein eigenes SCSS im Thema"
    for scss in own:
        text = scss.read_text(encoding="utf-8")
        defaults = text.split("/*-- scss:defaults --*/", 1)[1].split("/*-- scss:rules --*/", 1)[0]
        assert re.search(r"^\$web-font-path:\s*false\s*;", defaults, re.MULTILINE), scss.name
        assert not URL_IN_ASSET.search(text), scss.name
    assert html.get("html-math-method") == "plain"  # no MathJax from a CDN
    for css in html.get("css") or []:
        path = stage / css
        if path.is_file():
            assert not URL_IN_ASSET.search(path.read_text(encoding="utf-8")), css
    out = Path(result.out)
    found = []
    for page in [*out.rglob("*.html"), *out.rglob("*.css"), *out.rglob("*.js")]:
        m = URL_IN_ASSET.search(page.read_text(encoding="utf-8", errors="replace"))
        if m:
            found.append((str(page.relative_to(out)), m.group(0)))
    assert not found, f"Verweise auf fremde Server: {found[:5]}"


def test_url_pattern_catches_remote_assets():
    for bad in ('<link rel="stylesheet" href="https://fonts.googleapis.com/css2?x">',
                "<script src='//cdn.example.org/a.js'></script>",
                '@import url("https://fonts.googleapis.com/css2?family=Source+Sans+Pro");'):
        assert URL_IN_ASSET.search(bad), bad
    for ok in ('<a href="https://www.govdata.de/dl-de/by-2-0">Lizenz</a>',
               '<link rel="stylesheet" href="../_assets/ib.css">', '<script src="ib.js"></script>'):
        assert not URL_IN_ASSET.search(ok), ok


def _top_bookmarks(pdf: Path) -> list[str]:
    return [i.title for i in PdfReader(pdf).outline if not isinstance(i, list) and i.title != "Inhalt"]


@pytest.mark.skipif(shutil.which("quarto") is None,
                    reason="Quarto ist nicht installiert; der Vergleich mit echtem Quarto entfällt.")
def test_real_quarto_renders_the_same_report(staged, tmp_path):
    """With Quarto installed: the demo edition rendered by Quarto against the pandoc result."""
    import html as html_lib

    import pikepdf

    from integrationsbericht.render import render

    result, stage = staged
    ed = result.edition
    pandoc_out = Path(result.out)
    copy = tmp_path / "stage"
    shutil.copytree(stage, copy, ignore=shutil.ignore_patterns(".cache", "_book", ".quarto"))
    out = tmp_path / "quarto"
    out.mkdir()
    render(copy, out, renderer="quarto")
    pdfs = [p for p in out.rglob("*.pdf") if "downloads" not in p.relative_to(out).parts]
    assert pdfs == [out / ed.pdf_name]
    # the same chapters with the same numbers and titles, and the same PDF metadata
    assert _top_bookmarks(out / ed.pdf_name) == _top_bookmarks(pandoc_out / ed.pdf_name)
    with pikepdf.open(out / ed.pdf_name) as q, pikepdf.open(pandoc_out / ed.pdf_name) as p:
        assert str(q.docinfo.get("/Title")) == str(p.docinfo.get("/Title"))
        assert str(q.Root.get("/Lang", "")).lower().startswith("de")
        with q.open_metadata() as xmp:
            assert str(xmp.get("pdfuaid:part")) == "1"
    # chapter titles in the site navigation, no stray code blocks, alt text on every image
    index = (out / "index.html").read_text(encoding="utf-8")
    for source in _chapters(stage):
        page = out / Path(source).with_suffix(".html")
        text = page.read_text(encoding="utf-8")
        title = html_lib.escape(_source_heading(stage, source)[1], quote=False)
        assert title in index, f"{title} fehlt in der Navigation"
        assert "<pre" not in text and "cell-output-stdout" not in text, f"Codeblock in {page.name}"
        assert not re.search(r"<img\b(?![^>]*\balt=\"[^\"]+\")[^>]*>", text), f"Bild ohne alt in {page.name}"
    # the same downloads
    for f in (pandoc_out / "downloads").iterdir():
        assert (out / "downloads" / f.name).is_file() and f"downloads/{f.name}" in index, f.name
    # no request to another server
    found = [str(p.relative_to(out)) for p in [*out.rglob("*.html"), *out.rglob("*.css")]
             if URL_IN_ASSET.search(p.read_text(encoding="utf-8", errors="replace"))]
    assert not found, f"Verweise auf fremde Server: {found[:5]}"

"""Accessibility of the council PDF (PDF/UA-1) on whole editions: the demo edition and the
Bielefeld 2015 edition from the real data (session fixtures ``demo_book`` / ``shared_book``).

Checks what a screen reader and the PDF/UA validator need: title and language, tagging,
bookmarks equal to the chapters (the same titles and numbers as the website's navigation),
alternative text on every figure, embedded fonts, the PDF/UA identifier, and a title page.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pikepdf
import pytest
from pypdf import PdfReader

A4_BOTTOM_MARGIN_PT = 25 / 25.4 * 72  # the template's bottom margin (25 mm)


@pytest.fixture(scope="module", params=["demo_book", "shared_book"])
def book(request):
    result = request.getfixturevalue(request.param)
    pdfs = sorted(Path(result.out).glob("*.pdf"))
    assert len(pdfs) == 1, f"genau ein PDF erwartet, gefunden: {[p.name for p in pdfs]}"
    return result, pdfs[0]


class _Nav(HTMLParser):
    """Chapter entries ("1 Titel", "A Titel", "Titel") of the website's navigation."""

    def __init__(self):
        super().__init__()
        self.entries: list[str] = []
        self._in_toc = 0
        self._in_a = False
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "ol" and "toc" in (a.get("class") or "").split():
            self._in_toc += 1
        elif tag == "a" and self._in_toc:
            self._in_a, self._text = True, []

    def handle_endtag(self, tag):
        if tag == "ol" and self._in_toc:
            self._in_toc -= 1
        elif tag == "a" and self._in_a:
            self._in_a = False
            self.entries.append(re.sub(r"\s+", " ", "".join(self._text)).strip())

    def handle_data(self, data):
        if self._in_a:
            self._text.append(data)


def _nav_chapters(out: Path) -> list[str]:
    nav = _Nav()
    nav.feed((out / "index.html").read_text(encoding="utf-8"))
    assert nav.entries, "Die Startseite hat keine Kapitelnavigation."
    return nav.entries


def _struct_elements(root) -> list:
    found: list = []
    seen: set = set()

    def walk(node, depth=0):
        if depth > 400:
            return
        if isinstance(node, pikepdf.Dictionary):
            key = node.objgen if node.is_indirect else None
            if key is not None:
                if key in seen:
                    return
                seen.add(key)
            if "/S" in node:
                found.append(node)
            kids = node.get("/K")
            if kids is not None:
                walk(kids, depth + 1)
        elif isinstance(node, pikepdf.Array):
            for kid in node:
                walk(kid, depth + 1)

    walk(root.StructTreeRoot)
    return found


def test_title_language_and_tagging(book):
    result, pdf_path = book
    ed = result.edition
    with pikepdf.open(pdf_path) as pdf:
        root = pdf.Root
        assert str(root.get("/Lang", "")).lower().startswith("de"), root.get("/Lang")
        assert bool(root.MarkInfo.Marked) is True
        assert "/StructTreeRoot" in root
        assert bool(root.ViewerPreferences.DisplayDocTitle) is True
        title = str(pdf.docinfo.get("/Title", ""))
        assert title.startswith("Integrationsbericht"), title
        assert ed.city in title and str(ed.year) in title, title
        with pdf.open_metadata() as xmp:
            assert xmp.get("dc:title") == title
            # Typst writes the PDF/UA-1 identifier when compiled with pdf_standards=["ua-1"]
            assert str(xmp.get("pdfuaid:part")) == "1"
        types = {str(e.get("/S")) for e in _struct_elements(root)}
        for needed in ("/H1", "/P", "/Figure", "/Table", "/TH", "/TD"):
            assert needed in types, f"Strukturelement {needed} fehlt im PDF"


def test_every_figure_has_alt_text(book):
    _, pdf_path = book
    with pikepdf.open(pdf_path) as pdf:
        figures = [e for e in _struct_elements(pdf.Root) if e.get("/S") == "/Figure"]
        missing = [i for i, f in enumerate(figures) if not str(f.get("/Alt", "")).strip()]
        assert figures and not missing, f"{len(missing)} von {len(figures)} Abbildungen ohne /Alt"
        images: set = set()
        for page in pdf.pages:
            for xobj in (page.Resources.get("/XObject") or {}).values():
                if xobj.get("/Subtype") == "/Image":
                    images.add(xobj.objgen)
                elif xobj.get("/Subtype") == "/Form":
                    for inner in ((xobj.get("/Resources") or {}).get("/XObject") or {}).values():
                        if inner.get("/Subtype") == "/Image":
                            images.add(inner.objgen)
        # every picture (charts, maps, logo) sits in a tagged figure with alt text
        assert len(figures) >= len(images), (len(figures), len(images))


def test_fonts_are_embedded(book):
    _, pdf_path = book
    with pikepdf.open(pdf_path) as pdf:
        fonts = 0
        for number, page in enumerate(pdf.pages, start=1):
            for name, font in (page.Resources.get("/Font") or {}).items():
                fonts += 1
                desc = font.get("/FontDescriptor")
                if desc is None and "/DescendantFonts" in font:
                    desc = font.DescendantFonts[0].get("/FontDescriptor")
                if font.get("/Subtype") == "/Type3":
                    continue  # glyphs are drawn in the PDF itself
                assert desc is not None and any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")), \
                    f"Schrift {name} auf Seite {number} ist nicht eingebettet"
        assert fonts > 0


def test_bookmarks_are_the_chapters_in_order(book):
    result, pdf_path = book
    reader = PdfReader(pdf_path)
    top = [item.title for item in reader.outline if not isinstance(item, list)]
    top = [t for t in top if t != "Inhalt"]
    assert top == _nav_chapters(Path(result.out))
    # the start page and its sections stay unnumbered, chapters start at 1
    assert not re.match(r"^\d", top[0]), top[0]
    assert re.match(r"^1 ", top[1]), top[1]
    children = reader.outline[1] if isinstance(reader.outline[1], list) else []
    assert all(not re.match(r"^0\.", c.title) for c in children if not isinstance(c, list))
    text = "\n".join(reader.pages[i].extract_text() for i in range(min(6, len(reader.pages))))
    assert not re.search(r"(?m)^0\.\d", text), "nummerierte Abschnitte 0.x auf der Startseite"


def test_title_page_and_no_heading_alone_at_the_bottom(book):
    result, pdf_path = book
    ed = result.edition
    reader = PdfReader(pdf_path)
    first = reader.pages[0].extract_text()
    for expected in (ed.city, "Integrationsbericht", str(ed.year), "Stand der Daten"):
        assert expected in first, expected
    orphans = []

    def visit(items, level):
        for item in items:
            if isinstance(item, list):
                visit(item, level + 1)
            elif level >= 1 and item.get("/Top") is not None:
                # the heading's top edge; below this there is room for less than one line of text
                if float(item["/Top"]) < A4_BOTTOM_MARGIN_PT + 40:
                    orphans.append((item.title, reader.get_destination_page_number(item) + 1))

    visit(reader.outline, 0)
    assert not orphans, f"Überschriften allein am Seitenende: {orphans}"

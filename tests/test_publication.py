"""A report the city can publish: no internals in any output (HTML, PDF text, search index,
downloads) of the demo edition and two real editions (Bielefeld and Dortmund 2015); absence
handled editorially; the publisher is the configured office, never the Kreis's name."""

from __future__ import annotations

import re


from publication_scan import pdf_text, scan


def _pdf(book):
    return next(book.out.glob("*.pdf"))


def test_demo_edition_shows_no_internals(demo_book):
    assert scan(demo_book.out) == []


def test_bielefeld_2015_shows_no_internals_and_no_example_targets(shared_book):
    extra = {"Beispielziel": re.compile(r"Beispielziel|vom Rat zu beschließen|Beispieltext")}
    assert scan(shared_book.out, extra) == []
    index = (shared_book.out / "index.html").read_text(encoding="utf-8")
    assert "Ziele:" not in index  # no council-set targets: nothing about targets on the summary page
    rec = shared_book.out / "report" / "befunde-empfehlungen.html"
    if rec.exists():
        assert "Handlungsempfehlungen</h2>" not in rec.read_text(encoding="utf-8")


def test_dortmund_2015_names_the_office_as_publisher(dortmund_book):
    extra = {"Beispielziel": re.compile(r"Beispielziel|vom Rat zu beschließen|Beispieltext")}
    assert scan(dortmund_book.out, extra) == []
    publisher = dortmund_book.edition.config.publisher
    assert publisher and "Dortmund" not in publisher
    text = re.sub(r"\s+", " ", pdf_text(_pdf(dortmund_book)))
    assert "Herausgegeben von Dortmund" not in text and "Herausgeber: Dortmund" not in text
    assert "Dortmund" in text
    impressum = (dortmund_book.out / "report" / "impressum.html").read_text(encoding="utf-8")
    assert publisher.split(",")[0] in impressum and "Herausgegeben von Dortmund" not in impressum
    assert f"Herausgeber: {publisher}" in (dortmund_book.out / "index.html").read_text(encoding="utf-8")


def test_demo_start_page_tells_the_biggest_change_in_plain_german(demo_book):
    index = (demo_book.out / "index.html").read_text(encoding="utf-8").replace("\u00a0", " ")
    assert "Was auffällt" in index
    assert "Einbürgerungen: Die Zahl hat sich in fünf Jahren verdreifacht" in index
    # example targets of the demo are not on the summary page; no "(2025: −766; +1.964)" clutter
    assert "Beispielziel" not in index and "Ziel nicht auf Kurs" not in index
    assert not re.search(r"\(\d{4}: [−+]?[\d.,]+;", index)
    assert "Prozentpunkte;" not in index and "bei 18,6 Prozentpunkte " not in index

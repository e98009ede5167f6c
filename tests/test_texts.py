"""Texts written by people (foreword, one per chapter): read, started by new-edition, printed
right after the chapter title."""

from __future__ import annotations

import pytest

from integrationsbericht import texts
from integrationsbericht.errors import InputError


def test_only_comments_print_nothing_and_headings_sit_below_the_chapter(tmp_path):
    f = tmp_path / "t.md"
    f.write_text(texts.skeleton("bevoelkerung", "Bevölkerung", 2026, ["Satz eins."]), encoding="utf-8")
    assert texts.read(f) is None
    assert "Satz eins." in f.read_text(encoding="utf-8")
    f.write_text("<!-- Notiz -->\n# Einordnung\n\nDie Zahl der Einbürgerungen hat sich verdreifacht.\n",
                 encoding="utf-8")
    assert texts.read(f) == "### Einordnung {.unnumbered}\n\nDie Zahl der Einbürgerungen hat sich verdreifacht."
    assert texts.read(tmp_path / "fehlt.md") is None
    f.write_bytes("Zeile\nBürger\xfcinnen".encode("latin-1"))
    with pytest.raises(InputError) as err:
        texts.read(f)
    assert err.value.line == 2


def test_start_files_keeps_last_years_texts_and_lists_findings(tmp_path):
    folder = tmp_path / "report" / "texte"
    folder.mkdir(parents=True)
    (folder / "bevoelkerung.md").write_text("Unser Text 2025.\n", encoding="utf-8")
    msgs = texts.start_files(tmp_path, {"index": "Das Wichtigste in Kürze", "bevoelkerung": "Bevölkerung"},
                             2026, 2025, {"bevoelkerung": ["Die Zahl der Zuzüge hat sich verdoppelt."]})
    assert (folder / "2025" / "bevoelkerung.md").read_text(encoding="utf-8") == "Unser Text 2025.\n"
    new = (folder / "bevoelkerung.md").read_text(encoding="utf-8")
    assert "Die Zahl der Zuzüge hat sich verdoppelt." in new and "Ausgabe 2026" in new
    assert texts.read(folder / "bevoelkerung.md") is None
    assert (folder / "vorwort.md").exists()
    assert any("report/texte/2025/bevoelkerung.md" in m for m in msgs)


def test_chapter_prints_the_text_right_after_its_title(tmp_path, monkeypatch):
    from integrationsbericht import report

    shown = []
    monkeypatch.setattr(report, "_display_markdown", shown.append)
    (tmp_path / "report" / "texte").mkdir(parents=True)
    (tmp_path / "report" / "texte" / "vorwort.md").write_text("Liebe Bielefelder*innen,\n\nwillkommen.",
                                                              encoding="utf-8")

    class Ed:
        project_root = tmp_path

    ch = report.Chapter(name="index", base_dir=tmp_path, config_path=tmp_path / "x.yml", _edition=Ed())
    ch.md("# Das Wichtigste in Kürze")
    ch.md("Absatz.")
    ch.md("# Noch eine Überschrift")
    assert shown == ["# Das Wichtigste in Kürze", "Liebe Bielefelder\\*innen,\n\nwillkommen.", "Absatz.",
                     "# Noch eine Überschrift"]

"""Scan every output of a built edition for what no reader should see: file names and paths,
YAML/Markdown/Typst syntax, English identifiers, "nan"/"None", and remarks about the tool.

Used by tests/test_publication.py on the demo edition and on two real editions; runnable by
hand: ``python tests/publication_scan.py _book``.
"""

from __future__ import annotations

import json
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

CHECKS = {
    "Dateiname": re.compile(r"\b[\w\-/]+\.(?:ya?ml|ipynb|qmd|md|py|typ|lua|parquet)\b"),
    "Pfad im Projekt": re.compile(r"\b(?:config|report|notebooks|templates|src|data)/[\w\-]"),
    "Markdown": re.compile(r"\*\*|\]\(|\{#|:::|\\\*|\{\.|<!--|^#{1,6} ", re.M),
    "Typst": re.compile(r"#(?:set|show|let|figure|text|block|image)\b[\(\s\[]"),
    # a config line such as "status: entwurf" or "example: true" (a whole line, one value)
    # (a chart label such as "insgesamt: 4.465" – a German number as the value – is reader text)
    "YAML": re.compile(r"^\s*[a-z_]+: (?![\d.,]+\s*$)[\w\"'.\-]+\s*$|^---\s*$", re.M),
    "englischer Bezeichner": re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b"),
    "fehlender Wert": re.compile(r"\b(?:nan|NaN|None|NaT|undefined)\b"),
    "Werkzeug": re.compile(r"Vorlage|Platzhalter|Regeldatei|Noch keine Handlungsempfehlungen|"
                           r"jedes Jahr mit derselben|Katalog \(|nach festen Regeln"),
}
# Indicator ids are the documented key of the downloads; the annex names them for that.
ALLOWED_LINE = re.compile(r"Kennung in den Downloads")


_BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "tr", "div", "figcaption",
           "caption", "dt", "dd", "title", "nav", "header", "footer", "section", "figure"}


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for k, v in attrs:
            if k in ("alt", "title", "aria-label") and v:
                self.parts.append(f"\n{v}\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def html_text(path: Path) -> str:
    p = _Text()
    p.feed(path.read_text(encoding="utf-8"))
    return "".join(p.parts)


def _json_strings(obj, keys=("title", "text", "section", "content")):
    if isinstance(obj, dict):
        for k, v in obj.items():
            if isinstance(v, str) and k in keys:
                yield v
            else:
                yield from _json_strings(v, keys)
    elif isinstance(obj, list):
        for v in obj:
            yield from _json_strings(v, keys)


def search_text(path: Path) -> str:
    raw = path.read_text(encoding="utf-8")
    start = min([i for i in (raw.find("["), raw.find("{")) if i >= 0])
    end = max(raw.rfind("]"), raw.rfind("}")) + 1
    return "\n".join(_json_strings(json.loads(raw[start:end])))


def table_cells(path: Path) -> str:
    """The cells of a download below its header (column names are the documented contract)."""
    if path.suffix == ".csv":
        import csv

        rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
        return "\n".join(" | ".join(r) for r in rows[1:])
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    out = []
    for ws in wb.worksheets:
        for i, row in enumerate(ws.iter_rows(values_only=True)):
            if i:
                out.append(" | ".join("" if v is None else str(v) for v in row))
    return "\n".join(out)


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    text = "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
    # words hyphenated at a line end ("Reihen-|bruch: …") are joined before the scan
    return re.sub(r"[\xad\u00ad-]\n(?=\w)", "", text)


def texts(book: Path):
    """(where, kind, text) for every reader-facing output of a built edition."""
    for f in sorted(book.rglob("*.html")):
        yield str(f.relative_to(book)), "prose", html_text(f)
    for f in sorted(book.rglob("search*.js*")):
        yield str(f.relative_to(book)), "prose", search_text(f)
    for f in sorted(book.rglob("*.pdf")):
        yield str(f.relative_to(book)), "prose", pdf_text(f)
    for f in sorted([*book.rglob("*.csv"), *book.rglob("*.xlsx")]):
        yield str(f.relative_to(book)), "cells", table_cells(f)


# In the cells of a download only these apply (ids and codes are data there).
CELL_CHECKS = ("Dateiname", "Pfad im Projekt", "Markdown", "Typst", "fehlender Wert", "Werkzeug")


def scan(book: Path, extra: dict[str, re.Pattern] | None = None) -> list[str]:
    """German lines "file: check: context" for every hit."""
    hits = []
    checks = {**CHECKS, **(extra or {})}
    for where, kind, text in texts(book):
        for line in text.splitlines():
            if ALLOWED_LINE.search(line):
                continue
            for name, rx in checks.items():
                if kind == "cells" and name not in CELL_CHECKS and name not in (extra or {}):
                    continue
                m = rx.search(line)
                if m:
                    a, b = max(0, m.start() - 40), m.end() + 40
                    hits.append(f"{where}: {name}: …{line[a:b].strip()}…")
    return hits


if __name__ == "__main__":
    found = scan(Path(sys.argv[1]))
    print("\n".join(found) or "keine Treffer")
    sys.exit(1 if found else 0)

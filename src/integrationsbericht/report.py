"""Chapter helpers used by the notebooks: Markdown, figures, tables and callouts.

A notebook does ``ch = Chapter.open(config_path, workdir, chapter)`` and then only calls
``ch.md``, ``ch.figure``, ``ch.table`` and ``ch.callout``. Each call displays Markdown (a
``text/markdown`` output), which both renderers take as the chapter's content.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import fmt
from .escaping import Markdown, md
from .exports import write_csv, write_xlsx
from .figures import save as save_figure
from .figures import setup_style

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
# The gender star ("Bielefelder*innen") is literal text, never Markdown emphasis.
# also inside compounds: "Migrant*innenorganisationen", "Bürger*innenbeteiligung"
_GENDER_STAR_RE = re.compile(r"(?<=\w)(?<!\\)\*(?=innen|(?:in|e|en|r)\b)")


def escape_gender_star(text: str) -> str:
    """``"Bürger*innen"`` → ``"Bürger\\*innen"`` so Markdown shows the star."""
    return _GENDER_STAR_RE.sub(r"\\*", text)
# Integer columns with these names are years or dates: printed as they are ("2015", not "2.015").
_RAW_COLUMN_RE = re.compile(
    r"^(jahr|year|stichtag|periode|period|zeitraum|schuljahr|berichtsjahr)\b", re.IGNORECASE
)
# Cells that already hold a German-formatted number or an official symbol ("13,1 %",
# "333.090", "+1,2 Pp.", "(12,0)", ".", "/") are right-aligned like numbers.
_NUMBER_TEXT_RE = re.compile(
    r"^\(?[+−\-±]?\d{1,3}(\.\d{3})*(,\d+)?\)?( ?(%|Pp\.|‰))?$|^[.\-–/x]$|^\.\.\.$"
)


class Shown(str):
    """Markdown a chapter helper has already displayed (returned for tests and callers).

    A notebook cell that ends with ``ch.md(...)`` would otherwise show the returned string a
    second time as an ``execute_result`` with only ``text/plain`` ('Der Bericht …'), which
    Quarto prints as a code block. IPython's display protocol: an object with
    ``_ipython_display_`` displays itself, and the display hook then sends no output.
    """

    __slots__ = ()

    def _ipython_display_(self) -> None:
        pass


def _display_markdown(text: str) -> None:
    """Display ``text`` as exactly one output with exactly one MIME type, ``text/markdown``.

    ``IPython.display.Markdown`` would add a ``text/plain`` repr next to it; both renderers
    read only ``text/markdown``, so the chapter outputs carry nothing else.
    """
    try:
        from IPython.display import display
    except ImportError:  # pragma: no cover - outside Jupyter
        print(text)
        return
    display({"text/markdown": text}, raw=True)


def _cell(value, decimals: int | None) -> str:
    if value is None:
        return "."
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, int):
        return fmt.number(value, 0)
    if isinstance(value, float):
        if math.isnan(value):
            return "."
        if decimals is None:
            decimals = 0 if float(value).is_integer() else 1
        return fmt.number(value, decimals)
    if isinstance(value, pd.Timestamp):
        return fmt.date(value.date())
    if isinstance(value, Markdown):  # deliberately Markdown (e.g. a link the code built)
        return escape_gender_star(value.replace("|", "\\|").replace("\n", " "))
    return md(value)  # text from data is text: literal in HTML, PDF and Markdown


SYMBOL_COLUMN = "Zeichen"
# symbols that stand instead of a value (the legend in the annex "Zeichenerklärung")
_VALUE_SYMBOLS = ("/", ".", "x", "…", "–")


def _symbol_cell(value, decimals, symbol: str) -> str:
    """A cell of a row whose ``Zeichen`` column holds a symbol: an empty value shows the
    symbol that replaces it; a value of limited reliability ``( )`` is put in parentheses."""
    missing = value is None or (isinstance(value, float) and math.isnan(value))
    if missing:
        for s in _VALUE_SYMBOLS:
            if s in symbol.split():
                return s
        return "."
    text = _cell(value, decimals)
    if "( )" in symbol and isinstance(value, float):
        return f"({text})"
    return text


def markdown_table(df: pd.DataFrame, decimals: dict[str, int] | int | None = None) -> str:
    """A pipe table with German number formats; numeric columns right-aligned."""
    if df.empty:
        raise ValueError("empty table")
    header = "| " + " | ".join(_cell(c if isinstance(c, Markdown) else str(c), None) for c in df.columns) + " |"
    aligns = []
    for col in df.columns:
        numeric = pd.api.types.is_numeric_dtype(df[col]) and not pd.api.types.is_bool_dtype(df[col])
        numeric = numeric or _RAW_COLUMN_RE.search(str(col)) is not None
        if not numeric and (df[col].dtype == object or pd.api.types.is_string_dtype(df[col])):
            values = [str(v).strip() for v in df[col].dropna()]
            numeric = bool(values) and all(_NUMBER_TEXT_RE.match(v) for v in values)
        aligns.append(numeric)
    # columns the code filled with Markdown on purpose (``df.attrs["markdown_columns"]``);
    # every other text cell comes from data and is escaped
    markdown_columns = set(df.attrs.get("markdown_columns", ()))
    rows = []
    symbol_col = list(df.columns).index(SYMBOL_COLUMN) if SYMBOL_COLUMN in df.columns else None
    for rec in df.itertuples(index=False):
        cells = []
        symbol = str(rec[symbol_col] or "") if symbol_col is not None else ""
        for col, value in zip(df.columns, rec):
            d = decimals.get(col) if isinstance(decimals, dict) else decimals
            if hasattr(value, "item") and not isinstance(value, str):
                value = value.item()
            if value is pd.NA:
                value = None
            if isinstance(value, int) and _RAW_COLUMN_RE.search(str(col)):
                value = str(value)
            if col in markdown_columns and isinstance(value, str):
                value = Markdown(value)
            cells.append(_symbol_cell(value, d, symbol) if symbol else _cell(value, d))
        rows.append("| " + " | ".join(cells) + " |")
    # Column widths are left to the renderers (the Lua filter sizes PDF columns by their
    # content; HTML tables lay out automatically): equal, short rules here.
    sep_parts = ["---:" if numeric else ":---" for numeric in aligns]
    sep = "|" + "|".join(sep_parts) + "|"
    return "\n".join([header, sep, *rows])


def _with_source(caption: str, source: str | None) -> str:
    cap = caption.strip()
    if source:
        if not cap.endswith((".", "!", "?")):
            cap += "."
        cap += f" Quelle: {source.strip()}"
    return cap


def _attr(text: str) -> str:
    """Quote a value for a pandoc attribute."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


@dataclass
class Chapter:
    """Where a chapter's files go, and the Markdown it emits."""

    name: str
    base_dir: Path  # directory of the executed notebook
    config_path: Path | None = None
    _edition: object | None = field(default=None, repr=False)
    _text_done: bool = field(default=False, repr=False)

    @classmethod
    def open(cls, config_path: str | Path | None, workdir: str | Path, chapter: str) -> "Chapter":
        workdir = Path(workdir)
        base = workdir if chapter == "index" else workdir / "report"
        setup_style()
        return cls(name=chapter, base_dir=base, config_path=Path(config_path) if config_path else None)

    @property
    def edition(self):
        if self._edition is None:
            from . import edition

            self._edition = edition.load(self.config_path)
        return self._edition

    def site_href(self, path: str) -> str:
        """Link from this chapter's page to a file at the site root (e.g. ``downloads/…``)."""
        return path if self.name == "index" else f"../{path}"

    @property
    def files_rel(self) -> str:
        return f"files/{self.name}"

    @property
    def files_dir(self) -> Path:
        return self.base_dir / "files" / self.name

    # -- output -----------------------------------------------------------------------
    def md(self, text: str, *, escape: bool = True) -> Shown:
        """Display Markdown. Gender stars are escaped unless ``escape=False``.

        Right after the chapter's title (its first level-1 heading) follows the text people
        wrote for this chapter and edition (``report/texte/<kapitel>.md``, see
        :mod:`integrationsbericht.texts`), in both renderers at the same place. The title
        stands in the notebook's first Markdown cell (Quarto reads it only from there), so
        that text comes with the chapter's first display; a title displayed with ``ch.md``
        ("# Titel") is still followed by it."""
        if escape:
            text = escape_gender_star(text)
        if not self._text_done:
            self._text_done = True
            own = self.analyst_text()
            if text.startswith("# "):
                _display_markdown(text)
                if own:
                    _display_markdown(escape_gender_star(own))
                return Shown(text)
            if own:
                _display_markdown(escape_gender_star(own))
        _display_markdown(text)
        return Shown(text)

    def analyst_text(self) -> str | None:
        """The people-written text of this chapter (``None`` without an edition or text)."""
        if self.config_path is None:
            return None
        from . import texts

        return texts.read(texts.text_path(self.edition.project_root, self.name))

    def callout(self, kind: str, title: str, text: str) -> str:
        if kind not in ("note", "warning", "tip", "important"):
            raise ValueError(f"unknown callout kind {kind!r}")
        block = f"::: {{.callout-{kind}}}\n## {title}\n\n{text}\n:::"
        return self.md(block)

    def _check_id(self, ident: str) -> None:
        if not _ID_RE.match(ident):
            raise ValueError(f"figure/table id must be lower-case a-z, 0-9 and '-': {ident!r}")

    def _data_block(self, label: str, ident: str, data: pd.DataFrame, decimals) -> str:
        base = self.files_dir / ident
        write_csv(data, base.with_suffix(".csv"))
        write_xlsx(data, base.with_suffix(".xlsx"))
        rel = f"{self.files_rel}/{ident}"
        links = f"{label}: [CSV]({rel}.csv) · [Excel]({rel}.xlsx)"
        return links, markdown_table(data, decimals)

    def figure(
        self,
        fig,
        ident: str,
        *,
        caption: str,
        alt: str,
        data: pd.DataFrame,
        decimals: dict[str, int] | int | None = None,
        source: str | None = None,
    ) -> str:
        """Save ``fig`` (PNG, SVG) and ``data`` (CSV, XLSX); display the figure Markdown.

        ``alt`` describes what the figure shows, with its key numbers, for screen readers.
        """
        self._check_id(ident)
        if not alt or not alt.strip():
            raise ValueError(f"figure {ident!r} needs alt text")
        if data is None or data.empty:
            raise ValueError(f"figure {ident!r} needs its data table")
        if not source or not source.strip():
            raise ValueError(f"figure {ident!r} needs its source (Quelle)")
        save_figure(fig, self.files_dir / ident, what=ident)
        rel = f"{self.files_rel}/{ident}"
        links, table = self._data_block("Daten zur Abbildung", ident, data, decimals)
        cap = escape_gender_star(_with_source(caption, source))
        # The SVG (vector, real text) is the figure in the PDF; the website shows the PNG and,
        # on narrow screens, the phone rendition (see templates/filters/integrationsbericht.lua).
        text = (
            f"![{cap}]({rel}.svg){{#fig-{ident} fig-alt={_attr(alt.strip())} "
            f"ib-png={_attr(rel + '.png')} ib-mobile={_attr(rel + '-mobil.png')}}}\n\n"
            f"::: {{.ib-data}}\n{links} · [SVG]({rel}.svg) · [PNG]({rel}.png)\n\n{table}\n:::\n"
        )
        return self.md(text, escape=False)

    def table(
        self,
        df: pd.DataFrame,
        ident: str,
        *,
        caption: str,
        decimals: dict[str, int] | int | None = None,
        data: pd.DataFrame | None = None,
        source: str | None = None,
    ) -> str:
        """A captioned, numbered table; ``data`` (default ``df``) also goes out as CSV/XLSX."""
        self._check_id(ident)
        cap = escape_gender_star(_with_source(caption, source))
        body = markdown_table(df, decimals)
        export = df if data is None else data
        base = self.files_dir / ident
        write_csv(export, base.with_suffix(".csv"))
        write_xlsx(export, base.with_suffix(".xlsx"))
        rel = f"{self.files_rel}/{ident}"
        text = (
            f"{body}\n\n: {cap} {{#tbl-{ident}}}\n\n"
            f"::: {{.ib-data}}\nDaten zur Tabelle: [CSV]({rel}.csv) · [Excel]({rel}.xlsx)\n:::\n"
        )
        return self.md(text, escape=False)

"""Text from data files is text: one escaping path per output format.

Every string that comes from a data file — GENESIS labels and titles, survey answers and value
labels, register values, the measures table — reaches every output *literally*:

* :func:`md` for the chapters' Markdown (both renderers read it with pandoc, which then escapes
  for HTML and Typst itself): every ASCII punctuation character is backslash-escaped, so no
  emphasis, code, link, citation (``@name``), math, raw HTML/Typst, shortcode or fenced div can
  arise; line breaks become spaces; control characters become "�".
* :func:`html` and :func:`typst` for the few places that write those formats directly.
* :func:`csv_cell` / :func:`neutralise_formulas` for CSV downloads: a text cell that a
  spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab, CR at the start) gets a
  leading apostrophe (OWASP "CSV injection"); plain numbers stay as they are.
* XLSX downloads keep such cells as text cells (see :func:`exports.write_xlsx`), never formulas.

Text the code or the analysts write (headings, sentences, chapter texts) is Markdown by design.
In :func:`report.markdown_table` every text cell is escaped with :func:`md`, except a
:class:`Markdown` value and the columns listed in ``df.attrs["markdown_columns"]`` (links the code
built itself, with the data parts escaped).
"""

from __future__ import annotations

import html as _html
import re
import string

import pandas as pd

# every ASCII punctuation character pandoc may read as syntax; not the harmless ",;?%/"
# and not a decimal point between digits ("13.1"), so that the Markdown stays readable
_MD_ACTIVE = re.compile(
    "(?!(?<=\\d)\\.(?=\\d))[" + re.escape("".join(sorted(set(string.punctuation) - set(",;?%/")))) + "]"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029]")
_BREAKS = re.compile(r"[\t\r\n]+")


class Markdown(str):
    """A string that is Markdown on purpose (written by code or analysts, not by a data file)."""


def clean(text: str) -> str:
    """Line breaks and tabs → one space; other control characters → U+FFFD."""
    return _CONTROL.sub("\ufffd", _BREAKS.sub(" ", str(text)))


def md(text) -> str:
    """``text`` as literal inline Markdown (pandoc), whatever characters it holds."""
    if isinstance(text, Markdown):
        return str(text)
    return _MD_ACTIVE.sub(r"\\\g<0>", clean(text))


def html(text) -> str:
    """``text`` as literal HTML text or attribute value."""
    return _html.escape(clean(text), quote=True)


_TYPST_SPECIAL = frozenset('\\#$*_`<>@=-+/~[]{}"\'')


def typst(text) -> str:
    """``text`` as literal Typst markup."""
    return "".join("\\" + c if c in _TYPST_SPECIAL else c for c in clean(text))


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")


def csv_cell(value):
    """A text value that a spreadsheet would evaluate gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.match(value):
        if value.strip() in ("-", "–"):  # official symbol "nothing there"
            return value
        return "'" + value
    return value


def neutralise_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with every text cell (and column name) passed through :func:`csv_cell`."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if s.dtype == object or pd.api.types.is_string_dtype(s):
            out[col] = s.map(csv_cell)
    out.columns = [csv_cell(c) for c in out.columns]
    return out


__all__ = ["Markdown", "md", "html", "typst", "csv_cell", "neutralise_formulas", "clean"]

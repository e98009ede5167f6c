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


# -- Markdown the analysts write ----------------------------------------------------------------
# Chapter texts and recommendations are Markdown by design, but never raw HTML or Typst, never a
# Quarto shortcode other than {{< meta … >}}, and links only to https: and mailto: (or within
# the report: a relative path or #anchor).
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
_RAW_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?=[\s/>]|$)|<!(?!--)|<\?")
_RAW_ATTR = re.compile(r"\{\s*=\s*[A-Za-z]+")  # `…`{=html}, ```{=typst}
_SHORTCODE = re.compile(r"\{\{[<%]\s*(?!meta\s)([^\s>%}]*)")
_META = re.compile(r"\{\{<\s*meta\s+[\w.-]+\s*>\}\}")
_LINK_TARGETS = (
    re.compile(r"\]\(\s*<?\s*([^)\s>]*)"),  # [text](target)
    re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?\s*(\S+?)>?(?:\s|$)"),  # [ref]: target
    re.compile(r"<([A-Za-z][A-Za-z0-9+.-]*:[^>\s]*)>"),  # <scheme:…>
)
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_SAFE_SCHEMES = {"https", "mailto"}


def check_authored(text: str, file, *, first_line: int = 1) -> None:
    """Refuse raw HTML/Typst, shortcodes and unsafe links in analysts' Markdown.

    ``first_line``: line number of ``text``'s first line in ``file`` (after a front matter).
    HTML comments ``<!-- … -->`` are allowed (they are removed before rendering).
    """
    from .errors import InputError

    text = re.sub(r"<!--.*?-->", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    fence = None
    for i, line in enumerate(text.split("\n")):
        no = first_line + i
        stripped = line.lstrip()
        opener = re.match(r"(`{3,}|~{3,})(.*)", stripped)
        if fence is None and opener:
            if _RAW_ATTR.search(opener.group(2)):
                raise InputError(
                    "Roher HTML- oder Typst-Code ist in diesem Text nicht erlaubt "
                    f"(„{stripped[:40]}“); bitte nur Markdown schreiben.",
                    file=file, line=no,
                )
            fence = opener.group(1)
            continue
        if fence is not None:
            if stripped.startswith(fence):
                fence = None
            continue
        line = _META.sub(lambda m: " " * len(m.group(0)), line)
        plain = _CODE_SPAN.sub(lambda m: m.group(0) if _RAW_ATTR.match(
            line[m.end():m.end() + 8]) else "``", line)
        if (m := _RAW_ATTR.search(plain)) or (m := _RAW_TAG.search(plain)):
            raise InputError(
                "Roher HTML- oder Typst-Code ist in diesem Text nicht erlaubt "
                f"(„{plain[m.start():m.start() + 30].strip()}“); bitte nur Markdown schreiben. "
                "Ein Zeichen „<“ als Text schreibt man „\\<“.",
                file=file, line=no, column=m.start() + 1,
            )
        if m := _SHORTCODE.search(plain):
            raise InputError(
                f"Der Quarto-Shortcode „{m.group(0).strip()}“ ist in diesem Text nicht erlaubt "
                "(nur {{< meta … >}}).",
                file=file, line=no, column=m.start() + 1,
            )
        for pattern in _LINK_TARGETS:
            for m in pattern.finditer(plain):
                target = m.group(1)
                # as pandoc reads it: entities decoded, backslash escapes and blanks dropped
                bare = re.sub(r"[\\\s\x00-\x1f]", "", _html.unescape(target))
                scheme = _SCHEME.match(bare)
                if (scheme and scheme.group(1).lower() not in _SAFE_SCHEMES) or bare.startswith("//"):
                    raise InputError(
                        f"Der Link „{target[:60]}“ ist nicht erlaubt: Links müssen mit https: "
                        "oder mailto: beginnen (oder auf eine Seite des Berichts zeigen).",
                        file=file, line=no, column=m.start(1) + 1,
                    )
    _check_parsed(text, file, first_line)


# What pandoc's reader makes of a text, checked on its syntax tree: the line checks above cannot
# see a link whose target stands on the next line (``[x](⏎javascript:…)``, ``[x]:⏎ javascript:…``),
# attributes that become HTML attributes (``[Text]{onclick="…"}``, ``## T {style="…"}``), or a
# citation ``@name`` that no bibliography resolves (Typst stops the PDF at the very end).
_SAFE_ATTRIBUTES = frozenset({"lang", "width", "height", "fig-alt", "fig-align"})
_ATTR_AT = {"Header": 1, "Div": 0, "Span": 0, "Link": 0, "Image": 0, "Code": 0, "CodeBlock": 0,
            "Table": 0, "Figure": 0}


def _line_of(text: str, needle: str, first_line: int) -> int | None:
    needle = needle.strip().lower()
    for i, line in enumerate(text.split("\n")):
        if needle and needle in line.lower():
            return first_line + i
    return None


def _check_parsed(text: str, file, first_line: int) -> None:
    import json
    from urllib.parse import unquote

    from .errors import InputError
    from .render.pandoc import READER, run_pandoc

    ast = json.loads(run_pandoc(["-f", READER, "-t", "json"], text, f"Text {file}"))
    problems: list[tuple[str, str]] = []  # (message, text to find the line by)

    def visit(node) -> None:
        if isinstance(node, list):
            for x in node:
                visit(x)
            return
        if not isinstance(node, dict):
            return
        t, c = node.get("t"), node.get("c")
        if t in ("Link", "Image"):
            target = c[2][0]
            bare = re.sub(r"[\s\x00-\x1f]", "", unquote(target))
            scheme = _SCHEME.match(bare)
            if (scheme and scheme.group(1).lower() not in _SAFE_SCHEMES) or bare.startswith("//"):
                problems.append((
                    f"Der Link „{target[:60]}“ ist nicht erlaubt: Links müssen mit https: oder "
                    "mailto: beginnen (oder auf eine Seite des Berichts zeigen).",
                    scheme.group(1) + ":" if scheme else target))
        if t in ("RawInline", "RawBlock"):
            problems.append(("Roher HTML- oder Typst-Code ist in diesem Text nicht erlaubt; "
                             "bitte nur Markdown schreiben.", c[1][:20]))
        if t == "Cite":
            for cit in c[0]:
                cid = cit["citationId"]
                if not cid.startswith(("fig-", "tbl-")):
                    problems.append((
                        f"„@{cid}“ würde als Literaturverweis gelesen, den es im Bericht nicht "
                        "gibt (das PDF ließe sich nicht setzen). Ein @ als Text schreibt man "
                        "„\\@“.", "@" + cid))
        if t in _ATTR_AT and isinstance(c, list):
            attr = c[_ATTR_AT[t]]
            for key, _value in attr[2]:
                if key.lower() not in _SAFE_ATTRIBUTES:
                    problems.append((
                        f"Das Attribut „{key}“ ist in diesem Text nicht erlaubt (es käme als "
                        "HTML-Attribut auf die Website); erlaubt sind Klassen (.name), "
                        "Anker (#name) und " + ", ".join(sorted(_SAFE_ATTRIBUTES)) + ".",
                        key + "="))
        if isinstance(c, (list, dict)):
            visit(c)

    visit(ast["blocks"])
    if problems:
        message, needle = problems[0]
        raise InputError(message, file=file, line=_line_of(text, needle, first_line))


__all__ += ["check_authored"]


# -- the terminal -----------------------------------------------------------------------------
_TERMINAL_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def terminal(text: str) -> str:
    """``text`` safe to print: control characters (escape sequences, bidi overrides, NUL …)
    from a binary or hostile input are shown as ``\\xNN``/``\\uNNNN``, never sent raw."""
    def show(m: re.Match) -> str:
        c = ord(m.group(0))
        return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"

    return _TERMINAL_CONTROL.sub(show, str(text))


__all__ += ["terminal"]

"""A chapter's title in a Markdown cell of the executed notebook, where Quarto looks for it.

Quarto takes a notebook's title (book navigation, chapter numbers, ``{.unnumbered}``) from
the first heading of its Markdown cells only (quarto-cli ``src/core/jupyter/jupyter-filters.ts``
``markdownFromNotebookJSON``; ``src/core/pandoc/pandoc-partition.ts``), never from outputs.
Most chapters write their title as a Markdown cell. A title that depends on the data
(``ch.md("# Befunde und Handlungsempfehlungen" if … else "# Befunde")``) can only be displayed
by a code cell; after execution it is moved from that output into a Markdown cell just before
the cell, so both renderers read the same title from the same place.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import nbformat

_HEADING = re.compile(r"^#+\s")


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _first_heading_line(text: str) -> int | None:
    for i, line in enumerate(text.splitlines()):
        if _HEADING.match(line):
            return i
    return None


_TITLE = re.compile(r"^#\s+(.+?)\s*(\{[^}]*\})?\s*$", re.MULTILINE)


def chapter_heading(source: Path) -> str | None:
    """A chapter's title as Quarto reads it: the first level-1 heading of its Markdown cells
    (or of its page), without attributes; None if there is none or the file is unreadable."""
    try:
        if source.suffix == ".ipynb":
            nb = nbformat.read(source, as_version=4)
            texts = [_text(c.source) for c in nb.cells if c.cell_type == "markdown"]
        else:
            texts = [source.read_text(encoding="utf-8")]
    except (OSError, ValueError, nbformat.reader.NotJSONError):
        return None
    for text in texts:
        m = _TITLE.search(text)
        if m:
            return m.group(1)
    return None


def title_into_markdown_cell(path: Path) -> bool:
    """Move a title displayed by a code cell into a Markdown cell; True if the file changed.

    Only when the notebook's first heading (in reading order: Markdown cells and Markdown
    outputs) is the first line of a code cell's output. Otherwise nothing changes.
    """
    nb = nbformat.read(path, as_version=4)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type in ("markdown", "raw"):
            if _first_heading_line(_text(cell.source)) is not None:
                return False  # Quarto finds the title here already
            continue
        for out_no, output in enumerate(cell.get("outputs", [])):
            md = output.get("data", {}).get("text/markdown")
            if md is None:
                continue
            text = _text(md)
            line = _first_heading_line(text)
            if line is None:
                continue
            if line != 0:
                return False  # text before the first heading: left for the renderers' check
            lines = text.splitlines()
            title, rest = lines[0], "\n".join(lines[1:]).strip("\n")
            if rest:
                output["data"]["text/markdown"] = rest
            else:
                del cell.outputs[out_no]
            ident = hashlib.sha256(f"title:{path.name}:{title}".encode()).hexdigest()[:8]
            new = nbformat.v4.new_markdown_cell(title)
            new["id"] = ident
            nb.cells.insert(index, new)
            nbformat.write(nb, path)
            return True
    return False

"""Reading a staged book: chapter list from ``_quarto.yml``, metadata from ``_edition.yml``,
and the Markdown content of executed notebooks and static pages.

The staged book (:class:`Book`) is what the pipeline writes under ``build/<ags>-<year>/`` from
the report project (:class:`integrationsbericht.project.Project`); the renderers read only it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import nbformat
import yaml

from ..errors import BuildError, ConfigError
from ..project import DEFAULTS

PACKAGED_TEMPLATES = DEFAULTS / "templates"

META_SHORTCODE = re.compile(r"\{\{<\s*meta\s+([A-Za-z0-9_.\-]+)\s*>\}\}")


@dataclass
class Chapter:
    """One entry of the book: ``index.ipynb``, ``report/<name>.ipynb`` or ``report/<name>.qmd``."""

    source: str  # path relative to the stage, POSIX style
    appendix: bool = False
    number: str | None = None  # "1", "2", … for chapters, "A", "B", … for appendices, None if unnumbered
    title: str = ""
    numbered: bool = True  # False when the chapter's heading is `# Titel {.unnumbered}`

    @property
    def page(self) -> str:
        """Output HTML page, relative to the output root."""
        return str(PurePosixPath(self.source).with_suffix(".html"))

    @property
    def directory(self) -> str:
        parent = str(PurePosixPath(self.source).parent)
        return "" if parent == "." else parent

    @property
    def is_index(self) -> bool:
        return PurePosixPath(self.source).name.startswith("index.")


@dataclass
class Book:
    """A staged book ready to render (not the report project: see ``integrationsbericht.project``)."""

    stage: Path
    chapters: list[Chapter]
    meta: dict  # the `edition:` map of _edition.yml
    templates: Path
    config: dict = field(default_factory=dict)
    raw_meta: dict = field(default_factory=dict)  # _edition.yml as written (for {{< meta … >}})

    @property
    def pdf_name(self) -> str:
        return self.meta["pdf_name"]

    @property
    def title(self) -> str:
        """The report's title, ``book.title`` of _quarto.yml (as Quarto uses it)."""
        return str(self.config["book"]["title"])

    @property
    def subtitle(self) -> str | None:
        value = (self.config.get("book") or {}).get("subtitle")
        return str(value) if value else None


def _entries(items, key: str) -> list[str]:
    out: list[str] = []
    for item in items or []:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict):
            if "href" in item or "file" in item:
                out.append(item.get("href") or item.get("file"))
            for sub in item.get("chapters", []) or []:
                out.extend(_entries([sub], key))
        else:
            raise ConfigError(f"Unbekannter Eintrag in book.{key} von _quarto.yml: {item!r}")
    return out


def _read_yaml(path: Path) -> dict:
    try:
        with path.open(encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except FileNotFoundError:
        raise BuildError(f"Die Datei {path.name} fehlt im Build-Verzeichnis.", file=path) from None
    except yaml.YAMLError as err:
        raise ConfigError(f"Die Datei {path.name} ist kein gültiges YAML: {err}", file=path) from None
    if not isinstance(data, dict):
        raise ConfigError(f"Die Datei {path.name} enthält keine Zuordnung von Schlüsseln.", file=path)
    return data


def find_templates(stage: Path) -> Path:
    """The ``templates/`` folder of the stage, else the packaged one."""
    for candidate in (stage / "templates", PACKAGED_TEMPLATES):
        if (candidate / "typst" / "typst-template.typ").is_file():
            return candidate
    raise BuildError(
        "Die Vorlagen (Ordner templates/ mit typst/typst-template.typ) wurden nicht gefunden.",
        file=stage / "templates",
    )


REQUIRED_META = ("title", "city", "year", "pdf_name")
# The one top-level key of _edition.yml. Quarto merges this metadata file into every chapter,
# so the edition's values must not sit on keys Quarto reserves (title, subtitle, logo, …).
EDITION_KEY = "edition"

# The first heading of a chapter, found line by line as Quarto's book code finds it
# (quarto-cli src/core/pandoc/pandoc-partition.ts, markdownWithExtractedHeading: the first line
# starting with "#" and a space; optional attributes "{#id .unnumbered}" at its end).
_HEADING_RE = re.compile(r"^(#+)\s+(.*?)(?:\s*\{([^{}]*)\})?\s*$")


def first_heading(markdown: str) -> tuple[int, str, list[str]] | None:
    """Level, text and classes of the first ATX heading of ``markdown``, else None."""
    for line in markdown.splitlines():
        h = _HEADING_RE.match(line)
        if h:
            classes = [c[1:] for c in (h.group(3) or "").split() if c.startswith(".")]
            return len(h.group(1)), h.group(2).strip(), classes
    return None


def _source_heading(stage: Path, chapter: Chapter) -> tuple[str, list[str]]:
    """The chapter's title heading as Quarto finds it for the book's navigation and numbering.

    Quarto reads a notebook's title from its Markdown cells only (quarto-cli
    ``src/core/jupyter/jupyter-filters.ts``, ``markdownFromNotebookJSON``), never from the
    outputs; a heading that only a code cell displays leaves the chapter without a title in
    Quarto's sidebar. Both renderers therefore require it in a Markdown cell.
    """
    path = stage / chapter.source
    if path.suffix == ".ipynb":
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception as err:  # nbformat raises several unrelated types
            raise BuildError(f"Das Notebook kann nicht gelesen werden: {err}", file=path) from None
        text = "\n\n".join(_text(c.source) for c in nb.cells if c.cell_type in ("markdown", "raw"))
    else:
        text = path.read_text(encoding="utf-8")
    found = first_heading(text)
    if found is None or found[0] != 1:
        where = " in einer Markdown-Zelle" if path.suffix == ".ipynb" else ""
        raise BuildError(
            f"Das Kapitel {chapter.source} beginnt nicht mit einer Überschrift der Ebene 1 "
            f"(# Titel){where}. Quarto nimmt die erste Überschrift als Kapiteltitel und liest "
            "sie nur aus Markdown-Zellen, nicht aus den Ausgaben von Code-Zellen.",
            file=path,
        )
    return found[1], found[2]


def load_book(stage: Path) -> Book:
    stage = Path(stage)
    config = _read_yaml(stage / "_quarto.yml")
    raw_meta = _read_yaml(stage / "_edition.yml")
    meta = raw_meta.get(EDITION_KEY)
    if not isinstance(meta, dict):
        raise ConfigError(
            f"In _edition.yml fehlt der Abschnitt „{EDITION_KEY}:“ mit den Angaben der Ausgabe "
            "(Stadt, Jahr, Farben …); er ist der einzige Eintrag auf oberster Ebene.",
            file=stage / "_edition.yml",
        )
    missing = [k for k in REQUIRED_META if not meta.get(k)]
    if missing:
        raise ConfigError(
            "In _edition.yml fehlen Angaben: " + ", ".join(f"{EDITION_KEY}.{k}" for k in missing),
            file=stage / "_edition.yml",
        )
    if not (config.get("book") or {}).get("title"):
        raise ConfigError("In _quarto.yml fehlt der Titel des Berichts (book.title).",
                          file=stage / "_quarto.yml")
    pdf_name = str(meta["pdf_name"])
    if "/" in pdf_name or "\\" in pdf_name or not pdf_name.lower().endswith(".pdf"):
        raise ConfigError(
            f"pdf_name muss ein einfacher Dateiname auf .pdf sein, nicht „{pdf_name}“.",
            file=stage / "_edition.yml",
        )
    book = config.get("book") or {}
    chapters = [Chapter(s) for s in _entries(book.get("chapters"), "chapters")]
    chapters += [Chapter(s, appendix=True) for s in _entries(book.get("appendices"), "appendices")]
    if not chapters:
        raise ConfigError("_quarto.yml enthält keine Kapitel (book.chapters).", file=stage / "_quarto.yml")
    seen = set()
    main_no, app_no = 0, 0
    for ch in chapters:
        if ch.source in seen:
            raise ConfigError(f"Das Kapitel {ch.source} steht doppelt in _quarto.yml.", file=stage / "_quarto.yml")
        seen.add(ch.source)
        if not (stage / ch.source).is_file():
            raise BuildError(f"Das Kapitel {ch.source} fehlt im Build-Verzeichnis.", file=stage / ch.source)
        # numbered as Quarto numbers book chapters: unless the heading is {.unnumbered}
        _, classes = _source_heading(stage, ch)
        if "unnumbered" in classes:
            ch.numbered = False
            continue
        if ch.appendix:
            ch.number = chr(ord("A") + app_no)
            app_no += 1
        else:
            main_no += 1
            ch.number = str(main_no)
    return Book(stage=stage, chapters=chapters, meta=meta, templates=find_templates(stage), config=config,
                raw_meta=raw_meta)


def _meta_lookup(meta: dict, key: str):
    value = meta
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def expand_meta_shortcodes(text: str, meta: dict, source: str) -> str:
    """Replace ``{{< meta key >}}`` as Quarto does; unknown keys are an error."""

    def repl(m: re.Match) -> str:
        value = _meta_lookup(meta, m.group(1))
        if value is None or isinstance(value, (dict, list)):
            raise BuildError(
                f"Die Seite {source} verwendet {{{{< meta {m.group(1)} >}}}}, "
                "aber dieser Wert fehlt in _edition.yml."
            )
        if isinstance(value, bool):
            return "ja" if value else "nein"
        return str(value)

    return META_SHORTCODE.sub(repl, text)


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def notebook_markdown(path: Path) -> str:
    """Markdown of an executed notebook: markdown cells and ``text/markdown`` outputs, in order.

    Code, stdout/stderr, images and ``text/plain`` outputs are ignored (the report never shows
    code; figures come as Markdown that points at the saved figure files).
    """
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as err:  # nbformat raises several unrelated types
        raise BuildError(f"Das Notebook kann nicht gelesen werden: {err}", file=path) from None
    parts: list[str] = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            parts.append(_text(cell.source))
        elif cell.cell_type == "code":
            for output in cell.get("outputs", []):
                if output.get("output_type") in ("display_data", "execute_result"):
                    md = output.get("data", {}).get("text/markdown")
                    if md is not None:
                        parts.append(_text(md))
    return "\n\n".join(p.strip("\n") for p in parts if p.strip()) + "\n"


def chapter_markdown(project: Book, chapter: Chapter) -> str:
    path = project.stage / chapter.source
    if path.suffix == ".ipynb":
        return notebook_markdown(path)
    text = path.read_text(encoding="utf-8")
    return expand_meta_shortcodes(text, project.raw_meta, chapter.source)

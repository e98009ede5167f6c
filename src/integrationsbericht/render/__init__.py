"""Rendering the staged report: Quarto when installed, otherwise pandoc + Typst.

Public API::

    render(stage, out, renderer="auto", formats={"html", "pdf"}, log=None)
    which_renderer(requested) -> "quarto" | "pandoc"
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable
from pathlib import Path

from ..errors import BuildError, ConfigError
from .book import load_book

__all__ = ["render", "which_renderer", "RENDERERS", "FORMATS"]

RENDERERS = ("auto", "quarto", "pandoc")
FORMATS = frozenset({"html", "pdf"})


def which_renderer(requested: str = "auto") -> str:
    """``auto`` → ``quarto`` if a recent enough ``quarto`` is on PATH, else ``pandoc``.

    Explicit choices are checked: ``quarto`` needs Quarto 1.9.20 or newer (German error
    naming the version found and the version needed).
    """
    if requested not in RENDERERS:
        raise ConfigError(
            f"Unbekannter Renderer „{requested}“; erlaubt sind: auto, quarto, pandoc."
        )
    if requested == "pandoc":
        return requested
    from .quarto import check_quarto_version

    quarto = shutil.which("quarto")
    if requested == "auto":
        if quarto is None:
            return "pandoc"
        try:
            check_quarto_version(quarto)
        except BuildError:
            return "pandoc"  # an older Quarto is not used automatically
        return "quarto"
    if quarto is None:
        raise BuildError(
            "Der Renderer quarto wurde gewählt, aber Quarto ist nicht installiert.",
            hint="Quarto installieren (siehe docs/render.md) oder --renderer pandoc verwenden.",
        )
    check_quarto_version(quarto)
    return requested


def render(
    stage: Path,
    out: Path,
    *,
    renderer: str = "auto",
    formats: Iterable[str] = FORMATS,
    log: Callable[[str], None] | None = None,
) -> None:
    """Render the staging project ``stage`` into the (empty) folder ``out``.

    Writes ``index.html`` and one page per chapter (same relative path as its source),
    the chapters' ``files/``, ``downloads/`` and exactly one PDF named ``pdf_name`` from
    ``_edition.yml``. Errors are ``BuildError``/``ConfigError`` with a German message.
    """
    formats = set(formats)
    unknown = formats - FORMATS
    if not formats or unknown:
        raise ConfigError(
            "Unbekanntes Ausgabeformat: " + ", ".join(sorted(unknown) or ["(keins)"])
            + "; erlaubt sind html und pdf."
        )
    stage, out = Path(stage), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    chosen = which_renderer(renderer)
    logger = log or (lambda _msg: None)
    project = load_book(stage)
    logger(f"Renderer: {chosen}")
    if chosen == "quarto":
        from .quarto import render_quarto

        render_quarto(project, out, formats, logger)
    else:
        from .pandoc import render_pandoc

        render_pandoc(project, out, formats, logger)

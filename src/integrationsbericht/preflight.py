"""Checks that need no computation, run by ``build`` *before* its expensive work and by ``check``.

``build`` used to find a low-contrast colour or a missing logo only when rendering, after a
minute of chapter execution, while ``check`` passed. Everything here is one function,
:func:`preflight`, that both commands call; the data checks are the data stage itself
(``pipeline.prepare_inputs``), which ``check`` runs into a temporary folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from .config import resolve as resolve_path
from .errors import ConfigError

Log = Callable[[str], None]


def check_branding(ed, project_root: Path) -> None:
    """Colours (WCAG contrast) and the logo (present, SVG/PNG/JPEG, readable, with a size)."""
    from .render.pandoc import edition_colors, image_size

    b = ed.config.branding
    edition_colors({"primary_color": b.primary_color, "accent_color": b.accent_color,
                    "text_color": b.text_color})
    if b.logo:
        logo = resolve_path(b.logo, project_root)
        if not logo.is_file():
            raise ConfigError("Die Logo-Datei aus branding.logo fehlt.", file=logo)
        if logo.suffix.lower() not in (".svg", ".png", ".jpg", ".jpeg"):
            raise ConfigError(f"Das Logo muss SVG, PNG oder JPEG sein: {logo.name}", file=logo)
        image_size(logo)


def check_authored_texts(ed, project, toc) -> None:
    """Static pages, chapter texts and recommendations: Markdown without raw HTML/Typst and
    with only https:/mailto: links (the same readers the chapters use)."""
    from . import findings, texts
    from .escaping import check_authored

    for entry in toc:
        if not entry.is_notebook and entry.source.is_file():
            check_authored(entry.source.read_text(encoding="utf-8"), entry.source)
        texts.read(texts.text_path(project.root, entry.name))
    findings.read_recommendations(findings.recommendations_path(ed))


def preflight(ed, project, log: Log | None = None) -> None:
    """Everything ``build`` would reject that needs no computation."""
    from .pipeline import read_toc

    log = log or (lambda _m: None)
    check_branding(ed, project.root)
    toc = read_toc(project)
    for entry in toc:
        if not entry.source.exists():
            raise ConfigError(f"'{entry.path}' aus _quarto.yml fehlt.", file=entry.source)
    check_authored_texts(ed, project, toc)
    log(f"Gestaltung (Farben, Logo), Inhaltsverzeichnis ({len(toc)} Einträge) und Texte der "
        "Verwaltung: in Ordnung.")


__all__ = ["preflight", "check_branding", "check_authored_texts"]

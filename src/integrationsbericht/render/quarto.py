"""Quarto renderer: ``quarto render`` on the staging book project (HTML book site + Typst PDF)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from ..errors import BuildError
from .pandoc import source_date_epoch
from .project import Project

QUARTO_FORMATS = {"html": "html", "pdf": "typst"}


def quarto_command(quarto: str, stage: Path, out: Path, formats: set[str]) -> list[str]:
    """The ``quarto render`` command line for a staging project.

    One call renders all requested formats of the book (``--to html`` / ``--to typst`` only
    when a single format is wanted), so Quarto never cleans away the other format's output.
    """
    cmd = [quarto, "render", str(stage), "--output-dir", str(out)]
    wanted = sorted(QUARTO_FORMATS[f] for f in formats)
    if len(wanted) == 1:
        cmd += ["--to", wanted[0]]
    return cmd


def _tail(text: str, lines: int = 20) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def collect_pdf(out: Path, pdf_name: str) -> Path:
    """Leave exactly one PDF, named ``pdf_name``, at the top of ``out``."""
    pdfs = sorted(p for p in out.rglob("*.pdf") if "downloads" not in p.relative_to(out).parts)
    if not pdfs:
        raise BuildError("Quarto hat kein PDF erzeugt (Format typst).")
    if len(pdfs) > 1:
        names = ", ".join(str(p.relative_to(out)) for p in pdfs)
        raise BuildError(f"Quarto hat mehrere PDF-Dateien erzeugt ({names}); erwartet wird genau eine.")
    target = out / pdf_name
    if pdfs[0] != target:
        shutil.move(pdfs[0], target)
    return target


def render_quarto(project: Project, out: Path, formats: set[str], log=None) -> None:
    quarto = shutil.which("quarto")
    if quarto is None:
        raise BuildError(
            "Quarto ist nicht installiert.",
            hint="Quarto von https://quarto.org/docs/download/ installieren oder --renderer pandoc verwenden.",
        )
    cmd = quarto_command(quarto, project.stage, out, formats)
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(source_date_epoch(project.meta))}
    if log:
        log("Quarto rendert den Bericht …")
    try:
        proc = subprocess.run(cmd, cwd=project.stage, capture_output=True, env=env, check=False)
    except OSError as err:
        raise BuildError(f"Quarto konnte nicht gestartet werden: {err}") from None
    if proc.returncode != 0:
        raise BuildError(
            "Quarto ist fehlgeschlagen:\n" + _tail(proc.stderr.decode("utf-8", "replace"))
        )
    if "pdf" in formats:
        collect_pdf(out, project.pdf_name)
    if "html" in formats and not (out / "index.html").is_file():
        raise BuildError("Quarto hat keine Startseite index.html erzeugt.")

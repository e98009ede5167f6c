"""Texts written by people for an edition: a foreword on the start page and an interpretation
per chapter (``report/texte/<kapitel>.md``, the foreword is ``report/texte/vorwort.md``).

The report prints such a text right after the chapter's title, in both renderers (the chapter
helper :class:`integrationsbericht.report.Chapter` inserts it). A missing file, or one that
holds only comments, prints nothing. ``new-edition`` starts the files for the next edition with
the chapter's computed findings as comments (:func:`start_files`); the texts of the previous
edition are kept in ``report/texte/<Jahr>/``.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from .errors import InputError

TEXT_DIR = Path("report") / "texte"
FOREWORD = "vorwort"
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_HEADING = re.compile(r"^#{1,6}[ \t].*$", re.M)


def file_stem(chapter: str) -> str:
    """``index`` (the start page) → ``vorwort``; every other chapter by its own name."""
    return FOREWORD if chapter == "index" else chapter


def text_path(project_root: str | Path, chapter: str) -> Path:
    return Path(project_root) / TEXT_DIR / f"{file_stem(chapter)}.md"


def read(path: str | Path) -> str | None:
    """The text without comments, headings shifted below the chapter's sections (``###``,
    unnumbered);
    ``None`` when the file is absent or holds nothing but comments and blank lines."""
    from .findings import shift_headings

    path = Path(path)
    if not path.is_file():
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise InputError("Die Datei ist nicht UTF-8-kodiert.", file=path, line=line) from None
    from .escaping import check_authored

    check_authored(text, path)  # Markdown, but no raw HTML/Typst, only https:/mailto: links
    body = _COMMENT.sub("", text).strip()
    if not body:
        return None
    # below the chapter title and before its first numbered section: headings unnumbered
    # (else "1.0.1 Einordnung"), in both renderers
    return _HEADING.sub(lambda m: m.group(0) if m.group(0).rstrip().endswith("}") else
                        m.group(0).rstrip() + " {.unnumbered}", shift_headings(body, 3))


def skeleton(chapter: str, title: str, year: int, findings: list[str]) -> str:
    """A new text file: only comments (so it prints nothing until someone writes), listing the
    chapter's computed findings as a starting point."""
    what = "Vorwort zum Bericht" if chapter == "index" else f"Einordnung zum Kapitel „{title}“"
    lines = [
        f"<!-- {what}, Ausgabe {int(year)}.",
        "",
        "     Der Text erscheint direkt unter der Überschrift, auf der Website und im PDF. Solange",
        "     hier nur Kommentare stehen, erscheint nichts. Bitte in ganzen Sätzen schreiben:",
        "     einordnen, was die Zahlen bedeuten, und nennen, was die Stadt daraus folgert.",
    ]
    if findings:
        lines += ["", "     Berechnete Befunde der letzten Ausgabe als Anregung:", ""]
        lines += [f"     - {f.replace('--', '–')}" for f in findings]
    lines += ["-->", ""]
    return "\n".join(lines)


def start_files(project_root: str | Path, chapters: dict[str, str], year: int, old_year: int,
                findings_by_chapter: dict[str, list[str]]) -> list[str]:
    """Start ``report/texte/*.md`` for ``year``: the files of ``old_year`` move to
    ``report/texte/<old_year>/``; each chapter gets a skeleton with its findings. Returns
    German messages. Nothing is overwritten: a file already in the archive stays."""
    root = Path(project_root)
    folder = root / TEXT_DIR
    folder.mkdir(parents=True, exist_ok=True)
    messages = []
    archive = folder / str(int(old_year))
    for chapter, title in chapters.items():
        path = text_path(root, chapter)
        if path.exists():
            archive.mkdir(exist_ok=True)
            kept = archive / path.name
            if kept.exists():
                messages.append(f"Text nicht verschoben, weil {kept.relative_to(root)} schon existiert: "
                                f"{path.relative_to(root)} bleibt unverändert.")
                continue
            shutil.move(str(path), kept)
            messages.append(f"Text der Ausgabe {old_year} gesichert: {kept.relative_to(root)}")
        path.write_text(skeleton(chapter, title, year, findings_by_chapter.get(chapter, [])), encoding="utf-8")
    messages.append(f"Vorlagen für Vorwort und Einordnungen je Kapitel angelegt: {(TEXT_DIR).as_posix()}/ "
                    "(mit den berechneten Befunden als Kommentar; erscheinen erst, wenn Text darin steht).")
    return messages


__all__ = ["TEXT_DIR", "FOREWORD", "file_stem", "text_path", "read", "skeleton", "start_files"]

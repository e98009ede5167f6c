"""pandoc renderer: executed notebooks → Markdown → pandoc (pypandoc-binary).

HTML: one page per chapter, from the project's page template (``templates/html/page.html``).
PDF: all chapters in one document → pandoc's Typst writer with ``templates/typst/pandoc-book.typ``
(which includes the same ``typst-template.typ`` Quarto uses) → ``typst`` package → PDF/UA-1.
"""

from __future__ import annotations

import copy
import datetime as dt
import html
import json
import os
import posixpath
import re
import shutil
import subprocess
from pathlib import Path, PurePosixPath

import jinja2
import pypandoc
import typst

from .. import fmt
from ..errors import BuildError, ConfigError
from .book import Book, Chapter, chapter_markdown

# Raw HTML/TeX/Typst in chapter text is never passed through: "<script>" stays text.
READER = "markdown-raw_html-raw_tex-raw_attribute-tex_math_dollars-tex_math_single_backslash"
FIGURE_WORD = "Abbildung"
TABLE_WORD = "Tabelle"
APPENDIX_TITLE = "Anhang"
HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT_COLORS = {"primary_color": "#1f4e79", "accent_color": "#b8d0e6", "text_color": "#1a1a1a"}
DOWNLOAD_LABELS = {
    "indikatoren.csv": "Indikatoren (CSV)",
    "indikatoren.xlsx": "Indikatoren (Excel)",
    "indikatoren_de.csv": "Indikatoren (CSV für deutsches Excel)",
    "befragung.csv": "Befragungsergebnisse (CSV)",
    "befragung.xlsx": "Befragungsergebnisse (Excel)",
    "befragung_de.csv": "Befragungsergebnisse (CSV für deutsches Excel)",
}


def _noop(_msg: str) -> None:
    pass


# ---------------------------------------------------------------- pandoc calls


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def run_pandoc(args: list[str], stdin: str, what: str) -> str:
    """Run the pandoc binary of pypandoc-binary; failures become a German ``BuildError``."""
    cmd = [pypandoc.get_pandoc_path(), *args]
    try:
        proc = subprocess.run(
            cmd, input=stdin.encode("utf-8"), capture_output=True, check=False,
            env={**os.environ, "LC_ALL": "C.UTF-8"},
        )
    except OSError as err:
        raise BuildError(f"pandoc konnte nicht gestartet werden ({what}): {err}") from None
    stderr = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0:
        raise BuildError(f"pandoc ist fehlgeschlagen ({what}):\n{_tail(stderr)}")
    unresolved = sorted(set(re.findall(r"IB-UNRESOLVED (\S+)", stderr)))
    if unresolved:
        raise BuildError(f"Unbekannte Verweise ({what}): " + ", ".join(unresolved))
    return proc.stdout.decode("utf-8")


# ---------------------------------------------------------------- AST helpers


def _walk_blocks(blocks, fn, skip_data: bool = True):
    """Call ``fn`` on every block (depth first, document order)."""
    for block in blocks:
        if not isinstance(block, dict) or "t" not in block:
            continue
        if skip_data and block["t"] == "Div" and "ib-data" in block["c"][0][1]:
            continue
        fn(block)
        t, c = block["t"], block.get("c")
        if t in ("Div", "Figure"):
            _walk_blocks(c[-1], fn, skip_data)
        elif t == "BlockQuote":
            _walk_blocks(c, fn, skip_data)
        elif t in ("BulletList",):
            for item in c:
                _walk_blocks(item, fn, skip_data)
        elif t == "OrderedList":
            for item in c[1]:
                _walk_blocks(item, fn, skip_data)


def _walk_all(node, fn):
    """Call ``fn`` on every dict element (blocks and inlines) of a JSON AST fragment."""
    if isinstance(node, dict):
        if "t" in node:
            fn(node)
        for v in node.values():
            _walk_all(v, fn)
    elif isinstance(node, list):
        for v in node:
            _walk_all(v, fn)


def stringify(node, refs: dict | None = None) -> str:
    """Plain text of AST inlines/blocks (like ``pandoc.utils.stringify``), notes left out.

    With ``refs`` (the figure/table registry) a cross-reference gives its label ("Abbildung 2").
    """
    out: list[str] = []

    def go(n):
        if isinstance(n, list):
            for x in n:
                go(x)
            return
        if not isinstance(n, dict) or "t" not in n:
            return
        t, c = n["t"], n.get("c")
        if t == "Str":
            out.append(c)
        elif t in ("Space", "SoftBreak", "LineBreak"):
            out.append(" ")
        elif t in ("Code", "Math", "RawInline"):
            out.append(c[-1])
        elif t == "Note":
            return
        elif t == "Cite":
            ids = [cit["citationId"] for cit in c[0]]
            if refs is not None and all(i in refs for i in ids):
                out.append(", ".join(refs[i]["label"] for i in ids))
            else:
                go(c[1])
        elif t in ("Link", "Image", "Span"):
            go(c[1])
        elif t == "Quoted":
            out.append("„")
            go(c[1])
            out.append("“")
        elif t in ("Para", "Plain", "Header", "Div", "BlockQuote", "Figure", "Table", "BulletList",
                   "OrderedList"):
            if t == "Header":
                go(c[2])
            elif t in ("Div", "Figure"):
                go(c[-1])
            elif t == "Table":
                go(c[1][1])
            elif t == "OrderedList":
                go(c[1])
            else:
                go(c)
            out.append(" ")
        elif isinstance(c, list):
            go(c)

    go(node)
    return re.sub(r"\s+", " ", "".join(out)).strip()


def _meta_value(value):
    """Python value → pandoc JSON MetaValue."""
    if isinstance(value, bool):
        return {"t": "MetaBool", "c": value}
    if isinstance(value, dict):
        return {"t": "MetaMap", "c": {k: _meta_value(v) for k, v in value.items()}}
    if isinstance(value, (list, tuple)):
        return {"t": "MetaList", "c": [_meta_value(v) for v in value]}
    return {"t": "MetaString", "c": "" if value is None else str(value)}


def _has_class(attr, cls: str) -> bool:
    return cls in attr[1]


# ---------------------------------------------------------------- chapters and registry


class Parsed:
    def __init__(self, chapter: Chapter, ast: dict):
        self.chapter = chapter
        self.ast = ast
        self.title = ""
        self.h1_id = ""
        self.ids: set[str] = set()


def parse_chapters(project: Book, log=_noop) -> list[Parsed]:
    parsed = []
    for ch in project.chapters:
        text = chapter_markdown(project, ch)
        ast = json.loads(run_pandoc(["-f", READER, "-t", "json"], text, f"Kapitel {ch.source}"))
        p = Parsed(ch, ast)

        def visit(b, p=p):
            if b["t"] in ("Header", "Div", "Figure", "Table", "CodeBlock") and b["c"][0]:
                attr = b["c"][1] if b["t"] == "Header" else b["c"][0]
                if attr[0]:
                    p.ids.add(attr[0])
            if b["t"] == "Header" and b["c"][0] == 1 and not p.title:
                p.title = stringify(b["c"][2])
                p.h1_id = b["c"][1][0]

        _walk_blocks(ast["blocks"], visit, skip_data=False)
        if not p.title:
            raise BuildError(
                f"Das Kapitel {ch.source} hat keine Überschrift der Ebene 1 (# Titel).",
                file=project.stage / ch.source,
            )
        ch.title = p.title
        parsed.append(p)
    return parsed


def build_registry(parsed: list[Parsed]) -> dict[str, dict]:
    """Number figures and captioned tables in document order over the whole report.

    The same order and rules as Typst's figure counters in the PDF (uncaptioned tables and
    ``.ib-data`` blocks are not counted), so "Abbildung 3" means the same figure in both.
    """
    registry: dict[str, dict] = {}
    counters = {"fig": 0, "tbl": 0}
    for p in parsed:
        def visit(b, p=p):
            if b["t"] == "Figure":
                counters["fig"] += 1
                ident = b["c"][0][0]
                if ident:
                    registry[ident] = {"kind": "fig", "number": counters["fig"], "page": p.chapter.page,
                                       "label": f"{FIGURE_WORD} {counters['fig']}"}
            elif b["t"] == "Table" and b["c"][1][1]:
                counters["tbl"] += 1
                ident = b["c"][0][0]
                if ident:
                    registry[ident] = {"kind": "tbl", "number": counters["tbl"], "page": p.chapter.page,
                                       "label": f"{TABLE_WORD} {counters['tbl']}"}

        _walk_blocks(p.ast["blocks"], visit)
    return registry


def check_references(parsed: list[Parsed], registry: dict) -> None:
    for p in parsed:
        missing: list[str] = []

        def visit(n):
            if n["t"] == "Cite":
                for cit in n["c"][0]:
                    cid = cit["citationId"]
                    if cid.startswith(("fig-", "tbl-")) and cid not in registry:
                        missing.append(cid)

        _walk_all(p.ast["blocks"], visit)
        if missing:
            raise BuildError(
                f"Das Kapitel {p.chapter.source} verweist auf nicht vorhandene Abbildungen/Tabellen: "
                + ", ".join(sorted(set(missing)))
            )


def check_images(project: Book, parsed: list[Parsed]) -> None:
    for p in parsed:
        def visit(n, p=p):
            if n["t"] == "Image":
                src = n["c"][2][0]
                if re.match(r"^[a-zA-Z][\w+.-]*:", src):
                    raise BuildError(
                        f"Das Kapitel {p.chapter.source} bindet ein externes Bild ein ({src}); "
                        "erlaubt sind nur Dateien unter files/."
                    )
                path = project.stage / p.chapter.directory / src
                if not path.is_file():
                    raise BuildError(
                        f"Die Abbildungsdatei {src} fehlt (Kapitel {p.chapter.source}).", file=path
                    )

        _walk_all(p.ast["blocks"], visit)

        def check_alt(b, p=p):
            if b["t"] != "Figure":
                return
            images: list = []
            _walk_all(b["c"][2], lambda n: images.append(n) if n["t"] == "Image" else None)
            for img in images:
                attrs = dict(img["c"][0][2])
                if not attrs.get("fig-alt", "").strip():
                    label = b["c"][0][0] or img["c"][2][0]
                    raise BuildError(
                        f"Die Abbildung {label} im Kapitel {p.chapter.source} hat keinen "
                        "Alternativtext (fig-alt); ohne ihn ist der Bericht nicht barrierefrei."
                    )

        _walk_blocks(p.ast["blocks"], check_alt)


# ---------------------------------------------------------------- colours and metadata


def _luminance(hex_color: str) -> float:
    rgb = [int(hex_color[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast_ratio(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def edition_colors(meta: dict) -> dict[str, str]:
    """Validated colours; text and primary colour need 4.5:1 against white (WCAG 2.1 AA)."""
    colors = {}
    for key, default in DEFAULT_COLORS.items():
        value = meta.get(key) or default
        if not isinstance(value, str) or not HEX_COLOR.match(value):
            raise ConfigError(f"Die Farbe {key} muss als #RRGGBB angegeben sein, nicht „{value}“.")
        colors[key] = value.lower()
    for key in ("primary_color", "text_color"):
        ratio = contrast_ratio(colors[key], "#ffffff")
        if ratio < 4.5:
            raise ConfigError(
                f"Die Farbe {key} ({colors[key]}) hat auf Weiß nur einen Kontrast von "
                f"{fmt.number(ratio, 2)}:1; für Barrierefreiheit (WCAG 2.1 AA) sind mindestens 4,5:1 nötig.",
                hint="Eine dunklere Farbe wählen.",
            )
    return colors


def source_date_epoch(meta: dict) -> int:
    """Fixed time for dates embedded in the PDF: SOURCE_DATE_EPOCH, else the data's Stand."""
    env = os.environ.get("SOURCE_DATE_EPOCH")
    if env:
        try:
            return int(env)
        except ValueError:
            raise ConfigError(f"SOURCE_DATE_EPOCH ist keine ganze Zahl: „{env}“.") from None
    stand = str(meta.get("stand") or "")
    m = re.match(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$", stand)
    if m:
        d = dt.datetime(int(m.group(3)), int(m.group(2)), int(m.group(1)), tzinfo=dt.timezone.utc)
        return int(d.timestamp())
    return int(dt.datetime(int(meta["year"]), 1, 1, tzinfo=dt.timezone.utc).timestamp())


def logo_path(project: Book) -> Path:
    logo = project.meta.get("logo")
    if logo:
        path = (project.stage / str(logo)).resolve()
        if not path.is_file():
            raise ConfigError(f"Die Logodatei {logo} wurde nicht gefunden.", file=path)
        if path.suffix.lower() not in (".svg", ".png", ".jpg", ".jpeg"):
            raise ConfigError(f"Das Logo muss SVG, PNG oder JPEG sein: {logo}", file=path)
        return path
    return project.templates / "logo.svg"


def _svg_length(value: str | None) -> float | None:
    m = re.match(r"^\s*([0-9.]+)\s*(px)?\s*$", value or "")
    return float(m.group(1)) if m else None


def image_size(path: Path) -> tuple[float, float]:
    """Intrinsic (width, height) of a logo: SVG viewBox/width/height, or the PNG/JPEG pixels.

    Used to size the logo by its aspect ratio (a wide wordmark stays wide).
    """
    if path.suffix.lower() == ".svg":
        import xml.etree.ElementTree as ET

        try:
            root = ET.parse(path).getroot()
        except ET.ParseError as err:
            line, column = getattr(err, "position", (None, None))
            raise ConfigError("Die Logodatei ist kein gültiges SVG (kein wohlgeformtes XML).",
                              file=path, line=line, column=(column + 1) if column is not None else None,
                              ) from None
        w, h = _svg_length(root.get("width")), _svg_length(root.get("height"))
        box = (root.get("viewBox") or "").replace(",", " ").split()
        if (not w or not h) and len(box) == 4:
            try:
                w, h = float(box[2]), float(box[3])
            except ValueError:
                w = h = None
        if not w or not h:
            raise ConfigError(
                "Das SVG-Logo braucht eine Größe (viewBox oder width/height), damit es im "
                "richtigen Seitenverhältnis erscheint.", file=path)
        return w, h
    from PIL import Image

    try:
        with Image.open(path) as img:
            img.load()  # the whole image: a truncated file would break the PDF at the very end
            return float(img.width), float(img.height)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ConfigError("Die Logodatei ist kein lesbares PNG- oder JPEG-Bild.", file=path) from None


LOGO_HEIGHT_PX = 48
LOGO_MAX_WIDTH_PX = 240


def logo_box(path: Path) -> dict[str, int]:
    """HTML width/height of the header logo: fixed height, width from the aspect ratio."""
    w, h = image_size(path)
    height = LOGO_HEIGHT_PX
    width = round(height * w / h)
    if width > LOGO_MAX_WIDTH_PX:
        width, height = LOGO_MAX_WIDTH_PX, max(1, round(LOGO_MAX_WIDTH_PX * h / w))
    return {"width": width, "height": height}


def _initial(meta: dict) -> str:
    """The letter of the site icon: the initial of the place's own name ("G" for the Kreis
    Gütersloh, not the "K" of "Kreis")."""
    from ..german import place

    name = str(meta.get("city") or "").strip()
    return ((place(name).short if name else "") or "I")[0].upper()


def favicon_svg(meta: dict) -> str:
    """The site icon: the city's initial in white on the edition's primary colour."""
    color = edition_colors(meta)["primary_color"]
    letter = html.escape(_initial(meta))
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
        f'<rect width="32" height="32" rx="6" fill="{color}"/>'
        '<text x="16" y="23" text-anchor="middle" font-family="DejaVu Sans, Arial, sans-serif" '
        f'font-size="20" font-weight="bold" fill="#ffffff">{letter}</text></svg>\n'
    )


def write_favicons(meta: dict, folder: Path) -> None:
    """``favicon.svg`` and a 32×32 ``favicon.png`` (for browsers without SVG icons)."""
    from PIL import Image, ImageDraw, ImageFont

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "favicon.svg").write_text(favicon_svg(meta), encoding="utf-8")
    color = edition_colors(meta)["primary_color"]
    size = 128
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle((0, 0, size - 1, size - 1), radius=24, fill=color)
    letter = _initial(meta)
    try:
        font = ImageFont.truetype("DejaVuSans-Bold.ttf", 84)
    except OSError:
        font = ImageFont.load_default(size=84)
    draw.text((size / 2, size / 2 + 4), letter, fill="#ffffff", font=font, anchor="mm")
    img = img.resize((32, 32), Image.LANCZOS)
    buf = folder / "favicon.png"
    img.save(buf, format="PNG", optimize=False)


# ---------------------------------------------------------------- PDF


def _unique_ids(parsed: list[Parsed]) -> dict[str, dict[str, str]]:
    """Per chapter: renamed ids, so that all ids are unique in the one PDF document.

    Each HTML page has its own ids, but in the PDF all chapters are one Typst document and a
    label may occur once only (two chapters with a section "Diskriminierung" both get the id
    ``diskriminierung``). A later duplicate becomes ``<chapter>--<id>``. Figure and table ids
    (``fig-…``, ``tbl-…``) are referenced across chapters and must be unique anyway.
    """
    seen: set[str] = set()
    renames: dict[str, dict[str, str]] = {}
    for p in parsed:
        ordered: list[str] = []

        def visit(b):
            if b["t"] in ("Header", "Div", "Figure", "Table", "CodeBlock"):
                attr = b["c"][1] if b["t"] == "Header" else b["c"][0]
                if attr[0]:
                    ordered.append(attr[0])

        _walk_blocks(p.ast["blocks"], visit, skip_data=False)
        renames[p.chapter.source] = {}
        stem = PurePosixPath(p.chapter.source).stem
        for ident in dict.fromkeys(ordered):
            if ident not in seen:
                seen.add(ident)
                continue
            # keep the fig-/tbl- prefix: references within the chapter follow the renamed copy
            prefix = ident[:4] if ident.startswith(("fig-", "tbl-")) else ""
            base = f"{prefix}{stem}--{ident[len(prefix):]}"
            new, n = base, 2
            while new in seen:
                new, n = f"{base}-{n}", n + 1
            seen.add(new)
            renames[p.chapter.source][ident] = new
    return renames


def _pdf_ast(project: Book, parsed: list[Parsed], logo_rel: str) -> dict:
    renames = _unique_ids(parsed)
    ids_of = {p.chapter.source: p.ids for p in parsed}
    chapter_ids = {p.chapter.source: renames[p.chapter.source].get(p.h1_id, p.h1_id) for p in parsed}
    blocks: list = []
    appendix_started = False
    for p in parsed:
        ch = p.chapter
        ast = copy.deepcopy(p.ast)
        if ch.appendix and not appendix_started:
            appendix_started = True
            # the same call Quarto's Typst book filter makes before the first appendix
            blocks.append({"t": "RawBlock", "c": [
                "typst", f'#show: appendices.with("{APPENDIX_TITLE}", hide-parent: true)']})
        own = renames[ch.source]

        def fix(n, ch=ch, own=own):
            t = n["t"]
            if t in ("Header", "Div", "Figure", "Table", "CodeBlock", "Span"):
                attr = n["c"][1] if t == "Header" else n["c"][0]
                if attr[0] in own:
                    attr[0] = own[attr[0]]
            if t == "Cite":
                for cit in n["c"][0]:
                    if cit["citationId"] in own:
                        cit["citationId"] = own[cit["citationId"]]
            if t == "Header":
                # an unnumbered chapter ("# Das Wichtigste in Kürze {.unnumbered}") keeps all of
                # its sections unnumbered, as Quarto does (quarto-cli
                # src/resources/filters/quarto-pre/book-numbering.lua); chapters start at 1
                if not ch.numbered and "unnumbered" not in n["c"][1][1]:
                    n["c"][1][1].append("unnumbered")
            elif t == "Image":
                src = n["c"][2][0]
                n["c"][2][0] = posixpath.normpath(posixpath.join(ch.directory, src))
            elif t == "Link":
                target = n["c"][2][0]
                if re.match(r"^[a-zA-Z][\w+.-]*:", target):
                    return
                path, _, frag = target.partition("#")
                new = None
                if not path and frag in ids_of[ch.source]:
                    new = "#" + own.get(frag, frag)
                elif path:
                    joined = posixpath.normpath(posixpath.join(ch.directory, path))
                    src = re.sub(r"\.(html|qmd)$", ".ipynb", joined)
                    for cand in (joined, src, re.sub(r"\.ipynb$", ".qmd", src)):
                        if cand in chapter_ids:
                            if frag and frag in ids_of[cand]:
                                new = "#" + renames[cand].get(frag, frag)
                            elif chapter_ids[cand]:
                                new = "#" + chapter_ids[cand]
                if new is None:
                    # a file link (CSV, Excel) has no meaning in print: keep the text only
                    n["t"] = "Span"
                    n["c"] = [["", [], []], n["c"][1]]
                else:
                    n["c"][2][0] = new

        _walk_all(ast["blocks"], fix)
        blocks.extend(ast["blocks"])
    # The same metadata Quarto gives the Typst partials: the book's title and subtitle, the
    # document language, and the edition's own values under `edition`.
    edition = dict(project.meta)
    edition["logo"] = logo_rel
    edition.update(edition_colors(project.meta))
    edition.pop("sources", None)
    meta = {
        "title": project.title,
        "subtitle": project.subtitle,
        "lang": project.config.get("lang") or "de",
        "edition": {k: v for k, v in edition.items() if v is not None},
    }
    return {
        "pandoc-api-version": parsed[0].ast["pandoc-api-version"],
        "meta": {k: _meta_value(v) for k, v in meta.items() if v is not None},
        "blocks": blocks,
    }


def render_pdf(project: Book, parsed: list[Parsed], out: Path, log=_noop) -> Path:
    stage = project.stage
    tpl = project.templates
    logo = logo_path(project)
    try:
        logo_rel = logo.relative_to(stage.resolve()).as_posix()
    except ValueError:
        # logo outside the stage (repository templates): copy it under the Typst root
        work = stage / "_ib_render"
        work.mkdir(exist_ok=True)
        shutil.copyfile(logo, work / ("logo" + logo.suffix.lower()))
        logo_rel = f"_ib_render/logo{logo.suffix.lower()}"
    ast = _pdf_ast(project, parsed, logo_rel)
    log("PDF: Kapitel werden für Typst aufbereitet …")
    typ_src = run_pandoc(
        ["-f", "json", "-t", "typst", "--wrap=preserve",
         "--template", str(tpl / "typst" / "pandoc-book.typ"),
         "--lua-filter", str(tpl / "filters" / "integrationsbericht.lua")],
        json.dumps(ast, ensure_ascii=False), "PDF",
    )
    typ_path = stage / "_ib_book.typ"
    typ_path.write_text(typ_src, encoding="utf-8")
    font_paths = [str(p) for p in (tpl / "fonts",) if p.is_dir()]
    log("PDF wird gesetzt (Typst, PDF/UA-1) …")
    pdf = _compile_typst(typ_path, project, font_paths)  # on error the .typ stays for inspection
    typ_path.unlink()
    shutil.rmtree(stage / "_ib_render", ignore_errors=True)
    target = out / project.pdf_name
    target.write_bytes(pdf)
    return target


def _compile_typst(typ_path: Path, project: Book, font_paths: list[str]) -> bytes:
    stage = project.stage
    try:
        return typst.compile(
            str(typ_path), root=str(stage), font_paths=font_paths,
            pdf_standards=["ua-1"], timestamp=source_date_epoch(project.meta),
        )
    except typst.TypstError as err:
        detail = getattr(err, "diagnostic", None) or str(err)
        hints = "\n".join(getattr(err, "hints", None) or [])
        raise BuildError(
            f"Typst konnte das PDF nicht setzen:\n{_tail(str(detail), 20)}" + (f"\n{hints}" if hints else ""),
            file=typ_path,
        ) from None


# ---------------------------------------------------------------- HTML


def _rel(from_page: str, target: str) -> str:
    start = posixpath.dirname(from_page) or "."
    return posixpath.relpath(target, start)


def _add_table_scopes(fragment: str) -> str:
    return re.sub(r"<th(?=[\s>])(?![^>]*\bscope=)", '<th scope="col"', fragment)


def _search_entries(p: Parsed, refs: dict) -> list[dict]:
    """Sections (level 1 and 2) of a chapter with their plain text, for the offline search."""
    entries: list[dict] = []
    current = {"t": p.title, "s": "", "u": p.chapter.page, "x": []}
    for block in p.ast["blocks"]:
        if block["t"] == "Div" and _has_class(block["c"][0], "ib-data"):
            continue
        if block["t"] == "Header" and block["c"][0] == 2:
            entries.append(current)
            ident = block["c"][1][0]
            current = {"t": p.title, "s": stringify(block["c"][2], refs),
                       "u": p.chapter.page + (f"#{ident}" if ident else ""), "x": []}
            continue
        current["x"].append(stringify(block, refs))
    entries.append(current)
    for e in entries:
        e["x"] = " ".join(x for x in e["x"] if x)[:4000]
    return [e for e in entries if e["x"] or e["s"]]


def write_search_index(parsed: list[Parsed], refs: dict, path: Path) -> None:
    entries = [e for p in parsed for e in _search_entries(p, refs)]
    data = json.dumps(entries, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    data = data.replace("</", "<\\/")
    path.write_text(f"window.IB_SEARCH_INDEX = {data};\n", encoding="utf-8")


def _environment(tpl: Path) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(tpl / "html")),
        autoescape=True, undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
    )


def render_html(project: Book, parsed: list[Parsed], registry: dict, out: Path,
                pdf: Path | None, log=_noop) -> None:
    stage, tpl = project.stage, project.templates
    meta = project.meta
    colors = edition_colors(meta)
    assets = out / "_assets"
    assets.mkdir(parents=True, exist_ok=True)
    for name in ("ib.css", "ib.js"):
        shutil.copyfile(tpl / "html" / name, assets / name)
    write_favicons(meta, assets)
    logo = logo_path(project)
    logo_name = "logo" + logo.suffix.lower()
    shutil.copyfile(logo, assets / logo_name)
    logo_dims = logo_box(logo)
    write_search_index(parsed, registry, assets / "search-index.js")

    downloads = []
    dl_dir = stage / "downloads"
    if dl_dir.is_dir():
        for f in sorted(dl_dir.iterdir()):
            if f.is_file():
                downloads.append({"name": f.name, "label": DOWNLOAD_LABELS.get(f.name, f.name),
                                  "size": fmt.file_size(f)})

    env = _environment(tpl)
    page_tpl = env.get_template("page.html")
    chapters = [p.chapter for p in parsed]
    for i, p in enumerate(parsed):
        ch = p.chapter
        log(f"HTML: {ch.title}")
        refs = {ident: {"label": r["label"], "href": _rel(ch.page, r["page"]) + "#" + ident}
                for ident, r in registry.items()}
        ast = copy.deepcopy(p.ast)
        ast["meta"]["ib-refs"] = _meta_value(refs)
        ast["meta"]["ib-chapter-number"] = _meta_value(ch.number or "")
        body = run_pandoc(
            ["-f", "json", "-t", "html5", "--wrap=none", "--reference-location=document",
             "--lua-filter", str(tpl / "filters" / "integrationsbericht.lua")],
            json.dumps(ast, ensure_ascii=False), f"HTML {ch.source}",
        )
        root = _rel(ch.page, "index.html")[: -len("index.html")]
        nav = [{"title": c.title, "number": c.number, "href": _rel(ch.page, c.page),
                "current": c is ch, "appendix": c.appendix} for c in chapters]
        prev_ch = chapters[i - 1] if i > 0 else None
        next_ch = chapters[i + 1] if i + 1 < len(chapters) else None
        page = page_tpl.render(
            lang=project.config.get("lang") or "de",
            title=project.title, subtitle=project.subtitle, city=str(meta["city"]),
            year=str(meta["year"]), stand=meta.get("stand"), publisher=meta.get("publisher"),
            demo=bool(meta.get("demo")), colors=colors, font=meta.get("font"),
            root=root, logo=root + "_assets/" + logo_name, logo_box=logo_dims,
            chapter={"title": ch.title, "number": ch.number, "is_index": ch.is_index},
            body=jinja2.filters.Markup(_add_table_scopes(body)),
            nav=nav,
            main_nav=[n for n in nav if not n["appendix"]],
            appendix_nav=[n for n in nav if n["appendix"]],
            prev={"title": prev_ch.title, "number": prev_ch.number, "href": _rel(ch.page, prev_ch.page)} if prev_ch else None,
            next={"title": next_ch.title, "number": next_ch.number, "href": _rel(ch.page, next_ch.page)} if next_ch else None,
            pdf={"href": root + pdf.name, "size": fmt.file_size(pdf)} if pdf else None,
            downloads=[{**d, "href": root + "downloads/" + d["name"]} for d in downloads],
        )
        target = out / ch.page
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page, encoding="utf-8")


def copy_assets(project: Book, out: Path) -> None:
    """Chapter figure/data files (``files/`` next to each chapter) and ``downloads/``."""
    stage = project.stage
    dirs = sorted({p.directory for p in project.chapters})
    for d in dirs:
        src = stage / d / "files"
        if src.is_dir():
            shutil.copytree(src, out / d / "files", dirs_exist_ok=True)
    if (stage / "downloads").is_dir():
        shutil.copytree(stage / "downloads", out / "downloads", dirs_exist_ok=True)


def render_pandoc(project: Book, out: Path, formats: set[str], log=_noop) -> None:
    log("Kapitel werden gelesen …")
    parsed = parse_chapters(project, log)
    registry = build_registry(parsed)
    check_references(parsed, registry)
    check_images(project, parsed)
    edition_colors(project.meta)
    pdf = None
    if "pdf" in formats:
        pdf = render_pdf(project, parsed, out, log)
    if "html" in formats:
        copy_assets(project, out)
        render_html(project, parsed, registry, out, pdf, log)

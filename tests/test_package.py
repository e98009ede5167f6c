"""The tool as an installed package, the report as the city's own project.

- a wheel installed into a fresh virtual environment makes and builds a project for another
  Kreis in a temporary folder, and the environment stays byte-identical;
- an upgrade of the packaged defaults reaches every chapter the city did not change, while its
  own version of a chapter stays;
- commands work on the project they are run in (a copy never changes the original).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from integrationsbericht import project as project_mod
from integrationsbericht.project import DEFAULTS, Project, merge_quarto, status_lines, toc_entries

REPO = Path(__file__).resolve().parents[1]


def _clean_env() -> dict[str, str]:
    """The environment without the worktree on PYTHONPATH: only the venv's package counts."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}


def _snapshot(folder: Path) -> dict[str, str]:
    out = {}
    for f in sorted(folder.rglob("*")):
        rel = f.relative_to(folder)
        if "__pycache__" in rel.parts or f.suffix == ".pyc":
            continue
        if f.is_symlink():
            out[str(rel)] = "->" + os.readlink(f)
        elif f.is_file():
            out[str(rel)] = hashlib.sha256(f.read_bytes()).hexdigest()
        elif f.is_dir():
            out[str(rel)] = "dir"
    return out


def _run(args, cwd: Path, env=None, timeout=1200) -> subprocess.CompletedProcess:
    res = subprocess.run([str(a) for a in args], cwd=cwd, env=env or _clean_env(),
                         capture_output=True, text=True, timeout=timeout)
    return res


@pytest.mark.shared
@pytest.mark.e2e
def test_wheel_in_a_fresh_venv_builds_another_kreis_and_leaves_the_venv_untouched(tmp_path, shared_data):
    # 1. the wheel, built from a copy of the sources (the worktree gets no build leftovers)
    src = tmp_path / "quelle"
    shutil.copytree(REPO / "src", src / "src",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copyfile(REPO / name, src / name)
    dist = tmp_path / "dist"
    res = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", dist, src], cwd=tmp_path)
    assert res.returncode == 0, res.stdout + res.stderr
    wheel = next(dist.glob("integrationsbericht-*.whl"))

    # 2. a fresh venv; the dependencies come from this environment, the tool only from the wheel
    venv = tmp_path / "venv"
    res = _run([sys.executable, "-m", "venv", "--system-site-packages", venv], cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    py, cli = venv / "bin" / "python", venv / "bin" / "integrationsbericht"
    res = _run([py, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--ignore-installed", wheel],
               cwd=tmp_path)
    assert res.returncode == 0, res.stdout + res.stderr
    res = _run([py, "-c", "import integrationsbericht, sys; print(integrationsbericht.__file__)"], cwd=tmp_path)
    installed = Path(res.stdout.strip())
    assert installed.is_relative_to(venv), f"not the wheel's package: {installed}"
    assert (installed.parent / "defaults" / "_quarto.yml").is_file()
    before = _snapshot(venv)

    # 3. outside any project: a German message, nothing written
    empty = tmp_path / "leer"
    empty.mkdir()
    res = _run([cli, "check"], cwd=empty)
    assert res.returncode == 1 and "Kein Berichtsprojekt gefunden" in res.stdout, res.stdout + res.stderr
    assert "Traceback" not in res.stdout + res.stderr and not any(empty.iterdir())

    # 4. a project for Gütersloh (a Landkreis, not Bielefeld), built where it lives
    work = tmp_path / "arbeit"
    work.mkdir()
    res = _run([cli, "init", "guetersloh", "--ags", "05754", "--year", "2015", "--data", shared_data,
                "--kontakt", "integration@example.org"], cwd=work)
    assert res.returncode == 0, res.stdout + res.stderr
    proj = work / "guetersloh"
    for f in ("config/edition.yml", "_quarto.yml", ".gitignore", "README.md", "data/raw/LIESMICH.md"):
        assert (proj / f).is_file(), f
    assert "/data/processed/" in (proj / ".gitignore").read_text(encoding="utf-8")
    res = _run([cli, "check"], cwd=proj / "data" / "raw")  # found from a subfolder, as git does
    assert res.returncode == 0, res.stdout + res.stderr
    assert "Angepasste Dateien: keine" in res.stdout
    res = _run([cli, "build", "--renderer", "pandoc"], cwd=proj)
    assert res.returncode == 0, res.stdout + res.stderr
    index = (proj / "_book" / "index.html").read_text(encoding="utf-8")
    assert "Gütersloh" in index and "Demodaten" not in index
    assert (proj / "_book" / "Integrationsbericht_Kreis_Guetersloh_2015.pdf").is_file()
    assert (proj / "data" / "processed" / "05754").is_dir() and (proj / "build").is_dir()
    # the numbers are Gütersloh's own: population 31.12.2015 as in the raw GENESIS file
    raw = next(line for line in (shared_data / "genesis" / "12411-01-01-4_00.csv").read_text(encoding="utf-8").splitlines()
               if line.startswith("05754;"))
    assert raw.split(";")[1].strip() == "Gütersloh, Kreis"
    import csv

    with open(proj / "_book" / "downloads" / "indikatoren.csv", encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["ags"] == "05754" and r["indicator"] == "bevoelkerung"
                and r["group"] == "insgesamt" and r["period"].endswith("2015")]
    assert rows and float(rows[0]["value"]) == float(raw.split(";")[2])

    # 5. nothing of it went into the environment
    after = _snapshot(venv)
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    assert not changed, f"the build wrote into the virtual environment: {changed[:10]}"


# -- the table of contents: packaged, merged with the project's changes -----------------------
def test_project_toc_keeps_new_packaged_chapters_and_applies_removals_and_order():
    packaged = {"book": {"chapters": ["index.ipynb", "report/a.ipynb", "report/b.ipynb", "report/neu.ipynb",
                                      "report/c.ipynb"],
                         "appendices": ["report/x.qmd", "report/impressum.qmd"]},
                "format": {"html": {"toc": True, "css": "a.css"}}}
    own = {"book": {"chapters": ["index.ipynb", "report/c.ipynb", "report/vorwort.qmd", "report/a.ipynb"],
                    "remove": ["report/b.ipynb", "report/x*"]},
           "format": {"html": {"css": "eigen.css"}}}
    merged = merge_quarto(packaged, own)
    # own order and own page; b and x removed; the packaged "neu" (not known to the project)
    # keeps its place after its packaged predecessor
    assert merged["book"]["chapters"] == ["index.ipynb", "report/c.ipynb", "report/vorwort.qmd",
                                          "report/a.ipynb", "report/neu.ipynb"]
    assert merged["book"]["appendices"] == ["report/impressum.qmd"]
    assert "remove" not in merged["book"]
    assert merged["format"]["html"] == {"toc": True, "css": "eigen.css"}
    assert merge_quarto(packaged, {}) == packaged


def _upgrade_project(tmp_path: Path, monkeypatch) -> tuple[Project, Path]:
    """A project with one chapter of its own, on a copy of the packaged defaults ("version 1")."""
    pkg = tmp_path / "paket"
    shutil.copytree(DEFAULTS, pkg)
    monkeypatch.setattr(project_mod, "DEFAULTS", pkg)
    root = tmp_path / "projekt"
    (root / "config").mkdir(parents=True)
    shutil.copyfile(REPO / "config" / "edition.yml", root / "config" / "edition.yml")
    shutil.copytree(REPO / "config" / "branding", root / "config" / "branding")
    proj = Project(root)
    project_mod.Record(proj).save()  # as `init` does
    path, _msg = project_mod.adapt(proj, "index")
    assert path == root / "notebooks" / "index.ipynb"
    return proj, pkg


def _add_cell(nb_path: Path, text: str) -> None:
    import nbformat

    nb = nbformat.read(nb_path, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell(text))
    nbformat.write(nb, nb_path)


def test_upgrade_updates_untouched_chapters_and_keeps_the_override(tmp_path, monkeypatch):
    proj, pkg = _upgrade_project(tmp_path, monkeypatch)
    _add_cell(proj.root / "notebooks" / "index.ipynb", "EIGENE FASSUNG DER STADT")
    own_before = (proj.root / "notebooks" / "index.ipynb").read_bytes()
    assert status_lines(proj)[1].strip() == "notebooks/index.ipynb"

    # "pip install -U": the packaged start page and population chapter change, a chapter is new
    _add_cell(pkg / "notebooks" / "index.ipynb", "NEU IN VERSION 2 (Startseite)")
    _add_cell(pkg / "notebooks" / "bevoelkerung.ipynb", "NEU IN VERSION 2 (Bevölkerung)")
    shutil.copyfile(pkg / "notebooks" / "teilhabe.ipynb", pkg / "notebooks" / "neues-kapitel.ipynb")
    quarto = yaml.safe_load((pkg / "_quarto.yml").read_text(encoding="utf-8"))
    quarto["book"]["chapters"].insert(2, "report/neues-kapitel.ipynb")
    (pkg / "_quarto.yml").write_text(yaml.safe_dump(quarto, allow_unicode=True, sort_keys=False), encoding="utf-8")

    from integrationsbericht.pipeline import read_toc

    toc = {e.name: e for e in read_toc(proj)}
    assert toc["index"].source == proj.root / "notebooks" / "index.ipynb"
    assert toc["index"].source.read_bytes() == own_before  # the override stays
    assert "NEU IN VERSION 2 (Bevölkerung)" in toc["bevoelkerung"].source.read_text(encoding="utf-8")
    assert [e.path for e in read_toc(proj)][:3] == ["index.ipynb", "report/bevoelkerung.ipynb",
                                                    "report/neues-kapitel.ipynb"]
    lines = "\n".join(status_lines(proj))
    assert "notebooks/index.ipynb – WARNUNG: das mitgelieferte Original hat sich" in lines
    assert "Neues Kapitel in dieser Version des Werkzeugs: report/neues-kapitel.ipynb (erscheint im Bericht)" in lines
    # the city has taken over the changes: the warning ends, the file is not touched
    project_mod.adapt(proj, "notebooks/index.ipynb", accept=True)
    assert "WARNUNG" not in "\n".join(status_lines(proj))
    assert (proj.root / "notebooks" / "index.ipynb").read_bytes() == own_before


@pytest.mark.shared
@pytest.mark.e2e
def test_upgrade_reaches_the_built_report(tmp_path, monkeypatch, shared_data):
    """End to end: after the packaged chapter changed, the build shows the new packaged text and
    the city's own start page."""
    proj, pkg = _upgrade_project(tmp_path, monkeypatch)
    _add_cell(proj.root / "notebooks" / "index.ipynb", "EIGENE FASSUNG DER STADT")
    (proj.root / "_quarto.yml").write_text(yaml.safe_dump(
        {"book": {"chapters": ["index.ipynb", "report/bevoelkerung.ipynb"], "appendices": [], "remove": ["*"]}}
    ), encoding="utf-8")
    _add_cell(pkg / "notebooks" / "bevoelkerung.ipynb", "NEU IN VERSION 2")
    from integrationsbericht.pipeline import build

    res = build(project=proj.root, data_dir=shared_data, year=2015, renderer="pandoc", formats=["html"],
                out=tmp_path / "site")
    assert res.chapters == ["index", "bevoelkerung"]
    assert "EIGENE FASSUNG DER STADT" in (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "NEU IN VERSION 2" in (tmp_path / "site" / "report" / "bevoelkerung.html").read_text(encoding="utf-8")
    assert (proj.root / "build").is_dir() and (proj.root / "data" / "processed").is_dir()
    assert not (pkg / "build").exists() and not (pkg / "data").exists()


def test_anpassen_refuses_to_overwrite_and_unknown_files(tmp_path, capsys):
    from integrationsbericht.cli import main

    root = tmp_path / "p"
    (root / "config").mkdir(parents=True)
    (root / "config" / "edition.yml").write_text("ags: '05711'\nyear: 2025\n", encoding="utf-8")
    assert main(["anpassen", "--project", str(root), "config/indikatoren.yml"]) == 0
    copied = root / "config" / "indikatoren.yml"
    assert copied.read_bytes() == (DEFAULTS / "config" / "indikatoren.yml").read_bytes()
    record = yaml.safe_load((root / "anpassungen.yml").read_text(encoding="utf-8"))
    assert record["dateien"]["config/indikatoren.yml"]["sha256"] == hashlib.sha256(copied.read_bytes()).hexdigest()
    copied.write_text("# eigene Fassung\n", encoding="utf-8")
    assert main(["anpassen", "--project", str(root), "config/indikatoren.yml"]) == 1
    assert copied.read_text(encoding="utf-8") == "# eigene Fassung\n"
    assert main(["anpassen", "--project", str(root), "config/gibtsnicht.yml"]) == 1
    out = capsys.readouterr().out
    assert "nicht überschrieben" in out and "keine mitgelieferte Datei" in out


def test_init_refuses_a_folder_with_files(tmp_path, capsys):
    from integrationsbericht.cli import main

    target = tmp_path / "vorhanden"
    target.mkdir()
    (target / "brief.txt").write_text("wichtig", encoding="utf-8")
    assert main(["init", str(target), "--ags", "05754"]) == 1
    assert "nicht leer" in capsys.readouterr().out
    assert [p.name for p in target.iterdir()] == ["brief.txt"]
    assert main(["init", str(tmp_path / "x"), "--ags", "5754"]) == 1
    assert not (tmp_path / "x").exists()


def test_new_edition_in_a_copy_changes_only_the_copy(tmp_path):
    copy = tmp_path / "kopie"
    for name in ("config", "report", "data/raw"):
        shutil.copytree(REPO / name, copy / name)
    original = (REPO / "config" / "edition.yml").read_bytes()
    res = subprocess.run([sys.executable, "-m", "integrationsbericht", "new-edition", "2026"], cwd=copy,
                         capture_output=True, text=True, timeout=600,
                         env={**os.environ, "PYTHONPATH": str(REPO / "src")})
    assert res.returncode == 0, res.stdout + res.stderr
    assert (REPO / "config" / "edition.yml").read_bytes() == original
    assert "year: 2026" in (copy / "config" / "edition.yml").read_text(encoding="utf-8")
    assert (copy / "config" / "ausgaben" / "edition-2025.yml").read_bytes() == original
    assert not (REPO / "config" / "ausgaben").exists()


def test_repository_is_a_project_and_the_package_folder_is_not():
    assert project_mod.find_root(REPO / "data" / "raw") == REPO
    assert project_mod.find_root(DEFAULTS / "notebooks") is None or \
        not project_mod.find_root(DEFAULTS / "notebooks").is_relative_to(project_mod.PACKAGE_DIR)
    names = [n for n, _ in toc_entries(Project(REPO).quarto())]
    assert names[0] == "index.ipynb" and "report/impressum.qmd" in names
    assert all(Project(REPO).chapter_source(n).is_file() for n in names)


@pytest.mark.e2e
def test_init_without_ags_makes_a_demo_project_that_passes_check(tmp_path, monkeypatch, capsys):
    from integrationsbericht.cli import main

    assert main(["init", str(tmp_path / "demo")]) == 0
    root = tmp_path / "demo"
    assert (root / "data" / "raw" / "DEMODATEN.txt").is_file()
    assert yaml.safe_load((root / "config" / "edition.yml").read_text(encoding="utf-8"))["year"] == 2025
    monkeypatch.chdir(root / "report")  # found from a subfolder
    capsys.readouterr()
    assert main(["check"]) == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    assert "Daten nach Stadtbezirken: geprüft" in out and "Alle Prüfungen bestanden" in out
    assert not (DEFAULTS / "data").exists() and not (DEFAULTS / "build").exists()

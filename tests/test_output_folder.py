"""The output folder is the user's: refused before any work unless empty or made by this tool;
locks the operating system releases; causes (read-only, mount point, disk full) in German.

Each bad folder here was deleted or replaced by the build before (issue 17)."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from integrationsbericht import pipeline
from integrationsbericht.cli import main
from integrationsbericht.errors import BuildError
from integrationsbericht.publishing import MARKER, OutputFolder, check_output


def _tool_folder(path: Path, files=("index.html",)) -> Path:
    """A folder as a finished build leaves it."""
    path.mkdir(parents=True)
    for f in files:
        (path / f).write_text("x", encoding="utf-8")
    (path / MARKER).write_text(
        json.dumps({"werkzeug": "integrationsbericht", "render_key": "k", "dateien": list(files)}),
        encoding="utf-8",
    )
    return path


def _build_refused(out: Path, **kw) -> str:
    with pytest.raises(BuildError) as err:
        pipeline.build(renderer="pandoc", out=out, build_root=out.parent / "b",
                       processed_root=out.parent / "p", **kw)
    assert not (out.parent / "b").exists(), "refused only after work had started"
    return str(err.value)


def test_foreign_non_empty_folder_is_refused_and_kept(tmp_path):
    out = tmp_path / "meine-dateien"
    out.mkdir()
    (out / "brief.docx").write_bytes(b"wichtig")
    msg = _build_refused(out)
    assert "nicht von integrationsbericht angelegt" in msg and str(out) in msg
    assert (out / "brief.docx").read_bytes() == b"wichtig"


def test_project_folder_and_its_parents_are_refused(tmp_path):
    proj = tmp_path / "projekt"
    (proj / ".git").mkdir(parents=True)
    (proj / "_quarto.yml").write_text("book: {}\n", encoding="utf-8")
    (proj / MARKER).write_text(json.dumps({"werkzeug": "integrationsbericht"}), encoding="utf-8")
    for out in (proj, tmp_path):
        with pytest.raises(BuildError, match="enthält|ist selbst"):
            with OutputFolder(out, protected=[proj]):
                pass
    assert (proj / ".git").is_dir() and (proj / "_quarto.yml").is_file()


def test_cli_out_at_the_project_folder_keeps_the_project(tmp_path, capsys):
    proj = tmp_path / "projekt"
    (proj / ".git").mkdir(parents=True)
    (proj / "_quarto.yml").write_text("book: {}\n", encoding="utf-8")
    rc = main(["build", "--project", str(proj), "--out", str(proj), "--renderer", "pandoc"])
    out = capsys.readouterr().out
    assert rc == 1 and ("enthält" in out or "ist selbst" in out) and "Unerwarteter" not in out
    assert (proj / ".git").is_dir() and (proj / "_quarto.yml").is_file()


def test_user_file_added_to_a_tool_folder_is_not_deleted(tmp_path):
    out = _tool_folder(tmp_path / "_book")
    (out / "notizen.txt").write_text("meins", encoding="utf-8")
    with pytest.raises(BuildError, match="notizen.txt"):
        check_output(out.resolve())
    assert (out / "notizen.txt").read_text(encoding="utf-8") == "meins"


def test_file_instead_of_folder_is_refused(tmp_path):
    out = tmp_path / "bericht"
    out.write_text("keine Ausgabe", encoding="utf-8")
    assert "eine Datei" in _build_refused(out)
    assert out.read_text(encoding="utf-8") == "keine Ausgabe"


def test_mount_point_is_refused(tmp_path, monkeypatch):
    out = _tool_folder(tmp_path / "_book")
    real = os.path.ismount
    monkeypatch.setattr(os.path, "ismount", lambda p: Path(p) == out or real(p))
    with pytest.raises(BuildError, match="Einhängepunkt"):
        check_output(out)


def test_read_only_parent_and_folder_are_named(tmp_path, monkeypatch):
    out = _tool_folder(tmp_path / "_book")
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: Path(p) != tmp_path and real(p, mode))
    with pytest.raises(BuildError, match="übergeordnete Ordner .* ist schreibgeschützt"):
        check_output(out)
    monkeypatch.setattr(os, "access", lambda p, mode: Path(p) != out and real(p, mode))
    with pytest.raises(BuildError, match="ist schreibgeschützt"):
        check_output(out)


@pytest.mark.parametrize("code, words", [
    (errno.ENOSPC, "Datenträger ist voll"),
    (errno.EROFS, "schreibgeschützt eingehängt"),
])
def test_disk_full_or_read_only_mount_during_the_build_is_named(tmp_path, monkeypatch, code, words):
    def fail(*_a, **_k):
        raise OSError(code, os.strerror(code), str(tmp_path / "p" / "x.parquet"))

    monkeypatch.setattr(pipeline, "resolve", fail)
    out = tmp_path / "_book"
    with pytest.raises(BuildError, match=words):
        pipeline.build(renderer="pandoc", out=out, build_root=tmp_path / "b", processed_root=tmp_path / "p")


def test_a_stale_lock_file_does_not_block(tmp_path):
    out = tmp_path / "_book"
    lock = tmp_path / "._book.lock"
    lock.write_text("1")  # PID 1 is alive: the old lock blocked every build forever
    with OutputFolder(out) as folder:
        assert folder.lock_file == lock


def test_a_live_lock_names_its_file_and_dies_with_its_holder(tmp_path):
    out = tmp_path / "_book"
    lock = tmp_path / "._book.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         f"import filelock,time; l=filelock.FileLock({str(lock)!r}); l.acquire(); print('ok', flush=True); time.sleep(600)"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ok"
        with pytest.raises(BuildError) as err:
            with OutputFolder(out):
                pass
        assert "läuft bereits ein Build" in str(err.value) and str(lock) in str(err.value)
    finally:
        holder.kill()
        holder.wait()
    with OutputFolder(out):  # released by the operating system
        pass


def test_builds_into_two_folders_get_their_own_staging(tmp_path):
    a, b = OutputFolder(tmp_path / "a"), OutputFolder(tmp_path / "b")
    assert a.stage_name("05711-2025") != b.stage_name("05711-2025")
    assert a.stage_name("05711-2025") == OutputFolder(tmp_path / "a").stage_name("05711-2025")


def test_publish_into_an_empty_user_folder_and_failed_render_keeps_the_output(tmp_path):
    out = tmp_path / "leer"
    out.mkdir()
    with OutputFolder(out) as folder:
        folder.publish(lambda tmp: (tmp / "index.html").write_text("1", encoding="utf-8"), "key1")
    assert (out / "index.html").read_text(encoding="utf-8") == "1"
    assert json.loads((out / MARKER).read_text(encoding="utf-8"))["dateien"] == ["index.html"]

    def broken(tmp):
        (tmp / "index.html").write_text("halb", encoding="utf-8")
        raise OSError(errno.ENOSPC, "No space left on device")

    with OutputFolder(out) as folder:
        with pytest.raises(OSError):
            folder.publish(broken, "key2")
        assert folder.render_key() == "key1"
    assert (out / "index.html").read_text(encoding="utf-8") == "1"
    assert not list(tmp_path.glob(".leer.tmp-*"))


def test_interrupted_swap_is_repaired_and_foreign_siblings_stay(tmp_path):
    out = tmp_path / "_book"
    _tool_folder(tmp_path / "._book.old-4711")  # killed between the two renames
    foreign_old = tmp_path / "._book.old-fremd"
    foreign_tmp = tmp_path / "._book.tmp-fremd"
    for d in (foreign_old, foreign_tmp):
        d.mkdir()
        (d / "eigen.txt").write_text("meins", encoding="utf-8")
    os.utime(foreign_old, (time.time() + 100, time.time() + 100))
    with OutputFolder(out):
        pass
    assert (out / "index.html").is_file()
    assert (foreign_old / "eigen.txt").is_file() and (foreign_tmp / "eigen.txt").is_file()


def test_a_marker_that_is_no_marker_of_this_tool_protects_nothing(tmp_path):
    out = tmp_path / "site"
    out.mkdir()
    (out / MARKER).write_text("", encoding="utf-8")  # accepted as an "old marker" before
    (out / "notizen.txt").write_text("meins", encoding="utf-8")
    with pytest.raises(BuildError, match="nicht von integrationsbericht angelegt"):
        check_output(out)
    assert (out / "notizen.txt").read_text(encoding="utf-8") == "meins"


def test_old_marker_keeps_files_added_after_it(tmp_path):
    out = tmp_path / "site"
    out.mkdir()
    (out / "index.html").write_text("alt", encoding="utf-8")
    (out / MARKER).write_text("a" * 64, encoding="utf-8")  # an earlier version: the key only
    past = time.time() - 60
    os.utime(out / "index.html", (past, past))
    os.utime(out / MARKER, (past + 1, past + 1))
    check_output(out)  # only the tool's files: replaced as before
    (out / ".htaccess").write_text("meins", encoding="utf-8")
    with pytest.raises(BuildError, match=r"\.htaccess"):
        check_output(out)

"""The yearly re-run: cache, safe publish under SIGKILL, the build lock, reproducible bytes.

Works on a copy of the report project with three chapters and a copy of the real GENESIS
files in a temporary folder, so that raw files can be changed without touching ../shared.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from integrationsbericht.pipeline import build
from integrationsbericht.project import DEFAULTS

pytestmark = pytest.mark.e2e

PROJECT = Path(__file__).resolve().parents[1]
CHAPTERS = ["index.ipynb", "report/bevoelkerung.ipynb", "report/rechtliche-integration.ipynb"]


def _digest(folder: Path, skip: tuple[str, ...] = ()) -> dict[str, str]:
    return {
        str(f.relative_to(folder)): hashlib.sha256(f.read_bytes()).hexdigest()
        for f in sorted(folder.rglob("*"))
        if f.is_file() and f.name not in skip
    }


@pytest.fixture(scope="module")
def workspace(tmp_path_factory, shared_data):
    root = tmp_path_factory.mktemp("rerun")
    project = root / "projekt"
    for name in ("config", "report"):
        shutil.copytree(PROJECT / name, project / name)
    have = {p.stem for p in (DEFAULTS / "notebooks").glob("*.ipynb")}
    quarto = {"book": {"chapters": [c for c in CHAPTERS if Path(c).stem in have],
                       "appendices": ["report/zeichenerklaerung.qmd"], "remove": ["*"]}}
    (project / "_quarto.yml").write_text(yaml.safe_dump(quarto, allow_unicode=True), encoding="utf-8")
    data = root / "daten"
    shutil.copytree(shared_data / "genesis", data / "genesis")
    return {"project": project, "data": data, "root": root}


def _build(ws, out: Path, **kw):
    return build(
        project=ws["project"],
        data_dir=ws["data"],
        year=2015,
        renderer="pandoc",
        out=out,
        build_root=ws["root"] / "build",
        processed_root=ws["root"] / "processed",
        **kw,
    )


def test_cache_no_change_and_one_changed_table(workspace):
    out = workspace["root"] / "site" / "_book"
    first = _build(workspace, out)
    assert first.rendered
    assert set(first.executed) == set(first.chapters) - {"zeichenerklaerung"}
    before = _digest(out)

    again = _build(workspace, out)
    assert again.executed == [] and not again.rendered
    assert _digest(out) == before

    # A new export of the naturalisation table (12511) changes one value: only the chapters
    # that use it run again (the start page uses every table; the population chapter does not).
    path = next(p for p in (workspace["data"] / "genesis").glob("12511*"))
    raw = path.read_bytes()
    lines = raw.split(b"\n")
    idx = next(i for i, line in enumerate(lines) if line.startswith(b"2015;05711;"))
    cells = lines[idx].split(b";")
    cells[3] = str(int(cells[3]) + 7).encode()
    lines[idx] = b";".join(cells)
    path.write_bytes(b"\n".join(lines))
    try:
        changed = _build(workspace, out)
    finally:
        path.write_bytes(raw)
    expected = {"index"} | ({"rechtliche-integration"} if "rechtliche-integration" in changed.chapters else set())
    assert set(changed.executed) == expected
    assert changed.rendered


def _cli_args(ws, out: Path, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "integrationsbericht", "build", "--project", str(ws["project"]),
        "--data", str(ws["data"]), "--year", "2015", "--renderer", "pandoc", "--out", str(out),
        *extra,
    ]


def test_sigkill_leaves_previous_output_and_next_run_completes(workspace):
    out = workspace["root"] / "kill" / "_book"
    _build(workspace, out)
    # The same inputs give the same bytes, so whether a killed run was stopped before or just
    # after its atomic swap, every published file must equal the previous one; a half-written
    # site would differ. (The marker holds the stage fingerprint and may change.)
    before = _digest(out, skip=(".integrationsbericht",))
    killed_at = []
    for delay in (3.0, 15.0):  # while reading the data, while executing or rendering
        proc = subprocess.Popen(_cli_args(workspace, out, "--force"), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(delay)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            killed_at.append(delay)
        proc.wait()
        assert _digest(out, skip=(".integrationsbericht",)) == before, f"output changed after SIGKILL at {delay} s"
    assert killed_at, "the build finished before it could be killed"
    res = subprocess.run(_cli_args(workspace, out), capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stdout + res.stderr
    assert (out / "index.html").is_file() and (out / "report" / "bevoelkerung.html").is_file()
    leftovers = [p.name for p in out.parent.iterdir() if p.name.startswith((".", "_book.")) and ".tmp-" in p.name]
    assert not leftovers


def test_second_build_at_the_same_time_is_refused(workspace):
    out = workspace["root"] / "lock" / "_book"
    first = subprocess.Popen(_cli_args(workspace, out, "--force"), stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        lock = out.parent / f".{out.name}.lock"
        for _ in range(100):
            if lock.exists():
                break
            time.sleep(0.1)
        assert lock.exists()
        second = subprocess.run(_cli_args(workspace, out), capture_output=True, text=True, timeout=300)
        assert second.returncode == 1
        assert "läuft bereits ein Build" in second.stdout
        assert "Traceback" not in second.stdout + second.stderr
    finally:
        first.wait(timeout=900)
    assert first.returncode == 0


def test_same_inputs_give_identical_bytes(workspace):
    a = workspace["root"] / "repro-a" / "_book"
    b = workspace["root"] / "repro-b" / "_book"
    _build(workspace, a, force=True)
    _build(workspace, b, force=True)
    da = _digest(a, skip=(".integrationsbericht",))
    db = _digest(b, skip=(".integrationsbericht",))
    assert sorted(da) == sorted(db)
    differ = [name for name in da if da[name] != db[name]]
    assert not differ, f"not reproducible: {differ}"
    assert any(n.endswith(".pdf") for n in da) and any(n.endswith(".csv") for n in da)

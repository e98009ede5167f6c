"""Ctrl-C while the chapters run stops the build within seconds, kills the chapter kernels and
leaves no output. Before issue 17 the build waited for the running chapters (half a minute)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _kernels_of(pid: int) -> list[int]:
    """Process ids of ipykernel processes whose parent is ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmd = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat[1]) == pid and b"ipykernel" in cmd:
            found.append(int(entry.name))
    return found


def test_ctrl_c_during_chapter_execution_stops_quickly(tmp_path):
    project = tmp_path / "projekt"
    shutil.copytree(REPO / "config", project / "config")
    out = tmp_path / "_book"
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "integrationsbericht", "build", "--project", str(project),
         "--data", str(REPO / "data" / "raw"), "--renderer", "pandoc", "--format", "html",
         "--jobs", "2", "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
        # a terminal delivers SIGINT; a shell's background job would ignore it
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + 600
        running = []
        while time.monotonic() < deadline and proc.poll() is None:
            running = list((project / "build").rglob(".running-*.ipynb"))
            if running:
                break
            time.sleep(0.2)
        assert running, "no chapter started"
        time.sleep(2)
        kernels = _kernels_of(proc.pid)
        assert kernels, "no chapter kernel found"
        os.kill(proc.pid, signal.SIGINT)  # only the build, as a scheduler or IDE would send it
        t0 = time.monotonic()
        output, _ = proc.communicate(timeout=120)
        stopped_after = time.monotonic() - t0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, output
    assert "Abgebrochen" in output and "Traceback" not in output
    assert stopped_after < 20, f"took {stopped_after:.0f} s to stop"
    time.sleep(1)
    assert not [k for k in kernels if Path(f"/proc/{k}").exists()
                and b"ipykernel" in Path(f"/proc/{k}/cmdline").read_bytes()], "kernels left running"
    assert not out.exists()

"""The committed demo inputs are exactly what `integrationsbericht demo-data` generates."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_demo_data_command_reproduces_committed_files(tmp_path):
    out = tmp_path / "raw"
    res = subprocess.run(
        [sys.executable, "-m", "integrationsbericht", "demo-data", "--out", str(out)],
        capture_output=True, text=True, timeout=300,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    assert "Demodateien geschrieben" in res.stdout
    generated = _files(out)
    committed = _files(PROJECT / "data" / "raw")
    assert sorted(generated) == sorted(committed)
    changed = [name for name in generated if generated[name] != committed[name]]
    assert not changed, f"regenerate with 'integrationsbericht demo-data': {changed}"
    assert "DEMODATEN.txt" in generated
    assert {"genesis", "register", "befragung"} <= {Path(n).parts[0] for n in generated}

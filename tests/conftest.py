"""Shared fixtures: the real data in ../shared/data (never copied into the repository)."""

from __future__ import annotations

from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not (SHARED_DATA / "genesis").is_dir():
        pytest.skip(
            f"Echte Daten fehlen: {SHARED_DATA} nicht gefunden "
            "(in CI immer vorhanden; lokal ../shared neben das Repository legen)."
        )
    return SHARED_DATA


@pytest.fixture(scope="session")
def project_root() -> Path:
    return PROJECT_ROOT

"""Shared fixtures: the real data in ../shared/data (never copied into the repository)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Every figure of every test build is measured (drawn bounding boxes, integrationsbericht.figures):
# any overlap of texts, legends, titles and data fails the build, naming the figure. Chapter
# kernels inherit this environment.
os.environ.setdefault("INTEGRATIONSBERICHT_STRICT_FIGURES", "1")

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


@pytest.fixture(scope="session")
def shared_book(shared_data, tmp_path_factory):
    """The Bielefeld 2015 edition built once per test session from ../shared/data (pandoc)."""
    from integrationsbericht.pipeline import build

    tmp = tmp_path_factory.mktemp("shared-book")
    return build(
        data_dir=shared_data,
        year=2015,
        renderer="pandoc",
        out=tmp / "_book",
        build_root=tmp / "build",
        processed_root=tmp / "processed",
    )


@pytest.fixture(scope="session")
def demo_book(tmp_path_factory):
    """The default demo edition (Bielefeld 2025, demo data) built once per session (pandoc)."""
    from integrationsbericht.pipeline import build

    tmp = tmp_path_factory.mktemp("demo-book")
    return build(
        renderer="pandoc",
        out=tmp / "_book",
        build_root=tmp / "build",
        processed_root=tmp / "processed",
    )


@pytest.fixture(scope="session")
def dortmund_book(shared_data, tmp_path_factory):
    """A second real edition: Dortmund 2015 from ../shared/data, another Kreis than the
    configured one (pandoc)."""
    from integrationsbericht.pipeline import build

    tmp = tmp_path_factory.mktemp("dortmund-book")
    return build(data_dir=shared_data, ags="05913", year=2015, renderer="pandoc", out=tmp / "_book",
                 build_root=tmp / "build", processed_root=tmp / "processed")

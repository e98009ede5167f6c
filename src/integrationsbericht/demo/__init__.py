"""Deterministic demo inputs for a city shaped like Bielefeld (``integrationsbericht demo-data``).

:func:`generate` writes every demo input below one folder laid out like ``data/raw/``:
``genesis/`` (official-statistics exports, :mod:`.genesis`), and – when those modules are
present – the district register extract (:mod:`.register`) and the resident survey
(:mod:`.survey`). The same seed gives byte-identical files.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from .model import DEFAULT_SEED

__all__ = ["DEFAULT_SEED", "generate"]

# Optional generators, each ``write_<name>_demo(out_dir, *, seed) -> list[Path]``.
_OPTIONAL = (
    ("register", "write_register_demo"),
    ("survey", "write_survey_demo"),
    ("measures", "write_measures_demo"),
)
MARKER = "DEMODATEN.txt"
MARKER_TEXT = (
    "Dieser Ordner enthält Demodaten, erzeugt mit 'integrationsbericht demo-data'.\n"
    "Es sind keine amtlichen Zahlen. Jede Seite eines daraus erzeugten Berichts trägt den "
    "Hinweis 'Demodaten'.\n"
)


def generate(out_dir: Path, *, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write all demo inputs into ``out_dir`` (e.g. ``data/raw``) and return the files written."""
    from .genesis import write_genesis_demo

    out_dir = Path(out_dir)
    written = list(write_genesis_demo(out_dir / "genesis", seed=seed))
    for module_name, func_name in _OPTIONAL:
        try:
            module = importlib.import_module(f"{__name__}.{module_name}")
        except ModuleNotFoundError as err:
            if err.name != f"{__name__}.{module_name}":
                raise  # the module exists but one of its own imports is missing
            continue
        written += getattr(module, func_name)(out_dir, seed=seed)
    # The marker makes every build from this folder a demo edition ("Demodaten" on every page).
    marker = out_dir / MARKER
    marker.write_text(MARKER_TEXT, encoding="utf-8")
    written.append(marker)
    return written

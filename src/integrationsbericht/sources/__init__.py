"""Readers for the raw inputs (GENESIS exports, register extract, survey file)."""

from .genesis import read_genesis, scan_regions

__all__ = ["read_genesis", "scan_regions"]

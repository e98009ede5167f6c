"""Download GENESIS tables from the statistical offices' web service (``integrationsbericht fetch``).

An ingest-stage tool: it only writes raw files (kept exactly as delivered) and their manifest
into ``<data>/genesis/``; the readers in :mod:`integrationsbericht.sources` take it from there.
"""

from .client import FetchError, GenesisClient, TableError
from .run import FetchResult, Outcome, fetch, plan_tables

__all__ = ["fetch", "plan_tables", "FetchResult", "Outcome", "GenesisClient", "FetchError", "TableError"]

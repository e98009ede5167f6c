"""Many regions in one run: ``integrationsbericht build --ags a,b | --ags-file F | --land LL``.

* :mod:`.regions`: which regions (from the command line, a file, or every Kreis of a Land
  in the data);
* :mod:`.runner`: one Dask task per region, retry, ``batch.json``/``batch.csv``;
* :mod:`.worker`: what a Dask worker runs (one region's build, warm kernels kept per worker);
* :mod:`.overview`: the overview page ``<out>/index.html`` with its downloads.
"""

from .regions import Region
from .runner import BatchResult, run_batch

__all__ = ["Region", "BatchResult", "run_batch"]

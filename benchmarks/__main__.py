"""``python -m benchmarks [--quick] [--only NAME ...]`` (see :mod:`benchmarks.run`)."""

import os

# one BLAS thread unless told otherwise: on a shared 2-core machine a multi-threaded BLAS
# oversubscribes the cores and small products become 10-100x slower; set before numpy loads
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

from .run import main  # noqa: E402

raise SystemExit(main())

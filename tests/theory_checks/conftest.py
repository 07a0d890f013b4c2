"""Theory-check tests run BLAS single-threaded: OpenBLAS eigensolvers slow down by an order
of magnitude when threads are oversubscribed on the shared 2-core machine."""

import pytest
from threadpoolctl import threadpool_limits


@pytest.fixture(autouse=True)
def _single_threaded_blas():
    with threadpool_limits(limits=1, user_api="blas"):
        yield

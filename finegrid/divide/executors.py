"""Where general grids run: here, on a local process pool, or on a Dask cluster.

Either way the divider sees a ``concurrent.futures.Executor``, so there is one code path.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager

SCHEDULER_TIMEOUT = "10s"


@contextmanager
def open_executor(
    workers: int | None = None, scheduler: str | None = None
) -> Iterator[Executor | None]:
    """A Dask client's executor when ``scheduler`` is an address, else a pool of
    ``workers`` processes (default: one per CPU); None (run in this process) for one."""
    if scheduler:
        from distributed import Client

        try:
            client = Client(scheduler, timeout=SCHEDULER_TIMEOUT)
        except OSError as error:
            raise ConnectionError(f"cannot reach the Dask scheduler {scheduler}: {error}") from None
        with client:
            yield client.get_executor()
        return
    workers = workers or os.cpu_count() or 1
    if workers == 1:
        yield None
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield pool

"""The Dask path: the same command against a real multi-process LocalCluster gives the
same file, and the grids really are divided in the worker processes."""

from __future__ import annotations

import logging
import os

import pytest
from distributed import Client, LocalCluster

from finegrid.cli import main

from .files import two_grid_buildings, two_grids, write


@pytest.fixture(scope="module")
def scheduler():
    # The scheduler (in this process) logs client goodbyes from its own thread, which can
    # come after pytest has closed the stream it captured: only warnings are worth showing.
    logger = logging.getLogger("distributed")
    level = logger.level
    logger.setLevel(logging.WARNING)
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        yield cluster.scheduler_address
    logger.setLevel(level)


def tasks_done_per_worker(scheduler: str) -> dict[int, int]:
    """Process id → tasks each worker of the cluster has finished."""
    with Client(scheduler) as client:
        done = client.run(lambda dask_worker: (os.getpid(), dask_worker.state.transition_counter))
    return dict(done.values())


def test_dask_cluster_gives_the_same_division_as_this_process(scheduler, tmp_path):
    before = tasks_done_per_worker(scheduler)
    buildings = write(tmp_path / "buildings.geojson", two_grid_buildings())
    grids = write(tmp_path / "grids.geojson", two_grids())
    here, there = tmp_path / "here.geojson", tmp_path / "there.geojson"
    assert (
        main(["divide", str(buildings), "-o", str(here), "--grids", str(grids), "--workers", "1"])
        == 0
    )
    assert (
        main(
            [
                "divide",
                str(buildings),
                "-o",
                str(there),
                "--grids",
                str(grids),
                "--scheduler",
                scheduler,
            ]
        )
        == 0
    )
    assert here.read_text() == there.read_text()
    after = tasks_done_per_worker(scheduler)
    assert len(after) == 2
    assert os.getpid() not in after, "the workers are processes of their own"
    assert sum(after.values()) > sum(before.values()), "the grids were divided there"


def test_unreachable_scheduler_is_a_clear_error(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("finegrid.divide.executors.SCHEDULER_TIMEOUT", "1s")
    buildings = write(tmp_path / "buildings.geojson", two_grid_buildings())
    out = tmp_path / "micro.geojson"
    assert main(["divide", str(buildings), "-o", str(out), "--scheduler", "tcp://127.0.0.1:9"]) == 1
    assert "cannot reach the Dask scheduler tcp://127.0.0.1:9" in capsys.readouterr().err
    assert not out.exists()

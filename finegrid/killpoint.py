"""A test-only pause inside the long all-or-nothing commands, to prove they are.

With ``FINEGRID_TEST_PAUSE_AT=<point>`` in its environment (a test setting: never set it
in production), a command that reaches that point, inside its transaction and after it
has written rows, prints ``paused at <point>:`` with the row counts it sees so far on
stderr and sleeps, so that a test can kill it with SIGKILL and check that the database is
as it was before. The points are ``registry-import``, ``apply-division`` and
``demo-build``. Unset, a point costs one dictionary lookup.
"""

from __future__ import annotations

import os
import sys
import time

ENVIRONMENT_VARIABLE = "FINEGRID_TEST_PAUSE_AT"


def pause(point: str, *models) -> None:
    """Stop here when the environment asks for ``point``, showing the count of each model's
    rows as this transaction sees them (proof that it has written)."""
    if os.environ.get(ENVIRONMENT_VARIABLE) != point:
        return
    counts = " ".join(f"{m._meta.db_table}={m._base_manager.count()}" for m in models)
    sys.stderr.write(f"paused at {point}: {counts}\n")
    sys.stderr.flush()
    time.sleep(600)

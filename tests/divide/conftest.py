"""Hypothesis settings and small hand-made grids for the divider's tests."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

from tests.conftest import EXPLORE

settings.register_profile(
    "divide",
    max_examples=int(os.environ.get("DIVIDE_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=not EXPLORE,
)

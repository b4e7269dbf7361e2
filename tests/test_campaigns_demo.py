"""The demo's campaign, on the demo tests' small village."""

from __future__ import annotations

import pytest

from finegrid.accounts.models import User
from finegrid.campaigns import queries
from finegrid.campaigns.models import Campaign
from finegrid.demo import build
from finegrid.divisions import get
from tests.conftest import system

VILLAGE = "510131002219"


@pytest.fixture
def demo_settings(settings, tmp_path):
    settings.DEMO_MODE = True
    settings.VAR_DIR = tmp_path
    return settings


def test_the_demo_runs_a_campaign_in_progress(demo_settings, db):
    build.build(get(VILLAGE), seed=2, workers=1)
    campaign = Campaign.objects.get()
    assert campaign.is_open
    figures = queries.progress(system(), campaign)
    assert 0 < figures["reached"] < figures["households"]
    assert figures["micro_grids_done"] >= 1
    assert figures["late"] >= 1
    assert figures["without_worker"] >= 1
    assert campaign.alerts.exists()
    # The microworker finds their micro-grid part done, with doors still to knock on.
    doors = list(queries.my_doors(User.objects.get(username="microworker"), campaign))
    assert any(d.outcome for d in doors)
    assert any(not d.outcome for d in doors)

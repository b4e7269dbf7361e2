"""Shared fixtures. Data is set up through the real actions, as a user would create it."""

from __future__ import annotations

import os
import types

import hypothesis
import pytest
from django.conf import settings as django_settings
from django.utils import translation
from shapely.geometry import box, mapping

from finegrid.accounts.actions import do_create_user
from finegrid.accounts.system import system_actor
from finegrid.territory.actions import do_create_grid, do_load_areas

# Property-based tests draw fixed examples, so that a run's verdict depends on the code and
# not on the run: CI gives the same answer twice. FINEGRID_EXPLORE=1 draws fresh ones each
# run, to hunt for what the fixed examples miss (README, Settings).
EXPLORE = bool(os.environ.get("FINEGRID_EXPLORE"))
hypothesis.settings.register_profile("finegrid", derandomize=not EXPLORE)
hypothesis.settings.load_profile("finegrid")

# Two communities of 东升街道 (双流区) and one of 锦官驿街道 (锦江区).
COMMUNITY_A = "510116001005"  # 五洞桥社区
COMMUNITY_B = "510116001001"  # 棠湖社区
COMMUNITY_C = "510104017001"


def system():
    """The system actor, as the command line acts: tests set data up through the actions."""
    return system_actor("tests")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 is deliberately slow; tests that check hashing restore it themselves."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _site_language_afterwards():
    """A request in English leaves English active in the worker's thread, and the next
    test in that worker would read English messages: every test starts in Chinese."""
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


def square(west: float, south: float, size: float = 0.002) -> dict:
    return mapping(box(west, south, west + size, south + size))


@pytest.fixture
def world(db):
    """Areas of two streets, a few grids, and one user per role.

    Users have no password (tests log in with force_login) and are named after their
    role; `outsider` is community staff of community C, in another district.
    """
    do_load_areas(system(), "510116001")
    do_load_areas(system(), "510104017")
    grids = types.SimpleNamespace(
        general=do_create_grid(
            system(), code=f"{COMMUNITY_A}-001", geometry=square(103.93, 30.57, 0.004)
        ),
        general2=do_create_grid(
            system(), code=f"{COMMUNITY_A}-002", geometry=square(103.935, 30.57, 0.004)
        ),
        micro=do_create_grid(
            system(), code=f"{COMMUNITY_A}-001-01", geometry=square(103.93, 30.57)
        ),
        micro2=do_create_grid(
            system(), code=f"{COMMUNITY_A}-001-02", geometry=square(103.932, 30.57)
        ),
        dedicated=do_create_grid(
            system(),
            code=f"{COMMUNITY_A}-Z01",
            site_kind="school",
            name="实验小学",
            geometry=square(103.94, 30.57),
        ),
        other_street=do_create_grid(
            system(), code=f"{COMMUNITY_B}-001", geometry=square(103.95, 30.58)
        ),
        other_district=do_create_grid(
            system(), code=f"{COMMUNITY_C}-001", geometry=square(104.08, 30.65)
        ),
    )
    scopes = {
        "city_admin": ["5101"],
        "district_staff": ["510116"],
        "street_staff": ["510116001"],
        "community_staff": [COMMUNITY_A],
        "grid_worker": [grids.general.code],
        "micro_worker": [grids.micro.code],
        "dedicated_worker": [grids.dedicated.code],
        "resident": [grids.micro.code],
        "partner": [COMMUNITY_A],
    }
    users = {
        role: do_create_user(system(), username=role, role=role, scopes=codes)
        for role, codes in scopes.items()
    }
    users["outsider"] = do_create_user(
        system(), username="outsider", role="community_staff", scopes=[COMMUNITY_C]
    )
    return types.SimpleNamespace(grids=grids, users=types.SimpleNamespace(**users))


@pytest.fixture
def login(client):
    """Log the test client in as a user; returns the client."""

    def _login(user):
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def registry(world):
    """The test roster imported into community A; 3栋1单元502 placed in micro-grid
    A-001-01 and 3栋2单元101 in A-001-02."""
    from finegrid.people.actions import do_import_roster
    from finegrid.people.models import Household
    from finegrid.territory.actions import do_place_dwellings
    from finegrid.territory.models import Dwelling
    from tests.registry_data import rows

    do_import_roster(system(), COMMUNITY_A, rows())
    do_place_dwellings(system(), world.grids.micro, list(Dwelling.objects.filter(room="502")))
    do_place_dwellings(system(), world.grids.micro2, list(Dwelling.objects.filter(room="101")))
    return types.SimpleNamespace(
        zhang=Household.objects.get(head__name="张建国"),
        wang=Household.objects.get(head__name="王秀英"),
    )

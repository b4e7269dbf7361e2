"""`finegrid demo` on a small village (光明村, 蒲江县) to keep the suite quick."""

import re

import pytest
from django.contrib.auth import authenticate
from django.db import transaction

from finegrid.accounts.models import AuditEntry, User
from finegrid.cli import main
from finegrid.demo import build
from finegrid.divisions import get
from finegrid.org.models import PartyOrg, Worker, WorkerRole
from finegrid.org.queries import coverage
from finegrid.people.models import Household, Person
from finegrid.territory.models import AdminArea, Grid, Route
from tests.conftest import system

VILLAGE = "510131002219"


@pytest.fixture
def demo_settings(settings, tmp_path):
    settings.DEMO_MODE = True
    settings.VAR_DIR = tmp_path
    return settings


def fingerprint() -> list:
    """What a user would see of a demo, without database ids."""
    return [
        sorted(Grid.objects.filter(kind="micro").values_list("code", "geometry")),
        sorted(Route.objects.values_list("grid__code", "households", "minutes")),
        sorted(Household.objects.values_list("dwelling__building__ref", "dwelling__room", "path")),
        sorted(Worker.objects.values_list("grid__code", "role", "name")),
    ]


def test_the_demo_refuses_to_run_outside_demo_mode(settings, capsys, db):
    settings.DEMO_MODE = False
    assert main(["demo", "--area", VILLAGE, "--no-serve"]) == 1
    assert "runs only in demo mode: FINEGRID_DEMO=1" in capsys.readouterr().err


def test_the_demo_divides_staffs_and_reruns_safely(demo_settings, capsys, rf, db):
    assert main(["demo", "--area", VILLAGE, "--seed", "2", "--no-serve", "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert "micro-grids (0 over 3 h)" in out
    assert "microworker" in out

    households = Household.objects.count()
    assert households > 0
    # Every household lives in a micro-grid, and every micro-grid fits the 3-hour window.
    micro_paths = set(Grid.objects.filter(kind="micro").values_list("path", flat=True))
    assert set(Household.objects.values_list("path", flat=True)) <= micro_paths
    assert set(Person.objects.values_list("path", flat=True)) <= micro_paths
    routes = Route.objects.all()
    assert routes.count() == len(micro_paths)
    assert max(route.minutes for route in routes) <= 180
    assert sum(route.households for route in routes) == households

    report = coverage(system(), AdminArea.objects.get(code=VILLAGE))
    assert report.without_party_org.get("micro")
    assert report.without_worker.get("micro")
    assert report.workers_living_elsewhere

    for username in ("admin", "street", "community", "gridworker", "microworker", "resident"):
        assert User.objects.get(username=username).is_demo
        assert authenticate(rf.post("/login/"), username=username, password=build.DEMO_PASSWORD)
    demo_settings.DEMO_MODE = False
    assert (
        authenticate(rf.post("/login/"), username="community", password=build.DEMO_PASSWORD) is None
    )
    demo_settings.DEMO_MODE = True
    micro_worker = User.objects.get(username="microworker")
    assert Worker.objects.get(user=micro_worker).role == "micro_worker"
    assert Person.objects.get(user__username="resident").path == micro_worker.path

    counts = (Grid.objects.count(), Household.objects.count(), AuditEntry.objects.count())
    assert main(["demo", "--area", VILLAGE, "--seed", "2", "--no-serve"]) == 0
    assert "already set up" in capsys.readouterr().out
    assert (Grid.objects.count(), Household.objects.count(), AuditEntry.objects.count()) == counts
    assert main(["demo", "--area", VILLAGE, "--seed", "3", "--no-serve"]) == 1
    assert "holds the demo of 510131002219 with seed 2" in capsys.readouterr().err


def test_every_post_goes_to_a_different_person(demo_settings, login, db):
    build.build(get(VILLAGE), seed=2, workers=1)
    workers = list(Worker.objects.active().select_related("grid__parent", "person"))
    by_role = {role: [w for w in workers if w.role == role] for role in WorkerRole.values}
    assert len(by_role["grid_worker"]) == Grid.objects.filter(kind="general").count() == 2
    assert len(by_role["dedicated_worker"]) == Grid.objects.filter(kind="dedicated").count() == 2

    # Nobody holds two posts, and no household two: the full-time grid worker is never
    # one of the resident volunteers (nor their family).
    registered = [w for w in workers if w.person is not None]
    assert {w.role for w in registered} == {"grid_worker", "micro_worker"}
    households = [w.person.household_id for w in registered]
    assert len(set(households)) == len(households)
    # A dedicated grid is run by the unit's own staff: a different person for each.
    assert len({w.name for w in by_role["dedicated_worker"]}) == 2

    # Volunteers live in their micro-grid; the deliberate gaps live in a neighbouring
    # micro-grid of the same general grid, and the coverage report names exactly them.
    elsewhere = [w for w in by_role["micro_worker"] if w.person.path != w.grid.path]
    assert elsewhere
    for worker in elsewhere:
        assert worker.person.path.rsplit("/", 1)[0] == worker.grid.parent.path
    report = coverage(system(), AdminArea.objects.get(code=VILLAGE))
    assert sorted(w.pk for w in report.workers_living_elsewhere) == sorted(w.pk for w in elsewhere)
    assert report.without_worker.get("micro")

    # The resident login's grid workers are neighbours, not their own family.
    resident = User.objects.get(username="resident")
    family = set(Person.objects.get(user=resident).household.members.values_list("name", flat=True))
    page = login(resident).get("/").content.decode()
    contacts = page.split('data-testid="contacts"', 1)[1].split("</section>", 1)[0]
    micro = Worker.objects.get(user__username="microworker")
    grid_worker = Worker.objects.get(grid=micro.grid.parent, role="grid_worker")
    assert f"微网格员：{micro.name} " in contacts
    assert f"专职网格员：{grid_worker.name} " in contacts
    assert not any(f"：{name} " in contacts for name in family)


def test_party_organizations_read_naturally(demo_settings, login, db):
    build.build(get(VILLAGE), seed=2, workers=1)
    names = list(PartyOrg.objects.values_list("name", flat=True))
    assert not [name for name in names if re.search(r"(\D{2,})\1", name)]
    assert {"光明村党委", "光明村第1网格党支部", "第001-01微网格党小组"} <= set(names)
    page = login(User.objects.get(username="community")).get(f"/grids/{VILLAGE}-001-01/")
    assert "第001-01微网格党小组" in page.content.decode()


class Rollback(Exception):
    pass


def test_the_same_seed_builds_the_same_demo(demo_settings, db):
    prints = []

    def build_and_undo():
        with transaction.atomic():
            build.build(get(VILLAGE), seed=5, workers=1)
            prints.append(fingerprint())
            raise Rollback

    for _ in range(2):
        with pytest.raises(Rollback):
            build_and_undo()
    assert prints[0] == prints[1]
    assert prints[0][0]


def test_a_community_is_re_divided_from_its_own_exports(demo_settings, tmp_path, capsys, db):
    build.build(get(VILLAGE), seed=2, workers=1)
    paths = dict(Household.objects.values_list("pk", "path"))
    micro = Grid.objects.filter(kind="micro").count()
    files = {name: str(tmp_path / f"{name}.geojson") for name in ("b", "g", "p", "m")}
    for command in (
        ["registry", "buildings", "export", "--area", VILLAGE, "-o", files["b"]],
        ["grids", "export", "--area", VILLAGE, "--kind", "general", "-o", files["g"]],
        ["grids", "export", "--area", VILLAGE, "--kind", "micro", "-o", files["p"]],
        [
            "divide",
            files["b"],
            "--grids",
            files["g"],
            "--previous",
            files["p"],
            "-o",
            files["m"],
            "--workers",
            "1",
        ],
        ["grids", "apply-division", files["m"]],
    ):
        assert main(command) == 0, command
    out = capsys.readouterr().out
    assert f"micro-grids created 0, kept {micro}, removed 0" in out
    assert dict(Household.objects.values_list("pk", "path")) == paths
